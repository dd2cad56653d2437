/* USR setup-software discovery (PROTOCOLS.md §6): which datagrams are
 * requests, the 36-byte reply checked against a real capture of a 30X with
 * firmware 4017, and every field of the 35-byte legacy reply. */
#include "config.h"

#include <string.h>

#include "discovery.h"
#include "settings.h"
#include "unit.h"

#define B(...) (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ })

/* ck_assert_mem_eq with the expectation as B(...) (pointer and length). */
static void
expect_mem(const void *got, const uint8_t *want, size_t n)
{
	ck_assert_mem_eq(got, want, n);
}

static const char legacy[] = "0123456789012345678901234567890123456789";

struct parse_row {
	const char *name;
	const uint8_t *d;
	size_t n;
	enum discovery_request want;
};

static const uint8_t search_long[] = { 0xff, 0x01, 0x01, 0x02, 0x00 };
static const char legacy_bad[] = "0123456789012345678901234567890123456788";
static const char legacy_long[] = "01234567890123456789012345678901234567890";

static const struct parse_row prows[] = {
	{ "search", B(0xff, 0x01, 0x01, 0x02), DISCOVERY_SEARCH },
	{ "search, last byte off", B(0xff, 0x01, 0x01, 0x03), DISCOVERY_NONE },
	{ "search, first byte off", B(0xfe, 0x01, 0x01, 0x02), DISCOVERY_NONE },
	{ "search, one byte short", B(0xff, 0x01, 0x01), DISCOVERY_NONE },
	{ "search, one byte more", search_long, sizeof(search_long), DISCOVERY_NONE },
	{ "legacy", (const uint8_t *)legacy, 40, DISCOVERY_LEGACY },
	{ "legacy, last digit off", (const uint8_t *)legacy_bad, 40, DISCOVERY_NONE },
	{ "legacy, 39 bytes", (const uint8_t *)legacy, 39, DISCOVERY_NONE },
	{ "legacy, 41 bytes", (const uint8_t *)legacy_long, 41, DISCOVERY_NONE },
	{ "empty", (const uint8_t *)"", 0, DISCOVERY_NONE },
	{ "a config command (read)", B(0xff, 0x13, 0x02, 0x00), DISCOVERY_NONE },
};

START_TEST(test_parse)
{
	const struct parse_row *r = &prows[_i];

	ck_assert_msg(discovery_parse(r->d, r->n) == r->want, "%s", r->name);
}
END_TEST

struct version_row {
	const char *text;
	unsigned want;
};

static const struct version_row vrows[] = {
	{ "V4016", 4016 }, { "V4017", 4017 }, { "4016", 4016 }, { "V1.0.0", 100 },
	{ "", DISCOVERY_VERSION_DEFAULT }, { "V", DISCOVERY_VERSION_DEFAULT },
	{ "V65535", 65535 }, { "V65536", DISCOVERY_VERSION_DEFAULT },
	{ "V99999999999999999999", DISCOVERY_VERSION_DEFAULT },
};

START_TEST(test_version)
{
	ck_assert_uint_eq(discovery_version(vrows[_i].text), vrows[_i].want);
}
END_TEST

static void
settings_30x(struct settings *st)
{
	settings_defaults(st, PERS_30X);
}

/* The capture of PROTOCOLS.md §6: 192.168.1.109, 9C:A5:25:8E:37:28,
 * firmware 4017, name "18352", checksum F0. */
START_TEST(test_search_capture)
{
	static const uint8_t capture[36] = {
		0xff, 0x24, 0x01, 0x00, 0x00, 0xc0, 0xa8, 0x01, 0x6d, 0x9c, 0xa5, 0x25, 0x8e,
		0x37, 0x28, 0xb1, 0x0f, 0x00, 0x00, 0x31, 0x38, 0x33, 0x35, 0x32, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0xf0,
	};
	struct discovery_iface ifc = { { 192, 168, 1, 109 }, { 255, 255, 255, 0 },
		{ 0x9c, 0xa5, 0x25, 0x8e, 0x37, 0x28 } };
	struct settings st;
	uint8_t out[DISCOVERY_REPLY_MAX];

	settings_30x(&st);
	strcpy(st.version, "V4017");
	strcpy(st.name, "18352");
	ck_assert_uint_eq(discovery_reply(DISCOVERY_SEARCH, &st, &ifc, out, sizeof(out)), 36);
	ck_assert_mem_eq(out, capture, sizeof(capture));
}
END_TEST

/* The factory 30X: version 4016 = B0 0F, MID in 16 NUL-padded bytes, the
 * sum of all 36 bytes 0. A 15-byte MID keeps its terminating NUL. */
START_TEST(test_search_fields)
{
	struct discovery_iface ifc = { { 127, 0, 0, 1 }, { 255, 0, 0, 0 }, { 0 } };
	struct settings st;
	uint8_t out[DISCOVERY_REPLY_MAX], sum = 0;

	settings_30x(&st);
	ck_assert_uint_eq(discovery_reply(DISCOVERY_SEARCH, &st, &ifc, out, sizeof(out)), 36);
	expect_mem(out, B(0xff, 0x24, 0x01, 0x00, 0x00, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0,
	    0xb0, 0x0f, 0, 0));
	ck_assert_mem_eq(out + 19, "USR-TCP232-30X\0\0", 16);
	for (int i = 0; i < 36; i++)
		sum = (uint8_t)(sum + out[i]);
	ck_assert_uint_eq(sum, 0);
	strcpy(st.name, "ABCDEFGHIJKLMNO");
	discovery_reply(DISCOVERY_SEARCH, &st, &ifc, out, sizeof(out));
	ck_assert_mem_eq(out + 19, "ABCDEFGHIJKLMNO\0", 16);
	ck_assert_uint_eq(discovery_reply(DISCOVERY_SEARCH, &st, &ifc, out, 35), 0);
	ck_assert_uint_eq(discovery_reply(DISCOVERY_NONE, &st, &ifc, out, sizeof(out)), 0);
}
END_TEST

struct legacy_row {
	const char *name;
	int mode;			/* enum link_mode */
	const char *host;
	long port, local_port;
	long baud, data_bits, stop_bits;
	int parity;
	int client_reset, link_output, index, baud_sync;
	uint8_t want_mode, want_serial, want_flags;
	uint16_t want_own_port;
	uint8_t want_dest[4];
};

static const struct legacy_row lrows[] = {
	{ "TCPS 115200 8N1", LINK_TCPS, "192.168.0.201", 8234, 0, 115200, 8, 1, PARITY_NONE,
	  0, 1, 0, 1, 3, 0x03, 0x20 | 0x80, 8234, { 201, 0, 168, 192 } },
	{ "TCPC 9600 7E2, every flag", LINK_TCPC, "10.1.2.3", 502, 4001, 9600, 7, 2,
	  PARITY_EVEN, 1, 1, 1, 1, 1, 0x02 | 0x04 | 0x08 | 0x10, 0xf0, 4001, { 3, 2, 1, 10 } },
	{ "UDPC 1200 5O1 to a name", LINK_UDPC, "example.net", 7000, 0, 1200, 5, 1, PARITY_ODD,
	  0, 0, 0, 0, 0, 0x00 | 0x08, 0x00, 0, { 0, 0, 0, 0 } },
	{ "UDPS 230400 6M1", LINK_UDPS, "0.0.0.0", 9000, 9001, 230400, 6, 1, PARITY_MARK,
	  0, 0, 1, 0, 2, 0x01 | 0x08 | 0x20, 0x40, 9001, { 0, 0, 0, 0 } },
	{ "HTPC 4000000 8S2", LINK_HTPC, "127.0.0.1", 80, 0, 4000000, 8, 2, PARITY_SPACE,
	  1, 0, 0, 0, 1, 0x03 | 0x04 | 0x08 | 0x30, 0x10, 0, { 1, 0, 0, 127 } },
};

START_TEST(test_legacy_fields)
{
	const struct legacy_row *r = &lrows[_i];
	struct discovery_iface ifc = { { 192, 168, 0, 7 }, { 255, 255, 254, 0 },
		{ 0xd8, 0xb0, 0x4c, 0x01, 0x02, 0x03 } };
	struct settings st;
	uint8_t out[DISCOVERY_REPLY_MAX];

	settings_30x(&st);
	st.link[0].mode = r->mode;
	strcpy(st.link[0].host, r->host);
	st.link[0].port = r->port;
	st.link[0].local_port = r->local_port;
	st.baud = r->baud;
	st.data_bits = r->data_bits;
	st.stop_bits = r->stop_bits;
	st.parity = r->parity;
	st.client_reset = r->client_reset;
	st.link_output = r->link_output;
	st.tcps_index = r->index;
	st.baud_sync = r->baud_sync;
	strcpy(st.wan_gateway, "192.168.0.1");
	ck_assert_uint_eq(discovery_reply(DISCOVERY_LEGACY, &st, &ifc, out, sizeof(out)), 35);
	ck_assert_mem_eq(out, ifc.mac, 6);
	ck_assert_uint_eq(out[6], 0xb0);			/* 4016, low byte */
	ck_assert_mem_eq(out + 7, r->want_dest, 4);		/* reversed */
	ck_assert_uint_eq(out[11] | out[12] << 8, (unsigned)r->port);
	expect_mem(out + 13, B(7, 0, 168, 192));		/* own IP, reversed */
	ck_assert_uint_eq(out[17] | out[18] << 8, r->want_own_port);
	expect_mem(out + 19, B(1, 0, 168, 192));		/* gateway, reversed */
	ck_assert_msg(out[23] == r->want_mode, "%s: mode %u", r->name, out[23]);
	ck_assert_uint_eq((unsigned long)(out[24] | out[25] << 8 | out[26] << 16),
	    (unsigned long)r->baud);
	ck_assert_msg(out[27] == r->want_serial, "%s: serial byte %02x", r->name, out[27]);
	expect_mem(out + 28, B(0, 0));			/* id */
	ck_assert_msg(out[30] == r->want_flags, "%s: flags %02x", r->name, out[30]);
	expect_mem(out + 31, B(0, 254, 255, 255));	/* netmask, reversed */
}
END_TEST

Suite *
suite_discovery(void)
{
	Suite *s = suite_create("discovery");
	TCase *tc = tcase_create("discovery");

	tcase_add_loop_test(tc, test_parse, 0, (int)(sizeof(prows) / sizeof(prows[0])));
	tcase_add_loop_test(tc, test_version, 0, (int)(sizeof(vrows) / sizeof(vrows[0])));
	tcase_add_test(tc, test_search_capture);
	tcase_add_test(tc, test_search_fields);
	tcase_add_loop_test(tc, test_legacy_fields, 0, (int)(sizeof(lrows) / sizeof(lrows[0])));
	suite_add_tcase(s, tc);
	return s;
}
