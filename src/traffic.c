/* Bytes per second over the last 10 minutes, per link and direction, as a
 * ring per series, and drawn as server-rendered inline SVG (traffic.h):
 * the web status page shows traffic as a picture without any script. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>

#include "traffic.h"

/* Chart geometry: one pixel per second across. */
#define W_PLOT	TRAFFIC_SLOTS
#define H_PLOT	100
#define X0	70			/* room for the scale labels */
#define Y0	24			/* room for the title */
#define W_ALL	(X0 + W_PLOT + 10)
#define H_ALL	(Y0 + H_PLOT + 36)

static const char *const colour[] = { "#1d4f91", "#c0392b", "#2e8b57", "#8e44ad" };

void
traffic_init(struct traffic *t, int n)
{
	memset(t, 0, sizeof(*t));
	t->nseries = n < 0 ? 0 : n > TRAFFIC_SERIES_MAX ? TRAFFIC_SERIES_MAX : n;
}

void
traffic_sample(struct traffic *t, int64_t now_sec, const uint64_t *totals, int n)
{
	int64_t gap;

	if (n > TRAFFIC_SERIES_MAX)
		n = TRAFFIC_SERIES_MAX;
	if (n != t->nseries)
		traffic_init(t, n);
	if (!t->primed || now_sec < t->last_sec) {
		/* The first sample (or the clock went back): a baseline only. */
		for (int i = 0; i < n; i++)
			t->s[i].last = totals[i];
		t->primed = 1;
		t->last_sec = now_sec;
		return;
	}
	gap = now_sec - t->last_sec;
	for (int i = 0; i < n; i++) {
		struct traffic_series *s = &t->s[i];
		uint64_t d = totals[i] >= s->last ? totals[i] - s->last : totals[i];
		uint64_t each, v;

		s->last = totals[i];
		if (gap == 0) {
			v = s->bps[t->head] + d;
			s->bps[t->head] = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
			continue;
		}
		/* Seconds the loop missed share the bytes; only the last 10
		 * minutes of them are kept. */
		each = d / (uint64_t)gap;
		for (int64_t k = gap > TRAFFIC_SLOTS ? gap - TRAFFIC_SLOTS + 1 : 1; k <= gap; k++) {
			unsigned at = (unsigned)((t->head + (uint64_t)k) % TRAFFIC_SLOTS);

			v = each + (k == gap ? d % (uint64_t)gap : 0);
			s->bps[at] = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
		}
	}
	t->head = (unsigned)((t->head + (uint64_t)gap) % TRAFFIC_SLOTS);
	t->last_sec = now_sec;
}

uint32_t
traffic_at(const struct traffic *t, int series, unsigned age)
{
	if (series < 0 || series >= t->nseries || age >= TRAFFIC_SLOTS)
		return 0;
	return t->s[series].bps[(t->head + TRAFFIC_SLOTS - age) % TRAFFIC_SLOTS];
}

uint64_t
traffic_scale(uint64_t max)
{
	uint64_t p = 1;

	if (max <= 10)
		return 10;
	while (p <= UINT64_MAX / 10 && p * 10 < max)
		p *= 10;
	/* p < max <= 10p */
	if (p * 2 >= max)
		return p * 2;
	if (p * 5 >= max)
		return p * 5;
	return p <= UINT64_MAX / 10 ? p * 10 : UINT64_MAX;
}

void
traffic_escape(struct evbuffer *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': evbuffer_add(b, "&lt;", 4); break;
		case '>': evbuffer_add(b, "&gt;", 4); break;
		case '&': evbuffer_add(b, "&amp;", 5); break;
		case '"': evbuffer_add(b, "&quot;", 6); break;
		case '\'': evbuffer_add(b, "&#39;", 5); break;
		default:
			/* Control characters are not allowed in XML 1.0 at all. */
			if ((unsigned char)*s >= 0x20)
				evbuffer_add(b, s, 1);
		}
	}
}

/* "12 B/s", "3.5 kB/s", "2 MB/s" (SI, as link speeds are given). */
static void
rate_text(uint64_t v, char *buf, size_t cap)
{
	if (v < 1000)
		snprintf(buf, cap, "%" PRIu64 " B/s", v);
	else if (v < 1000000)
		snprintf(buf, cap, "%g kB/s", (double)v / 1e3);
	else
		snprintf(buf, cap, "%g MB/s", (double)v / 1e6);
}

int
traffic_svg(const struct traffic *t, const int *series, const char *const *labels, int n,
    const char *title, struct evbuffer *out)
{
	uint64_t max = 0, top;
	char txt[32];
	int rc = 0;

	for (int i = 0; i < n; i++)
		for (unsigned a = 0; a < TRAFFIC_SLOTS; a++)
			if (traffic_at(t, series[i], a) > max)
				max = traffic_at(t, series[i], a);
	top = traffic_scale(max);
	rc |= evbuffer_add_printf(out, "<svg class=\"traffic\" width=\"%d\" height=\"%d\" "
	    "viewBox=\"0 0 %d %d\" role=\"img\"><title>", W_ALL, H_ALL, W_ALL, H_ALL) < 0;
	traffic_escape(out, title);
	rc |= evbuffer_add_printf(out, "</title><rect x=\"%d\" y=\"%d\" width=\"%d\" "
	    "height=\"%d\" fill=\"#fff\" stroke=\"#ccc\"/><text x=\"%d\" y=\"16\" "
	    "font-size=\"13\" font-weight=\"bold\">", X0, Y0, W_PLOT, H_PLOT, X0) < 0;
	traffic_escape(out, title);
	rate_text(top, txt, sizeof(txt));
	rc |= evbuffer_add_printf(out, "</text><g font-size=\"11\" fill=\"#555\">"
	    "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>"
	    "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>"
	    "<text x=\"%d\" y=\"%d\">-10 min</text>"
	    "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">now</text></g>",
	    X0 - 4, Y0 + 10, txt, X0 - 4, Y0 + H_PLOT, X0, Y0 + H_PLOT + 14,
	    X0 + W_PLOT, Y0 + H_PLOT + 14) < 0;
	for (int i = 0; i < n; i++) {
		const char *c = colour[i % (int)(sizeof(colour) / sizeof(colour[0]))];
		int last_y = -1;

		/* A step line: one H per run of equal seconds keeps an idle
		 * link's path a few bytes long. */
		rc |= evbuffer_add_printf(out, "<path fill=\"none\" stroke=\"%s\" "
		    "stroke-width=\"1.5\" d=\"", c) < 0;
		for (unsigned x = 0; x < TRAFFIC_SLOTS; x++) {
			uint64_t v = traffic_at(t, series[i], TRAFFIC_SLOTS - 1 - x);
			int y = Y0 + H_PLOT - (int)(v * H_PLOT / top);

			if (x == 0)
				rc |= evbuffer_add_printf(out, "M%d %d", X0, y) < 0;
			else if (y != last_y)
				rc |= evbuffer_add_printf(out, "H%u V%d", X0 + x, y) < 0;
			last_y = y;
		}
		rc |= evbuffer_add_printf(out, "H%d\"/><text x=\"%d\" y=\"%d\" font-size=\"11\" "
		    "fill=\"%s\">", X0 + W_PLOT, X0 + 60 + 160 * i, Y0 + H_PLOT + 28, c) < 0;
		traffic_escape(out, labels[i]);
		rc |= evbuffer_add_printf(out, "</text>") < 0;
	}
	rc |= evbuffer_add_printf(out, "</svg>") < 0;
	return rc ? -ENOMEM : 0;
}
