/* The 721's serial-side extras (dtu.h): password AT (PROTOCOLS.md §4,
 * seed 003 §3.1.2-3.1.3), CIOPTIME and the CIMOD=2 connection. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "at.h"
#include "cmdconn.h"
#include "dtu.h"
#include "log.h"
#include "pwat.h"
#include "util.h"

/* Result lines kept while the console runs a command: an open cycle has at
 * most two ("CONNECT OK", "CLOSED") before the next command can start. */
#define DTU_URC_MAX 4

/* One source of password AT: the serial line (link -1) or one link. Each
 * has its own session, so that one request runs per source and its reply
 * goes back only there. */
struct pw_source {
	struct dtu *d;
	int link;
	struct at_session s;
};

/* Owned by the instance. */
struct dtu {
	struct event_base *base;
	struct evdns_base *dns;
	const struct at_host *host;
	void *h;
	struct at_session *console;
	struct dtu_io io;
	void *arg;
	const struct settings *run;	/* the instance's running settings; NULL: stopped */
	enum work_mode mode;
	struct pw_source pw[1 + LINKS_MAX];	/* [0] the serial line, [1 + i] link i */
	struct cmdconn *conn;		/* CIMOD=2 only */
	struct event *ev_idle;		/* CIOPTIME */
	int in_command;			/* the temporary command mode is on */
	const char *urc[DTU_URC_MAX];
	int nurc;
	uint64_t pwat_serial, pwat_net, pwat_busy;
};

/* --- password AT ------------------------------------------------------------ */

static void
pw_write(void *arg, const char *data, size_t n)
{
	struct pw_source *p = arg;
	struct dtu *d = p->d;
	int r;

	if (p->link < 0) {
		d->io.to_serial(d->arg, (const uint8_t *)data, n);
		return;
	}
	r = d->io.to_link(d->arg, p->link, (const uint8_t *)data, n);
	if (r < 0)
		log_info("password AT: reply to link%d lost: %s", p->link + 1, strerror(-r));
}

static const char *
source_name(const struct pw_source *p, char *buf, size_t cap)
{
	if (p->link < 0)
		return "the serial line";
	snprintf(buf, cap, "link%d", p->link + 1);
	return buf;
}

/* Runs frame f if it is a password-AT command for source p. */
static int
pw_run(struct dtu *d, struct pw_source *p, const uint8_t *f, size_t n)
{
	const char *line;
	size_t len;
	/* dtu.password takes effect at once (no S_RESTART): the current one. */
	enum pwat_kind k = pwat_match(d->host->settings(d->h)->at_password, f, n, &line, &len);
	char name[16];

	if (k == PWAT_DATA)
		return 0;
	if (at_busy(&p->s)) {
		/* One request at a time per source (a modem command may take
		 * seconds): a second one is refused, not queued. */
		char text[32], reply[40];
		const struct at_dialect *dl =
		    at_dialect_for((enum personality)d->run->personality);

		d->pwat_busy++;
		log_warn("password AT from %s: refused, the previous command still runs",
		    source_name(p, name, sizeof(name)));
		dl->error_text(AT_ERR_FORMAT, text, sizeof(text));
		snprintf(reply, sizeof(reply), "\r\n%s\r\n", text);
		pw_write(p, reply, strlen(reply));
		return 1;
	}
	if (p->link < 0)
		d->pwat_serial++;
	else
		d->pwat_net++;
	log_debug("password AT from %s (%zu bytes)", source_name(p, name, sizeof(name)), n);
	if (k == PWAT_MALFORMED)
		at_dispatch(&p->s, "", 0, 1);	/* the format error: ERROR */
	else
		at_dispatch(&p->s, line, len, 0);
	return 1;
}

int
dtu_serial_frame(struct dtu *d, const uint8_t *f, size_t n)
{
	if (!d->run || !d->run->serial_at || d->mode != MODE_TRANSPARENT)
		return 0;
	return pw_run(d, &d->pw[0], f, n);
}

int
dtu_net_data(struct dtu *d, int link, const uint8_t *f, size_t n)
{
	if (!d->run || !d->run->net_at || d->mode != MODE_TRANSPARENT || link < 0 ||
	    link >= LINKS_MAX)
		return 0;
	return pw_run(d, &d->pw[1 + link], f, n);
}

/* --- CIOPTIME ----------------------------------------------------------------- */

static int
idle_on(const struct dtu *d)
{
	/* Only the temporary mode has a mode to return to (seed 003 §3.1.1);
	 * after AT+CISHUTDOWN the console stays in command mode. */
	return d->run && d->in_command && d->run->command_idle > 0 && d->mode != MODE_COMMAND &&
	    !(d->host->shut_down && d->host->shut_down(d->h));
}

static void
idle_arm(struct dtu *d)
{
	struct timeval tv;

	if (!idle_on(d)) {
		event_del(d->ev_idle);
		return;
	}
	tv.tv_sec = (time_t)d->run->command_idle;
	tv.tv_usec = 0;
	event_add(d->ev_idle, &tv);
}

static void
on_idle(evutil_socket_t fd, short what, void *arg)
{
	struct dtu *d = arg;

	if (!idle_on(d))
		return;
	/* A command that answers later is not idleness. */
	if (at_busy(d->console)) {
		idle_arm(d);
		return;
	}
	log_info("console: %ld s idle in command mode (CIOPTIME): back to %s mode",
	    d->run->command_idle, workmode_name(d->mode));
	d->in_command = 0;
	d->io.leave_command(d->arg);
}

void
dtu_command_mode(struct dtu *d, int on)
{
	d->in_command = on;
	idle_arm(d);
}

void
dtu_command_activity(struct dtu *d)
{
	if (d->in_command)
		idle_arm(d);
}

/* --- CIMOD=2 -------------------------------------------------------------------- */

static void
urc_flush(struct dtu *d)
{
	while (d->nurc > 0 && at_unsolicited(d->console, d->urc[0]) == 0) {
		memmove(d->urc, d->urc + 1, (size_t)(d->nurc - 1) * sizeof(d->urc[0]));
		d->nurc--;
	}
}

static void
conn_urc(void *arg, const char *text)
{
	struct dtu *d = arg;

	if (d->nurc == DTU_URC_MAX) {
		log_warn("ciopen: result %s dropped: %d are waiting for the console", text,
		    DTU_URC_MAX);
		return;
	}
	d->urc[d->nurc++] = text;
	urc_flush(d);
}

static void
conn_data(void *arg, const uint8_t *b, size_t n)
{
	struct dtu *d = arg;

	d->io.to_serial(d->arg, b, n);
}

static void
conn_raw(void *arg, int on)
{
	struct dtu *d = arg;

	d->io.raw(d->arg, on);
}

void
dtu_console_idle(struct dtu *d)
{
	urc_flush(d);
	dtu_command_activity(d);
}

size_t
dtu_raw(struct dtu *d, const uint8_t *b, size_t n)
{
	return d->conn ? cmdconn_raw(d->conn, b, n) : 0;
}

struct cmdconn *
dtu_cmdconn(struct dtu *d, const struct at_session *s)
{
	return s == d->console ? d->conn : NULL;
}

void
dtu_pause(struct dtu *d, int paused)
{
	if (d->conn)
		cmdconn_pause(d->conn, paused);
}

/* --- life cycle ----------------------------------------------------------------- */

struct dtu *
dtu_new(struct event_base *base, struct evdns_base *dns, const struct at_host *host, void *h,
    struct at_session *console, const struct dtu_io *io, void *arg)
{
	struct dtu *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->ev_idle = evtimer_new(base, on_idle, d);
	if (!d->ev_idle) {
		free(d);
		return NULL;
	}
	d->base = base;
	d->dns = dns;
	d->host = host;
	d->h = h;
	d->console = console;
	d->io = *io;
	d->arg = arg;
	for (int i = 0; i < 1 + LINKS_MAX; i++) {
		d->pw[i].d = d;
		d->pw[i].link = i - 1;
		at_session_init(&d->pw[i].s, host, h, pw_write, NULL, NULL, &d->pw[i]);
	}
	return d;
}

int
dtu_start(struct dtu *d, const struct settings *run, enum work_mode mode)
{
	static const struct cmdconn_cbs ccbs = {
		.data = conn_data,
		.urc = conn_urc,
		.raw = conn_raw,
	};

	d->run = run;
	d->mode = mode;
	d->in_command = 0;
	d->nurc = 0;
	if (mode == MODE_COMMAND) {
		d->conn = cmdconn_new(d->base, d->dns, run, &ccbs, d);
		if (!d->conn)
			return -ENOMEM;
	}
	return 0;
}

void
dtu_stop(struct dtu *d)
{
	if (!d)
		return;
	for (int i = 0; i < 1 + LINKS_MAX; i++)
		at_cancel(&d->pw[i].s);
	cmdconn_free(d->conn);
	d->conn = NULL;
	event_del(d->ev_idle);
	d->in_command = 0;
	d->nurc = 0;
	d->run = NULL;
}

void
dtu_free(struct dtu *d)
{
	if (!d)
		return;
	dtu_stop(d);
	event_free(d->ev_idle);
	free(d);
}

void
dtu_status(const struct dtu *d, struct workmode_status *w)
{
	const struct personality_desc *p;

	memset(w, 0, sizeof(*w));
	if (!d->run)
		return;
	p = personality_get((enum personality)d->run->personality);
	w->running = d->mode;
	w->requested = d->run->work_mode;
	w->shown = (p->modes & (p->modes - 1)) != 0 || w->requested != w->running;
	if (d->conn)
		cmdconn_status(d->conn, w->conn, sizeof(w->conn));
	w->pwat_serial = d->pwat_serial;
	w->pwat_net = d->pwat_net;
	w->pwat_busy = d->pwat_busy;
}
