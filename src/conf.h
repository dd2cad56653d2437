/* Loading the config file and the state file (both libconfig syntax, keys
 * from the settings table) and saving the state file atomically. Layering
 * (DESIGN.md §2): factory defaults <- config file <- state file. */
#ifndef USRB_CONF_H
#define USRB_CONF_H

#include <stddef.h>

#include "settings.h"

struct conf_error {
	char file[256];
	int line;
	char msg[320];
};

/* "file:line: message", or "file: message" without a line. */
void conf_error_format(const struct conf_error *e, char *buf, size_t cap);

/* Factory defaults of the file's personality, overlaid with the file. On
 * error *out is untouched and err says where. 0 or -EINVAL/-ENOENT. */
int conf_load(const char *path, struct settings *out, struct conf_error *err);

/* The same, from a string (tests, fuzzing); name is used in messages. */
int conf_load_string(const char *text, const char *name, struct settings *out,
    struct conf_error *err);

/* Overlays the state file on *st (only run-time settings are allowed there).
 * A missing file is not an error. On error *st is untouched. */
int conf_load_state(const char *path, struct settings *st, struct conf_error *err);

/* Writes every run-time setting whose value differs from base, atomically. */
int conf_save_state(const char *path, const struct settings *st,
    const struct settings *base);

/* Renders the state file text into buf; returns its length (as snprintf). */
size_t conf_state_text(const struct settings *st, const struct settings *base,
    char *buf, size_t cap);

/* <state_dir>/settings.conf */
void conf_state_path(const struct settings *st, char *buf, size_t cap);

#endif
