/* The 721's own use of SMS (PROTOCOLS.md §4 "SMS transparent", "Password
 * AT"): in SMS transparent mode (CIMOD=4) serial frames go as SMS to CIPNUM
 * and SMS from CIPNUM are written to the serial line as they are; in every
 * work mode an SMS that is a password-AT command ("usr.cn#AT+CIVER?") runs
 * on an AT session of its own and its reply goes back by SMS to its
 * sender. Everything else is logged and dropped (counted). Owned by the
 * instance; the modem (modem.h) is the AT host's. */
#ifndef USRB_SMSMODE_H
#define USRB_SMSMODE_H

#include <stddef.h>
#include <stdint.h>

#include "personality.h"
#include "settings.h"

struct at_host;
struct sms_status;
struct smsmode;

/* SMS AT commands that may wait for their turn (one runs at a time); more
 * are refused (counted). */
#define SMSMODE_AT_QUEUE	4
/* The reply of one SMS AT command, as it is collected (AT+CIPSCONT? is
 * about 600 bytes); beyond it the reply is cut (logged). */
#define SMSMODE_REPLY_MAX	1024

struct smsmode_io {
	/* The text of an SMS from CIPNUM, for the serial line (the instance
	 * holds it while the console is in command mode, as network data). */
	void (*to_serial)(void *arg, const uint8_t *d, size_t n);
};

/* NULL on out of memory. */
struct smsmode *smsmode_new(const struct at_host *host, void *h, const struct smsmode_io *io,
    void *arg);
void smsmode_free(struct smsmode *sm);

/* At every (re)start: run is the running settings (kept by reference),
 * mode the work mode that runs. Takes the modem's incoming SMS (721). */
void smsmode_start(struct smsmode *sm, const struct settings *run, enum work_mode mode);
/* Before a restart: an SMS AT command in flight is dropped (its reply is
 * not sent), the queued ones too. */
void smsmode_stop(struct smsmode *sm);

/* A serial frame in CIMOD=4: an SMS to CIPNUM. */
void smsmode_frame(struct smsmode *sm, const uint8_t *f, size_t n);

/* What an incoming SMS is (pure, for the tests): a password-AT command
 * (with the line to run in *line, *len; a malformed one has *len 0), the
 * serial line's (CIMOD=4, from CIPNUM), or dropped. */
enum smsmode_kind {
	SMS_IS_COMMAND,
	SMS_IS_DATA,
	SMS_IS_OTHER_SENDER,	/* CIMOD=4, not from CIPNUM */
	SMS_IS_NOT_SMS_MODE,	/* not a command, and CIMOD=4 does not run */
};
enum smsmode_kind smsmode_classify(const char *password, int sms_mode, const char *number,
    const char *sender, const char *text, size_t len, int binary, const char **line,
    size_t *llen);

void smsmode_status(const struct smsmode *sm, struct sms_status *st);

#endif
