/* Serial port locking (portlock.h). The lock file follows the HDB UUCP
 * convention that minicom, cu and ser2net share (a ten-column ASCII pid in
 * /var/lock or /run/lock, LCK..<name>); it is written with O_EXCL, and a
 * file whose pid is gone is stale and replaced. ser2net and minicom read
 * the same format for ideas only; this is written fresh. */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "log.h"
#include "portlock.h"
#include "util.h"

#define LOCK_FILE_MAX 600	/* pid line + device path: anything longer is not ours */

int
portlock_name(const char *device, char *buf, size_t cap)
{
	const char *p = device;
	size_t o;

	if (!device || !*device)
		return -EINVAL;
	if (strncmp(p, "/dev/", 5) == 0)
		p += 5;
	else
		while (*p == '/')
			p++;
	if (!*p)
		return -EINVAL;
	o = (size_t)snprintf(buf, cap, "LCK..%s", p);
	if (o >= cap)
		return -ENAMETOOLONG;
	for (char *q = buf + 5; *q; q++)
		if (*q == '/')
			*q = '_';
	return 0;
}

/* The pid in a lock file (ASCII, leading blanks: HDB; some writers use a
 * binary int, which we do not read), or -1. */
static pid_t
read_pid(const char *path, char *dev, size_t devcap)
{
	char buf[LOCK_FILE_MAX];
	ssize_t n;
	long pid;
	char *end, *nl;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (dev && devcap)
		dev[0] = '\0';
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	pid = strtol(buf, &end, 10);
	if (end == buf || pid <= 0)
		return -1;
	if (dev && (nl = strchr(buf, '\n')) && nl[1]) {
		util_strlcpy(dev, nl + 1, devcap);
		dev[strcspn(dev, "\n")] = '\0';
	}
	return (pid_t)pid;
}

static int
alive(pid_t pid)
{
	return kill(pid, 0) == 0 || errno == EPERM;
}

int
portlock_acquire(struct portlock *pl, const char *dir, const char *device, pid_t *holder)
{
	static int dir_noted;	/* "not writable" is said once per process */
	char name[256], text[LOCK_FILE_MAX];
	int fd, len;

	pl->path[0] = '\0';
	if (!dir || !*dir)
		return 0;
	if (portlock_name(device, name, sizeof(name)) < 0 ||
	    (size_t)snprintf(pl->path, sizeof(pl->path), "%s/%s", dir, name) >= sizeof(pl->path)) {
		pl->path[0] = '\0';
		return -ENAMETOOLONG;
	}
	len = snprintf(text, sizeof(text), "%10ld\n%s\n", (long)getpid(), device);
	if (len < 0 || (size_t)len >= sizeof(text))
		len = snprintf(text, sizeof(text), "%10ld\n", (long)getpid());
	/* Twice at most: once more after removing a stale file. */
	for (int i = 0; i < 2; i++) {
		pid_t pid;

		fd = open(pl->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (fd >= 0) {
			int ok = write(fd, text, (size_t)len) == len;

			close(fd);
			if (ok)
				return 0;
			unlink(pl->path);
			break;
		}
		if (errno != EEXIST)
			break;
		pid = read_pid(pl->path, NULL, 0);
		if (pid == getpid())
			return 0;	/* ours: a restart reopens the port */
		if (pid > 0 && alive(pid)) {
			*holder = pid;
			pl->path[0] = '\0';
			return -EBUSY;
		}
		log_info("serial %s: removing stale lock %s (pid %ld is gone)", device, pl->path,
		    (long)pid);
		if (unlink(pl->path) < 0 && errno != ENOENT)
			break;
	}
	if (!dir_noted)
		log_warn("serial %s: cannot write a lock file in %s (%s); only flock(2) guards the "
		    "port", device, dir, strerror(errno));
	dir_noted = 1;
	pl->path[0] = '\0';
	return 0;
}

void
portlock_release(struct portlock *pl)
{
	if (!pl->path[0])
		return;
	/* Only our own file: another process may have replaced a stale one. */
	if (read_pid(pl->path, NULL, 0) == getpid())
		unlink(pl->path);
	pl->path[0] = '\0';
}

void
portlock_holder_text(pid_t pid, char *buf, size_t cap)
{
	char path[64], cmd[PORTLOCK_HOLDER_MAX - 32];
	ssize_t n;
	size_t o;
	int fd;

	o = (size_t)snprintf(buf, cap, "pid %ld", (long)pid);
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", (long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, cmd, sizeof(cmd) - 1);
	close(fd);
	if (n <= 0 || o >= cap)
		return;
	/* NUL-separated arguments, shown space-separated; control bytes as '?'. */
	for (ssize_t i = 0; i < n; i++)
		if (cmd[i] == '\0')
			cmd[i] = ' ';
		else if (!isprint((unsigned char)cmd[i]))
			cmd[i] = '?';
	while (n > 0 && cmd[n - 1] == ' ')
		n--;
	cmd[n] = '\0';
	snprintf(buf + o, cap - o, " (%s)", cmd);
}

int
portlock_list(const char *dir, struct evbuffer *out)
{
	struct dirent *de;
	DIR *d;

	if (!dir || !*dir)
		return 0;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		char path[512], dev[256], who[PORTLOCK_HOLDER_MAX];
		pid_t pid;

		if (strncmp(de->d_name, "LCK..", 5) != 0)
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= sizeof(path))
			continue;
		pid = read_pid(path, dev, sizeof(dev));
		if (pid <= 0 || !alive(pid))
			continue;
		portlock_holder_text(pid, who, sizeof(who));
		evbuffer_add_printf(out, "%s held by %s\n", dev[0] ? dev : de->d_name, who);
	}
	closedir(d);
	return 0;
}
