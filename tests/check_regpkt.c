/* The identity packet (PROTOCOLS.md §3): bytes for MAC, USR and CLOUD, and
 * FIRST / EVERY / ALL per link mode. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "regpkt.h"
#include "unit.h"

static struct settings st;

static void
setup(const char *mode, const char *send)
{
	settings_defaults(&st, PERS_30X);
	ck_assert_int_eq(settings_set(&st, settings_find("reg.mode"), mode, NULL, 0), 0);
	ck_assert_int_eq(settings_set(&st, settings_find("reg.send"), send, NULL, 0), 0);
}

static const struct {
	int link_mode;
	const char *reg, *send;
	size_t len;
	int first, every;
} rows[] = {
	{ LINK_TCPC, "OFF", "ALL", 0, 0, 0 },
	{ LINK_TCPC, "MAC", "FIRST", 6, 1, 0 },
	{ LINK_TCPC, "MAC", "EVERY", 6, 0, 1 },
	{ LINK_TCPC, "MAC", "ALL", 6, 1, 1 },
	{ LINK_UDPC, "USR", "FIRST", 10, 1, 0 },
	{ LINK_UDPC, "USR", "EVERY", 10, 0, 1 },
	{ LINK_UDPC, "USR", "ALL", 10, 1, 1 },
	{ LINK_HTPC, "USR", "FIRST", 10, 0, 1 },	/* once per request */
	{ LINK_HTPC, "MAC", "ALL", 6, 0, 1 },
	{ LINK_TCPS, "MAC", "ALL", 0, 0, 0 },		/* servers send none */
	{ LINK_UDPS, "USR", "ALL", 0, 0, 0 },
};

START_TEST(test_rows)
{
	struct regpkt p;

	setup(rows[_i].reg, rows[_i].send);
	ck_assert_int_eq(regpkt_build(&st, rows[_i].link_mode, "0A1B2C3D4E5F", &p), 0);
	ck_assert_uint_eq(p.len, rows[_i].len);
	ck_assert_int_eq(p.first, rows[_i].first);
	ck_assert_int_eq(p.every, rows[_i].every);
}
END_TEST

START_TEST(test_mac_is_raw)
{
	struct regpkt p;

	setup("MAC", "FIRST");
	regpkt_build(&st, LINK_TCPC, "0A1B2C3D4E5F", &p);
	ck_assert(memcmp(p.data, "\x0a\x1b\x2c\x3d\x4e\x5f", 6) == 0);
}
END_TEST

START_TEST(test_usr_data)
{
	struct regpkt p;

	setup("USR", "FIRST");
	ck_assert_int_eq(settings_set(&st, settings_find("reg.data"),
	    "0123456789012345678901234567890123456789", NULL, 0), 0);	/* 40 bytes */
	regpkt_build(&st, LINK_TCPC, "000000000000", &p);
	ck_assert_uint_eq(p.len, 40);
	ck_assert(memcmp(p.data, "0123456789012345678901234567890123456789", 40) == 0);
	setup("USR", "FIRST");
	regpkt_build(&st, LINK_TCPC, "000000000000", &p);
	ck_assert(memcmp(p.data, "www.usr.cn", 10) == 0);	/* the default */
}
END_TEST

START_TEST(test_cloud)
{
	struct regpkt p;

	setup("CLOUD", "EVERY");
	ck_assert_int_eq(regpkt_build(&st, LINK_TCPC, "000000000000", &p), -ENODATA);
	ck_assert_uint_eq(p.len, 0);
	ck_assert_int_eq(settings_set(&st, settings_find("reg.cloud_id"),
	    "00001234567890123456", NULL, 0), 0);
	ck_assert_int_eq(settings_set(&st, settings_find("reg.cloud_password"),
	    "pass1234", NULL, 0), 0);
	ck_assert_int_eq(regpkt_build(&st, LINK_TCPC, "000000000000", &p), 0);
	ck_assert_uint_eq(p.len, 28);
	ck_assert(memcmp(p.data, "00001234567890123456pass1234", 28) == 0);
	/* Once per connection, whatever REGTCP says. */
	ck_assert_int_eq(p.first, 1);
	ck_assert_int_eq(p.every, 0);
}
END_TEST

Suite *
suite_regpkt(void)
{
	Suite *s = suite_create("regpkt");
	TCase *tc = tcase_create("regpkt");

	tcase_add_loop_test(tc, test_rows, 0, (int)(sizeof(rows) / sizeof(rows[0])));
	tcase_add_test(tc, test_mac_is_raw);
	tcase_add_test(tc, test_usr_data);
	tcase_add_test(tc, test_cloud);
	suite_add_tcase(s, tc);
	return s;
}
