/* The identity packet's bytes and timing (PROTOCOLS.md §3 "Identity packet").
 * Decisions beyond the manual (ours): an HTPC request is its own connection
 * (HTPHEAD's default is "Connection: close"), so in HTPC the packet goes in
 * front of every request's data exactly once, whatever REGTCP says;
 * REGEN=CLOUD ignores REGTCP and sends id then password once per
 * connection. TCPS and UDPS send no identity packet. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "regpkt.h"
#include "util.h"

int
regpkt_build(const struct settings *st, int mode, const char *mac_hex, struct regpkt *out)
{
	size_t n;

	memset(out, 0, sizeof(*out));
	if (mode != LINK_TCPC && mode != LINK_UDPC && mode != LINK_HTPC)
		return 0;
	switch (st->reg_mode) {
	case REG_MAC:
		/* seed 000 §4.19: the 6 bytes of the MAC address, raw ("MAC
		 * defaults to HEX"); the same MAC AT+MAC reports. */
		if (util_hex_decode(mac_hex, out->data, 6) != 6)
			memset(out->data, 0, 6);
		out->len = 6;
		break;
	case REG_USR:
		n = st->reg_data.len;
		memcpy(out->data, st->reg_data.data, MIN(n, sizeof(out->data)));
		out->len = MIN(n, sizeof(out->data));
		break;
	case REG_CLOUD:
		if (strlen(st->cloud_id) != 20 || strlen(st->cloud_password) != 8)
			return -ENODATA;
		memcpy(out->data, st->cloud_id, 20);
		memcpy(out->data + 20, st->cloud_password, 8);
		out->len = 28;
		out->first = mode != LINK_HTPC;
		out->every = mode == LINK_HTPC;
		return 0;
	default:
		return 0;
	}
	if (mode == LINK_HTPC) {
		out->every = out->len > 0;
		return 0;
	}
	/* Empty data: no packet (the 721's AT+CIPPACK=1,"",mode). */
	out->first = out->len && (st->reg_send == REG_FIRST || st->reg_send == REG_ALL);
	out->every = out->len && (st->reg_send == REG_EVERY || st->reg_send == REG_ALL);
	return 0;
}
