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
	for (int i = 0; i < st->nlinks; i++) {
		const struct bridge_link_status *l = &st->link[i];

		if (!l->active) {
			r |= evbuffer_add_printf(out, "link%d    off\n", i + 1) < 0;
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
		r |= evbuffer_add_printf(out, "         %s %s%s%s\n",
		    l->server ? "listening on" : "to", l->where, l->why[0] ? "; not up: " : "",
		    l->why) < 0;
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
	r |= evbuffer_add_printf(out, "counters since the daemon started (%u restart%s), "
	    "peers' since they connected\n", st->restarts, st->restarts == 1 ? "" : "s") < 0;
	r |= evbuffer_add_printf(out, "traffic  serial -> network: %" PRIu64 " B in, %" PRIu64
	    " B out, %" PRIu64 " B dropped\n", t.to_net_in, t.to_net_out, t.to_net_dropped) < 0;
	r |= evbuffer_add_printf(out, "         network -> serial: %" PRIu64 " B in, %" PRIu64
	    " B out, %" PRIu64 " B dropped\n", t.to_serial_in, t.to_serial_out,
	    t.to_serial_dropped) < 0;
	r |= status_modem_text(&st->modem, out);
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
	r |= evbuffer_add_printf(out, "\"counters_since\":\"daemon start\",\"web_listen\":") < 0;
	r |= status_json_string(out, st->web_listen);
	r |= evbuffer_add_printf(out, ",\"web_why\":") < 0;
	r |= status_json_string(out, st->web_why);
	r |= evbuffer_add_printf(out, ",\"control_why\":") < 0;
	r |= status_json_string(out, st->control_why);
	r |= evbuffer_add(out, ",", 1);
	r |= status_modem_json(&st->modem, out);
	r |= evbuffer_add_printf(out, "\"control_socket\":") < 0;
	r |= status_json_string(out, st->control_socket);
	r |= evbuffer_add_printf(out, ",\"web_port\":%d}\n", st->web_port) < 0;
	return r ? -ENOMEM : 0;
}
