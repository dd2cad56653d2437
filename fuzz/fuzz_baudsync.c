/* Fuzzes the RFCEN baud-sync decoder (src/baudsync.c) with network data cut
 * into reads of any size at any times. Besides memory errors it checks what
 * PROTOCOLS.md §3 RFCEN and baudsync.h promise: every byte fed comes out as
 * data or as part of a valid packet, in order; a reported packet decodes
 * with a good sum; nothing is held longer than BAUDSYNC_HOLD_US or beyond
 * seven bytes.
 *
 * Input: operations of one byte each: bits 0-1 what (a read, time passes,
 * flush), bits 2-7 a time step; a read takes a length byte and that many
 * bytes. */
#include "config.h"

#include "baudsync.h"
#include "fuzz.h"

#define FED_MAX 65536

struct harness {
	struct baudsync b;
	uint8_t fed[FED_MAX];
	size_t nfed;
	size_t cursor;		/* bytes accounted for: passed on or in a packet */
	unsigned packets;
};

static const int64_t steps[] = { 0, 1, 100, 9999, 10000, 10001, 50000, 1000000 };

static void
h_data(void *arg, const uint8_t *d, size_t n)
{
	struct harness *h = arg;

	FUZZ_CHECK(n > 0, "empty data");
	FUZZ_CHECK(h->cursor + n <= h->nfed, "more data out than in");
	FUZZ_CHECK(memcmp(h->fed + h->cursor, d, n) == 0, "data differs at %zu", h->cursor);
	h->cursor += n;
}

static void
h_sync(void *arg, const struct baudsync_params *p)
{
	struct harness *h = arg;
	struct baudsync_params q;

	/* The packet is the next eight bytes of the stream. */
	FUZZ_CHECK(h->cursor + BAUDSYNC_LEN <= h->nfed, "a packet nobody sent");
	FUZZ_CHECK(baudsync_decode(h->fed + h->cursor, &q) == 0, "reported packet is invalid");
	FUZZ_CHECK(q.baud == p->baud && q.data_bits == p->data_bits &&
	    q.stop_bits == p->stop_bits && q.parity == p->parity, "reported values differ");
	FUZZ_CHECK(p->data_bits >= 5 && p->data_bits <= 8 && (p->stop_bits == 1 ||
	    p->stop_bits == 2), "bad line settings");
	h->cursor += BAUDSYNC_LEN;
	h->packets++;
}

static const struct baudsync_ops ops = { h_data, h_sync };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct harness h;
	struct fuzz_in in = { data, size };
	int64_t now = 0;

	memset(&h, 0, sizeof(h));
	baudsync_init(&h.b, &ops, &h);
	while (in.n) {
		uint8_t op = fuzz_byte(&in);
		const uint8_t *p;
		size_t n;

		now += steps[(op >> 2) % (sizeof(steps) / sizeof(steps[0]))];
		switch (op & 3) {
		case 0:
		case 1:
			n = fuzz_take(&in, fuzz_byte(&in), &p);
			if (h.nfed + n > FED_MAX)
				n = FED_MAX - h.nfed;
			memcpy(h.fed + h.nfed, p, n);
			h.nfed += n;
			baudsync_input(&h.b, p, n, now);
			break;
		case 2:
			baudsync_expire(&h.b, now);
			break;
		default:
			baudsync_flush(&h.b);
			FUZZ_CHECK(h.cursor == h.nfed, "flush left %zu bytes", h.nfed - h.cursor);
			break;
		}
		FUZZ_CHECK(h.b.nheld < BAUDSYNC_LEN, "%zu bytes held", h.b.nheld);
		FUZZ_CHECK(h.nfed - h.cursor == h.b.nheld, "%zu bytes lost",
		    h.nfed - h.cursor - h.b.nheld);
		if (h.b.nheld)
			FUZZ_CHECK(baudsync_deadline(&h.b) == h.b.held_at + BAUDSYNC_HOLD_US,
			    "hold deadline");
		else
			FUZZ_CHECK(baudsync_deadline(&h.b) == -1, "deadline without bytes held");
	}
	baudsync_flush(&h.b);
	FUZZ_CHECK(h.cursor == h.nfed, "bytes lost at the end");
	return 0;
}
