/* The network apply hook (PROTOCOLS.md §3: WANN, DNS and USERMAC are
 * "applied only through the network apply hook"). The hook runs without the
 * daemon waiting for it; its exit status is logged when it is reaped. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hook.h"

int
hook_env(const struct settings *st, const char *event, char **env, size_t nenv,
    char *buf, size_t cap)
{
	static const char *const modes[] = { "STATIC", "DHCP" };
	const char *vals[][2] = {
		{ "USRB_EVENT", event },
		{ "USRB_WAN_MODE", modes[st->wan_mode ? 1 : 0] },
		{ "USRB_WAN_IP", st->wan_ip },
		{ "USRB_WAN_MASK", st->wan_mask },
		{ "USRB_WAN_GATEWAY", st->wan_gateway },
		{ "USRB_DNS", st->dns },
		{ "USRB_MAC", st->user_mac },
		{ "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" },
	};
	size_t o = 0, n = sizeof(vals) / sizeof(vals[0]);

	if (nenv < n + 1)
		return -E2BIG;
	for (size_t i = 0; i < n; i++) {
		int w = snprintf(buf + o, cap - o, "%s=%s", vals[i][0], vals[i][1]);

		if (w < 0 || (size_t)w >= cap - o)
			return -E2BIG;
		env[i] = buf + o;
		o += (size_t)w + 1;
	}
	env[n] = NULL;
	return 0;
}

int
hook_changed(const struct settings *a, const struct settings *b)
{
	return a->wan_mode != b->wan_mode || strcmp(a->wan_ip, b->wan_ip) ||
	    strcmp(a->wan_mask, b->wan_mask) || strcmp(a->wan_gateway, b->wan_gateway) ||
	    strcmp(a->dns, b->dns) || strcmp(a->user_mac, b->user_mac);
}

pid_t
hook_spawn(const char *path, char *const *env)
{
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		char *const argv[] = { (char *)path, NULL };
		int fd = open("/dev/null", O_RDWR);

		/* Only stdio survives: every other descriptor is CLOEXEC. */
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			if (fd > 2)
				close(fd);
		}
		execve(path, argv, env);
		_exit(127);
	}
	return pid;
}
