/* The console state machine with a virtual clock: the +++ handshake and its
 * timing edges (every failed sequence forwards its bytes unchanged, in
 * order) and command-line assembly (PROTOCOLS.md §1). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "console.h"
#include "unit.h"

static struct {
	char data[4096];
	size_t ndata;
	char reply[4096];
	size_t nreply;
	char lines[16][600];
	int overflow[16];
	size_t reply_at_line[16];	/* reply bytes written before the line */
	int nreplies;			/* reply calls */
	int nlines;
	int mode;
	char raw[256];			/* what the raw phase took */
	size_t nraw;
} rec;

/* Bounded recorders: more than they hold fails the test. */
static void
r_data(void *arg, const uint8_t *d, size_t n, int64_t now)
{
	ck_assert_msg(rec.ndata + n < sizeof(rec.data), "data overflow");
	memcpy(rec.data + rec.ndata, d, n);
	rec.ndata += n;
	rec.data[rec.ndata] = '\0';
}

static void
r_reply(void *arg, const uint8_t *d, size_t n)
{
	ck_assert_msg(rec.nreply + n < sizeof(rec.reply), "reply overflow");
	memcpy(rec.reply + rec.nreply, d, n);
	rec.nreply += n;
	rec.reply[rec.nreply] = '\0';
	rec.nreplies++;
}

/* "WAIT..." answers later (the console holds input until resumed). */
static int
r_line(void *arg, const char *line, size_t n, int overflow)
{
	ck_assert_msg(rec.nlines < 16, "more than 16 lines");
	memcpy(rec.lines[rec.nlines], line, n);
	rec.lines[rec.nlines][n] = '\0';
	rec.overflow[rec.nlines++] = overflow;
	rec.reply_at_line[rec.nlines - 1] = rec.nreply;
	/* AT+ENTM: the dispatcher switches back to data mode. */
	if (strcmp(rec.lines[rec.nlines - 1], "AT+ENTM") == 0)
		console_set_command(arg, 0);
	/* "RAW..." is AT+CISEND: a raw phase up to Ctrl-Z, then its reply. */
	if (strncmp(line, "RAW", 3) == 0) {
		console_set_raw(arg, 1);
		return 1;
	}
	return strncmp(line, "WAIT", 4) == 0;
}

static void
r_mode(void *arg, int command)
{
	rec.mode = command;
}

/* The raw phase takes bytes up to Ctrl-Z, then "answers" (the request
 * ends: the console takes lines again). */
static size_t
r_raw(void *arg, const uint8_t *d, size_t n)
{
	const uint8_t *z = memchr(d, 0x1a, n);
	size_t take = z ? (size_t)(z - d) : n;

	ck_assert_msg(rec.nraw + take < sizeof(rec.raw), "raw overflow");
	memcpy(rec.raw + rec.nraw, d, take);
	rec.nraw += take;
	rec.raw[rec.nraw] = '\0';
	if (!z)
		return n;
	console_set_raw(arg, 0);
	console_resume(arg, 0);
	return take + 1;
}

static const struct console_ops ops = { r_data, r_reply, r_line, r_mode, NULL, r_raw };

/* The 30X at 115200 8N1: T1 = 348 µs, T2/T3 < 300 ms, 3 s for the 'a'. */
static const struct console_params p30 = { 348, 300000, 3000000 };
/* The 721: T1 > 200 ms, T2/T3 < 50 ms. */
static const struct console_params p721 = { 200001, 50000, 3000000 };

static struct console c;

static void
init(const struct console_params *p)
{
	memset(&rec, 0, sizeof(rec));
	console_init(&c, p, &ops, &c);
}

static void
in(const char *s, int64_t t)
{
	console_input(&c, (const uint8_t *)s, strlen(s), t);
}

static void
enter(int64_t t)
{
	in("+++", t);
	ck_assert_str_eq(rec.reply, "a");
	in("a", t + 10000);
	ck_assert_str_eq(rec.reply, "a+ok");
	ck_assert(console_in_command(&c));
	ck_assert_int_eq(rec.mode, 1);
}

START_TEST(test_handshake)
{
	init(&p30);
	in("data", 0);
	enter(1000);
	ck_assert_str_eq(rec.data, "data");	/* nothing of +++ or a leaks */
	in("AT+VER\r", 30000);
	ck_assert_int_eq(rec.nlines, 1);
	ck_assert_str_eq(rec.lines[0], "AT+VER");
}
END_TEST

START_TEST(test_handshake_slow_pluses)
{
	init(&p30);
	in("+", 1000000);
	ck_assert_str_eq(rec.data, "");
	in("+", 1000000 + 299999);		/* T2 just under 300 ms */
	in("+", 1000000 + 599998);
	ck_assert_str_eq(rec.reply, "a");
	in("a", 1000000 + 599998 + 2999999);	/* 'a' just under 3 s */
	ck_assert(console_in_command(&c));
	ck_assert_str_eq(rec.data, "");
}
END_TEST

START_TEST(test_first_byte_starts_sequence)
{
	init(&p30);
	enter(0);				/* nothing received before: no guard needed */
}
END_TEST

START_TEST(test_guard_too_short)
{
	init(&p30);
	in("x", 0);
	in("+++", 347);				/* 1 µs less than T1 */
	ck_assert_str_eq(rec.reply, "");
	ck_assert_str_eq(rec.data, "x+++");
	ck_assert(!console_in_command(&c));
}
END_TEST

START_TEST(test_guard_exact)
{
	init(&p30);
	in("x", 0);
	in("+++", 348);				/* exactly T1 */
	ck_assert_str_eq(rec.reply, "a");
}
END_TEST

START_TEST(test_guard_721)
{
	init(&p721);
	in("x", 0);
	in("+++", 200000);			/* T1 must exceed 200 ms */
	ck_assert_str_eq(rec.reply, "");
	ck_assert_str_eq(rec.data, "x+++");
	in("+++", 400001);
	ck_assert_str_eq(rec.reply, "a");
}
END_TEST

START_TEST(test_gap_too_long)
{
	init(&p30);
	in("y", 0);
	in("+", 1000000);
	in("+", 1000000 + 300000);		/* T2 reached: the first '+' is data */
	ck_assert_str_eq(rec.data, "y+");
	in("x", 1000000 + 300001);
	ck_assert_str_eq(rec.data, "y++x");
	ck_assert_str_eq(rec.reply, "");
}
END_TEST

START_TEST(test_gap_too_long_721)
{
	init(&p721);
	in("+", 1000000);
	in("+", 1050000);			/* 50 ms: not < 50 ms */
	in("+", 1050001);
	console_timeout(&c, 2000000);
	ck_assert_str_eq(rec.reply, "");
	ck_assert_str_eq(rec.data, "+++");
}
END_TEST

START_TEST(test_timeout_releases)
{
	init(&p30);
	in("+", 1000000);
	in("+", 1100000);
	ck_assert_int_eq(console_deadline(&c), 1400000);
	console_timeout(&c, 1399999);
	ck_assert_str_eq(rec.data, "");
	console_timeout(&c, 1400000);
	ck_assert_str_eq(rec.data, "++");
	ck_assert_int_eq(console_deadline(&c), -1);
}
END_TEST

START_TEST(test_no_a_in_time)
{
	init(&p30);
	in("+++", 1000000);
	ck_assert_str_eq(rec.reply, "a");
	ck_assert_int_eq(console_deadline(&c), 4000000);
	in("a", 4000000);			/* exactly 3 s: too late */
	ck_assert(!console_in_command(&c));
	ck_assert_str_eq(rec.data, "+++a");
}
END_TEST

START_TEST(test_wrong_answer)
{
	init(&p30);
	in("+++", 1000000);
	in("b", 1100000);
	ck_assert(!console_in_command(&c));
	ck_assert_str_eq(rec.data, "+++b");
}
END_TEST

/* PROTOCOLS.md §1: a CR, LF or CR LF after "+++" and after the MCU's 'a'
 * (a CI driver sends "+++\r" and "a\r") keeps the handshake; the held CR
 * is data with the rest when the handshake fails. */
START_TEST(test_cr_after_plus_and_a)
{
	static const char *const ends[] = { "\r", "\n", "\r\n" };

	for (size_t k = 0; k < 3; k++) {
		char plus[8];

		init(&p721);
		snprintf(plus, sizeof(plus), "+++%s", ends[k]);
		in(plus, 1000000);
		ck_assert_str_eq(rec.reply, "a");
		in("a\r", 1100000);
		ck_assert(console_in_command(&c));
		ck_assert_str_eq(rec.reply, "a+ok");
		ck_assert_int_eq(rec.nlines, 0);	/* the empty line is no command */
		ck_assert_int_eq(rec.ndata, 0);
	}
	init(&p721);
	in("+++\r", 1000000);
	in("\r", 1100000);			/* a second CR: not the handshake */
	ck_assert(!console_in_command(&c));
	ck_assert_int_eq(rec.ndata, 5);
	ck_assert(memcmp(rec.data, "+++\r\r", 5) == 0);
	init(&p721);
	in("+++\r", 1000000);
	console_timeout(&c, 4000000);		/* no 'a' within 3 s */
	ck_assert_int_eq(rec.ndata, 4);
	ck_assert(memcmp(rec.data, "+++\r", 4) == 0);
}
END_TEST

START_TEST(test_plus_then_data_same_read)
{
	init(&p30);
	in("+x+++", 1000000);			/* only a first byte may start a sequence */
	ck_assert_str_eq(rec.data, "+x+++");
	ck_assert_str_eq(rec.reply, "");
	in("+++", 1000100);			/* too soon after the previous read */
	ck_assert_str_eq(rec.data, "+x++++++");
}
END_TEST

START_TEST(test_four_pluses)
{
	init(&p30);
	in("++++", 1000000);
	ck_assert_str_eq(rec.reply, "a");
	ck_assert_str_eq(rec.data, "++++");	/* the fourth breaks the wait for 'a' */
}
END_TEST

START_TEST(test_lines)
{
	init(&p30);
	enter(0);
	in("AT+A\r", 100000);
	in("AT+B\r\n", 100001);
	in("AT+C\n", 100002);
	in("AT+D\n\r", 100003);
	in("\r\n\r\n", 100004);			/* empty lines are ignored */
	in("at+e", 100005);
	in("\r", 100006);
	ck_assert_int_eq(rec.nlines, 5);
	ck_assert_str_eq(rec.lines[0], "AT+A");
	ck_assert_str_eq(rec.lines[1], "AT+B");
	ck_assert_str_eq(rec.lines[2], "AT+C");
	ck_assert_str_eq(rec.lines[3], "AT+D");
	ck_assert_str_eq(rec.lines[4], "at+e");
}
END_TEST

START_TEST(test_overlong_line)
{
	char big[CONSOLE_LINE_MAX + 2];

	init(&p30);
	enter(0);
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';		/* 513 bytes */
	in(big, 100000);
	in("\r", 100001);
	in("AT\r", 100002);
	ck_assert_int_eq(rec.nlines, 2);
	ck_assert_int_eq(rec.overflow[0], 1);
	ck_assert_int_eq(rec.overflow[1], 0);
	ck_assert_str_eq(rec.lines[1], "AT");
	/* Exactly the cap is fine. */
	big[CONSOLE_LINE_MAX] = '\0';
	in(big, 100003);
	in("\r", 100004);
	ck_assert_int_eq(rec.overflow[2], 0);
	ck_assert_int_eq(strlen(rec.lines[2]), CONSOLE_LINE_MAX);
}
END_TEST

START_TEST(test_echo)
{
	init(&p30);
	enter(0);
	c.echo = 1;
	rec.nreplies = 0;
	in("AT\r\n", 100000);
	ck_assert_str_eq(rec.reply, "a+okAT\r\n");
	/* The echo before the line's reply, in one write; the LF after it in
	 * a second (one write per line, not per byte). */
	ck_assert_int_eq(rec.reply_at_line[0], strlen("a+okAT\r"));
	ck_assert_int_eq(rec.nreplies, 2);
	rec.nreplies = 0;
	in("AT+VER", 100001);
	ck_assert_int_eq(rec.nreplies, 1);
	ck_assert_str_eq(rec.reply, "a+okAT\r\nAT+VER");
}
END_TEST

/* A command that answers later: what follows is held, in order, and runs
 * at console_resume(); echo comes with it, after the reply. */
START_TEST(test_busy_holds_input)
{
	init(&p30);
	enter(0);
	c.echo = 1;
	in("WAIT1\rAT+A\r", 100000);
	ck_assert_int_eq(rec.nlines, 1);
	ck_assert(c.busy);
	in("AT+B\r\nWAIT2\rAT+C\r", 100001);
	ck_assert_int_eq(rec.nlines, 1);
	ck_assert_str_eq(rec.reply, "a+okWAIT1\r");
	console_resume(&c, 200000);
	ck_assert_int_eq(rec.nlines, 4);		/* up to WAIT2, busy again */
	ck_assert_str_eq(rec.lines[1], "AT+A");
	ck_assert_str_eq(rec.lines[2], "AT+B");
	ck_assert_str_eq(rec.lines[3], "WAIT2");
	console_resume(&c, 200001);
	ck_assert_int_eq(rec.nlines, 5);
	ck_assert_str_eq(rec.lines[4], "AT+C");
	ck_assert(!c.busy);
	ck_assert_str_eq(rec.reply, "a+okWAIT1\rAT+A\rAT+B\r\nWAIT2\rAT+C\r");
	/* A resume with nothing held does nothing. */
	console_resume(&c, 200002);
	ck_assert_int_eq(rec.nlines, 5);
}
END_TEST

/* Beyond CONSOLE_HOLD_MAX: each line cut is answered as an overlong one;
 * nothing of it is taken for a command. */
START_TEST(test_busy_hold_cap)
{
	char big[CONSOLE_HOLD_MAX + 1];

	init(&p30);
	enter(0);
	in("WAIT\r", 100000);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[10] = '\r';			/* a line of 10 bytes, then one too long, */
	big[sizeof(big) - 2] = '\r';		/* ending at the cap */
	in(big, 100001);
	in("AT+X\rAT+Y\r\n", 100002);	/* all beyond the cap */
	in("AT+Z", 100003);
	console_resume(&c, 200000);
	ck_assert_int_eq(rec.nlines, 5);
	ck_assert_int_eq(strlen(rec.lines[1]), 10);
	ck_assert_int_eq(rec.overflow[1], 0);
	ck_assert_int_eq(rec.overflow[2], 1);		/* longer than a line */
	ck_assert_int_eq(rec.overflow[3], 1);		/* AT+X, discarded */
	ck_assert_int_eq(rec.overflow[4], 1);		/* AT+Y */
	/* The line going on beyond the cap (AT+Z) is cut too. */
	in("\r", 200001);
	ck_assert_int_eq(rec.nlines, 6);
	ck_assert_int_eq(rec.overflow[5], 1);
	/* Then all is as before. */
	in("AT\r", 200002);
	ck_assert_int_eq(rec.overflow[6], 0);
	ck_assert_str_eq(rec.lines[6], "AT");
}
END_TEST

/* AT+ENTM among held lines: the rest is data, in order. */
START_TEST(test_busy_then_entm)
{
	init(&p30);
	enter(0);
	in("WAIT\r", 100000);
	in("AT+ENTM\rhello", 100001);
	ck_assert_str_eq(rec.data, "");
	console_resume(&c, 200000);
	ck_assert(!console_in_command(&c));
	ck_assert_str_eq(rec.data, "hello");
}
END_TEST

START_TEST(test_entm_rest_is_data)
{
	init(&p30);
	enter(0);
	in("AT+ENTM\rhello", 100000);
	ck_assert(!console_in_command(&c));
	ck_assert_str_eq(rec.data, "hello");
}
END_TEST

/* AT+CISEND's data phase: bytes, not lines, not echoed, nor held for the
 * waiting command; the LF of the command's CR LF is not data; after the
 * Ctrl-Z, lines again, in the same read. */
START_TEST(test_raw_phase)
{
	init(&p721);
	enter(0);
	c.echo = 1;
	in("RAW\r\nab\rc\n", 100000);
	ck_assert_int_eq(rec.nlines, 1);
	ck_assert_str_eq(rec.raw, "ab\rc\n");
	in("\n+++\x1a" "AT\r\n", 100001);
	ck_assert_str_eq(rec.raw, "ab\rc\n\n+++");
	ck_assert_int_eq(rec.nlines, 2);
	ck_assert_str_eq(rec.lines[1], "AT");
	ck_assert(!c.busy && !c.raw);
	/* Echo: the command lines, not the data. */
	ck_assert_str_eq(rec.reply, "a+okRAW\r\nAT\r\n");
	/* Ctrl-Z at once; an LF that does not follow the CR is data. */
	in("RAW\r", 100002);
	in("x\x1a", 100003);
	ck_assert_str_eq(rec.raw, "ab\rc\n\n+++x");
	/* Held lines run first, then the raw phase takes what follows. */
	in("WAIT\r", 100004);
	in("RAW\ryz\x1a" "AT+Q\r", 100005);
	ck_assert_int_eq(rec.nlines, 4);
	console_resume(&c, 100006);
	ck_assert_str_eq(rec.raw, "ab\rc\n\n+++xyz");
	ck_assert_int_eq(rec.nlines, 6);
	ck_assert_str_eq(rec.lines[5], "AT+Q");
	/* Leaving command mode ends a raw phase. */
	in("RAW\r", 100007);
	ck_assert(c.raw);
	console_set_command(&c, 0);
	ck_assert(!c.raw);
}
END_TEST

Suite *
suite_console(void)
{
	Suite *s = suite_create("console");
	TCase *tc = tcase_create("console");

	tcase_add_test(tc, test_handshake);
	tcase_add_test(tc, test_handshake_slow_pluses);
	tcase_add_test(tc, test_first_byte_starts_sequence);
	tcase_add_test(tc, test_guard_too_short);
	tcase_add_test(tc, test_guard_exact);
	tcase_add_test(tc, test_guard_721);
	tcase_add_test(tc, test_gap_too_long);
	tcase_add_test(tc, test_gap_too_long_721);
	tcase_add_test(tc, test_timeout_releases);
	tcase_add_test(tc, test_no_a_in_time);
	tcase_add_test(tc, test_wrong_answer);
	tcase_add_test(tc, test_cr_after_plus_and_a);
	tcase_add_test(tc, test_plus_then_data_same_read);
	tcase_add_test(tc, test_four_pluses);
	tcase_add_test(tc, test_lines);
	tcase_add_test(tc, test_overlong_line);
	tcase_add_test(tc, test_echo);
	tcase_add_test(tc, test_busy_holds_input);
	tcase_add_test(tc, test_busy_hold_cap);
	tcase_add_test(tc, test_busy_then_entm);
	tcase_add_test(tc, test_entm_rest_is_data);
	tcase_add_test(tc, test_raw_phase);
	suite_add_tcase(s, tc);
	return s;
}
