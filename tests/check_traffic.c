/* The traffic rings and their SVG (traffic.h): deltas of counters per
 * second, missed seconds sharing the bytes, counter resets, the 600-slot
 * wrap, the round scale, and a chart that is well-formed (balanced tags, no
 * namespace or URL), escaped and scaled. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>

#include "traffic.h"
#include "unit.h"

static struct traffic t;

START_TEST(test_sample)
{
	uint64_t c[2] = { 1000, 5 };

	traffic_init(&t, 2);
	traffic_sample(&t, 50, c, 2);		/* a baseline only */
	ck_assert_uint_eq(traffic_at(&t, 0, 0), 0);
	c[0] = 1500;
	traffic_sample(&t, 51, c, 2);
	ck_assert_uint_eq(traffic_at(&t, 0, 0), 500);
	ck_assert_uint_eq(traffic_at(&t, 1, 0), 0);
	c[0] = 1600;				/* same second: added */
	traffic_sample(&t, 51, c, 2);
	ck_assert_uint_eq(traffic_at(&t, 0, 0), 600);
	c[0] = 1900;				/* 3 s later: 100 each */
	c[1] = 6;
	traffic_sample(&t, 54, c, 2);
	ck_assert_uint_eq(traffic_at(&t, 0, 0), 100);
	ck_assert_uint_eq(traffic_at(&t, 0, 1), 100);
	ck_assert_uint_eq(traffic_at(&t, 0, 2), 100);
	ck_assert_uint_eq(traffic_at(&t, 0, 3), 600);
	ck_assert_uint_eq(traffic_at(&t, 1, 0), 1);	/* the remainder: newest */
	c[0] = 40;				/* reset by a restart */
	traffic_sample(&t, 55, c, 2);
	ck_assert_uint_eq(traffic_at(&t, 0, 0), 40);
	/* 10 minutes and more later: all older slots are gone. */
	c[0] += 7000;
	traffic_sample(&t, 55 + 700, c, 2);
	for (unsigned a = 0; a < TRAFFIC_SLOTS; a++)
		ck_assert_uint_eq(traffic_at(&t, 0, a), 10);
	ck_assert_uint_eq(traffic_at(&t, 0, TRAFFIC_SLOTS), 0);	/* out of range */
	ck_assert_uint_eq(traffic_at(&t, 5, 0), 0);
	/* More links now: starts over. */
	traffic_sample(&t, 800, (uint64_t[4]){ 1, 2, 3, 4 }, 4);
	ck_assert_int_eq(t.nseries, 4);
	ck_assert_uint_eq(traffic_at(&t, 0, 0), 0);
}
END_TEST

START_TEST(test_scale)
{
	static const struct { uint64_t max, top; } rows[] = {
		{ 0, 10 }, { 1, 10 }, { 10, 10 }, { 11, 20 }, { 20, 20 }, { 21, 50 },
		{ 51, 100 }, { 999, 1000 }, { 1001, 2000 }, { 11520, 20000 },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		ck_assert_uint_eq(traffic_scale(rows[i].max), rows[i].top);
}
END_TEST

static int
count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

START_TEST(test_svg)
{
	struct evbuffer *b = evbuffer_new();
	const int series[] = { 0, 1 };
	const char *labels[] = { "to <net>", "to \"serial\" & back" };
	uint64_t c[2] = { 0, 0 };
	static char svg[65536];
	size_t n;

	traffic_init(&t, 2);
	traffic_sample(&t, 0, c, 2);
	for (int s = 1; s <= 30; s++) {
		c[0] += 1500;				/* 1500 B/s: scale 2 kB/s */
		traffic_sample(&t, s, c, 2);
	}
	ck_assert_int_eq(traffic_svg(&t, series, labels, 2, "link1 <TCPS>", b), 0);
	n = evbuffer_copyout(b, svg, sizeof(svg) - 1);
	svg[n] = '\0';
	ck_assert_msg(strncmp(svg, "<svg ", 5) == 0 && strstr(svg, "</svg>") ==
	    svg + n - 6, "%s", svg);
	ck_assert_int_eq(count(svg, "<text"), count(svg, "</text>"));
	ck_assert_int_eq(count(svg, "<title>"), 1);
	ck_assert_int_eq(count(svg, "<path "), 2);
	ck_assert(strstr(svg, "<title>link1 &lt;TCPS&gt;</title>"));
	ck_assert(strstr(svg, "to &lt;net&gt;"));
	ck_assert(strstr(svg, "to &quot;serial&quot; &amp; back"));
	ck_assert(!strstr(svg, "<net>") && !strstr(svg, "http"));
	ck_assert_msg(strstr(svg, ">2 kB/s</text>"), "%s", svg);
	/* Scaled: 1500 of 2000 is 75 of the 100 pixels above the base line
	 * (y 124): y 49 for the last 30 s, drawn as one step. */
	ck_assert_msg(strstr(svg, "V49H670\""), "%s", svg);
	ck_assert(strstr(svg, "d=\"M70 124H640 V49H670\""));
	evbuffer_free(b);
}
END_TEST

Suite *
suite_traffic(void)
{
	Suite *s = suite_create("traffic");
	TCase *tc = tcase_create("traffic");

	tcase_add_test(tc, test_sample);
	tcase_add_test(tc, test_scale);
	tcase_add_test(tc, test_svg);
	suite_add_tcase(s, tc);
	return s;
}
