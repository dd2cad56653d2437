/* The USR-GPRS232-721 rules on top of the bridge core (bridge_hooks_721,
 * seed 003 §2.1.1-§2.3, PROTOCOLS.md §4): heartbeat failure closes and
 * reconnects a link, and RTIME restarts the bridge when no data moved
 * either way. The four links, their caches, the registration packet and
 * the heartbeats themselves are the core's (bridge.c); the decisions are
 * liveness.c's. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "bridge.h"
#include "link.h"
#include "liveness.h"
#include "log.h"
#include "settings.h"
#include "util.h"

struct b721;

/* One link's heartbeat watch. */
struct watch {
	struct b721 *h;
	int link;
	struct liveness lv;
	struct event *ev_tick;		/* every HEAT s while connected (TCP links) */
	unsigned failures;		/* connections closed by heartbeat failure */
};

/* Owned by the bridge (bridge_hooks.free). */
struct b721 {
	struct bridge *b;
	const struct settings *set;	/* the bridge's running copy */
	int nlinks;
	struct watch w[LINKS_MAX];
	int64_t tick_ms;		/* the heartbeat interval; 0: no watch */
	struct event *ev_idle;		/* RTIME */
	int64_t last_data;		/* data moved either way (µs) */
	int restart_asked;
};

static void
tv_of_us(struct timeval *tv, int64_t us)
{
	tv->tv_sec = (time_t)(us / 1000000);
	tv->tv_usec = (suseconds_t)(us % 1000000);
}

/* --- heartbeat failure (seed 003 §2.3) ------------------------------------- */

static void
failed(struct b721 *h, int link, enum liveness_verdict v)
{
	struct watch *w = &h->w[link];

	w->failures++;
	memset(&w->lv, 0, sizeof(w->lv));
	log_warn("link%d: heartbeat failure: %s; closing and reconnecting (%u so far)",
	    link + 1, liveness_verdict_text(v), w->failures);
	bridge_link_reset(h->b, link, "heartbeat failure");
}

static void
heart_sent(void *state, int link, int rc)
{
	struct b721 *h = state;
	struct link *l = bridge_link(h->b, link);
	struct liveness_acks a;
	enum liveness_verdict v;
	int full;

	full = l && l->ops->acks && l->ops->acks(l, &a) == 0 && a.full;
	v = liveness_heart_sent(&h->w[link].lv, rc, full);
	if (rc == 0 && full)
		log_debug("link%d: heartbeat queued behind data the server does not take",
		    link + 1);

	if (v != LIVENESS_OK)
		failed(h, link, v);
}

/* Every heartbeat interval while connected: is TCP getting ACKs? */
static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct watch *w = arg;
	struct b721 *h = w->h;
	struct link *l = bridge_link(h->b, w->link);
	struct liveness_acks a;
	enum liveness_verdict v;
	int known;

	known = l && l->ops->acks && l->ops->acks(l, &a) == 0;
	v = liveness_tick(&w->lv, known ? &a : NULL, h->tick_ms);
	if (known && w->lv.stalled_ticks)
		log_debug("link%d: %u segments (%u bytes) unacknowledged, last ACK %u ms ago",
		    w->link + 1, a.unacked, a.outq, a.last_ack_ms);
	if (v != LIVENESS_OK)
		failed(h, w->link, v);
}

static void
conn(void *state, int link, int client, int up, int n)
{
	struct b721 *h = state;
	struct watch *w = &h->w[link];

	memset(&w->lv, 0, sizeof(w->lv));
	if (!w->ev_tick)
		return;
	if (up) {
		struct timeval tv;

		tv_of_us(&tv, h->tick_ms * 1000);
		event_add(w->ev_tick, &tv);
	} else {
		event_del(w->ev_tick);
	}
}

/* --- RTIME -------------------------------------------------------------------- */

static void
data_moved(struct b721 *h)
{
	if (h->ev_idle)
		h->last_data = util_now_us();
}

static void
frame(void *state, const uint8_t *data, size_t len)
{
	data_moved(state);
}

static void
data_in(void *state, int link, int client, const uint8_t *data, size_t len)
{
	struct b721 *h = state;

	data_moved(h);
	bridge_to_serial(h->b, link, client, data, len);
}

/* The timer is not moved per frame: it looks at last_data when it fires. */
static void
on_idle(evutil_socket_t fd, short what, void *arg)
{
	struct b721 *h = arg;
	int64_t left = liveness_idle_left(h->set->idle_restart, h->last_data, util_now_us());
	struct timeval tv;

	if (left > 0) {
		tv_of_us(&tv, left);
		evtimer_add(h->ev_idle, &tv);
		return;
	}
	if (left < 0 || h->restart_asked)
		return;
	h->restart_asked = 1;
	log_warn("no data moved either way for %ld s; restarting (RTIME)", h->set->idle_restart);
	bridge_want_restart(h->b, "RTIME");
}

/* --- status ------------------------------------------------------------------- */

static void
link_status(void *state, int link, struct bridge_link_status *st)
{
	struct b721 *h = state;

	st->heart_failures = h->w[link].failures;
}

static void
status(void *state, struct bridge_status *st)
{
	struct b721 *h = state;

	st->idle_restart_set = h->set->idle_restart;
	st->idle_left_us = liveness_idle_left(h->set->idle_restart, h->last_data, util_now_us());
	st->idle_restart_s = st->idle_left_us < 0 ? 0 : h->set->idle_restart;
}

/* --- life cycle --------------------------------------------------------------- */

static void
hooks_free(void *state)
{
	struct b721 *h = state;

	if (!h)
		return;
	for (int i = 0; i < LINKS_MAX; i++)
		if (h->w[i].ev_tick)
			event_free(h->w[i].ev_tick);
	if (h->ev_idle)
		event_free(h->ev_idle);
	free(h);
}

static int
hooks_init(struct bridge *b, const struct settings *set, void **state)
{
	struct event_base *base = bridge_base(b);
	struct b721 *h = calloc(1, sizeof(*h));
	struct timeval tv;

	if (!h)
		return -ENOMEM;
	h->b = b;
	h->set = set;
	h->nlinks = bridge_nlinks(b);
	h->last_data = util_now_us();
	/* The watch runs with the heartbeats to the network (AT+CIPPACK=0
	 * direction 0, AT+CIPCFG HEAT > 0), on TCP links: UDP says nothing
	 * about delivery. */
	if (set->heart_enabled && set->heart_interval > 0 && set->heart_data.len > 0 &&
	    set->heart_type == HEART_NET)
		h->tick_ms = (int64_t)set->heart_interval * 1000;
	for (int i = 0; i < h->nlinks; i++) {
		h->w[i].h = h;
		h->w[i].link = i;
		if (!h->tick_ms || !set->link[i].enabled || set->link[i].mode != LINK_TCPC)
			continue;
		h->w[i].ev_tick = event_new(base, -1, EV_PERSIST, on_tick, &h->w[i]);
		if (!h->w[i].ev_tick)
			goto err;
	}
	if (liveness_idle_left(set->idle_restart, h->last_data, h->last_data) > 0) {
		h->ev_idle = evtimer_new(base, on_idle, h);
		if (!h->ev_idle)
			goto err;
		tv_of_us(&tv, (int64_t)set->idle_restart * 1000000);
		evtimer_add(h->ev_idle, &tv);
	} else if (set->idle_restart > 0) {
		log_info("RTIME %ld s is below %d s: no idle restart", set->idle_restart,
		    LIVENESS_IDLE_RESTART_MIN);
	}
	*state = h;
	return 0;

err:
	hooks_free(h);
	return -ENOMEM;
}

const struct bridge_hooks bridge_hooks_721 = {
	.init = hooks_init,
	.free = hooks_free,
	.data_in = data_in,
	.conn = conn,
	.frame = frame,
	.heart_sent = heart_sent,
	.link_status = link_status,
	.status = status,
};
