/* The USR-GPRS232-721 dialect (PROTOCOLS.md §4): V.250 replies
 * ("\r\nOK\r\n", "\r\nERROR\r\n", "\r\n+CMD: <values>\r\n" then OK, "=?",
 * basic commands) and every command of seed 003 §3.2, as rows over the
 * settings table; the modem's commands are at-721-modem.c's. A set edits the settings in
 * memory; ATW saves them; a restart starts from the saved ones. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "at.h"
#include "at-721-modem.h"
#include "at-721-net.h"
#include "hostinfo.h"
#include "util.h"

/* Value lines, each "+CMD: <value>" (a basic command's without a prefix,
 * V.250 §5.7.2; a name ending in ':' without the space), then "OK"; every
 * error is "ERROR" (seed 003). */
static void
final721(struct at_req *r, int rc)
{
	if (rc < 0) {
		at_puts(r->s, "\r\nERROR\r\n");
		return;
	}
	for (int i = 0; i < r->nvalues; i++) {
		const char *name = r->value_name[i];

		if (!name && r->cmd && !(r->cmd->ops & AT_BASIC))
			name = r->cmd->name;
		at_puts(r->s, i ? "" : "\r\n");
		if (name && *name) {
			at_puts(r->s, "+");
			at_puts(r->s, name);
			if (name[strlen(name) - 1] != ':')
				at_puts(r->s, ": ");
		}
		at_puts(r->s, r->value[i]);
		at_puts(r->s, "\r\n");
	}
	at_puts(r->s, "\r\nOK\r\n");
}

static void
error_text721(int rc, char *buf, size_t cap)
{
	snprintf(buf, cap, "ERROR");
}

/* ATW: the settings edited in memory become the saved ones (PROTOCOLS.md §4). */
static int
h_w(struct at_req *r)
{
	int rc = r->s->host->save(r->s->h, r->s->host->settings(r->s->h));

	return rc < 0 ? AT_ERR_PERM : AT_DONE;
}

static int
h_civer(struct at_req *r)
{
	at_value(r, r->s->host->settings(r->s->h)->version);
	return AT_DONE;
}

/* The AT+CIPSCONT? listing (PROTOCOLS.md §4, *seen*): every setting but
 * the serial ones, in this order and with this spacing, byte for byte. */
static const struct { const char *row, *as; } listing[] = {
	{ "CIPCFG", "CIPCFG" }, { "CIPPACK", "CIPPACK" }, { "CSTT", "CSTT" },
	{ "CIPNUM", "CIPNUM" }, { "CIPSCONT", "CIPSTART:" }, { "CIMOD", "CIMOD" },
	{ "CINETAT", "CINETAT:" }, { "CICOMAT", "CICOMAT:" }, { "CINETPT", "CINETPT:" },
};

/* AT+CIPSCONT=n,"TCP"|"UDP","addr",port,enable is a plain link row; its
 * query is the listing. */
static int
h_cipscont(struct at_req *r)
{
	if (r->op != AT_QUERY)
		return at_plain(r);
	for (size_t i = 0; i < ARRAY_SIZE(listing); i++) {
		const struct at_cmd *c = at_find(r->d, listing[i].row);

		if (!c || at_plain_lines(r, c, listing[i].as) < 0)
			return AT_ERR_PERM;
	}
	return AT_DONE;
}

/* AT+CIPSW="old","new": the old password must match; the new one is
 * 1-11 bytes (the settings table). No query: it is a secret. */
static int
h_cipsw(struct at_req *r)
{
	const struct settings *cur = r->s->host->settings(r->s->h);
	struct setting_ref ref = settings_find("dtu.password");
	const char *text;
	struct settings next;
	char why[160];

	if (r->op != AT_SET)
		return at_plain(r);
	if (strcmp(r->argv[0], cur->at_password) != 0) {
		snprintf(r->why, sizeof(r->why), "AT+CIPSW: the old password does not match");
		return AT_ERR_PARAM;
	}
	next = *cur;
	text = r->argv[1];
	if (settings_set_many(&next, &ref, &text, 1, SET_AT, why, sizeof(why)) < 0) {
		util_strlcpy(r->why, why, sizeof(r->why));
		return AT_ERR_PARAM;
	}
	r->s->host->edit(r->s->h, &next);
	return AT_DONE;
}

static int
h_cidtuip(struct at_req *r)
{
	char ip[16];

	r->s->host->host_ipv4(r->s->h, ip);
	at_value(r, ip);
	return AT_DONE;
}

/* "+CINET: a,b,c,d": 1 while link n is connected. */
static int
h_cinet(struct at_req *r)
{
	enum personality p = (enum personality)r->s->host->settings(r->s->h)->personality;
	char v[2 * LINKS_MAX + 1];
	size_t o = 0;

	for (int i = 0; i < personality_links(p); i++)
		o += (size_t)snprintf(v + o, sizeof(v) - o, "%s%d", i ? "," : "",
		    r->s->host->link_connected(r->s->h, i) ? 1 : 0);
	at_value(r, v);
	return AT_DONE;
}

static int
h_cireset(struct at_req *r)
{
	/* The host restarts after the reply has gone out. */
	r->s->host->restart(r->s->h, "AT+CIRESET");
	return AT_DONE;
}

/* Factory values (the config file's where it sets them), saved; they are
 * in force from the next restart, as every set. */
static int
h_cireload(struct at_req *r)
{
	if (r->s->host->restore_defaults(r->s->h) < 0) {
		snprintf(r->why, sizeof(r->why), "cannot remove the state file");
		return AT_ERR_PERM;
	}
	return AT_DONE;
}

static int
h_cishutdown(struct at_req *r)
{
	r->s->host->shutdown(r->s->h);
	return AT_DONE;
}

/* After AT+CISHUTDOWN the console stays in command mode until AT+CIRESET. */
static int
h_entm(struct at_req *r)
{
	if (r->s->host->shut_down(r->s->h)) {
		snprintf(r->why, sizeof(r->why), "shut down by AT+CISHUTDOWN: AT+CIRESET first");
		return AT_ERR_PERM;
	}
	return at_entm(r);
}

/* How the 721 spells enum values: digits (V.250 numeric parameters). */
static const struct at_spelling off_on = {
	1, { { "OFF", "0" }, { "ON", "1" }, { NULL, NULL } },
};
static const struct at_spelling echo_digits = {	/* ATE0/ATE1 (V.250 §6.2.4) */
	1, { { "off", "0" }, { "on", "1" }, { NULL, NULL } },
};
/* AT+CISOCLINK=0 is short connections: bridge.short_conn ON. */
static const struct at_spelling long_conn = {
	1, { { "ON", "0" }, { "OFF", "1" }, { NULL, NULL } },
};
/* AT+CIMOD numbering (PROTOCOLS.md §4, *seen*) = enum work_mode. */
static const struct at_spelling work_modes = {
	1, { { "TRANSPARENT", "0" }, { "FRAME", "1" }, { "COMMAND", "2" }, { "HTTPD", "3" },
	     { "SMS", "4" }, { NULL, NULL } },
};
static const struct at_spelling link_proto = {
	1, { { "TCPC", "TCP" }, { "UDPC", "UDP" }, { NULL, NULL } },
};
static const struct at_spelling heart_dir = {	/* AT+CIPPACK=0 dir */
	1, { { "NET", "0" }, { "COM", "1" }, { NULL, NULL } },
};
static const struct at_spelling reg_when = {	/* AT+CIPPACK=1 mode */
	1, { { "FIRST", "0" }, { "EVERY", "1" }, { NULL, NULL } },
};
static const struct at_hex_bound hex40 = { 40 };

#define F(k) { { k }, NULL, NULL }
#define S(k, sp) { { k }, &at_codec_spell, &sp }
#define PLAIN(n, f, h) { n, at_plain, AT_Q | AT_S, { f }, h }

/* The modem set (PROTOCOLS.md §4), passed to the modem as written
 * (at-721-modem.c): every operator is the modem's to judge. */
#define RELAY(n, h) { n, at721_relay, AT_X | AT_Q | AT_S | AT_RAW, { F(NULL) }, h }
#define RELAY_BASIC(n, ops, h) { n, at721_relay, (ops) | AT_BASIC, { F(NULL) }, h }

/* Sorted by name, basic rows among them (check_at proves it). AT+CIOPEN,
 * AT+CISEND and AT+CICLOSE (CIMOD=2) are the work modes' rows. */
static const struct at_cmd cmds721[] = {
	RELAY_BASIC("", AT_X, "Test (the modem's answer; OK without one)"),
	RELAY_BASIC("A", AT_X | AT_S, "Answer a call (modem)"),
	RELAY("CCLK", "Query/Set the modem's clock (the host's without a modem)"),
	RELAY("CGSN", "Query the IMEI (modem)"),
	/* AT command mode (CIMOD=2): at-721-net.c. */
	{ "CICLOSE", at721_ciclose, AT_X, { F(NULL) }, "Close the AT+CIOPEN connection" },
	PLAIN("CICOMAT", S("dtu.serial_at", off_on),
	    "Query/Set password AT commands from the serial line"),
	{ "CIDTUIP", h_cidtuip, AT_Q, { F(NULL) }, "Query the local IP address" },
	{ "CILAC", at721_cilac, AT_Q, { F(NULL) }, "Query the cell: LAC and CI (modem)" },
	RELAY("CIMI", "Query the IMSI (modem)"),
	PLAIN("CIMOD", S("dtu.mode", work_modes), "Query/Set the work mode"),
	PLAIN("CIMODID", F("dtu.startup_message"), "Query/Set the start-up message"),
	{ "CINET", h_cinet, AT_Q, { F(NULL) }, "Query the state of the four connections" },
	PLAIN("CINETAT", S("dtu.net_at", off_on),
	    "Query/Set password AT commands from the network"),
	{ "CINETPT", at_plain, AT_Q | AT_S | AT_LINK, { F("link.local_port") },
	  "Query/Set the local port of a connection" },
	{ "CIOPEN", at721_ciopen, AT_S, { F(NULL) },
	  "Open a TCP or UDP connection: \"TCP\"|\"UDP\",\"address\",port (CIMOD=2)" },
	PLAIN("CIOPTIME", F("dtu.command_idle"),
	    "Query/Set the idle seconds after which command mode returns (0 never)"),
	{ "CIPCFG", at_plain, AT_Q | AT_S,
	  { F("dtu.cipcfg1"), F("heartbeat.interval"), F("dtu.cipcfg3"),
	    { { "serial.pack_gap_us" }, &at_codec_ms, NULL }, F("serial.pack_len"),
	    F("dtu.idle_restart") },
	  "Query/Set heartbeat time, packing time and length, restart time" },
	PLAIN("CIPNUM", F("sms.number"), "Query/Set the SMS transparent mode number"),
	{ "CIPPACK", at_plain, AT_Q | AT_S | AT_GROUP,
	  { { { "heartbeat.data" }, &at_codec_hex, &hex40 }, S("heartbeat.type", heart_dir),
	    { { "reg.data" }, &at_codec_hex, &hex40 }, S("reg.send", reg_when) },
	  "Query/Set the heartbeat (0) and registration (1) packets", .groups = 2 },
	PLAIN("CIPR", F("serial.baud"), "Query/Set the baud rate"),
	{ "CIPSCONT", h_cipscont, AT_Q | AT_S | AT_LINK,
	  { S("link.mode", link_proto), F("link.host"), F("link.port"),
	    S("link.enabled", off_on) },
	  "Set a connection; query every parameter" },
	{ "CIPSW", h_cipsw, AT_S, { F("dtu.password"), F("dtu.password") },
	  "Change the command password" },
	{ "CIRELOAD", h_cireload, AT_X, { F(NULL) }, "Restore and save the factory settings" },
	{ "CIRESET", h_cireset, AT_X, { F(NULL) }, "Restart" },
	PLAIN("CIRINGSTA", S("modem.auto_answer", off_on),
	    "Query/Set answering voice calls (the modem's ATS0)"),
	{ "CISEND", at721_cisend, AT_X, { F(NULL) },
	  "Send data on the AT+CIOPEN connection: '>' then data up to Ctrl-Z (CIMOD=2)" },
	{ "CISHUTDOWN", h_cishutdown, AT_X, { F(NULL) }, "Stop every connection" },
	{ "CISMSEND", at721_cismsend, AT_S, { F(NULL) },
	  "Send an SMS: \"number\",\"text\" (modem)" },
	PLAIN("CISOCLINK", S("bridge.short_conn", long_conn),
	    "Query/Set short (0) or long (1) connections"),
	{ "CIVER", h_civer, AT_Q, { F(NULL) }, "Query the firmware version" },
	RELAY("CMGF", "Query/Set the SMS format (modem)"),
	RELAY("CMGL", "List SMS (modem)"),
	RELAY("CMGR", "Read an SMS (modem)"),
	RELAY("CMGS", "Send an SMS: '>' then its text up to Ctrl-Z (modem)"),
	RELAY("COPS", "Query/Set the operator (modem)"),
	RELAY("CSCA", "Query/Set the SMS centre number (modem)"),
	RELAY("CSQ", "Query the signal quality (modem)"),
	{ "CSTT", at_plain, AT_Q | AT_S,
	  { F("modem.apn"), F("modem.user"), F("modem.password") },
	  "Query/Set the APN, its user and password", .min_args = 1 },
	RELAY_BASIC("D", AT_X | AT_S, "Dial: ATD<number>; ATDL redials (modem)"),
	{ "E", at_plain, AT_S | AT_BASIC, { S("console.echo", echo_digits) },
	  "Echo off (ATE0) or on (ATE1)" },
	{ "ENTM", h_entm, AT_X, { F(NULL) }, "Leave command mode" },
	RELAY_BASIC("H", AT_X | AT_S, "Hang up (modem)"),
	{ "ICF", at_plain, AT_Q | AT_S,
	  { { { "serial.data_bits", "serial.stop_bits", "serial.parity" }, &at_codec_icf, NULL } },
	  "Query/Set the character format (V.250 +ICF)" },
	RELAY_BASIC("S0", AT_Q | AT_S, "Query/Set the rings before answering (modem)"),
	{ "W", h_w, AT_X | AT_BASIC, { F(NULL) }, "Save the settings" },
};

const struct at_dialect at_dialect_721 = {
	.name = "gprs232-721",
	.flags = AT_D_TEST | AT_D_BASIC | AT_D_QUOTE,
	.cmds = cmds721,
	.ncmds = ARRAY_SIZE(cmds721),
	.final = final721,
	.line = at_line_crlf,
	.error_text = error_text721,
};
