/* Frame mode, AT+CIMOD=1 (framemode.h, PROTOCOLS.md §5): LINK_SEND to one
 * link, LINK_DATA and LINK_STATE to the MCU. A LINK_SEND is not
 * acknowledged when it is taken, as transparent data is not: only one that
 * cannot be sent is answered, with NAK (usrbridged-protocol(7) "Frame
 * mode"). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <event2/buffer.h>

#include "framemode.h"
#include "log.h"
#include "util.h"

/* LINK_STATE has one byte per link of the 721, whatever LINKS_MAX says. */
_Static_assert(LINKS_MAX == 4, "LINK_STATE carries 4 links");

void
framemode_init(struct framemode *f, const struct framemode_ops *ops, void *arg)
{
	memset(f, 0, sizeof(*f));
	f->ops = ops;
	f->arg = arg;
}

static void
send_state(struct framemode *f, const uint8_t up[LINKS_MAX])
{
	for (int i = 0; i < LINKS_MAX; i++)
		f->st.up[i] = up[i] ? 1 : 0;
	f->st.states++;
	frame_emit(FRAME_LINK_STATE, f->st.up, LINKS_MAX, f->ops->write, f->arg);
}

void
framemode_start(struct framemode *f, const uint8_t up[LINKS_MAX])
{
	f->on = 1;
	f->st.running = 1;
	/* Once at the start: the MCU learns where the links are after every
	 * (re)start, AT+CIRESET included. */
	send_state(f, up);
}

void
framemode_stop(struct framemode *f)
{
	f->on = 0;
	f->st.running = 0;
}

int
framemode_on(const struct framemode *f)
{
	return f->on;
}

int
framemode_frame(struct framemode *f, uint8_t cmd, const uint8_t *p, size_t len)
{
	int link, r;

	if (!f->on)
		return -EPERM;
	/* LINK_DATA, LINK_STATE and the replies go to the MCU, never from it. */
	if (cmd != FRAME_LINK_SEND)
		return -EPROTO;
	/* A link byte and at least one byte of data. */
	if (len < 2 || p[0] < 1 || p[0] > LINKS_MAX) {
		f->st.refused++;
		log_debug("frame mode: LINK_SEND of %zu bytes refused (link byte %d)", len,
		    len ? p[0] : -1);
		return -EINVAL;
	}
	/* Not while the line is the AT console's: serial data does not go to
	 * the links in command mode, in frame mode as in transparent mode. */
	if (f->ops->in_command && f->ops->in_command(f->arg)) {
		f->st.refused++;
		log_debug("frame mode: LINK_SEND refused in command mode");
		return -EBUSY;
	}
	link = p[0] - 1;
	r = f->ops->to_link(f->arg, link, p + 1, len - 1);
	if (r < 0) {
		f->st.refused++;
		log_debug("frame mode: LINK_SEND to link%d refused: %s", link + 1, strerror(-r));
		return r;
	}
	f->st.sends++;
	f->st.send_bytes += len - 1;
	return 0;
}

int
framemode_link_data(struct framemode *f, int link, const uint8_t *d, size_t n)
{
	uint8_t p[FRAME_PAYLOAD_MAX];

	if (!f->on)
		return 0;
	if (link < 0 || link >= LINKS_MAX)
		return 1;
	p[0] = (uint8_t)(link + 1);
	while (n > 0) {
		size_t k = MIN(n, (size_t)FRAMEMODE_DATA_MAX);

		memcpy(p + 1, d, k);
		f->st.data++;
		f->st.data_bytes += k;
		frame_emit(FRAME_LINK_DATA, p, k + 1, f->ops->write, f->arg);
		d += k;
		n -= k;
	}
	return 1;
}

void
framemode_links(struct framemode *f, const uint8_t up[LINKS_MAX])
{
	if (!f->on)
		return;
	for (int i = 0; i < LINKS_MAX; i++) {
		if ((up[i] ? 1 : 0) != f->st.up[i]) {
			send_state(f, up);
			return;
		}
	}
}

void
framemode_dropped(struct framemode *f, size_t n)
{
	f->st.dropped += n;
}

int
framemode_status_text(const struct framemode_status *s, struct evbuffer *out)
{
	int r = 0;

	if (!s->shown || !s->running)
		return 0;
	r |= evbuffer_add_printf(out, "frames   links up (last LINK_STATE): %u %u %u %u; "
	    "%" PRIu64 " LINK_STATE sent\n", s->up[0], s->up[1], s->up[2], s->up[3],
	    s->states) < 0;
	r |= evbuffer_add_printf(out, "         LINK_SEND: %" PRIu64 " taken (%" PRIu64 " B), %"
	    PRIu64 " refused (NAK); LINK_DATA: %" PRIu64 " sent (%" PRIu64 " B); %" PRIu64
	    " B that were no frame dropped\n", s->sends, s->send_bytes, s->refused, s->data,
	    s->data_bytes, s->dropped) < 0;
	return r ? -1 : 0;
}

int
framemode_status_json(const struct framemode_status *s, struct evbuffer *out)
{
	if (!s->shown)
		return 0;
	return evbuffer_add_printf(out, "\"frame_mode\":{\"running\":%s,\"links_up\":[%u,%u,%u,%u],"
	    "\"link_state_sent\":%" PRIu64 ",\"link_send\":%" PRIu64 ",\"link_send_bytes\":%"
	    PRIu64 ",\"link_send_refused\":%" PRIu64 ",\"link_data\":%" PRIu64 ","
	    "\"link_data_bytes\":%" PRIu64 ",\"dropped_bytes\":%" PRIu64 "},",
	    s->running ? "true" : "false", s->up[0], s->up[1], s->up[2], s->up[3], s->states,
	    s->sends, s->send_bytes, s->refused, s->data, s->data_bytes, s->dropped) < 0 ? -1 : 0;
}
