/* The control socket (DESIGN.md §3 "control"): a Unix socket on which
 * usrbridgectl sends one-line requests (the AT dispatcher itself, get/set of
 * settings, status, restart, reload, ports, a live traffic monitor) and
 * gets length-framed replies. The protocol is usrbridged-protocol(7). */
#ifndef USRB_CONTROL_H
#define USRB_CONTROL_H

#include <stddef.h>

struct control;
struct evbuffer;
struct host;
struct service;
struct settings;

/* Limits of the protocol (documented in usrbridged-protocol(7)). */
#define CONTROL_REQUEST_MAX	1024		/* one request line, LF included */
#define CONTROL_CLIENTS_MAX	32		/* beyond: answered ERR and closed */
#define CONTROL_MONITORS_MAX	4
#define CONTROL_MONITOR_QUEUE	(256 * 1024)	/* a monitor further behind is dropped */
#define CONTROL_OUTPUT_PAUSE	(64 * 1024)	/* stop reading requests above this */
#define CONTROL_IDLE_SEC	300		/* a silent client is closed */
#define CONTROL_WRITE_SEC	10		/* a client that does not read is closed */

/* Owned by the instance. Never fails for a socket it cannot bind: that is
 * logged and the daemon runs on without it. NULL only without memory. */
struct control *control_new(const struct host *host);
void control_free(struct control *c);

/* Binds the listener to run->control_socket (group run->control_group) when
 * they changed since the last call; an empty path closes it. Clients that
 * are connected stay connected. 0 or -errno (logged). */
int control_apply(struct control *c, const struct settings *run);

/* Handles one request line (its LF removed) as if a client had sent it;
 * the framed reply ("OK n\n"/"ERR n\n" and the body) is appended to out.
 * What the socket does with a line, minus the socket: the unit tests drive
 * it against a fake host. 0 for an OK reply, else -errno. */
int control_handle_line(struct control *c, const char *line, struct evbuffer *out);

/* The path listened on, or "" when none. */
const char *control_path(const struct control *c);

/* The control socket as a service of the instance (host.h): new, apply
 * and free as above; its status part is the socket path. */
extern const struct service control_service;

#endif
