/* Traffic as a picture for the web page: one ring of 600 one-second slots
 * (the last 10 minutes) per series - per link and direction - fed by
 * sampling the byte counters the links keep anyway, once a second, so the
 * data path pays nothing; and an inline SVG chart of some series. Pure: the
 * caller gives the time and the counters (tests/check_traffic.c). */
#ifndef USRB_TRAFFIC_H
#define USRB_TRAFFIC_H

#include <stdint.h>

#include "settings.h"

struct evbuffer;

#define TRAFFIC_SLOTS		600	/* seconds kept: 10 minutes */
#define TRAFFIC_SERIES_MAX	(2 * LINKS_MAX)	/* to network, to serial per link */

struct traffic_series {
	uint64_t last;			/* the counter at the last sample */
	uint32_t bps[TRAFFIC_SLOTS];	/* bytes per second, a ring */
};

/* A plain value, about 19 KiB; owned by whoever samples (web.c). */
struct traffic {
	int nseries;
	int primed;			/* a first sample was taken */
	int64_t last_sec;		/* the second of the newest slot */
	unsigned head;			/* index of the newest slot */
	struct traffic_series s[TRAFFIC_SERIES_MAX];
};

/* Empties t for n series (n capped at TRAFFIC_SERIES_MAX). */
void traffic_init(struct traffic *t, int n);

/* Feeds the cumulative counters of n series as seen at now_sec. A counter
 * that went down was reset (a restart): it counts from 0 again. Seconds
 * without a sample share the bytes evenly; a different n starts over. */
void traffic_sample(struct traffic *t, int64_t now_sec, const uint64_t *totals, int n);

/* Bytes in the second age seconds before the newest (0: the newest). */
uint32_t traffic_at(const struct traffic *t, int series, unsigned age);

/* An <svg> element (no XML declaration, no namespace: it is inline HTML,
 * and the page must name no external URL) drawing n series over the last
 * 10 minutes, oldest left, scaled to a round maximum; title and labels
 * are escaped. 0 or -ENOMEM. */
int traffic_svg(const struct traffic *t, const int *series, const char *const *labels, int n,
    const char *title, struct evbuffer *out);

/* The top of the scale for a maximum: 1, 2 or 5 times a power of ten, at
 * least max (and at least 10). */
uint64_t traffic_scale(uint64_t max);

/* Text for HTML and SVG alike: < > & " ' as entities, control characters
 * (not allowed in XML 1.0) dropped. The web page uses it too. */
void traffic_escape(struct evbuffer *b, const char *s);

#endif
