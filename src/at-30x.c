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


static void
ok30(struct at_req *r)
{
	at_reply(r, "\r\n+OK\r\n");
}

static void
value30(struct at_req *r, const char *v)
{
	at_replyf(r, "\r\n+OK=%s\r\n", v);
}

static void
error30(struct at_req *r, int code)
{
	at_replyf(r, "\r\n+ERR=%d\r\n", code);
}

static int
special30(struct at_req *r, const char *line)
{
	/* A bare AT answers +OK (PROTOCOLS.md §3). */
	if (line[2] == '\0') {
		ok30(r);
		return AT_DONE;
	}
	return 1;
}

static int
h_z(struct at_req *r)
{
	ok30(r);
	r->s->host->restart(r->s->h, "AT+Z");
	return AT_DONE;
}

static int
h_entm(struct at_req *r)
{
	ok30(r);
	if (r->s->entm)
		r->s->entm(r->s->arg);
	return AT_DONE;
}

static int
h_reld(struct at_req *r)
{
	if (r->s->host->restore_defaults(r->s->h) < 0)
		return AT_ERR_PERM;
	ok30(r);
	r->s->host->restart(r->s->h, "AT+RELD");
	return AT_DONE;
}

static int
h_ver(struct at_req *r)
{
	value30(r, r->s->host->settings(r->s->h)->version);
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
	value30(r, mac);
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
	value30(r, mac);
	return AT_DONE;
}

static int
h_socklk(struct at_req *r)
{
	value30(r, r->s->host->connected(r->s->h) ? "connect" : "disconnect");
	return AT_DONE;
}

static int
h_pdtime(struct at_req *r)
{
	value30(r, BUILD_DATE);
	return AT_DONE;
}

static int
h_help(struct at_req *r)
{
	char buf[4096];
	size_t o = 0;

	for (size_t i = 0; i < r->d->ncmds && o < sizeof(buf); i++) {
		const struct at_cmd *c = &r->d->cmds[i];

		if (c->ops & AT_HIDDEN)
			continue;
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%sAT+%s: %s",
		    o ? "\r\n" : "", c->name, c->help);
	}
	value30(r, buf);
	return AT_DONE;
}

#define PLAIN(n, f, h) { n, at_plain, AT_Q | AT_S, { f }, h }
#define PLAIN_RAW(n, f, h) { n, at_plain, AT_Q | AT_S | AT_RAW, { f }, h }

/* Sorted by name (check_at proves it). */
static const struct at_cmd cmds30[] = {
	PLAIN("CLIENTRST", "bridge.client_reset", "Query/Set TCP Client mode reset enable"),
	PLAIN("DNS", "network.dns", "Query/Set DNS server address"),
	PLAIN("E", "console.echo", "Query/Set AT command echo"),
	{ "ENTM", h_entm, AT_X, { NULL }, "Exit AT command mode, enter work mode" },
	{ "H", h_help, AT_X, { NULL }, "Query help message" },
	PLAIN_RAW("HEARTDT", "heartbeat.data", "Query/Set heartbeat packet data"),
	PLAIN("HEARTEN", "heartbeat.enabled", "Query/Set heartbeat packet enable"),
	PLAIN("HEARTTM", "heartbeat.interval", "Query/Set heartbeat packet interval"),
	PLAIN("HEARTTP", "heartbeat.type", "Query/Set heartbeat packet type"),
	{ "HPTTP", at_plain, AT_Q | AT_S | AT_HIDDEN, { "http.method" },
	  "Query/Set HTTP request method" },
	PLAIN("HTPCHD", "http.strip_header", "Query/Set filtering of HTTP response headers"),
	PLAIN_RAW("HTPHEAD", "http.header", "Query/Set HTTP header"),
	PLAIN("HTPTP", "http.method", "Query/Set HTTP request method"),
	PLAIN_RAW("HTPURL", "http.url", "Query/Set HTTP URL"),
	PLAIN("INDEXEN", "tcps.index", "Query/Set index function enable"),
	{ "MAC", h_mac, AT_Q, { NULL }, "Query MAC address" },
	PLAIN("MAXSK", "tcps.max_clients", "Query/Set maximum clients in TCP server mode"),
	PLAIN_RAW("MID", "device.name", "Query/Set module name"),
	{ "PDTIME", h_pdtime, AT_Q, { NULL }, "Query production date" },
	{ "REGCLOUD", at_plain, AT_Q | AT_S, { "reg.cloud_id", "reg.cloud_password" },
	  "Query/Set USR Cloud ID and password" },
	PLAIN("REGEN", "reg.mode", "Query/Set identity packet"),
	PLAIN("REGTCP", "reg.send", "Query/Set identity packet sending method"),
	PLAIN_RAW("REGUSR", "reg.data", "Query/Set user identity packet data"),
	{ "RELD", h_reld, AT_X, { NULL }, "Restore default settings" },
	PLAIN("RFCEN", "serial.baud_sync", "Query/Set baud rate synchronization enable"),
	PLAIN("RSTIM", "bridge.idle_reset", "Query/Set timeout reset time"),
	PLAIN("SCSLINK", "bridge.link_output", "Query/Set socket link function enable"),
	PLAIN("SHORTO", "bridge.short_timeout", "Query/Set short connection time"),
	{ "SOCK", at_plain, AT_Q | AT_S, { "link1.mode", "link1.host", "link1.port" },
	  "Query/Set socket parameters" },
	{ "SOCKLK", h_socklk, AT_Q, { NULL }, "Query TCP connection status" },
	PLAIN("SOCKPORT", "link1.local_port", "Query/Set local port number"),
	PLAIN("SOCKSL", "bridge.short_conn", "Query/Set short connection enable"),
	PLAIN("TCPSE", "tcps.on_full", "Query/Set kick-off of old TCP connections"),
	{ "UART", at_plain, AT_Q | AT_S,
	  { "serial.baud", "serial.data_bits", "serial.stop_bits", "serial.parity", "serial.flow" },
	  "Query/Set serial port parameters" },
	PLAIN("UARTCLBUF", "bridge.clear_cache", "Query/Set clearing of the serial cache on connect"),
	{ "USERMAC", h_usermac, AT_Q | AT_S, { "network.user_mac" }, "Set user MAC address" },
	{ "VER", h_ver, AT_Q, { NULL }, "Query firmware version" },
	{ "WANN", at_plain, AT_Q | AT_S,
	  { "network.wan_mode", "network.wan_ip", "network.wan_mask", "network.wan_gateway" },
	  "Query/Set WAN interface parameters" },
	PLAIN("WEBPORT", "web.port", "Query/Set web server port"),
	{ "WEBU", at_plain, AT_Q | AT_S, { "web.user", "web.password" },
	  "Query/Set web user name and password" },
	{ "Z", h_z, AT_X, { NULL }, "Restart the device" },
};

const struct at_dialect at_dialect_30x = {
	.name = "tcp232-30x",
	.flags = AT_D_SAVE_ON_SET,
	.cmds = cmds30,
	.ncmds = ARRAY_SIZE(cmds30),
	.ok = ok30,
	.value = value30,
	.error = error30,
	.special = special30,
};
