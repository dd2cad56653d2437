/* SMS texts in text mode (3GPP TS 27.005 §3, TS 23.038): which alphabet a
 * text needs (GSM 7-bit default alphabet, or UCS-2 for anything outside
 * it), splitting a long text into messages of 160 GSM-7 or 70 UCS-2
 * characters (PROTOCOLS.md §4), and the hexadecimal UCS-2 form in which
 * texts and numbers cross the AT interface with AT+CSCS="UCS2" (modem.c says
 * why that character set). Pure functions over UTF-8. */
#ifndef USRB_SMS_H
#define USRB_SMS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SMS_GSM7_MAX	160	/* septets in one message */
#define SMS_UCS2_MAX	70	/* UTF-16 code units in one message */
#define SMS_PARTS_MAX	16	/* a longer text is refused */
#define SMS_TEXT_MAX	(SMS_PARTS_MAX * SMS_GSM7_MAX * 4)	/* UTF-8 bytes */

/* Septets a code point takes in the GSM 7-bit default alphabet: 1 in the
 * basic table, 2 in the extension table (ESC + code), 0 when it is not in
 * the alphabet (TS 23.038 §6.2.1). */
int sms_gsm7_width(uint32_t cp);

/* The code point at s[i] (n bytes in all) and how many bytes it takes.
 * Malformed or overlong UTF-8, surrogates and code points beyond U+10FFFF
 * are U+FFFD of one byte. */
size_t sms_utf8_next(const char *s, size_t n, size_t i, uint32_t *cp);

/* 1 when some character of the text is outside the GSM 7-bit default
 * alphabet (or the UTF-8 is malformed): the text goes as UCS-2. */
int sms_needs_ucs2(const char *s, size_t n);

/* Cuts the text into messages of at most 160 septets (an extension
 * character counts 2 and is never cut in half) or, with ucs2, 70 UTF-16
 * code units (a surrogate pair stays whole). ends[k] is the byte offset
 * where part k ends. Returns the number of parts (1 for an empty text) or
 * -E2BIG beyond max parts. */
int sms_split(const char *s, size_t n, int ucs2, size_t *ends, int max);

/* UTF-8 -> UTF-16BE as upper-case hex, NUL-terminated ("hi" -> "00680069").
 * Returns the hex length, or -ENOSPC. */
ssize_t sms_ucs2_hex(const char *s, size_t n, char *out, size_t cap);

/* UCS-2 / UTF-16BE hex -> UTF-8, NUL-terminated. -EINVAL when hex is not
 * that (odd length, not a multiple of 4 digits, a non-hex digit, a lone
 * surrogate), -ENOSPC when out is too small; else the UTF-8 length. */
ssize_t sms_hex_utf8(const char *hex, size_t n, char *out, size_t cap);

/* hex digits -> bytes (8-bit data messages). -EINVAL or the byte count. */
ssize_t sms_hex_bytes(const char *hex, size_t n, uint8_t *out, size_t cap);

/* The least digits a number's tail match needs (sms_number_match): fewer
 * are a short code ("10086"), matched only as written. */
#define SMS_MATCH_MIN_DIGITS 7

/* 1 when sender (as the modem gave it) is the same subscriber as want (the
 * configured CIPNUM): the texts are equal; or both are digits, each with an
 * optional leading '+', and, with the leading zeros of the shorter (a
 * national trunk prefix "0") dropped, the shorter has at least
 * SMS_MATCH_MIN_DIGITS digits and is the tail of the longer: "13800138000"
 * is "+8613800138000", "015112345678" is "+4915112345678", "10086" is
 * only "10086". 0 otherwise, and for an empty want. */
int sms_number_match(const char *want, const char *sender);

#endif
