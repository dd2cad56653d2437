/* What the 721 adds on the serial side besides its dialect and links
 * (PROTOCOLS.md §4): password AT from the serial line and from each link,
 * each source with its own AT session and the reply only to it; CIOPTIME,
 * the idle return from the temporary (+++) command mode; and, in CIMOD=2,
 * the AT+CIOPEN connection (cmdconn.c). Owned by the instance, which runs
 * the work modes themselves (instance.c ingress_modes[]). */
#ifndef USRB_DTU_H
#define USRB_DTU_H

#include <stddef.h>
#include <stdint.h>

#include "personality.h"
#include "settings.h"
#include "workmode.h"

struct event_base;
struct evdns_base;
struct at_host;
struct at_session;
struct cmdconn;
struct dtu;

/* What the dtu asks of the instance. */
struct dtu_io {
	/* Bytes for the serial line: password-AT replies to the serial line,
	 * data from the AT+CIOPEN connection. */
	void (*to_serial)(void *arg, const uint8_t *d, size_t n);
	/* A password-AT reply for link (0-based) only. 0 or -errno. */
	int (*to_link)(void *arg, int link, const uint8_t *d, size_t n);
	/* CIOPTIME ran out: leave command mode as AT+ENTM does. */
	void (*leave_command)(void *arg);
	/* The console's raw phase (AT+CISEND's data) starts (1) or ends (0). */
	void (*raw)(void *arg, int on);
};

/* console: the serial console's AT session (AT+CIOPEN's results go there).
 * NULL on out of memory. */
struct dtu *dtu_new(struct event_base *base, struct evdns_base *dns,
    const struct at_host *host, void *h, struct at_session *console,
    const struct dtu_io *io, void *arg);
void dtu_free(struct dtu *d);

/* At every (re)start, after the console: run is the running settings (kept
 * by reference), mode the work mode that runs. 0 or -ENOMEM. */
int dtu_start(struct dtu *d, const struct settings *run, enum work_mode mode);
/* Before a restart: requests in flight are dropped, the AT+CIOPEN
 * connection is closed. */
void dtu_stop(struct dtu *d);

/* A serial frame (packer output) in transparent mode: 1 when it was a
 * password-AT command (run, not to be forwarded), 0 when it is data. */
int dtu_serial_frame(struct dtu *d, const uint8_t *f, size_t n);
/* Data that arrived on link (0-based): the same, for the network side. */
int dtu_net_data(struct dtu *d, int link, const uint8_t *f, size_t n);

/* The temporary command mode was entered (1) or left (0). */
void dtu_command_mode(struct dtu *d, int on);
/* Serial input arrived in command mode (CIOPTIME counts from it). */
void dtu_command_activity(struct dtu *d);
/* The console's session finished a request: held result lines go out. */
void dtu_console_idle(struct dtu *d);

/* The console's raw phase: bytes for AT+CISEND; returns how many it took. */
size_t dtu_raw(struct dtu *d, const uint8_t *b, size_t n);
/* at_host.cmdconn: the AT+CIOPEN connection session s may use, or NULL. */
struct cmdconn *dtu_cmdconn(struct dtu *d, const struct at_session *s);
/* Back-pressure from the serial line onto the AT+CIOPEN connection. */
void dtu_pause(struct dtu *d, int paused);

/* The work mode part of the status (shown for the 721). */
void dtu_status(const struct dtu *d, struct workmode_status *w);

#endif
