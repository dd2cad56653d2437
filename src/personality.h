/* A personality is one descriptor (REVIEW.md §3 redesign 4): which device it
 * replaces, how many links it has, its console guard times, its AT dialect,
 * which work modes exist and what it writes at start. The factory defaults
 * are its column of the settings table (settings.h def[]). */
#ifndef USRB_PERSONALITY_H
#define USRB_PERSONALITY_H

#include <stddef.h>

#include "console.h"
#include "settings.h"

struct at_dialect;
struct bridge_hooks;

/* Work modes of the serial side: how bytes that are not AT are handled
 * (721 AT+CIMOD numbering; the 30X has only the first). */
enum work_mode {
	MODE_TRANSPARENT,	/* packed into frames and sent on every link */
	MODE_FRAME,		/* PROTOCOLS.md §5 frames address the links */
	MODE_COMMAND,		/* the serial line is an AT console from the start */
	MODE_HTTPD,		/* HTTP client, as the 30X's HTPC */
	MODE_SMS,		/* frames go out as SMS */
	MODE_COUNT
};

extern const char *const work_mode_names[MODE_COUNT];

struct personality_desc {
	enum personality id;		/* also the settings' defaults column */
	const char *name;		/* "tcp232-30x": the config file's value */
	const char *device;		/* "USR-TCP232-30X": what it replaces */
	int links;			/* sockets: 1 or 4 */
	const struct at_dialect *dialect;
	/* The device's rules around the bridge core (bridge-30x.c); NULL:
	 * the core alone. */
	const struct bridge_hooks *bridge_hooks;
	unsigned modes;			/* 1 << enum work_mode for each mode it has */
	/* The +++ guard times for these settings (PROTOCOLS.md §1). */
	void (*console_params)(const struct settings *st, struct console_params *p);
	/* LEDs (seed 003 §2.5): net lit while the host has a default route
	 * (else while a link is usable); data lit while a link is up, blinking
	 * on traffic (else dark, blinking). */
	int net_led_route;
	int data_led_links;
	/* Bytes written to the serial line at every start (721 CIMODID);
	 * returns the length, 0 for none. May be NULL: none. */
	size_t (*startup_message)(const struct settings *st, char *buf, size_t cap);
	/* It has the FTP download for the MCU (PROTOCOLS.md §5, ftp.h). */
	int ftp;
};

const struct personality_desc *personality_get(enum personality p);

/* 1 when personality p has work mode m. */
int personality_has_mode(const struct personality_desc *d, enum work_mode m);

#endif
