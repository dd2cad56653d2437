/* The modem service (modem.h, PROTOCOLS.md §4 "Modem"): the tty through
 * serial.c, the AT client core (atc.c) on it, and what the daemon does with
 * the modem on its own: initialisation, polling, reading and deleting the
 * SMS it announces, sending SMS with retries.
 *
 * Character set (TS 27.005 §3.1, TS 27.007 §5.5): texts and numbers of our
 * own SMS cross the AT interface as UCS-2 hex (AT+CSCS="UCS2"), so that any
 * text survives the tty (no Ctrl-Z, ESC or NUL in it) and incoming texts
 * come back decodable whatever their alphabet. The message itself goes as
 * GSM 7-bit (AT+CSMP=17,167,0,0: 160 characters) when every character is
 * in the default alphabet, else as UCS-2 (dcs 8: 70 characters). The
 * modem's own character set (read with AT+CSCS? at init) and text-mode
 * parameters (AT+CSMP?) are put back after each of our exchanges, so that
 * commands relayed for the MCU (its own AT+CMGS) see the modem as the
 * device's GSM engine would be; our exchanges run back to back (one
 * "transaction"), nothing relayed comes between their commands. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>

#include <event2/event.h>

#include "atc.h"
#include "host.h"
#include "log.h"
#include "modem.h"
#include "modem-parse.h"
#include "personality.h"
#include "serial.h"
#include "settings.h"
#include "sms.h"
#include "status.h"
#include "util.h"

#define container_of(p, type, member) ((type *)(void *)((char *)(p) - offsetof(type, member)))

enum modem_state {
	MODEM_OFF,	/* no modem.device, or not the 721: nothing open */
	MODEM_CLOSED,	/* the tty is not open: serial.c tries again every second */
	MODEM_INIT,	/* open: the init commands run, then READY (or FAILED) */
	MODEM_FAILED,	/* an init command answered an error: init again in 5 s */
	MODEM_READY,	/* initialised: polled, SMS in and out, relays */
	MODEM_STATE_COUNT
};

static const char *const state_names[MODEM_STATE_COUNT] = {
	[MODEM_OFF] = "off",
	[MODEM_CLOSED] = "closed",
	[MODEM_INIT] = "init",
	[MODEM_FAILED] = "failed",
	[MODEM_READY] = "ready",
};

/* A text to send, in parts. Owned by the modem's queue. */
struct sms_job {
	TAILQ_ENTRY(sms_job) entry;
	char number[24];
	char *text;
	size_t len;
	size_t ends[SMS_PARTS_MAX];
	int nparts, part;	/* part: the one being sent */
	int ucs2;
	int tries;		/* attempts at this part */
	modem_sent_fn done;
	void *arg;
};

TAILQ_HEAD(sms_jobs, sms_job);

#define TXN_STEPS_MAX 8

/* Commands that run back to back: the main steps in order until one fails
 * (the rest are dropped), then the restore steps whatever happened. */
struct txn {
	int busy;
	int nmain, nrestore, main_done, restore_done;
	void (*ok[TXN_STEPS_MAX])(struct modem *m, const struct atc_reply *r);
	char cmd[TXN_STEPS_MAX][48];	/* for messages */
	char failed[160];		/* the first failure; "" */
	void (*end)(struct modem *m, int ok);
	int index;			/* the SMS being read */
};

/* Owned by the instance (a service); owns the tty, the AT client, the SMS
 * queue and its timers. */
struct modem {
	struct host host;
	struct event_base *base;
	enum modem_state state;
	char device[256];
	char lock_dir[256];
	struct serial *tty;
	struct atc *atc;
	struct event *ev_atc;		/* the AT client's deadline */
	struct event *ev_reopen;	/* deferred: a fresh tty */
	struct event *ev_init;		/* deferred start, or retry, of the init */
	struct event *ev_poll;
	struct event *ev_send;		/* the next SMS attempt (backoff) */
	char why[224];
	uint64_t timeouts_seen;

	/* The addresses of these are the AT commands' args: which of our
	 * sequences a reply belongs to. */
	char tok_init, tok_poll, tok_main, tok_restore, tok_ats0;
	int init_done, npolls, poll_done;
	struct txn txn;
	int reads[MODEM_READS_MAX];	/* announced SMS to read, in order */
	int nreads;
	struct sms_jobs jobs;
	int njobs;
	modem_sms_fn on_sms;
	void *sms_arg;

	char charset[16];		/* the modem's own (AT+CSCS?) */
	char csmp[24];			/* ... and its AT+CSMP? values; "" unknown */
	char imei[20];
	char oper[64];
	struct modem_creg creg;
	int reg_known;
	int csq;
	int auto_answer;		/* CIRINGSTA: ATS0=1 or ATS0=0; -1 not ours to say */
	struct modem_status st;		/* the counters */
};

static void start_init(struct modem *m);
static void kick(struct modem *m);

static void
set_state(struct modem *m, enum modem_state to)
{
	if (m->state == to)
		return;
	log_debug("modem: %s -> %s", state_names[m->state], state_names[to]);
	m->state = to;
	host_changed(&m->host);
}

static void
arm_atc(struct modem *m)
{
	int64_t d = m->atc ? atc_deadline(m->atc) : -1, now = util_now_us();
	struct timeval tv;

	if (d < 0) {
		event_del(m->ev_atc);
		return;
	}
	d = d > now ? d - now : 0;
	tv.tv_sec = (time_t)(d / 1000000);
	tv.tv_usec = (suseconds_t)(d % 1000000);
	evtimer_add(m->ev_atc, &tv);
}

/* The tty is given up and opened afresh (a new serial object: nothing
 * queued for the old modem reaches the new one). */
static void
reopen(struct modem *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
reopen(struct modem *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->why, sizeof(m->why), fmt, ap);
	va_end(ap);
	log_warn("modem %s: %s; reopening", m->device, m->why);
	event_active(m->ev_reopen, EV_TIMEOUT, 0);
}

static void
send_cmd(struct modem *m, const char *cmd, const char *prefix, unsigned flags, void *tok,
    atc_done_fn done)
{
	struct atc_req rq = { .cmd = cmd, .prefix = prefix, .flags = flags, .done = done,
		.arg = tok };

	if (atc_send(m->atc, &rq, util_now_us()) < 0)
		log_warn("modem: %s not sent: queue full", cmd);
}

/* --- what the modem says ---------------------------------------------------- */

static void
got_creg(struct modem *m, const struct modem_creg *c)
{
	int was = m->reg_known && modem_reg_ok(m->creg.stat);

	if (!m->reg_known || c->stat != m->creg.stat)
		log_info("modem: registration %s%s%s%s%s", modem_reg_name(c->stat),
		    c->lac[0] ? ", LAC " : "", c->lac, c->ci[0] ? ", CI " : "", c->ci);
	m->creg = *c;
	m->reg_known = 1;
	if (was != modem_reg_ok(c->stat))
		host_changed(&m->host);
}

static void
on_creg_urc(void *arg, const char *line)
{
	struct modem *m = arg;
	struct modem_creg c;

	if (modem_parse_creg(line, 0, &c) == 0)
		got_creg(m, &c);
	else
		log_debug("modem: unreadable %s", "+CREG");
}

static void
on_cmti(void *arg, const char *line)
{
	struct modem *m = arg;
	char mem[16];
	int index;

	if (modem_parse_cmti(line, mem, sizeof(mem), &index) < 0) {
		log_warn("modem: unreadable +CMTI line");
		return;
	}
	if (m->nreads == MODEM_READS_MAX) {
		m->st.sms_read_failed++;
		log_warn("modem: SMS %d announced while %d wait to be read; it stays on the modem",
		    index, MODEM_READS_MAX);
		return;
	}
	for (int i = 0; i < m->nreads; i++)
		if (m->reads[i] == index)
			return;
	m->reads[m->nreads++] = index;
	kick(m);
}

static void
on_ring(void *arg, const char *line)
{
	log_debug("modem: %s", line);
}

/* Lines of a command's reply that start with prefix: the first one. */
static const char *
first_line(const struct atc_reply *r, const char *prefix)
{
	for (int i = 0; i < r->nlines; i++)
		if (!prefix || strncasecmp(r->lines[i], prefix, strlen(prefix)) == 0)
			return r->lines[i];
	return NULL;
}

static void
ok_cgsn(struct modem *m, const struct atc_reply *r)
{
	for (int i = 0; i < r->nlines; i++)
		if (modem_parse_cgsn(r->lines[i], m->imei, sizeof(m->imei)) == 0)
			return;
}

static void
ok_cscs(struct modem *m, const struct atc_reply *r)
{
	const char *l = first_line(r, "+CSCS:");

	if (l)
		modem_parse_cscs(l, m->charset, sizeof(m->charset));
}

static void
ok_csmp(struct modem *m, const struct atc_reply *r)
{
	const char *l = first_line(r, "+CSMP:");

	if (!l || modem_parse_csmp(l, m->csmp, sizeof(m->csmp)) < 0)
		m->csmp[0] = '\0';
}

static void
ok_creg(struct modem *m, const struct atc_reply *r)
{
	const char *l = first_line(r, "+CREG:");
	struct modem_creg c;

	if (l && modem_parse_creg(l, 1, &c) == 0)
		got_creg(m, &c);
}

static void
ok_csq(struct modem *m, const struct atc_reply *r)
{
	const char *l = first_line(r, "+CSQ:");
	int rssi, ber;

	if (l && modem_parse_csq(l, &rssi, &ber) == 0)
		m->csq = rssi;
}

static void
ok_cops(struct modem *m, const struct atc_reply *r)
{
	const char *l = first_line(r, "+COPS:");

	if (l)
		modem_parse_cops(l, m->oper, sizeof(m->oper));
}

/* SMS that were stored before we were listening (not announced): read
 * like announced ones. */
static void
ok_cmgl(struct modem *m, const struct atc_reply *r)
{
	for (int i = 0; i < r->nlines; i++) {
		char cmti[48];
		int index;

		if (sscanf(r->lines[i], "+CMGL: %d", &index) != 1 || index < 0)
			continue;
		snprintf(cmti, sizeof(cmti), "+CMTI: \"SM\",%d", index);
		on_cmti(m, cmti);
	}
}

/* --- init and polling --------------------------------------------------------- */

static void
ats0_done(void *arg, const struct atc_reply *r)
{
	struct modem *m = container_of(arg, struct modem, tok_ats0);

	if (r->final != ATC_OK && r->final != ATC_CANCELLED)
		log_warn("modem %s: ATS0=%d (CIRINGSTA) answered %s; voice calls are %sanswered",
		    m->device, m->auto_answer, r->final_line[0] ? r->final_line :
		    atc_final_names[r->final], m->auto_answer ? "not " : "perhaps ");
}

/* CIRINGSTA is passed on as ATS0 (PROTOCOLS.md §4): answer on the first
 * ring (V.250 §6.3.8), or never. At each init, and when it changes. */
static void
send_ats0(struct modem *m)
{
	char cmd[16];

	if (m->auto_answer < 0 || m->state != MODEM_READY)
		return;
	snprintf(cmd, sizeof(cmd), "ATS0=%d", m->auto_answer);
	send_cmd(m, cmd, NULL, 0, &m->tok_ats0, ats0_done);
	arm_atc(m);
}

static const struct init_step {
	const char *cmd, *prefix;
	int required;
	void (*ok)(struct modem *m, const struct atc_reply *r);
} init_steps[] = {
	{ "ATE0", NULL, 1, NULL },		/* no echo */
	{ "AT+CMGF=1", NULL, 1, NULL },		/* SMS text mode */
	{ "AT+CNMI=2,1", NULL, 1, NULL },	/* new SMS announced as +CMTI */
	{ "AT+CREG=2", NULL, 1, NULL },		/* +CREG with LAC and CI */
	{ "AT+CGSN", NULL, 0, ok_cgsn },	/* IMEI */
	{ "AT+CSCS?", "+CSCS:", 0, ok_cscs },
	{ "AT+CREG?", "+CREG:", 0, ok_creg },
	{ "AT+CSQ", "+CSQ:", 0, ok_csq },
	{ "AT+COPS?", "+COPS:", 0, ok_cops },
	{ "AT+CMGL=\"REC UNREAD\"", "+CMGL:", 0, ok_cmgl },
	{ "AT+CSMP?", "+CSMP:", 0, ok_csmp },
};

/* The last three init steps are the poll. */
#define POLL_FIRST 6
#define POLL_COUNT 3

static void
init_done(void *arg, const struct atc_reply *r)
{
	struct modem *m = container_of(arg, struct modem, tok_init);
	const struct init_step *s = &init_steps[m->init_done++];

	if (r->final == ATC_OK) {
		if (s->ok)
			s->ok(m, r);
	} else if (s->required && r->final != ATC_CANCELLED && r->final != ATC_TIMEOUT) {
		struct timeval tv = { MODEM_INIT_RETRY_SEC, 0 };

		snprintf(m->why, sizeof(m->why), "%s answered %s; trying again every %d s",
		    s->cmd, r->final_line[0] ? r->final_line : atc_final_names[r->final],
		    MODEM_INIT_RETRY_SEC);
		if (m->state != MODEM_FAILED)
			log_warn("modem %s: %s", m->device, m->why);
		atc_cancel_arg(m->atc, &m->tok_init, util_now_us());
		set_state(m, MODEM_FAILED);
		evtimer_add(m->ev_init, &tv);
		kick(m);
		return;
	} else if (r->final != ATC_CANCELLED && r->final != ATC_TIMEOUT) {
		log_info("modem: %s answered %s", s->cmd, atc_final_names[r->final]);
	}
	if (m->init_done < (int)ARRAY_SIZE(init_steps) || m->state != MODEM_INIT)
		return;
	m->why[0] = '\0';
	log_info("modem %s: ready (IMEI %s, %s, CSQ %d)", m->device, m->imei[0] ? m->imei : "?",
	    m->reg_known ? modem_reg_name(m->creg.stat) : "registration unknown", m->csq);
	set_state(m, MODEM_READY);
	send_ats0(m);
	kick(m);
}

static void
start_init(struct modem *m)
{
	m->init_done = 0;
	m->npolls = 0;
	set_state(m, MODEM_INIT);
	for (size_t i = 0; i < ARRAY_SIZE(init_steps); i++)
		send_cmd(m, init_steps[i].cmd, init_steps[i].prefix, 0, &m->tok_init, init_done);
	arm_atc(m);
}

static void
on_init(evutil_socket_t fd, short what, void *arg)
{
	struct modem *m = arg;

	if (m->tty && (m->state == MODEM_CLOSED || m->state == MODEM_FAILED))
		start_init(m);
}

static void
poll_done(void *arg, const struct atc_reply *r)
{
	struct modem *m = container_of(arg, struct modem, tok_poll);
	const struct init_step *s = &init_steps[POLL_FIRST + m->poll_done++ % POLL_COUNT];

	m->npolls--;
	if (r->final == ATC_OK && s->ok)
		s->ok(m, r);
}

static void
on_poll(evutil_socket_t fd, short what, void *arg)
{
	struct modem *m = arg;

	/* One round at a time: a slow modem is not flooded. */
	if (m->state != MODEM_READY || m->npolls > 0)
		return;
	m->poll_done = 0;
	for (int i = 0; i < POLL_COUNT; i++) {
		const struct init_step *s = &init_steps[POLL_FIRST + i];

		m->npolls++;
		send_cmd(m, s->cmd, s->prefix, 0, &m->tok_poll, poll_done);
	}
	arm_atc(m);
}

/* --- transactions ------------------------------------------------------------ */

static void
txn_check_end(struct modem *m)
{
	struct txn *t = &m->txn;

	if (t->restore_done < t->nrestore || (!t->failed[0] && t->main_done < t->nmain))
		return;
	t->busy = 0;
	t->end(m, !t->failed[0]);
	kick(m);
}

static void
txn_main_done(void *arg, const struct atc_reply *r)
{
	struct modem *m = container_of(arg, struct modem, tok_main);
	struct txn *t = &m->txn;
	int k = t->main_done++;

	if (r->final == ATC_OK) {
		if (t->ok[k])
			t->ok[k](m, r);
	} else if (!t->failed[0]) {
		snprintf(t->failed, sizeof(t->failed), "%s answered %s", t->cmd[k],
		    r->final_line[0] ? r->final_line : atc_final_names[r->final]);
		atc_cancel_arg(m->atc, &m->tok_main, util_now_us());
	}
	txn_check_end(m);
}

static void
txn_restore_done(void *arg, const struct atc_reply *r)
{
	struct modem *m = container_of(arg, struct modem, tok_restore);

	m->txn.restore_done++;
	if (r->final != ATC_OK && r->final != ATC_CANCELLED)
		log_warn("modem: putting the character set back: %s", atc_final_names[r->final]);
	txn_check_end(m);
}

/* Queues one step; restore steps after every main step. */
static int
txn_step(struct modem *m, int restore, const struct atc_req *rq0,
    void (*ok)(struct modem *m, const struct atc_reply *r))
{
	struct txn *t = &m->txn;
	struct atc_req rq = *rq0;
	int r;

	rq.arg = restore ? &m->tok_restore : &m->tok_main;
	rq.done = restore ? txn_restore_done : txn_main_done;
	r = atc_send(m->atc, &rq, util_now_us());
	if (r < 0)
		return r;
	if (restore) {
		t->nrestore++;
	} else {
		t->ok[t->nmain] = ok;
		util_strlcpy(t->cmd[t->nmain], rq.cmd, sizeof(t->cmd[0]));
		t->nmain++;
	}
	return 0;
}

static void
txn_begin(struct modem *m, void (*end)(struct modem *m, int ok))
{
	memset(&m->txn, 0, sizeof(m->txn));
	m->txn.busy = 1;
	m->txn.end = end;
}

/* The character set steps around our exchanges. */
static int
txn_ucs2(struct modem *m)
{
	struct atc_req rq = { .cmd = "AT+CSCS=\"UCS2\"" };

	return txn_step(m, 0, &rq, NULL);
}

static int
txn_restore_charset(struct modem *m)
{
	char cmd[48];
	struct atc_req rq = { .cmd = cmd };

	snprintf(cmd, sizeof(cmd), "AT+CSCS=\"%s\"", m->charset);
	return txn_step(m, 1, &rq, NULL);
}

/* After our AT+CSMP: the modem's own values, when it told them. */
static int
txn_restore_csmp(struct modem *m)
{
	char cmd[48];
	struct atc_req rq = { .cmd = cmd };

	if (!m->csmp[0])
		return 0;
	snprintf(cmd, sizeof(cmd), "AT+CSMP=%s", m->csmp);
	return txn_step(m, 1, &rq, NULL);
}

/* --- reading SMS ---------------------------------------------------------------- */

static int
is_phone_text(const char *s)
{
	if (*s == '+')
		s++;
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s) && *s != '*' && *s != '#')
			return 0;
	return 1;
}

static void
ok_cmgr(struct modem *m, const struct atc_reply *r)
{
	struct modem_cmgr h;
	char body[ATC_REPLY_MAX], sender[sizeof(h.oa)], *text;
	static char out[ATC_REPLY_MAX];
	size_t blen = 0, tlen;
	int k, binary = 0, hdr = -1;
	ssize_t n;

	for (k = 0; k < r->nlines && hdr < 0; k++)
		if (modem_parse_cmgr(r->lines[k], &h) == 0)
			hdr = k;
	if (hdr < 0) {
		log_info("modem: SMS %d: nothing stored there", m->txn.index);
		return;
	}
	/* The text: every line after the header (a text with line breaks
	 * comes as several lines when not in hex). */
	for (k = hdr + 1; k < r->nlines; k++) {
		size_t l = strlen(r->lines[k]);

		if (blen + l + 2 > sizeof(body))
			break;
		if (k > hdr + 1)
			body[blen++] = '\n';
		memcpy(body + blen, r->lines[k], l);
		blen += l;
	}
	body[blen] = '\0';
	text = body;
	tlen = blen;
	if (modem_dcs_alphabet(h.dcs) == 1) {
		n = sms_hex_bytes(body, blen, (uint8_t *)out, sizeof(out));
		if (n >= 0) {
			text = out;
			tlen = (size_t)n;
			binary = 1;
		}
	} else if ((n = sms_hex_utf8(body, blen, out, sizeof(out))) >= 0) {
		text = out;
		tlen = (size_t)n;
	}
	if (sms_hex_utf8(h.oa, strlen(h.oa), sender, sizeof(sender)) < 0 ||
	    !is_phone_text(sender))
		util_strlcpy(sender, h.oa, sizeof(sender));
	m->st.sms_received++;
	if (m->on_sms) {
		m->on_sms(m->sms_arg, sender, text, tlen, binary);
	} else {
		log_info("modem: SMS from %s (%zu bytes%s); no SMS user in this work mode, "
		    "deleted", sender, tlen, binary ? ", 8-bit data" : "");
	}
}

static void
read_end(struct modem *m, int ok)
{
	if (!ok) {
		m->st.sms_read_failed++;
		log_warn("modem: SMS %d not read: %s", m->txn.index, m->txn.failed);
	}
}

static void
start_read(struct modem *m)
{
	char cmgr[32], cmgd[32];
	struct atc_req ucs = { .cmd = "AT+CSCS=\"UCS2\"" }, csdh1 = { .cmd = "AT+CSDH=1" },
	    rd = { .cmd = cmgr }, del = { .cmd = cmgd }, csdh0 = { .cmd = "AT+CSDH=0" };
	int index = m->reads[0];

	memmove(m->reads, m->reads + 1, (size_t)--m->nreads * sizeof(m->reads[0]));
	snprintf(cmgr, sizeof(cmgr), "AT+CMGR=%d", index);
	snprintf(cmgd, sizeof(cmgd), "AT+CMGD=%d", index);
	txn_begin(m, read_end);
	m->txn.index = index;
	/* Shown with its parameters (AT+CSDH=1): the <dcs> says the alphabet. */
	if (txn_step(m, 0, &ucs, NULL) < 0 || txn_step(m, 0, &csdh1, NULL) < 0 ||
	    txn_step(m, 0, &rd, ok_cmgr) < 0 || txn_step(m, 0, &del, NULL) < 0 ||
	    txn_step(m, 1, &csdh0, NULL) < 0 || txn_restore_charset(m) < 0)
		reopen(m, "AT command queue full");
	arm_atc(m);
}

/* --- sending SMS ------------------------------------------------------------- */

static void
job_free(struct modem *m, struct sms_job *j, int rc)
{
	TAILQ_REMOVE(&m->jobs, j, entry);
	m->njobs--;
	if (j->done)
		j->done(j->arg, rc);
	free(j->text);
	free(j);
}

static void
attempt_failed(struct modem *m, const char *why)
{
	struct sms_job *j = TAILQ_FIRST(&m->jobs);
	struct timeval tv;
	long ms;

	if (++j->tries >= MODEM_SMS_TRIES) {
		m->st.sms_failed += (uint64_t)(j->nparts - j->part);
		log_warn("modem: SMS to %s (part %d of %d) not sent after %d attempts: %s",
		    j->number, j->part + 1, j->nparts, j->tries, why);
		job_free(m, j, -EIO);
		kick(m);
		return;
	}
	ms = MODEM_SMS_BACKOFF_MS << (j->tries - 1);
	log_info("modem: SMS to %s (part %d of %d) not sent (%s); again in %ld ms", j->number,
	    j->part + 1, j->nparts, why, ms);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = ms % 1000 * 1000;
	evtimer_add(m->ev_send, &tv);
}

static void
send_end(struct modem *m, int ok)
{
	struct sms_job *j = TAILQ_FIRST(&m->jobs);

	if (!j)
		return;		/* forgotten meanwhile */
	if (!ok) {
		attempt_failed(m, m->txn.failed);
		return;
	}
	m->st.sms_sent++;
	j->tries = 0;
	if (++j->part == j->nparts) {
		log_info("modem: SMS to %s sent (%d part%s)", j->number, j->nparts,
		    j->nparts == 1 ? "" : "s");
		job_free(m, j, 0);
	}
}

static void
start_send(struct modem *m)
{
	struct sms_job *j = TAILQ_FIRST(&m->jobs);
	size_t from = j->part ? j->ends[j->part - 1] : 0;
	char csmp[40], cmgs[ATC_CMD_MAX], num[4 * sizeof(j->number) + 1];
	static char body[ATC_BODY_MAX + 1];
	struct atc_req rq_csmp = { .cmd = csmp }, rq_cmgs = {
		.cmd = cmgs, .prefix = "+CMGS:", .flags = ATC_F_PROMPT, .body = body,
		.timeout_us = MODEM_CMGS_TIMEOUT_US,
	};
	ssize_t n;

	n = sms_ucs2_hex(j->text + from, j->ends[j->part] - from, body, sizeof(body));
	if (n < 0 || sms_ucs2_hex(j->number, strlen(j->number), num, sizeof(num)) < 0) {
		attempt_failed(m, "text too long");
		return;
	}
	rq_cmgs.body_len = (size_t)n;
	snprintf(csmp, sizeof(csmp), "AT+CSMP=17,167,0,%d", j->ucs2 ? 8 : 0);
	snprintf(cmgs, sizeof(cmgs), "AT+CMGS=\"%s\"", num);
	txn_begin(m, send_end);
	if (txn_ucs2(m) < 0 || txn_step(m, 0, &rq_csmp, NULL) < 0 ||
	    txn_step(m, 0, &rq_cmgs, NULL) < 0 || txn_restore_csmp(m) < 0 ||
	    txn_restore_charset(m) < 0)
		reopen(m, "AT command queue full");
	arm_atc(m);
}

/* What runs next: announced SMS are read first, then the next part goes. */
static void
kick(struct modem *m)
{
	/* A transaction is queued whole: it waits for room behind relays. */
	if (m->txn.busy || atc_queued(m->atc) > ATC_QUEUE_MAX - TXN_STEPS_MAX)
		return;
	if (m->state == MODEM_READY && m->nreads > 0) {
		start_read(m);
		return;
	}
	if (TAILQ_EMPTY(&m->jobs) || evtimer_pending(m->ev_send, NULL) ||
	    m->state == MODEM_INIT)
		return;		/* the end of the init kicks again */
	if (m->state != MODEM_READY) {
		attempt_failed(m, m->why[0] ? m->why : "the modem is not ready");
		return;
	}
	start_send(m);
}

static void
on_send(evutil_socket_t fd, short what, void *arg)
{
	kick(arg);
}

/* --- the tty ------------------------------------------------------------------ */

static void
atc_write(void *arg, const void *d, size_t n)
{
	struct modem *m = arg;

	if (m->tty)
		serial_write(m->tty, d, n);
}

static void
check_timeouts(struct modem *m)
{
	struct atc_stats s;

	atc_get_stats(m->atc, &s);
	if (s.timeouts > m->timeouts_seen) {
		m->timeouts_seen = s.timeouts;
		m->st.timeouts++;
		reopen(m, "no reply within %lld s", (long long)(ATC_TIMEOUT_US / 1000000));
	}
}

static void
on_tty_data(const uint8_t *d, size_t n, int64_t now, void *arg)
{
	struct modem *m = arg;

	atc_input(m->atc, d, n, now);
	kick(m);
	arm_atc(m);
}

static void
on_atc_timer(evutil_socket_t fd, short what, void *arg)
{
	struct modem *m = arg;

	atc_expire(m->atc, util_now_us());
	check_timeouts(m);
	arm_atc(m);
}

/* The port comes (1) or goes (0). Inside serial.c's callback: the init
 * starts from the event loop, the tty is replaced from it. */
static void
on_tty_state(int up, void *arg)
{
	struct modem *m = arg;
	struct timeval now = { 0, 0 };

	if (up) {
		log_info("modem %s: open", m->device);
		evtimer_add(m->ev_init, &now);
		return;
	}
	reopen(m, "lost");
}

static void
on_tty_drain(void *arg)
{
}

static void
tty_open(struct modem *m)
{
	static const struct serial_cbs cbs = {
		.on_data = on_tty_data,
		.on_drain = on_tty_drain,
		.on_state = on_tty_state,
	};
	const struct serial_params sp = { .baud = 115200, .data_bits = 8, .stop_bits = 1,
		.parity = PARITY_NONE, .flow = FLOW_NONE };

	m->tty = serial_new(m->base, m->device, "", m->lock_dir, &sp, &cbs, m);
	if (!m->tty)
		log_err("modem %s: out of memory", m->device);
}

/* Stops everything on the tty: the state goes to `to`; commands end
 * cancelled (an SMS attempt among them counts as failed). */
static void
tty_close(struct modem *m, enum modem_state to)
{
	serial_free(m->tty);
	m->tty = NULL;
	event_del(m->ev_init);
	set_state(m, to);
	m->reg_known = 0;
	m->csq = 99;
	if (m->atc)
		atc_reset(m->atc);
	m->npolls = 0;
	arm_atc(m);
	kick(m);
}

static void
on_reopen(evutil_socket_t fd, short what, void *arg)
{
	struct modem *m = arg;

	if (m->state == MODEM_OFF)
		return;
	tty_close(m, MODEM_CLOSED);
	m->st.reopens++;
	tty_open(m);
}

/* --- the service --------------------------------------------------------------- */

static void *
service_new(const struct host *host)
{
	struct modem *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->host = *host;
	m->base = host_base(host);
	m->csq = 99;
	m->auto_answer = -1;
	TAILQ_INIT(&m->jobs);
	util_strlcpy(m->charset, "IRA", sizeof(m->charset));
	m->atc = atc_new(atc_write, m);
	m->ev_atc = evtimer_new(m->base, on_atc_timer, m);
	m->ev_reopen = event_new(m->base, -1, 0, on_reopen, m);
	m->ev_init = evtimer_new(m->base, on_init, m);
	m->ev_poll = event_new(m->base, -1, EV_PERSIST, on_poll, m);
	m->ev_send = evtimer_new(m->base, on_send, m);
	if (!m->atc || !m->ev_atc || !m->ev_reopen || !m->ev_init || !m->ev_poll ||
	    !m->ev_send || atc_register(m->atc, "+CMTI:", on_cmti, m) < 0 ||
	    atc_register(m->atc, "+CREG:", on_creg_urc, m) < 0 ||
	    atc_register(m->atc, "RING", on_ring, m) < 0) {
		modem_service.free(m);
		return NULL;
	}
	return m;
}

static int
service_apply(void *svc, const struct settings *run)
{
	struct modem *m = svc;
	const char *dev = run->personality == PERS_721 ? run->modem_device : "";
	struct timeval poll = { MODEM_POLL_SEC, 0 };
	int aa = run->personality == PERS_721 ? !!run->auto_answer : -1;

	if (aa != m->auto_answer) {
		m->auto_answer = aa;
		send_ats0(m);
	}
	if (m->state != MODEM_OFF && strcmp(dev, m->device) == 0 &&
	    strcmp(run->lock_dir, m->lock_dir) == 0)
		return 0;	/* the modem runs on across restarts */
	if (m->state != MODEM_OFF) {
		log_info("modem %s: closed", m->device);
		tty_close(m, MODEM_OFF);
		event_del(m->ev_poll);
	}
	util_strlcpy(m->device, dev, sizeof(m->device));
	util_strlcpy(m->lock_dir, run->lock_dir, sizeof(m->lock_dir));
	m->why[0] = '\0';
	if (!dev[0]) {
		kick(m);	/* queued texts fail: no modem any more */
		return 0;
	}
	set_state(m, MODEM_CLOSED);
	event_add(m->ev_poll, &poll);
	tty_open(m);
	return m->tty ? 0 : -ENOMEM;
}

static void
service_free(void *svc)
{
	struct modem *m = svc;
	struct sms_job *j;

	if (!m)
		return;
	m->state = MODEM_OFF;
	serial_free(m->tty);
	m->tty = NULL;
	if (m->atc)
		atc_reset(m->atc);
	while ((j = TAILQ_FIRST(&m->jobs)))
		job_free(m, j, -ECANCELED);
	atc_free(m->atc);
	if (m->ev_atc)
		event_free(m->ev_atc);
	if (m->ev_reopen)
		event_free(m->ev_reopen);
	if (m->ev_init)
		event_free(m->ev_init);
	if (m->ev_poll)
		event_free(m->ev_poll);
	if (m->ev_send)
		event_free(m->ev_send);
	free(m);
}

static void
service_status(const void *svc, struct daemon_status *st)
{
	modem_get_status(svc, &st->modem);
}

const struct service modem_service = {
	.name = "modem",
	.new = service_new,
	.apply = service_apply,
	.free = service_free,
	.status = service_status,
};

/* --- the API ---------------------------------------------------------------------- */

int
modem_configured(const struct modem *m)
{
	return m && m->state != MODEM_OFF;
}

int
modem_ready(const struct modem *m)
{
	return m && m->state == MODEM_READY;
}

int
modem_net_led(const struct modem *m)
{
	if (!modem_configured(m))
		return -1;
	return m->state == MODEM_READY && m->reg_known && modem_reg_ok(m->creg.stat);
}

int
modem_sms_send(struct modem *m, const char *number, const char *text, size_t len,
    modem_sent_fn done, void *arg)
{
	struct sms_job *j;
	size_t nlen = strlen(number);
	int parts;

	if (!modem_configured(m))
		return -ENODEV;
	if (nlen == 0 || nlen >= sizeof(j->number) || !is_phone_text(number))
		return -EINVAL;
	if (len > SMS_TEXT_MAX)
		return -E2BIG;
	if (m->njobs == MODEM_SMS_QUEUE_MAX) {
		m->st.sms_failed++;
		log_warn("modem: SMS to %s refused: %d texts wait already", number,
		    MODEM_SMS_QUEUE_MAX);
		return -ENOBUFS;
	}
	j = calloc(1, sizeof(*j));
	if (!j || !(j->text = malloc(len ? len : 1))) {
		free(j);
		return -ENOMEM;
	}
	memcpy(j->text, text, len);
	j->len = len;
	j->ucs2 = sms_needs_ucs2(text, len);
	parts = sms_split(text, len, j->ucs2, j->ends, SMS_PARTS_MAX);
	if (parts < 0) {
		free(j->text);
		free(j);
		return parts;
	}
	j->nparts = parts;
	memcpy(j->number, number, nlen + 1);
	j->done = done;
	j->arg = arg;
	TAILQ_INSERT_TAIL(&m->jobs, j, entry);
	m->njobs++;
	log_info("modem: SMS to %s queued: %zu bytes, %d part%s, %s", number, len, parts,
	    parts == 1 ? "" : "s", j->ucs2 ? "UCS-2" : "GSM 7-bit");
	kick(m);
	return 0;
}

void
modem_set_sms_handler(struct modem *m, modem_sms_fn fn, void *arg)
{
	m->on_sms = fn;
	m->sms_arg = arg;
}

int
modem_relay(struct modem *m, const char *line, atc_prompt_fn prompt, atc_done_fn done,
    void *arg)
{
	char prefix[ATC_PREFIX_MAX + 1] = "";
	struct atc_req rq = { .cmd = line, .prompt = prompt, .done = done, .arg = arg };
	int r;

	if (!modem_ready(m))
		return -ENODEV;
	/* The answer to the MCU's AT+CREG? is its own, not an unsolicited
	 * +CREG: its lines claim their prefix. */
	if (strncasecmp(line, "AT+", 3) == 0) {
		size_t n = strcspn(line + 3, "=?;");

		if (n > 0 && n + 2 < sizeof(prefix))
			snprintf(prefix, sizeof(prefix), "+%.*s:", (int)n, line + 3);
		rq.prefix = prefix;
		if (strncasecmp(line + 3, "CMGS", 4) == 0 || strncasecmp(line + 3, "CMGW", 4) == 0)
			rq.flags |= ATC_F_PROMPT;
		if (rq.flags & ATC_F_PROMPT)
			rq.timeout_us = MODEM_CMGS_TIMEOUT_US;
	}
	if (strncasecmp(line, "ATD", 3) == 0 || strncasecmp(line, "ATA", 3) == 0)
		rq.timeout_us = MODEM_DIAL_TIMEOUT_US;
	r = atc_send(m->atc, &rq, util_now_us());
	arm_atc(m);
	return r;
}

int
modem_relay_body(struct modem *m, int id, const void *d, size_t n)
{
	int r = atc_body(m->atc, id, d, n, util_now_us());

	arm_atc(m);
	return r;
}

int
modem_relay_abort(struct modem *m, int id)
{
	int r = atc_abort_body(m->atc, id, util_now_us());

	arm_atc(m);
	return r;
}

void
modem_forget(struct modem *m, void *arg)
{
	struct sms_job *j;

	if (!m)
		return;
	atc_cancel_arg(m->atc, arg, util_now_us());
	TAILQ_FOREACH(j, &m->jobs, entry)
		if (j->arg == arg)
			j->done = NULL;
	arm_atc(m);
}

void
modem_get_status(const struct modem *m, struct modem_status *st)
{
	*st = m->st;
	st->configured = m->state != MODEM_OFF;
	if (!st->configured)
		return;
	util_strlcpy(st->device, m->device, sizeof(st->device));
	util_strlcpy(st->state, state_names[m->state], sizeof(st->state));
	st->present = m->state == MODEM_READY;
	if (m->state == MODEM_CLOSED && m->tty) {
		struct serial_stats ss;

		serial_stats(m->tty, &ss);
		snprintf(st->why, sizeof(st->why), "%.100s%s%.100s", m->why,
		    m->why[0] && ss.why[0] ? "; " : "",
		    ss.why[0] ? ss.why : m->why[0] ? "" : "not open yet");
	} else if (m->state == MODEM_INIT) {
		snprintf(st->why, sizeof(st->why), "%.180s%sinitialising", m->why,
		    m->why[0] ? "; " : "");
	} else if (m->state != MODEM_READY) {
		util_strlcpy(st->why, m->why, sizeof(st->why));
	}
	util_strlcpy(st->imei, m->imei, sizeof(st->imei));
	util_strlcpy(st->oper, m->oper, sizeof(st->oper));
	st->reg = m->reg_known ? m->creg.stat : -1;
	util_strlcpy(st->lac, m->reg_known ? m->creg.lac : "", sizeof(st->lac));
	util_strlcpy(st->ci, m->reg_known ? m->creg.ci : "", sizeof(st->ci));
	st->csq = m->csq;
	st->dbm = modem_csq_dbm(m->csq);
	st->sms_queued = (unsigned)m->njobs;
}
