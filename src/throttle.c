/* Failed-login throttling per source address (throttle.h): exponential delay
 * with a cap, a bounded table, bursts for logging once. */
#include "config.h"

#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "throttle.h"

/* The key of a source: its address without the port (a client opens a new
 * connection, and so a new port, per attempt). IPv4-mapped IPv6 counts as
 * the IPv4 address, so that a dual-stack listener does not give one host
 * two budgets. 0, or -1 for what is neither. */
static int
key_of(const struct sockaddr *sa, uint8_t addr[16], int *family)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	memset(addr, 0, 16);
	if (!sa)
		return -1;
	if (sa->sa_family == AF_INET) {
		memcpy(addr, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
		*family = AF_INET;
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const uint8_t *a6 =
		    ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;

		if (memcmp(a6, mapped, 12) == 0) {
			memcpy(addr, a6 + 12, 4);
			*family = AF_INET;
		} else {
			memcpy(addr, a6, 16);
			*family = AF_INET6;
		}
		return 0;
	}
	return -1;
}

static struct throttle_slot *
find(const struct throttle *t, const struct sockaddr *src)
{
	uint8_t addr[16];
	int family = 0;

	if (key_of(src, addr, &family) < 0)
		return NULL;
	for (int i = 0; i < THROTTLE_SLOTS; i++) {
		const struct throttle_slot *s = &t->slot[i];

		if (s->family == family && memcmp(s->addr, addr, 16) == 0)
			return (struct throttle_slot *)s;
	}
	return NULL;
}

int64_t
throttle_wait(const struct throttle *t, const struct sockaddr *src, int64_t now_us)
{
	const struct throttle_slot *s = find(t, src);

	if (!s || now_us >= s->until_us)
		return 0;
	return s->until_us - now_us;
}

int
throttle_fail(struct throttle *t, const struct sockaddr *src, int64_t now_us)
{
	struct throttle_slot *s = find(t, src);
	int64_t delay;
	int start = 0;

	if (s && now_us - s->last_us >= THROTTLE_QUIET_US) {
		s->failures = 0;	/* quiet long enough: a new burst */
		start = 1;
	}
	if (!s) {
		/* A free slot, else the one that failed longest ago. */
		s = &t->slot[0];
		for (int i = 0; i < THROTTLE_SLOTS; i++) {
			if (!t->slot[i].family) {
				s = &t->slot[i];
				break;
			}
			if (t->slot[i].last_us < s->last_us)
				s = &t->slot[i];
		}
		memset(s, 0, sizeof(*s));
		if (key_of(src, s->addr, &s->family) < 0)
			return 0;	/* no address: nothing to key on */
		start = 1;
	}
	s->failures++;
	s->last_us = now_us;
	if (s->failures <= THROTTLE_FREE) {
		s->until_us = 0;
		return start;
	}
	/* The first failure beyond the free ones: the base delay, then
	 * doubling. */
	delay = THROTTLE_BASE_US;
	for (unsigned i = THROTTLE_FREE + 1; i < s->failures && delay < THROTTLE_CAP_US; i++)
		delay *= 2;
	if (delay > THROTTLE_CAP_US)
		delay = THROTTLE_CAP_US;
	s->until_us = now_us + delay;
	return start;
}

void
throttle_ok(struct throttle *t, const struct sockaddr *src)
{
	struct throttle_slot *s = find(t, src);

	if (s)
		memset(s, 0, sizeof(*s));
}
