/* Status output: the JSON field names usrbridgectl(1) documents, per-direction
 * sums, string escaping, and the text forms of line settings and uptime. */
#include "config.h"

#include <string.h>

#include <event2/buffer.h>

#include "status.h"
#include "unit.h"

static void
sample(struct daemon_status *st)
{
	memset(st, 0, sizeof(*st));
	st->personality = PERS_30X;
	st->uptime_us = 90061000000LL;	/* 1d 01h 01m 01s */
	st->restarts = 2;
	strcpy(st->serial_device, "/dev/tty\"USB\"0\n");
	st->serial.open = 1;
	st->serial.rx_bytes = 100;
	st->serial.tx_bytes = 40;
	st->serial.tx_dropped = 1;
	st->held_dropped = 2;
	st->line = (struct serial_params){ 9600, 7, 2, PARITY_EVEN, FLOW_RTSCTS };
	st->nlinks = 1;
	st->link[0].active = 1;
	st->link[0].mode = "TCPS";
	st->link[0].state = "up";
	st->link[0].connections = 2;
	strcpy(st->link[0].peers, "1=127.0.0.1:5000, 2=[::1]:6000");
	st->link[0].stats.tx_bytes = 90;
	st->link[0].stats.rx_bytes = 44;
	st->link[0].stats.tx_dropped = 3;
	st->link[0].cache_dropped = 4;
	st->link[0].cache_cleared = 5;
	strcpy(st->control_socket, "/run/x.sock");
	st->web_port = 8080;
}

static char *
text_of(struct evbuffer *b)
{
	static char buf[8192];
	size_t n = evbuffer_copyout(b, buf, sizeof(buf) - 1);

	buf[n] = '\0';
	return buf;
}

START_TEST(test_json)
{
	struct daemon_status st;
	struct evbuffer *b = evbuffer_new();
	const char *j;

	sample(&st);
	ck_assert_int_eq(status_json(&st, b), 0);
	j = text_of(b);
	ck_assert_msg(strstr(j, "\"personality\":\"tcp232-30x\""), "%s", j);
	ck_assert_msg(strstr(j, "\"uptime_s\":90061.000,\"restarts\":2"), "%s", j);
	ck_assert_msg(strstr(j, "\"device\":\"/dev/tty\\\"USB\\\"0\\u000a\""), "%s", j);
	ck_assert_msg(strstr(j, "\"baud\":9600,\"data_bits\":7,\"stop_bits\":2,\"parity\":\"EVEN\","
	    "\"flow\":\"FC\""), "%s", j);
	ck_assert_msg(strstr(j, "\"peers\":[\"1=127.0.0.1:5000\",\"2=[::1]:6000\"]"), "%s", j);
	ck_assert_msg(strstr(j, "\"serial_to_network\":{\"in\":100,\"out\":90,\"dropped\":12}"),
	    "%s", j);
	ck_assert_msg(strstr(j, "\"network_to_serial\":{\"in\":44,\"out\":40,\"dropped\":3}"),
	    "%s", j);
	ck_assert_msg(strstr(j, "\"control_socket\":\"/run/x.sock\",\"web_port\":8080}\n"), "%s", j);
	evbuffer_free(b);
}
END_TEST

START_TEST(test_text)
{
	struct daemon_status st;
	struct evbuffer *b = evbuffer_new();
	const char *t;
	char buf[64];

	sample(&st);
	ck_assert_int_eq(status_text(&st, b), 0);
	t = text_of(b);
	ck_assert_msg(strstr(t, ", up 1d 01h 01m 01s, 2 restarts\n"), "%s", t);
	ck_assert_msg(strstr(t, "9600 7E2 FC, transparent mode\n"), "%s", t);
	ck_assert_msg(strstr(t, "link1    TCPS up, 2 connections: 1=127.0.0.1:5000, 2=[::1]:6000\n"),
	    "%s", t);
	ck_assert_msg(strstr(t, "web      port 8080\n"), "%s", t);
	status_uptime_text(59999999, buf, sizeof(buf));
	ck_assert_str_eq(buf, "59s");
	status_uptime_text(3600000000LL, buf, sizeof(buf));
	ck_assert_str_eq(buf, "1h 00m 00s");
	evbuffer_free(b);
}
END_TEST

/* The RFC 2217 listener and discovery (PROTOCOLS.md §6). */
START_TEST(test_rfc2217_discovery)
{
	struct daemon_status st;
	struct evbuffer *b = evbuffer_new();
	const char *t;

	sample(&st);
	st.rfc2217.port = 2217;
	st.rfc2217.listening = 1;
	strcpy(st.rfc2217.listen, "*:2217");
	strcpy(st.rfc2217.client, "127.0.0.1:4000");
	strcpy(st.rfc2217.client_signature, "pc \"tool\"");
	st.rfc2217.connected_us = 61000000;
	st.rfc2217.rx_bytes = 5;
	st.rfc2217.tx_bytes = 6;
	st.rfc2217.requests = 9;
	st.rfc2217.faked = 2;
	st.rfc2217.clients = 3;
	st.rfc2217.refused_busy = 1;
	st.discovery.enabled = 1;
	st.discovery.listening = 1;
	st.discovery.searches = 4;
	st.discovery.ignored = 7;
	ck_assert_int_eq(status_text(&st, b), 0);
	t = text_of(b);
	ck_assert_msg(strstr(t, "rfc2217  port 2217: listening on *:2217\n         client "
	    "127.0.0.1:4000 (pc \"tool\") owns the serial port (console and links paused) for "
	    "1m 01s\n         this client: received 5 B, sent 6 B, dropped 0 B, 9 requests "
	    "answered (2 acknowledged"), "%s", t);
	ck_assert_msg(strstr(t, "clients 3, refused 1 (port owned) and 0 (network.allow_in)\n"),
	    "%s", t);
	ck_assert_msg(strstr(t, "discovery UDP port 1500: answering\n         searches answered 4, "
	    "legacy 0, ignored 7, refused 0\n"), "%s", t);
	ck_assert_msg(strstr(t, "web      port 8080\n"), "%s", t);
	evbuffer_drain(b, evbuffer_get_length(b));
	ck_assert_int_eq(status_json(&st, b), 0);
	t = text_of(b);
	ck_assert_msg(strstr(t, "\"rfc2217\":{\"port\":2217,\"listening\":true,\"listen\":"
	    "\"*:2217\",\"why\":\"\",\"client\":\"127.0.0.1:4000\",\"client_signature\":"
	    "\"pc \\\"tool\\\"\",\"connected_s\":61.000,\"rx_bytes\":5,\"tx_bytes\":6,"
	    "\"dropped\":0,\"requests\":9,\"faked\":2,\"clients\":3,\"refused_busy\":1,"
	    "\"refused_acl\":0}"), "%s", t);
	ck_assert_msg(strstr(t, "\"discovery\":{\"enabled\":true,\"listening\":true,\"why\":"
	    "\"\",\"searches\":4,\"legacy\":0,\"ignored\":7,\"refused\":0}"), "%s", t);
	ck_assert_msg(strstr(t, "\"web_port\":8080}\n"), "%s", t);
	evbuffer_free(b);
}
END_TEST

Suite *
suite_status(void)
{
	Suite *s = suite_create("status");
	TCase *tc = tcase_create("format");

	tcase_add_test(tc, test_json);
	tcase_add_test(tc, test_text);
	tcase_add_test(tc, test_rfc2217_discovery);
	suite_add_tcase(s, tc);
	return s;
}
