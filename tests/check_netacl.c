/* Allow-lists: CIDR parsing and matching, IPv4-mapped addresses. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "netacl.h"
#include "unit.h"

static int
allows(const char *list, const char *addr)
{
	struct netacl acl;
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	ck_assert_int_eq(netacl_parse(list, &acl), 0);
	if (strchr(addr, ':')) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		ck_assert_int_eq(inet_pton(AF_INET6, addr, &a->sin6_addr), 1);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		ck_assert_int_eq(inet_pton(AF_INET, addr, &a->sin_addr), 1);
	}
	return netacl_allows(&acl, (struct sockaddr *)&ss);
}

START_TEST(test_loopback_only)
{
	const char *lo = "127.0.0.0/8, ::1";

	ck_assert(allows(lo, "127.0.0.1"));
	ck_assert(allows(lo, "127.255.255.254"));
	ck_assert(allows(lo, "::1"));
	ck_assert(allows(lo, "::ffff:127.0.0.1"));	/* IPv4-mapped */
	ck_assert(!allows(lo, "128.0.0.1"));
	ck_assert(!allows(lo, "192.168.0.201"));	/* the 30X factory default */
	ck_assert(!allows(lo, "208.67.222.222"));	/* its DNS default */
	ck_assert(!allows(lo, "::2"));
	ck_assert(!allows(lo, "::ffff:10.0.0.1"));
}
END_TEST

START_TEST(test_everything_and_nothing)
{
	ck_assert(allows("0.0.0.0/0,::/0", "8.8.8.8"));
	ck_assert(allows("0.0.0.0/0,::/0", "2001:db8::1"));
	ck_assert(!allows("", "127.0.0.1"));
}
END_TEST

START_TEST(test_odd_prefixes)
{
	ck_assert(allows("10.0.0.0/9", "10.127.1.1"));
	ck_assert(!allows("10.0.0.0/9", "10.128.0.1"));
	ck_assert(allows("192.168.1.7/32", "192.168.1.7"));
	ck_assert(!allows("192.168.1.7/32", "192.168.1.8"));
	ck_assert(allows("2001:db8::/33", "2001:db8:7fff::1"));
	ck_assert(!allows("2001:db8::/33", "2001:db8:8000::1"));
}
END_TEST

START_TEST(test_parse_errors)
{
	struct netacl acl;

	ck_assert_int_lt(netacl_parse("127.0.0.1/33", &acl), 0);
	ck_assert_int_lt(netacl_parse("localhost", &acl), 0);
	ck_assert_int_lt(netacl_parse("127.0.0.1,,::1", &acl), 0);
	ck_assert_int_lt(netacl_parse("127.0.0.1,", &acl), 0);
	ck_assert_int_lt(netacl_parse("127.0.0.1/-1", &acl), 0);
	ck_assert_int_lt(netacl_parse("1.2.3.4/8x", &acl), 0);
}
END_TEST

Suite *
suite_netacl(void)
{
	Suite *s = suite_create("netacl");
	TCase *tc = tcase_create("netacl");

	tcase_add_test(tc, test_loopback_only);
	tcase_add_test(tc, test_everything_and_nothing);
	tcase_add_test(tc, test_odd_prefixes);
	tcase_add_test(tc, test_parse_errors);
	suite_add_tcase(s, tc);
	return s;
}
