/* Parsers of the modem's lines (modem-parse.h), written from TS 27.007 and
 * TS 27.005: every field is checked, a line of the wrong shape is -EINVAL
 * and changes nothing the caller holds. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "modem-parse.h"
#include "util.h"

int
modem_parse_fields(const char *line, const char *prefix, char *buf, size_t cap,
    char **f, int max, unsigned *quoted)
{
	size_t plen = strlen(prefix), o = 0;
	const char *p = line + plen;
	int n = 0;

	*quoted = 0;
	if (strncasecmp(line, prefix, plen) != 0)
		return -EINVAL;
	while (*p == ' ')
		p++;
	if (!*p)
		return 0;
	for (;;) {
		if (n == max)
			return -E2BIG;
		f[n] = buf + o;
		while (*p == ' ')
			p++;
		if (*p == '"') {
			*quoted |= 1u << n;
			p++;
			while (*p && *p != '"') {
				if (o + 1 >= cap)
					return -E2BIG;
				buf[o++] = *p++;
			}
			if (*p != '"')
				return -EINVAL;
			p++;
			while (*p == ' ')
				p++;
		} else {
			while (*p && *p != ',') {
				if (o + 1 >= cap)
					return -E2BIG;
				buf[o++] = *p++;
			}
			while (o > 0 && buf[o - 1] == ' ' && buf + o - 1 >= f[n])
				o--;
		}
		if (o >= cap)
			return -E2BIG;
		buf[o++] = '\0';
		n++;
		if (!*p)
			return n;
		if (*p != ',')
			return -EINVAL;
		p++;
	}
}

/* A decimal field in [min, max]. */
static int
number(const char *s, long min, long max, int *out)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	v = strtol(s, &end, 10);
	if (*end || v < min || v > max)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

int
modem_parse_csq(const char *line, int *rssi, int *ber)
{
	char buf[64], *f[MODEM_FIELDS_MAX];
	unsigned q;
	int s, b;

	if (modem_parse_fields(line, "+CSQ:", buf, sizeof(buf), f, MODEM_FIELDS_MAX, &q) != 2 ||
	    q || number(f[0], 0, 99, &s) < 0 || number(f[1], 0, 99, &b) < 0)
		return -EINVAL;
	if ((s > 31 && s != 99) || (b > 7 && b != 99))
		return -EINVAL;
	*rssi = s;
	*ber = b;
	return 0;
}

int
modem_csq_dbm(int rssi)
{
	if (rssi < 0 || rssi > 31)
		return 0;
	return -113 + 2 * rssi;
}

static int
hexfield(const char *s, size_t maxlen, char *out, size_t cap)
{
	size_t n = strlen(s);

	if (n == 0 || n > maxlen || n >= cap)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return -EINVAL;
	for (size_t i = 0; i <= n; i++)
		out[i] = (char)toupper((unsigned char)s[i]);
	return 0;
}

int
modem_parse_creg(const char *line, int query, struct modem_creg *r)
{
	char buf[128], *f[MODEM_FIELDS_MAX];
	struct modem_creg v = { .act = -1 };
	unsigned q;
	int n, i = 0, mode;

	n = modem_parse_fields(line, "+CREG:", buf, sizeof(buf), f, MODEM_FIELDS_MAX, &q);
	if (n < 1 + query)
		return -EINVAL;
	if (query && number(f[i++], 0, 9, &mode) < 0)
		return -EINVAL;
	if (number(f[i++], 0, 9, &v.stat) < 0)
		return -EINVAL;
	if (n > i) {
		/* <lac>,<ci> come together; both may be empty while not
		 * registered. */
		if (n < i + 2)
			return -EINVAL;
		if (f[i][0] && hexfield(f[i], 4, v.lac, sizeof(v.lac)) < 0)
			return -EINVAL;
		if (f[i + 1][0] && hexfield(f[i + 1], 8, v.ci, sizeof(v.ci)) < 0)
			return -EINVAL;
		i += 2;
		if (n > i && f[i][0] && number(f[i], 0, 99, &v.act) < 0)
			return -EINVAL;
		if (n > i + 1)
			return -EINVAL;
	}
	*r = v;
	return 0;
}

const char *
modem_reg_name(int stat)
{
	static const char *const names[] = {
		[MODEM_REG_NOT] = "not registered", [MODEM_REG_HOME] = "home",
		[MODEM_REG_SEARCHING] = "searching", [MODEM_REG_DENIED] = "denied",
		[MODEM_REG_UNKNOWN] = "unknown", [MODEM_REG_ROAMING] = "roaming",
	};

	return stat >= 0 && stat < (int)ARRAY_SIZE(names) ? names[stat] : "unknown";
}

int
modem_reg_ok(int stat)
{
	return stat == MODEM_REG_HOME || stat == MODEM_REG_ROAMING;
}

int
modem_parse_cops(const char *line, char *oper, size_t cap)
{
	char buf[256], *f[MODEM_FIELDS_MAX];
	unsigned q;
	int n, mode, format;

	n = modem_parse_fields(line, "+COPS:", buf, sizeof(buf), f, MODEM_FIELDS_MAX, &q);
	if (n < 1 || number(f[0], 0, 4, &mode) < 0 || n == 2 || n > 4)
		return -EINVAL;
	if (n >= 3 && (number(f[1], 0, 9, &format) < 0 || !(q & 4) || strlen(f[2]) >= cap))
		return -EINVAL;
	util_strlcpy(oper, n >= 3 ? f[2] : "", cap);
	return 0;
}

int
modem_parse_cmti(const char *line, char *mem, size_t cap, int *index)
{
	char buf[64], *f[MODEM_FIELDS_MAX];
	unsigned q;
	int idx;

	if (modem_parse_fields(line, "+CMTI:", buf, sizeof(buf), f, MODEM_FIELDS_MAX, &q) != 2 ||
	    !f[0][0] || strlen(f[0]) >= cap || number(f[1], 0, 65535, &idx) < 0)
		return -EINVAL;
	util_strlcpy(mem, f[0], cap);
	*index = idx;
	return 0;
}

int
modem_parse_cmgr(const char *line, struct modem_cmgr *h)
{
	char buf[512], *f[MODEM_FIELDS_MAX];
	struct modem_cmgr v = { .dcs = -1 };
	unsigned q;
	int n;

	n = modem_parse_fields(line, "+CMGR:", buf, sizeof(buf), f, MODEM_FIELDS_MAX, &q);
	/* stat, oa, alpha, scts; with CSDH=1 seven more (a modem may stop
	 * after dcs). */
	if (n < 4 || n > 11 || !(q & 2) || !f[1][0])
		return -EINVAL;
	if (strlen(f[0]) >= sizeof(v.stat) || strlen(f[1]) >= sizeof(v.oa) ||
	    strlen(f[3]) >= sizeof(v.scts))
		return -EINVAL;
	util_strlcpy(v.stat, f[0], sizeof(v.stat));
	util_strlcpy(v.oa, f[1], sizeof(v.oa));
	util_strlcpy(v.scts, f[3], sizeof(v.scts));
	if (n >= 8 && f[7][0] && number(f[7], 0, 255, &v.dcs) < 0)
		return -EINVAL;
	*h = v;
	return 0;
}

int
modem_dcs_alphabet(int dcs)
{
	if (dcs < 0)
		return -1;
	/* TS 23.038 §4: general data coding (00xx) and message waiting
	 * groups keep the alphabet in bits 3-2; 1111 has one bit for it. */
	if ((dcs & 0xF0) == 0xF0)
		return dcs & 0x04 ? 1 : 0;
	if ((dcs & 0xC0) == 0x00 || (dcs & 0xC0) == 0x40) {
		int a = (dcs >> 2) & 3;

		return a == 3 ? 0 : a;
	}
	if ((dcs & 0xF0) == 0xE0)
		return 2;	/* message waiting, UCS-2 */
	return 0;
}

int
modem_parse_cgsn(const char *line, char *imei, size_t cap)
{
	char buf[64], *f[MODEM_FIELDS_MAX];
	const char *s = line;
	unsigned q;
	size_t n;

	if (strncasecmp(line, "+CGSN:", 6) == 0) {
		if (modem_parse_fields(line, "+CGSN:", buf, sizeof(buf), f, MODEM_FIELDS_MAX,
		    &q) != 1)
			return -EINVAL;
		s = f[0];
	}
	n = strlen(s);
	if (n < 14 || n > 17 || n >= cap)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return -EINVAL;
	memcpy(imei, s, n + 1);
	return 0;
}

int
modem_parse_cscs(const char *line, char *cs, size_t cap)
{
	char buf[64], *f[MODEM_FIELDS_MAX];
	unsigned q;

	if (modem_parse_fields(line, "+CSCS:", buf, sizeof(buf), f, MODEM_FIELDS_MAX, &q) != 1 ||
	    !f[0][0] || strlen(f[0]) >= cap)
		return -EINVAL;
	for (const char *p = f[0]; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
			return -EINVAL;
	util_strlcpy(cs, f[0], cap);
	return 0;
}

int
modem_parse_csmp(const char *line, char *out, size_t cap)
{
	char buf[96], *f[MODEM_FIELDS_MAX];
	unsigned q;
	long v[4];

	if (modem_parse_fields(line, "+CSMP:", buf, sizeof(buf), f, MODEM_FIELDS_MAX, &q) != 4 ||
	    q != 0)
		return -EINVAL;
	for (int i = 0; i < 4; i++)
		if (util_parse_long(f[i], 0, 255, &v[i]) < 0)
			return -EINVAL;
	if ((size_t)snprintf(out, cap, "%ld,%ld,%ld,%ld", v[0], v[1], v[2], v[3]) >= cap)
		return -ENOSPC;
	return 0;
}
