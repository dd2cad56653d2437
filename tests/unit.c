/* The unit-test runner: every suite, TAP on stdout (automake's TAP driver
 * counts each case). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "log.h"
#include "unit.h"

const char *
unit_text(struct evbuffer *b)
{
	static char buf[4096];
	size_t n = evbuffer_get_length(b);

	ck_assert_uint_lt(n, sizeof(buf));
	evbuffer_remove(b, buf, n);
	buf[n] = '\0';
	evbuffer_free(b);
	return buf;
}

static void
collect(void *arg, const struct frame_out *o)
{
	struct unit_frames *g = arg;

	if (o->ev != FRAME_OK) {
		g->data += o->nraw;
		return;
	}
	ck_assert_int_lt(g->n, UNIT_FRAMES_MAX);
	g->cmd[g->n] = o->cmd;
	memcpy(g->payload[g->n], o->payload, o->len);
	g->len[g->n] = o->len;
	g->n++;
}

void
unit_frames(const uint8_t *d, size_t n, struct unit_frames *g)
{
	struct frame_dec dec;

	memset(g, 0, sizeof(*g));
	frame_dec_init(&dec);
	frame_dec_push(&dec, d, n, collect, g);
	frame_dec_flush(&dec, collect, g);
}

int
main(void)
{
	SRunner *sr = srunner_create(suite_settings());
	int failed;

	log_open("unit", 1, LOG_LVL_ERR);
	srunner_add_suite(sr, suite_packer());
	srunner_add_suite(sr, suite_personality());
	srunner_add_suite(sr, suite_conf());
	srunner_add_suite(sr, suite_netacl());
	srunner_add_suite(sr, suite_console());
	srunner_add_suite(sr, suite_at());
	srunner_add_suite(sr, suite_at721());
	srunner_add_suite(sr, suite_control());
	srunner_add_suite(sr, suite_status());
	srunner_add_suite(sr, suite_portlock());
	srunner_add_suite(sr, suite_web());
	srunner_add_suite(sr, suite_throttle());
	srunner_add_suite(sr, suite_traffic());
	srunner_add_suite(sr, suite_baudsync());
	srunner_add_suite(sr, suite_bridge());
	srunner_add_suite(sr, suite_cache());
	srunner_add_suite(sr, suite_regpkt());
	srunner_add_suite(sr, suite_htpc_req());
	srunner_add_suite(sr, suite_leds());
	srunner_add_suite(sr, suite_liveness());
	srunner_add_suite(sr, suite_curl_glue());
	srunner_add_suite(sr, suite_frame());
	srunner_add_suite(sr, suite_framemode());
	srunner_add_suite(sr, suite_pwat());
	srunner_add_suite(sr, suite_cisend());
	srunner_add_suite(sr, suite_workmode());
	srunner_add_suite(sr, suite_at721net());
	srunner_add_suite(sr, suite_rfc2217());
	srunner_add_suite(sr, suite_discovery());
	srunner_add_suite(sr, suite_ftp());
	srunner_add_suite(sr, suite_atc());
	srunner_add_suite(sr, suite_sms());
	srunner_set_tap(sr, "-");
	srunner_run_all(sr, CK_SILENT);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
