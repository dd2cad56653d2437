/* Address allow-lists: every connect, send and accept is checked against
 * them, so that a test machine can be held to loopback (DESIGN.md §4). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "netacl.h"
#include "util.h"

int
netacl_parse_cidr(const char *text, struct netacl_entry *out)
{
	char buf[64], *slash;
	long prefix;
	int max;

	while (*text == ' ')
		text++;
	if (util_strlcpy(buf, text, sizeof(buf)) >= sizeof(buf))
		return -EINVAL;
	/* Trailing spaces, as in "a, b". */
	for (size_t n = strlen(buf); n && buf[n - 1] == ' '; n--)
		buf[n - 1] = '\0';
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, buf, out->addr) == 1) {
		out->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
		out->family = AF_INET6;
		max = 128;
	} else {
		return -EINVAL;
	}
	if (!slash)
		prefix = max;
	else if (util_parse_long(slash, 0, max, &prefix) < 0)
		return -EINVAL;
	out->prefix = (int)prefix;
	return 0;
}

int
netacl_parse(const char *list, struct netacl *acl)
{
	char buf[1024], *tok, *next;

	acl->count = 0;
	if (util_strlcpy(buf, list, sizeof(buf)) >= sizeof(buf))
		return -E2BIG;
	if (buf[0] == '\0')
		return 0;
	/* Every item must be there: "a,,b" and "a," are errors. */
	for (tok = buf; tok; tok = next) {
		next = strchr(tok, ',');
		if (next)
			*next++ = '\0';
		if (acl->count == NETACL_MAX)
			return -E2BIG;
		if (netacl_parse_cidr(tok, &acl->e[acl->count]) < 0)
			return -EINVAL;
		acl->count++;
	}
	return 0;
}

static int
prefix_match(const uint8_t *a, const uint8_t *b, int bits)
{
	int full = bits / 8, rest = bits % 8;

	if (memcmp(a, b, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((a[full] ^ b[full]) & (0xff << (8 - rest))) == 0;
}

int
netacl_allows(const struct netacl *acl, const struct sockaddr *sa)
{
	uint8_t v4[4], v6[16];
	int have4 = 0, have6 = 0;

	if (sa->sa_family == AF_INET) {
		memcpy(v4, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		have4 = 1;
	} else if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		memcpy(v6, a, 16);
		have6 = 1;
		if (IN6_IS_ADDR_V4MAPPED(a)) {
			memcpy(v4, v6 + 12, 4);
			have4 = 1;
		}
	} else {
		return 0;
	}
	for (int i = 0; i < acl->count; i++) {
		const struct netacl_entry *e = &acl->e[i];

		if (e->family == AF_INET && have4 && prefix_match(e->addr, v4, e->prefix))
			return 1;
		if (e->family == AF_INET6 && have6 && prefix_match(e->addr, v6, e->prefix))
			return 1;
	}
	return 0;
}
