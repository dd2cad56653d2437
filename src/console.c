/* The console (PROTOCOLS.md §1): in transparent mode it watches for +++
 * with the personality's guard times; in command mode it assembles lines.
 * Nothing it holds back is lost: a broken +++ sequence is forwarded as data,
 * in order. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "console.h"

const char *const console_state_names[CON_STATE_COUNT] = {
	[CON_DATA] = "data",
	[CON_PLUS1] = "plus1",
	[CON_PLUS2] = "plus2",
	[CON_WAIT_A] = "wait-a",
	[CON_COMMAND] = "command",
};

static void
console_set_state(struct console *c, enum console_state to)
{
	if (c->state == to)
		return;
	if (c->ops->state)
		c->ops->state(c->arg, c->state, to);
	c->state = to;
}

void
console_init(struct console *c, const struct console_params *p,
    const struct console_ops *ops, void *arg)
{
	memset(c, 0, sizeof(*c));
	c->p = *p;
	c->ops = ops;
	c->arg = arg;
	c->state = CON_DATA;
	c->last_rx = INT64_MIN;
}

/* The held '+' characters become data again. b: the byte that broke the
 * sequence when it is the first of a read; it follows the '+' as data at
 * once, so that it cannot start a sequence itself (the gap rule). Returns
 * the bytes of the read consumed (0 or 1). */
static size_t
release(struct console *c, int64_t now, const uint8_t *b)
{
	size_t n = c->nheld;

	c->nheld = 0;
	console_set_state(c, CON_DATA);
	if (n)
		c->ops->data(c->arg, c->held, n, now);
	if (!b)
		return 0;
	c->last_rx = now;
	c->ops->data(c->arg, b, 1, now);
	return 1;
}

/* The echo of what was read so far goes out before any reply to it. */
static void
flush_echo(struct console *c)
{
	if (c->necho)
		c->ops->reply(c->arg, c->echo_buf, c->necho);
	c->necho = 0;
}

static void
echo_byte(struct console *c, uint8_t b)
{
	if (c->necho == sizeof(c->echo_buf))
		flush_echo(c);
	c->echo_buf[c->necho++] = b;
}

static void
end_line(struct console *c)
{
	c->line[c->len < CONSOLE_LINE_MAX ? c->len : CONSOLE_LINE_MAX] = '\0';
	if (c->len > 0 || c->overflow) {
		flush_echo(c);
		if (c->ops->line(c->arg, c->line, c->len, c->overflow) == 1)
			c->busy = 1;
	}
	c->len = 0;
	c->overflow = 0;
}

static void
line_byte(struct console *c, uint8_t b)
{
	if (b == '\r' || b == '\n') {
		/* CR LF and LF after CR end one line, not two. */
		if (b == '\n' && c->after_cr) {
			c->after_cr = 0;
			return;
		}
		c->after_cr = b == '\r';
		end_line(c);
		return;
	}
	c->after_cr = 0;
	if (c->len < CONSOLE_LINE_MAX)
		c->line[c->len++] = (char)b;
	else
		c->overflow = 1;
}

/* Input while a command waits: kept in order up to the cap; beyond it only
 * the line ends are counted, each answered as an overlong line. */
static void
hold_bytes(struct console *c, const uint8_t *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t b = d[i];
		int lf_after_cr = b == '\n' && c->hold_after_cr;

		c->hold_after_cr = b == '\r';
		if (c->nhold < sizeof(c->hold) && !c->hold_lost && !c->hold_cut) {
			c->hold[c->nhold++] = b;
		} else if (b == '\r' || b == '\n') {
			if (!lf_after_cr) {
				c->hold_lost++;
				c->hold_cut = 0;
			}
		} else {
			c->hold_cut = 1;
		}
	}
}

static int
guard_ok(const struct console *c, int64_t now)
{
	return c->last_rx == INT64_MIN || now - c->last_rx >= c->p.t1_us;
}

/* fresh: d is a new read, its first byte carries the idle time since the
 * last one; held input fed again is not. */
static void
feed(struct console *c, const uint8_t *d, size_t n, int64_t now, int fresh)
{
	size_t i = 0;

	while (i < n) {
		/* The first byte of a read carries the idle time since the last
		 * byte; the rest of the read arrived together with it. */
		uint8_t b = d[i];
		int first = fresh && i == 0;

		switch (c->state) {
		case CON_DATA: {
			size_t start = i;

			if (b == '+' && (first ? guard_ok(c, now) : c->p.t1_us <= 0)) {
				c->held[0] = b;
				c->nheld = 1;
				c->mark = now;
				console_set_state(c, CON_PLUS1);
				i++;
				break;
			}
			/* The rest of this read is data, unless T1 is zero and a
			 * '+' could start a sequence anywhere. */
			i++;
			if (c->p.t1_us > 0) {
				i = n;
			} else {
				const uint8_t *plus = memchr(d + i, '+', n - i);

				i = plus ? (size_t)(plus - d) : n;
			}
			c->ops->data(c->arg, d + start, i - start, now);
			break;
		}
		case CON_PLUS1:
		case CON_PLUS2:
			if (b == '+' && now - c->mark < c->p.t2_us) {
				c->held[c->nheld++] = b;
				c->mark = now;
				i++;
				if (c->state == CON_PLUS1) {
					console_set_state(c, CON_PLUS2);
				} else {
					console_set_state(c, CON_WAIT_A);
					c->ops->reply(c->arg, (const uint8_t *)"a", 1);
				}
				break;
			}
			/* Not part of the sequence: the held bytes are data, and
			 * this byte is looked at again in CON_DATA (as the next
			 * byte of the same read, so it cannot start a sequence
			 * unless T1 is zero). */
			i += release(c, now, first ? &d[i] : NULL);
			break;
		case CON_WAIT_A:
			/* PROTOCOLS.md §1 (*seen*: a CI driver ends every string
			 * with CR, "+++\r" too): a CR, LF or CR LF right after
			 * "+++" is held with it, and is data with it if the
			 * handshake fails. */
			if ((c->nheld == 3 && (b == '\r' || b == '\n')) ||
			    (c->nheld == 4 && c->held[3] == '\r' && b == '\n')) {
				c->held[c->nheld++] = b;
				i++;
				break;
			}
			if (b == 'a' && now - c->mark < c->p.wait_a_us) {
				c->nheld = 0;
				console_set_state(c, CON_COMMAND);
				c->len = 0;
				c->overflow = 0;
				c->after_cr = 0;
				c->ops->reply(c->arg, (const uint8_t *)"+ok", 3);
				c->ops->mode(c->arg, 1);
				i++;
				break;
			}
			i += release(c, now, first ? &d[i] : NULL);
			break;
		case CON_COMMAND:
			if (c->raw) {
				size_t used;

				/* The LF of the CR LF that ended the command line
				 * is not data (PROTOCOLS.md §1); it is echoed as
				 * the line's. */
				if (c->after_cr) {
					c->after_cr = 0;
					if (b == '\n') {
						if (c->echo)
							echo_byte(c, b);
						i++;
						break;
					}
				}
				flush_echo(c);	/* before anything the phase answers */
				used = c->ops->raw(c->arg, d + i, n - i);

				/* Taking nothing would loop: then the phase is over. */
				if (!used)
					c->raw = 0;
				i += used;
				break;
			}
			if (c->busy) {
				hold_bytes(c, d + i, n - i);
				i = n;
				break;
			}
			if (c->echo)
				echo_byte(c, b);
			line_byte(c, b);
			i++;
			/* A line may have switched us back to data mode (ENTM):
			 * the rest of this read is then data. */
			break;
		default:
			i++;
			break;
		}
	}
	flush_echo(c);
}

/* Processes held input until it is used up or a command waits again. */
static void
drain(struct console *c, int64_t now)
{
	uint8_t buf[CONSOLE_HOLD_MAX];

	while (!c->busy && (c->nhold || c->hold_lost || c->hold_cut)) {
		size_t n = c->nhold;

		if (n) {
			/* What is not used now is held again, still first. */
			memcpy(buf, c->hold, n);
			c->nhold = 0;
			feed(c, buf, n, now, 0);
			continue;
		}
		if (c->state != CON_COMMAND) {
			/* AT+ENTM came first: what was discarded was never data. */
			c->hold_lost = 0;
			c->hold_cut = 0;
			break;
		}
		c->overflow = 1;
		if (c->hold_lost) {
			c->hold_lost--;
			end_line(c);
			c->after_cr = c->hold_after_cr;
		} else {
			c->hold_cut = 0;	/* the line goes on in what comes next */
		}
	}
	flush_echo(c);
}

void
console_input(struct console *c, const uint8_t *d, size_t n, int64_t now)
{
	/* Time runs out before new bytes count. */
	console_timeout(c, now);
	c->depth++;
	feed(c, d, n, now, 1);
	/* A command that answered from inside this read left input held. */
	drain(c, now);
	c->depth--;
	if (n)
		c->last_rx = now;
}

void
console_resume(struct console *c, int64_t now)
{
	c->busy = 0;
	/* From inside a callback of this console, the outer call goes on. */
	if (c->depth)
		return;
	c->depth++;
	drain(c, now);
	c->depth--;
}

int64_t
console_deadline(const struct console *c)
{
	switch (c->state) {
	case CON_PLUS1:
	case CON_PLUS2:
		return c->mark + c->p.t2_us;
	case CON_WAIT_A:
		return c->mark + c->p.wait_a_us;
	default:
		return -1;
	}
}

void
console_timeout(struct console *c, int64_t now)
{
	int64_t dl = console_deadline(c);

	if (dl >= 0 && now >= dl)
		release(c, now, NULL);
}

void
console_set_command(struct console *c, int command)
{
	c->nheld = 0;
	c->len = 0;
	c->overflow = 0;
	c->after_cr = 0;
	/* Command-mode input held for a waiting command is no data: a mode
	 * switch from outside drops it (AT+ENTM among held lines is fed
	 * from a copy, so the rest of those still follows as data). */
	c->busy = 0;
	c->nhold = 0;
	c->hold_lost = 0;
	c->hold_cut = 0;
	c->raw = 0;
	console_set_state(c, command ? CON_COMMAND : CON_DATA);
}

void
console_set_raw(struct console *c, int raw)
{
	c->raw = raw;
}

int
console_in_command(const struct console *c)
{
	return c->state == CON_COMMAND;
}
