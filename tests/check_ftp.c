/* The FTP download's pure parts: CRC-32, the URL and metadata parsers, and
 * the serial protocol machine (ftpmode.c) with a fake file and downloader. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "crc32.h"
#include "frame.h"
#include "ftpdl.h"
#include "ftpmode.h"
#include "unit.h"
#include "util.h"

START_TEST(test_crc32_check_value)
{
	const uint8_t *s = (const uint8_t *)"123456789";

	ck_assert_uint_eq(crc32_update(0, s, 9), 0xCBF43926u);
	ck_assert_uint_eq(crc32_update(crc32_update(0, s, 4), s + 4, 5), 0xCBF43926u);
	ck_assert_uint_eq(crc32_update(0, s, 0), 0);
}
END_TEST

static const struct {
	const char *url;
	int ok;
	const char *host;
	long port;
	const char *shown;
} urls[] = {
	{ "ftp://u:p@127.0.0.1:2121/fw.bin", 1, "127.0.0.1", 2121, "ftp://u:***@127.0.0.1:2121/fw.bin" },
	{ "FTP://127.0.0.1/a", 1, "127.0.0.1", 21, "FTP://127.0.0.1/a" },
	{ "ftp://user@host.example/dir/f", 1, "host.example", 21, "ftp://user@host.example/dir/f" },
	{ "ftp://u:p%40x@[::1]:21/f", 1, "::1", 21, "ftp://u:***@[::1]:21/f" },
	{ "ftp://a:b@c@h:1/f", 1, "h", 1, "ftp://a:***@h:1/f" },
	{ "ftp://h:65535/f", 1, "h", 65535, "ftp://h:65535/f" },
	{ "ftp://h:65536/f", 0, NULL, 0, NULL },
	{ "ftp://h:0/f", 0, NULL, 0, NULL },
	{ "ftp://h:/f", 0, NULL, 0, NULL },
	{ "ftp://h:2x/f", 0, NULL, 0, NULL },
	{ "ftp://h/", 0, NULL, 0, NULL },
	{ "ftp://h", 0, NULL, 0, NULL },
	{ "ftp:///f", 0, NULL, 0, NULL },
	{ "ftp://u:p@/f", 0, NULL, 0, NULL },
	{ "http://h/f", 0, NULL, 0, NULL },
	{ "ftp://h/a b", 0, NULL, 0, NULL },
	{ "ftp://h/a\x01", 0, NULL, 0, NULL },
	{ "ftp://h/\xC3\xA9", 0, NULL, 0, NULL },
	{ "ftp://[::1/f", 0, NULL, 0, NULL },
	{ "ftp://[::1]x/f", 0, NULL, 0, NULL },
	{ "ftp://h!st/f", 0, NULL, 0, NULL },
	{ "", 0, NULL, 0, NULL },
};

START_TEST(test_url_parse)
{
	struct ftp_url u;
	int r = ftpdl_url_parse(urls[_i].url, strlen(urls[_i].url), &u);

	ck_assert_msg((r == 0) == urls[_i].ok, "%s: %d", urls[_i].url, r);
	if (!urls[_i].ok)
		return;
	ck_assert_str_eq(u.host, urls[_i].host);
	ck_assert_int_eq(u.port, urls[_i].port);
	ck_assert_str_eq(u.shown, urls[_i].shown);
}
END_TEST

START_TEST(test_url_length_cap)
{
	char url[FTP_URL_MAX + 2];
	struct ftp_url u;

	memset(url, 'a', sizeof(url));
	memcpy(url, "ftp://h/", 8);
	ck_assert_int_eq(ftpdl_url_parse(url, FTP_URL_MAX, &u), 0);
	ck_assert_int_eq(ftpdl_url_parse(url, FTP_URL_MAX + 1, &u), -EINVAL);
}
END_TEST

START_TEST(test_meta_round_trip)
{
	struct ftpdl_meta m = { .state = META_COMPLETE, .size = 4194304, .crc = 0xCBF43926 }, b;
	char text[FTPDL_META_MAX];
	size_t n;

	strcpy(m.url, "ftp://u:p@127.0.0.1:21/fw.bin");
	for (int st = META_LOADING; st <= META_FAILED; st++) {
		m.state = (enum ftpdl_meta_state)st;
		n = ftpdl_meta_format(&m, text, sizeof(text));
		ck_assert_uint_gt(n, 0);
		ck_assert_int_eq(ftpdl_meta_parse(text, n, &b), 0);
		ck_assert_str_eq(b.url, m.url);
		ck_assert_int_eq(b.state, m.state);
		ck_assert_uint_eq(b.size, m.size);
		ck_assert_uint_eq(b.crc, m.crc);
	}
	/* Too small a buffer: nothing rather than a cut file. */
	ck_assert_uint_eq(ftpdl_meta_format(&m, text, 20), 0);
}
END_TEST

static const char *const bad_metas[] = {
	"",
	"state=complete\n",					/* no URL */
	"url=ftp://h/f\n",					/* no state */
	"url=ftp://h/f\nstate=done\n",
	"url=http://h/f\nstate=loading\n",
	"url=ftp://h/f\nstate=loading\nsize=4294967296\n",
	"url=ftp://h/f\nstate=loading\nsize=12a\n",
	"url=ftp://h/f\nstate=loading\ncrc32=1234\n",
	"url=ftp://h/f\nstate=loading\ncrc32=1234567g\n",
	"url=ftp://h/f\nstate=loading\nsize=\n",
};

START_TEST(test_meta_bad)
{
	struct ftpdl_meta m;

	ck_assert_int_eq(ftpdl_meta_parse(bad_metas[_i], strlen(bad_metas[_i]), &m), -EINVAL);
}
END_TEST

/* --- the protocol machine with a fake downloader --------------------------- */

#define FILE_SIZE 600

static struct {
	uint8_t file[FILE_SIZE];
	uint32_t size;
	int start_result;		/* what start returns */
	int starts, ends;
	char url[FTP_URL_MAX + 1];
	uint8_t data[8192];		/* passed on as data */
	size_t ndata;
	int64_t times[64];		/* arrival time of each pass */
	size_t ntimes;
	uint8_t out[16384];		/* written to the MCU */
	size_t nout;
} fx;

static struct ftpmode m;

static void
f_pass(void *arg, const uint8_t *d, size_t n, int64_t now)
{
	ck_assert_uint_le(fx.ndata + n, sizeof(fx.data));
	memcpy(fx.data + fx.ndata, d, n);
	fx.ndata += n;
	if (fx.ntimes < ARRAY_SIZE(fx.times))
		fx.times[fx.ntimes++] = now;
}

static void
f_write(void *arg, const uint8_t *d, size_t n)
{
	ck_assert_uint_le(fx.nout + n, sizeof(fx.out));
	memcpy(fx.out + fx.nout, d, n);
	fx.nout += n;
}

static int
f_start(void *arg, const char *url, size_t len, struct ftp_file *f)
{
	fx.starts++;
	ck_assert_uint_lt(len, sizeof(fx.url));
	memcpy(fx.url, url, len);
	fx.url[len] = '\0';
	if (fx.start_result == FTP_COMPLETE) {
		f->size = fx.size;
		f->crc = crc32_update(0, fx.file, fx.size);
	}
	return fx.start_result;
}

static int
f_read(void *arg, uint32_t off, uint8_t *buf, size_t n)
{
	if (off > fx.size)
		return -EINVAL;
	n = MIN(n, fx.size - off);
	memcpy(buf, fx.file + off, n);
	return (int)n;
}

static void
f_end(void *arg)
{
	fx.ends++;
}

static const struct ftpmode_ops f_ops = {
	.pass = f_pass, .write = f_write, .start = f_start, .read = f_read, .end = f_end,
};

static void
setup(void)
{
	memset(&fx, 0, sizeof(fx));
	for (size_t i = 0; i < FILE_SIZE; i++)
		fx.file[i] = (uint8_t)(i * 7 + 3);
	fx.size = FILE_SIZE;
	fx.start_result = FTP_STARTED;
	ftpmode_init(&m, &f_ops, NULL);
	ftpmode_set_hold(&m, 50000, 80000);
}

/* The frames written to the MCU since the last call, decoded (each byte
 * in a frame with a good CRC). */
static struct unit_frames
written(void)
{
	struct unit_frames g;

	unit_frames(fx.out, fx.nout, &g);
	ck_assert_uint_eq(g.data, 0);
	fx.nout = 0;
	return g;
}

static void
send_frame(uint8_t cmd, const void *p, size_t len, int64_t now)
{
	uint8_t f[FRAME_MAX];
	size_t n = frame_encode(cmd, p, len, f, sizeof(f));

	ftpmode_input(&m, f, n, now);
}

static void
get(uint16_t idx)
{
	uint8_t p[2] = { (uint8_t)(idx >> 8), (uint8_t)idx };

	send_frame(FRAME_FTP_GET, p, 2, 0);
}

static const char url[] = "ftp://u:p@127.0.0.1:21/fw.bin";

START_TEST(test_session)
{
	struct ftp_file file = { FILE_SIZE, crc32_update(0, fx.file, FILE_SIZE) };
	struct unit_frames g;

	send_frame(FRAME_FTP_START, url, strlen(url), 0);
	g = written();
	/* ACK at once; FTP_INFO when the download ends. */
	ck_assert_int_eq(g.n, 1);
	ck_assert_uint_eq(g.cmd[0], FRAME_ACK);
	ck_assert_uint_eq(g.payload[0][0], FRAME_FTP_START);
	ck_assert_str_eq(fx.url, url);
	ck_assert_int_eq(m.state, FTPM_LOADING);
	/* Not yet: FTP_GET while loading is refused. */
	get(0);
	g = written();
	ck_assert_int_eq(g.n, 1);
	ck_assert_uint_eq(g.cmd[0], FRAME_NAK);
	ck_assert_uint_eq(g.payload[0][0], FRAME_FTP_GET);
	ftpmode_result(&m, &file);
	g = written();
	ck_assert_int_eq(g.n, 1);
	ck_assert_uint_eq(g.cmd[0], FRAME_FTP_INFO);
	ck_assert_uint_eq(g.len[0], 11);
	{
		static const uint8_t want[11] = { 0, 0x00, 0x00, 0x02, 0x58 };
		uint8_t w[11];

		memcpy(w, want, sizeof(w));
		w[5] = (uint8_t)(file.crc >> 24);
		w[6] = (uint8_t)(file.crc >> 16);
		w[7] = (uint8_t)(file.crc >> 8);
		w[8] = (uint8_t)file.crc;
		w[9] = 0;
		w[10] = 3;			/* 600 bytes: 3 packets */
		ck_assert_mem_eq(g.payload[0], w, 11);
	}
	/* Any packet, any order, any number of times. */
	for (int k = 0; k < 2; k++) {
		for (int i = 2; i >= 0; i--) {
			size_t want = i == 2 ? FILE_SIZE - 512 : 256;

			get((uint16_t)i);
			g = written();
			ck_assert_int_eq(g.n, 1);
			ck_assert_uint_eq(g.cmd[0], FRAME_FTP_DATA);
			ck_assert_uint_eq(g.len[0], 2 + want);
			ck_assert_uint_eq(g.payload[0][0], 0);
			ck_assert_uint_eq(g.payload[0][1], i);
			ck_assert_mem_eq(g.payload[0] + 2, fx.file + 256 * i, want);
		}
	}
	/* Out of range, and a malformed FTP_GET. */
	get(3);
	get(0xFFFF);
	send_frame(FRAME_FTP_GET, "\x00", 1, 0);
	g = written();
	ck_assert_int_eq(g.n, 3);
	for (int i = 0; i < 3; i++) {
		ck_assert_uint_eq(g.cmd[i], FRAME_NAK);
		ck_assert_uint_eq(g.payload[i][0], FRAME_FTP_GET);
	}
	/* A bad CRC in FTP mode: NAK with the received cmd, not data. */
	{
		uint8_t f[16];
		size_t n = frame_encode(FRAME_FTP_GET, (const uint8_t *)"\x00\x01", 2, f, sizeof(f));

		f[n - 1] ^= 0xFF;
		ftpmode_input(&m, f, n, 0);
		g = written();
		ck_assert_int_eq(g.n, 1);
		ck_assert_uint_eq(g.cmd[0], FRAME_NAK);
		ck_assert_uint_eq(g.payload[0][0], FRAME_FTP_GET);
	}
	send_frame(FRAME_FTP_END, NULL, 0, 0);
	g = written();
	ck_assert_int_eq(g.n, 1);
	ck_assert_uint_eq(g.cmd[0], FRAME_ACK);
	ck_assert_uint_eq(g.payload[0][0], FRAME_FTP_END);
	ck_assert_int_eq(fx.ends, 1);
	ck_assert_int_eq(m.state, FTPM_IDLE);
	ck_assert_uint_eq(fx.ndata, 0);
	/* Outside FTP mode FTP_GET and FTP_END are data again. */
	get(0);
	send_frame(FRAME_FTP_END, NULL, 0, 0);
	ck_assert_int_eq(written().n, 0);
	ck_assert_uint_eq(fx.ndata, 9 + 7);
}
END_TEST

START_TEST(test_start_results)
{
	struct unit_frames g;

	/* Failed at once (a malformed URL): ACK, then status 2 with zeros. */
	fx.start_result = -EINVAL;
	send_frame(FRAME_FTP_START, "x", 1, 0);
	g = written();
	ck_assert_int_eq(g.n, 2);
	ck_assert_uint_eq(g.cmd[0], FRAME_ACK);
	ck_assert_uint_eq(g.cmd[1], FRAME_FTP_INFO);
	ck_assert_mem_eq(g.payload[1], "\x02\0\0\0\0\0\0\0\0\0\0", 11);
	ck_assert_int_eq(m.state, FTPM_FAILED);
	get(0);
	ck_assert_uint_eq(written().cmd[0], FRAME_NAK);
	/* The same download under way: busy, then the final one later. */
	fx.start_result = FTP_BUSY;
	send_frame(FRAME_FTP_START, url, strlen(url), 0);
	g = written();
	ck_assert_int_eq(g.n, 2);
	ck_assert_uint_eq(g.cmd[1], FRAME_FTP_INFO);
	ck_assert_uint_eq(g.payload[1][0], FTP_INFO_BUSY);
	ftpmode_result(&m, NULL);
	g = written();
	ck_assert_int_eq(g.n, 1);
	ck_assert_mem_eq(g.payload[0], "\x02\0\0\0\0\0\0\0\0\0\0", 11);
	/* A result nobody waits for is not sent. */
	ftpmode_result(&m, NULL);
	ck_assert_int_eq(written().n, 0);
	/* The file is here already: FTP_INFO at once. An empty file has 0
	 * packets and FTP_GET 0 is out of range. */
	fx.start_result = FTP_COMPLETE;
	fx.size = 0;
	send_frame(FRAME_FTP_START, url, strlen(url), 0);
	g = written();
	ck_assert_int_eq(g.n, 2);
	ck_assert_mem_eq(g.payload[1], "\x00\0\0\0\0\0\0\0\0\0\0", 11);
	get(0);
	ck_assert_uint_eq(written().cmd[0], FRAME_NAK);
	/* An empty FTP_START is malformed. */
	send_frame(FRAME_FTP_START, NULL, 0, 0);
	g = written();
	ck_assert_int_eq(g.n, 1);
	ck_assert_uint_eq(g.cmd[0], FRAME_NAK);
	ck_assert_int_eq(fx.starts, 3);
}
END_TEST

/* Data around the frames goes on unchanged and in order; a bad CRC outside
 * FTP mode is data; held bytes keep their arrival time. */
START_TEST(test_filter_keeps_data)
{
	uint8_t s[512];
	size_t n = 0, k;
	uint8_t bad[16];

	memcpy(s, "abc\xA5", 4);
	n = 4;
	k = frame_encode(FRAME_FTP_START, (const uint8_t *)url, strlen(url), s + n,
	    sizeof(s) - n);
	n += k;
	memcpy(s + n, "\xA5\x5A\x10\x00\x01Z", 6);		/* LINK_SEND: data here */
	n += 6;
	k = frame_encode(FRAME_FTP_START, (const uint8_t *)"x", 1, bad, sizeof(bad));
	bad[k - 2] ^= 1;
	/* Byte by byte, one microsecond apart. */
	for (size_t i = 0; i < n; i++)
		ftpmode_input(&m, s + i, 1, (int64_t)i);
	ck_assert_int_eq(fx.starts, 1);
	/* "abc" and the lone A5, released (with its own arrival time) when
	 * the next byte was no 5A; the frame is out. */
	ck_assert_uint_eq(fx.ndata, 4);
	ck_assert_mem_eq(fx.data, "abc\xA5", 4);
	ck_assert_int_eq(fx.times[3], 3);
	/* The last candidate still waits for its CRC: it goes on as data
	 * when the line stays quiet. */
	ck_assert_int_gt(ftpmode_deadline(&m), 0);
	ftpmode_expire(&m, ftpmode_deadline(&m));
	ck_assert_int_eq(ftpmode_held_since(&m), -1);
	ck_assert_uint_eq(fx.ndata, 4 + 6);
	ck_assert_mem_eq(fx.data + 4, "\xA5\x5A\x10\x00\x01Z", 6);
	/* The released bytes carry the arrival time of the newest of them. */
	ck_assert_int_eq(fx.times[fx.ntimes - 1], (int64_t)n - 1);
	/* A bad CRC outside FTP mode is data, not answered: only the ACKs of
	 * FTP_START and FTP_END were written. */
	send_frame(FRAME_FTP_END, NULL, 0, 1000);
	ftpmode_input(&m, bad, k, 1000);
	ck_assert_uint_eq(fx.ndata, 4 + 6 + k);
	ck_assert_mem_eq(fx.data + 10, bad, k);
	ck_assert_int_eq(written().n, 2);
}
END_TEST

/* The hold bound: a lone candidate goes on after idle_us without a byte,
 * and after max_us however slowly its bytes trickle. */
START_TEST(test_hold_bounds)
{
	ftpmode_input(&m, (const uint8_t *)"\xA5", 1, 1000);
	ck_assert_int_eq(ftpmode_held_since(&m), 1000);
	ck_assert_int_eq(ftpmode_deadline(&m), 1000 + 50000);
	ftpmode_expire(&m, 50999);
	ck_assert_uint_eq(fx.ndata, 0);
	ftpmode_expire(&m, 51000);
	ck_assert_uint_eq(fx.ndata, 1);
	ck_assert_int_eq(fx.times[0], 1000);
	/* A header that announces 300 bytes, then a byte every 40 ms. */
	ftpmode_input(&m, (const uint8_t *)"\xA5\x5A\x01\x01\x2C", 5, 100000);
	for (int64_t t = 140000; t < 100000 + 80000; t += 40000) {
		ftpmode_input(&m, (const uint8_t *)"q", 1, t);
		ck_assert_int_eq(ftpmode_held_since(&m), 100000);
	}
	ck_assert_int_eq(ftpmode_deadline(&m), 100000 + 80000);
	/* A new byte after the deadline releases the old ones first. */
	ftpmode_input(&m, (const uint8_t *)"r", 1, 200000);
	ck_assert_uint_eq(fx.ndata, 1 + 5 + 1 + 1);
	ck_assert_mem_eq(fx.data + 1, "\xA5\x5A\x01\x01\x2Cqr", 7);
	ck_assert_int_eq(ftpmode_held_since(&m), -1);
}
END_TEST

/* After a daemon restart, the session goes on: FTP_GET is ours at once. */
START_TEST(test_restore)
{
	struct ftp_file f = { FILE_SIZE, 1 };
	struct unit_frames g;

	ftpmode_restore(&m, FTPM_READY, &f);
	get(1);
	g = written();
	ck_assert_int_eq(g.n, 1);
	ck_assert_uint_eq(g.cmd[0], FRAME_FTP_DATA);
	ck_assert_uint_eq(fx.ndata, 0);
}
END_TEST

/* CIMOD=1 (frame mode): every frame is taken; without a handler, NAK. */
START_TEST(test_all_frames)
{
	struct unit_frames g;

	ftpmode_frames(&m, 1);
	send_frame(FRAME_LINK_SEND, "\x01hi", 3, 0);
	get(0);
	g = written();
	ck_assert_int_eq(g.n, 2);
	ck_assert_uint_eq(g.cmd[0], FRAME_NAK);
	ck_assert_uint_eq(g.payload[0][0], FRAME_LINK_SEND);
	ck_assert_uint_eq(g.payload[1][0], FRAME_FTP_GET);
	ck_assert_uint_eq(fx.ndata, 0);
}
END_TEST

Suite *
suite_ftp(void)
{
	Suite *s = suite_create("ftp");
	TCase *t = tcase_create("pure");

	tcase_add_test(t, test_crc32_check_value);
	tcase_add_loop_test(t, test_url_parse, 0, (int)ARRAY_SIZE(urls));
	tcase_add_test(t, test_url_length_cap);
	tcase_add_test(t, test_meta_round_trip);
	tcase_add_loop_test(t, test_meta_bad, 0, (int)ARRAY_SIZE(bad_metas));
	suite_add_tcase(s, t);
	t = tcase_create("protocol");
	tcase_add_checked_fixture(t, setup, NULL);
	tcase_add_test(t, test_session);
	tcase_add_test(t, test_start_results);
	tcase_add_test(t, test_filter_keeps_data);
	tcase_add_test(t, test_hold_bounds);
	tcase_add_test(t, test_restore);
	tcase_add_test(t, test_all_frames);
	suite_add_tcase(s, t);
	return s;
}
