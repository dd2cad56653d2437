/* libcurl on our event loop, in the shape of curl's hiperfifo.c example:
 * libcurl tells us which sockets to watch (socket callback) and when to
 * call it back (timer callback); libevent tells libcurl when a socket is
 * ready or the timer fired. The timer callback only re-arms our one timer
 * and never calls libcurl itself (STYLE.md). No threads, no second loop.
 *
 * Why dlopen: linking libcurl raised the daemon's resident memory from
 * 2.4 MiB to 7.3 MiB (33 shared libraries, TLS included) for every user,
 * while issue 6 requires at most 4 MiB for a TCP bridge and only HTPC
 * needs HTTP. So libcurl.so.4 is loaded on first use with dlopen and its
 * functions are reached through struct curl_fns (types from <curl/curl.h>;
 * the build uses libcurl's CFLAGS only). RTLD_NODELETE keeps the library
 * mapped after the last user goes: libcurl and its TLS library register
 * exit handlers and must not be unmapped and mapped again. A missing
 * libcurl is logged and the HTTP link stays down. */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "curl-glue.h"
#include "log.h"
#include "util.h"

/* One watched socket; its pointer is assigned in libcurl (curl_multi_assign). */
struct gsock {
	struct curl_glue *g;
	curl_socket_t fd;
	struct event *ev;
	struct gsock *next;
};

/* One transfer under way. */
struct gxfer {
	CURL *easy;
	curl_glue_done_fn done;
	void *arg;
	struct gxfer *next;
};

/* Owned by the module that made it (the HTPC link). */
struct curl_glue {
	struct event_base *base;
	void *dl;
	struct curl_fns fn;
	int global;			/* curl_global_init succeeded */
	CURLM *multi;
	struct event *ev_timer;		/* the one timer libcurl asks for */
	struct gsock *socks;
	struct gxfer *xfers;
	int running;
};

static const struct {
	const char *name;
	size_t off;
} symbols[] = {
#define SYM(f) { "curl_" #f, offsetof(struct curl_fns, f) }
	SYM(global_init), SYM(global_cleanup), SYM(version),
	SYM(easy_init), SYM(easy_setopt), SYM(easy_getinfo), SYM(easy_cleanup),
	SYM(easy_strerror), SYM(slist_append), SYM(slist_free_all),
	SYM(multi_init), SYM(multi_setopt), SYM(multi_add_handle),
	SYM(multi_remove_handle), SYM(multi_socket_action), SYM(multi_info_read),
	SYM(multi_assign), SYM(multi_cleanup), SYM(multi_strerror),
#undef SYM
};

static int
load(struct curl_glue *g, const char *soname)
{
	g->dl = dlopen(soname, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
	if (!g->dl) {
		log_err("libcurl: cannot load %s (%s); HTTP client links stay down "
		    "(install libcurl, Debian package libcurl4)", soname, dlerror());
		return -ENOENT;
	}
	for (size_t i = 0; i < ARRAY_SIZE(symbols); i++) {
		void *p = dlsym(g->dl, symbols[i].name);

		if (!p) {
			log_err("libcurl: %s has no %s; HTTP client links stay down", soname,
			    symbols[i].name);
			return -ENOENT;
		}
		memcpy((char *)&g->fn + symbols[i].off, &p, sizeof(p));
	}
	return 0;
}

static struct gxfer *
xfer_unlink(struct curl_glue *g, CURL *easy)
{
	for (struct gxfer **pp = &g->xfers; *pp; pp = &(*pp)->next) {
		struct gxfer *x = *pp;

		if (x->easy == easy) {
			*pp = x->next;
			return x;
		}
	}
	return NULL;
}

/* Hands finished transfers back to their owners. */
static void
check_done(struct curl_glue *g)
{
	CURLMsg *m;
	int left;

	while ((m = g->fn.multi_info_read(g->multi, &left))) {
		CURL *easy = m->easy_handle;
		CURLcode res = m->data.result;
		struct gxfer *x;

		if (m->msg != CURLMSG_DONE)
			continue;
		/* m is invalid once the handle is removed: copied above. */
		g->fn.multi_remove_handle(g->multi, easy);
		x = xfer_unlink(g, easy);
		if (x) {
			x->done(easy, res, x->arg);
			free(x);
		}
	}
	if (g->running <= 0 && !g->xfers)
		event_del(g->ev_timer);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct curl_glue *g = arg;

	g->fn.multi_socket_action(g->multi, CURL_SOCKET_TIMEOUT, 0, &g->running);
	check_done(g);
}

/* CURLMOPT_TIMERFUNCTION: re-arms our timer, nothing else (hiperfifo). */
static int
timer_cb(CURLM *multi, long timeout_ms, void *arg)
{
	struct curl_glue *g = arg;
	struct timeval tv;

	if (timeout_ms < 0) {
		event_del(g->ev_timer);
		return 0;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evtimer_add(g->ev_timer, &tv);
	return 0;
}

static void
on_socket(evutil_socket_t fd, short what, void *arg)
{
	struct curl_glue *g = arg;
	int action = (what & EV_READ ? CURL_CSELECT_IN : 0) |
	    (what & EV_WRITE ? CURL_CSELECT_OUT : 0);

	g->fn.multi_socket_action(g->multi, fd, action, &g->running);
	check_done(g);
}

static void
sock_free(struct curl_glue *g, struct gsock *s)
{
	for (struct gsock **pp = &g->socks; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	}
	event_free(s->ev);
	free(s);
}

/* CURLMOPT_SOCKETFUNCTION: watch, re-watch or forget one socket. */
static int
sock_cb(CURL *easy, curl_socket_t fd, int what, void *arg, void *sockp)
{
	struct curl_glue *g = arg;
	struct gsock *s = sockp;
	short ev = (what & CURL_POLL_IN ? EV_READ : 0) | (what & CURL_POLL_OUT ? EV_WRITE : 0);

	if (what == CURL_POLL_REMOVE) {
		if (s)
			sock_free(g, s);
		return 0;
	}
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return -1;
		s->g = g;
		s->fd = fd;
		s->ev = event_new(g->base, fd, ev | EV_PERSIST, on_socket, g);
		if (!s->ev) {
			free(s);
			return -1;
		}
		s->next = g->socks;
		g->socks = s;
		g->fn.multi_assign(g->multi, fd, s);
	} else {
		event_del(s->ev);
		event_assign(s->ev, g->base, fd, ev | EV_PERSIST, on_socket, g);
	}
	event_add(s->ev, NULL);
	return 0;
}

struct curl_glue *
curl_glue_new(struct event_base *base, const char *soname)
{
	struct curl_glue *g = calloc(1, sizeof(*g));
	CURLcode c;

	if (!g)
		return NULL;
	g->base = base;
	if (load(g, soname) < 0)
		goto err_free;
	c = g->fn.global_init(CURL_GLOBAL_DEFAULT);
	if (c != CURLE_OK) {
		log_err("libcurl: global init: %s", g->fn.easy_strerror(c));
		goto err_free;
	}
	g->global = 1;
	g->multi = g->fn.multi_init();
	g->ev_timer = evtimer_new(base, on_timer, g);
	if (!g->multi || !g->ev_timer) {
		log_err("libcurl: cannot make a multi handle");
		goto err_free;
	}
	g->fn.multi_setopt(g->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
	g->fn.multi_setopt(g->multi, CURLMOPT_SOCKETDATA, g);
	g->fn.multi_setopt(g->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	g->fn.multi_setopt(g->multi, CURLMOPT_TIMERDATA, g);
	log_info("libcurl: loaded %s (%s)", soname, g->fn.version());
	return g;

err_free:
	curl_glue_free(g);
	return NULL;
}

void
curl_glue_free(struct curl_glue *g)
{
	if (!g)
		return;
	while (g->xfers) {
		struct gxfer *x = g->xfers;

		g->xfers = x->next;
		g->fn.multi_remove_handle(g->multi, x->easy);
		free(x);
	}
	if (g->multi)
		g->fn.multi_cleanup(g->multi);
	/* Sockets libcurl did not say goodbye to. */
	while (g->socks)
		sock_free(g, g->socks);
	if (g->ev_timer)
		event_free(g->ev_timer);
	if (g->global)
		g->fn.global_cleanup();
	if (g->dl)
		dlclose(g->dl);
	free(g);
}

const struct curl_fns *
curl_glue_fns(const struct curl_glue *g)
{
	return &g->fn;
}

int
curl_glue_start(struct curl_glue *g, CURL *easy, curl_glue_done_fn done, void *arg)
{
	struct gxfer *x = calloc(1, sizeof(*x));
	CURLMcode m;

	if (!x)
		return -ENOMEM;
	x->easy = easy;
	x->done = done;
	x->arg = arg;
	m = g->fn.multi_add_handle(g->multi, easy);
	if (m != CURLM_OK) {
		log_warn("libcurl: cannot start a transfer: %s", g->fn.multi_strerror(m));
		free(x);
		return -EIO;
	}
	x->next = g->xfers;
	g->xfers = x;
	return 0;
}

void
curl_glue_cancel(struct curl_glue *g, CURL *easy)
{
	struct gxfer *x = xfer_unlink(g, easy);

	if (!x)
		return;
	g->fn.multi_remove_handle(g->multi, easy);
	free(x);
}

int
curl_glue_active(const struct curl_glue *g)
{
	int n = 0;

	for (const struct gxfer *x = g->xfers; x; x = x->next)
		n++;
	return n;
}

struct curl_glue *
curl_lazy_get(struct curl_lazy *z)
{
	if (!z->glue)
		z->glue = curl_glue_new(z->base, z->soname);
	return z->glue;
}

void
curl_lazy_free(struct curl_lazy *z)
{
	curl_glue_free(z->glue);
	z->glue = NULL;
}
