/* RFC 2217 COM-PORT-OPTION, the server's side: what each request of the
 * client does to the port and what is answered (always the value in
 * force), plus the NOTIFY-LINESTATE / NOTIFY-MODEMSTATE a masked change
 * sends. Pure: the port is a small ops table (src/rfc2217.c puts the
 * serial module behind it, tests/check_rfc2217.c a fake), the answers go
 * out through send(). */
#ifndef USRB_COMPORT_H
#define USRB_COMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "serial.h"

/* Commands, client to server (RFC 2217 p. 5); the server's answer to
 * each is the same code plus COMPORT_SERVER. */
enum comport_cmd {
	COMPORT_SIGNATURE = 0,
	COMPORT_SET_BAUDRATE = 1,
	COMPORT_SET_DATASIZE = 2,
	COMPORT_SET_PARITY = 3,
	COMPORT_SET_STOPSIZE = 4,
	COMPORT_SET_CONTROL = 5,
	COMPORT_NOTIFY_LINESTATE = 6,
	COMPORT_NOTIFY_MODEMSTATE = 7,
	COMPORT_FLOWCONTROL_SUSPEND = 8,
	COMPORT_FLOWCONTROL_RESUME = 9,
	COMPORT_SET_LINESTATE_MASK = 10,
	COMPORT_SET_MODEMSTATE_MASK = 11,
	COMPORT_PURGE_DATA = 12,
};
#define COMPORT_SERVER 100

/* SET-CONTROL values (RFC 2217 p. 8-10). */
enum comport_control {
	CTL_FLOW_QUERY = 0, CTL_FLOW_NONE = 1, CTL_FLOW_XONXOFF = 2, CTL_FLOW_HW = 3,
	CTL_BREAK_QUERY = 4, CTL_BREAK_ON = 5, CTL_BREAK_OFF = 6,
	CTL_DTR_QUERY = 7, CTL_DTR_ON = 8, CTL_DTR_OFF = 9,
	CTL_RTS_QUERY = 10, CTL_RTS_ON = 11, CTL_RTS_OFF = 12,
	CTL_IFLOW_QUERY = 13, CTL_IFLOW_NONE = 14, CTL_IFLOW_XONXOFF = 15, CTL_IFLOW_HW = 16,
	CTL_FLOW_DCD = 17, CTL_IFLOW_DTR = 18, CTL_FLOW_DSR = 19,
};

/* NOTIFY-MODEMSTATE bits (RFC 2217 p. 12). */
#define MODEM_DCD	0x80
#define MODEM_RI	0x40
#define MODEM_DSR	0x20
#define MODEM_CTS	0x10
#define MODEM_DDCD	0x08
#define MODEM_TERI	0x04	/* trailing edge of RI */
#define MODEM_DDSR	0x02
#define MODEM_DCTS	0x01

/* NOTIFY-LINESTATE bits (RFC 2217 p. 11) that a Linux driver counts. */
#define LINE_BREAK	0x10
#define LINE_FRAMING	0x08
#define LINE_PARITY	0x04
#define LINE_OVERRUN	0x02

/* The initial masks (RFC 2217 p. 11-12): every modem-state change, no
 * line-state change. */
#define COMPORT_MODEM_MASK_DEFAULT	0xff
#define COMPORT_LINE_MASK_DEFAULT	0x00

/* What the port can do. Each returns 0, -ENOTSUP when the port cannot
 * have the state at all (a pty has no modem lines and keeps 8 data bits
 * whatever is asked): the value asked for is acknowledged, or another
 * -errno: the value in force is answered. */
struct comport_port {
	/* Applies want (NULL: reads only); fills in_force in every case. */
	int (*params)(void *arg, const struct serial_params *want, struct serial_params *in_force);
	/* DTR, RTS, BREAK. */
	int (*set_line)(void *arg, enum serial_line line, int on);
	/* SERIAL_SIG_* */
	int (*signals)(void *arg, unsigned *sig);
	int (*purge)(void *arg, int rx, int tx);
	/* FLOWCONTROL-SUSPEND (1) / RESUME (0): stop / go on sending the
	 * client the line's data. */
	void (*suspend)(void *arg, int on);
	/* An answer or notification: the COM-PORT-OPTION subnegotiation's
	 * bytes (server command code, value), IAC not yet doubled. */
	void (*send)(void *arg, const uint8_t *d, size_t n);
};

struct comport_stats {
	uint64_t requests;	/* answered (or acted on: SUSPEND, RESUME) */
	uint64_t faked;		/* acknowledged as asked: the port cannot have it */
	uint64_t bad;		/* unknown commands, short values: ignored */
};

/* One client's COM-PORT-OPTION state; owned by its connection. */
struct comport {
	const struct comport_port *port;
	void *arg;
	const char *signature;			/* ours, for SIGNATURE requests */
	char client_signature[65];		/* theirs, when it sent one */
	struct serial_params cur;		/* in force, or acknowledged */
	int cur_known;
	int dtr, rts, brk;			/* as set, for ports without lines */
	uint8_t line_mask, modem_mask;
	uint8_t modem;				/* the last modem state read (bits 4-7) */
	int modem_known;
	int notify_asked;			/* a mask was set: poll the lines */
	int suspended;
	struct comport_stats st;
};

/* signature must outlive c. */
void comport_init(struct comport *c, const char *signature, const struct comport_port *port,
    void *arg);

/* One COM-PORT-OPTION subnegotiation from the client (after the option
 * byte, IAC undoubled): command code and value. */
void comport_request(struct comport *c, const uint8_t *d, size_t n);

/* The modem lines now (SERIAL_SIG_*): NOTIFY-MODEMSTATE when a masked bit
 * changed since the last reading, or always when force. */
void comport_modem(struct comport *c, unsigned sig, int force);

/* Line-state events seen (LINE_* bits): NOTIFY-LINESTATE when masked. */
void comport_line(struct comport *c, uint8_t events);

/* 1 while the client asked for notifications (a mask set to non-zero):
 * only then are the lines polled. */
int comport_wants_poll(const struct comport *c);

/* The NOTIFY-MODEMSTATE byte for a reading, given the previous one. */
uint8_t comport_modem_byte(unsigned sig, uint8_t previous, int previous_known);

#endif
