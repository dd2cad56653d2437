/* Read-only facts about the host that AT commands report: the MAC address
 * and IPv4 address of the interface on the default route. */
#ifndef USRB_HOSTINFO_H
#define USRB_HOSTINFO_H

#include <stddef.h>
#include <time.h>

/* 12 upper-case hex digits (no separators) into out[13]; "000000000000"
 * when no interface has an address. sysfs is "/sys" unless tests say else. */
void hostinfo_mac(const char *sysfs, char out[13]);

/* The MAC the device reports (AT+MAC) and sends as its identity
 * (REGEN=MAC): user_mac (USERMAC, 12 hex digits) when set, else what
 * iface_mac(arg, out) finds (hostinfo_mac, or a test's fake host). */
void hostinfo_current_mac(const char *user_mac, void (*iface_mac)(void *arg, char out[13]),
    void *arg, char out[13]);

/* Name of the interface carrying the default route, or "" (cap >= 16). */
void hostinfo_default_iface(char *out, size_t cap);

/* The default route's interface in the text of /proc/net/route: a line
 * with destination and mask 0 and the RTF_UP flag; of several, the lowest
 * metric (then the first). "" when there is none. Pure. */
void hostinfo_route_iface(const char *route_text, char *out, size_t cap);

/* Dotted IPv4 address of the default route's interface (its first one);
 * "0.0.0.0" without a default route or without an IPv4 address on it
 * (721 AT+CIDTUIP?: the DTU has no address while it has no network). */
void hostinfo_ipv4(char *out, size_t cap);

/* The local time t as 3GPP TS 27.007 §8.15 +CCLK prints it,
 * "yy/MM/dd,hh:mm:ss±zz" (zz: the offset from UTC in quarter hours). */
void hostinfo_clock_text(time_t t, char *out, size_t cap);

#endif
