/* Failed-login throttling (throttle.h): free failures, the doubling delay and
 * its cap, one burst per quiet period, per address not per port, a success
 * forgetting, IPv4-mapped IPv6 as IPv4, and the bounded table evicting the
 * source that failed longest ago. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "throttle.h"
#include "unit.h"

#define S 1000000LL

static struct throttle t;

static const struct sockaddr *
v4(const char *a, int port)
{
	static struct sockaddr_in sin[4];
	static int n;
	struct sockaddr_in *s = &sin[n++ % 4];

	memset(s, 0, sizeof(*s));
	s->sin_family = AF_INET;
	s->sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, a, &s->sin_addr);
	return (const struct sockaddr *)s;
}

START_TEST(test_backoff)
{
	const struct sockaddr *a = v4("127.0.0.1", 1000);
	int64_t now = 100 * S;

	memset(&t, 0, sizeof(t));
	ck_assert_int_eq(throttle_wait(&t, a, now), 0);
	ck_assert_int_eq(throttle_fail(&t, a, now), 1);		/* a burst starts */
	ck_assert_int_eq(throttle_wait(&t, a, now), 0);
	ck_assert_int_eq(throttle_fail(&t, v4("127.0.0.1", 1001), now), 0);	/* same source */
	for (int i = 2; i < THROTTLE_FREE; i++)
		ck_assert_int_eq(throttle_fail(&t, a, now), 0);
	ck_assert_int_eq(throttle_wait(&t, a, now), 0);		/* all free so far */
	ck_assert_int_eq(throttle_fail(&t, a, now), 0);		/* the next: 1 s */
	ck_assert_int_eq(throttle_wait(&t, v4("127.0.0.1", 2000), now), 1 * S);
	ck_assert_int_eq(throttle_wait(&t, v4("127.0.0.2", 2000), now), 0);	/* another */
	now += S;
	ck_assert_int_eq(throttle_wait(&t, a, now), 0);
	throttle_fail(&t, a, now);
	ck_assert_int_eq(throttle_wait(&t, a, now), 2 * S);
	for (int i = 0; i < 20; i++)
		ck_assert_int_eq(throttle_fail(&t, a, now += 40 * S), 0);	/* one burst */
	ck_assert_int_eq(throttle_wait(&t, a, now), THROTTLE_CAP_US);	/* capped */
	/* A good login forgets; the next failure is a new burst. */
	throttle_ok(&t, a);
	ck_assert_int_eq(throttle_wait(&t, a, now), 0);
	ck_assert_int_eq(throttle_fail(&t, a, now), 1);
	/* Quiet for long enough: a new burst, free again. */
	now += THROTTLE_QUIET_US;
	ck_assert_int_eq(throttle_fail(&t, a, now), 1);
	ck_assert_int_eq(throttle_wait(&t, a, now), 0);
}
END_TEST

START_TEST(test_mapped_and_bounded)
{
	struct sockaddr_in6 m = { .sin6_family = AF_INET6 };
	int64_t now = 10 * S;
	char ip[32];

	memset(&t, 0, sizeof(t));
	inet_pton(AF_INET6, "::ffff:10.1.2.3", &m.sin6_addr);
	for (int i = 0; i <= THROTTLE_FREE; i++)
		throttle_fail(&t, v4("10.1.2.3", 5), now);
	ck_assert_int_gt(throttle_wait(&t, (const struct sockaddr *)&m, now), 0);
	/* THROTTLE_SLOTS other sources, later: the first one is evicted, the
	 * table never grows. */
	for (int i = 0; i < THROTTLE_SLOTS; i++) {
		snprintf(ip, sizeof(ip), "10.9.%d.%d", i / 200, i % 200 + 1);
		ck_assert_int_eq(throttle_fail(&t, v4(ip, 1), now + 1 + i), 1);
	}
	ck_assert_int_eq(throttle_wait(&t, v4("10.1.2.3", 5), now), 0);
	ck_assert_int_eq(throttle_fail(&t, NULL, now), 0);	/* no address: ignored */
	ck_assert_int_eq(throttle_wait(&t, NULL, now), 0);
}
END_TEST

Suite *
suite_throttle(void)
{
	Suite *s = suite_create("throttle");
	TCase *tc = tcase_create("throttle");

	tcase_add_test(tc, test_backoff);
	tcase_add_test(tc, test_mapped_and_bounded);
	suite_add_tcase(s, tc);
	return s;
}
