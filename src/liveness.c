/* The 721's heartbeat-failure and idle-restart decisions (liveness.h):
 * counters in, verdicts out. */
#include "config.h"

#include "liveness.h"

enum liveness_verdict
liveness_heart_sent(struct liveness *lv, int rc, int socket_full)
{
	if (rc == 0 && !socket_full) {
		lv->failed_sends = 0;
		return LIVENESS_OK;
	}
	lv->failed_sends++;
	return lv->failed_sends > LIVENESS_SEND_FAILURES_MAX ? LIVENESS_SEND_FAILED : LIVENESS_OK;
}

enum liveness_verdict
liveness_tick(struct liveness *lv, const struct liveness_acks *a, int64_t interval_ms)
{
	/* Data waits for an ACK (in flight, or not sent because the route
	 * is gone: tcpi_unacked is 0 then, SIOCOUTQ is not) and none came in
	 * for an interval. A peer that only stopped reading answers the
	 * window probes: its ACKs keep coming while the probes are frequent. */
	if (!a || (a->unacked == 0 && a->outq == 0) || a->last_ack_ms < interval_ms) {
		lv->stalled_ticks = 0;
		return LIVENESS_OK;
	}
	lv->stalled_ticks++;
	return lv->stalled_ticks >= LIVENESS_STALLED_TICKS ? LIVENESS_STALLED : LIVENESS_OK;
}

const char *
liveness_verdict_text(enum liveness_verdict v)
{
	switch (v) {
	case LIVENESS_SEND_FAILED:
		return "more than 3 heartbeats could not be sent";
	case LIVENESS_STALLED:
		return "nothing acknowledged for 3 heartbeat intervals";
	default:
		return "alive";
	}
}

int64_t
liveness_idle_left(long idle_restart_s, int64_t last_data_us, int64_t now_us)
{
	int64_t left;

	if (idle_restart_s < LIVENESS_IDLE_RESTART_MIN)
		return -1;
	left = last_data_us + (int64_t)idle_restart_s * 1000000 - now_us;
	return left > 0 ? left : 0;
}
