/* Fuzzes the RFC 2217 codec (src/telnet.c, src/comport.c) with network
 * bytes cut into reads of any size, COM-PORT-OPTION requests going to a fake
 * port. Besides memory errors it checks what telnet.h and PROTOCOLS.md §6
 * promise: a split anywhere changes nothing (the same data, answers and
 * subnegotiations as one read of the whole); no subnegotiation beyond
 * TELNET_SB_MAX reaches the caller; every answer is a well-formed
 * IAC SB ... IAC SE or a three-byte negotiation; data sent back with
 * telnet_send_data() decodes to itself (IAC doubling both ways); the port
 * is only ever asked for line settings the settings table allows.
 *
 * Input: a split byte (every read is 1 + split bytes long, the last one
 * shorter), then the network bytes. */
#include "config.h"

#include <errno.h>

#include "comport.h"
#include "fuzz.h"
#include "telnet.h"

#define OUT_MAX 65536

struct side {
	struct telnet tn;
	struct comport cp;
	uint8_t data[OUT_MAX], sent[OUT_MAX];
	size_t ndata, nsent;
	unsigned subs;
	struct serial_params p;
};

static void
add(uint8_t *buf, size_t *n, const uint8_t *d, size_t len)
{
	FUZZ_CHECK(*n + len <= OUT_MAX, "more out than the input can make");
	memcpy(buf + *n, d, len);
	*n += len;
}

static void
s_data(void *arg, const uint8_t *d, size_t n)
{
	struct side *s = arg;

	FUZZ_CHECK(n > 0, "empty data");
	add(s->data, &s->ndata, d, n);
}

static void
s_sub(void *arg, uint8_t option, const uint8_t *d, size_t n)
{
	struct side *s = arg;

	FUZZ_CHECK(n <= TELNET_SB_MAX, "a subnegotiation of %zu bytes", n);
	FUZZ_CHECK(telnet_enabled(&s->tn, option, 0) || telnet_enabled(&s->tn, option, 1),
	    "a subnegotiation of option %u not in force", option);
	s->subs++;
	if (option == TELNET_OPT_COM_PORT)
		comport_request(&s->cp, d, n);
}

static void
s_send(void *arg, const uint8_t *d, size_t n)
{
	struct side *s = arg;

	add(s->sent, &s->nsent, d, n);
}

static const struct telnet_ops tops = { s_data, s_sub, s_send, NULL, NULL };

static int
p_params(void *arg, const struct serial_params *want, struct serial_params *in_force)
{
	struct side *s = arg;

	if (want) {
		FUZZ_CHECK(want->baud >= 50 && want->baud <= 4000000, "baud %ld", want->baud);
		FUZZ_CHECK(want->data_bits >= 5 && want->data_bits <= 8, "data bits %d",
		    want->data_bits);
		FUZZ_CHECK(want->stop_bits == 1 || want->stop_bits == 2, "stop bits %d",
		    want->stop_bits);
		FUZZ_CHECK(want->parity >= PARITY_NONE && want->parity <= PARITY_SPACE,
		    "parity %d", want->parity);
		FUZZ_CHECK(want->flow == FLOW_NONE || want->flow == FLOW_RTSCTS, "flow %d",
		    want->flow);
		s->p = *want;
		/* Like a pty: 8 data bits only. */
		if (want->data_bits != 8) {
			s->p.data_bits = 8;
			*in_force = s->p;
			return -ENOTSUP;
		}
	}
	*in_force = s->p;
	return 0;
}

static int
p_set_line(void *arg, enum serial_line line, int on)
{
	return line == SERIAL_LINE_RTS ? -ENOTSUP : 0;
}

static int
p_signals(void *arg, unsigned *sig)
{
	*sig = SERIAL_SIG_CTS;
	return 0;
}

static int
p_purge(void *arg, int rx, int tx)
{
	return 0;
}

static void
p_suspend(void *arg, int on)
{
}

static void
p_send(void *arg, const uint8_t *d, size_t n)
{
	struct side *s = arg;

	FUZZ_CHECK(n >= 1 && d[0] >= COMPORT_SERVER && d[0] <= COMPORT_SERVER + 12,
	    "answer code %u", n ? d[0] : 0);
	telnet_send_sub(&s->tn, TELNET_OPT_COM_PORT, d, n);
}

static const struct comport_port pops = { p_params, p_set_line, p_signals, p_purge, p_suspend,
	p_send };

static void
side_init(struct side *s)
{
	memset(s, 0, sizeof(*s));
	s->p = (struct serial_params){ 115200, 8, 1, PARITY_NONE, FLOW_NONE };
	telnet_init(&s->tn, &tops, s);
	comport_init(&s->cp, "fuzz", &pops, s);
	telnet_start(&s->tn);
	s->nsent = 0;
}

/* What we send is negotiations (IAC verb option) and subnegotiations. */
static void
check_sent(const uint8_t *d, size_t n)
{
	size_t i = 0;

	while (i < n) {
		FUZZ_CHECK(d[i] == TELNET_IAC && i + 2 < n, "stray byte %u at %zu", d[i], i);
		if (d[i + 1] != TELNET_SB) {
			FUZZ_CHECK(d[i + 1] >= TELNET_WILL && d[i + 1] <= TELNET_DONT, "verb %u",
			    d[i + 1]);
			i += 3;
			continue;
		}
		for (i += 3; i + 1 < n && !(d[i] == TELNET_IAC && d[i + 1] == TELNET_SE); i++)
			if (d[i] == TELNET_IAC) {
				FUZZ_CHECK(d[i + 1] == TELNET_IAC, "lone IAC in an SB");
				i++;
			}
		FUZZ_CHECK(i + 1 < n, "SB without SE");
		i += 2;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct side whole, split, back;
	struct fuzz_in in = { data, size };
	size_t step = (size_t)fuzz_byte(&in) + 1;

	fuzz_quiet();
	if (in.n > 8192)
		in.n = 8192;
	side_init(&whole);
	side_init(&split);
	telnet_input(&whole.tn, in.p, in.n);
	for (size_t o = 0; o < in.n; o += step)
		telnet_input(&split.tn, in.p + o, in.n - o < step ? in.n - o : step);
	FUZZ_CHECK(whole.ndata == split.ndata && !memcmp(whole.data, split.data, whole.ndata),
	    "data differs when split");
	FUZZ_CHECK(whole.nsent == split.nsent && !memcmp(whole.sent, split.sent, whole.nsent),
	    "answers differ when split");
	FUZZ_CHECK(whole.subs == split.subs, "subnegotiations differ when split");
	FUZZ_CHECK(whole.ndata <= in.n, "more data than input");
	check_sent(whole.sent, whole.nsent);
	/* The data, sent back doubled, decodes to itself. */
	side_init(&back);
	whole.nsent = 0;
	telnet_send_data(&whole.tn, whole.data, whole.ndata);
	telnet_input(&back.tn, whole.sent, whole.nsent);
	FUZZ_CHECK(back.ndata == whole.ndata && !memcmp(back.data, whole.data, whole.ndata),
	    "IAC doubling does not round-trip");
	return 0;
}
