/* The HTPC request's text (PROTOCOLS.md §3 HTPC): the URL with the frame
 * percent-encoded for GET, and the HTPHEAD header lines. Pure string work,
 * no I/O: unit-tested and fuzzable. */
#ifndef USRB_HTPC_REQ_H
#define USRB_HTPC_REQ_H

#include <stddef.h>
#include <stdint.h>

/* Percent-encodes n bytes into out (cap bytes, always terminated when
 * cap > 0). Returns the length the whole encoding needs (as snprintf). */
size_t htpc_req_escape(const uint8_t *in, size_t n, char *out, size_t cap);

/* "http://HOST:PORT" + path (a '/' is put in front when it has none) +
 * data (GET; NULL/0 for POST), all escaped as above; an IPv6 literal host
 * goes in brackets. Returns the length, or -ENOSPC when cap is too small
 * (htpc_req_url_len says how much is needed). */
int htpc_req_url(const char *host, long port, const char *path, const uint8_t *data,
    size_t n, char *out, size_t cap);
size_t htpc_req_url_len(const char *host, const char *path, const uint8_t *data, size_t n);

/* HTPHEAD splitting: "<<CRLF>>" separates header lines (seed 000 §4.25).
 * Stores the next non-empty line at *cur into line (truncated to cap - 1)
 * and advances *cur; returns 1, or 0 when no line is left. */
int htpc_req_header_next(const char **cur, char *line, size_t cap);

#endif
