/* Build tool: writes usrbridged.conf(5) from man/usrbridged.conf.5.in with the
 * line "@SETTINGS@" replaced by one mdoc entry per row of the settings table
 * (type, bounds, defaults per personality, AT commands, when it applies), so
 * the page cannot drift from the code. "settings-doc --keys" prints every
 * key, one per line, for the test that checks the installed page. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "at.h"
#include "settings.h"
#include "util.h"

/* A text line: no roff escapes, no control character at its start. */
static void
text(const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", stdout);
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", stdout);
		else
			putchar(*s);
	}
}

/* Sentences on lines of their own (mdoc: new sentence, new line). */
static void
sentences(const char *s)
{
	char buf[512];
	char *p, *q;

	util_strlcpy(buf, s, sizeof(buf));
	for (p = buf; *p; p = q) {
		q = strstr(p, ". ");
		if (q) {
			q[1] = '\0';
			q += 2;
		} else {
			q = p + strlen(p);
		}
		text(p);
		putchar('\n');
	}
}

/* A quoted macro argument. */
static void
arg(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"')
			fputs("\\(dq", stdout);
		else if (*s == '\\')
			fputs("\\e", stdout);
		else
			putchar(*s);
	}
	putchar('"');
}

/* "<lead> `v`<tail>" with v as a literal; tail is punctuation. */
static void
value(const char *lead, const char *v, const char *tail)
{
	if (!*v) {
		printf("%s the empty string%s\n", lead, tail);
		return;
	}
	printf("%s\n.Ql ", lead);
	arg(v);
	printf(" %s\n", tail);
}

static void
type_line(const struct setting *s)
{
	switch (s->type) {
	case ST_BOOL:
	case ST_ENUM:
		printf("One of");
		for (int i = 0; s->choices[i]; i++)
			printf("%s %s", i == 0 ? "" : s->choices[i + 1] ? "," : " or", s->choices[i]);
		printf("%s.\n", s->type == ST_BOOL ? " (or a libconfig boolean)" : "");
		break;
	case ST_INT:
		printf("An integer from %ld to %ld%s.\n", s->min, s->max,
		    s->flags & S_ZERO_OK ? ", or 0" : "");
		break;
	case ST_STRING:
		if (s->min == s->max)
			printf("A string of %ld bytes%s.\n", s->max,
			    s->flags & S_EMPTY_OK ? ", or empty" : "");
		else
			printf("A string of %ld to %ld bytes%s.\n",
			    s->flags & S_EMPTY_OK ? 0 : s->min, s->max, "");
		break;
	case ST_IPV4:
		printf("An IPv4 address.\n");
		break;
	case ST_HOST:
		printf("An IPv4 or IPv6 address or a host name.\n");
		break;
	case ST_MAC:
		printf("12 hexadecimal digits%s.\n", s->flags & S_EMPTY_OK ? ", or empty" : "");
		break;
	case ST_BYTES:
		printf("%ld to %ld bytes of any value, as a string in which a backslash is "
		    "written\n.Ql \\e\\e\n(in the file:\n.Ql \\e\\e\\e\\e )\nand any other "
		    "byte may be written\n.Ql \\exNN\n(in the file:\n.Ql \\e\\exNN ) ,\n"
		    "or as an array of integers from 0 to 255.\n", s->min, s->max);
		break;
	case ST_PHONE:
		printf("A telephone number of up to %ld digits, with an optional leading\n"
		    ".Ql + .\n", s->max);
		break;
	case ST_LIST:
		printf("Addresses or networks in CIDR notation, as an array of strings or "
		    "one comma-separated string.\n");
		break;
	}
}

/* Every AT command (of the dialects of the personalities the row applies
 * to) that reads or writes the row. */
static void
at_line(struct setting_ref s)
{
	char key[SETTINGS_KEY_MAX];
	const struct at_dialect *seen[PERS_COUNT];
	int nseen = 0, n = 0;

	for (int p = 0; p < PERS_COUNT; p++) {
		const struct at_dialect *d = at_dialect_for((enum personality)p);
		int dup = 0;

		if (!settings_applies(s, (enum personality)p))
			continue;
		for (int k = 0; k < nseen; k++)
			dup |= seen[k] == d;
		if (dup)
			continue;
		seen[nseen++] = d;
		settings_key(s, key, sizeof(key));
		for (const struct at_cmd *c = NULL; (c = at_next_for_key(d, key, c));)
			printf("%s.Ql AT+%s", n++ ? " ,\n" : "AT command:\n", c->name);
	}
	if (n)
		printf(" .\n");
}

static void
entry(struct setting_ref r)
{
	const struct setting *s = r.s;
	int both = settings_applies(r, PERS_30X) && settings_applies(r, PERS_721);
	const char *d30 = settings_default(r, PERS_30X), *d721 = settings_default(r, PERS_721);
	char key[SETTINGS_KEY_MAX];

	printf(".It Ic %s\n", settings_key(r, key, sizeof(key)));
	sentences(s->help);
	type_line(s);
	if (strcmp(s->key, "personality") == 0) {
		value("Default:", personality_name(PERS_30X), ".");
	} else if (!both || strcmp(d30, d721) == 0) {
		value("Default:", settings_applies(r, PERS_30X) ? d30 : d721, ".");
	} else {
		value("Default for tcp232-30x:", d30, ",");
		value("for gprs232-721:", d721, ".");
	}
	if (!both)
		printf("Used by %s only.\n", settings_applies(r, PERS_30X) ?
		    "the tcp232-30x personality" : "the gprs232-721 personality");
	at_line(r);
	if (!(s->flags & S_PERSIST) ||
	    (!settings_at_visible(r, PERS_30X) && !settings_at_visible(r, PERS_721)))
		printf("Only in the configuration file; read at start and by\n"
		    ".Cm reload .\n");
	else
		printf("Also set with\n.Xr usrbridgectl 1\nand the web page, and saved in the "
		    "state file;\ntakes effect %s.\n", s->flags & S_RESTART ?
		    "at the next restart" : "at once");
	if (s->flags & S_SECRET)
		printf("Never shown on the web page.\n");
}

static void
settings_section(void)
{
	/* Top-level keys first (top_level()), then one subsection per group
	 * in order of first appearance. */
	for (struct setting_ref g = { NULL, 0 }; settings_next(&g);) {
		char key[SETTINGS_KEY_MAX];

		if (!settings_group_starts(g))
			continue;
		printf(".Ss %.*s\n.Bl -tag -width Ds\n", (int)settings_group_len(g),
		    settings_key(g, key, sizeof(key)));
		for (struct setting_ref s = g; s.s; settings_next(&s))
			if (settings_same_group(s, g))
				entry(s);
		printf(".El\n");
	}
}

static void
top_level(void)
{
	printf(".Bl -tag -width Ds\n");
	for (struct setting_ref s = { NULL, 0 }; settings_next(&s);)
		if (!strchr(s.s->key, '.'))
			entry(s);
	printf(".El\n");
}

int
main(int argc, char **argv)
{
	char line[1024];
	FILE *in;

	if (argc == 2 && strcmp(argv[1], "--keys") == 0) {
		char key[SETTINGS_KEY_MAX];

		for (struct setting_ref s = { NULL, 0 }; settings_next(&s);)
			printf("%s\n", settings_key(s, key, sizeof(key)));
		return 0;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: settings-doc TEMPLATE | --keys\n");
		return 2;
	}
	in = fopen(argv[1], "r");
	if (!in) {
		perror(argv[1]);
		return 1;
	}
	while (fgets(line, sizeof(line), in)) {
		if (strcmp(line, "@TOPLEVEL@\n") == 0)
			top_level();
		else if (strcmp(line, "@SETTINGS@\n") == 0)
			settings_section();
		else
			fputs(line, stdout);
	}
	fclose(in);
	return ferror(stdout) || fflush(stdout) ? 1 : 0;
}
