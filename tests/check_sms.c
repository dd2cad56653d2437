/* SMS text helpers (sms.h) and the modem's line parsers (modem-parse.h),
 * by table: the GSM 7-bit default alphabet of TS 23.038, when a text needs
 * UCS-2, splitting at 160 septets / 70 UTF-16 units (extension characters
 * and surrogate pairs never cut), UCS-2 hex both ways, and the +CSQ, +CREG,
 * +COPS, +CMTI, +CMGR, +CGSN, +CSCS lines of TS 27.007 / 27.005; the
 * sender of an SMS against CIPNUM and what an incoming SMS is (smsmode.h). */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "modem-parse.h"
#include "sms.h"
#include "smsmode.h"
#include "unit.h"
#include "util.h"

static const struct { uint32_t cp; int width; } widths[] = {
	{ '@', 1 }, { 'A', 1 }, { 'z', 1 }, { '\n', 1 }, { '\r', 1 }, { 0xA3, 1 } /* £ */,
	{ 0x394, 1 } /* Δ */, { 0xE0, 1 } /* à */, { '$', 1 }, { '_', 1 },
	{ 0x20AC, 2 } /* € */, { '[', 2 }, { ']', 2 }, { '{', 2 }, { '}', 2 }, { '\\', 2 },
	{ '^', 2 }, { '~', 2 }, { '|', 2 }, { 0x0C, 2 },
	{ '`', 0 }, { '\t', 0 }, { 0x1B, 0 }, { 0xE2, 0 } /* â */, { 0x4E2D, 0 } /* 中 */,
	{ 0x1F600, 0 }, { 0xFFFD, 0 },
};

START_TEST(test_gsm7_width)
{
	ck_assert_int_eq(sms_gsm7_width(widths[_i].cp), widths[_i].width);
}
END_TEST

static const struct { const char *text; int ucs2; } needs[] = {
	{ "", 0 },
	{ "hello, world!", 0 },
	{ "price: 5\xe2\x82\xac [ok]", 0 },	/* € and brackets: extension table */
	{ "\xc2\xa3\xc3\xa9\xc3\x9f", 0 },		/* £ é ß */
	{ "back`tick", 1 },
	{ "tab\there", 1 },
	{ "\xe4\xb8\xad", 1 },				/* 中 */
	{ "caf\xc3\xa2", 1 },				/* â */
	{ "bad \xff utf-8", 1 },
	{ "\xc0\xaf", 1 },				/* overlong '/' */
	{ "\xed\xa0\x80", 1 },				/* a surrogate in UTF-8 */
};

START_TEST(test_needs_ucs2)
{
	ck_assert_int_eq(sms_needs_ucs2(needs[_i].text, strlen(needs[_i].text)), needs[_i].ucs2);
}
END_TEST

/* Builds n copies of unit. */
static size_t
repeat(char *out, const char *unit, int n)
{
	size_t u = strlen(unit), o = 0;

	for (int i = 0; i < n; i++, o += u)
		memcpy(out + o, unit, u);
	out[o] = '\0';
	return o;
}

static const struct {
	const char *unit;	/* repeated ... */
	int count;		/* ... this many times */
	const char *tail;	/* then this */
	int ucs2;
	int parts;
	size_t first_end;	/* bytes in the first part */
} splits[] = {
	{ "a", 0, "", 0, 1, 0 },
	{ "a", 160, "", 0, 1, 160 },
	{ "a", 161, "", 0, 2, 160 },
	{ "a", 320, "", 0, 2, 160 },
	{ "a", 321, "", 0, 3, 160 },
	{ "a", 159, "\xe2\x82\xac", 0, 2, 159 },	/* € is 2 septets: not cut */
	{ "a", 158, "\xe2\x82\xac", 0, 1, 161 },
	{ "\xe4\xb8\xad", 70, "", 1, 1, 210 },
	{ "\xe4\xb8\xad", 71, "", 1, 2, 210 },
	{ "\xe4\xb8\xad", 69, "\xf0\x9f\x98\x80", 1, 2, 207 },	/* a pair stays whole */
	{ "\xe4\xb8\xad", 68, "\xf0\x9f\x98\x80", 1, 1, 208 },
};

START_TEST(test_split)
{
	char text[2048];
	size_t ends[SMS_PARTS_MAX], n = repeat(text, splits[_i].unit, splits[_i].count);

	strcat(text, splits[_i].tail);
	n += strlen(splits[_i].tail);
	ck_assert_int_eq(sms_split(text, n, splits[_i].ucs2, ends, SMS_PARTS_MAX), splits[_i].parts);
	ck_assert_uint_eq(ends[0], splits[_i].first_end);
	ck_assert_uint_eq(ends[splits[_i].parts - 1], n);
}
END_TEST

START_TEST(test_split_too_long)
{
	static char text[SMS_PARTS_MAX * SMS_GSM7_MAX + 2];
	size_t ends[SMS_PARTS_MAX];
	size_t n = repeat(text, "a", SMS_PARTS_MAX * SMS_GSM7_MAX);

	ck_assert_int_eq(sms_split(text, n, 0, ends, SMS_PARTS_MAX), SMS_PARTS_MAX);
	ck_assert_int_eq(sms_split(text, n + 1 - 1, 0, ends, SMS_PARTS_MAX - 1), -E2BIG);
	text[n] = 'b';
	ck_assert_int_eq(sms_split(text, n + 1, 0, ends, SMS_PARTS_MAX), -E2BIG);
}
END_TEST

static const struct { const char *utf8, *hex; } hexes[] = {
	{ "", "" },
	{ "hi", "00680069" },
	{ "\xe2\x82\xac", "20AC" },
	{ "\xe4\xb8\xad\xe6\x96\x87", "4E2D6587" },
	{ "\xf0\x9f\x98\x80", "D83DDE00" },
	{ "+8613800138000", "002B0038003600310033003800300030003100330038003000300030" },
};

START_TEST(test_ucs2_hex_both_ways)
{
	char hex[256], back[256];
	const char *u = hexes[_i].utf8;

	ck_assert_int_eq(sms_ucs2_hex(u, strlen(u), hex, sizeof(hex)), (ssize_t)strlen(hexes[_i].hex));
	ck_assert_str_eq(hex, hexes[_i].hex);
	ck_assert_int_eq(sms_hex_utf8(hex, strlen(hex), back, sizeof(back)), (ssize_t)strlen(u));
	ck_assert_str_eq(back, u);
}
END_TEST

static const struct { const char *hex; int rc; const char *utf8; } bad_hex[] = {
	{ "004", -EINVAL, NULL },		/* not whole units */
	{ "00G1", -EINVAL, NULL },
	{ "DC00", -EINVAL, NULL },		/* a low surrogate alone */
	{ "D83D", -EINVAL, NULL },		/* a high one at the end */
	{ "D83D0041", -EINVAL, NULL },	/* ... followed by no low one */
	{ "hello!!!", -EINVAL, NULL },	/* a text that is not hex stays a text */
	{ "00e9", 2, "\xc3\xa9" },		/* lower case hex */
	{ "0041004200430044", -ENOSPC, NULL },	/* out is 4 bytes */
};

START_TEST(test_hex_bad)
{
	char out[4];

	ck_assert_int_eq(sms_hex_utf8(bad_hex[_i].hex, strlen(bad_hex[_i].hex), out, sizeof(out)),
	    bad_hex[_i].rc);
	if (bad_hex[_i].utf8)
		ck_assert_str_eq(out, bad_hex[_i].utf8);
}
END_TEST

START_TEST(test_ucs2_hex_cap)
{
	char out[8];

	ck_assert_int_eq(sms_ucs2_hex("ab", 2, out, 8), -ENOSPC);	/* 8 digits + NUL */
	{
		char nine[9];

		ck_assert_int_eq(sms_ucs2_hex("ab", 2, nine, sizeof(nine)), 8);
		ck_assert_str_eq(nine, "00610062");
	}
	ck_assert_int_eq(sms_ucs2_hex("\xff", 1, out, sizeof(out)), 4);	/* U+FFFD */
	ck_assert_str_eq(out, "FFFD");
	{
		uint8_t b[4];

		ck_assert_int_eq(sms_hex_bytes("00ff7F", 6, b, sizeof(b)), 3);
		ck_assert_uint_eq(b[1], 0xff);
		ck_assert_int_eq(sms_hex_bytes("0", 1, b, sizeof(b)), -EINVAL);
		ck_assert_int_eq(sms_hex_bytes("0102030405", 10, b, sizeof(b)), -ENOSPC);
	}
}
END_TEST

/* --- line parsers ------------------------------------------------------------ */

static const struct { const char *line; int rc, rssi, ber, dbm; } csqs[] = {
	{ "+CSQ: 20,99", 0, 20, 99, -73 },
	{ "+CSQ:0,0", 0, 0, 0, -113 },
	{ "+CSQ: 31,7", 0, 31, 7, -51 },
	{ "+CSQ: 99,99", 0, 99, 99, 0 },
	{ "+csq: 1,2", 0, 1, 2, -111 },
	{ "+CSQ: 32,99", -EINVAL, 0, 0, 0 },
	{ "+CSQ: 20,8", -EINVAL, 0, 0, 0 },
	{ "+CSQ: 20", -EINVAL, 0, 0, 0 },
	{ "+CSQ: -1,99", -EINVAL, 0, 0, 0 },
	{ "+CSQ: \"20\",99", -EINVAL, 0, 0, 0 },
	{ "+CSQ: 20,99,1", -EINVAL, 0, 0, 0 },
	{ "+CREG: 1", -EINVAL, 0, 0, 0 },
};

START_TEST(test_csq)
{
	int rssi = 0, ber = 0;

	ck_assert_int_eq(modem_parse_csq(csqs[_i].line, &rssi, &ber), csqs[_i].rc);
	if (csqs[_i].rc)
		return;
	ck_assert_int_eq(rssi, csqs[_i].rssi);
	ck_assert_int_eq(ber, csqs[_i].ber);
	ck_assert_int_eq(modem_csq_dbm(rssi), csqs[_i].dbm);
}
END_TEST

static const struct {
	const char *line;
	int query, rc, stat;
	const char *lac, *ci;
	int act;
} cregs[] = {
	{ "+CREG: 2,1,\"00C3\",\"1A2B\"", 1, 0, 1, "00C3", "1A2B", -1 },
	{ "+CREG: 2,5,\"0a0b\",\"0000ffff\",7", 1, 0, 5, "0A0B", "0000FFFF", 7 },
	{ "+CREG: 0,2", 1, 0, 2, "", "", -1 },
	{ "+CREG: 1", 0, 0, 1, "", "", -1 },
	{ "+CREG: 1,\"00C3\",\"1A2B\"", 0, 0, 1, "00C3", "1A2B", -1 },
	{ "+CREG: 5,\"00C3\",\"1A2B\",2", 0, 0, 5, "00C3", "1A2B", 2 },
	{ "+CREG: 3,\"\",\"\"", 0, 0, 3, "", "", -1 },
	{ "+CREG: 2", 1, -EINVAL, 0, "", "", -1 },
	{ "+CREG: 1,\"00C3\"", 0, -EINVAL, 0, "", "", -1 },
	{ "+CREG: 1,\"12345\",\"1\"", 0, -EINVAL, 0, "", "", -1 },	/* LAC: 2 bytes */
	{ "+CREG: 1,\"00C3\",\"123456789\"", 0, -EINVAL, 0, "", "", -1 },
	{ "+CREG: 1,\"XYZ\",\"1\"", 0, -EINVAL, 0, "", "", -1 },
	{ "+CREG: 1,\"1\",\"1\",2,9", 0, -EINVAL, 0, "", "", -1 },
	{ "+CREG: 1,\"1", 0, -EINVAL, 0, "", "", -1 },
	{ "+CGREG: 1", 0, -EINVAL, 0, "", "", -1 },
	{ "+CREG:", 0, -EINVAL, 0, "", "", -1 },
};

START_TEST(test_creg)
{
	struct modem_creg r = { .stat = 77 };

	ck_assert_int_eq(modem_parse_creg(cregs[_i].line, cregs[_i].query, &r), cregs[_i].rc);
	if (cregs[_i].rc) {
		ck_assert_int_eq(r.stat, 77);	/* unchanged */
		return;
	}
	ck_assert_int_eq(r.stat, cregs[_i].stat);
	ck_assert_str_eq(r.lac, cregs[_i].lac);
	ck_assert_str_eq(r.ci, cregs[_i].ci);
	ck_assert_int_eq(r.act, cregs[_i].act);
}
END_TEST

START_TEST(test_reg_names)
{
	ck_assert_str_eq(modem_reg_name(1), "home");
	ck_assert_str_eq(modem_reg_name(5), "roaming");
	ck_assert_str_eq(modem_reg_name(2), "searching");
	ck_assert_str_eq(modem_reg_name(9), "unknown");
	ck_assert_int_eq(modem_reg_ok(1) + modem_reg_ok(5), 2);
	ck_assert_int_eq(modem_reg_ok(0) + modem_reg_ok(2) + modem_reg_ok(3) + modem_reg_ok(4), 0);
}
END_TEST

static const struct { const char *line; int rc; const char *oper; } copses[] = {
	{ "+COPS: 0,0,\"China Mobile\",7", 0, "China Mobile" },
	{ "+COPS: 0,2,\"46000\"", 0, "46000" },
	{ "+COPS: 0", 0, "" },
	{ "+COPS: 2", 0, "" },
	{ "+COPS: 0,0", -EINVAL, "" },
	{ "+COPS: 0,0,46000", -EINVAL, "" },
	{ "+COPS: 5,0,\"x\"", -EINVAL, "" },
	{ "+COPS: 0,0,\"x\",7,1", -EINVAL, "" },
};

START_TEST(test_cops)
{
	char oper[64] = "before";

	ck_assert_int_eq(modem_parse_cops(copses[_i].line, oper, sizeof(oper)), copses[_i].rc);
	ck_assert_str_eq(oper, copses[_i].rc ? "before" : copses[_i].oper);
}
END_TEST

static const struct { const char *line; int rc; const char *mem; int index; } cmtis[] = {
	{ "+CMTI: \"SM\",3", 0, "SM", 3 },
	{ "+CMTI: \"ME\",0", 0, "ME", 0 },
	{ "+CMTI:\"SM\", 65535", 0, "SM", 65535 },
	{ "+CMTI: \"SM\",65536", -EINVAL, "", 0 },
	{ "+CMTI: \"SM\"", -EINVAL, "", 0 },
	{ "+CMTI: \"SM\",x", -EINVAL, "", 0 },
	{ "+CMTI: \"\",1", -EINVAL, "", 0 },
	{ "+CMTI: \"SM\",1,2", -EINVAL, "", 0 },
};

START_TEST(test_cmti)
{
	char mem[8] = "";
	int index = -1;

	ck_assert_int_eq(modem_parse_cmti(cmtis[_i].line, mem, sizeof(mem), &index), cmtis[_i].rc);
	if (cmtis[_i].rc)
		return;
	ck_assert_str_eq(mem, cmtis[_i].mem);
	ck_assert_int_eq(index, cmtis[_i].index);
}
END_TEST

static const struct {
	const char *line;
	int rc;
	const char *stat, *oa, *scts;
	int dcs;
} cmgrs[] = {
	{ "+CMGR: \"REC UNREAD\",\"+8613800138000\",,\"24/05/01,12:00:00+08\"", 0,
	  "REC UNREAD", "+8613800138000", "24/05/01,12:00:00+08", -1 },
	{ "+CMGR: \"REC READ\",\"002B0031\",\"Bob\",\"24/05/01,12:00:00+08\",145,4,0,8,"
	  "\"+10000\",145,3", 0, "REC READ", "002B0031", "24/05/01,12:00:00+08", 8 },
	{ "+CMGR: \"REC READ\",\"10086\",,\"24/05/01,12:00:00+08\",129,4,0,0", 0,
	  "REC READ", "10086", "24/05/01,12:00:00+08", 0 },
	{ "+CMGR: \"REC READ\",10086,,\"x\"", -EINVAL, "", "", "", 0 },	/* oa unquoted */
	{ "+CMGR: \"REC READ\",\"\",,\"x\"", -EINVAL, "", "", "", 0 },
	{ "+CMGR: \"REC READ\",\"1\"", -EINVAL, "", "", "", 0 },
	{ "+CMGR: \"REC READ\",\"1\",,\"x\",145,4,0,256", -EINVAL, "", "", "", 0 },
	{ "+CMGR: 0,,23", -EINVAL, "", "", "", 0 },			/* PDU mode */
};

START_TEST(test_cmgr)
{
	struct modem_cmgr h;

	ck_assert_int_eq(modem_parse_cmgr(cmgrs[_i].line, &h), cmgrs[_i].rc);
	if (cmgrs[_i].rc)
		return;
	ck_assert_str_eq(h.stat, cmgrs[_i].stat);
	ck_assert_str_eq(h.oa, cmgrs[_i].oa);
	ck_assert_str_eq(h.scts, cmgrs[_i].scts);
	ck_assert_int_eq(h.dcs, cmgrs[_i].dcs);
}
END_TEST

static const struct { int dcs, alphabet; } dcses[] = {
	{ -1, -1 }, { 0x00, 0 }, { 0x04, 1 }, { 0x08, 2 }, { 0x0C, 0 }, { 0x10, 0 },
	{ 0x18, 2 }, { 0x48, 2 }, { 0xF0, 0 }, { 0xF4, 1 }, { 0xE0, 2 }, { 0xC0, 0 },
};

START_TEST(test_dcs)
{
	ck_assert_int_eq(modem_dcs_alphabet(dcses[_i].dcs), dcses[_i].alphabet);
}
END_TEST

static const struct { const char *line; int rc; const char *imei; } cgsns[] = {
	{ "356938035643809", 0, "356938035643809" },
	{ "+CGSN: \"356938035643809\"", 0, "356938035643809" },
	{ "+CGSN: 35693803564380", 0, "35693803564380" },
	{ "3569380356438", -EINVAL, "" },
	{ "35693803564380912", 0, "35693803564380912" },
	{ "356938035643809123", -EINVAL, "" },
	{ "35693803564380X", -EINVAL, "" },
	{ "OK", -EINVAL, "" },
};

START_TEST(test_cgsn)
{
	char imei[20] = "";

	ck_assert_int_eq(modem_parse_cgsn(cgsns[_i].line, imei, sizeof(imei)), cgsns[_i].rc);
	ck_assert_str_eq(imei, cgsns[_i].imei);
}
END_TEST

START_TEST(test_cscs_and_fields)
{
	char cs[16] = "", buf[64], *f[4];
	unsigned q;

	ck_assert_int_eq(modem_parse_cscs("+CSCS: \"IRA\"", cs, sizeof(cs)), 0);
	ck_assert_str_eq(cs, "IRA");
	ck_assert_int_eq(modem_parse_cscs("+CSCS: \"a\"b\"", cs, sizeof(cs)), -EINVAL);
	ck_assert_int_eq(modem_parse_cscs("+CSCS: \"8859-1\"", cs, sizeof(cs)), 0);
	/* TS 27.005 §3.3.2 +CSMP: four numbers (a relative validity period). */
	ck_assert_int_eq(modem_parse_csmp("+CSMP: 17,167,0,8", cs, sizeof(cs)), 0);
	ck_assert_str_eq(cs, "17,167,0,8");
	ck_assert_int_eq(modem_parse_csmp("+CSMP: 17, 167, 0, 0", cs, sizeof(cs)), 0);
	ck_assert_str_eq(cs, "17,167,0,0");
	ck_assert_int_eq(modem_parse_csmp("+CSMP: 25,\"24/05/01,12:00:00+08\",0,0", cs,
	    sizeof(cs)), -EINVAL);			/* an absolute one: not ours to restore */
	ck_assert_int_eq(modem_parse_csmp("+CSMP: 17,167,0", cs, sizeof(cs)), -EINVAL);
	ck_assert_int_eq(modem_parse_csmp("+CSMP: 17,167,0,256", cs, sizeof(cs)), -EINVAL);
	ck_assert_int_eq(modem_parse_csmp("+CSMP: 255,255,255,255", cs, 8), -ENOSPC);
	/* Commas inside quotes stay; fields beyond max are -E2BIG. */
	ck_assert_int_eq(modem_parse_fields("+X: \"a,b\", c ,\"\"", "+X:", buf, sizeof(buf), f, 4,
	    &q), 3);
	ck_assert_str_eq(f[0], "a,b");
	ck_assert_str_eq(f[1], "c");
	ck_assert_str_eq(f[2], "");
	ck_assert_uint_eq(q, 5);
	ck_assert_int_eq(modem_parse_fields("+X: 1,2,3,4,5", "+X:", buf, sizeof(buf), f, 4, &q),
	    -E2BIG);
	ck_assert_int_eq(modem_parse_fields("+X: \"1\"2", "+X:", buf, sizeof(buf), f, 4, &q),
	    -EINVAL);
	ck_assert_int_eq(modem_parse_fields("+X:", "+X:", buf, sizeof(buf), f, 4, &q), 0);
	ck_assert_int_eq(modem_parse_fields("+X: 1234567890", "+X:", buf, 8, f, 4, &q), -E2BIG);
}
END_TEST

/* sms_number_match (sms.h): the sender of an SMS against CIPNUM. */
static const struct {
	const char *want, *sender;
	int match;
} matches[] = {
	{ "+8613800138000", "+8613800138000", 1 },
	{ "13800138000", "+8613800138000", 1 },	/* national vs international */
	{ "+8613800138000", "13800138000", 1 },
	{ "8613800138000", "+8613800138000", 1 },
	{ "015112345678", "+4915112345678", 1 },	/* trunk prefix 0 */
	{ "+4915112345678", "015112345678", 1 },
	{ "1234567", "+861234567", 1 },		/* seven digits: enough */
	{ "123456", "+86123456", 0 },		/* six: a short code's tail */
	{ "10086", "10086", 1 },			/* short codes: as written */
	{ "10086", "+8610086", 0 },
	{ "13800138000", "+8613800138001", 0 },
	{ "13800138000", "+8613900138000", 0 },
	{ "", "", 0 },					/* no CIPNUM: nobody */
	{ "", "+8613800138000", 0 },
	{ "13800138000", "", 0 },
	{ "13800138000", "Bank", 0 },
	{ "13800138000", "+86-13800138000", 0 },	/* only digits after the '+' */
	{ "0000000", "+860000000", 0 },		/* zeros alone are no number */
};

START_TEST(test_number_match)
{
	ck_assert_msg(sms_number_match(matches[_i].want, matches[_i].sender) == matches[_i].match,
	    "%s vs %s", matches[_i].want, matches[_i].sender);
}
END_TEST

/* smsmode_classify (smsmode.h): what an incoming SMS is. */
static const struct {
	int sms_mode;
	const char *sender, *text;
	int binary;
	enum smsmode_kind kind;
	const char *line;		/* SMS_IS_COMMAND: the line to run ("" malformed) */
} kinds[] = {
	{ 1, "+8613800138000", "hello", 0, SMS_IS_DATA, NULL },
	{ 1, "+8613800138000", "usr.cn#AT+CIVER?", 0, SMS_IS_COMMAND, "AT+CIVER?" },
	{ 1, "+8613800138000", "usr.cn#at+cipr=9600\r\n", 0, SMS_IS_COMMAND, "at+cipr=9600" },
	{ 1, "+4915100000000", "usr.cn#ATW", 0, SMS_IS_COMMAND, "ATW" },	/* any sender */
	{ 0, "+4915100000000", "usr.cn#ATW", 0, SMS_IS_COMMAND, "ATW" },	/* any mode */
	{ 1, "+4915100000000", "usr.cn#AT\r\nAT", 0, SMS_IS_COMMAND, "" },	/* malformed */
	{ 1, "+4915100000000", "hello", 0, SMS_IS_OTHER_SENDER, NULL },
	{ 0, "+8613800138000", "hello", 0, SMS_IS_NOT_SMS_MODE, NULL },
	{ 1, "+8613800138000", "usr.cn#", 0, SMS_IS_DATA, NULL },		/* no AT: data */
	{ 1, "+8613800138000", "usr.cn AT+CIVER?", 0, SMS_IS_DATA, NULL },	/* wrong password */
	{ 1, "+8613800138000", "usr.cn#AT+CIVER?", 1, SMS_IS_DATA, NULL },	/* 8-bit data */
	{ 0, "+8613800138000", "usr.cn#AT+CIVER?", 1, SMS_IS_NOT_SMS_MODE, NULL },
};

START_TEST(test_classify)
{
	const char *line;
	size_t len;
	enum smsmode_kind k = smsmode_classify("usr.cn#", kinds[_i].sms_mode, "13800138000",
	    kinds[_i].sender, kinds[_i].text, strlen(kinds[_i].text), kinds[_i].binary, &line,
	    &len);

	ck_assert_int_eq(k, kinds[_i].kind);
	if (k != SMS_IS_COMMAND)
		return;
	ck_assert_uint_eq(len, strlen(kinds[_i].line));
	ck_assert(len == 0 ? line == NULL : memcmp(line, kinds[_i].line, len) == 0);
}
END_TEST

Suite *
suite_sms(void)
{
	Suite *s = suite_create("sms");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_gsm7_width, 0, (int)ARRAY_SIZE(widths));
	tcase_add_loop_test(tc, test_needs_ucs2, 0, (int)ARRAY_SIZE(needs));
	tcase_add_loop_test(tc, test_split, 0, (int)ARRAY_SIZE(splits));
	tcase_add_test(tc, test_split_too_long);
	tcase_add_loop_test(tc, test_ucs2_hex_both_ways, 0, (int)ARRAY_SIZE(hexes));
	tcase_add_loop_test(tc, test_hex_bad, 0, (int)ARRAY_SIZE(bad_hex));
	tcase_add_test(tc, test_ucs2_hex_cap);
	tcase_add_loop_test(tc, test_csq, 0, (int)ARRAY_SIZE(csqs));
	tcase_add_loop_test(tc, test_creg, 0, (int)ARRAY_SIZE(cregs));
	tcase_add_test(tc, test_reg_names);
	tcase_add_loop_test(tc, test_cops, 0, (int)ARRAY_SIZE(copses));
	tcase_add_loop_test(tc, test_cmti, 0, (int)ARRAY_SIZE(cmtis));
	tcase_add_loop_test(tc, test_cmgr, 0, (int)ARRAY_SIZE(cmgrs));
	tcase_add_loop_test(tc, test_dcs, 0, (int)ARRAY_SIZE(dcses));
	tcase_add_loop_test(tc, test_cgsn, 0, (int)ARRAY_SIZE(cgsns));
	tcase_add_test(tc, test_cscs_and_fields);
	tcase_add_loop_test(tc, test_number_match, 0, (int)ARRAY_SIZE(matches));
	tcase_add_loop_test(tc, test_classify, 0, (int)ARRAY_SIZE(kinds));
	suite_add_tcase(s, tc);
	return s;
}
