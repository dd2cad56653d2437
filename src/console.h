/* The console: the +++ / a / +ok handshake into command mode and the line
 * assembly of command mode (PROTOCOLS.md §1). Pure: bytes and time in,
 * callbacks out; it never touches a socket or libevent, so it is unit-tested
 * with a virtual clock and fuzzed. */
#ifndef USRB_CONSOLE_H
#define USRB_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

#define CONSOLE_LINE_MAX 512
/* Input kept while a command waits for its reply: a few whole lines. More
 * is discarded and answered as an overlong line is (PROTOCOLS.md §1). */
#define CONSOLE_HOLD_MAX (4 * (CONSOLE_LINE_MAX + 2))
/* Echo of one read, written with one reply call (a longer read: more). */
#define CONSOLE_ECHO_MAX 1024

enum console_state {
	CON_DATA,	/* transparent: bytes are data; a '+' after T1 of silence -> CON_PLUS1 */
	CON_PLUS1,	/* holding "+": another '+' within T2 -> CON_PLUS2, else data */
	CON_PLUS2,	/* holding "++": a '+' within T3 -> sends 'a', CON_WAIT_A, else data */
	CON_WAIT_A,	/* holding "+++" (and a CR/LF after it): 'a' within 3 s -> sends
			 * "+ok", CON_COMMAND, else data */
	CON_COMMAND,	/* command mode: lines go to the AT dispatcher until ENTM */
	CON_STATE_COUNT
};

extern const char *const console_state_names[CON_STATE_COUNT];

struct console_params {
	int64_t t1_us;		/* silence needed before the first '+' (>=) */
	int64_t t2_us;		/* largest gap between the '+' characters (<) */
	int64_t wait_a_us;	/* how long to wait for the MCU's 'a' */
};

struct console_ops {
	/* Transparent data, in order (to the packer). */
	void (*data)(void *arg, const uint8_t *d, size_t n, int64_t now);
	/* Bytes for the serial line: 'a', "+ok", echo. */
	void (*reply)(void *arg, const uint8_t *d, size_t n);
	/* A command line without its terminator; overflow: it was longer than
	 * CONSOLE_LINE_MAX and only the first bytes are given. Returns 1 when
	 * the command answers later: the console then holds further input,
	 * in order, until console_resume(); else 0. */
	int (*line)(void *arg, const char *line, size_t n, int overflow);
	/* Command mode entered (1) or left (0). */
	void (*mode)(void *arg, int command);
	/* Every state change, for debug logs (may be NULL). */
	void (*state)(void *arg, enum console_state from, enum console_state to);
	/* The raw phase of command mode (console_set_raw: AT+CISEND's data,
	 * CIMOD=2): the bytes as they come, not lines, and not echoed.
	 * Returns how many it took; the phase ends among them with
	 * console_set_raw(c, 0). May be NULL when nothing sets it. */
	size_t (*raw)(void *arg, const uint8_t *d, size_t n);
};

/* Owned by the instance. */
struct console {
	enum console_state state;
	struct console_params p;
	const struct console_ops *ops;
	void *arg;
	int echo;		/* AT+E / ATE1: echo every byte received in command mode */
	uint8_t echo_buf[CONSOLE_ECHO_MAX];	/* echo not yet given to reply */
	size_t necho;
	int64_t last_rx;	/* arrival of the last byte; INT64_MIN: none yet */
	int64_t mark;		/* arrival of the last '+', or when 'a' was sent */
	uint8_t held[5];	/* "+++" and a CR, LF or CR LF after it */
	size_t nheld;
	char line[CONSOLE_LINE_MAX + 1];
	size_t len;
	int overflow;
	int after_cr;		/* the previous byte ended a line with CR */
	/* A command is waiting for its reply (line returned 1): command-mode
	 * input goes to hold until console_resume(). */
	int busy;
	uint8_t hold[CONSOLE_HOLD_MAX];
	size_t nhold;
	unsigned hold_lost;	/* line ends among the bytes beyond the cap */
	int hold_cut;		/* bytes beyond the cap after the last of them */
	int hold_after_cr;	/* the last byte held or discarded was CR */
	int depth;		/* inside console_input / console_resume */
	int raw;		/* command-mode input goes to ops->raw */
};

void console_init(struct console *c, const struct console_params *p,
    const struct console_ops *ops, void *arg);
void console_input(struct console *c, const uint8_t *d, size_t n, int64_t now);
/* When console_timeout must be called next (absolute µs), or -1. */
int64_t console_deadline(const struct console *c);
void console_timeout(struct console *c, int64_t now);
/* The command that made the console busy has answered: the input held
 * meanwhile is processed now (it may make the console busy again). */
void console_resume(struct console *c, int64_t now);
/* Leaves command mode (AT+ENTM) or enters it (CIMOD=2); input held for a
 * waiting command is dropped. */
void console_set_command(struct console *c, int command);
int console_in_command(const struct console *c);
/* Starts (1) or ends (0) the raw phase of command mode: meanwhile input
 * goes to ops->raw, before a waiting command's hold. */
void console_set_raw(struct console *c, int raw);

#endif
