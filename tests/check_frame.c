/* PROTOCOLS.md §5 frames (frame.h): the CRC's catalogue check value, the
 * encoder's bytes, and the stream decoder: frames split anywhere, garbage
 * around them, false starts, over-long lengths, bad CRCs, and that every
 * byte that is not a frame comes out as data, unchanged and in order. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "unit.h"
#include "util.h"

/* What the decoder gave: every raw byte in order, and the pieces. */
static struct {
	uint8_t raw[8192];
	size_t nraw;
	uint8_t data[8192];		/* FRAME_DATA bytes only */
	size_t ndata;
	int frames, bad;
	uint8_t cmd[16];
	size_t len[16];
	uint8_t payload[16][FRAME_PAYLOAD_MAX];
} got;

static void
collect(void *arg, const struct frame_out *o)
{
	ck_assert_ptr_eq(arg, &got);
	ck_assert_uint_gt(o->nraw, 0);
	ck_assert_uint_le(got.nraw + o->nraw, sizeof(got.raw));
	memcpy(got.raw + got.nraw, o->raw, o->nraw);
	got.nraw += o->nraw;
	if (o->ev == FRAME_DATA) {
		memcpy(got.data + got.ndata, o->raw, o->nraw);
		got.ndata += o->nraw;
		return;
	}
	ck_assert_uint_eq(o->nraw, o->len + FRAME_OVERHEAD);
	if (o->ev == FRAME_BAD_CRC) {
		got.bad++;
		return;
	}
	ck_assert_int_lt(got.frames, 16);
	got.cmd[got.frames] = o->cmd;
	got.len[got.frames] = o->len;
	memcpy(got.payload[got.frames], o->payload, o->len);
	got.frames++;
}

static struct frame_dec dec;

static void
reset(void)
{
	memset(&got, 0, sizeof(got));
	frame_dec_init(&dec);
}

/* Feeds s in pieces of `step` bytes (0: all at once), then flushes. */
static void
feed(const uint8_t *s, size_t n, size_t step)
{
	for (size_t o = 0; o < n;) {
		size_t k = step ? MIN(step, n - o) : n;

		frame_dec_push(&dec, s + o, k, collect, &got);
		o += k;
	}
	frame_dec_flush(&dec, collect, &got);
	ck_assert_uint_eq(frame_dec_held(&dec), 0);
	/* Nothing lost, nothing added, nothing reordered. */
	ck_assert_uint_eq(got.nraw, n);
	ck_assert_mem_eq(got.raw, s, n);
}

START_TEST(test_crc_check_value)
{
	/* The CRC catalogue's check value of CRC-16/MODBUS. */
	ck_assert_uint_eq(frame_crc16(0xFFFF, (const uint8_t *)"123456789", 9), 0x4B37);
	/* In two pieces, the same. */
	ck_assert_uint_eq(frame_crc16(frame_crc16(0xFFFF, (const uint8_t *)"1234", 4),
	    (const uint8_t *)"56789", 5), 0x4B37);
}
END_TEST

START_TEST(test_encode)
{
	static const uint8_t end[] = { 0xA5, 0x5A, 0x03, 0x00, 0x00, 0x81, 0xC0 };
	static const uint8_t get7[] = { 0xA5, 0x5A, 0x02, 0x00, 0x02, 0x00, 0x07, 0xBD, 0xC2 };
	static const uint8_t idx[] = { 0x00, 0x07 };
	uint8_t out[FRAME_MAX + 1], big[FRAME_PAYLOAD_MAX + 1] = { 0 };

	ck_assert_uint_eq(frame_encode(FRAME_FTP_END, NULL, 0, out, sizeof(out)), sizeof(end));
	ck_assert_mem_eq(out, end, sizeof(end));
	ck_assert_uint_eq(frame_encode(FRAME_FTP_GET, idx, 2, out, sizeof(out)), sizeof(get7));
	ck_assert_mem_eq(out, get7, sizeof(get7));
	ck_assert_uint_eq(frame_encode(0x82, big, FRAME_PAYLOAD_MAX, out, sizeof(out)), FRAME_MAX);
	ck_assert_uint_eq(out[3], 0x01);	/* 300 = 0x012C, big-endian */
	ck_assert_uint_eq(out[4], 0x2C);
	ck_assert_uint_eq(frame_encode(0x82, big, FRAME_PAYLOAD_MAX + 1, out, sizeof(out)), 0);
	ck_assert_uint_eq(frame_encode(FRAME_FTP_GET, idx, 2, out, sizeof(get7) - 1), 0);
}
END_TEST

/* A frame alone, fed whole and one byte at a time. */
START_TEST(test_decode_split_anywhere)
{
	static const uint8_t get7[] = { 0xA5, 0x5A, 0x02, 0x00, 0x02, 0x00, 0x07, 0xBD, 0xC2 };

	for (size_t step = 0; step <= sizeof(get7); step++) {
		reset();
		feed(get7, sizeof(get7), step);
		ck_assert_int_eq(got.frames, 1);
		ck_assert_uint_eq(got.cmd[0], FRAME_FTP_GET);
		ck_assert_uint_eq(got.len[0], 2);
		ck_assert_uint_eq(got.payload[0][1], 7);
		ck_assert_uint_eq(got.ndata, 0);
	}
}
END_TEST

/* Garbage, false starts (A5 not followed by 5A, A5 5A with a length over
 * 300, A5 A5 5A) and a bad CRC around two good frames. */
START_TEST(test_decode_resync)
{
	uint8_t s[2048], f[FRAME_MAX];
	size_t n = 0, k;

	memcpy(s + n, "hello\xA5", 6), n += 6;			/* A5 then not 5A */
	memcpy(s + n, "x\xA5\x5A\x10\x01\x2D", 6), n += 6;	/* length 301 */
	k = frame_encode(FRAME_FTP_START, (const uint8_t *)"ftp://u:p@127.0.0.1:21/f", 24,
	    f, sizeof(f));
	s[n++] = 0xA5;						/* A5 A5 5A ... */
	memcpy(s + n, f, k), n += k;
	memcpy(s + n, f, k), n += k;
	s[n - 1] ^= 0x01;					/* bad CRC */
	memcpy(s + n, "\xA5\x5A\x03\x00\x00\x81\xC0", 7), n += 7;	/* FTP_END */
	memcpy(s + n, "tail\xA5\x5A\x01", 7), n += 7;		/* held, then flushed */
	for (size_t step = 0; step <= 9; step += 3) {
		reset();
		feed(s, n, step);
		ck_assert_int_eq(got.frames, 2);
		ck_assert_uint_eq(got.cmd[0], FRAME_FTP_START);
		ck_assert_uint_eq(got.len[0], 24);
		ck_assert_mem_eq(got.payload[0], "ftp://u:p@127.0.0.1:21/f", 24);
		ck_assert_uint_eq(got.cmd[1], FRAME_FTP_END);
		ck_assert_int_eq(got.bad, 1);
		/* The data: everything but the frames (the bad one is not data). */
		ck_assert_uint_eq(got.ndata, 6 + 6 + 1 + 7);
		ck_assert_mem_eq(got.data, "hello\xA5x\xA5\x5A\x10\x01\x2D\xA5tail\xA5\x5A\x01", 20);
	}
}
END_TEST

/* Random streams with frames in them: never a byte lost or moved, every
 * embedded frame found (data bytes are kept free of A5). */
START_TEST(test_decode_random_streams)
{
	unsigned seed = 2217;

	for (int round = 0; round < 200; round++) {
		uint8_t s[4096], f[FRAME_MAX], pl[FRAME_PAYLOAD_MAX];
		size_t n = 0;
		int frames = 0;

		while (n < sizeof(s) - FRAME_MAX - 64 && frames < 16) {
			size_t d = (size_t)rand_r(&seed) % 64, len;

			for (size_t i = 0; i < d; i++)
				s[n++] = (uint8_t)(rand_r(&seed) % 0xA5);
			len = (size_t)rand_r(&seed) % (FRAME_PAYLOAD_MAX + 1);
			for (size_t i = 0; i < len; i++)
				pl[i] = (uint8_t)rand_r(&seed);
			n += frame_encode((uint8_t)rand_r(&seed), pl, len, s + n, sizeof(s) - n);
			frames++;
		}
		reset();
		feed(s, n, (size_t)round % 17);
		ck_assert_int_eq(got.frames, frames);
		ck_assert_int_eq(got.bad, 0);
	}
}
END_TEST

/* Garbage that announces a long payload swallows a whole frame; when the
 * line goes quiet, the flush still finds the frame inside it. */
START_TEST(test_flush_finds_inner_frame)
{
	uint8_t s[32];
	size_t n = 0;

	reset();
	memcpy(s, "\xA5\x5A\x10\x01\x2C", 5), n = 5;	/* 300 bytes announced */
	memcpy(s + n, "\xA5\x5A\x03\x00\x00\x81\xC0", 7), n += 7;	/* FTP_END */
	memcpy(s + n, "ok", 2), n += 2;
	frame_dec_push(&dec, s, n, collect, &got);
	ck_assert_int_eq(got.frames, 0);
	frame_dec_flush(&dec, collect, &got);
	ck_assert_uint_eq(frame_dec_held(&dec), 0);
	ck_assert_int_eq(got.frames, 1);
	ck_assert_uint_eq(got.cmd[0], FRAME_FTP_END);
	ck_assert_uint_eq(got.ndata, 5 + 2);
	ck_assert_mem_eq(got.data, "\xA5\x5A\x10\x01\x2Cok", 7);
}
END_TEST

Suite *
suite_frame(void)
{
	Suite *s = suite_create("frame");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_crc_check_value);
	tcase_add_test(tc, test_encode);
	tcase_add_test(tc, test_decode_split_anywhere);
	tcase_add_test(tc, test_decode_resync);
	tcase_add_test(tc, test_decode_random_streams);
	tcase_add_test(tc, test_flush_finds_inner_frame);
	suite_add_tcase(s, tc);
	return s;
}
