/* The serial frames of frame mode and the FTP download (PROTOCOLS.md §5,
 * ours): A5 5A | cmd | len (2, big-endian, <= 300) | payload | CRC-16/MODBUS
 * over cmd, len and payload (2, little-endian). A pure encoder, and a
 * decoder that finds frames in a byte stream and hands back everything else
 * as data, unchanged and in order, so that a sniffer can take frames out of
 * transparent-mode traffic without disturbing it. */
#ifndef USRB_FRAME_H
#define USRB_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define FRAME_PAYLOAD_MAX 300
#define FRAME_OVERHEAD 7		/* A5 5A, cmd, len (2), crc (2) */
#define FRAME_MAX (FRAME_PAYLOAD_MAX + FRAME_OVERHEAD)

enum frame_cmd {
	FRAME_FTP_START = 0x01,
	FRAME_FTP_GET = 0x02,
	FRAME_FTP_END = 0x03,
	FRAME_LINK_SEND = 0x10,
	FRAME_LINK_STATE = 0x11,
	FRAME_FTP_INFO = 0x81,
	FRAME_FTP_DATA = 0x82,
	FRAME_ACK = 0x83,
	FRAME_LINK_DATA = 0x90,
	FRAME_NAK = 0xEE,
};

/* CRC-16/MODBUS (poly 0x8005 reflected, init 0xFFFF): "123456789" gives
 * 0x4B37. crc is 0xFFFF to start, or the value so far to go on. */
uint16_t frame_crc16(uint16_t crc, const uint8_t *d, size_t n);

/* Writes the frame of cmd and payload into out; returns its length, or 0
 * when len > FRAME_PAYLOAD_MAX or cap is too small. */
size_t frame_encode(uint8_t cmd, const uint8_t *payload, size_t len, uint8_t *out,
    size_t cap);

/* Encodes the frame and hands it to write in one piece (nothing when len >
 * FRAME_PAYLOAD_MAX). */
void frame_emit(uint8_t cmd, const uint8_t *payload, size_t len,
    void (*write)(void *arg, const uint8_t *d, size_t n), void *arg);

enum frame_event {
	FRAME_DATA,	/* bytes that are not (part of) a frame */
	FRAME_OK,	/* a whole frame with a good CRC */
	FRAME_BAD_CRC,	/* a whole frame whose CRC is wrong */
};

/* What the decoder found. raw/nraw are the bytes as they came (for DATA,
 * the data; for frames, the frame's every byte, so that a caller that does
 * not want the frame can pass it on as data); cmd, payload and len are set
 * for FRAME_OK and FRAME_BAD_CRC. */
struct frame_out {
	enum frame_event ev;
	const uint8_t *raw;
	size_t nraw;
	uint8_t cmd;
	const uint8_t *payload;
	size_t len;
};

typedef void (*frame_fn)(void *arg, const struct frame_out *o);

/* A decoder holds back at most one candidate frame (FRAME_MAX bytes) that
 * starts with A5: whatever cannot be the start of a frame is handed on at
 * once. A candidate that turns out not to be a frame (its second byte is
 * not 5A, its length is over FRAME_PAYLOAD_MAX) gives its first byte as
 * data and is searched again from the next byte. */
struct frame_dec {
	uint8_t buf[FRAME_MAX];
	size_t n;
};

void frame_dec_init(struct frame_dec *d);
/* Feeds n bytes; fn is called for each piece, in stream order (fn must
 * not feed d; what o points to is valid during the call only). */
void frame_dec_push(struct frame_dec *d, const uint8_t *in, size_t n, frame_fn fn, void *arg);
/* Bytes held back as a possible frame (0: none). */
size_t frame_dec_held(const struct frame_dec *d);
/* Gives up on the candidate (the line went quiet): the bytes held go out
 * as data, except whole frames that start inside them (found as in
 * frame_dec_push); nothing is held afterwards. */
void frame_dec_flush(struct frame_dec *d, frame_fn fn, void *arg);

#endif
