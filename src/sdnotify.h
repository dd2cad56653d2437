/* sd_notify(3) without libsystemd: one datagram to $NOTIFY_SOCKET. */
#ifndef USRB_SDNOTIFY_H
#define USRB_SDNOTIFY_H

/* Sends state ("READY=1", "RELOADING=1", "STOPPING=1"); 0, or -errno; a
 * no-op returning 0 when not started by systemd. */
int sdnotify(const char *state);

#endif
