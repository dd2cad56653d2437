/* The 721's commands that need its modem (at-721-modem.h, PROTOCOLS.md §4
 * "modem set", CILAC?, CISMSEND): on the device they go to its GSM engine;
 * here to the USB modem's AT port through the modem service (modem.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "at.h"
#include "at-721-modem.h"
#include "cisend.h"
#include "hostinfo.h"
#include "log.h"
#include "modem.h"
#include "status.h"
#include "util.h"

/* One relayed command. Owned by its request (hdata) while it is pending. */
struct relay {
	struct at_req *r;
	int id;			/* modem_relay()'s */
	int raw;		/* AT+CMGS: the console's raw phase is ours */
	int prompted;		/* the modem gave its "> " */
	enum { TEXT_TYPING, TEXT_DONE, TEXT_ESC, TEXT_GONE } text_state;
	int failed;		/* the text could not go: ERROR whatever the modem says */
	struct cisend text;	/* AT+CMGS's text, up to Ctrl-Z */
	char final[256];	/* the modem's final result, for r->result */
};

static struct modem *
modem_of(const struct at_req *r)
{
	return r->s->host->modem ? r->s->host->modem(r->s->h) : NULL;
}

static void
raw_end(struct relay *rl)
{
	const struct at_session *s = rl->r->s;

	if (!rl->raw)
		return;
	rl->raw = 0;
	s->host->raw_end(s->h);
}

/* The host's clock (PROTOCOLS.md §4: AT+CCLK? without a modem). */
static int
host_clock(struct at_req *r)
{
	char t[40], v[48];

	hostinfo_clock_text(time(NULL), t, sizeof(t));
	snprintf(v, sizeof(v), "\"%s\"", t);
	at_value(r, v);
	return AT_DONE;
}

/* PROTOCOLS.md §4: without a modem, AT answers OK, AT+CCLK? the host's
 * clock, the rest of the set ERROR. */
static int
no_modem(struct at_req *r, const struct modem *m)
{
	if (!r->cmd->name[0])
		return AT_DONE;
	if (strcmp(r->cmd->name, "CCLK") == 0 && r->op == AT_QUERY)
		return host_clock(r);
	snprintf(r->why, sizeof(r->why), "%s", modem_configured(m) ?
	    "the modem is not ready (usrbridgectl status says why)" :
	    "no modem (modem.device)");
	return AT_ERR_PERM;
}

/* The text has come (Ctrl-Z) and the modem has prompted: it goes. */
static void
text_send(struct relay *rl)
{
	struct modem *m = modem_of(rl->r);

	rl->text_state = TEXT_GONE;
	if (rl->failed || modem_relay_body(m, rl->id, rl->text.buf, rl->text.len) < 0) {
		/* Longer than the modem takes (ATC_BODY_MAX): nothing goes. */
		rl->failed = 1;
		modem_relay_abort(m, rl->id);
	}
}

static void
on_prompt(void *arg, int id)
{
	struct relay *rl = arg;
	struct at_req *r = rl->r;

	rl->prompted = 1;
	/* TS 27.005 §3.5.1: CR LF, '>', space. */
	at_puts(r->s, "\r\n> ");
	at_flush(r->s);
	if (rl->text_state == TEXT_DONE)
		text_send(rl);
	else if (rl->text_state == TEXT_ESC)
		modem_relay_abort(modem_of(r), rl->id);
}

/* The console's raw phase of AT+CMGS: the text, up to Ctrl-Z or ESC
 * (cisend.h). It starts with the command, so that a text written before
 * the prompt is kept too; it goes when the modem has prompted. */
static size_t
text_feed(void *arg, const uint8_t *d, size_t n)
{
	struct relay *rl = arg;
	size_t used;
	enum cisend_event ev = cisend_feed(&rl->text, d, n, &used);

	if (ev == CISEND_MORE)
		return used;
	raw_end(rl);
	if (ev == CISEND_CANCEL || rl->text.overflow) {
		if (rl->text.overflow) {
			log_warn("at: AT+CMGS: text longer than %d bytes; not sent", CISEND_MAX);
			rl->failed = 1;
		}
		rl->text_state = TEXT_ESC;
		if (rl->prompted)
			modem_relay_abort(modem_of(rl->r), rl->id);
		return used;
	}
	rl->text_state = TEXT_DONE;
	if (rl->prompted)
		text_send(rl);
	return used;
}

/* The modem's reply: its information lines as V.250 gives them (CR LF
 * before the first, CR LF after each: TS 27.005 §3.4.2's shape of AT+CMGR
 * and AT+CMGL), then its final result as it came. */
static void
on_done(void *arg, const struct atc_reply *rep)
{
	struct relay *rl = arg;
	struct at_req *r = rl->r;
	int rc;

	raw_end(rl);
	for (int i = 0; i < rep->nlines; i++) {
		at_puts(r->s, i ? "" : "\r\n");
		at_puts(r->s, rep->lines[i]);
		at_puts(r->s, "\r\n");
	}
	if (rep->truncated)
		log_warn("at: the modem's reply to %s was longer than %d bytes; cut",
		    r->cmd->name[0] ? r->cmd->name : "AT", ATC_REPLY_MAX);
	rc = rep->final == ATC_OK || (rep->final == ATC_ABORTED &&
	    strcmp(rep->final_line, "OK") == 0) ? AT_DONE : AT_ERR_PERM;
	if (rl->failed) {
		rc = AT_ERR_PERM;
		snprintf(r->why, sizeof(r->why), "the text of AT+CMGS was too long");
	} else if (rep->final_line[0]) {
		util_strlcpy(rl->final, rep->final_line, sizeof(rl->final));
		r->result = rl->final;
	} else {
		snprintf(r->why, sizeof(r->why), "the modem: %s", atc_final_names[rep->final]);
	}
	r->cancel = NULL;
	r->hdata = NULL;
	at_finish(r, rc);
	free(rl);
}

/* The request goes away (restart, session freed): the modem forgets it
 * (one at its prompt is abandoned with ESC). */
static void
relay_cancel(struct at_req *r)
{
	struct relay *rl = r->hdata;

	raw_end(rl);
	modem_forget(modem_of(r), rl);
	free(rl);
	r->hdata = NULL;
}

int
at721_relay(struct at_req *r)
{
	struct modem *m = modem_of(r);
	const struct at_host *host = r->s->host;
	char line[AT_LINE_MAX + 1];
	size_t n = r->line ? MIN(r->line_len, sizeof(line) - 1) : 0;
	struct relay *rl;
	int id, cmgs;

	if (!r->line) {
		snprintf(r->why, sizeof(r->why), "only on an AT command line");
		return AT_ERR_PERM;
	}
	memcpy(line, r->line, n);
	while (n > 0 && line[n - 1] == ' ')
		n--;
	line[n] = '\0';
	if (!modem_ready(m))
		return no_modem(r, m);
	rl = calloc(1, sizeof(*rl));
	if (!rl)
		return AT_ERR_PERM;
	rl->r = r;
	cisend_begin(&rl->text);
	cmgs = strcasecmp(r->cmd->name, "CMGS") == 0 && r->op == AT_SET;
	if (cmgs) {
		if (!host->raw_begin || host->raw_begin(r->s->h, r->s, text_feed, rl) < 0) {
			free(rl);
			snprintf(r->why, sizeof(r->why), "AT+CMGS takes its text on the serial "
			    "console only; AT+CISMSEND sends one from anywhere");
			return AT_ERR_PERM;
		}
		rl->raw = 1;
	}
	id = modem_relay(m, line, cmgs ? on_prompt : NULL, on_done, rl);
	if (id < 0) {
		raw_end(rl);
		free(rl);
		if (id == -ENODEV)
			return no_modem(r, m);
		snprintf(r->why, sizeof(r->why), "the modem: %s", strerror(-id));
		return AT_ERR_PERM;
	}
	rl->id = id;
	r->hdata = rl;
	r->cancel = relay_cancel;
	return AT_PENDING;
}

int
at721_cilac(struct at_req *r)
{
	const struct modem *m = modem_of(r);
	struct modem_status st;
	char v[32];

	if (!modem_configured(m)) {
		snprintf(r->why, sizeof(r->why), "AT+CILAC needs a modem (modem.device)");
		return AT_ERR_PERM;
	}
	modem_get_status(m, &st);
	if (!st.present || !st.lac[0] || !st.ci[0]) {
		snprintf(r->why, sizeof(r->why), "the modem has not given its cell (%s)",
		    st.present ? "not registered" : "not ready");
		return AT_ERR_PERM;
	}
	snprintf(v, sizeof(v), "\"%s\",\"%s\"", st.lac, st.ci);
	at_value(r, v);
	return AT_DONE;
}

static void
sms_sent(void *arg, int rc)
{
	struct at_req *r = arg;

	r->cancel = NULL;
	if (rc < 0)
		snprintf(r->why, sizeof(r->why), "the SMS was not sent (usrbridgectl status "
		    "counts it)");
	at_finish(r, rc < 0 ? AT_ERR_PERM : AT_DONE);
}

static void
sms_cancel(struct at_req *r)
{
	/* The text goes on; nobody waits for it. */
	modem_forget(modem_of(r), r);
}

int
at721_cismsend(struct at_req *r)
{
	struct modem *m = modem_of(r);
	int rc;

	if (r->op == AT_TEST) {
		at_value(r, "\"number\",\"text\"");
		return AT_DONE;
	}
	if (r->argc != 2) {
		snprintf(r->why, sizeof(r->why), "AT+CISMSEND takes \"number\",\"text\"");
		return AT_ERR_PARAM;
	}
	rc = modem_sms_send(m, r->argv[0], r->argv[1], strlen(r->argv[1]), sms_sent, r);
	if (rc < 0) {
		snprintf(r->why, sizeof(r->why), "%s", rc == -ENODEV ? "no modem (modem.device)" :
		    rc == -EINVAL ? "not a phone number" : strerror(-rc));
		return rc == -EINVAL ? AT_ERR_PARAM : AT_ERR_PERM;
	}
	r->cancel = sms_cancel;
	return AT_PENDING;
}
