/* One instance serves one serial port (DESIGN.md §1): it owns the settings,
 * the serial port, the console, the packer and the bridge, and rebuilds
 * them in-process on a restart. */
#ifndef USRB_INSTANCE_H
#define USRB_INSTANCE_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "settings.h"

struct event_base;
struct instance;

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

/* Sets one setting from text, validated by the table, and saves the state
 * file. On error nothing changes; why gets a reason. 0, -EINVAL, -ERANGE,
 * or -errno from saving (-EROFS, -ENOSPC, ...). */
int instance_set(struct instance *in, const struct setting *s, const char *text,
    char *why, size_t whycap);

/* Sets several settings at once: all or nothing (AT+UART, AT+SOCK, ...). */
int instance_set_many(struct instance *in, const struct setting *const *s,
    const char *const *text, int n, char *why, size_t whycap);

/* Factory defaults <- config file, state file removed (AT+RELD). */
int instance_restore_defaults(struct instance *in);

/* 1 when some connection is up (AT+SOCKLK). */
int instance_connected(const struct instance *in);

#endif
