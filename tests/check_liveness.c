/* The 721's liveness decisions (liveness.h), row by row: heartbeat sends
 * that fail (more than 3 in a row), ticks with nothing acknowledged (3 in
 * a row), and RTIME (below 600 s: off). */
#include "config.h"

#include "liveness.h"
#include "unit.h"
#include "util.h"

/* A sequence of heartbeat send results and the verdict after each. */
/* A sequence of heartbeat send results (rc, and whether the socket was
 * full) and the verdict after each. */
static const struct {
	const char *name;
	int rc[8];
	int full[8];
	int n;
	enum liveness_verdict want[8];
} sends[] = {
	{ "all sent", { 0, 0, 0, 0, 0 }, { 0 }, 5, { 0, 0, 0, 0, 0 } },
	{ "three failures are not more than three", { -105, -105, -105 }, { 0 }, 3, { 0, 0, 0 } },
	{ "the fourth failure in a row", { -105, -105, -105, -105 }, { 0 }, 4,
	  { 0, 0, 0, LIVENESS_SEND_FAILED } },
	{ "a success starts the count again", { -105, -105, -105, 0, -105, -105, -105, -105 },
	  { 0 }, 8, { 0, 0, 0, 0, 0, 0, 0, LIVENESS_SEND_FAILED } },
	{ "not connected counts as failed", { -107, -107, -107, -107 }, { 0 }, 4,
	  { 0, 0, 0, LIVENESS_SEND_FAILED } },
	{ "queued behind data the socket does not take", { 0, 0, 0, 0 }, { 1, 1, 1, 1 }, 4,
	  { 0, 0, 0, LIVENESS_SEND_FAILED } },
	{ "the socket takes data again", { 0, -105, 0, 0, 0 }, { 1, 0, 1, 0, 1 }, 5,
	  { 0, 0, 0, 0, 0 } },
};

START_TEST(test_heart_sent)
{
	struct liveness lv = { 0 };

	for (int k = 0; k < sends[_i].n; k++)
		ck_assert_msg(liveness_heart_sent(&lv, sends[_i].rc[k], sends[_i].full[k]) ==
		    sends[_i].want[k], "%s: send %d", sends[_i].name, k + 1);
}
END_TEST

/* Ticks of a 10 s interval: what TCP_INFO says at each and the verdict. */
#define T(unacked, outq, ms) { unacked, outq, ms, 0 }
static const struct {
	const char *name;
	struct liveness_acks a[5];
	int known[5];
	int n;
	enum liveness_verdict want[5];
} ticks[] = {
	{ "idle connection: nothing in flight", { T(0, 0, 900000), T(0, 0, 910000),
	  T(0, 0, 920000), T(0, 0, 930000) }, { 1, 1, 1, 1 }, 4, { 0, 0, 0, 0 } },
	{ "acknowledged within the interval", { T(1, 10, 50), T(1, 10, 9999), T(2, 20, 10),
	  T(1, 5, 0) }, { 1, 1, 1, 1 }, 4, { 0, 0, 0, 0 } },
	{ "three intervals with nothing acknowledged", { T(1, 4, 10000), T(2, 8, 20000),
	  T(3, 12, 30000) }, { 1, 1, 1 }, 3, { 0, 0, LIVENESS_STALLED } },
	{ "an ACK in between starts the count again", { T(1, 4, 10000), T(2, 8, 20000),
	  T(2, 8, 300), T(2, 8, 10300), T(3, 9, 20300) }, { 1, 1, 1, 1, 1 }, 5,
	  { 0, 0, 0, 0, 0 } },
	{ "zero window, the probes answered", { T(0, 65536, 200), T(0, 65536, 3000),
	  T(0, 65536, 10), T(0, 65536, 9000) }, { 1, 1, 1, 1 }, 4, { 0, 0, 0, 0 } },
	{ "route gone: queued, not sent, no ACK", { T(0, 6, 10000), T(0, 8, 20000),
	  T(0, 10, 30000) }, { 1, 1, 1 }, 3, { 0, 0, LIVENESS_STALLED } },
	{ "unknown (not connected) starts again", { T(1, 4, 10000), T(2, 8, 20000),
	  T(0, 0, 0), T(1, 4, 10000), T(2, 8, 20000) }, { 1, 1, 0, 1, 1 }, 5,
	  { 0, 0, 0, 0, 0 } },
};
#undef T

START_TEST(test_tick)
{
	struct liveness lv = { 0 };

	for (int k = 0; k < ticks[_i].n; k++)
		ck_assert_msg(liveness_tick(&lv, ticks[_i].known[k] ? &ticks[_i].a[k] : NULL,
		    10000) == ticks[_i].want[k], "%s: tick %d", ticks[_i].name, k + 1);
}
END_TEST

/* RTIME: the row's value, the data's age in s, µs left (-1 off). */
static const struct {
	long rtime;
	int64_t age_s;
	int64_t left_us;
} idle[] = {
	{ 0, 0, -1 },
	{ 1, 5, -1 },
	{ 599, 10000, -1 },		/* min - 1: off, however long idle */
	{ 600, 0, 600000000 },		/* min */
	{ 600, 599, 1000000 },
	{ 600, 600, 0 },		/* due */
	{ 600, 100000, 0 },
	{ 601, 1, 600000000 },
	{ 65535, 35, 65500000000 },	/* max */
};

START_TEST(test_idle_left)
{
	const int64_t now = 1000000000000;

	ck_assert_msg(liveness_idle_left(idle[_i].rtime, now - idle[_i].age_s * 1000000, now) ==
	    idle[_i].left_us, "RTIME %ld, idle %lld s", idle[_i].rtime,
	    (long long)idle[_i].age_s);
}
END_TEST

START_TEST(test_verdict_text)
{
	ck_assert_str_eq(liveness_verdict_text(LIVENESS_SEND_FAILED),
	    "more than 3 heartbeats could not be sent");
	ck_assert_str_eq(liveness_verdict_text(LIVENESS_STALLED),
	    "nothing acknowledged for 3 heartbeat intervals");
}
END_TEST

Suite *
suite_liveness(void)
{
	Suite *s = suite_create("liveness");
	TCase *tc = tcase_create("liveness");

	tcase_add_loop_test(tc, test_heart_sent, 0, (int)ARRAY_SIZE(sends));
	tcase_add_loop_test(tc, test_tick, 0, (int)ARRAY_SIZE(ticks));
	tcase_add_loop_test(tc, test_idle_left, 0, (int)ARRAY_SIZE(idle));
	tcase_add_test(tc, test_verdict_text);
	suite_add_tcase(s, tc);
	return s;
}
