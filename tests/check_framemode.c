/* Frame mode (framemode.c, PROTOCOLS.md §5 CIMOD=1): LINK_STATE at the
 * start and on every change only, LINK_SEND's checks as a table, LINK_DATA
 * split at 299 bytes, and the whole path through the FTP filter
 * (ftpmode.c): a good LINK_SEND is taken silently, a bad CRC, a refused
 * LINK_SEND and a frame the MCU must not send get NAK, other bytes pass. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <event2/buffer.h>

#include "framemode.h"
#include "ftpmode.h"
#include "unit.h"
#include "util.h"

/* What the fake ends saw. */
static struct {
	uint8_t out[8192];		/* frames written for the MCU */
	size_t nout;
	int link[16];			/* to_link calls */
	uint8_t data[16][FRAME_PAYLOAD_MAX];
	size_t ndata[16];
	int nsend;
	int refuse_link;		/* to_link of this link fails (-ENOENT); -1 none */
	int in_command;			/* the line is in command mode */
	uint8_t passed[256];		/* ftpmode: bytes that were no frame */
	size_t npassed;
} fx;

static struct framemode fm;

static int
f_to_link(void *arg, int link, const uint8_t *d, size_t n)
{
	if (link == fx.refuse_link)
		return -ENOENT;
	ck_assert_int_lt(fx.nsend, 16);
	fx.link[fx.nsend] = link;
	memcpy(fx.data[fx.nsend], d, n);
	fx.ndata[fx.nsend] = n;
	fx.nsend++;
	return 0;
}

static void
f_write(void *arg, const uint8_t *d, size_t n)
{
	ck_assert_uint_le(fx.nout + n, sizeof(fx.out));
	memcpy(fx.out + fx.nout, d, n);
	fx.nout += n;
}

static int
f_in_command(void *arg)
{
	return fx.in_command;
}

static const struct framemode_ops f_ops = {
	.to_link = f_to_link, .write = f_write, .in_command = f_in_command,
};

static void
setup(void)
{
	memset(&fx, 0, sizeof(fx));
	fx.refuse_link = -1;
	framemode_init(&fm, &f_ops, NULL);
}

/* The frames written since the last call, decoded (every byte must be in
 * a frame with a good CRC). */
static const struct unit_frames *
written(void)
{
	static struct unit_frames g;

	unit_frames(fx.out, fx.nout, &g);
	ck_assert_uint_eq(g.data, 0);
	fx.nout = 0;
	return &g;
}

static void
assert_state(const struct unit_frames *w, int i, const char *up)
{
	ck_assert_uint_eq(w->cmd[i], FRAME_LINK_STATE);
	ck_assert_uint_eq(w->len[i], 4);
	ck_assert_mem_eq(w->payload[i], up, 4);
}

/* LINK_STATE: once at the start, then only when a link changes. */
START_TEST(test_link_state)
{
	static const uint8_t none[4], l2[4] = { 0, 1, 0, 0 }, l24[4] = { 0, 1, 0, 1 };
	const struct unit_frames *w;

	framemode_links(&fm, l2);		/* off: nothing */
	ck_assert_uint_eq(fx.nout, 0);
	framemode_start(&fm, none);
	w = written();
	ck_assert_int_eq(w->n, 1);
	assert_state(w, 0, "\0\0\0\0");
	framemode_links(&fm, none);		/* no change */
	ck_assert_uint_eq(fx.nout, 0);
	framemode_links(&fm, l2);
	framemode_links(&fm, l2);
	framemode_links(&fm, l24);
	framemode_links(&fm, l2);
	w = written();
	ck_assert_int_eq(w->n, 3);
	assert_state(w, 0, "\0\1\0\0");
	assert_state(w, 1, "\0\1\0\1");
	assert_state(w, 2, "\0\1\0\0");
	ck_assert_uint_eq(fm.st.states, 4);
	/* A restart starts again with a LINK_STATE, even an unchanged one. */
	framemode_stop(&fm);
	framemode_links(&fm, none);
	ck_assert_uint_eq(fx.nout, 0);
	framemode_start(&fm, l2);
	w = written();
	ck_assert_int_eq(w->n, 1);
	assert_state(w, 0, "\0\1\0\0");
}
END_TEST

/* LINK_SEND and the other frames the MCU may send (or not). */
static const struct {
	uint8_t cmd;
	const char *p;
	size_t len;
	int rc;
	int link;			/* the link it went to (rc 0) */
} send_rows[] = {
	{ FRAME_LINK_SEND, "\x01hi", 3, 0, 0 },
	{ FRAME_LINK_SEND, "\x02x", 2, 0, 1 },
	{ FRAME_LINK_SEND, "\x04\xA5\x5A\x00", 4, 0, 3 },	/* data is any bytes */
	{ FRAME_LINK_SEND, "\x03x", 2, -ENOENT, -1 },		/* the link does not run */
	{ FRAME_LINK_SEND, "\x00x", 2, -EINVAL, -1 },		/* link 0 */
	{ FRAME_LINK_SEND, "\x05x", 2, -EINVAL, -1 },		/* link 5 */
	{ FRAME_LINK_SEND, "\xFFx", 2, -EINVAL, -1 },
	{ FRAME_LINK_SEND, "\x01", 1, -EINVAL, -1 },		/* no data */
	{ FRAME_LINK_SEND, "", 0, -EINVAL, -1 },		/* no link byte */
	{ FRAME_LINK_DATA, "\x01x", 2, -EPROTO, -1 },		/* the MCU's to receive */
	{ FRAME_LINK_STATE, "\1\1\1\1", 4, -EPROTO, -1 },
	{ FRAME_ACK, "\x10", 1, -EPROTO, -1 },
	{ 0x7F, "", 0, -EPROTO, -1 },
};

START_TEST(test_link_send)
{
	static const uint8_t none[4];
	const uint8_t *p = (const uint8_t *)send_rows[_i].p;
	size_t len = send_rows[_i].len;

	fx.refuse_link = 2;
	ck_assert_int_eq(framemode_frame(&fm, send_rows[_i].cmd, p, len), -EPERM);	/* off */
	ck_assert_int_eq(fx.nsend, 0);
	framemode_start(&fm, none);
	fx.nout = 0;
	/* In command mode no LINK_SEND is taken. */
	fx.in_command = 1;
	ck_assert_int_lt(framemode_frame(&fm, send_rows[_i].cmd, p, len), 0);
	ck_assert_int_eq(fx.nsend, 0);
	fm.st.refused = 0;
	fx.in_command = 0;
	ck_assert_int_eq(framemode_frame(&fm, send_rows[_i].cmd, p, len), send_rows[_i].rc);
	ck_assert_uint_eq(fx.nout, 0);		/* never an answer of its own */
	if (send_rows[_i].rc == 0) {
		ck_assert_int_eq(fx.nsend, 1);
		ck_assert_int_eq(fx.link[0], send_rows[_i].link);
		ck_assert_uint_eq(fx.ndata[0], len - 1);
		ck_assert_mem_eq(fx.data[0], p + 1, len - 1);
		ck_assert_uint_eq(fm.st.sends, 1);
		ck_assert_uint_eq(fm.st.send_bytes, len - 1);
	} else {
		ck_assert_int_eq(fx.nsend, 0);
		ck_assert_uint_eq(fm.st.sends, 0);
		ck_assert_uint_eq(fm.st.refused, send_rows[_i].cmd == FRAME_LINK_SEND);
	}
}
END_TEST

/* LINK_DATA: pieces of at most 299 bytes, each with the link byte, whose
 * data joined is what arrived; off: not taken. */
static const size_t data_sizes[] = { 1, 298, 299, 300, 598, 599, 1000 };

START_TEST(test_link_data)
{
	static const uint8_t none[4];
	uint8_t in[1000], joined[1000];
	size_t n = data_sizes[_i], at = 0;
	const struct unit_frames *w;

	for (size_t i = 0; i < n; i++)
		in[i] = (uint8_t)(i * 13 + 1);
	ck_assert_int_eq(framemode_link_data(&fm, 1, in, n), 0);
	ck_assert_uint_eq(fx.nout, 0);
	framemode_start(&fm, none);
	fx.nout = 0;
	ck_assert_int_eq(framemode_link_data(&fm, 1, in, n), 1);
	w = written();
	ck_assert_int_eq(w->n, (int)((n + 298) / 299));
	for (int i = 0; i < w->n; i++) {
		ck_assert_uint_eq(w->cmd[i], FRAME_LINK_DATA);
		ck_assert_uint_eq(w->payload[i][0], 2);
		ck_assert_uint_le(w->len[i], FRAME_PAYLOAD_MAX);
		ck_assert_uint_ge(w->len[i], 2);
		memcpy(joined + at, w->payload[i] + 1, w->len[i] - 1);
		at += w->len[i] - 1;
	}
	ck_assert_uint_eq(at, n);
	ck_assert_mem_eq(joined, in, n);
	ck_assert_uint_eq(fm.st.data, (uint64_t)w->n);
	ck_assert_uint_eq(fm.st.data_bytes, n);
}
END_TEST

/* --- through the FTP filter ------------------------------------------------- */

static struct ftpmode m;

static void
m_pass(void *arg, const uint8_t *d, size_t n, int64_t now)
{
	ck_assert_uint_le(fx.npassed + n, sizeof(fx.passed));
	memcpy(fx.passed + fx.npassed, d, n);
	fx.npassed += n;
}

static int
m_start(void *arg, const char *url, size_t len, struct ftp_file *f)
{
	return -EINVAL;
}

static int
m_read(void *arg, uint32_t off, uint8_t *buf, size_t n)
{
	return -EIO;
}

static void
m_end(void *arg)
{
}

static int
m_frame(void *arg, uint8_t cmd, const uint8_t *p, size_t len)
{
	return framemode_frame(&fm, cmd, p, len);
}

static const struct ftpmode_ops m_ops = {
	.pass = m_pass, .write = f_write, .start = m_start, .read = m_read, .end = m_end,
	.frame = m_frame,
};

static void
push_frame(uint8_t cmd, const void *p, size_t len, int bad_crc)
{
	uint8_t f[FRAME_MAX];
	size_t n = frame_encode(cmd, p, len, f, sizeof(f));

	ck_assert_uint_gt(n, 0);
	if (bad_crc)
		f[n - 1] ^= 0x40;
	ftpmode_input(&m, f, n, 0);
}

START_TEST(test_through_filter)
{
	static const uint8_t none[4];
	const struct unit_frames *w;

	fx.refuse_link = 1;
	ftpmode_init(&m, &m_ops, NULL);
	ftpmode_frames(&m, 1);
	framemode_start(&fm, none);
	fx.nout = 0;
	push_frame(FRAME_LINK_SEND, "\x04" "data", 5, 0);
	ck_assert_uint_eq(fx.nout, 0);			/* taken, no answer */
	ck_assert_int_eq(fx.nsend, 1);
	ck_assert_int_eq(fx.link[0], 3);
	ck_assert_mem_eq(fx.data[0], "data", 4);
	push_frame(FRAME_LINK_SEND, "\x04" "lost", 5, 1);	/* bad CRC */
	push_frame(FRAME_LINK_SEND, "\x02" "off", 4, 0);	/* link 2 does not run */
	push_frame(FRAME_LINK_DATA, "\x01" "x", 2, 0);	/* not the MCU's to send */
	push_frame(FRAME_LINK_SEND, "\x09" "x", 2, 0);	/* no link 9 */
	ftpmode_input(&m, (const uint8_t *)"+++", 3, 0);
	w = written();
	ck_assert_int_eq(w->n, 4);
	for (int i = 0; i < 4; i++) {
		ck_assert_uint_eq(w->cmd[i], FRAME_NAK);
		ck_assert_uint_eq(w->len[i], 1);
		ck_assert_uint_eq(w->payload[i][0], i == 2 ? FRAME_LINK_DATA : FRAME_LINK_SEND);
	}
	ck_assert_int_eq(fx.nsend, 1);
	ck_assert_uint_eq(m.naks, 4);
	ck_assert_uint_eq(fm.st.refused, 2);
	/* Bytes that are no frame go on to the console (the +++). */
	ck_assert_uint_eq(fx.npassed, 3);
	ck_assert_mem_eq(fx.passed, "+++", 3);
	/* Frame mode off: LINK_SEND is transparent data again. */
	ftpmode_frames(&m, 0);
	framemode_stop(&fm);
	push_frame(FRAME_LINK_SEND, "\x04" "data", 5, 0);
	ck_assert_uint_eq(fx.nout, 0);
	ck_assert_uint_eq(fx.npassed, 3 + 5 + FRAME_OVERHEAD);
}
END_TEST

static const char *
text_of(const struct framemode_status *s, int json)
{
	struct evbuffer *b = evbuffer_new();

	ck_assert_int_eq(json ? framemode_status_json(s, b) : framemode_status_text(s, b), 0);
	return unit_text(b);
}

START_TEST(test_status)
{
	struct framemode_status s = {
		.up = { 1, 0, 1, 0 }, .sends = 3, .send_bytes = 40, .refused = 1, .data = 5,
		.data_bytes = 900, .states = 2, .dropped = 7,
	};

	ck_assert_str_eq(text_of(&s, 0), "");		/* the 30X: nothing */
	ck_assert_str_eq(text_of(&s, 1), "");
	s.shown = 1;
	ck_assert_str_eq(text_of(&s, 0), "");		/* another mode runs */
	ck_assert_str_eq(text_of(&s, 1), "\"frame_mode\":{\"running\":false,\"links_up\":"
	    "[1,0,1,0],\"link_state_sent\":2,\"link_send\":3,\"link_send_bytes\":40,"
	    "\"link_send_refused\":1,\"link_data\":5,\"link_data_bytes\":900,"
	    "\"dropped_bytes\":7},");
	s.running = 1;
	ck_assert_str_eq(text_of(&s, 0), "frames   links up (last LINK_STATE): 1 0 1 0; "
	    "2 LINK_STATE sent\n"
	    "         LINK_SEND: 3 taken (40 B), 1 refused (NAK); LINK_DATA: 5 sent (900 B); "
	    "7 B that were no frame dropped\n");
}
END_TEST

Suite *
suite_framemode(void)
{
	Suite *s = suite_create("framemode");
	TCase *t = tcase_create("framemode");

	tcase_add_checked_fixture(t, setup, NULL);
	tcase_add_test(t, test_link_state);
	tcase_add_loop_test(t, test_link_send, 0, (int)ARRAY_SIZE(send_rows));
	tcase_add_loop_test(t, test_link_data, 0, (int)ARRAY_SIZE(data_sizes));
	tcase_add_test(t, test_through_filter);
	tcase_add_test(t, test_status);
	suite_add_tcase(s, t);
	return s;
}
