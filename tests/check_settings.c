/* The settings table and codec: every row, with valid, min, max, min-1,
 * max+1 and wrong-type values; an error leaves the value unchanged. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "settings.h"
#include "unit.h"

static void
text_of(const struct settings *st, const struct setting *s, char *buf, size_t cap)
{
	settings_format(st, s, buf, cap);
}

/* Setting text must fail and leave the value as it was. */
static void
assert_rejected(const struct setting *s, const char *text)
{
	struct settings st;
	char before[1024], after[1024], why[160] = "";

	settings_defaults(&st, PERS_30X);
	text_of(&st, s, before, sizeof(before));
	ck_assert_msg(settings_set(&st, s, text, why, sizeof(why)) < 0,
	    "%s accepted '%s'", s->key, text);
	ck_assert_msg(why[0] != '\0', "%s: no reason given for '%s'", s->key, text);
	text_of(&st, s, after, sizeof(after));
	ck_assert_str_eq(before, after);
}

static void
assert_accepted(const struct setting *s, const char *text, const char *shown)
{
	struct settings st;
	char after[1024], why[160] = "";
	int r;

	settings_defaults(&st, PERS_30X);
	r = settings_set(&st, s, text, why, sizeof(why));
	ck_assert_msg(r == 0, "%s rejected '%s': %s", s->key, text, why);
	text_of(&st, s, after, sizeof(after));
	ck_assert_str_eq(after, shown ? shown : text);
}

static void
fill(char *buf, size_t n)
{
	memset(buf, 'x', n);
	buf[n] = '\0';
}

START_TEST(test_defaults_valid)
{
	const struct setting *s = &settings_table[_i];

	for (int p = 0; p < PERS_COUNT; p++) {
		struct settings st;
		char why[160] = "";

		settings_defaults(&st, (enum personality)p);
		ck_assert_msg(s->def[p] != NULL, "%s: no default", s->key);
		ck_assert_msg(settings_set(&st, s, s->def[p], why, sizeof(why)) == 0,
		    "%s: default '%s' of %s invalid: %s", s->key, s->def[p],
		    personality_name((enum personality)p), why);
	}
}
END_TEST

START_TEST(test_row_edges)
{
	const struct setting *s = &settings_table[_i];
	char buf[1200], num[32];
	int i;

	switch (s->type) {
	case ST_INT:
		snprintf(num, sizeof(num), "%ld", s->min);
		assert_accepted(s, num, NULL);			/* min */
		snprintf(num, sizeof(num), "%ld", s->max);
		assert_accepted(s, num, NULL);			/* max */
		if (!((s->flags & S_ZERO_OK) && s->min - 1 == 0)) {
			snprintf(num, sizeof(num), "%ld", s->min - 1);
			assert_rejected(s, num);		/* min - 1 */
		}
		snprintf(num, sizeof(num), "%ld", s->max + 1);
		assert_rejected(s, num);			/* max + 1 */
		if (s->flags & S_ZERO_OK) {
			assert_accepted(s, "0", NULL);
			snprintf(num, sizeof(num), "%ld", s->min - 1);
			if (s->min > 1)
				assert_rejected(s, num);
		}
		assert_rejected(s, "abc");			/* wrong type */
		assert_rejected(s, "");
		assert_rejected(s, "1.5");
		assert_rejected(s, " 5");
		assert_rejected(s, "0x10");
		assert_rejected(s, "99999999999999999999999");
		break;
	case ST_STRING:
		if (s->min > 0) {
			fill(buf, (size_t)s->min);
			assert_accepted(s, buf, NULL);		/* min */
		}
		fill(buf, (size_t)s->max);
		assert_accepted(s, buf, NULL);			/* max */
		fill(buf, (size_t)s->max + 1);
		assert_rejected(s, buf);			/* max + 1 */
		if (s->min > 1 || (s->min == 1 && !(s->flags & S_EMPTY_OK))) {
			fill(buf, (size_t)s->min - 1);
			assert_rejected(s, buf);		/* min - 1 */
		}
		if (s->flags & S_EMPTY_OK)
			assert_accepted(s, "", NULL);
		assert_rejected(s, "a\rb");			/* no line breaks */
		assert_rejected(s, "a\nb");
		break;
	case ST_ENUM:
	case ST_BOOL:
		for (i = 0; s->choices[i]; i++) {
			char lower[64];

			assert_accepted(s, s->choices[i], NULL);
			for (size_t k = 0; k <= strlen(s->choices[i]); k++)
				lower[k] = (char)(s->choices[i][k] | (s->choices[i][k] >= 'A' &&
				    s->choices[i][k] <= 'Z' ? 0x20 : 0));
			assert_accepted(s, lower, s->choices[i]);	/* any case in, canonical out */
		}
		assert_rejected(s, "bogus");
		assert_rejected(s, "");
		assert_rejected(s, "1");
		break;
	case ST_IPV4:
		assert_accepted(s, "0.0.0.0", NULL);
		assert_accepted(s, "255.255.255.255", NULL);
		assert_rejected(s, "256.0.0.1");
		assert_rejected(s, "1.2.3");
		assert_rejected(s, "abc");
		assert_rejected(s, "");
		break;
	case ST_HOST:
		assert_accepted(s, "127.0.0.1", NULL);
		assert_accepted(s, "::1", NULL);
		assert_accepted(s, "localhost", NULL);
		assert_accepted(s, "a-b.example.com", NULL);
		assert_rejected(s, "-bad.example");
		assert_rejected(s, "a..b");
		assert_rejected(s, "has space");
		assert_rejected(s, "");
		fill(buf, 128);
		assert_rejected(s, buf);
		break;
	case ST_MAC:
		assert_accepted(s, "d8b04c000001", "D8B04C000001");
		assert_accepted(s, "D8B04CFFFFFF", NULL);
		assert_rejected(s, "D8B04C00000");		/* 11 digits */
		assert_rejected(s, "D8B04C0000011");		/* 13 digits */
		assert_rejected(s, "D8:B0:4C:00:00");
		assert_rejected(s, "ZZB04C000001");
		break;
	case ST_LIST:
		assert_accepted(s, "127.0.0.0/8,::1", NULL);
		assert_accepted(s, "0.0.0.0/0", NULL);
		assert_rejected(s, "127.0.0.0/33");
		assert_rejected(s, "::1/129");
		assert_rejected(s, "nonsense");
		assert_rejected(s, "127.0.0.1,");
		break;
	}
}
END_TEST

START_TEST(test_keys_unique_and_storage_fits)
{
	for (size_t i = 0; i < settings_count; i++) {
		const struct setting *s = &settings_table[i];

		for (size_t j = i + 1; j < settings_count; j++)
			ck_assert_msg(strcmp(s->key, settings_table[j].key) != 0,
			    "duplicate key %s", s->key);
		if (s->type == ST_STRING || s->type == ST_LIST)
			ck_assert_msg(s->size > (size_t)s->max, "%s: storage too small", s->key);
		if (s->type == ST_INT)
			ck_assert_msg(s->size == sizeof(long), "%s: not a long", s->key);
		if (s->type == ST_ENUM || s->type == ST_BOOL)
			ck_assert_msg(s->size == sizeof(int) && s->choices, "%s: bad enum", s->key);
		ck_assert_msg(s->help && *s->help, "%s: no help", s->key);
		ck_assert_msg(s->flags & S_BOTH, "%s: no personality", s->key);
	}
}
END_TEST

START_TEST(test_find)
{
	ck_assert_ptr_nonnull(settings_find("serial.baud"));
	ck_assert_ptr_nonnull(settings_find("SERIAL.BAUD"));
	ck_assert_ptr_null(settings_find("serial.bogus"));
	ck_assert_ptr_null(settings_find(""));
}
END_TEST

START_TEST(test_factory_defaults_30x)
{
	struct settings st;

	/* seed 000: TCPC to 192.168.0.201:8234, 115200 8N1, MAXSK 4, RSTIM 3600. */
	settings_defaults(&st, PERS_30X);
	ck_assert_int_eq(st.link[0].mode, LINK_TCPC);
	ck_assert_str_eq(st.link[0].host, "192.168.0.201");
	ck_assert_int_eq(st.link[0].port, 8234);
	ck_assert_int_eq(st.baud, 115200);
	ck_assert_int_eq(st.max_clients, 4);
	ck_assert_int_eq(st.idle_reset, 3600);
	ck_assert_int_eq(st.pack_len, 400);
	ck_assert_int_eq(st.cache_size, 16384);
	ck_assert_str_eq(st.name, "USR-TCP232-30X");
	ck_assert_str_eq(st.version, "V4016");
}
END_TEST

START_TEST(test_pack_gap)
{
	struct settings st;

	settings_defaults(&st, PERS_30X);
	/* Four characters of 10 bits at 115200: 347.2 µs, rounded up. */
	ck_assert_int_eq(settings_pack_gap_us(&st), 348);
	st.baud = 9600;
	st.parity = PARITY_EVEN;
	st.stop_bits = 2;
	ck_assert_int_eq(settings_pack_gap_us(&st), 5000);	/* 4 * 12 bits */
	st.pack_gap_us = 0;
	ck_assert_int_eq(settings_pack_gap_us(&st), 0);
	settings_defaults(&st, PERS_721);
	ck_assert_int_eq(settings_pack_gap_us(&st), 100000);	/* CIPCFG TIME 100 ms */
}
END_TEST

START_TEST(test_parity_alias)
{
	assert_accepted(settings_find("serial.parity"), "MASK", "MARK");	/* seed 000 §4.12 */
}
END_TEST

START_TEST(test_zero_ok)
{
	const struct setting *s = settings_find("bridge.idle_reset");

	assert_accepted(s, "0", NULL);
	assert_rejected(s, "1");
	assert_rejected(s, "59");
	assert_accepted(s, "60", NULL);
	assert_rejected(s, "-1");
}
END_TEST

Suite *
suite_settings(void)
{
	Suite *s = suite_create("settings");
	TCase *tc = tcase_create("settings");

	tcase_add_loop_test(tc, test_defaults_valid, 0, (int)settings_count);
	tcase_add_loop_test(tc, test_row_edges, 0, (int)settings_count);
	tcase_add_test(tc, test_keys_unique_and_storage_fits);
	tcase_add_test(tc, test_find);
	tcase_add_test(tc, test_factory_defaults_30x);
	tcase_add_test(tc, test_pack_gap);
	tcase_add_test(tc, test_parity_alias);
	tcase_add_test(tc, test_zero_ok);
	suite_add_tcase(s, tc);
	return s;
}
