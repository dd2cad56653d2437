/* Fuzzes the AT parser and dispatcher (src/at.c) and both dialects
 * (src/at-30x.c, src/at-721.c) through a fake struct at_host that behaves
 * as the instance does: sets are all or nothing, saving may fail, restarts,
 * AT+RELD/AT+CIRELOAD and AT+CISHUTDOWN are counted. Besides memory errors
 * it checks that every command line gets exactly one well-formed reply in
 * its dialect (PROTOCOLS.md §3, §4), that the reply is an error exactly
 * when at_dispatch() says so, that an error changes no setting, that
 * command mode is never left while shut down, and that the settings stay
 * valid (fuzz_check_settings) whatever was set.
 *
 * Input: one byte of flags (personality, SOCKLK answer, saving fails, the
 * 721 dialect),
 * then command lines separated by '\n'; a line may be longer than the
 * console's cap, which at_dispatch() must answer with the format error. */
#include "config.h"

#include <errno.h>

#include "at.h"
#include "fuzz.h"

#define REPLY_MAX 8192

struct fake {
	struct settings cur, base;
	int connected;
	int save_fails;
	int shut_down;
	unsigned restarts, reloads, entms;
	char out[REPLY_MAX];
	size_t nout;
	int overflowed;
	int changed;		/* the settings changed: check them again */
};

static const struct settings *
f_settings(void *h)
{
	return &((struct fake *)h)->cur;
}

/* As the instance: edit replaces the settings in memory, save may fail. */
static void
f_edit(void *h, const struct settings *st)
{
	struct fake *f = h;

	f->cur = *st;
	f->changed = 1;
}

static int
f_save(void *h, const struct settings *st)
{
	return ((struct fake *)h)->save_fails ? -EROFS : 0;
}

static void
f_restart(void *h, const char *why)
{
	((struct fake *)h)->restarts++;
	((struct fake *)h)->shut_down = 0;
}

static int
f_restore_defaults(void *h)
{
	struct fake *f = h;

	if (f->save_fails)
		return -EROFS;
	f->cur = f->base;
	f->reloads++;
	f->changed = 1;
	return 0;
}

static int
f_connected(void *h)
{
	return ((struct fake *)h)->connected;
}

static void
f_host_mac(void *h, char out[13])
{
	memcpy(out, "0200DEADBEEF", 13);
}

/* The 721's: shut down until a restart; links up by the flags. */
static void
f_shutdown(void *h)
{
	((struct fake *)h)->shut_down = 1;
}

static int
f_shut_down(void *h)
{
	return ((struct fake *)h)->shut_down;
}

static int
f_link_connected(void *h, int i)
{
	FUZZ_CHECK(i >= 0 && i < LINKS_MAX, "link %d", i);
	return ((struct fake *)h)->connected && (i & 1);
}

static void
f_host_ipv4(void *h, char out[16])
{
	memcpy(out, "192.0.2.1", 10);
}

static const struct at_host fake_host = {
	.settings = f_settings,
	.edit = f_edit,
	.save = f_save,
	.restart = f_restart,
	.restore_defaults = f_restore_defaults,
	.connected = f_connected,
	.host_mac = f_host_mac,
	.shutdown = f_shutdown,
	.shut_down = f_shut_down,
	.link_connected = f_link_connected,
	.host_ipv4 = f_host_ipv4,
};

static void
s_write(void *arg, const char *d, size_t n)
{
	struct fake *f = arg;

	if (f->nout + n > REPLY_MAX) {
		f->overflowed = 1;
		return;
	}
	memcpy(f->out + f->nout, d, n);
	f->nout += n;
}

static void
s_entm(void *arg)
{
	((struct fake *)arg)->entms++;
}

/* One 30X reply: "\r\n+OK\r\n", "\r\n+OK=<value>\r\n" or "\r\n+ERR=<n>\r\n". */
static void
check_reply(const struct fake *f, int rc)
{
	const char *o = f->out;
	size_t n = f->nout;

	FUZZ_CHECK(!f->overflowed, "reply longer than %d bytes", REPLY_MAX);
	FUZZ_CHECK(n >= 7 && memcmp(o, "\r\n+", 3) == 0 && memcmp(o + n - 2, "\r\n", 2) == 0,
	    "malformed reply '%.*s'", (int)n, o);
	if (rc < 0) {
		char want[16];
		int w = snprintf(want, sizeof(want), "\r\n+ERR=%d\r\n", rc);

		FUZZ_CHECK(rc >= AT_ERR_PERM, "error code %d", rc);
		FUZZ_CHECK((size_t)w == n && memcmp(o, want, n) == 0,
		    "rc %d but reply '%.*s'", rc, (int)n, o);
		return;
	}
	FUZZ_CHECK(rc == AT_DONE, "rc %d: nothing pends in the 30X dialect", rc);
	FUZZ_CHECK(memcmp(o, "\r\n+OK", 5) == 0, "success but reply '%.*s'", (int)n, o);
	if (n > 7) {
		FUZZ_CHECK(o[5] == '=', "reply '%.*s'", (int)n, o);
		/* The value is one line, or the lines of AT+H joined by CR LF. */
		for (size_t i = 6; i + 2 < n; i++)
			FUZZ_CHECK(o[i] != '\r' || (i + 1 < n - 2 && o[i + 1] == '\n'),
			    "bare CR inside a value");
	}
}

/* One V.250 reply: "\r\nERROR\r\n", or value lines then "\r\nOK\r\n". */
static void
check_reply_721(const struct fake *f, int rc)
{
	const char *o = f->out;
	size_t n = f->nout;

	FUZZ_CHECK(!f->overflowed, "reply longer than %d bytes", REPLY_MAX);
	if (rc < 0) {
		FUZZ_CHECK(n == 9 && memcmp(o, "\r\nERROR\r\n", 9) == 0,
		    "rc %d but reply '%.*s'", rc, (int)n, o);
		return;
	}
	FUZZ_CHECK(rc == AT_DONE, "rc %d: nothing pends here", rc);
	FUZZ_CHECK(n >= 6 && memcmp(o + n - 6, "\r\nOK\r\n", 6) == 0,
	    "success but reply '%.*s'", (int)n, o);
	FUZZ_CHECK(n == 6 || (n > 10 && memcmp(o, "\r\n", 2) == 0 &&
	    memcmp(o + n - 8, "\r\n", 2) == 0), "malformed value lines '%.*s'", (int)n, o);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fake f;
	struct fuzz_in in = { data, size };
	uint8_t flags = fuzz_byte(&in);
	static struct at_session s;

	memset(&f, 0, sizeof(f));
	settings_defaults(&f.base, (flags & 1) ? PERS_721 : PERS_30X);
	f.cur = f.base;
	f.connected = (flags >> 1) & 1;
	f.save_fails = ((flags >> 2) & 7) == 7;
	at_session_init(&s, &fake_host, &f, s_write, s_entm, NULL, &f);
	/* Bit 5: the 721's dialect (V.250 replies, basic commands, =?) over
	 * the 30X's settings too; the 721 personality has it anyway. */
	if (flags & 0x20)
		s.dialect = &at_dialect_721;
	while (in.n) {
		const uint8_t *nl = memchr(in.p, '\n', in.n);
		size_t len = nl ? (size_t)(nl - in.p) : in.n;
		const uint8_t *line;
		unsigned restarts = f.restarts, entms = f.entms;
		int shut = f.shut_down, rc;

		fuzz_take(&in, len, &line);
		fuzz_byte(&in);		/* the '\n' */
		f.nout = 0;
		f.overflowed = 0;
		/* The console passes at most its cap and says when it cut. */
		rc = at_dispatch(&s, (const char *)line, len > AT_LINE_MAX ? AT_LINE_MAX : len,
		    len > AT_LINE_MAX);
		if ((s.dialect ? s.dialect : at_dialect_for((enum personality)f.cur.personality)) ==
		    &at_dialect_721)
			check_reply_721(&f, rc);
		else
			check_reply(&f, rc);
		FUZZ_CHECK(!at_busy(&s), "a request left in flight");
		FUZZ_CHECK(rc == 0 || f.restarts == restarts, "restart after an error");
		FUZZ_CHECK(rc == 0 || !f.changed, "settings changed by an error");
		FUZZ_CHECK(f.entms == entms || (rc == 0 && !shut),
		    "command mode left after an error or while shut down");
		if (f.changed)
			fuzz_check_settings(&f.cur);
		f.changed = 0;
	}
	return 0;
}
