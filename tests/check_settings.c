/* The settings table and codec: every row, with valid, min, max, min-1,
 * max+1 and wrong-type values; an error leaves the value unchanged. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "settings.h"
#include "unit.h"

static void
text_of(const struct settings *st, struct setting_ref s, char *buf, size_t cap)
{
	settings_format(st, s, buf, cap);
}

/* Setting text must fail and leave the value as it was. */
static void
assert_rejected(struct setting_ref s, const char *text)
{
	struct settings st;
	char before[1024], after[1024], why[160] = "";

	settings_defaults(&st, PERS_30X);
	text_of(&st, s, before, sizeof(before));
	ck_assert_msg(settings_set(&st, s, text, why, sizeof(why)) < 0,
	    "%s accepted '%s'", s.s->key, text);
	ck_assert_msg(why[0] != '\0', "%s: no reason given for '%s'", s.s->key, text);
	text_of(&st, s, after, sizeof(after));
	ck_assert_str_eq(before, after);
}

static void
assert_accepted(struct setting_ref s, const char *text, const char *shown)
{
	struct settings st;
	char after[1024], why[160] = "";
	int r;

	settings_defaults(&st, PERS_30X);
	r = settings_set(&st, s, text, why, sizeof(why));
	ck_assert_msg(r == 0, "%s rejected '%s': %s", s.s->key, text, why);
	text_of(&st, s, after, sizeof(after));
	ck_assert_str_eq(after, shown ? shown : text);
}

static void
fill(char *buf, size_t n)
{
	memset(buf, 'x', n);
	buf[n] = '\0';
}

static void
fill_digits(char *buf, size_t n)
{
	memset(buf, '7', n);
	buf[n] = '\0';
}

START_TEST(test_defaults_valid)
{
	struct setting_ref r = settings_ref((size_t)_i);
	const struct setting *s = r.s;

	for (int p = 0; p < PERS_COUNT; p++) {
		const char *def = settings_default(r, (enum personality)p);
		struct settings st;
		char why[160] = "";

		settings_defaults(&st, (enum personality)p);
		ck_assert_msg(def != NULL, "%s: no default", s->key);
		ck_assert_msg(settings_set(&st, r, def, why, sizeof(why)) == 0,
		    "%s: default '%s' of %s invalid: %s", s->key, def,
		    personality_name((enum personality)p), why);
	}
}
END_TEST

START_TEST(test_row_edges)
{
	struct setting_ref r = settings_ref((size_t)_i);
	const struct setting *s = r.s;
	char buf[1200], num[32];
	int i;

	switch (s->type) {
	case ST_INT:
		snprintf(num, sizeof(num), "%ld", s->min);
		assert_accepted(r, num, NULL);			/* min */
		snprintf(num, sizeof(num), "%ld", s->max);
		assert_accepted(r, num, NULL);			/* max */
		if (!((s->flags & S_ZERO_OK) && s->min - 1 == 0)) {
			snprintf(num, sizeof(num), "%ld", s->min - 1);
			assert_rejected(r, num);		/* min - 1 */
		}
		snprintf(num, sizeof(num), "%ld", s->max + 1);
		assert_rejected(r, num);			/* max + 1 */
		if (s->flags & S_ZERO_OK) {
			assert_accepted(r, "0", NULL);
			snprintf(num, sizeof(num), "%ld", s->min - 1);
			if (s->min > 1)
				assert_rejected(r, num);
		}
		assert_rejected(r, "abc");			/* wrong type */
		assert_rejected(r, "");
		assert_rejected(r, "1.5");
		assert_rejected(r, " 5");
		assert_rejected(r, "0x10");
		assert_rejected(r, "99999999999999999999999");
		break;
	case ST_BYTES:
		fill(buf, (size_t)s->min);
		assert_accepted(r, buf, NULL);			/* min */
		fill(buf, (size_t)s->max);
		assert_accepted(r, buf, NULL);			/* max */
		fill(buf, (size_t)s->max + 1);
		assert_rejected(r, buf);			/* max + 1 */
		if (s->min > 0)
			assert_rejected(r, "");			/* min - 1 */
		assert_rejected(r, "a\nb");			/* line breaks are escaped */
		break;
	case ST_PHONE:
		fill_digits(buf, (size_t)s->max);
		assert_accepted(r, buf, NULL);			/* max */
		buf[0] = '+';
		assert_accepted(r, buf, NULL);			/* a leading + */
		fill_digits(buf, (size_t)s->max + 1);
		assert_rejected(r, buf);			/* max + 1 */
		assert_rejected(r, "12a4");
		assert_rejected(r, "1+2");
		assert_rejected(r, "+");
		if (s->flags & S_EMPTY_OK)
			assert_accepted(r, "", NULL);
		else
			assert_rejected(r, "");
		break;
	case ST_STRING:
		if (s->min > 0) {
			fill(buf, (size_t)s->min);
			assert_accepted(r, buf, NULL);		/* min */
		}
		fill(buf, (size_t)s->max);
		assert_accepted(r, buf, NULL);			/* max */
		fill(buf, (size_t)s->max + 1);
		assert_rejected(r, buf);			/* max + 1 */
		if (s->min > 1 || (s->min == 1 && !(s->flags & S_EMPTY_OK))) {
			fill(buf, (size_t)s->min - 1);
			assert_rejected(r, buf);		/* min - 1 */
		}
		if (s->flags & S_EMPTY_OK)
			assert_accepted(r, "", NULL);
		assert_rejected(r, "a\rb");			/* no line breaks */
		assert_rejected(r, "a\nb");
		break;
	case ST_ENUM:
	case ST_BOOL:
		for (i = 0; s->choices[i]; i++) {
			char lower[64];

			assert_accepted(r, s->choices[i], NULL);
			for (size_t k = 0; k <= strlen(s->choices[i]); k++)
				lower[k] = (char)(s->choices[i][k] | (s->choices[i][k] >= 'A' &&
				    s->choices[i][k] <= 'Z' ? 0x20 : 0));
			assert_accepted(r, lower, s->choices[i]);	/* any case in, canonical out */
		}
		assert_rejected(r, "bogus");
		assert_rejected(r, "");
		assert_rejected(r, "1");
		break;
	case ST_IPV4:
		assert_accepted(r, "0.0.0.0", NULL);
		assert_accepted(r, "255.255.255.255", NULL);
		assert_rejected(r, "256.0.0.1");
		assert_rejected(r, "1.2.3");
		assert_rejected(r, "abc");
		assert_rejected(r, "");
		break;
	case ST_HOST:
		assert_accepted(r, "127.0.0.1", NULL);
		assert_accepted(r, "::1", NULL);
		assert_accepted(r, "localhost", NULL);
		assert_accepted(r, "a-b.example.com", NULL);
		assert_rejected(r, "-bad.example");
		assert_rejected(r, "a..b");
		assert_rejected(r, "has space");
		assert_rejected(r, "");
		fill(buf, 128);
		assert_rejected(r, buf);
		break;
	case ST_MAC:
		assert_accepted(r, "d8b04c000001", "D8B04C000001");
		assert_accepted(r, "D8B04CFFFFFF", NULL);
		assert_rejected(r, "D8B04C00000");		/* 11 digits */
		assert_rejected(r, "D8B04C0000011");		/* 13 digits */
		assert_rejected(r, "D8:B0:4C:00:00");
		assert_rejected(r, "ZZB04C000001");
		break;
	case ST_LIST:
		assert_accepted(r, "127.0.0.0/8,::1", NULL);
		assert_accepted(r, "0.0.0.0/0", NULL);
		assert_rejected(r, "127.0.0.0/33");
		assert_rejected(r, "::1/129");
		assert_rejected(r, "nonsense");
		assert_rejected(r, "127.0.0.1,");
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
		if (s->scope == SCOPE_LINK)
			ck_assert_msg(strncmp(s->key, "link.", 5) == 0, "%s: link row", s->key);
		if (s->type == ST_STRING || s->type == ST_LIST || s->type == ST_PHONE)
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
	struct setting_ref r;
	char key[SETTINGS_KEY_MAX];

	ck_assert_ptr_nonnull(settings_find("serial.baud").s);
	ck_assert_ptr_nonnull(settings_find("SERIAL.BAUD").s);
	ck_assert_ptr_null(settings_find("serial.bogus").s);
	ck_assert_ptr_null(settings_find("").s);
	ck_assert_ptr_null(settings_find("link5.mode").s);
	ck_assert_ptr_null(settings_find("link.mode").s);
	r = settings_find("LINK3.host");
	ck_assert_ptr_nonnull(r.s);
	ck_assert_int_eq(r.link, 2);
	ck_assert_str_eq(settings_key(r, key, sizeof(key)), "link3.host");
	ck_assert_int_eq(settings_group_len(r), 5);
}
END_TEST

/* Link rows are one per link: a value lands in its own link only; the 30X
 * has link1 alone, the 721 four; link2-4 have their own defaults. */
START_TEST(test_link_scope)
{
	struct settings st;
	char why[160];
	size_t n = 0;

	settings_defaults(&st, PERS_721);
	ck_assert_int_eq(settings_set(&st, settings_find("link3.port"), "4000", why,
	    sizeof(why)), 0);
	ck_assert_int_eq(st.link[2].port, 4000);
	ck_assert_int_eq(st.link[1].port, 2317);
	ck_assert_int_eq(st.link[3].port, 2317);
	ck_assert_int_eq(st.link[0].enabled, 1);
	ck_assert_int_eq(st.link[1].enabled, 0);
	ck_assert_str_eq(st.link[1].host, "127.0.0.1");
	ck_assert(settings_applies(settings_find("link1.mode"), PERS_30X));
	ck_assert(!settings_applies(settings_find("link2.mode"), PERS_30X));
	ck_assert(settings_applies(settings_find("link4.mode"), PERS_721));
	for (struct setting_ref r = { NULL, 0 }; settings_next(&r);)
		n++;
	ck_assert_uint_eq(n, settings_nrefs());
	ck_assert_uint_eq(n, settings_count + 3 * 6);	/* 6 link rows, links 2-4 */
}
END_TEST

/* settings_set_many: all or nothing; who may set what; AT's own bounds. */
START_TEST(test_set_many)
{
	struct settings st, before;
	struct setting_ref r[3] = { settings_find("serial.baud"), settings_find("serial.parity"),
	    settings_find("tcps.max_clients") };
	const char *ok[3] = { "9600", "EVEN", "8" }, *bad[3] = { "9600", "EVEN", "17" };
	char why[160];

	settings_defaults(&st, PERS_30X);
	before = st;
	ck_assert_int_eq(settings_set_many(&st, r, bad, 3, SET_AT, why, sizeof(why)), -ERANGE);
	ck_assert_msg(memcmp(&st, &before, sizeof(st)) == 0, "changed on error");
	ck_assert_msg(strstr(why, "tcps.max_clients") != NULL, "why: %s", why);
	ck_assert_int_eq(settings_set_many(&st, r, ok, 3, SET_AT, why, sizeof(why)), 0);
	ck_assert_int_eq(st.baud, 9600);
	ck_assert_int_eq(st.parity, PARITY_EVEN);
	ck_assert_int_eq(st.max_clients, 8);
	/* seed 000 §4.12: 600-230400 over AT; the config file goes further. */
	ok[0] = "300";
	ck_assert_int_eq(settings_set_many(&st, r, ok, 1, SET_AT, why, sizeof(why)), -ERANGE);
	ck_assert_int_eq(settings_set_many(&st, r, ok, 1, SET_RUNTIME, why, sizeof(why)), 0);
	ck_assert_int_eq(st.baud, 300);
	/* Not at run time; not over the 30X's AT; not in this personality. */
	r[0] = settings_find("serial.device");
	ck_assert_int_eq(settings_set_many(&st, r, ok, 1, SET_RUNTIME, why, sizeof(why)), -EINVAL);
	ck_assert_int_eq(settings_set_many(&st, r, (const char *[]){ "/dev/x" }, 1, SET_CONFIG,
	    why, sizeof(why)), 0);
	r[0] = settings_find("serial.pack_len");
	ck_assert_int_eq(settings_set_many(&st, r, (const char *[]){ "100" }, 1, SET_AT, why,
	    sizeof(why)), -EINVAL);
	r[0] = settings_find("link2.port");
	ck_assert_int_eq(settings_set_many(&st, r, (const char *[]){ "100" }, 1, SET_CONFIG, why,
	    sizeof(why)), -EINVAL);
	/* The 721 sets the packing length over AT (AT+CIPCFG). */
	settings_defaults(&st, PERS_721);
	r[0] = settings_find("serial.pack_len");
	ck_assert_int_eq(settings_set_many(&st, r, (const char *[]){ "100" }, 1, SET_AT, why,
	    sizeof(why)), 0);
	ck_assert_int_eq(st.pack_len, 100);
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
	struct setting_ref s = settings_find("bridge.idle_reset");

	assert_accepted(s, "0", NULL);
	assert_rejected(s, "1");
	assert_rejected(s, "59");
	assert_accepted(s, "60", NULL);
	assert_rejected(s, "-1");
}
END_TEST

/* Bytes and their text form: printable ASCII as is, "\\\\", "\\xNN". */
static const struct {
	const char *bytes;
	size_t n;
	const char *text;
} bytes_rows[] = {
	{ "www.usr.cn", 10, "www.usr.cn" },
	{ "\0", 1, "\\x00" },
	{ "a\\b", 3, "a\\\\b" },
	{ "\r\n\xff\x7f", 4, "\\x0D\\x0A\\xFF\\x7F" },
	{ "\\x41", 4, "\\\\x41" },
};

START_TEST(test_bytes_text)
{
	char text[200];
	uint8_t back[64];

	settings_bytes_escape((const uint8_t *)bytes_rows[_i].bytes, bytes_rows[_i].n, text,
	    sizeof(text));
	ck_assert_str_eq(text, bytes_rows[_i].text);
	ck_assert_int_eq(settings_bytes_unescape(text, back, sizeof(back)),
	    (int)bytes_rows[_i].n);
	ck_assert_mem_eq(back, bytes_rows[_i].bytes, bytes_rows[_i].n);
}
END_TEST

START_TEST(test_bytes_unescape_edges)
{
	uint8_t b[5];

	/* A backslash that starts no escape is itself; lower case hex too. */
	ck_assert_int_eq(settings_bytes_unescape("\\q\\x4", b, sizeof(b)), 5);
	ck_assert_mem_eq(b, "\\q\\x4", 5);
	ck_assert_int_eq(settings_bytes_unescape("\\x0a", b, sizeof(b)), 1);
	ck_assert_int_eq(b[0], 0x0a);
	ck_assert_int_eq(settings_bytes_unescape("abcdef", b, sizeof(b)), -ERANGE);
	assert_rejected(settings_find("heartbeat.data"), "\\x00\\x00\\x00\\x00\\x00\\x00\\x00"
	    "\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00"
	    "\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00"
	    "\\x00\\x00\\x00\\x00\\x00\\x00\\x00");	/* 41 bytes: one too many */
	assert_accepted(settings_find("heartbeat.data"), "\\x00", "\\x00");
}
END_TEST

/* Bounds written down from the manuals, not read from the table under
 * test: {key, personality, lowest accepted, highest accepted} over AT (seed
 * 000 §4.x, seed 003 and PROTOCOLS.md §4 for the 721; ints as numbers,
 * strings and bytes as lengths). */
static const struct {
	const char *key;
	enum personality p;
	long lo, hi;
} manual_bounds[] = {
	{ "serial.baud", PERS_30X, 600, 230400 },	/* §4.12 UART */
	{ "tcps.max_clients", PERS_30X, 1, 16 },	/* §4.38 MAXSK */
	{ "heartbeat.interval", PERS_30X, 1, 65535 },	/* §4.29 HEARTTM */
	{ "bridge.short_timeout", PERS_30X, 2, 255 },	/* §4.35 SHORTO */
	{ "bridge.idle_reset", PERS_30X, 60, 65535 },	/* §4.37 RSTIM, or 0 */
	{ "web.port", PERS_30X, 1, 65535 },		/* §4.11 WEBPORT */
	{ "link.port", PERS_30X, 1, 65535 },
	{ "reg.data", PERS_30X, 1, 40 },		/* §4.22 REGUSR */
	{ "heartbeat.data", PERS_30X, 1, 39 },		/* §4.30 HEARTDT: less than 40 */
	{ "http.url", PERS_30X, 1, 100 },		/* §4.24 HTPURL */
	{ "http.header", PERS_30X, 1, 199 },		/* §4.25 HTPHEAD: less than 200 */
	{ "web.user", PERS_30X, 1, 5 },			/* §4.8 WEBU */
	{ "reg.cloud_id", PERS_30X, 20, 20 },		/* §4.21 REGCLOUD */
	{ "reg.cloud_password", PERS_30X, 8, 8 },
	{ "serial.baud", PERS_721, 300, 115200 },	/* seed 003 §1.3 */
	{ "link.port", PERS_721, 1, 65535 },		/* CIPSCONT: 0 refused */
	{ "link.local_port", PERS_721, 0, 65535 },	/* CINETPT: 0 any */
	{ "reg.data", PERS_721, 0, 40 },		/* CIPPACK: empty disables */
	{ "heartbeat.data", PERS_721, 0, 40 },
	{ "heartbeat.interval", PERS_721, 0, 65535 },	/* CIPCFG HEAT: 0 off */
	{ "dtu.password", PERS_721, 1, 11 },		/* CIPSW */
};

START_TEST(test_manual_bounds)
{
	const char *key = manual_bounds[_i].key;
	enum personality p = manual_bounds[_i].p;
	struct setting_ref r = strncmp(key, "link.", 5) == 0 ?
	    settings_find(key[5] == 'p' ? "link1.port" : "link1.local_port") : settings_find(key);
	long lo, hi;

	ck_assert_msg(r.s != NULL, "%s missing", key);
	lo = r.s->at_min[p] || r.s->at_max[p] ? r.s->at_min[p] : r.s->min;
	hi = r.s->at_min[p] || r.s->at_max[p] ? r.s->at_max[p] : r.s->max;
	if (r.s->type == ST_INT && (r.s->flags & S_ZERO_OK) && lo > 0 && manual_bounds[_i].lo == 0)
		lo = 0;
	ck_assert_msg(lo == manual_bounds[_i].lo && hi == manual_bounds[_i].hi,
	    "%s (%s): table says %ld-%ld over AT, the manual %ld-%ld", key,
	    personality_name(p), lo, hi, manual_bounds[_i].lo, manual_bounds[_i].hi);
}
END_TEST

START_TEST(test_at_bounds)
{
	struct setting_ref r = settings_find("serial.baud");

	/* seed 000 §4.12: AT+UART takes 600 to 230400. */
	ck_assert_int_eq(r.s->at_min[PERS_30X], 600);
	ck_assert_int_eq(r.s->at_max[PERS_30X], 230400);
}
END_TEST

Suite *
suite_settings(void)
{
	Suite *s = suite_create("settings");
	TCase *tc = tcase_create("settings");

	tcase_add_loop_test(tc, test_defaults_valid, 0, (int)settings_nrefs());
	tcase_add_loop_test(tc, test_row_edges, 0, (int)settings_nrefs());
	tcase_add_test(tc, test_link_scope);
	tcase_add_loop_test(tc, test_manual_bounds, 0,
	    (int)(sizeof(manual_bounds) / sizeof(manual_bounds[0])));
	tcase_add_test(tc, test_at_bounds);
	tcase_add_loop_test(tc, test_bytes_text, 0, (int)(sizeof(bytes_rows) / sizeof(bytes_rows[0])));
	tcase_add_test(tc, test_bytes_unescape_edges);
	tcase_add_test(tc, test_set_many);
	tcase_add_test(tc, test_keys_unique_and_storage_fits);
	tcase_add_test(tc, test_find);
	tcase_add_test(tc, test_factory_defaults_30x);
	tcase_add_test(tc, test_pack_gap);
	tcase_add_test(tc, test_parity_alias);
	tcase_add_test(tc, test_zero_ok);
	suite_add_tcase(s, tc);
	return s;
}
