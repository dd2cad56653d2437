/* The 721's FTP download for the MCU (PROTOCOLS.md §5, seed 003 §2.1.2),
 * wired: the serial filter and protocol (ftpmode.c) in front of the
 * console, the download (ftpdl.c) through the daemon's libcurl. Owned by
 * the instance and kept across its restarts, so that a download goes on
 * through AT+CIRESET; the file and its metadata in state_dir survive a
 * daemon restart until FTP_END. */
#ifndef USRB_FTP_H
#define USRB_FTP_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct evdns_base;
struct curl_lazy;
struct settings;
struct ftpmode;

#define FTP_URL_MAX 300		/* an FTP_START payload */

/* What status shows of the download (usrbridgectl status, the web page). */
struct ftp_status {
	int present;			/* this personality has the FTP download */
	const char *session;		/* ftpmode state: idle, loading, ready, failed */
	const char *state;		/* the download: none, resolving, downloading,
					 * backoff, complete, failed */
	char url[FTP_URL_MAX + 8];	/* the password shown as *** */
	uint64_t bytes;			/* downloaded so far */
	int64_t total;			/* the file's size, -1 until known */
	uint64_t rate;			/* B/s of the current (or last) attempt */
	unsigned retries;		/* failed attempts retried so far */
	unsigned retries_max;		/* ftp.retries */
	uint32_t size, crc, packets;	/* complete: FTP_INFO's fields */
	int64_t retry_in_us;		/* backoff: until the next attempt */
	char why[200];			/* why it failed or is retried; "" */
	unsigned frames_in, naks, packets_sent;
};

/* Serial-side callbacks: bytes that are not FTP frames go on to the
 * console (with the arrival time of their last byte), frames to the MCU go
 * to the serial line; in frame mode (CIMOD=1) the other valid frames go to
 * frame (ftpmode_ops.frame: 0 taken, -errno answered with NAK). */
struct ftp_io {
	void (*pass)(void *arg, const uint8_t *d, size_t n, int64_t now);
	void (*write)(void *arg, const uint8_t *d, size_t n);
	int (*frame)(void *arg, uint8_t cmd, const uint8_t *payload, size_t len);
};

struct ftp;

/* NULL when out of memory. */
struct ftp *ftp_new(struct event_base *base, struct evdns_base *dns, struct curl_lazy *curl,
    const struct ftp_io *io, void *arg);
void ftp_free(struct ftp *f);

/* The running settings (at each start): state_dir, ftp.max_size,
 * ftp.retries, network.allow_out and the line speed (the hold bound). The
 * first call also takes up a session a daemon restart interrupted. */
void ftp_apply(struct ftp *f, const struct settings *run);

/* The filter: every byte read from the serial line, at time now (µs). */
void ftp_input(struct ftp *f, const uint8_t *d, size_t n, int64_t now);
/* Arrival of the oldest byte held back, or -1 (ftpmode_held_since). */
int64_t ftp_held_since(const struct ftp *f);
/* When ftp_expire() must run (absolute µs), or -1. */
int64_t ftp_deadline(const struct ftp *f);
void ftp_expire(struct ftp *f, int64_t now);

/* The protocol machine, for frame mode (CIMOD=1): ftpmode_frames(),
 * ftpmode_send(). */
struct ftpmode *ftp_mode(struct ftp *f);

void ftp_status(const struct ftp *f, struct ftp_status *st);

/* How long a candidate frame may hold serial bytes back at this line
 * speed: idle (after its newest byte) and max (after its oldest). */
void ftp_hold_bounds(const struct settings *st, int64_t *idle_us, int64_t *max_us);

#endif
