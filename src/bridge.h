/* The bridge owns the links (1 for the 30X, 4 for the 721) and what every
 * personality needs between them and the serial line: offline caches,
 * identity and heartbeat packets, per-link congestion, and routing of
 * network data to the serial writer with its link number. What one
 * personality adds (the 30X's INDEXEN, RFCEN, CLIENTRST, RSTIM, UARTCLBUF)
 * is a hook set chosen by the caller (bridge-30x.c). */
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
struct bridge_link_status;
struct bridge_status;

/* link is 0-based ("link1" is 0); client is the TCPS client number (1-16),
 * else 0. */
struct bridge_cbs {
	/* Network data for the serial line, from link/client; link -1: from
	 * the bridge itself (HEARTTP=COM heartbeat). */
	void (*to_serial)(int link, int client, const uint8_t *data, size_t len, void *arg);
	/* The bridge asks for a restart (CLIENTRST, RSTIM). Called from inside
	 * event callbacks: the receiver must defer the restart. */
	void (*want_restart)(const char *why, void *arg);
	/* A connection (client) of link came or went (LEDs, SCSLINK);
	 * n = connections of that link now. */
	void (*on_conn)(int link, int client, int up, int n, void *arg);
	/* Link changed state (link_state_names). May be NULL. */
	void (*on_state)(int link, enum link_state st, void *arg);
	/* RFCEN: a baud-rate sync packet asks for these line settings, now
	 * and not saved (PROTOCOLS.md §3 RFCEN). The baud is one the serial
	 * port supports (serial_speed_valid). May be NULL. */
	void (*baud_sync)(const struct baudsync_params *p, void *arg);
	/* A link that was congested can take data again (may be NULL). */
	void (*on_writable)(void *arg);
};

/* Personality rules on top of the core, one set per personality
 * (bridge_hooks_30x). Every member may be NULL. state is what init set. */
struct bridge_hooks {
	/* Builds the state for b; set is the bridge's running copy (lives as
	 * long as b). 0 or -errno. */
	int (*init)(struct bridge *b, const struct settings *set, void **state);
	void (*free)(void *state);
	/* Network data of link/client: the hook hands it (changed, held back
	 * or as it is) to bridge_to_serial(). NULL: straight through. */
	void (*data_in)(void *state, int link, int client, const uint8_t *data, size_t len);
	/* A connection came or went, before the bridge acts on it (identity
	 * packet, cache) and reports it (cbs.on_conn). */
	void (*conn)(void *state, int link, int client, int up, int n);
	/* A connection came up with frames cached: 1 to discard them instead
	 * of sending them. */
	int (*discard_cache)(void *state, int link);
	/* A connection attempt of link failed; failures = in a row. */
	void (*connect_failed)(void *state, int link, unsigned failures);
	/* A frame of serial data came in (bridge_frame, bridge_send), before
	 * it goes to the link(s). */
	void (*frame)(void *state, const uint8_t *data, size_t len);
	/* A network heartbeat (HEARTTP=NET) was handed to link: rc as
	 * link_ops.send (0 or -errno). */
	void (*heart_sent)(void *state, int link, int rc);
	/* Adds the hook's part of link's status (heart_failures). */
	void (*link_status)(void *state, int link, struct bridge_link_status *st);
	/* Adds the hook's part of the bridge's status (idle restart). */
	void (*status)(void *state, struct bridge_status *st);
};

extern const struct bridge_hooks bridge_hooks_30x;
extern const struct bridge_hooks bridge_hooks_721;

/* What the caller decides for the bridge (it knows the personality). */
struct bridge_params {
	int nlinks;				/* 1..LINKS_MAX */
	const struct bridge_hooks *hooks;	/* NULL: the core alone */
	struct curl_lazy *curl;			/* the daemon's libcurl glue */
};

struct bridge_link_status {
	int active;			/* the link exists in this personality/config */
	const char *mode;		/* "TCPS", ... */
	const char *state;		/* link_state_names */
	int connections;
	int congested;			/* its peers take no more (link_ops.congested) */
	char peers[256];
	struct link_stats stats;
	size_t cache_bytes;		/* offline cache fill */
	size_t cache_max;
	uint64_t cache_in;		/* bytes that went into the cache */
	uint64_t cache_dropped;		/* bytes dropped: cache full (oldest first) */
	uint64_t cache_cleared;		/* bytes discarded by UARTCLBUF */
	char where[160];		/* listen address (servers) or destination */
	int server;			/* where is a listen address (TCPS, UDPS) */
	long local_port;		/* clients: the bound source port (CINETPT), 0 any */
	char why[224];			/* why it is not up ("" when up); why it is off */
	unsigned reconnects;		/* connections made after one was lost or reset */
	unsigned heart_failures;	/* connections closed by heartbeat failure (721) */
	int npeers;
	struct link_peer peer[LINK_CLIENTS_MAX];	/* with their own counters */
	int64_t now_us;			/* when this was taken (peer ages) */
};

/* What the bridge as a whole runs with, as status shows it. */
struct bridge_status {
	long heart_net_s;		/* heartbeat to the client links every s; 0 off */
	long heart_com_s;		/* heartbeat to the serial line every s; 0 off */
	size_t heart_len;		/* its bytes */
	int reg_first, reg_every;	/* identity (registration) packet: on connect, per frame */
	size_t reg_len;
	int short_conn;			/* short connections: close after short_timeout_s idle */
	long short_timeout_s;
	long idle_restart_s;		/* restart after this long without data (721 RTIME,
					 * 30X RSTIM); 0 off */
	int64_t idle_left_us;		/* until that restart; -1 none planned */
	long idle_restart_set;		/* the value set, also when it disables (RTIME < 600) */
};

struct bridge *bridge_new(struct event_base *base, struct evdns_base *dns,
    const struct settings *run, const struct bridge_params *p, const struct bridge_cbs *cbs,
    void *arg);
void bridge_free(struct bridge *b);

/* One frame of serial data (from the packer), to every link. */
void bridge_frame(struct bridge *b, const uint8_t *data, size_t len);

/* One frame to link only (0-based). 0 when sent or cached; -ENOENT when
 * the link does not exist or is not running. */
int bridge_send(struct bridge *b, int link, const uint8_t *data, size_t len);

/* Drops link's connection(s) and lets it reconnect through its normal
 * backoff (a server drops its clients). why is logged. 0 or -ENOENT. */
int bridge_link_reset(struct bridge *b, int link, const char *why);

/* Back-pressure: stop (1) / resume (0) reading from every link. */
void bridge_pause(struct bridge *b, int paused);

/* 1 while every running link is congested (link_ops.congested): nobody can
 * take serial data, so the caller stops reading the serial line until
 * cbs.on_writable. A link congested alone does not count: its frames go to
 * its own offline cache, oldest dropped at the bound. With one link (the
 * 30X) this is "the link is congested". */
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
/* Status of the bridge as a whole. */
void bridge_status(const struct bridge *b, struct bridge_status *st);

/* --- for hook sets --------------------------------------------------------- */

struct event_base *bridge_base(const struct bridge *b);
int bridge_nlinks(const struct bridge *b);
/* Link i's link, or NULL (off, not running). */
struct link *bridge_link(const struct bridge *b, int i);
/* Hands data to cbs.to_serial as it is (no hook). */
void bridge_to_serial(struct bridge *b, int link, int client, const uint8_t *data, size_t len);
/* cbs.want_restart / cbs.baud_sync. */
void bridge_want_restart(struct bridge *b, const char *why);
void bridge_baud_sync(struct bridge *b, const struct baudsync_params *p);

#endif
