/* The discovery responder (discovery.h): a UDP socket on port 1500 while
 * discovery.enabled. It answers the two search requests to the sender only,
 * with the address, netmask and MAC of the interface the request came in
 * on (IP_PKTINFO, getifaddrs(3)); everything else is counted and ignored,
 * and it never sends on its own. */
#include "config.h"

#include <errno.h>
#include <ifaddrs.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "discovery.h"
#include "host.h"
#include "link.h"
#include "log.h"
#include "netacl.h"
#include "settings.h"
#include "status.h"
#include "util.h"

#define READS_PER_WAKE	32

/* Owned by the instance (services[]). */
struct discovery {
	struct host host;
	struct event_base *base;
	int enabled;
	int fd;				/* -1: not listening */
	struct event *ev_read;
	struct event *ev_retry;		/* port 1500 busy: try again */
	unsigned failures;
	char why[224];
	struct netacl allow_in, allow_out;
	int64_t second_us;		/* the current second of the rate cap */
	unsigned this_second;
	int noted_refused, noted_rate;
	struct discovery_status st;
};

/* The interface with index ifindex: its IPv4 address (local, when it has
 * several), netmask and MAC. 0 or -ENODEV. */
static int
iface_of(int ifindex, const struct in_addr *local, struct discovery_iface *ifc)
{
	struct ifaddrs *all, *a;
	char name[IF_NAMESIZE];
	int found = 0;

	if (!if_indextoname((unsigned)ifindex, name) || getifaddrs(&all) < 0)
		return -ENODEV;
	memset(ifc, 0, sizeof(*ifc));
	for (a = all; a; a = a->ifa_next) {
		if (!a->ifa_addr || strcmp(a->ifa_name, name) != 0)
			continue;
		if (a->ifa_addr->sa_family == AF_INET) {
			const struct sockaddr_in *sin = (const struct sockaddr_in *)a->ifa_addr;

			if (found && sin->sin_addr.s_addr != local->s_addr)
				continue;
			memcpy(ifc->ip, &sin->sin_addr, 4);
			if (a->ifa_netmask)
				memcpy(ifc->netmask,
				    &((const struct sockaddr_in *)a->ifa_netmask)->sin_addr, 4);
			found = 1;
		} else if (a->ifa_addr->sa_family == AF_PACKET) {
			const struct sockaddr_ll *ll = (const struct sockaddr_ll *)a->ifa_addr;

			if (ll->sll_halen == 6)
				memcpy(ifc->mac, ll->sll_addr, 6);
		}
	}
	freeifaddrs(all);
	return found ? 0 : -ENODEV;
}

/* At most DISCOVERY_RATE_MAX replies a second: a flood of requests with a
 * forged source gets little out of us. */
static int
rate_ok(struct discovery *d)
{
	int64_t now = util_now_us();

	if (now - d->second_us >= 1000000) {
		d->second_us = now;
		d->this_second = 0;
	}
	return d->this_second++ < DISCOVERY_RATE_MAX;
}

static void
one(struct discovery *d, const uint8_t *buf, ssize_t n, int truncated,
    const struct sockaddr_in *from, const struct in_pktinfo *pi)
{
	enum discovery_request req = truncated ? DISCOVERY_NONE :
	    discovery_parse(buf, (size_t)n);
	struct discovery_iface ifc;
	uint8_t out[DISCOVERY_REPLY_MAX];
	char addr[64];
	size_t len;

	if (req == DISCOVERY_NONE) {
		d->st.ignored++;
		return;
	}
	link_addr_text((const struct sockaddr *)from, addr, sizeof(addr));
	if (!netacl_allows(&d->allow_in, (const struct sockaddr *)from) ||
	    !netacl_allows(&d->allow_out, (const struct sockaddr *)from)) {
		d->st.refused++;
		if (!d->noted_refused++)
			log_warn("discovery: %s is outside network.allow_in/allow_out; not "
			    "answered (further ones are counted in status)", addr);
		return;
	}
	if (!rate_ok(d)) {
		d->st.ignored++;
		if (!d->noted_rate++)
			log_warn("discovery: more than %d requests a second; the rest are "
			    "ignored (counted in status)", DISCOVERY_RATE_MAX);
		return;
	}
	if (!pi || iface_of(pi->ipi_ifindex, &pi->ipi_spec_dst, &ifc) < 0) {
		d->st.ignored++;
		log_warn("discovery: %s: cannot tell the interface it came in on", addr);
		return;
	}
	len = discovery_reply(req, host_settings(&d->host), &ifc, out, sizeof(out));
	if (sendto(d->fd, out, len, 0, (const struct sockaddr *)from, sizeof(*from)) < 0) {
		log_warn("discovery: reply to %s: %s", addr, strerror(errno));
		return;
	}
	if (req == DISCOVERY_SEARCH)
		d->st.searches++;
	else
		d->st.legacy++;
	log_debug("discovery: %s search from %s answered",
	    req == DISCOVERY_SEARCH ? "a" : "a legacy", addr);
}

static void
on_read(evutil_socket_t fd, short what, void *arg)
{
	struct discovery *d = arg;

	for (int i = 0; i < READS_PER_WAKE; i++) {
		/* A request is 40 bytes at most: the rest of a bigger one is
		 * cut (MSG_TRUNC) and it is garbage. */
		uint8_t buf[64];
		union {
			struct cmsghdr h;
			uint8_t b[CMSG_SPACE(sizeof(struct in_pktinfo))];
		} ctl;
		struct sockaddr_in from;
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr m = {
			.msg_name = &from, .msg_namelen = sizeof(from),
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctl.b, .msg_controllen = sizeof(ctl.b),
		};
		const struct in_pktinfo *pi = NULL;
		ssize_t n = recvmsg(fd, &m, 0);

		if (n < 0)
			return;		/* EAGAIN; errors of the last send come here too */
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
			if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO)
				pi = (const struct in_pktinfo *)CMSG_DATA(c);
		if (m.msg_namelen < sizeof(from) || from.sin_family != AF_INET) {
			d->st.ignored++;
			continue;
		}
		one(d, buf, n, (m.msg_flags & MSG_TRUNC) != 0, &from, pi);
	}
}

static void
stop(struct discovery *d)
{
	event_del(d->ev_retry);
	if (d->ev_read) {
		event_free(d->ev_read);
		d->ev_read = NULL;
	}
	if (d->fd >= 0) {
		close(d->fd);
		log_info("discovery: stopped");
	}
	d->fd = -1;
	d->why[0] = '\0';
}

static int
start(struct discovery *d)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(DISCOVERY_PORT) };
	int fd, one = 1;
	char where[64];

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0 && (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)) {
		int e = errno;

		close(fd);
		fd = -1;
		errno = e;
	}
	if (fd >= 0 && !(d->ev_read = event_new(d->base, fd, EV_READ | EV_PERSIST, on_read, d))) {
		close(fd);
		fd = -1;
		errno = ENOMEM;
	}
	if (fd < 0) {
		long ms = link_listen_retry_ms(++d->failures);
		struct timeval tv = { ms / 1000, ms % 1000 * 1000 };

		snprintf(where, sizeof(where), "UDP *:%d", DISCOVERY_PORT);
		link_listen_why(where, -errno, d->why, sizeof(d->why));
		if (d->failures == 1)
			log_err("discovery: cannot listen: %s; retrying until it is free", d->why);
		evtimer_add(d->ev_retry, &tv);
		return -errno;
	}
	event_add(d->ev_read, NULL);
	d->fd = fd;
	d->failures = 0;
	d->why[0] = '\0';
	log_info("discovery: answering USR setup-software searches on UDP port %d",
	    DISCOVERY_PORT);
	return 0;
}

static void
on_retry(evutil_socket_t fd, short what, void *arg)
{
	struct discovery *d = arg;

	if (d->enabled && d->fd < 0)
		start(d);
}

static int
discovery_apply(struct discovery *d, const struct settings *run)
{
	if (netacl_parse(run->allow_in, &d->allow_in) < 0)
		memset(&d->allow_in, 0, sizeof(d->allow_in));
	if (netacl_parse(run->allow_out, &d->allow_out) < 0)
		memset(&d->allow_out, 0, sizeof(d->allow_out));
	d->enabled = run->discovery_enabled;
	if (!d->enabled) {
		stop(d);
		return 0;
	}
	if (d->fd >= 0 || evtimer_pending(d->ev_retry, NULL))
		return 0;
	d->failures = 0;
	return start(d);
}

static void *
service_new(const struct host *host)
{
	struct discovery *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->host = *host;
	d->base = host_base(host);
	d->fd = -1;
	d->ev_retry = evtimer_new(d->base, on_retry, d);
	if (!d->ev_retry) {
		free(d);
		return NULL;
	}
	return d;
}

static int
service_apply(void *svc, const struct settings *run)
{
	return discovery_apply(svc, run);
}

static void
service_free(void *svc)
{
	struct discovery *d = svc;

	if (!d)
		return;
	stop(d);
	event_free(d->ev_retry);
	free(d);
}

static void
service_status(const void *svc, struct daemon_status *st)
{
	const struct discovery *d = svc;

	if (!d)
		return;
	st->discovery = d->st;
	st->discovery.enabled = d->enabled;
	st->discovery.listening = d->fd >= 0;
	util_strlcpy(st->discovery.why, d->why, sizeof(st->discovery.why));
}

const struct service discovery_service = {
	.name = "discovery",
	.new = service_new,
	.apply = service_apply,
	.free = service_free,
	.status = service_status,
};
