/* AT command mode's connection (cmdconn.h; PROTOCOLS.md §4 CIOPEN, CISEND,
 * CICLOSE). The result texts follow the CI-family modems' TCP/IP command
 * set (SIM800's AT+CIPSTART family): "CONNECT OK", "CONNECT FAIL",
 * "CLOSED", "SEND OK", "CLOSE OK"; everything refused is V.250's ERROR. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "at.h"
#include "cisend.h"
#include "cmdconn.h"
#include "link.h"
#include "log.h"
#include "netacl.h"
#include "util.h"

static const char *const cmdconn_state_names[CC_STATE_COUNT] = {
	[CC_CLOSED] = "closed",
	[CC_OPENING] = "opening",
	[CC_UP] = "up",
};

/* Owned by dtu.c (one per start in CIMOD=2); owns its link. */
struct cmdconn {
	struct event_base *base;
	struct evdns_base *dns;
	struct settings set;		/* link[0] is the connection's; the link points here */
	struct netacl allow_out, allow_in;
	struct cmdconn_cbs cbs;
	void *arg;
	enum cmdconn_state state;
	struct link *link;		/* the connection, or NULL */
	struct link *dead;		/* stopped inside its own callback; freed by ev_free */
	struct event *ev_free;
	struct at_req *open_req;	/* AT+CIOPEN waiting for OK or ERROR */
	struct at_req *send_req;	/* AT+CISEND in its data phase */
	struct cisend data;
	int paused;
	char dest[160];			/* "TCP 127.0.0.1:9000" */
	uint64_t tx_bytes, rx_bytes;
};

static void
set_state(struct cmdconn *cc, enum cmdconn_state to)
{
	if (cc->state == to)
		return;
	log_debug("ciopen: %s -> %s", cmdconn_state_names[cc->state], cmdconn_state_names[to]);
	cc->state = to;
}

static void
on_free(evutil_socket_t fd, short what, void *arg)
{
	struct cmdconn *cc = arg;

	link_free(cc->dead);
	cc->dead = NULL;
}

/* Stops the link now (no retry: its module sees priv gone) and frees it
 * once its callback has returned. */
static void
drop_link(struct cmdconn *cc)
{
	struct link *l = cc->link;

	if (!l)
		return;
	cc->link = NULL;
	l->ops->stop(l);
	link_free(cc->dead);
	cc->dead = l;
	event_active(cc->ev_free, EV_TIMEOUT, 0);
	set_state(cc, CC_CLOSED);
}

static void
finish_open(struct cmdconn *cc, int rc)
{
	struct at_req *r = cc->open_req;

	if (!r)
		return;
	cc->open_req = NULL;
	r->cancel = NULL;
	at_finish(r, rc);
}

static void
on_data(struct link *l, int client, const uint8_t *d, size_t n)
{
	struct cmdconn *cc = l->arg;

	cc->rx_bytes += n;
	cc->cbs.data(cc->arg, d, n);
}

static void
on_conn(struct link *l, int client, int up, int n)
{
	struct cmdconn *cc = l->arg;

	if (l != cc->link)
		return;
	if (up) {
		finish_open(cc, AT_DONE);
		set_state(cc, CC_UP);
		log_info("ciopen: %s connected", cc->dest);
		cc->cbs.urc(cc->arg, "CONNECT OK");
		return;
	}
	log_info("ciopen: %s closed by the peer", cc->dest);
	drop_link(cc);
	cc->cbs.urc(cc->arg, "CLOSED");
}

static void
on_connect_failed(struct link *l)
{
	struct cmdconn *cc = l->arg;

	if (l != cc->link)
		return;
	log_warn("ciopen: cannot connect to %s", cc->dest);
	drop_link(cc);
	/* Before the attempt began (the name): the command fails; after, the
	 * attempt does. */
	if (cc->open_req)
		finish_open(cc, AT_ERR_PARAM);
	else
		cc->cbs.urc(cc->arg, "CONNECT FAIL");
}

static void
on_state(struct link *l, enum link_state st)
{
	struct cmdconn *cc = l->arg;

	if (l != cc->link)
		return;
	if (st == LINK_REFUSED) {
		log_warn("ciopen: %s is outside network.allow_out; not dialled", cc->dest);
		drop_link(cc);
		finish_open(cc, AT_ERR_PERM);
	} else if (st == LINK_CONNECTING) {
		/* The attempt is under way: OK now, CONNECT OK or FAIL later. */
		finish_open(cc, AT_DONE);
	}
}

static void
open_cancel(struct at_req *r)
{
	struct cmdconn *cc = r->hdata;

	cc->open_req = NULL;
}

struct cmdconn *
cmdconn_new(struct event_base *base, struct evdns_base *dns, const struct settings *run,
    const struct cmdconn_cbs *cbs, void *arg)
{
	struct cmdconn *cc = calloc(1, sizeof(*cc));

	if (!cc)
		return NULL;
	cc->ev_free = event_new(base, -1, 0, on_free, cc);
	if (!cc->ev_free) {
		free(cc);
		return NULL;
	}
	cc->base = base;
	cc->dns = dns;
	cc->set = *run;
	/* Both lists were validated when the settings were loaded. */
	netacl_parse(cc->set.allow_out, &cc->allow_out);
	netacl_parse(cc->set.allow_in, &cc->allow_in);
	cc->cbs = *cbs;
	cc->arg = arg;
	return cc;
}

void
cmdconn_free(struct cmdconn *cc)
{
	if (!cc)
		return;
	if (cc->open_req)
		at_cancel(cc->open_req->s);
	if (cc->send_req)
		at_cancel(cc->send_req->s);
	if (cc->link) {
		log_info("ciopen: closing %s", cc->dest);
		link_free(cc->link);
	}
	link_free(cc->dead);
	event_free(cc->ev_free);
	free(cc);
}

int
cmdconn_open(struct cmdconn *cc, struct at_req *r, int udp, const char *host, long port)
{
	static const struct link_cbs lcbs = {
		.on_data = on_data,
		.on_conn = on_conn,
		.on_connect_failed = on_connect_failed,
		.on_state = on_state,
	};
	struct link_settings *ls = &cc->set.link[0];
	struct link *l;

	if (cc->link) {
		snprintf(r->why, sizeof(r->why), "a connection is open (%.100s): AT+CICLOSE first",
		    cc->dest);
		return AT_ERR_PERM;
	}
	memset(ls, 0, sizeof(*ls));
	ls->enabled = 1;
	ls->mode = udp ? LINK_UDPC : LINK_TCPC;
	util_strlcpy(ls->host, host, sizeof(ls->host));
	ls->port = port;
	cc->set.short_conn = 0;
	snprintf(cc->dest, sizeof(cc->dest), strchr(host, ':') ? "%s [%s]:%ld" : "%s %s:%ld",
	    udp ? "UDP" : "TCP", host, port);
	l = link_new(cc->base, cc->dns, &cc->set, 0, &cc->allow_out, &cc->allow_in, &lcbs, cc);
	if (!l)
		return AT_ERR_PERM;
	cc->link = l;
	cc->open_req = r;
	r->hdata = cc;
	r->cancel = open_cancel;
	set_state(cc, CC_OPENING);
	log_info("ciopen: opening %s", cc->dest);
	if (cc->paused)
		l->ops->pause(l, 1);
	if (l->ops->start(l) < 0) {
		cc->link = NULL;
		cc->open_req = NULL;
		r->cancel = NULL;
		link_free(l);
		set_state(cc, CC_CLOSED);
		return AT_ERR_PERM;
	}
	/* A numeric address answers at once (r was finished inside start);
	 * a link that neither looks a name up nor connects could not start. */
	if (cc->open_req && cc->link && l->state != LINK_RESOLVING) {
		log_warn("ciopen: cannot open %s", cc->dest);
		drop_link(cc);
		finish_open(cc, AT_ERR_PERM);
	}
	return AT_PENDING;
}

static void
send_cancel(struct at_req *r)
{
	struct cmdconn *cc = r->hdata;

	cc->send_req = NULL;
	cc->cbs.raw(cc->arg, 0);
}

/* The data phase is over: the console takes lines again, then the reply
 * (result: the final result of a success, NULL: OK). */
static void
send_end(struct cmdconn *cc, int rc, const char *result)
{
	struct at_req *r = cc->send_req;

	cc->send_req = NULL;
	cc->cbs.raw(cc->arg, 0);
	if (!r)
		return;
	r->cancel = NULL;
	r->result = result;
	at_finish(r, rc);
}

int
cmdconn_send(struct cmdconn *cc, struct at_req *r)
{
	if (cc->state != CC_UP) {
		snprintf(r->why, sizeof(r->why), "no connection: AT+CIOPEN first");
		return AT_ERR_PERM;
	}
	cisend_begin(&cc->data);
	cc->send_req = r;
	r->hdata = cc;
	r->cancel = send_cancel;
	/* 3GPP TS 27.005 §3.5.1: CR LF '>' space. */
	at_puts(r->s, "\r\n> ");
	at_flush(r->s);
	cc->cbs.raw(cc->arg, 1);
	return AT_PENDING;
}

size_t
cmdconn_raw(struct cmdconn *cc, const uint8_t *d, size_t n)
{
	size_t used;
	enum cisend_event ev;
	int r;

	if (!cc->send_req) {
		cc->cbs.raw(cc->arg, 0);
		return 0;
	}
	ev = cisend_feed(&cc->data, d, n, &used);
	if (ev == CISEND_MORE)
		return used;
	if (ev == CISEND_CANCEL) {
		/* 27.005 AT+CMGS: ESC quits without sending. */
		log_info("ciopen: AT+CISEND cancelled (ESC), %zu bytes not sent", cc->data.len);
		send_end(cc, AT_DONE, NULL);
		return used;
	}
	if (!cisend_ok(&cc->data)) {
		if (cc->data.overflow)
			log_warn("ciopen: AT+CISEND: more than %d bytes; nothing sent", CISEND_MAX);
		else
			log_warn("ciopen: AT+CISEND: no data; nothing sent");
		send_end(cc, AT_ERR_PARAM, NULL);
		return used;
	}
	r = cc->link && cc->state == CC_UP ?
	    cc->link->ops->send(cc->link, cc->data.buf, cc->data.len) : -ENOTCONN;
	if (r < 0) {
		log_warn("ciopen: AT+CISEND to %s: %s; nothing sent", cc->dest,
		    r == -ENOTCONN ? "not connected" : strerror(-r));
		send_end(cc, AT_ERR_PERM, NULL);
		return used;
	}
	cc->tx_bytes += cc->data.len;
	send_end(cc, AT_DONE, "SEND OK");
	return used;
}

int
cmdconn_close(struct cmdconn *cc, struct at_req *r)
{
	if (!cc->link) {
		snprintf(r->why, sizeof(r->why), "no connection to close");
		return AT_ERR_PERM;
	}
	log_info("ciopen: %s closed (AT+CICLOSE)", cc->dest);
	drop_link(cc);
	r->result = "CLOSE OK";
	return AT_DONE;
}

void
cmdconn_pause(struct cmdconn *cc, int paused)
{
	cc->paused = paused;
	if (cc->link)
		cc->link->ops->pause(cc->link, paused);
}

enum cmdconn_state
cmdconn_state(const struct cmdconn *cc)
{
	return cc->state;
}

void
cmdconn_status(const struct cmdconn *cc, char *buf, size_t cap)
{
	if (cc->state == CC_CLOSED) {
		buf[0] = '\0';
		return;
	}
	snprintf(buf, cap, "%s %s, sent %llu B, received %llu B", cc->dest,
	    cmdconn_state_names[cc->state], (unsigned long long)cc->tx_bytes,
	    (unsigned long long)cc->rx_bytes);
}
