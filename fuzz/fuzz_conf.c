/* Fuzzes config-file loading (src/conf.c over libconfig): the input is
 * loaded as a config file (conf_load_string) and as a state file
 * (conf_load_state, through a memfd). Besides memory errors it checks that
 * an error leaves the settings untouched and says where, that whatever
 * loads is valid (fuzz_check_settings), and that the state file written
 * for loaded settings (conf_state_text) reads back to the same settings:
 * the saver and the loader agree. */
#include "config.h"

#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "conf.h"
#include "fuzz.h"

#define TEXT_MAX 16384
#define STATE_MAX 65536

static int memfd = -1;
static char memfd_path[64];

/* Replaces the memfd's contents; the loader reads it by path. */
static void
put_file(const char *text, size_t n)
{
	FUZZ_CHECK(ftruncate(memfd, 0) == 0 && pwrite(memfd, text, n, 0) == (ssize_t)n,
	    "memfd: %s", strerror(errno));
}

static void
check_error(const struct conf_error *err, int r)
{
	char msg[700];

	FUZZ_CHECK(r == -EINVAL || r == -ENOENT, "returned %d", r);
	FUZZ_CHECK(memchr(err->msg, '\0', sizeof(err->msg)) && err->msg[0],
	    "error without a message");
	FUZZ_CHECK(memchr(err->file, '\0', sizeof(err->file)), "file name not terminated");
	conf_error_format(err, msg, sizeof(msg));
}

/* Only the state-file rows may differ: a state file cannot touch others. */
static void
check_same_settings(const struct settings *a, const struct settings *b)
{
	for (struct setting_ref ref = { NULL, 0 }; settings_next(&ref);)
		FUZZ_CHECK(settings_equal(a, b, ref), "%s differs after the state round trip",
		    ref.s->key);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	memfd = memfd_create("fuzz-conf", MFD_CLOEXEC);
	FUZZ_CHECK(memfd >= 0, "memfd_create: %s", strerror(errno));
	snprintf(memfd_path, sizeof(memfd_path), "/proc/self/fd/%d", memfd);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[TEXT_MAX + 1], state[STATE_MAX];
	struct settings st, before, def, back;
	struct conf_error err;
	size_t n;
	int r;

	if (size > TEXT_MAX)
		size = TEXT_MAX;
	memcpy(text, data, size);
	text[size] = '\0';
	/* libconfig opens the file an @include names, even from a string: the
	 * fuzzer must not wander the file system (/dev/zero, /dev/stdin). */
	if (strstr(text, "@include"))
		return 0;

	/* As a config file. */
	memset(&st, 0x5a, sizeof(st));
	before = st;
	memset(&err, 0, sizeof(err));
	r = conf_load_string(text, "fuzz.conf", &st, &err);
	if (r < 0) {
		check_error(&err, r);
		FUZZ_CHECK(memcmp(&st, &before, sizeof(st)) == 0, "failed load changed *out");
	} else {
		FUZZ_CHECK(r == 0, "returned %d", r);
		fuzz_check_settings(&st);
		/* The state file for these settings reads back to them. */
		settings_defaults(&def, (enum personality)st.personality);
		n = conf_state_text(&st, &def, state, sizeof(state));
		FUZZ_CHECK(n < sizeof(state), "state text of %zu bytes", n);
		put_file(state, n);
		back = def;
		r = conf_load_state(memfd_path, &back, &err);
		FUZZ_CHECK(r == 0, "own state file does not load: %s:%d: %s\n%s", err.file,
		    err.line, err.msg, state);
		for (struct setting_ref ref = { NULL, 0 }; settings_next(&ref);)
			if (ref.s->flags & S_PERSIST)
				FUZZ_CHECK(settings_equal(&back, &st, ref),
				    "%s: saved and loaded differ\n%s", ref.s->key, state);
	}

	/* As a state file over each personality's defaults. */
	for (int p = 0; p < PERS_COUNT; p++) {
		settings_defaults(&st, (enum personality)p);
		before = st;
		put_file(text, size);
		r = conf_load_state(memfd_path, &st, &err);
		if (r < 0) {
			check_error(&err, r);
			check_same_settings(&st, &before);
			continue;
		}
		fuzz_check_settings(&st);
		FUZZ_CHECK(st.personality == p, "a state file changed the personality");
		for (struct setting_ref ref = { NULL, 0 }; settings_next(&ref);)
			FUZZ_CHECK((ref.s->flags & S_PERSIST) || settings_equal(&st, &before, ref),
			    "state file changed %s", ref.s->key);
	}
	return 0;
}
