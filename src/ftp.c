/* The FTP download wired (ftp.h): ftpmode.c's filter and protocol on the
 * serial line, ftpdl.c's download behind it. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ftp.h"
#include "ftpdl.h"
#include "ftpmode.h"
#include "settings.h"
#include "util.h"

/* Owned by the instance. */
struct ftp {
	struct ftpmode mode;
	struct ftpdl *dl;
	const struct ftp_io *io;
	void *arg;
	int restored;			/* the session of before a restart was looked for */
};

static void
op_pass(void *arg, const uint8_t *d, size_t n, int64_t now)
{
	struct ftp *f = arg;

	f->io->pass(f->arg, d, n, now);
}

static void
op_write(void *arg, const uint8_t *d, size_t n)
{
	struct ftp *f = arg;

	f->io->write(f->arg, d, n);
}

static int
op_start(void *arg, const char *url, size_t len, struct ftp_file *file)
{
	struct ftp *f = arg;

	return ftpdl_start(f->dl, url, len, file);
}

static int
op_read(void *arg, uint32_t off, uint8_t *buf, size_t n)
{
	struct ftp *f = arg;

	return ftpdl_read(f->dl, off, buf, n);
}

static void
op_end(void *arg)
{
	struct ftp *f = arg;

	ftpdl_end(f->dl);
}

static int
op_frame(void *arg, uint8_t cmd, const uint8_t *payload, size_t len)
{
	struct ftp *f = arg;

	return f->io->frame ? f->io->frame(f->arg, cmd, payload, len) : -ENOTSUP;
}

static const struct ftpmode_ops mode_ops = {
	.pass = op_pass,
	.write = op_write,
	.start = op_start,
	.read = op_read,
	.end = op_end,
	.frame = op_frame,
};

static void
on_download(void *arg, const struct ftp_file *file)
{
	struct ftp *f = arg;

	ftpmode_result(&f->mode, file);
}

struct ftp *
ftp_new(struct event_base *base, struct evdns_base *dns, struct curl_lazy *curl,
    const struct ftp_io *io, void *arg)
{
	struct ftp *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->io = io;
	f->arg = arg;
	ftpmode_init(&f->mode, &mode_ops, f);
	f->dl = ftpdl_new(base, dns, curl, on_download, f);
	if (!f->dl) {
		free(f);
		return NULL;
	}
	return f;
}

void
ftp_free(struct ftp *f)
{
	if (!f)
		return;
	ftpdl_free(f->dl);
	free(f);
}

/* A candidate frame holds bytes back at most until the line has been idle
 * for 50 ms plus two character times (a USB serial adapter delivers a frame
 * in pieces up to ~16 ms apart), and never longer than that plus the time
 * of a whole frame (FRAME_MAX characters) after its first byte: 77 ms at
 * 115200 8N1, 372 ms at 9600. The 721's +++ guard time (T1 > 200 ms) is
 * longer than the idle bound, so a held candidate is released before an
 * MCU's +++ can follow it. */
void
ftp_hold_bounds(const struct settings *st, int64_t *idle_us, int64_t *max_us)
{
	long bits = 1 + st->data_bits + (st->parity != PARITY_NONE) + st->stop_bits;
	int64_t char_us = st->baud > 0 ? (int64_t)bits * 1000000 / st->baud : 1000;

	*idle_us = 50000 + 2 * char_us;
	*max_us = *idle_us + FRAME_MAX * char_us;
}

void
ftp_apply(struct ftp *f, const struct settings *run)
{
	int64_t idle, max;
	struct ftp_file file = { 0, 0 };
	enum ftpmode_state st;

	ftp_hold_bounds(run, &idle, &max);
	ftpmode_set_hold(&f->mode, idle, max);
	ftpdl_configure(f->dl, run);
	if (f->restored)
		return;
	f->restored = 1;
	st = ftpdl_restore(f->dl, &file);
	ftpmode_restore(&f->mode, st, &file);
}

void
ftp_input(struct ftp *f, const uint8_t *d, size_t n, int64_t now)
{
	ftpmode_input(&f->mode, d, n, now);
}

int64_t
ftp_held_since(const struct ftp *f)
{
	return ftpmode_held_since(&f->mode);
}

int64_t
ftp_deadline(const struct ftp *f)
{
	return ftpmode_deadline(&f->mode);
}

void
ftp_expire(struct ftp *f, int64_t now)
{
	ftpmode_expire(&f->mode, now);
}

struct ftpmode *
ftp_mode(struct ftp *f)
{
	return &f->mode;
}

void
ftp_status(const struct ftp *f, struct ftp_status *st)
{
	memset(st, 0, sizeof(*st));
	st->present = 1;
	st->session = ftpmode_state_names[f->mode.state];
	ftpdl_status(f->dl, st);
	st->frames_in = f->mode.frames_in;
	st->naks = f->mode.naks;
	st->packets_sent = f->mode.packets_sent;
}
