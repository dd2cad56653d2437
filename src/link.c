/* What every link module shares: construction by mode, name resolution with
 * the allow_out check, reconnect backoff and socket set-up. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>

#include "link.h"
#include "log.h"
#include "util.h"

const char *const link_state_names[LINK_STATE_COUNT] = {
	[LINK_DOWN] = "down",
	[LINK_RESOLVING] = "resolving",
	[LINK_CONNECTING] = "connecting",
	[LINK_UP] = "up",
	[LINK_BACKOFF] = "backoff",
	[LINK_REFUSED] = "refused",
};

void
link_set_state(struct link *l, enum link_state st)
{
	if (l->state == st)
		return;
	log_debug("link%d (%s): %s -> %s", l->index + 1, l->ops->name,
	    link_state_names[l->state], link_state_names[st]);
	l->state = st;
	if (st == LINK_UP) {
		l->up_since_us = util_now_us();
		l->rx_at_up = l->stats.rx_bytes;
		l->tx_at_up = l->stats.tx_bytes;
	}
	if (st != LINK_BACKOFF)
		l->retry_at_us = 0;
	if (l->cbs.on_state)
		l->cbs.on_state(l, st);
}

struct link *
link_new(struct event_base *base, struct evdns_base *dns, const struct settings *set,
    int index, const struct netacl *allow_out, const struct netacl *allow_in,
    const struct link_cbs *cbs, void *arg)
{
	const struct link_ops *ops;
	struct link *l;

	switch (set->link[index].mode) {
	case LINK_TCPS: ops = &link_tcps_ops; break;
	case LINK_TCPC: ops = &link_tcpc_ops; break;
	case LINK_UDPS: ops = &link_udps_ops; break;
	case LINK_UDPC: ops = &link_udpc_ops; break;
	case LINK_HTPC: ops = &link_htpc_ops; break;
	default:
		log_err("link%d: mode %d is not available", index + 1, set->link[index].mode);
		return NULL;
	}
	l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->ops = ops;
	l->index = index;
	l->base = base;
	l->dns = dns;
	l->set = set;
	l->ls = &set->link[index];
	l->allow_out = allow_out;
	l->allow_in = allow_in;
	l->cbs = *cbs;
	l->arg = arg;
	l->state = LINK_DOWN;
	return l;
}

void
link_free(struct link *l)
{
	if (!l)
		return;
	link_resolve_cancel(l);
	l->ops->stop(l);
	free(l);
}

void
link_addr_text(const struct sockaddr *sa, char *buf, size_t cap)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &in->sin_addr, a, sizeof(a));
		snprintf(buf, cap, "%s:%u", a, ntohs(in->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
			inet_ntop(AF_INET, &in6->sin6_addr.s6_addr[12], a, sizeof(a));
			snprintf(buf, cap, "%s:%u", a, ntohs(in6->sin6_port));
		} else {
			inet_ntop(AF_INET6, &in6->sin6_addr, a, sizeof(a));
			snprintf(buf, cap, "[%s]:%u", a, ntohs(in6->sin6_port));
		}
	} else {
		snprintf(buf, cap, "?");
	}
}

static void
resolved(int err, struct evutil_addrinfo *res, void *arg)
{
	struct link *l = arg;
	link_resolved_fn cb = l->resolved_cb;
	char text[80];

	l->resolving = NULL;
	if (err == EVUTIL_EAI_CANCEL)
		return;
	if (err) {
		log_warn("link%d: cannot resolve %s: %s", l->index + 1, l->ls->host,
		    evutil_gai_strerror(err));
		cb(l, -EHOSTUNREACH, NULL, 0);
		return;
	}
	for (struct evutil_addrinfo *ai = res; ai; ai = ai->ai_next) {
		if (netacl_allows(l->allow_out, ai->ai_addr)) {
			cb(l, 0, ai->ai_addr, (socklen_t)ai->ai_addrlen);
			evutil_freeaddrinfo(res);
			return;
		}
	}
	link_addr_text(res->ai_addr, text, sizeof(text));
	log_warn("link%d: destination %s (%s) is outside network.allow_out; not dialled",
	    l->index + 1, l->ls->host, text);
	evutil_freeaddrinfo(res);
	cb(l, -EACCES, NULL, 0);
}

int
link_resolve(struct link *l, const char *host, long port, link_resolved_fn cb)
{
	struct evutil_addrinfo hints;
	char service[8];
	struct sockaddr_storage ss;
	int sslen = sizeof(ss);
	char lit[160];

	link_resolve_cancel(l);
	l->resolved_cb = cb;
	/* Numeric addresses need no lookup. */
	snprintf(lit, sizeof(lit), strchr(host, ':') ? "[%s]:%ld" : "%s:%ld", host, port);
	if (evutil_parse_sockaddr_port(lit, (struct sockaddr *)&ss, &sslen) == 0) {
		if (!netacl_allows(l->allow_out, (struct sockaddr *)&ss)) {
			log_warn("link%d: destination %s is outside network.allow_out; "
			    "not dialled", l->index + 1, lit);
			cb(l, -EACCES, NULL, 0);
			return 0;
		}
		cb(l, 0, (struct sockaddr *)&ss, (socklen_t)sslen);
		return 0;
	}
	if (!l->dns) {
		cb(l, -EHOSTUNREACH, NULL, 0);
		return 0;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	hints.ai_flags = EVUTIL_AI_ADDRCONFIG;
	snprintf(service, sizeof(service), "%ld", port);
	link_set_state(l, LINK_RESOLVING);
	/* The callback may run before this returns (answered from hosts). */
	l->resolving = evdns_getaddrinfo(l->dns, host, service, &hints, resolved, l);
	return 0;
}

void
link_resolve_cancel(struct link *l)
{
	if (l->resolving) {
		struct evdns_getaddrinfo_request *r = l->resolving;

		l->resolving = NULL;
		evdns_getaddrinfo_cancel(r);
	}
}

long
link_backoff_cap_ms(unsigned failures, long max_ms)
{
	long ms = 1000;

	for (unsigned i = 1; i < failures && ms < max_ms; i++)
		ms *= 2;
	if (ms > max_ms)
		ms = max_ms;
	/* +-20% so that a fleet does not reconnect in step. */
	ms += (long)(ms * ((double)(random() % 401) - 200) / 1000.0);
	return ms;
}

void
link_retry_later(struct link *l, struct event *ev)
{
	long ms = link_backoff_cap_ms(l->stats.failures, l->set->reconnect_max * 1000);
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	link_set_state(l, LINK_BACKOFF);
	l->retry_at_us = util_now_us() + ms * 1000;
	event_add(ev, &tv);
}

void
link_fail(struct link *l, struct event *ev)
{
	l->stats.failures++;
	if (l->cbs.on_connect_failed)
		l->cbs.on_connect_failed(l);
	if (l->priv)
		link_retry_later(l, ev);
}

/* A non-blocking socket with SO_REUSEADDR (dual-stack for IPv6) of sa's
 * family, bound to sa unless it is a wildcard address with port 0 on a
 * stream socket (the kernel picks the source port at connect). */
static int
socket_at(const struct sockaddr *sa, socklen_t len, int type, int do_bind)
{
	int fd, one = 1, zero = 0;

	fd = socket(sa->sa_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (sa->sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (do_bind && bind(fd, sa, len) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

int
link_socket(int family, int type, long port)
{
	struct sockaddr_storage ss;
	socklen_t len;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_any;
		a->sin6_port = htons((uint16_t)port);
		len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_ANY);
		a->sin_port = htons((uint16_t)port);
		len = sizeof(*a);
	}
	return socket_at((struct sockaddr *)&ss, len, type, port > 0 || type == SOCK_DGRAM);
}

int
link_socket_any(int type, long port)
{
	int fd = link_socket(AF_INET6, type, port);

	/* No IPv6 on this host: IPv4 only. */
	if (fd == -EAFNOSUPPORT || fd == -EADDRNOTAVAIL)
		fd = link_socket(AF_INET, type, port);
	return fd;
}

int
link_socket_bind(int type, const char *host, long port)
{
	struct addrinfo hints, *res = NULL;
	char service[8];
	int fd, r;

	if (!host || !*host)
		return link_socket_any(type, port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = type;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(service, sizeof(service), "%ld", port);
	/* A listen address is local: an address, or a name from /etc/hosts
	 * ("localhost"); looked up once per (re)start, like the config. */
	r = getaddrinfo(host, service, &hints, &res);
	if (r != 0)
		return r == EAI_SYSTEM ? -errno : -EADDRNOTAVAIL;
	fd = socket_at(res->ai_addr, res->ai_addrlen, type, 1);
	freeaddrinfo(res);
	return fd;
}

void
link_listen_text(const char *host, long port, char *buf, size_t cap)
{
	if (!host || !*host)
		snprintf(buf, cap, "*:%ld", port);
	else if (strchr(host, ':'))
		snprintf(buf, cap, "[%s]:%ld", host, port);
	else
		snprintf(buf, cap, "%s:%ld", host, port);
}

long
link_listen_retry_ms(unsigned failures)
{
	long ms = LINK_LISTEN_RETRY_MIN_MS;

	for (unsigned i = 1; i < failures && ms < LINK_LISTEN_RETRY_MAX_MS; i++)
		ms *= 2;
	return ms > LINK_LISTEN_RETRY_MAX_MS ? LINK_LISTEN_RETRY_MAX_MS : ms;
}

void
link_listen_later(struct link *l, struct event *ev, unsigned failures, const char *what,
    long port, int err)
{
	long ms = link_listen_retry_ms(failures);
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	char where[160];

	link_listen_text(l->ls->bind, port, where, sizeof(where));
	link_listen_why(where, err, l->why, sizeof(l->why));
	if (failures == 1)
		log_err("link%d: cannot %s %ld: %s; retrying until it is free", l->index + 1,
		    what, port, l->why);
	l->retry_at_us = util_now_us() + ms * 1000;
	event_add(ev, &tv);
	link_set_state(l, LINK_BACKOFF);
}

void
link_listen_why(const char *where, int err, char *buf, size_t cap)
{
	const char *what;

	switch (-err) {
	case EADDRINUSE: what = "busy"; break;
	case EADDRNOTAVAIL: what = "address not on this host"; break;
	case EACCES: case EPERM: what = "not permitted"; break;
	default: what = "cannot listen"; break;
	}
	snprintf(buf, cap, "%s %s (%s)", where, what, strerror(-err));
}

void
link_why_text(const struct link *l, int64_t now, char *buf, size_t cap)
{
	size_t o = 0;

	buf[0] = '\0';
	if (l->state == LINK_UP)
		return;
	if (l->why[0])
		o = (size_t)snprintf(buf, cap, "%s", l->why);
	else if (l->state == LINK_REFUSED)
		o = (size_t)snprintf(buf, cap, "destination refused by network.allow_out");
	else if (l->state == LINK_BACKOFF)
		o = (size_t)snprintf(buf, cap, "backoff after %u failure%s", l->stats.failures,
		    l->stats.failures == 1 ? "" : "s");
	else if (l->state == LINK_RESOLVING)
		o = (size_t)snprintf(buf, cap, "looking up %s", l->ls->host);
	else if (l->state == LINK_CONNECTING)
		o = (size_t)snprintf(buf, cap, "connecting");
	else if (l->set->short_conn)
		o = (size_t)snprintf(buf, cap, "waiting for data (short connections)");
	if (o < cap && l->retry_at_us > 0)
		snprintf(buf + o, cap - o, "%snext attempt in %.1f s", o ? "; " : "",
		    l->retry_at_us > now ? (double)(l->retry_at_us - now) / 1e6 : 0.0);
}

void
link_where_text(const struct link *l, char *buf, size_t cap)
{
	long port = l->ls->local_port ? l->ls->local_port : l->ls->port;

	if (l->ops == &link_tcps_ops || l->ops == &link_udps_ops)
		link_listen_text(l->ls->bind, port, buf, cap);
	else if (l->ops == &link_htpc_ops)
		snprintf(buf, cap, "%s", l->set->http_url);
	else
		link_listen_text(l->ls->host, l->ls->port, buf, cap);
}

int
link_peers_default(const struct link *l, struct link_peer *p, int max)
{
	if (max < 1 || l->ops->connections(l) < 1)
		return 0;
	memset(p, 0, sizeof(*p));
	l->ops->peers(l, p->addr, sizeof(p->addr));
	/* One peer: the link's counters are its own. */
	p->rx_bytes = l->stats.rx_bytes - l->rx_at_up;
	p->tx_bytes = l->stats.tx_bytes - l->tx_at_up;
	p->since_us = l->up_since_us;
	return 1;
}

int
link_tcp_keepalive(const struct settings *st, int fd)
{
	int on = st->keepalive_idle > 0;
	int idle = (int)st->keepalive_idle, intvl = (int)st->keepalive_interval;
	int cnt = (int)st->keepalive_count;
	/* tcp(7): TCP_USER_TIMEOUT is in milliseconds; 0 keeps the kernel's. */
	unsigned int ut = (unsigned int)st->user_timeout * 1000u;

	if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on)) < 0)
		return -errno;
	if (on && (setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle)) < 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl)) < 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt)) < 0))
		return -errno;
	if (ut && setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ut, sizeof(ut)) < 0)
		return -errno;
	return 0;
}
