/* Address allow-lists (network.allow_out / network.allow_in, DESIGN.md §4):
 * where the daemon may connect or send, and who may connect to it. */
#ifndef USRB_NETACL_H
#define USRB_NETACL_H

#include <stdint.h>
#include <sys/socket.h>

#define NETACL_MAX 32

struct netacl_entry {
	int family;		/* AF_INET or AF_INET6 */
	uint8_t addr[16];
	int prefix;
};

struct netacl {
	int count;
	struct netacl_entry e[NETACL_MAX];
};

/* Parses one "addr[/prefix]" item. 0 or -EINVAL. */
int netacl_parse_cidr(const char *text, struct netacl_entry *out);
/* Parses a comma-separated list. 0, -EINVAL or -E2BIG. */
int netacl_parse(const char *list, struct netacl *acl);
/* 1 when sa matches an entry; IPv4-mapped IPv6 addresses match IPv4 entries. */
int netacl_allows(const struct netacl *acl, const struct sockaddr *sa);

#endif
