/* A pure AT-command client for a cellular modem's AT port (the shape of
 * oFono's gatchat): a bounded queue of commands sent one at a time, the
 * final result codes of ITU-T V.250 §5.7 and 3GPP TS 27.007 §9 / TS 27.005
 * §3.2.5 that end each, the intermediate lines collected per command, the
 * "> " prompt of AT+CMGS (TS 27.005 §3.5.1) answered with a body and Ctrl-Z,
 * unsolicited result codes dispatched by prefix at any time (between a
 * command and its final too), and a per-command timeout. Bytes and time go
 * in, callbacks and bytes come out: no I/O, no timers of its own, so it is
 * unit-tested and fuzzed (tests/check_atc.c, fuzz/fuzz_atc.c). */
#ifndef USRB_ATC_H
#define USRB_ATC_H

#include <stddef.h>
#include <stdint.h>

#define ATC_LINE_MAX	2048	/* a longer modem line is dropped (counted) */
#define ATC_QUEUE_MAX	32	/* commands waiting, the one in flight included */
#define ATC_CMD_MAX	600	/* a command line, without its CR */
#define ATC_BODY_MAX	1400	/* a prompt's body (70 UCS-2 characters as hex is 280) */
#define ATC_REPLY_MAX	16384	/* intermediate lines kept per command ... */
#define ATC_LINES_MAX	256	/* ... and how many; beyond: truncated */
#define ATC_URCS_MAX	8	/* registered unsolicited prefixes */
#define ATC_PREFIX_MAX	16
#define ATC_TIMEOUT_US	(10 * 1000000LL)	/* PROTOCOLS.md §4: no reply within 10 s */

#define ATC_CTRL_Z	0x1A	/* ends a prompt's body (TS 27.005 §3.5.1) */
#define ATC_ESC		0x1B	/* abandons it */

/* How a command ended. */
enum atc_final {
	ATC_OK,			/* OK, or CONNECT for a dial command */
	ATC_ERROR,		/* ERROR */
	ATC_CME_ERROR,		/* +CME ERROR: <err> (TS 27.007 §9.2) */
	ATC_CMS_ERROR,		/* +CMS ERROR: <err> (TS 27.005 §3.2.5) */
	ATC_NO_CARRIER,		/* dial commands (ATD, ATA, ATO) only: V.250 §5.7.1 */
	ATC_BUSY,
	ATC_NO_ANSWER,
	ATC_NO_DIALTONE,
	ATC_TIMEOUT,		/* no final result within the command's timeout */
	ATC_ABORTED,		/* the prompt's body never came: ESC was sent */
	ATC_CANCELLED,		/* atc_reset(): the modem went away */
	ATC_FINAL_COUNT
};

extern const char *const atc_final_names[ATC_FINAL_COUNT];

/* What a command got. Valid during the done callback only. */
struct atc_reply {
	enum atc_final final;
	int err;			/* CME/CMS error number; -1 if given as text or none */
	const char *final_line;		/* the final line as it came; "" for the last three */
	const char *const *lines;	/* intermediate lines, in order, without CR LF */
	int nlines;
	int truncated;			/* lines beyond ATC_REPLY_MAX/ATC_LINES_MAX were dropped */
};

typedef void (*atc_done_fn)(void *arg, const struct atc_reply *r);
/* The "> " prompt came for a command without a body: give it with
 * atc_body() (or atc_abort_body()) within the command's timeout. */
typedef void (*atc_prompt_fn)(void *arg, int id);
typedef void (*atc_urc_fn)(void *arg, const char *line);
typedef void (*atc_write_fn)(void *arg, const void *d, size_t n);

#define ATC_F_PROMPT	 0x1	/* expects "> " after the command line */
#define ATC_F_ONLY_PREFIX 0x2	/* collect only lines that start with prefix */

struct atc_req {
	const char *cmd;		/* "AT+CSQ": no CR; printable bytes only */
	/* Lines that start with it belong to this command even when an
	 * unsolicited prefix matches too ("+CREG:" for AT+CREG?). Lines
	 * that match no unsolicited prefix belong to it as well, unless
	 * ATC_F_ONLY_PREFIX. NULL: none. */
	const char *prefix;
	unsigned flags;
	/* With ATC_F_PROMPT: written after "> ", then Ctrl-Z. NULL: prompt()
	 * is called and the body comes by atc_body(). */
	const void *body;
	size_t body_len;
	atc_prompt_fn prompt;
	atc_done_fn done;		/* may be NULL */
	void *arg;
	int64_t timeout_us;		/* 0: ATC_TIMEOUT_US */
};

struct atc_stats {
	uint64_t lines;			/* complete lines read */
	uint64_t urcs;			/* dispatched to an unsolicited handler */
	uint64_t stray;			/* belonged to no command and no handler */
	uint64_t overlong;		/* longer than ATC_LINE_MAX: dropped */
	uint64_t timeouts;
	uint64_t refused;		/* atc_send() refused: queue full, too long */
};

/* Where the command in flight is. */
enum atc_state {
	ATC_IDLE,		/* nothing in flight: the next atc_send() goes out */
	ATC_WAIT_FINAL,		/* command written: lines, "> " (ATC_F_PROMPT), a final */
	ATC_WAIT_BODY,		/* "> " came, prompt() called: atc_body() or the timeout */
	ATC_WAIT_ABORT,		/* ESC written: the final of the abandoned command */
	ATC_STATE_COUNT
};

extern const char *const atc_state_names[ATC_STATE_COUNT];

struct atc;

/* write gets every byte for the modem. NULL without memory. */
struct atc *atc_new(atc_write_fn write, void *arg);
void atc_free(struct atc *a);

/* Queues a command; it is written at once when nothing is in flight. An id
 * > 0, or -ENOBUFS (queue full) or -EINVAL (too long, a control byte in
 * cmd, a body without ATC_F_PROMPT, a body too long). */
int atc_send(struct atc *a, const struct atc_req *rq, int64_t now);

/* The body of the command id that is at its prompt: written, then Ctrl-Z.
 * 0, -ENOENT (id is not waiting for a body) or -EINVAL (too long, or a
 * Ctrl-Z or ESC in it). */
int atc_body(struct atc *a, int id, const void *d, size_t n, int64_t now);
/* Abandons the body (ESC); the command ends ATC_ABORTED after the modem's
 * final or its timeout. 0 or -ENOENT. */
int atc_abort_body(struct atc *a, int id, int64_t now);

/* Forgets the callbacks of every command of arg (its owner goes away): the
 * queued ones are removed, the one in flight runs on without them (one at
 * its prompt is abandoned with ESC). */
void atc_cancel_arg(struct atc *a, void *arg, int64_t now);

/* The modem went away or was reopened: every command ends ATC_CANCELLED
 * (in queue order), half-read input is dropped. */
void atc_reset(struct atc *a);

/* Lines that start with prefix ("+CMTI:", "RING") go to fn whenever they
 * come, unless the command in flight claims them (its prefix). 0 or
 * -ENOSPC / -EINVAL. */
int atc_register(struct atc *a, const char *prefix, atc_urc_fn fn, void *arg);

/* Bytes read from the modem. Callbacks run from here: they may call
 * atc_send(), atc_body(), atc_cancel_arg() and atc_reset(), never
 * atc_free(). */
void atc_input(struct atc *a, const uint8_t *d, size_t n, int64_t now);

/* When atc_expire() must run next (absolute, µs), or -1. */
int64_t atc_deadline(const struct atc *a);
void atc_expire(struct atc *a, int64_t now);

enum atc_state atc_get_state(const struct atc *a);
/* Commands queued, the one in flight included. */
int atc_queued(const struct atc *a);
void atc_get_stats(const struct atc *a, struct atc_stats *st);

/* The final result a line is, for a dial command or not; -1: none. Pure;
 * err gets the CME/CMS number (-1 if text). */
int atc_final_of(const char *line, int dial, int *err);

#endif
