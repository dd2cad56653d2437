/* The serial side of the FTP download (PROTOCOLS.md §5, ours): a filter
 * that every byte read from the serial line passes before the console, in
 * every work mode, and the protocol state machine it feeds. It takes valid
 * FTP_START frames out of the data (and FTP_GET/FTP_END from then until
 * FTP_END), answers them, and hands every other byte on unchanged, in order,
 * with its arrival time. Pure: bytes and time in, callbacks out; the
 * download itself is behind ops (ftp.c wires it to ftpdl.c). */
#ifndef USRB_FTPMODE_H
#define USRB_FTPMODE_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"

#define FTP_PACKET 256		/* bytes of one FTP_DATA packet */
/* FTP_INFO counts packets in 2 bytes: the largest file it can describe. */
#define FTP_FILE_MAX (65535L * FTP_PACKET)

enum ftpmode_state {
	FTPM_IDLE,	/* not in FTP mode: only FTP_START is taken out of the data */
	FTPM_LOADING,	/* FTP_START acknowledged, download under way: FTP_GET ->
			 * NAK; -> READY or FAILED with FTP_INFO */
	FTPM_READY,	/* FTP_INFO 0 sent: FTP_GET -> FTP_DATA */
	FTPM_FAILED,	/* FTP_INFO 2 sent: FTP_GET -> NAK; FTP_START tries again */
	FTPM_STATE_COUNT
};

extern const char *const ftpmode_state_names[FTPM_STATE_COUNT];

/* FTP_INFO status byte. */
enum ftp_info_status { FTP_INFO_OK = 0, FTP_INFO_BUSY = 1, FTP_INFO_FAILED = 2 };

/* A complete file as FTP_INFO describes it. */
struct ftp_file {
	uint32_t size;
	uint32_t crc;		/* CRC-32 (crc32.h) */
};

/* What ops->start found. */
enum ftp_start_result {
	FTP_STARTED,		/* download started or resumed: ftpmode_result() follows */
	FTP_BUSY,		/* this URL's download is already under way */
	FTP_COMPLETE,		/* this URL's file is here already (*f filled) */
};

struct ftpmode_ops {
	/* Serial bytes that are not ours, in order; now is the arrival time
	 * of their last byte (earlier than the call when they were held). */
	void (*pass)(void *arg, const uint8_t *d, size_t n, int64_t now);
	/* A whole frame for the MCU. */
	void (*write)(void *arg, const uint8_t *d, size_t n);
	/* Download url (len bytes, not NUL-terminated): enum ftp_start_result,
	 * or -errno when it failed at once (a malformed URL). A different URL
	 * than the last one replaces it (its file is deleted). */
	int (*start)(void *arg, const char *url, size_t len, struct ftp_file *f);
	/* Up to n bytes of the complete file from off: bytes read or -errno. */
	int (*read)(void *arg, uint32_t off, uint8_t *buf, size_t n);
	/* FTP_END: stop the download, delete the file. */
	void (*end)(void *arg);
	/* CIMOD=1 (frame mode, ftpmode_frames()): a valid frame that is not
	 * an FTP one. 0 when it was taken, -errno to answer it with NAK. May
	 * be NULL: every such frame gets NAK. */
	int (*frame)(void *arg, uint8_t cmd, const uint8_t *payload, size_t len);
};

/* Owned by its user (ftp.c). */
struct ftpmode {
	enum ftpmode_state state;
	const struct ftpmode_ops *ops;
	void *arg;
	struct ftp_file file;		/* READY: the file */
	int all_frames;			/* CIMOD=1: every frame is ours */
	struct frame_dec dec;
	/* Hold-back bounds (ftpmode_set_hold). */
	int64_t idle_us, max_us;
	int64_t held_since;		/* arrival of the oldest byte held, -1: none */
	int64_t held_last;		/* arrival of the newest byte held */
	/* During one push: held bytes not handed on yet, and now. */
	size_t old_left;
	int64_t now;
	/* Counters for status. */
	unsigned frames_in, naks, packets_sent;
};

void ftpmode_init(struct ftpmode *m, const struct ftpmode_ops *ops, void *arg);

/* A candidate frame is held back until it is decided, but never longer
 * than idle_us after its newest byte nor max_us after its oldest: then its
 * bytes go on as data (ftp.c derives both from the line speed). */
void ftpmode_set_hold(struct ftpmode *m, int64_t idle_us, int64_t max_us);

/* Every byte read from the serial line, at time now (µs). */
void ftpmode_input(struct ftpmode *m, const uint8_t *d, size_t n, int64_t now);
/* Arrival of the oldest byte held back, or -1: a consumer that measures
 * idle gaps (the packer) must not look past it. */
int64_t ftpmode_held_since(const struct ftpmode *m);
/* When ftpmode_expire() must run (absolute µs), or -1. */
int64_t ftpmode_deadline(const struct ftpmode *m);
void ftpmode_expire(struct ftpmode *m, int64_t now);

/* The download ended: f is the complete file, or NULL when it failed.
 * Sends FTP_INFO. Ignored unless a download is awaited. */
void ftpmode_result(struct ftpmode *m, const struct ftp_file *f);

/* After a daemon restart the session of before goes on (the download's
 * metadata survived): LOADING (the download resumes), READY with f, or
 * FAILED. Nothing is sent. */
void ftpmode_restore(struct ftpmode *m, enum ftpmode_state st, const struct ftp_file *f);

/* CIMOD=1: every valid frame is taken out of the data (those that are not
 * FTP ones go to ops->frame) and a bad CRC is always answered with NAK. */
void ftpmode_frames(struct ftpmode *m, int on);

/* Encodes and writes one frame to the MCU. */
void ftpmode_send(struct ftpmode *m, uint8_t cmd, const uint8_t *payload, size_t len);

/* Packets of a file of size bytes. */
uint32_t ftpmode_packets(uint32_t size);

#endif
