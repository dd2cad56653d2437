/* The USR-TCP232-30X dialect: every command of seed 000 §4.1-4.40 as one
 * table row, replies "\r\n+OK\r\n", "\r\n+OK=<v>\r\n", "\r\n+ERR=<n>\r\n"
 * (PROTOCOLS.md §3). Plain settings are rows driven by the settings table. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "at.h"
#include "hostinfo.h"
#include "util.h"


/* The final reply: "+OK", "+OK=<value>" (the lines of AT+H joined by CR
 * LF inside one value, as the device prints them) or "+ERR=<n>". */
static void
final30(struct at_req *r, int rc)
{
	char e[24];

	if (rc < 0) {
		snprintf(e, sizeof(e), "\r\n+ERR=%d\r\n", rc);
		at_puts(r->s, e);
		return;
	}
	if (r->nvalues == 0) {
		at_puts(r->s, "\r\n+OK\r\n");
		return;
	}
	at_puts(r->s, "\r\n+OK=");
	for (int i = 0; i < r->nvalues; i++) {
		if (i)
			at_puts(r->s, "\r\n");
		at_puts(r->s, r->value[i]);
	}
	at_puts(r->s, "\r\n");
}

static void
error_text30(int rc, char *buf, size_t cap)
{
	snprintf(buf, cap, "+ERR=%d", rc);
}

static int
h_z(struct at_req *r)
{
	/* The host restarts after the reply has gone out. */
	r->s->host->restart(r->s->h, "AT+Z");
	return AT_DONE;
}

static int
h_reld(struct at_req *r)
{
	if (r->s->host->restore_defaults(r->s->h) < 0)
		return AT_ERR_PERM;
	r->s->host->restart(r->s->h, "AT+RELD");
	return AT_DONE;
}

static int
h_ver(struct at_req *r)
{
	at_value(r, r->s->host->settings(r->s->h)->version);
	return AT_DONE;
}

static void
current_mac(struct at_req *r, char mac[13])
{
	hostinfo_current_mac(r->s->host->settings(r->s->h)->user_mac, r->s->host->host_mac,
	    r->s->h, mac);
}

static int
h_mac(struct at_req *r)
{
	char mac[13];

	current_mac(r, mac);
	at_value(r, mac);
	return AT_DONE;
}

static int
h_usermac(struct at_req *r)
{
	char mac[13];

	if (r->op == AT_SET) {
		if (r->argv[0][0] == '\0')
			return AT_ERR_PARAM;
		return at_plain(r);
	}
	current_mac(r, mac);
	at_value(r, mac);
	return AT_DONE;
}

static int
h_socklk(struct at_req *r)
{
	at_value(r, r->s->host->connected(r->s->h) ? "connect" : "disconnect");
	return AT_DONE;
}

static int
h_pdtime(struct at_req *r)
{
	at_value(r, BUILD_DATE);
	return AT_DONE;
}

static int
h_help(struct at_req *r)
{
	char line[160];

	for (size_t i = 0; i < r->d->ncmds; i++) {
		const struct at_cmd *c = &r->d->cmds[i];

		if (c->ops & AT_HIDDEN)
			continue;
		snprintf(line, sizeof(line), "AT+%s: %s", c->name, c->help);
		at_value(r, line);
	}
	return AT_DONE;
}

/* Seed 000 §4.12 spells mark parity "MASK"; the config file and status
 * keep MARK (the settings table takes MASK as an alias). */
static const struct at_spelling parity30 = {
	0, { { "MARK", "MASK" }, { NULL, NULL } },
};

#define F(k) { { k }, NULL, NULL }
#define PLAIN(n, f, h) { n, at_plain, AT_Q | AT_S, { F(f) }, h }
#define PLAIN_RAW(n, f, h) { n, at_plain, AT_Q | AT_S | AT_RAW, { F(f) }, h }

/* Sorted by name (check_at proves it). */
static const struct at_cmd cmds30[] = {
	PLAIN("CLIENTRST", "bridge.client_reset", "Query/Set TCP Client mode reset enable"),
	PLAIN("DNS", "network.dns", "Query/Set DNS server address"),
	PLAIN("E", "console.echo", "Query/Set AT command echo"),
	{ "ENTM", at_entm, AT_X, { F(NULL) }, "Exit AT command mode, enter work mode" },
	{ "H", h_help, AT_X, { F(NULL) }, "Query help message" },
	{ "HEARTDT", at_plain, AT_Q | AT_S | AT_RAW, { { { "heartbeat.data" }, &at_codec_bytes } },
	  "Query/Set heartbeat packet data" },
	PLAIN("HEARTEN", "heartbeat.enabled", "Query/Set heartbeat packet enable"),
	PLAIN("HEARTTM", "heartbeat.interval", "Query/Set heartbeat packet interval"),
	PLAIN("HEARTTP", "heartbeat.type", "Query/Set heartbeat packet type"),
	{ "HPTTP", at_plain, AT_Q | AT_S | AT_HIDDEN, { F("http.method") },
	  "Query/Set HTTP request method" },
	PLAIN("HTPCHD", "http.strip_header", "Query/Set filtering of HTTP response headers"),
	PLAIN_RAW("HTPHEAD", "http.header", "Query/Set HTTP header"),
	PLAIN("HTPTP", "http.method", "Query/Set HTTP request method"),
	PLAIN_RAW("HTPURL", "http.url", "Query/Set HTTP URL"),
	PLAIN("INDEXEN", "tcps.index", "Query/Set index function enable"),
	{ "MAC", h_mac, AT_Q, { F(NULL) }, "Query MAC address" },
	PLAIN("MAXSK", "tcps.max_clients", "Query/Set maximum clients in TCP server mode"),
	PLAIN_RAW("MID", "device.name", "Query/Set module name"),
	{ "PDTIME", h_pdtime, AT_Q, { F(NULL) }, "Query production date" },
	{ "REGCLOUD", at_plain, AT_Q | AT_S, { F("reg.cloud_id"), F("reg.cloud_password") },
	  "Query/Set USR Cloud ID and password" },
	PLAIN("REGEN", "reg.mode", "Query/Set identity packet"),
	PLAIN("REGTCP", "reg.send", "Query/Set identity packet sending method"),
	{ "REGUSR", at_plain, AT_Q | AT_S | AT_RAW, { { { "reg.data" }, &at_codec_bytes } },
	  "Query/Set user identity packet data" },
	{ "RELD", h_reld, AT_X, { F(NULL) }, "Restore default settings" },
	PLAIN("RFCEN", "serial.baud_sync", "Query/Set baud rate synchronization enable"),
	PLAIN("RSTIM", "bridge.idle_reset", "Query/Set timeout reset time"),
	PLAIN("SCSLINK", "bridge.link_output", "Query/Set socket link function enable"),
	PLAIN("SHORTO", "bridge.short_timeout", "Query/Set short connection time"),
	{ "SOCK", at_plain, AT_Q | AT_S, { F("link1.mode"), F("link1.host"), F("link1.port") },
	  "Query/Set socket parameters" },
	{ "SOCKLK", h_socklk, AT_Q, { F(NULL) }, "Query TCP connection status" },
	PLAIN("SOCKPORT", "link1.local_port", "Query/Set local port number"),
	PLAIN("SOCKSL", "bridge.short_conn", "Query/Set short connection enable"),
	PLAIN("TCPSE", "tcps.on_full", "Query/Set kick-off of old TCP connections"),
	{ "UART", at_plain, AT_Q | AT_S,
	  { F("serial.baud"), F("serial.data_bits"), F("serial.stop_bits"),
	    { { "serial.parity" }, &at_codec_spell, &parity30 },
	    F("serial.flow") },
	  "Query/Set serial port parameters" },
	PLAIN("UARTCLBUF", "bridge.clear_cache", "Query/Set clearing of the serial cache on connect"),
	{ "USERMAC", h_usermac, AT_Q | AT_S, { F("network.user_mac") }, "Set user MAC address" },
	{ "VER", h_ver, AT_Q, { F(NULL) }, "Query firmware version" },
	{ "WANN", at_plain, AT_Q | AT_S,
	  { F("network.wan_mode"), F("network.wan_ip"), F("network.wan_mask"),
	    F("network.wan_gateway") },
	  "Query/Set WAN interface parameters" },
	PLAIN("WEBPORT", "web.port", "Query/Set web server port"),
	{ "WEBU", at_plain, AT_Q | AT_S, { F("web.user"), F("web.password") },
	  "Query/Set web user name and password" },
	{ "Z", h_z, AT_X, { F(NULL) }, "Restart the device" },
};

const struct at_dialect at_dialect_30x = {
	.name = "tcp232-30x",
	.flags = AT_D_SAVE_ON_SET,
	.cmds = cmds30,
	.ncmds = ARRAY_SIZE(cmds30),
	.final = final30,
	.line = at_line_crlf,
	.error_text = error_text30,
};
