/* The packer (PROTOCOLS.md §2): a frame is closed when the line has been idle
 * for the packing gap or when it reaches the packing length. Frames are the
 * unit of identity prefixes, HTTP requests and UDP datagrams. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "packer.h"

int
packer_init(struct packer *p, size_t max, int64_t gap_us, packer_emit_fn emit, void *arg)
{
	memset(p, 0, sizeof(*p));
	if (max == 0)
		return -EINVAL;
	p->buf = malloc(max);
	if (!p->buf)
		return -ENOMEM;
	p->max = max;
	p->gap_us = gap_us < 0 ? 0 : gap_us;
	p->emit = emit;
	p->arg = arg;
	return 0;
}

void
packer_free(struct packer *p)
{
	free(p->buf);
	p->buf = NULL;
	p->len = 0;
}

void
packer_flush(struct packer *p)
{
	if (p->len == 0)
		return;
	p->emit(p->buf, p->len, p->arg);
	p->len = 0;
}

void
packer_push(struct packer *p, const uint8_t *data, size_t len, int64_t now)
{
	/* Fill the pending frame first, so order is kept. */
	while (len > 0 && p->len > 0) {
		size_t n = p->max - p->len;

		if (n > len)
			n = len;
		memcpy(p->buf + p->len, data, n);
		p->len += n;
		data += n;
		len -= n;
		if (p->len == p->max)
			packer_flush(p);
	}
	/* Whole frames straight from the input, without a copy. */
	while (len >= p->max) {
		p->emit(data, p->max, p->arg);
		data += p->max;
		len -= p->max;
	}
	if (len == 0) {
		p->last_us = now;
		return;
	}
	if (p->gap_us == 0) {
		p->emit(data, len, p->arg);
		return;
	}
	memcpy(p->buf, data, len);
	p->len = len;
	p->last_us = now;
}

int64_t
packer_deadline(const struct packer *p)
{
	return p->len ? p->last_us + p->gap_us : -1;
}

void
packer_expire(struct packer *p, int64_t now)
{
	if (p->len && now >= p->last_us + p->gap_us)
		packer_flush(p);
}

