/*
 * log — the one logging API of every agora process.
 *
 * Lines go to stderr (and to --log_dir/<role>.log when set) as
 *   2026-11-25 15:02:42.123 I master: agent 1a2b-S0 (n5:5051) registered
 * log_warn() appends ": <strerror(errno)>", log_warnx() does not (OpenBSD
 * style). All functions are printf-checked. Not thread-safe; agora daemons
 * are single-threaded.
 */
#ifndef AGORA_CORE_LOG_H
#define AGORA_CORE_LOG_H

#include <stdarg.h>

enum log_level { LOG_LEVEL_DEBUG = 0, LOG_LEVEL_INFO, LOG_LEVEL_WARN, LOG_LEVEL_ERROR };

#define LOG_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Sets the role tag ("master", "agent", ...) and the minimum level. */
void log_init(const char *tag, enum log_level level);
/* Parses "DEBUG|INFO|WARNING|WARN|ERROR" (any case); -1 when unknown. */
int log_level_parse(const char *name);
/* Also append every line to this file (opened O_APPEND); 0 or -errno. */
int log_open_file(const char *path);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

void log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_info(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_warn(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_warnx(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_error(const char *fmt, ...) LOG_PRINTF(1, 2);
/* Fatal: logs with errno text, exits 1. */
void fatal(const char *fmt, ...) LOG_PRINTF(1, 2) __attribute__((noreturn));
/* Fatal: logs without errno text, exits 1. */
void fatalx(const char *fmt, ...) LOG_PRINTF(1, 2) __attribute__((noreturn));

#endif
