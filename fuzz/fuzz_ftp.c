/* Fuzzes the FTP download's parsers of outside input: the serial filter and
 * protocol machine (src/ftpmode.c) with a fake downloader, the FTP_START
 * URL (ftpdl_url_parse) and the metadata file (ftpdl_meta_parse). Besides
 * memory errors it checks that the filter never invents bytes (what it
 * passes on, what it holds and the frames it took add up to the input),
 * that what it passes on keeps its arrival order in time, that everything
 * it writes to the MCU is a well-formed frame, and that metadata that
 * parses formats and parses back the same.
 *
 * In frame mode (AT+CIMOD=1) the filter hands the other frames to
 * framemode.c: a LINK_SEND reaches only a link 1-4 with 1-299 bytes, and
 * the same bytes fed as network data of a link come out as well-formed
 * LINK_DATA frames that carry them all.
 *
 * Input: the first byte picks the parser (0: URL, 1: metadata, 2: the
 * filter in frame mode, else the filter); the filter's input is
 * operations, each a byte: 0-199 feeds that many following bytes, 200-239
 * advance the clock by (op-199) ms, 240-247 end the download (odd:
 * failed), 248-255 set what the next start returns (in frame mode also the
 * links' states, LINK_STATE). */
#include "config.h"

#include <errno.h>

#include "framemode.h"
#include "ftpdl.h"
#include "ftpmode.h"
#include "fuzz.h"

static struct {
	size_t passed;
	int64_t last_time;
	int start_result;
	uint32_t size;			/* of the file FTP_INFO announced last */
	struct frame_dec out;
	struct framemode fm;
	size_t link_data;		/* data bytes in LINK_DATA frames written */
} h;

static void
check_out(void *arg, const struct frame_out *o)
{
	FUZZ_CHECK(o->ev == FRAME_OK, "the daemon wrote a byte that is no good frame");
	if (o->cmd == FRAME_LINK_DATA) {
		FUZZ_CHECK(o->len >= 2 && o->len <= FRAME_PAYLOAD_MAX && o->payload[0] >= 1 &&
		    o->payload[0] <= LINKS_MAX, "LINK_DATA of %zu bytes, link %d", o->len,
		    o->len ? o->payload[0] : -1);
		h.link_data += o->len - 1;
	} else if (o->cmd == FRAME_LINK_STATE) {
		FUZZ_CHECK(o->len == LINKS_MAX, "LINK_STATE of %zu bytes", o->len);
	}
}

static void
f_pass(void *arg, const uint8_t *d, size_t n, int64_t now)
{
	FUZZ_CHECK(n > 0, "empty pass");
	FUZZ_CHECK(now >= h.last_time, "time went back: %lld after %lld", (long long)now,
	    (long long)h.last_time);
	h.last_time = now;
	h.passed += n;
}

static void
f_write(void *arg, const uint8_t *d, size_t n)
{
	frame_dec_push(&h.out, d, n, check_out, NULL);
	FUZZ_CHECK(frame_dec_held(&h.out) == 0, "a frame written in pieces");
}

static int
f_start(void *arg, const char *url, size_t len, struct ftp_file *f)
{
	FUZZ_CHECK(len > 0 && len <= FRAME_PAYLOAD_MAX, "URL of %zu bytes", len);
	f->size = h.size = 1000;
	f->crc = 7;
	return h.start_result;
}

static int
f_read(void *arg, uint32_t off, uint8_t *buf, size_t n)
{
	FUZZ_CHECK(off < h.size && n <= FTP_PACKET && off + n <= h.size, "read %zu at %u of %u",
	    n, (unsigned)off, (unsigned)h.size);
	memset(buf, 0x5A, n);
	return (int)n;
}

static void
f_end(void *arg)
{
}

static int
f_frame(void *arg, uint8_t cmd, const uint8_t *p, size_t len)
{
	return framemode_frame(&h.fm, cmd, p, len);
}

static const struct ftpmode_ops ops = {
	.pass = f_pass, .write = f_write, .start = f_start, .read = f_read, .end = f_end,
	.frame = f_frame,
};

/* A LINK_SEND's data; link 3 (0-based 2) does not run. */
static int
f_to_link(void *arg, int link, const uint8_t *d, size_t n)
{
	FUZZ_CHECK(link >= 0 && link < LINKS_MAX && n >= 1 && n <= FRAMEMODE_DATA_MAX,
	    "LINK_SEND of %zu bytes to link index %d", n, link);
	return link == 2 ? -ENOENT : 0;
}

static const struct framemode_ops fm_ops = { .to_link = f_to_link, .write = f_write };

static void
fuzz_filter(struct fuzz_in *in, int frames)
{
	static const int results[] = { FTP_STARTED, FTP_BUSY, FTP_COMPLETE, -EINVAL };
	static const uint8_t none[LINKS_MAX];
	struct ftpmode m;
	size_t fed = 0, net = 0;
	int64_t now = 0;

	memset(&h, 0, sizeof(h));
	frame_dec_init(&h.out);
	ftpmode_init(&m, &ops, NULL);
	ftpmode_set_hold(&m, 50000, 80000);
	framemode_init(&h.fm, &fm_ops, NULL);
	if (frames) {
		ftpmode_frames(&m, 1);
		framemode_start(&h.fm, none);
	}
	while (in->n) {
		uint8_t op = fuzz_byte(in);
		const uint8_t *p;
		size_t n;

		if (op >= 248) {
			uint8_t up[LINKS_MAX] = { op & 1, op & 2, op & 4, 0 };

			h.start_result = results[op & 3];
			framemode_links(&h.fm, up);
		} else if (op >= 240) {
			struct ftp_file f = { (uint32_t)op * 100, op };

			if (m.state == FTPM_LOADING && !(op & 1))
				h.size = f.size;
			ftpmode_result(&m, op & 1 ? NULL : &f);
		} else if (op >= 200) {
			now += (int64_t)(op - 199) * 1000;
			if (now >= ftpmode_deadline(&m) && ftpmode_deadline(&m) >= 0)
				ftpmode_expire(&m, now);
		} else {
			n = fuzz_take(in, op, &p);
			fed += n;
			ftpmode_input(&m, p, n, now);
			/* The same bytes from the network, on link (op % 4). */
			if (frames && n) {
				framemode_link_data(&h.fm, op % LINKS_MAX, p, n);
				net += n;
			}
		}
		FUZZ_CHECK(h.passed + frame_dec_held(&m.dec) <= fed, "%zu passed, %zu held, %zu fed",
		    h.passed, frame_dec_held(&m.dec), fed);
		FUZZ_CHECK((ftpmode_held_since(&m) >= 0) == (frame_dec_held(&m.dec) > 0),
		    "held_since disagrees");
	}
	/* The line goes quiet: nothing stays held. */
	ftpmode_expire(&m, now + 1000000);
	FUZZ_CHECK(frame_dec_held(&m.dec) == 0, "still held after the bound");
	/* What was taken out were whole frames (at least 7 bytes each). */
	FUZZ_CHECK(fed == h.passed || fed - h.passed >= FRAME_OVERHEAD, "%zu bytes vanished",
	    fed - h.passed);
	FUZZ_CHECK(h.link_data == net, "%zu bytes of network data, %zu in LINK_DATA", net,
	    h.link_data);
}

static void
fuzz_url(const uint8_t *d, size_t n)
{
	struct ftp_url u;

	if (ftpdl_url_parse((const char *)d, n, &u) < 0)
		return;
	FUZZ_CHECK(u.host[0] && u.port >= 1 && u.port <= 65535, "host '%s' port %ld", u.host,
	    u.port);
	FUZZ_CHECK(strlen(u.shown) <= n + 3, "shown longer than the URL");
}

static void
fuzz_meta(const uint8_t *d, size_t n)
{
	struct ftpdl_meta m, b;
	char text[FTPDL_META_MAX];
	size_t k;

	if (ftpdl_meta_parse((const char *)d, n, &m) < 0)
		return;
	k = ftpdl_meta_format(&m, text, sizeof(text));
	FUZZ_CHECK(k > 0, "metadata that parsed does not format");
	FUZZ_CHECK(ftpdl_meta_parse(text, k, &b) == 0, "formatted metadata does not parse");
	FUZZ_CHECK(strcmp(m.url, b.url) == 0 && m.state == b.state && m.size == b.size &&
	    m.crc == b.crc, "metadata changed on the way round");
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	uint8_t which = fuzz_byte(&in);

	if (which == 0)
		fuzz_url(in.p, in.n);
	else if (which == 1)
		fuzz_meta(in.p, in.n);
	else
		fuzz_filter(&in, which == 2);
	return 0;
}
