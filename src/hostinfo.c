/* Host facts for AT+MAC (PROTOCOLS.md §3: the host interface's address
 * unless USERMAC is set) and the 721's AT+CIDTUIP and AT+CCLK. */
#include "config.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "hostinfo.h"
#include "util.h"

/* The best default route so far (hostinfo_route_iface). */
struct route_pick {
	char ifn[32];
	unsigned long metric;
	int found;
};

/* One line of /proc/net/route: "Iface Destination Gateway Flags RefCnt Use
 * Metric Mask ..." (hex addresses in network order, hex flags). */
static void
route_line(struct route_pick *p, const char *line)
{
	unsigned long dst, gw, flags, refcnt, use, metric, mask;
	char ifn[32];

	if (sscanf(line, "%31s %lx %lx %lx %lu %lu %lu %lx", ifn, &dst, &gw, &flags, &refcnt,
	    &use, &metric, &mask) != 8 || dst != 0 || mask != 0 || !(flags & 0x1 /* RTF_UP */))
		return;
	if (p->found && metric >= p->metric)
		return;
	util_strlcpy(p->ifn, ifn, sizeof(p->ifn));
	p->metric = metric;
	p->found = 1;
}

void
hostinfo_route_iface(const char *route_text, char *out, size_t cap)
{
	struct route_pick p = { .found = 0 };
	char line[256];

	while (*route_text) {
		size_t n = strcspn(route_text, "\n");

		util_strlcpy(line, route_text, MIN(n + 1, sizeof(line)));
		route_line(&p, line);
		route_text += n + (route_text[n] == '\n');
	}
	util_strlcpy(out, p.found ? p.ifn : "", cap);
}

void
hostinfo_default_iface(char *out, size_t cap)
{
	FILE *f = fopen("/proc/net/route", "r");
	struct route_pick p = { .found = 0 };
	char line[256];

	util_strlcpy(out, "", cap);
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		route_line(&p, line);
	fclose(f);
	if (p.found)
		util_strlcpy(out, p.ifn, cap);
}

static int
read_mac(const char *sysfs, const char *ifn, char out[13])
{
	char path[512], text[64];
	unsigned b[6];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/class/net/%s/address", sysfs, ifn);
	f = fopen(path, "r");
	if (!f)
		return 0;
	ok = fgets(text, sizeof(text), f) &&
	    sscanf(text, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) == 6;
	fclose(f);
	if (!ok || (b[0] | b[1] | b[2] | b[3] | b[4] | b[5]) == 0)
		return 0;
	snprintf(out, 13, "%02X%02X%02X%02X%02X%02X", b[0], b[1], b[2], b[3], b[4], b[5]);
	return 1;
}

void
hostinfo_mac(const char *sysfs, char out[13])
{
	char ifn[32], best[256] = "", path[512];
	struct dirent *de;
	DIR *d;

	hostinfo_default_iface(ifn, sizeof(ifn));
	if (*ifn && read_mac(sysfs, ifn, out))
		return;
	/* No default route (a loopback-only test namespace): the first
	 * interface with a real address, in name order for stability. */
	strcpy(out, "000000000000");
	snprintf(path, sizeof(path), "%s/class/net", sysfs);
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d))) {
		char mac[13];

		if (de->d_name[0] == '.' || strcmp(de->d_name, "lo") == 0)
			continue;
		if (read_mac(sysfs, de->d_name, mac) && (!*best || strcmp(de->d_name, best) < 0)) {
			util_strlcpy(best, de->d_name, sizeof(best));
			memcpy(out, mac, 13);
		}
	}
	closedir(d);
}

void
hostinfo_ipv4(char *out, size_t cap)
{
	struct ifaddrs *ifa, *i;
	char ifn[32];

	util_strlcpy(out, "0.0.0.0", cap);
	hostinfo_default_iface(ifn, sizeof(ifn));
	if (!*ifn || getifaddrs(&ifa) < 0)
		return;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET ||
		    strcmp(i->ifa_name, ifn) != 0)
			continue;
		inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, out,
		    (socklen_t)cap);
		break;
	}
	freeifaddrs(ifa);
}

void
hostinfo_clock_text(time_t t, char *out, size_t cap)
{
	struct tm tm;
	long q;

	localtime_r(&t, &tm);
	q = tm.tm_gmtoff / 900;
	snprintf(out, cap, "%02d/%02d/%02d,%02d:%02d:%02d%c%02ld", tm.tm_year % 100,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, q < 0 ? '-' : '+',
	    q < 0 ? -q : q);
}

void
hostinfo_current_mac(const char *user_mac, void (*iface_mac)(void *arg, char out[13]),
    void *arg, char out[13])
{
	if (user_mac[0]) {
		snprintf(out, 13, "%s", user_mac);
	} else {
		iface_mac(arg, out);
	}
}
