/* Formats the status of the daemon for people (usrbridgectl status, the web
 * page) and for programs (status --json). The field names of the JSON form
 * are part of usrbridgectl(1): add fields, never rename them. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>

#include "status.h"
#include "util.h"

void
status_traffic(const struct daemon_status *st, struct status_traffic *t)
{
	memset(t, 0, sizeof(*t));
	t->to_net_in = st->serial.rx_bytes;
	t->to_serial_out = st->serial.tx_bytes;
	t->to_serial_dropped = st->serial.tx_dropped + st->held_dropped;
	for (int i = 0; i < st->nlinks; i++) {
		const struct bridge_link_status *l = &st->link[i];

		t->to_net_out += l->stats.tx_bytes;
		t->to_net_dropped += l->stats.tx_dropped + l->cache_dropped + l->cache_cleared;
		t->to_serial_in += l->stats.rx_bytes;
	}
}

void
status_line_text(const struct serial_params *p, char *buf, size_t cap)
{
	snprintf(buf, cap, "%ld %d%c%d %s", p->baud, p->data_bits,
	    serial_parity_letter(p->parity), p->stop_bits, p->flow == FLOW_RTSCTS ? "FC" : "NFC");
}

static const char *
reg_name(const struct bridge_status *b)
{
	return b->reg_first && b->reg_every ? "ALL" : b->reg_first ? "FIRST" :
	    b->reg_every ? "EVERY" : "OFF";
}

void
status_bridge_text(const struct bridge_status *b, char *buf, size_t cap)
{
	size_t o = 0;

#define ADD(...) do { if (o < cap) o += (size_t)snprintf(buf + o, cap - o, __VA_ARGS__); } while (0)
	if (b->heart_net_s)
		ADD("heartbeat to the network every %ld s (%zu B)", b->heart_net_s, b->heart_len);
	else if (b->heart_com_s)
		ADD("heartbeat to the serial line every %ld s (%zu B)", b->heart_com_s,
		    b->heart_len);
	else
		ADD("no heartbeat");
	if (b->reg_first || b->reg_every)
		ADD(", registration %s (%zu B)", reg_name(b), b->reg_len);
	else
		ADD(", no registration packet");
	if (b->short_conn)
		ADD(", short connections (closed after %ld s idle)", b->short_timeout_s);
	else
		ADD(", long connections");
	if (b->idle_left_us >= 0)
		ADD(", restart after %ld s without data (in %.0f s)", b->idle_restart_s,
		    (double)b->idle_left_us / 1e6);
	else if (b->idle_restart_set > 0)
		ADD(", no idle restart (%ld s is below 600)", b->idle_restart_set);
	else
		ADD(", no idle restart");
#undef ADD
}

void
status_uptime_text(int64_t us, char *buf, size_t cap)
{
	int64_t s = us / 1000000;

	if (s >= 86400)
		snprintf(buf, cap, "%" PRId64 "d %02dh %02dm %02ds", s / 86400,
		    (int)(s % 86400 / 3600), (int)(s % 3600 / 60), (int)(s % 60));
	else if (s >= 3600)
		snprintf(buf, cap, "%dh %02dm %02ds", (int)(s / 3600), (int)(s % 3600 / 60),
		    (int)(s % 60));
	else if (s >= 60)
		snprintf(buf, cap, "%dm %02ds", (int)(s / 60), (int)(s % 60));
	else
		snprintf(buf, cap, "%ds", (int)s);
}

/* The RFC 2217 listener and discovery (PROTOCOLS.md §6). */
static int
status_text_more(const struct daemon_status *st, struct evbuffer *out)
{
	const struct rfc2217_status *f = &st->rfc2217;
	const struct discovery_status *d = &st->discovery;
	int r = 0;

	if (!f->port) {
		r |= evbuffer_add_printf(out, "rfc2217  off\n") < 0;
	} else {
		r |= evbuffer_add_printf(out, "rfc2217  port %ld: %s %s%s%s\n", f->port,
		    f->listening ? "listening on" : "not listening on", f->listen,
		    f->why[0] ? ": " : "", f->why[0] ? f->why : "") < 0;
		if (f->client[0]) {
			char age[64];

			status_uptime_text(f->connected_us, age, sizeof(age));
			r |= evbuffer_add_printf(out, "         client %s%s%s%s owns the serial port "
			    "(console and links paused) for %s\n", f->client,
			    f->client_signature[0] ? " (" : "", f->client_signature,
			    f->client_signature[0] ? ")" : "", age) < 0;
		}
		if (f->client[0] || f->clients)
			r |= evbuffer_add_printf(out, "         %s: received %" PRIu64 " B, sent %"
			    PRIu64 " B, dropped %" PRIu64 " B, %" PRIu64 " requests answered (%"
			    PRIu64 " acknowledged as asked: the port cannot have them)\n",
			    f->client[0] ? "this client" : "last client", f->rx_bytes, f->tx_bytes,
			    f->dropped, f->requests, f->faked) < 0;
		r |= evbuffer_add_printf(out, "         clients %" PRIu64 ", refused %" PRIu64
		    " (port owned) and %" PRIu64 " (network.allow_in)\n", f->clients,
		    f->refused_busy, f->refused_acl) < 0;
	}
	if (!d->enabled)
		return r | (evbuffer_add_printf(out, "discovery off\n") < 0);
	r |= evbuffer_add_printf(out, "discovery UDP port 1500: %s%s%s\n",
	    d->listening ? "answering" : "not listening", d->why[0] ? ": " : "", d->why) < 0;
	r |= evbuffer_add_printf(out, "         searches answered %" PRIu64 ", legacy %" PRIu64
	    ", ignored %" PRIu64 ", refused %" PRIu64 "\n", d->searches, d->legacy, d->ignored,
	    d->refused) < 0;
	return r;
}

void
status_ftp_text(const struct ftp_status *f, char *buf, size_t cap)
{
	size_t o;

	if (!f->url[0]) {
		snprintf(buf, cap, "no download");
		return;
	}
	o = (size_t)snprintf(buf, cap, "%s %s, %" PRIu64, f->state, f->url, f->bytes);
	if (o < cap && f->total >= 0)
		o += (size_t)snprintf(buf + o, cap - o, "/%" PRId64, f->total);
	if (o < cap)
		o += (size_t)snprintf(buf + o, cap - o, " B, %" PRIu64 " B/s, %u/%u retries",
		    f->rate, f->retries, f->retries_max);
	if (o < cap && f->packets)
		o += (size_t)snprintf(buf + o, cap - o, ", CRC-32 %08" PRIx32 ", %" PRIu32
		    " packets", f->crc, f->packets);
	if (o < cap && f->retry_in_us > 0)
		o += (size_t)snprintf(buf + o, cap - o, ", next attempt in %.1f s",
		    (double)f->retry_in_us / 1e6);
	if (o < cap && f->why[0])
		snprintf(buf + o, cap - o, "; %s", f->why);
}

int
status_text(const struct daemon_status *st, struct evbuffer *out)
{
	struct status_traffic t;
	char up[64], line[64];
	int r = 0;

	status_uptime_text(st->uptime_us, up, sizeof(up));
	status_line_text(&st->line, line, sizeof(line));
	status_traffic(st, &t);
	r |= evbuffer_add_printf(out, "usrbridged %s, %s, up %s, %u restart%s\n",
	    PACKAGE_VERSION, personality_name(st->personality), up, st->restarts,
	    st->restarts == 1 ? "" : "s") < 0;
	r |= evbuffer_add_printf(out, "serial   %s: %s, %s, %s mode\n", st->serial_device,
	    st->serial.open ? "open" : "not open", line,
	    st->command_mode ? "command" : "transparent") < 0;
	r |= evbuffer_add_printf(out, "         read %" PRIu64 " B, written %" PRIu64
	    " B, queued %zu B, dropped %" PRIu64 " B, reopened %u times\n",
	    st->serial.rx_bytes, st->serial.tx_bytes, st->serial.queued,
	    st->serial.tx_dropped, st->serial.reopens) < 0;
	if (!st->serial.open && st->serial.why[0])
		r |= evbuffer_add_printf(out, "         not open: %s\n", st->serial.why) < 0;
	if (st->line_err) {
		char wanted[64];

		status_line_text(&st->line_wanted, wanted, sizeof(wanted));
		r |= evbuffer_add_printf(out, "         refused %s (%s); %s %s\n", wanted,
		    strerror(-st->line_err), st->line_known ? "in force:" : "not open; last set:",
		    line) < 0;
	}
	if (st->command_mode || st->held_bytes || st->held_dropped)
		r |= evbuffer_add_printf(out, "         held for command mode %zu B, dropped %"
		    PRIu64 " B\n", st->held_bytes, st->held_dropped) < 0;
	r |= workmode_status_text(&st->work, out) < 0;
	r |= framemode_status_text(&st->frame, out) < 0;
	for (int i = 0; i < st->nlinks; i++) {
		const struct bridge_link_status *l = &st->link[i];
		char from[32] = "";

		if (!l->active) {
			r |= evbuffer_add_printf(out, "link%d    off%s%s\n", i + 1,
			    l->why[0] ? ": " : "", l->why) < 0;
			continue;
		}
		r |= evbuffer_add_printf(out, "link%d    %s %s, %d connection%s%s%s\n", i + 1,
		    l->mode, l->state, l->connections, l->connections == 1 ? "" : "s",
		    l->peers[0] ? ": " : "", l->peers) < 0;
		r |= evbuffer_add_printf(out, "         sent %" PRIu64 " B, received %" PRIu64
		    " B, dropped %" PRIu64 " B, connects %u, failures %u, clients dropped %u\n",
		    l->stats.tx_bytes, l->stats.rx_bytes, l->stats.tx_dropped,
		    l->stats.connects, l->stats.failures, l->stats.clients_dropped) < 0;
		r |= evbuffer_add_printf(out, "         cache %zu/%zu B, dropped %" PRIu64
		    " B, cleared %" PRIu64 " B, refused %" PRIu64 "\n", l->cache_bytes,
		    l->cache_max, l->cache_dropped, l->cache_cleared, l->stats.rx_refused) < 0;
		if (l->reconnects || l->heart_failures)
			r |= evbuffer_add_printf(out, "         reconnects %u, heartbeat failures "
			    "%u\n", l->reconnects, l->heart_failures) < 0;
		if (l->local_port)
			snprintf(from, sizeof(from), " from port %ld", l->local_port);
		r |= evbuffer_add_printf(out, "         %s %s%s%s%s\n",
		    l->server ? "listening on" : "to", l->where, from,
		    l->why[0] ? "; not up: " : "", l->why) < 0;
		for (int k = 0; k < l->npeers; k++) {
			const struct link_peer *p = &l->peer[k];
			char age[64];

			status_uptime_text(l->now_us - p->since_us, age, sizeof(age));
			char num[16] = "";

			if (p->client)
				snprintf(num, sizeof(num), "%d=", p->client);
			r |= evbuffer_add_printf(out, "         peer %s%s: connected %s ago, "
			    "sent %" PRIu64 " B, received %" PRIu64 " B\n", num, p->addr, age,
			    p->tx_bytes, p->rx_bytes) < 0;
		}
	}
	if (st->bridge_known) {
		char text[512];

		status_bridge_text(&st->bridge, text, sizeof(text));
		r |= evbuffer_add_printf(out, "bridge   %s\n", text) < 0;
	}
	r |= evbuffer_add_printf(out, "counters since the daemon started (%u restart%s), "
	    "peers' since they connected\n", st->restarts, st->restarts == 1 ? "" : "s") < 0;
	r |= evbuffer_add_printf(out, "traffic  serial -> network: %" PRIu64 " B in, %" PRIu64
	    " B out, %" PRIu64 " B dropped\n", t.to_net_in, t.to_net_out, t.to_net_dropped) < 0;
	r |= evbuffer_add_printf(out, "         network -> serial: %" PRIu64 " B in, %" PRIu64
	    " B out, %" PRIu64 " B dropped\n", t.to_serial_in, t.to_serial_out,
	    t.to_serial_dropped) < 0;
	r |= status_text_more(st, out);
	if (st->ftp.present) {
		char text[sizeof(st->ftp.url) + sizeof(st->ftp.why) + 160];

		status_ftp_text(&st->ftp, text, sizeof(text));
		r |= evbuffer_add_printf(out, "ftp      %s mode: %s\n", st->ftp.session, text) < 0;
		r |= evbuffer_add_printf(out, "         %u frames from the MCU, %u NAKs, %u packets "
		    "sent\n", st->ftp.frames_in, st->ftp.naks, st->ftp.packets_sent) < 0;
	}
	r |= status_modem_text(&st->modem, out);
	r |= status_sms_text(&st->sms, out);
	if (st->control_why[0])
		r |= evbuffer_add_printf(out, "control  not listening: %s; retrying\n",
		    st->control_why) < 0;
	r |= evbuffer_add_printf(out, "control  %s\n",
	    st->control_socket[0] ? st->control_socket : "(none)") < 0;
	if (st->web_why[0])
		r |= evbuffer_add_printf(out, "web      not listening: %s; retrying\n",
		    st->web_why) < 0;
	if (st->web_port > 0)
		r |= evbuffer_add_printf(out, "web      port %d\n         listening on %s\n",
		    st->web_port, st->web_listen) < 0;
	else
		r |= evbuffer_add_printf(out, "web      off\n") < 0;
	return r ? -ENOMEM : 0;
}

int
status_json_string(struct evbuffer *out, const char *s)
{
	int r = evbuffer_add(out, "\"", 1);

	for (const unsigned char *p = (const unsigned char *)s; *p && r == 0; p++) {
		if (*p == '"' || *p == '\\')
			r = evbuffer_add_printf(out, "\\%c", *p) < 0;
		else if (*p < 0x20 || *p == 0x7f)
			r = evbuffer_add_printf(out, "\\u%04x", *p) < 0;
		else
			r = evbuffer_add(out, p, 1);
	}
	if (r == 0)
		r = evbuffer_add(out, "\"", 1);
	return r ? -ENOMEM : 0;
}

/* "a:1, b:2" -> ["a:1","b:2"] */
static int
json_peers(struct evbuffer *out, const char *peers)
{
	char buf[sizeof(((struct bridge_link_status *)0)->peers)];
	char *save = NULL, *p;
	int first = 1, r = 0;

	util_strlcpy(buf, peers, sizeof(buf));
	r |= evbuffer_add(out, "[", 1);
	for (p = strtok_r(buf, ", ", &save); p; p = strtok_r(NULL, ", ", &save)) {
		if (!first)
			r |= evbuffer_add(out, ",", 1);
		r |= status_json_string(out, p);
		first = 0;
	}
	r |= evbuffer_add(out, "]", 1);
	return r;
}

/* The members a link has besides its counters: where its data goes, why
 * it is not up, and its peers with their own counters. Closes the object. */
static int
json_link_more(struct evbuffer *out, const struct bridge_link_status *l)
{
	int r = 0;

	r |= evbuffer_add_printf(out, ",\"%s\":", l->server ? "listen" : "destination") < 0;
	r |= status_json_string(out, l->where);
	r |= evbuffer_add_printf(out, ",\"why\":") < 0;
	r |= status_json_string(out, l->why);
	r |= evbuffer_add_printf(out, ",\"local_port\":%ld,\"reconnects\":%u,"
	    "\"heart_failures\":%u", l->local_port, l->reconnects, l->heart_failures) < 0;
	r |= evbuffer_add_printf(out, ",\"peer_list\":[") < 0;
	for (int k = 0; k < l->npeers; k++) {
		const struct link_peer *p = &l->peer[k];

		r |= evbuffer_add_printf(out, "%s{\"client\":%d,\"addr\":", k ? "," : "",
		    p->client) < 0;
		r |= status_json_string(out, p->addr);
		r |= evbuffer_add_printf(out, ",\"rx_bytes\":%" PRIu64 ",\"tx_bytes\":%" PRIu64
		    ",\"connected_s\":%.3f}", p->rx_bytes, p->tx_bytes,
		    (double)(l->now_us - p->since_us) / 1e6) < 0;
	}
	r |= evbuffer_add(out, "]}", 2);
	return r;
}

/* "rfc2217":{...},"discovery":{...}, (the trailing comma included). */
static int
status_json_more(const struct daemon_status *st, struct evbuffer *out)
{
	const struct rfc2217_status *f = &st->rfc2217;
	const struct discovery_status *d = &st->discovery;
	int r = 0;

	r |= evbuffer_add_printf(out, "\"rfc2217\":{\"port\":%ld,\"listening\":%s,\"listen\":",
	    f->port, f->listening ? "true" : "false") < 0;
	r |= status_json_string(out, f->listen);
	r |= evbuffer_add_printf(out, ",\"why\":") < 0;
	r |= status_json_string(out, f->why);
	r |= evbuffer_add_printf(out, ",\"client\":") < 0;
	r |= status_json_string(out, f->client);
	r |= evbuffer_add_printf(out, ",\"client_signature\":") < 0;
	r |= status_json_string(out, f->client_signature);
	r |= evbuffer_add_printf(out, ",\"connected_s\":%.3f,\"rx_bytes\":%" PRIu64
	    ",\"tx_bytes\":%" PRIu64 ",\"dropped\":%" PRIu64 ",\"requests\":%" PRIu64
	    ",\"faked\":%" PRIu64 ",\"clients\":%" PRIu64 ",\"refused_busy\":%" PRIu64
	    ",\"refused_acl\":%" PRIu64 "},", f->client[0] ? (double)f->connected_us / 1e6 : 0.0,
	    f->rx_bytes, f->tx_bytes, f->dropped, f->requests, f->faked, f->clients,
	    f->refused_busy, f->refused_acl) < 0;
	r |= evbuffer_add_printf(out, "\"discovery\":{\"enabled\":%s,\"listening\":%s,"
	    "\"why\":", d->enabled ? "true" : "false", d->listening ? "true" : "false") < 0;
	r |= status_json_string(out, d->why);
	r |= evbuffer_add_printf(out, ",\"searches\":%" PRIu64 ",\"legacy\":%" PRIu64
	    ",\"ignored\":%" PRIu64 ",\"refused\":%" PRIu64 "},", d->searches, d->legacy,
	    d->ignored, d->refused) < 0;
	return r;
}

/* The FTP download, or null where the personality has none. */
static int
json_ftp(struct evbuffer *out, const struct ftp_status *f)
{
	int r = 0;

	if (!f->present)
		return evbuffer_add_printf(out, "null") < 0;
	r |= evbuffer_add_printf(out, "{\"session\":\"%s\",\"state\":\"%s\",\"url\":",
	    f->session, f->state) < 0;
	r |= status_json_string(out, f->url);
	r |= evbuffer_add_printf(out, ",\"bytes\":%" PRIu64 ",\"total\":%" PRId64 ","
	    "\"rate\":%" PRIu64 ",\"retries\":%u,\"retries_max\":%u,\"size\":%" PRIu32 ","
	    "\"crc32\":\"%08" PRIx32 "\",\"packets\":%" PRIu32 ",\"retry_in_s\":%.3f,"
	    "\"frames_in\":%u,\"naks\":%u,\"packets_sent\":%u,\"why\":", f->bytes, f->total,
	    f->rate, f->retries, f->retries_max, f->size, f->crc, f->packets,
	    (double)f->retry_in_us / 1e6, f->frames_in, f->naks, f->packets_sent) < 0;
	r |= status_json_string(out, f->why);
	r |= evbuffer_add(out, "}", 1);
	return r;
}

int
status_json(const struct daemon_status *st, struct evbuffer *out)
{
	const char *par = serial_parity_name(st->line.parity);
	struct status_traffic t;
	int r = 0;

	status_traffic(st, &t);
	r |= evbuffer_add_printf(out, "{\"version\":\"%s\",\"personality\":\"%s\","
	    "\"uptime_s\":%.3f,\"restarts\":%u,", PACKAGE_VERSION,
	    personality_name(st->personality), (double)st->uptime_us / 1e6, st->restarts) < 0;
	r |= evbuffer_add_printf(out, "\"serial\":{\"device\":") < 0;
	r |= status_json_string(out, st->serial_device);
	r |= evbuffer_add_printf(out, ",\"open\":%s,\"baud\":%ld,\"data_bits\":%d,"
	    "\"stop_bits\":%d,\"parity\":\"%s\",\"flow\":\"%s\",\"mode\":\"%s\","
	    "\"rx_bytes\":%" PRIu64 ",\"tx_bytes\":%" PRIu64 ",\"tx_dropped\":%" PRIu64 ","
	    "\"queued\":%zu,\"reopens\":%u,\"held_bytes\":%zu,\"held_dropped\":%" PRIu64 ",",
	    st->serial.open ? "true" : "false", st->line.baud, st->line.data_bits,
	    st->line.stop_bits,
	    par ? par : serial_parity_name(PARITY_NONE),
	    st->line.flow == FLOW_RTSCTS ? "FC" : "NFC",
	    st->command_mode ? "command" : "transparent",
	    st->serial.rx_bytes, st->serial.tx_bytes, st->serial.tx_dropped,
	    st->serial.queued, st->serial.reopens, st->held_bytes, st->held_dropped) < 0;
	r |= evbuffer_add_printf(out, "\"line_read_back\":%s,\"why\":",
	    st->line_known ? "true" : "false") < 0;
	r |= status_json_string(out, st->serial.why);
	if (st->line_err) {
		const char *wp = serial_parity_name(st->line_wanted.parity);

		r |= evbuffer_add_printf(out, ",\"refused\":{\"baud\":%ld,\"data_bits\":%d,"
		    "\"stop_bits\":%d,\"parity\":\"%s\",\"flow\":\"%s\",\"error\":",
		    st->line_wanted.baud, st->line_wanted.data_bits, st->line_wanted.stop_bits,
		    wp ? wp : serial_parity_name(PARITY_NONE),
		    st->line_wanted.flow == FLOW_RTSCTS ? "FC" : "NFC") < 0;
		r |= status_json_string(out, strerror(-st->line_err));
		r |= evbuffer_add(out, "}", 1);
	} else {
		r |= evbuffer_add_printf(out, ",\"refused\":null") < 0;
	}
	r |= evbuffer_add(out, "},", 2);
	r |= workmode_status_json(&st->work, out) < 0;
	r |= framemode_status_json(&st->frame, out) < 0;
	r |= evbuffer_add_printf(out, "\"links\":[") < 0;
	for (int i = 0; i < st->nlinks; i++) {
		const struct bridge_link_status *l = &st->link[i];

		r |= evbuffer_add_printf(out, "%s{\"link\":%d,\"active\":%s,\"mode\":\"%s\","
		    "\"state\":\"%s\",\"connections\":%d,\"peers\":", i ? "," : "", i + 1,
		    l->active ? "true" : "false", l->active ? l->mode : "",
		    l->active ? l->state : "off", l->connections) < 0;
		r |= json_peers(out, l->peers);
		r |= evbuffer_add_printf(out, ",\"rx_bytes\":%" PRIu64 ",\"tx_bytes\":%" PRIu64
		    ",\"tx_dropped\":%" PRIu64 ",\"rx_refused\":%" PRIu64 ",\"connects\":%u,"
		    "\"failures\":%u,\"clients_dropped\":%u,\"cache_bytes\":%zu,"
		    "\"cache_max\":%zu,\"cache_dropped\":%" PRIu64 ",\"cache_cleared\":%" PRIu64
		    , l->stats.rx_bytes, l->stats.tx_bytes, l->stats.tx_dropped,
		    l->stats.rx_refused, l->stats.connects, l->stats.failures,
		    l->stats.clients_dropped, l->cache_bytes, l->cache_max, l->cache_dropped,
		    l->cache_cleared) < 0;
		r |= json_link_more(out, l);
	}
	r |= evbuffer_add_printf(out, "],\"traffic\":{\"serial_to_network\":{\"in\":%" PRIu64
	    ",\"out\":%" PRIu64 ",\"dropped\":%" PRIu64 "},\"network_to_serial\":{\"in\":%"
	    PRIu64 ",\"out\":%" PRIu64 ",\"dropped\":%" PRIu64 "}},", t.to_net_in,
	    t.to_net_out, t.to_net_dropped, t.to_serial_in, t.to_serial_out,
	    t.to_serial_dropped) < 0;
	/* One lifetime for every counter (issue "Safe and honest in
	 * operation"): the daemon's, restarts counted apart; a peer's own
	 * counters since it connected. The members added after the first
	 * release go here: usrbridgectl(1) shows web_port last. */
	if (st->bridge_known) {
		const struct bridge_status *b = &st->bridge;

		r |= evbuffer_add_printf(out, "\"bridge\":{\"heartbeat_net_s\":%ld,"
		    "\"heartbeat_com_s\":%ld,\"heartbeat_bytes\":%zu,\"registration\":\"%s\","
		    "\"registration_bytes\":%zu,\"short_connections\":%s,\"short_timeout_s\":%ld,"
		    "\"idle_restart_s\":%ld,\"idle_restart_set\":%ld,\"idle_restart_in_s\":",
		    b->heart_net_s, b->heart_com_s, b->heart_len, reg_name(b), b->reg_len,
		    b->short_conn ? "true" : "false", b->short_timeout_s, b->idle_restart_s,
		    b->idle_restart_set) < 0;
		if (b->idle_left_us >= 0)
			r |= evbuffer_add_printf(out, "%.3f},", (double)b->idle_left_us / 1e6) < 0;
		else
			r |= evbuffer_add_printf(out, "null},") < 0;
	}
	r |= evbuffer_add_printf(out, "\"counters_since\":\"daemon start\",\"ftp\":") < 0;
	r |= json_ftp(out, &st->ftp);
	r |= evbuffer_add_printf(out, ",\"web_listen\":") < 0;
	r |= status_json_string(out, st->web_listen);
	r |= evbuffer_add_printf(out, ",\"web_why\":") < 0;
	r |= status_json_string(out, st->web_why);
	r |= evbuffer_add_printf(out, ",\"control_why\":") < 0;
	r |= status_json_string(out, st->control_why);
	r |= evbuffer_add(out, ",", 1);
	r |= status_json_more(st, out);
	r |= status_modem_json(&st->modem, out);
	r |= status_sms_json(&st->sms, out);
	r |= evbuffer_add_printf(out, "\"control_socket\":") < 0;
	r |= status_json_string(out, st->control_socket);
	r |= evbuffer_add_printf(out, ",\"web_port\":%d}\n", st->web_port) < 0;
	return r ? -ENOMEM : 0;
}
