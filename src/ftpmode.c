/* PROTOCOLS.md §5 on the serial line: the FTP frames taken out of the data
 * and answered (ftpmode.h). Frames are found by frame.c's decoder; what is
 * not ours goes on as data with the time it arrived, so the console's +++
 * guard times and the packer's gap see the bytes as if nothing had held
 * them. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "ftpmode.h"
#include "log.h"
#include "util.h"

const char *const ftpmode_state_names[FTPM_STATE_COUNT] = {
	[FTPM_IDLE] = "idle",
	[FTPM_LOADING] = "loading",
	[FTPM_READY] = "ready",
	[FTPM_FAILED] = "failed",
};

static void
set_state(struct ftpmode *m, enum ftpmode_state to)
{
	if (m->state == to)
		return;
	log_debug("ftp: %s -> %s", ftpmode_state_names[m->state], ftpmode_state_names[to]);
	m->state = to;
}

void
ftpmode_init(struct ftpmode *m, const struct ftpmode_ops *ops, void *arg)
{
	memset(m, 0, sizeof(*m));
	m->ops = ops;
	m->arg = arg;
	m->state = FTPM_IDLE;
	frame_dec_init(&m->dec);
	m->held_since = -1;
	/* Until ftpmode_set_hold: 115200 8N1 (ftp.c). */
	m->idle_us = 50000;
	m->max_us = 80000;
}

void
ftpmode_set_hold(struct ftpmode *m, int64_t idle_us, int64_t max_us)
{
	m->idle_us = idle_us;
	m->max_us = max_us;
}

void
ftpmode_frames(struct ftpmode *m, int on)
{
	m->all_frames = on;
}

uint32_t
ftpmode_packets(uint32_t size)
{
	return (uint32_t)(((uint64_t)size + FTP_PACKET - 1) / FTP_PACKET);
}

static void
put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

void
ftpmode_send(struct ftpmode *m, uint8_t cmd, const uint8_t *payload, size_t len)
{
	frame_emit(cmd, payload, len, m->ops->write, m->arg);
}

static void
reply(struct ftpmode *m, uint8_t kind, uint8_t cmd)
{
	if (kind == FRAME_NAK)
		m->naks++;
	ftpmode_send(m, kind, &cmd, 1);
}

/* FTP_INFO: status, size (4), CRC-32 (4), packets (2), big-endian; on
 * anything but success the other fields are 0 (PROTOCOLS.md §5). */
static void
send_info(struct ftpmode *m, enum ftp_info_status st, const struct ftp_file *f)
{
	uint8_t p[11] = { (uint8_t)st };

	if (st == FTP_INFO_OK) {
		put32(p + 1, f->size);
		put32(p + 5, f->crc);
		put16(p + 9, ftpmode_packets(f->size));
	}
	ftpmode_send(m, FRAME_FTP_INFO, p, sizeof(p));
}

static void
on_start(struct ftpmode *m, const uint8_t *url, size_t len)
{
	struct ftp_file f = { 0, 0 };
	int r;

	if (len == 0) {
		reply(m, FRAME_NAK, FRAME_FTP_START);
		return;
	}
	/* The ACK first, before anything else (PROTOCOLS.md §5). */
	reply(m, FRAME_ACK, FRAME_FTP_START);
	r = m->ops->start(m->arg, (const char *)url, len, &f);
	switch (r) {
	case FTP_STARTED:
		set_state(m, FTPM_LOADING);
		break;
	case FTP_BUSY:
		set_state(m, FTPM_LOADING);
		send_info(m, FTP_INFO_BUSY, NULL);
		break;
	case FTP_COMPLETE:
		m->file = f;
		set_state(m, FTPM_READY);
		send_info(m, FTP_INFO_OK, &f);
		break;
	default:
		set_state(m, FTPM_FAILED);
		send_info(m, FTP_INFO_FAILED, NULL);
		break;
	}
}

static void
on_get(struct ftpmode *m, const uint8_t *p, size_t len)
{
	uint8_t out[2 + FTP_PACKET];
	uint32_t idx, off, want;
	int n;

	if (m->state != FTPM_READY || len != 2) {
		reply(m, FRAME_NAK, FRAME_FTP_GET);
		return;
	}
	idx = (uint32_t)p[0] << 8 | p[1];
	if (idx >= ftpmode_packets(m->file.size)) {
		reply(m, FRAME_NAK, FRAME_FTP_GET);
		return;
	}
	off = idx * FTP_PACKET;
	want = MIN(m->file.size - off, (uint32_t)FTP_PACKET);
	n = m->ops->read(m->arg, off, out + 2, want);
	if (n < 0 || (uint32_t)n != want) {
		reply(m, FRAME_NAK, FRAME_FTP_GET);
		return;
	}
	out[0] = p[0];
	out[1] = p[1];
	m->packets_sent++;
	ftpmode_send(m, FRAME_FTP_DATA, out, 2 + want);
}

static void
on_end(struct ftpmode *m, size_t len)
{
	if (len != 0 || m->state == FTPM_IDLE) {
		reply(m, FRAME_NAK, FRAME_FTP_END);
		return;
	}
	reply(m, FRAME_ACK, FRAME_FTP_END);
	m->ops->end(m->arg);
	set_state(m, FTPM_IDLE);
}

static int
ftp_cmd(uint8_t cmd)
{
	return cmd == FRAME_FTP_START || cmd == FRAME_FTP_GET || cmd == FRAME_FTP_END;
}

/* Whether the frame is ours (then it is answered here) or data. */
static int
take(struct ftpmode *m, const struct frame_out *o)
{
	int in_ftp = m->state != FTPM_IDLE;

	if (o->ev == FRAME_BAD_CRC) {
		/* Outside FTP mode a bad CRC makes it data: transparent data
		 * that merely looks like a frame is never answered. */
		if (!m->all_frames && !(in_ftp && ftp_cmd(o->cmd)))
			return 0;
		m->frames_in++;
		reply(m, FRAME_NAK, o->cmd);
		return 1;
	}
	switch (o->cmd) {
	case FRAME_FTP_START:
		m->frames_in++;
		on_start(m, o->payload, o->len);
		return 1;
	case FRAME_FTP_GET:
	case FRAME_FTP_END:
		if (!in_ftp && !m->all_frames)
			return 0;
		m->frames_in++;
		if (o->cmd == FRAME_FTP_GET)
			on_get(m, o->payload, o->len);
		else
			on_end(m, o->len);
		return 1;
	default:
		if (!m->all_frames)
			return 0;
		m->frames_in++;
		if (!m->ops->frame || m->ops->frame(m->arg, o->cmd, o->payload, o->len) < 0)
			reply(m, FRAME_NAK, o->cmd);
		return 1;
	}
}

/* One piece from the decoder: bytes held from earlier reads come first and
 * carry the arrival time of the newest of them; the rest arrived now. */
static void
on_piece(void *arg, const struct frame_out *o)
{
	struct ftpmode *m = arg;
	size_t old = MIN(o->nraw, m->old_left);

	m->old_left -= old;
	if (o->ev != FRAME_DATA && take(m, o))
		return;
	if (old)
		m->ops->pass(m->arg, o->raw, old, m->held_last);
	if (o->nraw > old)
		m->ops->pass(m->arg, o->raw + old, o->nraw - old, m->now);
}

void
ftpmode_input(struct ftpmode *m, const uint8_t *d, size_t n, int64_t now)
{
	/* Time runs out before new bytes count. */
	ftpmode_expire(m, now);
	if (n == 0)
		return;
	m->old_left = frame_dec_held(&m->dec);
	m->now = now;
	frame_dec_push(&m->dec, d, n, on_piece, m);
	if (frame_dec_held(&m->dec) == 0) {
		m->held_since = -1;
		return;
	}
	/* Held bytes of before still held: the candidate is older. */
	if (m->held_since < 0 || m->old_left == 0)
		m->held_since = now;
	m->held_last = now;
}

int64_t
ftpmode_held_since(const struct ftpmode *m)
{
	return m->held_since;
}

int64_t
ftpmode_deadline(const struct ftpmode *m)
{
	if (m->held_since < 0)
		return -1;
	return MIN(m->held_last + m->idle_us, m->held_since + m->max_us);
}

void
ftpmode_expire(struct ftpmode *m, int64_t now)
{
	int64_t dl = ftpmode_deadline(m);

	if (dl < 0 || now < dl)
		return;
	m->old_left = frame_dec_held(&m->dec);
	m->now = m->held_last;
	frame_dec_flush(&m->dec, on_piece, m);
	m->held_since = -1;
}

void
ftpmode_result(struct ftpmode *m, const struct ftp_file *f)
{
	if (m->state != FTPM_LOADING)
		return;
	if (f) {
		m->file = *f;
		set_state(m, FTPM_READY);
		send_info(m, FTP_INFO_OK, f);
	} else {
		set_state(m, FTPM_FAILED);
		send_info(m, FTP_INFO_FAILED, NULL);
	}
}

void
ftpmode_restore(struct ftpmode *m, enum ftpmode_state st, const struct ftp_file *f)
{
	if (st == FTPM_READY && f)
		m->file = *f;
	set_state(m, st < FTPM_STATE_COUNT ? st : FTPM_IDLE);
}
