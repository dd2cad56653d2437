/* Work-mode selection and status (workmode.h). A mode the personality
 * lacks is never silently different: the daemon runs TRANSPARENT, logs it
 * (instance.c) and status says so on every look. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>

#include <event2/buffer.h>

#include "status.h"
#include "workmode.h"

enum work_mode
workmode_pick(const struct personality_desc *d, int requested)
{
	if (requested >= 0 && requested < MODE_COUNT &&
	    personality_has_mode(d, (enum work_mode)requested))
		return (enum work_mode)requested;
	return MODE_TRANSPARENT;
}

const char *
workmode_name(int m)
{
	const struct setting *s = settings_find("dtu.mode").s;

	return s && m >= 0 && m < MODE_COUNT ? s->choices[m] : "?";
}

void
workmode_bridge_settings(enum work_mode m, struct settings *st)
{
	switch (m) {
	case MODE_COMMAND:
	case MODE_SMS:
		for (int i = 0; i < LINKS_MAX; i++)
			st->link[i].enabled = 0;
		/* RTIME watches the links' traffic; with none (the MCU drives
		 * its AT+CIOPEN connection, or the modem carries the data) it
		 * would restart over and over. */
		st->idle_restart = 0;
		break;
	case MODE_HTTPD:
		st->link[0].enabled = 1;
		st->link[0].mode = LINK_HTPC;
		for (int i = 1; i < LINKS_MAX; i++)
			st->link[i].enabled = 0;
		break;
	default:
		break;
	}
}

void
workmode_status_line(const struct workmode_status *w, char *buf, size_t cap)
{
	if (w->requested != w->running)
		snprintf(buf, cap, "%s requested, not available in this version; running %s",
		    workmode_name(w->requested), workmode_name(w->running));
	else
		snprintf(buf, cap, "%s (AT+CIMOD=%d)", workmode_name(w->running), w->running);
}

int
workmode_status_text(const struct workmode_status *w, struct evbuffer *out)
{
	char line[128];
	int r = 0;

	if (!w->shown)
		return 0;
	workmode_status_line(w, line, sizeof(line));
	r |= evbuffer_add_printf(out, "mode     %s\n", line) < 0;
	if (w->running == MODE_COMMAND)
		r |= evbuffer_add_printf(out, "         AT+CIOPEN connection: %s\n",
		    w->conn[0] ? w->conn : "none") < 0;
	r |= evbuffer_add_printf(out, "         password AT: %" PRIu64 " from the serial line, %"
	    PRIu64 " from the network, %" PRIu64 " refused while one ran\n", w->pwat_serial,
	    w->pwat_net, w->pwat_busy) < 0;
	return r ? -1 : 0;
}

int
workmode_status_json(const struct workmode_status *w, struct evbuffer *out)
{
	int r = 0;

	if (!w->shown)
		return 0;
	r |= evbuffer_add_printf(out, "\"work_mode\":{\"running\":\"%s\",\"requested\":\"%s\","
	    "\"available\":%s,\"connection\":", workmode_name(w->running),
	    workmode_name(w->requested), w->requested == w->running ? "true" : "false") < 0;
	r |= status_json_string(out, w->conn);
	r |= evbuffer_add_printf(out, ",\"password_at_serial\":%" PRIu64 ","
	    "\"password_at_network\":%" PRIu64 ",\"password_at_busy\":%" PRIu64 "},",
	    w->pwat_serial, w->pwat_net, w->pwat_busy) < 0;
	return r ? -1 : 0;
}
