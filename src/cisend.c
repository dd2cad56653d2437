/* AT+CISEND's data phase (cisend.h). */
#include "config.h"

#include <string.h>

#include "cisend.h"

void
cisend_begin(struct cisend *c)
{
	c->len = 0;
	c->overflow = 0;
}

enum cisend_event
cisend_feed(struct cisend *c, const uint8_t *d, size_t n, size_t *used)
{
	size_t i;

	for (i = 0; i < n && d[i] != CISEND_CTRL_Z && d[i] != CISEND_ESC; i++)
		;
	if (c->len + i > sizeof(c->buf)) {
		c->overflow = 1;
		memcpy(c->buf + c->len, d, sizeof(c->buf) - c->len);
		c->len = sizeof(c->buf);
	} else {
		memcpy(c->buf + c->len, d, i);
		c->len += i;
	}
	if (i == n) {
		*used = n;
		return CISEND_MORE;
	}
	*used = i + 1;
	return d[i] == CISEND_CTRL_Z ? CISEND_SEND : CISEND_CANCEL;
}

int
cisend_ok(const struct cisend *c)
{
	return c->len > 0 && !c->overflow;
}
