/* The bridge owns the links (1 for the 30X, 4 for the 721) and what sits
 * between them and the serial line: offline caches, identity and heartbeat
 * packets, index prefixes, and routing of network data to the serial writer. */
#ifndef USRB_BRIDGE_H
#define USRB_BRIDGE_H

#include <stddef.h>
#include <stdint.h>

#include "baudsync.h"
#include "link.h"
#include "settings.h"

struct event_base;
struct evdns_base;
struct bridge;

struct bridge_cbs {
	/* Network data (or a COM heartbeat) for the serial line. */
	void (*to_serial)(const uint8_t *data, size_t len, void *arg);
	/* The bridge asks for a restart (CLIENTRST, RSTIM). Called from inside
	 * event callbacks: the receiver must defer the restart. */
	void (*want_restart)(const char *why, void *arg);
	/* A connection came or went (LEDs, SCSLINK); n = connections now. */
	void (*on_conn)(int up, int n, void *arg);
	/* RFCEN: a baud-rate sync packet asks for these line settings, now
	 * and not saved (PROTOCOLS.md §3 RFCEN). The baud is one the serial
	 * port supports (serial_speed_valid). May be NULL. */
	void (*baud_sync)(const struct baudsync_params *p, void *arg);
	/* A link that was congested can take data again (may be NULL). */
	void (*on_writable)(void *arg);
};

struct bridge_link_status {
	int active;			/* the link exists in this personality/config */
	const char *mode;		/* "TCPS", ... */
	const char *state;		/* link_state_names */
	int connections;
	char peers[256];
	struct link_stats stats;
	size_t cache_bytes;		/* offline cache fill */
	size_t cache_max;
	uint64_t cache_dropped;		/* bytes dropped: cache full */
	uint64_t cache_cleared;		/* bytes discarded by UARTCLBUF */
};

struct bridge *bridge_new(struct event_base *base, struct evdns_base *dns,
    const struct settings *run, const struct bridge_cbs *cbs, void *arg);
void bridge_free(struct bridge *b);

/* One frame of serial data (from the packer). */
void bridge_frame(struct bridge *b, const uint8_t *data, size_t len);

/* Back-pressure: stop (1) / resume (0) reading from every link. */
void bridge_pause(struct bridge *b, int paused);

/* 1 while some link can take no more serial data (link_ops.congested):
 * the caller stops reading the serial line until cbs.on_writable. */
int bridge_congested(const struct bridge *b);

/* 1 when at least one TCP connection (or ready UDP peer) exists. */
int bridge_connected(const struct bridge *b);

/* 1 while a TCP connection exists: a TCPS client or a connected TCPC (the
 * link LED, PROTOCOLS.md §3 SCSLINK). */
int bridge_tcp_connected(const struct bridge *b);

/* 1 while some link is usable: listening, connected, or ready to send (the
 * net LED). */
int bridge_net_up(const struct bridge *b);

/* Status of link i (0-based); returns 0, or -ENOENT past the last link. */
int bridge_link_status(const struct bridge *b, int i, struct bridge_link_status *st);

/* The settings the bridge runs with. */
const struct settings *bridge_settings(const struct bridge *b);

#endif
