/* TCPC: a TCP client to SOCK host:port (PROTOCOLS.md §3). Reconnects with a
 * capped, jittered backoff; binds SOCKPORT as its local port when set. While
 * it is down the bridge keeps serial data in its offline cache. With short
 * connections (SOCKSL=ON) it connects only when the bridge kicks it because
 * a frame waits, and closes after SHORTO seconds without data either way.
 *
 * The data path is the one link-tcps.c has: the frames of a loop pass are
 * queued and written with one write by ev_flush, after the serial read's
 * callback in the same pass; the bufferevent's write event is on only
 * while the socket is full. Left to the bufferevent, every pass cost two
 * epoll_ctl() and a loop trip, and it wrote at most 16 KiB a pass
 * (libevent's max_single_write) against serial reads of up to 64 KiB. The
 * queue is bounded by tcps.client_queue; past it send() says -ENOBUFS and
 * the bridge keeps the frame in its offline cache. Reads are a plain read
 * event into a stack buffer: a bufferevent's read path costs an
 * ioctl(FIONREAD) per read and a copy through its input buffer. The
 * bufferevent connects, writes what the socket did not take and reports
 * write errors; it never reads. */
#include "config.h"

#include <errno.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "link.h"
#include "log.h"
#include "util.h"

#define TCPC_READ_MAX 65536

/* Owned by the link (priv). */
struct tcpc {
	struct bufferevent *bev;	/* the connection (owns the fd), or NULL */
	struct event *ev_read;		/* reads the fd once connected; owned */
	struct event *ev_retry;		/* backoff timer */
	struct event *ev_idle;		/* SOCKSL: closes an idle connection */
	struct event *ev_flush;		/* activated by a send: writes the pass's frames */
	int flush_pending;
	int writing;			/* the socket was full: the bufferevent writes */
	int64_t last_io;		/* SOCKSL: last data either way (µs) */
	int blocked;			/* a send returned -ENOBUFS */
	char peer[64];
};

static void connect_now(struct link *l);

static void
schedule_retry(struct link *l)
{
	struct tcpc *c = l->priv;

	link_retry_later(l, c->ev_retry);
}

static void
drop_connection(struct link *l)
{
	struct tcpc *c = l->priv;

	if (c->ev_read) {
		event_free(c->ev_read);
		c->ev_read = NULL;
	}
	if (c->bev) {
		bufferevent_free(c->bev);
		c->bev = NULL;
	}
	c->writing = 0;
}

/* Writes what this pass queued; what the socket does not take is left to
 * the bufferevent, which also reports a write error to on_event. */
static void
on_flush(evutil_socket_t fd, short what, void *arg)
{
	struct link *l = arg;
	struct tcpc *c = l->priv;
	struct evbuffer *out;

	c->flush_pending = 0;
	if (!c->bev || l->state != LINK_UP || c->writing)
		return;
	out = bufferevent_get_output(c->bev);
	if (evbuffer_write(out, bufferevent_getfd(c->bev)) < 0 && errno != EAGAIN &&
	    errno != EINTR) {
		c->writing = 1;
		bufferevent_enable(c->bev, EV_WRITE);
		return;
	}
	if (evbuffer_get_length(out) > 0) {
		c->writing = 1;
		bufferevent_enable(c->bev, EV_WRITE);
	}
}

/* The connection that was up is gone (peer, error, reset): report it and
 * retry after the first backoff step. */
static void
lost(struct link *l, const char *how)
{
	struct tcpc *c = l->priv;

	log_info("link%d: connection to %s %s", l->index + 1, c->peer, how);
	drop_connection(l);
	event_del(c->ev_idle);
	link_set_state(l, LINK_DOWN);
	if (l->cbs.on_conn)
		l->cbs.on_conn(l, 0, 0, 0);
	/* Short connections reconnect when data waits (the bridge kicks).
	 * priv: on_conn runs the bridge's and the instance's callbacks; none
	 * stops the link today (restarts are deferred), but one that did would
	 * have freed priv and ev_retry with it, and there is nothing to retry. */
	if (l->set->short_conn || !l->priv)
		return;
	/* A lost connection is retried after the first backoff step. */
	l->stats.failures = 1;
	schedule_retry(l);
}

static void
on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct link *l = arg;
	struct tcpc *c = l->priv;
	uint8_t buf[TCPC_READ_MAX];
	ssize_t n;

	n = read(fd, buf, sizeof(buf));
	if (n > 0) {
		if (l->set->short_conn)
			c->last_io = util_now_us();
		l->stats.rx_bytes += (uint64_t)n;
		l->cbs.on_data(l, 0, buf, (size_t)n);
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		char how[80];

		/* ETIMEDOUT: keepalive or TCP_USER_TIMEOUT gave up on the server. */
		snprintf(how, sizeof(how), "lost: %s", strerror(errno));
		lost(l, how);
		return;
	}
	lost(l, "closed by the peer");
}

static void
on_write(struct bufferevent *bev, void *arg)
{
	struct link *l = arg;
	struct tcpc *c = l->priv;

	/* libevent wrote the queue out: back to on_flush. */
	if (c->writing) {
		c->writing = 0;
		bufferevent_disable(bev, EV_WRITE);
	}
	if (c->blocked) {
		c->blocked = 0;
		if (l->cbs.on_writable)
			l->cbs.on_writable(l);
	}
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	struct link *l = arg;
	struct tcpc *c = l->priv;

	if (what & BEV_EVENT_CONNECTED) {
		evutil_socket_t fd = bufferevent_getfd(bev);
		int one = 1;

		c->ev_read = event_new(l->base, fd, EV_READ | EV_PERSIST, on_readable, l);
		if (!c->ev_read) {
			log_warn("link%d: out of memory for the connection to %s", l->index + 1,
			    c->peer);
			drop_connection(l);
			link_fail(l, c->ev_retry);
			return;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		l->stats.failures = 0;
		l->stats.connects++;
		link_set_state(l, LINK_UP);
		log_info("link%d: connected to %s", l->index + 1, c->peer);
		/* ev_read reads; EV_WRITE only while the socket is full (on_flush). */
		bufferevent_disable(bev, EV_READ | EV_WRITE);
		if (!l->paused)
			event_add(c->ev_read, NULL);
		if (l->set->short_conn) {
			struct timeval tv = { l->set->short_timeout, 0 };

			c->last_io = util_now_us();
			event_add(c->ev_idle, &tv);
		}
		if (l->cbs.on_conn)
			l->cbs.on_conn(l, 0, 1, 1);
		return;
	}
	if (l->state == LINK_UP) {
		/* A write failed (reads are on_readable's). */
		lost(l, what & BEV_EVENT_EOF ? "closed by the peer" : "lost");
		return;
	}
	drop_connection(l);
	log_info("link%d: cannot connect to %s: %s (attempt %u)", l->index + 1, c->peer,
	    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()), l->stats.failures + 1);
	link_fail(l, c->ev_retry);
}

static void
on_resolved(struct link *l, int err, const struct sockaddr *sa, socklen_t salen)
{
	struct tcpc *c = l->priv;
	int fd;

	if (err == -EACCES) {
		link_set_state(l, LINK_REFUSED);
		return;
	}
	if (err < 0) {
		link_fail(l, c->ev_retry);
		return;
	}
	link_addr_text(sa, c->peer, sizeof(c->peer));
	fd = link_socket(sa->sa_family, SOCK_STREAM, l->ls->local_port);
	if (fd < 0) {
		log_warn("link%d: socket for %s: %s", l->index + 1, c->peer, strerror(-fd));
		link_fail(l, c->ev_retry);
		return;
	}
	/* A server that vanished without a FIN fails the read with ETIMEDOUT
	 * and the link reconnects (set before connect(): the user timeout
	 * bounds the handshake too). */
	err = link_tcp_keepalive(l->set, fd);
	if (err < 0)
		log_warn("link%d: TCP keepalive for %s: %s", l->index + 1, c->peer,
		    strerror(-err));
	c->bev = bufferevent_socket_new(l->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!c->bev) {
		close(fd);
		schedule_retry(l);
		return;
	}
	bufferevent_setcb(c->bev, NULL, on_write, on_event, l);
	link_set_state(l, LINK_CONNECTING);
	if (bufferevent_socket_connect(c->bev, sa, (int)salen) < 0) {
		/* on_event has not run: account for the failure here. */
		drop_connection(l);
		link_fail(l, c->ev_retry);
	}
}

static void
connect_now(struct link *l)
{
	if (l->state == LINK_REFUSED)
		return;
	link_resolve(l, l->ls->host, l->ls->port, on_resolved);
}

static void
on_retry(evutil_socket_t fd, short what, void *arg)
{
	connect_now(arg);
}

/* SOCKSL: close after SHORTO seconds without data either way. The timer
 * is not moved on every read or write: it looks at last_io when it fires. */
static void
on_idle(evutil_socket_t fd, short what, void *arg)
{
	struct link *l = arg;
	struct tcpc *c = l->priv;
	int64_t idle_us = (int64_t)l->set->short_timeout * 1000000;
	int64_t left = c->last_io + idle_us - util_now_us();

	if (!c->bev || l->state != LINK_UP)
		return;
	if (left > 0) {
		struct timeval tv = { (time_t)(left / 1000000), (suseconds_t)(left % 1000000) };

		event_add(c->ev_idle, &tv);
		return;
	}
	log_info("link%d: closing the connection to %s after %ld s idle (SOCKSL)",
	    l->index + 1, c->peer, l->set->short_timeout);
	drop_connection(l);
	link_set_state(l, LINK_DOWN);
	if (l->cbs.on_conn)
		l->cbs.on_conn(l, 0, 0, 0);
}

static int
tcpc_start(struct link *l)
{
	struct tcpc *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->ev_retry = evtimer_new(l->base, on_retry, l);
	c->ev_idle = evtimer_new(l->base, on_idle, l);
	c->ev_flush = event_new(l->base, -1, 0, on_flush, l);
	if (!c->ev_retry || !c->ev_idle || !c->ev_flush) {
		if (c->ev_retry)
			event_free(c->ev_retry);
		if (c->ev_idle)
			event_free(c->ev_idle);
		if (c->ev_flush)
			event_free(c->ev_flush);
		free(c);
		return -ENOMEM;
	}
	l->priv = c;
	if (l->set->short_conn) {
		/* PROTOCOLS.md §3 SOCKSL: connect when a frame waits. */
		log_info("link%d: TCP client to %s:%ld, short connections (%ld s)", l->index + 1,
		    l->ls->host, l->ls->port, l->set->short_timeout);
		return 0;
	}
	log_info("link%d: TCP client to %s:%ld", l->index + 1, l->ls->host, l->ls->port);
	connect_now(l);
	return 0;
}

static void
tcpc_stop(struct link *l)
{
	struct tcpc *c = l->priv;

	if (!c)
		return;
	link_resolve_cancel(l);
	drop_connection(l);
	event_free(c->ev_retry);
	event_free(c->ev_idle);
	event_free(c->ev_flush);
	free(c);
	l->priv = NULL;
	link_set_state(l, LINK_DOWN);
}

static int
tcpc_send(struct link *l, const uint8_t *data, size_t len)
{
	struct tcpc *c = l->priv;
	struct evbuffer *out;

	if (!c || !c->bev || l->state != LINK_UP)
		return -ENOTCONN;
	out = bufferevent_get_output(c->bev);
	/* As in TCPS: a burst of frames from one read must not look like a
	 * server that stopped reading. Not while the socket is known to be
	 * full (writing: libevent waits for EV_WRITE; blocked: refused
	 * already): a server that does not read would cost a failed writev
	 * per frame, and the other links' throughput with it. */
	if (evbuffer_get_length(out) + len > (size_t)l->set->client_queue &&
	    !c->writing && !c->blocked)
		evbuffer_write(out, bufferevent_getfd(c->bev));
	if (evbuffer_get_length(out) + len > (size_t)l->set->client_queue) {
		c->blocked = 1;
		return -ENOBUFS;
	}
	evbuffer_add(out, data, len);
	l->stats.tx_bytes += len;
	if (l->set->short_conn)
		c->last_io = util_now_us();
	/* Written once per loop pass, whatever the number of frames. */
	if (!c->flush_pending && !c->writing) {
		c->flush_pending = 1;
		event_active(c->ev_flush, EV_WRITE, 0);
	}
	return 0;
}

static void
tcpc_pause(struct link *l, int paused)
{
	struct tcpc *c = l->priv;

	l->paused = paused;
	if (!c || !c->ev_read)
		return;
	if (paused)
		event_del(c->ev_read);
	else
		event_add(c->ev_read, NULL);
}

static int
tcpc_connections(const struct link *l)
{
	return l->state == LINK_UP;
}

static void
tcpc_kick(struct link *l)
{
	struct tcpc *c = l->priv;

	if (c && !c->bev && l->state == LINK_DOWN)
		connect_now(l);
}

static void
tcpc_peers(const struct link *l, char *buf, size_t cap)
{
	const struct tcpc *c = l->priv;

	snprintf(buf, cap, "%s", c && l->state == LINK_UP ? c->peer : "");
}

static void
tcpc_reset(struct link *l)
{
	struct tcpc *c = l->priv;

	if (!c)
		return;
	if (l->state == LINK_UP) {
		lost(l, "reset");
		return;
	}
	if (l->state != LINK_RESOLVING && l->state != LINK_CONNECTING)
		return;		/* nothing to drop: down, backing off or refused */
	link_resolve_cancel(l);
	drop_connection(l);
	if (l->set->short_conn) {
		link_set_state(l, LINK_DOWN);
		return;
	}
	l->stats.failures = 1;
	schedule_retry(l);
}

static int
tcpc_acks(const struct link *l, struct liveness_acks *a)
{
	const struct tcpc *c = l->priv;
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	int fd, outq = 0;

	if (!c || !c->bev || l->state != LINK_UP)
		return -ENOTCONN;
	fd = bufferevent_getfd(c->bev);
	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
		return -errno;
	/* tcp(7) SIOCOUTQ: bytes not yet sent or not yet acknowledged. */
	if (ioctl(fd, SIOCOUTQ, &outq) < 0)
		outq = 0;
	a->unacked = ti.tcpi_unacked;
	a->outq = outq < 0 ? 0 : (uint32_t)outq;
	a->last_ack_ms = ti.tcpi_last_ack_recv;
	a->full = c->writing || c->blocked;
	return 0;
}

const struct link_ops link_tcpc_ops = {
	.name = "TCPC",
	.start = tcpc_start,
	.stop = tcpc_stop,
	.send = tcpc_send,
	.pause = tcpc_pause,
	.connections = tcpc_connections,
	.kick = tcpc_kick,
	.peers = tcpc_peers,
	.reset = tcpc_reset,
	.acks = tcpc_acks,
};
