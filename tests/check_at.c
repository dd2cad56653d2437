/* The AT command tables: sorted, free of duplicates (ntpd lookup()), every
 * field a setting of the personality, and every run-time setting of the
 * 30X reachable by some command. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "at.h"
#include "settings.h"
#include "unit.h"

/* A fake host: settings in memory, replies into a buffer; a save can be
 * made to fail. */
static struct {
	struct settings st;
	char out[8192];
	size_t nout;
	int restarts, restores, connected, entm, save_error;
} fake;

static const struct settings *
f_settings(void *h)
{
	return &fake.st;
}

static void
f_edit(void *h, const struct settings *st)
{
	fake.st = *st;
}

static int
f_save(void *h, const struct settings *st)
{
	return fake.save_error;
}

static void
f_restart(void *h, const char *why)
{
	fake.restarts++;
}

static int
f_restore(void *h)
{
	fake.restores++;
	settings_defaults(&fake.st, PERS_30X);
	return 0;
}

static int
f_connected(void *h)
{
	return fake.connected;
}

static void
f_mac(void *h, char out[13])
{
	memcpy(out, "0A1B2C3D4E5F", 13);
}

static const struct at_host fake_host = {
	.settings = f_settings, .edit = f_edit, .save = f_save, .restart = f_restart,
	.restore_defaults = f_restore, .connected = f_connected, .host_mac = f_mac,
};

static void
f_write(void *arg, const char *d, size_t n)
{
	memcpy(fake.out + fake.nout, d, n);
	fake.nout += n;
	fake.out[fake.nout] = '\0';
}

static void
f_entm(void *arg)
{
	fake.entm++;
}

static struct at_session sess = { &fake_host, NULL, AT_SRC_SERIAL, f_write, f_entm, NULL };

static void
fake_reset(void)
{
	memset(&fake, 0, sizeof(fake));
	settings_defaults(&fake.st, PERS_30X);
}

/* Runs one line and returns the reply. */
static const char *
run(const char *line)
{
	fake.nout = 0;
	fake.out[0] = '\0';
	at_dispatch(&sess, line, strlen(line), 0);
	return fake.out;
}

/* {input, expected reply}: the syntax the dispatcher accepts and rejects. */
static const struct { const char *in, *out; } rows[] = {
	{ "AT", "\r\n+OK\r\n" },
	{ "at", "\r\n+OK\r\n" },
	{ "AT ", "\r\n+OK\r\n" },			/* trailing spaces */
	{ "AT+VER", "\r\n+OK=V4016\r\n" },
	{ "AT+VER?", "\r\n+OK=V4016\r\n" },		/* both forms query */
	{ "at+ver", "\r\n+OK=V4016\r\n" },		/* case-insensitive */
	{ "At+VeR?", "\r\n+OK=V4016\r\n" },
	{ "AT+VER=1", "\r\n+ERR=-3\r\n" },		/* query-only given a value */
	{ "AT+VER=", "\r\n+ERR=-3\r\n" },
	{ "AT+MAC", "\r\n+OK=0A1B2C3D4E5F\r\n" },
	{ "AT+MAC=D8B04C000001", "\r\n+ERR=-3\r\n" },
	{ "AT+SOCKLK", "\r\n+OK=disconnect\r\n" },
	{ "AT+SOCKLK=1", "\r\n+ERR=-3\r\n" },
	{ "AT+PDTIME=2020-01-01", "\r\n+ERR=-3\r\n" },
	{ "AT+Z?", "\r\n+ERR=-3\r\n" },		/* an action has no query */
	{ "AT+Z=1", "\r\n+ERR=-3\r\n" },
	{ "AT+ENTM?", "\r\n+ERR=-3\r\n" },
	{ "AT+RELD=1", "\r\n+ERR=-3\r\n" },
	{ "AT+H=1", "\r\n+ERR=-3\r\n" },
	{ "AT+NOPE", "\r\n+ERR=-2\r\n" },		/* unknown command */
	{ "AT+NOPE=1", "\r\n+ERR=-2\r\n" },
	{ "AT+VERSION", "\r\n+ERR=-2\r\n" },
	{ "HELLO", "\r\n+ERR=-1\r\n" },		/* not a command */
	{ "A", "\r\n+ERR=-1\r\n" },
	{ "AT+", "\r\n+ERR=-1\r\n" },
	{ "AT+ VER", "\r\n+ERR=-1\r\n" },
	{ "AT+VER X", "\r\n+ERR=-1\r\n" },
	{ "AT+VER??", "\r\n+ERR=-1\r\n" },
	{ "ATE", "\r\n+ERR=-1\r\n" },			/* V.250 forms are the 721's */
	{ "AT+MAXSK=8", "\r\n+OK\r\n" },
	{ "AT+MAXSK=\"9\"", "\r\n+OK\r\n" },	/* optional quotes */
	{ "AT+MAXSK=17", "\r\n+ERR=-4\r\n" },
	{ "AT+MAXSK=", "\r\n+ERR=-4\r\n" },
	{ "AT+MAXSK=1,2", "\r\n+ERR=-4\r\n" },	/* too many fields */
	{ "AT+UART=9600,8,1,NONE", "\r\n+ERR=-4\r\n" },	/* too few */
	{ "AT+UART=9600,8,1,NONE,NFC,X", "\r\n+ERR=-4\r\n" },
	{ "AT+UART=1,2,3,4,5,6,7,8,9", "\r\n+ERR=-4\r\n" },
	{ "AT+SOCK=\"TCPC\", \"127.0.0.1\", 80", "\r\n+OK\r\n" },	/* quotes, spaces */
	{ "AT+REGUSR=a,b", "\r\n+OK\r\n" },		/* one raw value: commas allowed */
	{ "AT+REGUSR=\"q\"", "\r\n+OK\r\n" },
};

START_TEST(test_dispatch_rows)
{
	fake_reset();
	ck_assert_str_eq(run(rows[_i].in), rows[_i].out);
}
END_TEST

START_TEST(test_values_after_sets)
{
	fake_reset();
	run("AT+SOCK=\"TCPC\", \"127.0.0.1\", 80");
	ck_assert_str_eq(run("AT+SOCK"), "\r\n+OK=TCPC,127.0.0.1,80\r\n");
	run("AT+REGUSR=a,b");
	ck_assert_str_eq(run("AT+REGUSR"), "\r\n+OK=a,b\r\n");
	run("AT+REGUSR=\"q\"");
	ck_assert_str_eq(run("AT+REGUSR"), "\r\n+OK=q\r\n");
	run("AT+UART=9600,7,2,mask,fc");
	ck_assert_str_eq(run("AT+UART"), "\r\n+OK=9600,7,2,MARK,FC\r\n");
	run("AT+TCPSE=KEEP");
	ck_assert_str_eq(run("AT+TCPSE"), "\r\n+OK=keep\r\n");	/* the manual's case */
	run("AT+E=ON");
	ck_assert_str_eq(run("AT+E"), "\r\n+OK=on\r\n");
}
END_TEST

START_TEST(test_error_leaves_value)
{
	fake_reset();
	ck_assert_str_eq(run("AT+UART=9600,8,1,NONE,NFC"), "\r\n+OK\r\n");
	/* The last field is bad: nothing of the set is applied. */
	ck_assert_str_eq(run("AT+UART=19200,7,2,EVEN,XX"), "\r\n+ERR=-4\r\n");
	ck_assert_str_eq(run("AT+UART"), "\r\n+OK=9600,8,1,NONE,NFC\r\n");
	/* Baud limits of seed 000 §4.12: 600 to 230400 over AT. */
	ck_assert_str_eq(run("AT+UART=599,8,1,NONE,NFC"), "\r\n+ERR=-4\r\n");
	ck_assert_str_eq(run("AT+UART=230401,8,1,NONE,NFC"), "\r\n+ERR=-4\r\n");
	ck_assert_str_eq(run("AT+UART=600,8,1,NONE,NFC"), "\r\n+OK\r\n");
	ck_assert_str_eq(run("AT+UART=230400,8,1,NONE,NFC"), "\r\n+OK\r\n");
	ck_assert_str_eq(run("AT+UART"), "\r\n+OK=230400,8,1,NONE,NFC\r\n");
}
END_TEST

START_TEST(test_save_error_is_not_permitted)
{
	fake_reset();
	fake.save_error = -EROFS;
	ck_assert_str_eq(run("AT+MAXSK=8"), "\r\n+ERR=-5\r\n");
	fake.save_error = 0;
	ck_assert_str_eq(run("AT+MAXSK"), "\r\n+OK=4\r\n");
}
END_TEST

START_TEST(test_actions)
{
	fake_reset();
	ck_assert_str_eq(run("AT+Z"), "\r\n+OK\r\n");
	ck_assert_int_eq(fake.restarts, 1);
	ck_assert_str_eq(run("AT+ENTM"), "\r\n+OK\r\n");
	ck_assert_int_eq(fake.entm, 1);
	run("AT+MAXSK=9");
	ck_assert_str_eq(run("AT+RELD"), "\r\n+OK\r\n");
	ck_assert_int_eq(fake.restores, 1);
	ck_assert_int_eq(fake.restarts, 2);
	ck_assert_str_eq(run("AT+MAXSK"), "\r\n+OK=4\r\n");
	fake.connected = 1;
	ck_assert_str_eq(run("AT+SOCKLK"), "\r\n+OK=connect\r\n");
}
END_TEST

START_TEST(test_usermac)
{
	fake_reset();
	ck_assert_str_eq(run("AT+USERMAC"), "\r\n+OK=0A1B2C3D4E5F\r\n");
	ck_assert_str_eq(run("AT+USERMAC=d8b04c000001"), "\r\n+OK\r\n");
	ck_assert_str_eq(run("AT+USERMAC"), "\r\n+OK=D8B04C000001\r\n");
	ck_assert_str_eq(run("AT+MAC"), "\r\n+OK=D8B04C000001\r\n");
	ck_assert_str_eq(run("AT+USERMAC="), "\r\n+ERR=-4\r\n");
	ck_assert_str_eq(run("AT+USERMAC=D8B04C00000"), "\r\n+ERR=-4\r\n");
	ck_assert_str_eq(run("AT+USERMAC"), "\r\n+OK=D8B04C000001\r\n");
}
END_TEST

START_TEST(test_overflow_is_format_error)
{
	char line[600];

	fake_reset();
	memset(line, 'A', sizeof(line));
	fake.nout = 0;
	at_dispatch(&sess, "AT+VER", 6, 1);
	ck_assert_str_eq(fake.out, "\r\n+ERR=-1\r\n");
	fake.nout = 0;
	at_dispatch(&sess, line, sizeof(line), 0);
	ck_assert_str_eq(fake.out, "\r\n+ERR=-1\r\n");
	/* A NUL inside a line is not a command. */
	fake.nout = 0;
	at_dispatch(&sess, "AT\0X", 4, 0);
	ck_assert_str_eq(fake.out, "\r\n+ERR=-1\r\n");
}
END_TEST

START_TEST(test_help_lists_forty)
{
	const char *out;
	int lines = 0;

	fake_reset();
	out = run("AT+H");
	ck_assert(strncmp(out, "\r\n+OK=AT+CLIENTRST: ", strlen("\r\n+OK=AT+CLIENTRST: ")) == 0);
	for (const char *p = out; (p = strstr(p, "AT+")); p++)
		lines++;
	ck_assert_int_eq(lines, 40);
	ck_assert_ptr_null(strstr(out, "HPTTP"));
}
END_TEST

START_TEST(test_sorted_unique)
{
	const struct at_dialect *d = &at_dialect_30x;

	for (size_t i = 1; i < d->ncmds; i++)
		ck_assert_msg(strcasecmp(d->cmds[i - 1].name, d->cmds[i].name) < 0,
		    "%s before %s", d->cmds[i - 1].name, d->cmds[i].name);
}
END_TEST

START_TEST(test_find_every_command)
{
	const struct at_dialect *d = &at_dialect_30x;

	for (size_t i = 0; i < d->ncmds; i++) {
		char lower[32];
		ck_assert_ptr_eq(at_find(d, d->cmds[i].name), &d->cmds[i]);
		size_t n = strlen(d->cmds[i].name);

		for (size_t k = 0; k < n; k++)
			lower[k] = (char)(d->cmds[i].name[k] | 0x20);
		lower[n] = '\0';
		ck_assert_ptr_eq(at_find(d, lower), &d->cmds[i]);
	}
	ck_assert_ptr_null(at_find(d, "NOPE"));
	ck_assert_ptr_null(at_find(d, ""));
}
END_TEST

START_TEST(test_fields_exist)
{
	const struct at_dialect *d = &at_dialect_30x;

	for (size_t i = 0; i < d->ncmds; i++)
		for (int f = 0; f < AT_ARGS_MAX && d->cmds[i].fields[f]; f++) {
			struct setting_ref s = settings_find(d->cmds[i].fields[f]);

			ck_assert_msg(s.s, "AT+%s: no setting %s", d->cmds[i].name,
			    d->cmds[i].fields[f]);
			ck_assert_msg(settings_at_visible(s, PERS_30X) && (s.s->flags & S_PERSIST),
			    "AT+%s: %s is not a 30X run-time setting", d->cmds[i].name,
			    d->cmds[i].fields[f]);
		}
}
END_TEST

START_TEST(test_every_setting_reachable)
{
	const struct at_dialect *d = &at_dialect_30x;

	for (struct setting_ref s = { NULL, 0 }; settings_next(&s);) {
		char key[SETTINGS_KEY_MAX];
		int found = 0;

		if (!settings_at_visible(s, PERS_30X) || !(s.s->flags & S_PERSIST))
			continue;
		settings_key(s, key, sizeof(key));
		for (size_t i = 0; i < d->ncmds && !found; i++)
			for (int f = 0; f < AT_ARGS_MAX && d->cmds[i].fields[f]; f++)
				if (strcmp(d->cmds[i].fields[f], key) == 0)
					found = 1;
		ck_assert_msg(found, "%s has no 30X command", key);
	}
}
END_TEST

START_TEST(test_forty_commands)
{
	const struct at_dialect *d = &at_dialect_30x;
	int listed = 0;

	/* seed 000 §4.1-4.40: forty commands, plus the HPTTP spelling of §3. */
	for (size_t i = 0; i < d->ncmds; i++)
		if (!(d->cmds[i].ops & AT_HIDDEN))
			listed++;
	ck_assert_int_eq(listed, 40);
}
END_TEST

Suite *
suite_at(void)
{
	Suite *s = suite_create("at");
	TCase *tc = tcase_create("at");

	tcase_add_test(tc, test_sorted_unique);
	tcase_add_test(tc, test_find_every_command);
	tcase_add_test(tc, test_fields_exist);
	tcase_add_test(tc, test_every_setting_reachable);
	tcase_add_test(tc, test_forty_commands);
	tcase_add_loop_test(tc, test_dispatch_rows, 0, (int)(sizeof(rows) / sizeof(rows[0])));
	tcase_add_test(tc, test_values_after_sets);
	tcase_add_test(tc, test_error_leaves_value);
	tcase_add_test(tc, test_save_error_is_not_permitted);
	tcase_add_test(tc, test_actions);
	tcase_add_test(tc, test_usermac);
	tcase_add_test(tc, test_overflow_is_format_error);
	tcase_add_test(tc, test_help_lists_forty);
	suite_add_tcase(s, tc);
	return s;
}
