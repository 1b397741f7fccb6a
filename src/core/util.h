/*
 * util — small, bounded helpers every layer needs: string copies that
 * always terminate, whole-file reads with a size cap, atomic file writes,
 * strict number/duration/byte-size parsers, clocks.
 *
 * Error convention (the project's): int results are 0 or -errno; parsers
 * return 0 or -EINVAL and never read past the given string.
 */
#ifndef AGORA_CORE_UTIL_H
#define AGORA_CORE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <stdint.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Copies at most size-1 bytes and always terminates; returns strlen(src). */
size_t str_copy(char *dst, const char *src, size_t size);
/* Appends like strlcat; returns the length it tried to create. */
size_t str_append(char *dst, const char *src, size_t size);
/* snprintf that reports truncation: 0 when it fit, -ENAMETOOLONG if not. */
int str_printf(char *dst, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/*
 * The one way a parser or loader reports a failure: formats the message
 * into err (nothing when err is NULL or size 0) and returns rc, so that
 *   return str_fail(err, errlen, -EINVAL, "schedule: bad period '%s'", p);
 */
int str_fail(char *err, size_t size, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
bool str_starts_with(const char *s, const char *prefix);
bool str_ends_with(const char *s, const char *suffix);
/* Trims ASCII whitespace in place at both ends; returns s moved forward. */
char *str_trim(char *s);
/* malloc'd copy; aborts on out-of-memory (as every x* helper does). */
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
/* xrealloc for arrays with overflow check. */
void *xreallocarray(void *p, size_t count, size_t size);

/*
 * Reads a whole file into a malloc'd NUL-terminated buffer of at most
 * max_size bytes. -EFBIG when larger. *len_out may be NULL.
 */
int file_read_all(const char *path, size_t max_size, char **data_out, size_t *len_out);
/* write() until all of data is written (EINTR retried); 0 or -errno. */
int fd_write_all(int fd, const void *data, size_t len);
/* Writes data to path via a temp file, fsync and rename (and fsync of the dir). */
int file_write_atomic(const char *path, const void *data, size_t len, int mode);
/* The same without the fsyncs: readers see the old or the new file, never a part. */
int file_replace(const char *path, const void *data, size_t len, int mode);
/* mkdir -p with the given mode for created components (the leaf is tried first). */
int mkdir_p(const char *path, int mode);

struct ucred;
/*
 * One recvmsg() on a unix socket, never blocking (EINTR retried): the
 * message's size, or -errno (-EAGAIN when none is waiting). pass_fd (may
 * be NULL) gets a descriptor sent with SCM_RIGHTS, close-on-exec, or -1;
 * cred (may be NULL) the sender's SCM_CREDENTIALS, pid 0 when none came.
 * A descriptor the caller did not ask for is closed.
 */
ssize_t fd_recv_msg(int fd, void *buf, size_t len, int *pass_fd, struct ucred *cred);
/* One sendmsg() (EINTR retried, no SIGPIPE), with pass_fd attached when >= 0; 0 or -errno. */
int fd_send_msg(int fd, const void *buf, size_t len, int pass_fd);
/* rm -rf, refusing "/" and "". */
int remove_tree(const char *path);

/* Strict parsers: the whole string must be consumed, no leading space. */
int parse_int64(const char *s, int64_t *out);
int parse_uint64(const char *s, uint64_t *out);
int parse_double(const char *s, double *out);
/* "15secs", "10mins", "500ms", "1.5hrs", "2days", "1weeks", bare number = seconds. */
int parse_duration(const char *s, double *seconds_out);
/* "512MB", "1GB", "100B", bare number = bytes. */
int parse_bytes(const char *s, uint64_t *bytes_out);
/* Prints a duration the way Mesos flags do: "15secs", "2mins". */
void format_duration(double seconds, char *buf, size_t size);

/* Wall clock, seconds since the epoch. */
double now_wall(void);

/* Monotonic clock, seconds. */
double now_mono(void);

#endif
