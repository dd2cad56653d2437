/* The RFC 2217 listener (PROTOCOLS.md §6): Telnet COM-PORT-OPTION on
 * rfc2217.port for PC tools (pyserial's rfc2217://, gensio, virtual-COM
 * drivers). One client at a time owns the serial port: the console and
 * links pause meanwhile, its line settings apply at once and are not saved,
 * DTR/RTS/BREAK follow it. The codec is telnet.h and comport.h. */
#ifndef USRB_RFC2217_H
#define USRB_RFC2217_H

struct service;

#define RFC2217_ACCEPT_PAUSE_MS	1000		/* after EMFILE */
#define RFC2217_OUT_HIGH	(256 * 1024)	/* to the client: stop reading the line above */
#define RFC2217_OUT_LOW		(64 * 1024)	/* ... and read again below */
#define RFC2217_POLL_MS		100		/* modem lines, while the client asked */
#define RFC2217_BREAK_MS	250		/* the break of a Telnet BRK */

/* The listener as a service of the instance (host.h). */
extern const struct service rfc2217_service;

#endif
