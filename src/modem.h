/* The 721's cellular modem (PROTOCOLS.md §4 "Modem", DESIGN.md §3 "modem"):
 * an optional tty (modem.device: a USB modem's AT port) spoken to with the
 * AT client core (atc.h) in SMS text mode. A service of the instance
 * (host.h): opened and reopened like the serial port, initialised, polled
 * for signal and registration, incoming SMS read and deleted, SMS sent with
 * retries. The MCU-facing parts of the 721 (pass-through commands,
 * AT+CISMSEND, AT+CILAC?, SMS transparent mode, SMS AT) are built on the
 * small API below. */
#ifndef USRB_MODEM_H
#define USRB_MODEM_H

#include <stddef.h>

#include "atc.h"

struct modem;
struct modem_status;

#define MODEM_SMS_QUEUE_MAX	16	/* texts waiting to be sent */
#define MODEM_SMS_TRIES		4	/* one attempt and 3 retries ... */
#define MODEM_SMS_BACKOFF_MS	1000	/* ... 1 s, 2 s, 4 s apart */
#define MODEM_READS_MAX		32	/* announced SMS waiting to be read */
#define MODEM_POLL_SEC		10	/* AT+CREG?, AT+CSQ, AT+COPS? */
#define MODEM_INIT_RETRY_SEC	5	/* after an init command answered an error */
#define MODEM_CMGS_TIMEOUT_US	(60 * 1000000LL)	/* the network may take a while */
#define MODEM_DIAL_TIMEOUT_US	(60 * 1000000LL)

extern const struct service modem_service;

/* An SMS that came in: sender (decoded to text), text (UTF-8, or the raw
 * bytes of an 8-bit data message: binary = 1), its length. */
typedef void (*modem_sms_fn)(void *arg, const char *sender, const char *text, size_t len,
    int binary);
/* The end of modem_sms_send(): 0 every part sent, -EIO a part failed after
 * its retries (counted and logged; the parts after it were not sent), or
 * -ECANCELED (the daemon stops). */
typedef void (*modem_sent_fn)(void *arg, int rc);

/* 1 when modem.device names a modem (721 only). */
int modem_configured(const struct modem *m);
/* 1 when the modem is open, initialised and answering. */
int modem_ready(const struct modem *m);
/* What the net LED shows: -1 no modem configured (the LED follows the
 * links), else 1 while registered (home or roaming), 0 not. */
int modem_net_led(const struct modem *m);

/* Sends text (UTF-8, len bytes) to number as one or more SMS (split at 160
 * GSM-7 / 70 UCS-2 characters, sms.h). done (may be NULL) says how it
 * ended. 0, -ENODEV (no modem configured), -ENOBUFS (queue full), -E2BIG
 * (more than SMS_PARTS_MAX parts), -EINVAL (a bad number); done is called
 * only after 0. */
int modem_sms_send(struct modem *m, const char *number, const char *text, size_t len,
    modem_sent_fn done, void *arg);

/* Where incoming SMS go; NULL: logged, counted and deleted. */
void modem_set_sms_handler(struct modem *m, modem_sms_fn fn, void *arg);

/* Relays one raw AT command line (no CR) to the modem: done gets its
 * intermediate lines and final result (atc.h). A command that expects
 * "> " (AT+CMGS, AT+CMGW) gets prompt(arg, id); its body then goes with
 * modem_relay_body(id, ...) or is abandoned with modem_relay_abort(id).
 * An id > 0, or -ENODEV (no modem, or not ready), -ENOBUFS, -EINVAL. */
int modem_relay(struct modem *m, const char *line, atc_prompt_fn prompt, atc_done_fn done,
    void *arg);
int modem_relay_body(struct modem *m, int id, const void *d, size_t n);
int modem_relay_abort(struct modem *m, int id);

/* arg goes away: its relays and sends run on without callbacks. */
void modem_forget(struct modem *m, void *arg);

/* The modem's part of the status (status.h). */
void modem_get_status(const struct modem *m, struct modem_status *st);

#endif
