/* The AT dispatcher (STYLE.md: the dispatcher, not each handler, checks the
 * request type and argument count and produces the error reply): the parser
 * of one line, the request life cycle of a session (run, pend, finish) and
 * replies by kind that the dialect formats. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
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

/* Rows are sorted by name; a basic and an extended row may share one. */
static const struct at_cmd *
lookup(const struct at_dialect *d, const char *name, int basic)
{
	size_t lo = 0, hi = d->ncmds;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (strcasecmp(name, d->cmds[mid].name) <= 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	for (; lo < d->ncmds && strcasecmp(name, d->cmds[lo].name) == 0; lo++)
		if (!(d->cmds[lo].ops & AT_BASIC) == !basic)
			return &d->cmds[lo];
	return NULL;
}

const struct at_cmd *
at_find(const struct at_dialect *d, const char *name)
{
	return lookup(d, name, 0);
}

const struct at_cmd *
at_find_basic(const struct at_dialect *d, const char *name)
{
	return lookup(d, name, 1);
}

static int
field_nat(const struct at_field *f)
{
	return f->codec ? f->codec->nat : 1;
}

static int nfields(const struct at_cmd *c);

int
at_nargs(const struct at_cmd *cmd)
{
	int n = (cmd->ops & (AT_LINK | AT_GROUP)) ? 1 : 0;

	for (int i = 0; i < nfields(cmd); i++)
		n += field_nat(&cmd->fields[i]);
	return n;
}

/* A field's key names the setting, or (AT_LINK rows) "link.x" every link's. */
static int
key_matches(const char *fkey, const char *key)
{
	if (strcmp(fkey, key) == 0)
		return 1;
	return strncmp(fkey, "link.", 5) == 0 && strncmp(key, "link", 4) == 0 &&
	    key[4] >= '1' && key[4] < '1' + LINKS_MAX && key[5] == '.' &&
	    strcmp(key + 6, fkey + 5) == 0;
}

const struct at_cmd *
at_next_for_key(const struct at_dialect *d, const char *key, const struct at_cmd *prev)
{
	size_t i = prev ? (size_t)(prev - d->cmds) + 1 : 0;

	for (; i < d->ncmds; i++) {
		const struct at_cmd *c = &d->cmds[i];

		if (c->ops & AT_HIDDEN)
			continue;
		for (int f = 0; f < AT_ARGS_MAX && c->fields[f].keys[0]; f++)
			for (int k = 0; k < AT_FIELD_KEYS && c->fields[f].keys[k]; k++)
				if (key_matches(c->fields[f].keys[k], key))
					return c;
	}
	return NULL;
}

/* --- reply assembly ---------------------------------------------------------- */

void
at_flush(struct at_session *s)
{
	if (s->nout)
		s->write(s->arg, s->out, s->nout);
	s->nout = 0;
}

/* Never truncates: what does not fit is written in more than one piece. */
void
at_put(struct at_session *s, const char *data, size_t n)
{
	if (n > sizeof(s->out) - s->nout)
		at_flush(s);
	if (n > sizeof(s->out)) {
		s->write(s->arg, data, n);
		return;
	}
	memcpy(s->out + s->nout, data, n);
	s->nout += n;
}

void
at_puts(struct at_session *s, const char *text)
{
	at_put(s, text, strlen(text));
}

/* --- replies by kind ------------------------------------------------------- */

int
at_value_as(struct at_req *r, const char *name, const char *text)
{
	size_t n = strlen(text) + 1;

	if (r->nvalues == AT_VALUES_MAX || n > sizeof(r->vbuf) - r->nvbuf) {
		r->value_overflow = 1;
		return -ENOSPC;
	}
	memcpy(r->vbuf + r->nvbuf, text, n);
	r->value_name[r->nvalues] = name;
	r->value[r->nvalues++] = r->vbuf + r->nvbuf;
	r->nvbuf += n;
	return 0;
}

int
at_value(struct at_req *r, const char *text)
{
	return at_value_as(r, NULL, text);
}

void
at_intermediate(struct at_req *r, const char *text)
{
	r->d->line(r->s, text);
	at_flush(r->s);
}

int
at_unsolicited(struct at_session *s, const char *text)
{
	const struct at_dialect *d;

	/* A URC never splits a reply (V.250 §5.7.4 leaves the buffering to
	 * the DCE): the caller keeps it until the session is idle. */
	if (at_busy(s))
		return -EBUSY;
	d = s->dialect ? s->dialect :
	    at_dialect_for((enum personality)s->host->settings(s->h)->personality);
	d->line(s, text);
	at_flush(s);
	return 0;
}

/* --- the request life cycle ---------------------------------------------------- */

void
at_session_init(struct at_session *s, const struct at_host *host, void *h,
    void (*write)(void *arg, const char *data, size_t n), void (*entm)(void *arg),
    void (*done)(void *arg, struct at_req *r, int rc), void *arg)
{
	memset(s, 0, sizeof(*s));
	s->host = host;
	s->h = h;
	s->write = write;
	s->entm = entm;
	s->done = done;
	s->arg = arg;
	s->req.state = AT_REQ_IDLE;
}

int
at_busy(const struct at_session *s)
{
	return s->req.state != AT_REQ_IDLE;
}

void
at_cancel(struct at_session *s)
{
	struct at_req *r = &s->req;

	if (r->state != AT_REQ_PENDING)
		return;
	if (r->cancel)
		r->cancel(r);
	r->state = AT_REQ_IDLE;
	s->nout = 0;
}

/* A fresh request on s: nothing of the previous one is left. */
static struct at_req *
req_begin(struct at_session *s)
{
	struct at_req *r = &s->req;

	r->s = s;
	r->d = s->dialect ? s->dialect :
	    at_dialect_for((enum personality)s->host->settings(s->h)->personality);
	r->cmd = NULL;
	r->op = AT_EXEC;
	r->rc = AT_PENDING;
	r->argc = 0;
	r->nvalues = 0;
	r->nvbuf = 0;
	r->value_overflow = 0;
	r->after = NULL;
	r->cancel = NULL;
	r->hdata = NULL;
	r->why[0] = '\0';
	r->result = NULL;
	r->line = NULL;
	r->line_len = 0;
	r->state = AT_REQ_RUNNING;
	return r;
}

/* The final reply, then after, then done; the session is idle before done
 * runs, and nothing here touches it once done has been called. */
static void
complete(struct at_req *r, int rc)
{
	struct at_session *s = r->s;
	void (*after)(struct at_req *) = r->after;

	if (rc == AT_DONE && r->value_overflow) {
		/* A checked bound: better no value than a cut one. */
		log_warn("at: AT+%s: reply longer than %d bytes", r->cmd ? r->cmd->name : "",
		    AT_VALUE_BYTES);
		rc = AT_ERR_PERM;
	}
	if (r->result)
		r->d->line(s, r->result);
	else
		r->d->final(r, rc);
	at_flush(s);
	r->state = AT_REQ_IDLE;
	if (after && rc == AT_DONE)
		after(r);
	if (s->done)
		s->done(s->arg, r, rc);
}

void
at_finish(struct at_req *r, int rc)
{
	if (r->state == AT_REQ_RUNNING) {
		r->rc = rc;	/* the dispatcher completes it when the handler returns */
		return;
	}
	if (r->state != AT_REQ_PENDING)
		return;
	complete(r, rc);
}

/* Runs the parsed request r. */
static int
run(struct at_req *r)
{
	int rc = AT_DONE;

	/* A bare "AT" without a row of its own answers OK (PROTOCOLS.md §3). */
	if (r->cmd)
		rc = r->cmd->handler(r);
	if (rc == AT_PENDING) {
		if (r->rc == AT_PENDING) {
			r->state = AT_REQ_PENDING;
			return AT_PENDING;
		}
		rc = r->rc;
	}
	complete(r, rc);
	return rc;
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

/* The operator is one the row takes; then the arguments of a set. */
static int
check_op(struct at_req *r, const char *args)
{
	const struct at_cmd *c = r->cmd;

	/* "AT+CMD" is the action of an action, else a query (30X). */
	if (r->op == AT_EXEC && !(c->ops & AT_X) && !(c->ops & AT_BASIC))
		r->op = AT_QUERY;
	if ((r->op == AT_EXEC && !(c->ops & AT_X)) ||
	    (r->op == AT_QUERY && !(c->ops & AT_Q)) ||
	    ((r->op == AT_SET || r->op == AT_TEST) && !(c->ops & AT_S)))
		return AT_ERR_OP;
	if (r->op == AT_SET) {
		int want = at_nargs(c), least = c->min_args ? c->min_args : want;

		if (split_args(r, args, (c->ops & AT_RAW) != 0) < 0 ||
		    (want > 0 && (r->argc < least || r->argc > want))) {
			snprintf(r->why, sizeof(r->why), "AT+%s takes %d value%s separated by "
			    "commas", c->name, want, want == 1 ? "" : "s");
			return AT_ERR_PARAM;
		}
	}
	return 0;
}

/* V.250 §5.3.1 basic commands, one per line: "E1", "E" (= E0), "W", "H0",
 * "S0=2", "S0?", "D<dial string>", "&W". */
static int
parse_basic(const struct at_dialect *d, struct at_req *r, const char *p)
{
	char name[8];
	const char *args = "";
	size_t n = 0;

	if (*p == '&')
		name[n++] = *p++;
	if (!isalpha((unsigned char)*p))
		return AT_ERR_FORMAT;
	name[n++] = (char)toupper((unsigned char)*p++);
	if (name[n - 1] == 'S') {
		while (isdigit((unsigned char)*p) && n < sizeof(name) - 1)
			name[n++] = *p++;
		name[n] = '\0';
		if (strcmp(p, "?") == 0) {
			r->op = AT_QUERY;
		} else if (strcmp(p, "=?") == 0 && (d->flags & AT_D_TEST)) {
			r->op = AT_TEST;
		} else if (*p == '=') {
			r->op = AT_SET;
			args = p + 1;
		} else {
			return AT_ERR_FORMAT;
		}
	} else if (name[n - 1] == 'D' && n == 1) {
		/* The dial string is the rest of the line (V.250 §6.3.1). */
		name[n] = '\0';
		r->op = *p ? AT_SET : AT_EXEC;
		args = p;
		if (!(r->cmd = at_find_basic(d, name)))
			return AT_ERR_CMD;
		if (r->op == AT_SET && !(r->cmd->ops & AT_S))
			return AT_ERR_OP;
		r->argc = 0;
		if (r->op == AT_SET) {
			util_strlcpy(r->buf, args, sizeof(r->buf));
			r->argv[r->argc++] = r->buf;
		}
		return r->op == AT_EXEC && !(r->cmd->ops & AT_X) ? AT_ERR_OP : 0;
	} else {
		name[n] = '\0';
		args = p;
		while (isdigit((unsigned char)*p))
			p++;
		if (*p)
			return AT_ERR_FORMAT;	/* "ATE0V1": one command per line */
		r->op = p > args ? AT_SET : AT_EXEC;
	}
	r->cmd = at_find_basic(d, name);
	if (!r->cmd)
		return AT_ERR_CMD;
	/* "ATE" is "ATE0" (V.250 §5.3.1: a missing value is 0). */
	if (r->op == AT_EXEC && !(r->cmd->ops & AT_X)) {
		r->op = AT_SET;
		args = "0";
	}
	return check_op(r, args);
}

int
at_parse(const struct at_dialect *d, struct at_req *r, const char *line, size_t len,
    int overflow)
{
	char text[AT_LINE_MAX + 1], name[32];
	const char *p;
	size_t n = 0;

	r->d = d;
	r->cmd = NULL;
	r->op = AT_EXEC;
	r->argc = 0;
	if (overflow || len > AT_LINE_MAX)
		return AT_ERR_FORMAT;
	memcpy(text, line, len);
	text[len] = '\0';
	/* Trailing spaces are not part of the command. */
	while (len > 0 && text[len - 1] == ' ')
		text[--len] = '\0';
	log_debug("at: %s", text);
	if (len < 2 || strncasecmp(text, "AT", 2) != 0 || memchr(text, '\0', len))
		return AT_ERR_FORMAT;
	if (text[2] == '\0') {
		/* A bare "AT": its own row if the dialect has one (the 721
		 * passes it to the modem), else OK. */
		if (d->flags & AT_D_BASIC)
			r->cmd = at_find_basic(d, "");
		return 0;
	}
	if (text[2] != '+')
		return d->flags & AT_D_BASIC ? parse_basic(d, r, text + 2) : AT_ERR_FORMAT;
	for (p = text + 3; isalnum((unsigned char)*p) && n < sizeof(name) - 1; p++)
		name[n++] = *p;
	name[n] = '\0';
	if (n == 0 || isalnum((unsigned char)*p))
		return AT_ERR_FORMAT;
	r->cmd = at_find(d, name);
	if (!r->cmd)
		return AT_ERR_CMD;
	if (*p == '\0')
		r->op = AT_EXEC;
	else if (strcmp(p, "?") == 0)
		r->op = AT_QUERY;
	else if (strcmp(p, "=?") == 0 && (d->flags & AT_D_TEST))
		r->op = AT_TEST;
	else if (*p == '=')
		r->op = AT_SET;
	else
		return AT_ERR_FORMAT;
	return check_op(r, r->op == AT_SET ? p + 1 : "");
}

int
at_dispatch(struct at_session *s, const char *line, size_t len, int overflow)
{
	struct at_req *r;
	int rc;

	if (at_busy(s))
		return -EBUSY;
	r = req_begin(s);
	rc = at_parse(r->d, r, line, len, overflow);
	if (rc < 0) {
		complete(r, rc);
		return rc;
	}
	r->line = line;
	r->line_len = len;
	return run(r);
}

int
at_submit(struct at_session *s, const struct at_cmd *cmd, enum at_op op, const char *args)
{
	char text[AT_LINE_MAX + 1];
	struct at_req *r;
	size_t n;
	int rc;

	if (at_busy(s))
		return -EBUSY;
	r = req_begin(s);
	r->cmd = cmd;
	r->op = op;
	/* As on a line: within its cap, no trailing spaces. */
	n = args ? strlen(args) : 0;
	while (n > 0 && args[n - 1] == ' ')
		n--;
	if (n + strlen(cmd->name) + 4 > AT_LINE_MAX) {
		rc = AT_ERR_FORMAT;
	} else {
		memcpy(text, args ? args : "", n);
		text[n] = '\0';
		rc = check_op(r, text);
	}
	if (rc < 0) {
		complete(r, rc);
		return rc;
	}
	return run(r);
}

/* --- plain setting rows ---------------------------------------------------------- */

/* The fields one selection of a row addresses, keys resolved (AT_LINK
 * "link.x" -> "link<n>.x"; AT_GROUP: group n's fields only), so that
 * codecs and the settings table see real keys. */
struct at_fields {
	int n;
	struct at_field f[AT_ARGS_MAX];
	char keys[AT_ARGS_MAX][AT_FIELD_KEYS][SETTINGS_KEY_MAX];
};

static int
nfields(const struct at_cmd *c)
{
	int n = 0;

	while (n < AT_ARGS_MAX && c->fields[n].keys[0])
		n++;
	if ((c->ops & AT_GROUP) && c->groups > 0)
		n /= c->groups;
	return n;
}

static void
resolve(const struct at_cmd *c, int sel, struct at_fields *fs)
{
	int first = (c->ops & AT_GROUP) ? sel * nfields(c) : 0;

	fs->n = nfields(c);
	for (int i = 0; i < fs->n; i++) {
		const struct at_field *src = &c->fields[first + i];

		fs->f[i] = *src;
		for (int k = 0; k < AT_FIELD_KEYS && src->keys[k]; k++) {
			if ((c->ops & AT_LINK) && strncmp(src->keys[k], "link.", 5) == 0)
				snprintf(fs->keys[i][k], SETTINGS_KEY_MAX, "link%d.%s", sel,
				    src->keys[k] + 5);
			else
				util_strlcpy(fs->keys[i][k], src->keys[k], SETTINGS_KEY_MAX);
			fs->f[i].keys[k] = fs->keys[i][k];
		}
	}
}

/* The selector's range: links 1..n, groups 0..n-1; a row without one has
 * the one selection 0. */
static void
sel_range(const struct at_cmd *c, const struct settings *st, int *lo, int *hi)
{
	*lo = *hi = 0;
	if (c->ops & AT_LINK) {
		*lo = 1;
		*hi = personality_links((enum personality)st->personality);
	} else if (c->ops & AT_GROUP) {
		*hi = c->groups - 1;
	}
}

static int
is_number(const char *t)
{
	if (!*t)
		return 0;
	for (; *t; t++)
		if (!isdigit((unsigned char)*t))
			return 0;
	return 1;
}

/* AT_D_QUOTE: text values are quoted, numbers are not (a choice spelled
 * as a digit, "0"/"1", is a number). */
static int
wants_quotes(const struct at_field *f, const char *text)
{
	const struct setting *s;

	if (f->codec && f->codec->nat != 1)
		return 0;
	s = settings_find(f->keys[0]).s;
	if (!s || s->type == ST_INT)
		return 0;
	if (s->type == ST_BOOL || s->type == ST_ENUM)
		return !is_number(text);
	return 1;
}

/* The fields' AT text joined by commas; 0 or -errno. */
static int
fields_value(const struct at_fields *fs, const struct settings *st, int quote, char *buf,
    size_t cap)
{
	char v[AT_TEXT_MAX + 8];
	size_t o = 0;
	int rc = 0, q;

	buf[0] = '\0';
	for (int i = 0; i < fs->n; i++) {
		const struct at_field *f = &fs->f[i];

		v[0] = '\0';
		if (f->codec)
			rc = f->codec->encode(f, st, v, sizeof(v));
		else
			settings_format(st, settings_find(f->keys[0]), v, sizeof(v));
		if (rc < 0)
			return rc;
		q = quote && wants_quotes(f, v);
		o += (size_t)snprintf(buf + o, cap - o, "%s%s%s%s", i ? "," : "", q ? "\"" : "",
		    v, q ? "\"" : "");
		if (o >= cap)
			return -ENOSPC;
	}
	return 0;
}

int
at_plain_lines(struct at_req *r, const struct at_cmd *cmd, const char *name)
{
	const struct settings *st = r->s->host->settings(r->s->h);
	int quote = (r->d->flags & AT_D_QUOTE) != 0, lo, hi, rc;
	char val[1024], line[1040];
	struct at_fields fs;

	sel_range(cmd, st, &lo, &hi);
	for (int sel = lo; sel <= hi; sel++) {
		resolve(cmd, sel, &fs);
		rc = fields_value(&fs, st, quote, val, sizeof(val));
		if (rc < 0)
			return rc;
		if (cmd->ops & (AT_LINK | AT_GROUP))
			snprintf(line, sizeof(line), "%d,%s", sel, val);
		else
			util_strlcpy(line, val, sizeof(line));
		rc = at_value_as(r, name, line);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* "=?" of a field with no codec, from the settings table: an integer's
 * bounds "(1-65535)", a choice's "("TCP","UDP")", a text's longest length
 * (the 27.007 +CPBW=? convention). */
static void
test_identity(const struct at_field *f, enum personality p, char *out, size_t cap)
{
	struct setting_ref ref = settings_find(f->keys[0]);
	const struct setting *s = ref.s;
	size_t o = 0;

	out[0] = '\0';
	if (!s)
		return;
	switch (s->type) {
	case ST_INT: {
		long lo = s->min, hi = s->max;

		if (s->at_min[p] || s->at_max[p]) {
			lo = s->at_min[p];
			hi = s->at_max[p];
		}
		snprintf(out, cap, (s->flags & S_ZERO_OK) && lo > 0 ? "(0,%ld-%ld)" : "(%ld-%ld)",
		    lo, hi);
		break;
	}
	case ST_ENUM:
	case ST_BOOL:
		for (int i = 0; s->choices[i] && o < cap; i++)
			o += (size_t)snprintf(out + o, cap - o, "%s\"%s\"", i ? "," : "(",
			    s->choices[i]);
		if (o < cap)
			snprintf(out + o, cap - o, ")");
		break;
	case ST_STRING:
	case ST_BYTES:
	case ST_PHONE:
		snprintf(out, cap, "%ld", s->at_max[p] ? s->at_max[p] : s->max);
		break;
	default:
		snprintf(out, cap, "%zu", s->size ? s->size - 1 : 0);
		break;
	}
}

static int
plain_test(struct at_req *r)
{
	const struct settings *st = r->s->host->settings(r->s->h);
	enum personality p = (enum personality)st->personality;
	char val[1024];
	struct at_fields fs;
	size_t o = 0;
	int lo, hi;

	val[0] = '\0';
	sel_range(r->cmd, st, &lo, &hi);
	if (r->cmd->ops & (AT_LINK | AT_GROUP))
		o += (size_t)snprintf(val, sizeof(val), lo == hi ? "(%d)" : "(%d-%d)", lo, hi);
	resolve(r->cmd, lo, &fs);
	for (int i = 0; i < fs.n && o + 1 < sizeof(val); i++) {
		const struct at_field *f = &fs.f[i];

		if (o)
			val[o++] = ',';
		if (f->codec)
			f->codec->test(f, p, val + o, sizeof(val) - o);
		else
			test_identity(f, p, val + o, sizeof(val) - o);
		o += strlen(val + o);
	}
	at_value(r, val);
	return AT_DONE;
}

/* Decodes and validates every field of the set, then stores all or none. */
static int
plain_set(struct at_req *r)
{
	const struct settings *cur = r->s->host->settings(r->s->h);
	struct setting_ref refs[AT_ARGS_MAX];
	char texts[AT_ARGS_MAX][AT_TEXT_MAX];
	const char *tp[AT_ARGS_MAX], *args[AT_ARGS_MAX + AT_FIELD_KEYS];
	struct at_fields fs;
	struct settings next;
	char why[160];
	int n = 0, a = 0, sel = 0, lo, hi, rc;

	sel_range(r->cmd, cur, &lo, &hi);
	if (r->cmd->ops & (AT_LINK | AT_GROUP)) {
		long v;

		if (r->argc < 1 || util_parse_long(r->argv[0], lo, hi, &v) < 0) {
			snprintf(r->why, sizeof(r->why), "AT+%s: the first value must be %d to %d",
			    r->cmd->name, lo, hi);
			return AT_ERR_PARAM;
		}
		sel = (int)v;
		a = 1;
	}
	/* Arguments left out (min_args) are empty. */
	for (int i = 0; i < (int)ARRAY_SIZE(args); i++)
		args[i] = i < r->argc ? r->argv[i] : "";
	resolve(r->cmd, sel, &fs);
	for (int i = 0; i < fs.n; i++) {
		const struct at_field *f = &fs.f[i];
		int nat = field_nat(f), nk = 0;

		while (nk < AT_FIELD_KEYS && f->keys[nk])
			nk++;
		if (a + nat > (int)ARRAY_SIZE(args) || n + nk > AT_ARGS_MAX) {
			snprintf(r->why, sizeof(r->why), "AT+%s takes %d values separated by "
			    "commas", r->cmd->name, at_nargs(r->cmd));
			return AT_ERR_PARAM;
		}
		if (f->codec) {
			if (f->codec->decode(f, args + a, texts + n) < 0) {
				log_debug("at: AT+%s: field %d: not a valid %s", r->cmd->name,
				    i + 1, f->codec->name);
				snprintf(r->why, sizeof(r->why), "%s: not a valid %s", f->keys[0],
				    f->codec->name);
				return AT_ERR_PARAM;
			}
		} else if (util_strlcpy(texts[n], args[a], AT_TEXT_MAX) >= AT_TEXT_MAX) {
			return AT_ERR_PARAM;
		}
		for (int k = 0; k < nk; k++) {
			refs[n] = settings_find(f->keys[k]);
			tp[n] = texts[n];
			n++;
		}
		a += nat;
	}
	next = *cur;
	rc = settings_set_many(&next, refs, tp, n, SET_AT, why, sizeof(why));
	if (rc < 0) {
		log_debug("at: AT+%s: %s", r->cmd->name, why);
		util_strlcpy(r->why, why, sizeof(r->why));
		return AT_ERR_PARAM;
	}
	/* Edit and save are two steps; the 30X does both at once, the 721
	 * saves on ATW. Nothing changes when the save fails. */
	if (r->d->flags & AT_D_SAVE_ON_SET) {
		rc = r->s->host->save(r->s->h, &next);
		if (rc < 0) {
			log_warn("at: AT+%s: cannot save: %s", r->cmd->name, strerror(-rc));
			snprintf(r->why, sizeof(r->why), "cannot save the state file: %s",
			    strerror(-rc));
			return AT_ERR_PERM;
		}
	}
	r->s->host->edit(r->s->h, &next);
	return AT_DONE;
}

int
at_plain(struct at_req *r)
{
	if (r->op == AT_TEST)
		return plain_test(r);
	if (r->op == AT_SET)
		return plain_set(r);
	return at_plain_lines(r, r->cmd, NULL) < 0 ? AT_ERR_PERM : AT_DONE;
}

static void
entm_after(struct at_req *r)
{
	if (r->s->entm)
		r->s->entm(r->s->arg);
}

int
at_entm(struct at_req *r)
{
	r->after = entm_after;
	return AT_DONE;
}

void
at_line_crlf(struct at_session *s, const char *text)
{
	at_puts(s, "\r\n");
	at_puts(s, text);
	at_puts(s, "\r\n");
}
