/* The 721's AT command mode rows (CIMOD=2, PROTOCOLS.md §4): AT+CIOPEN,
 * AT+CISEND, AT+CICLOSE. Their table rows are in at-721.c; the connection
 * is cmdconn.c's, reached through at_host.cmdconn. */
#ifndef USRB_AT_721_NET_H
#define USRB_AT_721_NET_H

struct at_req;

int at721_ciopen(struct at_req *r);
int at721_cisend(struct at_req *r);
int at721_ciclose(struct at_req *r);

/* AT+CIOPEN's arguments: "TCP" or "UDP" (any case), the address (1 to 127
 * bytes, no spaces or control characters: a name or an IPv4/IPv6 address),
 * the port (1-65535). 0, or AT_ERR_PARAM. Pure. */
int at721_ciopen_args(int argc, char *const *argv, int *udp, const char **host, long *port);

#endif
