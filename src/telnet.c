/* The Telnet codec of the RFC 2217 listener (telnet.h): RFC 854 command
 * parsing, RFC 1143 option negotiation without loops, subnegotiations
 * with a length cap, and IAC doubling of outgoing data. */
#include "config.h"

#include <string.h>

#include "telnet.h"

const char *const telnet_state_names[TELNET_STATE_COUNT] = {
	[TELNET_DATA] = "data",
	[TELNET_CMD] = "command",
	[TELNET_OPTION] = "option",
	[TELNET_SB_OPTION] = "sb-option",
	[TELNET_SB_DATA] = "sb-data",
	[TELNET_SB_CMD] = "sb-command",
};

/* What an RFC 2217 server does, on both sides (RFC 2217 p. 2: BINARY both
 * ways; SUPPRESS-GO-AHEAD, as pyserial and gensio ask for it). Everything
 * else is refused: DONT for a WILL, WONT for a DO (ECHO included: the
 * serial line answers, not the server). */
static int
supported(uint8_t option)
{
	return option == TELNET_OPT_BINARY || option == TELNET_OPT_SGA ||
	    option == TELNET_OPT_COM_PORT;
}

void
telnet_init(struct telnet *t, const struct telnet_ops *ops, void *arg)
{
	memset(t, 0, sizeof(*t));
	t->ops = ops;
	t->arg = arg;
}

static void
send_verb(struct telnet *t, uint8_t verb, uint8_t option)
{
	const uint8_t b[3] = { TELNET_IAC, verb, option };

	t->ops->send(t->arg, b, sizeof(b));
}

void
telnet_start(struct telnet *t)
{
	static const uint8_t offer[] = {
		TELNET_IAC, TELNET_WILL, TELNET_OPT_BINARY,
		TELNET_IAC, TELNET_DO, TELNET_OPT_BINARY,
		TELNET_IAC, TELNET_WILL, TELNET_OPT_SGA,
		TELNET_IAC, TELNET_DO, TELNET_OPT_SGA,
	};

	t->us[TELNET_OPT_BINARY] = TELNET_WANTYES;
	t->him[TELNET_OPT_BINARY] = TELNET_WANTYES;
	t->us[TELNET_OPT_SGA] = TELNET_WANTYES;
	t->him[TELNET_OPT_SGA] = TELNET_WANTYES;
	/* Not DO COM-PORT-OPTION: the client offers it (RFC 2217 p. 4), and
	 * pyserial, when our DO arrives before it has sent its WILL, takes
	 * the option as agreed and never sends the WILL at all. */
	t->ops->send(t->arg, offer, sizeof(offer));
}

static void
notify(struct telnet *t, uint8_t option, int remote, int on)
{
	if (t->ops->option)
		t->ops->option(t->arg, option, remote, on);
}

/* RFC 1143 §7 for one received WILL/WONT (remote side) or DO/DONT (ours):
 * answer only what changes a state, so that two peers never loop. */
static void
negotiate(struct telnet *t, uint8_t verb, uint8_t option)
{
	int remote = verb == TELNET_WILL || verb == TELNET_WONT;
	int yes = verb == TELNET_WILL || verb == TELNET_DO;
	uint8_t *q = remote ? &t->him[option] : &t->us[option];
	uint8_t accept = remote ? TELNET_DO : TELNET_WILL;
	uint8_t refuse = remote ? TELNET_DONT : TELNET_WONT;

	if (yes) {
		if (*q == TELNET_YES)
			return;
		if (*q == TELNET_NO && !supported(option)) {
			t->st.refused++;
			send_verb(t, refuse, option);
			return;
		}
		if (*q == TELNET_NO)
			send_verb(t, accept, option);
		*q = TELNET_YES;
		notify(t, option, remote, 1);
		return;
	}
	if (*q == TELNET_NO)
		return;
	if (*q == TELNET_YES) {
		send_verb(t, refuse, option);
		*q = TELNET_NO;
		notify(t, option, remote, 0);
		return;
	}
	*q = TELNET_NO;		/* WANTYES refused */
}

static void
sub_done(struct telnet *t)
{
	if (t->sb_over)
		t->st.sb_overlong++;
	else if (telnet_enabled(t, t->sb_option, 0) || telnet_enabled(t, t->sb_option, 1))
		t->ops->sub(t->arg, t->sb_option, t->sb, t->sb_len);
	else
		t->st.sb_ignored++;
}

static void
sub_byte(struct telnet *t, uint8_t b)
{
	if (t->sb_len < sizeof(t->sb))
		t->sb[t->sb_len++] = b;
	else
		t->sb_over = 1;
}

/* The byte after IAC outside a subnegotiation. */
static void
command(struct telnet *t, uint8_t b)
{
	static const uint8_t ff = TELNET_IAC;

	switch (b) {
	case TELNET_IAC:
		t->ops->data(t->arg, &ff, 1);
		t->state = TELNET_DATA;
		break;
	case TELNET_WILL: case TELNET_WONT: case TELNET_DO: case TELNET_DONT:
		t->verb = b;
		t->state = TELNET_OPTION;
		break;
	case TELNET_SB:
		t->state = TELNET_SB_OPTION;
		break;
	default:
		/* NOP, DM, BRK, IP, AO, AYT, EC, EL, GA, a stray SE: the
		 * caller's (gensio sends a break as BRK). */
		t->st.commands++;
		t->state = TELNET_DATA;
		if (t->ops->command)
			t->ops->command(t->arg, b);
		break;
	}
}

void
telnet_input(struct telnet *t, const uint8_t *d, size_t n)
{
	const uint8_t *end = d + n;

	while (d < end) {
		uint8_t b;

		if (t->state == TELNET_DATA) {
			const uint8_t *iac = memchr(d, TELNET_IAC, (size_t)(end - d));
			size_t run = iac ? (size_t)(iac - d) : (size_t)(end - d);

			if (run)
				t->ops->data(t->arg, d, run);
			d += run;
			if (iac) {
				t->state = TELNET_CMD;
				d++;
			}
			continue;
		}
		b = *d++;
		switch (t->state) {
		case TELNET_CMD:
			command(t, b);
			break;
		case TELNET_OPTION:
			t->state = TELNET_DATA;
			negotiate(t, t->verb, b);
			break;
		case TELNET_SB_OPTION:
			t->sb_option = b;
			t->sb_len = 0;
			t->sb_over = 0;
			t->state = TELNET_SB_DATA;
			break;
		case TELNET_SB_DATA:
			if (b == TELNET_IAC)
				t->state = TELNET_SB_CMD;
			else
				sub_byte(t, b);
			break;
		case TELNET_SB_CMD:
			if (b == TELNET_IAC) {
				sub_byte(t, b);
				t->state = TELNET_SB_DATA;
			} else if (b == TELNET_SE) {
				t->state = TELNET_DATA;
				sub_done(t);
			} else {
				/* IAC <command> inside SB: the peer lost its way
				 * (RFC 855 has SE end every SB). Drop the SB and
				 * take the command as one. */
				t->st.sb_ignored++;
				command(t, b);
			}
			break;
		default:
			t->state = TELNET_DATA;
			break;
		}
	}
}

void
telnet_send_data(struct telnet *t, const uint8_t *d, size_t n)
{
	static const uint8_t ff = TELNET_IAC;
	const uint8_t *end = d + n;

	while (d < end) {
		const uint8_t *iac = memchr(d, TELNET_IAC, (size_t)(end - d));
		size_t run = iac ? (size_t)(iac - d) + 1 : (size_t)(end - d);

		t->ops->send(t->arg, d, run);
		if (iac)
			t->ops->send(t->arg, &ff, 1);	/* the doubling */
		d += run;
	}
}

void
telnet_send_sub(struct telnet *t, uint8_t option, const uint8_t *d, size_t n)
{
	/* Small: the header, each byte possibly doubled, the trailer. */
	uint8_t buf[3 + 2 * TELNET_SB_MAX + 2];
	size_t o = 0;

	buf[o++] = TELNET_IAC;
	buf[o++] = TELNET_SB;
	buf[o++] = option;
	for (size_t i = 0; i < n && i < TELNET_SB_MAX; i++) {
		buf[o++] = d[i];
		if (d[i] == TELNET_IAC)
			buf[o++] = TELNET_IAC;
	}
	buf[o++] = TELNET_IAC;
	buf[o++] = TELNET_SE;
	t->ops->send(t->arg, buf, o);
}

int
telnet_enabled(const struct telnet *t, uint8_t option, int remote)
{
	return (remote ? t->him[option] : t->us[option]) == TELNET_YES;
}
