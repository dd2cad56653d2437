/* One runner for every Check suite (tests/check_<module>.c). */
#ifndef USRB_TESTS_UNIT_H
#define USRB_TESTS_UNIT_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

#include "frame.h"

struct evbuffer;

/* What a status formatter wrote: the text (valid until the next call);
 * frees b. */
const char *unit_text(struct evbuffer *b);

/* The §5 frames in n bytes written for the MCU (ftpmode, framemode). */
#define UNIT_FRAMES_MAX 64
struct unit_frames {
	int n;
	uint8_t cmd[UNIT_FRAMES_MAX];
	uint8_t payload[UNIT_FRAMES_MAX][FRAME_PAYLOAD_MAX];
	size_t len[UNIT_FRAMES_MAX];
	size_t data;			/* bytes that were no frame with a good CRC */
};

void unit_frames(const uint8_t *d, size_t n, struct unit_frames *g);

Suite *suite_at(void);
Suite *suite_at721(void);
Suite *suite_at721net(void);
Suite *suite_atc(void);
Suite *suite_baudsync(void);
Suite *suite_bridge(void);
Suite *suite_cache(void);
Suite *suite_cisend(void);
Suite *suite_conf(void);
Suite *suite_htpc_req(void);
Suite *suite_console(void);
Suite *suite_control(void);
Suite *suite_curl_glue(void);
Suite *suite_frame(void);
Suite *suite_framemode(void);
Suite *suite_discovery(void);
Suite *suite_ftp(void);
Suite *suite_leds(void);
Suite *suite_liveness(void);
Suite *suite_netacl(void);
Suite *suite_packer(void);
Suite *suite_personality(void);
Suite *suite_portlock(void);
Suite *suite_pwat(void);
Suite *suite_regpkt(void);
Suite *suite_rfc2217(void);
Suite *suite_settings(void);
Suite *suite_sms(void);
Suite *suite_status(void);
Suite *suite_web(void);
Suite *suite_throttle(void);
Suite *suite_traffic(void);
Suite *suite_workmode(void);

#endif
