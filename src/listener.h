/* One listening socket with the accept-error policy every listener of the
 * daemon shares (control socket, web page, TCPS): out of descriptors, pause
 * accepting on a timer instead of spinning (relayd control_accept). */
#ifndef USRB_LISTENER_H
#define USRB_LISTENER_H

#include <event2/listener.h>

struct event_base;
struct listener;

/* A listener on fd (already bound, listening or not; owned from here on,
 * closed by listener_free) that calls cb for each accepted connection.
 * backlog as evconnlistener_new: 0 = fd is listening already, -1 = the
 * system default. name prefixes the log lines ("control", "link1").
 * pause_ms: how long to stop accepting after EMFILE/ENFILE. NULL on
 * failure (fd closed). */
struct listener *listener_new(struct event_base *base, const char *name, int fd, int backlog,
    long pause_ms, evconnlistener_cb cb, void *arg);

/* The same policy for a listener someone else owns (evhttp's bound
 * socket): only the error callback and the resume timer are ours. */
struct listener *listener_attach(struct event_base *base, const char *name,
    struct evconnlistener *lev, long pause_ms);

/* Frees what listener_new made (the socket too) or, after listener_attach,
 * only the timer. Accepts NULL. */
void listener_free(struct listener *li);

#endif
