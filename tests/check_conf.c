/* Config and state files: errors carry file:line, layering, state round
 * trip with awkward bytes, atomic save. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "settings.h"
#include "unit.h"
#include "util.h"

static const struct {
	const char *text;
	int line;
	const char *msg;
} bad[] = {
	{ "link1 = { port = 99999; };", 1, "link1.port: must be an integer from 1 to 65535" },
	{ "\n\nbogus = 1;", 3, "unknown setting 'bogus'" },
	{ "link1 = { port = \"80\"; };", 1, "link1.port: must be an integer" },
	{ "serial = { baud = 115200;\n  device = 5; };", 2, "serial.device: must be a string" },
	{ "personality = \"foo\";", 1, "personality: must be one of" },
	{ "link1 = { port = 9", 1, "syntax error" },
	{ "network = {\n allow_out = [ \"300.0.0.0/8\" ]; };", 2, "network.allow_out" },
	{ "a = { b = { c = 1; }; };", 1, "a.b: groups nest only one level" },
	{ "web = { enabled = \"yes\"; };", 1, "web.enabled: must be one of false, true" },
	{ "serial = { pack_gap_us = 1.5; };", 1, "serial.pack_gap_us: has a type" },
	{ "serial = { parity = \"NONE\"; baud = 7; };", 1, "serial.baud: must be an integer from 50" },
	{ "reg = { cloud_id = \"short\"; };", 1, "reg.cloud_id: must be 20 bytes or empty" },
	{ "web = { user = \"toolong\"; };", 1, "web.user: must be 1 to 5 bytes" },
	{ "link1 = { mode = \"TCPX\"; };", 1, "link1.mode: must be one of TCPS, TCPC" },
	{ "personality = \"gprs232-721\";\nPERSONALITY = \"tcp232-30x\";", 2,
	  "personality: given twice" },
	{ "heartbeat = { data = [ 1, 256 ]; };", 1, "heartbeat.data: must be integers from 0" },
	{ "heartbeat = { data = \"0123456789012345678901234567890123456789x\"; };", 1,
	  "heartbeat.data: must be 0 to 40 bytes" },
	{ "link2 = { port = 1; };", 1, "'link2.port' is not used by tcp232-30x" },
};

START_TEST(test_bad_config)
{
	struct settings st;
	struct conf_error err;
	char msg[600], want[600];

	memset(&err, 0, sizeof(err));
	ck_assert_int_lt(conf_load_string(bad[_i].text, "test.conf", &st, &err), 0);
	conf_error_format(&err, msg, sizeof(msg));
	snprintf(want, sizeof(want), "test.conf:%d: %s", bad[_i].line, bad[_i].msg);
	ck_assert_msg(strncmp(msg, want, strlen(want)) == 0, "got '%s', want '%s...'", msg, want);
}
END_TEST

START_TEST(test_good_config)
{
	struct settings st;
	struct conf_error err;
	const char *text =
	    "personality = \"tcp232-30x\";\n"
	    "serial = { device = \"pty\"; baud = 9600; parity = \"even\"; };\n"
	    "web = { enabled = false; };\n"
	    "network = { allow_out = [ \"127.0.0.0/8\", \"::1\" ]; };\n"
	    "link1 = { mode = \"TCPS\"; port = 8234; };\n"
	    "tcps = { index = true; };\n"
	    "bridge = { client_reset = \"on\"; };\n";

	ck_assert_int_eq(conf_load_string(text, "good.conf", &st, &err), 0);
	ck_assert_int_eq(st.baud, 9600);
	ck_assert_int_eq(st.parity, PARITY_EVEN);
	ck_assert_int_eq(st.web_enabled, 0);
	ck_assert_str_eq(st.allow_out, "127.0.0.0/8,::1");
	ck_assert_int_eq(st.link[0].mode, LINK_TCPS);
	ck_assert_int_eq(st.tcps_index, 1);
	ck_assert_int_eq(st.client_reset, 1);
	/* Untouched keys keep the factory default. */
	ck_assert_int_eq(st.max_clients, 4);
}
END_TEST

/* Bytes settings: an array of integers, or text with \\xNN escapes. */
START_TEST(test_bytes_config)
{
	struct settings st;
	struct conf_error err;

	ck_assert_int_eq(conf_load_string("heartbeat = { data = [ 0, 255, 0x41 ]; };\n"
	    "reg = { data = \"A\\\\x00B\\x01\"; };", "b.conf", &st, &err), 0);
	ck_assert_uint_eq(st.heart_data.len, 3);
	ck_assert_mem_eq(st.heart_data.data, "\0\xff" "A", 3);
	ck_assert_uint_eq(st.reg_data.len, 4);
	ck_assert_mem_eq(st.reg_data.data, "A\0B\x01", 4);
}
END_TEST

START_TEST(test_personality_selects_defaults)
{
	struct settings st;
	struct conf_error err;

	ck_assert_int_eq(conf_load_string("personality = \"gprs232-721\";", "p.conf", &st, &err), 0);
	ck_assert_int_eq(st.personality, PERS_721);
	ck_assert_int_eq(st.pack_len, 1024);
	ck_assert_int_eq(st.cache_size, 15360);
	ck_assert_int_eq(st.link[1].enabled, 0);
}
END_TEST

/* Keys are case-insensitive; "Personality" must choose the defaults too,
 * not be applied over the 30X's (found by fuzz/fuzz_conf). */
START_TEST(test_personality_any_case)
{
	struct settings st, def;
	struct conf_error err;

	ck_assert_int_eq(conf_load_string("personaliTy = \"gprs232-721\";", "p.conf", &st, &err),
	    0);
	settings_defaults(&def, PERS_721);
	ck_assert_int_eq(st.personality, PERS_721);
	for (struct setting_ref s = { NULL, 0 }; settings_next(&s);)
		ck_assert_msg(settings_equal(&st, &def, s), "%s differs", s.s->key);
}
END_TEST

static char dir[64];

static void
mkdir_tmp(void)
{
	snprintf(dir, sizeof(dir), "/tmp/usrb-check-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static int
count_files(const char *d)
{
	DIR *dd = opendir(d);
	struct dirent *de;
	int n = 0;

	while ((de = readdir(dd)))
		if (de->d_name[0] != '.')
			n++;
	closedir(dd);
	return n;
}

START_TEST(test_state_round_trip)
{
	struct settings base, st, back;
	struct conf_error err;
	char path[128], why[160];
	char text[4096];

	mkdir_tmp();
	snprintf(path, sizeof(path), "%s/settings.conf", dir);
	settings_defaults(&base, PERS_30X);
	st = base;
	/* Quotes, a backslash and control bytes survive. */
	ck_assert_int_eq(settings_set(&st, settings_find("reg.data"), "a\"b\\c\x01\x7f\xff",
	    why, sizeof(why)), 0);
	/* Bytes of any value, NUL included (721 AT+CIPPACK hex data). */
	ck_assert_int_eq(settings_set_bytes(&st, settings_find("heartbeat.data"),
	    (const uint8_t *)"\0\\x00\n", 6, why, sizeof(why)), 0);
	ck_assert_int_eq(settings_set(&st, settings_find("tcps.max_clients"), "9", why,
	    sizeof(why)), 0);
	ck_assert_int_eq(settings_set(&st, settings_find("link1.mode"), "UDPS", why,
	    sizeof(why)), 0);
	ck_assert_int_eq(conf_save_state(path, &st, &base), 0);
	ck_assert_int_eq(count_files(dir), 1);		/* no temp file left */
	/* Only what differs from the base is written. */
	conf_state_text(&st, &base, text, sizeof(text));
	ck_assert_ptr_nonnull(strstr(text, "max_clients = 9;"));
	ck_assert_ptr_null(strstr(text, "baud"));
	back = base;
	ck_assert_int_eq(conf_load_state(path, &back, &err), 0);
	ck_assert_uint_eq(back.reg_data.len, 8);
	ck_assert_mem_eq(back.reg_data.data, "a\"b\\c\x01\x7f\xff", 8);
	ck_assert_uint_eq(back.heart_data.len, 6);
	ck_assert_mem_eq(back.heart_data.data, "\0\\x00\n", 6);
	ck_assert_int_eq(back.max_clients, 9);
	ck_assert_int_eq(back.link[0].mode, LINK_UDPS);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(test_state_missing_is_fine)
{
	struct settings st, before;
	struct conf_error err;

	settings_defaults(&st, PERS_30X);
	before = st;
	ck_assert_int_eq(conf_load_state("/nonexistent/settings.conf", &st, &err), 0);
	ck_assert(memcmp(&st, &before, sizeof(st)) == 0);
}
END_TEST

START_TEST(test_state_rejects_config_only_keys)
{
	struct settings st, before;
	struct conf_error err;
	char path[128], msg[600];
	FILE *f;

	mkdir_tmp();
	snprintf(path, sizeof(path), "%s/settings.conf", dir);
	f = fopen(path, "w");
	fputs("tcps = { max_clients = 5; };\nserial = { device = \"/dev/evil\"; };\n", f);
	fclose(f);
	settings_defaults(&st, PERS_30X);
	before = st;
	ck_assert_int_lt(conf_load_state(path, &st, &err), 0);
	conf_error_format(&err, msg, sizeof(msg));
	ck_assert_msg(strstr(msg, ":2: 'serial.device' cannot be set here"), "%s", msg);
	/* All or nothing: max_clients was not applied either. */
	ck_assert(memcmp(&st, &before, sizeof(st)) == 0);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(test_state_corrupt)
{
	struct settings st, before;
	struct conf_error err;
	char path[128];
	FILE *f;

	mkdir_tmp();
	snprintf(path, sizeof(path), "%s/settings.conf", dir);
	f = fopen(path, "w");
	fputs("tcps = { max_clients = 5;\n\x01\x02garbage", f);
	fclose(f);
	settings_defaults(&st, PERS_30X);
	before = st;
	ck_assert_int_lt(conf_load_state(path, &st, &err), 0);
	ck_assert_int_gt(err.line, 0);
	ck_assert(memcmp(&st, &before, sizeof(st)) == 0);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(test_atomic_save_keeps_old_on_failure)
{
	struct settings base, st;
	char path[128];

	mkdir_tmp();
	settings_defaults(&base, PERS_30X);
	st = base;
	st.max_clients = 7;
	/* The target is a directory: rename fails, nothing is left behind. */
	snprintf(path, sizeof(path), "%s/settings.conf", dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_lt(conf_save_state(path, &st, &base), 0);
	ck_assert_int_eq(count_files(dir), 1);
	rmdir(path);
	/* A directory that does not exist. */
	ck_assert_int_eq(conf_save_state("/nonexistent/dir/settings.conf", &st, &base), -ENOENT);
	rmdir(dir);
}
END_TEST

START_TEST(test_atomic_write_replaces)
{
	char path[128], buf[64];
	FILE *f;

	mkdir_tmp();
	snprintf(path, sizeof(path), "%s/f", dir);
	ck_assert_int_eq(util_write_atomic(path, "old", 3, 0600), 0);
	ck_assert_int_eq(util_write_atomic(path, "new!", 4, 0600), 0);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
	fclose(f);
	ck_assert_str_eq(buf, "new!");
	ck_assert_int_eq(count_files(dir), 1);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(test_error_format)
{
	struct conf_error e = { "a.conf", 3, "boom" };
	char buf[64];

	conf_error_format(&e, buf, sizeof(buf));
	ck_assert_str_eq(buf, "a.conf:3: boom");
	e.line = 0;
	conf_error_format(&e, buf, sizeof(buf));
	ck_assert_str_eq(buf, "a.conf: boom");
}
END_TEST

Suite *
suite_conf(void)
{
	Suite *s = suite_create("conf");
	TCase *tc = tcase_create("conf");

	tcase_add_loop_test(tc, test_bad_config, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, test_good_config);
	tcase_add_test(tc, test_bytes_config);
	tcase_add_test(tc, test_personality_selects_defaults);
	tcase_add_test(tc, test_personality_any_case);
	tcase_add_test(tc, test_state_round_trip);
	tcase_add_test(tc, test_state_missing_is_fine);
	tcase_add_test(tc, test_state_rejects_config_only_keys);
	tcase_add_test(tc, test_state_corrupt);
	tcase_add_test(tc, test_atomic_save_keeps_old_on_failure);
	tcase_add_test(tc, test_atomic_write_replaces);
	tcase_add_test(tc, test_error_format);
	suite_add_tcase(s, tc);
	return s;
}
