/* The bridge (DESIGN.md §3): frames from the packer go to every active link;
 * while a link cannot take them they wait in its offline cache (bounded,
 * oldest frames dropped and counted) and are sent first, in order, when it
 * can again. Network data goes to the serial writer; when the serial side
 * is congested every link stops reading (back-pressure, nothing dropped). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "bridge.h"
#include "link.h"
#include "log.h"
#include "netacl.h"
#include "util.h"

/* One offline cache per link: records of [u32 length][frame]. */
struct cache {
	struct evbuffer *buf;
	size_t bytes;		/* frame bytes held (headers not counted) */
	size_t max;
	uint64_t dropped;
	uint64_t cleared;
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
	struct cache cache[LINKS_MAX];
	int paused;
};

static void
cache_drop_oldest(struct cache *c)
{
	uint32_t n;

	if (evbuffer_copyout(c->buf, &n, sizeof(n)) != sizeof(n))
		return;
	evbuffer_drain(c->buf, sizeof(n) + n);
	c->bytes -= n;
	c->dropped += n;
}

static void
cache_append(struct cache *c, const uint8_t *data, size_t len)
{
	uint32_t n = (uint32_t)len;

	if (len > c->max) {
		c->dropped += len;
		return;
	}
	while (c->bytes + len > c->max)
		cache_drop_oldest(c);
	evbuffer_add(c->buf, &n, sizeof(n));
	evbuffer_add(c->buf, data, len);
	c->bytes += len;
}

static void
cache_clear(struct cache *c)
{
	c->cleared += c->bytes;
	evbuffer_drain(c->buf, evbuffer_get_length(c->buf));
	c->bytes = 0;
}

/* Sends cached frames while the link takes them. 1 when the cache is empty. */
static int
cache_flush(struct bridge *b, int i)
{
	struct cache *c = &b->cache[i];
	struct link *l = b->links[i];

	while (c->bytes > 0) {
		uint32_t n;
		uint8_t *p;

		evbuffer_copyout(c->buf, &n, sizeof(n));
		p = evbuffer_pullup(c->buf, (ev_ssize_t)(sizeof(n) + n));
		if (l->ops->send(l, p + sizeof(n), n) < 0)
			return 0;
		evbuffer_drain(c->buf, sizeof(n) + n);
		c->bytes -= n;
	}
	return 1;
}

static void
send_frame(struct bridge *b, int i, const uint8_t *data, size_t len)
{
	struct link *l = b->links[i];

	/* Anything already waiting goes first: order is kept. */
	if (b->cache[i].bytes > 0 && !cache_flush(b, i)) {
		cache_append(&b->cache[i], data, len);
		return;
	}
	if (l->ops->send(l, data, len) < 0) {
		cache_append(&b->cache[i], data, len);
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

static int
link_slot(const struct bridge *b, const struct link *l)
{
	return l->index;
}

static void
on_link_data(struct link *l, int client, const uint8_t *data, size_t len)
{
	struct bridge *b = l->arg;

	b->cbs.to_serial(data, len, b->arg);
}

static void
on_link_conn(struct link *l, int client, int up, int n)
{
	struct bridge *b = l->arg;
	int i = link_slot(b, l);

	if (up && b->cache[i].bytes > 0) {
		if (b->set.clear_cache) {
			log_info("link%d: discarding %zu cached bytes (UARTCLBUF)", i + 1,
			    b->cache[i].bytes);
			cache_clear(&b->cache[i]);
		} else {
			log_info("link%d: sending %zu cached bytes", i + 1, b->cache[i].bytes);
			cache_flush(b, i);
		}
	}
	if (b->cbs.on_conn)
		b->cbs.on_conn(up, n, b->arg);
}

static void
on_link_writable(struct link *l)
{
	struct bridge *b = l->arg;

	cache_flush(b, link_slot(b, l));
	if (b->cbs.on_writable)
		b->cbs.on_writable(b->arg);
}

static void
on_link_connect_failed(struct link *l)
{
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
	for (int i = 0; i < b->nlinks; i++) {
		b->cache[i].buf = evbuffer_new();
		b->cache[i].max = (size_t)b->set.cache_size;
		if (!b->cache[i].buf) {
			bridge_free(b);
			return NULL;
		}
		if (!b->set.link[i].enabled)
			continue;
		b->links[i] = link_new(base, dns, &b->set, i, &b->allow_out, &b->allow_in,
		    &lcbs, b);
		if (b->links[i] && b->links[i]->ops->start(b->links[i]) < 0) {
			/* Logged by the link; the rest of the bridge runs on. */
			free(b->links[i]);
			b->links[i] = NULL;
		}
	}
	return b;
}

void
bridge_free(struct bridge *b)
{
	if (!b)
		return;
	for (int i = 0; i < LINKS_MAX; i++) {
		link_free(b->links[i]);
		if (b->cache[i].buf)
			evbuffer_free(b->cache[i].buf);
	}
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
bridge_link_status(const struct bridge *b, int i, struct bridge_link_status *st)
{
	const struct link *l;

	if (i < 0 || i >= b->nlinks)
		return -ENOENT;
	memset(st, 0, sizeof(*st));
	l = b->links[i];
	st->cache_bytes = b->cache[i].bytes;
	st->cache_max = b->cache[i].max;
	st->cache_dropped = b->cache[i].dropped;
	st->cache_cleared = b->cache[i].cleared;
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
