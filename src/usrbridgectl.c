/* usrbridgectl: the command-line client of a running usrbridged. It sends one
 * request over the control socket and prints the reply (usrbridgectl(1));
 * the protocol is usrbridged-protocol(7). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "conf.h"
#include "control.h"
#include "log.h"
#include "portlock.h"
#include "ports.h"
#include "settings.h"
#include "util.h"

#define DEFAULT_CONFIG SYSCONFDIR "/usrbridged.conf"
#define INSTANCE_DIR SYSCONFDIR "/usrbridged"
#define BODY_MAX (16 * 1024 * 1024)

/* Exit codes (usrbridgectl(1)). */
enum {
	EX_OK = 0,
	EX_FAILED = 1,		/* the daemon answered with an error */
	EX_USAGE = 2,		/* bad command line */
	EX_NOTRUNNING = 3,	/* no daemon at the socket */
	EX_DENIED = 4,		/* not permitted to use the socket */
	EX_PROTO = 5,		/* connection lost, timeout, malformed reply */
};

static int timeout_ms = 10000;
static int timeout_given;
/* sms answers when the text has gone out, retries included. */
#define SMS_TIMEOUT_MS (300 * 1000)

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: usrbridgectl [-s SOCKET | -c FILE | -i NAME] [-t SECONDS] COMMAND [ARG...]\n"
	    "commands:\n"
	    "  get [NAME]        a setting (config key like link1.port, or AT name like SOCK);\n"
	    "                    every setting without NAME\n"
	    "  set NAME VALUE    change a setting, validated as over AT, saved\n"
	    "  at 'AT+...'       run an AT command; prints the reply bytes\n"
	    "  status [--json]   links, peers, counters, serial state, uptime\n"
	    "  restart           rebuild serial port, bridge and links (as AT+Z)\n"
	    "  reload            re-read the config and state files, then restart\n"
	    "  ports             serial ports found on this host\n"
	    "  monitor           live hex+ASCII trace of the serial traffic\n"
	    "  sms NUMBER TEXT   send an SMS through the modem (721); waits until sent\n"
	    "  modem 'AT...'     pass one AT command to the modem (721); its reply\n"
	    "  help              the commands the daemon understands\n"
	    "options:\n"
	    "  -s SOCKET  control socket (default: control.socket of " DEFAULT_CONFIG ")\n"
	    "  -c FILE    use the control.socket of this config file (a relative one is\n"
	    "             relative to the file's directory, as for usrbridged)\n"
	    "  -i NAME    the instance usrbridged@NAME (-c " INSTANCE_DIR "/NAME.conf)\n"
	    "  -t SECONDS how long to wait for a reply (default 10)\n"
	    "  -V, --version  print the version;  -h, --help  this help\n");
}

static void
die_usage(const char *msg)
{
	fprintf(stderr, "usrbridgectl: %s\n", msg);
	usage(stderr);
	exit(EX_USAGE);
}

/* The control.socket of a config file; the table's default when the file
 * is absent and not named explicitly. */
static int
socket_of_config(const char *path, int explicit_file, char *out, size_t cap)
{
	struct conf_error err;
	struct settings st;
	char msg[600];

	if (conf_load(path, &st, &err) < 0) {
		const char *def = settings_find("control.socket").s->def[PERS_30X];

		if (!explicit_file && access(path, F_OK) < 0) {
			util_strlcpy(out, def, cap);
			return 0;
		}
		conf_error_format(&err, msg, sizeof(msg));
		if (explicit_file) {
			fprintf(stderr, "usrbridgectl: %s\n", msg);
			return -EINVAL;
		}
		/* A broken default config must not hide a running daemon. */
		fprintf(stderr, "usrbridgectl: %s; trying %s\n", msg, def);
		util_strlcpy(out, def, cap);
		return 0;
	}
	if (!st.control_socket[0]) {
		fprintf(stderr, "usrbridgectl: %s has no control socket (control.socket is empty)\n",
		    path);
		return -ENOENT;
	}
	util_strlcpy(out, st.control_socket, cap);
	return 0;
}

static int
connect_to(const char *path, int quiet)
{
	struct sockaddr_un sa;
	struct stat sb;
	int fd, e;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (util_strlcpy(sa.sun_path, path, sizeof(sa.sun_path)) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usrbridgectl: %s: path too long\n", path);
		return -EX_USAGE;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "usrbridgectl: socket: %s\n", strerror(errno));
		return -EX_PROTO;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return fd;
	e = errno;
	close(fd);
	if (e == EACCES || e == EPERM) {
		struct group *g = stat(path, &sb) == 0 ? getgrgid(sb.st_gid) : NULL;

		if (g)
			fprintf(stderr, "usrbridgectl: %s: permission denied; run as root or as a "
			    "member of group '%s'\n", path, g->gr_name);
		else
			fprintf(stderr, "usrbridgectl: %s: permission denied\n", path);
		return -EX_DENIED;
	}
	if (!quiet) {
		if (e == ENOENT || e == ECONNREFUSED || e == ENOTDIR)
			fprintf(stderr, "usrbridgectl: cannot connect to %s: %s; is usrbridged "
			    "running? (systemctl status usrbridged)\n", path,
			    e == ECONNREFUSED ? "nobody is listening" : strerror(e));
		else
			fprintf(stderr, "usrbridgectl: cannot connect to %s: %s\n", path, strerror(e));
	}
	return -EX_NOTRUNNING;
}

static int
send_all(int fd, const char *d, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, d, n, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		d += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Reads exactly n bytes, waiting at most timeout_ms for each chunk
 * (forever when wait is 0: the monitor). 0, -ETIMEDOUT, -EPIPE (EOF). */
static int
recv_exactly(int fd, void *buf, size_t n, int wait)
{
	char *p = buf;

	while (n > 0) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t r;
		int pr = poll(&pfd, 1, wait ? timeout_ms : -1);

		if (pr < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (pr == 0)
			return -ETIMEDOUT;
		r = recv(fd, p, n, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return -EPIPE;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* One frame header "WORD ... LEN\n" into words; returns the word count. */
static int
read_header(int fd, char *line, size_t cap, char **w, int maxw, int wait)
{
	size_t n = 0;
	int nw = 0, r;

	for (;;) {
		if (n + 1 >= cap)
			return -EPROTO;
		r = recv_exactly(fd, line + n, 1, wait);
		if (r < 0)
			return r;
		if (line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
	for (char *save = NULL, *t = strtok_r(line, " ", &save); t && nw < maxw;
	    t = strtok_r(NULL, " ", &save))
		w[nw++] = t;
	return nw;
}

static int
read_body(int fd, const char *lenw, char **body, size_t *len, int wait)
{
	long n;
	int r;

	if (util_parse_long(lenw, 0, BODY_MAX, &n) < 0)
		return -EPROTO;
	*body = malloc((size_t)n + 1);
	if (!*body)
		return -ENOMEM;
	r = recv_exactly(fd, *body, (size_t)n, wait);
	if (r < 0) {
		free(*body);
		return r;
	}
	(*body)[n] = '\0';
	*len = (size_t)n;
	return 0;
}

static int
proto_error(int r)
{
	if (r == -ETIMEDOUT)
		fprintf(stderr, "usrbridgectl: no reply within %d s\n", timeout_ms / 1000);
	else if (r == -EPIPE)
		fprintf(stderr, "usrbridgectl: the daemon closed the connection\n");
	else if (r == -EPROTO)
		fprintf(stderr, "usrbridgectl: malformed reply from the daemon\n");
	else
		fprintf(stderr, "usrbridgectl: %s\n", strerror(-r));
	return EX_PROTO;
}

/* Sends one request and reads its reply: OK/ERR and the body. */
static int
transact(int fd, const char *req, int *ok, char **body, size_t *len)
{
	char line[128], *w[4];
	int r, nw;

	r = send_all(fd, req, strlen(req));
	if (r < 0)
		return proto_error(r);
	nw = read_header(fd, line, sizeof(line), w, 4, 1);
	if (nw < 0)
		return proto_error(nw);
	if (nw != 2 || (strcmp(w[0], "OK") != 0 && strcmp(w[0], "ERR") != 0))
		return proto_error(-EPROTO);
	*ok = strcmp(w[0], "OK") == 0;
	r = read_body(fd, w[1], body, len, 1);
	if (r < 0)
		return proto_error(r);
	return EX_OK;
}

static void
print_chunk(const char *dir, const char *when, const uint8_t *d, size_t n)
{
	char line[128], ts[32];
	double t = strtod(when, NULL);
	time_t sec = (time_t)t;
	struct tm tm;

	localtime_r(&sec, &tm);
	strftime(ts, sizeof(ts), "%H:%M:%S", &tm);
	printf("%s.%06ld %s %zu byte%s\n", ts, (long)((t - (double)sec) * 1e6 + 0.5) % 1000000,
	    strcmp(dir, "from-serial") == 0 ? "serial -> network" :
	    strcmp(dir, "to-serial") == 0 ? "network -> serial" : dir, n, n == 1 ? "" : "s");
	for (size_t o = 0; o < n; o += 16) {
		util_hexdump_line(d + o, MIN(16, n - o), line, sizeof(line));
		printf("  %04zx  %s\n", o, line);
	}
	fflush(stdout);
}

/* A connect, disconnect or mode change between the data lines. */
static void
print_event(const char *when, const char *text, size_t n)
{
	char ts[32];
	double t = strtod(when, NULL);
	time_t sec = (time_t)t;
	struct tm tm;

	localtime_r(&sec, &tm);
	strftime(ts, sizeof(ts), "%H:%M:%S", &tm);
	printf("%s.%06ld -- %.*s\n", ts, (long)((t - (double)sec) * 1e6 + 0.5) % 1000000,
	    (int)n, text);
	fflush(stdout);
}

static int
monitor(int fd)
{
	char line[128], *w[5], *body;
	size_t len;
	int ok, r, nw;

	r = transact(fd, "monitor\n", &ok, &body, &len);
	if (r != EX_OK)
		return r;
	if (!ok) {
		fprintf(stderr, "usrbridgectl: %s", body);
		free(body);
		return EX_FAILED;
	}
	free(body);
	fprintf(stderr, "usrbridgectl: monitoring; Ctrl-C stops\n");
	for (;;) {
		nw = read_header(fd, line, sizeof(line), w, 5, 0);
		if (nw < 0)
			return proto_error(nw);
		if (nw == 4 && strcmp(w[0], "DATA") == 0) {
			r = read_body(fd, w[3], &body, &len, 1);
			if (r < 0)
				return proto_error(r);
			if (strcmp(w[1], "event") == 0)
				print_event(w[2], body, len);
			else
				print_chunk(w[1], w[2], (const uint8_t *)body, len);
			free(body);
		} else if (nw == 2 && strcmp(w[0], "ERR") == 0) {
			r = read_body(fd, w[1], &body, &len, 1);
			if (r < 0)
				return proto_error(r);
			fprintf(stderr, "usrbridgectl: %s", body);
			free(body);
			return EX_FAILED;
		} else {
			return proto_error(-EPROTO);
		}
	}
}

static int
list_ports_here(void)
{
	struct evbuffer *b = evbuffer_new();
	int r;

	if (!b)
		return EX_FAILED;
	r = ports_list(b);
	if (r < 0) {
		fprintf(stderr, "usrbridgectl: cannot list serial ports: %s\n", strerror(-r));
		evbuffer_free(b);
		return EX_FAILED;
	}
	/* The holders, from the lock directory a daemon uses by default. */
	portlock_list(settings_find("serial.lock_dir").s->def[PERS_30X], b);
	evbuffer_write(b, STDOUT_FILENO);
	evbuffer_free(b);
	return EX_OK;
}

static void
check_arg(const char *a)
{
	if (strpbrk(a, "\r\n"))
		die_usage("arguments must not contain line breaks");
}

int
main(int argc, char **argv)
{
	char sock[108] = "", req[CONTROL_REQUEST_MAX + 1], path[4096], *body = NULL;
	const char *config = NULL, *cmd;
	int c, fd, ok, r, nreq, explicit_file = 0;
	size_t len;
	long t;
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};

	log_open("usrbridgectl", 1, LOG_LVL_ERR);
	while ((c = getopt_long(argc, argv, "+s:c:i:t:Vh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (util_strlcpy(sock, optarg, sizeof(sock)) >= sizeof(sock))
				die_usage("socket path too long");
			break;
		case 'c':
			config = optarg;
			explicit_file = 1;
			break;
		case 'i':
			if (!*optarg || strchr(optarg, '/'))
				die_usage("-i takes an instance name such as ttyUSB1");
			snprintf(path, sizeof(path), "%s/%s.conf", INSTANCE_DIR, optarg);
			config = path;
			explicit_file = 1;
			break;
		case 't':
			if (util_parse_long(optarg, 1, 3600, &t) < 0)
				die_usage("-t takes 1 to 3600 seconds");
			timeout_ms = (int)t * 1000;
			timeout_given = 1;
			break;
		case 'V':
			printf("usrbridgectl %s\n", PACKAGE_VERSION);
			return EX_OK;
		case 'h':
			usage(stdout);
			return EX_OK;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		die_usage("no command given");
	cmd = argv[0];
	for (int i = 1; i < argc; i++)
		check_arg(argv[i]);

	if (strcmp(cmd, "get") == 0 && argc <= 2)
		nreq = snprintf(req, sizeof(req), "get%s%s\n", argc == 2 ? " " : "",
		    argc == 2 ? argv[1] : "");
	else if (strcmp(cmd, "set") == 0 && argc == 3)
		nreq = snprintf(req, sizeof(req), "set %s %s\n", argv[1], argv[2]);
	else if (strcmp(cmd, "at") == 0 && argc == 2)
		nreq = snprintf(req, sizeof(req), "at %s\n", argv[1]);
	else if (strcmp(cmd, "status") == 0 && (argc == 1 ||
	    (argc == 2 && (strcmp(argv[1], "--json") == 0 || strcmp(argv[1], "-j") == 0))))
		nreq = snprintf(req, sizeof(req), "status%s\n", argc == 2 ? " json" : "");
	else if ((strcmp(cmd, "restart") == 0 || strcmp(cmd, "reload") == 0 ||
	    strcmp(cmd, "ports") == 0 || strcmp(cmd, "monitor") == 0 ||
	    strcmp(cmd, "help") == 0) && argc == 1)
		nreq = snprintf(req, sizeof(req), "%s\n", cmd);
	else if (strcmp(cmd, "modem") == 0 && argc == 2)
		nreq = snprintf(req, sizeof(req), "modem %s\n", argv[1]);
	else if (strcmp(cmd, "sms") == 0 && argc == 3)
		nreq = snprintf(req, sizeof(req), "sms %s %s\n", argv[1], argv[2]);
	else if (strcmp(cmd, "get") == 0 || strcmp(cmd, "set") == 0 || strcmp(cmd, "at") == 0 ||
	    strcmp(cmd, "status") == 0 || strcmp(cmd, "restart") == 0 ||
	    strcmp(cmd, "reload") == 0 || strcmp(cmd, "ports") == 0 ||
	    strcmp(cmd, "monitor") == 0 || strcmp(cmd, "help") == 0 || strcmp(cmd, "sms") == 0 ||
	    strcmp(cmd, "modem") == 0)
		die_usage("wrong arguments for this command");
	else
		die_usage("unknown command");
	if (strcmp(cmd, "sms") == 0 && !timeout_given)
		timeout_ms = SMS_TIMEOUT_MS;
	else if (strcmp(cmd, "modem") == 0 && !timeout_given)
		timeout_ms = 70 * 1000;		/* a dial waits up to 60 s */
	if (nreq < 0 || (size_t)nreq >= sizeof(req))
		die_usage("request too long");

	if (!sock[0] && socket_of_config(config ? config : DEFAULT_CONFIG, explicit_file, sock,
	    sizeof(sock)) < 0)
		return EX_USAGE;
	signal(SIGPIPE, SIG_IGN);
	fd = connect_to(sock, strcmp(cmd, "ports") == 0);
	if (fd < 0) {
		if (strcmp(cmd, "ports") == 0 && fd == -EX_NOTRUNNING) {
			/* Finding the adapter comes before configuring the daemon. */
			fprintf(stderr, "usrbridgectl: usrbridged is not running at %s; "
			    "listing the ports seen from here\n", sock);
			return list_ports_here();
		}
		return -fd;
	}
	if (strcmp(cmd, "monitor") == 0) {
		r = monitor(fd);
		close(fd);
		return r;
	}
	r = transact(fd, req, &ok, &body, &len);
	close(fd);
	if (r != EX_OK)
		return r;
	if (ok || strcmp(cmd, "at") == 0 || strcmp(cmd, "modem") == 0) {
		/* An AT reply is printed as it came, errors too. */
		fwrite(body, 1, len, stdout);
	} else {
		fputs("usrbridgectl: ", stderr);
		fwrite(body, 1, len, stderr);
	}
	free(body);
	if (fflush(stdout) != 0)
		return EX_FAILED;
	return ok ? EX_OK : EX_FAILED;
}
