/* The LED outputs (DESIGN.md §3 leds, PROTOCOLS.md §3 SCSLINK): writes
 * brightness or GPIO value files under leds.root, only when a state changes.
 * The data LED blinks through a small timer machine so that traffic costs
 * no file write per read. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "hostinfo.h"
#include "leds.h"
#include "log.h"
#include "util.h"

#define BLINK_US 50000
/* How often the net LED looks at the default route (leds_net_follows_route). */
#define ROUTE_POLL_S 1

const char *const led_role_names[LED_ROLE_COUNT] = {
	[LED_POWER] = "power",
	[LED_NET] = "net",
	[LED_LINK] = "link",
	[LED_DATA] = "data",
};

/* The data LED's blink machine. */
enum blink_state {
	BLINK_IDLE,	/* dark, no traffic: traffic -> BLINK_ON */
	BLINK_ON,	/* lit for BLINK_US -> BLINK_REST */
	BLINK_REST,	/* dark for BLINK_US; then traffic seen meanwhile -> BLINK_ON, else BLINK_IDLE */
	BLINK_STATE_COUNT
};

static const char *const blink_state_names[BLINK_STATE_COUNT] = {
	[BLINK_IDLE] = "idle",
	[BLINK_ON] = "on",
	[BLINK_REST] = "rest",
};

struct led {
	int used;			/* configured and writable */
	int on;				/* the state last written */
	char spec[128];
	char on_text[16];		/* what "on" writes: max_brightness, or 1 */
	struct led_paths p;
};

/* Owned by the instance. */
struct leds {
	struct led led[LED_ROLE_COUNT];
	char root[256];
	struct event *ev_blink;
	enum blink_state blink;
	int traffic;			/* traffic seen since the blink machine last looked */
	int data_base;			/* the data LED between blinks (leds_set) */
	struct event *ev_route;		/* net follows the default route, or NULL */
};

int
leds_paths(const char *root, const char *spec, struct led_paths *out)
{
	char *end;
	long n;
	int r;

	memset(out, 0, sizeof(*out));
	out->gpio = -1;
	if (!spec || !spec[0])
		return -EINVAL;
	if (strncmp(spec, "gpio", 4) == 0 && spec[4] >= '0' && spec[4] <= '9') {
		n = strtol(spec + 4, &end, 10);
		if (*end || n > 100000)
			return -EINVAL;
		out->gpio = (int)n;
		r = snprintf(out->value, sizeof(out->value), "%s/class/gpio/gpio%ld/value", root, n);
		snprintf(out->export_path, sizeof(out->export_path), "%s/class/gpio/export", root);
		snprintf(out->direction, sizeof(out->direction), "%s/class/gpio/gpio%ld/direction",
		    root, n);
	} else {
		while (*spec == '/')
			spec++;
		r = snprintf(out->value, sizeof(out->value), "%s/%s/brightness", root, spec);
		snprintf(out->max, sizeof(out->max), "%s/%s/max_brightness", root, spec);
	}
	return r < 0 || (size_t)r >= sizeof(out->value) ? -ENAMETOOLONG : 0;
}

/* Writes text to an existing file (sysfs attributes are never created). */
static int
write_file(const char *path, const char *text)
{
	size_t n = strlen(text);
	ssize_t w;
	int fd, e;

	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	w = write(fd, text, n);
	e = w < 0 ? -errno : (size_t)w != n ? -EIO : 0;
	close(fd);
	return e;
}

static void
led_fail(struct led *d, enum led_role r, const char *path, int err)
{
	log_warn("leds: %s LED (%s): cannot write %s: %s; ignored", led_role_names[r], d->spec,
	    path, strerror(-err));
	d->used = 0;
}

static void
led_write(struct leds *l, enum led_role r, int on)
{
	struct led *d = &l->led[r];
	int e;

	if (!d->used || d->on == on)
		return;
	e = write_file(d->p.value, on ? d->on_text : "0");
	if (e < 0) {
		led_fail(d, r, d->p.value, e);
		return;
	}
	d->on = on;
}

static void
led_setup(struct led *d, enum led_role r, const char *root, const char *spec)
{
	char buf[16];
	int e, fd;

	if (!spec[0])
		return;
	util_strlcpy(d->spec, spec, sizeof(d->spec));
	e = leds_paths(root, spec, &d->p);
	if (e < 0) {
		log_warn("leds: %s LED: bad value \"%s\" (class/leds/NAME or gpioN); ignored",
		    led_role_names[r], spec);
		return;
	}
	d->used = 1;
	d->on = -1;		/* unknown: the first set writes */
	util_strlcpy(d->on_text, "1", sizeof(d->on_text));
	if (d->p.gpio >= 0) {
		/* Legacy sysfs GPIO: export unless the kernel already has it. */
		if (access(d->p.direction, F_OK) < 0) {
			snprintf(buf, sizeof(buf), "%d", d->p.gpio);
			e = write_file(d->p.export_path, buf);
			if (e < 0 && e != -EBUSY) {
				led_fail(d, r, d->p.export_path, e);
				return;
			}
		}
		e = write_file(d->p.direction, "out");
		if (e < 0)
			led_fail(d, r, d->p.direction, e);
		return;
	}
	/* An LED class device: full brightness is max_brightness. */
	fd = open(d->p.max, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		long v;

		close(fd);
		if (n > 0) {
			buf[n] = '\0';
			buf[strcspn(buf, "\n")] = '\0';
			if (util_parse_long(buf, 1, 1000000, &v) == 0)
				snprintf(d->on_text, sizeof(d->on_text), "%ld", v);
		}
	}
}

static void
blink_set_state(struct leds *l, enum blink_state st)
{
	struct timeval tv = { 0, BLINK_US };

	if (l->blink == st)
		return;
	log_debug("leds: data blink %s -> %s", blink_state_names[l->blink], blink_state_names[st]);
	l->blink = st;
	/* A blink is the opposite of the resting level: a flash when dark,
	 * a short dark when lit (the 721's DATA LED while a link is up). */
	led_write(l, LED_DATA, (st == BLINK_ON) != l->data_base);
	if (st == BLINK_IDLE)
		event_del(l->ev_blink);
	else
		evtimer_add(l->ev_blink, &tv);
}

static void
on_blink(evutil_socket_t fd, short what, void *arg)
{
	struct leds *l = arg;

	if (l->blink == BLINK_ON) {
		blink_set_state(l, BLINK_REST);
		return;
	}
	blink_set_state(l, l->traffic ? BLINK_ON : BLINK_IDLE);
	l->traffic = 0;
}

struct leds *
leds_new(struct event_base *base, const struct settings *st)
{
	struct leds *l = calloc(1, sizeof(*l));
	const char *spec[LED_ROLE_COUNT] = {
		[LED_POWER] = st->led_power, [LED_NET] = st->led_net,
		[LED_LINK] = st->led_link, [LED_DATA] = st->led_data,
	};

	if (!l)
		return NULL;
	util_strlcpy(l->root, st->led_root, sizeof(l->root));
	l->ev_blink = evtimer_new(base, on_blink, l);
	if (!l->ev_blink) {
		free(l);
		return NULL;
	}
	for (int r = 0; r < LED_ROLE_COUNT; r++) {
		led_setup(&l->led[r], (enum led_role)r, st->led_root, spec[r]);
		if (l->led[r].used)
			log_info("leds: %s LED is %s", led_role_names[r], l->led[r].p.value);
	}
	/* power: on while running (DESIGN.md §3); the rest start dark. */
	for (int r = 0; r < LED_ROLE_COUNT; r++)
		led_write(l, (enum led_role)r, r == LED_POWER);
	return l;
}

void
leds_free(struct leds *l)
{
	if (!l)
		return;
	for (int r = 0; r < LED_ROLE_COUNT; r++)
		led_write(l, (enum led_role)r, 0);
	event_free(l->ev_blink);
	if (l->ev_route)
		event_free(l->ev_route);
	free(l);
}

void
leds_set(struct leds *l, enum led_role r, int on)
{
	if (!l)
		return;
	if (r == LED_NET && l->ev_route)
		return;		/* the default route drives it */
	if (r != LED_DATA) {
		led_write(l, r, !!on);
		return;
	}
	l->data_base = !!on;
	if (l->blink == BLINK_IDLE)
		led_write(l, LED_DATA, l->data_base);
}

static void
route_look(struct leds *l)
{
	char ifn[32];

	hostinfo_default_iface(ifn, sizeof(ifn));
	led_write(l, LED_NET, ifn[0] != '\0');
}

static void
on_route(evutil_socket_t fd, short what, void *arg)
{
	route_look(arg);
}

int
leds_net_follows_route(struct leds *l, struct event_base *base, int on)
{
	struct timeval tv = { ROUTE_POLL_S, 0 };

	if (!l)
		return 0;
	if (!on && l->ev_route) {
		event_free(l->ev_route);
		l->ev_route = NULL;
	}
	if (!on || l->ev_route || !l->led[LED_NET].used)
		return 0;
	l->ev_route = event_new(base, -1, EV_PERSIST, on_route, l);
	if (!l->ev_route)
		return -ENOMEM;
	event_add(l->ev_route, &tv);
	route_look(l);
	return 0;
}

void
leds_traffic(struct leds *l)
{
	if (!l || !l->led[LED_DATA].used)
		return;
	if (l->blink == BLINK_IDLE)
		blink_set_state(l, BLINK_ON);
	else
		l->traffic = 1;
}

int
leds_matches(const struct leds *l, const struct settings *st)
{
	const char *spec[LED_ROLE_COUNT] = {
		[LED_POWER] = st->led_power, [LED_NET] = st->led_net,
		[LED_LINK] = st->led_link, [LED_DATA] = st->led_data,
	};

	if (strcmp(l->root, st->led_root) != 0)
		return 0;
	for (int r = 0; r < LED_ROLE_COUNT; r++)
		if (strncmp(l->led[r].spec, spec[r], sizeof(l->led[r].spec)) != 0)
			return 0;
	return 1;
}
