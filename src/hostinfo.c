/* Host facts for AT+MAC (PROTOCOLS.md §3: the host interface's address
 * unless USERMAC is set) and the 721's AT+CIDTUIP. */
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

void
hostinfo_default_iface(char *out, size_t cap)
{
	FILE *f = fopen("/proc/net/route", "r");
	char line[256], ifn[32];
	unsigned long dst;

	util_strlcpy(out, "", cap);
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%31s %lx", ifn, &dst) == 2 && dst == 0) {
			util_strlcpy(out, ifn, cap);
			break;
		}
	}
	fclose(f);
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
	int found = 0;

	util_strlcpy(out, "0.0.0.0", cap);
	hostinfo_default_iface(ifn, sizeof(ifn));
	if (getifaddrs(&ifa) < 0)
		return;
	for (int pass = 0; pass < 2 && !found; pass++) {
		for (i = ifa; i; i = i->ifa_next) {
			if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET ||
			    (i->ifa_flags & IFF_LOOPBACK))
				continue;
			if (pass == 0 && strcmp(i->ifa_name, ifn) != 0)
				continue;
			inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, out,
			    (socklen_t)cap);
			found = 1;
			break;
		}
	}
	freeifaddrs(ifa);
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
