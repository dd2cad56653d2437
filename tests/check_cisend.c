/* AT+CISEND's data phase (cisend.c): Ctrl-Z sends, ESC cancels, the cap,
 * data split over reads, the bytes after the end left for the console. */
#include "config.h"

#include <string.h>

#include "cisend.h"
#include "unit.h"

static struct cisend cs;

static enum cisend_event
feed(const char *s, size_t n, size_t *used)
{
	return cisend_feed(&cs, (const uint8_t *)s, n, used);
}

START_TEST(test_ctrl_z_sends)
{
	size_t used;

	cisend_begin(&cs);
	ck_assert_int_eq(feed("ab\r\n", 4, &used), CISEND_MORE);
	ck_assert_int_eq(used, 4);
	ck_assert_int_eq(feed("c\x1a" "AT\r", 6, &used), CISEND_SEND);
	ck_assert_int_eq(used, 2);			/* "AT\r" is the console's */
	ck_assert(cisend_ok(&cs));
	ck_assert_int_eq(cs.len, 5);
	ck_assert(memcmp(cs.buf, "ab\r\nc", 5) == 0);
}
END_TEST

START_TEST(test_esc_cancels)
{
	size_t used;

	cisend_begin(&cs);
	ck_assert_int_eq(feed("abc\x1b\x1a", 5, &used), CISEND_CANCEL);
	ck_assert_int_eq(used, 4);
	/* Binary bytes other than the two ends are data, NUL included. */
	cisend_begin(&cs);
	ck_assert_int_eq(feed("\0\xff\x1c\x19\x1a", 5, &used), CISEND_SEND);
	ck_assert_int_eq(cs.len, 4);
	ck_assert(cisend_ok(&cs));
}
END_TEST

START_TEST(test_empty_is_not_ok)
{
	size_t used;

	cisend_begin(&cs);
	ck_assert_int_eq(feed("\x1a", 1, &used), CISEND_SEND);
	ck_assert_int_eq(used, 1);
	ck_assert(!cisend_ok(&cs));
}
END_TEST

/* CISEND_MAX bytes go; one more (in any split) makes the whole refused,
 * and the phase still ends at the Ctrl-Z. */
START_TEST(test_cap)
{
	static char big[CISEND_MAX + 2];
	size_t used;

	memset(big, 'x', sizeof(big));
	cisend_begin(&cs);
	big[CISEND_MAX] = '\x1a';
	ck_assert_int_eq(feed(big, CISEND_MAX + 1, &used), CISEND_SEND);
	ck_assert(cisend_ok(&cs));
	ck_assert_int_eq(cs.len, CISEND_MAX);

	cisend_begin(&cs);
	ck_assert_int_eq(feed(big, CISEND_MAX - 1, &used), CISEND_MORE);
	ck_assert_int_eq(feed("yy", 2, &used), CISEND_MORE);
	ck_assert_int_eq(used, 2);
	ck_assert_int_eq(feed("zzz\x1a", 4, &used), CISEND_SEND);
	ck_assert_int_eq(used, 4);
	ck_assert(!cisend_ok(&cs));
	ck_assert_int_eq(cs.len, CISEND_MAX);
	/* A new phase starts clean. */
	cisend_begin(&cs);
	ck_assert_int_eq(feed("k\x1a", 2, &used), CISEND_SEND);
	ck_assert(cisend_ok(&cs));
}
END_TEST

Suite *
suite_cisend(void)
{
	Suite *s = suite_create("cisend");
	TCase *tc = tcase_create("cisend");

	tcase_add_test(tc, test_ctrl_z_sends);
	tcase_add_test(tc, test_esc_cancels);
	tcase_add_test(tc, test_empty_is_not_ok);
	tcase_add_test(tc, test_cap);
	suite_add_tcase(s, tc);
	return s;
}
