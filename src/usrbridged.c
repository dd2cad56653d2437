/* usrbridged: turns a Linux board into a USR-TCP232-30X or USR-GPRS232-721
 * (DESIGN.md §2 for the command line). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

#include "conf.h"
#include "instance.h"
#include "log.h"
#include "sdnotify.h"
#include "util.h"
#include "web.h"

#define DEFAULT_CONFIG SYSCONFDIR "/usrbridged.conf"

/* -t: what the daemon would only warn about is a warning here too (exit 0):
 * a broken state file (ignored), a state directory it cannot write (every
 * save fails). */
static void
check_state(const struct settings *st)
{
	struct conf_error err;
	struct settings tmp = *st;
	char state[PATH_MAX], dir[PATH_MAX], msg[600];
	char *slash;

	conf_state_path(st, state, sizeof(state));
	if (conf_load_state(state, &tmp, &err) < 0) {
		conf_error_format(&err, msg, sizeof(msg));
		fprintf(stderr, "warning: %s; usrbridged ignores the state file and uses the "
		    "config file's settings\n", msg);
	}
	/* The daemon creates a missing state directory: the nearest existing
	 * ancestor is the one that must be writable. */
	util_strlcpy(dir, st->state_dir, sizeof(dir));
	while (access(dir, F_OK) < 0 && errno == ENOENT && (slash = strrchr(dir, '/')) &&
	    slash != dir)
		*slash = '\0';
	if (access(dir, W_OK | X_OK) < 0)
		fprintf(stderr, "warning: state_dir %s: %s is not writable (%s); settings "
		    "changed at run time cannot be saved\n", st->state_dir, dir, strerror(errno));
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: usrbridged [-f] [-v] [-c FILE] [-t] [-V] [-h]\n"
	    "  -f       stay in the foreground and log to stderr\n"
	    "  -v       log debug messages too\n"
	    "  -c FILE  config file (default " DEFAULT_CONFIG ")\n"
	    "  -t       check the config file and exit\n"
	    "  -V, --version  print the version and exit\n"
	    "  -h, --help     print this help and exit\n");
}

static void
on_stop(evutil_socket_t sig, short what, void *arg)
{
	struct event_base *base = arg;

	log_info("signal %d: stopping", (int)sig);
	sdnotify("STOPPING=1");
	event_base_loopbreak(base);
}

static void
on_hup(evutil_socket_t sig, short what, void *arg)
{
	struct instance *in = arg;

	log_info("SIGHUP: reloading");
	sdnotify("RELOADING=1");
	instance_reload(in);
	sdnotify("READY=1");
}

static int
daemonize(void)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		return -errno;
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0)
		_exit(0);
	if (chdir("/") < 0)
		return -errno;
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const char *config = DEFAULT_CONFIG;
	int foreground = 0, check = 0, debug = 0, c, rc = 0;
	struct event *ev_term, *ev_int, *ev_hup;
	struct event_config *ecfg;
	struct event_base *base;
	struct conf_error err;
	struct settings st;		/* the config file, read once */
	struct instance *in;
	char msg[600], abs_config[PATH_MAX];
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};

	while ((c = getopt_long(argc, argv, "fvc:tVh", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': foreground = 1; break;
		case 'v': debug = 1; break;
		case 'c': config = optarg; break;
		case 't': check = 1; break;
		case 'V': printf("usrbridged %s\n", PACKAGE_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	/* Detached, the daemon runs in "/": a relative config path (and the
	 * relative paths in it, conf_load) would name other files there, and
	 * SIGHUP would re-read another file. */
	if (!foreground && !check && config[0] != '/') {
		if (!realpath(config, abs_config)) {
			fprintf(stderr, "usrbridged: %s: %s\n", config, strerror(errno));
			return 1;
		}
		config = abs_config;
	}
	if (check) {
		if (conf_load(config, &st, &err) < 0) {
			conf_error_format(&err, msg, sizeof(msg));
			fprintf(stderr, "%s\n", msg);
			return 1;
		}
		if (web_tls_check(&st, msg, sizeof(msg)) < 0) {
			fprintf(stderr, "%s: %s\n", config, msg);
			return 1;
		}
		/* The state file too: the daemon ignores a broken one with a
		 * warning, and so does -t. */
		check_state(&st);
		printf("%s: OK (%s)\n", config, personality_name((enum personality)st.personality));
		return 0;
	}
	log_open("usrbridged", foreground, debug ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	signal(SIGPIPE, SIG_IGN);
	/* Serial output buffers grow and drain by tens of KiB at a time; with
	 * glibc's defaults the heap was given back and taken again with brk()
	 * (or a block mmap()ed and unmapped) every few writes. Fixed limits
	 * keep blocks up to 256 KiB in the heap and up to 1 MiB of it free;
	 * peak RSS in bench/run stays the same (2.9 MiB). */
	mallopt(M_TRIM_THRESHOLD, 1024 * 1024);
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	srandom((unsigned)getpid() ^ (unsigned)time(NULL));

	/* No EVENT_BASE_FLAG_PRECISE_TIMER: with it libevent reprograms a
	 * timerfd on every loop iteration, a syscall per read. The one timer
	 * that needs sub-millisecond precision, the packing gap (0.35 ms at
	 * 115200), has its own timerfd (instance.c). */
	ecfg = event_config_new();
	/* The data path pauses and resumes reads and write interest often;
	 * with the changelist a delete and re-add in the same loop pass cost
	 * no epoll_ctl. (Safe here: the daemon never dup()s a descriptor.) */
	if (ecfg)
		event_config_set_flag(ecfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	base = event_base_new_with_config(ecfg);
	event_config_free(ecfg);
	if (!base) {
		log_err("cannot create the event loop");
		return 1;
	}
	/* Config errors are printed before daemonizing, so the caller sees
	 * them; the instance starts from what was read here. */
	if (conf_load(config, &st, &err) < 0) {
		conf_error_format(&err, msg, sizeof(msg));
		fprintf(stderr, "%s\n", msg);
		event_base_free(base);
		return 1;
	}
	/* A certificate that does not load is a config error, not a page that
	 * silently serves plain HTTP or nothing. */
	if (web_tls_check(&st, msg, sizeof(msg)) < 0) {
		fprintf(stderr, "%s: %s\n", config, msg);
		event_base_free(base);
		return 1;
	}
	if (!foreground && daemonize() < 0) {
		fprintf(stderr, "usrbridged: cannot daemonize: %s\n", strerror(errno));
		return 1;
	}
	if (!foreground)
		event_reinit(base);
	in = instance_new(base, config, &st, &err);
	if (!in) {
		conf_error_format(&err, msg, sizeof(msg));
		log_err("%s", msg);
		event_base_free(base);
		return 1;
	}
	ev_term = evsignal_new(base, SIGTERM, on_stop, base);
	ev_int = evsignal_new(base, SIGINT, on_stop, base);
	ev_hup = evsignal_new(base, SIGHUP, on_hup, in);
	event_add(ev_term, NULL);
	event_add(ev_int, NULL);
	event_add(ev_hup, NULL);
	sdnotify("READY=1");
	log_info("ready");
	if (event_base_dispatch(base) < 0)
		rc = 1;
	instance_free(in);
	event_free(ev_term);
	event_free(ev_int);
	event_free(ev_hup);
	event_base_free(base);
	log_info("stopped");
	return rc;
}
