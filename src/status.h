/* Status output of a running instance (usrbridgectl status, status --json,
 * the web page): turns a struct instance_status into text or JSON. Pure: it
 * only formats, so it is unit-tested with made-up numbers. */
#ifndef USRB_STATUS_H
#define USRB_STATUS_H

#include <stdint.h>

#include "instance.h"

struct evbuffer;

/* Sums over every link, per direction (the "traffic" block). */
struct status_traffic {
	uint64_t to_net_in;		/* read from the serial line */
	uint64_t to_net_out;		/* accepted by the network side */
	uint64_t to_net_dropped;	/* dropped: client queues, offline cache, UARTCLBUF */
	uint64_t to_serial_in;		/* received from the network */
	uint64_t to_serial_out;		/* written to the serial line */
	uint64_t to_serial_dropped;	/* dropped: serial queue bound, held data bound */
};

void status_traffic(const struct instance_status *st, struct status_traffic *t);

/* "8N1"-style line text plus flow control: "115200 8N1 NFC". */
void status_line_text(const struct serial_params *p, char *buf, size_t cap);

/* "1d 02h 03m 04s" */
void status_uptime_text(int64_t us, char *buf, size_t cap);

/* Human-readable, several lines, ending with a newline. */
int status_text(const struct instance_status *st, struct evbuffer *out);

/* One JSON object and a newline (usrbridgectl(1) lists the fields). */
int status_json(const struct instance_status *st, struct evbuffer *out);

/* Appends s as a JSON string literal (quotes included). */
int status_json_string(struct evbuffer *out, const char *s);

#endif
