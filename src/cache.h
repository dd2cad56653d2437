/* The offline cache of one link: whole frames kept, in order, while the
 * link cannot take them, under a hard byte bound (PROTOCOLS.md §3
 * UARTCLBUF, default 16 KiB); at the bound the oldest frames go, counted. */
#ifndef USRB_CACHE_H
#define USRB_CACHE_H

#include <stddef.h>
#include <stdint.h>

struct evbuffer;

/* Owned by its user (the bridge, one per link). Records are
 * [u32 length][frame] in buf; bytes counts frame bytes, not headers. */
struct cache {
	struct evbuffer *buf;
	size_t bytes;			/* frame bytes held */
	size_t max;			/* bound on bytes */
	uint64_t bytes_in;		/* frame bytes appended (kept or not) */
	uint64_t dropped;		/* bytes dropped: evicted at the bound, or too big */
	uint64_t cleared;		/* bytes discarded by cache_clear (UARTCLBUF) */
};

/* Sends one cached frame: 0 when taken, < 0 when not (it stays cached). */
typedef int (*cache_send_fn)(void *arg, const uint8_t *data, size_t len);

/* 0, or -ENOMEM. */
int cache_init(struct cache *c, size_t max);
/* Accepts a zeroed or half-built cache. */
void cache_free(struct cache *c);

/* Appends one frame, first evicting the oldest ones until it fits. A frame
 * larger than max is dropped whole (and counted): it could never be sent
 * in one piece anyway. */
void cache_append(struct cache *c, const uint8_t *data, size_t len);

/* Discards every frame (counted in cleared). */
void cache_clear(struct cache *c);

/* Hands the frames to send, oldest first, while it takes them. Returns 1
 * when the cache is empty, 0 when send refused one (kept, in order). */
int cache_flush(struct cache *c, cache_send_fn send, void *arg);

#endif
