/* The serial side (DESIGN.md §3 "serial"). Real UARTs go through
 * libserialport; libserialport 0.1.1 refuses pseudo-terminals, so a pty path
 * falls back to plain termios (logged once). With device = "pty" we create
 * the pty ourselves and publish its slave as a symlink. A port that vanishes
 * is closed and retried on a one-second timer; the network side stays up. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libserialport.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <linux/serial.h>
#include <termios.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "log.h"
#include "portlock.h"
#include "serial.h"
#include "settings.h"
#include "util.h"

#define SERIAL_READ_MAX		65536
#define SERIAL_HIGH_WATER	(64 * 1024)	/* producers pause above this */
#define SERIAL_LOW_WATER	(16 * 1024)	/* ... and resume below this */
#define SERIAL_QUEUE_MAX	(1024 * 1024)	/* hard bound: beyond, drop */
#define SERIAL_RETRY_SEC	1

/* Owned by the daemon; owns its fds, events and output queue. */
struct serial {
	struct event_base *base;
	char device[256];
	char pty_link[256];
	char lock_dir[256];	/* serial.lock_dir: "" = flock(2) only */
	struct portlock lock;	/* held while the port is open */
	pid_t held_by;		/* the last open found the port locked by this pid */
	struct serial_params params;	/* what was asked for */
	struct serial_params active;	/* what the port accepted (read back) */
	int active_known;
	struct serial_params refused;	/* the last settings the port refused ... */
	int refused_err;		/* ... and why (-errno); 0: none */
	struct serial_cbs cbs;
	void *arg;

	int fd;			/* what we read and write; -1 while closed */
	int hold_fd;		/* our pty's slave, held open so the master never hangs up */
	struct sp_port *sp;	/* libserialport handle of a real UART */
	int is_own_pty;
	int termios_noted;	/* the libserialport -> termios fallback was logged */
	int lost_noted;		/* the "port lost, retrying" line was logged */
	int congested;
	int paused;		/* serial_pause(): ev_read stays deleted */

	struct event *ev_read, *ev_write, *ev_retry;
	struct evbuffer *out;
	struct serial_stats st;
};

static void serial_close(struct serial *s);
static int serial_open(struct serial *s);

static const struct { long baud; speed_t code; } speeds[] = {
	{ 50, B50 }, { 75, B75 }, { 110, B110 }, { 134, B134 }, { 150, B150 },
	{ 200, B200 }, { 300, B300 }, { 600, B600 }, { 1200, B1200 }, { 1800, B1800 },
	{ 2400, B2400 }, { 4800, B4800 }, { 9600, B9600 }, { 19200, B19200 },
	{ 38400, B38400 }, { 57600, B57600 }, { 115200, B115200 }, { 230400, B230400 },
	{ 460800, B460800 }, { 500000, B500000 }, { 576000, B576000 },
	{ 921600, B921600 }, { 1000000, B1000000 }, { 1152000, B1152000 },
	{ 1500000, B1500000 }, { 2000000, B2000000 }, { 2500000, B2500000 },
	{ 3000000, B3000000 }, { 3500000, B3500000 }, { 4000000, B4000000 },
};

int
serial_speed_valid(long baud)
{
	for (size_t i = 0; i < ARRAY_SIZE(speeds); i++)
		if (speeds[i].baud == baud)
			return 1;
	return 0;
}

/* termios path: raw mode plus the line settings. */
static int
termios_apply(int fd, const struct serial_params *p)
{
	struct termios t;
	speed_t code = 0;

	for (size_t i = 0; i < ARRAY_SIZE(speeds); i++)
		if (speeds[i].baud == p->baud)
			code = speeds[i].code;
	if (!code)
		return -EINVAL;
	if (tcgetattr(fd, &t) < 0)
		return -errno;
	cfmakeraw(&t);
	t.c_cflag |= CLOCAL | CREAD;
	t.c_cflag &= ~(CSIZE | CSTOPB | PARENB | PARODD | CMSPAR | CRTSCTS);
	t.c_cflag |= p->data_bits == 5 ? CS5 : p->data_bits == 6 ? CS6 :
	    p->data_bits == 7 ? CS7 : CS8;
	if (p->stop_bits == 2)
		t.c_cflag |= CSTOPB;
	switch (p->parity) {
	case PARITY_ODD: t.c_cflag |= PARENB | PARODD; break;
	case PARITY_EVEN: t.c_cflag |= PARENB; break;
	case PARITY_MARK: t.c_cflag |= PARENB | CMSPAR | PARODD; break;
	case PARITY_SPACE: t.c_cflag |= PARENB | CMSPAR; break;
	default: break;
	}
	if (p->flow == FLOW_RTSCTS)
		t.c_cflag |= CRTSCTS;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	cfsetispeed(&t, code);
	cfsetospeed(&t, code);
	if (tcsetattr(fd, TCSANOW, &t) < 0)
		return -errno;
	return 0;
}

static int
sp_errno(enum sp_return r)
{
	if (r == SP_ERR_ARG)
		return -EINVAL;
	if (r == SP_ERR_MEM)
		return -ENOMEM;
	if (r == SP_ERR_SUPP)
		return -ENOTSUP;
	return sp_last_error_code() > 0 ? -sp_last_error_code() : -EIO;
}

static int
sp_apply(struct sp_port *sp, const struct serial_params *p)
{
	static const enum sp_parity par[] = {
		[PARITY_NONE] = SP_PARITY_NONE, [PARITY_ODD] = SP_PARITY_ODD,
		[PARITY_EVEN] = SP_PARITY_EVEN, [PARITY_MARK] = SP_PARITY_MARK,
		[PARITY_SPACE] = SP_PARITY_SPACE,
	};
	struct sp_port_config *c;
	enum sp_return r;

	r = sp_new_config(&c);
	if (r != SP_OK)
		return sp_errno(r);
	if ((r = sp_set_config_baudrate(c, (int)p->baud)) != SP_OK ||
	    (r = sp_set_config_bits(c, p->data_bits)) != SP_OK ||
	    (r = sp_set_config_parity(c, par[p->parity])) != SP_OK ||
	    (r = sp_set_config_stopbits(c, p->stop_bits)) != SP_OK ||
	    (r = sp_set_config_flowcontrol(c, p->flow == FLOW_RTSCTS ?
		SP_FLOWCONTROL_RTSCTS : SP_FLOWCONTROL_NONE)) != SP_OK ||
	    (r = sp_set_config(sp, c)) != SP_OK) {
		int e = sp_errno(r);

		sp_free_config(c);
		return e;
	}
	sp_free_config(c);
	return 0;
}

/* The line settings a tty runs with, from the kernel (termios): status
 * shows these, not what was asked for. 0 or -errno. */
static int
termios_read(int fd, struct serial_params *p)
{
	struct termios t;
	speed_t code;

	if (tcgetattr(fd, &t) < 0)
		return -errno;
	code = cfgetospeed(&t);
	p->baud = 0;		/* a speed outside the table (BOTHER): unknown */
	for (size_t i = 0; i < ARRAY_SIZE(speeds); i++)
		if (speeds[i].code == code)
			p->baud = speeds[i].baud;
	switch (t.c_cflag & CSIZE) {
	case CS5: p->data_bits = 5; break;
	case CS6: p->data_bits = 6; break;
	case CS7: p->data_bits = 7; break;
	default: p->data_bits = 8; break;
	}
	p->stop_bits = t.c_cflag & CSTOPB ? 2 : 1;
	if (!(t.c_cflag & PARENB))
		p->parity = PARITY_NONE;
	else if (t.c_cflag & CMSPAR)
		p->parity = t.c_cflag & PARODD ? PARITY_MARK : PARITY_SPACE;
	else
		p->parity = t.c_cflag & PARODD ? PARITY_ODD : PARITY_EVEN;
	p->flow = t.c_cflag & CRTSCTS ? FLOW_RTSCTS : FLOW_NONE;
	return 0;
}

/* The same through libserialport, which also knows non-standard speeds. */
static int
sp_read(struct sp_port *sp, struct serial_params *p)
{
	struct sp_port_config *c;
	enum sp_parity par;
	enum sp_cts cts;
	int baud, bits, stop;
	enum sp_return r;

	if ((r = sp_new_config(&c)) != SP_OK)
		return sp_errno(r);
	if ((r = sp_get_config(sp, c)) != SP_OK ||
	    (r = sp_get_config_baudrate(c, &baud)) != SP_OK ||
	    (r = sp_get_config_bits(c, &bits)) != SP_OK ||
	    (r = sp_get_config_parity(c, &par)) != SP_OK ||
	    (r = sp_get_config_stopbits(c, &stop)) != SP_OK ||
	    (r = sp_get_config_cts(c, &cts)) != SP_OK) {
		int e = sp_errno(r);

		sp_free_config(c);
		return e;
	}
	sp_free_config(c);
	p->baud = baud;
	p->data_bits = bits;
	p->stop_bits = stop;
	p->parity = par == SP_PARITY_ODD ? PARITY_ODD : par == SP_PARITY_EVEN ? PARITY_EVEN :
	    par == SP_PARITY_MARK ? PARITY_MARK : par == SP_PARITY_SPACE ? PARITY_SPACE :
	    PARITY_NONE;
	/* 0.1.1 has no sp_get_config_flowcontrol: CTS flow control is RTS/CTS. */
	p->flow = cts == SP_CTS_FLOW_CONTROL ? FLOW_RTSCTS : FLOW_NONE;
	return 0;
}

static void
read_back(struct serial *s)
{
	s->active_known = (s->sp ? sp_read(s->sp, &s->active) :
	    termios_read(s->is_own_pty ? s->hold_fd : s->fd, &s->active)) == 0;
}

int
serial_configure(struct serial *s, const struct serial_params *p)
{
	int r;

	s->params = *p;
	if (s->fd < 0)
		return 0;	/* applied when the port comes back */
	if (s->sp)
		r = sp_apply(s->sp, p);
	else
		r = termios_apply(s->is_own_pty ? s->hold_fd : s->fd, p);
	if (r < 0) {
		/* Once per refusal: an RFC 2217 client may ask again and again. */
		if (s->refused_err != r || memcmp(&s->refused, p, sizeof(*p)) != 0)
			log_warn("serial %s: cannot apply %ld,%d,%d: %s", s->device, p->baud,
			    p->data_bits, p->stop_bits, strerror(-r));
		s->refused = *p;
		s->refused_err = r;
	} else {
		log_debug("serial %s: %ld baud, %d data bits, %d stop bits", s->device,
		    p->baud, p->data_bits, p->stop_bits);
		s->refused_err = 0;
	}
	read_back(s);
	return r;
}

void
serial_get_params(const struct serial *s, struct serial_params *p)
{
	*p = s->params;
}

int
serial_get_active(const struct serial *s, struct serial_params *p)
{
	if (s->fd < 0 || !s->active_known)
		return -ENOTCONN;
	*p = s->active;
	return 0;
}

int
serial_refused(const struct serial *s, struct serial_params *p)
{
	if (s->refused_err)
		*p = s->refused;
	return s->refused_err;
}

pid_t
serial_held_by(const struct serial *s)
{
	return s->fd < 0 ? s->held_by : 0;
}

static void
update_write_event(struct serial *s)
{
	if (s->fd < 0)
		return;
	if (evbuffer_get_length(s->out) > 0)
		event_add(s->ev_write, NULL);
	else
		event_del(s->ev_write);
}

static void
check_drain(struct serial *s)
{
	if (s->congested && evbuffer_get_length(s->out) <= SERIAL_LOW_WATER) {
		s->congested = 0;
		if (s->cbs.on_drain)
			s->cbs.on_drain(s->arg);
	}
}

static void
lost(struct serial *s, int err)
{
	log_warn("serial %s: lost (%s); retrying every %d s", s->device,
	    err ? strerror(err) : "end of file", SERIAL_RETRY_SEC);
	snprintf(s->st.why, sizeof(s->st.why), "lost (%s); reopening every %d s",
	    err ? strerror(err) : "end of file", SERIAL_RETRY_SEC);
	s->lost_noted = 1;
	serial_close(s);
	if (s->cbs.on_state)
		s->cbs.on_state(0, s->arg);
	struct timeval tv = { SERIAL_RETRY_SEC, 0 };
	event_add(s->ev_retry, &tv);
}

static void
on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct serial *s = arg;
	uint8_t buf[SERIAL_READ_MAX];
	ssize_t n;

	n = read(fd, buf, sizeof(buf));
	if (n > 0) {
		s->st.rx_bytes += (uint64_t)n;
		s->cbs.on_data(buf, (size_t)n, util_now_us(), s->arg);
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	lost(s, n < 0 ? errno : 0);
}

static void
on_writable(evutil_socket_t fd, short what, void *arg)
{
	struct serial *s = arg;
	int n;

	n = evbuffer_write(s->out, fd);
	if (n > 0) {
		s->st.tx_bytes += (uint64_t)n;
	} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
		lost(s, errno);
		return;
	}
	update_write_event(s);
	check_drain(s);
}

static void
on_retry(evutil_socket_t fd, short what, void *arg)
{
	struct serial *s = arg;

	if (serial_open(s) < 0) {
		struct timeval tv = { SERIAL_RETRY_SEC, 0 };

		event_add(s->ev_retry, &tv);
		return;
	}
	s->st.reopens++;
}

static int
open_own_pty(struct serial *s)
{
	const char *slave;
	int m, h;

	m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		return -errno;
	if (grantpt(m) < 0 || unlockpt(m) < 0 || !(slave = ptsname(m)))
		goto err_master;
	h = open(slave, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (h < 0)
		goto err_master;
	/* Replace a stale link of ours; never a regular file someone else owns. */
	struct stat sb;
	char dir[256];

	util_strlcpy(dir, s->pty_link, sizeof(dir));
	if (strrchr(dir, '/')) {
		*strrchr(dir, '/') = '\0';
		if (*dir)
			util_mkdir_p(dir, 0755);
	}
	if (lstat(s->pty_link, &sb) == 0) {
		if (!S_ISLNK(sb.st_mode)) {
			log_err("serial: %s exists and is not a symlink", s->pty_link);
			errno = EEXIST;
			goto err_hold;
		}
		unlink(s->pty_link);
	}
	if (symlink(slave, s->pty_link) < 0) {
		log_err("serial: cannot create %s: %s", s->pty_link, strerror(errno));
		goto err_hold;
	}
	log_info("serial: virtual serial port %s -> %s", s->pty_link, slave);
	s->fd = m;
	s->hold_fd = h;
	s->is_own_pty = 1;
	return 0;

err_hold:
	close(h);
err_master:
	{
		int e = errno;

		close(m);
		return -e;
	}
}

static int
open_device(struct serial *s)
{
	enum sp_return r;
	int fd;

	r = sp_get_port_by_name(s->device, &s->sp);
	if (r == SP_OK) {
		r = sp_open(s->sp, SP_MODE_READ_WRITE);
		if (r == SP_OK && sp_get_port_handle(s->sp, &fd) == SP_OK) {
			s->fd = fd;
			return 0;
		}
		int e = sp_errno(r);
		sp_free_port(s->sp);
		s->sp = NULL;
		return e;
	}
	s->sp = NULL;
	/* libserialport 0.1.1 refuses pseudo-terminals: plain termios then. */
	fd = open(s->device, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (!isatty(fd)) {
		close(fd);
		return -ENOTTY;
	}
	if (!s->termios_noted) {
		log_info("serial %s: not handled by libserialport (a pty?); using termios",
		    s->device);
		s->termios_noted = 1;
	}
	s->fd = fd;
	return 0;
}

/* One daemon per port (issue "Safe and honest in operation"): the lock
 * file first (it names the holder), then, once open, flock(2), which also
 * stops a second root process that TIOCEXCL lets through. Our own pty is
 * locked by the link it publishes: two daemons must not fight over it. */
static int
lock_and_open(struct serial *s)
{
	char real[PATH_MAX];
	const char *name = s->device;
	pid_t holder = 0;
	int r;

	s->held_by = 0;
	if (strcmp(s->device, "pty") == 0)
		name = s->pty_link;
	else if (realpath(s->device, real))
		name = real;		/* /dev/ttyUSB0, whatever symlink led there */
	r = portlock_acquire(&s->lock, s->lock_dir, name, &holder);
	if (r == -EBUSY) {
		s->held_by = holder;
		return r;
	}
	r = strcmp(s->device, "pty") == 0 ? open_own_pty(s) : open_device(s);
	if (r < 0) {
		portlock_release(&s->lock);
		return r;
	}
	if (!s->is_own_pty) {
		if (flock(s->fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK) {
			s->held_by = -1;	/* someone without a lock file */
			serial_close(s);
			return -EBUSY;
		}
		/* libserialport sets it itself; the termios path too. */
		if (!s->sp)
			ioctl(s->fd, TIOCEXCL);
	}
	return 0;
}

void
serial_why_text(const struct serial *s, int err, char *buf, size_t cap)
{
	char who[PORTLOCK_HOLDER_MAX];

	if (err == -EBUSY && s->held_by > 0) {
		portlock_holder_text(s->held_by, who, sizeof(who));
		snprintf(buf, cap, "in use by %s", who);
	} else if (err == -EBUSY) {
		snprintf(buf, cap, "in use by another process (locked with flock)");
	} else {
		snprintf(buf, cap, "cannot open (%s)", strerror(-err));
	}
}

static int
serial_open(struct serial *s)
{
	int r;

	r = lock_and_open(s);
	if (r < 0) {
		char why[sizeof(s->st.why)];

		serial_why_text(s, r, why, sizeof(why));
		/* Once, and again when the port turns out to be someone else's. */
		if (!s->lost_noted || (r == -EBUSY && strcmp(why, s->st.why) != 0)) {
			log_warn("serial %s: %s; retrying every %d s", s->device, why,
			    SERIAL_RETRY_SEC);
			s->lost_noted = 1;
		}
		snprintf(s->st.why, sizeof(s->st.why), "%s", why);
		return r;
	}
	s->st.why[0] = '\0';
	util_fd_nonblock_cloexec(s->fd);
	serial_configure(s, &s->params);
	s->ev_read = event_new(s->base, s->fd, EV_READ | EV_PERSIST, on_readable, s);
	s->ev_write = event_new(s->base, s->fd, EV_WRITE, on_writable, s);
	if (!s->ev_read || !s->ev_write) {
		serial_close(s);
		return -ENOMEM;
	}
	if (!s->paused)
		event_add(s->ev_read, NULL);
	update_write_event(s);
	if (s->lost_noted)
		log_info("serial %s: open", s->device);
	s->lost_noted = 0;
	s->st.open = 1;
	if (s->cbs.on_state)
		s->cbs.on_state(1, s->arg);
	return 0;
}

static void
serial_close(struct serial *s)
{
	if (s->ev_read)
		event_free(s->ev_read);
	if (s->ev_write)
		event_free(s->ev_write);
	s->ev_read = s->ev_write = NULL;
	if (s->sp) {
		sp_close(s->sp);
		sp_free_port(s->sp);
		s->sp = NULL;
	} else if (s->fd >= 0) {
		close(s->fd);
	}
	if (s->hold_fd >= 0)
		close(s->hold_fd);
	if (s->is_own_pty)
		unlink(s->pty_link);
	s->fd = s->hold_fd = -1;
	s->is_own_pty = 0;
	s->st.open = 0;
	s->active_known = 0;
	portlock_release(&s->lock);
}

struct serial *
serial_new(struct event_base *base, const char *device, const char *pty_link,
    const char *lock_dir, const struct serial_params *p, const struct serial_cbs *cbs,
    void *arg)
{
	struct serial *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->base = base;
	s->fd = s->hold_fd = -1;
	util_strlcpy(s->device, device, sizeof(s->device));
	util_strlcpy(s->pty_link, pty_link, sizeof(s->pty_link));
	util_strlcpy(s->lock_dir, lock_dir, sizeof(s->lock_dir));
	s->params = *p;
	s->cbs = *cbs;
	s->arg = arg;
	s->out = evbuffer_new();
	s->ev_retry = evtimer_new(base, on_retry, s);
	if (!s->out || !s->ev_retry) {
		serial_free(s);
		return NULL;
	}
	if (serial_open(s) < 0) {
		struct timeval tv = { SERIAL_RETRY_SEC, 0 };

		event_add(s->ev_retry, &tv);
	}
	return s;
}

void
serial_free(struct serial *s)
{
	if (!s)
		return;
	serial_close(s);
	if (s->ev_retry)
		event_free(s->ev_retry);
	if (s->out)
		evbuffer_free(s->out);
	free(s);
}

int
serial_write(struct serial *s, const void *data, size_t len)
{
	size_t q = evbuffer_get_length(s->out);

	if (q + len > SERIAL_QUEUE_MAX) {
		s->st.tx_dropped += len;
		return -ENOBUFS;
	}
	/* Try to write straight away when nothing is queued: the common case,
	 * and one trip through the loop less for latency. */
	if (q == 0 && s->fd >= 0) {
		ssize_t n = write(s->fd, data, len);

		if (n > 0) {
			s->st.tx_bytes += (uint64_t)n;
			data = (const uint8_t *)data + n;
			len -= (size_t)n;
		}
		if (len == 0)
			return 0;
	}
	evbuffer_add(s->out, data, len);
	if (evbuffer_get_length(s->out) > SERIAL_HIGH_WATER)
		s->congested = 1;
	update_write_event(s);
	return 0;
}

void
serial_pause(struct serial *s, int paused)
{
	if (s->paused == paused)
		return;
	s->paused = paused;
	if (!s->ev_read)
		return;		/* closed: serial_open() honours it */
	if (paused)
		event_del(s->ev_read);
	else
		event_add(s->ev_read, NULL);
}

int
serial_congested(const struct serial *s)
{
	return s->congested;
}

void
serial_stats(const struct serial *s, struct serial_stats *st)
{
	*st = s->st;
	st->queued = evbuffer_get_length(s->out);
}

const char *
serial_device(const struct serial *s)
{
	return s->device;
}

/* --- modem lines (RFC 2217) ------------------------------------------------- */

/* The fd that line ioctls go to: our pty's slave end carries the line. */
static int
line_fd(const struct serial *s)
{
	return s->is_own_pty ? s->hold_fd : s->fd;
}

int
serial_is_pty(const struct serial *s)
{
	struct stat sb;

	if (s->is_own_pty)
		return 1;
	/* Unix98 pty slaves: majors 136-143 (devices.txt). */
	return s->fd >= 0 && !s->sp && fstat(s->fd, &sb) == 0 && S_ISCHR(sb.st_mode) &&
	    major(sb.st_rdev) >= 136 && major(sb.st_rdev) <= 143;
}

int
serial_set_line(struct serial *s, enum serial_line line, int on)
{
	int bit = line == SERIAL_LINE_DTR ? TIOCM_DTR : TIOCM_RTS;
	enum sp_return r;

	if (s->fd < 0)
		return -ENOTCONN;
	if (s->sp) {
		if (line == SERIAL_LINE_DTR)
			r = sp_set_dtr(s->sp, on ? SP_DTR_ON : SP_DTR_OFF);
		else if (line == SERIAL_LINE_RTS)
			r = sp_set_rts(s->sp, on ? SP_RTS_ON : SP_RTS_OFF);
		else
			r = on ? sp_start_break(s->sp) : sp_end_break(s->sp);
		return r == SP_OK ? 0 : sp_errno(r);
	}
	if (line == SERIAL_LINE_BREAK)
		return ioctl(line_fd(s), on ? TIOCSBRK : TIOCCBRK) < 0 ? -errno : 0;
	return ioctl(line_fd(s), on ? TIOCMBIS : TIOCMBIC, &bit) < 0 ? -errno : 0;
}

int
serial_get_signals(struct serial *s, unsigned *sig)
{
	int m;

	if (s->fd < 0)
		return -ENOTCONN;
	*sig = 0;
	if (s->sp) {
		struct sp_port_config *c;
		enum sp_signal in;
		enum sp_dtr dtr;
		enum sp_rts rts;
		enum sp_return r;

		if ((r = sp_get_signals(s->sp, &in)) != SP_OK)
			return sp_errno(r);
		*sig |= (in & SP_SIG_CTS ? SERIAL_SIG_CTS : 0) | (in & SP_SIG_DSR ? SERIAL_SIG_DSR : 0) |
		    (in & SP_SIG_RI ? SERIAL_SIG_RI : 0) | (in & SP_SIG_DCD ? SERIAL_SIG_DCD : 0);
		/* The outputs: libserialport reads them back into a config. */
		if ((r = sp_new_config(&c)) != SP_OK)
			return sp_errno(r);
		if (sp_get_config(s->sp, c) == SP_OK && sp_get_config_dtr(c, &dtr) == SP_OK &&
		    sp_get_config_rts(c, &rts) == SP_OK)
			*sig |= (dtr != SP_DTR_OFF ? SERIAL_SIG_DTR : 0) |
			    (rts != SP_RTS_OFF ? SERIAL_SIG_RTS : 0);
		sp_free_config(c);
		return 0;
	}
	if (ioctl(line_fd(s), TIOCMGET, &m) < 0)
		return -errno;
	*sig = (m & TIOCM_DTR ? SERIAL_SIG_DTR : 0) | (m & TIOCM_RTS ? SERIAL_SIG_RTS : 0) |
	    (m & TIOCM_CTS ? SERIAL_SIG_CTS : 0) | (m & TIOCM_DSR ? SERIAL_SIG_DSR : 0) |
	    (m & TIOCM_RNG ? SERIAL_SIG_RI : 0) | (m & TIOCM_CAR ? SERIAL_SIG_DCD : 0);
	return 0;
}

int
serial_get_icount(struct serial *s, struct serial_icount *c)
{
	struct serial_icounter_struct ic;

	if (s->fd < 0)
		return -ENOTCONN;
	memset(&ic, 0, sizeof(ic));
	if (ioctl(line_fd(s), TIOCGICOUNT, &ic) < 0)
		return -errno;
	c->brk = (unsigned)ic.brk;
	c->frame = (unsigned)ic.frame;
	c->parity = (unsigned)ic.parity;
	c->overrun = (unsigned)(ic.overrun + ic.buf_overrun);
	return 0;
}

int
serial_purge(struct serial *s, int rx, int tx)
{
	if (tx) {
		evbuffer_drain(s->out, evbuffer_get_length(s->out));
		update_write_event(s);
		check_drain(s);
	}
	if (s->fd < 0 || (!rx && !tx))
		return s->fd < 0 ? -ENOTCONN : 0;
	if (s->sp) {
		enum sp_return r = sp_flush(s->sp, rx && tx ? SP_BUF_BOTH : rx ? SP_BUF_INPUT :
		    SP_BUF_OUTPUT);

		return r == SP_OK ? 0 : sp_errno(r);
	}
	return tcflush(line_fd(s), rx && tx ? TCIOFLUSH : rx ? TCIFLUSH : TCOFLUSH) < 0 ?
	    -errno : 0;
}

const char *
serial_parity_name(int parity)
{
	const struct setting *row = settings_find("serial.parity").s;

	for (int i = 0; row && row->choices && row->choices[i]; i++)
		if (i == parity)
			return row->choices[i];
	return NULL;
}

char
serial_parity_letter(int parity)
{
	const char *name = serial_parity_name(parity);

	return name ? name[0] : '?';
}
