/* The AT dispatcher: parses a command line, finds the command in the
 * personality's sorted table, checks the operator and argument count, runs
 * the handler and formats its replies, by kind, in the personality's
 * dialect. A request belongs to its session and may answer later; the same
 * dispatcher serves the serial console, every control-socket client and
 * (721) password AT from the network. */
#ifndef USRB_AT_H
#define USRB_AT_H

#include <stddef.h>
#include <stdint.h>

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
#define AT_DONE 0		/* success: the dispatcher writes the final reply */
#define AT_PENDING 1		/* the final reply comes later, from at_finish() */

enum at_op {
	AT_EXEC,		/* "AT+CMD", "ATH": an action, or (30X) a query */
	AT_QUERY,		/* "AT+CMD?", "ATS0?" */
	AT_SET,			/* "AT+CMD=...", "ATE1", "ATS0=2", "ATD123" */
	AT_TEST,		/* "AT+CMD=?" (dialects with AT_D_TEST) */
};

/* Operators a command accepts, and the kind of row. */
#define AT_Q	0x01		/* query */
#define AT_S	0x02		/* set */
#define AT_X	0x04		/* exec: an action with no parameters */
#define AT_RAW	0x10		/* set: the whole parameter text is one value */
#define AT_BASIC 0x20		/* a V.250 basic command ("E" is ATE0/ATE1), not AT+NAME */
/* The first argument picks what the fields address: AT_LINK a link
 * (1..the personality's links; field keys "link.x" are that link's: 721
 * AT+CIPSCONT, AT+CINETPT), AT_GROUP one of .groups equal groups of fields
 * (0..groups-1: 721 AT+CIPPACK). A query prints one line per link or
 * group, "n,<fields>". */
#define AT_LINK	0x40
#define AT_GROUP 0x80
#define AT_HIDDEN 0x100		/* an alias: not listed by help */

#define AT_ARGS_MAX 8
#define AT_LINE_MAX 512		/* PROTOCOLS.md §1: longer lines are a format error */
#define AT_FIELD_KEYS 3		/* settings one field may cover (ICF: three) */
#define AT_TEXT_MAX 520		/* one argument or one setting's text */
#define AT_VALUES_MAX 48	/* value lines of one reply (AT+H has 40) */
#define AT_VALUE_BYTES 4096	/* their text, all together */
#define AT_OUT_MAX 1024		/* reply assembly; longer replies go out in pieces */

struct at_req;
struct at_field;
struct at_session;
struct cmdconn;
struct modem;

/* Converts between AT argument text and the text of the settings a field
 * covers (REVIEW.md §3 redesign 2). Pure. */
struct at_codec {
	const char *name;
	int nat;		/* AT arguments the field takes (ICF: 2) */
	/* at[0..nat-1] -> set[0..] (one per key of the field); 0 or -EINVAL/-ERANGE. */
	int (*decode)(const struct at_field *f, const char *const *at,
	    char set[][AT_TEXT_MAX]);
	/* The settings' values -> the AT text (nat arguments joined by commas).
	 * 0 or -errno; out is always terminated. */
	int (*encode)(const struct at_field *f, const struct settings *st, char *out,
	    size_t cap);
	/* The "=?" text of the field: "(1-6),(0-3)" (V.250 §5.7.3). */
	void (*test)(const struct at_field *f, enum personality p, char *out, size_t cap);
};

/* One argument group of a plain row: the settings it covers and how AT
 * spells them. */
struct at_field {
	const char *keys[AT_FIELD_KEYS];	/* setting keys; keys[0] NULL: end of list */
	const struct at_codec *codec;		/* NULL: identity */
	const void *arg;			/* the codec's table or bound */
};

/* Per-dialect spelling of an enum value (seed 000 §4.12: mark parity is
 * "MASK" on the 30X's AT while the config file says MARK). strict: only the
 * listed AT texts are accepted (the 721's ATE0/ATE1 digits). */
struct at_spelling {
	int strict;
	const char *pairs[8][2];		/* { setting text, AT text }, { NULL } */
};
/* at_codec_hex's arg: hex text of at most max_bytes bytes (721 CIPPACK,
 * PROTOCOLS.md §4). */
struct at_hex_bound {
	int max_bytes;
};

extern const struct at_codec at_codec_hex;	/* "414243" <-> "ABC" */
extern const struct at_codec at_codec_bytes;	/* the bytes as typed (30X REGUSR) */
extern const struct at_codec at_codec_ms;	/* ms over a µs setting (CIPCFG TIME) */
extern const struct at_codec at_codec_icf;	/* V.250 §6.2.11 format,parity */
extern const struct at_codec at_codec_spell;	/* arg: struct at_spelling */

struct at_cmd {
	const char *name;		/* after "AT+" (basic: after "AT"), upper case; sorted */
	int (*handler)(struct at_req *r);
	unsigned ops;
	struct at_field fields[AT_ARGS_MAX];	/* of a plain setting command */
	const char *help;
	int groups;			/* AT_GROUP: how many groups fields holds */
	/* Arguments a set needs at least (the selector counted); the fields
	 * of those left out are set empty (721 AT+CSTT="apn"). 0: all. */
	int min_args;
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

	/* The 721's (PROTOCOLS.md §4). */
	/* AT+CISHUTDOWN: every link stops (deferred: after the reply went
	 * out) and the console stays in command mode until a restart. */
	void (*shutdown)(void *h);
	/* 1 from AT+CISHUTDOWN to the next restart. */
	int (*shut_down)(void *h);
	/* 1 while link i (0-based) is connected (AT+CINET?). */
	int (*link_connected)(void *h, int i);
	/* The host's IPv4 address on its default route, "0.0.0.0" when it
	 * has none (AT+CIDTUIP?). */
	void (*host_ipv4)(void *h, char out[16]);
	/* The 721's AT command mode (CIMOD=2, at-721-net.c): the AT+CIOPEN
	 * connection session s may use, or NULL (another work mode, a
	 * session other than the serial console's). May be NULL. */
	struct cmdconn *(*cmdconn)(void *h, const struct at_session *s);
	/* The modem (modem.h) the pass-through commands, AT+CILAC? and
	 * AT+CISMSEND use; NULL: none. May be NULL. */
	struct modem *(*modem)(void *h);
	/* The console's raw phase for session s (the text of AT+CMGS after
	 * its "> " prompt): the serial bytes go to feed, as they come, until
	 * raw_end(). 0, or -EPERM when s is not the serial console's session
	 * (password AT and SMS AT have no raw phase). May be NULL. */
	int (*raw_begin)(void *h, const struct at_session *s,
	    size_t (*feed)(void *arg, const uint8_t *d, size_t n), void *arg);
	void (*raw_end)(void *h);
};

enum at_req_state {
	AT_REQ_IDLE,		/* no request: the session takes the next line */
	AT_REQ_RUNNING,		/* inside the handler */
	AT_REQ_PENDING,		/* the handler returned AT_PENDING; at_finish() ends it */
};

/* One command in flight. Lives in its session; only one at a time. */
struct at_req {
	struct at_session *s;
	const struct at_dialect *d;
	const struct at_cmd *cmd;	/* NULL: a bare "AT" */
	enum at_op op;
	enum at_req_state state;
	int rc;				/* at_finish() inside the handler keeps it here */
	int argc;
	char *argv[AT_ARGS_MAX];
	char buf[AT_LINE_MAX + 1];	/* argument storage */
	/* The command line as it came (at_dispatch), without its terminator:
	 * valid inside the handler only (the 721's pass-through commands
	 * relay it as it is). NULL from at_submit. */
	const char *line;
	size_t line_len;
	/* The values of a successful query, structured: the dialect prints
	 * them, a control client reads them. name: the line's own prefix
	 * (721 AT+CIPSCONT? prints other commands' lines), NULL: cmd's; a
	 * name that ends in ':' is printed as it is, without the space that
	 * V.250 puts after the colon (the listing of PROTOCOLS.md §4). */
	int nvalues;
	const char *value_name[AT_VALUES_MAX];
	const char *value[AT_VALUES_MAX];
	char vbuf[AT_VALUE_BYTES];
	size_t nvbuf;
	int value_overflow;		/* a value did not fit: the request fails */
	/* Runs after the final reply has been written (AT+ENTM leaves
	 * command mode only after "+OK" went out). May be NULL. */
	void (*after)(struct at_req *r);
	/* A pending handler's I/O is dropped (session freed, restart). */
	void (*cancel)(struct at_req *r);
	void *hdata;			/* the handler's, while pending */
	/* Why a set was refused, in the words of usrbridgectl's set by
	 * config key ("link1.port: must be ..."); "" when there is none.
	 * The serial line still gets the dialect's bare error. */
	char why[160];
	/* A final result that is not the dialect's, written as a line of its
	 * own instead of the values and the final: a success's "SEND OK",
	 * "CLOSE OK" (721 AT command mode, at-721-net.c), or the modem's own
	 * final of a relayed command, success or error ("+CME ERROR: 10",
	 * at-721-modem.c). NULL: the dialect's. */
	const char *result;
};

/* Where commands come from and replies go: the serial console, one control
 * client. Owned by that; at_cancel() before freeing it. */
struct at_session {
	const struct at_host *host;
	void *h;
	void (*write)(void *arg, const char *data, size_t n);
	/* AT+ENTM: leave command mode (serial console only; may be NULL). */
	void (*entm)(void *arg);
	/* The final reply of a request was written (rc AT_DONE or an enum
	 * at_err); r's values are readable until it returns. The session is
	 * idle again: done may start the next request. May be NULL. */
	void (*done)(void *arg, struct at_req *r, int rc);
	void *arg;
	/* NULL: the dialect of the host's personality (at_dialect_for);
	 * tests set another. */
	const struct at_dialect *dialect;
	struct at_req req;
	char out[AT_OUT_MAX];		/* one reply, written with one write() */
	size_t nout;
};

/* Dialect flags. */
#define AT_D_SAVE_ON_SET 0x01	/* a set is saved at once (30X); else on ATW (721) */
#define AT_D_TEST	0x02	/* "AT+CMD=?" lists the accepted values */
#define AT_D_BASIC	0x04	/* V.250 basic commands (ATE0, ATW, ATD...) are rows */
#define AT_D_QUOTE	0x08	/* query values that are text are in double quotes
				 * (V.250 §5.4.2.1 string constants; the 721) */

struct at_dialect {
	const char *name;
	unsigned flags;
	const struct at_cmd *cmds;
	size_t ncmds;
	/* Writes the final reply of r (at_put): rc AT_DONE with r's values,
	 * or an enum at_err. */
	void (*final)(struct at_req *r, int rc);
	/* Writes one line that is not a final reply: intermediate
	 * ("CONNECT OK") or unsolicited. */
	void (*line)(struct at_session *s, const char *text);	/* at_line_crlf */
	/* The final result of an error, without framing ("+ERR=-4", "ERROR"),
	 * for messages (usrbridgectl). */
	void (*error_text)(int rc, char *buf, size_t cap);
};

/* Starts the session: idle, nothing written. */
void at_session_init(struct at_session *s, const struct at_host *host, void *h,
    void (*write)(void *arg, const char *data, size_t n), void (*entm)(void *arg),
    void (*done)(void *arg, struct at_req *r, int rc), void *arg);
/* 1 while a request is in flight (the session takes no new one). */
int at_busy(const struct at_session *s);
/* Drops a pending request without a reply (its cancel hook runs). */
void at_cancel(struct at_session *s);

/* Parses one command line (without its terminator) into r: command row,
 * operator, arguments. overflow: the line was cut at the console's cap.
 * 0, or the enum at_err to answer. Pure. */
int at_parse(const struct at_dialect *d, struct at_req *r, const char *line, size_t len,
    int overflow);
/* Runs one command line: parse, then dispatch. AT_DONE, AT_PENDING or the
 * enum at_err that was answered. -EBUSY (nothing written) if a request is
 * in flight. */
int at_dispatch(struct at_session *s, const char *line, size_t len, int overflow);
/* Runs cmd with op and (for AT_SET) args parsed as on an AT line: the path
 * of usrbridgectl get/set. Same returns as at_dispatch(). */
int at_submit(struct at_session *s, const struct at_cmd *cmd, enum at_op op, const char *args);

/* Ends a pending request: writes its final reply, runs after and done.
 * The caller must not touch r (or the session) afterwards. Inside the
 * handler it only records rc. */
void at_finish(struct at_req *r, int rc);

/* Replies by kind, for handlers. at_value adds one value line (0 or
 * -ENOSPC); at_value_as names its own prefix. */
int at_value(struct at_req *r, const char *text);
int at_value_as(struct at_req *r, const char *name, const char *text);
void at_intermediate(struct at_req *r, const char *text);
/* A URC: only on an idle session; -EBUSY while a request is in flight. */
int at_unsolicited(struct at_session *s, const char *text);

/* Reply assembly for dialect formatters: at_put never truncates; at_flush
 * writes what is assembled in one call of s->write. */
void at_put(struct at_session *s, const char *data, size_t n);
void at_puts(struct at_session *s, const char *text);
void at_flush(struct at_session *s);

const struct at_dialect *at_dialect_for(enum personality p);
/* An AT+NAME row (basic 0) or a basic row (basic 1), case-insensitive. */
const struct at_cmd *at_find(const struct at_dialect *d, const char *name);
const struct at_cmd *at_find_basic(const struct at_dialect *d, const char *name);
/* The AT commands of d that read or write the setting key, shown ones only:
 * start with prev NULL; NULL after the last (web form, man page, tests). */
const struct at_cmd *at_next_for_key(const struct at_dialect *d, const char *key,
    const struct at_cmd *prev);
/* The AT arguments a set of cmd takes (fields through their codecs, the
 * AT_LINK/AT_GROUP selector counted). */
int at_nargs(const struct at_cmd *cmd);

/* The generic handler of a plain setting command: query prints the fields
 * (through their codecs) as one value line joined by commas; set decodes
 * and validates every field, then stores all or none; test prints the
 * fields' "=?" text. */
int at_plain(struct at_req *r);
/* Adds the value lines of plain row cmd of dialect r->d, as its query
 * prints them, named name (NULL: cmd's own; at_value_as): one line, or
 * one per link or group. 0 or -errno. */
int at_plain_lines(struct at_req *r, const struct at_cmd *cmd, const char *name);
/* The generic AT+ENTM: the reply, then the session's entm (transparent
 * mode only once the reply is out: held network data follows it). */
int at_entm(struct at_req *r);

extern const struct at_dialect at_dialect_30x;
extern const struct at_dialect at_dialect_721;

/* "\r\n" text "\r\n": an intermediate or unsolicited line of both
 * dialects (seed 000 §4; V.250 §5.7.1). */
void at_line_crlf(struct at_session *s, const char *text);

#endif
