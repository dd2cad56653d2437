/* Password-AT frame detection (PROTOCOLS.md §4): exact password, "AT" in
 * any case, trailing line endings, one line per frame, the length cap. */
#include "config.h"

#include <string.h>

#include "at.h"
#include "pwat.h"
#include "unit.h"

static const struct {
	const char *password;
	const char *frame;
	size_t n;			/* 0: strlen(frame) */
	enum pwat_kind want;
	const char *line;		/* the command line of PWAT_COMMAND */
} rows[] = {
	{ "usr.cn#", "usr.cn#AT+CIVER?", 0, PWAT_COMMAND, "AT+CIVER?" },
	{ "usr.cn#", "usr.cn#AT", 0, PWAT_COMMAND, "AT" },
	{ "usr.cn#", "usr.cn#at+civer?", 0, PWAT_COMMAND, "at+civer?" },
	{ "usr.cn#", "usr.cn#aT+CIVER?", 0, PWAT_COMMAND, "aT+CIVER?" },
	{ "usr.cn#", "usr.cn#AT+CIVER?\r", 0, PWAT_COMMAND, "AT+CIVER?" },
	{ "usr.cn#", "usr.cn#AT+CIVER?\n", 0, PWAT_COMMAND, "AT+CIVER?" },
	{ "usr.cn#", "usr.cn#AT+CIVER?\r\n", 0, PWAT_COMMAND, "AT+CIVER?" },
	{ "usr.cn#", "usr.cn#AT+CIVER?\n\r", 0, PWAT_COMMAND, "AT+CIVER?" },
	{ "usr.cn#", "usr.cn#AT+CIVER?\r\n\r\n", 0, PWAT_COMMAND, "AT+CIVER?" },
	{ "usr.cn#", "usr.cn#ATE1 ", 0, PWAT_COMMAND, "ATE1 " },	/* the parser trims */
	/* Ordinary data: forwarded. */
	{ "usr.cn#", "usr.cn#", 0, PWAT_DATA, NULL },
	{ "usr.cn#", "usr.cn#A", 0, PWAT_DATA, NULL },
	{ "usr.cn#", "usr.cn# AT", 0, PWAT_DATA, NULL },
	{ "usr.cn#", "USR.CN#AT", 0, PWAT_DATA, NULL },		/* the password is exact */
	{ "usr.cn#", "usr.cn", 0, PWAT_DATA, NULL },
	{ "usr.cn#", "xusr.cn#AT", 0, PWAT_DATA, NULL },	/* a prefix, not anywhere */
	{ "usr.cn#", "usr.cn#XT", 0, PWAT_DATA, NULL },
	{ "usr.cn#", "AT+CIVER?", 0, PWAT_DATA, NULL },
	{ "usr.cn#", "", 0, PWAT_DATA, NULL },
	{ "", "AT+CIVER?", 0, PWAT_DATA, NULL },		/* no password: nothing */
	{ "12345678901", "12345678901AT", 0, PWAT_COMMAND, "AT" },	/* 11 bytes */
	{ "12345678901", "1234567890AT", 0, PWAT_DATA, NULL },
	/* Password and AT, but nothing to run: ERROR. */
	{ "usr.cn#", "usr.cn#AT+CIVER?\r\nAT\r\n", 0, PWAT_MALFORMED, NULL },
	{ "usr.cn#", "usr.cn#AT\rX", 0, PWAT_MALFORMED, NULL },
	{ "usr.cn#", "usr.cn#AT\nX", 0, PWAT_MALFORMED, NULL },
	{ "usr.cn#", "usr.cn#AT\0X", 10, PWAT_MALFORMED, NULL },
};

START_TEST(test_rows)
{
	const char *line;
	size_t len, n = rows[_i].n ? rows[_i].n : strlen(rows[_i].frame);
	enum pwat_kind k = pwat_match(rows[_i].password, (const uint8_t *)rows[_i].frame, n,
	    &line, &len);

	ck_assert_msg(k == rows[_i].want, "row %d (%s): %d, want %d", _i, rows[_i].frame, k,
	    rows[_i].want);
	if (k != PWAT_COMMAND) {
		ck_assert_ptr_null(line);
		return;
	}
	ck_assert_int_eq(len, strlen(rows[_i].line));
	ck_assert(memcmp(line, rows[_i].line, len) == 0);
	/* The line is inside the frame, right after the password. */
	ck_assert_ptr_eq(line, rows[_i].frame + strlen(rows[_i].password));
}
END_TEST

/* The line cap of PROTOCOLS.md §1: AT_LINE_MAX bytes run, one more is
 * ERROR; trailing line endings do not count. */
START_TEST(test_length_cap)
{
	static char f[7 + AT_LINE_MAX + 8];
	const char *line;
	size_t len;

	memcpy(f, "usr.cn#AT", 9);
	memset(f + 9, 'X', sizeof(f) - 9);
	ck_assert_int_eq(pwat_match("usr.cn#", (uint8_t *)f, 7 + AT_LINE_MAX, &line, &len),
	    PWAT_COMMAND);
	ck_assert_int_eq(len, AT_LINE_MAX);
	memcpy(f + 7 + AT_LINE_MAX, "\r\n\r\n", 4);
	ck_assert_int_eq(pwat_match("usr.cn#", (uint8_t *)f, 7 + AT_LINE_MAX + 4, &line, &len),
	    PWAT_COMMAND);
	ck_assert_int_eq(len, AT_LINE_MAX);
	f[7 + AT_LINE_MAX] = 'X';
	ck_assert_int_eq(pwat_match("usr.cn#", (uint8_t *)f, 7 + AT_LINE_MAX + 1, &line, &len),
	    PWAT_MALFORMED);
	ck_assert_ptr_null(line);
}
END_TEST

Suite *
suite_pwat(void)
{
	Suite *s = suite_create("pwat");
	TCase *tc = tcase_create("pwat");

	tcase_add_loop_test(tc, test_rows, 0, sizeof(rows) / sizeof(rows[0]));
	tcase_add_test(tc, test_length_cap);
	suite_add_tcase(s, tc);
	return s;
}
