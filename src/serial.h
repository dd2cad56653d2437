/* The serial side: opens the port (libserialport for real UARTs, termios for
 * pseudo-terminals, or a pty of our own), applies line settings, reads and
 * writes through the event loop, and reopens a port that vanished. */
#ifndef USRB_SERIAL_H
#define USRB_SERIAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct event_base;

struct serial_params {
	long baud;
	int data_bits;
	int stop_bits;
	int parity;		/* enum parity */
	int flow;		/* enum flow */
};

struct serial_stats {
	uint64_t rx_bytes, tx_bytes;	/* read from / written to the line */
	uint64_t tx_dropped;		/* not written: queue bound reached */
	unsigned reopens;
	size_t queued;			/* bytes waiting to be written */
	int open;
	char why[256];			/* why it is not open ("" when open) */
};

struct serial_cbs {
	/* Bytes read from the line. */
	void (*on_data)(const uint8_t *data, size_t len, int64_t now_us, void *arg);
	/* The output queue went below its low-water mark (resume producers). */
	void (*on_drain)(void *arg);
	/* The port came up (1) or was lost (0). */
	void (*on_state)(int up, void *arg);
};

struct serial;

/* device is a tty path or "pty"; pty_link is where the slave of our own pty
 * is published; lock_dir holds the UUCP lock files (portlock.h; "" = flock
 * only). Never fails for a missing or busy port: it retries on a timer
 * (serial_held_by says whether another process holds it). */
struct serial *serial_new(struct event_base *base, const char *device, const char *pty_link,
    const char *lock_dir, const struct serial_params *sp, const struct serial_cbs *cbs,
    void *arg);
void serial_free(struct serial *s);

/* Applies line settings at once. 0 or -errno. */
int serial_configure(struct serial *s, const struct serial_params *sp);
/* What was asked for (serial_configure, or serial_new). */
void serial_get_params(const struct serial *s, struct serial_params *sp);
/* What the open port runs with, read back from it: -ENOTCONN while closed. */
int serial_get_active(const struct serial *s, struct serial_params *sp);
/* The last settings the port refused (-errno, sp filled), or 0. */
int serial_refused(const struct serial *s, struct serial_params *sp);
/* While the port is closed because another process holds it: its pid (-1:
 * unknown, flock only); else 0. */
pid_t serial_held_by(const struct serial *s);
/* "in use by pid 12 (usrbridged -c ...)", "cannot open (...)" for err. */
void serial_why_text(const struct serial *s, int err, char *buf, size_t cap);

/* Queues bytes for the line. -ENOBUFS (and counted) beyond the hard bound. */
int serial_write(struct serial *s, const void *data, size_t len);
/* 1 while the output queue is above its high-water mark: producers pause. */
int serial_congested(const struct serial *s);

/* Stop / resume reading from the line: back-pressure from the network side
 * when no peer can take more (bridge_congested). Kept across reopens. */
void serial_pause(struct serial *s, int paused);
void serial_stats(const struct serial *s, struct serial_stats *st);
const char *serial_device(const struct serial *s);

/* 1 when baud is a speed the port can be set to (the baud-sync and, later,
 * RFC 2217 requests are checked with it before they are applied). */
int serial_speed_valid(long baud);

/* Modem lines, break and buffers, for a client that owns the port (RFC
 * 2217, PROTOCOLS.md §6): libserialport on a real UART, ioctl(2) on a tty
 * it does not handle. A pseudo-terminal has no modem lines: -ENOTTY there.
 * All return 0 or -errno (-ENOTCONN while the port is closed). */
enum serial_line { SERIAL_LINE_DTR, SERIAL_LINE_RTS, SERIAL_LINE_BREAK };
int serial_set_line(struct serial *s, enum serial_line line, int on);

/* Modem signals: the outputs as set, the inputs as read (TIOCMGET). */
#define SERIAL_SIG_DTR	0x01
#define SERIAL_SIG_RTS	0x02
#define SERIAL_SIG_CTS	0x04
#define SERIAL_SIG_DSR	0x08
#define SERIAL_SIG_RI	0x10
#define SERIAL_SIG_DCD	0x20
int serial_get_signals(struct serial *s, unsigned *sig);

/* Line errors the driver counted since it was opened (TIOCGICOUNT). */
struct serial_icount {
	unsigned brk, frame, parity, overrun;
};
int serial_get_icount(struct serial *s, struct serial_icount *c);

/* Discards what the line received and nobody read yet (rx), and what
 * waits to be written, queued here or in the driver (tx). */
int serial_purge(struct serial *s, int rx, int tx);

/* 1 when the port is a pseudo-terminal (ours, or a path to one). */
int serial_is_pty(const struct serial *s);

/* "NONE", "ODD", ... for a PARITY_* value as the settings table spells it
 * (AT+UART, the config file); NULL outside. */
const char *serial_parity_name(int parity);
/* 'N', 'O', 'E', 'M' or 'S' ('?' outside): the first letter of that name,
 * for "115200 8N1" texts. */
char serial_parity_letter(int parity);

#endif
