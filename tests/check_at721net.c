/* The 721's AT command mode rows (at-721-net.c, cmdconn.c) through the real
 * dispatcher and dialect: AT+CIOPEN's arguments, ERROR wherever there is no
 * connection to use, AT+CIOPTIME as a plain row, and a connection's OK,
 * CLOSE OK and the allow_out refusal against a listening socket on
 * loopback (nothing is dialled anywhere else). */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "at.h"
#include "at-721-net.h"
#include "cmdconn.h"
#include "fake_host.h"
#include "settings.h"
#include "unit.h"

/* Replies and the connection's up-calls; the settings and the AT host are
 * the shared fake's (fake_host.c). */
static struct {
	char out[2048];
	size_t nout;
	char urc[4][32];
	int nurc, raw;
} fk;

static void
f_write(void *arg, const char *d, size_t n)
{
	ck_assert_msg(fk.nout + n < sizeof(fk.out), "reply overflow");
	memcpy(fk.out + fk.nout, d, n);
	fk.nout += n;
	fk.out[fk.nout] = '\0';
}

static struct at_session sess;

static void
reset(void)
{
	memset(&fk, 0, sizeof(fk));
	fake_host_reset(PERS_721);
	at_session_init(&sess, fake_host.ops->at, fake_host.h, f_write, NULL, NULL, NULL);
}

static const char *
run(const char *line)
{
	fk.nout = 0;
	fk.out[0] = '\0';
	at_dispatch(&sess, line, strlen(line), 0);
	return fk.out;
}

#define OK "\r\nOK\r\n"
#define ERR "\r\nERROR\r\n"

/* No connection to use (another mode, another session): ERROR, nothing
 * changed; CIOPTIME is a plain row with its bounds. */
static const struct { const char *in, *out; } rows[] = {
	{ "AT+CIOPEN=\"TCP\",\"127.0.0.1\",9000", ERR },
	{ "AT+CIOPEN=?", "\r\n+CIOPEN: (\"TCP\",\"UDP\"),127,(1-65535)\r\n" OK },
	{ "AT+CIOPEN?", ERR },
	{ "AT+CIOPEN", ERR },
	{ "AT+CIOPEN=\"TCP\",\"127.0.0.1\"", ERR },
	{ "AT+CISEND", ERR },
	{ "at+cisend", ERR },
	{ "AT+CISEND=5", ERR },
	{ "AT+CISEND?", ERR },
	{ "AT+CICLOSE", ERR },
	{ "AT+CICLOSE=1", ERR },
	{ "AT+CIOPTIME?", "\r\n+CIOPTIME: 0\r\n" OK },
	{ "AT+CIOPTIME=?", "\r\n+CIOPTIME: (0-65535)\r\n" OK },
	{ "AT+CIOPTIME=0", OK },			/* min */
	{ "AT+CIOPTIME=65535", OK },			/* max */
	{ "AT+CIOPTIME=-1", ERR },			/* min-1 */
	{ "AT+CIOPTIME=65536", ERR },			/* max+1 */
	{ "AT+CIOPTIME=", ERR },			/* empty */
	{ "AT+CIOPTIME=1,2", ERR },			/* fields */
	{ "AT+CIOPTIME=\"30\"", OK },			/* quotes */
	{ "at+cioptime=30", OK },			/* lower case */
};

START_TEST(test_rows)
{
	reset();
	ck_assert_str_eq(run(rows[_i].in), rows[_i].out);
	/* A refused set changes nothing. */
	if (strcmp(rows[_i].out, ERR) == 0)
		ck_assert_int_eq(fh.st.command_idle, 0);
}
END_TEST

START_TEST(test_cioptime_edits)
{
	reset();
	ck_assert_str_eq(run("AT+CIOPTIME=30"), OK);
	ck_assert_int_eq(fh.st.command_idle, 30);
	ck_assert_str_eq(run("AT+CIOPTIME?"), "\r\n+CIOPTIME: 30\r\n" OK);
}
END_TEST

static const struct {
	int argc;
	const char *argv[4];
	int rc, udp;
	long port;
} arg_rows[] = {
	{ 3, { "TCP", "127.0.0.1", "9000" }, 0, 0, 9000 },
	{ 3, { "udp", "::1", "1" }, 0, 1, 1 },
	{ 3, { "Tcp", "host.example", "65535" }, 0, 0, 65535 },
	{ 3, { "TCP", "127.0.0.1", "0" }, AT_ERR_PARAM, 0, 0 },
	{ 3, { "TCP", "127.0.0.1", "65536" }, AT_ERR_PARAM, 0, 0 },
	{ 3, { "TCP", "127.0.0.1", "80x" }, AT_ERR_PARAM, 0, 0 },
	{ 3, { "TCP", "127.0.0.1", "" }, AT_ERR_PARAM, 0, 0 },
	{ 3, { "SCTP", "127.0.0.1", "80" }, AT_ERR_PARAM, 0, 0 },
	{ 3, { "TCP", "", "80" }, AT_ERR_PARAM, 0, 0 },
	{ 3, { "TCP", "a b", "80" }, AT_ERR_PARAM, 0, 0 },
	{ 3, { "TCP", "a\"b", "80" }, AT_ERR_PARAM, 0, 0 },
	{ 3, { "TCP", "a\tb", "80" }, AT_ERR_PARAM, 0, 0 },
	{ 2, { "TCP", "127.0.0.1" }, AT_ERR_PARAM, 0, 0 },
	{ 4, { "TCP", "127.0.0.1", "80", "1" }, AT_ERR_PARAM, 0, 0 },
};

START_TEST(test_ciopen_args)
{
	const char *h = NULL;
	long port = 0;
	int udp = -1;
	int rc = at721_ciopen_args(arg_rows[_i].argc, (char *const *)arg_rows[_i].argv, &udp, &h,
	    &port);

	ck_assert_int_eq(rc, arg_rows[_i].rc);
	if (rc < 0)
		return;
	ck_assert_int_eq(udp, arg_rows[_i].udp);
	ck_assert_int_eq(port, arg_rows[_i].port);
	ck_assert_str_eq(h, arg_rows[_i].argv[1]);
}
END_TEST

START_TEST(test_ciopen_host_length)
{
	char host[130];
	const char *argv[3] = { "TCP", host, "80" }, *h;
	long port;
	int udp;

	memset(host, 'h', sizeof(host));
	host[127] = '\0';
	ck_assert_int_eq(at721_ciopen_args(3, (char *const *)argv, &udp, &h, &port), 0);
	host[127] = 'h';
	host[128] = '\0';
	ck_assert_int_eq(at721_ciopen_args(3, (char *const *)argv, &udp, &h, &port),
	    AT_ERR_PARAM);
}
END_TEST

static void
c_data(void *arg, const uint8_t *d, size_t n)
{
}

static void
c_urc(void *arg, const char *text)
{
	ck_assert_int_lt(fk.nurc, 4);
	snprintf(fk.urc[fk.nurc++], sizeof(fk.urc[0]), "%s", text);
}

static void
c_raw(void *arg, int on)
{
	fk.raw = on;
}

static const struct cmdconn_cbs ccbs = { c_data, c_urc, c_raw };

/* A connection: CISEND and CICLOSE without one are ERROR; allow_out is
 * applied before anything is dialled; an attempt under way answers OK,
 * and AT+CICLOSE "CLOSE OK" in place of OK. */
START_TEST(test_connection)
{
	struct event_base *base;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t salen = sizeof(sa);
	char line[96];
	int lfd = socket(AF_INET, SOCK_STREAM, 0);

	reset();
	base = fh.base;
	ck_assert_ptr_nonnull(base);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(lfd, 1), 0);
	ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&sa, &salen), 0);
	ck_assert_int_eq(settings_set(&fh.st, settings_find("network.allow_out"),
	    "127.0.0.1/32", NULL, 0), 0);
	fh.cmdconn = cmdconn_new(base, NULL, &fh.st, &ccbs, NULL);
	ck_assert_ptr_nonnull(fh.cmdconn);
	ck_assert_str_eq(run("AT+CISEND"), ERR);
	ck_assert_int_eq(fk.raw, 0);
	ck_assert_str_eq(run("AT+CICLOSE"), ERR);
	ck_assert_str_eq(run("AT+CIOPEN=\"TCP\",\"127.0.0.2\",9"), ERR);
	ck_assert_int_eq(cmdconn_state(fh.cmdconn), CC_CLOSED);
	/* A name without a resolver cannot be looked up: ERROR. */
	ck_assert_str_eq(run("AT+CIOPEN=\"TCP\",\"nowhere.invalid\",9"), ERR);
	ck_assert_int_eq(cmdconn_state(fh.cmdconn), CC_CLOSED);
	snprintf(line, sizeof(line), "AT+CIOPEN=\"TCP\",\"127.0.0.1\",%u", ntohs(sa.sin_port));
	ck_assert_str_eq(run(line), OK);
	ck_assert_int_eq(cmdconn_state(fh.cmdconn), CC_OPENING);
	ck_assert(!at_busy(&sess));
	ck_assert_str_eq(run(line), ERR);		/* one at a time */
	ck_assert_str_eq(run("AT+CISEND"), ERR);		/* not up yet */
	ck_assert_str_eq(run("AT+CICLOSE"), "\r\nCLOSE OK\r\n");
	ck_assert_int_eq(cmdconn_state(fh.cmdconn), CC_CLOSED);
	ck_assert_int_eq(fk.nurc, 0);
	event_base_loop(base, EVLOOP_NONBLOCK);		/* frees the stopped link */
	cmdconn_free(fh.cmdconn);
	fh.cmdconn = NULL;
	close(lfd);
	fake_host_free();
}
END_TEST

Suite *
suite_at721net(void)
{
	Suite *s = suite_create("at721net");
	TCase *tc = tcase_create("at721net");

	tcase_add_loop_test(tc, test_rows, 0, sizeof(rows) / sizeof(rows[0]));
	tcase_add_test(tc, test_cioptime_edits);
	tcase_add_loop_test(tc, test_ciopen_args, 0, sizeof(arg_rows) / sizeof(arg_rows[0]));
	tcase_add_test(tc, test_ciopen_host_length);
	tcase_add_test(tc, test_connection);
	suite_add_tcase(s, tc);
	return s;
}
