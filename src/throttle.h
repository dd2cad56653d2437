/* Failed-login throttling per source address (the web page's Basic auth):
 * after a few free failures each further one doubles the time the source
 * must wait, up to a cap; a success forgets the source. A fixed table of
 * sources (the least recently failing one is evicted), so that a flood of
 * addresses costs no memory. Pure: it takes the time as an argument and
 * never touches a socket or libevent (tests/check_throttle.c). */
#ifndef USRB_THROTTLE_H
#define USRB_THROTTLE_H

#include <stdint.h>

struct sockaddr;

#define THROTTLE_SLOTS		64	/* sources remembered; hard cap */
/* Failures that cost nothing: a user mistyping a few times is not slowed
 * down (fail2ban's default maxretry is 5 too); the next one waits. */
#define THROTTLE_FREE		5
#define THROTTLE_BASE_US	1000000LL	/* the first delay: 1 s ... */
#define THROTTLE_CAP_US		32000000LL	/* ... doubling up to 32 s */
/* A source that has not failed for this long starts a new burst (and is
 * forgotten): longer than the cap, so that a guesser kept at the capped
 * rate stays in one burst and is logged once. */
#define THROTTLE_QUIET_US	300000000LL	/* 5 min */

struct throttle_slot {
	uint8_t addr[16];		/* IPv4 in the first 4 bytes, or IPv6 */
	int family;			/* 0: free */
	unsigned failures;		/* in this burst */
	int64_t last_us;		/* the last failure */
	int64_t until_us;		/* no attempt before this */
};

/* A plain value; zeroed is empty. */
struct throttle {
	struct throttle_slot slot[THROTTLE_SLOTS];
};

/* 0 when src may try now, else the microseconds it must still wait. */
int64_t throttle_wait(const struct throttle *t, const struct sockaddr *src, int64_t now_us);

/* Records a failed attempt of src. Returns 1 when it starts a burst (the
 * caller logs it), else 0. */
int throttle_fail(struct throttle *t, const struct sockaddr *src, int64_t now_us);

/* A good login: src is forgotten. */
void throttle_ok(struct throttle *t, const struct sockaddr *src);

#endif
