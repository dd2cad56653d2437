/* SMS transparent mode and SMS AT (smsmode.h, PROTOCOLS.md §4, seed 003
 * §2.1.3 and §3.1.4), over the modem service's SMS in and out (modem.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "at.h"
#include "log.h"
#include "modem.h"
#include "pwat.h"
#include "sms.h"
#include "smsmode.h"
#include "status.h"
#include "util.h"

/* An SMS AT command waiting for its turn. */
struct sms_cmd {
	char sender[24];
	char line[AT_LINE_MAX + 1];
	size_t len;			/* 0: malformed, answered ERROR */
};

/* How the texts of one kind ended (modem_sms_send's done; its arg). */
struct sent_count {
	uint64_t ok, failed;
};

/* Owned by the instance. */
struct smsmode {
	const struct at_host *host;
	void *h;
	struct smsmode_io io;
	void *arg;
	const struct settings *run;	/* the running settings; NULL: stopped */
	enum work_mode mode;
	struct at_session s;		/* SMS AT's own session */
	struct sms_cmd q[SMSMODE_AT_QUEUE];	/* q[0] runs while the session is busy */
	int nq;
	char reply[SMSMODE_REPLY_MAX];	/* the reply of q[0], as the session wrote it */
	size_t nreply;
	int reply_cut;
	const char *dropping;		/* why frames were last dropped (logged once) */
	struct sent_count frames, replies;	/* CIMOD=4 frames, SMS AT replies */
	struct sms_status st;
};

static struct modem *
modem_of(const struct smsmode *sm)
{
	return sm->host->modem ? sm->host->modem(sm->h) : NULL;
}

enum smsmode_kind
smsmode_classify(const char *password, int sms_mode, const char *number, const char *sender,
    const char *text, size_t len, int binary, const char **line, size_t *llen)
{
	*line = NULL;
	*llen = 0;
	/* PROTOCOLS.md §4: a password-AT SMS is a command from any sender,
	 * CIPNUM included, in every work mode; never data. */
	if (!binary) {
		switch (pwat_match(password, (const uint8_t *)text, len, line, llen)) {
		case PWAT_COMMAND:
			return SMS_IS_COMMAND;
		case PWAT_MALFORMED:
			*line = NULL;
			*llen = 0;
			return SMS_IS_COMMAND;
		case PWAT_DATA:
			break;
		}
	}
	if (!sms_mode)
		return SMS_IS_NOT_SMS_MODE;
	return sms_number_match(number, sender) ? SMS_IS_DATA : SMS_IS_OTHER_SENDER;
}

/* --- SMS AT ---------------------------------------------------------------------- */

static void
run_next(struct smsmode *sm)
{
	struct sms_cmd *c = &sm->q[0];

	if (!sm->run || sm->nq == 0 || at_busy(&sm->s))
		return;
	sm->nreply = 0;
	sm->reply_cut = 0;
	sm->st.at_run++;
	log_info("sms: SMS AT from %s: %.*s", c->sender, (int)c->len, c->line);
	/* A malformed one is answered as an overlong line: ERROR. */
	at_dispatch(&sm->s, c->line, c->len, c->len == 0);
}

/* A failure was logged by the modem, after its retries. */
static void
sent(void *arg, int rc)
{
	struct sent_count *c = arg;

	if (rc == 0)
		c->ok++;
	else
		c->failed++;
}

static void
at_write(void *arg, const char *data, size_t n)
{
	struct smsmode *sm = arg;
	size_t room = sizeof(sm->reply) - sm->nreply;

	if (n > room) {
		sm->reply_cut = 1;
		n = room;
	}
	memcpy(sm->reply + sm->nreply, data, n);
	sm->nreply += n;
}

/* The reply SMS: the lines of the V.250 reply without its empty ones,
 * joined by LF ("+CIPR: 9600\nOK"). */
static size_t
reply_text(const struct smsmode *sm, char *out, size_t cap)
{
	size_t o = 0, i = 0;

	while (i < sm->nreply) {
		size_t start = i;

		while (i < sm->nreply && sm->reply[i] != '\r' && sm->reply[i] != '\n')
			i++;
		if (i > start && o + (o ? 1 : 0) + (i - start) < cap) {
			if (o)
				out[o++] = '\n';
			memcpy(out + o, sm->reply + start, i - start);
			o += i - start;
		}
		while (i < sm->nreply && (sm->reply[i] == '\r' || sm->reply[i] == '\n'))
			i++;
	}
	out[o] = '\0';
	return o;
}

static void
at_done(void *arg, struct at_req *r, int rc)
{
	struct smsmode *sm = arg;
	struct sms_cmd *c = &sm->q[0];
	char text[SMSMODE_REPLY_MAX + 1];
	size_t n = reply_text(sm, text, sizeof(text));
	int e;

	if (sm->reply_cut)
		log_warn("sms: the reply to SMS AT from %s is longer than %d bytes; cut", c->sender,
		    SMSMODE_REPLY_MAX);
	e = modem_sms_send(modem_of(sm), c->sender, text, n, sent, &sm->replies);
	if (e < 0) {
		sm->replies.failed++;
		log_warn("sms: the reply to SMS AT from %s is not sent: %s", c->sender,
		    e == -EINVAL ? "not a phone number" : e == -ENODEV ? "no modem" : strerror(-e));
	}
	memmove(sm->q, sm->q + 1, (size_t)--sm->nq * sizeof(sm->q[0]));
	run_next(sm);
}

static void
command_in(struct smsmode *sm, const char *sender, const char *line, size_t len)
{
	struct sms_cmd *c;

	if (sm->nq == SMSMODE_AT_QUEUE) {
		sm->st.at_refused++;
		log_warn("sms: SMS AT from %s refused: %d commands wait already", sender,
		    SMSMODE_AT_QUEUE);
		return;
	}
	c = &sm->q[sm->nq++];
	util_strlcpy(c->sender, sender, sizeof(c->sender));
	c->len = line ? len : 0;
	memcpy(c->line, line ? line : "", c->len);
	c->line[c->len] = '\0';
	run_next(sm);
}

/* --- incoming SMS ------------------------------------------------------------------- */

static void
on_sms(void *arg, const char *sender, const char *text, size_t len, int binary)
{
	struct smsmode *sm = arg;
	const char *line;
	size_t llen;
	int sms_mode = sm->run && sm->mode == MODE_SMS;

	switch (smsmode_classify(sm->host->settings(sm->h)->at_password, sms_mode,
	    sm->run ? sm->run->sms_number : "", sender, text, len, binary, &line, &llen)) {
	case SMS_IS_COMMAND:
		command_in(sm, sender, line, llen);
		break;
	case SMS_IS_DATA:
		sm->st.to_serial++;
		sm->st.to_serial_bytes += len;
		sm->io.to_serial(sm->arg, (const uint8_t *)text, len);
		break;
	case SMS_IS_OTHER_SENDER:
		sm->st.from_others++;
		log_info("sms: SMS from %s (%zu bytes) is not from CIPNUM %s; dropped", sender, len,
		    sm->run->sms_number[0] ? sm->run->sms_number : "(empty)");
		break;
	case SMS_IS_NOT_SMS_MODE:
		sm->st.not_sms_mode++;
		log_info("sms: SMS from %s (%zu bytes) is no password AT command, and SMS "
		    "transparent mode (AT+CIMOD=4) does not run; dropped", sender, len);
		break;
	}
}

/* --- CIMOD=4: frames out ------------------------------------------------------------- */

void
smsmode_frame(struct smsmode *sm, const uint8_t *f, size_t n)
{
	const char *why = NULL;
	int rc;

	if (!sm->run)
		return;
	if (!sm->run->sms_number[0]) {
		why = "CIPNUM (sms.number) is empty";
	} else {
		rc = modem_sms_send(modem_of(sm), sm->run->sms_number, (const char *)f, n,
		    sent, &sm->frames);
		if (rc == -ENODEV)
			why = "no modem (modem.device)";
		else if (rc == -ENOBUFS)
			why = "too many SMS wait to be sent";
		else if (rc == -E2BIG)
			why = "the frame is longer than the SMS allowed for one text";
		else if (rc == -EINVAL)
			why = "CIPNUM is not a phone number";
		else if (rc < 0)
			why = "out of memory";
	}
	if (!why)
		return;
	sm->st.frames_dropped++;
	/* Said once per reason (status counts every one). */
	if (why != sm->dropping)
		log_warn("sms: a frame of %zu bytes is dropped: %s; more are counted", n, why);
	sm->dropping = why;
}

/* --- life cycle ------------------------------------------------------------------------- */

struct smsmode *
smsmode_new(const struct at_host *host, void *h, const struct smsmode_io *io, void *arg)
{
	struct smsmode *sm = calloc(1, sizeof(*sm));

	if (!sm)
		return NULL;
	sm->host = host;
	sm->h = h;
	sm->io = *io;
	sm->arg = arg;
	at_session_init(&sm->s, host, h, at_write, NULL, at_done, sm);
	return sm;
}

void
smsmode_start(struct smsmode *sm, const struct settings *run, enum work_mode mode)
{
	struct modem *m = modem_of(sm);

	sm->run = run;
	sm->mode = mode;
	sm->dropping = NULL;
	if (m && run->personality == PERS_721)
		modem_set_sms_handler(m, on_sms, sm);
}

void
smsmode_stop(struct smsmode *sm)
{
	struct modem *m;

	if (!sm)
		return;
	m = modem_of(sm);
	at_cancel(&sm->s);
	sm->nq = 0;
	sm->run = NULL;
	if (m)
		modem_set_sms_handler(m, NULL, NULL);
}

void
smsmode_free(struct smsmode *sm)
{
	if (!sm)
		return;
	smsmode_stop(sm);
	/* Texts still queued go on without us. */
	modem_forget(modem_of(sm), &sm->frames);
	modem_forget(modem_of(sm), &sm->replies);
	free(sm);
}

void
smsmode_status(const struct smsmode *sm, struct sms_status *st)
{
	const struct modem *m = modem_of(sm);

	*st = sm->st;
	st->frames_sent = sm->frames.ok;
	st->frames_failed = sm->frames.failed;
	st->at_replied = sm->replies.ok;
	st->at_reply_failed = sm->replies.failed;
	if (!sm->run || sm->run->personality != PERS_721)
		return;
	st->shown = 1;
	st->mode_on = sm->mode == MODE_SMS;
	util_strlcpy(st->number, sm->run->sms_number, sizeof(st->number));
	if (!st->mode_on)
		return;
	if (!sm->run->sms_number[0])
		util_strlcpy(st->why, "CIPNUM is empty: frames are dropped", sizeof(st->why));
	else if (!modem_configured(m))
		util_strlcpy(st->why, "no modem (modem.device): frames are dropped",
		    sizeof(st->why));
	else if (!modem_ready(m))
		util_strlcpy(st->why, "the modem is not ready: frames wait and are retried",
		    sizeof(st->why));
}
