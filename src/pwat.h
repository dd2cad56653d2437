/* Password AT (PROTOCOLS.md §4, seed 003 §3.1.2-3.1.3): a frame that starts
 * with the command password immediately followed by "AT" is a command for
 * the DTU, not data. Pure: the detection only, table-tested; running the
 * command and routing its reply is dtu.c's. */
#ifndef USRB_PWAT_H
#define USRB_PWAT_H

#include <stddef.h>
#include <stdint.h>

enum pwat_kind {
	PWAT_DATA,		/* not a password-AT frame: forwarded unchanged */
	PWAT_COMMAND,		/* one command line: run it */
	PWAT_MALFORMED,		/* password and "AT", but no runnable line: ERROR */
};

/* Looks at one frame d[0..n) (a packer frame, one network read or
 * datagram). The password must match exactly (case-sensitive) and be
 * followed at once by "AT" in any case (PROTOCOLS.md §1: names are
 * case-insensitive). One command per frame: line endings (CR, LF, any run
 * of them) at the end are dropped; a line ending followed by more text, a
 * NUL byte, or a line longer than AT_LINE_MAX makes the frame
 * PWAT_MALFORMED. For PWAT_COMMAND, *line and *len give the command line
 * ("AT..." inside d, without its line ending). An empty password matches
 * nothing. */
enum pwat_kind pwat_match(const char *password, const uint8_t *d, size_t n,
    const char **line, size_t *len);

#endif
