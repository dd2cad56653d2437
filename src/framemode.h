/* The 721's frame mode (AT+CIMOD=1, PROTOCOLS.md §5, ours): the MCU
 * addresses the four links by number in §5 frames. LINK_SEND (link byte
 * 1-4 + data) goes to that one link; what arrives on link n reaches the
 * MCU as LINK_DATA n; LINK_STATE (4 bytes, 1 up / 0 down, byte i = link
 * i+1) is sent when frame mode starts and on every change. Pure: frames in,
 * frames and link sends out through ops. ftpmode.c's filter finds the
 * frames (ftpmode_frames) and instance.c wires both. */
#ifndef USRB_FRAMEMODE_H
#define USRB_FRAMEMODE_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "settings.h"

struct evbuffer;

/* The data of one LINK_DATA frame: the payload less its link byte. */
#define FRAMEMODE_DATA_MAX (FRAME_PAYLOAD_MAX - 1)

struct framemode_ops {
	/* A LINK_SEND's data for link (0-based): 0 when it was sent or kept in
	 * the link's offline cache, -errno when that link does not run. */
	int (*to_link)(void *arg, int link, const uint8_t *d, size_t n);
	/* A whole frame for the MCU. */
	void (*write)(void *arg, const uint8_t *d, size_t n);
	/* 1 while the serial line is the AT console's (command mode after
	 * +++): a LINK_SEND then is refused. May be NULL. */
	int (*in_command)(void *arg);
};

/* What status shows of frame mode (a part of struct daemon_status);
 * counters from the daemon's start. */
struct framemode_status {
	int shown;			/* the personality has frame mode */
	int running;
	uint8_t up[LINKS_MAX];		/* the last LINK_STATE sent */
	uint64_t sends, send_bytes;	/* LINK_SEND frames taken, their data */
	uint64_t refused;		/* LINK_SEND answered with NAK */
	uint64_t data, data_bytes;	/* LINK_DATA frames sent, their data */
	uint64_t states;		/* LINK_STATE frames sent */
	uint64_t dropped;		/* serial bytes that were no frame, dropped */
};

/* Owned by the instance, kept across its restarts (the counters). */
struct framemode {
	const struct framemode_ops *ops;
	void *arg;
	int on;
	struct framemode_status st;
};

void framemode_init(struct framemode *f, const struct framemode_ops *ops, void *arg);
/* Frame mode starts with the links as up says (1/0): LINK_STATE goes out. */
void framemode_start(struct framemode *f, const uint8_t up[LINKS_MAX]);
void framemode_stop(struct framemode *f);
int framemode_on(const struct framemode *f);

/* A valid frame from the MCU that the FTP protocol does not take: 0 when
 * it was taken, -errno when it must be answered with NAK (not LINK_SEND,
 * a malformed one, a link that does not run, command mode, frame mode
 * off). */
int framemode_frame(struct framemode *f, uint8_t cmd, const uint8_t *payload, size_t len);

/* Data that arrived on link (0-based), as LINK_DATA frames of at most
 * FRAMEMODE_DATA_MAX bytes each. 0 when frame mode is off (the caller
 * passes the data on as it is), else 1. */
int framemode_link_data(struct framemode *f, int link, const uint8_t *d, size_t n);

/* The links' states now: LINK_STATE when they differ from the last sent. */
void framemode_links(struct framemode *f, const uint8_t up[LINKS_MAX]);

/* n serial bytes that were no frame were dropped (counted). */
void framemode_dropped(struct framemode *f, size_t n);

/* The status lines ("frames   ...\n"); 0 or -1 (out of memory). Nothing
 * unless frame mode runs. */
int framemode_status_text(const struct framemode_status *s, struct evbuffer *out);
/* "\"frame_mode\":{...}," for status --json; 0 or -1. Nothing when !shown. */
int framemode_status_json(const struct framemode_status *s, struct evbuffer *out);

#endif
