/* The RFC 2217 codec: the Telnet layer (IAC doubling both ways, option
 * negotiation without loops, unknown options refused, subnegotiation caps,
 * any split of the input) and COM-PORT-OPTION (every command answered with
 * the value in force, or as asked where the port cannot have the state),
 * against a fake port. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "comport.h"
#include "settings.h"
#include "telnet.h"
#include "unit.h"

/* --- Telnet ------------------------------------------------------------------- */

static struct {
	uint8_t data[512], sent[512], sub[512];
	size_t ndata, nsent, nsub;
	int subs;
	uint8_t sub_option;
	int options_on;
	int commands;
} tx;

static void
t_data(void *arg, const uint8_t *d, size_t n)
{
	ck_assert_uint_le(tx.ndata + n, sizeof(tx.data));
	memcpy(tx.data + tx.ndata, d, n);
	tx.ndata += n;
}

static void
t_sub(void *arg, uint8_t option, const uint8_t *d, size_t n)
{
	ck_assert_uint_le(tx.nsub + n, sizeof(tx.sub));
	memcpy(tx.sub + tx.nsub, d, n);
	tx.nsub += n;
	tx.subs++;
	tx.sub_option = option;
}

static void
t_send(void *arg, const uint8_t *d, size_t n)
{
	ck_assert_uint_le(tx.nsent + n, sizeof(tx.sent));
	memcpy(tx.sent + tx.nsent, d, n);
	tx.nsent += n;
}

static void
t_option(void *arg, uint8_t option, int remote, int on)
{
	tx.options_on += on ? 1 : -1;
}

static void
t_command(void *arg, uint8_t cmd)
{
	tx.commands++;
}

static const struct telnet_ops tops = { t_data, t_sub, t_send, t_option, t_command };

#define IAC TELNET_IAC
#define B(...) (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ })

/* ck_assert_mem_eq with the expectation as B(...) (pointer and length). */
static void
expect_mem(const void *got, const uint8_t *want, size_t n)
{
	ck_assert_mem_eq(got, want, n);
}
#define NONE NULL, 0

struct telnet_row {
	const char *name;
	int started;			/* telnet_start() first (its offer not counted) */
	const uint8_t *in; size_t nin;
	const uint8_t *data; size_t ndata;	/* expected data out */
	const uint8_t *sent; size_t nsent;	/* expected answers */
	const uint8_t *sub; size_t nsub;	/* expected subnegotiation bytes */
	int subs;
};

static const struct telnet_row trows[] = {
	{ "plain data", 0, B('a', 'b', 0, 0x0d, 0x0a), B('a', 'b', 0, 0x0d, 0x0a), NONE, NONE, 0 },
	{ "IAC IAC is one 0xFF", 0, B('a', IAC, IAC, 'b'), B('a', 0xff, 'b'), NONE, NONE, 0 },
	{ "IAC IAC IAC IAC", 0, B(IAC, IAC, IAC, IAC), B(0xff, 0xff), NONE, NONE, 0 },
	{ "DO ECHO refused", 0, B(IAC, TELNET_DO, 1), NONE, B(IAC, TELNET_WONT, 1), NONE, 0 },
	{ "WILL TTYPE refused", 0, B(IAC, TELNET_WILL, 24), NONE, B(IAC, TELNET_DONT, 24), NONE, 0 },
	{ "DO unknown 200 refused", 0, B(IAC, TELNET_DO, 200), NONE, B(IAC, TELNET_WONT, 200),
	  NONE, 0 },
	{ "DONT/WONT unknown: silence", 0, B(IAC, TELNET_DONT, 200, IAC, TELNET_WONT, 24), NONE,
	  NONE, NONE, 0 },
	{ "DO BINARY accepted once", 0, B(IAC, TELNET_DO, 0, IAC, TELNET_DO, 0), NONE,
	  B(IAC, TELNET_WILL, 0), NONE, 0 },
	{ "WILL COM-PORT accepted", 0, B(IAC, TELNET_WILL, 44), NONE, B(IAC, TELNET_DO, 44),
	  NONE, 0 },
	{ "answers to our offer: no loop", 1,
	  B(IAC, TELNET_DO, 0, IAC, TELNET_WILL, 0, IAC, TELNET_DO, 3, IAC, TELNET_WILL, 3),
	  NONE, NONE, NONE, 0 },
	{ "COM-PORT after the offer", 1, B(IAC, TELNET_WILL, 44, IAC, TELNET_DO, 44), NONE,
	  B(IAC, TELNET_DO, 44, IAC, TELNET_WILL, 44), NONE, 0 },
	{ "WONT of an option in force", 1,
	  B(IAC, TELNET_WILL, 0, IAC, TELNET_WONT, 0), NONE, B(IAC, TELNET_DONT, 0), NONE, 0 },
	{ "SB COM-PORT delivered", 0,
	  B(IAC, TELNET_WILL, 44, IAC, TELNET_SB, 44, 1, 0, 0, 0x25, 0x80, IAC, TELNET_SE, 'x'),
	  B('x'), B(IAC, TELNET_DO, 44), B(1, 0, 0, 0x25, 0x80), 1 },
	{ "IAC IAC inside SB", 1,
	  B(IAC, TELNET_WILL, 44, IAC, TELNET_SB, 44, 1, IAC, IAC, 2, IAC, TELNET_SE), NONE,
	  B(IAC, TELNET_DO, 44), B(1, 0xff, 2), 1 },
	{ "SB of an option not in force: dropped", 0,
	  B(IAC, TELNET_SB, 44, 1, 0, 0, 0, 0, IAC, TELNET_SE, 'y'), B('y'), NONE, NONE, 0 },
	{ "empty SB", 1, B(IAC, TELNET_WILL, 44, IAC, TELNET_SB, 44, IAC, TELNET_SE), NONE,
	  B(IAC, TELNET_DO, 44), NONE, 1 },
	{ "IAC command inside SB ends it", 1,
	  B(IAC, TELNET_WILL, 44, IAC, TELNET_SB, 44, 5, IAC, TELNET_NOP, 'z'), B('z'),
	  B(IAC, TELNET_DO, 44), NONE, 0 },
	{ "NOP, BRK, AYT: no data", 0, B('a', IAC, TELNET_NOP, IAC, TELNET_BRK, IAC, 246, 'b'),
	  B('a', 'b'), NONE, NONE, 0 },
	{ "stray SE", 0, B(IAC, TELNET_SE, 'q'), B('q'), NONE, NONE, 0 },
};

static struct telnet tn;

static void
telnet_reset(int started)
{
	memset(&tx, 0, sizeof(tx));
	telnet_init(&tn, &tops, NULL);
	if (started) {
		telnet_start(&tn);
		tx.nsent = 0;
	}
}

static void
check_row(const struct telnet_row *r)
{
	ck_assert_msg(tx.ndata == r->ndata && (!r->ndata || !memcmp(tx.data, r->data, r->ndata)),
	    "%s: data (%zu bytes)", r->name, tx.ndata);
	ck_assert_msg(tx.nsent == r->nsent && (!r->nsent || !memcmp(tx.sent, r->sent, r->nsent)),
	    "%s: sent (%zu bytes)", r->name, tx.nsent);
	ck_assert_msg(tx.nsub == r->nsub && (!r->nsub || !memcmp(tx.sub, r->sub, r->nsub)),
	    "%s: sub (%zu bytes)", r->name, tx.nsub);
	ck_assert_msg(tx.subs == r->subs, "%s: %d subnegotiations", r->name, tx.subs);
	ck_assert_int_eq(tn.state, TELNET_DATA);
}

START_TEST(test_telnet_table)
{
	const struct telnet_row *r = &trows[_i];

	telnet_reset(r->started);
	telnet_input(&tn, r->in, r->nin);
	check_row(r);
}
END_TEST

/* The same rows fed one byte at a time: a split anywhere changes nothing. */
START_TEST(test_telnet_bytewise)
{
	const struct telnet_row *r = &trows[_i];

	telnet_reset(r->started);
	for (size_t i = 0; i < r->nin; i++)
		telnet_input(&tn, r->in + i, 1);
	check_row(r);
}
END_TEST

START_TEST(test_telnet_offer)
{
	static const uint8_t offer[] = {
		IAC, TELNET_WILL, 0, IAC, TELNET_DO, 0, IAC, TELNET_WILL, 3, IAC, TELNET_DO, 3,
	};

	telnet_reset(0);
	telnet_start(&tn);
	ck_assert_uint_eq(tx.nsent, sizeof(offer));
	ck_assert_mem_eq(tx.sent, offer, sizeof(offer));
	/* The client refuses BINARY: no answer, not in force. */
	tx.nsent = 0;
	telnet_input(&tn, B(IAC, TELNET_DONT, 0, IAC, TELNET_WONT, 0));
	ck_assert_uint_eq(tx.nsent, 0);
	ck_assert(!telnet_enabled(&tn, 0, 0) && !telnet_enabled(&tn, 0, 1));
	telnet_input(&tn, B(IAC, TELNET_WILL, 44));
	ck_assert(telnet_enabled(&tn, 44, 1));
	ck_assert_int_eq(tx.options_on, 1);
}
END_TEST

/* Subnegotiations up to the cap are delivered; one byte more is read to
 * its IAC SE and dropped, and the stream goes on. */
START_TEST(test_telnet_sb_cap)
{
	uint8_t in[TELNET_SB_MAX + 16];
	size_t n = 0, len = (size_t)_i;

	telnet_reset(0);
	telnet_input(&tn, B(IAC, TELNET_WILL, 44));
	in[n++] = IAC;
	in[n++] = TELNET_SB;
	in[n++] = 44;
	for (size_t i = 0; i < len; i++)
		in[n++] = (uint8_t)('A' + i % 26);
	in[n++] = IAC;
	in[n++] = TELNET_SE;
	in[n++] = 'k';
	telnet_input(&tn, in, n);
	ck_assert_uint_eq(tx.ndata, 1);
	ck_assert_int_eq(tx.data[0], 'k');
	if (len <= TELNET_SB_MAX) {
		ck_assert_int_eq(tx.subs, 1);
		ck_assert_uint_eq(tx.nsub, len);
		ck_assert_uint_eq(tn.st.sb_overlong, 0);
	} else {
		ck_assert_int_eq(tx.subs, 0);
		ck_assert_uint_eq(tn.st.sb_overlong, 1);
	}
}
END_TEST

START_TEST(test_telnet_send)
{
	static const uint8_t data[] = { 1, 0xff, 2, 0xff, 0xff };
	static const uint8_t want[] = { 1, 0xff, 0xff, 2, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t sub[] = { 101, 0x00, 0x00, 0x00, 0xff };
	static const uint8_t subwant[] = { IAC, TELNET_SB, 44, 101, 0, 0, 0, 0xff, 0xff, IAC,
		TELNET_SE };

	telnet_reset(0);
	telnet_send_data(&tn, data, sizeof(data));
	ck_assert_uint_eq(tx.nsent, sizeof(want));
	ck_assert_mem_eq(tx.sent, want, sizeof(want));
	/* And back: the doubled stream decodes to the data. */
	telnet_input(&tn, want, sizeof(want));
	ck_assert_uint_eq(tx.ndata, sizeof(data));
	ck_assert_mem_eq(tx.data, data, sizeof(data));
	tx.nsent = 0;
	telnet_send_sub(&tn, 44, sub, sizeof(sub));
	ck_assert_uint_eq(tx.nsent, sizeof(subwant));
	ck_assert_mem_eq(tx.sent, subwant, sizeof(subwant));
	tx.nsent = 0;
	telnet_send_data(&tn, data, 0);
	ck_assert_uint_eq(tx.nsent, 0);
}
END_TEST

/* --- COM-PORT-OPTION ---------------------------------------------------------- */

enum fake_kind { UART, PTY };

static struct {
	enum fake_kind kind;
	struct serial_params p;
	int dtr, rts, brk;
	unsigned inputs;		/* SERIAL_SIG_CTS ... */
	int purged_rx, purged_tx, suspended;
	int refuse;			/* a UART refusing what it is asked */
	uint8_t sent[128];
	size_t nsent;
	int sends;
} fp;

static int
f_params(void *arg, const struct serial_params *want, struct serial_params *in_force)
{
	if (want && fp.refuse) {
		*in_force = fp.p;
		return -EINVAL;
	}
	if (want) {
		fp.p = *want;
		/* A pty keeps 8 data bits and refuses parity. */
		if (fp.kind == PTY && (want->data_bits != 8 || want->parity != PARITY_NONE)) {
			fp.p.data_bits = 8;
			fp.p.parity = PARITY_NONE;
			*in_force = fp.p;
			return -ENOTSUP;
		}
	}
	*in_force = fp.p;
	return 0;
}

static int
f_set_line(void *arg, enum serial_line line, int on)
{
	if (fp.kind == PTY && line != SERIAL_LINE_BREAK)
		return -ENOTSUP;
	if (line == SERIAL_LINE_DTR)
		fp.dtr = on;
	else if (line == SERIAL_LINE_RTS)
		fp.rts = on;
	else
		fp.brk = on;
	return 0;
}

static int
f_signals(void *arg, unsigned *sig)
{
	if (fp.kind == PTY)
		return -ENOTTY;
	*sig = fp.inputs | (fp.dtr ? SERIAL_SIG_DTR : 0) | (fp.rts ? SERIAL_SIG_RTS : 0);
	return 0;
}

static int
f_purge(void *arg, int rx, int txd)
{
	fp.purged_rx += !!rx;
	fp.purged_tx += !!txd;
	return 0;
}

static void
f_suspend(void *arg, int on)
{
	fp.suspended = on;
}

static void
f_send(void *arg, const uint8_t *d, size_t n)
{
	ck_assert_uint_le(fp.nsent + n, sizeof(fp.sent));
	memcpy(fp.sent + fp.nsent, d, n);
	fp.nsent += n;
	fp.sends++;
}

static const struct comport_port fops = { f_params, f_set_line, f_signals, f_purge, f_suspend,
	f_send };

static struct comport cp;

static void
comport_reset(enum fake_kind kind)
{
	memset(&fp, 0, sizeof(fp));
	fp.kind = kind;
	fp.p = (struct serial_params){ 115200, 8, 1, PARITY_NONE, FLOW_NONE };
	fp.dtr = fp.rts = 1;
	fp.inputs = SERIAL_SIG_CTS | SERIAL_SIG_DSR;
	comport_init(&cp, "usrbridged test", &fops, NULL);
}

struct cp_row {
	const char *name;
	enum fake_kind kind;
	const uint8_t *req; size_t nreq;
	const uint8_t *ans; size_t nans;	/* NULL: no answer */
};

#define S_(c) COMPORT_SERVER + COMPORT_##c
static const struct cp_row crows[] = {
	{ "baud query", UART, B(1, 0, 0, 0, 0), B(S_(SET_BAUDRATE), 0, 1, 0xc2, 0) },
	{ "baud 9600", UART, B(1, 0, 0, 0x25, 0x80), B(S_(SET_BAUDRATE), 0, 0, 0x25, 0x80) },
	{ "baud 4000000", UART, B(1, 0, 0x3d, 0x09, 0), B(S_(SET_BAUDRATE), 0, 0x3d, 0x09, 0) },
	{ "baud 4000001: in force", UART, B(1, 0, 0x3d, 0x09, 1),
	  B(S_(SET_BAUDRATE), 0, 1, 0xc2, 0) },
	{ "baud 49: in force", UART, B(1, 0, 0, 0, 49), B(S_(SET_BAUDRATE), 0, 1, 0xc2, 0) },
	{ "baud 0xffffffff: in force", UART, B(1, 0xff, 0xff, 0xff, 0xff),
	  B(S_(SET_BAUDRATE), 0, 1, 0xc2, 0) },
	{ "baud short: ignored", UART, B(1, 0, 0), NONE },
	{ "datasize query", UART, B(2, 0), B(S_(SET_DATASIZE), 8) },
	{ "datasize 5", UART, B(2, 5), B(S_(SET_DATASIZE), 5) },
	{ "datasize 7", UART, B(2, 7), B(S_(SET_DATASIZE), 7) },
	{ "datasize 4: in force", UART, B(2, 4), B(S_(SET_DATASIZE), 8) },
	{ "datasize 9: in force", UART, B(2, 9), B(S_(SET_DATASIZE), 8) },
	{ "datasize 7 on a pty: as asked", PTY, B(2, 7), B(S_(SET_DATASIZE), 7) },
	{ "parity query", UART, B(3, 0), B(S_(SET_PARITY), 1) },
	{ "parity odd", UART, B(3, 2), B(S_(SET_PARITY), 2) },
	{ "parity even", UART, B(3, 3), B(S_(SET_PARITY), 3) },
	{ "parity mark", UART, B(3, 4), B(S_(SET_PARITY), 4) },
	{ "parity space", UART, B(3, 5), B(S_(SET_PARITY), 5) },
	{ "parity 6: in force", UART, B(3, 6), B(S_(SET_PARITY), 1) },
	{ "parity even on a pty: as asked", PTY, B(3, 3), B(S_(SET_PARITY), 3) },
	{ "stopsize query", UART, B(4, 0), B(S_(SET_STOPSIZE), 1) },
	{ "stopsize 2", UART, B(4, 2), B(S_(SET_STOPSIZE), 2) },
	{ "stopsize 1.5: in force", UART, B(4, 3), B(S_(SET_STOPSIZE), 1) },
	{ "stopsize 4: in force", UART, B(4, 4), B(S_(SET_STOPSIZE), 1) },
	{ "flow query", UART, B(5, CTL_FLOW_QUERY), B(S_(SET_CONTROL), CTL_FLOW_NONE) },
	{ "flow none", UART, B(5, CTL_FLOW_NONE), B(S_(SET_CONTROL), CTL_FLOW_NONE) },
	{ "flow hardware", UART, B(5, CTL_FLOW_HW), B(S_(SET_CONTROL), CTL_FLOW_HW) },
	{ "flow XON/XOFF: in force", UART, B(5, CTL_FLOW_XONXOFF), B(S_(SET_CONTROL),
	  CTL_FLOW_NONE) },
	{ "flow DCD: in force", UART, B(5, CTL_FLOW_DCD), B(S_(SET_CONTROL), CTL_FLOW_NONE) },
	{ "flow DSR: in force", UART, B(5, CTL_FLOW_DSR), B(S_(SET_CONTROL), CTL_FLOW_NONE) },
	{ "inbound flow query", UART, B(5, CTL_IFLOW_QUERY), B(S_(SET_CONTROL), CTL_IFLOW_NONE) },
	{ "inbound flow none", UART, B(5, CTL_IFLOW_NONE), B(S_(SET_CONTROL), CTL_IFLOW_NONE) },
	{ "inbound flow hardware", UART, B(5, CTL_IFLOW_HW), B(S_(SET_CONTROL), CTL_IFLOW_HW) },
	{ "inbound XON/XOFF: in force", UART, B(5, CTL_IFLOW_XONXOFF), B(S_(SET_CONTROL),
	  CTL_IFLOW_NONE) },
	{ "inbound DTR flow: in force", UART, B(5, CTL_IFLOW_DTR), B(S_(SET_CONTROL),
	  CTL_IFLOW_NONE) },
	{ "break query", UART, B(5, CTL_BREAK_QUERY), B(S_(SET_CONTROL), CTL_BREAK_OFF) },
	{ "break on", UART, B(5, CTL_BREAK_ON), B(S_(SET_CONTROL), CTL_BREAK_ON) },
	{ "break off", UART, B(5, CTL_BREAK_OFF), B(S_(SET_CONTROL), CTL_BREAK_OFF) },
	{ "DTR query", UART, B(5, CTL_DTR_QUERY), B(S_(SET_CONTROL), CTL_DTR_ON) },
	{ "DTR off", UART, B(5, CTL_DTR_OFF), B(S_(SET_CONTROL), CTL_DTR_OFF) },
	{ "DTR on", UART, B(5, CTL_DTR_ON), B(S_(SET_CONTROL), CTL_DTR_ON) },
	{ "DTR off on a pty: as asked", PTY, B(5, CTL_DTR_OFF), B(S_(SET_CONTROL), CTL_DTR_OFF) },
	{ "DTR on on a pty: as asked", PTY, B(5, CTL_DTR_ON), B(S_(SET_CONTROL), CTL_DTR_ON) },
	{ "RTS query", UART, B(5, CTL_RTS_QUERY), B(S_(SET_CONTROL), CTL_RTS_ON) },
	{ "RTS off", UART, B(5, CTL_RTS_OFF), B(S_(SET_CONTROL), CTL_RTS_OFF) },
	{ "RTS on", UART, B(5, CTL_RTS_ON), B(S_(SET_CONTROL), CTL_RTS_ON) },
	{ "RTS off on a pty: as asked", PTY, B(5, CTL_RTS_OFF), B(S_(SET_CONTROL), CTL_RTS_OFF) },
	{ "control 20: flow in force", UART, B(5, 20), B(S_(SET_CONTROL), CTL_FLOW_NONE) },
	{ "control short: ignored", UART, B(5), NONE },
	{ "linestate mask", UART, B(10, 0x12), B(S_(SET_LINESTATE_MASK), 0x12) },
	{ "modemstate mask", UART, B(11, 0x0f), B(S_(SET_MODEMSTATE_MASK), 0x0f) },
	{ "mask 0xff", UART, B(11, 0xff), B(S_(SET_MODEMSTATE_MASK), 0xff) },
	{ "purge receive", UART, B(12, 1), B(S_(PURGE_DATA), 1) },
	{ "purge transmit", UART, B(12, 2), B(S_(PURGE_DATA), 2) },
	{ "purge both", UART, B(12, 3), B(S_(PURGE_DATA), 3) },
	{ "purge 0: ignored", UART, B(12, 0), NONE },
	{ "purge 4: ignored", UART, B(12, 4), NONE },
	{ "signature asked", UART, B(0), B(S_(SIGNATURE), 'u', 's', 'r', 'b', 'r', 'i', 'd', 'g',
	  'e', 'd', ' ', 't', 'e', 's', 't') },
	{ "signature given: no answer", UART, B(0, 'p', 'c'), NONE },
	{ "modem state asked", UART, B(7), B(S_(NOTIFY_MODEMSTATE), MODEM_CTS | MODEM_DSR) },
	{ "modem state asked, pty", PTY, B(7), B(S_(NOTIFY_MODEMSTATE), 0) },
	{ "line state asked", UART, B(6), B(S_(NOTIFY_LINESTATE), 0) },
	{ "suspend: no answer", UART, B(8), NONE },
	{ "resume: no answer", UART, B(9), NONE },
	{ "command 13: ignored", UART, B(13), NONE },
	{ "a server's code: ignored", UART, B(101, 0, 0, 0, 0), NONE },
	{ "empty: ignored", UART, NONE, NONE },
};

START_TEST(test_comport_table)
{
	const struct cp_row *r = &crows[_i];

	comport_reset(r->kind);
	comport_request(&cp, r->req, r->nreq);
	if (!r->ans) {
		ck_assert_msg(fp.nsent == 0, "%s: answered (%zu bytes)", r->name, fp.nsent);
		return;
	}
	ck_assert_msg(fp.sends == 1 && fp.nsent == r->nans && !memcmp(fp.sent, r->ans, r->nans),
	    "%s: answer of %zu bytes (%02x %02x)", r->name, fp.nsent, fp.sent[0], fp.sent[1]);
}
END_TEST

/* What the answers claim is what the port (or, for a pty, the record of
 * what was asked) has: the next query gives the same. */
START_TEST(test_comport_state)
{
	comport_reset(UART);
	comport_request(&cp, B(1, 0, 0, 0x4b, 0));
	comport_request(&cp, B(2, 7));
	comport_request(&cp, B(3, 3));
	comport_request(&cp, B(4, 2));
	comport_request(&cp, B(5, CTL_FLOW_HW));
	ck_assert_int_eq(fp.p.baud, 19200);
	ck_assert_int_eq(fp.p.data_bits, 7);
	ck_assert_int_eq(fp.p.parity, PARITY_EVEN);
	ck_assert_int_eq(fp.p.stop_bits, 2);
	ck_assert_int_eq(fp.p.flow, FLOW_RTSCTS);
	fp.nsent = 0;
	comport_request(&cp, B(2, 0));
	comport_request(&cp, B(3, 0));
	comport_request(&cp, B(5, CTL_IFLOW_QUERY));
	ck_assert_uint_eq(fp.nsent, 6);
	expect_mem(fp.sent, B(102, 7, 103, 3, 105, CTL_IFLOW_HW));
	/* A port that refuses: the answer is what it kept. */
	fp.refuse = 1;
	fp.nsent = 0;
	comport_request(&cp, B(1, 0, 0, 0x25, 0x80));
	expect_mem(fp.sent, B(101, 0, 0, 0x4b, 0));
	/* A pty: as asked, and the next query says the same. */
	comport_reset(PTY);
	comport_request(&cp, B(2, 6));
	comport_request(&cp, B(5, CTL_DTR_OFF));
	fp.nsent = 0;
	comport_request(&cp, B(2, 0));
	comport_request(&cp, B(5, CTL_DTR_QUERY));
	expect_mem(fp.sent, B(102, 6, 105, CTL_DTR_OFF));
	ck_assert_uint_eq(cp.st.faked, 2);
	/* Purge, suspend, resume reach the port. */
	comport_reset(UART);
	comport_request(&cp, B(12, 3));
	comport_request(&cp, B(8));
	ck_assert_int_eq(fp.purged_rx, 1);
	ck_assert_int_eq(fp.purged_tx, 1);
	ck_assert_int_eq(fp.suspended, 1);
	comport_request(&cp, B(9));
	ck_assert_int_eq(fp.suspended, 0);
	comport_request(&cp, B(0, 'p', 'c', 0x01));
	ck_assert_str_eq(cp.client_signature, "pc?");
}
END_TEST

/* Notifications: only masked changes, polling only once the client set a
 * mask (PROTOCOLS.md §6). */
START_TEST(test_comport_notify)
{
	comport_reset(UART);
	ck_assert(!comport_wants_poll(&cp));
	comport_modem(&cp, SERIAL_SIG_CTS, 1);		/* the first, forced */
	expect_mem(fp.sent, B(107, MODEM_CTS));
	fp.nsent = 0;
	comport_modem(&cp, SERIAL_SIG_CTS, 0);		/* no change */
	ck_assert_uint_eq(fp.nsent, 0);
	comport_modem(&cp, SERIAL_SIG_CTS | SERIAL_SIG_DCD, 0);
	expect_mem(fp.sent, B(107, MODEM_CTS | MODEM_DCD | MODEM_DDCD));
	comport_request(&cp, B(11, MODEM_DSR | MODEM_DDSR));
	ck_assert(comport_wants_poll(&cp));
	fp.nsent = 0;
	comport_modem(&cp, SERIAL_SIG_DCD, 0);		/* CTS dropped: masked out */
	ck_assert_uint_eq(fp.nsent, 0);
	comport_modem(&cp, SERIAL_SIG_DCD | SERIAL_SIG_DSR, 0);
	expect_mem(fp.sent, B(107, MODEM_DSR | MODEM_DDSR));
	fp.nsent = 0;
	comport_line(&cp, LINE_BREAK);			/* line mask 0 */
	ck_assert_uint_eq(fp.nsent, 0);
	comport_request(&cp, B(10, LINE_BREAK | LINE_PARITY));
	fp.nsent = 0;
	comport_line(&cp, LINE_BREAK | LINE_OVERRUN);
	expect_mem(fp.sent, B(106, LINE_BREAK));
	comport_request(&cp, B(10, 0));
	comport_request(&cp, B(11, 0));
	ck_assert(!comport_wants_poll(&cp));
	/* RI: the trailing edge only. */
	ck_assert_int_eq(comport_modem_byte(SERIAL_SIG_RI, 0, 1), MODEM_RI);
	ck_assert_int_eq(comport_modem_byte(0, MODEM_RI, 1), MODEM_TERI);
	ck_assert_int_eq(comport_modem_byte(SERIAL_SIG_DSR, 0, 0), MODEM_DSR);
}
END_TEST

Suite *
suite_rfc2217(void)
{
	Suite *s = suite_create("rfc2217");
	TCase *tc = tcase_create("telnet");

	tcase_add_loop_test(tc, test_telnet_table, 0, (int)(sizeof(trows) / sizeof(trows[0])));
	tcase_add_loop_test(tc, test_telnet_bytewise, 0,
	    (int)(sizeof(trows) / sizeof(trows[0])));
	tcase_add_test(tc, test_telnet_offer);
	tcase_add_loop_test(tc, test_telnet_sb_cap, TELNET_SB_MAX - 1, TELNET_SB_MAX + 3);
	tcase_add_loop_test(tc, test_telnet_sb_cap, 0, 1);
	tcase_add_test(tc, test_telnet_send);
	suite_add_tcase(s, tc);
	tc = tcase_create("comport");
	tcase_add_loop_test(tc, test_comport_table, 0, (int)(sizeof(crows) / sizeof(crows[0])));
	tcase_add_test(tc, test_comport_state);
	tcase_add_test(tc, test_comport_notify);
	suite_add_tcase(s, tc);
	return s;
}
