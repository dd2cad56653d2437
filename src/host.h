/* What the services of the daemon (the control socket, the web page; later
 * the modem, RFC 2217, discovery) may ask of the instance that runs them:
 * a narrow host interface instead of instance.h, so that they build and are
 * unit-tested against a fake host (tests/check_control.c, check_web.c) and
 * never reach back into the instance. The shape of struct at_host (at.h),
 * widened; the instance implements both. */
#ifndef USRB_HOST_H
#define USRB_HOST_H

#include <stddef.h>
#include <stdint.h>

struct at_host;
struct daemon_status;
struct event_base;
struct serial;
struct service;
struct setting_ref;
struct settings;

/* Traffic taps: usrbridgectl monitor, the data LED. dir 0 is serial ->
 * network (bytes read from the line), 1 network -> serial (written to it),
 * 2 an event between them (a line of text: connects, disconnects, mode
 * changes), which is no traffic. */
enum { TAP_FROM_SERIAL = 0, TAP_TO_SERIAL = 1, TAP_EVENT = 2 };
typedef void (*host_tap_fn)(int dir, const uint8_t *d, size_t n, void *arg);

/* Who has the serial port to itself (RFC 2217, PROTOCOLS.md §6): while it
 * does, the bytes read from the line go to it and not to the console and
 * links, and the links' data for the line is held as in command mode. */
struct host_serial_owner {
	void (*data)(void *arg, const uint8_t *d, size_t n);
	/* The line's output queue went below its low-water mark. */
	void (*drain)(void *arg);
	/* The port went away under the claim (a restart onto another
	 * device): the claim has ended, do not release it. */
	void (*lost)(void *arg);
};

struct host_ops {
	struct event_base *(*base)(void *h);
	/* The settings AT shows and edits (defaults <- config <- state). */
	const struct settings *(*settings)(void *h);
	/* The run-time set of usrbridgectl and the web form: validates n
	 * settings from text, saves them and edits; all or nothing. 0,
	 * -EINVAL, -ERANGE (why names the key and the reason) or -errno
	 * from saving (why says so). */
	int (*set_many)(void *h, const struct setting_ref *s, const char *const *text, int n,
	    char *why, size_t whycap);
	/* Deferred: runs after the current request has been answered. */
	void (*restart)(void *h, const char *why);
	/* Re-reads config and state, then restarts. 0 or -EINVAL (logged;
	 * the old settings stay). */
	int (*reload)(void *h);
	/* Fills st, the services' parts included. */
	void (*status)(void *h, struct daemon_status *st);
	/* At most a few taps; -ENOSPC beyond. */
	int (*add_tap)(void *h, host_tap_fn fn, void *arg);
	void (*remove_tap)(void *h, host_tap_fn fn, void *arg);
	/* The config file the settings came from (messages, reload). */
	const char *(*config_path)(void *h);
	/* Exclusive use of the serial port: pauses the console and links and
	 * hands the port to o. The port, or NULL when someone has it. */
	struct serial *(*claim_serial)(void *h, const struct host_serial_owner *o, void *arg);
	/* Ends the claim: the running line settings are applied again, the
	 * held data is written (unless in command mode), links and console
	 * go on. */
	void (*release_serial)(void *h);
	/* The AT host for AT sessions of a service; its handle is h too. */
	const struct at_host *at;
	/* A service's state changed in a way the instance shows (the modem's
	 * registration: the net LED, sd_notify status). May be NULL. */
	void (*changed)(void *h);
	/* The object another service's new() returned (the control socket's
	 * sms command reaches the modem), or NULL. May be NULL. */
	void *(*service)(void *h, const struct service *which);
};

/* A host: its ops and its handle. A plain value; services keep a copy. */
struct host {
	const struct host_ops *ops;
	void *h;
};

/* Calls through a host, so that call sites read as calls. */
static inline struct event_base *
host_base(const struct host *h)
{
	return h->ops->base(h->h);
}

static inline const struct settings *
host_settings(const struct host *h)
{
	return h->ops->settings(h->h);
}

static inline int
host_set_many(const struct host *h, const struct setting_ref *s, const char *const *text,
    int n, char *why, size_t whycap)
{
	return h->ops->set_many(h->h, s, text, n, why, whycap);
}

static inline void
host_restart(const struct host *h, const char *why)
{
	h->ops->restart(h->h, why);
}

static inline int
host_reload(const struct host *h)
{
	return h->ops->reload(h->h);
}

static inline void
host_status(const struct host *h, struct daemon_status *st)
{
	h->ops->status(h->h, st);
}

static inline int
host_add_tap(const struct host *h, host_tap_fn fn, void *arg)
{
	return h->ops->add_tap(h->h, fn, arg);
}

static inline void
host_remove_tap(const struct host *h, host_tap_fn fn, void *arg)
{
	h->ops->remove_tap(h->h, fn, arg);
}

static inline const char *
host_config_path(const struct host *h)
{
	return h->ops->config_path(h->h);
}

static inline struct serial *
host_claim_serial(const struct host *h, const struct host_serial_owner *o, void *arg)
{
	return h->ops->claim_serial ? h->ops->claim_serial(h->h, o, arg) : NULL;
}

static inline void
host_release_serial(const struct host *h)
{
	h->ops->release_serial(h->h);
}

static inline void
host_changed(const struct host *h)
{
	if (h->ops->changed)
		h->ops->changed(h->h);
}

static inline void *
host_service(const struct host *h, const struct service *which)
{
	return h->ops->service ? h->ops->service(h->h, which) : NULL;
}

/* A service: something the instance creates once, applies after every
 * (re)start with the settings it runs with, and frees. The instance keeps
 * one list of them (instance.c services[]) and owns what new returns. */
struct service {
	const char *name;
	/* NULL only without memory. */
	void *(*new)(const struct host *host);
	/* Follows the running settings; a failure is logged and the daemon
	 * runs on without the service. 0 or -errno. */
	int (*apply)(void *svc, const struct settings *run);
	void (*free)(void *svc);
	/* Adds the service's part of the status (may be NULL). */
	void (*status)(const void *svc, struct daemon_status *st);
};

#endif
