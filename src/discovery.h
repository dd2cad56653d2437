/* USR setup-software discovery (PROTOCOLS.md §6): the two search requests
 * on UDP port 1500 and the replies to them, built from the settings and the
 * interface the request came in on. Pure: tests/check_discovery.c and
 * fuzz/fuzz_discovery.c call it with bytes; src/discovery-service.c is the
 * socket. */
#ifndef USRB_DISCOVERY_H
#define USRB_DISCOVERY_H

#include <stddef.h>
#include <stdint.h>

struct service;
struct settings;

#define DISCOVERY_PORT		1500
#define DISCOVERY_SEARCH_LEN	4	/* FF 01 01 02 */
#define DISCOVERY_LEGACY_LEN	40	/* "0123456789" four times */
#define DISCOVERY_REPLY_LEN	36
#define DISCOVERY_LEGACY_REPLY_LEN 35
#define DISCOVERY_REPLY_MAX	36
#define DISCOVERY_VERSION_DEFAULT 4016	/* when device.version has no number */
#define DISCOVERY_RATE_MAX	50	/* replies per second; beyond: ignored */

enum discovery_request {
	DISCOVERY_NONE,		/* anything else: counted and ignored */
	DISCOVERY_SEARCH,	/* FF 01 01 02 -> 36-byte reply */
	DISCOVERY_LEGACY,	/* 40 ASCII digits -> 35-byte reply */
};

/* The interface a request came in on, as the kernel has it. */
struct discovery_iface {
	uint8_t ip[4];		/* network order */
	uint8_t netmask[4];
	uint8_t mac[6];
};

/* What one datagram asks. Exact lengths: a longer datagram is not one. */
enum discovery_request discovery_parse(const uint8_t *d, size_t n);

/* The firmware version number reported: the digits of device.version
 * ("V4016" -> 4016), DISCOVERY_VERSION_DEFAULT when it has none or they
 * pass 65535. */
unsigned discovery_version(const char *text);

/* The reply to req into out (cap >= DISCOVERY_REPLY_MAX): its length, 0
 * for DISCOVERY_NONE or a cap too small. */
size_t discovery_reply(enum discovery_request req, const struct settings *st,
    const struct discovery_iface *ifc, uint8_t *out, size_t cap);

/* The responder as a service of the instance (host.h). */
extern const struct service discovery_service;

#endif
