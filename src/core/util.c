/*
 * util — see util.h. Every function here is pure or touches only the files
 * it is given; nothing keeps state between calls.
 */
#include "core/util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

size_t str_copy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);
	if (size) {
		size_t n = len < size - 1 ? len : size - 1;
		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

size_t str_append(char *dst, const char *src, size_t size)
{
	size_t cur = strnlen(dst, size);
	if (cur == size)
		return size + strlen(src);
	return cur + str_copy(dst + cur, src, size - cur);
}

int str_printf(char *dst, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;
	va_start(ap, fmt);
	n = vsnprintf(dst, size, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	return (size_t)n < size ? 0 : -ENAMETOOLONG;
}

int str_fail(char *err, size_t size, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err && size) {
		va_start(ap, fmt);
		vsnprintf(err, size, fmt, ap);
		va_end(ap);
	}
	return rc;
}

bool str_starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool str_ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lf = strlen(suffix);
	return ls >= lf && memcmp(s + ls - lf, suffix, lf) == 0;
}

char *str_trim(char *s)
{
	char *end;
	while (*s && isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

static void oom(void)
{
	static const char msg[] = "agora: out of memory\n";
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
		/* nothing else to do */
	}
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *xcalloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1);
	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *xreallocarray(void *p, size_t count, size_t size)
{
	if (size && count > SIZE_MAX / size)
		oom();
	return xrealloc(p, count * size);
}

char *xstrdup(const char *s)
{
	char *d = strdup(s);
	if (!d)
		oom();
	return d;
}

char *xstrndup(const char *s, size_t n)
{
	char *d = strndup(s, n);
	if (!d)
		oom();
	return d;
}

int file_read_all(const char *path, size_t max_size, char **data_out, size_t *len_out)
{
	int fd, err = 0;
	char *buf = NULL;
	size_t len = 0, cap = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n;
		if (cap - len < 4096) {
			if (cap > max_size) {
				err = -EFBIG;
				goto out;
			}
			cap = cap ? cap * 2 : 8192;
			buf = xrealloc(buf, cap + 1);
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max_size) {
			err = -EFBIG;
			goto out;
		}
	}
	if (!buf)
		buf = xmalloc(1);
	buf[len] = '\0';
	*data_out = buf;
	buf = NULL;
	if (len_out)
		*len_out = len;
out:
	free(buf);
	close(fd);
	return err;
}

static int fsync_parent(const char *path)
{
	char dir[PATH_MAX];
	char *slash;
	int fd, err = 0;

	str_copy(dir, path, sizeof(dir));
	slash = strrchr(dir, '/');
	if (!slash)
		str_copy(dir, ".", sizeof(dir));
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		err = -errno;
	close(fd);
	return err;
}

int fd_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_replace(const char *path, const void *data, size_t len, int mode,
			 bool durable)
{
	char tmp[PATH_MAX];
	int fd, err;

	if (str_printf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) < 0)
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return -errno;
	err = fd_write_all(fd, data, len);
	if (!err && durable && fsync(fd) < 0)
		err = -errno;
	if (close(fd) < 0 && !err)
		err = -errno;
	if (!err && rename(tmp, path) < 0)
		err = -errno;
	if (err) {
		unlink(tmp);
		return err;
	}
	return durable ? fsync_parent(path) : 0;
}

int file_write_atomic(const char *path, const void *data, size_t len, int mode)
{
	return write_replace(path, data, len, mode, true);
}

int file_replace(const char *path, const void *data, size_t len, int mode)
{
	return write_replace(path, data, len, mode, false);
}

int mkdir_p(const char *path, int mode)
{
	char buf[PATH_MAX];
	char *p;

	/* Most paths lack only their last component or none: one call then. */
	if (mkdir(path, (mode_t)mode) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return -errno;
	if (str_copy(buf, path, sizeof(buf)) >= sizeof(buf))
		return -ENAMETOOLONG;
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, (mode_t)mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, (mode_t)mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

ssize_t fd_recv_msg(int fd, void *buf, size_t len, int *pass_fd, struct ucred *cred)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct ucred))];
	} control;
	struct iovec iov = { buf, len };
	struct msghdr mh;
	struct cmsghdr *c;
	ssize_t n;

	if (pass_fd)
		*pass_fd = -1;
	if (cred)
		memset(cred, 0, sizeof(*cred));
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = control.buf;
	mh.msg_controllen = sizeof(control.buf);
	do
		n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type == SCM_RIGHTS) {
			size_t nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (size_t i = 0; i < nfds; i++) {
				int got;
				memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
				if (pass_fd && *pass_fd < 0)
					*pass_fd = got;
				else
					close(got);
			}
		} else if (c->cmsg_type == SCM_CREDENTIALS && cred &&
			   c->cmsg_len >= CMSG_LEN(sizeof(*cred))) {
			memcpy(cred, CMSG_DATA(c), sizeof(*cred));
		}
	}
	return n;
}

int fd_send_msg(int fd, const void *buf, size_t len, int pass_fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	struct iovec iov = { (void *)buf, len };
	struct msghdr mh;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (pass_fd >= 0) {
		struct cmsghdr *c;
		memset(&control, 0, sizeof(control));
		mh.msg_control = control.buf;
		mh.msg_controllen = sizeof(control.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
	}
	while (sendmsg(fd, &mh, MSG_NOSIGNAL) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

int remove_tree(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	int err = 0;

	if (!path[0] || !strcmp(path, "/"))
		return -EINVAL;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlink(path) < 0 ? -errno : 0;
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char child[PATH_MAX];
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (str_printf(child, sizeof(child), "%s/%s", path, de->d_name) < 0) {
			err = -ENAMETOOLONG;
			continue;
		}
		int r = remove_tree(child);
		if (r && !err)
			err = r;
	}
	closedir(d);
	if (rmdir(path) < 0 && !err)
		err = -errno;
	return err;
}

int parse_int64(const char *s, int64_t *out)
{
	char *end;
	long long v;
	if (!s || !*s || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_uint64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_double(const char *s, double *out)
{
	char *end;
	double v;
	if (!s || !*s || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v))
		return -EINVAL;
	*out = v;
	return 0;
}

/* Splits "12.5secs" into number and unit; the unit may be empty. */
static int split_number_unit(const char *s, double *num, const char **unit)
{
	char buf[64];
	size_t i = 0;
	while (s[i] && (isdigit((unsigned char)s[i]) || s[i] == '.'))
		i++;
	if (i == 0 || i >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, i);
	buf[i] = '\0';
	if (parse_double(buf, num) < 0)
		return -EINVAL;
	*unit = s + i;
	return 0;
}

int parse_duration(const char *s, double *seconds_out)
{
	static const struct {
		const char *unit;
		double factor;
	} units[] = {
		{ "ns", 1e-9 },	  { "us", 1e-6 },    { "ms", 1e-3 },     { "secs", 1 },
		{ "sec", 1 },	  { "s", 1 },	     { "mins", 60 },     { "min", 60 },
		{ "hrs", 3600 },  { "hr", 3600 },    { "days", 86400 },  { "day", 86400 },
		{ "weeks", 604800 }, { "week", 604800 }, { "", 1 },
	};
	const char *unit;
	double num;

	if (split_number_unit(s, &num, &unit) < 0)
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_LEN(units); i++) {
		if (!strcmp(unit, units[i].unit)) {
			*seconds_out = num * units[i].factor;
			return 0;
		}
	}
	return -EINVAL;
}

int parse_bytes(const char *s, uint64_t *bytes_out)
{
	static const struct {
		const char *unit;
		double factor;
	} units[] = {
		{ "B", 1 },	       { "KB", 1024.0 },	{ "MB", 1048576.0 },
		{ "GB", 1073741824.0 }, { "TB", 1099511627776.0 }, { "", 1 },
	};
	const char *unit;
	double num;

	if (split_number_unit(s, &num, &unit) < 0)
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_LEN(units); i++) {
		if (!strcmp(unit, units[i].unit)) {
			double v = num * units[i].factor;
			if (v >= 18446744073709551615.0)
				return -EINVAL;
			*bytes_out = (uint64_t)v;
			return 0;
		}
	}
	return -EINVAL;
}

void format_duration(double seconds, char *buf, size_t size)
{
	if (seconds >= 86400 && fmod(seconds, 86400) == 0)
		snprintf(buf, size, "%gdays", seconds / 86400);
	else if (seconds >= 3600 && fmod(seconds, 3600) == 0)
		snprintf(buf, size, "%ghrs", seconds / 3600);
	else if (seconds >= 60 && fmod(seconds, 60) == 0)
		snprintf(buf, size, "%gmins", seconds / 60);
	else if (seconds >= 1 || seconds == 0)
		snprintf(buf, size, "%gsecs", seconds);
	else
		snprintf(buf, size, "%gms", seconds * 1000);
}

double now_wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double now_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
