/* The offline cache (cache.h): order, eviction at the bound, counters, a
 * frame larger than the bound, clear, and a flush the link refuses. */
#include "config.h"

#include <string.h>

#include "cache.h"
#include "unit.h"

/* What the fake link took: the frames joined, their sizes, and how many
 * it takes before refusing (-1: all). */
static struct {
	uint8_t data[4096];
	size_t len;
	size_t sizes[64];
	int frames;
	int take;
} sent;

static int
fake_send(void *arg, const uint8_t *d, size_t n)
{
	ck_assert_ptr_eq(arg, &sent);
	if (sent.take == 0)
		return -1;
	if (sent.take > 0)
		sent.take--;
	ck_assert_uint_le(sent.len + n, sizeof(sent.data));
	ck_assert_int_lt(sent.frames, 64);
	memcpy(sent.data + sent.len, d, n);
	sent.len += n;
	sent.sizes[sent.frames++] = n;
	return 0;
}

static struct cache c;

static void
setup(size_t max)
{
	memset(&sent, 0, sizeof(sent));
	sent.take = -1;
	ck_assert_int_eq(cache_init(&c, max), 0);
}

static void
add(const char *s)
{
	cache_append(&c, (const uint8_t *)s, strlen(s));
}

START_TEST(test_order_kept)
{
	setup(100);
	add("one");
	add("two");
	add("three");
	ck_assert_uint_eq(c.bytes, 11);
	ck_assert_int_eq(cache_flush(&c, fake_send, &sent), 1);
	ck_assert_int_eq(sent.frames, 3);
	ck_assert_uint_eq(sent.sizes[0], 3);
	ck_assert_uint_eq(sent.sizes[2], 5);
	ck_assert_int_eq(memcmp(sent.data, "onetwothree", 11), 0);
	ck_assert_uint_eq(c.bytes, 0);
	ck_assert_uint_eq(c.bytes_in, 11);
	ck_assert_uint_eq(c.dropped, 0);
	cache_free(&c);
}
END_TEST

START_TEST(test_evicts_oldest_at_bound)
{
	setup(10);
	add("aaaa");
	add("bbbb");
	ck_assert_uint_eq(c.bytes, 8);
	add("cc");			/* exactly the bound: nothing evicted */
	ck_assert_uint_eq(c.bytes, 10);
	ck_assert_uint_eq(c.dropped, 0);
	add("d");			/* one past: the oldest frame goes whole */
	ck_assert_uint_eq(c.bytes, 7);
	ck_assert_uint_eq(c.dropped, 4);
	ck_assert_uint_eq(c.bytes_in, 11);
	ck_assert_int_eq(cache_flush(&c, fake_send, &sent), 1);
	ck_assert_int_eq(sent.frames, 3);
	ck_assert_int_eq(memcmp(sent.data, "bbbbccd", 7), 0);
	cache_free(&c);
}
END_TEST

START_TEST(test_frame_larger_than_bound)
{
	setup(4);
	add("ab");
	add("toolong");			/* > max: dropped, the rest kept */
	ck_assert_uint_eq(c.bytes, 2);
	ck_assert_uint_eq(c.dropped, 7);
	ck_assert_uint_eq(c.bytes_in, 9);
	add("abcd");			/* == max: evicts everything else */
	ck_assert_uint_eq(c.bytes, 4);
	ck_assert_uint_eq(c.dropped, 9);
	ck_assert_int_eq(cache_flush(&c, fake_send, &sent), 1);
	ck_assert_int_eq(sent.frames, 1);
	ck_assert_int_eq(memcmp(sent.data, "abcd", 4), 0);
	cache_free(&c);
}
END_TEST

START_TEST(test_clear_counts)
{
	setup(100);
	add("xyz");
	add("12");
	cache_clear(&c);
	ck_assert_uint_eq(c.bytes, 0);
	ck_assert_uint_eq(c.cleared, 5);
	ck_assert_uint_eq(c.dropped, 0);
	ck_assert_int_eq(cache_flush(&c, fake_send, &sent), 1);
	ck_assert_int_eq(sent.frames, 0);
	add("q");			/* usable after a clear */
	ck_assert_int_eq(cache_flush(&c, fake_send, &sent), 1);
	ck_assert_int_eq(sent.frames, 1);
	cache_free(&c);
}
END_TEST

START_TEST(test_refused_flush_keeps_rest)
{
	setup(100);
	add("a1");
	add("b2");
	add("c3");
	sent.take = 1;
	ck_assert_int_eq(cache_flush(&c, fake_send, &sent), 0);
	ck_assert_int_eq(sent.frames, 1);
	ck_assert_uint_eq(c.bytes, 4);
	add("d4");
	sent.take = -1;
	ck_assert_int_eq(cache_flush(&c, fake_send, &sent), 1);
	ck_assert_int_eq(memcmp(sent.data, "a1b2c3d4", 8), 0);
	cache_free(&c);
}
END_TEST

/* Many small records across evbuffer chains: each frame reaches the
 * sender whole and in order. */
static int seen;

static int
check_send(void *arg, const uint8_t *d, size_t n)
{
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(d[0], 'a' + seen % 26);
	ck_assert_int_eq(d[1], '0' + seen % 10);
	seen++;
	return 0;
}

START_TEST(test_many_records)
{
	uint8_t f[2];

	setup(1000);
	for (int i = 0; i < 600; i++) {
		f[0] = (uint8_t)('a' + i % 26);
		f[1] = (uint8_t)('0' + i % 10);
		cache_append(&c, f, sizeof(f));
	}
	ck_assert_uint_eq(c.bytes, 1000);
	ck_assert_uint_eq(c.dropped, 200);
	seen = 100;			/* the first 100 frames were evicted */
	ck_assert_int_eq(cache_flush(&c, check_send, NULL), 1);
	ck_assert_int_eq(seen, 600);
	cache_free(&c);
}
END_TEST

START_TEST(test_free_zeroed)
{
	struct cache z;

	memset(&z, 0, sizeof(z));
	cache_free(&z);
}
END_TEST

Suite *
suite_cache(void)
{
	Suite *s = suite_create("cache");
	TCase *tc = tcase_create("cache");

	tcase_add_test(tc, test_order_kept);
	tcase_add_test(tc, test_evicts_oldest_at_bound);
	tcase_add_test(tc, test_frame_larger_than_bound);
	tcase_add_test(tc, test_clear_counts);
	tcase_add_test(tc, test_refused_flush_keeps_rest);
	tcase_add_test(tc, test_many_records);
	tcase_add_test(tc, test_free_zeroed);
	suite_add_tcase(s, tc);
	return s;
}
