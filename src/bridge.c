/* The bridge (DESIGN.md §3): frames from the packer go to every active link;
 * while a link cannot take them they wait in its offline cache (bounded,
 * oldest frames dropped and counted) and are sent first, in order, when it
 * can again. Network data goes to the serial writer; when the serial side
 * is congested every link stops reading (back-pressure, nothing dropped).
 * On top of that it applies what the 30X configures per connection
 * (PROTOCOLS.md §3): identity packets, heartbeats, INDEXEN marks, the RFCEN
 * baud-rate sync packet, and the CLIENTRST and RSTIM restarts. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "baudsync.h"
#include "bridge.h"
#include "cache.h"
#include "hostinfo.h"
#include "link.h"
#include "log.h"
#include "netacl.h"
#include "regpkt.h"
#include "serial.h"
#include "util.h"

/* PROTOCOLS.md §3 TCPC: CLIENTRST restarts after this many failed attempts. */
#define CLIENTRST_ATTEMPTS 30

/* The RFCEN decoder of one byte stream: a TCPS client (1-16) or the link's
 * one peer (0). */
struct sync_stream {
	struct baudsync dec;
	struct bridge *b;
	int link, client;
};

/* What the bridge keeps per link besides the link itself. */
struct bridge_link {
	struct bridge *b;
	int index;
	struct cache cache;
	struct regpkt reg;		/* identity packet of this link */
	int reg_owed;			/* UDP FIRST: owed before the next datagram */
	struct event *ev_heart;		/* HEARTTP=NET */
	int64_t last_tx;		/* last frame or heartbeat sent (µs) */
	struct sync_stream sync[LINK_CLIENTS_MAX + 1];
};

/* A growable buffer for a frame with a prefix in front (identity packet,
 * INDEXEN mark), bounded by its users' input. */
struct prefixed_buf {
	uint8_t *p;
	size_t cap;
};

/* Owned by the daemon; owns the links and their caches. */
struct bridge {
	struct event_base *base;
	struct evdns_base *dns;
	struct settings set;		/* the running settings; links point into it */
	struct netacl allow_out, allow_in;
	struct bridge_cbs cbs;
	void *arg;
	int nlinks;
	struct link *links[LINKS_MAX];
	struct bridge_link bl[LINKS_MAX];
	int paused;
	struct prefixed_buf tx, rx;		/* separate: a send may deliver (TCPS drop) */
	struct event *ev_com;		/* HEARTTP=COM */
	struct event *ev_idle;		/* RSTIM */
	struct event *ev_sync;		/* RFCEN: held bytes go out as data */
	int64_t last_rx;		/* last data from the network (µs) */
	int restart_asked;
};

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
	for (int i = 0; i < b->nlinks; i++)
		if (b->links[i])
			send_frame(b, i, data, len);
}

/* --- network -> serial ---------------------------------------------------- */

/* Data of link i, client (TCPS 1-16, else 0), for the serial line. */
static void
deliver(struct bridge *b, int i, int client, const uint8_t *data, size_t len)
{
	uint8_t *p;

	/* PROTOCOLS.md §3 INDEXEN: data from client m is "I" m + data. */
	if (client > 0 && b->set.index && mode_of(b, i) == LINK_TCPS) {
		p = prefixed_get(&b->rx, len + 2);
		if (p) {
			p[0] = 'I';
			p[1] = (uint8_t)('0' + client);
			memcpy(p + 2, data, len);
			b->cbs.to_serial(p, len + 2, b->arg);
			return;
		}
	}
	b->cbs.to_serial(data, len, b->arg);
}

static void
sync_data(void *arg, const uint8_t *d, size_t n)
{
	struct sync_stream *ss = arg;

	deliver(ss->b, ss->link, ss->client, d, n);
}

static void
sync_packet(void *arg, const struct baudsync_params *p)
{
	struct sync_stream *ss = arg;
	struct bridge *b = ss->b;
	static const char par[] = { 'N', 'O', 'E', 'M', 'S' };

	if (!serial_speed_valid(p->baud)) {
		log_warn("link%d: baud-rate sync packet asks for %ld baud, which the port "
		    "cannot do; ignored", ss->link + 1, p->baud);
		return;
	}
	log_info("link%d: baud-rate sync packet: %ld %d%c%d (RFCEN)", ss->link + 1, p->baud,
	    p->data_bits, par[p->parity], p->stop_bits);
	if (b->cbs.baud_sync)
		b->cbs.baud_sync(p, b->arg);
}

static const struct baudsync_ops sync_ops = {
	.data = sync_data,
	.sync = sync_packet,
};

/* Arms the RFCEN hold timer for the earliest held stream, if any. */
static void
sync_arm(struct bridge *b, int64_t now)
{
	int64_t first = -1;

	for (int i = 0; i < b->nlinks; i++)
		for (int c = 0; c <= LINK_CLIENTS_MAX; c++) {
			int64_t d = baudsync_deadline(&b->bl[i].sync[c].dec);

			if (d >= 0 && (first < 0 || d < first))
				first = d;
		}
	if (first < 0) {
		event_del(b->ev_sync);
	} else {
		int64_t left = first > now ? first - now : 0;
		struct timeval tv = { (time_t)(left / 1000000), (suseconds_t)(left % 1000000) };

		evtimer_add(b->ev_sync, &tv);
	}
}

static void
on_sync_timer(evutil_socket_t fd, short what, void *arg)
{
	struct bridge *b = arg;
	int64_t now = util_now_us();

	for (int i = 0; i < b->nlinks; i++)
		for (int c = 0; c <= LINK_CLIENTS_MAX; c++)
			baudsync_expire(&b->bl[i].sync[c].dec, now);
	sync_arm(b, now);
}

static void
on_link_data(struct link *l, int client, const uint8_t *data, size_t len)
{
	struct bridge *b = l->arg;
	struct baudsync *dec;
	int i = l->index;

	if (b->ev_idle || b->set.baud_sync)
		b->last_rx = util_now_us();
	/* RFCEN (PROTOCOLS.md §3): the sync packet comes from TCP/UDP peers;
	 * an HTTP response is not one. */
	if (!b->set.baud_sync || mode_of(b, i) == LINK_HTPC || client < 0 ||
	    client > LINK_CLIENTS_MAX) {
		deliver(b, i, client, data, len);
		return;
	}
	dec = &b->bl[i].sync[client].dec;
	baudsync_input(dec, data, len, b->last_rx);
	if (dec->nheld && !evtimer_pending(b->ev_sync, NULL))
		sync_arm(b, b->last_rx);
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

	/* Bytes held back by RFCEN belong before what follows. */
	if (!up && client >= 0 && client <= LINK_CLIENTS_MAX)
		baudsync_flush(&s->sync[client].dec);
	if (mode == LINK_TCPS && b->set.index && client > 0 && client <= 8 && n <= 8) {
		/* PROTOCOLS.md §3 INDEXEN: "C" m n / "D" m n. */
		uint8_t ev[3] = { up ? 'C' : 'D', (uint8_t)('0' + client), (uint8_t)('0' + n) };

		b->cbs.to_serial(ev, sizeof(ev), b->arg);
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
		/* UARTCLBUF does not apply to short connections: there the
		 * waiting frame is why the connection was made (ours). */
		if (b->set.clear_cache && !(mode == LINK_TCPC && b->set.short_conn)) {
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
		b->cbs.on_conn(up, n, b->arg);
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

	/* PROTOCOLS.md §3 TCPC: CLIENTRST=ON restarts after 30 failures in a row. */
	if (!b->set.client_reset || mode_of(b, l->index) != LINK_TCPC ||
	    l->stats.failures < CLIENTRST_ATTEMPTS || b->restart_asked)
		return;
	b->restart_asked = 1;
	log_warn("link%d: %u connection attempts failed in a row; restarting (CLIENTRST)",
	    l->index + 1, l->stats.failures);
	b->cbs.want_restart("CLIENTRST", b->arg);
}

/* --- timers ------------------------------------------------------------------ */

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
		if (send_raw(b, l->index, (const uint8_t *)b->set.heart_data,
		    strlen(b->set.heart_data)) < 0)
			log_debug("link%d: heartbeat not sent (queue full)", l->index + 1);
		s->last_tx = now;
	}
	heart_arm(s, s->last_tx + every - now);
}

/* HEARTTP=COM: HEARTDT to the serial line every HEARTTM s. */
static void
on_com_heart(evutil_socket_t fd, short what, void *arg)
{
	struct bridge *b = arg;

	b->cbs.to_serial((const uint8_t *)b->set.heart_data, strlen(b->set.heart_data), b->arg);
}

/* RSTIM: restart when nothing came from the network for idle_reset s. */
static void
on_idle(evutil_socket_t fd, short what, void *arg)
{
	struct bridge *b = arg;
	int64_t limit = (int64_t)b->set.idle_reset * 1000000, left;

	left = b->last_rx + limit - util_now_us();
	if (left > 0) {
		struct timeval tv = { (time_t)(left / 1000000), (suseconds_t)(left % 1000000) };

		evtimer_add(b->ev_idle, &tv);
		return;
	}
	if (b->restart_asked)
		return;
	b->restart_asked = 1;
	log_warn("nothing received from the network for %ld s; restarting (RSTIM)",
	    b->set.idle_reset);
	b->cbs.want_restart("RSTIM", b->arg);
}

/* --- life cycle ---------------------------------------------------------------- */

static void
current_mac(const struct settings *st, char mac[13])
{
	/* The MAC AT+MAC reports (at-30x.c): USERMAC, else the interface's. */
	if (st->user_mac[0])
		memcpy(mac, st->user_mac, 13);
	else
		hostinfo_mac("/sys", mac);
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
	for (int c = 0; c <= LINK_CLIENTS_MAX; c++) {
		s->sync[c].b = b;
		s->sync[c].link = i;
		s->sync[c].client = c;
		baudsync_init(&s->sync[c].dec, &sync_ops, &s->sync[c]);
	}
	if (regpkt_build(&b->set, mode, mac, &s->reg) == -ENODATA && b->set.link[i].enabled)
		log_warn("link%d: REGEN=CLOUD without REGCLOUD id and password; no identity "
		    "packet", i + 1);
	return 0;
}

struct bridge *
bridge_new(struct event_base *base, struct evdns_base *dns, const struct settings *run,
    const struct bridge_cbs *cbs, void *arg)
{
	static const struct link_cbs lcbs = {
		.on_data = on_link_data,
		.on_conn = on_link_conn,
		.on_writable = on_link_writable,
		.on_connect_failed = on_link_connect_failed,
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
	/* Both lists were validated when the settings were loaded. */
	netacl_parse(b->set.allow_out, &b->allow_out);
	netacl_parse(b->set.allow_in, &b->allow_in);
	b->nlinks = b->set.personality == PERS_721 ? LINKS_MAX : 1;
	if (b->set.reg_mode == REG_MAC)
		current_mac(&b->set, mac);
	b->ev_sync = evtimer_new(base, on_sync_timer, b);
	if (!b->ev_sync)
		goto err_free;
	b->last_rx = util_now_us();
	for (int i = 0; i < b->nlinks; i++) {
		if (bridge_link_init(b, i, mac) < 0)
			goto err_free;
		if (!b->set.link[i].enabled)
			continue;
		b->links[i] = link_new(base, dns, &b->set, i, &b->allow_out, &b->allow_in,
		    &lcbs, b);
		if (!b->links[i])
			continue;
		/* HEARTTP=NET: TCPC and UDPC only (PROTOCOLS.md §3). */
		if (b->set.heart_enabled && b->set.heart_type == HEART_NET &&
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
	if (b->set.heart_enabled && b->set.heart_type == HEART_COM) {
		struct timeval tv = { b->set.heart_interval, 0 };

		b->ev_com = event_new(base, -1, EV_PERSIST, on_com_heart, b);
		if (!b->ev_com)
			goto err_free;
		event_add(b->ev_com, &tv);
	}
	if (b->set.idle_reset > 0) {
		struct timeval tv = { b->set.idle_reset, 0 };

		b->ev_idle = evtimer_new(base, on_idle, b);
		if (!b->ev_idle)
			goto err_free;
		evtimer_add(b->ev_idle, &tv);
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
	for (int i = 0; i < LINKS_MAX; i++) {
		link_free(b->links[i]);
		if (b->bl[i].ev_heart)
			event_free(b->bl[i].ev_heart);
		cache_free(&b->bl[i].cache);
	}
	if (b->ev_com)
		event_free(b->ev_com);
	if (b->ev_idle)
		event_free(b->ev_idle);
	if (b->ev_sync)
		event_free(b->ev_sync);
	free(b->tx.p);
	free(b->rx.p);
	free(b);
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
	for (int i = 0; i < b->nlinks; i++)
		if (b->links[i] && b->links[i]->ops->congested &&
		    b->links[i]->ops->congested(b->links[i]))
			return 1;
	return 0;
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
	st->cache_dropped = c->dropped;
	st->cache_cleared = c->cleared;
	if (!l)
		return 0;
	st->active = 1;
	st->mode = l->ops->name;
	st->state = link_state_names[l->state];
	st->connections = l->ops->connections(l);
	l->ops->peers(l, st->peers, sizeof(st->peers));
	st->stats = l->stats;
	return 0;
}

const struct settings *
bridge_settings(const struct bridge *b)
{
	return &b->set;
}
