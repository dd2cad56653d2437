/* The benchmark's load generator: it plays the MCU on the master of a pty
 * whose slave the bridge under test has open, and the network peers as TCP
 * clients on 127.0.0.1. It moves seeded random bytes through the bridge,
 * verifies every byte, and times the transfer; one JSON object on stdout.
 *
 *   s2n  serial -> TCP: the master writes --size bytes, --clients clients
 *        read them all (--stuck of them stop reading after the sync: they
 *        model a peer that never reads);
 *   n2s  TCP -> serial: one client writes, the master reads;
 *   rtt  round trips of one byte TCP -> serial -> echo -> TCP.
 *
 * Before timing anything both ends are synchronised: a marker is sent until
 * every reader has seen it, then a terminator once; the payload follows.
 * That makes the run independent of when a bridge opens its serial port or
 * accepts a client (ser2net opens the device at the first connection).
 * Single-threaded and poll()-driven, so the generator's own cost is the
 * same whatever bridge is measured. Loopback only: it connects to
 * 127.0.0.1 and nothing else. With --listen-fd (the TCPC scenarios) it
 * does not connect at all: the bridge dials the runner's listening socket
 * on 127.0.0.1, and the load generator accepts its clients there. With
 * --telnet (the rfc2217-* scenarios) every TCP client is an RFC 2217
 * client: it offers WILL COM-PORT-OPTION, doubles IAC in what it sends and
 * takes Telnet commands and subnegotiations out of what it reads. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CLIENTS_MAX	64
#define MARK_LEN	16
#define CHUNK		(64 * 1024)
#define RTT_MAX		1000000

struct opts {
	const char *mode;
	int master;		/* pty master fd, inherited */
	int port;
	int listen_fd;		/* TCPC: accept the bridge's connections here */
	int clients;
	int stuck;		/* clients that stop reading after the sync */
	size_t size;
	uint64_t seed;
	long count;		/* rtt: measured round trips */
	long warmup;
	int pid;		/* the bridge, for CPU time and peak RSS */
	double stall;		/* seconds without progress: the bridge stalled */
	double deadline;	/* seconds for the whole payload */
	int telnet;		/* TCP clients speak Telnet (RFC 2217) */
};

/* Where a client's Telnet filter is (RFC 854). */
enum tn_state { TN_DATA, TN_IAC, TN_OPT, TN_SB, TN_SB_IAC };

/* A reader of the synchronised stream: a client socket or the master. */
struct reader {
	int fd;
	int stuck;
	int stage;		/* 0: looking for the marker, 1: the terminator, 2: payload */
	uint8_t win[MARK_LEN];
	size_t nwin;
	size_t got;		/* payload bytes verified */
	int64_t done_ns;	/* when the last byte arrived; 0 while running */
	int net;		/* a TCP client (filtered with --telnet) */
	enum tn_state tn;
};

static struct opts o = {
	.master = -1, .port = 0, .listen_fd = -1, .clients = 1, .size = 16u << 20, .seed = 1,
	.count = 5000, .warmup = 500, .pid = 0, .stall = 5.0, .deadline = 120.0,
};
static uint8_t marker[MARK_LEN], terminator[MARK_LEN];
static volatile sig_atomic_t alarmed;

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void __attribute__((noreturn, format(printf, 1, 2)))
fail(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (char *p = msg; *p; p++)
		if (*p == '"' || *p == '\\')
			*p = '\'';
	printf("{\"mode\": \"%s\", \"ok\": false, \"error\": \"%s\"}\n", o.mode, msg);
	exit(1);
}

static uint64_t
splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void
fill_random(uint8_t *buf, size_t n, uint64_t seed)
{
	uint64_t s = seed;

	for (size_t i = 0; i < n; i += 8) {
		uint64_t v = splitmix(&s);

		memcpy(buf + i, &v, n - i < 8 ? n - i : 8);
	}
}

/* Sum of on-CPU time of every thread of pid (ns, from schedstat). */
static int64_t
cpu_ns(int pid)
{
	char path[64];
	int64_t sum = 0;
	DIR *d;
	struct dirent *e;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char p[300];
		long long v;
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "/proc/%d/task/%s/schedstat", pid, e->d_name);
		f = fopen(p, "r");
		if (!f)
			continue;
		if (fscanf(f, "%lld", &v) == 1)
			sum += v;
		fclose(f);
	}
	closedir(d);
	return sum;
}

/* Peak resident set (VmHWM, KiB) of pid. */
static long
peak_rss_kib(int pid)
{
	char path[64], line[256];
	long v = 0;
	FILE *f;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %ld", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* Takes Telnet commands, negotiations and subnegotiations out of what a
 * client read, in place; IAC IAC is one 0xFF. Returns the data length. */
static size_t
tn_filter(enum tn_state *st, uint8_t *d, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		uint8_t b = d[i];

		switch (*st) {
		case TN_DATA:
			if (b == 0xff)
				*st = TN_IAC;
			else
				d[o++] = b;
			break;
		case TN_IAC:
			if (b == 0xff) {
				d[o++] = b;
				*st = TN_DATA;
			} else if (b == 250) {
				*st = TN_SB;
			} else if (b >= 251) {
				*st = TN_OPT;
			} else {
				*st = TN_DATA;
			}
			break;
		case TN_OPT:
			*st = TN_DATA;
			break;
		case TN_SB:
			if (b == 0xff)
				*st = TN_SB_IAC;
			break;
		case TN_SB_IAC:
			*st = b == 240 ? TN_DATA : TN_SB;
			break;
		}
	}
	return o;
}

/* What a reader's read gives: the data only. */
static ssize_t
read_data(struct reader *r, uint8_t *buf, size_t cap)
{
	ssize_t n = read(r->fd, buf, cap);

	if (n > 0 && o.telnet && r->net) {
		n = (ssize_t)tn_filter(&r->tn, buf, (size_t)n);
		if (n == 0) {
			errno = EAGAIN;
			return -1;
		}
	}
	return n;
}

/* --telnet: data without 0xFF for the sync marks, so that they need no
 * doubling; the payload keeps every byte value. */
static void
no_iac(uint8_t *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (d[i] == 0xff)
			d[i] = 0xfe;
}

/* The payload as a Telnet client sends it: every 0xFF doubled. */
static uint8_t *
iac_double(const uint8_t *d, size_t n, size_t *out_n)
{
	uint8_t *e = malloc(2 * n);
	size_t k = 0;

	if (!e)
		fail("out of memory");
	for (size_t i = 0; i < n; i++) {
		e[k++] = d[i];
		if (d[i] == 0xff)
			e[k++] = 0xff;
	}
	*out_n = k;
	return e;
}

static void
set_nonblock(int fd, int on)
{
	int fl = fcntl(fd, F_GETFL);

	fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
}

/* TCPC: the bridge is the client; waits up to 4 stall times for it. */
static int
accept_client(int rcvbuf)
{
	struct pollfd pf = { .fd = o.listen_fd, .events = POLLIN };
	int fd, one = 1;

	if (poll(&pf, 1, (int)(o.stall * 4000)) <= 0)
		fail("the bridge did not connect within %.0f s", o.stall * 4);
	fd = accept4(o.listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		fail("accept: %s", strerror(errno));
	if (rcvbuf)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static int
connect_client(int rcvbuf)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)o.port) };
	int fd, one = 1;

	if (o.listen_fd >= 0)
		return accept_client(rcvbuf);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fail("socket: %s", strerror(errno));
	/* A peer that never reads gets a small window, as a stuck embedded
	 * client would, so that the bridge sees it stop quickly. */
	if (rcvbuf)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		fail("connect to 127.0.0.1:%d: %s", o.port, strerror(errno));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (o.telnet) {
		/* IAC WILL COM-PORT-OPTION (RFC 2217 p. 4). */
		static const uint8_t will[] = { 0xff, 251, 44 };

		if (write(fd, will, sizeof(will)) != (ssize_t)sizeof(will))
			fail("telnet offer: %s", strerror(errno));
	}
	return fd;
}

static ssize_t
write_some(int fd, const uint8_t *p, size_t n)
{
	ssize_t w = write(fd, p, n);

	if (w < 0 && errno != EAGAIN && errno != EINTR)
		fail("write: %s", strerror(errno));
	return w < 0 ? 0 : w;
}

static void
write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write_some(fd, p, n);

		if (w == 0) {
			struct pollfd pf = { .fd = fd, .events = POLLOUT };

			if (poll(&pf, 1, (int)(o.stall * 1000)) == 0)
				fail("stalled writing the sync marker");
		}
		p += w;
		n -= (size_t)w;
	}
}

/* Feeds sync bytes to a reader; returns how many of them were consumed
 * (the rest, after the terminator, is payload). */
static size_t
sync_feed(struct reader *r, const uint8_t *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const uint8_t *want = r->stage == 0 ? marker : terminator;

		if (r->nwin == MARK_LEN) {
			memmove(r->win, r->win + 1, MARK_LEN - 1);
			r->nwin--;
		}
		r->win[r->nwin++] = d[i];
		if (r->nwin == MARK_LEN && memcmp(r->win, want, MARK_LEN) == 0) {
			r->stage++;
			r->nwin = 0;
			if (r->stage == 2)
				return i + 1;
		}
	}
	return n;
}

/* Sends the marker from wfd until every reader saw it, then the
 * terminator; returns when every reader is past it. */
static void
sync_stream(int wfd, struct reader *rd, int nr)
{
	int64_t start = now_ns(), last_mark = 0;
	uint8_t buf[CHUNK];

	for (;;) {
		struct pollfd pf[CLIENTS_MAX + 1];
		int seen = 0, done = 0;

		for (int i = 0; i < nr; i++) {
			seen += rd[i].stage >= 1;
			done += rd[i].stage >= 2;
		}
		if (done == nr)
			return;
		if (now_ns() - start > (int64_t)(o.stall * 4e9))
			fail("sync: %d of %d readers saw the marker, %d the terminator", seen, nr,
			    done);
		if (seen < nr && now_ns() - last_mark > 20000000) {
			write_all(wfd, marker, MARK_LEN);
			last_mark = now_ns();
		} else if (seen == nr && last_mark >= 0) {
			write_all(wfd, terminator, MARK_LEN);
			last_mark = -1;		/* sent once */
		}
		for (int i = 0; i < nr; i++)
			pf[i] = (struct pollfd){ .fd = rd[i].stage < 2 ? rd[i].fd : -1,
			    .events = POLLIN };
		if (poll(pf, (nfds_t)nr, 10) < 0 && errno != EINTR)
			fail("poll: %s", strerror(errno));
		for (int i = 0; i < nr; i++) {
			ssize_t n;

			if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read_data(&rd[i], buf, sizeof(buf));
			if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
				fail("sync: reader %d: %s", i, n == 0 ? "end of file" : strerror(errno));
			if (n > 0 && sync_feed(&rd[i], buf, (size_t)n) != (size_t)n)
				fail("sync: reader %d: bytes after the terminator", i);
		}
	}
}

static void
print_result(const char *extra_fmt, ...) __attribute__((format(printf, 1, 2)));

static void
print_result(const char *extra_fmt, ...)
{
	va_list ap;

	printf("{\"mode\": \"%s\", ", o.mode);
	va_start(ap, extra_fmt);
	vprintf(extra_fmt, ap);
	va_end(ap);
	printf("}\n");
}

/* Says where a reader's bytes stop matching the payload and, when the
 * stream resumes further on, how many bytes went missing (a bridge that
 * dropped data) rather than changed. */
static void __attribute__((noreturn))
mismatch(int reader, const uint8_t *payload, size_t got, const uint8_t *buf, size_t n)
{
	size_t k = 0, probe;

	while (k < n && buf[k] == payload[got + k])
		k++;
	probe = n - k < 32 ? n - k : 32;
	for (size_t j = got + k + 1; probe >= 16 && j + probe <= o.size; j++)
		if (memcmp(payload + j, buf + k, probe) == 0)
			fail("reader %d: %zu bytes missing at offset %zu (the stream resumes "
			    "after them)", reader, j - got - k, got + k);
	fail("reader %d: data differs at offset %zu", reader, got + k);
}

/* Writes payload from wfd to every non-stuck reader and verifies it. */
static void
transfer(int wfd, int wnet, struct reader *rd, int nr)
{
	uint8_t *payload = malloc(o.size), *buf = malloc(CHUNK), *wbuf;
	size_t off = 0, total = 0, wsize = o.size;
	int64_t t0, last = 0, c0, c1, end = 0;
	int active = 0, stalled = 0, timed_out = 0;

	if (!payload || !buf)
		fail("out of memory");
	fill_random(payload, o.size, o.seed);
	wbuf = o.telnet && wnet ? iac_double(payload, o.size, &wsize) : payload;
	for (int i = 0; i < nr; i++)
		active += !rd[i].stuck;
	set_nonblock(wfd, 1);
	c0 = cpu_ns(o.pid);
	t0 = last = now_ns();
	for (;;) {
		struct pollfd pf[CLIENTS_MAX + 1];
		int running = 0;
		int64_t t;

		for (int i = 0; i < nr; i++) {
			pf[i] = (struct pollfd){ .fd = -1 };
			if (!rd[i].stuck && rd[i].got < o.size) {
				pf[i] = (struct pollfd){ .fd = rd[i].fd, .events = POLLIN };
				running++;
			}
		}
		pf[nr] = (struct pollfd){ .fd = off < wsize ? wfd : -1, .events = POLLOUT };
		if (!running)
			break;
		t = now_ns();
		if (t - last > (int64_t)(o.stall * 1e9)) {
			stalled = 1;
			break;
		}
		if (t - t0 > (int64_t)(o.deadline * 1e9)) {
			timed_out = 1;
			break;
		}
		if (poll(pf, (nfds_t)nr + 1, 100) < 0 && errno != EINTR)
			fail("poll: %s", strerror(errno));
		if (pf[nr].revents & POLLOUT) {
			size_t n = wsize - off < CHUNK ? wsize - off : CHUNK;

			off += (size_t)write_some(wfd, wbuf + off, n);
		} else if (pf[nr].revents & (POLLERR | POLLHUP)) {
			fail("the writer's end was closed");
		}
		for (int i = 0; i < nr; i++) {
			ssize_t n;

			if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read_data(&rd[i], buf, CHUNK);
			if (n == 0)
				fail("reader %d: end of file after %zu bytes", i, rd[i].got);
			if (n < 0) {
				if (errno == EAGAIN || errno == EINTR)
					continue;
				fail("reader %d: %s", i, strerror(errno));
			}
			if (rd[i].got + (size_t)n > o.size)
				fail("reader %d: %zu bytes more than sent", i,
				    rd[i].got + (size_t)n - o.size);
			if (memcmp(buf, payload + rd[i].got, (size_t)n) != 0)
				mismatch(i, payload, rd[i].got, buf, (size_t)n);
			rd[i].got += (size_t)n;
			total += (size_t)n;
			last = now_ns();
			if (rd[i].got == o.size)
				rd[i].done_ns = last;
		}
	}
	c1 = cpu_ns(o.pid);
	for (int i = 0; i < nr; i++)
		if (!rd[i].stuck && rd[i].done_ns > end)
			end = rd[i].done_ns;
	if (stalled || timed_out)
		end = last;
	{
		double secs = (double)(end - t0) / 1e9;
		size_t slowest = o.size;
		char per[CLIENTS_MAX * 24] = "";
		size_t p = 0;

		for (int i = 0; i < nr; i++) {
			if (rd[i].stuck)
				continue;
			if (rd[i].got < slowest)
				slowest = rd[i].got;
			p += (size_t)snprintf(per + p, sizeof(per) - p, "%s%.3f", p ? ", " : "",
			    (rd[i].done_ns ? (double)(rd[i].done_ns - t0) : (double)(end - t0)) / 1e9);
		}
		if (secs <= 0)
			secs = 1e-9;
		print_result("\"ok\": true, \"complete\": %s, \"stalled\": %s, \"timed_out\": %s, "
		    "\"size\": %zu, \"readers\": %d, \"bytes\": %zu, \"seconds\": %.6f, "
		    "\"mib_s\": %.3f, \"slowest_mib_s\": %.3f, \"reader_seconds\": [%s], "
		    "\"cpu_s\": %.6f, \"peak_rss_kib\": %ld",
		    stalled || timed_out ? "false" : "true", stalled ? "true" : "false",
		    timed_out ? "true" : "false", o.size, active, total, secs,
		    (double)total / secs / 1048576.0, (double)slowest / secs / 1048576.0, per,
		    (double)(c1 - c0) / 1e9, peak_rss_kib(o.pid));
	}
	if (wbuf != payload)
		free(wbuf);
	free(payload);
	free(buf);
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static void
on_alarm(int sig)
{
	(void)sig;
	alarmed = 1;
}

/* Reads exactly one byte, blocking; a SIGALRM (no progress for o.stall)
 * ends the run as stalled. */
static void
read_one(int fd, enum tn_state *tn, uint8_t want, const char *where)
{
	uint8_t b;
	ssize_t n;

	for (;;) {
		n = read(fd, &b, 1);
		if (n == 1 && tn && tn_filter(tn, &b, 1) == 0)
			continue;	/* Telnet, not data */
		if (n == 1)
			break;
		if (n < 0 && errno == EINTR && alarmed)
			fail("rtt: no reply within %.1f s (%s)", o.stall, where);
		if (n == 0 || (n < 0 && errno != EINTR))
			fail("rtt: %s: %s", where, n == 0 ? "end of file" : strerror(errno));
	}
	if (b != want)
		fail("rtt: %s: got 0x%02x, expected 0x%02x", where, b, want);
}

static void
round_trips(int sock, int master, enum tn_state tn)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	long total = o.warmup + o.count;
	int64_t *lat = malloc(sizeof(*lat) * (size_t)(o.count ? o.count : 1)), c0 = 0, c1, sum = 0;
	static const uint8_t iac2[] = { 0xff, 0xff };

	if (!lat)
		fail("out of memory");
	sigaction(SIGALRM, &sa, NULL);
	set_nonblock(sock, 0);
	set_nonblock(master, 0);
	for (long i = 0; i < total; i++) {
		/* Never '+': after a silence the 30X console holds it up to
		 * 300 ms for a possible "+++" (PROTOCOLS.md §1), which is the
		 * device's escape rule, not transport latency. */
		uint8_t b = (uint8_t)(i * 7 + 1) == '+' ? '-' : (uint8_t)(i * 7 + 1);
		int64_t t0, t1;

		if ((i & 63) == 0)
			alarm((unsigned)(o.stall + 0.999));
		if (i == o.warmup)
			c0 = cpu_ns(o.pid);
		t0 = now_ns();
		if (o.telnet && b == 0xff ? write(sock, iac2, 2) != 2 : write(sock, &b, 1) != 1)
			fail("rtt: send: %s", strerror(errno));
		read_one(master, NULL, b, "serial side");
		if (write(master, &b, 1) != 1)
			fail("rtt: serial write: %s", strerror(errno));
		read_one(sock, o.telnet ? &tn : NULL, b, "network side");
		t1 = now_ns();
		if (i >= o.warmup)
			lat[i - o.warmup] = t1 - t0;
	}
	alarm(0);
	c1 = cpu_ns(o.pid);
	qsort(lat, (size_t)o.count, sizeof(*lat), cmp_i64);
	for (long i = 0; i < o.count; i++)
		sum += lat[i];
#define PCT(p) ((double)lat[(size_t)((double)(o.count - 1) * (p))] / 1000.0)
	print_result("\"ok\": true, \"complete\": true, \"count\": %ld, \"min_us\": %.2f, "
	    "\"p50_us\": %.2f, \"p90_us\": %.2f, \"p99_us\": %.2f, \"p999_us\": %.2f, "
	    "\"max_us\": %.2f, \"mean_us\": %.2f, \"cpu_s\": %.6f, \"peak_rss_kib\": %ld",
	    o.count, PCT(0), PCT(0.5), PCT(0.9), PCT(0.99), PCT(0.999), PCT(1.0),
	    (double)sum / (double)o.count / 1000.0, (double)(c1 - c0) / 1e9,
	    peak_rss_kib(o.pid));
#undef PCT
	free(lat);
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: loadgen s2n|n2s|rtt --master-fd FD --port PORT|--listen-fd FD\n"
	    "               [--clients N] [--stuck K]\n"
	    "               [--size BYTES] [--seed S] [--count N] [--warmup N] [--pid PID]\n"
	    "               [--stall SECONDS] [--deadline SECONDS] [--telnet]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "master-fd", required_argument, NULL, 'm' },
		{ "port", required_argument, NULL, 'p' },
		{ "listen-fd", required_argument, NULL, 'l' },
		{ "clients", required_argument, NULL, 'c' },
		{ "stuck", required_argument, NULL, 'k' },
		{ "size", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ "count", required_argument, NULL, 'n' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "pid", required_argument, NULL, 'P' },
		{ "stall", required_argument, NULL, 't' },
		{ "deadline", required_argument, NULL, 'd' },
		{ "telnet", no_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	struct reader rd[CLIENTS_MAX];
	int c;

	if (argc < 2)
		usage();
	o.mode = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'm': o.master = atoi(optarg); break;
		case 'p': o.port = atoi(optarg); break;
		case 'l': o.listen_fd = atoi(optarg); break;
		case 'c': o.clients = atoi(optarg); break;
		case 'k': o.stuck = atoi(optarg); break;
		case 's': o.size = strtoull(optarg, NULL, 0); break;
		case 'S': o.seed = strtoull(optarg, NULL, 0); break;
		case 'n': o.count = atol(optarg); break;
		case 'w': o.warmup = atol(optarg); break;
		case 'P': o.pid = atoi(optarg); break;
		case 't': o.stall = atof(optarg); break;
		case 'd': o.deadline = atof(optarg); break;
		case 'T': o.telnet = 1; break;
		default: usage();
		}
	}
	if (o.master < 0 || (o.port <= 0 && o.listen_fd < 0) || o.clients < 1 || o.clients > CLIENTS_MAX ||
	    o.stuck < 0 || o.stuck >= o.clients || o.size == 0 || o.count < 1 ||
	    o.count > RTT_MAX || o.warmup < 0)
		usage();
	signal(SIGPIPE, SIG_IGN);
	fill_random(marker, MARK_LEN, o.seed ^ 0x6d61726bull);
	fill_random(terminator, MARK_LEN, o.seed ^ 0x7465726dull);
	if (o.telnet) {
		no_iac(marker, MARK_LEN);
		no_iac(terminator, MARK_LEN);
	}
	memset(rd, 0, sizeof(rd));
	set_nonblock(o.master, 1);

	if (strcmp(o.mode, "s2n") == 0) {
		for (int i = 0; i < o.clients; i++) {
			rd[i].stuck = i >= o.clients - o.stuck;
			rd[i].fd = connect_client(rd[i].stuck ? 4096 : 0);
			rd[i].net = 1;
			set_nonblock(rd[i].fd, 1);
		}
		sync_stream(o.master, rd, o.clients);
		transfer(o.master, 0, rd, o.clients);
	} else if (strcmp(o.mode, "n2s") == 0) {
		int fd = connect_client(0);

		set_nonblock(fd, 1);
		rd[0].fd = o.master;
		sync_stream(fd, rd, 1);
		transfer(fd, 1, rd, 1);
	} else if (strcmp(o.mode, "rtt") == 0) {
		int fd = connect_client(0);

		set_nonblock(fd, 1);
		/* Both directions must be open before the first timed byte. */
		rd[0].fd = o.master;
		sync_stream(fd, rd, 1);
		memset(rd, 0, sizeof(rd));
		rd[0].fd = fd;
		rd[0].net = 1;
		sync_stream(o.master, rd, 1);
		round_trips(fd, o.master, rd[0].tn);
	} else {
		usage();
	}
	return 0;
}
