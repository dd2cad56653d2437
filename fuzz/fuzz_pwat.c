/* Fuzzes the 721's detectors of outside input on the data path: password-AT
 * frames (src/pwat.c; a frame comes from the serial line or any network
 * peer) and AT+CISEND's data phase (src/cisend.c). Invariants: a command
 * line lies inside the frame right after the password, starts with "AT",
 * holds no CR, LF or NUL and is at most AT_LINE_MAX bytes; a frame that does
 * not start with the password is data; the data phase never keeps more
 * than CISEND_MAX bytes, consumes at least one byte per call and exactly
 * the bytes up to and including its end mark.
 *
 * Input: one byte, the password's length (0-11), the password, then the
 * frame; the same bytes are then fed to the data phase in reads whose
 * lengths come from the frame itself. */
#include "config.h"

#include "at.h"
#include "cisend.h"
#include "fuzz.h"
#include "pwat.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

static void
check_pwat(const char *pw, const uint8_t *f, size_t n)
{
	const char *line;
	size_t len, pl = strlen(pw);
	enum pwat_kind k = pwat_match(pw, f, n, &line, &len);

	if (pl == 0 || n < pl || memcmp(f, pw, pl) != 0) {
		FUZZ_CHECK(k == PWAT_DATA, "no password but kind %d", k);
		return;
	}
	if (k != PWAT_COMMAND) {
		FUZZ_CHECK(line == NULL, "a line for kind %d", k);
		return;
	}
	FUZZ_CHECK((const uint8_t *)line == f + pl, "line not right after the password");
	FUZZ_CHECK(len >= 2 && len <= AT_LINE_MAX && pl + len <= n, "line of %zu bytes", len);
	FUZZ_CHECK((line[0] == 'A' || line[0] == 'a') && (line[1] == 'T' || line[1] == 't'),
	    "line does not start with AT");
	FUZZ_CHECK(!memchr(line, '\r', len) && !memchr(line, '\n', len) && !memchr(line, 0, len),
	    "CR, LF or NUL in the line");
	for (size_t i = pl + len; i < n; i++)
		FUZZ_CHECK(f[i] == '\r' || f[i] == '\n', "text after the line");
}

static void
check_cisend(const uint8_t *f, size_t n)
{
	static struct cisend cs;
	size_t at = 0;

	cisend_begin(&cs);
	while (at < n) {
		size_t want = 1 + f[at] % 64, used;
		size_t chunk = want < n - at ? want : n - at;
		const uint8_t *end;
		size_t before = cs.len;
		enum cisend_event ev = cisend_feed(&cs, f + at, chunk, &used);

		FUZZ_CHECK(used >= 1 && used <= chunk, "used %zu of %zu", used, chunk);
		FUZZ_CHECK(cs.len <= CISEND_MAX, "kept %zu bytes", cs.len);
		end = NULL;
		for (size_t i = 0; i < chunk && !end; i++)
			if (f[at + i] == CISEND_CTRL_Z || f[at + i] == CISEND_ESC)
				end = f + at + i;
		if (ev == CISEND_MORE) {
			FUZZ_CHECK(!end && used == chunk, "an end mark was passed over");
			FUZZ_CHECK(cs.overflow || cs.len == before + chunk, "bytes lost");
		} else {
			FUZZ_CHECK(end && used == (size_t)(end - (f + at)) + 1, "ended elsewhere");
			FUZZ_CHECK((ev == CISEND_SEND) == (*end == CISEND_CTRL_Z), "wrong event");
			if (cisend_ok(&cs))
				FUZZ_CHECK(cs.len >= 1 && !cs.overflow, "ok but empty or long");
			cisend_begin(&cs);
		}
		at += used;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	const uint8_t *p, *f;
	char pw[12];
	size_t pl = fuzz_take(&in, fuzz_byte(&in) % 12, &p), n;

	memcpy(pw, p, pl);
	pw[pl] = '\0';
	pl = strlen(pw);		/* a NUL in it shortens it, as in the settings */
	n = fuzz_take(&in, in.n, &f);
	check_pwat(pw, f, n);
	check_cisend(f, n);
	return 0;
}
