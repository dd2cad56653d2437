/* The AT client core of the modem (atc.h): one command in flight, the rest
 * queued; lines split at CR or LF, each one a final result, a line of the
 * command in flight or an unsolicited result code. Learned from the shape
 * of oFono's gatchat (its terminator table and prompt handling); written
 * from V.250 §5.7, TS 27.007 §9 and TS 27.005 §3. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "atc.h"
#include "log.h"
#include "util.h"

const char *const atc_final_names[ATC_FINAL_COUNT] = {
	[ATC_OK] = "OK",
	[ATC_ERROR] = "ERROR",
	[ATC_CME_ERROR] = "+CME ERROR",
	[ATC_CMS_ERROR] = "+CMS ERROR",
	[ATC_NO_CARRIER] = "NO CARRIER",
	[ATC_BUSY] = "BUSY",
	[ATC_NO_ANSWER] = "NO ANSWER",
	[ATC_NO_DIALTONE] = "NO DIALTONE",
	[ATC_TIMEOUT] = "timeout",
	[ATC_ABORTED] = "aborted",
	[ATC_CANCELLED] = "cancelled",
};

const char *const atc_state_names[ATC_STATE_COUNT] = {
	[ATC_IDLE] = "idle",
	[ATC_WAIT_FINAL] = "wait-final",
	[ATC_WAIT_BODY] = "wait-body",
	[ATC_WAIT_ABORT] = "wait-abort",
};

struct atc_cmd {
	int id;
	char cmd[ATC_CMD_MAX + 1];
	char prefix[ATC_PREFIX_MAX + 1];
	unsigned flags;
	int dial;		/* ATD, ATA, ATO: the call finals end it too */
	uint8_t *body;		/* owned; NULL: ask prompt() */
	size_t body_len;
	atc_prompt_fn prompt;
	atc_done_fn done;
	void *arg;
	int64_t timeout_us;
};

/* Owned by the modem; owns its queue and the bodies in it. */
struct atc {
	atc_write_fn write;
	void *warg;
	struct atc_cmd q[ATC_QUEUE_MAX];	/* ring: q[head] is in flight */
	int head, count;
	int next_id;
	enum atc_state state;
	int64_t deadline;			/* of the command in flight; -1 */
	char line[ATC_LINE_MAX + 1];		/* the line being read */
	size_t len;
	int overlong;				/* the line passed ATC_LINE_MAX */
	/* Intermediate lines of the command in flight, NUL-separated. */
	char rbuf[ATC_REPLY_MAX];
	size_t rused;
	const char *rlines[ATC_LINES_MAX];
	int nlines;
	int truncated;
	int depth;				/* inside a done callback */
	struct {
		char prefix[ATC_PREFIX_MAX + 1];
		atc_urc_fn fn;
		void *arg;
	} urc[ATC_URCS_MAX];
	int nurcs;
	struct atc_stats st;
};

static struct atc_cmd *
at_index(struct atc *a, int i)
{
	return &a->q[(a->head + i) % ATC_QUEUE_MAX];
}

static void
set_state(struct atc *a, enum atc_state to)
{
	if (a->state != to)
		log_debug("atc: %s -> %s", atc_state_names[a->state], atc_state_names[to]);
	a->state = to;
}

static int
starts_with(const char *s, const char *prefix)
{
	return prefix[0] && strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* A word result code, maybe followed by text ("CONNECT 9600"). */
static int
is_word(const char *line, const char *word)
{
	size_t n = strlen(word);

	return strncasecmp(line, word, n) == 0 && (line[n] == '\0' || line[n] == ' ');
}

int
atc_final_of(const char *line, int dial, int *err)
{
	static const struct { const char *text; enum atc_final f; } dial_finals[] = {
		{ "NO CARRIER", ATC_NO_CARRIER }, { "BUSY", ATC_BUSY },
		{ "NO ANSWER", ATC_NO_ANSWER }, { "NO DIALTONE", ATC_NO_DIALTONE },
		{ "NO DIAL TONE", ATC_NO_DIALTONE }, { "CONNECT", ATC_OK },
	};

	*err = -1;
	if (strcasecmp(line, "OK") == 0)
		return ATC_OK;
	if (strcasecmp(line, "ERROR") == 0)
		return ATC_ERROR;
	if (starts_with(line, "+CME ERROR:") || starts_with(line, "+CMS ERROR:")) {
		const char *p = line + 11;
		char *end;
		long v;

		while (*p == ' ')
			p++;
		v = strtol(p, &end, 10);
		if (end != p && *end == '\0' && v >= 0 && v <= 65535)
			*err = (int)v;
		return line[3] == 'E' || line[3] == 'e' ? ATC_CME_ERROR : ATC_CMS_ERROR;
	}
	for (size_t i = 0; dial && i < ARRAY_SIZE(dial_finals); i++)
		if (is_word(line, dial_finals[i].text))
			return dial_finals[i].f;
	return -1;
}

struct atc *
atc_new(atc_write_fn write, void *arg)
{
	struct atc *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->write = write;
	a->warg = arg;
	a->deadline = -1;
	a->next_id = 1;
	return a;
}

static void
drop_cmd(struct atc_cmd *c)
{
	free(c->body);
	c->body = NULL;
}

void
atc_free(struct atc *a)
{
	if (!a)
		return;
	for (int i = 0; i < a->count; i++)
		drop_cmd(at_index(a, i));
	free(a);
}

static void
write_bytes(struct atc *a, const void *d, size_t n)
{
	if (n)
		a->write(a->warg, d, n);
}

static int64_t
timeout_of(const struct atc_cmd *c)
{
	return c->timeout_us > 0 ? c->timeout_us : ATC_TIMEOUT_US;
}

/* Writes the head of the queue when nothing is in flight. */
static void
send_next(struct atc *a, int64_t now)
{
	struct atc_cmd *c;

	if (a->state != ATC_IDLE || a->count == 0)
		return;
	c = at_index(a, 0);
	write_bytes(a, c->cmd, strlen(c->cmd));
	write_bytes(a, "\r", 1);
	a->deadline = now + timeout_of(c);
	set_state(a, ATC_WAIT_FINAL);
}

int
atc_send(struct atc *a, const struct atc_req *rq, int64_t now)
{
	struct atc_cmd *c;
	size_t n = strlen(rq->cmd);

	if (a->count == ATC_QUEUE_MAX) {
		a->st.refused++;
		return -ENOBUFS;
	}
	if (n == 0 || n > ATC_CMD_MAX || (rq->prefix && strlen(rq->prefix) > ATC_PREFIX_MAX) ||
	    (rq->body && !(rq->flags & ATC_F_PROMPT)) || rq->body_len > ATC_BODY_MAX) {
		a->st.refused++;
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)rq->cmd[i] < 0x20 || rq->cmd[i] == 0x7f) {
			a->st.refused++;
			return -EINVAL;
		}
	c = at_index(a, a->count);
	memset(c, 0, sizeof(*c));
	if (rq->body) {
		c->body = malloc(rq->body_len ? rq->body_len : 1);
		if (!c->body)
			return -ENOMEM;
		memcpy(c->body, rq->body, rq->body_len);
		c->body_len = rq->body_len;
	}
	memcpy(c->cmd, rq->cmd, n + 1);
	if (rq->prefix)
		util_strlcpy(c->prefix, rq->prefix, sizeof(c->prefix));
	c->flags = rq->flags;
	c->dial = strncasecmp(c->cmd, "ATD", 3) == 0 || strncasecmp(c->cmd, "ATA", 3) == 0 ||
	    strncasecmp(c->cmd, "ATO", 3) == 0;
	c->prompt = rq->prompt;
	c->done = rq->done;
	c->arg = rq->arg;
	c->timeout_us = rq->timeout_us;
	c->id = a->next_id++;
	if (a->next_id <= 0)
		a->next_id = 1;
	a->count++;
	send_next(a, now);
	return c->id;
}

static void
clear_reply(struct atc *a)
{
	a->rused = 0;
	a->nlines = 0;
	a->truncated = 0;
}

/* Ends the command in flight with f: off the queue, then its callback,
 * then the next command. */
static void
finish(struct atc *a, enum atc_final f, int err, const char *line, int64_t now)
{
	struct atc_cmd c = *at_index(a, 0);
	struct atc_reply r = {
		.final = f, .err = err, .final_line = line ? line : "",
		.lines = a->rlines, .nlines = a->nlines, .truncated = a->truncated,
	};

	a->head = (a->head + 1) % ATC_QUEUE_MAX;
	a->count--;
	a->deadline = -1;
	set_state(a, ATC_IDLE);
	if (f == ATC_TIMEOUT)
		a->st.timeouts++;
	if (c.done) {
		a->depth++;
		c.done(c.arg, &r);
		a->depth--;
	}
	free(c.body);
	clear_reply(a);
	send_next(a, now);
}

static void
collect(struct atc *a, const char *line)
{
	size_t n = strlen(line) + 1;

	if (a->nlines == ATC_LINES_MAX || a->rused + n > sizeof(a->rbuf)) {
		a->truncated = 1;
		return;
	}
	memcpy(a->rbuf + a->rused, line, n);
	a->rlines[a->nlines++] = a->rbuf + a->rused;
	a->rused += n;
}

static void
handle_line(struct atc *a, const char *line, int64_t now)
{
	struct atc_cmd *c = a->state != ATC_IDLE ? at_index(a, 0) : NULL;
	int f, err;

	a->st.lines++;
	if (c) {
		/* The modem's echo of the command (before ATE0 took effect). */
		if (a->nlines == 0 && strcasecmp(line, c->cmd) == 0)
			return;
		f = atc_final_of(line, c->dial, &err);
		if (f >= 0) {
			finish(a, a->state == ATC_WAIT_ABORT ? ATC_ABORTED : (enum atc_final)f,
			    err, line, now);
			return;
		}
		if (c->prefix[0] && starts_with(line, c->prefix)) {
			collect(a, line);
			return;
		}
	}
	for (int i = 0; i < a->nurcs; i++) {
		if (!starts_with(line, a->urc[i].prefix))
			continue;
		a->st.urcs++;
		a->urc[i].fn(a->urc[i].arg, line);
		return;
	}
	if (c && !(c->flags & ATC_F_ONLY_PREFIX)) {
		collect(a, line);
		return;
	}
	a->st.stray++;
	log_debug("atc: stray line from the modem (%zu bytes)", strlen(line));
}

/* "> " of a command that expects one. */
static void
prompt_seen(struct atc *a, int64_t now)
{
	struct atc_cmd *c = at_index(a, 0);

	a->deadline = now + timeout_of(c);
	if (c->body) {
		static const uint8_t z = ATC_CTRL_Z;

		write_bytes(a, c->body, c->body_len);
		write_bytes(a, &z, 1);
		return;
	}
	set_state(a, ATC_WAIT_BODY);
	if (c->prompt)
		c->prompt(c->arg, c->id);
}

static int
awaiting_prompt(const struct atc *a)
{
	return a->state == ATC_WAIT_FINAL && (a->q[a->head].flags & ATC_F_PROMPT);
}

void
atc_input(struct atc *a, const uint8_t *d, size_t n, int64_t now)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t b = d[i];

		if (b == '\r' || b == '\n') {
			if (a->overlong) {
				a->st.overlong++;
				if (a->state != ATC_IDLE)
					a->truncated = 1;
			} else if (a->len) {
				a->line[a->len] = '\0';
				a->len = 0;
				handle_line(a, a->line, now);
			}
			a->len = 0;
			a->overlong = 0;
			continue;
		}
		if (b == '\0')
			continue;
		if (a->len == ATC_LINE_MAX) {
			a->overlong = 1;
			continue;
		}
		a->line[a->len++] = (char)b;
		if (a->len == 2 && a->line[0] == '>' && a->line[1] == ' ' && awaiting_prompt(a)) {
			a->len = 0;
			prompt_seen(a, now);
		}
	}
}

int
atc_body(struct atc *a, int id, const void *d, size_t n, int64_t now)
{
	static const uint8_t z = ATC_CTRL_Z;
	struct atc_cmd *c;

	if (a->state != ATC_WAIT_BODY || (c = at_index(a, 0))->id != id)
		return -ENOENT;
	if (n > ATC_BODY_MAX || memchr(d, ATC_CTRL_Z, n) || memchr(d, ATC_ESC, n))
		return -EINVAL;
	write_bytes(a, d, n);
	write_bytes(a, &z, 1);
	a->deadline = now + timeout_of(c);
	set_state(a, ATC_WAIT_FINAL);
	return 0;
}

static void
abort_body(struct atc *a, int64_t now)
{
	static const uint8_t esc = ATC_ESC;

	write_bytes(a, &esc, 1);
	a->deadline = now + timeout_of(at_index(a, 0));
	set_state(a, ATC_WAIT_ABORT);
}

int
atc_abort_body(struct atc *a, int id, int64_t now)
{
	if (a->state != ATC_WAIT_BODY || at_index(a, 0)->id != id)
		return -ENOENT;
	abort_body(a, now);
	return 0;
}

void
atc_cancel_arg(struct atc *a, void *arg, int64_t now)
{
	int kept = 0, first = a->state != ATC_IDLE;

	for (int i = 0; i < a->count; i++) {
		struct atc_cmd *c = at_index(a, i);

		if (c->arg == arg && !(first && i == 0)) {
			drop_cmd(c);
			continue;
		}
		if (c->arg == arg) {
			/* In flight: it runs on without anyone to tell. */
			c->done = NULL;
			c->prompt = NULL;
		}
		if (kept != i)
			*at_index(a, kept) = *c;
		kept++;
	}
	a->count = kept;
	if (first && a->state == ATC_WAIT_BODY && !at_index(a, 0)->prompt)
		abort_body(a, now);
}

void
atc_reset(struct atc *a)
{
	a->len = 0;
	a->overlong = 0;
	if (a->depth == 0)
		clear_reply(a);
	while (a->count > 0) {
		struct atc_cmd c = *at_index(a, 0);
		struct atc_reply r = { .final = ATC_CANCELLED, .err = -1, .final_line = "" };

		a->head = (a->head + 1) % ATC_QUEUE_MAX;
		a->count--;
		a->state = ATC_IDLE;
		if (c.done) {
			a->depth++;
			c.done(c.arg, &r);
			a->depth--;
		}
		free(c.body);
	}
	a->deadline = -1;
	set_state(a, ATC_IDLE);
}

int
atc_register(struct atc *a, const char *prefix, atc_urc_fn fn, void *arg)
{
	if (!prefix[0] || strlen(prefix) > ATC_PREFIX_MAX)
		return -EINVAL;
	if (a->nurcs == ATC_URCS_MAX)
		return -ENOSPC;
	util_strlcpy(a->urc[a->nurcs].prefix, prefix, sizeof(a->urc[0].prefix));
	a->urc[a->nurcs].fn = fn;
	a->urc[a->nurcs].arg = arg;
	a->nurcs++;
	return 0;
}

int64_t
atc_deadline(const struct atc *a)
{
	return a->state == ATC_IDLE ? -1 : a->deadline;
}

void
atc_expire(struct atc *a, int64_t now)
{
	if (a->state == ATC_IDLE || now < a->deadline)
		return;
	switch (a->state) {
	case ATC_WAIT_FINAL:
		finish(a, ATC_TIMEOUT, -1, NULL, now);
		break;
	case ATC_WAIT_BODY:
		abort_body(a, now);
		break;
	case ATC_WAIT_ABORT:
		finish(a, ATC_ABORTED, -1, NULL, now);
		break;
	default:
		break;
	}
}

enum atc_state
atc_get_state(const struct atc *a)
{
	return a->state;
}

int
atc_queued(const struct atc *a)
{
	return a->count;
}

void
atc_get_stats(const struct atc *a, struct atc_stats *st)
{
	*st = a->st;
}
