/*
 * daemon — the start-up steps every `agora <role>` daemon shares: loading
 * its flags (with --help and the error text) and applying --logging_level
 * and --log_dir. Role-specific validation stays with the role.
 */
#ifndef AGORA_CORE_DAEMON_H
#define AGORA_CORE_DAEMON_H

#include "core/flags.h"

#define DAEMON_CONTINUE (-1)

/*
 * Loads argv into cfg. Prints "agora <role>: <error>" or the usage.
 * Returns DAEMON_CONTINUE to go on, else the exit code (0 after --help,
 * 1 after an error). fr receives --check-config etc.
 */
int daemon_load_flags(const char *role, const char *usage, const struct flag_def *defs,
		      size_t ndefs, void *cfg, int argc, char **argv, struct flags_result *fr);
/* Sets the log level and, with log_dir, also logs to <log_dir>/agora-<role>.log. */
void daemon_logging(const char *role, const char *level, const char *log_dir);

#endif
