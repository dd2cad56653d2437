/* Fuzzes the settings codec (settings_set in src/settings.c): the input,
 * as text, is set on every row of the table in turn. Besides memory errors
 * it checks the codec's contract (settings.h): on error nothing changes;
 * on success only the row's own storage changes, the stored value is
 * terminated inside it, and it formats to text that parses back to the
 * same value. AT, the config and state files, usrbridgectl and the web
 * form all go through this one function. */
#include "config.h"

#include <errno.h>

#include "fuzz.h"

#define TEXT_MAX 4096

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct settings def[PERS_COUNT];
	static int ready;
	char text[TEXT_MAX + 1], why[160];

	if (!ready) {
		for (int p = 0; p < PERS_COUNT; p++)
			settings_defaults(&def[p], (enum personality)p);
		ready = 1;
	}
	if (size > TEXT_MAX)
		size = TEXT_MAX;
	/* Text as a C string: an embedded NUL ends it, as it does for AT. */
	memcpy(text, data, size);
	text[size] = '\0';
	for (struct setting_ref ref = { NULL, 0 }; settings_next(&ref);) {
		const struct setting *s = ref.s;
		size_t i = (size_t)(s - settings_table) + (size_t)ref.link, off = settings_offset(ref);
		enum personality p = (enum personality)(i % PERS_COUNT);
		struct settings st = def[p];
		char out[1100];
		int r;

		why[0] = '\0';
		r = settings_set(&st, ref, text, why, sizeof(why));
		FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ERANGE, "%s: returned %d", s->key, r);
		FUZZ_CHECK(memchr(why, '\0', sizeof(why)) != NULL, "%s: reason not terminated",
		    s->key);
		if (r < 0) {
			FUZZ_CHECK(memcmp(&st, &def[p], sizeof(st)) == 0,
			    "%s: a rejected value changed the settings", s->key);
			FUZZ_CHECK(why[0] != '\0', "%s: rejected without a reason", s->key);
			continue;
		}
		/* Only the row's own storage may change. */
		FUZZ_CHECK(memcmp(&st, &def[p], off) == 0 &&
		    memcmp((const char *)&st + off + s->size,
			(const char *)&def[p] + off + s->size,
			sizeof(st) - off - s->size) == 0,
		    "%s: wrote outside its storage", s->key);
		fuzz_check_settings(&st);
		/* Setting the formatted value again is the identity. */
		settings_format(&st, ref, out, sizeof(out));
		{
			struct settings again = st;

			FUZZ_CHECK(settings_set(&again, ref, out, why, sizeof(why)) == 0 &&
			    memcmp(&again, &st, sizeof(st)) == 0, "%s: '%s' is not a fixed point",
			    s->key, out);
		}
	}
	return 0;
}
