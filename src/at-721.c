/* The USR-GPRS232-721 dialect (PROTOCOLS.md §4), V.250 replies: "\r\nOK\r\n",
 * "\r\nERROR\r\n", "\r\n+CMD: <values>\r\n" then OK; "=?"; basic commands.
 * THE START OF at-721.c: only the formatter and the rows that exercise the
 * dispatcher's mechanisms (ATE0/ATE1, ATW, =?, codecs). The full command
 * table is the next issue; at_dialect_for() does not hand this out yet. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "at.h"
#include "at-721-net.h"
#include "util.h"

/* Value lines, each "+CMD: <value>" (a basic command's without a prefix,
 * V.250 §5.7.2), then "OK"; every error is "ERROR" (seed 003). */
static void
final721(struct at_req *r, int rc)
{
	if (rc < 0) {
		at_puts(r->s, "\r\nERROR\r\n");
		return;
	}
	for (int i = 0; i < r->nvalues; i++) {
		const char *name = r->value_name[i];

		if (!name && r->cmd && !(r->cmd->ops & AT_BASIC))
			name = r->cmd->name;
		at_puts(r->s, i ? "" : "\r\n");
		if (name && *name) {
			at_puts(r->s, "+");
			at_puts(r->s, name);
			at_puts(r->s, ": ");
		}
		at_puts(r->s, r->value[i]);
		at_puts(r->s, "\r\n");
	}
	at_puts(r->s, "\r\nOK\r\n");
}

static void
error_text721(int rc, char *buf, size_t cap)
{
	snprintf(buf, cap, "ERROR");
}

/* ATW: the settings edited in memory become the saved ones (PROTOCOLS.md §4). */
static int
h_w(struct at_req *r)
{
	int rc = r->s->host->save(r->s->h, r->s->host->settings(r->s->h));

	return rc < 0 ? AT_ERR_PERM : AT_DONE;
}

static int
h_civer(struct at_req *r)
{
	at_value(r, r->s->host->settings(r->s->h)->version);
	return AT_DONE;
}

/* ATE0/ATE1 (V.250 §6.2.4): digits over console.echo's off/on. */
static const struct at_spelling echo_digits = {
	1, { { "off", "0" }, { "on", "1" }, { NULL, NULL } },
};

#define F(k) { { k }, NULL, NULL }

/* Sorted by name, basic rows among them (check_at proves it). */
static const struct at_cmd cmds721[] = {
	/* AT command mode (CIMOD=2): at-721-net.c; CISEND sorts below. */
	{ "CICLOSE", at721_ciclose, AT_X, { F(NULL) }, "Close the AT+CIOPEN connection" },
	{ "CIOPEN", at721_ciopen, AT_S, { F(NULL) },
	  "Open a TCP or UDP connection: \"TCP\"|\"UDP\",\"address\",port (CIMOD=2)" },
	{ "CIOPTIME", at_plain, AT_Q | AT_S, { F("dtu.command_idle") },
	  "Query/Set the idle seconds after which command mode returns (0 never)" },
	{ "CIPR", at_plain, AT_Q | AT_S, { F("serial.baud") }, "Query/Set the baud rate" },
	{ "CISEND", at721_cisend, AT_X, { F(NULL) },
	  "Send data on the AT+CIOPEN connection: '>' then data up to Ctrl-Z (CIMOD=2)" },
	{ "CIVER", h_civer, AT_Q, { F(NULL) }, "Query the firmware version" },
	{ "E", at_plain, AT_S | AT_BASIC, { { { "console.echo" }, &at_codec_spell, &echo_digits } },
	  "Echo off (ATE0) or on (ATE1)" },
	{ "ICF", at_plain, AT_Q | AT_S,
	  { { { "serial.data_bits", "serial.stop_bits", "serial.parity" }, &at_codec_icf, NULL } },
	  "Query/Set the character format (V.250 +ICF)" },
	{ "W", h_w, AT_X | AT_BASIC, { F(NULL) }, "Save the settings" },
};

const struct at_dialect at_dialect_721 = {
	.name = "gprs232-721",
	.flags = AT_D_TEST | AT_D_BASIC,
	.cmds = cmds721,
	.ncmds = ARRAY_SIZE(cmds721),
	.final = final721,
	.line = at_line_crlf,
	.error_text = error_text721,
};
