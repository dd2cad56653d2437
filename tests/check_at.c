/* The AT command tables: sorted, free of duplicates (ntpd lookup()), every
 * field a setting of the personality, and every run-time setting of the
 * 30X reachable by some command. */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "at.h"
#include "settings.h"
#include "unit.h"

START_TEST(test_sorted_unique)
{
	const struct at_dialect *d = &at_dialect_30x;

	for (size_t i = 1; i < d->ncmds; i++)
		ck_assert_msg(strcasecmp(d->cmds[i - 1].name, d->cmds[i].name) < 0,
		    "%s before %s", d->cmds[i - 1].name, d->cmds[i].name);
}
END_TEST

START_TEST(test_find_every_command)
{
	const struct at_dialect *d = &at_dialect_30x;

	for (size_t i = 0; i < d->ncmds; i++) {
		char lower[32];
		ck_assert_ptr_eq(at_find(d, d->cmds[i].name), &d->cmds[i]);
		size_t n = strlen(d->cmds[i].name);

		for (size_t k = 0; k < n; k++)
			lower[k] = (char)(d->cmds[i].name[k] | 0x20);
		lower[n] = '\0';
		ck_assert_ptr_eq(at_find(d, lower), &d->cmds[i]);
	}
	ck_assert_ptr_null(at_find(d, "NOPE"));
	ck_assert_ptr_null(at_find(d, ""));
}
END_TEST

START_TEST(test_fields_exist)
{
	const struct at_dialect *d = &at_dialect_30x;

	for (size_t i = 0; i < d->ncmds; i++)
		for (int f = 0; f < AT_ARGS_MAX && d->cmds[i].fields[f]; f++) {
			const struct setting *s = settings_find(d->cmds[i].fields[f]);

			ck_assert_msg(s, "AT+%s: no setting %s", d->cmds[i].name,
			    d->cmds[i].fields[f]);
			ck_assert_msg(settings_applies(s, PERS_30X) && !(s->flags & S_CONFIG_ONLY),
			    "AT+%s: %s is not a 30X run-time setting", d->cmds[i].name, s->key);
		}
}
END_TEST

START_TEST(test_every_setting_reachable)
{
	const struct at_dialect *d = &at_dialect_30x;

	for (size_t k = 0; k < settings_count; k++) {
		const struct setting *s = &settings_table[k];
		int found = 0;

		if (!settings_applies(s, PERS_30X) || (s->flags & S_CONFIG_ONLY))
			continue;
		for (size_t i = 0; i < d->ncmds && !found; i++)
			for (int f = 0; f < AT_ARGS_MAX && d->cmds[i].fields[f]; f++)
				if (strcmp(d->cmds[i].fields[f], s->key) == 0)
					found = 1;
		ck_assert_msg(found, "%s has no 30X command", s->key);
	}
}
END_TEST

START_TEST(test_forty_commands)
{
	const struct at_dialect *d = &at_dialect_30x;
	int listed = 0;

	/* seed 000 §4.1-4.40: forty commands, plus the HPTTP spelling of §3. */
	for (size_t i = 0; i < d->ncmds; i++)
		if (!(d->cmds[i].ops & AT_HIDDEN))
			listed++;
	ck_assert_int_eq(listed, 40);
}
END_TEST

Suite *
suite_at(void)
{
	Suite *s = suite_create("at");
	TCase *tc = tcase_create("at");

	tcase_add_test(tc, test_sorted_unique);
	tcase_add_test(tc, test_find_every_command);
	tcase_add_test(tc, test_fields_exist);
	tcase_add_test(tc, test_every_setting_reachable);
	tcase_add_test(tc, test_forty_commands);
	suite_add_tcase(s, tc);
	return s;
}
