/* HTPC: the HTTP client mode of the 30X (PROTOCOLS.md §3 HTPC). Each frame
 * is one request to http://<SOCK host>:<SOCK port><HTPURL>: GET appends the
 * frame to the URL (htpc-req.c escapes it), POST sends it as the body;
 * HTPHEAD adds header lines. The response goes to the serial line (HTPCHD
 * ON: the body only; OFF: status line, headers and body), at most
 * HTPC_RESPONSE_MAX bytes of it. Requests go one at a time, in order: while
 * one is under way send() says -ENOBUFS and the bridge keeps the frames in
 * its bounded offline cache, sending the next when this one ends. A failed
 * request is logged and counted (requests_failed), never dropped unseen.
 * libcurl runs on our event loop through curl-glue.c. network.allow_out is
 * checked twice before anything is dialled: on the resolved address (the
 * name is pinned with CURLOPT_RESOLVE, so libcurl never resolves it
 * itself), and on every socket libcurl opens (CURLOPT_OPENSOCKETFUNCTION). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "curl-glue.h"
#include "htpc-req.h"
#include "link.h"
#include "log.h"
#include "util.h"

/* Bytes of one response written to the serial line; the rest is counted in
 * rx_dropped and logged. */
#define HTPC_RESPONSE_MAX 65536

struct htpc {
	struct curl_glue *glue;		/* the daemon's; NULL: libcurl is missing, the
					 * link stays down */
	const struct curl_fns *fn;
	CURL *easy;			/* the request under way, or NULL */
	struct curl_slist *headers;	/* HTPHEAD lines */
	struct curl_slist *resolve;	/* "host:port:address" when SOCK host is a name */
	struct event *ev_retry;		/* name lookup retry */
	int blocked;			/* a send got -ENOBUFS: on_writable when done */
	size_t resp_bytes;		/* of this response, written to the serial line */
	int truncated_noted;
	char what[272];			/* "GET 127.0.0.1:80/path", for logs */
	char err[CURL_ERROR_SIZE];
	char addr[64];			/* the checked address */
};

static const char *
method_name(const struct link *l)
{
	return l->set->http_method == HTTP_POST ? "POST" : "GET";
}

static void
deliver(struct link *l, const char *p, size_t n)
{
	struct htpc *h = l->priv;
	size_t room = HTPC_RESPONSE_MAX - h->resp_bytes;

	if (n > room) {
		l->stats.rx_dropped += n - room;
		if (!h->truncated_noted)
			log_warn("link%d: HTTP response longer than %d bytes; the rest is dropped",
			    l->index + 1, HTPC_RESPONSE_MAX);
		h->truncated_noted = 1;
		n = room;
	}
	if (n == 0)
		return;
	h->resp_bytes += n;
	l->stats.rx_bytes += n;
	l->cbs.on_data(l, 0, (const uint8_t *)p, n);
}

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	deliver(arg, p, size * n);
	return size * n;
}

static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct link *l = arg;

	/* HTPCHD=OFF: the status line and headers go out as received. */
	if (!l->set->http_strip_header)
		deliver(l, p, size * n);
	return size * n;
}

/* CURLOPT_OPENSOCKETFUNCTION: the last check before anything is dialled. */
static curl_socket_t
open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct link *l = arg;
	char text[80];
	int fd, r;

	if (purpose != CURLSOCKTYPE_IPCXN)
		return CURL_SOCKET_BAD;
	if (!netacl_allows(l->allow_out, &a->addr)) {
		link_addr_text(&a->addr, text, sizeof(text));
		log_warn("link%d: destination %s is outside network.allow_out; not dialled",
		    l->index + 1, text);
		return CURL_SOCKET_BAD;
	}
	fd = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
	if (fd < 0)
		return CURL_SOCKET_BAD;
	/* Keepalive and TCP_USER_TIMEOUT as on every TCP connection (tcp.*):
	 * a request to a server that vanished fails instead of hanging until
	 * http.timeout only because the kernel never says so. */
	if (a->socktype == SOCK_STREAM && (r = link_tcp_keepalive(l->set, fd)) < 0)
		log_debug("link%d: keepalive: %s", l->index + 1, strerror(-r));
	return fd;
}

static void
on_done(CURL *easy, CURLcode res, void *arg)
{
	struct link *l = arg;
	struct htpc *h = l->priv;
	long code = 0;

	if (res != CURLE_OK) {
		l->stats.requests_failed++;
		log_warn("link%d: HTTP %s failed: %s (%u failed)", l->index + 1, h->what,
		    h->err[0] ? h->err : h->fn->easy_strerror(res), l->stats.requests_failed);
	} else {
		h->fn->easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
		l->stats.connects++;
		log_debug("link%d: HTTP %s: %ld, %zu bytes to the serial line", l->index + 1,
		    h->what, code, h->resp_bytes);
	}
	h->fn->easy_cleanup(easy);
	h->easy = NULL;
	if (h->blocked) {
		h->blocked = 0;
		if (l->cbs.on_writable)
			l->cbs.on_writable(l);
	}
}

static int
start_request(struct link *l, const uint8_t *data, size_t len)
{
	struct htpc *h = l->priv;
	const struct curl_fns *fn = h->fn;
	int post = l->set->http_method == HTTP_POST;
	size_t cap = htpc_req_url_len(l->ls->host, l->set->http_url, data, post ? 0 : len);
	char *url = malloc(cap);
	CURL *easy;
	int r;

	if (!url)
		return -ENOMEM;
	r = htpc_req_url(l->ls->host, l->ls->port, l->set->http_url, data, post ? 0 : len, url,
	    cap);
	easy = r < 0 ? NULL : fn->easy_init();
	if (!easy) {
		free(url);
		return -ENOMEM;
	}
	snprintf(h->what, sizeof(h->what), "%s %s:%ld%s", method_name(l), l->ls->host,
	    l->ls->port, l->set->http_url);
	h->err[0] = '\0';
	h->resp_bytes = 0;
	h->truncated_noted = 0;
	fn->easy_setopt(easy, CURLOPT_URL, url);
	free(url);			/* libcurl keeps its own copy */
	fn->easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	/* No proxy from the environment: the request goes where SOCK says. */
	fn->easy_setopt(easy, CURLOPT_PROXY, "");
	fn->easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
	fn->easy_setopt(easy, CURLOPT_TIMEOUT, l->set->http_timeout);
	fn->easy_setopt(easy, CURLOPT_CONNECTTIMEOUT, l->set->http_timeout);
	fn->easy_setopt(easy, CURLOPT_HTTPHEADER, h->headers);
	if (h->resolve)
		fn->easy_setopt(easy, CURLOPT_RESOLVE, h->resolve);
	fn->easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	fn->easy_setopt(easy, CURLOPT_OPENSOCKETDATA, l);
	fn->easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
	fn->easy_setopt(easy, CURLOPT_WRITEDATA, l);
	fn->easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
	fn->easy_setopt(easy, CURLOPT_HEADERDATA, l);
	fn->easy_setopt(easy, CURLOPT_ERRORBUFFER, h->err);
	if (post) {
		/* The size first: the frame is binary and may hold zeros. */
		fn->easy_setopt(easy, CURLOPT_POSTFIELDSIZE, (long)len);
		fn->easy_setopt(easy, CURLOPT_COPYPOSTFIELDS, (const char *)data);
	} else {
		fn->easy_setopt(easy, CURLOPT_HTTPGET, 1L);
	}
	r = curl_glue_start(h->glue, easy, on_done, l);
	if (r < 0) {
		fn->easy_cleanup(easy);
		return r;
	}
	h->easy = easy;
	return 0;
}

static void htpc_resolve(struct link *l);

static void
on_retry(evutil_socket_t fd, short what, void *arg)
{
	htpc_resolve(arg);
}

static void
on_resolved(struct link *l, int err, const struct sockaddr *sa, socklen_t salen)
{
	struct htpc *h = l->priv;
	struct in6_addr a6;
	struct in_addr a4;

	if (err == -EACCES) {
		link_set_state(l, LINK_REFUSED);
		return;
	}
	if (err < 0) {
		link_fail(l, h->ev_retry);
		return;
	}
	link_addr_text(sa, h->addr, sizeof(h->addr));
	if (inet_pton(AF_INET, l->ls->host, &a4) != 1 && inet_pton(AF_INET6, l->ls->host, &a6) != 1) {
		/* A name: pin it to the address we checked. */
		char ip[INET6_ADDRSTRLEN], entry[256];

		if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, ip,
			    sizeof(ip));
		else
			inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, ip,
			    sizeof(ip));
		snprintf(entry, sizeof(entry), sa->sa_family == AF_INET6 ? "%s:%ld:[%s]" :
		    "%s:%ld:%s", l->ls->host, l->ls->port, ip);
		h->fn->slist_free_all(h->resolve);
		h->resolve = h->fn->slist_append(NULL, entry);
	}
	l->stats.failures = 0;
	link_set_state(l, LINK_UP);
	if (l->cbs.on_conn)
		l->cbs.on_conn(l, 0, 1, 1);
}

static void
htpc_resolve(struct link *l)
{
	link_resolve(l, l->ls->host, l->ls->port, on_resolved);
}

static int
htpc_start(struct link *l)
{
	struct htpc *h = calloc(1, sizeof(*h));
	const char *cur;
	char line[256];

	if (!h)
		return -ENOMEM;
	h->ev_retry = evtimer_new(l->base, on_retry, l);
	if (!h->ev_retry) {
		free(h);
		return -ENOMEM;
	}
	l->priv = h;
	h->glue = l->curl ? curl_lazy_get(l->curl) : NULL;
	if (!h->glue) {
		/* Frames wait in the bridge's bounded cache and are counted
		 * there when it overflows. */
		log_err("link%d: the HTTP client needs libcurl; the link stays down",
		    l->index + 1);
		link_set_state(l, LINK_DOWN);
		return 0;
	}
	h->fn = curl_glue_fns(h->glue);
	cur = l->set->http_header;
	while (htpc_req_header_next(&cur, line, sizeof(line)))
		h->headers = h->fn->slist_append(h->headers, line);
	/* No "Expect: 100-continue" round trip before a POST body. */
	h->headers = h->fn->slist_append(h->headers, "Expect:");
	log_info("link%d: HTTP client, %s http://%s:%ld%s", l->index + 1, method_name(l),
	    l->ls->host, l->ls->port, l->set->http_url);
	htpc_resolve(l);
	return 0;
}

static void
htpc_stop(struct link *l)
{
	struct htpc *h = l->priv;

	if (!h)
		return;
	link_resolve_cancel(l);
	if (h->easy) {
		curl_glue_cancel(h->glue, h->easy);
		h->fn->easy_cleanup(h->easy);
	}
	if (h->fn) {
		h->fn->slist_free_all(h->headers);
		h->fn->slist_free_all(h->resolve);
	}
	event_free(h->ev_retry);
	free(h);
	l->priv = NULL;
	link_set_state(l, LINK_DOWN);
}

static int
htpc_send(struct link *l, const uint8_t *data, size_t len)
{
	struct htpc *h = l->priv;
	int r;

	if (!h || l->state != LINK_UP)
		return -ENOTCONN;
	if (h->easy) {
		h->blocked = 1;
		return -ENOBUFS;
	}
	r = start_request(l, data, len);
	if (r < 0) {
		l->stats.requests_failed++;
		log_warn("link%d: cannot start an HTTP request: %s (%u failed)", l->index + 1,
		    strerror(-r), l->stats.requests_failed);
		return 0;
	}
	l->stats.tx_bytes += len;
	return 0;
}

static void
htpc_pause(struct link *l, int paused)
{
	/* A response is bounded by HTPC_RESPONSE_MAX: nothing to hold back. */
	l->paused = paused;
}

static int
htpc_connections(const struct link *l)
{
	return l->state == LINK_UP;
}

static void
htpc_kick(struct link *l)
{
}

/* The request under way is cancelled (counted and logged as failed) and
 * the server's name is looked up again after the first backoff step. */
static void
htpc_reset(struct link *l)
{
	struct htpc *h = l->priv;
	int was_up = l->state == LINK_UP;

	if (!h || !h->glue)
		return;
	link_resolve_cancel(l);
	if (h->easy) {
		curl_glue_cancel(h->glue, h->easy);
		h->fn->easy_cleanup(h->easy);
		h->easy = NULL;
		l->stats.requests_failed++;
		log_warn("link%d: %s cancelled by a reset (%u failed)", l->index + 1, h->what,
		    l->stats.requests_failed);
	}
	h->blocked = 0;
	if (l->state == LINK_REFUSED)
		return;
	link_set_state(l, LINK_DOWN);
	if (was_up && l->cbs.on_conn)
		l->cbs.on_conn(l, 0, 0, 0);
	if (!l->priv)
		return;
	l->stats.failures = 1;
	link_retry_later(l, h->ev_retry);
}

static void
htpc_peers(const struct link *l, char *buf, size_t cap)
{
	const struct htpc *h = l->priv;

	snprintf(buf, cap, "%s", h && l->state == LINK_UP ? h->addr : "");
}

const struct link_ops link_htpc_ops = {
	.name = "HTPC",
	.start = htpc_start,
	.stop = htpc_stop,
	.send = htpc_send,
	.pause = htpc_pause,
	.connections = htpc_connections,
	.kick = htpc_kick,
	.peers = htpc_peers,
	.reset = htpc_reset,
};
