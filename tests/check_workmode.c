/* Work modes (workmode.c): which mode runs for dtu.mode in each
 * personality (one it lacks runs TRANSPARENT), what the
 * bridge runs in each, the status lines, and the CIMODID start-up text. */
#include "config.h"

#include <string.h>

#include <event2/buffer.h>

#include "personality.h"
#include "settings.h"
#include "unit.h"
#include "workmode.h"

static const struct {
	enum personality p;
	int requested;
	enum work_mode want;
} pick_rows[] = {
	{ PERS_721, MODE_TRANSPARENT, MODE_TRANSPARENT },
	{ PERS_721, MODE_COMMAND, MODE_COMMAND },
	{ PERS_721, MODE_HTTPD, MODE_HTTPD },
	{ PERS_721, MODE_FRAME, MODE_FRAME },
	{ PERS_721, MODE_SMS, MODE_SMS },
	{ PERS_721, -1, MODE_TRANSPARENT },
	{ PERS_721, MODE_COUNT, MODE_TRANSPARENT },
	{ PERS_30X, MODE_TRANSPARENT, MODE_TRANSPARENT },
	{ PERS_30X, MODE_COMMAND, MODE_TRANSPARENT },	/* the 30X has one mode */
	{ PERS_30X, MODE_HTTPD, MODE_TRANSPARENT },
};

START_TEST(test_pick)
{
	ck_assert_int_eq(workmode_pick(personality_get(pick_rows[_i].p), pick_rows[_i].requested),
	    pick_rows[_i].want);
}
END_TEST

/* The names are dtu.mode's config spellings, in AT+CIMOD order. */
START_TEST(test_names)
{
	struct settings st;
	struct setting_ref r = settings_find("dtu.mode");

	settings_defaults(&st, PERS_721);
	for (int m = 0; m < MODE_COUNT; m++) {
		ck_assert_int_eq(settings_set(&st, r, workmode_name(m), NULL, 0), 0);
		ck_assert_int_eq(st.work_mode, m);
	}
	ck_assert_str_eq(workmode_name(MODE_COMMAND), "COMMAND");
	ck_assert_str_eq(workmode_name(MODE_COUNT), "?");
}
END_TEST

START_TEST(test_bridge_settings)
{
	struct settings st, want;

	settings_defaults(&st, PERS_721);
	for (int i = 0; i < LINKS_MAX; i++)
		st.link[i].enabled = 1;
	st.link[0].enabled = 0;
	want = st;
	workmode_bridge_settings(MODE_TRANSPARENT, &st);
	ck_assert(memcmp(&st, &want, sizeof(st)) == 0);
	workmode_bridge_settings(MODE_HTTPD, &st);
	ck_assert_int_eq(st.link[0].enabled, 1);	/* whatever its flag said */
	ck_assert_int_eq(st.link[0].mode, LINK_HTPC);
	ck_assert_str_eq(st.link[0].host, want.link[0].host);
	ck_assert_int_eq(st.link[0].port, want.link[0].port);
	for (int i = 1; i < LINKS_MAX; i++)
		ck_assert_int_eq(st.link[i].enabled, 0);
	st = want;
	workmode_bridge_settings(MODE_COMMAND, &st);
	for (int i = 0; i < LINKS_MAX; i++)
		ck_assert_int_eq(st.link[i].enabled, 0);
	/* SMS transparent mode: the modem carries the data, no link runs. */
	st = want;
	st.idle_restart = 900;
	workmode_bridge_settings(MODE_SMS, &st);
	for (int i = 0; i < LINKS_MAX; i++)
		ck_assert_int_eq(st.link[i].enabled, 0);
	ck_assert_int_eq(st.idle_restart, 0);
}
END_TEST

static char *
text_of(const struct workmode_status *w, int json)
{
	static char buf[1024];
	struct evbuffer *out = evbuffer_new();
	size_t n;

	ck_assert_int_eq(json ? workmode_status_json(w, out) : workmode_status_text(w, out), 0);
	n = evbuffer_get_length(out);
	ck_assert_uint_lt(n, sizeof(buf));
	evbuffer_remove(out, buf, n);
	buf[n] = '\0';
	evbuffer_free(out);
	return buf;
}

START_TEST(test_status)
{
	struct workmode_status w = { 0 };

	ck_assert_str_eq(text_of(&w, 0), "");		/* the 30X: nothing */
	ck_assert_str_eq(text_of(&w, 1), "");
	w.shown = 1;
	w.requested = MODE_SMS;
	w.running = MODE_TRANSPARENT;
	w.pwat_serial = 2;
	w.pwat_net = 3;
	w.pwat_busy = 1;
	ck_assert_str_eq(text_of(&w, 0), "mode     SMS requested, not available in this "
	    "version; running TRANSPARENT\n"
	    "         password AT: 2 from the serial line, 3 from the network, 1 refused "
	    "while one ran\n");
	ck_assert_str_eq(text_of(&w, 1), "\"work_mode\":{\"running\":\"TRANSPARENT\","
	    "\"requested\":\"SMS\",\"available\":false,\"connection\":\"\","
	    "\"password_at_serial\":2,\"password_at_network\":3,\"password_at_busy\":1},");
	w.requested = w.running = MODE_COMMAND;
	strcpy(w.conn, "TCP 127.0.0.1:9000 up, sent 1 B, received 2 B");
	ck_assert_str_eq(text_of(&w, 0), "mode     COMMAND (AT+CIMOD=2)\n"
	    "         AT+CIOPEN connection: TCP 127.0.0.1:9000 up, sent 1 B, received 2 B\n"
	    "         password AT: 2 from the serial line, 3 from the network, 1 refused "
	    "while one ran\n");
	w.conn[0] = '\0';
	ck_assert(strstr(text_of(&w, 0), "AT+CIOPEN connection: none\n"));
}
END_TEST

/* CIMODID: the text and CR LF; empty: nothing; the 30X has none. */
START_TEST(test_startup_message)
{
	const struct personality_desc *d = personality_get(PERS_721);
	struct settings st;
	char buf[256];

	settings_defaults(&st, PERS_721);
	ck_assert_ptr_nonnull(d->startup_message);
	ck_assert_int_eq(d->startup_message(&st, buf, sizeof(buf)), 0);
	ck_assert_int_eq(settings_set(&st, settings_find("dtu.startup_message"), "READY", NULL,
	    0), 0);
	ck_assert_int_eq(d->startup_message(&st, buf, sizeof(buf)), 7);
	ck_assert(memcmp(buf, "READY\r\n", 7) == 0);
	ck_assert_int_eq(d->startup_message(&st, buf, 6), 0);	/* no room: none, not cut */
	ck_assert_ptr_null(personality_get(PERS_30X)->startup_message);
	ck_assert(personality_has_mode(d, MODE_COMMAND) && personality_has_mode(d, MODE_HTTPD) &&
	    personality_has_mode(d, MODE_FRAME) && personality_has_mode(d, MODE_SMS));
}
END_TEST

Suite *
suite_workmode(void)
{
	Suite *s = suite_create("workmode");
	TCase *tc = tcase_create("workmode");

	tcase_add_loop_test(tc, test_pick, 0, sizeof(pick_rows) / sizeof(pick_rows[0]));
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_bridge_settings);
	tcase_add_test(tc, test_status);
	tcase_add_test(tc, test_startup_message);
	suite_add_tcase(s, tc);
	return s;
}
