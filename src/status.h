/* Status output of a running daemon (usrbridgectl status, status --json,
 * the web page): what a status is (struct daemon_status, filled by the
 * instance and its services) and how it reads as text or JSON. Pure: it
 * only formats, so it is unit-tested with made-up numbers. */
#ifndef USRB_STATUS_H
#define USRB_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "bridge.h"
#include "serial.h"
#include "settings.h"

struct evbuffer;

/* The 721's modem (modem.c), filled by its service. */
struct modem_status {
	int configured;			/* modem.device names one */
	char device[256];
	char state[16];			/* "closed", "init", "failed", "ready" */
	int present;			/* open, initialised and answering */
	char why[224];			/* why it is not present; "" */
	char imei[20];			/* "" unknown */
	char oper[64];			/* operator (AT+COPS?); "" unknown */
	int reg;			/* TS 27.007 +CREG <stat>; -1 unknown */
	int csq;			/* +CSQ rssi 0-31, 99 unknown */
	int dbm;			/* from csq; 0 unknown */
	char lac[9], ci[9];		/* hex, from AT+CREG=2; "" unknown */
	uint64_t sms_sent;		/* SMS (parts) the modem took */
	uint64_t sms_received;		/* SMS read from the modem */
	uint64_t sms_failed;		/* not sent after every retry */
	uint64_t sms_read_failed;	/* announced but could not be read */
	unsigned sms_queued;		/* texts waiting to be sent */
	unsigned reopens;		/* the tty was reopened (lost, or silent) */
	unsigned timeouts;		/* commands without a reply in time */
};

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
	struct modem_status modem;	/* 721: the modem service's part */
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

/* Human-readable, several lines, ending with a newline. */
int status_text(const struct daemon_status *st, struct evbuffer *out);

/* One JSON object and a newline (usrbridgectl(1) lists the fields). */
int status_json(const struct daemon_status *st, struct evbuffer *out);

/* The modem's lines of status_text(), its "modem" member of status_json()
 * (with the comma after it), and its one-line summary for the web page
 * (status-modem.c). Nothing when no modem is configured. */
int status_modem_text(const struct modem_status *m, struct evbuffer *out);
int status_modem_json(const struct modem_status *m, struct evbuffer *out);
void status_modem_summary(const struct modem_status *m, char *buf, size_t cap);

/* Appends s as a JSON string literal (quotes included). */
int status_json_string(struct evbuffer *out, const char *s);

#endif
