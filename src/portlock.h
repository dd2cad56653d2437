/* One daemon per serial port: a UUCP-style lock file (LCK..ttyUSB0 in
 * serial.lock_dir, as minicom, ser2net and cu use) plus flock(2) on the open
 * port, since TIOCEXCL does not stop a second root process. Also what
 * usrbridgectl ports reads to say which process holds which port. */
#ifndef USRB_PORTLOCK_H
#define USRB_PORTLOCK_H

#include <stddef.h>
#include <sys/types.h>

struct evbuffer;

/* A held lock file. Owned by the serial port. */
struct portlock {
	char path[512];		/* the lock file; "" when none is held */
};

/* The lock file name of device (a path; symlinks are the caller's to
 * resolve): "LCK.." and the name below /dev with '/' as '_'
 * ("/dev/ttyUSB0" -> "LCK..ttyUSB0", "/dev/pts/3" -> "LCK..pts_3"); a path
 * outside /dev (the daemon's own pty link) whole, '/' as '_'. 0, or
 * -ENAMETOOLONG / -EINVAL (empty). */
int portlock_name(const char *device, char *buf, size_t cap);

/* Takes the lock of device in dir. 0 when held (or dir is "" or not
 * writable: then logged once and flock(2) alone guards the port), -EBUSY
 * with *holder set when a live process holds it (a stale file is removed).
 * The file holds the pid as HDB UUCP writes it ("%10d\n"), then the
 * device path on a second line (for usrbridgectl ports). */
int portlock_acquire(struct portlock *pl, const char *dir, const char *device,
    pid_t *holder);
void portlock_release(struct portlock *pl);

/* "pid 1234 (usrbridged -c /etc/usrbridged/ttyUSB1.conf)" from
 * /proc/PID/cmdline, capped; "pid 1234" when that cannot be read. */
void portlock_holder_text(pid_t pid, char *buf, size_t cap);
/* Room for "pid N (" + a command line of two long paths + ")". */
#define PORTLOCK_HOLDER_MAX 2200

/* Appends one line per live lock in dir, "DEVICE held by pid N (...)". 0
 * or -errno (a missing dir lists nothing). */
int portlock_list(const char *dir, struct evbuffer *out);

#endif
