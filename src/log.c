/* Logging: to stderr in the foreground (systemd's journal picks it up), to
 * syslog when daemonised. */
#include "config.h"

#include <stdio.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static struct {
	int to_stderr;
	enum log_level level;
	const char *ident;
} logger = { 1, LOG_LVL_INFO, "usrbridged" };

void
log_open(const char *ident, int to_stderr, enum log_level level)
{
	logger.ident = ident;
	logger.to_stderr = to_stderr;
	logger.level = level;
	if (!to_stderr)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_set_level(enum log_level level)
{
	logger.level = level;
}

enum log_level
log_get_level(void)
{
	return logger.level;
}

void
log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	static const int prio[] = {
		[LOG_LVL_ERR] = LOG_ERR, [LOG_LVL_WARN] = LOG_WARNING,
		[LOG_LVL_INFO] = LOG_INFO, [LOG_LVL_DEBUG] = LOG_DEBUG,
	};
	static const char *const tag[] = {
		[LOG_LVL_ERR] = "error", [LOG_LVL_WARN] = "warning",
		[LOG_LVL_INFO] = "info", [LOG_LVL_DEBUG] = "debug",
	};

	if (level > logger.level)
		return;
	if (!logger.to_stderr) {
		vsyslog(prio[level], fmt, ap);
		return;
	}
	/* "<N>" prefixes are understood by journald for stderr of services. */
	fprintf(stderr, "<%d>%s: %s: ", prio[level], logger.ident, tag[level]);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}
