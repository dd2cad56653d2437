/* The RFC 2217 listener (rfc2217.h): accepts one client at a time, claims
 * the serial port for it from the instance, and runs its bytes through the
 * Telnet codec (telnet.c) and COM-PORT-OPTION (comport.c) onto the serial
 * module. A busy port is retried as the links' listeners are (status says
 * why); a second client and addresses outside network.allow_in are
 * refused and counted. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "comport.h"
#include "host.h"
#include "link.h"
#include "listener.h"
#include "log.h"
#include "netacl.h"
#include "rfc2217.h"
#include "serial.h"
#include "settings.h"
#include "status.h"
#include "telnet.h"
#include "util.h"

static const char signature_text[] = "usrbridged " PACKAGE_VERSION;

struct rfc2217;

/* The one client; owned by its struct rfc2217. */
struct client {
	struct rfc2217 *r;
	struct bufferevent *bev;	/* owns the socket */
	struct serial *serial;		/* claimed from the host; NULL once lost */
	struct telnet tn;
	struct comport cp;
	struct event *ev_poll;		/* modem and line state, while asked */
	struct event *ev_break;		/* ends the break of a Telnet BRK */
	struct serial_icount icount;
	int icount_known;
	int poll_failed;		/* the port has no lines to poll: stopped */
	int out_full;			/* output above RFC2217_OUT_HIGH: line paused */
	int reading;			/* in on_read (a purge drains the line) */
	char peer[64];
	int64_t since_us;
	uint64_t rx, tx, dropped;
};

/* Owned by the instance (services[]). */
struct rfc2217 {
	struct host host;
	struct event_base *base;
	const struct settings *run;	/* the instance's running settings */
	struct netacl allow_in;
	long port;			/* listened on; 0: not listening */
	long want_port;			/* rfc2217.port */
	struct listener *li;
	struct event *ev_relisten;
	unsigned listen_failures;
	char why[224];
	struct client *c;
	/* Said once per kind, then counted (status). */
	int noted_busy, noted_acl, noted_lines, noted_params;
	uint64_t clients, refused_busy, refused_acl;
	/* The last client's counters, for status after it left. */
	struct rfc2217_status last;
};

static void client_free(struct client *c, int release);

/* --- the port behind COM-PORT-OPTION (comport.h) -------------------------- */

static int
same_params(const struct serial_params *a, const struct serial_params *b)
{
	return a->baud == b->baud && a->data_bits == b->data_bits &&
	    a->stop_bits == b->stop_bits && a->parity == b->parity && a->flow == b->flow;
}

static int
port_params(void *arg, const struct serial_params *want, struct serial_params *in_force)
{
	struct client *c = arg;
	int r = 0;

	if (!c->serial)
		return -ENOTCONN;
	if (want)
		r = serial_configure(c->serial, want);
	if (serial_get_active(c->serial, in_force) < 0)
		serial_get_params(c->serial, in_force);
	if (want && serial_is_pty(c->serial) && (r < 0 || !same_params(want, in_force))) {
		/* A pty keeps 8 data bits whatever is asked, and some drivers
		 * refuse what a UART would take: acknowledge it (PROTOCOLS.md
		 * §6), once in the log. */
		if (!c->r->noted_params++)
			log_info("rfc2217: %s is a pty and cannot hold %ld %d%c%d; acknowledged as "
			    "asked (logged once)", serial_device(c->serial), want->baud,
			    want->data_bits, serial_parity_letter(want->parity), want->stop_bits);
		return -ENOTSUP;
	}
	return r;
}

static int
port_set_line(void *arg, enum serial_line line, int on)
{
	static const char *const names[] = { "DTR", "RTS", "BREAK" };
	struct client *c = arg;
	int r;

	if (!c->serial)
		return -ENOTCONN;
	r = serial_set_line(c->serial, line, on);
	if (r < 0 && serial_is_pty(c->serial)) {
		if (!c->r->noted_lines++)
			log_info("rfc2217: %s is a pty without modem lines; %s %s acknowledged as "
			    "asked (logged once)", serial_device(c->serial), names[line],
			    on ? "on" : "off");
		return -ENOTSUP;
	}
	if (r < 0)
		log_warn("rfc2217: %s: cannot set %s %s: %s", serial_device(c->serial),
		    names[line], on ? "on" : "off", strerror(-r));
	else
		log_debug("rfc2217: %s %s", names[line], on ? "on" : "off");
	return r;
}

static int
port_signals(void *arg, unsigned *sig)
{
	struct client *c = arg;

	return c->serial ? serial_get_signals(c->serial, sig) : -ENOTCONN;
}

static int
port_purge(void *arg, int rx, int tx)
{
	struct client *c = arg;

	log_debug("rfc2217: purge%s%s", rx ? " receive" : "", tx ? " transmit" : "");
	return c->serial ? serial_purge(c->serial, rx, tx) : -ENOTCONN;
}

static void
line_pace(struct client *c)
{
	if (c->serial)
		serial_pause(c->serial, c->cp.suspended || c->out_full);
}

static void
port_suspend(void *arg, int on)
{
	line_pace(arg);
}

static void
port_send(void *arg, const uint8_t *d, size_t n)
{
	struct client *c = arg;

	telnet_send_sub(&c->tn, TELNET_OPT_COM_PORT, d, n);
}

static const struct comport_port port_ops = {
	.params = port_params,
	.set_line = port_set_line,
	.signals = port_signals,
	.purge = port_purge,
	.suspend = port_suspend,
	.send = port_send,
};

/* --- modem and line state ----------------------------------------------- */

static void
poll_lines(struct client *c, int force)
{
	struct serial_icount n;
	unsigned sig = 0;

	if (!c->serial)
		return;
	if (serial_get_signals(c->serial, &sig) < 0 && !force) {
		/* A pty: nothing will ever change. */
		c->poll_failed = 1;
		event_del(c->ev_poll);
		return;
	}
	comport_modem(&c->cp, sig, force);
	if (serial_get_icount(c->serial, &n) == 0) {
		uint8_t ev = 0;

		if (c->icount_known) {
			ev |= n.brk != c->icount.brk ? LINE_BREAK : 0;
			ev |= n.frame != c->icount.frame ? LINE_FRAMING : 0;
			ev |= n.parity != c->icount.parity ? LINE_PARITY : 0;
			ev |= n.overrun != c->icount.overrun ? LINE_OVERRUN : 0;
		}
		c->icount = n;
		c->icount_known = 1;
		if (ev)
			comport_line(&c->cp, ev);
	}
}

static void
on_poll(evutil_socket_t fd, short what, void *arg)
{
	poll_lines(arg, 0);
}

/* The timer runs only while the client asked for notifications. */
static void
poll_follow(struct client *c)
{
	struct timeval tv = { 0, RFC2217_POLL_MS * 1000 };

	if (comport_wants_poll(&c->cp) && !c->poll_failed) {
		if (!evtimer_pending(c->ev_poll, NULL))
			event_add(c->ev_poll, &tv);
	} else {
		event_del(c->ev_poll);
	}
}

/* --- Telnet (telnet.h) ---------------------------------------------------- */

static void
tn_data(void *arg, const uint8_t *d, size_t n)
{
	struct client *c = arg;

	c->rx += n;
	if (!c->serial || serial_write(c->serial, d, n) < 0)
		c->dropped += n;
}

static void
tn_sub(void *arg, uint8_t option, const uint8_t *d, size_t n)
{
	struct client *c = arg;

	if (option != TELNET_OPT_COM_PORT) {
		c->tn.st.sb_ignored++;
		return;
	}
	comport_request(&c->cp, d, n);
	poll_follow(c);
}

static void
tn_send(void *arg, const uint8_t *d, size_t n)
{
	struct client *c = arg;

	bufferevent_write(c->bev, d, n);
}

static void
tn_option(void *arg, uint8_t option, int remote, int on)
{
	struct client *c = arg;

	log_debug("rfc2217: %s: %s %s option %u", c->peer, on ? "enabled" : "disabled",
	    remote ? "client's" : "our", option);
	/* The modem state once, as pyserial's own server does: clients read
	 * CTS/DSR from it without asking (no polling for that). */
	if (option == TELNET_OPT_COM_PORT && remote && on)
		poll_lines(c, 1);
}

static void
on_break_end(evutil_socket_t fd, short what, void *arg)
{
	struct client *c = arg;

	if (c->serial && !c->cp.brk)
		serial_set_line(c->serial, SERIAL_LINE_BREAK, 0);
}

/* gensio sends a break as Telnet BRK (RFC 854), not as SET-CONTROL: a
 * break of RFC2217_BREAK_MS, as tcsendbreak(3) makes, without blocking. */
static void
tn_command(void *arg, uint8_t cmd)
{
	struct client *c = arg;
	struct timeval tv = { 0, RFC2217_BREAK_MS * 1000 };

	if (cmd != TELNET_BRK || !c->serial || c->cp.brk)
		return;
	log_debug("rfc2217: %s: Telnet BRK: break for %d ms", c->peer, RFC2217_BREAK_MS);
	if (serial_set_line(c->serial, SERIAL_LINE_BREAK, 1) == 0)
		event_add(c->ev_break, &tv);
}

static const struct telnet_ops tn_ops = {
	.data = tn_data,
	.sub = tn_sub,
	.send = tn_send,
	.option = tn_option,
	.command = tn_command,
};

/* --- the connection --------------------------------------------------------- */

static void
on_line_data(void *arg, const uint8_t *d, size_t n)
{
	struct client *c = arg;

	c->tx += n;
	telnet_send_data(&c->tn, d, n);
	if (!c->out_full &&
	    evbuffer_get_length(bufferevent_get_output(c->bev)) > RFC2217_OUT_HIGH) {
		c->out_full = 1;
		line_pace(c);
	}
}

static void on_read(struct bufferevent *bev, void *arg);

static void
on_line_drain(void *arg)
{
	struct client *c = arg;

	bufferevent_enable(c->bev, EV_READ);
	/* What was read before the pause waits in the input buffer. */
	if (!c->reading)
		on_read(c->bev, c);
}

static void
on_line_lost(void *arg)
{
	struct client *c = arg;

	log_warn("rfc2217: %s: the serial port went away (restart onto another device); "
	    "closing", c->peer);
	c->serial = NULL;
	client_free(c, 0);
}

static const struct host_serial_owner owner_ops = {
	.data = on_line_data,
	.drain = on_line_drain,
	.lost = on_line_lost,
};

static void
on_read(struct bufferevent *bev, void *arg)
{
	struct client *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	c->reading = 1;
	while (evbuffer_get_length(in) > 0) {
		struct evbuffer_iovec v;

		if (c->serial && serial_congested(c->serial)) {
			/* The line is behind: TCP holds the client back until
			 * on_line_drain. */
			bufferevent_disable(bev, EV_READ);
			break;
		}
		if (evbuffer_peek(in, -1, NULL, &v, 1) < 1)
			break;
		telnet_input(&c->tn, v.iov_base, v.iov_len);
		evbuffer_drain(in, v.iov_len);
	}
	c->reading = 0;
}

static void
on_write(struct bufferevent *bev, void *arg)
{
	struct client *c = arg;

	if (c->out_full) {
		c->out_full = 0;
		line_pace(c);
	}
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	struct client *c = arg;

	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		log_info("rfc2217: %s: %s after %llu B in, %llu B out", c->peer,
		    what & BEV_EVENT_EOF ? "closed" : "connection lost",
		    (unsigned long long)c->rx, (unsigned long long)c->tx);
		client_free(c, 1);
	}
}

/* The client's counters, kept in r->last for status after it left. */
static void
client_status(const struct client *c, struct rfc2217_status *st)
{
	util_strlcpy(st->client, c->peer, sizeof(st->client));
	util_strlcpy(st->client_signature, c->cp.client_signature,
	    sizeof(st->client_signature));
	st->connected_us = util_now_us() - c->since_us;
	st->rx_bytes = c->rx;
	st->tx_bytes = c->tx;
	st->dropped = c->dropped;
	st->requests = c->cp.st.requests;
	st->faked = c->cp.st.faked;
}

static void
client_free(struct client *c, int release)
{
	struct rfc2217 *r;

	if (!c)
		return;
	r = c->r;
	client_status(c, &r->last);
	r->last.client[0] = '\0';
	if (r->c == c)
		r->c = NULL;
	if (c->serial) {
		/* The line as a port is after open: no break, DTR and RTS
		 * on (a client that left DTR off may hold an MCU in reset). */
		if (c->cp.brk || (c->ev_break && evtimer_pending(c->ev_break, NULL)))
			serial_set_line(c->serial, SERIAL_LINE_BREAK, 0);
		if (!c->cp.dtr)
			serial_set_line(c->serial, SERIAL_LINE_DTR, 1);
		if (!c->cp.rts)
			serial_set_line(c->serial, SERIAL_LINE_RTS, 1);
	}
	if (release && c->serial)
		host_release_serial(&r->host);
	if (c->ev_poll)
		event_free(c->ev_poll);
	if (c->ev_break)
		event_free(c->ev_break);
	if (c->bev)
		bufferevent_free(c->bev);
	free(c);
}

static void
refuse(struct rfc2217 *r, int fd, const char *addr, int acl)
{
	close(fd);
	if (acl) {
		r->refused_acl++;
		if (!r->noted_acl++)
			log_warn("rfc2217: %s refused by network.allow_in (further refusals "
			    "are counted in status)", addr);
		return;
	}
	r->refused_busy++;
	if (!r->noted_busy++)
		log_info("rfc2217: %s refused: %s owns the serial port (one client at a "
		    "time; further refusals are counted in status)", addr,
		    r->c ? r->c->peer : "someone");
}

static void
on_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa, int salen,
    void *arg)
{
	struct rfc2217 *r = arg;
	struct client *c;
	char addr[64];
	int one = 1;

	link_addr_text(sa, addr, sizeof(addr));
	if (!netacl_allows(&r->allow_in, sa)) {
		refuse(r, fd, addr, 1);
		return;
	}
	if (r->c) {
		refuse(r, fd, addr, 0);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->r = r;
	util_strlcpy(c->peer, addr, sizeof(c->peer));
	c->since_us = util_now_us();
	evutil_make_socket_nonblocking(fd);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (r->run && link_tcp_keepalive(r->run, fd) < 0)
		log_warn("rfc2217: %s: keepalive: %s", addr, strerror(errno));
	c->bev = bufferevent_socket_new(r->base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->ev_poll = evtimer_new(r->base, on_poll, c);
	c->ev_break = evtimer_new(r->base, on_break_end, c);
	if (!c->bev || !c->ev_poll || !c->ev_break) {
		if (!c->bev)
			close(fd);
		client_free(c, 0);
		return;
	}
	r->c = c;
	c->serial = host_claim_serial(&r->host, &owner_ops, c);
	if (!c->serial) {
		log_warn("rfc2217: %s refused: the serial port is not available", addr);
		client_free(c, 0);
		return;
	}
	r->clients++;
	r->noted_busy = r->noted_acl = 0;
	telnet_init(&c->tn, &tn_ops, c);
	comport_init(&c->cp, signature_text, &port_ops, c);
	bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
	bufferevent_setwatermark(c->bev, EV_WRITE, RFC2217_OUT_LOW, 0);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	log_info("rfc2217: %s connected; it owns serial port %s", addr,
	    serial_device(c->serial));
	telnet_start(&c->tn);
}

/* --- listening ------------------------------------------------------------------ */

static void
unlisten(struct rfc2217 *r)
{
	event_del(r->ev_relisten);
	listener_free(r->li);
	r->li = NULL;
	if (r->port)
		log_info("rfc2217: stopped listening on port %ld", r->port);
	r->port = 0;
	r->why[0] = '\0';
}

/* A busy port is retried with the links' capped backoff; logged once. */
static int
listen_on(struct rfc2217 *r)
{
	int fd = link_socket_bind(SOCK_STREAM, "", r->want_port);
	char where[160];

	if (fd >= 0 && listen(fd, 16) < 0) {
		int e = -errno;

		close(fd);
		fd = e;
	}
	if (fd >= 0) {
		r->li = listener_new(r->base, "rfc2217", fd, 0, RFC2217_ACCEPT_PAUSE_MS,
		    on_accept, r);
		if (!r->li)
			fd = -ENOMEM;
	}
	if (fd < 0) {
		long ms = link_listen_retry_ms(++r->listen_failures);
		struct timeval tv = { ms / 1000, ms % 1000 * 1000 };

		link_listen_text("", r->want_port, where, sizeof(where));
		link_listen_why(where, fd, r->why, sizeof(r->why));
		if (r->listen_failures == 1)
			log_err("rfc2217: cannot listen on port %ld: %s; retrying until it is free",
			    r->want_port, r->why);
		evtimer_add(r->ev_relisten, &tv);
		return fd;
	}
	r->port = r->want_port;
	r->listen_failures = 0;
	r->why[0] = '\0';
	log_info("rfc2217: listening on port %ld", r->port);
	return 0;
}

static void
on_relisten(evutil_socket_t fd, short what, void *arg)
{
	struct rfc2217 *r = arg;

	if (r->want_port && !r->li)
		listen_on(r);
}

static int
rfc2217_apply(struct rfc2217 *r, const struct settings *run)
{
	r->run = run;
	if (netacl_parse(run->allow_in, &r->allow_in) < 0)
		memset(&r->allow_in, 0, sizeof(r->allow_in));	/* none: refuse all */
	if (r->li && r->port == run->rfc2217_port)
		return 0;
	if (!r->li && r->want_port == run->rfc2217_port && evtimer_pending(r->ev_relisten, NULL))
		return 0;	/* still waiting for the port */
	unlisten(r);
	r->want_port = run->rfc2217_port;
	r->listen_failures = 0;
	if (!r->want_port)
		return 0;
	return listen_on(r);
}

static struct rfc2217 *
rfc2217_new(const struct host *host)
{
	struct rfc2217 *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->host = *host;
	r->base = host_base(host);
	r->ev_relisten = evtimer_new(r->base, on_relisten, r);
	if (!r->ev_relisten) {
		free(r);
		return NULL;
	}
	return r;
}

static void
rfc2217_free(struct rfc2217 *r)
{
	if (!r)
		return;
	client_free(r->c, 1);
	listener_free(r->li);
	if (r->ev_relisten)
		event_free(r->ev_relisten);
	free(r);
}

/* --- the service (host.h) ----------------------------------------------------- */

static void *
service_new(const struct host *host)
{
	return rfc2217_new(host);
}

static int
service_apply(void *svc, const struct settings *run)
{
	return rfc2217_apply(svc, run);
}

static void
service_free(void *svc)
{
	rfc2217_free(svc);
}

static void
service_status(const void *svc, struct daemon_status *st)
{
	const struct rfc2217 *r = svc;
	struct rfc2217_status *s = &st->rfc2217;

	if (!r)
		return;
	*s = r->last;
	if (r->c)
		client_status(r->c, s);
	s->port = r->want_port;
	s->listening = r->li != NULL;
	if (r->want_port)
		link_listen_text("", r->want_port, s->listen, sizeof(s->listen));
	util_strlcpy(s->why, r->why, sizeof(s->why));
	s->clients = r->clients;
	s->refused_busy = r->refused_busy;
	s->refused_acl = r->refused_acl;
}

const struct service rfc2217_service = {
	.name = "rfc2217",
	.new = service_new,
	.apply = service_apply,
	.free = service_free,
	.status = service_status,
};
