/* The connection of AT command mode (CIMOD=2, PROTOCOLS.md §4):
 * AT+CIOPEN opens one TCP or UDP connection, AT+CISEND sends on it, data
 * that arrives on it goes to the serial line, AT+CICLOSE closes it. It is a
 * link of its own (a TCPC or UDPC link module on a private copy of the
 * settings, logged as "link1": the four CIPSCONT links do not run in
 * CIMOD=2), without reconnection: a failed or lost connection is reported
 * once and stays closed until the next AT+CIOPEN. */
#ifndef USRB_CMDCONN_H
#define USRB_CMDCONN_H

#include <stddef.h>
#include <stdint.h>

#include "settings.h"

struct event_base;
struct evdns_base;
struct at_req;
struct cmdconn;

enum cmdconn_state {
	CC_CLOSED,	/* no connection; AT+CIOPEN -> CC_OPENING */
	CC_OPENING,	/* resolving or connecting -> CC_UP ("CONNECT OK"), or CC_CLOSED
			 * (ERROR while AT+CIOPEN waits, else "CONNECT FAIL") */
	CC_UP,		/* connected (TCP), ready (UDP); the peer closes -> CC_CLOSED
			 * ("CLOSED"), AT+CICLOSE -> CC_CLOSED ("CLOSE OK") */
	CC_STATE_COUNT
};

struct cmdconn_cbs {
	/* Data that arrived on the connection, for the serial line. */
	void (*data)(void *arg, const uint8_t *d, size_t n);
	/* An unsolicited result line for the serial console: "CONNECT OK",
	 * "CONNECT FAIL", "CLOSED" (the receiver keeps it while a command
	 * runs). */
	void (*urc)(void *arg, const char *text);
	/* AT+CISEND's data phase starts (1) or ends (0): meanwhile the
	 * console hands the serial bytes to cmdconn_raw(). */
	void (*raw)(void *arg, int on);
};

/* run: the running settings (allow_out, TCP keepalive, queue bounds);
 * copied. NULL on out of memory. */
struct cmdconn *cmdconn_new(struct event_base *base, struct evdns_base *dns,
    const struct settings *run, const struct cmdconn_cbs *cbs, void *arg);
/* Closes the connection; a request in flight is dropped (at_cancel). */
void cmdconn_free(struct cmdconn *cc);

/* AT+CIOPEN (the request r answers OK once the attempt is under way, ERROR
 * when the destination is outside network.allow_out, cannot be resolved, or
 * a connection exists): AT_PENDING, or an enum at_err. */
int cmdconn_open(struct cmdconn *cc, struct at_req *r, int udp, const char *host, long port);
/* AT+CISEND: writes the "> " prompt and starts the data phase; r answers
 * "SEND OK" or ERROR at its end. AT_PENDING, or an enum at_err (no
 * connection). */
int cmdconn_send(struct cmdconn *cc, struct at_req *r);
/* Bytes of the data phase; returns how many it took (cisend_feed). */
size_t cmdconn_raw(struct cmdconn *cc, const uint8_t *d, size_t n);
/* AT+CICLOSE: AT_DONE (r's result "CLOSE OK") or an enum at_err (none open). */
int cmdconn_close(struct cmdconn *cc, struct at_req *r);
/* Back-pressure from the serial line: stop (1) / resume (0) reading. */
void cmdconn_pause(struct cmdconn *cc, int paused);
enum cmdconn_state cmdconn_state(const struct cmdconn *cc);
/* "TCP 127.0.0.1:9000 up, sent 5 B, received 3 B", "" when closed. */
void cmdconn_status(const struct cmdconn *cc, char *buf, size_t cap);

#endif
