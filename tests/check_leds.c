/* LEDs (DESIGN.md §3 leds): the path mapping, and a temporary sysfs tree
 * with an LED class device, an exported GPIO, a GPIO to export and a
 * missing LED. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

#include "leds.h"
#include "unit.h"

START_TEST(test_paths_class)
{
	struct led_paths p;

	ck_assert_int_eq(leds_paths("/sys", "class/leds/led0", &p), 0);
	ck_assert_int_eq(p.gpio, -1);
	ck_assert_str_eq(p.value, "/sys/class/leds/led0/brightness");
	ck_assert_str_eq(p.max, "/sys/class/leds/led0/max_brightness");
	ck_assert_int_eq(leds_paths("/tmp/t", "/class/leds/a:b", &p), 0);
	ck_assert_str_eq(p.value, "/tmp/t/class/leds/a:b/brightness");
}
END_TEST

START_TEST(test_paths_gpio)
{
	struct led_paths p;

	ck_assert_int_eq(leds_paths("/sys", "gpio17", &p), 0);
	ck_assert_int_eq(p.gpio, 17);
	ck_assert_str_eq(p.value, "/sys/class/gpio/gpio17/value");
	ck_assert_str_eq(p.direction, "/sys/class/gpio/gpio17/direction");
	ck_assert_str_eq(p.export_path, "/sys/class/gpio/export");
	ck_assert_int_eq(leds_paths("/sys", "gpio0", &p), 0);
	ck_assert_int_eq(p.gpio, 0);
	ck_assert_int_eq(leds_paths("/sys", "gpio1x", &p), -EINVAL);
	ck_assert_int_eq(leds_paths("/sys", "", &p), -EINVAL);
	/* "gpio" without a number is a name like any other. */
	ck_assert_int_eq(leds_paths("/sys", "gpio", &p), 0);
	ck_assert_int_eq(p.gpio, -1);
}
END_TEST

START_TEST(test_paths_too_long)
{
	struct led_paths p;
	char spec[LED_PATH_MAX + 8];

	memset(spec, 'a', sizeof(spec) - 1);
	spec[sizeof(spec) - 1] = '\0';
	ck_assert_int_eq(leds_paths("/sys", spec, &p), -ENAMETOOLONG);
}
END_TEST

static char root[64];

static int
rm_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	return remove(path);
}

static void
rm_root(void)
{
	nftw(root, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

static void
put(const char *rel, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static const char *
get(const char *rel)
{
	static char buf[64];
	char path[256];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
mk(const char *rel)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	ck_assert_int_eq(mkdir(path, 0755), 0);
}

START_TEST(test_tree)
{
	struct event_base *base = event_base_new();
	struct settings st;
	struct leds *l;

	snprintf(root, sizeof(root), "/tmp/usrb-leds-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	mk("class");
	mk("class/leds");
	mk("class/leds/pwr");
	put("class/leds/pwr/brightness", "0\n");
	put("class/leds/pwr/max_brightness", "255\n");
	mk("class/gpio");
	put("class/gpio/export", "");
	mk("class/gpio/gpio5");
	put("class/gpio/gpio5/direction", "in\n");
	put("class/gpio/gpio5/value", "0\n");

	settings_defaults(&st, PERS_30X);
	snprintf(st.led_root, sizeof(st.led_root), "%s", root);
	snprintf(st.led_power, sizeof(st.led_power), "class/leds/pwr");
	snprintf(st.led_net, sizeof(st.led_net), "gpio5");
	snprintf(st.led_link, sizeof(st.led_link), "gpio6");	/* to export; never appears */
	snprintf(st.led_data, sizeof(st.led_data), "class/leds/missing");
	l = leds_new(base, &st);
	ck_assert_ptr_nonnull(l);
	ck_assert_str_eq(get("class/leds/pwr/brightness"), "255");
	ck_assert_str_eq(get("class/gpio/gpio5/direction"), "out");
	ck_assert_str_eq(get("class/gpio/gpio5/value"), "0");
	ck_assert_str_eq(get("class/gpio/export"), "6");
	leds_set(l, LED_NET, 1);
	ck_assert_str_eq(get("class/gpio/gpio5/value"), "1");
	leds_set(l, LED_LINK, 1);		/* ignored: logged once at setup */
	leds_traffic(l);			/* the data LED is missing: nothing */
	leds_free(l);
	ck_assert_str_eq(get("class/leds/pwr/brightness"), "0");
	ck_assert_str_eq(get("class/gpio/gpio5/value"), "0");
	event_base_free(base);
	rm_root();
}
END_TEST

/* A tree with one data LED, class/leds/act, dark; its leds for personality p. */
static struct leds *
data_led(struct event_base *base, enum personality p)
{
	struct settings st;

	snprintf(root, sizeof(root), "/tmp/usrb-leds-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	mk("class");
	mk("class/leds");
	mk("class/leds/act");
	put("class/leds/act/brightness", "0\n");
	settings_defaults(&st, p);
	snprintf(st.led_root, sizeof(st.led_root), "%s", root);
	snprintf(st.led_data, sizeof(st.led_data), "class/leds/act");
	return leds_new(base, &st);
}

START_TEST(test_data_blinks)
{
	struct event_base *base = event_base_new();
	struct leds *l = data_led(base, PERS_30X);

	ck_assert_str_eq(get("class/leds/act/brightness"), "0");
	leds_traffic(l);
	ck_assert_str_eq(get("class/leds/act/brightness"), "1");
	leds_traffic(l);			/* more traffic while lit */
	event_base_loop(base, EVLOOP_ONCE);	/* -> rest */
	ck_assert_str_eq(get("class/leds/act/brightness"), "0");
	event_base_loop(base, EVLOOP_ONCE);	/* traffic was seen: on again */
	ck_assert_str_eq(get("class/leds/act/brightness"), "1");
	event_base_loop(base, EVLOOP_ONCE);	/* rest */
	event_base_loop(base, EVLOOP_ONCE);	/* no traffic: idle, dark */
	ck_assert_str_eq(get("class/leds/act/brightness"), "0");
	ck_assert_int_eq(event_base_loop(base, EVLOOP_NONBLOCK), 1);	/* no timer left */
	leds_free(l);
	event_base_free(base);
	rm_root();
}
END_TEST

/* The 721's data LED (seed 003 §2.5): lit while a link is up, and
 * traffic blinks it dark for a moment. */
START_TEST(test_data_lit_blinks_dark)
{
	struct event_base *base = event_base_new();
	struct leds *l = data_led(base, PERS_721);

	ck_assert_str_eq(get("class/leds/act/brightness"), "0");
	leds_set(l, LED_DATA, 1);		/* a link came up */
	ck_assert_str_eq(get("class/leds/act/brightness"), "1");
	leds_traffic(l);
	ck_assert_str_eq(get("class/leds/act/brightness"), "0");
	event_base_loop(base, EVLOOP_ONCE);	/* -> rest: lit again */
	ck_assert_str_eq(get("class/leds/act/brightness"), "1");
	event_base_loop(base, EVLOOP_ONCE);	/* no traffic: idle, lit */
	ck_assert_str_eq(get("class/leds/act/brightness"), "1");
	leds_set(l, LED_DATA, 0);		/* every link down */
	ck_assert_str_eq(get("class/leds/act/brightness"), "0");
	leds_traffic(l);			/* a flash, as the 30X's */
	ck_assert_str_eq(get("class/leds/act/brightness"), "1");
	leds_free(l);
	event_base_free(base);
	rm_root();
}
END_TEST

Suite *
suite_leds(void)
{
	Suite *s = suite_create("leds");
	TCase *tc = tcase_create("leds");

	tcase_add_test(tc, test_paths_class);
	tcase_add_test(tc, test_paths_gpio);
	tcase_add_test(tc, test_paths_too_long);
	tcase_add_test(tc, test_tree);
	tcase_add_test(tc, test_data_blinks);
	tcase_add_test(tc, test_data_lit_blinks_dark);
	suite_add_tcase(s, tc);
	return s;
}
