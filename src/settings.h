/* The one table that describes every setting (DESIGN.md §3): its config key,
 * type, bounds or choices, factory default per personality, flags and help.
 * AT handlers, the config loader and saver, usrbridgectl get/set, the web form
 * and AT+H are all driven by it. */
#ifndef USRB_SETTINGS_H
#define USRB_SETTINGS_H

#include <stddef.h>
#include <stdint.h>

enum personality {
	PERS_30X,	/* USR-TCP232-30X: one socket, "+OK" dialect */
	PERS_721,	/* USR-GPRS232-721: four links, V.250 dialect */
	PERS_COUNT
};

#define LINKS_MAX 4

enum setting_type {
	ST_BOOL,	/* stored as int 0/1; choices[0] is the "off" text, [1] "on" */
	ST_ENUM,	/* stored as int index into choices */
	ST_INT,		/* stored as long in [min, max] (0 too with S_ZERO_OK) */
	ST_STRING,	/* stored as char[size]; length in [min, max] bytes */
	ST_IPV4,	/* dotted quad, stored as text */
	ST_HOST,	/* IPv4/IPv6 literal or a DNS name, stored as text */
	ST_MAC,		/* 12 hex digits, stored upper case */
	ST_LIST,	/* comma-separated CIDR list (network ACLs), stored as text */
	ST_BYTES,	/* any bytes, NUL included (struct setting_bytes); length in
			 * [min, max]; as text: printable ASCII, "\\" and "\xNN" */
	ST_PHONE,	/* a telephone number: digits, an optional leading '+' */
};

#define SETTING_BYTES_MAX 40

/* Heartbeat and registration data: the 721 gives them as hex (AT+CIPPACK),
 * so any byte value, NUL included. */
struct setting_bytes {
	size_t len;
	uint8_t data[SETTING_BYTES_MAX];
};

/* Row flags. */
#define S_RESTART	0x0001	/* a change takes effect at the next restart */
#define S_PERSIST	0x0002	/* changeable at run time: saved in the state file */
#define S_NO_AT_30X	0x0004	/* the 30X's AT and web form neither show nor set it */
#define S_NO_AT_721	0x0040	/* the 721's AT and web form neither show nor set it */
#define S_NO_AT		(S_NO_AT_30X | S_NO_AT_721)
#define S_ZERO_OK	0x0008	/* ST_INT: 0 is valid besides [min, max] */
#define S_EMPTY_OK	0x0010	/* ST_STRING/ST_MAC: the empty string is valid */
#define S_SECRET	0x0020	/* not shown in status output or the web page */
#define S_30X		0x0100	/* used by the 30X personality */
#define S_721		0x0200	/* used by the 721 personality */
#define S_BOTH		(S_30X | S_721)

enum parity { PARITY_NONE, PARITY_ODD, PARITY_EVEN, PARITY_MARK, PARITY_SPACE };
enum flow { FLOW_NONE, FLOW_RTSCTS };
enum link_mode { LINK_TCPS, LINK_TCPC, LINK_UDPS, LINK_UDPC, LINK_HTPC };
enum tcps_full { TCPS_KICK, TCPS_KEEP };
enum reg_mode { REG_OFF, REG_MAC, REG_USR, REG_CLOUD };
enum reg_send { REG_FIRST, REG_EVERY, REG_ALL };
enum http_method { HTTP_GET, HTTP_POST };
enum heart_type { HEART_NET, HEART_COM };
enum wan_mode { WAN_STATIC, WAN_DHCP };

struct link_settings {
	int enabled;
	int mode;		/* enum link_mode */
	char host[128];
	long port;
	long local_port;	/* SOCKPORT / CINETPT */
	char bind[128];		/* TCPS/UDPS listen address; "" = every address */
};

/* Every setting's value. Plain data: copied by assignment. */
struct settings {
	int personality;		/* enum personality */
	char state_dir[256];
	char serial_device[256];
	char pty_link[256];
	char lock_dir[256];		/* UUCP lock files ("" = flock(2) only) */
	char control_socket[108];
	char control_group[32];
	int web_enabled;
	char web_bind[128];		/* listen address of the web page; "" = all */
	char allow_out[512];
	char allow_in[512];
	char apply_hook[256];
	char led_root[256];
	char led_power[128], led_net[128], led_link[128], led_data[128];

	/* serial line */
	long baud;
	long data_bits;
	long stop_bits;
	int parity;			/* enum parity */
	int flow;			/* enum flow */
	long pack_gap_us;		/* -1: 4 character times */
	long pack_len;
	int baud_sync;			/* RFCEN */

	/* console */
	int echo;
	char version[32];
	char name[16];			/* MID */

	/* network (stored; applied by the apply hook only) */
	int wan_mode;			/* enum wan_mode */
	char wan_ip[16], wan_mask[16], wan_gateway[16];
	char dns[16];
	char user_mac[13];

	/* RFC 2217 and USR's setup-software discovery (PROTOCOLS.md §6) */
	long rfc2217_port;		/* 0: off */
	int discovery_enabled;

	/* web */
	long web_port;
	char web_user[6], web_password[65];
	char web_tls_cert[256], web_tls_key[256];	/* both set: HTTPS */

	/* links and bridge */
	struct link_settings link[LINKS_MAX];
	int tcps_full;			/* enum tcps_full */
	long max_clients;
	int tcps_index;		/* INDEXEN: number TCPS clients and mark their data */
	long client_queue;		/* per-client queue bound, bytes */
	long keepalive_idle;		/* TCP keepalive: idle s before probes, 0: off */
	long keepalive_interval;	/* s between probes */
	long keepalive_count;		/* unanswered probes before the drop */
	long user_timeout;		/* TCP_USER_TIMEOUT, s; 0: the kernel's */
	long half_close_wait;		/* s a half-closed TCPS client keeps receiving */
	long cache_size;		/* offline cache bound, bytes */
	int clear_cache;		/* UARTCLBUF */
	int short_conn;			/* SOCKSL */
	long short_timeout;		/* SHORTO */
	int client_reset;		/* CLIENTRST */
	long reconnect_max;		/* longest reconnect backoff, s */
	long idle_reset;		/* RSTIM */
	int link_output;		/* SCSLINK */

	/* identity packet */
	int reg_mode;			/* enum reg_mode */
	int reg_send;			/* enum reg_send */
	struct setting_bytes reg_data;
	char cloud_id[21], cloud_password[9];

	/* heartbeat */
	int heart_enabled;
	int heart_type;			/* enum heart_type */
	long heart_interval;
	struct setting_bytes heart_data;

	/* The 721's own (PROTOCOLS.md §4) */
	int work_mode;			/* CIMOD: enum work_mode (personality.h) */
	long cipcfg1, cipcfg3;		/* CIPCFG fields 1 and 3: stored and echoed */
	long idle_restart;		/* CIPCFG RTIME: s without data either way */
	char at_password[12];		/* CIPSW: password AT's prefix */
	int net_at, serial_at;		/* CINETAT, CICOMAT */
	long command_idle;		/* CIOPTIME: s of idle command mode */
	char startup_message[65];	/* CIMODID */
	char sms_number[21];		/* CIPNUM */
	char apn[64], apn_user[64], apn_password[64];	/* CSTT */
	int auto_answer;		/* CIRINGSTA */
	char modem_device[256];		/* the modem's AT tty; "" none (modem.c) */

	/* HTTP client */
	int http_method;		/* enum http_method */
	char http_url[101];
	char http_header[200];
	int http_strip_header;		/* HTPCHD */
	long http_timeout;

	/* The 721's FTP download for the MCU (PROTOCOLS.md §5) */
	long ftp_max_size;		/* bytes; a larger file fails */
	long ftp_retries;		/* failed attempts retried before giving up */
};

/* A row is global, or one row per link ("link.mode" is the template of
 * link1.mode ... link4.mode; its offset is within struct link_settings). */
enum setting_scope { SCOPE_GLOBAL, SCOPE_LINK };

struct setting {
	const char *key;		/* config key "group.name"; "link.name" for link rows */
	enum setting_type type;
	size_t off;			/* offsetof(struct settings, ...) */
	size_t size;			/* storage size of strings */
	long min, max;			/* ints: bounds; strings: length bounds */
	const char *const *choices;	/* ST_ENUM/ST_BOOL, NULL-terminated */
	const char *def[PERS_COUNT];	/* factory default, as text (link rows: link1's) */
	unsigned flags;
	const char *help;
	enum setting_scope scope;
	const char *def_more[PERS_COUNT];	/* link rows: default of links 2-4; NULL: def */
	long at_min[PERS_COUNT], at_max[PERS_COUNT];	/* AT's narrower bounds (ints: value,
						 * strings: length); 0, 0: none */
};

/* A setting: its row and, for link rows, the link (0-based; 0 otherwise).
 * settings_find() returns .s == NULL for an unknown key. */
struct setting_ref {
	const struct setting *s;
	int link;
};

extern const struct setting settings_table[];
extern const size_t settings_count;

const char *personality_name(enum personality p);
int personality_from_name(const char *name);

/* Links of a personality: 1 for the 30X, 4 for the 721. */
int personality_links(enum personality p);

/* "serial.baud", "LINK2.host" (case-insensitive). */
struct setting_ref settings_find(const char *key);
/* Every setting in table order, link rows expanded link by link (link1's
 * rows, then link2's, ...): start with r = {0}; 0 past the last. */
int settings_next(struct setting_ref *r);
/* Where r's value is stored: its byte offset in struct settings. */
size_t settings_offset(struct setting_ref r);

/* How many settings settings_next() gives, and the i-th of them (tests,
 * fuzzers: loops by number). */
size_t settings_nrefs(void);
struct setting_ref settings_ref(size_t i);
/* The key of r: "serial.baud", "link2.host". */
const char *settings_key(struct setting_ref r, char *buf, size_t cap);
#define SETTINGS_KEY_MAX 48
/* The setting exists in personality p (its flag, and a link p has). */
int settings_applies(struct setting_ref r, enum personality p);
/* AT and the web form of personality p may show and set it. */
int settings_at_visible(struct setting_ref r, enum personality p);
/* The factory default of r in personality p. */
const char *settings_default(struct setting_ref r, enum personality p);

/* Groups are the "group." prefixes of keys ("link2" for link2.host), in
 * the order settings_next() gives: settings_group_len() is the prefix
 * length without the dot (0 for a top-level key), settings_group_starts()
 * is 1 when r is the first of its group, settings_same_group() compares. */
size_t settings_group_len(struct setting_ref r);
int settings_group_starts(struct setting_ref r);
int settings_same_group(struct setting_ref a, struct setting_ref b);

/* Fills st with the factory defaults of personality p. */
void settings_defaults(struct settings *st, enum personality p);

/* Validates text and stores it; on error st is unchanged and a short reason
 * is put in why (if not NULL). 0, -EINVAL (bad syntax or type) or -ERANGE. */
int settings_set(struct settings *st, struct setting_ref r, const char *text,
    char *why, size_t whycap);

/* Who edits: the config file may set every row; AT, usrbridgectl and the
 * web form the rows that change at run time (S_PERSIST) and are visible to
 * the AT of st's personality; AT also within the rows' AT bounds. */
enum settings_origin { SET_CONFIG, SET_RUNTIME, SET_AT };

/* Sets n settings from text, all or nothing: on error st is unchanged and
 * why names the key and the reason. 0, -EINVAL or -ERANGE. Pure: saving
 * and applying are the caller's (edit, save and restart are three steps). */
int settings_set_many(struct settings *st, const struct setting_ref *r,
    const char *const *text, int n, enum settings_origin origin, char *why, size_t whycap);

/* ST_BYTES: sets the bytes themselves (not their text form). */
int settings_set_bytes(struct settings *st, struct setting_ref r, const uint8_t *d, size_t n,
    char *why, size_t whycap);

/* The text form of bytes (printable ASCII as is, a backslash as "\\",
 * every other byte as "\xNN") and back. A backslash that starts neither is
 * itself. Escape returns the length (output truncated to cap); unescape the
 * byte count, or -ERANGE past cap. */
size_t settings_bytes_escape(const uint8_t *d, size_t n, char *out, size_t cap);
int settings_bytes_unescape(const char *text, uint8_t *out, size_t cap);

/* Formats the value as text (the form AT and the config file use). Returns
 * the length; the output is truncated (terminated) when cap is too small. */
size_t settings_format(const struct settings *st, struct setting_ref r,
    char *buf, size_t cap);

int settings_equal(const struct settings *a, const struct settings *b, struct setting_ref r);

/* The packing gap in microseconds, resolving -1 to 4 character times. */
long settings_pack_gap_us(const struct settings *st);

#endif
