/* The control socket: its request handling needs an instance until control
 * takes a narrow host interface (REVIEW.md §2), so it is tested over the
 * real binary (tests/integration/test_control.py). The AT values that
 * "usrbridgectl get" prints are structured (check_at.c test_submit), no
 * longer scraped from reply bytes. */
#include "config.h"

#include "control.h"
#include "unit.h"

Suite *
suite_control(void)
{
	Suite *s = suite_create("control");
	TCase *tc = tcase_create("helpers");

	suite_add_tcase(s, tc);
	return s;
}
