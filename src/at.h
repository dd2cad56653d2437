/* The AT dispatcher: parses a command line, finds the command in the
 * personality's sorted table, checks the operator and argument count, runs
 * the handler and formats the reply in the personality's dialect. The same
 * dispatcher serves the serial console, the control socket and (721)
 * password AT from the network. */
#ifndef USRB_AT_H
#define USRB_AT_H

#include <stddef.h>

#include "settings.h"


/* Error codes of the 30X (PROTOCOLS.md §3); the 721 says ERROR for all. */
enum at_err {
	AT_ERR_FORMAT = -1,	/* invalid command format */
	AT_ERR_CMD = -2,	/* invalid command */
	AT_ERR_OP = -3,		/* invalid operator */
	AT_ERR_PARAM = -4,	/* invalid parameter */
	AT_ERR_PERM = -5,	/* operation not permitted */
};

/* What a handler returns besides an enum at_err. */
#define AT_DONE 0		/* the reply has been written */
#define AT_PENDING 1		/* the reply comes later (I/O under way) */

enum at_op {
	AT_EXEC,		/* "AT+CMD": an action, or (30X) a query */
	AT_QUERY,		/* "AT+CMD?" */
	AT_SET,			/* "AT+CMD=..." */
	AT_TEST,		/* "AT+CMD=?" (721) */
};

/* Operators a command accepts. */
#define AT_Q	0x01		/* query */
#define AT_S	0x02		/* set */
#define AT_X	0x04		/* exec: an action with no parameters */
#define AT_RAW	0x10		/* set: the whole parameter text is one value */
#define AT_HIDDEN 0x100	/* an alias: not listed by help */

#define AT_ARGS_MAX 8
#define AT_LINE_MAX 512		/* PROTOCOLS.md §1: longer lines are a format error */

struct at_req;

struct at_cmd {
	const char *name;		/* after "AT+", upper case; tables sorted by it */
	int (*handler)(struct at_req *r);
	unsigned ops;
	const char *fields[AT_ARGS_MAX];	/* setting keys of a plain setting command */
	const char *help;
};

/* What the commands act on: the instance in the daemon, a fake in the unit
 * tests and the fuzzers. */
struct at_host {
	/* The settings AT shows and edits. */
	const struct settings *(*settings)(void *h);
	/* Edit: replaces the settings in memory (AT+E takes effect at once,
	 * the rest at the next restart). */
	void (*edit)(void *h, const struct settings *st);
	/* Save: writes st as the saved layer (the state file); a restart
	 * starts from it. 0 or -errno. */
	int (*save)(void *h, const struct settings *st);
	/* Deferred: runs after the reply has been queued. */
	void (*restart)(void *h, const char *why);
	int (*restore_defaults)(void *h);
	/* 1 while some connection is up (SOCKLK). */
	int (*connected)(void *h);
	/* 12 upper-case hex digits of the host's MAC address into out[13]. */
	void (*host_mac)(void *h, char out[13]);
};

/* Where a command came from, and where its reply goes. */
enum at_source { AT_SRC_SERIAL, AT_SRC_CONTROL, AT_SRC_NETWORK, AT_SRC_SMS };

struct at_session {
	const struct at_host *host;
	void *h;
	enum at_source source;
	void (*write)(void *arg, const char *data, size_t n);
	/* AT+ENTM: leave command mode (serial console only; may be NULL). */
	void (*entm)(void *arg);
	void *arg;
};

/* Dialect flags. */
#define AT_D_SAVE_ON_SET 0x01	/* a set is saved at once (30X); else on ATW (721) */

struct at_dialect {
	const char *name;
	unsigned flags;
	const struct at_cmd *cmds;
	size_t ncmds;
	void (*ok)(struct at_req *r);
	void (*value)(struct at_req *r, const char *value);
	void (*error)(struct at_req *r, int code);
	/* Lines that are not "AT+NAME...": "AT", "ATE0", "ATW" ...; returns
	 * AT_DONE, an error, or 1 when the line is not one of them. */
	int (*special)(struct at_req *r, const char *line);
};

struct at_req {
	struct at_session *s;
	const struct at_dialect *d;
	const struct at_cmd *cmd;
	enum at_op op;
	int argc;
	char *argv[AT_ARGS_MAX];
	char buf[600];			/* argument storage */
};

/* Runs one command line (without its terminator). overflow: the line was
 * longer than the console's cap: answered with the format error. */
int at_dispatch(struct at_session *s, const char *line, size_t len, int overflow);

const struct at_dialect *at_dialect_for(enum personality p);
const struct at_cmd *at_find(const struct at_dialect *d, const char *name);

/* Helpers for handlers. */
void at_reply(struct at_req *r, const char *text);	/* raw bytes */
void at_replyf(struct at_req *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The generic handler of a plain setting command: query joins the fields'
 * values with commas; set validates every field, then stores all or none. */
int at_plain(struct at_req *r);
/* Formats the fields' values joined by commas. */
void at_plain_value(const struct at_req *r, char *buf, size_t cap);

extern const struct at_dialect at_dialect_30x;

#endif
