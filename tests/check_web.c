/* The web page's pure helpers: Base64 of the Authorization header, the
 * Basic credential check, and the same-origin rule for form posts. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "unit.h"
#include "web.h"

START_TEST(test_base64)
{
	static const struct { const char *in; const char *out; int n; } rows[] = {
		{ "", "", 0 },
		{ "YQ==", "a", 1 },
		{ "YWI=", "ab", 2 },
		{ "YWJj", "abc", 3 },
		{ "YWRtaW46YWRtaW4=", "admin:admin", 11 },
		{ "/+/+", "\xff\xef\xfe", 3 },
		{ "YQ", NULL, -EINVAL },	/* not a multiple of 4 */
		{ "Y===", NULL, -EINVAL },	/* three pads */
		{ "YQ==YQ==", NULL, -EINVAL },	/* pad inside */
		{ "Y!==", NULL, -EINVAL },
		{ "YW=j", NULL, -EINVAL },
	};
	uint8_t out[16];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int n = web_base64_decode(rows[i].in, out, sizeof(out));

		ck_assert_msg(n == rows[i].n, "'%s': %d", rows[i].in, n);
		if (n > 0)
			ck_assert_mem_eq(out, rows[i].out, (size_t)n);
	}
	ck_assert_int_eq(web_base64_decode("YWJjZA==", out, 3), -ENOSPC);
}
END_TEST

START_TEST(test_auth)
{
	ck_assert(web_auth_ok("Basic YWRtaW46YWRtaW4=", "admin", "admin"));
	ck_assert(web_auth_ok("basic  YWRtaW46YWRtaW4=", "admin", "admin"));
	ck_assert(!web_auth_ok("Basic YWRtaW46YWRtaW4=", "admin", "admi"));
	ck_assert(!web_auth_ok("Basic YWRtaW46YWRtaW4=", "admi", "admin"));
	ck_assert(!web_auth_ok("Basic YWRtaW46YWRtaW4=", "admin", "admin1"));
	ck_assert(!web_auth_ok("Bearer YWRtaW46YWRtaW4=", "admin", "admin"));
	ck_assert(!web_auth_ok("Basic", "admin", "admin"));
	ck_assert(!web_auth_ok(NULL, "admin", "admin"));
	ck_assert(!web_auth_ok("Basic !!!!", "admin", "admin"));
	/* ":" alone is user "" and password "": never configured (1-5 bytes). */
	ck_assert(!web_auth_ok("Basic Og==", "a", "b"));
	/* Overlong headers are refused before decoding. */
	{
		char big[400];

		memset(big, 'Q', sizeof(big));
		memcpy(big, "Basic ", 6);
		big[sizeof(big) - 1] = '\0';
		ck_assert(!web_auth_ok(big, "admin", "admin"));
	}
}
END_TEST

START_TEST(test_same_origin)
{
	ck_assert(web_same_origin(NULL, NULL, "127.0.0.1:80"));
	ck_assert(web_same_origin("http://127.0.0.1:80", NULL, "127.0.0.1:80"));
	ck_assert(web_same_origin(NULL, "http://127.0.0.1:80/settings", "127.0.0.1:80"));
	ck_assert(!web_same_origin("http://127.0.0.1:8080", NULL, "127.0.0.1:80"));
	ck_assert(!web_same_origin("http://127.0.0.1:80.evil.com", NULL, "127.0.0.1:80"));
	ck_assert(!web_same_origin("http://evil.com", "http://127.0.0.1:80/", "127.0.0.1:80"));
	ck_assert(!web_same_origin("null", NULL, "127.0.0.1:80"));
	ck_assert(!web_same_origin("http://a", NULL, NULL));
}
END_TEST

Suite *
suite_web(void)
{
	Suite *s = suite_create("web");
	TCase *tc = tcase_create("helpers");

	tcase_add_test(tc, test_base64);
	tcase_add_test(tc, test_auth);
	tcase_add_test(tc, test_same_origin);
	suite_add_tcase(s, tc);
	return s;
}
