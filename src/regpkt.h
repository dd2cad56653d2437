/* The identity (registration) packet of the 30X (PROTOCOLS.md §3 "Identity
 * packet"): which bytes, and when they go out, from REGEN, REGTCP, REGUSR,
 * REGCLOUD and the link mode. Pure: settings in, bytes and flags out. */
#ifndef USRB_REGPKT_H
#define USRB_REGPKT_H

#include <stddef.h>
#include <stdint.h>

#include "settings.h"

/* The longest packet: REGCLOUD id (20) + password (8); REGUSR is <= 40. */
#define REGPKT_MAX 48

struct regpkt {
	uint8_t data[REGPKT_MAX];
	size_t len;		/* 0: no identity packet on this link */
	int first;		/* once per connection (UDP: before the first datagram) */
	int every;		/* in front of every frame */
};

/* Builds the packet of link mode `mode` (enum link_mode). mac_hex: the 12
 * hex digits AT+MAC reports. 0, or -ENODATA when REGEN=CLOUD has no
 * REGCLOUD id and password set (out->len is 0 then). */
int regpkt_build(const struct settings *st, int mode, const char *mac_hex, struct regpkt *out);

#endif
