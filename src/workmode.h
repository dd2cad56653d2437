/* Work modes of the serial side (721 AT+CIMOD, PROTOCOLS.md §4): which one
 * runs for the one asked for, what the bridge runs in each, and how status
 * shows them. Pure: the instance runs the mode (instance.c ingress_modes[]). */
#ifndef USRB_WORKMODE_H
#define USRB_WORKMODE_H

#include <stddef.h>
#include <stdint.h>

#include "personality.h"
#include "settings.h"

struct evbuffer;

/* The mode that runs when dtu.mode asks for requested: that one when the
 * personality has it (personality_desc.modes), else TRANSPARENT, which
 * every personality has. */
enum work_mode workmode_pick(const struct personality_desc *d, int requested);

/* "TRANSPARENT", "FRAME", ...: dtu.mode's spelling in the config file. */
const char *workmode_name(int m);

/* What the bridge runs with in mode m, applied to a copy of the running
 * settings: COMMAND runs no link (AT+CIOPEN has a connection of its own),
 * nor does SMS (the modem carries the data: smsmode.h);
 * HTTPD runs link 1 as an HTTP client (HTPC) to its host and port whatever
 * its enable flag says (that flag is transparent mode's) and no other
 * link; the other modes run the links as set. */
void workmode_bridge_settings(enum work_mode m, struct settings *st);

/* What status shows of the work mode (a part of struct daemon_status). */
struct workmode_status {
	int shown;			/* the personality has more than one mode */
	int running;			/* enum work_mode */
	int requested;			/* dtu.mode */
	char conn[224];			/* CIMOD=2: the AT+CIOPEN connection; "" */
	uint64_t pwat_serial;		/* password AT commands run, from the serial line */
	uint64_t pwat_net;		/* ... from the network */
	uint64_t pwat_busy;		/* ... refused: one was still running (ERROR) */
};

/* The mode in one line: "COMMAND (AT+CIMOD=2)", or "SMS requested, not
 * available in this version; running TRANSPARENT" (the web page's row). */
void workmode_status_line(const struct workmode_status *w, char *buf, size_t cap);
/* The status lines ("mode     ...\n"); 0 or -1 (out of memory). Nothing
 * when !shown. */
int workmode_status_text(const struct workmode_status *w, struct evbuffer *out);
/* "\"work_mode\":{...}," for status --json; 0 or -1. Nothing when !shown. */
int workmode_status_json(const struct workmode_status *w, struct evbuffer *out);

#endif
