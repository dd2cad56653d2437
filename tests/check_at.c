/* The AT dispatcher and its tables: rows of {personality, input, reply}
 * for both dialects, requests that answer later, replies by kind, the field
 * codecs both ways, and the tables sorted, free of duplicates (ntpd
 * lookup()) and covering every run-time setting of the 30X. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "at.h"
#include "settings.h"
#include "unit.h"

/* A fake host: settings in memory, replies into a bounded buffer (a reply
 * that would overflow it fails the test); a save can be made to fail. */
static struct {
	struct settings st;
	char out[8192];
	size_t nout;
	int restarts, restores, connected, entm, save_error, saves, done, done_rc;
	int done_values;
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
	fake.saves++;
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
	settings_defaults(&fake.st, (enum personality)fake.st.personality);
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
	ck_assert_msg(fake.nout + n < sizeof(fake.out), "reply longer than %zu bytes",
	    sizeof(fake.out) - 1);
	memcpy(fake.out + fake.nout, d, n);
	fake.nout += n;
	fake.out[fake.nout] = '\0';
}

static void
f_entm(void *arg)
{
	fake.entm++;
}

static void
f_done(void *arg, struct at_req *r, int rc)
{
	fake.done++;
	fake.done_rc = rc;
	fake.done_values = r->nvalues;
}

static struct at_session sess;

static void
fake_reset_as(enum personality p, const struct at_dialect *d)
{
	memset(&fake, 0, sizeof(fake));
	settings_defaults(&fake.st, p);
	at_session_init(&sess, &fake_host, NULL, f_write, f_entm, f_done, NULL);
	sess.dialect = d;
}

static void
fake_reset(void)
{
	fake_reset_as(PERS_30X, NULL);
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

#define P30 PERS_30X
#define P721 PERS_721
#define OK721 "\r\nOK\r\n"
#define ERR721 "\r\nERROR\r\n"

/* {personality, input, expected reply}: the syntax the dispatcher accepts
 * and rejects, with min, max, min-1, max+1, empty, overlong (in
 * test_overflow_is_format_error) and lower case. The 721 rows run the
 * start of its dialect (at-721.c). */
static const struct { enum personality p; const char *in, *out; } rows[] = {
	{ P30, "AT", "\r\n+OK\r\n" },
	{ P30, "at", "\r\n+OK\r\n" },
	{ P30, "AT ", "\r\n+OK\r\n" },			/* trailing spaces */
	{ P30, "AT+VER", "\r\n+OK=V4016\r\n" },
	{ P30, "AT+VER?", "\r\n+OK=V4016\r\n" },		/* both forms query */
	{ P30, "at+ver", "\r\n+OK=V4016\r\n" },		/* case-insensitive */
	{ P30, "At+VeR?", "\r\n+OK=V4016\r\n" },
	{ P30, "AT+VER=1", "\r\n+ERR=-3\r\n" },		/* query-only given a value */
	{ P30, "AT+VER=", "\r\n+ERR=-3\r\n" },
	{ P30, "AT+MAC", "\r\n+OK=0A1B2C3D4E5F\r\n" },
	{ P30, "AT+MAC=D8B04C000001", "\r\n+ERR=-3\r\n" },
	{ P30, "AT+SOCKLK", "\r\n+OK=disconnect\r\n" },
	{ P30, "AT+SOCKLK=1", "\r\n+ERR=-3\r\n" },
	{ P30, "AT+PDTIME=2020-01-01", "\r\n+ERR=-3\r\n" },
	{ P30, "AT+Z?", "\r\n+ERR=-3\r\n" },		/* an action has no query */
	{ P30, "AT+Z=1", "\r\n+ERR=-3\r\n" },
	{ P30, "AT+ENTM?", "\r\n+ERR=-3\r\n" },
	{ P30, "AT+RELD=1", "\r\n+ERR=-3\r\n" },
	{ P30, "AT+H=1", "\r\n+ERR=-3\r\n" },
	{ P30, "AT+NOPE", "\r\n+ERR=-2\r\n" },		/* unknown command */
	{ P30, "AT+NOPE=1", "\r\n+ERR=-2\r\n" },
	{ P30, "AT+VERSION", "\r\n+ERR=-2\r\n" },
	{ P30, "HELLO", "\r\n+ERR=-1\r\n" },		/* not a command */
	{ P30, "A", "\r\n+ERR=-1\r\n" },
	{ P30, "AT+", "\r\n+ERR=-1\r\n" },
	{ P30, "AT+ VER", "\r\n+ERR=-1\r\n" },
	{ P30, "AT+VER X", "\r\n+ERR=-1\r\n" },
	{ P30, "AT+VER??", "\r\n+ERR=-1\r\n" },
	{ P30, "ATE", "\r\n+ERR=-1\r\n" },			/* V.250 forms are the 721's */
	{ P30, "AT+MAXSK=8", "\r\n+OK\r\n" },
	{ P30, "AT+MAXSK=\"9\"", "\r\n+OK\r\n" },	/* optional quotes */
	{ P30, "AT+MAXSK=17", "\r\n+ERR=-4\r\n" },
	{ P30, "AT+MAXSK=", "\r\n+ERR=-4\r\n" },
	{ P30, "AT+MAXSK=1,2", "\r\n+ERR=-4\r\n" },	/* too many fields */
	{ P30, "AT+UART=9600,8,1,NONE", "\r\n+ERR=-4\r\n" },	/* too few */
	{ P30, "AT+UART=9600,8,1,NONE,NFC,X", "\r\n+ERR=-4\r\n" },
	{ P30, "AT+UART=1,2,3,4,5,6,7,8,9", "\r\n+ERR=-4\r\n" },
	{ P30, "AT+SOCK=\"TCPC\", \"127.0.0.1\", 80", "\r\n+OK\r\n" },	/* quotes, spaces */
	{ P30, "AT+REGUSR=a,b", "\r\n+OK\r\n" },		/* one raw value: commas allowed */
	{ P30, "AT+REGUSR=\"q\"", "\r\n+OK\r\n" },
	{ P30, "AT+MAXSK=1", "\r\n+OK\r\n" },		/* min */
	{ P30, "AT+MAXSK=16", "\r\n+OK\r\n" },		/* max */
	{ P30, "AT+MAXSK=0", "\r\n+ERR=-4\r\n" },	/* min-1 */
	{ P30, "AT+MAXSK=?", "\r\n+ERR=-4\r\n" },	/* no =? on the 30X: a value "?" */
	{ P30, "AT+VER=?", "\r\n+ERR=-3\r\n" },
	{ P30, "ATW", "\r\n+ERR=-1\r\n" },
	{ P721, "AT", OK721 },
	{ P721, "at", OK721 },
	{ P721, "ATE0", OK721 },
	{ P721, "ATE1", OK721 },
	{ P721, "ate1", OK721 },
	{ P721, "ATE", OK721 },				/* V.250: ATE is ATE0 */
	{ P721, "ATE2", ERR721 },
	{ P721, "ATE?", ERR721 },
	{ P721, "ATE0V1", ERR721 },			/* one basic command per line */
	{ P721, "ATW", OK721 },
	{ P721, "ATW1", ERR721 },
	{ P721, "ATX", ERR721 },
	{ P721, "AT+E=1", ERR721 },			/* no AT+E on the 721 */
	{ P721, "AT+NOPE", ERR721 },
	{ P721, "HELLO", ERR721 },
	{ P721, "", ERR721 },
	{ P721, "AT+CIVER?", "\r\n+CIVER: V1.0.0\r\n\r\nOK\r\n" },
	{ P721, "at+civer", "\r\n+CIVER: V1.0.0\r\n\r\nOK\r\n" },
	{ P721, "AT+CIVER=1", ERR721 },
	{ P721, "AT+CIVER=?", ERR721 },			/* query-only: no =? */
	{ P721, "AT+CIPR?", "\r\n+CIPR: 115200\r\n\r\nOK\r\n" },
	{ P721, "AT+CIPR=?", "\r\n+CIPR: (300-115200)\r\n\r\nOK\r\n" },
	{ P721, "AT+CIPR=300", OK721 },			/* min (seed 003 §1.3) */
	{ P721, "AT+CIPR=115200", OK721 },		/* max */
	{ P721, "AT+CIPR=299", ERR721 },		/* min-1 */
	{ P721, "AT+CIPR=115201", ERR721 },		/* max+1 */
	{ P721, "AT+CIPR=", ERR721 },			/* empty */
	{ P721, "AT+ICF?", "\r\n+ICF: 3,3\r\n\r\nOK\r\n" },
	{ P721, "AT+ICF=?", "\r\n+ICF: (1-6),(0-3)\r\n\r\nOK\r\n" },
	{ P721, "AT+ICF=1,0", OK721 },			/* min */
	{ P721, "AT+ICF=6,3", OK721 },			/* max */
	{ P721, "AT+ICF=0,0", ERR721 },			/* min-1 */
	{ P721, "AT+ICF=7,3", ERR721 },			/* max+1 */
	{ P721, "AT+ICF=3,4", ERR721 },
	{ P721, "AT+ICF=3", ERR721 },			/* too few */
	{ P721, "AT+ICF=", ERR721 },
};

static void
reset_for(enum personality p)
{
	fake_reset_as(p, p == PERS_721 ? &at_dialect_721 : NULL);
}

START_TEST(test_dispatch_rows)
{
	reset_for(rows[_i].p);
	ck_assert_str_eq(run(rows[_i].in), rows[_i].out);
	/* Every line gets exactly one final: done ran once. */
	ck_assert_int_eq(fake.done, 1);
	ck_assert(!at_busy(&sess));
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
	ck_assert_str_eq(run("AT+UART"), "\r\n+OK=9600,7,2,MASK,FC\r\n");	/* seed 000 §4.12 */
	ck_assert_int_eq(fake.st.parity, PARITY_MARK);
	run("AT+UART=9600,8,1,MARK,NFC");
	ck_assert_str_eq(run("AT+UART"), "\r\n+OK=9600,8,1,MASK,NFC\r\n");
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
	const struct at_dialect *ds[] = { &at_dialect_30x, &at_dialect_721 };

	for (size_t k = 0; k < 2; k++) {
		const struct at_dialect *d = ds[k];

		/* A basic and an extended row may share a name; nothing else. */
		for (size_t i = 1; i < d->ncmds; i++) {
			int c = strcasecmp(d->cmds[i - 1].name, d->cmds[i].name);

			ck_assert_msg(c < 0 || (c == 0 && ((d->cmds[i - 1].ops ^ d->cmds[i].ops) &
			    AT_BASIC)), "%s: %s before %s", d->name, d->cmds[i - 1].name,
			    d->cmds[i].name);
		}
		for (size_t i = 0; i < d->ncmds; i++)
			ck_assert_ptr_eq(d->cmds[i].ops & AT_BASIC ?
			    at_find_basic(d, d->cmds[i].name) : at_find(d, d->cmds[i].name),
			    &d->cmds[i]);
	}
	ck_assert_ptr_null(at_find(&at_dialect_721, "E"));	/* ATE is basic only */
	ck_assert_ptr_null(at_find_basic(&at_dialect_30x, "E"));
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

/* Every key of every field of both tables is a setting AT may show. */
START_TEST(test_fields_exist)
{
	static const struct { const struct at_dialect *d; enum personality p; } ds[] = {
		{ &at_dialect_30x, PERS_30X }, { &at_dialect_721, PERS_721 },
	};

	for (size_t k = 0; k < 2; k++) {
		const struct at_dialect *d = ds[k].d;

		for (size_t i = 0; i < d->ncmds; i++)
			for (int f = 0; f < AT_ARGS_MAX && d->cmds[i].fields[f].keys[0]; f++)
				for (int j = 0; j < AT_FIELD_KEYS && d->cmds[i].fields[f].keys[j];
				    j++) {
					const char *key = d->cmds[i].fields[f].keys[j];
					char linked[SETTINGS_KEY_MAX];
					struct setting_ref s;

					/* AT_LINK rows: "link.x" is every link's. */
					if ((d->cmds[i].ops & AT_LINK) &&
					    strncmp(key, "link.", 5) == 0) {
						snprintf(linked, sizeof(linked), "link4.%s", key + 5);
						key = linked;
					}
					s = settings_find(key);

					ck_assert_msg(s.s, "AT+%s: no setting %s", d->cmds[i].name, key);
					ck_assert_msg(settings_at_visible(s, ds[k].p) &&
					    (s.s->flags & S_PERSIST),
					    "AT+%s: %s is not a run-time setting of %s",
					    d->cmds[i].name, key, d->name);
				}
	}
}
END_TEST

/* The one reverse lookup (web form, man page): every run-time setting of
 * the 30X has a shown command; hidden aliases are not listed. */
START_TEST(test_every_setting_reachable)
{
	const struct at_dialect *d = &at_dialect_30x;
	const struct at_cmd *c;

	for (struct setting_ref s = { NULL, 0 }; settings_next(&s);) {
		char key[SETTINGS_KEY_MAX];

		if (!settings_at_visible(s, PERS_30X) || !(s.s->flags & S_PERSIST))
			continue;
		settings_key(s, key, sizeof(key));
		ck_assert_msg(at_next_for_key(d, key, NULL), "%s has no 30X command", key);
	}
	c = at_next_for_key(d, "http.method", NULL);
	ck_assert_str_eq(c->name, "HTPTP");		/* not the hidden HPTTP */
	ck_assert_ptr_null(at_next_for_key(d, "http.method", c));
	c = at_next_for_key(&at_dialect_721, "serial.parity", NULL);
	ck_assert_str_eq(c->name, "ICF");		/* a field's second key counts */
	ck_assert_ptr_null(at_next_for_key(d, "no.such", NULL));
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

/* The 721's basic commands and codecs act on the settings; a set stays in
 * memory until ATW (PROTOCOLS.md §4). */
START_TEST(test_721_effects)
{
	reset_for(PERS_721);
	ck_assert_str_eq(run("ATE1"), OK721);
	ck_assert_int_eq(fake.st.echo, 1);
	ck_assert_str_eq(run("ATE"), OK721);
	ck_assert_int_eq(fake.st.echo, 0);
	ck_assert_str_eq(run("AT+ICF=2,1"), OK721);
	ck_assert_int_eq(fake.st.data_bits, 8);
	ck_assert_int_eq(fake.st.stop_bits, 1);
	ck_assert_int_eq(fake.st.parity, PARITY_EVEN);
	ck_assert_str_eq(run("AT+ICF?"), "\r\n+ICF: 2,1\r\n\r\nOK\r\n");
	ck_assert_int_eq(fake.saves, 0);		/* nothing saved before ATW */
	ck_assert_str_eq(run("ATW"), OK721);
	ck_assert_int_eq(fake.saves, 1);
	fake.save_error = -EROFS;
	ck_assert_str_eq(run("ATW"), ERR721);
}
END_TEST

/* A dialect of test rows, formatted as the 30X: one answers later, one
 * finishes inside its handler, one prints two value lines. */
static struct at_req *later;
static int cancelled;

static void
t_cancel(struct at_req *r)
{
	cancelled++;
}

static int
t_later(struct at_req *r)
{
	later = r;
	r->cancel = t_cancel;
	return AT_PENDING;
}

static int
t_now(struct at_req *r)
{
	at_value(r, "now");
	at_finish(r, AT_DONE);
	return AT_PENDING;
}

static int
t_multi(struct at_req *r)
{
	at_value(r, "a");
	at_value_as(r, "OTHER", "b");
	return AT_DONE;
}

static int
t_big(struct at_req *r)
{
	static char v[1000];

	memset(v, 'v', sizeof(v) - 1);
	for (int i = 0; i < 5; i++)
		at_value(r, v);
	return AT_DONE;
}

#define T(n, h) { n, h, AT_Q | AT_X, { { { NULL } } }, "" }
static const struct at_cmd test_cmds[] = {
	T("BIG", t_big), T("LATER", t_later), T("MULTI", t_multi), T("NOW", t_now),
};
static struct at_dialect test30, test721;

static void
test_dialects(void)
{
	test30 = at_dialect_30x;
	test30.cmds = test_cmds;
	test30.ncmds = sizeof(test_cmds) / sizeof(test_cmds[0]);
	test721 = at_dialect_721;
	test721.cmds = test_cmds;
	test721.ncmds = test30.ncmds;
}

/* V.250 basic commands as table rows (the 721 passes ATA, ATD, ATH and ATS0
 * to its modem): the handler sees the operator and the argument text. */
static int
t_basic(struct at_req *r)
{
	char v[AT_TEXT_MAX + 16];

	snprintf(v, sizeof(v), "%s %s %s", r->cmd->name,
	    r->op == AT_EXEC ? "exec" : r->op == AT_SET ? "set" : r->op == AT_QUERY ? "query" :
	    "test", r->argc ? r->argv[0] : "-");
	at_value(r, v);
	return AT_DONE;
}

#define B(n, ops) { n, t_basic, (ops) | AT_BASIC, { { { NULL } } }, "" }
static const struct at_cmd basic_cmds[] = {
	B("", AT_X), B("A", AT_X), B("D", AT_X | AT_S | AT_RAW), B("H", AT_S),
	B("S0", AT_Q | AT_S),
};

START_TEST(test_basic_rows)
{
	static struct at_dialect d;

	d = at_dialect_721;
	d.cmds = basic_cmds;
	d.ncmds = sizeof(basic_cmds) / sizeof(basic_cmds[0]);
	fake_reset_as(PERS_721, &d);
	ck_assert_str_eq(run("AT"), "\r\n exec -\r\n\r\nOK\r\n");
	ck_assert_str_eq(run("ATA"), "\r\nA exec -\r\n\r\nOK\r\n");
	ck_assert_str_eq(run("ata"), "\r\nA exec -\r\n\r\nOK\r\n");
	/* The dial string is the rest of the line, ';' and '+' included. */
	ck_assert_str_eq(run("ATD+8613800000000;"), "\r\nD set +8613800000000;\r\n\r\nOK\r\n");
	ck_assert_str_eq(run("ATDL"), "\r\nD set L\r\n\r\nOK\r\n");
	ck_assert_str_eq(run("ATD"), "\r\nD exec -\r\n\r\nOK\r\n");
	ck_assert_str_eq(run("ATH"), "\r\nH set 0\r\n\r\nOK\r\n");	/* ATH is ATH0 */
	ck_assert_str_eq(run("ATH0"), "\r\nH set 0\r\n\r\nOK\r\n");
	ck_assert_str_eq(run("ATS0=2"), "\r\nS0 set 2\r\n\r\nOK\r\n");
	ck_assert_str_eq(run("ATS0?"), "\r\nS0 query -\r\n\r\nOK\r\n");
	ck_assert_str_eq(run("ATS0"), ERR721);			/* needs ? or = */
	ck_assert_str_eq(run("ATS1?"), ERR721);			/* no such row */
	ck_assert_str_eq(run("ATH0X"), ERR721);			/* one command per line */
	ck_assert_str_eq(run("ATA1"), ERR721);			/* A takes no value */
	ck_assert_str_eq(run("AT+A"), ERR721);			/* a basic row is not AT+A */
}
END_TEST

START_TEST(test_pending)
{
	test_dialects();
	fake_reset_as(PERS_30X, &test30);
	later = NULL;
	ck_assert_int_eq(at_dispatch(&sess, "AT+LATER", 8, 0), AT_PENDING);
	ck_assert_str_eq(fake.out, "");
	ck_assert(at_busy(&sess));
	ck_assert_int_eq(fake.done, 0);
	/* One request in flight: the next one waits, nothing is written. */
	ck_assert_int_eq(at_dispatch(&sess, "AT+NOW", 6, 0), -EBUSY);
	ck_assert_int_eq(at_submit(&sess, &test_cmds[3], AT_EXEC, NULL), -EBUSY);
	ck_assert_int_eq(at_unsolicited(&sess, "RING"), -EBUSY);
	ck_assert_str_eq(fake.out, "");
	/* Replies by kind: an intermediate line now, the values with the final. */
	at_intermediate(later, "CONNECT OK");
	ck_assert_str_eq(fake.out, "\r\nCONNECT OK\r\n");
	ck_assert_int_eq(at_value(later, "later"), 0);
	at_finish(later, AT_DONE);
	ck_assert_str_eq(fake.out, "\r\nCONNECT OK\r\n\r\n+OK=later\r\n");
	ck_assert_int_eq(fake.done, 1);
	ck_assert_int_eq(fake.done_rc, AT_DONE);
	ck_assert_int_eq(fake.done_values, 1);
	ck_assert(!at_busy(&sess));
	/* A late second finish is ignored. */
	at_finish(later, AT_ERR_PERM);
	ck_assert_int_eq(fake.done, 1);
	/* Finished inside the handler: answered at once. */
	ck_assert_str_eq(run("AT+NOW"), "\r\n+OK=now\r\n");
	ck_assert_int_eq(fake.done, 2);
	/* An error later. */
	ck_assert_int_eq(at_dispatch(&sess, "AT+LATER", 8, 0), AT_PENDING);
	fake.nout = 0;
	at_finish(later, AT_ERR_PERM);
	ck_assert_str_eq(fake.out, "\r\n+ERR=-5\r\n");
	ck_assert_int_eq(fake.done_rc, AT_ERR_PERM);
	/* URCs on an idle session. */
	fake.nout = 0;
	ck_assert_int_eq(at_unsolicited(&sess, "RING"), 0);
	ck_assert_str_eq(fake.out, "\r\nRING\r\n");
	/* A cancelled request never answers. */
	cancelled = 0;
	ck_assert_int_eq(at_dispatch(&sess, "AT+LATER", 8, 0), AT_PENDING);
	at_cancel(&sess);
	ck_assert_int_eq(cancelled, 1);
	ck_assert(!at_busy(&sess));
	fake.nout = 0;
	fake.out[0] = '\0';
	at_finish(later, AT_DONE);
	ck_assert_str_eq(fake.out, "");
}
END_TEST

START_TEST(test_value_lines)
{
	test_dialects();
	fake_reset_as(PERS_30X, &test30);
	ck_assert_str_eq(run("AT+MULTI"), "\r\n+OK=a\r\nb\r\n");
	fake_reset_as(PERS_721, &test721);
	ck_assert_str_eq(run("AT+MULTI?"), "\r\n+MULTI: a\r\n+OTHER: b\r\n\r\nOK\r\n");
	/* 5000 bytes of values: more than AT_VALUE_BYTES is an error, never a
	 * reply cut short. */
	ck_assert_str_eq(run("AT+BIG?"), ERR721);
	fake_reset_as(PERS_30X, &test30);
	ck_assert_str_eq(run("AT+BIG"), "\r\n+ERR=-5\r\n");
}
END_TEST

/* A control client's get/set: structured values and the same checks. */
START_TEST(test_submit)
{
	const struct at_cmd *sock = at_find(&at_dialect_30x, "SOCK");
	char big[AT_LINE_MAX + 1];

	fake_reset();
	ck_assert_int_eq(at_submit(&sess, sock, AT_QUERY, NULL), AT_DONE);
	ck_assert_int_eq(sess.req.nvalues, 1);
	ck_assert_str_eq(sess.req.value[0], "TCPC,192.168.0.201,8234");
	ck_assert_int_eq(at_submit(&sess, sock, AT_SET, "TCPC,127.0.0.1,x"), AT_ERR_PARAM);
	ck_assert_int_eq(at_submit(&sess, sock, AT_SET, "TCPC,127.0.0.1,9  "), AT_DONE);
	ck_assert_int_eq(fake.st.link[0].port, 9);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(at_submit(&sess, sock, AT_SET, big), AT_ERR_FORMAT);
	ck_assert_int_eq(at_submit(&sess, at_find(&at_dialect_30x, "VER"), AT_SET, "x"),
	    AT_ERR_OP);
}
END_TEST

/* --- codecs, both ways ----------------------------------------------------- */

static int
dec(const struct at_field *f, const char *a, const char *b, char out[][AT_TEXT_MAX])
{
	const char *at[2] = { a, b };

	memset(out, 0, 3 * AT_TEXT_MAX);
	return f->codec->decode(f, at, out);
}

static const char *
enc(const struct at_field *f, const struct settings *st)
{
	static char out[256];

	ck_assert_int_eq(f->codec->encode(f, st, out, sizeof(out)), 0);
	return out;
}

START_TEST(test_codec_hex)
{
	static const struct at_hex_bound b40 = { 40 };
	const struct at_field f = { { "heartbeat.data" }, &at_codec_hex, &b40 };
	char out[3][AT_TEXT_MAX], hex[83];
	struct settings st;

	ck_assert_int_eq(dec(&f, "414243", NULL, out), 0);
	ck_assert_str_eq(out[0], "ABC");
	ck_assert_int_eq(dec(&f, "6a6B", NULL, out), 0);	/* lower case */
	ck_assert_str_eq(out[0], "jk");
	ck_assert_int_eq(dec(&f, "", NULL, out), 0);		/* empty: disabled */
	ck_assert_str_eq(out[0], "");
	ck_assert_int_lt(dec(&f, "414", NULL, out), 0);		/* odd */
	ck_assert_int_lt(dec(&f, "GG", NULL, out), 0);
	ck_assert_int_eq(dec(&f, "4100", NULL, out), 0);		/* NUL: a bytes setting */
	ck_assert_str_eq(out[0], "A\\x00");
	memset(hex, '4', 80);
	hex[80] = '\0';
	ck_assert_int_eq(dec(&f, hex, NULL, out), 0);		/* 40 bytes: max */
	ck_assert_int_eq(strlen(out[0]), 40);
	strcpy(hex + 80, "44");
	ck_assert_int_lt(dec(&f, hex, NULL, out), 0);		/* 41 bytes */
	settings_defaults(&st, PERS_30X);
	ck_assert_int_eq(settings_set_bytes(&st, settings_find("heartbeat.data"),
	    (const uint8_t *)"AB\x7f\0", 4, NULL, 0), 0);
	ck_assert_str_eq(enc(&f, &st), "41427F00");
	st.heart_data.len = 0;
	ck_assert_str_eq(enc(&f, &st), "");
}
END_TEST

START_TEST(test_codec_ms)
{
	const struct at_field f = { { "serial.pack_gap_us" }, &at_codec_ms, NULL };
	char out[3][AT_TEXT_MAX];
	struct settings st;

	ck_assert_int_eq(dec(&f, "100", NULL, out), 0);
	ck_assert_str_eq(out[0], "100000");
	ck_assert_int_eq(dec(&f, "0", NULL, out), 0);
	ck_assert_str_eq(out[0], "0");
	ck_assert_int_lt(dec(&f, "", NULL, out), 0);
	ck_assert_int_lt(dec(&f, "-1", NULL, out), 0);
	ck_assert_int_lt(dec(&f, "1.5", NULL, out), 0);
	ck_assert_int_lt(dec(&f, "1234567890", NULL, out), 0);	/* overflow */
	settings_defaults(&st, PERS_721);
	st.pack_gap_us = 100000;
	ck_assert_str_eq(enc(&f, &st), "100");
	st.pack_gap_us = 1499;
	ck_assert_str_eq(enc(&f, &st), "1");
	st.pack_gap_us = 1500;
	ck_assert_str_eq(enc(&f, &st), "2");
	st.pack_gap_us = -1;				/* 4 characters at 115200: 0.35 ms */
	ck_assert_str_eq(enc(&f, &st), "0");
}
END_TEST

/* V.250 §6.2.11: every format code, both ways. */
START_TEST(test_codec_icf)
{
	static const struct { const char *fmt, *par, *bits, *stop, *parity, *back; } r[] = {
		{ "1", "0", "8", "2", "NONE", "1,3" },
		{ "2", "0", "8", "1", "ODD", "2,0" },
		{ "2", "1", "8", "1", "EVEN", "2,1" },
		{ "2", "2", "8", "1", "MARK", "2,2" },
		{ "2", "3", "8", "1", "SPACE", "2,3" },
		{ "3", "3", "8", "1", "NONE", "3,3" },
		{ "4", "1", "7", "2", "NONE", "4,3" },
		{ "5", "1", "7", "1", "EVEN", "5,1" },
		{ "6", "0", "7", "1", "NONE", "6,3" },
	};
	const struct at_field f = {
		{ "serial.data_bits", "serial.stop_bits", "serial.parity" }, &at_codec_icf, NULL,
	};
	struct setting_ref refs[3] = {
		settings_find("serial.data_bits"), settings_find("serial.stop_bits"),
		settings_find("serial.parity"),
	};
	char out[3][AT_TEXT_MAX];
	struct settings st;

	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		const char *t[3] = { out[0], out[1], out[2] };

		ck_assert_int_eq(dec(&f, r[i].fmt, r[i].par, out), 0);
		ck_assert_str_eq(out[0], r[i].bits);
		ck_assert_str_eq(out[1], r[i].stop);
		ck_assert_str_eq(out[2], r[i].parity);
		settings_defaults(&st, PERS_721);
		ck_assert_int_eq(settings_set_many(&st, refs, t, 3, SET_CONFIG, NULL, 0), 0);
		ck_assert_str_eq(enc(&f, &st), r[i].back);
	}
	ck_assert_int_lt(dec(&f, "0", "3", out), 0);
	ck_assert_int_lt(dec(&f, "7", "3", out), 0);
	ck_assert_int_lt(dec(&f, "3", "4", out), 0);
	ck_assert_int_lt(dec(&f, "33", "3", out), 0);
	ck_assert_int_lt(dec(&f, "a", "3", out), 0);
	ck_assert_int_lt(dec(&f, "3", "", out), 0);
	/* Line settings without a code show format 0. */
	settings_defaults(&st, PERS_721);
	st.data_bits = 5;
	ck_assert_str_eq(enc(&f, &st), "0,3");
}
END_TEST

START_TEST(test_codec_spell)
{
	static const struct at_spelling mask = { 0, { { "MARK", "MASK" }, { NULL, NULL } } };
	static const struct at_spelling digits = {
		1, { { "off", "0" }, { "on", "1" }, { NULL, NULL } },
	};
	const struct at_field par = { { "serial.parity" }, &at_codec_spell, &mask };
	const struct at_field echo = { { "console.echo" }, &at_codec_spell, &digits };
	char out[3][AT_TEXT_MAX], t[64];
	struct settings st;

	ck_assert_int_eq(dec(&par, "MASK", NULL, out), 0);
	ck_assert_str_eq(out[0], "MARK");
	ck_assert_int_eq(dec(&par, "mask", NULL, out), 0);
	ck_assert_str_eq(out[0], "MARK");
	ck_assert_int_eq(dec(&par, "EVEN", NULL, out), 0);	/* not spelled: as given */
	ck_assert_str_eq(out[0], "EVEN");
	settings_defaults(&st, PERS_30X);
	st.parity = PARITY_MARK;
	ck_assert_str_eq(enc(&par, &st), "MASK");
	st.parity = PARITY_SPACE;
	ck_assert_str_eq(enc(&par, &st), "SPACE");
	par.codec->test(&par, PERS_30X, t, sizeof(t));
	ck_assert_str_eq(t, "(\"NONE\",\"ODD\",\"EVEN\",\"MASK\",\"SPACE\")");
	ck_assert_int_eq(dec(&echo, "1", NULL, out), 0);
	ck_assert_str_eq(out[0], "on");
	ck_assert_int_eq(dec(&echo, "0", NULL, out), 0);
	ck_assert_str_eq(out[0], "off");
	ck_assert_int_lt(dec(&echo, "2", NULL, out), 0);
	ck_assert_int_lt(dec(&echo, "on", NULL, out), 0);	/* strict */
	ck_assert_int_lt(dec(&echo, "", NULL, out), 0);
	st.echo = 1;
	ck_assert_str_eq(enc(&echo, &st), "1");
	echo.codec->test(&echo, PERS_721, t, sizeof(t));
	ck_assert_str_eq(t, "(0,1)");
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
	tcase_add_test(tc, test_721_effects);
	tcase_add_test(tc, test_pending);
	tcase_add_test(tc, test_basic_rows);
	tcase_add_test(tc, test_value_lines);
	tcase_add_test(tc, test_submit);
	tcase_add_test(tc, test_codec_hex);
	tcase_add_test(tc, test_codec_ms);
	tcase_add_test(tc, test_codec_icf);
	tcase_add_test(tc, test_codec_spell);
	suite_add_tcase(s, tc);
	return s;
}
