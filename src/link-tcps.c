/* TCPS: a TCP server with up to MAXSK clients (PROTOCOLS.md §3). Each client
 * has its own queue, so one that stops reading never stalls the others: past
 * tcps.client_queue bytes it is dropped and logged. TCPSE kick closes the
 * oldest client for a new one, keep refuses the new one. */
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
#include "log.h"
#include "util.h"

struct tcps_client {
	struct bufferevent *bev;	/* owns the fd; NULL: slot free */
	uint64_t seq;			/* accept order, for "kick the oldest" */
	char addr[64];
};

struct tcps {
	struct evconnlistener *lev;
	struct event *ev_resume;	/* re-enables the listener after EMFILE */
	struct tcps_client c[LINK_CLIENTS_MAX];
	int count;
	int max;
	uint64_t next_seq;
	struct link *l;
};

static void
client_drop(struct tcps *t, int slot, const char *why)
{
	struct tcps_client *c = &t->c[slot];

	if (!c->bev)
		return;
	log_info("link%d: client %d (%s) %s", t->l->index + 1, slot + 1, c->addr, why);
	bufferevent_free(c->bev);
	c->bev = NULL;
	t->count--;
	if (t->l->cbs.on_conn)
		t->l->cbs.on_conn(t->l, slot + 1, 0, t->count);
}

static void
client_read(struct bufferevent *bev, void *arg)
{
	struct link *l = arg;
	struct tcps *t = l->priv;
	struct evbuffer *in = bufferevent_get_input(bev);
	int slot;

	for (slot = 0; slot < LINK_CLIENTS_MAX; slot++)
		if (t->c[slot].bev == bev)
			break;
	while (evbuffer_get_length(in) > 0) {
		struct evbuffer_iovec v;
		size_t n;

		/* INDEXEN marks each piece with "I m" (PROTOCOLS.md §3): one
		 * piece per read from the socket, not per buffer chain. */
		if (l->set->index) {
			v.iov_len = evbuffer_get_length(in);
			v.iov_base = evbuffer_pullup(in, -1);
		} else if (evbuffer_peek(in, -1, NULL, &v, 1) < 1) {
			break;
		}
		n = v.iov_len;
		l->stats.rx_bytes += n;
		l->cbs.on_data(l, slot + 1, v.iov_base, n);
		/* Restarts are deferred, so t lives on; the client itself may
		 * have been dropped by what on_data did. */
		if (t->c[slot].bev != bev)
			return;
		evbuffer_drain(in, n);
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
		client_drop(t, slot, what & BEV_EVENT_EOF ? "disconnected" : "connection error");
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
	int one = 1, slot;

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
	t->c[slot].bev = bufferevent_socket_new(l->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!t->c[slot].bev) {
		close(fd);
		return;
	}
	t->c[slot].seq = t->next_seq++;
	util_strlcpy(t->c[slot].addr, addr, sizeof(t->c[slot].addr));
	bufferevent_setcb(t->c[slot].bev, client_read, NULL, client_event, l);
	bufferevent_enable(t->c[slot].bev, l->paused ? EV_WRITE : EV_READ | EV_WRITE);
	t->count++;
	l->stats.connects++;
	log_info("link%d: client %d connected from %s (%d of %d)", l->index + 1, slot + 1,
	    addr, t->count, t->max);
	if (l->cbs.on_conn)
		l->cbs.on_conn(l, slot + 1, 1, t->count);
}

static void
on_resume(evutil_socket_t fd, short what, void *arg)
{
	struct tcps *t = arg;

	evconnlistener_enable(t->lev);
}

static void
on_accept_error(struct evconnlistener *lev, void *arg)
{
	struct link *l = arg;
	struct tcps *t = l->priv;
	struct timeval tv = { 1, 0 };
	int e = EVUTIL_SOCKET_ERROR();

	/* Out of descriptors: pause instead of spinning (relayd control_accept). */
	log_warn("link%d: accept: %s; pausing the listener for 1 s", l->index + 1,
	    strerror(e));
	evconnlistener_disable(lev);
	event_add(t->ev_resume, &tv);
}

static int
tcps_start(struct link *l)
{
	struct tcps *t = calloc(1, sizeof(*t));
	long port = l->ls->local_port ? l->ls->local_port : l->ls->port;
	int fd;

	if (!t)
		return -ENOMEM;
	t->l = l;
	t->max = (int)l->set->max_clients;
	/* INDEXEN numbers clients with one ASCII digit: at most 8. */
	if (l->set->index && t->max > 8)
		t->max = 8;
	fd = link_socket_any(SOCK_STREAM, port);
	if (fd < 0) {
		log_err("link%d: cannot listen on TCP port %ld: %s", l->index + 1, port,
		    strerror(-fd));
		free(t);
		return fd;
	}
	/* -1: the system's default backlog; a short one drops SYNs under a burst
	 * of connections, and each dropped SYN costs its client a second. */
	t->lev = evconnlistener_new(l->base, on_accept, l, LEV_OPT_CLOSE_ON_FREE, -1, fd);
	t->ev_resume = evtimer_new(l->base, on_resume, t);
	if (!t->lev || !t->ev_resume) {
		if (t->lev)
			evconnlistener_free(t->lev);
		else
			close(fd);
		free(t);
		return -ENOMEM;
	}
	evconnlistener_set_error_cb(t->lev, on_accept_error);
	l->priv = t;
	log_info("link%d: TCP server on port %ld, up to %d clients", l->index + 1, port, t->max);
	link_set_state(l, LINK_UP);
	return 0;
}

static void
tcps_stop(struct link *l)
{
	struct tcps *t = l->priv;

	if (!t)
		return;
	for (int i = 0; i < LINK_CLIENTS_MAX; i++)
		if (t->c[i].bev)
			bufferevent_free(t->c[i].bev);
	evconnlistener_free(t->lev);
	event_free(t->ev_resume);
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
	for (int i = 0; i < t->max; i++) {
		struct evbuffer *out;

		if (!t->c[i].bev)
			continue;
		out = bufferevent_get_output(t->c[i].bev);
		/* One serial read can make many frames before the loop writes
		 * any of them: hand the kernel what it takes before judging a
		 * client stuck. */
		if (evbuffer_get_length(out) + len > (size_t)l->set->client_queue)
			evbuffer_write(out, bufferevent_getfd(t->c[i].bev));
		if (evbuffer_get_length(out) + len > (size_t)l->set->client_queue) {
			char why[96];

			l->stats.tx_dropped += evbuffer_get_length(out) + len;
			l->stats.clients_dropped++;
			snprintf(why, sizeof(why), "dropped: not reading (%zu bytes queued)",
			    evbuffer_get_length(out));
			client_drop(t, i, why);
			continue;
		}
		evbuffer_add(out, data, len);
	}
	l->stats.tx_bytes += len;
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
		if (!t->c[i].bev)
			continue;
		if (paused)
			bufferevent_disable(t->c[i].bev, EV_READ);
		else
			bufferevent_enable(t->c[i].bev, EV_READ);
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

static void
tcps_kick(struct link *l)
{
}

const struct link_ops link_tcps_ops = {
	.name = "TCPS",
	.start = tcps_start,
	.stop = tcps_stop,
	.send = tcps_send,
	.pause = tcps_pause,
	.connections = tcps_connections,
	.kick = tcps_kick,
	.peers = tcps_peers,
};
