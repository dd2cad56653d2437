/* LEDs (DESIGN.md §3 leds): the roles power, net, link and data mapped by
 * the config file to a sysfs LED ("class/leds/NAME": NAME/brightness) or a
 * legacy GPIO ("gpioN": exported, direction out, gpioN/value), relative to
 * leds.root so tests can use a temporary tree. A missing path is logged
 * once and that LED is left alone. */
#ifndef USRB_LEDS_H
#define USRB_LEDS_H

#include "settings.h"

struct event_base;
struct leds;

enum led_role { LED_POWER, LED_NET, LED_LINK, LED_DATA, LED_ROLE_COUNT };

extern const char *const led_role_names[LED_ROLE_COUNT];

#define LED_PATH_MAX 512

/* Where one LED is written. */
struct led_paths {
	int gpio;				/* the GPIO number, or -1: an LED class device */
	char value[LED_PATH_MAX];		/* NAME/brightness or gpioN/value */
	char max[LED_PATH_MAX];			/* LED class: NAME/max_brightness */
	char export_path[LED_PATH_MAX];		/* GPIO: class/gpio/export */
	char direction[LED_PATH_MAX];		/* GPIO: gpioN/direction */
};

/* Maps a role's config value to paths under root. Pure. 0, -EINVAL (empty
 * or a bad GPIO number) or -ENAMETOOLONG. */
int leds_paths(const char *root, const char *spec, struct led_paths *out);

/* Sets up every configured LED: power on, the others off. Never fails for
 * a missing LED; NULL only when out of memory. */
struct leds *leds_new(struct event_base *base, const struct settings *st);
/* Turns every LED off (power too: the daemon stops). Accepts NULL. */
void leds_free(struct leds *l);

/* LED_DATA: its level between blinks (off for the 30X, on while a link is
 * up for the 721). */
void leds_set(struct leds *l, enum led_role r, int on);
/* on: the net LED follows the host's default route (/proc/net/route,
 * looked at every second) instead of leds_set (the 721's NET, seed 003
 * §2.5); off: leds_set again. 0 or -ENOMEM; nothing to do without a net
 * LED. */
int leds_net_follows_route(struct leds *l, struct event_base *base, int on);
/* Traffic seen: the data LED blinks (on 50 ms, off 50 ms while it lasts). */
void leds_traffic(struct leds *l);

/* 1 when l was set up from the same LED settings as st (a restart keeps it). */
int leds_matches(const struct leds *l, const struct settings *st);

#endif
