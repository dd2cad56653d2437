/* Field codecs of AT rows: how a command spells a setting that the settings
 * table stores another way (hex text, milliseconds over microseconds, V.250
 * ICF format codes, a dialect's own enum words). Pure text in, text out. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "at.h"
#include "util.h"

/* The field's first setting, formatted as the config file has it. */
static void
format_key(const struct settings *st, const char *key, char *out, size_t cap)
{
	out[0] = '\0';
	settings_format(st, settings_find(key), out, cap);
}

static int
parse_ulong(const char *t, int maxdigits, long *v)
{
	int n = 0;

	*v = 0;
	for (; isdigit((unsigned char)t[n]); n++) {
		if (n == maxdigits)
			return -ERANGE;
		*v = *v * 10 + (t[n] - '0');
	}
	return n > 0 && t[n] == '\0' ? 0 : -EINVAL;
}

/* --- hex: "414243" <-> "ABC" (721 CIPPACK, PROTOCOLS.md §4) ------------------- */

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = toupper(c);
	return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The bytes of a ST_BYTES setting (its text form unescaped). */
static int
field_bytes(const struct at_field *f, const struct settings *st, uint8_t *out, size_t cap)
{
	char v[4 * SETTING_BYTES_MAX + 1];

	format_key(st, f->keys[0], v, sizeof(v));
	return settings_bytes_unescape(v, out, cap);
}

static int
hex_decode(const struct at_field *f, const char *const *at, char set[][AT_TEXT_MAX])
{
	const struct at_hex_bound *b = f->arg;
	uint8_t bytes[SETTING_BYTES_MAX];
	size_t n = strlen(at[0]), o = 0;

	if (n % 2)
		return -EINVAL;
	if (n / 2 > (size_t)b->max_bytes || n / 2 > sizeof(bytes))
		return -ERANGE;
	for (size_t i = 0; i < n; i += 2) {
		int hi = hexval((unsigned char)at[0][i]), lo = hexval((unsigned char)at[0][i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		bytes[o++] = (uint8_t)(hi << 4 | lo);
	}
	/* Any byte, NUL included: the setting is ST_BYTES (its text form). */
	settings_bytes_escape(bytes, o, set[0], AT_TEXT_MAX);
	return 0;
}

static int
hex_encode(const struct at_field *f, const struct settings *st, char *out, size_t cap)
{
	uint8_t bytes[SETTING_BYTES_MAX];
	int n = field_bytes(f, st, bytes, sizeof(bytes));

	if (n < 0 || cap < 2 * (size_t)n + 1)
		return -ENOSPC;
	util_hex_encode(bytes, (size_t)n, out, 1);
	out[2 * n] = '\0';
	return 0;
}

static void
hex_test(const struct at_field *f, enum personality p, char *out, size_t cap)
{
	const struct at_hex_bound *b = f->arg;

	snprintf(out, cap, "%d", 2 * b->max_bytes);
}

const struct at_codec at_codec_hex = {
	"hex text", 1, hex_decode, hex_encode, hex_test,
};

/* --- bytes as typed: the 30X's AT+REGUSR/AT+HEARTDT data (seed 000 §4.22,
 * §4.30) is the AT text itself; the setting holds its text form. --------- */

static int
bytes_decode(const struct at_field *f, const char *const *at, char set[][AT_TEXT_MAX])
{
	size_t n = strlen(at[0]);

	if (n > SETTING_BYTES_MAX)
		return -ERANGE;
	settings_bytes_escape((const uint8_t *)at[0], n, set[0], AT_TEXT_MAX);
	return 0;
}

static int
bytes_encode(const struct at_field *f, const struct settings *st, char *out, size_t cap)
{
	uint8_t bytes[SETTING_BYTES_MAX];
	int n = field_bytes(f, st, bytes, sizeof(bytes));

	if (n < 0 || (size_t)n >= cap)
		return -ENOSPC;
	/* A NUL (possible from the config file) ends what AT can show. */
	memcpy(out, bytes, (size_t)n);
	out[n] = '\0';
	return 0;
}

static void
bytes_test(const struct at_field *f, enum personality p, char *out, size_t cap)
{
	const struct setting *s = settings_find(f->keys[0]).s;

	snprintf(out, cap, "%ld", s ? s->max : 0);
}

const struct at_codec at_codec_bytes = {
	"text", 1, bytes_decode, bytes_encode, bytes_test,
};

/* --- milliseconds over a µs setting (721 CIPCFG TIME, PROTOCOLS.md §2) ------ */

static int
ms_decode(const struct at_field *f, const char *const *at, char set[][AT_TEXT_MAX])
{
	long ms;
	int rc = parse_ulong(at[0], 9, &ms);

	if (rc < 0)
		return rc;
	snprintf(set[0], AT_TEXT_MAX, "%ld", ms * 1000);
	return 0;
}

static int
ms_encode(const struct at_field *f, const struct settings *st, char *out, size_t cap)
{
	char v[32];
	long us;

	format_key(st, f->keys[0], v, sizeof(v));
	us = strtol(v, NULL, 10);
	/* serial.pack_gap_us -1 is "4 character times": show what it is. */
	if (us < 0)
		us = settings_pack_gap_us(st);
	snprintf(out, cap, "%ld", (us + 500) / 1000);
	return 0;
}

static void
ms_test(const struct at_field *f, enum personality p, char *out, size_t cap)
{
	const struct setting *s = settings_find(f->keys[0]).s;
	long lo = s && s->min > 0 ? s->min : 0, hi = s ? s->max : 0;

	snprintf(out, cap, "(%ld-%ld)", (lo + 999) / 1000, hi / 1000);
}

const struct at_codec at_codec_ms = {
	"time in ms", 1, ms_decode, ms_encode, ms_test,
};

/* --- V.250 §6.2.11 +ICF=<format>,<parity> over data bits, stop bits, parity --- */

/* Format codes 1-6: data bits, stop bits, parity bit (0 auto-detect is not
 * a line setting). keys: serial.data_bits, serial.stop_bits, serial.parity. */
static const struct { int data, stop, parity; } icf_formats[] = {
	[1] = { 8, 2, 0 }, [2] = { 8, 1, 1 }, [3] = { 8, 1, 0 },
	[4] = { 7, 2, 0 }, [5] = { 7, 1, 1 }, [6] = { 7, 1, 0 },
};
/* Parity codes 0-3. */
static const char *const icf_parity[] = { "ODD", "EVEN", "MARK", "SPACE" };

static int
icf_decode(const struct at_field *f, const char *const *at, char set[][AT_TEXT_MAX])
{
	long fmt, par;

	if (parse_ulong(at[0], 1, &fmt) < 0 || fmt < 1 || fmt > 6 ||
	    parse_ulong(at[1], 1, &par) < 0 || par > 3)
		return -EINVAL;
	snprintf(set[0], AT_TEXT_MAX, "%d", icf_formats[fmt].data);
	snprintf(set[1], AT_TEXT_MAX, "%d", icf_formats[fmt].stop);
	/* The parity code counts only with a parity bit (V.250 §6.2.11). */
	snprintf(set[2], AT_TEXT_MAX, "%s", icf_formats[fmt].parity ? icf_parity[par] : "NONE");
	return 0;
}

static int
icf_encode(const struct at_field *f, const struct settings *st, char *out, size_t cap)
{
	int fmt = 0, par;

	for (int i = 1; i <= 6; i++)
		if (icf_formats[i].data == st->data_bits && icf_formats[i].stop == st->stop_bits &&
		    icf_formats[i].parity == (st->parity != PARITY_NONE))
			fmt = i;
	switch (st->parity) {
	case PARITY_ODD: par = 0; break;
	case PARITY_EVEN: par = 1; break;
	case PARITY_MARK: par = 2; break;
	default: par = 3; break;	/* SPACE, and V.250's default code */
	}
	/* Line settings without a code (5 data bits, 8P2 ...) show format 0,
	 * V.250's "auto-detect": never a value AT+ICF accepts back. */
	snprintf(out, cap, "%d,%d", fmt, par);
	return 0;
}

static void
icf_test(const struct at_field *f, enum personality p, char *out, size_t cap)
{
	snprintf(out, cap, "(1-6),(0-3)");
}

const struct at_codec at_codec_icf = {
	"V.250 format and parity", 2, icf_decode, icf_encode, icf_test,
};

/* --- a dialect's own words for enum values ------------------------------------- */

static int
spell_decode(const struct at_field *f, const char *const *at, char set[][AT_TEXT_MAX])
{
	const struct at_spelling *sp = f->arg;

	for (int i = 0; i < 8 && sp->pairs[i][0]; i++)
		if (strcasecmp(at[0], sp->pairs[i][1]) == 0) {
			util_strlcpy(set[0], sp->pairs[i][0], AT_TEXT_MAX);
			return 0;
		}
	if (sp->strict)
		return -EINVAL;
	/* Not one of the dialect's words: the settings table judges it. */
	return util_strlcpy(set[0], at[0], AT_TEXT_MAX) < AT_TEXT_MAX ? 0 : -EINVAL;
}

static int
spell_encode(const struct at_field *f, const struct settings *st, char *out, size_t cap)
{
	const struct at_spelling *sp = f->arg;

	format_key(st, f->keys[0], out, cap);
	for (int i = 0; i < 8 && sp->pairs[i][0]; i++)
		if (strcmp(out, sp->pairs[i][0]) == 0) {
			util_strlcpy(out, sp->pairs[i][1], cap);
			break;
		}
	return 0;
}

static void
spell_test(const struct at_field *f, enum personality p, char *out, size_t cap)
{
	const struct at_spelling *sp = f->arg;
	const struct setting *s = settings_find(f->keys[0]).s;
	size_t o = 0;

	out[0] = '\0';
	for (int i = 0; o < cap; i++) {
		const char *w = NULL;

		if (sp->strict) {
			w = i < 8 ? sp->pairs[i][1] : NULL;
		} else if (s && s->choices && s->choices[i]) {
			w = s->choices[i];
			for (int k = 0; k < 8 && sp->pairs[k][0]; k++)
				if (strcmp(w, sp->pairs[k][0]) == 0)
					w = sp->pairs[k][1];
		}
		if (!w)
			break;
		/* Numbers bare, words quoted (V.250 §5.7.3). */
		o += (size_t)snprintf(out + o, cap - o, isdigit((unsigned char)w[0]) ?
		    "%s%s" : "%s\"%s\"", i ? "," : "(", w);
	}
	if (o > 0 && o < cap)
		snprintf(out + o, cap - o, ")");
}

const struct at_codec at_codec_spell = {
	"choice", 1, spell_decode, spell_encode, spell_test,
};
