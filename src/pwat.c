/* Password-AT frame detection (PROTOCOLS.md §4 "Password AT"). */
#include "config.h"

#include <string.h>

#include "at.h"
#include "pwat.h"

enum pwat_kind
pwat_match(const char *password, const uint8_t *d, size_t n, const char **line, size_t *len)
{
	size_t pl = strlen(password), end = n;
	const uint8_t *at;

	*line = NULL;
	*len = 0;
	if (pl == 0 || n < pl + 2 || memcmp(d, password, pl) != 0)
		return PWAT_DATA;
	at = d + pl;
	if ((at[0] != 'A' && at[0] != 'a') || (at[1] != 'T' && at[1] != 't'))
		return PWAT_DATA;
	/* The line ending of §1 (CR, LF, CR LF, LF CR) and any more of them. */
	while (end > pl && (d[end - 1] == '\r' || d[end - 1] == '\n'))
		end--;
	if (end - pl > AT_LINE_MAX || memchr(at, '\r', end - pl) || memchr(at, '\n', end - pl) ||
	    memchr(at, '\0', end - pl))
		return PWAT_MALFORMED;
	*line = (const char *)at;
	*len = end - pl;
	return PWAT_COMMAND;
}
