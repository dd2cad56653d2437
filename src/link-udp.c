/* UDPS and UDPC (PROTOCOLS.md §3). UDPS listens on its port and sends serial
 * frames to the peer that sent the last datagram; UDPC sends to SOCK
 * host:port and, being connect()ed, hears only that peer. One datagram per
 * frame. Plain events with recvfrom/sendto (STYLE.md: libevent idioms). */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "link.h"
#include "log.h"
#include "util.h"

#define UDP_PAYLOAD_MAX 65507
#define UDP_RCVBUF (1024 * 1024)

struct udp {
	int fd;
	int client;			/* UDPC */
	struct event *ev_read;
	struct event *ev_retry;		/* UDPC: name lookup retry; UDPS: busy port */
	struct sockaddr_storage peer;	/* UDPS: last sender; UDPC: the server */
	socklen_t peer_len;
	int refused_noted;		/* the last sender is outside allow_out: said once */
	unsigned bind_failures;		/* UDPS: busy port, in a row (the first is logged) */
	char peer_text[64];
};

static void
on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct link *l = arg;
	struct udp *u = l->priv;
	uint8_t buf[65536];

	/* A bounded number per wake-up, so the serial side gets its turn. */
	for (int i = 0; i < 64 && !l->paused; i++) {
		struct sockaddr_storage from;
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);

		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNREFUSED)
				log_debug("link%d: recv: %s", l->index + 1, strerror(errno));
			return;
		}
		if (!u->client) {
			int first = u->peer_len == 0;

			if (!netacl_allows(l->allow_in, (struct sockaddr *)&from)) {
				l->stats.rx_refused++;
				continue;
			}
			if (first || flen != u->peer_len || memcmp(&from, &u->peer, flen) != 0) {
				memcpy(&u->peer, &from, flen);
				u->peer_len = flen;
				u->refused_noted = 0;
				link_addr_text((struct sockaddr *)&from, u->peer_text,
				    sizeof(u->peer_text));
				log_debug("link%d: UDP peer is now %s", l->index + 1, u->peer_text);
			}
			if (first) {
				l->stats.connects++;
				if (l->cbs.on_conn)
					l->cbs.on_conn(l, 0, 1, 1);
			}
		}
		l->stats.rx_bytes += (uint64_t)n;
		l->cbs.on_data(l, 0, buf, (size_t)n);
		if (!l->priv)
			return;
	}
}

static int
udp_open(struct link *l, int family, long port)
{
	struct udp *u = l->priv;
	int size = UDP_RCVBUF;

	/* UDPS listens on link.bind (family AF_UNSPEC); UDPC binds the wildcard. */
	u->fd = family == AF_UNSPEC ? link_socket_bind(SOCK_DGRAM, l->ls->bind, port) :
	    link_socket(family, SOCK_DGRAM, port);
	if (u->fd < 0)
		return u->fd;
	setsockopt(u->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	setsockopt(u->fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	u->ev_read = event_new(l->base, u->fd, EV_READ | EV_PERSIST, on_readable, l);
	if (!u->ev_read)
		return -ENOMEM;
	if (!l->paused)
		event_add(u->ev_read, NULL);
	return 0;
}

static struct udp *
udp_alloc(struct link *l, int client)
{
	struct udp *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	u->fd = -1;
	u->client = client;
	l->priv = u;
	return u;
}

static void
udp_stop(struct link *l)
{
	struct udp *u = l->priv;

	if (!u)
		return;
	link_resolve_cancel(l);
	if (u->ev_read)
		event_free(u->ev_read);
	if (u->ev_retry)
		event_free(u->ev_retry);
	if (u->fd >= 0)
		close(u->fd);
	free(u);
	l->priv = NULL;
	link_set_state(l, LINK_DOWN);
}

/* Binds link.bind:port; a busy port is retried like a TCPS listener
 * (link-tcps.c tcps_listen): logged once, then on success. */
static int
udps_bind(struct link *l)
{
	struct udp *u = l->priv;
	long port = l->ls->local_port ? l->ls->local_port : l->ls->port;
	int r;

	r = udp_open(l, AF_UNSPEC, port);
	if (r == 0) {
		l->why[0] = '\0';
		log_info("link%d: UDP server on port %ld%s%s%s", l->index + 1, port,
		    l->ls->bind[0] ? " of " : "", l->ls->bind,
		    u->bind_failures ? " (port free again)" : "");
		u->bind_failures = 0;
		link_set_state(l, LINK_UP);
		return 0;
	}
	if (u->fd >= 0)
		close(u->fd);
	u->fd = -1;
	if (r == -ENOMEM)
		return r;
	link_listen_later(l, u->ev_retry, ++u->bind_failures, "bind UDP port", port, r);
	return r;
}

static void
udps_retry(evutil_socket_t fd, short what, void *arg)
{
	udps_bind(arg);
}

static int
udps_start(struct link *l)
{
	struct udp *u = udp_alloc(l, 0);

	if (!u)
		return -ENOMEM;
	u->ev_retry = evtimer_new(l->base, udps_retry, l);
	if (!u->ev_retry || udps_bind(l) == -ENOMEM) {
		udp_stop(l);
		return -ENOMEM;
	}
	return 0;
}

static void udpc_connect(struct link *l);

static void
udpc_retry(evutil_socket_t fd, short what, void *arg)
{
	udpc_connect(arg);
}

static void
udpc_resolved(struct link *l, int err, const struct sockaddr *sa, socklen_t salen)
{
	struct udp *u = l->priv;
	int r;

	if (err == -EACCES) {
		link_set_state(l, LINK_REFUSED);
		return;
	}
	if (err < 0) {
		link_fail(l, u->ev_retry);
		return;
	}
	r = udp_open(l, sa->sa_family, l->ls->local_port);
	if (r == 0 && connect(u->fd, sa, salen) < 0)
		r = -errno;
	if (r < 0) {
		log_err("link%d: UDP socket: %s", l->index + 1, strerror(-r));
		return;
	}
	memcpy(&u->peer, sa, salen);
	u->peer_len = salen;
	link_addr_text(sa, u->peer_text, sizeof(u->peer_text));
	l->stats.failures = 0;
	l->stats.connects++;
	log_info("link%d: UDP client to %s", l->index + 1, u->peer_text);
	link_set_state(l, LINK_UP);
	if (l->cbs.on_conn)
		l->cbs.on_conn(l, 0, 1, 1);
}

static void
udpc_connect(struct link *l)
{
	link_resolve(l, l->ls->host, l->ls->port, udpc_resolved);
}

static int
udpc_start(struct link *l)
{
	struct udp *u = udp_alloc(l, 1);

	if (!u)
		return -ENOMEM;
	u->ev_retry = evtimer_new(l->base, udpc_retry, l);
	if (!u->ev_retry) {
		udp_stop(l);
		return -ENOMEM;
	}
	udpc_connect(l);
	return 0;
}

static int
udp_send(struct link *l, const uint8_t *data, size_t len)
{
	struct udp *u = l->priv;

	if (!u || u->fd < 0 || u->peer_len == 0)
		return -ENOTCONN;
	if (!u->client && !netacl_allows(l->allow_out, (struct sockaddr *)&u->peer)) {
		if (!u->refused_noted)
			log_warn("link%d: UDP peer %s is outside network.allow_out; not sent to",
			    l->index + 1, u->peer_text);
		u->refused_noted = 1;
		l->stats.tx_dropped += len;
		return 0;
	}
	while (len > 0) {
		size_t n = len > UDP_PAYLOAD_MAX ? UDP_PAYLOAD_MAX : len;
		ssize_t w = u->client ? send(u->fd, data, n, 0) :
		    sendto(u->fd, data, n, 0, (struct sockaddr *)&u->peer, u->peer_len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			/* A datagram is sent whole or not at all: count it. */
			l->stats.tx_dropped += n;
		} else {
			l->stats.tx_bytes += n;
		}
		data += n;
		len -= n;
	}
	return 0;
}

static void
udp_pause(struct link *l, int paused)
{
	struct udp *u = l->priv;

	l->paused = paused;
	if (!u || !u->ev_read)
		return;
	if (paused)
		event_del(u->ev_read);
	else
		event_add(u->ev_read, NULL);
}

static int
udp_connections(const struct link *l)
{
	const struct udp *u = l->priv;

	return u && u->peer_len > 0;
}

static void
udp_kick(struct link *l)
{
}

/* UDPS forgets its peer (the next datagram makes a new one); UDPC closes
 * its socket and resolves and connects again after the first backoff step. */
static void
udp_reset(struct link *l)
{
	struct udp *u = l->priv;
	int had = u && u->peer_len > 0;

	if (!u)
		return;
	u->peer_len = 0;
	if (u->client) {
		link_resolve_cancel(l);
		if (u->ev_read)
			event_free(u->ev_read);
		u->ev_read = NULL;
		if (u->fd >= 0)
			close(u->fd);
		u->fd = -1;
		if (l->state != LINK_REFUSED)
			link_set_state(l, LINK_DOWN);
	}
	if (had && l->cbs.on_conn)
		l->cbs.on_conn(l, 0, 0, 0);
	if (u->client && l->priv && l->state != LINK_REFUSED) {
		l->stats.failures = 1;
		link_retry_later(l, u->ev_retry);
	}
}

static void
udp_peers(const struct link *l, char *buf, size_t cap)
{
	const struct udp *u = l->priv;

	snprintf(buf, cap, "%s", u && u->peer_len ? u->peer_text : "");
}

const struct link_ops link_udps_ops = {
	.name = "UDPS",
	.start = udps_start,
	.stop = udp_stop,
	.send = udp_send,
	.pause = udp_pause,
	.connections = udp_connections,
	.kick = udp_kick,
	.peers = udp_peers,
	.reset = udp_reset,
};

const struct link_ops link_udpc_ops = {
	.name = "UDPC",
	.start = udpc_start,
	.stop = udp_stop,
	.send = udp_send,
	.pause = udp_pause,
	.connections = udp_connections,
	.kick = udp_kick,
	.peers = udp_peers,
	.reset = udp_reset,
};
