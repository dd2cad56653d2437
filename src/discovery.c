/* The requests and replies of USR's setup-software discovery (*seen*: the
 * USR-TCP232-302/410S manuals and captures of a 30X with firmware 4017;
 * PROTOCOLS.md §6 has the layouts). */
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "discovery.h"
#include "settings.h"

static const uint8_t search[DISCOVERY_SEARCH_LEN] = { 0xff, 0x01, 0x01, 0x02 };

enum discovery_request
discovery_parse(const uint8_t *d, size_t n)
{
	if (n == DISCOVERY_SEARCH_LEN && memcmp(d, search, n) == 0)
		return DISCOVERY_SEARCH;
	if (n == DISCOVERY_LEGACY_LEN) {
		for (size_t i = 0; i < n; i++)
			if (d[i] != '0' + i % 10)
				return DISCOVERY_NONE;
		return DISCOVERY_LEGACY;
	}
	return DISCOVERY_NONE;
}

unsigned
discovery_version(const char *text)
{
	unsigned long v = 0;
	int digits = 0;

	for (const char *p = text; *p; p++) {
		if (*p < '0' || *p > '9')
			continue;
		v = v * 10 + (unsigned long)(*p - '0');
		digits++;
		if (v > 65535)
			return DISCOVERY_VERSION_DEFAULT;
	}
	return digits ? (unsigned)v : DISCOVERY_VERSION_DEFAULT;
}

/* An IPv4 literal in the legacy reply's order: reversed (little-endian);
 * 0.0.0.0 for a name or nothing. */
static void
ipv4_reversed(const char *text, uint8_t out[4])
{
	struct in_addr a;
	uint8_t b[4];

	memset(out, 0, 4);
	if (inet_pton(AF_INET, text, &a) != 1)
		return;
	memcpy(b, &a, 4);
	for (int i = 0; i < 4; i++)
		out[i] = b[3 - i];
}

/* The RFCEN serial byte (PROTOCOLS.md §3): bits 1:0 data bits - 5, bit 2
 * two stop bits, bit 3 parity on, bits 5:4 odd/even/mark/space. */
static uint8_t
serial_byte(const struct settings *st)
{
	uint8_t b = (uint8_t)((st->data_bits - 5) & 3);

	if (st->stop_bits == 2)
		b |= 0x04;
	if (st->parity != PARITY_NONE)
		b |= (uint8_t)(0x08 | ((st->parity - PARITY_ODD) & 3) << 4);
	return b;
}

/* The legacy reply's work mode: 0 UDPC, 1 TCPC, 2 UDPS, 3 TCPS; HTPC is a
 * TCP client to the setup software (ours: it has no code for it). */
static uint8_t
legacy_mode(int mode)
{
	switch (mode) {
	case LINK_UDPC: return 0;
	case LINK_UDPS: return 2;
	case LINK_TCPS: return 3;
	default: return 1;
	}
}

static size_t
search_reply(const struct settings *st, const struct discovery_iface *ifc, uint8_t *out)
{
	unsigned ver = discovery_version(st->version);
	size_t o = 0, n = strnlen(st->name, sizeof(st->name));
	uint8_t sum = 0;

	out[o++] = 0xff;
	out[o++] = DISCOVERY_REPLY_LEN;
	out[o++] = 0x01;
	out[o++] = 0x00;
	out[o++] = 0x00;
	memcpy(out + o, ifc->ip, 4);
	o += 4;
	memcpy(out + o, ifc->mac, 6);
	o += 6;
	out[o++] = (uint8_t)ver;
	out[o++] = (uint8_t)(ver >> 8);
	out[o++] = 0x00;
	out[o++] = 0x00;
	/* MID, NUL-padded to 16 (MID has at most 15 bytes). */
	memset(out + o, 0, 16);
	memcpy(out + o, st->name, n < 16 ? n : 15);
	o += 16;
	for (size_t i = 0; i < o; i++)
		sum = (uint8_t)(sum + out[i]);
	out[o++] = (uint8_t)(0 - sum);
	return o;
}

static size_t
legacy_reply(const struct settings *st, const struct discovery_iface *ifc, uint8_t *out)
{
	const struct link_settings *l = &st->link[0];
	long own_port = l->local_port;
	uint32_t baud = (uint32_t)st->baud;
	size_t o = 0;

	/* A server's own port is its listen port (PROTOCOLS.md §3 SOCKPORT). */
	if (!own_port && (l->mode == LINK_TCPS || l->mode == LINK_UDPS))
		own_port = l->port;
	memcpy(out + o, ifc->mac, 6);
	o += 6;
	out[o++] = (uint8_t)discovery_version(st->version);
	ipv4_reversed(l->host, out + o);
	o += 4;
	out[o++] = (uint8_t)l->port;
	out[o++] = (uint8_t)(l->port >> 8);
	for (int i = 0; i < 4; i++)
		out[o++] = ifc->ip[3 - i];
	out[o++] = (uint8_t)own_port;
	out[o++] = (uint8_t)(own_port >> 8);
	ipv4_reversed(st->wan_gateway, out + o);
	o += 4;
	out[o++] = legacy_mode(l->mode);
	out[o++] = (uint8_t)baud;
	out[o++] = (uint8_t)(baud >> 8);
	out[o++] = (uint8_t)(baud >> 16);
	out[o++] = serial_byte(st);
	/* id: the module has none to report (ours). */
	out[o++] = 0x00;
	out[o++] = 0x00;
	out[o++] = (uint8_t)((st->client_reset ? 0x10 : 0) | (st->link_output ? 0x20 : 0) |
	    (st->tcps_index ? 0x40 : 0) | (st->baud_sync ? 0x80 : 0));
	for (int i = 0; i < 4; i++)
		out[o++] = ifc->netmask[3 - i];
	return o;
}

size_t
discovery_reply(enum discovery_request req, const struct settings *st,
    const struct discovery_iface *ifc, uint8_t *out, size_t cap)
{
	if (cap < DISCOVERY_REPLY_MAX)
		return 0;
	switch (req) {
	case DISCOVERY_SEARCH:
		return search_reply(st, ifc, out);
	case DISCOVERY_LEGACY:
		return legacy_reply(st, ifc, out);
	default:
		return 0;
	}
}
