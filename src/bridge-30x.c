/* The USR-TCP232-30X rules on top of the bridge core (bridge_hooks_30x,
 * PROTOCOLS.md §3): INDEXEN client marks, the RFCEN baud-rate sync packet,
 * the CLIENTRST and RSTIM restarts, and UARTCLBUF. Wire behaviour is the
 * 30X's byte for byte; the core knows none of it. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "baudsync.h"
#include "bridge.h"
#include "link.h"
#include "log.h"
#include "serial.h"
#include "settings.h"
#include "util.h"

/* PROTOCOLS.md §3 TCPC: CLIENTRST restarts after this many failed attempts. */
#define CLIENTRST_ATTEMPTS 30
/* PROTOCOLS.md §3 INDEXEN: clients are numbered with one ASCII digit. */
#define INDEX_CLIENTS_MAX 8

struct b30x;

/* The RFCEN decoder of one byte stream: a TCPS client (1-16) or the link's
 * one peer (0). */
struct sync_stream {
	struct baudsync dec;
	struct b30x *h;
	int link, client;
};

/* A growable buffer for data with the INDEXEN mark in front, bounded by
 * one network read. */
struct marked_buf {
	uint8_t *p;
	size_t cap;
};

/* Owned by the bridge (bridge_hooks.free). */
struct b30x {
	struct bridge *b;
	const struct settings *set;	/* the bridge's running copy */
	int nlinks;
	struct sync_stream sync[LINKS_MAX][LINK_CLIENTS_MAX + 1];
	struct marked_buf rx;
	struct event *ev_sync;		/* RFCEN: held bytes go out as data */
	struct event *ev_idle;		/* RSTIM */
	int64_t last_rx;		/* last data from the network (µs) */
	int restart_asked;		/* CLIENTRST or RSTIM asked once */
};

static int
mode_of(const struct b30x *h, int link)
{
	return h->set->link[link].mode;
}

/* --- INDEXEN ------------------------------------------------------------------ */

/* Data of link, client (TCPS 1-16, else 0), for the serial line. */
static void
deliver(struct b30x *h, int link, int client, const uint8_t *data, size_t len)
{
	/* PROTOCOLS.md §3 INDEXEN: data from client m is "I" m + data. */
	if (client > 0 && h->set->tcps_index && mode_of(h, link) == LINK_TCPS) {
		if (len + 2 > h->rx.cap) {
			uint8_t *p = realloc(h->rx.p, len + 2);

			if (p) {
				h->rx.p = p;
				h->rx.cap = len + 2;
			}
		}
		if (len + 2 <= h->rx.cap) {
			h->rx.p[0] = 'I';
			h->rx.p[1] = (uint8_t)('0' + client);
			memcpy(h->rx.p + 2, data, len);
			bridge_to_serial(h->b, link, client, h->rx.p, len + 2);
			return;
		}
	}
	bridge_to_serial(h->b, link, client, data, len);
}

/* --- RFCEN -------------------------------------------------------------------- */

static void
sync_data(void *arg, const uint8_t *d, size_t n)
{
	struct sync_stream *ss = arg;

	deliver(ss->h, ss->link, ss->client, d, n);
}

static void
sync_packet(void *arg, const struct baudsync_params *p)
{
	struct sync_stream *ss = arg;

	if (!serial_speed_valid(p->baud)) {
		log_warn("link%d: baud-rate sync packet asks for %ld baud, which the port "
		    "cannot do; ignored", ss->link + 1, p->baud);
		return;
	}
	log_info("link%d: baud-rate sync packet: %ld %d%c%d (RFCEN)", ss->link + 1, p->baud,
	    p->data_bits, serial_parity_letter(p->parity), p->stop_bits);
	bridge_baud_sync(ss->h->b, p);
}

static const struct baudsync_ops sync_ops = {
	.data = sync_data,
	.sync = sync_packet,
};

/* Arms the RFCEN hold timer for the earliest held stream, if any. */
static void
sync_arm(struct b30x *h, int64_t now)
{
	int64_t first = -1;

	for (int i = 0; i < h->nlinks; i++)
		for (int c = 0; c <= LINK_CLIENTS_MAX; c++) {
			int64_t d = baudsync_deadline(&h->sync[i][c].dec);

			if (d >= 0 && (first < 0 || d < first))
				first = d;
		}
	if (first < 0) {
		event_del(h->ev_sync);
	} else {
		int64_t left = first > now ? first - now : 0;
		struct timeval tv = { (time_t)(left / 1000000), (suseconds_t)(left % 1000000) };

		evtimer_add(h->ev_sync, &tv);
	}
}

static void
on_sync_timer(evutil_socket_t fd, short what, void *arg)
{
	struct b30x *h = arg;
	int64_t now = util_now_us();

	for (int i = 0; i < h->nlinks; i++)
		for (int c = 0; c <= LINK_CLIENTS_MAX; c++)
			baudsync_expire(&h->sync[i][c].dec, now);
	sync_arm(h, now);
}

static void
data_in(void *state, int link, int client, const uint8_t *data, size_t len)
{
	struct b30x *h = state;
	struct baudsync *dec;

	if (h->ev_idle || h->set->baud_sync)
		h->last_rx = util_now_us();
	/* RFCEN (PROTOCOLS.md §3): the sync packet comes from TCP/UDP peers;
	 * an HTTP response is not one. */
	if (!h->set->baud_sync || mode_of(h, link) == LINK_HTPC || client < 0 ||
	    client > LINK_CLIENTS_MAX) {
		deliver(h, link, client, data, len);
		return;
	}
	dec = &h->sync[link][client].dec;
	baudsync_input(dec, data, len, h->last_rx);
	if (dec->nheld && !evtimer_pending(h->ev_sync, NULL))
		sync_arm(h, h->last_rx);
}

/* --- connections --------------------------------------------------------------- */

static void
conn(void *state, int link, int client, int up, int n)
{
	struct b30x *h = state;

	/* Bytes held back by RFCEN belong before what follows. */
	if (!up && client >= 0 && client <= LINK_CLIENTS_MAX)
		baudsync_flush(&h->sync[link][client].dec);
	if (mode_of(h, link) == LINK_TCPS && h->set->tcps_index && client > 0 &&
	    client <= INDEX_CLIENTS_MAX && n <= INDEX_CLIENTS_MAX) {
		/* PROTOCOLS.md §3 INDEXEN: "C" m n / "D" m n. */
		uint8_t ev[3] = { up ? 'C' : 'D', (uint8_t)('0' + client), (uint8_t)('0' + n) };

		bridge_to_serial(h->b, link, client, ev, sizeof(ev));
	}
}

/* UARTCLBUF; it does not apply to short connections: there the waiting
 * frame is why the connection was made (ours). */
static int
discard_cache(void *state, int link)
{
	struct b30x *h = state;

	return h->set->clear_cache && !(mode_of(h, link) == LINK_TCPC && h->set->short_conn);
}

static void
connect_failed(void *state, int link, unsigned failures)
{
	struct b30x *h = state;

	/* PROTOCOLS.md §3 TCPC: CLIENTRST=ON restarts after 30 failures in a row. */
	if (!h->set->client_reset || mode_of(h, link) != LINK_TCPC ||
	    failures < CLIENTRST_ATTEMPTS || h->restart_asked)
		return;
	h->restart_asked = 1;
	log_warn("link%d: %u connection attempts failed in a row; restarting (CLIENTRST)",
	    link + 1, failures);
	bridge_want_restart(h->b, "CLIENTRST");
}

/* --- RSTIM --------------------------------------------------------------------- */

/* Restart when nothing came from the network for idle_reset s. */
static void
on_idle(evutil_socket_t fd, short what, void *arg)
{
	struct b30x *h = arg;
	int64_t limit = (int64_t)h->set->idle_reset * 1000000, left;

	left = h->last_rx + limit - util_now_us();
	if (left > 0) {
		struct timeval tv = { (time_t)(left / 1000000), (suseconds_t)(left % 1000000) };

		evtimer_add(h->ev_idle, &tv);
		return;
	}
	if (h->restart_asked)
		return;
	h->restart_asked = 1;
	log_warn("nothing received from the network for %ld s; restarting (RSTIM)",
	    h->set->idle_reset);
	bridge_want_restart(h->b, "RSTIM");
}

static void
status(void *state, struct bridge_status *st)
{
	struct b30x *h = state;
	int64_t left;

	st->idle_restart_set = h->set->idle_reset;
	st->idle_restart_s = h->set->idle_reset;
	if (!h->ev_idle)
		return;
	left = h->last_rx + (int64_t)h->set->idle_reset * 1000000 - util_now_us();
	st->idle_left_us = left > 0 ? left : 0;
}

/* --- life cycle ------------------------------------------------------------------ */

static void
hooks_free(void *state)
{
	struct b30x *h = state;

	if (!h)
		return;
	if (h->ev_sync)
		event_free(h->ev_sync);
	if (h->ev_idle)
		event_free(h->ev_idle);
	free(h->rx.p);
	free(h);
}

static int
hooks_init(struct bridge *b, const struct settings *set, void **state)
{
	struct event_base *base = bridge_base(b);
	struct b30x *h = calloc(1, sizeof(*h));

	if (!h)
		return -ENOMEM;
	h->b = b;
	h->set = set;
	h->nlinks = bridge_nlinks(b);
	for (int i = 0; i < LINKS_MAX; i++)
		for (int c = 0; c <= LINK_CLIENTS_MAX; c++) {
			h->sync[i][c].h = h;
			h->sync[i][c].link = i;
			h->sync[i][c].client = c;
			baudsync_init(&h->sync[i][c].dec, &sync_ops, &h->sync[i][c]);
		}
	h->last_rx = util_now_us();
	h->ev_sync = evtimer_new(base, on_sync_timer, h);
	if (!h->ev_sync)
		goto err;
	if (set->idle_reset > 0) {
		struct timeval tv = { set->idle_reset, 0 };

		h->ev_idle = evtimer_new(base, on_idle, h);
		if (!h->ev_idle)
			goto err;
		evtimer_add(h->ev_idle, &tv);
	}
	*state = h;
	return 0;

err:
	hooks_free(h);
	return -ENOMEM;
}

const struct bridge_hooks bridge_hooks_30x = {
	.init = hooks_init,
	.free = hooks_free,
	.data_in = data_in,
	.conn = conn,
	.discard_cache = discard_cache,
	.connect_failed = connect_failed,
	.status = status,
};
