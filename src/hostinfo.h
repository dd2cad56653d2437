/* Read-only facts about the host that AT commands report: the MAC address
 * and IPv4 address of the interface on the default route. */
#ifndef USRB_HOSTINFO_H
#define USRB_HOSTINFO_H

#include <stddef.h>

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

/* Dotted IPv4 address of that interface (or of the first non-loopback
 * interface), "0.0.0.0" when none. */
void hostinfo_ipv4(char *out, size_t cap);

#endif
