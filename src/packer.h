/* The packer: cuts the serial byte stream into frames by idle gap and by
 * length (PROTOCOLS.md §2). Pure: bytes and time in, frames out, no I/O. */
#ifndef USRB_PACKER_H
#define USRB_PACKER_H

#include <stddef.h>
#include <stdint.h>

typedef void (*packer_emit_fn)(const uint8_t *frame, size_t len, void *arg);

struct packer {
	uint8_t *buf;		/* the frame being assembled; owned */
	size_t len;		/* bytes in buf */
	size_t max;		/* packing length */
	int64_t gap_us;		/* packing gap; 0: every push is sent at once */
	int64_t last_us;	/* arrival time of the newest byte in buf */
	packer_emit_fn emit;
	void *arg;
};

int packer_init(struct packer *p, size_t max, int64_t gap_us, packer_emit_fn emit, void *arg);
void packer_free(struct packer *p);

/* Feeds bytes that arrived at time now (µs); emits every frame that reaches
 * the packing length, and with a gap of 0 whatever remains too. */
void packer_push(struct packer *p, const uint8_t *data, size_t len, int64_t now);

/* Absolute time (µs) at which the pending frame closes, or -1 if none. */
int64_t packer_deadline(const struct packer *p);

/* Closes the pending frame if its gap has passed at time now. */
void packer_expire(struct packer *p, int64_t now);

/* Emits the pending frame now, whatever the time. */
void packer_flush(struct packer *p);

#endif
