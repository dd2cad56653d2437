/* One instance serves one serial port: serial -> console -> packer -> bridge
 * and back (DESIGN.md §3). Settings live in three layers: base (defaults <-
 * config), cur (base <- state; what AT shows and edits) and run (the copy
 * the serial port and bridge were built from at the last (re)start). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/dns.h>
#include <event2/event.h>

#include "at.h"
#include "bridge.h"
#include "conf.h"
#include "curl-glue.h"
#include "console.h"
#include "control.h"
#include "dtu.h"
#include "discovery.h"
#include "framemode.h"
#include "ftp.h"
#include "ftpmode.h"
#include "hook.h"
#include "hostinfo.h"
#include "instance.h"
#include "leds.h"
#include "log.h"
#include "modem.h"
#include "smsmode.h"
#include "packer.h"
#include "personality.h"
#include "rfc2217.h"
#include "sdnotify.h"
#include "serial.h"
#include "settings.h"
#include "status.h"
#include "util.h"
#include "web.h"
#include "workmode.h"

struct instance;

/* The serial side's ingress path of one work mode (REVIEW.md §3 redesign 4):
 * what becomes of serial bytes that the console passes on as data. The 30X
 * has the transparent mode (packer -> every link); the 721 adds HTTPD (the
 * same path to link 1 as an HTTP client, workmode_bridge_settings), AT
 * command mode, frame mode (§5 frames, every other byte dropped) and SMS
 * transparent mode (frames to the modem, smsmode.c); a new mode is a row of
 * ingress_modes[] and a bit of
 * personality_desc.modes. */
struct ingress_ops {
	/* The console is in command mode from the start and stays there
	 * (CIMOD=2): there is no data to pass on, data is NULL. */
	int command_only;
	int (*start)(struct instance *in);
	void (*stop)(struct instance *in);
	void (*data)(struct instance *in, const uint8_t *d, size_t n, int64_t now);
	/* When expire() must run next (absolute µs), or -1. */
	int64_t (*deadline)(const struct instance *in);
	void (*expire)(struct instance *in, int64_t now);
};

/* The services, in the order they are created and applied; freed in
 * reverse. The modem joins this list. */
static const struct service *const services[] = {
	&control_service,
	&web_service,
	&rfc2217_service,
	&discovery_service,
	&modem_service,
};

/* Owned by main(); owns everything below it. */
struct instance {
	struct event_base *base;
	struct evdns_base *dns;
	char config_path[PATH_MAX];
	char state_path[PATH_MAX];
	struct settings base_set;	/* defaults <- config file */
	struct settings saved;		/* base_set <- state file: a restart starts here */
	struct settings cur;		/* saved <- edits not saved yet (721 before ATW) */
	struct settings run;		/* what serial and bridge run with */

	struct serial *serial;
	const struct personality_desc *pers;	/* of the running settings */
	const struct ingress_ops *ingress;	/* of the running work mode */
	/* The 721's FTP filter (PROTOCOLS.md §5): every serial byte passes it
	 * before the console, in every mode; it takes the FTP frames out and
	 * may hold a candidate back for a bounded time (ftp.c). NULL: none
	 * (the 30X). Kept across restarts, as a download is. */
	struct ftp *ftp;
	/* 721 CIMOD=1 (PROTOCOLS.md §5): on while frame mode runs; its
	 * counters are kept across restarts. */
	struct framemode frames;
	struct console console;
	struct packer packer;
	struct bridge *bridge;
	struct curl_lazy curl;		/* one libcurl multi handle, kept across restarts */
	struct at_session at_serial;
	void *svc[ARRAY_SIZE(services)];	/* what services[i]->new returned */
	struct leds *leds;		/* kept across restarts unless leds.* change */
	struct dtu *dtu;		/* 721: password AT, CIOPTIME, CIMOD=2's connection */
	struct smsmode *sms;		/* 721: SMS transparent mode, SMS AT */
	/* The console's raw phase for a handler other than CIMOD=2's (the
	 * text of a relayed AT+CMGS, at_host.raw_begin); NULL: dtu's. */
	size_t (*raw_feed)(void *arg, const uint8_t *d, size_t n);
	void *raw_arg;

	/* The packing gap (0.35 ms at 115200) needs sub-millisecond timing;
	 * it has a timerfd of its own, so that the event loop needs none and
	 * costs no timer syscall per iteration (usrbridged.c). */
	int pack_fd;			/* CLOCK_MONOTONIC timerfd, absolute */
	int64_t pack_armed;		/* when it fires (util_now_us), -1: not armed */
	struct event *ev_pack;		/* reads pack_fd */
	struct event *ev_console;	/* +++ guard timer */
	struct event *ev_restart;	/* deferred restart */
	struct event *ev_halt;		/* deferred AT+CISHUTDOWN */
	int halted;			/* links stopped by AT+CISHUTDOWN until a restart */
	struct event *ev_child;		/* SIGCHLD: reaps the apply hook */
	struct settings applied;	/* what the apply hook last saw */
	int hook_ran;
	struct evbuffer *held_net;	/* network data held while in command mode */
	uint64_t held_dropped;
	char restart_why[64];
	unsigned restarts;
	int64_t started_us;
	/* Link counters of the bridges before the last restart: status counts
	 * from the daemon's start, as the serial counters do. */
	struct bridge_link_status before[LINKS_MAX];
	char notified[256];		/* the last sd_notify STATUS= text */
	struct event *ev_notify;	/* re-checks STATUS= while something is down */
	struct {
		host_tap_fn fn;
		void *arg;
	} taps[INSTANCE_TAPS_MAX];
	int ntaps;
	/* An RFC 2217 client has the serial port to itself (host.h). */
	const struct host_serial_owner *owner;
	void *owner_arg;
};

static void
tap(struct instance *in, int dir, const uint8_t *d, size_t n)
{
	for (int i = 0; i < in->ntaps; i++)
		in->taps[i].fn(dir, d, n, in->taps[i].arg);
}

static void arm_timers(struct instance *in);
static void on_link_state(int link, enum link_state st, void *arg);
static void on_serial_state(int up, void *arg);

/* An event line for the taps (usrbridgectl monitor). */
static void
tap_event(struct instance *in, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
tap_event(struct instance *in, const char *fmt, ...)
{
	char text[160];
	va_list ap;
	int n;

	if (!in->ntaps)
		return;
	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n > 0)
		tap(in, TAP_EVENT, (const uint8_t *)text, MIN((size_t)n, sizeof(text) - 1));
}

/* --- serial -> network ---------------------------------------------------- */

static void
on_frame(const uint8_t *frame, size_t len, void *arg)
{
	struct instance *in = arg;

	/* A password-AT frame is a command, not data (PROTOCOLS.md §4). */
	if (dtu_serial_frame(in->dtu, frame, len))
		return;
	if (in->bridge)
		bridge_frame(in->bridge, frame, len);
}

static void
con_data(void *arg, const uint8_t *d, size_t n, int64_t now)
{
	struct instance *in = arg;

	if (in->ingress->data)
		in->ingress->data(in, d, n, now);
}

/* --- transparent mode: the packer cuts frames for every link (§2) ---------- */

/* The packer of the modes that cut frames (§2): each goes to emit. */
static int
packer_start(struct instance *in, packer_emit_fn emit)
{
	return packer_init(&in->packer, (size_t)in->run.pack_len, settings_pack_gap_us(&in->run),
	    emit, in);
}

static int
transparent_start(struct instance *in)
{
	return packer_start(in, on_frame);
}

static void
transparent_stop(struct instance *in)
{
	packer_free(&in->packer);
}

static void
transparent_data(struct instance *in, const uint8_t *d, size_t n, int64_t now)
{
	/* A gap that ended before these bytes closes the frame first (bytes
	 * the FTP filter held come late, with their arrival time). */
	packer_expire(&in->packer, now);
	packer_push(&in->packer, d, n, now);
}

static int64_t
transparent_deadline(const struct instance *in)
{
	return packer_deadline(&in->packer);
}

static void
transparent_expire(struct instance *in, int64_t now)
{
	packer_expire(&in->packer, now);
}

/* --- SMS transparent mode (CIMOD=4): the packer cuts frames for the modem --- */

static void
on_sms_frame(const uint8_t *frame, size_t len, void *arg)
{
	struct instance *in = arg;

	smsmode_frame(in->sms, frame, len);
}

static int
sms_start(struct instance *in)
{
	return packer_start(in, on_sms_frame);
}

/* --- AT command mode (CIMOD=2): the console takes every byte ------------------ */

static int
command_start(struct instance *in)
{
	console_set_command(&in->console, 1);
	return 0;
}

static void
command_stop(struct instance *in)
{
}

static int64_t
command_deadline(const struct instance *in)
{
	return -1;
}

static void
command_expire(struct instance *in, int64_t now)
{
}

/* --- frame mode (CIMOD=1): only §5 frames, taken by the FTP filter ------------- */

static int
frame_start(struct instance *in)
{
	static const uint8_t none_up[LINKS_MAX];

	if (!in->ftp)
		return -ENOTSUP;
	/* Every valid frame is the filter's now: LINK_SEND reaches
	 * ftp_frame(). The links are not there yet: all down. */
	ftpmode_frames(ftp_mode(in->ftp), 1);
	framemode_start(&in->frames, none_up);
	return 0;
}

static void
frame_stop(struct instance *in)
{
	if (in->ftp)
		ftpmode_frames(ftp_mode(in->ftp), 0);
	framemode_stop(&in->frames);
}

/* What the console passes on is no frame: dropped and counted (the +++
 * that enters command mode never gets here). */
static void
frame_data(struct instance *in, const uint8_t *d, size_t n, int64_t now)
{
	framemode_dropped(&in->frames, n);
}

/* LINK_STATE follows the links (on_conn, on_link_state). */
static void
frame_links(struct instance *in)
{
	uint8_t up[LINKS_MAX];

	if (!framemode_on(&in->frames) || !in->bridge)
		return;
	for (int i = 0; i < LINKS_MAX; i++)
		up[i] = (uint8_t)instance_link_connected(in, i);
	framemode_links(&in->frames, up);
}

static const struct ingress_ops ingress_modes[MODE_COUNT] = {
	[MODE_TRANSPARENT] = {
		.start = transparent_start,
		.stop = transparent_stop,
		.data = transparent_data,
		.deadline = transparent_deadline,
		.expire = transparent_expire,
	},
	[MODE_COMMAND] = {
		.command_only = 1,
		.start = command_start,
		.stop = command_stop,
		.deadline = command_deadline,
		.expire = command_expire,
	},
	[MODE_FRAME] = {
		.start = frame_start,
		.stop = frame_stop,
		.data = frame_data,
		.deadline = command_deadline,
		.expire = command_expire,
	},
	/* Frames as in transparent mode; the bridge runs link 1 as HTPC. */
	[MODE_HTTPD] = {
		.start = transparent_start,
		.stop = transparent_stop,
		.data = transparent_data,
		.deadline = transparent_deadline,
		.expire = transparent_expire,
	},
	/* Frames as in transparent mode, each an SMS to CIPNUM; no link runs. */
	[MODE_SMS] = {
		.start = sms_start,
		.stop = transparent_stop,
		.data = transparent_data,
		.deadline = transparent_deadline,
		.expire = transparent_expire,
	},
};

static void
con_reply(void *arg, const uint8_t *d, size_t n)
{
	struct instance *in = arg;

	if (!in->owner)
		serial_write(in->serial, d, n);
}

/* A command that answers later keeps the console busy: further input is
 * held in the console, in order, until at_serial_done(). */
static int
con_line(void *arg, const char *line, size_t n, int overflow)
{
	struct instance *in = arg;

	return at_dispatch(&in->at_serial, line, n, overflow) == AT_PENDING;
}

static void
con_mode(void *arg, int command)
{
	struct instance *in = arg;

	log_info("console: %s mode", command ? "command" : "transparent");
	tap_event(in, "console: %s mode", command ? "command" : "transparent");
	dtu_command_mode(in->dtu, command);
}

/* AT+CISEND's data phase (console_set_raw). */
static size_t
con_raw(void *arg, const uint8_t *d, size_t n)
{
	struct instance *in = arg;

	if (in->raw_feed)
		return in->raw_feed(in->raw_arg, d, n);
	return dtu_raw(in->dtu, d, n);
}

static void
con_state(void *arg, enum console_state from, enum console_state to)
{
	log_debug("console: %s -> %s", console_state_names[from], console_state_names[to]);
}

static const struct console_ops con_ops = {
	.data = con_data,
	.reply = con_reply,
	.line = con_line,
	.mode = con_mode,
	.state = con_state,
	.raw = con_raw,
};

static void
on_serial_data(const uint8_t *d, size_t n, int64_t now, void *arg)
{
	struct instance *in = arg;

	if (in->ntaps)
		tap(in, TAP_FROM_SERIAL, d, n);
	if (in->owner) {
		in->owner->data(in->owner_arg, d, n);
		return;
	}
	if (in->ftp)
		ftp_input(in->ftp, d, n, now);
	else
		console_input(&in->console, d, n, now);
	if (console_in_command(&in->console))
		dtu_command_activity(in->dtu);
	arm_timers(in);
	/* No link can take more: stop reading until one can (on_writable). */
	if (in->bridge && bridge_congested(in->bridge))
		serial_pause(in->serial, 1);
}

static void
arm(struct event *ev, int64_t deadline, int64_t now)
{
	struct timeval tv;
	int64_t d;

	if (deadline < 0) {
		event_del(ev);
		return;
	}
	/* A pending timer that fires no later than needed stays: it re-arms
	 * itself for a deadline that moved (saves a syscall per read). */
	if (evtimer_pending(ev, NULL))
		return;
	d = deadline > now ? deadline - now : 0;
	tv.tv_sec = (time_t)(d / 1000000);
	tv.tv_usec = (suseconds_t)(d % 1000000);
	evtimer_add(ev, &tv);
}

/* Like arm(), for the packing gap's timerfd: armed for no later than
 * needed, it stays. With nothing pending it is left to expire rather than
 * disarmed: a stale expiry costs less than a syscall on every read. */
static void
arm_pack(struct instance *in, int64_t deadline)
{
	struct itimerspec its;

	if (deadline < 0 || (in->pack_armed >= 0 && in->pack_armed <= deadline))
		return;
	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = (time_t)(deadline / 1000000);
	its.it_value.tv_nsec = (long)(deadline % 1000000) * 1000;
	if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
		its.it_value.tv_nsec = 1;	/* zero would disarm it */
	if (timerfd_settime(in->pack_fd, TFD_TIMER_ABSTIME, &its, NULL) == 0)
		in->pack_armed = deadline;
	else
		log_warn("packing timer: %s", strerror(errno));
}

/* The packing timer serves the work mode and the FTP filter. While the
 * filter holds bytes that arrived before the mode's deadline, the mode's
 * frame may go on in them: it waits for the filter, whose deadline wakes
 * the timer instead (the packer's frames are not split by the filter). */
static int64_t
pack_deadline(const struct instance *in)
{
	int64_t d = in->ingress ? in->ingress->deadline(in) : -1;
	int64_t held = in->ftp ? ftp_held_since(in->ftp) : -1;

	if (held < 0)
		return d;
	if (d >= held)
		d = -1;
	return d < 0 ? ftp_deadline(in->ftp) : MIN(d, ftp_deadline(in->ftp));
}

static void
arm_timers(struct instance *in)
{
	arm_pack(in, pack_deadline(in));
	arm(in->ev_console, console_deadline(&in->console), util_now_us());
}

static void
on_pack_timer(evutil_socket_t fd, short what, void *arg)
{
	struct instance *in = arg;
	uint64_t expirations;
	int64_t now = util_now_us(), held = -1;

	if (read(fd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		log_warn("packing timer: %s", strerror(errno));
	in->pack_armed = -1;
	if (in->ftp) {
		ftp_expire(in->ftp, now);
		held = ftp_held_since(in->ftp);
	}
	if (in->ingress)
		in->ingress->expire(in, held >= 0 ? MIN(now, held) : now);
	arm_timers(in);
}

static void
on_console_timer(evutil_socket_t fd, short what, void *arg)
{
	struct instance *in = arg;

	console_timeout(&in->console, util_now_us());
	arm_timers(in);
}

/* --- network -> serial ---------------------------------------------------- */

/* Network-side bytes for the MCU (data, an SMS from CIPNUM, LINK_DATA and
 * LINK_STATE frames): held in command mode. */
static void
serial_out(struct instance *in, const uint8_t *d, size_t n)
{
	if (console_in_command(&in->console) || in->owner) {
		/* Held until AT+ENTM, bounded by the cache size (PROTOCOLS.md §1);
		 * as well while an RFC 2217 client owns the line (§6). */
		if (evbuffer_get_length(in->held_net) + n > (size_t)in->run.cache_size) {
			in->held_dropped += n;
			return;
		}
		evbuffer_add(in->held_net, d, n);
		return;
	}
	if (in->ntaps)
		tap(in, TAP_TO_SERIAL, d, n);
	serial_write(in->serial, d, n);
	if (serial_congested(in->serial) && in->bridge)
		bridge_pause(in->bridge, 1);
}

/* Every link's data goes to the one serial line, in arrival order; in
 * frame mode tagged with its link number (LINK_DATA, PROTOCOLS.md §5). */
static void
to_serial(int link, int client, const uint8_t *d, size_t n, void *arg)
{
	struct instance *in = arg;

	if (link >= 0 && dtu_net_data(in->dtu, link, d, n))
		return;
	/* The heartbeat of HEARTTP=COM is not kept for later. */
	if (in->owner && link < 0)
		return;
	if (link >= 0 && framemode_link_data(&in->frames, link, d, n))
		return;
	serial_out(in, d, n);
}

static void
on_serial_drain(void *arg)
{
	struct instance *in = arg;

	if (in->bridge)
		bridge_pause(in->bridge, 0);
	dtu_pause(in->dtu, 0);
	if (in->owner && in->owner->drain)
		in->owner->drain(in->owner_arg);
}

static void
on_bridge_writable(void *arg)
{
	struct instance *in = arg;

	if (in->bridge && !bridge_congested(in->bridge) && !in->owner)
		serial_pause(in->serial, 0);
}

static void
want_restart(const char *why, void *arg)
{
	instance_restart(arg, why);
}

static int net_led(const struct instance *in, int links_up);

/* The net and link LEDs follow the bridge (PROTOCOLS.md §3 SCSLINK); the
 * 721's net follows the default route and its data LED is lit while a
 * link is up (seed 003 §2.5, leds_net_follows_route). */
static void
leds_update(struct instance *in)
{
	leds_set(in->leds, LED_NET, net_led(in, in->bridge && bridge_net_up(in->bridge)));
	leds_set(in->leds, LED_LINK, in->run.link_output && in->bridge &&
	    bridge_tcp_connected(in->bridge));
	leds_set(in->leds, LED_DATA, in->pers->data_led_links && in->bridge &&
	    bridge_connected(in->bridge));
}

static void
on_conn(int link, int client, int up, int n, void *arg)
{
	struct instance *in = arg;
	struct bridge_link_status ls;
	const char *peers = "";

	leds_update(in);
	frame_links(in);
	if (!in->ntaps)
		return;
	if (up && !client && in->bridge && bridge_link_status(in->bridge, link, &ls) == 0)
		peers = ls.peers;
	if (client)
		tap_event(in, "link%d: client %d %s (%d now)", link + 1, client,
		    up ? "connected" : "disconnected", n);
	else
		tap_event(in, "link%d: %s%s%s", link + 1, up ? "connected" : "disconnected",
		    peers[0] ? " to " : "", peers);
}

static void
leds_tap(int dir, const uint8_t *d, size_t n, void *arg)
{
	if (dir != TAP_EVENT)
		leds_traffic(arg);
}

/* RFCEN (PROTOCOLS.md §3): new line settings at once, not saved; the
 * packing gap and guard time follow the new character time. */
static void
on_baud_sync(const struct baudsync_params *p, void *arg)
{
	struct instance *in = arg;
	struct serial_params sp;

	serial_get_params(in->serial, &sp);
	sp.baud = p->baud;
	sp.data_bits = p->data_bits;
	sp.stop_bits = p->stop_bits;
	sp.parity = p->parity;
	/* While an RFC 2217 client owns the line they apply when it leaves. */
	if (!in->owner && serial_configure(in->serial, &sp) < 0)
		return;
	in->run.baud = p->baud;
	in->run.data_bits = p->data_bits;
	in->run.stop_bits = p->stop_bits;
	in->run.parity = p->parity;
	in->packer.gap_us = settings_pack_gap_us(&in->run);
	in->pers->console_params(&in->run, &in->console.p);
}

/* --- AT session of the serial console -------------------------------------- */

static void
at_serial_write(void *arg, const char *d, size_t n)
{
	struct instance *in = arg;

	if (!in->owner)
		serial_write(in->serial, d, n);
}

static void
release_held_net(struct instance *in)
{
	while (evbuffer_get_length(in->held_net) > 0) {
		struct evbuffer_iovec v;

		evbuffer_peek(in->held_net, -1, NULL, &v, 1);
		if (in->ntaps)
			tap(in, TAP_TO_SERIAL, v.iov_base, v.iov_len);
		serial_write(in->serial, v.iov_base, v.iov_len);
		evbuffer_drain(in->held_net, v.iov_len);
	}
}

static void
at_serial_entm(void *arg)
{
	struct instance *in = arg;

	/* CIMOD=2: command mode is the work mode; there is none to return to. */
	if (in->ingress && in->ingress->command_only)
		return;
	dtu_command_mode(in->dtu, 0);
	console_set_command(&in->console, 0);
	log_info("console: transparent mode");
	tap_event(in, "console: transparent mode");
	release_held_net(in);
}

/* The final reply of a request went out: input held meanwhile runs now. */
static void
at_serial_done(void *arg, struct at_req *r, int rc)
{
	struct instance *in = arg;

	if (in->console.busy) {
		console_resume(&in->console, util_now_us());
		arm_timers(in);
	}
	dtu_console_idle(in->dtu);
}

/* --- the 721's serial-side extras (dtu.c) --------------------------------------- */

static void
dtu_to_serial(void *arg, const uint8_t *d, size_t n)
{
	struct instance *in = arg;

	if (in->ntaps)
		tap(in, TAP_TO_SERIAL, d, n);
	serial_write(in->serial, d, n);
	if (serial_congested(in->serial))
		dtu_pause(in->dtu, 1);
}

static int
dtu_to_link(void *arg, int link, const uint8_t *d, size_t n)
{
	struct instance *in = arg;

	return in->bridge ? bridge_send(in->bridge, link, d, n) : -ENOENT;
}

static void
dtu_raw_phase(void *arg, int on)
{
	struct instance *in = arg;

	console_set_raw(&in->console, on);
}

static const struct dtu_io dtu_io = {
	.to_serial = dtu_to_serial,
	.to_link = dtu_to_link,
	.leave_command = at_serial_entm,
	.raw = dtu_raw_phase,
};

/* --- the 721's SMS (smsmode.c) ------------------------------------------------------ */

static void
sms_to_serial(void *arg, const uint8_t *d, size_t n)
{
	serial_out(arg, d, n);
}

static const struct smsmode_io sms_io = {
	.to_serial = sms_to_serial,
};

/* --- the FTP filter's two ends (PROTOCOLS.md §5) ---------------------------- */

static void
ftp_pass(void *arg, const uint8_t *d, size_t n, int64_t now)
{
	struct instance *in = arg;

	console_input(&in->console, d, n, now);
}

static void
ftp_write(void *arg, const uint8_t *d, size_t n)
{
	struct instance *in = arg;

	if (in->ntaps)
		tap(in, TAP_TO_SERIAL, d, n);
	serial_write(in->serial, d, n);
}

/* CIMOD=1: a frame that is not an FTP one (framemode.c). */
static int
ftp_frame(void *arg, uint8_t cmd, const uint8_t *payload, size_t len)
{
	struct instance *in = arg;

	return framemode_frame(&in->frames, cmd, payload, len);
}

static const struct ftp_io ftp_ends = {
	.pass = ftp_pass,
	.write = ftp_write,
	.frame = ftp_frame,
};

/* Frame mode's ends: LINK_SEND to one link (refused in command mode),
 * frames for the MCU held as network data is while in command mode. */
static void
frames_write(void *arg, const uint8_t *d, size_t n)
{
	serial_out(arg, d, n);
}

static int
frames_in_command(void *arg)
{
	struct instance *in = arg;

	return console_in_command(&in->console);
}

static const struct framemode_ops frame_ends = {
	.to_link = dtu_to_link,
	.write = frames_write,
	.in_command = frames_in_command,
};

/* --- start, restart --------------------------------------------------------- */

static void
serial_params_of(const struct settings *st, struct serial_params *p)
{
	p->baud = st->baud;
	p->data_bits = (int)st->data_bits;
	p->stop_bits = (int)st->stop_bits;
	p->parity = st->parity;
	p->flow = st->flow;
}

/* Hands stored network settings to network.apply_hook when they changed
 * since it last ran (and once at start). */
static void
run_hook(struct instance *in, const char *event)
{
	char *env[16], buf[1024];
	pid_t pid;

	if (!in->run.apply_hook[0] || (in->hook_ran && !hook_changed(&in->applied, &in->run)))
		return;
	if (hook_env(&in->run, event, env, ARRAY_SIZE(env), buf, sizeof(buf)) < 0)
		return;
	pid = hook_spawn(in->run.apply_hook, env);
	if (pid < 0) {
		log_warn("apply hook %s: %s", in->run.apply_hook, strerror((int)-pid));
		return;
	}
	log_info("apply hook %s started (pid %ld, %s)", in->run.apply_hook, (long)pid, event);
	in->applied = in->run;
	in->hook_ran = 1;
}

static void
on_child(evutil_socket_t sig, short what, void *arg)
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			log_info("apply hook (pid %ld) done", (long)pid);
		else
			log_warn("apply hook (pid %ld) failed (status %d)", (long)pid, status);
	}
}

/* --- exclusive use of the serial port (RFC 2217, PROTOCOLS.md §6) -------- */

static void
lose_owner(struct instance *in)
{
	const struct host_serial_owner *o = in->owner;

	if (!o)
		return;
	in->owner = NULL;
	o->lost(in->owner_arg);
}

static struct serial *
claim_serial(void *h, const struct host_serial_owner *o, void *arg)
{
	struct instance *in = h;

	if (in->owner || !in->serial)
		return NULL;
	in->owner = o;
	in->owner_arg = arg;
	/* The links may have paused the line; the owner paces it now. */
	serial_pause(in->serial, 0);
	log_info("serial %s: owned by an RFC 2217 client; console and links paused",
	    in->run.serial_device);
	tap_event(in, "serial: owned by an RFC 2217 client");
	return in->serial;
}

static void
release_serial(void *h)
{
	struct instance *in = h;
	struct serial_params sp;

	if (!in->owner)
		return;
	in->owner = NULL;
	/* The line settings the links ran with: the saved ones, or what an
	 * RFCEN packet set since. */
	serial_params_of(&in->run, &sp);
	serial_configure(in->serial, &sp);
	log_info("serial %s: RFC 2217 client gone; line settings, console and links back",
	    in->run.serial_device);
	tap_event(in, "serial: RFC 2217 client gone");
	if (!console_in_command(&in->console))
		release_held_net(in);
	serial_pause(in->serial, in->bridge && bridge_congested(in->bridge));
	arm_timers(in);
}

static int
start_runtime(struct instance *in)
{
	static const struct serial_cbs scbs = {
		.on_data = on_serial_data,
		.on_drain = on_serial_drain,
		.on_state = on_serial_state,
	};
	static const struct bridge_cbs bcbs = {
		.to_serial = to_serial,
		.want_restart = want_restart,
		.on_conn = on_conn,
		.on_state = on_link_state,
		.baud_sync = on_baud_sync,
		.on_writable = on_bridge_writable,
	};
	struct bridge_params bp;
	struct serial_params sp;
	struct console_params cp;
	struct settings *bset;
	enum work_mode mode;
	int r;

	/* Edits that were not saved are lost, as on the device (721). */
	in->cur = in->saved;
	in->halted = 0;
	in->run = in->cur;
	serial_params_of(&in->run, &sp);
	if (in->serial && strcmp(serial_device(in->serial), in->run.serial_device) != 0) {
		lose_owner(in);
		serial_free(in->serial);
		in->serial = NULL;
	}
	/* An RFC 2217 client keeps its line settings over a restart. */
	if (in->serial) {
		if (!in->owner)
			serial_configure(in->serial, &sp);
	} else {
		in->serial = serial_new(in->base, in->run.serial_device, in->run.pty_link,
		    in->run.lock_dir, &sp, &scbs, in);
	}
	if (!in->serial)
		return -ENOMEM;
	in->pers = personality_get((enum personality)in->run.personality);
	in->pers->console_params(&in->run, &cp);
	/* A command still waiting for its reply is dropped with the console. */
	at_cancel(&in->at_serial);
	console_init(&in->console, &cp, &con_ops, in);
	in->console.echo = in->run.echo;
	/* The FTP filter before the work mode: frame mode works through it. */
	if (!in->pers->ftp) {
		ftp_free(in->ftp);
		in->ftp = NULL;
	} else if (!in->ftp && !(in->ftp = ftp_new(in->base, in->dns, &in->curl, &ftp_ends, in))) {
		return -ENOMEM;
	}
	if (in->ftp)
		ftp_apply(in->ftp, &in->run);
	if (in->pers->startup_message && !in->owner) {
		char msg[256];
		size_t n = in->pers->startup_message(&in->run, msg, sizeof(msg));

		if (n)
			serial_write(in->serial, msg, MIN(n, sizeof(msg)));
	}
	/* The work mode (721 AT+CIMOD); one this version lacks runs as
	 * TRANSPARENT, said here and by status (workmode.h). */
	mode = workmode_pick(in->pers, in->run.work_mode);
	if ((int)mode != in->run.work_mode)
		log_warn("dtu.mode %s is not available in this version; running %s",
		    workmode_name(in->run.work_mode), workmode_name(mode));
	in->ingress = &ingress_modes[mode];
	r = in->ingress->start(in);
	if (r < 0) {
		in->ingress = NULL;
		return r;
	}
	r = dtu_start(in->dtu, &in->run, mode);
	if (r < 0)
		return r;
	smsmode_start(in->sms, &in->run, mode);
	bp.nlinks = in->pers->links;
	bp.hooks = in->pers->bridge_hooks;
	bp.curl = &in->curl;
	/* The links the work mode runs (none in CIMOD=2, link 1 as HTPC in 3). */
	bset = malloc(sizeof(*bset));
	if (!bset)
		return -ENOMEM;
	*bset = in->run;
	workmode_bridge_settings(mode, bset);
	in->bridge = bridge_new(in->base, in->dns, bset, &bp, &bcbs, in);
	free(bset);
	if (!in->bridge)
		return -ENOMEM;
	if (in->leds && !leds_matches(in->leds, &in->run)) {
		instance_remove_tap(in, leds_tap, in->leds);
		leds_free(in->leds);
		in->leds = NULL;
	}
	if (!in->leds && (in->leds = leds_new(in->base, &in->run)))
		instance_add_tap(in, leds_tap, in->leds);
	leds_net_follows_route(in->leds, in->base, in->pers->net_led_route);
	leds_update(in);
	/* Links that came up inside bridge_new (UDP) had no bridge to ask. */
	frame_links(in);
	run_hook(in, in->restarts || in->hook_ran ? "restart" : "start");
	/* A congested bridge of before the restart paused the line. */
	if (!in->owner)
		serial_pause(in->serial, 0);
	return 0;
}

/* Keeps what the bridge counted before it goes (a restart). failures is
 * "in a row" and the cache fill is the cache's: neither adds up. */
static void
keep_link_counters(struct instance *in)
{
	struct bridge_link_status ls;

	for (int i = 0; in->bridge && bridge_link_status(in->bridge, i, &ls) == 0; i++) {
		struct bridge_link_status *b = &in->before[i];

		b->stats.rx_bytes += ls.stats.rx_bytes;
		b->stats.tx_bytes += ls.stats.tx_bytes;
		b->stats.tx_dropped += ls.stats.tx_dropped;
		b->stats.rx_refused += ls.stats.rx_refused;
		b->stats.connects += ls.stats.connects;
		b->stats.clients_dropped += ls.stats.clients_dropped;
		b->stats.requests_failed += ls.stats.requests_failed;
		b->stats.rx_dropped += ls.stats.rx_dropped;
		b->cache_in += ls.cache_in;
		b->cache_dropped += ls.cache_dropped;
		b->cache_cleared += ls.cache_cleared;
		b->reconnects += ls.reconnects;
		b->heart_failures += ls.heart_failures;
	}
}

static void
stop_runtime(struct instance *in)
{
	keep_link_counters(in);
	bridge_free(in->bridge);
	in->bridge = NULL;
	if (in->ingress)
		in->ingress->stop(in);
	in->ingress = NULL;
	dtu_stop(in->dtu);
	smsmode_stop(in->sms);
	evbuffer_drain(in->held_net, evbuffer_get_length(in->held_net));
	event_del(in->ev_console);
}

/* The services follow the running settings: a new control socket path
 * (reload) or WEBPORT/WEBU (restart) take effect here. Their connected
 * clients stay, so a "restart" request still gets its reply. A service
 * that cannot apply has logged why; the others run on. */
static void
apply_services(struct instance *in)
{
	for (size_t i = 0; i < ARRAY_SIZE(services); i++)
		services[i]->apply(in->svc[i], &in->run);
}

/* 0, or -ENOMEM when one could not be created (the rest are freed by
 * free_services()). */
static int
new_services(struct instance *in)
{
	const struct host host = { &instance_host_ops, in };

	for (size_t i = 0; i < ARRAY_SIZE(services); i++) {
		in->svc[i] = services[i]->new(&host);
		if (!in->svc[i]) {
			log_err("%s: out of memory", services[i]->name);
			return -ENOMEM;
		}
	}
	return 0;
}

static void
free_services(struct instance *in)
{
	for (size_t i = ARRAY_SIZE(services); i-- > 0;) {
		if (in->svc[i])
			services[i]->free(in->svc[i]);
		in->svc[i] = NULL;
	}
}

/* sd_notify STATUS= (systemctl status shows it): what is not working and
 * why, or that all is. Sent when it changes; while something is down, a
 * one-second timer looks again (a listener or the serial port may come back
 * on its own retry timer, which does not report here). */
static void
notify_status(struct instance *in)
{
	struct daemon_status *st = malloc(sizeof(*st));
	char text[256];
	size_t o;
	int down = 0;

	if (!st)
		return;
	instance_status(in, st);
	o = (size_t)snprintf(text, sizeof(text), "STATUS=");
	if (!st->serial.open && st->serial.why[0]) {
		o += (size_t)snprintf(text + o, sizeof(text) - o, "serial %s; ", st->serial.why);
		down = 1;
	}
	if (in->halted) {
		o += (size_t)snprintf(text + o, sizeof(text) - o, "links shut down by "
		    "AT+CISHUTDOWN; ");
		down = 1;
	}
	for (int i = 0; i < st->nlinks && o < sizeof(text); i++) {
		char *why = st->link[i].why, *cut;

		/* A listener that cannot listen; client links that wait for
		 * their server are their normal life, not the daemon's trouble. */
		if (!st->link[i].active || !st->link[i].server || !why[0])
			continue;
		/* The countdown would make the text change every second. */
		if ((cut = strstr(why, "; next attempt in ")))
			*cut = '\0';
		o += (size_t)snprintf(text + o, sizeof(text) - o, "link%d %s; ", i + 1, why);
		down = 1;
	}
	if (st->web_why[0] && o < sizeof(text)) {
		o += (size_t)snprintf(text + o, sizeof(text) - o, "web %s; ", st->web_why);
		down = 1;
	}
	if (st->rfc2217.why[0] && o < sizeof(text)) {
		o += (size_t)snprintf(text + o, sizeof(text) - o, "rfc2217 %s; ", st->rfc2217.why);
		down = 1;
	}
	if (st->discovery.why[0] && o < sizeof(text)) {
		o += (size_t)snprintf(text + o, sizeof(text) - o, "discovery %s; ",
		    st->discovery.why);
		down = 1;
	}
	if (st->modem.configured && !st->modem.present && o < sizeof(text)) {
		o += (size_t)snprintf(text + o, sizeof(text) - o, "modem %s; ", st->modem.why);
		down = 1;
	}
	if (!down)
		snprintf(text, sizeof(text), "STATUS=running: %s on %.200s",
		    personality_name(st->personality), st->serial_device);
	else if (o < sizeof(text))
		text[o - 2] = '\0';	/* the last "; " */
	free(st);
	/* Nothing was ever wrong: READY=1 says it all (and systemd shows no
	 * stale STATUS=). Once something was, its end is said too. */
	if (!down && !in->notified[0])
		return;
	if (strcmp(text, in->notified) != 0) {
		util_strlcpy(in->notified, text, sizeof(in->notified));
		sdnotify(text);
		if (down)
			log_debug("sd_notify %s", text);
	}
	if (down && in->ev_notify) {
		struct timeval tv = { 1, 0 };

		evtimer_add(in->ev_notify, &tv);
	}
}

static void
on_notify(evutil_socket_t fd, short what, void *arg)
{
	notify_status(arg);
}

static void
on_link_state(int link, enum link_state st, void *arg)
{
	struct instance *in = arg;

	frame_links(in);
	if (in->ev_notify && !evtimer_pending(in->ev_notify, NULL))
		event_active(in->ev_notify, EV_TIMEOUT, 0);
}

static void
on_serial_state(int up, void *arg)
{
	on_link_state(0, LINK_DOWN, arg);
}

static void
on_restart(evutil_socket_t fd, short what, void *arg)
{
	struct instance *in = arg;
	int64_t t0 = util_now_us();

	stop_runtime(in);
	if (start_runtime(in) < 0)
		log_err("restart: cannot start; retrying with the same settings later");
	apply_services(in);
	in->restarts++;
	notify_status(in);
	log_info("restarted (%s) in %lld us", in->restart_why, (long long)(util_now_us() - t0));
}

/* AT+CISHUTDOWN (PROTOCOLS.md §4): every link stops, the console stays in
 * command mode until a restart; status says why the links are down. */
static void
on_halt(evutil_socket_t fd, short what, void *arg)
{
	struct instance *in = arg;

	keep_link_counters(in);
	bridge_free(in->bridge);
	in->bridge = NULL;
	in->halted = 1;
	evbuffer_drain(in->held_net, evbuffer_get_length(in->held_net));
	if (!console_in_command(&in->console))
		console_set_command(&in->console, 1);
	leds_update(in);
	log_info("shut down by AT+CISHUTDOWN: every link stopped until AT+CIRESET");
	tap_event(in, "links: shut down by AT+CISHUTDOWN");
	notify_status(in);
}

void
instance_shutdown(struct instance *in)
{
	event_active(in->ev_halt, EV_TIMEOUT, 0);
}

int
instance_link_connected(const struct instance *in, int i)
{
	struct bridge_link_status *ls = malloc(sizeof(*ls));
	int up = 0;

	if (ls && in->bridge && bridge_link_status(in->bridge, i, ls) == 0)
		up = ls->active && ls->connections > 0;
	free(ls);
	return up;
}

void
instance_restart(struct instance *in, const char *why)
{
	util_strlcpy(in->restart_why, why, sizeof(in->restart_why));
	event_active(in->ev_restart, EV_TIMEOUT, 0);
}

static void
load_state(struct instance *in)
{
	struct conf_error err;
	char msg[600];

	in->saved = in->base_set;
	conf_state_path(&in->base_set, in->state_path, sizeof(in->state_path));
	if (conf_load_state(in->state_path, &in->saved, &err) < 0) {
		conf_error_format(&err, msg, sizeof(msg));
		log_warn("%s; ignoring the state file, using the config file's settings", msg);
		in->saved = in->base_set;
	}
	in->cur = in->saved;
}

struct instance *
instance_new(struct event_base *base, const char *config_path, const struct settings *config,
    struct conf_error *err)
{
	struct instance *in = calloc(1, sizeof(*in));

	if (!in) {
		util_strlcpy(err->msg, "out of memory", sizeof(err->msg));
		return NULL;
	}
	in->pack_fd = -1;
	in->base_set = *config;
	in->base = base;
	in->curl = (struct curl_lazy){ .base = base, .soname = LIBCURL_SONAME };
	util_strlcpy(in->config_path, config_path, sizeof(in->config_path));
	load_state(in);
	in->dns = evdns_base_new(base, EVDNS_BASE_INITIALIZE_NAMESERVERS |
	    EVDNS_BASE_DISABLE_WHEN_INACTIVE);
	if (!in->dns) {
		in->dns = evdns_base_new(base, EVDNS_BASE_DISABLE_WHEN_INACTIVE);
		if (in->dns)
			evdns_base_load_hosts(in->dns, NULL);
	}
	in->held_net = evbuffer_new();
	in->pack_armed = -1;
	in->pack_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (in->pack_fd >= 0)
		in->ev_pack = event_new(base, in->pack_fd, EV_READ | EV_PERSIST, on_pack_timer, in);
	if (in->ev_pack)
		event_add(in->ev_pack, NULL);
	in->ev_console = evtimer_new(base, on_console_timer, in);
	in->ev_restart = event_new(base, -1, 0, on_restart, in);
	in->ev_halt = event_new(base, -1, 0, on_halt, in);
	in->ev_notify = evtimer_new(base, on_notify, in);
	in->ev_child = evsignal_new(base, SIGCHLD, on_child, in);
	if (in->ev_child)
		event_add(in->ev_child, NULL);
	at_session_init(&in->at_serial, &instance_at_host, in, at_serial_write, at_serial_entm,
	    at_serial_done, in);
	in->dtu = dtu_new(base, in->dns, &instance_at_host, in, &in->at_serial, &dtu_io, in);
	in->sms = smsmode_new(&instance_at_host, in, &sms_io, in);
	framemode_init(&in->frames, &frame_ends, in);
	in->started_us = util_now_us();
	if (!in->held_net || !in->ev_pack || !in->ev_console || !in->ev_restart || !in->ev_halt ||
	    !in->dtu || !in->sms ||
	    new_services(in) < 0 || start_runtime(in) < 0) {
		util_strlcpy(err->file, config_path, sizeof(err->file));
		err->line = 0;
		util_strlcpy(err->msg, "cannot start", sizeof(err->msg));
		instance_free(in);
		return NULL;
	}
	/* One daemon per serial port: a second one on a held port stops here
	 * (a port taken later, while running, is retried and shown instead). */
	if (serial_held_by(in->serial)) {
		struct serial_stats ss;

		serial_stats(in->serial, &ss);
		util_strlcpy(err->file, config_path, sizeof(err->file));
		err->line = 0;
		snprintf(err->msg, sizeof(err->msg), "serial port %.100s is %.180s; one daemon per port",
		    in->run.serial_device, ss.why);
		instance_free(in);
		return NULL;
	}
	apply_services(in);
	notify_status(in);
	log_info("%s on %s, %s", personality_name((enum personality)in->run.personality),
	    in->run.serial_device, in->run.link[0].mode == LINK_TCPS ? "TCP server" : "running");
	return in;
}

void
instance_free(struct instance *in)
{
	if (!in)
		return;
	free_services(in);
	at_cancel(&in->at_serial);
	stop_runtime(in);
	dtu_free(in->dtu);
	smsmode_free(in->sms);
	ftp_free(in->ftp);
	curl_lazy_free(&in->curl);
	if (in->leds) {
		instance_remove_tap(in, leds_tap, in->leds);
		leds_free(in->leds);
	}
	serial_free(in->serial);
	if (in->ev_pack)
		event_free(in->ev_pack);
	if (in->pack_fd >= 0)
		close(in->pack_fd);
	if (in->ev_console)
		event_free(in->ev_console);
	if (in->ev_restart)
		event_free(in->ev_restart);
	if (in->ev_halt)
		event_free(in->ev_halt);
	if (in->ev_notify)
		event_free(in->ev_notify);
	if (in->ev_child)
		event_free(in->ev_child);
	if (in->held_net)
		evbuffer_free(in->held_net);
	if (in->dns)
		evdns_base_free(in->dns, 0);
	free(in);
}

int
instance_reload(struct instance *in)
{
	struct conf_error err;
	struct settings st;
	char msg[600];

	if (conf_load(in->config_path, &st, &err) < 0) {
		conf_error_format(&err, msg, sizeof(msg));
		log_err("reload: %s; keeping the running settings", msg);
		return -EINVAL;
	}
	log_info("reload: %s read; restarting", in->config_path);
	in->base_set = st;
	load_state(in);
	instance_restart(in, "reload");
	return 0;
}

const struct settings *
instance_settings(const struct instance *in)
{
	return &in->cur;
}

static int
save(struct instance *in, const struct settings *st)
{
	int r = conf_save_state(in->state_path, st, &in->base_set);

	/* The state directory may not exist yet outside systemd. */
	if (r == -ENOENT && util_mkdir_p(st->state_dir, 0750) == 0)
		r = conf_save_state(in->state_path, st, &in->base_set);
	if (r < 0)
		log_warn("cannot save %s: %s", in->state_path, strerror(-r));
	return r;
}

void
instance_edit(struct instance *in, const struct settings *st)
{
	in->cur = *st;
	/* AT+E takes effect at once (PROTOCOLS.md §3); the rest at restart. */
	in->console.echo = in->cur.echo;
}

int
instance_save(struct instance *in, const struct settings *st)
{
	int r = save(in, st);

	if (r == 0)
		in->saved = *st;
	return r;
}

int
instance_set_many(struct instance *in, const struct setting_ref *s,
    const char *const *text, int n, char *why, size_t whycap)
{
	struct settings next = in->cur;
	int r;

	r = settings_set_many(&next, s, text, n, SET_RUNTIME, why, whycap);
	if (r < 0)
		return r;
	r = instance_save(in, &next);
	if (r < 0) {
		snprintf(why, whycap, "cannot save %s: %s", in->state_path, strerror(-r));
		return r;
	}
	instance_edit(in, &next);
	return 0;
}

int
instance_restore_defaults(struct instance *in)
{
	if (unlink(in->state_path) < 0 && errno != ENOENT) {
		log_warn("cannot remove %s: %s", in->state_path, strerror(errno));
		return -errno;
	}
	in->saved = in->base_set;
	instance_edit(in, &in->saved);
	return 0;
}

int
instance_connected(const struct instance *in)
{
	return in->bridge && bridge_connected(in->bridge);
}

void
instance_status(const struct instance *in, struct daemon_status *st)
{
	memset(st, 0, sizeof(*st));
	st->personality = (enum personality)in->run.personality;
	st->uptime_us = util_now_us() - in->started_us;
	st->restarts = in->restarts;
	util_strlcpy(st->serial_device, in->run.serial_device, sizeof(st->serial_device));
	if (in->serial)
		serial_stats(in->serial, &st->serial);
	st->command_mode = console_in_command(&in->console);
	dtu_status(in->dtu, &st->work);
	smsmode_status(in->sms, &st->sms);
	st->held_bytes = evbuffer_get_length(in->held_net);
	st->held_dropped = in->held_dropped;
	for (int i = 0; in->bridge && bridge_link_status(in->bridge, i, &st->link[i]) == 0; i++)
		st->nlinks = i + 1;
	/* Shut down: no bridge; every link is off, says why, and shows what
	 * it counted before. */
	for (int i = 0; in->halted && i < in->pers->links; i++) {
		util_strlcpy(st->link[i].why, "shut down by AT+CISHUTDOWN", sizeof(st->link[i].why));
		st->nlinks = i + 1;
	}
	for (int i = 0; i < st->nlinks; i++) {
		struct link_stats *t = &st->link[i].stats;
		const struct bridge_link_status *b = &in->before[i];

		t->rx_bytes += b->stats.rx_bytes;
		t->tx_bytes += b->stats.tx_bytes;
		t->tx_dropped += b->stats.tx_dropped;
		t->rx_refused += b->stats.rx_refused;
		t->connects += b->stats.connects;
		t->clients_dropped += b->stats.clients_dropped;
		t->requests_failed += b->stats.requests_failed;
		t->rx_dropped += b->stats.rx_dropped;
		st->link[i].cache_in += b->cache_in;
		st->link[i].cache_dropped += b->cache_dropped;
		st->link[i].cache_cleared += b->cache_cleared;
		st->link[i].reconnects += b->reconnects;
		st->link[i].heart_failures += b->heart_failures;
	}
	if (in->bridge) {
		bridge_status(in->bridge, &st->bridge);
		st->bridge_known = 1;
	}
	serial_params_of(&in->run, &st->line);
	if (in->serial) {
		serial_get_params(in->serial, &st->line);
		/* What is in force, not what was asked for (a port may refuse a
		 * speed); the refused settings are shown with the reason. */
		st->line_known = serial_get_active(in->serial, &st->line) == 0;
		st->line_err = serial_refused(in->serial, &st->line_wanted);
	}
	if (in->ftp)
		ftp_status(in->ftp, &st->ftp);
	st->frame = in->frames.st;
	st->frame.shown = personality_has_mode(in->pers, MODE_FRAME);
	for (size_t i = 0; i < ARRAY_SIZE(services); i++)
		if (services[i]->status)
			services[i]->status(in->svc[i], st);
}

int
instance_add_tap(struct instance *in, host_tap_fn fn, void *arg)
{
	if (in->ntaps == INSTANCE_TAPS_MAX)
		return -ENOSPC;
	in->taps[in->ntaps].fn = fn;
	in->taps[in->ntaps].arg = arg;
	in->ntaps++;
	return 0;
}

void
instance_remove_tap(struct instance *in, host_tap_fn fn, void *arg)
{
	for (int i = 0; i < in->ntaps; i++) {
		if (in->taps[i].fn != fn || in->taps[i].arg != arg)
			continue;
		in->taps[i] = in->taps[--in->ntaps];
		return;
	}
}

struct event_base *
instance_base(const struct instance *in)
{
	return in->base;
}

const char *
instance_config_path(const struct instance *in)
{
	return in->config_path;
}

/* --- the AT host ops ------------------------------------------------------ */

static const struct settings *
athost_settings(void *h)
{
	return instance_settings(h);
}

static void
athost_edit(void *h, const struct settings *st)
{
	instance_edit(h, st);
}

static int
athost_save(void *h, const struct settings *st)
{
	return instance_save(h, st);
}

static void
athost_restart(void *h, const char *why)
{
	instance_restart(h, why);
}

static int
athost_restore_defaults(void *h)
{
	return instance_restore_defaults(h);
}

static int
athost_connected(void *h)
{
	return instance_connected(h);
}

static void
athost_mac(void *h, char out[13])
{
	hostinfo_mac("/sys", out);
}

static void
athost_shutdown(void *h)
{
	instance_shutdown(h);
}

static int
athost_shut_down(void *h)
{
	return ((struct instance *)h)->halted;
}

static int
athost_link_connected(void *h, int i)
{
	return instance_link_connected(h, i);
}

static void
athost_ipv4(void *h, char out[16])
{
	hostinfo_ipv4(out, 16);
}

static struct cmdconn *
athost_cmdconn(void *h, const struct at_session *s)
{
	struct instance *in = h;

	return dtu_cmdconn(in->dtu, s);
}

static void *service_of(const struct instance *in, const struct service *which);

static struct modem *
athost_modem(void *h)
{
	return service_of(h, &modem_service);
}

static int
athost_raw_begin(void *h, const struct at_session *s,
    size_t (*feed)(void *arg, const uint8_t *d, size_t n), void *arg)
{
	struct instance *in = h;

	if (s != &in->at_serial)
		return -EPERM;
	in->raw_feed = feed;
	in->raw_arg = arg;
	console_set_raw(&in->console, 1);
	return 0;
}

static void
athost_raw_end(void *h)
{
	struct instance *in = h;

	in->raw_feed = NULL;
	in->raw_arg = NULL;
	console_set_raw(&in->console, 0);
}

const struct at_host instance_at_host = {
	.settings = athost_settings,
	.edit = athost_edit,
	.save = athost_save,
	.restart = athost_restart,
	.restore_defaults = athost_restore_defaults,
	.connected = athost_connected,
	.host_mac = athost_mac,
	.shutdown = athost_shutdown,
	.shut_down = athost_shut_down,
	.link_connected = athost_link_connected,
	.host_ipv4 = athost_ipv4,
	.cmdconn = athost_cmdconn,
	.modem = athost_modem,
	.raw_begin = athost_raw_begin,
	.raw_end = athost_raw_end,
};

/* --- the modem (issue 12) ---------------------------------------------------- */

static void *
service_of(const struct instance *in, const struct service *which)
{
	for (size_t i = 0; i < ARRAY_SIZE(services); i++)
		if (services[i] == which)
			return in->svc[i];
	return NULL;
}

/* The net LED follows the modem's registration when one is configured
 * (PROTOCOLS.md §4 "Modem"); else the links. */
static int
net_led(const struct instance *in, int links_up)
{
	int m = modem_net_led(service_of(in, &modem_service));

	return m >= 0 ? m : links_up;
}

/* --- the host ops of the services (host.h) ---------------------------------- */

static struct event_base *
svc_base(void *h)
{
	return instance_base(h);
}

static int
svc_set_many(void *h, const struct setting_ref *s, const char *const *text, int n,
    char *why, size_t whycap)
{
	return instance_set_many(h, s, text, n, why, whycap);
}

static int
svc_reload(void *h)
{
	return instance_reload(h);
}

static void
svc_status(void *h, struct daemon_status *st)
{
	instance_status(h, st);
}

static int
svc_add_tap(void *h, host_tap_fn fn, void *arg)
{
	return instance_add_tap(h, fn, arg);
}

static void
svc_remove_tap(void *h, host_tap_fn fn, void *arg)
{
	instance_remove_tap(h, fn, arg);
}

static const char *
svc_config_path(void *h)
{
	return instance_config_path(h);
}

/* A service's state changed: the LEDs and sd_notify follow. */
static void
svc_changed(void *h)
{
	struct instance *in = h;

	leds_update(in);
	if (in->ev_notify && !evtimer_pending(in->ev_notify, NULL))
		event_active(in->ev_notify, EV_TIMEOUT, 0);
}

static void *
svc_service(void *h, const struct service *which)
{
	return service_of(h, which);
}

const struct host_ops instance_host_ops = {
	.base = svc_base,
	.settings = athost_settings,
	.set_many = svc_set_many,
	.restart = athost_restart,
	.reload = svc_reload,
	.status = svc_status,
	.add_tap = svc_add_tap,
	.remove_tap = svc_remove_tap,
	.config_path = svc_config_path,
	.claim_serial = claim_serial,
	.release_serial = release_serial,
	.at = &instance_at_host,
	.changed = svc_changed,
	.service = svc_service,
};
