/* The shared listener (listener.h). An accept error caused by descriptor
 * exhaustion would leave the socket readable and the loop spinning on it:
 * such errors stop accepting for a while (relayd control_accept does the
 * same on EMFILE/ENFILE). Anything else concerns one connection only, so it
 * is logged and accepting goes on. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "listener.h"
#include "log.h"
#include "util.h"

/* Owned by the module that listens; owns lev when owned is set. */
struct listener {
	struct evconnlistener *lev;
	int owned;
	evconnlistener_cb cb;		/* owned: the user's accept callback */
	void *arg;
	struct listener *next;		/* in the list of listeners */
	struct event *ev_resume;	/* re-enables accepting after a pause */
	long pause_ms;
	char name[32];
};

/* Every listener. libevent hands an error callback the accept callback's
 * argument, and an attached evhttp listener carries evhttp's: the way back
 * to ours is this list, searched by evconnlistener (three entries with
 * control, web and TCPS). The one mutable global besides the logger. */
static struct listener *all;

static void
on_resume(evutil_socket_t fd, short what, void *arg)
{
	struct listener *li = arg;

	evconnlistener_enable(li->lev);
}

static void
on_accept_error(struct evconnlistener *lev, void *arg)
{
	struct listener *li;
	int e = EVUTIL_SOCKET_ERROR();
	struct timeval tv;

	for (li = all; li && li->lev != lev; li = li->next)
		;
	if (!li) {
		log_warn("accept: %s", strerror(e));
		return;
	}
	tv.tv_sec = li->pause_ms / 1000;
	tv.tv_usec = li->pause_ms % 1000 * 1000;

	/* Descriptors or kernel memory exhausted: the next accept would fail
	 * the same way at once. ENOBUFS/ENOMEM are the same shortage. */
	if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM) {
		if (!evtimer_pending(li->ev_resume, NULL))
			log_warn("%s: accept: %s; pausing for %ld ms", li->name, strerror(e),
			    li->pause_ms);
		evconnlistener_disable(lev);
		evtimer_add(li->ev_resume, &tv);
		return;
	}
	log_warn("%s: accept: %s", li->name, strerror(e));
}

static void
on_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa, int salen,
    void *arg)
{
	struct listener *li = arg;

	li->cb(lev, fd, sa, salen, li->arg);
}

static struct listener *
alloc(struct event_base *base, const char *name, long pause_ms)
{
	struct listener *li = calloc(1, sizeof(*li));

	if (!li)
		return NULL;
	li->pause_ms = pause_ms;
	util_strlcpy(li->name, name, sizeof(li->name));
	li->ev_resume = evtimer_new(base, on_resume, li);
	if (!li->ev_resume) {
		free(li);
		return NULL;
	}
	return li;
}

struct listener *
listener_new(struct event_base *base, const char *name, int fd, int backlog, long pause_ms,
    evconnlistener_cb cb, void *arg)
{
	struct listener *li = alloc(base, name, pause_ms);

	if (li) {
		li->cb = cb;
		li->arg = arg;
		li->lev = evconnlistener_new(base, on_accept, li,
		    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, backlog, fd);
	}
	if (!li || !li->lev) {
		close(fd);
		listener_free(li);
		return NULL;
	}
	li->owned = 1;
	li->next = all;
	all = li;
	evconnlistener_set_error_cb(li->lev, on_accept_error);
	return li;
}

struct listener *
listener_attach(struct event_base *base, const char *name, struct evconnlistener *lev,
    long pause_ms)
{
	struct listener *li = alloc(base, name, pause_ms);

	if (!li)
		return NULL;
	li->lev = lev;
	li->next = all;
	all = li;
	evconnlistener_set_error_cb(lev, on_accept_error);
	return li;
}

void
listener_free(struct listener *li)
{
	if (!li)
		return;
	for (struct listener **p = &all; *p; p = &(*p)->next)
		if (*p == li) {
			*p = li->next;
			break;
		}
	if (li->ev_resume)
		event_free(li->ev_resume);
	if (li->owned && li->lev)
		evconnlistener_free(li->lev);
	free(li);
}
