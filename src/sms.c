/* SMS text helpers (sms.h): the GSM 7-bit default alphabet of TS 23.038
 * §6.2.1 as Unicode code points, splitting, and UCS-2 hex both ways. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "sms.h"
#include "util.h"

/* The basic table, by GSM code: the Unicode character each one is. */
static const uint16_t gsm7_basic[128] = {
	0x0040, 0x00A3, 0x0024, 0x00A5, 0x00E8, 0x00E9, 0x00F9, 0x00EC,
	0x00F2, 0x00C7, 0x000A, 0x00D8, 0x00F8, 0x000D, 0x00C5, 0x00E5,
	0x0394, 0x005F, 0x03A6, 0x0393, 0x039B, 0x03A9, 0x03A0, 0x03A8,
	0x03A3, 0x0398, 0x039E, 0xFFFF /* ESC */, 0x00C6, 0x00E6, 0x00DF, 0x00C9,
	0x0020, 0x0021, 0x0022, 0x0023, 0x00A4, 0x0025, 0x0026, 0x0027,
	0x0028, 0x0029, 0x002A, 0x002B, 0x002C, 0x002D, 0x002E, 0x002F,
	0x0030, 0x0031, 0x0032, 0x0033, 0x0034, 0x0035, 0x0036, 0x0037,
	0x0038, 0x0039, 0x003A, 0x003B, 0x003C, 0x003D, 0x003E, 0x003F,
	0x00A1, 0x0041, 0x0042, 0x0043, 0x0044, 0x0045, 0x0046, 0x0047,
	0x0048, 0x0049, 0x004A, 0x004B, 0x004C, 0x004D, 0x004E, 0x004F,
	0x0050, 0x0051, 0x0052, 0x0053, 0x0054, 0x0055, 0x0056, 0x0057,
	0x0058, 0x0059, 0x005A, 0x00C4, 0x00D6, 0x00D1, 0x00DC, 0x00A7,
	0x00BF, 0x0061, 0x0062, 0x0063, 0x0064, 0x0065, 0x0066, 0x0067,
	0x0068, 0x0069, 0x006A, 0x006B, 0x006C, 0x006D, 0x006E, 0x006F,
	0x0070, 0x0071, 0x0072, 0x0073, 0x0074, 0x0075, 0x0076, 0x0077,
	0x0078, 0x0079, 0x007A, 0x00E4, 0x00F6, 0x00F1, 0x00FC, 0x00E0,
};

/* The extension table's characters (ESC then a code): form feed ^ { } \ [ ~ ] | €. */
static const uint16_t gsm7_ext[] = {
	0x000C, 0x005E, 0x007B, 0x007D, 0x005C, 0x005B, 0x007E, 0x005D, 0x007C, 0x20AC,
};

int
sms_gsm7_width(uint32_t cp)
{
	for (size_t i = 0; i < ARRAY_SIZE(gsm7_basic); i++)
		if (gsm7_basic[i] == cp)
			return 1;
	for (size_t i = 0; i < ARRAY_SIZE(gsm7_ext); i++)
		if (gsm7_ext[i] == cp)
			return 2;
	return 0;
}

size_t
sms_utf8_next(const char *s, size_t n, size_t i, uint32_t *cp)
{
	const unsigned char *p = (const unsigned char *)s + i;
	size_t left = n - i, len;
	uint32_t c, min;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if ((p[0] & 0xE0) == 0xC0) {
		len = 2, c = p[0] & 0x1F, min = 0x80;
	} else if ((p[0] & 0xF0) == 0xE0) {
		len = 3, c = p[0] & 0x0F, min = 0x800;
	} else if ((p[0] & 0xF8) == 0xF0) {
		len = 4, c = p[0] & 0x07, min = 0x10000;
	} else {
		goto bad;
	}
	if (len > left)
		goto bad;
	for (size_t k = 1; k < len; k++) {
		if ((p[k] & 0xC0) != 0x80)
			goto bad;
		c = c << 6 | (p[k] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		goto bad;
	*cp = c;
	return len;
bad:
	*cp = 0xFFFD;
	return 1;
}

int
sms_needs_ucs2(const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		uint32_t cp;

		i += sms_utf8_next(s, n, i, &cp);
		if (!sms_gsm7_width(cp))
			return 1;
	}
	return 0;
}

/* What a character costs in a message of that alphabet. */
static int
cost(uint32_t cp, int ucs2)
{
	if (ucs2)
		return cp > 0xFFFF ? 2 : 1;
	return sms_gsm7_width(cp) ? sms_gsm7_width(cp) : 1;
}

int
sms_split(const char *s, size_t n, int ucs2, size_t *ends, int max)
{
	const int cap = ucs2 ? SMS_UCS2_MAX : SMS_GSM7_MAX;
	int parts = 0, used = 0;

	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t len = sms_utf8_next(s, n, i, &cp);
		int c = cost(cp, ucs2);

		if (used + c > cap) {
			if (parts == max)
				return -E2BIG;
			ends[parts++] = i;
			used = 0;
		}
		used += c;
		i += len;
	}
	if (parts == max)
		return -E2BIG;
	ends[parts++] = n;
	return parts;
}

ssize_t
sms_ucs2_hex(const char *s, size_t n, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (size_t i = 0; i < n;) {
		uint16_t u[2];
		int nu = 1;
		uint32_t cp;

		i += sms_utf8_next(s, n, i, &cp);
		if (cp > 0xFFFF) {
			cp -= 0x10000;
			u[0] = (uint16_t)(0xD800 | cp >> 10);
			u[1] = (uint16_t)(0xDC00 | (cp & 0x3FF));
			nu = 2;
		} else {
			u[0] = (uint16_t)cp;
		}
		for (int k = 0; k < nu; k++) {
			if (o + 4 >= cap)
				return -ENOSPC;
			for (int sh = 12; sh >= 0; sh -= 4)
				out[o++] = hex[u[k] >> sh & 0xF];
		}
	}
	if (o >= cap)
		return -ENOSPC;
	out[o] = '\0';
	return (ssize_t)o;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

ssize_t
sms_hex_bytes(const char *hex, size_t n, uint8_t *out, size_t cap)
{
	if (n % 2 || n / 2 > cap)
		return n % 2 ? -EINVAL : -ENOSPC;
	for (size_t i = 0; i < n; i += 2) {
		int hi = hexval(hex[i]), lo = hexval(hex[i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return (ssize_t)(n / 2);
}

/* The code unit at hex[i..i+3], or -1. */
static long
unit(const char *hex, size_t i)
{
	long v = 0;

	for (int k = 0; k < 4; k++) {
		int d = hexval(hex[i + (size_t)k]);

		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

ssize_t
sms_hex_utf8(const char *hex, size_t n, char *out, size_t cap)
{
	size_t o = 0;

	if (n % 4)
		return -EINVAL;
	for (size_t i = 0; i < n; i += 4) {
		long u = unit(hex, i), lo;
		uint32_t cp;
		int len;

		if (u < 0)
			return -EINVAL;
		if (u >= 0xDC00 && u <= 0xDFFF)
			return -EINVAL;
		if (u >= 0xD800 && u <= 0xDBFF) {
			if (i + 8 > n || (lo = unit(hex, i + 4)) < 0xDC00 || lo > 0xDFFF)
				return -EINVAL;
			cp = 0x10000 + ((uint32_t)(u - 0xD800) << 10 | (uint32_t)(lo - 0xDC00));
			i += 4;
		} else {
			cp = (uint32_t)u;
		}
		len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
		if (o + (size_t)len >= cap)
			return -ENOSPC;
		if (len == 1) {
			out[o++] = (char)cp;
		} else {
			static const uint8_t lead[] = { 0, 0, 0xC0, 0xE0, 0xF0 };

			for (int k = len - 1; k > 0; k--)
				out[o + (size_t)k] = (char)(0x80 | (cp & 0x3F)), cp >>= 6;
			out[o] = (char)(lead[len] | cp);
			o += (size_t)len;
		}
	}
	if (o >= cap)
		return -ENOSPC;
	out[o] = '\0';
	return (ssize_t)o;
}

/* The digits of a number with an optional leading '+'; NULL if there is
 * anything else. */
static const char *
number_digits(const char *s, size_t *n)
{
	if (*s == '+')
		s++;
	*n = strlen(s);
	if (*n == 0)
		return NULL;
	for (size_t i = 0; i < *n; i++)
		if (s[i] < '0' || s[i] > '9')
			return NULL;
	return s;
}

int
sms_number_match(const char *want, const char *sender)
{
	const char *a, *b, *t;
	size_t na, nb, nt;

	if (!want[0])
		return 0;
	if (strcmp(want, sender) == 0)
		return 1;
	a = number_digits(want, &na);
	b = number_digits(sender, &nb);
	if (!a || !b)
		return 0;
	if (na > nb) {
		t = a, a = b, b = t;
		nt = na, na = nb, nb = nt;
	}
	while (na > 0 && *a == '0')
		a++, na--;
	return na >= SMS_MATCH_MIN_DIGITS && memcmp(a, b + nb - na, na) == 0;
}
