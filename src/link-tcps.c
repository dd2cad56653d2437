/* TCPS: a TCP server with up to MAXSK clients (PROTOCOLS.md §3). Each client
 * has its own queue, so one that stops reading never stalls the others: past
 * tcps.client_queue bytes, while another client still keeps up, it is
 * dropped and logged. When no client keeps up (every queue past its
 * high-water mark: a lone client slower than a pseudo-terminal, or all of
 * them) there is nobody to protect and dropping would only lose data: the
 * link reports itself congested and the serial line is paused until a queue
 * drains. A client whose socket accepts nothing for TCPS_STUCK_SEC is
 * dropped whatever the others do. TCPSE kick closes the oldest client for a
 * new one, keep refuses the new one.
 *
 * Every client gets the same frames: a send appends them once to the
 * link's pass buffer (pend), and ev_flush, after the serial read's callback
 * in the same loop pass, hands the whole block to each client. A lone
 * client with nothing queued gets it with one write(), without an
 * epoll_ctl() or a loop trip; only a full socket gets its bufferevent's
 * write event until libevent has written the rest. With several clients
 * one write each per serial read would multiply syscalls: the block is
 * queued and libevent writes on the next pass, by which more reads have
 * been queued (measured: fan-out to 8 clients 30% faster that way). A
 * queued block is one reference-counted copy shared by every client's
 * queue (evbuffer_add_reference), not a copy each.
 *
 * Reads are direct too: a plain read event per client reads into a stack
 * buffer and hands the bytes on; a bufferevent's read path costs an
 * ioctl(FIONREAD) per read and a copy through its input buffer.
 *
 * A client's FIN ends only its sending side: one that half-closed (nc -N,
 * socat) keeps receiving. On the wire a half-close and a full close look
 * the same (one FIN; RFC 9293 §3.6), so such a client is kept while data
 * flows to it, until a write to it bounces (it closed fully: RST) or
 * tcp.half_close_wait seconds after the last data sent to it (socat's -t
 * is the same idea); a plain close() is thus reported that much later. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "link.h"
#include "listener.h"
#include "log.h"
#include "util.h"

#define TCPS_READ_MAX 65536
#define TCPS_PEND_MAX 65536		/* a pass's frames; handed out when full */
#define TCPS_PAUSE_MAX (64 * 1024)	/* high-water mark of a client's queue */
#define TCPS_STUCK_SEC 10		/* socket full, nothing written: dropped */
#define TCPS_ACCEPT_PAUSE_MS 1000	/* out of descriptors: stop accepting */
#define STR_(x) #x
#define STR(x) STR_(x)

struct tcps;

/* A pass's frames queued for clients that could not take them at once:
 * shared by their output buffers, freed when the last has written it. */
struct tcps_block {
	unsigned refs;
	uint8_t data[];
};

struct tcps_client {
	struct bufferevent *bev;	/* owns the fd (and writes); NULL: slot free */
	struct event *ev_read;		/* reads the fd; owned */
	struct tcps *t;
	int writing;			/* libevent writes (EV_WRITE on): the socket was
					 * full, or several clients wait (on_flush) */
	int rd_eof;			/* half-closed: read no more, only send */
	struct event *ev_linger;	/* rd_eof: drops it after half_close_wait */
	uint64_t seq;			/* accept order, for "kick the oldest" */
	uint64_t rx_bytes, tx_bytes;	/* this client's (tx: handed to its socket/queue) */
	int64_t since_us;		/* connected at (util_now_us) */
	char addr[64];
};

struct tcps {
	struct listener *lev;		/* pauses itself after EMFILE; NULL: port busy */
	struct event *ev_relisten;	/* retries a busy port (tcps_listen) */
	unsigned listen_failures;	/* in a row; the first is logged */
	struct event *ev_flush;		/* activated by a send: hands pend out */
	int flush_pending;
	uint8_t *pend;			/* this pass's frames, for every client; owned */
	size_t npend;
	struct event *ev_writable;	/* activated when congestion ends */
	int congested;			/* every client's queue is past pause_at */
	size_t pause_at;
	struct tcps_client c[LINK_CLIENTS_MAX];
	int count;
	int max;
	uint64_t next_seq;
	struct link *l;
};

static size_t
queued(const struct tcps_client *c)
{
	return evbuffer_get_length(bufferevent_get_output(c->bev));
}

/* A client is behind when libevent is writing for it and its queue is
 * past the high-water mark; one whose queue is about to be written
 * directly (ev_flush) is not. */
static int
behind(const struct tcps *t, const struct tcps_client *c)
{
	return c->writing && queued(c) >= t->pause_at;
}

/* Recomputes t->congested (every client behind); its end is reported to
 * the bridge from the loop (deferred: the bridge may send again at once). */
static void
update_congestion(struct tcps *t)
{
	int all = t->count > 0;

	for (int i = 0; i < LINK_CLIENTS_MAX && all; i++)
		if (t->c[i].bev && !behind(t, &t->c[i]))
			all = 0;
	if (t->congested && !all)
		event_active(t->ev_writable, EV_WRITE, 0);
	t->congested = all;
}

static void
on_decongested(evutil_socket_t fd, short what, void *arg)
{
	struct link *l = arg;

	if (l->cbs.on_writable)
		l->cbs.on_writable(l);
}

/* 1 if a client other than slot still keeps up. */
static int
others_keep_up(const struct tcps *t, int slot)
{
	for (int i = 0; i < LINK_CLIENTS_MAX; i++)
		if (i != slot && t->c[i].bev && !behind(t, &t->c[i]))
			return 1;
	return 0;
}

static void client_drop(struct tcps *t, int slot, const char *why);

static void
drop_errno(struct tcps *t, int slot, int e)
{
	char why[96];

	snprintf(why, sizeof(why), "connection error: %s", strerror(e));
	client_drop(t, slot, why);
}

static void
client_drop(struct tcps *t, int slot, const char *why)
{
	struct tcps_client *c = &t->c[slot];

	if (!c->bev)
		return;
	log_info("link%d: client %d (%s) %s", t->l->index + 1, slot + 1, c->addr, why);
	event_free(c->ev_read);
	if (c->ev_linger)
		event_free(c->ev_linger);
	bufferevent_free(c->bev);
	c->ev_read = NULL;
	c->ev_linger = NULL;
	c->bev = NULL;
	c->rd_eof = 0;
	t->count--;
	update_congestion(t);
	if (t->l->cbs.on_conn)
		t->l->cbs.on_conn(t->l, slot + 1, 0, t->count);
}

/* (Re)arms the half-closed client's timer: half_close_wait from now. */
static void
linger_arm(struct tcps_client *c)
{
	struct timeval tv = { c->t->l->set->half_close_wait, 0 };

	event_add(c->ev_linger, &tv);
}

static void
on_linger(evutil_socket_t fd, short what, void *arg)
{
	struct tcps_client *c = arg;
	struct tcps *t = c->t;

	/* Still writing what was queued: wait for it. */
	if (c->bev && queued(c) > 0) {
		linger_arm(c);
		return;
	}
	client_drop(t, (int)(c - t->c), "disconnected (half-closed, nothing more to send)");
}

/* The client sent its FIN: keep sending to it (top of the file). */
static void
client_half_closed(struct tcps *t, int slot)
{
	struct tcps_client *c = &t->c[slot];

	if (t->l->set->half_close_wait == 0) {
		client_drop(t, slot, "disconnected");
		return;
	}
	c->ev_linger = evtimer_new(t->l->base, on_linger, c);
	if (!c->ev_linger) {
		client_drop(t, slot, "disconnected");
		return;
	}
	c->rd_eof = 1;
	/* EOF stays readable: reading on would spin. */
	event_del(c->ev_read);
	log_info("link%d: client %d (%s) half-closed; still sending to it", t->l->index + 1,
	    slot + 1, c->addr);
	linger_arm(c);
}

static void
client_readable(evutil_socket_t fd, short what, void *arg)
{
	struct tcps_client *c = arg;
	struct tcps *t = c->t;
	struct link *l = t->l;
	int slot = (int)(c - t->c);
	uint8_t buf[TCPS_READ_MAX];
	ssize_t n;

	n = read(fd, buf, sizeof(buf));
	if (n > 0) {
		l->stats.rx_bytes += (uint64_t)n;
		c->rx_bytes += (uint64_t)n;
		/* May drop this client (restarts are deferred: t lives on). */
		l->cbs.on_data(l, slot + 1, buf, (size_t)n);
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n == 0) {
		client_half_closed(t, slot);
		return;
	}
	/* ETIMEDOUT: keepalive or TCP_USER_TIMEOUT gave up on the peer. */
	drop_errno(t, slot, errno);
}

static void
block_unref(const void *data, size_t len, void *arg)
{
	struct tcps_block *b = arg;

	if (--b->refs == 0)
		free(b);
}

/* Hands the pass's frames to every client (see the top of the file). Past
 * its bound a client is dropped if another keeps up; otherwise the serial
 * line gets paused after at most one more read, which caps the overshoot. */
static void
distribute(struct tcps *t)
{
	struct link *l = t->l;
	const uint8_t *p = t->pend;
	size_t n = t->npend;
	int lone = t->count == 1;
	struct tcps_block *b = NULL;

	t->npend = 0;
	if (n == 0)
		return;
	for (int slot = 0; slot < LINK_CLIENTS_MAX; slot++) {
		struct tcps_client *c = &t->c[slot];
		struct evbuffer *out;
		size_t q, done = 0;

		if (!c->bev)
			continue;
		out = bufferevent_get_output(c->bev);
		q = evbuffer_get_length(out);
		if (q + n > (size_t)l->set->client_queue && others_keep_up(t, slot)) {
			char why[96];

			l->stats.tx_dropped += q + n;
			l->stats.clients_dropped++;
			snprintf(why, sizeof(why), "dropped: not reading (%zu bytes queued)", q);
			client_drop(t, slot, why);
			continue;
		}
		c->tx_bytes += n;
		if (lone && !c->writing && q == 0) {
			ssize_t w = write(bufferevent_getfd(c->bev), p, n);

			if (w < 0 && errno != EAGAIN && errno != EINTR) {
				drop_errno(t, slot, errno);
				continue;
			}
			done = w > 0 ? (size_t)w : 0;
			if (c->rd_eof)
				linger_arm(c);
			if (done == n)
				continue;
		}
		if (!b && (b = malloc(sizeof(*b) + n))) {
			b->refs = 1;	/* ours, until the loop is done */
			memcpy(b->data, p, n);
		}
		if (b && evbuffer_add_reference(out, b->data + done, n - done, block_unref,
		    b) == 0)
			b->refs++;
		else
			evbuffer_add(out, p + done, n - done);
		if (c->rd_eof)
			linger_arm(c);
		if (!c->writing) {
			c->writing = 1;
			bufferevent_enable(c->bev, EV_WRITE);
		}
	}
	if (b)
		block_unref(b->data, n, b);
	update_congestion(t);
}

static void
on_flush(evutil_socket_t fd, short what, void *arg)
{
	struct tcps *t = arg;

	t->flush_pending = 0;
	distribute(t);
}

/* libevent wrote the queue out: back to direct writes. */
static void
client_write(struct bufferevent *bev, void *arg)
{
	struct link *l = arg;
	struct tcps *t = l->priv;

	for (int slot = 0; slot < LINK_CLIENTS_MAX; slot++) {
		if (t->c[slot].bev != bev)
			continue;
		t->c[slot].writing = 0;
		bufferevent_disable(bev, EV_WRITE);
		update_congestion(t);
		return;
	}
}

static void
client_event(struct bufferevent *bev, short what, void *arg)
{
	struct link *l = arg;
	struct tcps *t = l->priv;

	for (int slot = 0; slot < LINK_CLIENTS_MAX; slot++) {
		if (t->c[slot].bev != bev)
			continue;
		client_drop(t, slot, what & BEV_EVENT_TIMEOUT ?
		    "dropped: not reading (nothing accepted for " STR(TCPS_STUCK_SEC) " s)" :
		    what & BEV_EVENT_EOF ? "disconnected" : "connection error");
		return;
	}
}

static int
oldest_slot(const struct tcps *t)
{
	int best = -1;

	for (int i = 0; i < t->max; i++)
		if (t->c[i].bev && (best < 0 || t->c[i].seq < t->c[best].seq))
			best = i;
	return best;
}

static void
on_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa, int salen,
    void *arg)
{
	struct link *l = arg;
	struct tcps *t = l->priv;
	char addr[64];
	struct timeval stuck = { TCPS_STUCK_SEC, 0 };
	int one = 1, slot, r;

	link_addr_text(sa, addr, sizeof(addr));
	if (!netacl_allows(l->allow_in, sa)) {
		log_warn("link%d: connection from %s refused by network.allow_in",
		    l->index + 1, addr);
		l->stats.rx_refused++;
		close(fd);
		return;
	}
	if (t->count >= t->max) {
		if (l->set->tcps_full == TCPS_KEEP) {
			log_info("link%d: %s refused: %d clients already (TCPSE keep)",
			    l->index + 1, addr, t->count);
			close(fd);
			return;
		}
		l->stats.clients_dropped++;
		client_drop(t, oldest_slot(t), "kicked for a new client (TCPSE kick)");
	}
	for (slot = 0; slot < t->max && t->c[slot].bev; slot++)
		;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* A client that lost power sends no FIN: keepalive frees its slot. */
	if ((r = link_tcp_keepalive(l->set, fd)) < 0)
		log_warn("link%d: TCP keepalive for %s: %s", l->index + 1, addr, strerror(-r));
	t->c[slot].bev = bufferevent_socket_new(l->base, fd, BEV_OPT_CLOSE_ON_FREE);
	t->c[slot].ev_read = event_new(l->base, fd, EV_READ | EV_PERSIST, client_readable,
	    &t->c[slot]);
	if (!t->c[slot].bev || !t->c[slot].ev_read) {
		if (t->c[slot].ev_read)
			event_free(t->c[slot].ev_read);
		if (t->c[slot].bev)
			bufferevent_free(t->c[slot].bev);
		else
			close(fd);
		t->c[slot].bev = NULL;
		t->c[slot].ev_read = NULL;
		return;
	}
	t->c[slot].t = t;
	t->c[slot].seq = t->next_seq++;
	t->c[slot].writing = 0;
	t->c[slot].rx_bytes = t->c[slot].tx_bytes = 0;
	t->c[slot].since_us = util_now_us();
	t->c[slot].rd_eof = 0;
	t->c[slot].ev_linger = NULL;
	util_strlcpy(t->c[slot].addr, addr, sizeof(t->c[slot].addr));
	/* The bufferevent only writes: EV_WRITE (on from birth) only while the
	 * socket is full (distribute); reading is ev_read's. */
	bufferevent_setcb(t->c[slot].bev, NULL, client_write, client_event, l);
	bufferevent_disable(t->c[slot].bev, EV_READ | EV_WRITE);
	/* Runs while EV_WRITE is on, i.e. while the socket is full. */
	bufferevent_set_timeouts(t->c[slot].bev, NULL, &stuck);
	if (!l->paused)
		event_add(t->c[slot].ev_read, NULL);
	t->count++;
	l->stats.connects++;
	log_info("link%d: client %d connected from %s (%d of %d)", l->index + 1, slot + 1,
	    addr, t->count, t->max);
	update_congestion(t);
	if (l->cbs.on_conn)
		l->cbs.on_conn(l, slot + 1, 1, t->count);
}

/* Listens on link.bind:port. A port that is busy (another program has it)
 * or an address that is not there yet is retried with a short capped
 * backoff: logged once, then on success; status shows why meanwhile. */
static int
tcps_listen(struct link *l)
{
	struct tcps *t = l->priv;
	long port = l->ls->local_port ? l->ls->local_port : l->ls->port;
	char name[16];
	int fd;

	fd = link_socket_bind(SOCK_STREAM, l->ls->bind, port);
	if (fd >= 0) {
		/* -1: the system's default backlog; a short one drops SYNs under a
		 * burst of connections, and each dropped SYN costs its client a
		 * second. */
		snprintf(name, sizeof(name), "link%d", l->index + 1);
		t->lev = listener_new(l->base, name, fd, -1, TCPS_ACCEPT_PAUSE_MS, on_accept, l);
		if (!t->lev)
			return -ENOMEM;		/* listener_new closed fd */
		l->why[0] = '\0';
		l->retry_at_us = 0;
		log_info("link%d: TCP server on port %ld%s%s, up to %d clients%s", l->index + 1,
		    port, l->ls->bind[0] ? " of " : "", l->ls->bind, t->max,
		    t->listen_failures ? " (port free again)" : "");
		t->listen_failures = 0;
		link_set_state(l, LINK_UP);
		return 0;
	}
	link_listen_later(l, t->ev_relisten, ++t->listen_failures, "listen on TCP port", port, fd);
	return fd;
}

static void
on_relisten(evutil_socket_t fd, short what, void *arg)
{
	tcps_listen(arg);
}

static int
tcps_start(struct link *l)
{
	struct tcps *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->l = l;
	t->max = (int)l->set->max_clients;
	t->pause_at = MIN((size_t)TCPS_PAUSE_MAX, (size_t)l->set->client_queue / 2);
	/* INDEXEN numbers clients with one ASCII digit: at most 8. */
	if (l->set->tcps_index && t->max > 8)
		t->max = 8;
	t->ev_flush = event_new(l->base, -1, 0, on_flush, t);
	t->ev_writable = event_new(l->base, -1, 0, on_decongested, l);
	t->ev_relisten = evtimer_new(l->base, on_relisten, l);
	t->pend = malloc(TCPS_PEND_MAX);
	if (!t->ev_flush || !t->ev_writable || !t->ev_relisten || !t->pend)
		goto err_free;
	l->priv = t;
	/* A busy port is retried (tcps_listen); only memory is fatal. */
	if (tcps_listen(l) == -ENOMEM) {
		l->priv = NULL;
		goto err_free;
	}
	return 0;

err_free:
	if (t->ev_flush)
		event_free(t->ev_flush);
	if (t->ev_writable)
		event_free(t->ev_writable);
	if (t->ev_relisten)
		event_free(t->ev_relisten);
	free(t->pend);
	free(t);
	return -ENOMEM;
}

static void
tcps_stop(struct link *l)
{
	struct tcps *t = l->priv;

	if (!t)
		return;
	for (int i = 0; i < LINK_CLIENTS_MAX; i++) {
		if (!t->c[i].bev)
			continue;
		event_free(t->c[i].ev_read);
		if (t->c[i].ev_linger)
			event_free(t->c[i].ev_linger);
		bufferevent_free(t->c[i].bev);
	}
	listener_free(t->lev);
	event_free(t->ev_flush);
	event_free(t->ev_writable);
	event_free(t->ev_relisten);
	free(t->pend);
	free(t);
	l->priv = NULL;
	link_set_state(l, LINK_DOWN);
}

static int
tcps_send(struct link *l, const uint8_t *data, size_t len)
{
	struct tcps *t = l->priv;

	if (!t || t->count == 0)
		return -ENOTCONN;
	l->stats.tx_bytes += len;
	while (len > 0) {
		size_t n;

		if (t->npend == TCPS_PEND_MAX)
			distribute(t);	/* a big offline cache flushed at once */
		n = MIN(len, TCPS_PEND_MAX - t->npend);
		memcpy(t->pend + t->npend, data, n);
		t->npend += n;
		data += n;
		len -= n;
	}
	/* Handed out once per loop pass, whatever the number of frames. */
	if (!t->flush_pending) {
		t->flush_pending = 1;
		event_active(t->ev_flush, EV_WRITE, 0);
	}
	return 0;
}

static void
tcps_pause(struct link *l, int paused)
{
	struct tcps *t = l->priv;

	l->paused = paused;
	if (!t)
		return;
	for (int i = 0; i < LINK_CLIENTS_MAX; i++) {
		if (!t->c[i].bev || t->c[i].rd_eof)
			continue;
		if (paused)
			event_del(t->c[i].ev_read);
		else
			event_add(t->c[i].ev_read, NULL);
	}
}

static int
tcps_connections(const struct link *l)
{
	const struct tcps *t = l->priv;

	return t ? t->count : 0;
}

static void
tcps_peers(const struct link *l, char *buf, size_t cap)
{
	const struct tcps *t = l->priv;
	size_t o = 0;

	buf[0] = '\0';
	if (!t)
		return;
	for (int i = 0; i < LINK_CLIENTS_MAX && o < cap; i++)
		if (t->c[i].bev)
			o += (size_t)snprintf(buf + o, cap - o, "%s%d=%s", o ? ", " : "", i + 1,
			    t->c[i].addr);
}

static int
tcps_peer_list(const struct link *l, struct link_peer *p, int max)
{
	const struct tcps *t = l->priv;
	int n = 0;

	for (int i = 0; t && i < LINK_CLIENTS_MAX && n < max; i++) {
		const struct tcps_client *c = &t->c[i];

		if (!c->bev)
			continue;
		p[n].client = i + 1;
		util_strlcpy(p[n].addr, c->addr, sizeof(p[n].addr));
		p[n].rx_bytes = c->rx_bytes;
		p[n].tx_bytes = c->tx_bytes;
		p[n].since_us = c->since_us;
		n++;
	}
	return n;
}

static void
tcps_kick(struct link *l)
{
}

/* Drops every client; the listener stays. */
static void
tcps_reset(struct link *l)
{
	struct tcps *t = l->priv;

	for (int i = 0; t && i < LINK_CLIENTS_MAX; i++)
		client_drop(t, i, "dropped: link reset");
}

static int
tcps_congested(const struct link *l)
{
	const struct tcps *t = l->priv;

	return t && t->congested;
}

const struct link_ops link_tcps_ops = {
	.name = "TCPS",
	.start = tcps_start,
	.stop = tcps_stop,
	.send = tcps_send,
	.pause = tcps_pause,
	.connections = tcps_connections,
	.kick = tcps_kick,
	.congested = tcps_congested,
	.peers = tcps_peers,
	.reset = tcps_reset,
	.peer_list = tcps_peer_list,
};
