/*
 * log — see log.h.
 *
 * The logger's settings are the only process-wide state outside a daemon's
 * state struct: a log line must be writable from any layer (parsers, the
 * supervisor child) without threading a context through every call. They
 * are written once at start-up and only read afterwards.
 */
#include "core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static struct {
	char tag[32];
	enum log_level level;
	int file_fd;
} logger = { "agora", LOG_LEVEL_INFO, -1 };

void log_init(const char *tag, enum log_level level)
{
	snprintf(logger.tag, sizeof(logger.tag), "%s", tag);
	logger.level = level;
}

void log_set_level(enum log_level level) { logger.level = level; }
enum log_level log_get_level(void) { return logger.level; }

int log_level_parse(const char *name)
{
	if (!strcasecmp(name, "DEBUG") || !strcasecmp(name, "VERBOSE"))
		return LOG_LEVEL_DEBUG;
	if (!strcasecmp(name, "INFO"))
		return LOG_LEVEL_INFO;
	if (!strcasecmp(name, "WARNING") || !strcasecmp(name, "WARN"))
		return LOG_LEVEL_WARN;
	if (!strcasecmp(name, "ERROR"))
		return LOG_LEVEL_ERROR;
	return -1;
}

int log_open_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	if (logger.file_fd >= 0)
		close(logger.file_fd);
	logger.file_fd = fd;
	return 0;
}

static void vlog(enum log_level level, int errnum, const char *fmt, va_list ap)
{
	static const char letters[] = "DIWE";
	char line[4096];
	struct timeval tv;
	struct tm tm;
	size_t n;
	int r;

	if (level < logger.level)
		return;
	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	n = strftime(line, sizeof(line), "%Y-%m-%d %H:%M:%S", &tm);
	r = snprintf(line + n, sizeof(line) - n, ".%03d %c %s[%d]: ", (int)(tv.tv_usec / 1000),
		     letters[level], logger.tag, (int)getpid());
	if (r > 0)
		n += (size_t)r;
	if (n < sizeof(line)) {
		r = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
		if (r > 0)
			n += (size_t)r;
	}
	if (errnum && n < sizeof(line)) {
		r = snprintf(line + n, sizeof(line) - n, ": %s", strerror(errnum));
		if (r > 0)
			n += (size_t)r;
	}
	if (n >= sizeof(line) - 1)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	/* One write per line so concurrent processes do not interleave. */
	if (write(STDERR_FILENO, line, n) < 0) {
		/* nowhere left to report it */
	}
	if (logger.file_fd >= 0 && write(logger.file_fd, line, n) < 0) {
		/* same */
	}
}

#define DEFINE_LOG(fn, level, with_errno)                      \
	void fn(const char *fmt, ...)                          \
	{                                                      \
		int saved = errno;                             \
		va_list ap;                                    \
		va_start(ap, fmt);                             \
		vlog(level, with_errno ? saved : 0, fmt, ap);  \
		va_end(ap);                                    \
		errno = saved;                                 \
	}

DEFINE_LOG(log_debug, LOG_LEVEL_DEBUG, 0)
DEFINE_LOG(log_info, LOG_LEVEL_INFO, 0)
DEFINE_LOG(log_warn, LOG_LEVEL_WARN, 1)
DEFINE_LOG(log_warnx, LOG_LEVEL_WARN, 0)
DEFINE_LOG(log_error, LOG_LEVEL_ERROR, 0)

void fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	vlog(LOG_LEVEL_ERROR, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(LOG_LEVEL_ERROR, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
