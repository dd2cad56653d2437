/* The RFCEN baud-rate sync packet (PROTOCOLS.md §3 RFCEN): recognises
 * `55 AA 55 | baud (3, big-endian) | param | sum` in network data. Pure:
 * bytes and time in, data and sync events out; no I/O, so it is unit-tested
 * and fuzzable.
 *
 * How packets are found (our decision, documented in the man page):
 * - anywhere in the data: a packet embedded between other bytes of the same
 *   read is taken out and the bytes around it are passed on, in order;
 * - across reads: when a read ends with a proper prefix of a packet of 2 to
 *   7 bytes (55 AA, 55 AA 55, ...), those bytes are held back until the next
 *   read decides, or for at most BAUDSYNC_HOLD_US, after which they are
 *   passed on as data. The hold is bounded (7 bytes, 10 ms) and costs only
 *   reads that end that way. A read that ends with a lone 55 is passed on at
 *   once: holding it cost one read in 256 of ordinary data (and every 'U')
 *   up to 10 ms (bench/run rtt: p999 12 ms); the price is that a packet
 *   split right after its first byte is not recognised but passed on as
 *   data;
 * - a complete 8-byte candidate with a bad sum is ordinary data: its first
 *   byte is passed on and the search goes on from the second byte. */
#ifndef USRB_BAUDSYNC_H
#define USRB_BAUDSYNC_H

#include <stddef.h>
#include <stdint.h>

#define BAUDSYNC_LEN 8
#define BAUDSYNC_HOLD_US 10000

/* What a packet asks for. parity is an enum parity (settings.h). */
struct baudsync_params {
	long baud;
	int data_bits;		/* 5-8 */
	int stop_bits;		/* 1 or 2 */
	int parity;
};

struct baudsync_ops {
	/* Ordinary data, in order. */
	void (*data)(void *arg, const uint8_t *d, size_t n);
	/* A valid packet (already removed from the data). */
	void (*sync)(void *arg, const struct baudsync_params *p);
};

/* One per byte stream (a TCP connection, a UDP peer); owned by its user. */
struct baudsync {
	uint8_t held[BAUDSYNC_LEN - 1];	/* a packet prefix from the end of a read */
	size_t nheld;
	int64_t held_at;		/* arrival of the first held byte (µs) */
	const struct baudsync_ops *ops;
	void *arg;
};

/* Decodes exactly 8 bytes: 0, or -EINVAL (bad magic or sum). The baud
 * value is not checked against what the port supports. */
int baudsync_decode(const uint8_t pkt[BAUDSYNC_LEN], struct baudsync_params *out);

void baudsync_init(struct baudsync *b, const struct baudsync_ops *ops, void *arg);
/* Bytes that arrived at time now (µs). */
void baudsync_input(struct baudsync *b, const uint8_t *d, size_t n, int64_t now);
/* When baudsync_expire must run (absolute µs), or -1 when nothing is held. */
int64_t baudsync_deadline(const struct baudsync *b);
/* Passes held bytes on as data once their deadline has come. */
void baudsync_expire(struct baudsync *b, int64_t now);
/* Passes held bytes on as data now (the stream ends). */
void baudsync_flush(struct baudsync *b);

#endif
