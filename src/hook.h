/* The network apply hook: AT+WANN, AT+DNS and AT+USERMAC would change the
 * host's network, which a daemon must not do behind the administrator's
 * back. They are stored, and handed to a configurable executable
 * (network.apply_hook; none by default) in its environment. */
#ifndef USRB_HOOK_H
#define USRB_HOOK_H

#include <stddef.h>
#include <sys/types.h>

#include "settings.h"

/* Fills env (NULL-terminated, strings in buf) with USRB_* variables for st. */
int hook_env(const struct settings *st, const char *event, char **env, size_t nenv,
    char *buf, size_t cap);

/* 1 when the settings the hook sees differ between a and b. */
int hook_changed(const struct settings *a, const struct settings *b);

/* Starts path with env without waiting (the caller reaps on SIGCHLD).
 * Returns the child's pid or -errno. */
pid_t hook_spawn(const char *path, char *const *env);

#endif
