/* The RFCEN baud-sync decoder (PROTOCOLS.md §3 RFCEN): the packet's
 * fields, bad sums, packets embedded in data and split across reads at every
 * position, the bounded hold, and a property test against a whole-stream
 * reference scan. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "baudsync.h"
#include "settings.h"
#include "unit.h"

static struct {
	uint8_t data[4096];
	size_t len;
	int syncs;
	struct baudsync_params last;
} out;

static void
on_data(void *arg, const uint8_t *d, size_t n)
{
	ck_assert_uint_le(out.len + n, sizeof(out.data));
	memcpy(out.data + out.len, d, n);
	out.len += n;
}

static void
on_sync(void *arg, const struct baudsync_params *p)
{
	out.syncs++;
	out.last = *p;
}

static const struct baudsync_ops ops = { .data = on_data, .sync = on_sync };

static struct baudsync bs;

static void
reset(void)
{
	memset(&out, 0, sizeof(out));
	baudsync_init(&bs, &ops, NULL);
}

static const uint8_t pkt115200[8] = { 0x55, 0xAA, 0x55, 0x01, 0xC2, 0x00, 0x03, 0xC6 };

static void
make(uint8_t p[8], long baud, uint8_t param)
{
	p[0] = 0x55;
	p[1] = 0xAA;
	p[2] = 0x55;
	p[3] = (uint8_t)(baud >> 16);
	p[4] = (uint8_t)(baud >> 8);
	p[5] = (uint8_t)baud;
	p[6] = param;
	p[7] = (uint8_t)(p[3] + p[4] + p[5] + p[6]);
}

static const struct {
	long baud;
	uint8_t param;
	int data_bits, stop_bits, parity;
} decode_rows[] = {
	{ 115200, 0x03, 8, 1, PARITY_NONE },	/* the example of PROTOCOLS.md */
	{ 9600, 0x00, 5, 1, PARITY_NONE },
	{ 9600, 0x01, 6, 1, PARITY_NONE },
	{ 9600, 0x02, 7, 1, PARITY_NONE },
	{ 9600, 0x07, 8, 2, PARITY_NONE },
	{ 19200, 0x0B, 8, 1, PARITY_ODD },	/* bits 5:4 = 00 */
	{ 19200, 0x1A, 7, 1, PARITY_EVEN },	/* 01 */
	{ 19200, 0x2B, 8, 1, PARITY_MARK },	/* 10 */
	{ 19200, 0x3B, 8, 1, PARITY_SPACE },	/* 11 */
	{ 19200, 0x33, 8, 1, PARITY_NONE },	/* type bits without bit 3: no parity */
	{ 19200, 0xC3, 8, 1, PARITY_NONE },	/* bits 7:6 ignored */
	{ 230400, 0xFF, 8, 2, PARITY_SPACE },
	{ 0xFFFFFF, 0x03, 8, 1, PARITY_NONE },	/* any 24-bit value decodes */
};

START_TEST(test_decode_rows)
{
	uint8_t p[8];
	struct baudsync_params bp;

	make(p, decode_rows[_i].baud, decode_rows[_i].param);
	ck_assert_int_eq(baudsync_decode(p, &bp), 0);
	ck_assert_int_eq(bp.baud, decode_rows[_i].baud);
	ck_assert_int_eq(bp.data_bits, decode_rows[_i].data_bits);
	ck_assert_int_eq(bp.stop_bits, decode_rows[_i].stop_bits);
	ck_assert_int_eq(bp.parity, decode_rows[_i].parity);
}
END_TEST

START_TEST(test_decode_example_and_bad)
{
	uint8_t p[8];
	struct baudsync_params bp;

	ck_assert_int_eq(baudsync_decode(pkt115200, &bp), 0);
	ck_assert_int_eq(bp.baud, 115200);
	memcpy(p, pkt115200, 8);
	p[7] ^= 1;				/* bad sum */
	ck_assert_int_eq(baudsync_decode(p, &bp), -EINVAL);
	memcpy(p, pkt115200, 8);
	p[1] = 0xAB;				/* bad magic */
	ck_assert_int_eq(baudsync_decode(p, &bp), -EINVAL);
}
END_TEST

START_TEST(test_whole_packet_is_consumed)
{
	reset();
	baudsync_input(&bs, pkt115200, 8, 0);
	ck_assert_int_eq(out.syncs, 1);
	ck_assert_int_eq(out.len, 0);
	ck_assert_int_eq(out.last.baud, 115200);
	ck_assert_int_eq(baudsync_deadline(&bs), -1);
}
END_TEST

START_TEST(test_bad_sum_is_data)
{
	uint8_t p[8];

	reset();
	memcpy(p, pkt115200, 8);
	p[7] = 0xC7;
	baudsync_input(&bs, p, 8, 0);
	ck_assert_int_eq(out.syncs, 0);
	ck_assert_int_eq(out.len, 8);
	ck_assert(memcmp(out.data, p, 8) == 0);
	ck_assert_int_eq(baudsync_deadline(&bs), -1);
}
END_TEST

START_TEST(test_embedded_in_data)
{
	uint8_t buf[32];

	reset();
	memcpy(buf, "hello", 5);
	memcpy(buf + 5, pkt115200, 8);
	memcpy(buf + 13, "world", 5);
	baudsync_input(&bs, buf, 18, 0);
	ck_assert_int_eq(out.syncs, 1);
	ck_assert_int_eq(out.len, 10);
	ck_assert(memcmp(out.data, "helloworld", 10) == 0);
}
END_TEST

/* The packet split after byte _i (2..7), with data on both sides. */
START_TEST(test_split_everywhere)
{
	uint8_t a[16], b[16];
	size_t na, nb;

	reset();
	memcpy(a, "ab", 2);
	memcpy(a + 2, pkt115200, (size_t)_i);
	na = 2 + (size_t)_i;
	memcpy(b, pkt115200 + _i, (size_t)(8 - _i));
	memcpy(b + 8 - _i, "cd", 2);
	nb = (size_t)(8 - _i) + 2;
	baudsync_input(&bs, a, na, 100);
	ck_assert_int_eq(out.len, 2);			/* the prefix is held */
	ck_assert_int_eq(baudsync_deadline(&bs), 100 + BAUDSYNC_HOLD_US);
	baudsync_input(&bs, b, nb, 200);
	ck_assert_int_eq(out.syncs, 1);
	ck_assert_int_eq(out.len, 4);
	ck_assert(memcmp(out.data, "abcd", 4) == 0);
	ck_assert_int_eq(baudsync_deadline(&bs), -1);
}
END_TEST

/* After its first two bytes, the rest may come one byte a read. */
START_TEST(test_byte_by_byte)
{
	reset();
	baudsync_input(&bs, pkt115200, 2, 0);
	for (int i = 2; i < 8; i++)
		baudsync_input(&bs, pkt115200 + i, 1, i);
	ck_assert_int_eq(out.syncs, 1);
	ck_assert_int_eq(out.len, 0);
}
END_TEST

/* A read that ends with a lone 55 is not held (baudsync.h): a 'U' typed
 * alone goes out at once; a packet split right after it is data. */
START_TEST(test_lone_55_is_not_held)
{
	uint8_t a[3] = { 'a', 'b', 0x55 };

	reset();
	baudsync_input(&bs, a, 3, 100);
	ck_assert_int_eq(out.len, 3);
	ck_assert_int_eq(baudsync_deadline(&bs), -1);
	baudsync_input(&bs, a + 2, 1, 200);
	ck_assert_int_eq(out.len, 4);
	ck_assert_int_eq(baudsync_deadline(&bs), -1);
	baudsync_input(&bs, pkt115200 + 1, 7, 300);
	ck_assert_int_eq(out.syncs, 0);
	ck_assert_uint_eq(out.len, 11);
	ck_assert(memcmp(out.data + 4, pkt115200 + 1, 7) == 0);
	/* A held prefix that fails may leave a lone 55 at the read's end. */
	reset();
	baudsync_input(&bs, (const uint8_t *)"\x55\xAA", 2, 0);
	baudsync_input(&bs, (const uint8_t *)"x\x55", 2, 1);
	ck_assert_int_eq(out.len, 4);
	ck_assert(memcmp(out.data, "\x55\xAAx\x55", 4) == 0);
	ck_assert_int_eq(baudsync_deadline(&bs), -1);
}
END_TEST

START_TEST(test_hold_expires_as_data)
{
	reset();
	baudsync_input(&bs, (const uint8_t *)"x\x55\xAA", 3, 1000);
	ck_assert_int_eq(out.len, 1);
	baudsync_expire(&bs, 1000 + BAUDSYNC_HOLD_US - 1);	/* 1 µs early */
	ck_assert_int_eq(out.len, 1);
	baudsync_expire(&bs, 1000 + BAUDSYNC_HOLD_US);
	ck_assert_int_eq(out.len, 3);
	ck_assert(memcmp(out.data, "x\x55\xAA", 3) == 0);
	ck_assert_int_eq(baudsync_deadline(&bs), -1);
	/* The rest of the packet, later, is data too. */
	baudsync_input(&bs, pkt115200 + 2, 6, 50000);
	ck_assert_int_eq(out.syncs, 0);
	ck_assert_int_eq(out.len, 9);
}
END_TEST

START_TEST(test_held_prefix_that_fails)
{
	/* "55 AA" held, then "56": no packet; everything is data, in order. */
	reset();
	baudsync_input(&bs, (const uint8_t *)"\x55\xAA", 2, 0);
	ck_assert_int_eq(out.len, 0);
	baudsync_input(&bs, (const uint8_t *)"\x56zz", 3, 1);
	ck_assert_int_eq(out.len, 5);
	ck_assert(memcmp(out.data, "\x55\xAA\x56zz", 5) == 0);
	ck_assert_int_eq(baudsync_deadline(&bs), -1);
}
END_TEST

START_TEST(test_overlapping_start)
{
	uint8_t buf[16];

	/* "55" then a real packet: the first 55 is data (at once). */
	reset();
	buf[0] = 0x55;
	memcpy(buf + 1, pkt115200, 8);
	baudsync_input(&bs, buf, 1, 0);
	baudsync_input(&bs, buf + 1, 4, 1);
	baudsync_input(&bs, buf + 5, 4, 2);
	ck_assert_int_eq(out.syncs, 1);
	ck_assert_int_eq(out.len, 1);
	ck_assert_int_eq(out.data[0], 0x55);
}
END_TEST

START_TEST(test_flush)
{
	reset();
	baudsync_input(&bs, pkt115200, 5, 0);
	baudsync_flush(&bs);
	ck_assert_int_eq(out.len, 5);
	ck_assert_int_eq(baudsync_deadline(&bs), -1);
}
END_TEST

/* Reference: a left-to-right scan of the whole stream at once. */
static void
reference(const uint8_t *d, size_t n, uint8_t *data, size_t *len, int *syncs)
{
	struct baudsync_params bp;

	*len = 0;
	*syncs = 0;
	for (size_t i = 0; i < n;) {
		if (n - i >= 8 && baudsync_decode(d + i, &bp) == 0) {
			(*syncs)++;
			i += 8;
			continue;
		}
		data[(*len)++] = d[i++];
	}
}

START_TEST(test_property_any_split)
{
	static const uint8_t alphabet[] = { 0x55, 0xAA, 0x55, 0x00, 0x01, 0xC2, 0x03, 0xC6, 'x' };
	uint32_t seed = 12345u + (uint32_t)_i;
	uint8_t stream[512], want[512];
	size_t n = 0, wlen;
	int wsync;

	/* Random data over an alphabet rich in packet bytes, with packets
	 * dropped in at random places. */
	while (n < sizeof(stream) - 8) {
		seed = seed * 1103515245u + 12345u;
		if ((seed >> 16) % 17 == 0) {
			memcpy(stream + n, pkt115200, 8);
			n += 8;
		} else {
			stream[n++] = alphabet[(seed >> 16) % sizeof(alphabet)];
		}
	}
	reference(stream, n, want, &wlen, &wsync);
	reset();
	for (size_t i = 0; i < n;) {
		size_t k;

		seed = seed * 1103515245u + 12345u;
		k = 1 + (seed >> 16) % 11;
		if (k > n - i)
			k = n - i;
		/* Never a read that ends with 55: a lone one is passed on at
		 * once (test_lone_55_is_not_held), which the reference does
		 * not model; every other split is. */
		while (i + k < n && stream[i + k - 1] == 0x55)
			k++;
		baudsync_input(&bs, stream + i, k, (int64_t)i);
		i += k;
	}
	baudsync_flush(&bs);
	ck_assert_int_eq(out.syncs, wsync);
	ck_assert_uint_eq(out.len, wlen);
	ck_assert(memcmp(out.data, want, wlen) == 0);
}
END_TEST

Suite *
suite_baudsync(void)
{
	Suite *s = suite_create("baudsync");
	TCase *tc = tcase_create("baudsync");

	tcase_add_loop_test(tc, test_decode_rows, 0, (int)(sizeof(decode_rows) / sizeof(decode_rows[0])));
	tcase_add_test(tc, test_decode_example_and_bad);
	tcase_add_test(tc, test_whole_packet_is_consumed);
	tcase_add_test(tc, test_bad_sum_is_data);
	tcase_add_test(tc, test_embedded_in_data);
	tcase_add_loop_test(tc, test_split_everywhere, 2, 8);
	tcase_add_test(tc, test_byte_by_byte);
	tcase_add_test(tc, test_lone_55_is_not_held);
	tcase_add_test(tc, test_hold_expires_as_data);
	tcase_add_test(tc, test_held_prefix_that_fails);
	tcase_add_test(tc, test_overlapping_start);
	tcase_add_test(tc, test_flush);
	tcase_add_loop_test(tc, test_property_any_split, 0, 50);
	suite_add_tcase(s, tc);
	return s;
}
