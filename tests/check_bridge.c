/* The bridge core with real sockets on loopback: frames addressed to one
 * link reach that link's server only, data from a link reaches the serial
 * side with its link number, and a link reset drops the connection and
 * dials again (the 721's "heartbeat failed 3 times"). With the 721's hooks:
 * each link has its own offline cache (frames kept in order while it is
 * down, oldest dropped at the bound and counted on that link only), and the
 * reconnect backoff is jittered. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "bridge.h"
#include "settings.h"
#include "unit.h"
#include "util.h"

/* A listening socket on 127.0.0.1 (DESIGN.md §4) and the connections it
 * accepted, read without blocking. */
struct server {
	int lfd;
	int fd[4];
	int nfd;
	long port;
};

static void
server_open(struct server *s)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);

	memset(s, 0, sizeof(*s));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(s->lfd, 0);
	ck_assert_int_eq(bind(s->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(s->lfd, 4), 0);
	ck_assert_int_eq(getsockname(s->lfd, (struct sockaddr *)&a, &alen), 0);
	s->port = ntohs(a.sin_port);
}

/* Listens again on the port it had (a server that comes back). */
static void
server_relisten(struct server *s)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)s->port);
	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(s->lfd, 0);
	setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ck_assert_int_eq(bind(s->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(s->lfd, 4), 0);
}

static void
server_poll(struct server *s)
{
	int fd = s->lfd < 0 ? -1 : accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd >= 0) {
		ck_assert_int_lt(s->nfd, 4);
		s->fd[s->nfd++] = fd;
	}
}

static void
server_close(struct server *s)
{
	for (int i = 0; i < s->nfd; i++)
		close(s->fd[i]);
	close(s->lfd);
}

/* What reached the serial side. */
static struct {
	int link;
	char data[64];
	size_t len;
	int ups[LINKS_MAX], downs[LINKS_MAX];
} got;

static void
to_serial(int link, int client, const uint8_t *d, size_t n, void *arg)
{
	got.link = link;
	ck_assert_uint_lt(got.len + n, sizeof(got.data));
	memcpy(got.data + got.len, d, n);
	got.len += n;
}

static void
want_restart(const char *why, void *arg)
{
}

static void
on_conn(int link, int client, int up, int n, void *arg)
{
	ck_assert(link >= 0 && link < LINKS_MAX);
	if (up)
		got.ups[link]++;
	else
		got.downs[link]++;
}

static const struct bridge_cbs cbs = {
	.to_serial = to_serial, .want_restart = want_restart, .on_conn = on_conn,
};

/* Runs the loop (and the servers' accept) until pred holds, for 5 s at most. */
#define LOOP_UNTIL(base, a, b, pred) do {						\
	int64_t end_ = util_now_us() + 5000000;						\
	int ok_;									\
	while (!(ok_ = (pred)) && util_now_us() < end_) {				\
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);			\
		server_poll(a);								\
		server_poll(b);								\
		usleep(1000);								\
	}										\
	ck_assert_msg(ok_, "timed out: %s", #pred);					\
} while (0)

static ssize_t
read_some(int fd, char *buf, size_t cap, int64_t timeout_us)
{
	int64_t end = util_now_us() + timeout_us;
	ssize_t n;

	while ((n = read(fd, buf, cap)) < 0 && errno == EAGAIN && util_now_us() < end)
		usleep(1000);
	return n;
}

START_TEST(test_addressed_links_and_reset)
{
	struct event_base *base = event_base_new();
	struct server s1, s2;
	struct settings st;
	struct bridge_params bp = { .nlinks = LINKS_MAX };
	struct bridge *b;
	char port[16], buf[64];
	ssize_t n;

	memset(&got, 0, sizeof(got));
	server_open(&s1);
	server_open(&s2);
	settings_defaults(&st, PERS_721);
	ck_assert_int_eq(settings_set(&st, settings_find("network.allow_out"), "127.0.0.0/8",
	    NULL, 0), 0);
	ck_assert_int_eq(settings_set(&st, settings_find("bridge.reconnect_max"), "1", NULL, 0), 0);
	for (int i = 0; i < 2; i++) {
		char key[32];

		snprintf(port, sizeof(port), "%ld", i ? s2.port : s1.port);
		snprintf(key, sizeof(key), "link%d.enabled", i + 1);
		ck_assert_int_eq(settings_set(&st, settings_find(key), "ON", NULL, 0), 0);
		snprintf(key, sizeof(key), "link%d.host", i + 1);
		ck_assert_int_eq(settings_set(&st, settings_find(key), "127.0.0.1", NULL, 0), 0);
		snprintf(key, sizeof(key), "link%d.port", i + 1);
		ck_assert_int_eq(settings_set(&st, settings_find(key), port, NULL, 0), 0);
	}
	b = bridge_new(base, NULL, &st, &bp, &cbs, NULL);
	ck_assert_ptr_nonnull(b);
	LOOP_UNTIL(base, &s1, &s2, got.ups[0] == 1 && got.ups[1] == 1 && s1.nfd == 1 &&
	    s2.nfd == 1);

	/* Addressed: link2's frame reaches s2 only; a link that is not
	 * running is refused. */
	ck_assert_int_eq(bridge_send(b, 1, (const uint8_t *)"to-two", 6), 0);
	LOOP_UNTIL(base, &s1, &s2, (n = read_some(s2.fd[0], buf, sizeof(buf), 1000)) == 6);
	ck_assert_mem_eq(buf, "to-two", 6);
	ck_assert_int_lt(read_some(s1.fd[0], buf, sizeof(buf), 100000), 0);
	ck_assert_int_eq(bridge_send(b, 2, (const uint8_t *)"x", 1), -ENOENT);
	ck_assert_int_eq(bridge_send(b, 7, (const uint8_t *)"x", 1), -ENOENT);

	/* Data from link1's server arrives with link number 0. */
	ck_assert_int_eq(write(s1.fd[0], "hello", 5), 5);
	LOOP_UNTIL(base, &s1, &s2, got.len == 5);
	ck_assert_int_eq(got.link, 0);
	ck_assert_mem_eq(got.data, "hello", 5);

	/* Reset link1: its connection goes, a new one comes; link2's stays. */
	ck_assert_int_eq(bridge_link_reset(b, 0, "test"), 0);
	LOOP_UNTIL(base, &s1, &s2, got.downs[0] == 1 && got.ups[0] == 2 && s1.nfd == 2);
	ck_assert_int_eq(read_some(s1.fd[0], buf, sizeof(buf), 1000000), 0);	/* EOF */
	ck_assert_int_eq(got.downs[1], 0);
	ck_assert_int_eq(bridge_link_reset(b, 5, "test"), -ENOENT);

	bridge_free(b);
	server_close(&s1);
	server_close(&s2);
	event_base_free(base);
}
END_TEST

/* What fd has now, without waiting (0 when nothing). */
static size_t
read_into(int fd, char *buf, size_t cap)
{
	ssize_t n = read(fd, buf, cap);

	return n > 0 ? (size_t)n : 0;
}

static void
set_link(struct settings *st, int i, const char *key, const char *value)
{
	char name[32];

	snprintf(name, sizeof(name), "link%d.%s", i + 1, key);
	ck_assert_int_eq(settings_set(st, settings_find(name), value, NULL, 0), 0);
}

START_TEST(test_721_cache_per_link)
{
	struct event_base *base = event_base_new();
	struct server up, down;
	struct settings st;
	struct bridge_params bp = { .nlinks = LINKS_MAX, .hooks = &bridge_hooks_721 };
	struct bridge_link_status ls;
	struct bridge *b;
	char port[16], buf[256];
	size_t have = 0;

	memset(&got, 0, sizeof(got));
	server_open(&up);
	server_open(&down);
	close(down.lfd);		/* link2's server is not there yet */
	down.lfd = -1;
	settings_defaults(&st, PERS_721);
	ck_assert_int_eq(settings_set(&st, settings_find("network.allow_out"), "127.0.0.0/8",
	    NULL, 0), 0);
	ck_assert_int_eq(settings_set(&st, settings_find("bridge.reconnect_max"), "1", NULL, 0), 0);
	ck_assert_int_eq(settings_set(&st, settings_find("bridge.cache_size"), "64", NULL, 0), 0);
	for (int i = 0; i < 2; i++) {
		snprintf(port, sizeof(port), "%ld", i ? down.port : up.port);
		set_link(&st, i, "enabled", "ON");
		set_link(&st, i, "host", "127.0.0.1");
		set_link(&st, i, "port", port);
	}
	b = bridge_new(base, NULL, &st, &bp, &cbs, NULL);
	ck_assert_ptr_nonnull(b);
	LOOP_UNTIL(base, &up, &down, got.ups[0] == 1 && up.nfd == 1);

	/* Five frames of 20 bytes: link1 takes them all; link2's 64-byte
	 * cache keeps the newest three, the two oldest are dropped and
	 * counted on link2 alone. */
	for (int k = 0; k < 5; k++) {
		snprintf(buf, sizeof(buf), "frame %d of five.....", k);
		bridge_frame(b, (const uint8_t *)buf, 20);
	}
	LOOP_UNTIL(base, &up, &down, (have += read_into(up.fd[0], buf + have,
	    sizeof(buf) - have)) == 100);
	ck_assert_mem_eq(buf, "frame 0 of five.....frame 1 of five.....", 40);
	ck_assert_int_eq(bridge_link_status(b, 0, &ls), 0);
	ck_assert_uint_eq(ls.cache_bytes, 0);
	ck_assert_uint_eq(ls.cache_dropped, 0);
	ck_assert_int_eq(bridge_link_status(b, 1, &ls), 0);
	ck_assert_uint_eq(ls.cache_bytes, 60);
	ck_assert_uint_eq(ls.cache_dropped, 40);
	ck_assert_uint_eq(ls.cache_max, 64);
	ck_assert_int_eq(bridge_link_status(b, 2, &ls), 0);
	ck_assert_int_eq(ls.active, 0);
	ck_assert_str_eq(ls.why, "disabled (enabled = OFF)");

	/* link2's server comes: the cached frames first, in order, then a
	 * new one. */
	server_relisten(&down);
	LOOP_UNTIL(base, &up, &down, got.ups[1] == 1 && down.nfd == 1);
	bridge_frame(b, (const uint8_t *)"frame 5 after.......", 20);
	have = 0;
	LOOP_UNTIL(base, &up, &down, (have += read_into(down.fd[0], buf + have,
	    sizeof(buf) - have)) == 80);
	ck_assert_mem_eq(buf, "frame 2 of five.....frame 3 of five.....frame 4 of five....."
	    "frame 5 after.......", 80);
	ck_assert_int_eq(bridge_link_status(b, 1, &ls), 0);
	ck_assert_uint_eq(ls.cache_bytes, 0);
	ck_assert_uint_eq(ls.reconnects, 0);

	/* A reset and the connection that follows is a reconnect. */
	ck_assert_int_eq(bridge_link_reset(b, 1, "test"), 0);
	LOOP_UNTIL(base, &up, &down, got.ups[1] == 2 && down.nfd == 2);
	ck_assert_int_eq(bridge_link_status(b, 1, &ls), 0);
	ck_assert_uint_eq(ls.reconnects, 1);
	ck_assert_int_eq(bridge_link_status(b, 0, &ls), 0);
	ck_assert_uint_eq(ls.reconnects, 0);

	bridge_free(b);
	server_close(&up);
	server_close(&down);
	event_base_free(base);
}
END_TEST

/* link_retry_later's delays: 1 s doubling to the cap, each +-20%, and not
 * all the same (four links of one daemon, or a fleet, do not dial in
 * step). */
START_TEST(test_backoff_jitter)
{
	long lo = 1000000, hi = 0, first = link_backoff_cap_ms(1, 30000);
	int differ = 0;

	for (int k = 0; k < 200; k++) {
		long ms = link_backoff_cap_ms(1, 30000);

		lo = ms < lo ? ms : lo;
		hi = ms > hi ? ms : hi;
		differ |= ms != first;
	}
	ck_assert_int_ge(lo, 800);
	ck_assert_int_le(hi, 1200);
	ck_assert(differ);
	for (int k = 0; k < 50; k++) {
		long ms3 = link_backoff_cap_ms(3, 30000), cap = link_backoff_cap_ms(12, 30000);

		ck_assert(ms3 >= 3200 && ms3 <= 4800);
		ck_assert(cap >= 24000 && cap <= 36000);
	}
}
END_TEST

Suite *
suite_bridge(void)
{
	Suite *s = suite_create("bridge");
	TCase *tc = tcase_create("bridge");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_addressed_links_and_reset);
	tcase_add_test(tc, test_721_cache_per_link);
	tcase_add_test(tc, test_backoff_jitter);
	suite_add_tcase(s, tc);
	return s;
}
