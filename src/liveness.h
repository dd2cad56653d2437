/* The 721's liveness decisions, pure (STYLE.md: no sockets, no events):
 * when a link's heartbeats say its connection is dead (seed 003 §2.3,
 * PROTOCOLS.md §4 "Heartbeat failure") and when the whole bridge has been
 * idle long enough to restart (AT+CIPCFG RTIME). bridge-721.c feeds them
 * what the links report and acts on the verdicts. */
#ifndef USRB_LIVENESS_H
#define USRB_LIVENESS_H

#include <stdint.h>

/* seed 003 §2.3: "发送失败次数大于 3 次" - more than 3 failed sends. */
#define LIVENESS_SEND_FAILURES_MAX 3
/* PROTOCOLS.md §4: nothing acknowledged by TCP for 3 intervals. */
#define LIVENESS_STALLED_TICKS 3
/* PROTOCOLS.md §4 CIPCFG: an RTIME below this disables the restart. */
#define LIVENESS_IDLE_RESTART_MIN 600

enum liveness_verdict {
	LIVENESS_OK,
	LIVENESS_SEND_FAILED,	/* more than 3 heartbeat sends failed in a row */
	LIVENESS_STALLED,	/* data outstanding, nothing acknowledged for 3 ticks */
};

/* What TCP says about a connection at one heartbeat tick (TCP_INFO,
 * SIOCOUTQ). */
struct liveness_acks {
	uint32_t unacked;		/* segments sent and not acknowledged */
	uint32_t outq;			/* bytes queued in the kernel, unsent or unacked */
	uint32_t last_ack_ms;		/* since the last ACK came in */
	int full;			/* the kernel's send buffer took no more: data
					 * waits in the link's own queue */
};

/* One link's heartbeat watch; zero it when a connection comes up. */
struct liveness {
	unsigned failed_sends;		/* heartbeat sends that failed, in a row */
	unsigned stalled_ticks;		/* ticks with nothing acknowledged, in a row */
};

/* A heartbeat send returned rc (0, or -errno as link_ops.send); socket_full:
 * the kernel takes no more, so a heartbeat that was queued waits behind
 * data and was not sent either. */
enum liveness_verdict liveness_heart_sent(struct liveness *lv, int rc, int socket_full);

/* One tick, every heartbeat interval (interval_ms), of a connected TCP
 * link: the tick counts as stalled when data waits for an ACK (unacked or
 * outq) and none came in during the last interval. a NULL: nothing known (UDP, not connected):
 * the count starts again. */
enum liveness_verdict liveness_tick(struct liveness *lv, const struct liveness_acks *a,
    int64_t interval_ms);

const char *liveness_verdict_text(enum liveness_verdict v);

/* RTIME: µs left before the restart, 0 when it is due, -1 when it is off
 * (idle_restart_s below LIVENESS_IDLE_RESTART_MIN). last_data_us is when
 * data last moved either way; times from util_now_us(). */
int64_t liveness_idle_left(long idle_restart_s, int64_t last_data_us, int64_t now_us);

#endif
