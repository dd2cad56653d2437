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

/* The held '+' characters become data again. */
static void
release(struct console *c, int64_t now)
{
	size_t n = c->nheld;

	c->nheld = 0;
	console_set_state(c, CON_DATA);
	if (n)
		c->ops->data(c->arg, c->held, n, now);
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
		c->line[c->len < CONSOLE_LINE_MAX ? c->len : CONSOLE_LINE_MAX] = '\0';
		if (c->len > 0 || c->overflow)
			c->ops->line(c->arg, c->line, c->len, c->overflow);
		c->len = 0;
		c->overflow = 0;
		return;
	}
	c->after_cr = 0;
	if (c->len < CONSOLE_LINE_MAX)
		c->line[c->len++] = (char)b;
	else
		c->overflow = 1;
}

static int
guard_ok(const struct console *c, int64_t now)
{
	return c->last_rx == INT64_MIN || now - c->last_rx >= c->p.t1_us;
}

void
console_input(struct console *c, const uint8_t *d, size_t n, int64_t now)
{
	size_t i = 0;

	/* Time runs out before new bytes count. */
	console_timeout(c, now);
	while (i < n) {
		/* The first byte of a read carries the idle time since the last
		 * byte; the rest of the read arrived together with it. */
		uint8_t b = d[i];

		switch (c->state) {
		case CON_DATA: {
			size_t start = i;

			if (b == '+' && (i == 0 ? guard_ok(c, now) : c->p.t1_us <= 0)) {
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
			release(c, now);
			if (i == 0) {
				/* Keep the gap rule: b follows the held '+'. */
				c->last_rx = now;
				c->ops->data(c->arg, &d[i], 1, now);
				i++;
			}
			break;
		case CON_WAIT_A:
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
			release(c, now);
			if (i == 0) {
				c->last_rx = now;
				c->ops->data(c->arg, &d[i], 1, now);
				i++;
			}
			break;
		case CON_COMMAND:
			if (c->echo)
				c->ops->reply(c->arg, &d[i], 1);
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
	if (n)
		c->last_rx = now;
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
		release(c, now);
}

void
console_set_command(struct console *c, int command)
{
	c->nheld = 0;
	c->len = 0;
	c->overflow = 0;
	c->after_cr = 0;
	console_set_state(c, command ? CON_COMMAND : CON_DATA);
}

int
console_in_command(const struct console *c)
{
	return c->state == CON_COMMAND;
}
