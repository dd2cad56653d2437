/* The control socket: the request handling of usrbridged-protocol(7) - get, set, status,
 * restart, reload, help and the framing of replies - driven line by line
 * through control_handle_line() against a fake host (fake_host.c). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "control.h"
#include "fake_host.h"
#include "unit.h"
#include "util.h"


/* --- requests against the fake host ------------------------------------------ */

static struct control *ctl;
static struct evbuffer *out;

static void
setup(void)
{
	fake_host_reset(PERS_30X);
	ctl = control_new(&fake_host);
	out = evbuffer_new();
	ck_assert(ctl && out);
}

static void
teardown(void)
{
	control_free(ctl);
	evbuffer_free(out);
	fake_host_free();
}

/* Sends line; checks the framing ("OK n\n" or "ERR n\n", then exactly n
 * bytes) and that it agrees with the return code; returns the body. */
static const char *
ask(const char *line, int want_ok)
{
	static char buf[16384];
	char *nl, *end;
	size_t n = evbuffer_get_length(out);
	unsigned long len;
	int r;

	evbuffer_drain(out, n);
	r = control_handle_line(ctl, line, out);
	n = evbuffer_copyout(out, buf, sizeof(buf) - 1);
	buf[n] = '\0';
	nl = memchr(buf, '\n', n);
	ck_assert_msg(nl, "'%s': no header in '%s'", line, buf);
	*nl = '\0';
	if (want_ok)
		ck_assert_msg(strncmp(buf, "OK ", 3) == 0 && r == 0, "'%s': %s (%d) %s", line,
		    buf, r, nl + 1);
	else
		ck_assert_msg(strncmp(buf, "ERR ", 4) == 0 && r < 0, "'%s': %s (%d) %s", line,
		    buf, r, nl + 1);
	len = strtoul(strchr(buf, ' ') + 1, &end, 10);
	ck_assert_msg(*end == '\0' && len == n - (size_t)(nl + 1 - buf),
	    "'%s': header '%s', body of %zu bytes", line, buf, n - (size_t)(nl + 1 - buf));
	return nl + 1;
}

START_TEST(test_get_one)
{
	ck_assert_str_eq(ask("get device.name", 1), "USR-TCP232-30X\n");
	ck_assert_str_eq(ask("get LINK1.PORT", 1), "8234\n");
	/* By AT name: the query runs through the 30X table on the host's settings. */
	ck_assert_str_eq(ask("get SOCK", 1), "TCPC,192.168.0.201,8234\n");
	ck_assert_str_eq(ask("get at+sock", 1), "TCPC,192.168.0.201,8234\n");
	/* Asked for by name, a secret is shown, as AT+WEBU? does. */
	ck_assert_str_eq(ask("get web.password", 1), "admin\n");
	ck_assert_str_eq(ask("get link2.port", 0), "link2.port is not used by tcp232-30x\n");
	ck_assert_str_eq(ask("get nosuch", 0), "unknown setting or AT command 'nosuch'\n");
	ck_assert_str_eq(ask("get Z", 0),
	    "AT+Z cannot be queried (try: usrbridgectl at AT+Z)\n");
}
END_TEST

START_TEST(test_get_all)
{
	const char *b;

	strcpy(fh.st.web_password, "s3cr3");
	b = ask("get", 1);
	ck_assert_msg(strstr(b, "link1.mode = TCPC\n"), "%s", b);
	ck_assert_msg(strstr(b, "device.name = USR-TCP232-30X\n"), "%s", b);
	ck_assert_msg(strstr(b, "web.password = (secret)\n"), "%s", b);
	ck_assert_msg(!strstr(b, "s3cr3"), "%s", b);
	ck_assert_msg(!strstr(b, "link2.mode"), "%s", b);	/* not a 30X setting */
}
END_TEST

START_TEST(test_set_ok)
{
	ck_assert_str_eq(ask("set device.name Bench 1", 1), "");
	ck_assert_str_eq(fh.st.name, "Bench 1");
	ck_assert_int_eq(fh.sets, 1);
	ck_assert_str_eq(ask("set link1.port 8000", 1), "saved; link1.port takes effect at "
	    "the next restart (usrbridgectl restart)\n");
	ck_assert_int_eq(fh.st.link[0].port, 8000);
	/* By AT name: the AT handler edits and saves through the AT host. */
	ck_assert_str_eq(ask("set MID Line 7", 1), "");
	ck_assert_str_eq(fh.st.name, "Line 7");
	/* An empty value where the table allows one. */
	ck_assert_str_eq(ask("set network.user_mac A1B2C3D4E5F6", 1), "saved; network.user_mac "
	    "takes effect at the next restart (usrbridgectl restart)\n");
	ck_assert_str_eq(fh.st.user_mac, "A1B2C3D4E5F6");
	ck_assert(*ask("set network.user_mac ", 1));
	ck_assert_str_eq(fh.st.user_mac, "");
	ck_assert_int_eq(fh.restarts, 0);
}
END_TEST

/* Every refused set leaves the host's settings as they were. */
START_TEST(test_set_refused)
{
	struct settings before = fh.st;
	char want[512];

	ck_assert_str_eq(ask("set link1.port 65536", 0),
	    "link1.port: must be an integer from 1 to 65535\n");
	ck_assert_str_eq(ask("set link1.port", 0), "usage: set NAME VALUE\n");
	snprintf(want, sizeof(want), "serial.pack_len can only be set in the config file (%s); "
	    "then: usrbridgectl reload\n", fh.config_path);
	ck_assert_str_eq(ask("set serial.pack_len 10", 0), want);
	ck_assert_str_eq(ask("set link2.port 10", 0), "link2.port is not used by tcp232-30x\n");
	ck_assert_str_eq(ask("set nosuch 1", 0), "unknown setting or AT command 'nosuch'\n");
	ck_assert_str_eq(ask("set VER x", 0), "AT+VER cannot be set\n");
	ck_assert_str_eq(ask("set SOCK TCPC,127.0.0.1,x", 0),
	    "link1.port: must be an integer from 1 to 65535 (the serial line gets +ERR=-4)\n");
	fh.save_error = -EROFS;
	ck_assert_str_eq(ask("set device.name x", 0), "cannot save: Read-only file system\n");
	ck_assert_int_eq(fh.sets, 0);
	ck_assert(memcmp(&before, &fh.st, sizeof(before)) == 0);
}
END_TEST

START_TEST(test_status)
{
	struct evbuffer *want = evbuffer_new();
	char w[8192];
	size_t n;

	fh.status.personality = PERS_30X;
	fh.status.restarts = 3;
	fh.status.uptime_us = 61000000;
	fh.status.nlinks = 1;
	fh.status.link[0].active = 1;
	fh.status.link[0].mode = "TCPS";
	fh.status.link[0].state = "up";
	fh.status.web_port = 8080;
	strcpy(fh.status.control_socket, "/run/t.sock");
	status_text(&fh.status, want);
	n = evbuffer_copyout(want, w, sizeof(w) - 1);
	w[n] = '\0';
	ck_assert_str_eq(ask("status", 1), w);
	ck_assert_msg(strstr(w, "3 restarts") && strstr(w, "link1    TCPS up"), "%s", w);
	evbuffer_drain(want, n);
	status_json(&fh.status, want);
	n = evbuffer_copyout(want, w, sizeof(w) - 1);
	w[n] = '\0';
	/* usrbridgectl status --json sends "status json". */
	ck_assert_str_eq(ask("status json", 1), w);
	ck_assert_msg(strstr(w, "\"restarts\":3") && strstr(w, "\"web_port\":8080}"), "%s", w);
	ck_assert_str_eq(ask("status --json", 0), "usage: status [json]\n");
	evbuffer_free(want);
}
END_TEST

START_TEST(test_restart)
{
	ck_assert_str_eq(ask("restart", 1), "restarting\n");
	ck_assert_int_eq(fh.restarts, 1);
	ck_assert_str_eq(fh.restart_why, "usrbridgectl restart");
}
END_TEST

/* reload checks the config file itself, so that the caller sees file:line. */
START_TEST(test_reload)
{
	char path[] = "/tmp/usrb-check-control-XXXXXX", want[512];
	const char *b;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	util_strlcpy(fh.config_path, path, sizeof(fh.config_path));
	ck_assert(write(fd, "personality = \"tcp232-30x\";\n", 28) == 28);
	snprintf(want, sizeof(want), "reloaded %s; restarting\n", path);
	ck_assert_str_eq(ask("reload", 1), want);
	ck_assert_int_eq(fh.reloads, 1);
	ck_assert(write(fd, "serial = { baud = \"x\"; };\n", 26) == 26);
	close(fd);
	b = ask("reload", 0);
	ck_assert_msg(strncmp(b, path, strlen(path)) == 0 && strstr(b, ":2: ") &&
	    strstr(b, "; the running settings stay\n"), "%s", b);
	ck_assert_int_eq(fh.reloads, 1);
	unlink(path);
}
END_TEST

START_TEST(test_help_and_framing)
{
	static const char *const cmds[] = { "at ", "get ", "help ", "monitor ", "ports ",
		"reload ", "restart ", "set ", "status " };
	const char *b = ask("help", 1);
	char big[CONTROL_REQUEST_MAX + 10];

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		ck_assert_msg(strstr(b, cmds[i]), "%s missing: %s", cmds[i], b);
	ck_assert_str_eq(ask("frob x", 0), "unknown command 'frob' (try: help)\n");
	ck_assert_str_eq(ask("", 0), "unknown command '' (try: help)\n");
	/* A monitor streams to its connection; without one it is refused. */
	ck_assert_str_eq(ask("monitor", 0), "monitor needs a connection\n");
	ck_assert_int_eq(fh.taps, 0);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_str_eq(ask(big, 0), "request longer than 1024 bytes\n");
	/* AT replies keep their bytes. */
	ck_assert_str_eq(ask("at AT+VER=1", 0), "\r\n+ERR=-3\r\n");
	ck_assert_str_eq(ask("at AT+E?", 1), "\r\n+OK=off\r\n");
}
END_TEST

Suite *
suite_control(void)
{
	Suite *s = suite_create("control");
	TCase *tc = tcase_create("helpers");

	suite_add_tcase(s, tc);
	tc = tcase_create("requests");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_get_one);
	tcase_add_test(tc, test_get_all);
	tcase_add_test(tc, test_set_ok);
	tcase_add_test(tc, test_set_refused);
	tcase_add_test(tc, test_status);
	tcase_add_test(tc, test_restart);
	tcase_add_test(tc, test_reload);
	tcase_add_test(tc, test_help_and_framing);
	suite_add_tcase(s, tc);
	return s;
}
