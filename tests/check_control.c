/* The control socket's pure helpers: the value part of an AT query reply,
 * which usrbridgectl get NAME prints, in both dialects. */
#include "config.h"

#include <string.h>

#include "control.h"
#include "unit.h"

/* usrbridgectl get NAME: the value of an AT query reply in either dialect. */
START_TEST(test_at_value)
{
	static const struct { const char *reply; const char *value; } rows[] = {
		{ "\r\n+OK=V4016\r\n", "V4016" },
		{ "\r\n+OK=\r\n", "" },
		{ "\r\n+OK=a,b,c\r\n", "a,b,c" },
		{ "\r\n+CIVER: V1.0.0\r\n\r\nOK\r\n", "V1.0.0" },
		{ "\r\n+CINET: 1,0,0,0\r\n\r\nOK\r\n", "1,0,0,0" },
		{ "\r\n+OK\r\n", NULL },
		{ "\r\n+ERR=-2\r\n", NULL },
		{ "\r\nERROR\r\n", NULL },
		{ "", NULL },
	};
	char out[64];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int r = control_at_value(rows[i].reply, strlen(rows[i].reply), out, sizeof(out));

		if (!rows[i].value) {
			ck_assert_msg(r < 0, "row %zu accepted", i);
			continue;
		}
		ck_assert_msg(r == 0, "row %zu: %d", i, r);
		ck_assert_str_eq(out, rows[i].value);
	}
	ck_assert_int_lt(control_at_value("\r\n+OK=123456\r\n", 14, out, 4), 0);
}
END_TEST

Suite *
suite_control(void)
{
	Suite *s = suite_create("control");
	TCase *tc = tcase_create("helpers");

	tcase_add_test(tc, test_at_value);
	suite_add_tcase(s, tc);
	return s;
}
