/* A link is one network socket of the bridge (the 30X has one, the 721
 * four). Each socket mode is one module behind this small ops table
 * (STYLE.md); the bridge owns the links and sees only this interface. */
#ifndef USRB_LINK_H
#define USRB_LINK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "liveness.h"
#include "netacl.h"
#include "settings.h"

struct event;
struct event_base;
struct evdns_base;
struct link;
struct curl_lazy;

#define LINK_CLIENTS_MAX 16

/* Result of link_resolve(): the first permitted address, or err < 0. */
typedef void (*link_resolved_fn)(struct link *l, int err, const struct sockaddr *sa,
    socklen_t salen);

/* Link-level states, shown by status and SOCKLK. */
enum link_state {
	LINK_DOWN,		/* stopped, or waiting for data (short connections) */
	LINK_RESOLVING,		/* looking the peer's name up */
	LINK_CONNECTING,	/* TCP handshake under way */
	LINK_UP,		/* connected / listening / ready to send */
	LINK_BACKOFF,		/* waiting before the next attempt */
	LINK_REFUSED,		/* the destination is outside network.allow_out */
	LINK_STATE_COUNT
};

extern const char *const link_state_names[LINK_STATE_COUNT];

struct link_stats {
	uint64_t rx_bytes;		/* from the network */
	uint64_t tx_bytes;		/* to the network (accepted by the kernel) */
	uint64_t tx_dropped;		/* dropped: a peer's queue passed its bound */
	uint64_t rx_refused;		/* datagrams/connections refused by allow_in */
	unsigned connects;		/* successful connections or accepted clients */
	unsigned failures;		/* failed connection attempts in a row */
	unsigned clients_dropped;	/* TCPS clients dropped: stuck, kicked */
	unsigned requests_failed;	/* HTPC: requests that failed (each one logged) */
	uint64_t rx_dropped;		/* HTPC: response bytes beyond the serial cap */
};

/* Up-calls into the bridge. client is the TCPS client number (1-16), or 0
 * for a link without clients. */
struct link_cbs {
	void (*on_data)(struct link *l, int client, const uint8_t *data, size_t len);
	/* A connection (client) came up or went down; n = connections now. */
	void (*on_conn)(struct link *l, int client, int up, int n);
	/* A queue that refused a send (-ENOBUFS) has room again. */
	void (*on_writable)(struct link *l);
	/* A connection attempt failed (failures in a row in l->stats). */
	void (*on_connect_failed)(struct link *l);
	/* l->state changed to st (link_set_state). May be NULL. */
	void (*on_state)(struct link *l, enum link_state st);
};

/* One connected peer as status shows it. */
struct link_peer {
	int client;			/* TCPS client number (1-16), else 0 */
	char addr[64];			/* "addr:port" */
	uint64_t rx_bytes, tx_bytes;	/* this connection's, since it connected */
	int64_t since_us;		/* when it connected (util_now_us) */
};

struct link_ops {
	const char *name;
	int (*start)(struct link *l);
	void (*stop)(struct link *l);
	/* One frame to the peer(s). 0 when queued; -ENOTCONN when there is no
	 * peer to send to, -ENOBUFS when the queue is full: the bridge keeps
	 * the frame in its offline cache and retries on on_conn/on_writable. */
	int (*send)(struct link *l, const uint8_t *data, size_t len);
	/* Stop (1) or resume (0) reading from the network: back-pressure from
	 * the serial side. */
	void (*pause)(struct link *l, int paused);
	/* Number of live connections (TCP) or 1 when ready (UDP). */
	int (*connections)(const struct link *l);
	/* Short connections: ask a client link to connect now (data waits). */
	void (*kick)(struct link *l);
	/* 1 while no peer can take more (every queue past its high-water
	 * mark): the bridge keeps this link's frames in its offline cache,
	 * or pauses the serial line when every link is congested, until
	 * on_writable. May be NULL: never (client links keep their offline
	 * cache instead). */
	int (*congested)(const struct link *l);
	/* Writes the peers as "addr:port" joined by ", " into buf. */
	void (*peers)(const struct link *l, char *buf, size_t cap);
	/* Drops the connection(s) and reconnects through the normal backoff
	 * (a server drops its clients and keeps listening; a short
	 * connection waits for data as usual). Reports the drops on_conn. */
	void (*reset)(struct link *l);
	/* Fills up to max peers with their own counters; returns how many.
	 * May be NULL: the link's one peer (peers()) with the link's counters
	 * since it came up (link_peers_default). */
	int (*peer_list)(const struct link *l, struct link_peer *p, int max);
	/* What TCP says about the connection (TCP_INFO, SIOCOUTQ), for the
	 * 721's heartbeat failure. 0, or -ENOTCONN. May be NULL: not TCP. */
	int (*acks)(const struct link *l, struct liveness_acks *a);
};

/* Owned by the bridge; priv is owned by the ops module. */
struct link {
	const struct link_ops *ops;
	int index;			/* 0-based; "link1" is index 0 */
	struct event_base *base;
	struct evdns_base *dns;
	const struct settings *set;	/* the running settings (the bridge's copy) */
	const struct link_settings *ls;	/* set->link[index] */
	const struct netacl *allow_out, *allow_in;
	struct link_cbs cbs;
	void *arg;			/* the bridge */
	enum link_state state;
	struct link_stats stats;
	int paused;
	void *priv;
	struct evdns_getaddrinfo_request *resolving;	/* pending name lookup */
	link_resolved_fn resolved_cb;
	struct curl_lazy *curl;		/* the daemon's libcurl glue (HTPC) */
	/* Why the link is not up, when its module knows better than the
	 * state ("*:8000 busy (Address already in use)"); "" otherwise. */
	char why[160];
	int64_t retry_at_us;		/* next attempt (util_now_us), 0: none */
	int64_t up_since_us;		/* when it last came up (util_now_us) */
	uint64_t rx_at_up, tx_at_up;	/* stats.rx/tx_bytes then */
};

struct link *link_new(struct event_base *base, struct evdns_base *dns,
    const struct settings *set, int index, const struct netacl *allow_out,
    const struct netacl *allow_in, const struct link_cbs *cbs, void *arg);
void link_free(struct link *l);

void link_set_state(struct link *l, enum link_state st);

/* "addr:port" of a socket address, for logs and status. */
void link_addr_text(const struct sockaddr *sa, char *buf, size_t cap);

/* Why l is not up, for status: its module's reason (l->why) or what its
 * state says ("backoff after 3 failures"), with the next attempt when one
 * is planned; "" when it is up. now is util_now_us(). */
void link_why_text(const struct link *l, int64_t now, char *buf, size_t cap);

/* Where l's data goes: its listen address for servers ("*:8000"), its
 * destination for clients ("127.0.0.1:9000", a URL for HTPC). */
void link_where_text(const struct link *l, char *buf, size_t cap);

/* The peer_list of a link with at most one peer. */
int link_peers_default(const struct link *l, struct link_peer *p, int max);

/* Resolves host:port (numeric at once, names through evdns) and calls back
 * with the first address allow_out permits, or err < 0 (-EACCES: refused). */
int link_resolve(struct link *l, const char *host, long port, link_resolved_fn cb);
void link_resolve_cancel(struct link *l);

/* Reconnect delay: 1 s doubling to max_ms (bridge.reconnect_max), with
 * +-20% jitter. */
long link_backoff_cap_ms(unsigned failures, long max_ms);
/* BACKOFF state, and ev (a timer) armed for the delay after
 * l->stats.failures failures, capped by bridge.reconnect_max. */
void link_retry_later(struct link *l, struct event *ev);
/* A connection attempt failed (name lookup, socket, connect): counts it,
 * tells the bridge (on_connect_failed), then link_retry_later(l, ev) unless
 * the bridge stopped the link meanwhile (l->priv gone). */
void link_fail(struct link *l, struct event *ev);

/* A non-blocking socket with SO_REUSEADDR, bound to port (0 = any) on the
 * wildcard of family. Returns the fd or -errno. */
int link_socket(int family, int type, long port);

/* Listening/bound socket on port for both IPv4 and IPv6 when possible. */
int link_socket_any(int type, long port);

/* Bound to host:port; host "" (link.bind, web.bind empty) is every address,
 * as link_socket_any. The fd or -errno (-EADDRNOTAVAIL: no such local
 * address or name). */
int link_socket_bind(int type, const char *host, long port);

/* "127.0.0.2:8000", "[::1]:8000", "*:8000" (host "": every address). */
void link_listen_text(const char *host, long port, char *buf, size_t cap);

/* A listener whose port is busy (or address missing) retries: 1 s doubling
 * to LINK_LISTEN_RETRY_MAX_MS, no jitter (nothing to spread: one host, one
 * port). The cap keeps a freed port listening again within 15 s (issue
 * "Safe and honest in operation"). */
#define LINK_LISTEN_RETRY_MIN_MS 1000
#define LINK_LISTEN_RETRY_MAX_MS 8000
long link_listen_retry_ms(unsigned failures);

/* A server link could not listen on link.bind:port (err -errno; what:
 * "listen on TCP port"): l->why says why, the first failure in a row is
 * logged, the link is in BACKOFF and ev is armed for the next try.
 * failures: in a row, this one included. */
void link_listen_later(struct link *l, struct event *ev, unsigned failures, const char *what,
    long port, int err);

/* Why a listener is not listening, for logs and status: "*:8000 busy
 * (Address already in use)". err is -errno. */
void link_listen_why(const char *where, int err, char *buf, size_t cap);

/* TCP liveness of a connected (or connecting) TCP socket from the tcp.*
 * settings: keepalive idle/interval/count and TCP_USER_TIMEOUT, so that a
 * peer that vanished without a FIN (power lost, cable pulled) is noticed:
 * its read fails with ETIMEDOUT. 0 or -errno (the caller logs). */
int link_tcp_keepalive(const struct settings *st, int fd);

extern const struct link_ops link_tcps_ops;
extern const struct link_ops link_tcpc_ops;
extern const struct link_ops link_udps_ops;
extern const struct link_ops link_udpc_ops;
extern const struct link_ops link_htpc_ops;

#endif
