/* The bridge core (DESIGN.md §3): frames from the packer go to every active
 * link (bridge_frame) or to one (bridge_send); while a link cannot take
 * them they wait in its offline cache (cache.c: bounded, oldest dropped and
 * counted) and are sent first, in order, when it can again. Congestion is
 * per link: a link whose peers take no more while another link keeps up
 * gets its frames through its cache; only when every link is congested is
 * the serial line paused (bridge_congested). Network data goes to the
 * serial writer with its link and client number; when the serial side is
 * congested every link stops reading (back-pressure, nothing dropped).
 * Identity packets and heartbeats, which both personalities have, live
 * here; personality rules are a hook set (bridge.h, bridge-30x.c). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "bridge.h"
#include "cache.h"
#include "hostinfo.h"
#include "link.h"
#include "log.h"
#include "netacl.h"
#include "regpkt.h"
#include "util.h"

/* What the bridge keeps per link besides the link itself. */
struct bridge_link {
	struct bridge *b;
	int index;
	struct cache cache;
	struct regpkt reg;		/* identity packet of this link */
	int reg_owed;			/* UDP FIRST: owed before the next datagram */
	struct event *ev_heart;		/* HEARTTP=NET */
	int64_t last_tx;		/* last frame or heartbeat sent (µs) */
	int lost;			/* its connection went: the next one is a reconnect */
	unsigned reconnects;
};

/* A growable buffer for a frame with the identity packet in front,
 * bounded by its users' input. */
struct prefixed_buf {
	uint8_t *p;
	size_t cap;
};

/* Owned by the daemon; owns the links, their caches and the hook state. */
struct bridge {
	struct event_base *base;
	struct evdns_base *dns;
	struct settings set;		/* the running settings; links point into it */
	struct netacl allow_out, allow_in;
	struct bridge_cbs cbs;
	void *arg;
	const struct bridge_hooks *hooks;	/* never NULL (no_hooks) */
	void *hook_state;
	int nlinks;
	struct link *links[LINKS_MAX];
	struct bridge_link bl[LINKS_MAX];
	int paused;
	int freeing;			/* bridge_free: no more up-calls */
	struct prefixed_buf tx;
	struct event *ev_com;		/* HEARTTP=COM */
};

static const struct bridge_hooks no_hooks;

static uint8_t *
prefixed_get(struct prefixed_buf *s, size_t n)
{
	if (n > s->cap) {
		uint8_t *p = realloc(s->p, n);

		if (!p)
			return NULL;
		s->p = p;
		s->cap = n;
	}
	return s->p;
}

static int
mode_of(const struct bridge *b, int i)
{
	return b->set.link[i].mode;
}

/* 1 while link i runs and its peers take no more. */
static int
link_congested(const struct bridge *b, int i)
{
	const struct link *l = b->links[i];

	return l && l->ops->congested && l->ops->congested(l);
}

/* Sends bytes as they are, after the identity packet a UDP link owes
 * before its first datagram (REGTCP FIRST/ALL). */
static int
send_raw(struct bridge *b, int i, const uint8_t *data, size_t len)
{
	struct link *l = b->links[i];
	struct bridge_link *s = &b->bl[i];
	int r;

	if (s->reg_owed) {
		r = l->ops->send(l, s->reg.data, s->reg.len);
		if (r < 0)
			return r;
		s->reg_owed = 0;
	}
	r = l->ops->send(l, data, len);
	if (r == 0 && s->ev_heart)
		s->last_tx = util_now_us();
	return r;
}

/* Sends one frame, with the identity packet in front when REGTCP says
 * EVERY or ALL (HTPC: always, regpkt.c). */
static int
send_one(struct bridge *b, int i, const uint8_t *data, size_t len)
{
	struct bridge_link *s = &b->bl[i];
	uint8_t *p;

	if (!s->reg.every)
		return send_raw(b, i, data, len);
	p = prefixed_get(&b->tx, s->reg.len + len);
	if (!p)
		return -ENOBUFS;
	memcpy(p, s->reg.data, s->reg.len);
	memcpy(p + s->reg.len, data, len);
	return send_raw(b, i, p, s->reg.len + len);
}

static int
send_cached(void *arg, const uint8_t *data, size_t len)
{
	struct bridge_link *bl = arg;

	return send_one(bl->b, bl->index, data, len);
}

/* Sends cached frames while the link takes them. 1 when the cache is empty. */
static int
flush_cache(struct bridge *b, int i)
{
	return cache_flush(&b->bl[i].cache, send_cached, &b->bl[i]);
}

static void
send_frame(struct bridge *b, int i, const uint8_t *data, size_t len)
{
	struct link *l = b->links[i];
	struct cache *c = &b->bl[i].cache;

	/* Congested while another link keeps up: the serial line runs on for
	 * the others, so this link's queue must not grow with it; its cache
	 * takes the frame (bounded, oldest dropped and counted). When every
	 * link is congested the serial line is paused instead and the link's
	 * queue takes the little that is still under way, as before. */
	if (link_congested(b, i) && !bridge_congested(b)) {
		cache_append(c, data, len);
		return;
	}
	/* Anything already waiting goes first: order is kept. */
	if (c->bytes > 0 && !flush_cache(b, i)) {
		cache_append(c, data, len);
		return;
	}
	if (send_one(b, i, data, len) < 0) {
		cache_append(c, data, len);
		/* Short connections connect when data waits. */
		l->ops->kick(l);
	}
}

void
bridge_frame(struct bridge *b, const uint8_t *data, size_t len)
{
	if (b->hooks->frame)
		b->hooks->frame(b->hook_state, data, len);
	for (int i = 0; i < b->nlinks; i++)
		if (b->links[i])
			send_frame(b, i, data, len);
}

int
bridge_send(struct bridge *b, int link, const uint8_t *data, size_t len)
{
	if (link < 0 || link >= b->nlinks || !b->links[link])
		return -ENOENT;
	if (b->hooks->frame)
		b->hooks->frame(b->hook_state, data, len);
	send_frame(b, link, data, len);
	return 0;
}

/* --- network -> serial ---------------------------------------------------- */

void
bridge_to_serial(struct bridge *b, int link, int client, const uint8_t *data, size_t len)
{
	b->cbs.to_serial(link, client, data, len, b->arg);
}

static void
on_link_data(struct link *l, int client, const uint8_t *data, size_t len)
{
	struct bridge *b = l->arg;

	if (b->hooks->data_in)
		b->hooks->data_in(b->hook_state, l->index, client, data, len);
	else
		bridge_to_serial(b, l->index, client, data, len);
}

/* --- connections ------------------------------------------------------------ */

static void
heart_arm(struct bridge_link *s, int64_t us)
{
	struct timeval tv = { (time_t)(us / 1000000), (suseconds_t)(us % 1000000) };

	evtimer_add(s->ev_heart, &tv);
}

static void
on_link_conn(struct link *l, int client, int up, int n)
{
	struct bridge *b = l->arg;
	int i = l->index, mode = mode_of(b, i);
	struct bridge_link *s = &b->bl[i];

	if (b->hooks->conn)
		b->hooks->conn(b->hook_state, i, client, up, n);
	/* A client link's one connection (TCPS clients come and go). */
	if (!client && !up)
		s->lost = 1;
	else if (!client && up && s->lost) {
		s->lost = 0;
		s->reconnects++;
	}
	if (up) {
		/* Identity packet, REGTCP FIRST/ALL: TCP at once, UDP before
		 * the first datagram (PROTOCOLS.md §3). */
		if (s->reg.first && mode == LINK_TCPC)
			l->ops->send(l, s->reg.data, s->reg.len);
		else if (s->reg.first && mode == LINK_UDPC)
			s->reg_owed = 1;
		if (s->ev_heart) {
			s->last_tx = util_now_us();
			heart_arm(s, (int64_t)b->set.heart_interval * 1000000);
		}
	} else if (s->ev_heart && l->ops->connections(l) == 0) {
		event_del(s->ev_heart);
	}
	if (up && s->cache.bytes > 0) {
		if (b->hooks->discard_cache && b->hooks->discard_cache(b->hook_state, i)) {
			log_info("link%d: discarding %zu cached bytes (UARTCLBUF)", i + 1,
			    s->cache.bytes);
			cache_clear(&s->cache);
		} else {
			log_info("link%d: sending %zu cached bytes", i + 1, s->cache.bytes);
			flush_cache(b, i);
		}
	}
	/* A short connection that went with frames still waiting comes back. */
	if (!up && s->cache.bytes > 0)
		l->ops->kick(l);
	if (b->cbs.on_conn)
		b->cbs.on_conn(i, client, up, n, b->arg);
}

static void
on_link_writable(struct link *l)
{
	struct bridge *b = l->arg;

	flush_cache(b, l->index);
	if (b->cbs.on_writable)
		b->cbs.on_writable(b->arg);
}

static void
on_link_connect_failed(struct link *l)
{
	struct bridge *b = l->arg;

	if (b->hooks->connect_failed)
		b->hooks->connect_failed(b->hook_state, l->index, l->stats.failures);
}

static void
on_link_state(struct link *l, enum link_state st)
{
	struct bridge *b = l->arg;

	if (!b->freeing && b->cbs.on_state)
		b->cbs.on_state(l->index, st, b->arg);
}

/* --- heartbeats ------------------------------------------------------------- */

/* Heartbeats run when enabled (HEARTEN; always on for the 721) with an
 * interval and data (the 721's AT+CIPCFG HEAT 0 or an empty AT+CIPPACK=0
 * turn them off). */
static int
heart_on(const struct settings *set)
{
	return set->heart_enabled && set->heart_interval > 0 && set->heart_data.len > 0;
}

/* HEARTTP=NET (TCPC/UDPC): HEARTDT when no frame went out for HEARTTM s.
 * The timer is not moved per frame: it looks at last_tx when it fires. */
static void
on_heart(evutil_socket_t fd, short what, void *arg)
{
	struct link *l = arg;
	struct bridge *b = l->arg;
	struct bridge_link *s = &b->bl[l->index];
	int64_t every = (int64_t)b->set.heart_interval * 1000000, now = util_now_us();

	if (now - s->last_tx >= every) {
		int r = send_raw(b, l->index, b->set.heart_data.data, b->set.heart_data.len);

		if (r < 0)
			log_debug("link%d: heartbeat not sent: %s", l->index + 1, strerror(-r));
		s->last_tx = now;
		/* The 721 counts failures and may reset the link (seed 003 §2.3). */
		if (b->hooks->heart_sent)
			b->hooks->heart_sent(b->hook_state, l->index, r);
	}
	/* A reset link re-arms when it connects again (on_link_conn). */
	if (l->ops->connections(l) > 0)
		heart_arm(s, s->last_tx + every - now);
}

/* HEARTTP=COM: HEARTDT to the serial line every HEARTTM s. */
static void
on_com_heart(evutil_socket_t fd, short what, void *arg)
{
	struct bridge *b = arg;

	bridge_to_serial(b, -1, 0, b->set.heart_data.data, b->set.heart_data.len);
}

/* --- life cycle ---------------------------------------------------------------- */

static void
sysfs_mac(void *arg, char out[13])
{
	hostinfo_mac("/sys", out);
}

static int
bridge_link_init(struct bridge *b, int i, const char *mac)
{
	struct bridge_link *s = &b->bl[i];
	int mode = b->set.link[i].mode;

	s->b = b;
	s->index = i;
	if (cache_init(&s->cache, (size_t)b->set.cache_size) < 0)
		return -ENOMEM;
	if (regpkt_build(&b->set, mode, mac, &s->reg) == -ENODATA && b->set.link[i].enabled)
		log_warn("link%d: REGEN=CLOUD without REGCLOUD id and password; no identity "
		    "packet", i + 1);
	return 0;
}

struct bridge *
bridge_new(struct event_base *base, struct evdns_base *dns, const struct settings *run,
    const struct bridge_params *p, const struct bridge_cbs *cbs, void *arg)
{
	static const struct link_cbs lcbs = {
		.on_data = on_link_data,
		.on_conn = on_link_conn,
		.on_writable = on_link_writable,
		.on_connect_failed = on_link_connect_failed,
		.on_state = on_link_state,
	};
	struct bridge *b = calloc(1, sizeof(*b));
	char mac[13] = "";

	if (!b)
		return NULL;
	b->base = base;
	b->dns = dns;
	b->set = *run;
	b->cbs = *cbs;
	b->arg = arg;
	b->hooks = p->hooks ? p->hooks : &no_hooks;
	b->nlinks = p->nlinks < 1 ? 1 : p->nlinks > LINKS_MAX ? LINKS_MAX : p->nlinks;
	/* Both lists were validated when the settings were loaded. */
	netacl_parse(b->set.allow_out, &b->allow_out);
	netacl_parse(b->set.allow_in, &b->allow_in);
	if (b->set.reg_mode == REG_MAC)
		hostinfo_current_mac(b->set.user_mac, sysfs_mac, NULL, mac);
	for (int i = 0; i < b->nlinks; i++)
		if (bridge_link_init(b, i, mac) < 0)
			goto err_free;
	/* Before the links start: their first events may reach the hooks. */
	if (b->hooks->init && b->hooks->init(b, &b->set, &b->hook_state) < 0)
		goto err_free;
	for (int i = 0; i < b->nlinks; i++) {
		if (!b->set.link[i].enabled)
			continue;
		b->links[i] = link_new(base, dns, &b->set, i, &b->allow_out, &b->allow_in,
		    &lcbs, b);
		if (!b->links[i])
			continue;
		b->links[i]->curl = p->curl;
		/* HEARTTP=NET: TCPC and UDPC only (PROTOCOLS.md §3). */
		if (heart_on(&b->set) && b->set.heart_type == HEART_NET &&
		    (b->set.link[i].mode == LINK_TCPC || b->set.link[i].mode == LINK_UDPC)) {
			b->bl[i].ev_heart = evtimer_new(base, on_heart, b->links[i]);
			if (!b->bl[i].ev_heart)
				goto err_free;
		}
		if (b->links[i]->ops->start(b->links[i]) < 0) {
			/* Logged by the link; the rest of the bridge runs on. */
			if (b->bl[i].ev_heart)
				event_free(b->bl[i].ev_heart);
			b->bl[i].ev_heart = NULL;
			free(b->links[i]);
			b->links[i] = NULL;
		}
	}
	if (heart_on(&b->set) && b->set.heart_type == HEART_COM) {
		struct timeval tv = { b->set.heart_interval, 0 };

		b->ev_com = event_new(base, -1, EV_PERSIST, on_com_heart, b);
		if (!b->ev_com)
			goto err_free;
		event_add(b->ev_com, &tv);
	}
	return b;

err_free:
	bridge_free(b);
	return NULL;
}

void
bridge_free(struct bridge *b)
{
	if (!b)
		return;
	b->freeing = 1;
	for (int i = 0; i < LINKS_MAX; i++) {
		link_free(b->links[i]);
		if (b->bl[i].ev_heart)
			event_free(b->bl[i].ev_heart);
		cache_free(&b->bl[i].cache);
	}
	if (b->hooks->free && b->hook_state)
		b->hooks->free(b->hook_state);
	if (b->ev_com)
		event_free(b->ev_com);
	free(b->tx.p);
	free(b);
}

int
bridge_link_reset(struct bridge *b, int link, const char *why)
{
	struct link *l;

	if (link < 0 || link >= b->nlinks || !b->links[link])
		return -ENOENT;
	l = b->links[link];
	log_info("link%d: reset (%s)", link + 1, why);
	l->ops->reset(l);
	return 0;
}

void
bridge_pause(struct bridge *b, int paused)
{
	if (b->paused == paused)
		return;
	b->paused = paused;
	for (int i = 0; i < b->nlinks; i++)
		if (b->links[i])
			b->links[i]->ops->pause(b->links[i], paused);
}

int
bridge_congested(const struct bridge *b)
{
	int any = 0;

	for (int i = 0; i < b->nlinks; i++) {
		if (!b->links[i])
			continue;
		if (!link_congested(b, i))
			return 0;
		any = 1;
	}
	return any;
}

int
bridge_connected(const struct bridge *b)
{
	for (int i = 0; i < b->nlinks; i++)
		if (b->links[i] && b->links[i]->ops->connections(b->links[i]) > 0)
			return 1;
	return 0;
}

int
bridge_tcp_connected(const struct bridge *b)
{
	for (int i = 0; i < b->nlinks; i++) {
		const struct link *l = b->links[i];
		int mode = mode_of(b, i);

		if (l && (mode == LINK_TCPS || mode == LINK_TCPC) && l->ops->connections(l) > 0)
			return 1;
	}
	return 0;
}

int
bridge_net_up(const struct bridge *b)
{
	for (int i = 0; i < b->nlinks; i++)
		if (b->links[i] && b->links[i]->state == LINK_UP)
			return 1;
	return 0;
}

int
bridge_link_status(const struct bridge *b, int i, struct bridge_link_status *st)
{
	const struct link *l;
	const struct cache *c;

	if (i < 0 || i >= b->nlinks)
		return -ENOENT;
	memset(st, 0, sizeof(*st));
	l = b->links[i];
	c = &b->bl[i].cache;
	st->cache_bytes = c->bytes;
	st->cache_max = c->max;
	st->cache_in = c->bytes_in;
	st->cache_dropped = c->dropped;
	st->cache_cleared = c->cleared;
	st->reconnects = b->bl[i].reconnects;
	if (b->hooks->link_status)
		b->hooks->link_status(b->hook_state, i, st);
	if (!l) {
		/* Off: say why, so that status never shows a silent gap. */
		snprintf(st->why, sizeof(st->why), "%s", b->set.link[i].enabled ?
		    "could not start (see the log)" : "disabled (enabled = OFF)");
		return 0;
	}
	st->active = 1;
	st->mode = l->ops->name;
	st->state = link_state_names[l->state];
	st->connections = l->ops->connections(l);
	st->congested = link_congested(b, i);
	l->ops->peers(l, st->peers, sizeof(st->peers));
	st->stats = l->stats;
	st->now_us = util_now_us();
	link_where_text(l, st->where, sizeof(st->where));
	st->server = l->ops == &link_tcps_ops || l->ops == &link_udps_ops;
	st->local_port = st->server ? 0 : b->set.link[i].local_port;
	link_why_text(l, st->now_us, st->why, sizeof(st->why));
	st->npeers = l->ops->peer_list ? l->ops->peer_list(l, st->peer, LINK_CLIENTS_MAX) :
	    link_peers_default(l, st->peer, LINK_CLIENTS_MAX);
	return 0;
}

void
bridge_status(const struct bridge *b, struct bridge_status *st)
{
	const struct settings *set = &b->set;

	memset(st, 0, sizeof(*st));
	if (heart_on(set)) {
		if (set->heart_type == HEART_COM)
			st->heart_com_s = set->heart_interval;
		else
			st->heart_net_s = set->heart_interval;
		st->heart_len = set->heart_data.len;
	}
	for (int i = 0; i < b->nlinks; i++) {
		const struct regpkt *r = &b->bl[i].reg;

		if (!b->links[i] || !r->len)
			continue;
		st->reg_first |= r->first;
		st->reg_every |= r->every;
		st->reg_len = r->len;
	}
	st->short_conn = set->short_conn;
	st->short_timeout_s = set->short_timeout;
	st->idle_left_us = -1;
	if (b->hooks->status)
		b->hooks->status(b->hook_state, st);
}

struct link *
bridge_link(const struct bridge *b, int i)
{
	return i >= 0 && i < b->nlinks ? b->links[i] : NULL;
}

struct event_base *
bridge_base(const struct bridge *b)
{
	return b->base;
}

int
bridge_nlinks(const struct bridge *b)
{
	return b->nlinks;
}

void
bridge_want_restart(struct bridge *b, const char *why)
{
	b->cbs.want_restart(why, b->arg);
}

void
bridge_baud_sync(struct bridge *b, const struct baudsync_params *p)
{
	if (b->cbs.baud_sync)
		b->cbs.baud_sync(p, b->arg);
}
