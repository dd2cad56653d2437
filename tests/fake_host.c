/* The fake host of tests/check_control.c and check_web.c: what the instance
 * does for its services (instance.c "host ops"), in memory and counted. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <event2/event.h>

#include "at.h"
#include "fake_host.h"
#include "util.h"

struct fake_host fh;

static struct event_base *
f_base(void *h)
{
	return fh.base;
}

static const struct settings *
f_settings(void *h)
{
	return &fh.st;
}

/* As instance_set_many(): validate all, save, then edit. */
static int
f_set_many(void *h, const struct setting_ref *s, const char *const *text, int n,
    char *why, size_t whycap)
{
	struct settings next = fh.st;
	int r = settings_set_many(&next, s, text, n, SET_RUNTIME, why, whycap);

	if (r < 0)
		return r;
	if (fh.save_error) {
		snprintf(why, whycap, "cannot save: %s", strerror(-fh.save_error));
		return fh.save_error;
	}
	fh.st = next;
	fh.sets++;
	return 0;
}

static void
f_restart(void *h, const char *why)
{
	fh.restarts++;
	util_strlcpy(fh.restart_why, why, sizeof(fh.restart_why));
	/* As the instance: a restart starts from the saved layer. */
	if (fh.layered)
		fh.st = fh.saved;
	fh.shut_down = 0;
}

static int
f_reload(void *h)
{
	fh.reloads++;
	return 0;
}

static void
f_status(void *h, struct daemon_status *st)
{
	*st = fh.status;
}

static int
f_add_tap(void *h, host_tap_fn fn, void *arg)
{
	fh.taps++;
	return 0;
}

static void
f_remove_tap(void *h, host_tap_fn fn, void *arg)
{
	fh.taps--;
}

static const char *
f_config_path(void *h)
{
	return fh.config_path;
}

/* --- AT host ----------------------------------------------------------- */

static void
f_edit(void *h, const struct settings *st)
{
	fh.st = *st;
}

static int
f_save(void *h, const struct settings *st)
{
	if (fh.save_error)
		return fh.save_error;
	fh.saved = *st;
	fh.saves++;
	return 0;
}

static int
f_restore(void *h)
{
	settings_defaults(&fh.st, (enum personality)fh.st.personality);
	fh.saved = fh.st;
	return 0;
}

static int
f_connected(void *h)
{
	return 0;
}

static void
f_mac(void *h, char out[13])
{
	memcpy(out, "0A1B2C3D4E5F", 13);
}

static void
f_shutdown(void *h)
{
	fh.shutdowns++;
	fh.shut_down = 1;
}

static int
f_shut_down(void *h)
{
	return fh.shut_down;
}

static int
f_link_connected(void *h, int i)
{
	return (fh.links_up >> i) & 1;
}

static void
f_ipv4(void *h, char out[16])
{
	util_strlcpy(out, fh.ipv4[0] ? fh.ipv4 : "0.0.0.0", 16);
}

static struct cmdconn *
f_cmdconn(void *h, const struct at_session *s)
{
	return fh.cmdconn;
}

static const struct at_host fake_at_host = {
	.settings = f_settings, .edit = f_edit, .save = f_save, .restart = f_restart,
	.restore_defaults = f_restore, .connected = f_connected, .host_mac = f_mac,
	.shutdown = f_shutdown, .shut_down = f_shut_down, .link_connected = f_link_connected,
	.host_ipv4 = f_ipv4, .cmdconn = f_cmdconn,
};

static const struct host_ops fake_ops = {
	.base = f_base,
	.settings = f_settings,
	.set_many = f_set_many,
	.restart = f_restart,
	.reload = f_reload,
	.status = f_status,
	.add_tap = f_add_tap,
	.remove_tap = f_remove_tap,
	.config_path = f_config_path,
	.at = &fake_at_host,
};

const struct host fake_host = { &fake_ops, &fh };

void
fake_host_reset(enum personality p)
{
	struct event_base *base = fh.base;

	memset(&fh, 0, sizeof(fh));
	fh.base = base ? base : event_base_new();
	settings_defaults(&fh.st, p);
	fh.saved = fh.st;
	util_strlcpy(fh.config_path, "/nonexistent/test.conf", sizeof(fh.config_path));
}

void
fake_host_free(void)
{
	if (fh.base)
		event_base_free(fh.base);
	fh.base = NULL;
}
