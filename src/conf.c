/* Config and state files: libconfig syntax, keys from the settings table.
 * Errors carry file:line (STYLE.md: convert libconfig's error space here). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "conf.h"
#include "util.h"

#define STATE_FILE "settings.conf"
#define STATE_TEXT_MAX 65536

void
conf_error_format(const struct conf_error *e, char *buf, size_t cap)
{
	if (e->line > 0)
		snprintf(buf, cap, "%s:%d: %s", e->file, e->line, e->msg);
	else
		snprintf(buf, cap, "%s: %s", e->file, e->msg);
}

static void
set_error(struct conf_error *err, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
set_error(struct conf_error *err, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	util_strlcpy(err->file, file ? file : "?", sizeof(err->file));
	err->line = line;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

/* Turns one libconfig scalar (or list of strings) into the table's text form. */
static int
value_text(const config_setting_t *cs, const struct setting *s, char *buf, size_t cap,
    const char **why)
{
	int type = config_setting_type(cs);

	switch (type) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		if (s->type != ST_INT) {
			*why = "must be a string";
			return -EINVAL;
		}
		snprintf(buf, cap, "%lld", (long long)config_setting_get_int64(cs));
		return 0;
	case CONFIG_TYPE_BOOL:
		if (s->type != ST_BOOL) {
			*why = s->type == ST_INT ? "must be an integer" : "must be a string";
			return -EINVAL;
		}
		snprintf(buf, cap, "%s", s->choices[config_setting_get_bool(cs) ? 1 : 0]);
		return 0;
	case CONFIG_TYPE_STRING:
		if (s->type == ST_INT) {
			*why = "must be an integer";
			return -EINVAL;
		}
		if (util_strlcpy(buf, config_setting_get_string(cs), cap) >= cap) {
			*why = "too long";
			return -ERANGE;
		}
		return 0;
	case CONFIG_TYPE_ARRAY:
	case CONFIG_TYPE_LIST: {
		size_t o = 0;

		if (s->type == ST_BYTES) {
			uint8_t data[SETTING_BYTES_MAX];
			int n = config_setting_length(cs);

			if (n > SETTING_BYTES_MAX) {
				*why = "too many bytes";
				return -ERANGE;
			}
			for (int i = 0; i < n; i++) {
				config_setting_t *e = config_setting_get_elem(cs, (unsigned)i);
				long long v = e ? config_setting_get_int64(e) : -1;

				if (!e || (config_setting_type(e) != CONFIG_TYPE_INT &&
				    config_setting_type(e) != CONFIG_TYPE_INT64) || v < 0 || v > 255) {
					*why = "must be integers from 0 to 255";
					return -EINVAL;
				}
				data[i] = (uint8_t)v;
			}
			settings_bytes_escape(data, (size_t)n, buf, cap);
			return 0;
		}
		if (s->type != ST_LIST) {
			*why = "must not be a list";
			return -EINVAL;
		}
		buf[0] = '\0';
		for (int i = 0; i < config_setting_length(cs); i++) {
			const config_setting_t *el = config_setting_get_elem(cs, (unsigned)i);
			const char *t = config_setting_get_string(el);

			if (!t) {
				*why = "must be a list of strings";
				return -EINVAL;
			}
			o += (size_t)snprintf(buf + o, o < cap ? cap - o : 0, "%s%s", i ? "," : "", t);
			if (o >= cap) {
				*why = "too long";
				return -ERANGE;
			}
		}
		return 0;
	}
	default:
		*why = "has a type that is not accepted here";
		return -EINVAL;
	}
}

/* 1 if name is the group of some row ("serial" of serial.baud). */
static int
is_group(const char *name)
{
	char key[SETTINGS_KEY_MAX];

	for (struct setting_ref r = { NULL, 0 }; settings_next(&r);) {
		size_t glen = settings_group_len(r);

		settings_key(r, key, sizeof(key));
		if (glen && glen == strlen(name) && strncasecmp(key, name, glen) == 0)
			return 1;
	}
	return 0;
}

/* Walks the tree: every scalar must name a row of the table. */
static int
apply_group(const config_setting_t *grp, const char *prefix, struct settings *st,
    unsigned need, const char *file, struct conf_error *err)
{
	for (int i = 0; i < config_setting_length(grp); i++) {
		const config_setting_t *cs = config_setting_get_elem(grp, (unsigned)i);
		const char *name = config_setting_name(cs);
		int line = config_setting_source_line(cs);
		struct setting_ref s;
		char key[128], text[1024], why[160];
		const char *whyc = NULL;
		int r;

		snprintf(key, sizeof(key), "%s%s%s", prefix, *prefix ? "." : "", name);
		if (config_setting_type(cs) == CONFIG_TYPE_GROUP) {
			if (*prefix) {
				set_error(err, file, line, "%s: groups nest only one level", key);
				return -EINVAL;
			}
			r = apply_group(cs, key, st, need, file, err);
			if (r < 0)
				return r;
			continue;
		}
		s = settings_find(key);
		if (!s.s && !*prefix && is_group(key) &&
		    (config_setting_type(cs) == CONFIG_TYPE_LIST ||
		    config_setting_type(cs) == CONFIG_TYPE_ARRAY)) {
			set_error(err, file, line, "'%s' is a group: write %s = { ... }; "
			    "with braces, not a list", key, key);
			return -EINVAL;
		}
		if (!s.s) {
			set_error(err, file, line, "unknown setting '%s'", key);
			return -EINVAL;
		}
		if ((s.s->flags & need) != need) {
			set_error(err, file, line, "'%s' cannot be set here", key);
			return -EINVAL;
		}
		if (!settings_applies(s, (enum personality)st->personality)) {
			set_error(err, file, line, "'%s' is not used by %s", key,
			    personality_name((enum personality)st->personality));
			return -EINVAL;
		}
		if (strcasecmp(key, "personality") == 0)
			continue;	/* applied first, by the caller */
		r = value_text(cs, s.s, text, sizeof(text), &whyc);
		if (r == 0)
			r = settings_set(st, s, text, why, sizeof(why));
		else
			util_strlcpy(why, whyc, sizeof(why));
		if (r < 0) {
			set_error(err, file, line, "%s: %s", key, why);
			return -EINVAL;
		}
	}
	return 0;
}

static int
read_config(config_t *cfg, const char *path, const char *text, struct conf_error *err)
{
	int ok;

	struct stat sb;

	/* fopen() takes a directory; the read then fails with a bare
	 * libconfig "syntax error" or I/O error. */
	if (!text && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		set_error(err, path, 0, "is a directory, not a config file");
		return -EISDIR;
	}
	config_init(cfg);
	ok = text ? config_read_string(cfg, text) : config_read_file(cfg, path);
	if (!ok) {
		const char *f = config_error_file(cfg);

		if (config_error_type(cfg) == CONFIG_ERR_FILE_IO) {
			set_error(err, path, 0, "cannot read: %s", strerror(errno));
			config_destroy(cfg);
			return -ENOENT;
		}
		/* libconfig says only "syntax error"; the usual cause in a
		 * hand-written file is an unquoted string (device = /dev/ttyS0). */
		set_error(err, f ? f : path, config_error_line(cfg), "%s%s",
		    config_error_text(cfg),
		    strcmp(config_error_text(cfg), "syntax error") == 0 ?
		    " (strings need double quotes; settings end with ';')" : "");
		config_destroy(cfg);
		return -EINVAL;
	}
	return 0;
}

static int
load(const char *path, const char *text, struct settings *out, struct conf_error *err)
{
	struct settings st;
	config_t cfg;
	const char *pers = "tcp232-30x";
	config_setting_t *ps;
	int p, r;

	r = read_config(&cfg, path, text, err);
	if (r < 0)
		return r;
	/* Keys are case-insensitive (settings_find), so this one is too:
	 * otherwise "Personality" would be applied over the wrong defaults. */
	ps = NULL;
	for (int i = 0; i < config_setting_length(config_root_setting(&cfg)); i++) {
		config_setting_t *cs = config_setting_get_elem(config_root_setting(&cfg),
		    (unsigned)i);

		if (strcasecmp(config_setting_name(cs), "personality") != 0)
			continue;
		if (ps) {
			set_error(err, path, config_setting_source_line(cs),
			    "personality: given twice");
			config_destroy(&cfg);
			return -EINVAL;
		}
		ps = cs;
	}
	if (ps) {
		pers = config_setting_get_string(ps);
		p = pers ? personality_from_name(pers) : -EINVAL;
		if (p < 0) {
			set_error(err, path, config_setting_source_line(ps),
			    "personality: must be one of tcp232-30x, gprs232-721");
			config_destroy(&cfg);
			return -EINVAL;
		}
	} else {
		p = PERS_30X;
	}
	settings_defaults(&st, (enum personality)p);
	r = apply_group(config_root_setting(&cfg), "", &st, 0, path, err);
	config_destroy(&cfg);
	if (r == 0)
		*out = st;
	return r;
}

/* A relative path in the config file is relative to the file's directory
 * (not to the cwd, which is "/" once the daemon detached): usrbridgectl -c
 * finds the socket the daemon made. */
static void
absolutize(const char *config, char *p, size_t cap)
{
	const char *slash = strrchr(config, '/');
	char buf[4096];

	if (!*p || *p == '/' || !slash || strcmp(p, "pty") == 0)
		return;
	snprintf(buf, sizeof(buf), "%.*s/%s", (int)(slash - config), config, p);
	if (strlen(buf) < cap)
		util_strlcpy(p, buf, cap);
}

int
conf_load(const char *path, struct settings *out, struct conf_error *err)
{
	int r = load(path, NULL, out, err);

	if (r == 0) {
		absolutize(path, out->state_dir, sizeof(out->state_dir));
		absolutize(path, out->serial_device, sizeof(out->serial_device));
		absolutize(path, out->pty_link, sizeof(out->pty_link));
		absolutize(path, out->control_socket, sizeof(out->control_socket));
	}
	return r;
}

int
conf_load_string(const char *text, const char *name, struct settings *out,
    struct conf_error *err)
{
	return load(name, text, out, err);
}

int
conf_load_state(const char *path, struct settings *st, struct conf_error *err)
{
	struct settings tmp = *st;
	struct stat sb;
	config_t cfg;
	int r;

	if (stat(path, &sb) < 0 && errno == ENOENT)
		return 0;
	r = read_config(&cfg, path, NULL, err);
	if (r < 0)
		return r;
	r = apply_group(config_root_setting(&cfg), "", &tmp, S_PERSIST, path, err);
	config_destroy(&cfg);
	if (r == 0)
		*st = tmp;
	return r;
}

/* libconfig string literal: quotes, backslashes and non-printables escaped. */
static size_t
quote(const char *in, char *out, size_t cap)
{
	size_t o = 0;

#define PUT(...) (o += (size_t)snprintf(out + o, o < cap ? cap - o : 0, __VA_ARGS__))
	PUT("\"");
	for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
		if (*p == '"' || *p == '\\')
			PUT("\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			PUT("\\x%02x", *p);
		else
			PUT("%c", *p);
	}
	PUT("\"");
#undef PUT
	return o;
}

size_t
conf_state_text(const struct settings *st, const struct settings *base, char *buf, size_t cap)
{
	size_t o = 0;
	char val[1024], q[4100];

#define PUT(...) (o += (size_t)snprintf(buf + o, o < cap ? cap - o : 0, __VA_ARGS__))
	PUT("# Settings changed at run time (AT, usrbridgectl, web page).\n"
	    "# Written by usrbridged; it overrides the config file. Delete it, or\n"
	    "# send AT+RELD, to return to the config file's values.\n");
	/* Group rows by their prefix, in table order of first appearance. */
	for (struct setting_ref g = { NULL, 0 }; settings_next(&g);) {
		size_t glen = settings_group_len(g);
		char gkey[SETTINGS_KEY_MAX], key[SETTINGS_KEY_MAX];
		int opened = 0;

		if (!settings_group_starts(g))
			continue;
		settings_key(g, gkey, sizeof(gkey));
		for (struct setting_ref s = g; s.s; settings_next(&s)) {
			if (!settings_same_group(s, g) || !(s.s->flags & S_PERSIST) ||
			    settings_equal(st, base, s))
				continue;
			if (!opened) {
				PUT("%.*s = {\n", (int)glen, gkey);
				opened = 1;
			}
			settings_format(st, s, val, sizeof(val));
			settings_key(s, key, sizeof(key));
			if (s.s->type == ST_INT)
				PUT("  %s = %s;\n", key + glen + 1, val);
			else {
				quote(val, q, sizeof(q));
				PUT("  %s = %s;\n", key + glen + 1, q);
			}
		}
		if (opened)
			PUT("};\n");
	}
#undef PUT
	return o;
}

int
conf_save_state(const char *path, const struct settings *st, const struct settings *base)
{
	char *buf = malloc(STATE_TEXT_MAX);
	size_t n;
	int r;

	if (!buf)
		return -ENOMEM;
	n = conf_state_text(st, base, buf, STATE_TEXT_MAX);
	if (n >= STATE_TEXT_MAX)
		r = -E2BIG;
	else
		r = util_write_atomic(path, buf, n, 0640);
	free(buf);
	return r;
}

void
conf_state_path(const struct settings *st, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s/%s", st->state_dir, STATE_FILE);
}
