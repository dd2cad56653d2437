/* The 721's AT commands that need its modem (PROTOCOLS.md §4): the modem
 * set passed through to the modem's AT port (AT, AT+CGSN, AT+CSQ, ATD...,
 * AT+CMGS with its "> " prompt ...), AT+CCLK, AT+CILAC? and AT+CISMSEND.
 * Rows of the 721's table (at-721.c); the modem is the host's (at_host
 * .modem). */
#ifndef USRB_AT_721_MODEM_H
#define USRB_AT_721_MODEM_H

struct at_req;

/* The shared handler of the pass-through rows: the command line goes to
 * the modem as the MCU wrote it; the modem's information lines come back
 * as V.250 lines and its final result word for word ("OK", "ERROR",
 * "+CMS ERROR: 321", "NO CARRIER"). Without a modem (none configured, or
 * not ready): a bare AT answers OK, AT+CCLK? the host's clock, the rest
 * ERROR. AT+CMGS takes its text after the "> " prompt, up to Ctrl-Z (ESC
 * abandons it), on the serial console only. */
int at721_relay(struct at_req *r);
/* AT+CILAC?: "+CILAC: "<lac>","<ci>"", the modem's registration (AT+CREG=2,
 * TS 27.007 §7.2: hexadecimal strings); ERROR without a modem or while
 * they are unknown. */
int at721_cilac(struct at_req *r);
/* AT+CISMSEND="number","text": OK once the modem has sent it, ERROR when
 * it could not (after its retries), or without a modem. */
int at721_cismsend(struct at_req *r);

#endif
