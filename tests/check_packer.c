/* The packer: gap and length edges, gap 0 (PROTOCOLS.md §2). */
#include "config.h"

#include <string.h>

#include "packer.h"
#include "unit.h"

static struct {
	uint8_t data[8192];
	size_t len;
	size_t sizes[64];
	int frames;
} out;

static void
emit(const uint8_t *f, size_t n, void *arg)
{
	memcpy(out.data + out.len, f, n);
	out.len += n;
	out.sizes[out.frames++] = n;
}

static struct packer p;

static void
setup_gap(size_t max, int64_t gap)
{
	memset(&out, 0, sizeof(out));
	ck_assert_int_eq(packer_init(&p, max, gap, emit, NULL), 0);
}

static void
teardown(void)
{
	packer_free(&p);
}

START_TEST(test_gap_closes_frame)
{
	setup_gap(400, 350);
	packer_push(&p, (const uint8_t *)"abc", 3, 1000);
	ck_assert_int_eq(out.frames, 0);
	ck_assert_int_eq(packer_deadline(&p), 1350);
	packer_expire(&p, 1349);		/* one µs short of the gap */
	ck_assert_int_eq(out.frames, 0);
	packer_expire(&p, 1350);		/* exactly the gap */
	ck_assert_int_eq(out.frames, 1);
	ck_assert_int_eq(out.sizes[0], 3);
	ck_assert_int_eq(packer_deadline(&p), -1);
	teardown();
}
END_TEST

START_TEST(test_bytes_within_gap_join)
{
	setup_gap(400, 350);
	packer_push(&p, (const uint8_t *)"ab", 2, 1000);
	packer_expire(&p, 1200);
	packer_push(&p, (const uint8_t *)"cd", 2, 1300);	/* gap 300 < 350 */
	ck_assert_int_eq(packer_deadline(&p), 1650);	/* measured from the last byte */
	packer_expire(&p, 1649);
	ck_assert_int_eq(out.frames, 0);
	packer_expire(&p, 1650);
	ck_assert_int_eq(out.frames, 1);
	ck_assert_int_eq(out.sizes[0], 4);
	ck_assert(memcmp(out.data, "abcd", 4) == 0);
	teardown();
}
END_TEST

START_TEST(test_length_edges)
{
	uint8_t buf[1000];

	for (int i = 0; i < 1000; i++)
		buf[i] = (uint8_t)i;
	setup_gap(400, 350);
	packer_push(&p, buf, 399, 0);			/* length - 1: waits */
	ck_assert_int_eq(out.frames, 0);
	packer_push(&p, buf + 399, 1, 0);		/* exactly the length */
	ck_assert_int_eq(out.frames, 1);
	ck_assert_int_eq(out.sizes[0], 400);
	packer_push(&p, buf + 400, 401, 0);		/* length + 1 */
	ck_assert_int_eq(out.frames, 2);
	ck_assert_int_eq(out.sizes[1], 400);
	packer_flush(&p);
	ck_assert_int_eq(out.frames, 3);
	ck_assert_int_eq(out.sizes[2], 1);
	ck_assert_int_eq(out.len, 801);
	ck_assert(memcmp(out.data, buf, 801) == 0);
	teardown();
}
END_TEST

START_TEST(test_pending_then_long_push_keeps_order)
{
	uint8_t buf[1000];

	for (int i = 0; i < 1000; i++)
		buf[i] = (uint8_t)(i * 7);
	setup_gap(100, 350);
	packer_push(&p, buf, 30, 0);
	packer_push(&p, buf + 30, 250, 10);		/* fills 70, then 100, then 80 pending */
	ck_assert_int_eq(out.frames, 2);
	ck_assert_int_eq(out.sizes[0], 100);
	ck_assert_int_eq(out.sizes[1], 100);
	ck_assert_int_eq(packer_deadline(&p), 360);
	packer_expire(&p, 360);
	ck_assert_int_eq(out.sizes[2], 80);
	ck_assert(memcmp(out.data, buf, 280) == 0);
	teardown();
}
END_TEST

START_TEST(test_gap_zero_sends_each_read)
{
	setup_gap(400, 0);
	packer_push(&p, (const uint8_t *)"a", 1, 0);
	ck_assert_int_eq(out.frames, 1);
	packer_push(&p, (const uint8_t *)"bc", 2, 0);
	ck_assert_int_eq(out.frames, 2);
	ck_assert_int_eq(out.sizes[1], 2);
	ck_assert_int_eq(packer_deadline(&p), -1);
	teardown();
}
END_TEST

START_TEST(test_gap_zero_still_cuts_by_length)
{
	uint8_t buf[900] = { 0 };

	setup_gap(400, 0);
	packer_push(&p, buf, 900, 0);
	ck_assert_int_eq(out.frames, 3);
	ck_assert_int_eq(out.sizes[0], 400);
	ck_assert_int_eq(out.sizes[1], 400);
	ck_assert_int_eq(out.sizes[2], 100);
	teardown();
}
END_TEST

START_TEST(test_init_rejects_zero_length)
{
	struct packer q;

	ck_assert_int_lt(packer_init(&q, 0, 0, emit, NULL), 0);
}
END_TEST

Suite *
suite_packer(void)
{
	Suite *s = suite_create("packer");
	TCase *tc = tcase_create("packer");

	tcase_add_test(tc, test_gap_closes_frame);
	tcase_add_test(tc, test_bytes_within_gap_join);
	tcase_add_test(tc, test_length_edges);
	tcase_add_test(tc, test_pending_then_long_push_keeps_order);
	tcase_add_test(tc, test_gap_zero_sends_each_read);
	tcase_add_test(tc, test_gap_zero_still_cuts_by_length);
	tcase_add_test(tc, test_init_rejects_zero_length);
	suite_add_tcase(s, tc);
	return s;
}
