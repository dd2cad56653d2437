/* The personality descriptors: console guard times per device, links,
 * dialect, names that match the settings table's choices. */
#include "config.h"

#include <stdio.h>

#include "at.h"
#include "personality.h"
#include "settings.h"
#include "unit.h"

/* {personality, baud, pack_gap_us, expected T1, T2} (PROTOCOLS.md §1;
 * seed 003 §3.1.1). */
static const struct {
	enum personality p;
	long baud, gap;
	int64_t t1, t2;
} guard_rows[] = {
	{ PERS_30X, 115200, -1, 348, 300000 },		/* four characters of 10 bits */
	{ PERS_30X, 115200, 0, 348, 300000 },		/* gap 0: still four characters */
	{ PERS_30X, 115200, 100, 348, 300000 },
	{ PERS_30X, 115200, 1000000, 1000000, 300000 },	/* T1 >= the packing gap */
	{ PERS_30X, 9600, -1, 4167, 300000 },
	{ PERS_721, 115200, 100000, 200001, 50000 },	/* T1 > 200 ms, T2 < 50 ms */
	{ PERS_721, 9600, 0, 200001, 50000 },
};

START_TEST(test_guard_times)
{
	struct settings st;
	struct console_params cp;

	settings_defaults(&st, guard_rows[_i].p);
	st.baud = guard_rows[_i].baud;
	st.pack_gap_us = guard_rows[_i].gap;
	personality_get(guard_rows[_i].p)->console_params(&st, &cp);
	ck_assert_int_eq(cp.t1_us, guard_rows[_i].t1);
	ck_assert_int_eq(cp.t2_us, guard_rows[_i].t2);
	ck_assert_int_eq(cp.wait_a_us, 3000000);
}
END_TEST

START_TEST(test_descriptors)
{
	for (int p = 0; p < PERS_COUNT; p++) {
		const struct personality_desc *d = personality_get((enum personality)p);

		ck_assert_int_eq(d->id, p);
		ck_assert_int_eq(personality_from_name(d->name), p);
		ck_assert_str_eq(personality_name((enum personality)p), d->name);
		ck_assert_ptr_nonnull(d->dialect);
		ck_assert_ptr_eq(at_dialect_for((enum personality)p), d->dialect);
		ck_assert(personality_has_mode(d, MODE_TRANSPARENT));
		ck_assert(!personality_has_mode(d, MODE_COUNT));
		ck_assert_int_eq(personality_links((enum personality)p), d->links);
	}
	ck_assert_int_eq(personality_get(PERS_30X)->links, 1);
	ck_assert_int_eq(personality_get(PERS_721)->links, LINKS_MAX);
	ck_assert_str_eq(personality_get(PERS_721)->device, "USR-GPRS232-721");
}
END_TEST

Suite *
suite_personality(void)
{
	Suite *s = suite_create("personality");
	TCase *tc = tcase_create("personality");

	tcase_add_loop_test(tc, test_guard_times, 0, (int)(sizeof(guard_rows) / sizeof(guard_rows[0])));
	tcase_add_test(tc, test_descriptors);
	suite_add_tcase(s, tc);
	return s;
}
