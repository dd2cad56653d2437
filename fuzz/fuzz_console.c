/* Fuzzes the console (src/console.c): the +++ / a / +ok machine and the
 * command-line framer, fed reads of any size at any times, with the
 * personality's guard times or a zero T1. Besides memory errors it checks
 * PROTOCOLS.md §1 "nothing held back is lost": every byte fed in
 * transparent mode comes out as data, in order, except the "+++a" of a
 * completed handshake; lines are terminated, capped and free of CR/LF.
 *
 * Input: one byte of parameters, then operations of one byte each:
 * bits 0-1 what (feed a read, let time pass, leave/enter command mode,
 * toggle echo), bits 2-7 how much time passes before it; a read takes a
 * length byte and that many data bytes. */
#include "config.h"

#include "console.h"
#include "fuzz.h"

#define FED_MAX 65536

struct harness {
	struct console c;
	uint8_t fed[FED_MAX];	/* every byte fed in transparent mode, in order */
	size_t nfed;
	size_t cursor;		/* data bytes accounted for so far */
	int resync;		/* ENTM inside a read: the rest of it is not tracked */
	int command;		/* what the mode callback said last */
	uint64_t replies;
};

/* Time steps: from "together" to "longer than any guard time". */
static const int64_t steps[] = {
	0, 1, 50, 100, 347, 348, 349, 1000, 49999, 50000, 50001, 200000, 200001, 299999,
	300000, 300001, 2999999, 3000000, 3000001, 10000000,
};

static void
h_data(void *arg, const uint8_t *d, size_t n, int64_t now)
{
	struct harness *h = arg;

	FUZZ_CHECK(n > 0, "empty data callback");
	FUZZ_CHECK(!h->command, "data while in command mode");
	if (h->resync)
		return;
	FUZZ_CHECK(h->cursor + n <= h->nfed, "%zu data bytes more than fed",
	    h->cursor + n - h->nfed);
	FUZZ_CHECK(memcmp(h->fed + h->cursor, d, n) == 0,
	    "data differs from what was fed at offset %zu", h->cursor);
	h->cursor += n;
}

static void
h_reply(void *arg, const uint8_t *d, size_t n)
{
	struct harness *h = arg;

	/* 'a', "+ok", or the echo of (part of) one read. */
	FUZZ_CHECK(n > 0 && n <= CONSOLE_ECHO_MAX, "reply of %zu bytes", n);
	h->replies++;
}

/* A line starting with 'W' answers later: the console holds input until
 * the harness resumes it (a time step). */
static int
h_line(void *arg, const char *line, size_t n, int overflow)
{
	struct harness *h = arg;

	FUZZ_CHECK(h->command, "a line outside command mode");
	FUZZ_CHECK(!h->c.busy, "a line while a command waits");
	FUZZ_CHECK(n <= CONSOLE_LINE_MAX, "line of %zu bytes", n);
	FUZZ_CHECK(overflow || n > 0, "empty line without overflow");
	FUZZ_CHECK(line[n] == '\0', "line not terminated");
	FUZZ_CHECK(!memchr(line, '\r', n) && !memchr(line, '\n', n), "CR/LF inside a line");
	/* AT+ENTM from inside the callback, as the dispatcher does it. */
	if (n == 7 && memcmp(line, "AT+ENTM", 7) == 0) {
		console_set_command(&h->c, 0);
		h->command = 0;
		h->resync = 1;
	}
	return n > 0 && line[0] == 'W';
}

static void
h_mode(void *arg, int command)
{
	struct harness *h = arg;

	FUZZ_CHECK(command, "the console left command mode by itself");
	h->command = 1;
	/* With T1 = 0, "+++a" right after an ENTM in the same read is a new
	 * handshake in the untracked rest of that read. */
	if (h->resync)
		return;
	/* "+++a", or with a CR, LF or CR LF before the 'a' (PROTOCOLS.md §1). */
	{
		static const char *const ok[] = { "+++a", "+++\ra", "+++\na", "+++\r\na" };
		size_t n = 0;

		for (size_t k = 0; k < 4 && !n; k++)
			if (h->cursor + strlen(ok[k]) <= h->nfed &&
			    memcmp(h->fed + h->cursor, ok[k], strlen(ok[k])) == 0)
				n = strlen(ok[k]);
		FUZZ_CHECK(n, "command mode without +++a");
		h->cursor += n;
	}
	/* The rest of this read is command-mode input. */
	h->nfed = h->cursor;
}

static const struct console_ops ops = {
	.data = h_data, .reply = h_reply, .line = h_line, .mode = h_mode,
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct harness h;
	struct fuzz_in in = { data, size };
	struct console_params p;
	uint8_t params = fuzz_byte(&in);
	int64_t now = 1000000;

	switch (params & 3) {
	case 0: p = (struct console_params){ 348, 300000, 3000000 }; break;	/* 30X */
	case 1: p = (struct console_params){ 200001, 50000, 3000000 }; break;	/* 721 */
	case 2: p = (struct console_params){ 0, 300000, 3000000 }; break;	/* T1 = 0 */
	default: p = (struct console_params){ 1, 1, 1 }; break;
	}
	memset(&h, 0, sizeof(h));
	console_init(&h.c, &p, &ops, &h);
	h.c.echo = (params >> 2) & 1;
	if (params & 8) {
		console_set_command(&h.c, 1);
		h.command = 1;
	}
	while (in.n) {
		uint8_t op = fuzz_byte(&in);
		const uint8_t *d;
		size_t n;

		now += steps[(op >> 2) % (sizeof(steps) / sizeof(steps[0]))];
		switch (op & 3) {
		case 0:
			n = fuzz_take(&in, fuzz_byte(&in) + 1u, &d);
			if (!h.command && !h.resync) {
				if (h.nfed + n <= FED_MAX) {
					memcpy(h.fed + h.nfed, d, n);
					h.nfed += n;
				} else {
					h.resync = 1;	/* too long to track */
				}
			}
			console_input(&h.c, d, n, now);
			if (h.resync && !h.command && h.c.state == CON_DATA && h.c.nheld == 0) {
				/* Nothing is held: what follows is tracked again. */
				h.resync = 0;
				h.nfed = h.cursor = 0;
			}
			break;
		case 1:
			console_timeout(&h.c, now);
			if (h.c.busy)
				console_resume(&h.c, now);
			break;
		case 2:
			/* AT+ENTM between reads, or CIMOD=2 entering command mode. */
			console_set_command(&h.c, !h.command);
			h.command = !h.command;
			if (!h.command && !h.resync)
				h.nfed = h.cursor;
			break;
		default:
			h.c.echo = !h.c.echo;
			break;
		}
		FUZZ_CHECK(h.c.state < CON_STATE_COUNT, "state %d", h.c.state);
		FUZZ_CHECK(h.c.nheld <= 5, "%zu bytes held", h.c.nheld);
		FUZZ_CHECK(h.c.len <= CONSOLE_LINE_MAX, "line length %zu", h.c.len);
		FUZZ_CHECK(h.c.nhold <= CONSOLE_HOLD_MAX, "%zu bytes held", h.c.nhold);
		FUZZ_CHECK(h.c.nhold == 0 || h.c.busy, "input held while not busy");
		FUZZ_CHECK((h.c.state == CON_COMMAND) == h.command, "mode out of step");
		FUZZ_CHECK(console_deadline(&h.c) < 0 || h.c.state == CON_PLUS1 ||
		    h.c.state == CON_PLUS2 || h.c.state == CON_WAIT_A, "deadline in state %d",
		    h.c.state);
	}
	/* Let every guard time expire: whatever was held comes out now. */
	console_timeout(&h.c, now + 3600000000LL);
	FUZZ_CHECK(h.c.nheld == 0 || h.c.state == CON_COMMAND, "%zu bytes still held",
	    h.c.nheld);
	if (!h.command && !h.resync)
		FUZZ_CHECK(h.cursor == h.nfed, "%zu bytes fed in transparent mode were lost",
		    h.nfed - h.cursor);
	return 0;
}
