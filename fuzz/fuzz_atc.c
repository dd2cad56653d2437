/* Fuzzes the AT client core (src/atc.c): what a modem says is outside
 * input. Modem bytes in reads of any size, commands of every kind (prefix,
 * only-prefix, prompt with a body or a later one, dial), bodies, aborts,
 * time passing, cancels and resets, in any order; done callbacks that
 * queue more. Besides memory errors it checks that every command accepted
 * ends exactly once (or is cancelled), that replies respect the caps and
 * hold no CR or LF, that the queue never passes its bound, and that a
 * deadline exists exactly while something is in flight.
 *
 * Input: operations of one byte: 0-199 feed that many following bytes,
 * 200-209 send command (op - 200) % 5, 210-219 give the body of the last
 * prompt, 220-239 let (op - 219)^2 seconds pass, 240 reset, 241 cancel the
 * callbacks of the even commands, 242 abort the body, 243-255 nothing. */
#include "config.h"

#include <errno.h>

#include "atc.h"
#include "fuzz.h"

static struct {
	uint64_t accepted, ended, cancelled_args;
	int last_prompt;
	int64_t now;
	int requeue;		/* done callbacks queue one more (bounded) */
	int depth;
} h;

static int tag_even, tag_odd;

static void
wr(void *arg, const void *d, size_t n)
{
	FUZZ_CHECK(n > 0 && n <= ATC_CMD_MAX + ATC_BODY_MAX + 2, "write of %zu bytes", n);
}

static void send_one(struct atc *a, int kind);

static void
done(void *arg, const struct atc_reply *r)
{
	h.ended++;
	FUZZ_CHECK(r->final < ATC_FINAL_COUNT, "final %d", r->final);
	FUZZ_CHECK(r->nlines >= 0 && r->nlines <= ATC_LINES_MAX, "%d lines", r->nlines);
	for (int i = 0; i < r->nlines; i++) {
		size_t n = strlen(r->lines[i]);

		FUZZ_CHECK(n > 0 && n <= ATC_LINE_MAX, "line of %zu bytes", n);
		FUZZ_CHECK(!strpbrk(r->lines[i], "\r\n"), "CR or LF in a line");
	}
	FUZZ_CHECK(strlen(r->final_line) <= ATC_LINE_MAX, "final line too long");
}

static struct atc *cur;

static void
done_requeue(void *arg, const struct atc_reply *r)
{
	done(arg, r);
	if (h.requeue > 0 && h.depth < 4) {
		h.requeue--;
		h.depth++;
		send_one(cur, 0);
		h.depth--;
	}
}

static void
on_prompt(void *arg, int id)
{
	h.last_prompt = id;
}

static void
on_urc(void *arg, const char *line)
{
	FUZZ_CHECK(strlen(line) > 0 && strlen(line) <= ATC_LINE_MAX && !strpbrk(line, "\r\n"),
	    "bad unsolicited line");
}

static void
send_one(struct atc *a, int kind)
{
	static const char body[] = "0048006900210021";
	struct atc_req rq = { .done = h.accepted % 2 ? done : done_requeue,
		.arg = h.accepted % 2 ? (void *)&tag_odd : (void *)&tag_even,
		.prompt = on_prompt };
	int id;

	switch (kind) {
	case 0: rq.cmd = "AT+CSQ"; rq.prefix = "+CSQ:"; rq.flags = ATC_F_ONLY_PREFIX; break;
	case 1: rq.cmd = "AT+CMGR=1"; break;
	case 2: rq.cmd = "AT+CMGS=\"1\""; rq.prefix = "+CMGS:"; rq.flags = ATC_F_PROMPT;
		rq.body = body; rq.body_len = sizeof(body) - 1; rq.timeout_us = 60000000; break;
	case 3: rq.cmd = "AT+CMGS=\"2\""; rq.flags = ATC_F_PROMPT; break;
	default: rq.cmd = "ATD10086;"; rq.timeout_us = 60000000; break;
	}
	id = atc_send(a, &rq, h.now);
	if (id > 0)
		h.accepted++;
	else
		FUZZ_CHECK(id == -ENOBUFS, "send refused with %d", id);
}

static void
check(struct atc *a)
{
	FUZZ_CHECK(atc_queued(a) >= 0 && atc_queued(a) <= ATC_QUEUE_MAX, "queue %d",
	    atc_queued(a));
	FUZZ_CHECK((atc_get_state(a) == ATC_IDLE) == (atc_deadline(a) < 0), "deadline %lld in %s",
	    (long long)atc_deadline(a), atc_state_names[atc_get_state(a)]);
	FUZZ_CHECK(atc_get_state(a) != ATC_IDLE || atc_queued(a) == 0, "idle with a queue");
	FUZZ_CHECK(h.ended + (uint64_t)atc_queued(a) <= h.accepted, "%llu ended of %llu",
	    (unsigned long long)h.ended, (unsigned long long)h.accepted);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct atc *a = atc_new(wr, NULL);
	uint64_t before_cancel;

	memset(&h, 0, sizeof(h));
	h.requeue = 64;
	cur = a;
	atc_register(a, "+CMTI:", on_urc, NULL);
	atc_register(a, "+CREG:", on_urc, NULL);
	atc_register(a, "RING", on_urc, NULL);
	while (in.n) {
		uint8_t op = fuzz_byte(&in);
		const uint8_t *p;
		size_t n;

		if (op < 200) {
			n = fuzz_take(&in, op, &p);
			atc_input(a, p, n, h.now);
		} else if (op < 210) {
			send_one(a, (op - 200) % 5);
		} else if (op < 220) {
			atc_body(a, h.last_prompt, "0041", 4, h.now);
		} else if (op < 240) {
			h.now += (int64_t)(op - 219) * (op - 219) * 1000000;
			atc_expire(a, h.now);
		} else if (op == 240) {
			atc_reset(a);
			FUZZ_CHECK(atc_queued(a) == 0, "reset left %d", atc_queued(a));
		} else if (op == 241) {
			/* The even commands' owner goes away: they end uncounted. */
			before_cancel = (uint64_t)atc_queued(a);
			atc_cancel_arg(a, &tag_even, h.now);
			h.accepted -= before_cancel - (uint64_t)atc_queued(a);
			if (atc_get_state(a) != ATC_IDLE)
				h.cancelled_args++;
		} else if (op == 242) {
			atc_abort_body(a, h.last_prompt, h.now);
		}
		check(a);
	}
	atc_reset(a);
	/* Every command ended once, but an even one in flight at a cancel. */
	FUZZ_CHECK(h.ended <= h.accepted && h.accepted - h.ended <= h.cancelled_args,
	    "%llu accepted, %llu ended, %llu cancelled in flight",
	    (unsigned long long)h.accepted, (unsigned long long)h.ended,
	    (unsigned long long)h.cancelled_args);
	atc_free(a);
	return 0;
}
