/* A bounded matcher for the RFCEN baud-rate sync packet (PROTOCOLS.md §3
 * RFCEN); baudsync.h says how packets embedded in data or split across
 * reads are handled. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "baudsync.h"
#include "settings.h"
#include "util.h"

static const uint8_t magic[3] = { 0x55, 0xAA, 0x55 };

int
baudsync_decode(const uint8_t p[BAUDSYNC_LEN], struct baudsync_params *out)
{
	unsigned sum = 0;
	static const int parity_of[4] = {
		PARITY_ODD, PARITY_EVEN, PARITY_MARK, PARITY_SPACE,
	};

	if (memcmp(p, magic, sizeof(magic)) != 0)
		return -EINVAL;
	/* sum = low byte of the sum of bytes 3..6: the baud bytes and param. */
	for (int i = 3; i < 7; i++)
		sum += p[i];
	if ((sum & 0xff) != p[7])
		return -EINVAL;
	out->baud = (long)p[3] << 16 | (long)p[4] << 8 | p[5];
	/* param: bits 1:0 data bits (00 = 5 ... 11 = 8), bit 2 stop bits,
	 * bit 3 parity on, bits 5:4 parity type; bits 7:6 are ignored. */
	out->data_bits = 5 + (p[6] & 0x03);
	out->stop_bits = p[6] & 0x04 ? 2 : 1;
	out->parity = p[6] & 0x08 ? parity_of[(p[6] >> 4) & 0x03] : PARITY_NONE;
	return 0;
}

void
baudsync_init(struct baudsync *b, const struct baudsync_ops *ops, void *arg)
{
	memset(b, 0, sizeof(*b));
	b->ops = ops;
	b->arg = arg;
}

/* 1 when the n bytes at p can still begin a packet. */
static int
prefix_ok(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n && i < sizeof(magic); i++)
		if (p[i] != magic[i])
			return 0;
	return 1;
}

static void
emit(struct baudsync *b, const uint8_t *d, size_t n)
{
	if (n > 0)
		b->ops->data(b->arg, d, n);
}

/* Nothing is held: scans d for packets; a prefix at the very end is held. */
static void
scan(struct baudsync *b, const uint8_t *d, size_t n, int64_t now)
{
	size_t i = 0, p = 0;

	while (p < n) {
		const uint8_t *hit = memchr(d + p, magic[0], n - p);
		struct baudsync_params bp;

		if (!hit)
			break;
		p = (size_t)(hit - d);
		/* Most 0x55 bytes of ordinary data are not followed by 0xAA:
		 * rejecting them here, before any call, keeps this scan cheap. */
		if (n - p > 1 && d[p + 1] != magic[1]) {
			p++;
			continue;
		}
		if (n - p >= BAUDSYNC_LEN) {
			if (baudsync_decode(d + p, &bp) == 0) {
				emit(b, d + i, p - i);
				b->ops->sync(b->arg, &bp);
				p += BAUDSYNC_LEN;
				i = p;
				continue;
			}
		} else if (prefix_ok(d + p, n - p)) {
			emit(b, d + i, p - i);
			memcpy(b->held, d + p, n - p);
			b->nheld = n - p;
			b->held_at = now;
			return;
		}
		p++;
	}
	emit(b, d + i, n - i);
}

void
baudsync_input(struct baudsync *b, const uint8_t *d, size_t n, int64_t now)
{
	while (n > 0 && b->nheld > 0) {
		uint8_t tmp[BAUDSYNC_LEN];
		size_t take = MIN(BAUDSYNC_LEN - b->nheld, n), tn = b->nheld + take;
		struct baudsync_params bp;

		memcpy(tmp, b->held, b->nheld);
		memcpy(tmp + b->nheld, d, take);
		d += take;
		n -= take;
		if (tn == BAUDSYNC_LEN && baudsync_decode(tmp, &bp) == 0) {
			b->nheld = 0;
			b->ops->sync(b->arg, &bp);
			continue;
		}
		if (tn < BAUDSYNC_LEN && prefix_ok(tmp, tn)) {
			/* Still a prefix (two bytes or more), and the read is
			 * used up: keep holding. */
			memcpy(b->held, tmp, tn);
			b->nheld = tn;
			return;
		}
		/* Not a packet: its first byte is data; a packet may still start
		 * in the rest (fewer than 8 bytes, so at most a new prefix). */
		b->nheld = 0;
		emit(b, tmp, 1);
		scan(b, tmp + 1, tn - 1, b->held_at);
	}
	if (n > 0)
		scan(b, d, n, now);
	/* A read that ends with a lone 55 is not held (baudsync.h): one byte
	 * in 256 of ordinary data would wait BAUDSYNC_HOLD_US for it. */
	if (b->nheld == 1)
		baudsync_flush(b);
}

int64_t
baudsync_deadline(const struct baudsync *b)
{
	return b->nheld ? b->held_at + BAUDSYNC_HOLD_US : -1;
}

void
baudsync_expire(struct baudsync *b, int64_t now)
{
	if (b->nheld && now >= b->held_at + BAUDSYNC_HOLD_US)
		baudsync_flush(b);
}

void
baudsync_flush(struct baudsync *b)
{
	size_t n = b->nheld;

	b->nheld = 0;
	emit(b, b->held, n);
}
