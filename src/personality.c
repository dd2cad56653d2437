/* The two personalities' descriptors (DESIGN.md §1): everything that differs
 * between the 30X and the 721 and is not a setting's default. */
#include "config.h"

#include <string.h>

#include "at.h"
#include "bridge.h"
#include "personality.h"
#include "util.h"

const char *const work_mode_names[MODE_COUNT] = {
	[MODE_TRANSPARENT] = "transparent",
	[MODE_FRAME] = "frame",
	[MODE_COMMAND] = "command",
	[MODE_HTTPD] = "httpd",
	[MODE_SMS] = "sms",
};

/* PROTOCOLS.md §1: T1 >= the packing gap, never less than four character
 * times (so that a gap of 0 does not make every '+' a candidate); T2/T3 <
 * 300 ms; the MCU's 'a' within 3 s. */
static void
console_30x(const struct settings *st, struct console_params *p)
{
	struct settings four = *st;

	four.pack_gap_us = -1;
	p->t1_us = MAX(settings_pack_gap_us(st), settings_pack_gap_us(&four));
	p->t2_us = 300000;
	p->wait_a_us = 3000000;
}

/* seed 003 §3.1.1: T1 > 200 ms, T2/T3 < 50 ms, T5 < 3 s. */
static void
console_721(const struct settings *st, struct console_params *p)
{
	p->t1_us = 200001;
	p->t2_us = 50000;
	p->wait_a_us = 3000000;
}

/* AT+CIMODID (PROTOCOLS.md §4): the text, then CR LF so that an MCU reading
 * lines sees it as one; nothing when it is empty. Seed 003 does not give the
 * device's own message: the factory value is empty. */
static size_t
startup_721(const struct settings *st, char *buf, size_t cap)
{
	size_t n = strlen(st->startup_message);

	if (n == 0 || n + 2 > cap)
		return 0;
	memcpy(buf, st->startup_message, n);
	memcpy(buf + n, "\r\n", 2);
	return n + 2;
}

static const struct personality_desc descs[PERS_COUNT] = {
	[PERS_30X] = {
		.id = PERS_30X,
		.name = "tcp232-30x",
		.device = "USR-TCP232-30X",
		.links = 1,
		.dialect = &at_dialect_30x,
		.bridge_hooks = &bridge_hooks_30x,
		.modes = 1u << MODE_TRANSPARENT,
		.console_params = console_30x,
	},
	[PERS_721] = {
		.id = PERS_721,
		.name = "gprs232-721",
		.device = "USR-GPRS232-721",
		.links = LINKS_MAX,
		/* The 721's V.250 dialect (PROTOCOLS.md §4): its table holds
		 * the first rows; the rest come with the 721 issue. */
		.dialect = &at_dialect_721,
		/* Heartbeat failure and RTIME (bridge-721.c). */
		.bridge_hooks = &bridge_hooks_721,
		.modes = 1u << MODE_TRANSPARENT | 1u << MODE_FRAME | 1u << MODE_COMMAND |
		    1u << MODE_HTTPD | 1u << MODE_SMS,
		.console_params = console_721,
		.startup_message = startup_721,
		.net_led_route = 1,
		.data_led_links = 1,
		.ftp = 1,
	},
};

const struct personality_desc *
personality_get(enum personality p)
{
	return &descs[p < PERS_COUNT ? p : PERS_30X];
}

int
personality_has_mode(const struct personality_desc *d, enum work_mode m)
{
	return m < MODE_COUNT && (d->modes & (1u << m)) != 0;
}
