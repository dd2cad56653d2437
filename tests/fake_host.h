/* A fake host (src/host.h) for the unit tests of the services: settings in
 * memory, a canned status, and counters for what a service asked of it. Its
 * AT host acts on the same settings, so AT requests run the real tables. */
#ifndef USRB_TESTS_FAKE_HOST_H
#define USRB_TESTS_FAKE_HOST_H

#include "host.h"
#include "settings.h"
#include "status.h"

struct fake_host {
	struct event_base *base;
	struct settings st;		/* what settings() returns and set_many() changes */
	struct daemon_status status;	/* what status() copies out */
	char config_path[256];
	int save_error;			/* -errno: every save fails with it */
	int sets;			/* set_many() calls that changed st */
	int restarts;
	char restart_why[64];
	int reloads;
	int taps;			/* registered taps */
	/* The AT host's layers (instance.c): save() copies st to saved; with
	 * layered, a restart starts from saved (unsaved edits are lost). */
	struct settings saved;
	int layered;
	int saves;
	/* The 721's AT host ops. */
	int shut_down, shutdowns;	/* AT+CISHUTDOWN until a restart */
	unsigned links_up;		/* bit i: link i connected (AT+CINET?) */
	char ipv4[16];			/* AT+CIDTUIP?; "": 0.0.0.0 */
	struct cmdconn *cmdconn;	/* what the AT host's cmdconn() gives (CIMOD=2) */
};

/* The one fake; fake_host_reset() fills it with the defaults of p. */
extern struct fake_host fh;
extern const struct host fake_host;

void fake_host_reset(enum personality p);
/* Frees fh.base. */
void fake_host_free(void);

#endif
