/* HTPC request text (PROTOCOLS.md §3 HTPC): percent-encoding of the frame,
 * the URL, and HTPHEAD split at <<CRLF>>. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "htpc-req.h"
#include "unit.h"

static const struct {
	const char *in;
	size_t n;
	const char *out;
} esc_rows[] = {
	{ "", 0, "" },
	{ "abcXYZ019", 9, "abcXYZ019" },
	{ "a=1&b=2", 7, "a=1&b=2" },			/* query syntax passes */
	{ "-._~!$'()*+,;:@/?", 17, "-._~!$'()*+,;:@/?" },
	{ "a b", 3, "a%20b" },
	{ "#frag", 5, "%23frag" },
	{ "\"<>\\^`{|}", 9, "%22%3C%3E%5C%5E%60%7B%7C%7D" },
	{ "\r\n\t", 3, "%0D%0A%09" },
	{ "\x00\x01\x7f\x80\xff", 5, "%00%01%7F%80%FF" },
	{ "100%", 4, "100%25" },			/* a lone % */
	{ "%4", 2, "%254" },				/* too short for an escape */
	{ "%zz", 3, "%25zz" },
	{ "%41%4a", 6, "%41%4a" },			/* the MCU's own escapes pass */
	{ "\xe4\xb8\xad", 3, "%E4%B8%AD" },		/* UTF-8 */
};

START_TEST(test_escape_rows)
{
	char buf[128];
	size_t n;

	n = htpc_req_escape((const uint8_t *)esc_rows[_i].in, esc_rows[_i].n, buf, sizeof(buf));
	ck_assert_str_eq(buf, esc_rows[_i].out);
	ck_assert_uint_eq(n, strlen(esc_rows[_i].out));
	/* Counting only. */
	ck_assert_uint_eq(htpc_req_escape((const uint8_t *)esc_rows[_i].in, esc_rows[_i].n,
	    NULL, 0), n);
}
END_TEST

START_TEST(test_escape_truncates_whole_escapes)
{
	char buf[5];

	/* "a%20b" needs 6 bytes; 5 hold "a" only: never half an escape. */
	ck_assert_uint_eq(htpc_req_escape((const uint8_t *)"a b", 3, buf, sizeof(buf)), 5);
	ck_assert_str_eq(buf, "a%20");
	ck_assert_uint_eq(htpc_req_escape((const uint8_t *)"a b", 3, buf, 4), 5);
	ck_assert_str_eq(buf, "a");
	ck_assert_uint_eq(htpc_req_escape((const uint8_t *)"ab", 2, buf, 1), 2);
	ck_assert_str_eq(buf, "");
}
END_TEST

START_TEST(test_url)
{
	char buf[256];
	int n;

	n = htpc_req_url("127.0.0.1", 8080, "/1.php?", (const uint8_t *)"a=1 b", 5, buf,
	    sizeof(buf));
	ck_assert_str_eq(buf, "http://127.0.0.1:8080/1.php?a=1%20b");
	ck_assert_int_eq(n, (int)strlen(buf));
	htpc_req_url("::1", 80, "/x", NULL, 0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "http://[::1]:80/x");
	htpc_req_url("example.com", 65535, "1.php?", (const uint8_t *)"q", 1, buf, sizeof(buf));
	ck_assert_str_eq(buf, "http://example.com:65535/1.php?q");
	/* A path that could change the authority stays a path. */
	htpc_req_url("127.0.0.1", 80, "@evil/", NULL, 0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "http://127.0.0.1:80/@evil/");
	htpc_req_url("127.0.0.1", 80, "/a b#c", NULL, 0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "http://127.0.0.1:80/a%20b%23c");
}
END_TEST

START_TEST(test_url_space)
{
	char buf[64];
	uint8_t data[100];
	size_t need;

	memset(data, 0xff, sizeof(data));
	need = htpc_req_url_len("127.0.0.1", "/p", data, sizeof(data));
	ck_assert_uint_ge(need, strlen("http://127.0.0.1:65535/p") + 300 + 1);
	ck_assert_int_eq(htpc_req_url("127.0.0.1", 1, "/p", data, sizeof(data), buf, sizeof(buf)),
	    -ENOSPC);
}
END_TEST

static const struct {
	const char *spec;
	const char *lines[4];
} hdr_rows[] = {
	{ "User_Agent: Mozilla/4.0<<CRLF>>Connection: close",
	  { "User_Agent: Mozilla/4.0", "Connection: close" } },
	{ "X-One: 1", { "X-One: 1" } },
	{ "", { NULL } },
	{ "<<CRLF>>", { NULL } },
	{ "<<CRLF>>A: 1<<CRLF>><<CRLF>>B: 2<<CRLF>>", { "A: 1", "B: 2" } },
	{ "A: <<CRLF> not a separator", { "A: <<CRLF> not a separator" } },
	{ "<<crlf>>lower", { "<<crlf>>lower" } },		/* the manual's spelling only */
};

START_TEST(test_header_rows)
{
	const char *cur = hdr_rows[_i].spec;
	char line[200];
	int k = 0;

	while (htpc_req_header_next(&cur, line, sizeof(line))) {
		ck_assert_ptr_nonnull(hdr_rows[_i].lines[k]);
		ck_assert_str_eq(line, hdr_rows[_i].lines[k]);
		k++;
	}
	ck_assert_ptr_null(hdr_rows[_i].lines[k]);
	ck_assert_int_eq(htpc_req_header_next(&cur, line, sizeof(line)), 0);
}
END_TEST

START_TEST(test_header_truncates)
{
	const char *cur = "ABCDEFGH<<CRLF>>IJ";
	char line[4];

	ck_assert_int_eq(htpc_req_header_next(&cur, line, sizeof(line)), 1);
	ck_assert_str_eq(line, "ABC");
	ck_assert_int_eq(htpc_req_header_next(&cur, line, sizeof(line)), 1);
	ck_assert_str_eq(line, "IJ");
}
END_TEST

Suite *
suite_htpc_req(void)
{
	Suite *s = suite_create("htpc_req");
	TCase *tc = tcase_create("htpc_req");

	tcase_add_loop_test(tc, test_escape_rows, 0, (int)(sizeof(esc_rows) / sizeof(esc_rows[0])));
	tcase_add_test(tc, test_escape_truncates_whole_escapes);
	tcase_add_test(tc, test_url);
	tcase_add_test(tc, test_url_space);
	tcase_add_loop_test(tc, test_header_rows, 0, (int)(sizeof(hdr_rows) / sizeof(hdr_rows[0])));
	tcase_add_test(tc, test_header_truncates);
	suite_add_tcase(s, tc);
	return s;
}
