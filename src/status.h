/* Status output of a running daemon (usrbridgectl status, status --json,
 * the web page): what a status is (struct daemon_status, filled by the
 * instance and its services) and how it reads as text or JSON. Pure: it
 * only formats, so it is unit-tested with made-up numbers. */
#ifndef USRB_STATUS_H
#define USRB_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "bridge.h"
#include "ftp.h"
#include "serial.h"
#include "settings.h"

struct evbuffer;

/* What status output shows. A plain value: the instance fills it, each
 * service adds its part (host.h), the caller owns it. */
struct daemon_status {
	enum personality personality;
	int64_t uptime_us;
	unsigned restarts;
	char serial_device[256];
	struct serial_stats serial;
	int command_mode;		/* the serial console is in command mode */
	size_t held_bytes;		/* network data held while in command mode */
	uint64_t held_dropped;		/* ... and dropped beyond the bound */
	int nlinks;
	struct bridge_link_status link[LINKS_MAX];
	struct serial_params line;	/* line settings the port runs with (read back
					 * from it; what was asked for while closed) */
	int line_known;			/* line was read back from the open port */
	int line_err;			/* the port refused line_wanted (-errno); 0 */
	struct serial_params line_wanted;	/* ... the refused settings */
	char control_socket[108];	/* where usrbridgectl connects; "" none */
	char control_why[224];		/* why there is no control socket; "" */
	int web_port;			/* port the web page listens on; 0 none */
	char web_listen[160];		/* where it listens, or wants to ("*:80") */
	char web_why[224];		/* why it does not listen; "" */
	struct ftp_status ftp;		/* the 721's FTP download (present: 1) */
};

/* Sums over every link, per direction (the "traffic" block). */
struct status_traffic {
	uint64_t to_net_in;		/* read from the serial line */
	uint64_t to_net_out;		/* accepted by the network side */
	uint64_t to_net_dropped;	/* dropped: client queues, offline cache, UARTCLBUF */
	uint64_t to_serial_in;		/* received from the network */
	uint64_t to_serial_out;		/* written to the serial line */
	uint64_t to_serial_dropped;	/* dropped: serial queue bound, held data bound */
};

void status_traffic(const struct daemon_status *st, struct status_traffic *t);

/* "8N1"-style line text plus flow control: "115200 8N1 NFC". */
void status_line_text(const struct serial_params *p, char *buf, size_t cap);

/* "1d 02h 03m 04s" */
void status_uptime_text(int64_t us, char *buf, size_t cap);

/* One line on the FTP download (status text, the web page): state, URL
 * (password hidden), bytes done/total, rate, retries, why. */
void status_ftp_text(const struct ftp_status *f, char *buf, size_t cap);

/* Human-readable, several lines, ending with a newline. */
int status_text(const struct daemon_status *st, struct evbuffer *out);

/* One JSON object and a newline (usrbridgectl(1) lists the fields). */
int status_json(const struct daemon_status *st, struct evbuffer *out);

/* Appends s as a JSON string literal (quotes included). */
int status_json_string(struct evbuffer *out, const char *s);

#endif
