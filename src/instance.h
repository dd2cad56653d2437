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
#include "serial.h"
#include "settings.h"

struct event_base;
struct instance;

/* What status output (usrbridgectl status, the web page) shows. */
struct instance_status {
	enum personality personality;
	int64_t uptime_us;
	unsigned restarts;
	char serial_device[256];
	struct serial_stats serial;
	int command_mode;		/* the serial console is in command mode */
	size_t held_bytes;		/* network data held while in command mode */
	uint64_t held_dropped;		/* ... and dropped beyond the bound */
	int nlinks;
	struct bridge_link_status link[LINKS_MAX];
	struct serial_params line;	/* line settings the port runs with */
	char control_socket[108];	/* where usrbridgectl connects; "" none */
	int web_port;			/* port the web page listens on; 0 none */
};

/* Traffic taps: usrbridgectl monitor, the data LED. dir 0 is serial ->
 * network (bytes read from the line), 1 network -> serial (written to it). */
enum { TAP_FROM_SERIAL = 0, TAP_TO_SERIAL = 1 };
typedef void (*instance_tap_fn)(int dir, const uint8_t *d, size_t n, void *arg);

/* Loads the config (and state) and starts everything. On a config error
 * returns NULL with err filled in. */
struct instance *instance_new(struct event_base *base, const char *config_path,
    struct conf_error *err);
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

void instance_status(const struct instance *in, struct instance_status *st);

/* At most INSTANCE_TAPS_MAX taps; -ENOSPC beyond. */
#define INSTANCE_TAPS_MAX 8
int instance_add_tap(struct instance *in, instance_tap_fn fn, void *arg);
void instance_remove_tap(struct instance *in, instance_tap_fn fn, void *arg);

/* The AT host ops of an instance, for sessions other than the serial
 * console's (control socket, network/SMS password AT). */
extern const struct at_host instance_at_host;

struct event_base *instance_base(const struct instance *in);
const char *instance_config_path(const struct instance *in);

#endif
