/* The one table that describes every setting (DESIGN.md §3): its config key,
 * type, bounds or choices, factory default per personality, flags and help.
 * AT handlers, the config loader and saver, usrbridgectl get/set, the web form
 * and AT+H are all driven by it. */
#ifndef USRB_SETTINGS_H
#define USRB_SETTINGS_H

#include <stddef.h>

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
};

/* Row flags. */
#define S_RESTART	0x0001	/* a change takes effect at the next restart */
#define S_PERSIST	0x0002	/* changeable at run time: saved in the state file */
#define S_CONFIG_ONLY	0x0004	/* not visible over AT or the web form */
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
};

/* Every setting's value. Plain data: copied by assignment. */
struct settings {
	int personality;		/* enum personality */
	char state_dir[256];
	char serial_device[256];
	char pty_link[256];
	char control_socket[108];
	char control_group[32];
	int web_enabled;
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

	/* web */
	long web_port;
	char web_user[6], web_password[6];

	/* links and bridge */
	struct link_settings link[LINKS_MAX];
	int tcps_full;			/* enum tcps_full */
	long max_clients;
	int index;			/* INDEXEN */
	long client_queue;		/* per-client queue bound, bytes */
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
	char reg_data[41];
	char cloud_id[21], cloud_password[9];

	/* heartbeat */
	int heart_enabled;
	int heart_type;			/* enum heart_type */
	long heart_interval;
	char heart_data[40];

	/* HTTP client */
	int http_method;		/* enum http_method */
	char http_url[101];
	char http_header[200];
	int http_strip_header;		/* HTPCHD */
	long http_timeout;
};

struct setting {
	const char *key;		/* config key, "group.name" */
	enum setting_type type;
	size_t off;			/* offsetof(struct settings, ...) */
	size_t size;			/* storage size of strings */
	long min, max;			/* ints: bounds; strings: length bounds */
	const char *const *choices;	/* ST_ENUM/ST_BOOL, NULL-terminated */
	const char *def[PERS_COUNT];	/* factory default, as text */
	unsigned flags;
	const char *help;
};

extern const struct setting settings_table[];
extern const size_t settings_count;

const char *personality_name(enum personality p);
int personality_from_name(const char *name);

const struct setting *settings_find(const char *key);
int settings_applies(const struct setting *s, enum personality p);

/* Groups are the "group." prefixes of keys, in table order of first
 * appearance: settings_group_len() is the prefix length without the dot (0
 * for a top-level key), settings_group_starts() is 1 when row i is the first
 * of its group, and settings_same_group() compares two rows' groups. */
size_t settings_group_len(const struct setting *s);
int settings_group_starts(size_t i);
int settings_same_group(const struct setting *a, const struct setting *b);

/* Fills st with the factory defaults of personality p. */
void settings_defaults(struct settings *st, enum personality p);

/* Validates text and stores it; on error st is unchanged and a short reason
 * is put in why (if not NULL). 0, -EINVAL (bad syntax or type) or -ERANGE. */
int settings_set(struct settings *st, const struct setting *s, const char *text,
    char *why, size_t whycap);

/* Formats the value as text (the form AT and the config file use). Returns
 * the length; the output is truncated (terminated) when cap is too small. */
size_t settings_format(const struct settings *st, const struct setting *s,
    char *buf, size_t cap);

int settings_equal(const struct settings *a, const struct settings *b,
    const struct setting *s);

/* Typed access for the code that runs the bridge. */
static inline void *
settings_ptr(struct settings *st, const struct setting *s)
{
	return (char *)st + s->off;
}

/* The packing gap in microseconds, resolving -1 to 4 character times. */
long settings_pack_gap_us(const struct settings *st);

#endif
