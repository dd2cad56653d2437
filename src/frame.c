/* PROTOCOLS.md §5 frames: encoder and stream decoder (frame.h). */
#include "config.h"

#include <string.h>

#include "frame.h"
#include "util.h"

uint16_t
frame_crc16(uint16_t crc, const uint8_t *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		crc ^= d[i];
		for (int b = 0; b < 8; b++)
			crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0xA001) : (uint16_t)(crc >> 1);
	}
	return crc;
}

size_t
frame_encode(uint8_t cmd, const uint8_t *payload, size_t len, uint8_t *out, size_t cap)
{
	uint16_t crc;

	if (len > FRAME_PAYLOAD_MAX || cap < len + FRAME_OVERHEAD)
		return 0;
	out[0] = 0xA5;
	out[1] = 0x5A;
	out[2] = cmd;
	out[3] = (uint8_t)(len >> 8);
	out[4] = (uint8_t)len;
	if (len)
		memcpy(out + 5, payload, len);
	crc = frame_crc16(0xFFFF, out + 2, len + 3);
	out[5 + len] = (uint8_t)crc;
	out[6 + len] = (uint8_t)(crc >> 8);
	return len + FRAME_OVERHEAD;
}

void
frame_emit(uint8_t cmd, const uint8_t *payload, size_t len,
    void (*write)(void *arg, const uint8_t *d, size_t n), void *arg)
{
	uint8_t out[FRAME_MAX];
	size_t n = frame_encode(cmd, payload, len, out, sizeof(out));

	if (n)
		write(arg, out, n);
}

void
frame_dec_init(struct frame_dec *d)
{
	d->n = 0;
}

size_t
frame_dec_held(const struct frame_dec *d)
{
	return d->n;
}

static void
emit_data(const uint8_t *p, size_t n, frame_fn fn, void *arg)
{
	struct frame_out o = { .ev = FRAME_DATA, .raw = p, .nraw = n };

	fn(arg, &o);
}

/* How many bytes the candidate needs before the next decision: the second
 * magic byte, the length, then the whole frame. */
static size_t
wanted(const struct frame_dec *d)
{
	if (d->n < 2)
		return 2;
	if (d->n < 5)
		return 5;
	return FRAME_OVERHEAD + ((size_t)d->buf[3] << 8 | d->buf[4]);
}

void
frame_dec_push(struct frame_dec *d, const uint8_t *in, size_t n, frame_fn fn, void *arg)
{
	while (n > 0) {
		size_t k, w;

		if (d->n == 0) {
			const uint8_t *a = memchr(in, 0xA5, n);

			k = a ? (size_t)(a - in) : n;
			if (k)
				emit_data(in, k, fn, arg);
			in += k;
			n -= k;
			if (n) {
				d->buf[d->n++] = *in++;
				n--;
			}
			continue;
		}
		w = wanted(d);
		k = MIN(w - d->n, n);
		memcpy(d->buf + d->n, in, k);
		d->n += k;
		in += k;
		n -= k;
		if (d->n < w)
			continue;
		if ((w == 2 && d->buf[1] != 0x5A) ||
		    (w == 5 && ((size_t)d->buf[3] << 8 | d->buf[4]) > FRAME_PAYLOAD_MAX)) {
			/* Not a frame: its first byte is data; the rest (at
			 * most 4 bytes) is searched again. */
			uint8_t rest[4];
			size_t m = d->n - 1;

			memcpy(rest, d->buf + 1, m);
			d->n = 0;
			emit_data(d->buf, 1, fn, arg);
			frame_dec_push(d, rest, m, fn, arg);
		} else if (w > 5) {
			size_t len = w - FRAME_OVERHEAD;
			uint16_t crc = frame_crc16(0xFFFF, d->buf + 2, len + 3);
			struct frame_out o = {
				.ev = (d->buf[5 + len] | d->buf[6 + len] << 8) == crc ?
				    FRAME_OK : FRAME_BAD_CRC,
				.raw = d->buf, .nraw = d->n,
				.cmd = d->buf[2], .payload = d->buf + 5, .len = len,
			};

			d->n = 0;
			fn(arg, &o);
		}
	}
}

/* The candidate's first byte is data and the rest is searched again, until
 * nothing is held: a whole frame that started inside a longer candidate
 * (garbage that claimed a long payload) is still found. */
void
frame_dec_flush(struct frame_dec *d, frame_fn fn, void *arg)
{
	uint8_t rest[FRAME_MAX];

	while (d->n > 0) {
		size_t m = d->n - 1;

		memcpy(rest, d->buf + 1, m);
		d->n = 0;
		emit_data(d->buf, 1, fn, arg);
		frame_dec_push(d, rest, m, fn, arg);
	}
}
