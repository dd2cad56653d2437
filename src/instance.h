/* One instance serves one serial port (DESIGN.md §1): it owns the settings,
 * the serial port, the console, the packer and the bridge, and rebuilds
 * them in-process on a restart. */
#ifndef USRB_INSTANCE_H
#define USRB_INSTANCE_H

#include <stddef.h>
#include <stdint.h>

#include "at.h"
#include "bridge.h"
#include "conf.h"
#include "host.h"
#include "serial.h"
#include "settings.h"

struct daemon_status;
struct event_base;
struct instance;


/* Loads the state file over config, the settings conf_load() read from
 * config_path (read once, by main, so that its errors reach the caller
 * before daemonizing), and starts everything. NULL with err filled in
 * when it cannot start. */
struct instance *instance_new(struct event_base *base, const char *config_path,
    const struct settings *config, struct conf_error *err);
void instance_free(struct instance *in);

/* Schedules a restart of serial, bridge and links from the current settings
 * (AT+Z, CLIENTRST, RSTIM, usrbridgectl restart). Safe from any callback. */
void instance_restart(struct instance *in, const char *why);

/* Re-reads config and state (SIGHUP), then restarts. A bad config is logged
 * and the old settings stay. 0 or -EINVAL. */
int instance_reload(struct instance *in);

/* The settings AT shows and edits (defaults <- config <- state). */
const struct settings *instance_settings(const struct instance *in);

/* Edit: replaces the settings in memory; AT+E at once, the rest at the
 * next restart. */
void instance_edit(struct instance *in, const struct settings *st);

/* Save: writes st to the state file and makes it the saved layer that a
 * restart starts from. 0 or -errno (-EROFS, -ENOSPC, ...). */
int instance_save(struct instance *in, const struct settings *st);

/* usrbridgectl set and the web form: sets n settings that change at run
 * time from text, saves and edits; all or nothing. 0, -EINVAL, -ERANGE
 * (why says which key and why) or -errno from saving. */
int instance_set_many(struct instance *in, const struct setting_ref *s,
    const char *const *text, int n, char *why, size_t whycap);

/* Factory defaults <- config file, state file removed (AT+RELD). */
int instance_restore_defaults(struct instance *in);

/* 1 when some connection is up (AT+SOCKLK). */
int instance_connected(const struct instance *in);

/* AT+CISHUTDOWN: stops every link (deferred) until the next restart; the
 * console stays in command mode. */
void instance_shutdown(struct instance *in);
/* 1 while link i (0-based) has a connection (AT+CINET?). */
int instance_link_connected(const struct instance *in, int i);

void instance_status(const struct instance *in, struct daemon_status *st);

/* At most INSTANCE_TAPS_MAX taps; -ENOSPC beyond. */
#define INSTANCE_TAPS_MAX 8
int instance_add_tap(struct instance *in, host_tap_fn fn, void *arg);
void instance_remove_tap(struct instance *in, host_tap_fn fn, void *arg);

/* The AT host ops of an instance, for sessions other than the serial
 * console's (control socket, network/SMS password AT). */
extern const struct at_host instance_at_host;

/* What the services (control socket, web page) get: the host ops of an
 * instance (host.h), its AT host among them. */
extern const struct host_ops instance_host_ops;

struct event_base *instance_base(const struct instance *in);
const char *instance_config_path(const struct instance *in);

#endif
