/* The AT dispatcher (STYLE.md: the dispatcher, not each handler, checks the
 * request type and argument count and produces the error reply). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "at.h"
#include "log.h"
#include "personality.h"
#include "util.h"

const struct at_dialect *
at_dialect_for(enum personality p)
{
	return personality_get(p)->dialect;
}

const struct at_cmd *
at_find(const struct at_dialect *d, const char *name)
{
	size_t lo = 0, hi = d->ncmds;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcasecmp(name, d->cmds[mid].name);

		if (c == 0)
			return &d->cmds[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

void
at_reply(struct at_req *r, const char *text)
{
	r->s->write(r->s->arg, text, strlen(text));
}

void
at_replyf(struct at_req *r, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	r->s->write(r->s->arg, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

static int
nfields(const struct at_cmd *c)
{
	int n = 0;

	while (n < AT_ARGS_MAX && c->fields[n])
		n++;
	return n;
}

/* One argument: leading spaces (after a comma) and one pair of surrounding
 * double quotes are dropped (PROTOCOLS.md §1). */
static char *
trim_arg(char *a)
{
	size_t n;

	while (*a == ' ')
		a++;
	n = strlen(a);
	if (n >= 2 && a[0] == '"' && a[n - 1] == '"') {
		a[n - 1] = '\0';
		a++;
	}
	return a;
}

/* Splits on commas outside double quotes. -1 if there are too many. */
static int
split_args(struct at_req *r, const char *raw, int whole)
{
	char *p;
	int q = 0;

	util_strlcpy(r->buf, raw, sizeof(r->buf));
	r->argc = 0;
	if (whole) {
		r->argv[r->argc++] = trim_arg(r->buf);
		return 0;
	}
	r->argv[r->argc++] = r->buf;
	for (p = r->buf; *p; p++) {
		if (*p == '"')
			q = !q;
		else if (*p == ',' && !q) {
			if (r->argc == AT_ARGS_MAX)
				return -1;
			*p = '\0';
			r->argv[r->argc++] = p + 1;
		}
	}
	for (int i = 0; i < r->argc; i++)
		r->argv[i] = trim_arg(r->argv[i]);
	return 0;
}

int
at_dispatch(struct at_session *s, const char *line, size_t len, int overflow)
{
	const struct at_dialect *d = at_dialect_for(s->host->settings(s->h)->personality);
	struct at_req r;
	char text[AT_LINE_MAX + 1], name[32];
	const char *p;
	size_t n = 0;
	int rc;

	memset(&r, 0, sizeof(r));
	r.s = s;
	r.d = d;
	if (overflow || len > AT_LINE_MAX) {
		d->error(&r, AT_ERR_FORMAT);
		return AT_ERR_FORMAT;
	}
	memcpy(text, line, len);
	text[len] = '\0';
	/* Trailing spaces are not part of the command. */
	while (len > 0 && text[len - 1] == ' ')
		text[--len] = '\0';
	log_debug("at: %s", text);
	if (len < 2 || strncasecmp(text, "AT", 2) != 0 || memchr(text, '\0', len)) {
		d->error(&r, AT_ERR_FORMAT);
		return AT_ERR_FORMAT;
	}
	if (d->special) {
		rc = d->special(&r, text);
		if (rc != 1) {
			if (rc < 0)
				d->error(&r, rc);
			return rc;
		}
	}
	if (text[2] != '+') {
		d->error(&r, AT_ERR_FORMAT);
		return AT_ERR_FORMAT;
	}
	for (p = text + 3; isalnum((unsigned char)*p) && n < sizeof(name) - 1; p++)
		name[n++] = *p;
	name[n] = '\0';
	if (n == 0 || isalnum((unsigned char)*p)) {
		d->error(&r, AT_ERR_FORMAT);
		return AT_ERR_FORMAT;
	}
	r.cmd = at_find(d, name);
	if (!r.cmd) {
		d->error(&r, AT_ERR_CMD);
		return AT_ERR_CMD;
	}
	if (*p == '\0')
		r.op = AT_EXEC;
	else if (strcmp(p, "?") == 0)
		r.op = AT_QUERY;
	else if (strcmp(p, "=?") == 0 && d != &at_dialect_30x)
		r.op = AT_TEST;
	else if (*p == '=')
		r.op = AT_SET;
	else {
		d->error(&r, AT_ERR_FORMAT);
		return AT_ERR_FORMAT;
	}
	/* "AT+CMD" is the action of an action, else a query (30X). */
	if (r.op == AT_EXEC && !(r.cmd->ops & AT_X))
		r.op = AT_QUERY;
	if ((r.op == AT_EXEC && !(r.cmd->ops & AT_X)) ||
	    (r.op == AT_QUERY && !(r.cmd->ops & AT_Q)) ||
	    ((r.op == AT_SET || r.op == AT_TEST) && !(r.cmd->ops & AT_S))) {
		d->error(&r, AT_ERR_OP);
		return AT_ERR_OP;
	}
	if (r.op == AT_SET) {
		int want = nfields(r.cmd);

		if (split_args(&r, p + 1, (r.cmd->ops & AT_RAW) != 0) < 0 ||
		    (want > 0 && r.argc != want)) {
			d->error(&r, AT_ERR_PARAM);
			return AT_ERR_PARAM;
		}
	}
	rc = r.cmd->handler(&r);
	if (rc < 0)
		d->error(&r, rc);
	return rc;
}

void
at_plain_value(const struct at_req *r, char *buf, size_t cap)
{
	const struct settings *st = r->s->host->settings(r->s->h);
	char tmp[4 * SETTING_BYTES_MAX + 1];
	size_t o = 0;

	buf[0] = '\0';
	for (int i = 0; i < AT_ARGS_MAX && r->cmd->fields[i] && o < cap; i++) {
		struct setting_ref s = settings_find(r->cmd->fields[i]);

		if (i)
			o += (size_t)snprintf(buf + o, cap - o, ",");
		if (o < cap && s.s->type == ST_BYTES) {
			/* AT shows the bytes themselves (seed 000 §4.22, §4.30). */
			int n = settings_bytes_unescape(settings_format(st, s, tmp, sizeof(tmp)) ?
			    tmp : "", (uint8_t *)buf + o, cap - o - 1);

			o += n > 0 ? (size_t)n : 0;
			buf[o] = '\0';
		} else if (o < cap)
			o += settings_format(st, s, buf + o, cap - o);
	}
}

int
at_plain(struct at_req *r)
{
	struct setting_ref s[AT_ARGS_MAX];
	const char *text[AT_ARGS_MAX];
	/* All arguments together fit a line; escaped, each byte takes <= 4. */
	char esc[4 * AT_LINE_MAX + AT_ARGS_MAX];
	size_t eo = 0;
	struct settings next;
	char val[1024], why[160];
	int n = nfields(r->cmd), rc;

	if (r->op != AT_SET) {
		at_plain_value(r, val, sizeof(val));
		r->d->value(r, val);
		return AT_DONE;
	}
	for (int i = 0; i < n; i++) {
		s[i] = settings_find(r->cmd->fields[i]);
		text[i] = r->argv[i];
		/* AT gives the bytes themselves; the table takes their text form. */
		if (s[i].s && s[i].s->type == ST_BYTES) {
			text[i] = esc + eo;
			eo += settings_bytes_escape((const uint8_t *)r->argv[i],
			    strlen(r->argv[i]), esc + eo, sizeof(esc) - eo) + 1;
		}
	}
	next = *r->s->host->settings(r->s->h);
	rc = settings_set_many(&next, s, text, n, SET_AT, why, sizeof(why));
	if (rc < 0) {
		log_debug("at: AT+%s: %s", r->cmd->name, why);
		return AT_ERR_PARAM;
	}
	/* Edit and save are two steps; the 30X does both at once, the 721
	 * saves on ATW. Nothing changes when the save fails. */
	if (r->d->flags & AT_D_SAVE_ON_SET) {
		rc = r->s->host->save(r->s->h, &next);
		if (rc < 0) {
			log_warn("at: AT+%s: cannot save: %s", r->cmd->name, strerror(-rc));
			return AT_ERR_PERM;
		}
	}
	r->s->host->edit(r->s->h, &next);
	r->d->ok(r);
	return AT_DONE;
}
