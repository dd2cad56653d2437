/* The modem's part of the status output (status.h): text lines, the JSON
 * member "modem" (usrbridgectl(1) lists its fields) and the web page's
 * summary; then the 721's SMS transparent mode and SMS AT ("sms"). Pure,
 * like status.c. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>

#include "modem-parse.h"
#include "status.h"

/* "home, CSQ 20 (-73 dBm), LAC 00C3, CI 1A2B" */
static void
radio_text(const struct modem_status *m, char *buf, size_t cap)
{
	char sig[48] = "CSQ unknown";

	if (m->csq >= 0 && m->csq <= 31)
		snprintf(sig, sizeof(sig), "CSQ %d (%d dBm)", m->csq, m->dbm);
	snprintf(buf, cap, "%s, %s%s%s%s%s", m->reg < 0 ? "registration unknown" :
	    modem_reg_name(m->reg), sig, m->lac[0] ? ", LAC " : "", m->lac,
	    m->ci[0] ? ", CI " : "", m->ci);
}

void
status_modem_summary(const struct modem_status *m, char *buf, size_t cap)
{
	char radio[128];

	if (!m->configured) {
		snprintf(buf, cap, "none");
		return;
	}
	if (!m->present) {
		snprintf(buf, cap, "%s: %s (%s)", m->device, m->state, m->why);
		return;
	}
	radio_text(m, radio, sizeof(radio));
	snprintf(buf, cap, "%s: IMEI %s, %s, %s; SMS sent %" PRIu64 ", received %" PRIu64
	    ", failed %" PRIu64, m->device, m->imei[0] ? m->imei : "?",
	    m->oper[0] ? m->oper : "operator unknown", radio, m->sms_sent, m->sms_received,
	    m->sms_failed);
}

int
status_modem_text(const struct modem_status *m, struct evbuffer *out)
{
	char radio[128];
	int r = 0;

	if (!m->configured)
		return 0;
	radio_text(m, radio, sizeof(radio));
	r |= evbuffer_add_printf(out, "modem    %s: %s%s%s\n", m->device,
	    m->present ? "present" : "not present", m->why[0] ? ": " : "", m->why) < 0;
	r |= evbuffer_add_printf(out, "         IMEI %s, operator %s, %s\n",
	    m->imei[0] ? m->imei : "unknown", m->oper[0] ? m->oper : "unknown", radio) < 0;
	r |= evbuffer_add_printf(out, "         SMS sent %" PRIu64 ", received %" PRIu64
	    ", failed %" PRIu64 ", not read %" PRIu64 ", queued %u; reopened %u times, "
	    "%u timeouts\n", m->sms_sent, m->sms_received, m->sms_failed, m->sms_read_failed,
	    m->sms_queued, m->reopens, m->timeouts) < 0;
	return r ? -ENOMEM : 0;
}

int
status_modem_json(const struct modem_status *m, struct evbuffer *out)
{
	int r = 0;

	if (!m->configured)
		return evbuffer_add_printf(out, "\"modem\":null,") < 0 ? -ENOMEM : 0;
	r |= evbuffer_add_printf(out, "\"modem\":{\"device\":") < 0;
	r |= status_json_string(out, m->device);
	r |= evbuffer_add_printf(out, ",\"state\":\"%s\",\"present\":%s,\"why\":", m->state,
	    m->present ? "true" : "false") < 0;
	r |= status_json_string(out, m->why);
	r |= evbuffer_add_printf(out, ",\"imei\":") < 0;
	r |= status_json_string(out, m->imei);
	r |= evbuffer_add_printf(out, ",\"operator\":") < 0;
	r |= status_json_string(out, m->oper);
	r |= evbuffer_add_printf(out, ",\"registration\":\"%s\",\"reg_stat\":%d,\"csq\":%d,",
	    m->reg < 0 ? "unknown" : modem_reg_name(m->reg), m->reg, m->csq) < 0;
	if (m->dbm)
		r |= evbuffer_add_printf(out, "\"dbm\":%d,", m->dbm) < 0;
	else
		r |= evbuffer_add_printf(out, "\"dbm\":null,") < 0;
	r |= evbuffer_add_printf(out, "\"lac\":\"%s\",\"ci\":\"%s\",\"sms_sent\":%" PRIu64
	    ",\"sms_received\":%" PRIu64 ",\"sms_failed\":%" PRIu64 ",\"sms_read_failed\":%"
	    PRIu64 ",\"sms_queued\":%u,\"reopens\":%u,\"timeouts\":%u},", m->lac, m->ci,
	    m->sms_sent, m->sms_received, m->sms_failed, m->sms_read_failed, m->sms_queued,
	    m->reopens, m->timeouts) < 0;
	return r ? -ENOMEM : 0;
}

int
status_sms_text(const struct sms_status *s, struct evbuffer *out)
{
	int r = 0;

	if (!s->shown)
		return 0;
	if (s->mode_on)
		r |= evbuffer_add_printf(out, "sms      transparent mode (CIMOD=4) with %s%s%s\n",
		    s->number[0] ? s->number : "(no CIPNUM)", s->why[0] ? ": " : "",
		    s->why) < 0;
	r |= evbuffer_add_printf(out, "%s frames as SMS %" PRIu64 ", failed %" PRIu64
	    ", dropped %" PRIu64 "; SMS to the serial line %" PRIu64 " (%" PRIu64 " B), "
	    "dropped %" PRIu64 " from other numbers, %" PRIu64 " outside CIMOD=4\n",
	    s->mode_on ? "        " : "sms     ", s->frames_sent, s->frames_failed,
	    s->frames_dropped, s->to_serial, s->to_serial_bytes, s->from_others,
	    s->not_sms_mode) < 0;
	r |= evbuffer_add_printf(out, "         SMS AT: %" PRIu64 " run, %" PRIu64 " refused, %"
	    PRIu64 " replies sent, %" PRIu64 " not sent\n", s->at_run, s->at_refused,
	    s->at_replied, s->at_reply_failed) < 0;
	return r ? -ENOMEM : 0;
}

int
status_sms_json(const struct sms_status *s, struct evbuffer *out)
{
	int r = 0;

	if (!s->shown)
		return 0;
	r |= evbuffer_add_printf(out, "\"sms\":{\"mode\":%s,\"number\":",
	    s->mode_on ? "true" : "false") < 0;
	r |= status_json_string(out, s->number);
	r |= evbuffer_add_printf(out, ",\"why\":") < 0;
	r |= status_json_string(out, s->why);
	r |= evbuffer_add_printf(out, ",\"frames_sent\":%" PRIu64 ",\"frames_failed\":%" PRIu64
	    ",\"frames_dropped\":%" PRIu64 ",\"to_serial\":%" PRIu64 ",\"to_serial_bytes\":%"
	    PRIu64 ",\"from_others\":%" PRIu64 ",\"not_sms_mode\":%" PRIu64 ",\"at_run\":%"
	    PRIu64 ",\"at_refused\":%" PRIu64 ",\"at_replied\":%" PRIu64
	    ",\"at_reply_failed\":%" PRIu64 "},", s->frames_sent, s->frames_failed,
	    s->frames_dropped, s->to_serial, s->to_serial_bytes, s->from_others,
	    s->not_sms_mode, s->at_run, s->at_refused, s->at_replied, s->at_reply_failed) < 0;
	return r ? -ENOMEM : 0;
}
