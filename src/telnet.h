/* The Telnet layer of the RFC 2217 listener (RFC 854, RFC 855): a pure
 * codec. Bytes from the network go in; data (IAC IAC undoubled), complete
 * subnegotiations and the negotiation answers come out through callbacks.
 * It never touches a socket, so tests/check_rfc2217.c and
 * fuzz/fuzz_rfc2217.c drive it with plain bytes. */
#ifndef USRB_TELNET_H
#define USRB_TELNET_H

#include <stddef.h>
#include <stdint.h>

/* RFC 854 commands. */
#define TELNET_SE	240
#define TELNET_NOP	241
#define TELNET_BRK	243
#define TELNET_SB	250
#define TELNET_WILL	251
#define TELNET_WONT	252
#define TELNET_DO	253
#define TELNET_DONT	254
#define TELNET_IAC	255

/* Options: RFC 856 BINARY, RFC 857 ECHO, RFC 858 SUPPRESS-GO-AHEAD,
 * RFC 2217 COM-PORT-OPTION. */
#define TELNET_OPT_BINARY	0
#define TELNET_OPT_ECHO		1
#define TELNET_OPT_SGA		3
#define TELNET_OPT_COM_PORT	44

/* The longest subnegotiation kept (option byte excluded, IAC undoubled):
 * COM-PORT-OPTION needs 5 (SET-BAUDRATE); a signature is text up to
 * this. A longer one is read to its IAC SE and dropped (counted). */
#define TELNET_SB_MAX	64

/* Where the parser is (RFC 854 p. 13-14). */
enum telnet_state {
	TELNET_DATA,		/* data; IAC starts a command */
	TELNET_CMD,		/* after IAC: a command byte, or IAC (a data 0xFF) */
	TELNET_OPTION,		/* after IAC WILL/WONT/DO/DONT: the option byte */
	TELNET_SB_OPTION,	/* after IAC SB: the option byte */
	TELNET_SB_DATA,		/* subnegotiation bytes until IAC SE */
	TELNET_SB_CMD,		/* after IAC in a subnegotiation: SE ends, IAC is 0xFF */
	TELNET_STATE_COUNT
};

extern const char *const telnet_state_names[TELNET_STATE_COUNT];

/* One side of one option (RFC 1143, without the queue bit: we never ask
 * to turn an option off). */
enum telnet_q { TELNET_NO, TELNET_YES, TELNET_WANTYES };

struct telnet_ops {
	/* Data bytes for the serial line, IAC IAC already made one 0xFF. */
	void (*data)(void *arg, const uint8_t *d, size_t n);
	/* A whole subnegotiation of an option in force (IAC undoubled). */
	void (*sub)(void *arg, uint8_t option, const uint8_t *d, size_t n);
	/* Bytes to send to the peer (negotiation answers, escaped data). */
	void (*send)(void *arg, const uint8_t *d, size_t n);
	/* An option came into force (on) or went out of it, on our side
	 * (remote 0: we WILL) or the peer's (remote 1: it WILL). May be NULL. */
	void (*option)(void *arg, uint8_t option, int remote, int on);
	/* Another command (NOP, BRK, AYT, ...; RFC 854 p. 14). May be NULL. */
	void (*command)(void *arg, uint8_t cmd);
};

struct telnet_stats {
	uint64_t refused;	/* DO/WILL of an option we do not support, refused */
	uint64_t sb_overlong;	/* subnegotiations beyond TELNET_SB_MAX, dropped */
	uint64_t sb_ignored;	/* subnegotiations of options not in force */
	uint64_t commands;	/* other commands (NOP, AYT, BRK, ...) */
};

/* One connection's Telnet state; the caller owns it (a plain value). */
struct telnet {
	enum telnet_state state;
	uint8_t verb;				/* WILL/WONT/DO/DONT being read */
	uint8_t sb_option;
	uint8_t sb[TELNET_SB_MAX];
	size_t sb_len;
	int sb_over;				/* this one passed TELNET_SB_MAX */
	uint8_t us[256], him[256];		/* enum telnet_q per option */
	struct telnet_stats st;
	const struct telnet_ops *ops;
	void *arg;
};

void telnet_init(struct telnet *t, const struct telnet_ops *ops, void *arg);

/* What the server offers first, as RFC 2217 clients expect: WILL and DO
 * BINARY, WILL and DO SUPPRESS-GO-AHEAD (COM-PORT-OPTION is the client's
 * to offer). */
void telnet_start(struct telnet *t);

/* Bytes from the peer, any split. */
void telnet_input(struct telnet *t, const uint8_t *d, size_t n);

/* Data for the peer with every 0xFF doubled (through ops->send). */
void telnet_send_data(struct telnet *t, const uint8_t *d, size_t n);

/* IAC SB option <d, 0xFF doubled> IAC SE. */
void telnet_send_sub(struct telnet *t, uint8_t option, const uint8_t *d, size_t n);

/* 1 when option is in force on our side (remote 0) or the peer's. */
int telnet_enabled(const struct telnet *t, uint8_t option, int remote);

#endif
