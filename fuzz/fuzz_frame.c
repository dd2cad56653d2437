/* Fuzzes the frame decoder (src/frame.c, PROTOCOLS.md §5), fed reads of
 * any size and flushed at any point. Besides memory errors it checks that
 * nothing is lost, added or reordered (the pieces' raw bytes joined are
 * the input), that a frame reported good re-encodes to exactly its raw
 * bytes, that a bad one's CRC really is wrong, and that the decoder never
 * holds more than one frame's worth.
 *
 * Input: operations, each a byte: 0-239 feeds that many following bytes
 * (fewer at the end), 240-255 flushes. */
#include "config.h"

#include "frame.h"
#include "fuzz.h"

static struct {
	uint8_t fed[65536], seen[65536];
	size_t nfed, nseen;
} h;

static void
check_piece(void *arg, const struct frame_out *o)
{
	uint8_t again[FRAME_MAX];

	FUZZ_CHECK(o->nraw > 0, "empty piece");
	FUZZ_CHECK(h.nseen + o->nraw <= h.nfed, "%zu bytes more than fed",
	    h.nseen + o->nraw - h.nfed);
	memcpy(h.seen + h.nseen, o->raw, o->nraw);
	h.nseen += o->nraw;
	if (o->ev == FRAME_DATA)
		return;
	FUZZ_CHECK(o->len <= FRAME_PAYLOAD_MAX && o->nraw == o->len + FRAME_OVERHEAD,
	    "frame of %zu bytes with payload %zu", o->nraw, o->len);
	FUZZ_CHECK(frame_encode(o->cmd, o->payload, o->len, again, sizeof(again)) == o->nraw,
	    "re-encoding changes the length");
	if (o->ev == FRAME_OK)
		FUZZ_CHECK(memcmp(again, o->raw, o->nraw) == 0, "good frame re-encodes differently");
	else
		FUZZ_CHECK(memcmp(again, o->raw, o->nraw) != 0, "bad-CRC frame is good");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct frame_dec d;

	h.nfed = h.nseen = 0;
	frame_dec_init(&d);
	while (in.n) {
		uint8_t op = fuzz_byte(&in);
		const uint8_t *p;
		size_t n;

		if (op >= 240) {
			frame_dec_flush(&d, check_piece, NULL);
			FUZZ_CHECK(frame_dec_held(&d) == 0, "held after a flush");
			continue;
		}
		n = fuzz_take(&in, op, &p);
		if (h.nfed + n > sizeof(h.fed))
			break;
		memcpy(h.fed + h.nfed, p, n);
		h.nfed += n;
		frame_dec_push(&d, p, n, check_piece, NULL);
		FUZZ_CHECK(frame_dec_held(&d) < FRAME_MAX, "holds %zu bytes", frame_dec_held(&d));
		FUZZ_CHECK(h.nseen + frame_dec_held(&d) == h.nfed, "%zu fed, %zu out, %zu held",
		    h.nfed, h.nseen, frame_dec_held(&d));
	}
	frame_dec_flush(&d, check_piece, NULL);
	FUZZ_CHECK(h.nseen == h.nfed && memcmp(h.seen, h.fed, h.nfed) == 0,
	    "output is not the input");
	return 0;
}
