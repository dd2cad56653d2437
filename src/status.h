/* Status output of a running daemon (usrbridgectl status, status --json,
 * the web page): what a status is (struct daemon_status, filled by the
 * instance and its services) and how it reads as text or JSON. Pure: it
 * only formats, so it is unit-tested with made-up numbers. */
#ifndef USRB_STATUS_H
#define USRB_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "bridge.h"
#include "framemode.h"
#include "ftp.h"
#include "serial.h"
#include "settings.h"
#include "workmode.h"

struct evbuffer;

/* The RFC 2217 listener's part (src/rfc2217.c, PROTOCOLS.md §6). */
struct rfc2217_status {
	long port;			/* rfc2217.port; 0: off */
	int listening;
	char listen[160];		/* where it listens, or wants to ("*:2217") */
	char why[224];			/* why it does not listen; "" */
	char client[64];		/* the client that owns the serial port; "" */
	char client_signature[65];	/* what it said it is (SIGNATURE); "" */
	int64_t connected_us;		/* for how long */
	uint64_t rx_bytes, tx_bytes;	/* data from it (to the line) / to it */
	uint64_t dropped;		/* from it, beyond the serial queue's bound */
	uint64_t requests, faked;	/* COM-PORT-OPTION answers; of them acknowledged
					 * as asked (the port cannot have the state) */
	uint64_t clients;		/* clients served since the daemon started */
	uint64_t refused_busy;		/* refused: another client had the port */
	uint64_t refused_acl;		/* refused by network.allow_in */
};

/* The discovery responder's part (src/discovery-service.c, §6). */
struct discovery_status {
	int enabled;			/* discovery.enabled */
	int listening;
	char why[224];			/* why it does not listen; "" */
	uint64_t searches;		/* FF 01 01 02 answered */
	uint64_t legacy;		/* "0123456789" x 4 answered */
	uint64_t ignored;		/* anything else on the port */
	uint64_t refused;		/* requests from outside network.allow_in/out */
};

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

/* The 721's own use of SMS (smsmode.c, PROTOCOLS.md §4): SMS transparent
 * mode (CIMOD=4) and SMS AT. Counters from the daemon's start. */
struct sms_status {
	int shown;			/* the 721 */
	int mode_on;			/* CIMOD=4 runs */
	char number[24];		/* CIPNUM */
	char why[160];			/* CIMOD=4: why frames cannot go as SMS; "" */
	uint64_t frames_sent;		/* serial frames the modem sent as SMS */
	uint64_t frames_failed;		/* ... not sent after the modem's retries */
	uint64_t frames_dropped;	/* ... refused: no modem, no CIPNUM, queue full */
	uint64_t to_serial;		/* SMS from CIPNUM written to the serial line */
	uint64_t to_serial_bytes;
	uint64_t from_others;		/* SMS from other numbers: logged and dropped */
	uint64_t not_sms_mode;		/* SMS that were no command, outside CIMOD=4: dropped */
	uint64_t at_run;		/* SMS AT commands run */
	uint64_t at_refused;		/* ... refused: too many waiting */
	uint64_t at_replied;		/* replies the modem sent */
	uint64_t at_reply_failed;	/* replies not sent */
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
	struct workmode_status work;	/* 721: work mode, password AT, CIOPEN */
	int nlinks;
	struct bridge_link_status link[LINKS_MAX];
	int bridge_known;		/* a bridge runs: bridge is filled */
	struct bridge_status bridge;	/* heartbeat, registration, idle restart in force */
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
	struct rfc2217_status rfc2217;
	struct discovery_status discovery;
	struct ftp_status ftp;		/* the 721's FTP download (present: 1) */
	struct framemode_status frame;	/* the 721's frame mode (CIMOD=1) */
	struct modem_status modem;	/* 721: the modem service's part */
	struct sms_status sms;		/* 721: SMS transparent mode, SMS AT */
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

/* What the bridge runs with, one line: "heartbeat NET every 30 s (4 B),
 * registration FIRST (6 B), long connections, idle restart off". */
void status_bridge_text(const struct bridge_status *b, char *buf, size_t cap);

/* "1d 02h 03m 04s" */
void status_uptime_text(int64_t us, char *buf, size_t cap);

/* One line on the FTP download (status text, the web page): state, URL
 * (password hidden), bytes done/total, rate, retries, why. */
void status_ftp_text(const struct ftp_status *f, char *buf, size_t cap);

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
/* The same for SMS transparent mode and SMS AT (nothing unless shown). */
int status_sms_text(const struct sms_status *s, struct evbuffer *out);
int status_sms_json(const struct sms_status *s, struct evbuffer *out);

/* Appends s as a JSON string literal (quotes included). */
int status_json_string(struct evbuffer *out, const char *s);

#endif
