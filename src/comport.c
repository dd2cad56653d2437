/* RFC 2217 COM-PORT-OPTION requests and their answers (comport.h). Every
 * request that has a value is answered with the value in force after it
 * (RFC 2217 p. 6: "the access server ... responds with the current
 * value"); where the port cannot have the state at all the value asked for
 * is acknowledged (PROTOCOLS.md §6: pyserial gives up on a server that
 * does not acknowledge DTR on, and a pty has no DTR). */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "comport.h"
#include "settings.h"

void
comport_init(struct comport *c, const char *signature, const struct comport_port *port,
    void *arg)
{
	memset(c, 0, sizeof(*c));
	c->port = port;
	c->arg = arg;
	c->signature = signature;
	/* A port is opened with DTR and RTS on (termios(3) HUPCL aside). */
	c->dtr = c->rts = 1;
	c->line_mask = COMPORT_LINE_MASK_DEFAULT;
	c->modem_mask = COMPORT_MODEM_MASK_DEFAULT;
}

static void
answer(struct comport *c, uint8_t cmd, const uint8_t *v, size_t n)
{
	uint8_t b[1 + 64];

	if (n > sizeof(b) - 1)
		n = sizeof(b) - 1;
	b[0] = (uint8_t)(cmd + COMPORT_SERVER);
	if (n)
		memcpy(b + 1, v, n);
	c->port->send(c->arg, b, n + 1);
	c->st.requests++;
}

static void
answer_byte(struct comport *c, uint8_t cmd, uint8_t v)
{
	answer(c, cmd, &v, 1);
}

static void
load(struct comport *c)
{
	if (c->cur_known)
		return;
	c->port->params(c->arg, NULL, &c->cur);
	c->cur_known = 1;
}

/* Applies want; cur becomes what is in force, or want itself where the
 * port cannot have it. */
static void
apply(struct comport *c, const struct serial_params *want)
{
	struct serial_params in_force = c->cur;
	int r = c->port->params(c->arg, want, &in_force);

	if (r == -ENOTSUP) {
		c->cur = *want;
		c->st.faked++;
	} else {
		c->cur = in_force;
	}
}

static uint8_t
flow_code(const struct comport *c, int inbound)
{
	if (c->cur.flow == FLOW_RTSCTS)
		return inbound ? CTL_IFLOW_HW : CTL_FLOW_HW;
	return inbound ? CTL_IFLOW_NONE : CTL_FLOW_NONE;
}

/* DTR, RTS or BREAK set (on 0/1) or queried (on -1); the answer is the
 * line's state as the port reports it, else as set. */
static void
line(struct comport *c, enum serial_line which, int on)
{
	static const uint8_t codes[][2] = {
		[SERIAL_LINE_DTR] = { CTL_DTR_ON, CTL_DTR_OFF },
		[SERIAL_LINE_RTS] = { CTL_RTS_ON, CTL_RTS_OFF },
		[SERIAL_LINE_BREAK] = { CTL_BREAK_ON, CTL_BREAK_OFF },
	};
	int *state = which == SERIAL_LINE_DTR ? &c->dtr : which == SERIAL_LINE_RTS ? &c->rts :
	    &c->brk;
	unsigned sig;

	if (on >= 0) {
		int r = c->port->set_line(c->arg, which, on);

		if (r == 0 || r == -ENOTSUP)
			*state = on;
		if (r == -ENOTSUP)
			c->st.faked++;
	}
	if (which != SERIAL_LINE_BREAK && c->port->signals(c->arg, &sig) == 0)
		*state = !!(sig & (which == SERIAL_LINE_DTR ? SERIAL_SIG_DTR : SERIAL_SIG_RTS));
	answer_byte(c, COMPORT_SET_CONTROL, codes[which][*state ? 0 : 1]);
}

static void
set_control(struct comport *c, uint8_t v)
{
	struct serial_params want = c->cur;

	switch (v) {
	case CTL_FLOW_NONE: case CTL_IFLOW_NONE:
	case CTL_FLOW_HW: case CTL_IFLOW_HW:
		want.flow = v == CTL_FLOW_HW || v == CTL_IFLOW_HW ? FLOW_RTSCTS : FLOW_NONE;
		apply(c, &want);
		answer_byte(c, COMPORT_SET_CONTROL, flow_code(c, v >= CTL_IFLOW_QUERY));
		break;
	case CTL_BREAK_QUERY: line(c, SERIAL_LINE_BREAK, -1); break;
	case CTL_BREAK_ON: line(c, SERIAL_LINE_BREAK, 1); break;
	case CTL_BREAK_OFF: line(c, SERIAL_LINE_BREAK, 0); break;
	case CTL_DTR_QUERY: line(c, SERIAL_LINE_DTR, -1); break;
	case CTL_DTR_ON: line(c, SERIAL_LINE_DTR, 1); break;
	case CTL_DTR_OFF: line(c, SERIAL_LINE_DTR, 0); break;
	case CTL_RTS_QUERY: line(c, SERIAL_LINE_RTS, -1); break;
	case CTL_RTS_ON: line(c, SERIAL_LINE_RTS, 1); break;
	case CTL_RTS_OFF: line(c, SERIAL_LINE_RTS, 0); break;
	case CTL_IFLOW_QUERY: case CTL_IFLOW_XONXOFF: case CTL_IFLOW_DTR:
		/* Queries, and kinds of flow control the port does not do:
		 * the inbound kind in force. */
		answer_byte(c, COMPORT_SET_CONTROL, flow_code(c, 1));
		break;
	default:
		/* CTL_FLOW_QUERY, XON/XOFF, DCD and DSR flow control, values
		 * RFC 2217 does not define: the outbound kind in force. */
		if (v > CTL_FLOW_DSR)
			c->st.bad++;
		answer_byte(c, COMPORT_SET_CONTROL, flow_code(c, 0));
		break;
	}
}

static void
set_params(struct comport *c, uint8_t cmd, const uint8_t *v, size_t n)
{
	struct serial_params want = c->cur;
	uint8_t out[4];
	int set = 0;

	if (n < (cmd == COMPORT_SET_BAUDRATE ? 4u : 1u)) {
		c->st.bad++;
		return;
	}
	switch (cmd) {
	case COMPORT_SET_BAUDRATE: {
		uint32_t baud = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];

		/* 0 asks; beyond the settings' range the port is not asked. */
		if (baud >= 50 && baud <= 4000000) {
			want.baud = (long)baud;
			set = 1;
		}
		break;
	}
	case COMPORT_SET_DATASIZE:
		if (v[0] >= 5 && v[0] <= 8) {
			want.data_bits = v[0];
			set = 1;
		}
		break;
	case COMPORT_SET_PARITY:
		/* 1 NONE, 2 ODD, 3 EVEN, 4 MARK, 5 SPACE: enum parity + 1. */
		if (v[0] >= 1 && v[0] <= 5) {
			want.parity = v[0] - 1;
			set = 1;
		}
		break;
	default:
		/* 1 and 2 stop bits; 3 (1.5) Linux has not: the value in force. */
		if (v[0] == 1 || v[0] == 2) {
			want.stop_bits = v[0];
			set = 1;
		}
		break;
	}
	if (set)
		apply(c, &want);
	switch (cmd) {
	case COMPORT_SET_BAUDRATE:
		out[0] = (uint8_t)((unsigned long)c->cur.baud >> 24);
		out[1] = (uint8_t)((unsigned long)c->cur.baud >> 16);
		out[2] = (uint8_t)((unsigned long)c->cur.baud >> 8);
		out[3] = (uint8_t)c->cur.baud;
		answer(c, cmd, out, 4);
		break;
	case COMPORT_SET_DATASIZE:
		answer_byte(c, cmd, (uint8_t)c->cur.data_bits);
		break;
	case COMPORT_SET_PARITY:
		answer_byte(c, cmd, (uint8_t)(c->cur.parity + 1));
		break;
	default:
		answer_byte(c, cmd, (uint8_t)c->cur.stop_bits);
		break;
	}
}

static void
signature(struct comport *c, const uint8_t *v, size_t n)
{
	size_t i;

	if (n == 0) {
		answer(c, COMPORT_SIGNATURE, (const uint8_t *)c->signature,
		    strlen(c->signature));
		return;
	}
	/* Theirs, for status and logs: printable ASCII only. */
	for (i = 0; i < n && i < sizeof(c->client_signature) - 1; i++)
		c->client_signature[i] = v[i] >= 0x20 && v[i] < 0x7f ? (char)v[i] : '?';
	c->client_signature[i] = '\0';
	c->st.requests++;
}

void
comport_request(struct comport *c, const uint8_t *d, size_t n)
{
	uint8_t cmd;

	if (n == 0) {
		c->st.bad++;
		return;
	}
	load(c);
	cmd = d[0];
	d++;
	n--;
	switch (cmd) {
	case COMPORT_SIGNATURE:
		signature(c, d, n);
		break;
	case COMPORT_SET_BAUDRATE: case COMPORT_SET_DATASIZE:
	case COMPORT_SET_PARITY: case COMPORT_SET_STOPSIZE:
		set_params(c, cmd, d, n);
		break;
	case COMPORT_SET_CONTROL:
		if (n < 1) {
			c->st.bad++;
			break;
		}
		set_control(c, d[0]);
		break;
	case COMPORT_NOTIFY_LINESTATE:
		/* A client asking (RFC 2217 has it go the other way only):
		 * nothing is pending once it has been notified. */
		answer_byte(c, cmd, 0);
		break;
	case COMPORT_NOTIFY_MODEMSTATE: {
		/* pyserial's poll_modem asks this way. */
		unsigned sig = 0;

		c->port->signals(c->arg, &sig);
		comport_modem(c, sig, 1);
		c->st.requests++;
		break;
	}
	case COMPORT_FLOWCONTROL_SUSPEND: case COMPORT_FLOWCONTROL_RESUME:
		c->suspended = cmd == COMPORT_FLOWCONTROL_SUSPEND;
		c->port->suspend(c->arg, c->suspended);
		c->st.requests++;
		break;
	case COMPORT_SET_LINESTATE_MASK: case COMPORT_SET_MODEMSTATE_MASK:
		if (n < 1) {
			c->st.bad++;
			break;
		}
		if (cmd == COMPORT_SET_LINESTATE_MASK)
			c->line_mask = d[0];
		else
			c->modem_mask = d[0];
		c->notify_asked = 1;
		answer_byte(c, cmd, d[0]);
		break;
	case COMPORT_PURGE_DATA:
		/* 1 receive buffer, 2 transmit buffer, 3 both. */
		if (n < 1 || d[0] < 1 || d[0] > 3) {
			c->st.bad++;
			break;
		}
		c->port->purge(c->arg, d[0] & 1, d[0] & 2);
		answer_byte(c, cmd, d[0]);
		break;
	default:
		/* Server codes coming back, codes RFC 2217 does not have. */
		c->st.bad++;
		break;
	}
}

uint8_t
comport_modem_byte(unsigned sig, uint8_t previous, int previous_known)
{
	uint8_t now = (uint8_t)((sig & SERIAL_SIG_DCD ? MODEM_DCD : 0) |
	    (sig & SERIAL_SIG_RI ? MODEM_RI : 0) | (sig & SERIAL_SIG_DSR ? MODEM_DSR : 0) |
	    (sig & SERIAL_SIG_CTS ? MODEM_CTS : 0));
	uint8_t changed = previous_known ? (uint8_t)((now ^ previous) & 0xf0) : 0;

	if (changed & MODEM_DCD)
		now |= MODEM_DDCD;
	if (changed & MODEM_DSR)
		now |= MODEM_DDSR;
	if (changed & MODEM_CTS)
		now |= MODEM_DCTS;
	if ((changed & MODEM_RI) && !(now & MODEM_RI))
		now |= MODEM_TERI;
	return now;
}

void
comport_modem(struct comport *c, unsigned sig, int force)
{
	uint8_t b = comport_modem_byte(sig, c->modem, c->modem_known);
	uint8_t changed = c->modem_known ? (uint8_t)((b ^ c->modem) & 0xf0) : 0;

	c->modem = b & 0xf0;
	c->modem_known = 1;
	if (force || ((changed | (b & 0x0f)) & c->modem_mask))
		answer_byte(c, COMPORT_NOTIFY_MODEMSTATE, b & c->modem_mask);
}

void
comport_line(struct comport *c, uint8_t events)
{
	if (events & c->line_mask)
		answer_byte(c, COMPORT_NOTIFY_LINESTATE, events & c->line_mask);
}

int
comport_wants_poll(const struct comport *c)
{
	return c->notify_asked && (c->line_mask || c->modem_mask);
}
