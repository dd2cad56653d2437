/* What every libFuzzer target in fuzz/ shares: taking structured values
 * from the fuzzer's bytes, a fatal check that libFuzzer reports as a crash,
 * and the settings invariant (every row's value survives format -> parse).
 * A new target (the baud-sync decoder, HTTP responses, ...) is one file
 * fuzz/fuzz_<name>.c that includes this header and defines
 * LLVMFuzzerTestOneInput, plus its lines in Makefile.am, a seed corpus in
 * fuzz/corpus/<name>/ and optionally fuzz/<name>.dict; tools/check.d/fuzz
 * finds and runs it by that name. */
#ifndef USRB_FUZZ_H
#define USRB_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A failed invariant: libFuzzer saves the input and the run fails. */
#define FUZZ_CHECK(cond, ...)							\
	do {									\
		if (!(cond)) {							\
			fprintf(stderr, "fuzz check failed at %s:%d: %s: ",	\
			    __FILE__, __LINE__, #cond);				\
			fprintf(stderr, __VA_ARGS__);				\
			fputc('\n', stderr);					\
			abort();						\
		}								\
	} while (0)

/* The fuzzer's bytes, consumed from the front. */
struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

static inline uint8_t
fuzz_byte(struct fuzz_in *in)
{
	uint8_t b = 0;

	if (in->n) {
		b = *in->p++;
		in->n--;
	}
	return b;
}

/* Up to max bytes (fewer at the end of the input); returns the count. */
static inline size_t
fuzz_take(struct fuzz_in *in, size_t max, const uint8_t **out)
{
	size_t n = max < in->n ? max : in->n;

	*out = in->p;
	in->p += n;
	in->n -= n;
	return n;
}

/* Quiet: the parsers log bad input, which is the fuzzer's normal case. */
static inline void
fuzz_quiet(void)
{
	log_open("fuzz", 1, LOG_LVL_ERR);
}

/* Every row's value formats to text that parses back to the same value:
 * whatever a parser stored is something the config saver, AT queries and
 * the web form can show and read back. */
static inline void
fuzz_check_settings(const struct settings *st)
{
	static struct settings copy;

	FUZZ_CHECK(st->personality >= 0 && st->personality < PERS_COUNT, "personality %d",
	    st->personality);
	copy = *st;
	for (struct setting_ref ref = { NULL, 0 }; settings_next(&ref);) {
		const struct setting *s = ref.s;
		size_t off = settings_offset(ref);
		char text[1100], why[160];
		size_t n;
		int r;

		if (s->type == ST_STRING || s->type == ST_IPV4 || s->type == ST_HOST ||
		    s->type == ST_MAC || s->type == ST_LIST)
			FUZZ_CHECK(memchr((const char *)st + off, '\0', s->size) != NULL,
			    "%s: not terminated in its storage", s->key);
		n = settings_format(st, ref, text, sizeof(text));
		FUZZ_CHECK(n < sizeof(text), "%s: %zu bytes formatted", s->key, n);
		r = settings_set(&copy, ref, text, why, sizeof(why));
		FUZZ_CHECK(r == 0, "%s: stored value '%s' does not parse back: %s", s->key, text,
		    why);
		FUZZ_CHECK(settings_equal(&copy, st, ref), "%s: '%s' parses to another value",
		    s->key, text);
		/* Back to st's bytes for the next row (one copy, not one per row). */
		memcpy((char *)&copy + off, (const char *)st + off, s->size);
	}
}

#endif
