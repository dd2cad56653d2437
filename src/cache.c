/* The per-link offline cache (cache.h): records in one evbuffer, bounded by
 * frame bytes, oldest evicted first. No sockets and no events: the bridge
 * decides when to append and when to flush. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <event2/buffer.h>

#include "cache.h"

int
cache_init(struct cache *c, size_t max)
{
	memset(c, 0, sizeof(*c));
	c->max = max;
	c->buf = evbuffer_new();
	return c->buf ? 0 : -ENOMEM;
}

void
cache_free(struct cache *c)
{
	if (c->buf)
		evbuffer_free(c->buf);
	c->buf = NULL;
	c->bytes = 0;
}

static void
drop_oldest(struct cache *c)
{
	uint32_t n;

	if (evbuffer_copyout(c->buf, &n, sizeof(n)) != sizeof(n))
		return;
	evbuffer_drain(c->buf, sizeof(n) + n);
	c->bytes -= n;
	c->dropped += n;
}

void
cache_append(struct cache *c, const uint8_t *data, size_t len)
{
	uint32_t n = (uint32_t)len;

	c->bytes_in += len;
	if (len > c->max) {
		c->dropped += len;
		return;
	}
	while (c->bytes + len > c->max)
		drop_oldest(c);
	/* Header and frame in one chain, so that a flush finds the frame
	 * contiguous and needs no pullup. */
	evbuffer_expand(c->buf, sizeof(n) + len);
	evbuffer_add(c->buf, &n, sizeof(n));
	evbuffer_add(c->buf, data, len);
	c->bytes += len;
}

void
cache_clear(struct cache *c)
{
	c->cleared += c->bytes;
	evbuffer_drain(c->buf, evbuffer_get_length(c->buf));
	c->bytes = 0;
}

/* The frame of the oldest record, contiguous: straight from the chain
 * that holds it when it is in one (the usual case, see cache_append),
 * else made contiguous with a pullup. */
static const uint8_t *
oldest(struct cache *c, uint32_t *len)
{
	struct evbuffer_ptr at;
	struct evbuffer_iovec v;

	evbuffer_copyout(c->buf, len, sizeof(*len));
	if (evbuffer_ptr_set(c->buf, &at, sizeof(*len), EVBUFFER_PTR_SET) == 0 &&
	    evbuffer_peek(c->buf, (ev_ssize_t)*len, &at, &v, 1) == 1 && v.iov_len >= *len)
		return v.iov_base;
	return evbuffer_pullup(c->buf, (ev_ssize_t)(sizeof(*len) + *len)) + sizeof(*len);
}

int
cache_flush(struct cache *c, cache_send_fn send, void *arg)
{
	while (c->bytes > 0) {
		uint32_t n;
		const uint8_t *p = oldest(c, &n);

		if (send(arg, p, n) < 0)
			return 0;
		evbuffer_drain(c->buf, sizeof(n) + n);
		c->bytes -= n;
	}
	return 1;
}
