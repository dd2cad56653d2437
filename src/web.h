/* The web page of the device (DESIGN.md §3 "web"), as the real 30X has one:
 * libevent's evhttp on WEBPORT, HTTP Basic auth with WEBU, a status page, a
 * settings form generated from the settings table and a restart button.
 * Plain HTML forms: no JavaScript, no external assets. */
#ifndef USRB_WEB_H
#define USRB_WEB_H

#include <stddef.h>
#include <stdint.h>

struct evbuffer;
struct host;
struct service;
struct sockaddr;
struct settings;
struct web;

#define WEB_BODY_MAX	16384	/* request body cap (the settings form is ~3 KiB) */
#define WEB_HEADERS_MAX	8192
#define WEB_TIMEOUT_SEC	30
#define WEB_ACCEPT_PAUSE_MS 1000	/* after EMFILE */

/* Owned by the instance. NULL only without memory. */
struct web *web_new(const struct host *host);
void web_free(struct web *w);

/* Follows the running settings: web.enabled, WEBPORT (rebinds; requests in
 * progress finish), WEBU, network.allow_in. A port that cannot be bound is
 * logged and the daemon runs on without the page. 0 or -errno. */
int web_apply(struct web *w, const struct settings *run);

/* Whether web.tls_cert and web.tls_key of st (when the page is enabled
 * and either is set) load as a certificate and its key: the daemon and
 * its -t refuse a config where they do not. 0, or -EINVAL with why. */
int web_tls_check(const struct settings *st, char *why, size_t cap);

/* The port listened on, 0 when none. */
int web_port(const struct web *w);

/* The web page as a service of the instance (host.h): new, apply and free
 * as above; its status part is the port. */
extern const struct service web_service;

/* One request, taken apart from evhttp so that web_handle() runs without
 * a socket (tests/check_web.c). Header values are NULL when absent. */
struct web_request {
	int method;			/* enum evhttp_cmd_type */
	const char *path;		/* NULL or "": "/" */
	const char *query;		/* after '?', NULL: none */
	const struct sockaddr *peer;	/* checked against network.allow_in */
	const char *authorization, *origin, *referer, *host, *content_type;
	const char *body;		/* body_len bytes, not terminated; NULL
					 * when longer than WEB_BODY_MAX */
	size_t body_len;
};

/* What to answer: filled by web_handle(); body is the caller's. */
struct web_reply {
	int code;
	const char *reason;		/* static text */
	int json;			/* application/json, else an HTML page */
	int ask_auth;			/* send WWW-Authenticate */
	int retry_after;		/* seconds for Retry-After; 0: none */
	char location[64];		/* a redirect's target; "" none */
	struct evbuffer *body;
};

/* Answers one request: every page, the form post (saved through the host),
 * auth and the origin check; what the socket does, minus the socket. 0, or
 * -ENOMEM (answer 500). */
int web_handle(struct web *w, const struct web_request *rq, struct web_reply *rp);

/* Helpers exported for the unit tests. */
int web_base64_decode(const char *in, uint8_t *out, size_t cap);
/* 1 when an Authorization header value carries user:password. */
int web_auth_ok(const char *header, const char *user, const char *password);
/* 1 when a POST may act: no Origin/Referer, or one naming host. */
int web_same_origin(const char *origin, const char *referer, const char *host);

#endif
