/* The text of an HTPC request (PROTOCOLS.md §3 HTPC).
 *
 * What is escaped (ours): the real device appends the frame to HTPURL as
 * it is. We keep every byte that may stand as it is in a URL's query (RFC
 * 3986 §3.4: unreserved, sub-delims, ':', '@', '/', '?') and a '%' that
 * already starts a %XX escape, so an MCU that sends "a=1&b=2" or its own
 * escapes reaches the server unchanged; every other byte (space, '#',
 * '"', controls, non-ASCII, a lone '%') becomes %XX, which keeps the URL
 * valid. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "htpc-req.h"

#define SEPARATOR "<<CRLF>>"

static int
is_hex(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* 1 when in[i] may stand as it is. */
static int
url_safe(const uint8_t *in, size_t n, size_t i)
{
	uint8_t c = in[i];

	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
		return 1;
	if (c == '%')
		return i + 2 < n && is_hex(in[i + 1]) && is_hex(in[i + 2]);
	return c != '\0' && strchr("-._~!$&'()*+,;=:@/?", c) != NULL;
}

size_t
htpc_req_escape(const uint8_t *in, size_t n, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0, w = 0;
	int full = 0;

	for (size_t i = 0; i < n; i++) {
		char e[3];
		size_t k = 1;

		e[0] = (char)in[i];
		if (!url_safe(in, n, i)) {
			e[0] = '%';
			e[1] = hex[in[i] >> 4];
			e[2] = hex[in[i] & 15];
			k = 3;
		}
		/* Whole escapes only: the output stops before one that does not fit. */
		if (!full && w + k < cap) {
			memcpy(out + w, e, k);
			w += k;
		} else {
			full = 1;
		}
		o += k;
	}
	if (cap > 0)
		out[w] = '\0';
	return o;
}

static int
is_ipv6_literal(const char *host)
{
	struct in6_addr a;

	return inet_pton(AF_INET6, host, &a) == 1;
}

size_t
htpc_req_url_len(const char *host, const char *path, const uint8_t *data, size_t n)
{
	/* "http://" "[" host "]" ":" 5 digits, '/', escapes, NUL */
	return 7 + strlen(host) + 2 + 6 + 1 +
	    htpc_req_escape((const uint8_t *)path, strlen(path), NULL, 0) +
	    htpc_req_escape(data, n, NULL, 0) + 1;
}

int
htpc_req_url(const char *host, long port, const char *path, const uint8_t *data, size_t n,
    char *out, size_t cap)
{
	size_t o, plen = strlen(path);
	int r;

	if (cap < htpc_req_url_len(host, path, data, n))
		return -ENOSPC;
	r = snprintf(out, cap, is_ipv6_literal(host) ? "http://[%s]:%ld%s" : "http://%s:%ld%s",
	    host, port, path[0] == '/' ? "" : "/");
	o = (size_t)r;
	o += htpc_req_escape((const uint8_t *)path, plen, out + o, cap - o);
	o += htpc_req_escape(data, n, out + o, cap - o);
	return (int)o;
}

int
htpc_req_header_next(const char **cur, char *line, size_t cap)
{
	const char *p = *cur;

	while (*p) {
		const char *end = strstr(p, SEPARATOR);
		size_t len = end ? (size_t)(end - p) : strlen(p);

		*cur = end ? end + strlen(SEPARATOR) : p + len;
		if (len == 0) {
			p = *cur;
			continue;
		}
		if (cap > 0) {
			if (len >= cap)
				len = cap - 1;
			memcpy(line, p, len);
			line[len] = '\0';
		}
		return 1;
	}
	*cur = p;
	return 0;
}
