/* The AT client core (atc.h): final result codes by table (V.250 §5.7,
 * TS 27.007 §9.2, TS 27.005 §3.2.5), commands and their replies by table,
 * each reply fed whole, split in two at every byte and byte by byte, with
 * unsolicited lines between a command and its reply; the "> " prompt with
 * a body given at once or later; timeouts; the caps on lines and the
 * queue; cancel and reset. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "atc.h"
#include "unit.h"
#include "util.h"

#define S 1000000LL

static struct {
	char written[4096];
	size_t nwritten;
	int done;
	enum atc_final final;
	int err;
	char lines[4096];	/* the reply's lines joined with '|' */
	int truncated;
	char urcs[1024];	/* unsolicited lines joined with '|' */
	int nurcs;
	int prompts, prompt_id;
	int order[8];		/* done order by arg */
	int norder;
} got;

static void
w(void *arg, const void *d, size_t n)
{
	ck_assert_uint_le(got.nwritten + n, sizeof(got.written) - 1);
	memcpy(got.written + got.nwritten, d, n);
	got.nwritten += n;
	got.written[got.nwritten] = '\0';
}

static void
done(void *arg, const struct atc_reply *r)
{
	got.done++;
	got.final = r->final;
	got.err = r->err;
	got.truncated = r->truncated;
	got.lines[0] = '\0';
	for (int i = 0; i < r->nlines; i++) {
		if (i)
			strcat(got.lines, "|");
		ck_assert_uint_lt(strlen(got.lines) + strlen(r->lines[i]), sizeof(got.lines) - 2);
		strcat(got.lines, r->lines[i]);
	}
	if (arg && got.norder < 8)
		got.order[got.norder++] = *(int *)arg;
}

static void
urc(void *arg, const char *line)
{
	if (got.nurcs++)
		strcat(got.urcs, "|");
	strcat(got.urcs, line);
}

static void
prompt(void *arg, int id)
{
	got.prompts++;
	got.prompt_id = id;
}

static struct atc *
fresh(void)
{
	struct atc *a = atc_new(w, NULL);

	memset(&got, 0, sizeof(got));
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(atc_register(a, "+CMTI:", urc, NULL), 0);
	ck_assert_int_eq(atc_register(a, "+CREG:", urc, NULL), 0);
	ck_assert_int_eq(atc_register(a, "RING", urc, NULL), 0);
	return a;
}

/* --- final result codes ------------------------------------------------- */

static const struct {
	const char *line;
	int dial;
	int final;		/* -1: not a final */
	int err;
} finals[] = {
	{ "OK", 0, ATC_OK, -1 },
	{ "ok", 0, ATC_OK, -1 },
	{ "ERROR", 0, ATC_ERROR, -1 },
	{ "+CME ERROR: 10", 0, ATC_CME_ERROR, 10 },
	{ "+CME ERROR:10", 0, ATC_CME_ERROR, 10 },
	{ "+CME ERROR: SIM not inserted", 0, ATC_CME_ERROR, -1 },
	{ "+CMS ERROR: 500", 0, ATC_CMS_ERROR, 500 },
	{ "+CMS ERROR: 65536", 0, ATC_CMS_ERROR, -1 },
	{ "NO CARRIER", 1, ATC_NO_CARRIER, -1 },
	{ "NO CARRIER", 0, -1, -1 },		/* unsolicited outside a call */
	{ "BUSY", 1, ATC_BUSY, -1 },
	{ "NO ANSWER", 1, ATC_NO_ANSWER, -1 },
	{ "NO DIALTONE", 1, ATC_NO_DIALTONE, -1 },
	{ "NO DIAL TONE", 1, ATC_NO_DIALTONE, -1 },
	{ "CONNECT", 1, ATC_OK, -1 },
	{ "CONNECT 9600", 1, ATC_OK, -1 },
	{ "CONNECTED", 1, -1, -1 },
	{ "OKAY", 0, -1, -1 },
	{ "OK ", 0, -1, -1 },
	{ "", 0, -1, -1 },
	{ "+CSQ: 20,99", 0, -1, -1 },
	{ "RING", 1, -1, -1 },
};

START_TEST(test_final_table)
{
	int err;

	ck_assert_int_eq(atc_final_of(finals[_i].line, finals[_i].dial, &err), finals[_i].final);
	ck_assert_int_eq(err, finals[_i].err);
}
END_TEST

/* --- commands and replies ------------------------------------------------- */

static const char body_hi[] = "hi";

static const struct {
	const char *cmd, *prefix;
	unsigned flags;
	const char *body;	/* with ATC_F_PROMPT */
	const char *in;		/* what the modem says */
	const char *written;	/* what we wrote */
	int final, err;
	const char *lines;	/* '|'-joined */
	const char *urcs;
} rows[] = {
	{ "AT+CSQ", "+CSQ:", ATC_F_ONLY_PREFIX, NULL, "\r\n+CSQ: 20,99\r\n\r\nOK\r\n",
	  "AT+CSQ\r", ATC_OK, -1, "+CSQ: 20,99", "" },
	/* LF alone ends lines too; empty lines are nothing. */
	{ "AT+CSQ", "+CSQ:", ATC_F_ONLY_PREFIX, NULL, "\n+CSQ: 5,5\n\n\nOK\n",
	  "AT+CSQ\r", ATC_OK, -1, "+CSQ: 5,5", "" },
	{ "AT+CGSN", NULL, 0, NULL, "\r\n356938035643809\r\n\r\nOK\r\n",
	  "AT+CGSN\r", ATC_OK, -1, "356938035643809", "" },
	/* The echo of a modem that still has E1. */
	{ "ATE0", NULL, 0, NULL, "ATE0\r\r\nOK\r\n", "ATE0\r", ATC_OK, -1, "", "" },
	/* An unsolicited line between the command and its reply. */
	{ "AT+CMGR=1", NULL, 0, NULL,
	  "\r\n+CMGR: \"REC UNREAD\",\"+1\",,\"24/05/01,12:00:00+08\"\r\n"
	  "\r\n+CMTI: \"SM\",2\r\nhello\r\n\r\nOK\r\n", "AT+CMGR=1\r", ATC_OK, -1,
	  "+CMGR: \"REC UNREAD\",\"+1\",,\"24/05/01,12:00:00+08\"|hello", "+CMTI: \"SM\",2" },
	/* ... and before it, with RING. */
	{ "AT+COPS?", "+COPS:", 0, NULL, "\r\nRING\r\n\r\n+COPS: 0,0,\"Op\",7\r\n\r\nOK\r\n",
	  "AT+COPS?\r", ATC_OK, -1, "+COPS: 0,0,\"Op\",7", "RING" },
	/* The command's prefix claims its line before the unsolicited one. */
	{ "AT+CREG?", "+CREG:", 0, NULL, "\r\n+CREG: 2,1,\"00C3\",\"1A2B\"\r\n\r\nOK\r\n",
	  "AT+CREG?\r", ATC_OK, -1, "+CREG: 2,1,\"00C3\",\"1A2B\"", "" },
	{ "AT+CSQ", "+CSQ:", 0, NULL, "\r\n+CREG: 5\r\n+CSQ: 1,2\r\nOK\r\n",
	  "AT+CSQ\r", ATC_OK, -1, "+CSQ: 1,2", "+CREG: 5" },
	/* Only the prefix: other lines are not the command's. */
	{ "AT+CSQ", "+CSQ:", ATC_F_ONLY_PREFIX, NULL, "\r\nNO CARRIER\r\n+CSQ: 1,2\r\nOK\r\n",
	  "AT+CSQ\r", ATC_OK, -1, "+CSQ: 1,2", "" },
	/* The prompt of AT+CMGS: the body, then Ctrl-Z. */
	{ "AT+CMGS=\"123\"", "+CMGS:", ATC_F_PROMPT, body_hi,
	  "\r\n> \r\n+CMGS: 7\r\n\r\nOK\r\n", "AT+CMGS=\"123\"\rhi\x1a", ATC_OK, -1,
	  "+CMGS: 7", "" },
	/* No prompt, an error: no body written. */
	{ "AT+CMGS=\"123\"", "+CMGS:", ATC_F_PROMPT, body_hi, "\r\n+CMS ERROR: 500\r\n",
	  "AT+CMGS=\"123\"\r", ATC_CMS_ERROR, 500, "", "" },
	{ "AT+CNMI=2,1", NULL, 0, NULL, "\r\nERROR\r\n", "AT+CNMI=2,1\r", ATC_ERROR, -1, "", "" },
	{ "AT+CPIN?", "+CPIN:", 0, NULL, "\r\n+CME ERROR: 10\r\n", "AT+CPIN?\r",
	  ATC_CME_ERROR, 10, "", "" },
	{ "ATD10086;", NULL, 0, NULL, "\r\nNO CARRIER\r\n", "ATD10086;\r", ATC_NO_CARRIER, -1,
	  "", "" },
	{ "ATA", NULL, 0, NULL, "\r\nBUSY\r\n", "ATA\r", ATC_BUSY, -1, "", "" },
	/* NUL bytes from a line glitch are dropped. */
	{ "AT", NULL, 0, NULL, "\r\nO\0K\r\n", "AT\r", ATC_OK, -1, "", "" },
};

static void
check_row(int i, struct atc *a)
{
	ck_assert_int_eq(got.done, 1);
	ck_assert_str_eq(got.written, rows[i].written);
	ck_assert_int_eq(got.final, rows[i].final);
	ck_assert_int_eq(got.err, rows[i].err);
	ck_assert_str_eq(got.lines, rows[i].lines);
	ck_assert_str_eq(got.urcs, rows[i].urcs);
	ck_assert_int_eq(atc_get_state(a), ATC_IDLE);
	ck_assert_int_eq(atc_queued(a), 0);
}

/* The modem's bytes of row i (the NUL row goes past its NUL). */
static size_t
in_len(int i)
{
	return strcmp(rows[i].cmd, "AT") == 0 ? 7 : strlen(rows[i].in);
}

static void
run_row(int i, size_t split, int bytewise)
{
	const char *in = rows[i].in;
	size_t n = in_len(i);
	struct atc *a = fresh();
	struct atc_req rq = {
		.cmd = rows[i].cmd, .prefix = rows[i].prefix, .flags = rows[i].flags,
		.body = rows[i].body, .body_len = rows[i].body ? strlen(rows[i].body) : 0,
		.done = done,
	};

	ck_assert_int_gt(atc_send(a, &rq, 0), 0);
	if (bytewise) {
		for (size_t k = 0; k < n; k++)
			atc_input(a, (const uint8_t *)in + k, 1, 1);
	} else {
		atc_input(a, (const uint8_t *)in, split, 1);
		atc_input(a, (const uint8_t *)in + split, n - split, 1);
	}
	check_row(i, a);
	atc_free(a);
}

START_TEST(test_command_table)
{
	size_t n = in_len(_i);

	for (size_t split = 0; split <= n; split++)
		run_row(_i, split, 0);
	run_row(_i, 0, 1);
}
END_TEST

/* --- prompt, timeouts, queue ------------------------------------------------ */

START_TEST(test_prompt_body_later)
{
	struct atc *a = fresh();
	struct atc_req rq = { .cmd = "AT+CMGS=\"1\"", .flags = ATC_F_PROMPT, .prompt = prompt,
		.done = done };
	int id = atc_send(a, &rq, 0);

	ck_assert_int_eq(atc_body(a, id, "x", 1, 0), -ENOENT);	/* no prompt yet */
	atc_input(a, (const uint8_t *)"\r\n> ", 4, 1);
	ck_assert_int_eq(got.prompts, 1);
	ck_assert_int_eq(got.prompt_id, id);
	ck_assert_int_eq(atc_get_state(a), ATC_WAIT_BODY);
	ck_assert_int_eq(atc_body(a, id + 1, "x", 1, 2), -ENOENT);
	ck_assert_int_eq(atc_body(a, id, "a\x1a", 2, 2), -EINVAL);
	ck_assert_int_eq(atc_body(a, id, "a\x1b", 2, 2), -EINVAL);
	ck_assert_int_eq(atc_body(a, id, "text", 4, 2), 0);
	ck_assert_str_eq(got.written, "AT+CMGS=\"1\"\rtext\x1a");
	ck_assert_int_eq(atc_deadline(a), 2 + ATC_TIMEOUT_US);
	atc_input(a, (const uint8_t *)"\r\n+CMGS: 3\r\n\r\nOK\r\n", 18, 3);
	ck_assert_int_eq(got.done, 1);
	ck_assert_int_eq(got.final, ATC_OK);
	atc_free(a);
}
END_TEST

START_TEST(test_prompt_body_never_comes)
{
	struct atc *a = fresh();
	struct atc_req rq = { .cmd = "AT+CMGS=\"1\"", .flags = ATC_F_PROMPT, .prompt = prompt,
		.done = done };

	atc_send(a, &rq, 0);
	atc_input(a, (const uint8_t *)"> ", 2, 5);
	ck_assert_int_eq(atc_deadline(a), 5 + ATC_TIMEOUT_US);
	atc_expire(a, 5 + ATC_TIMEOUT_US);
	/* ESC abandons it; the modem's answer to that ends it. */
	ck_assert_str_eq(got.written, "AT+CMGS=\"1\"\r\x1b");
	ck_assert_int_eq(atc_get_state(a), ATC_WAIT_ABORT);
	ck_assert_int_eq(got.done, 0);
	atc_input(a, (const uint8_t *)"\r\nOK\r\n", 6, 6 + ATC_TIMEOUT_US);
	ck_assert_int_eq(got.done, 1);
	ck_assert_int_eq(got.final, ATC_ABORTED);
	/* No final at all after ESC: aborted at the timeout, not a timeout. */
	atc_send(a, &rq, 0);
	atc_input(a, (const uint8_t *)"> ", 2, 0);
	ck_assert_int_eq(atc_abort_body(a, 999, 0), -ENOENT);
	ck_assert_int_eq(atc_abort_body(a, got.prompt_id, 0), 0);
	atc_expire(a, ATC_TIMEOUT_US);
	ck_assert_int_eq(got.final, ATC_ABORTED);
	{
		struct atc_stats st;

		atc_get_stats(a, &st);
		ck_assert_uint_eq(st.timeouts, 0);
	}
	atc_free(a);
}
END_TEST

START_TEST(test_timeout_then_next)
{
	static int one = 1, two = 2;
	struct atc *a = fresh();
	struct atc_req r1 = { .cmd = "AT+CSQ", .done = done, .arg = &one };
	struct atc_req r2 = { .cmd = "AT+COPS?", .done = done, .arg = &two, .timeout_us = 3 * S };
	struct atc_stats st;

	ck_assert_int_eq(atc_deadline(a), -1);
	atc_send(a, &r1, 100);
	atc_send(a, &r2, 200);
	/* One at a time: the second waits for the first's final. */
	ck_assert_str_eq(got.written, "AT+CSQ\r");
	ck_assert_int_eq(atc_deadline(a), 100 + ATC_TIMEOUT_US);
	atc_expire(a, 99 + ATC_TIMEOUT_US);
	ck_assert_int_eq(got.done, 0);
	atc_expire(a, 100 + ATC_TIMEOUT_US);
	ck_assert_int_eq(got.done, 1);
	ck_assert_int_eq(got.final, ATC_TIMEOUT);
	ck_assert_str_eq(got.written, "AT+CSQ\rAT+COPS?\r");
	ck_assert_int_eq(atc_deadline(a), 100 + ATC_TIMEOUT_US + 3 * S);
	atc_input(a, (const uint8_t *)"OK\r", 3, 101 + ATC_TIMEOUT_US);
	ck_assert_int_eq(got.final, ATC_OK);
	ck_assert_int_eq(got.norder, 2);
	ck_assert_int_eq(got.order[0], 1);
	ck_assert_int_eq(got.order[1], 2);
	atc_get_stats(a, &st);
	ck_assert_uint_eq(st.timeouts, 1);
	ck_assert_int_eq(atc_deadline(a), -1);
	atc_free(a);
}
END_TEST

START_TEST(test_queue_cap_and_bad_commands)
{
	struct atc *a = fresh();
	struct atc_req rq = { .cmd = "AT" };
	char longcmd[ATC_CMD_MAX + 2];

	for (int i = 0; i < ATC_QUEUE_MAX; i++)
		ck_assert_int_gt(atc_send(a, &rq, 0), 0);
	ck_assert_int_eq(atc_send(a, &rq, 0), -ENOBUFS);
	ck_assert_int_eq(atc_queued(a), ATC_QUEUE_MAX);
	ck_assert_str_eq(got.written, "AT\r");
	atc_reset(a);
	ck_assert_int_eq(atc_queued(a), 0);
	rq.cmd = "AT\rATZ";
	ck_assert_int_eq(atc_send(a, &rq, 0), -EINVAL);
	rq.cmd = "";
	ck_assert_int_eq(atc_send(a, &rq, 0), -EINVAL);
	memset(longcmd, 'A', sizeof(longcmd) - 1);
	longcmd[sizeof(longcmd) - 1] = '\0';
	rq.cmd = longcmd;
	ck_assert_int_eq(atc_send(a, &rq, 0), -EINVAL);
	rq.cmd = "AT";
	rq.body = "x";
	rq.body_len = 1;
	ck_assert_int_eq(atc_send(a, &rq, 0), -EINVAL);	/* a body needs ATC_F_PROMPT */
	ck_assert_int_eq(atc_register(a, "+A:", urc, NULL), 0);
	for (int i = 4; i < ATC_URCS_MAX; i++)
		atc_register(a, "+B:", urc, NULL);
	ck_assert_int_eq(atc_register(a, "+C:", urc, NULL), -ENOSPC);
	atc_free(a);
}
END_TEST

START_TEST(test_line_cap)
{
	static char in[ATC_LINE_MAX + 100];
	struct atc *a = fresh();
	struct atc_req rq = { .cmd = "AT+CMGL", .done = done };
	struct atc_stats st;

	atc_send(a, &rq, 0);
	memset(in, 'x', sizeof(in));
	atc_input(a, (const uint8_t *)in, sizeof(in), 0);
	atc_input(a, (const uint8_t *)"\r\nshort\r\nOK\r\n", 13, 0);
	ck_assert_int_eq(got.done, 1);
	ck_assert_int_eq(got.final, ATC_OK);
	ck_assert_str_eq(got.lines, "short");
	ck_assert_int_eq(got.truncated, 1);
	atc_get_stats(a, &st);
	ck_assert_uint_eq(st.overlong, 1);
	/* A reply with more lines than are kept: truncated, still ends. */
	atc_send(a, &rq, 0);
	for (int i = 0; i < ATC_LINES_MAX + 10; i++)
		atc_input(a, (const uint8_t *)"l\r", 2, 0);
	atc_input(a, (const uint8_t *)"OK\r", 3, 0);
	ck_assert_int_eq(got.done, 2);
	ck_assert_int_eq(got.truncated, 1);
	atc_free(a);
}
END_TEST

START_TEST(test_unsolicited_when_idle_and_stray)
{
	struct atc *a = fresh();
	struct atc_stats st;

	atc_input(a, (const uint8_t *)"\r\n+CMTI: \"SM\",4\r\n\r\nRING\r\nOK\r\nbogus\r\n", 37, 0);
	ck_assert_str_eq(got.urcs, "+CMTI: \"SM\",4|RING");
	atc_get_stats(a, &st);
	ck_assert_uint_eq(st.urcs, 2);
	ck_assert_uint_eq(st.stray, 2);
	ck_assert_int_eq(got.done, 0);
	atc_free(a);
}
END_TEST

START_TEST(test_cancel_and_reset)
{
	static int one = 1, two = 2, three = 3;
	struct atc *a = fresh();
	struct atc_req r1 = { .cmd = "AT+A", .done = done, .arg = &one };
	struct atc_req r2 = { .cmd = "AT+B", .done = done, .arg = &two };
	struct atc_req r3 = { .cmd = "AT+C", .done = done, .arg = &three };

	atc_send(a, &r1, 0);
	atc_send(a, &r2, 0);
	atc_send(a, &r3, 0);
	atc_cancel_arg(a, &one, 0);	/* in flight: runs on, silently */
	atc_cancel_arg(a, &two, 0);	/* queued: gone */
	ck_assert_int_eq(atc_queued(a), 2);
	atc_input(a, (const uint8_t *)"OK\r", 3, 0);
	ck_assert_int_eq(got.done, 0);
	ck_assert_str_eq(got.written, "AT+A\rAT+C\r");
	atc_send(a, &r1, 0);
	atc_reset(a);
	ck_assert_int_eq(got.done, 2);
	ck_assert_int_eq(got.final, ATC_CANCELLED);
	ck_assert_int_eq(got.order[0], 3);
	ck_assert_int_eq(got.order[1], 1);
	ck_assert_int_eq(atc_get_state(a), ATC_IDLE);
	atc_free(a);
}
END_TEST

Suite *
suite_atc(void)
{
	Suite *s = suite_create("atc");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_final_table, 0, (int)ARRAY_SIZE(finals));
	tcase_add_loop_test(tc, test_command_table, 0, (int)ARRAY_SIZE(rows));
	tcase_add_test(tc, test_prompt_body_later);
	tcase_add_test(tc, test_prompt_body_never_comes);
	tcase_add_test(tc, test_timeout_then_next);
	tcase_add_test(tc, test_queue_cap_and_bad_commands);
	tcase_add_test(tc, test_line_cap);
	tcase_add_test(tc, test_unsolicited_when_idle_and_stray);
	tcase_add_test(tc, test_cancel_and_reset);
	suite_add_tcase(s, tc);
	return s;
}
