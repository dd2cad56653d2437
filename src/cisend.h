/* The data phase of AT+CISEND (CIMOD=2, PROTOCOLS.md §4): after the "> "
 * prompt the serial line's bytes are data, not command lines, up to Ctrl-Z
 * (0x1A: send) or ESC (0x1B: cancel), as in 3GPP TS 27.005 AT+CMGS. Pure:
 * bytes in, an event out; cmdconn.c does the sending. */
#ifndef USRB_CISEND_H
#define USRB_CISEND_H

#include <stddef.h>
#include <stdint.h>

/* Data bytes of one AT+CISEND: one TCP segment on an Ethernet path (1460,
 * the common modem limit). Longer data is discarded up to the Ctrl-Z and
 * the command answers ERROR: nothing is sent. */
#define CISEND_MAX 1460
#define CISEND_CTRL_Z 0x1a
#define CISEND_ESC 0x1b

enum cisend_event {
	CISEND_MORE,		/* the phase goes on: feed more */
	CISEND_SEND,		/* Ctrl-Z: send the data (unless cisend_ok says no) */
	CISEND_CANCEL,		/* ESC: nothing is sent */
};

/* Owned by the AT+CISEND request's connection. */
struct cisend {
	uint8_t buf[CISEND_MAX];
	size_t len;
	int overflow;		/* more than CISEND_MAX bytes came */
};

void cisend_begin(struct cisend *c);
/* Takes bytes of the data phase; *used is how many it consumed: all of
 * them for CISEND_MORE, up to and including the Ctrl-Z or ESC otherwise
 * (the rest is command input again). */
enum cisend_event cisend_feed(struct cisend *c, const uint8_t *d, size_t n, size_t *used);
/* After CISEND_SEND: 1 when the data can go (1 to CISEND_MAX bytes), 0
 * when it is empty or was too long (the command answers ERROR). */
int cisend_ok(const struct cisend *c);

#endif
