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
/*
 * The rule every role's HTTP port follows, so that none is open by accident:
 *  1. authentication is on by default; on, but without credentials, the
 *     daemon refuses to start, naming the flag that gives credentials and
 *     the flags that turn authentication off;
 *  2. off must be asked for explicitly, and then the daemon warns at start
 *     and in its info endpoint (the warning text below);
 *  3. with no credentials configured at all, the listen address defaults
 *     to loopback unless its flag was given.
 */
struct daemon_auth {
	bool need_creds;	/* some authentication is on */
	bool have_creds;	/* credentials are configured */
	const char *creds_flag; /* how to give them: "--http_credentials=USER:PASS" */
	const char *off_flags;	/* how to turn authentication off: "--no-authenticate_http" */
	const char *off_what;	/* NULL when every authentication is on, else what is off */
	const char *ip_flag;	/* "--http_address" */
	bool ip_given;		/* that flag was set (command line, env or --config) */
};

/*
 * Applies the rule. -EINVAL with err when (1) refuses. May replace *ip (a
 * flag value, malloc'd) by "127.0.0.1". warning gets the sentence (2) shows,
 * or "" when everything is on.
 */
int daemon_auth_rule(const struct daemon_auth *in, char **ip, char *warning, size_t wsize,
		     char *err, size_t errlen);
/* Logs warning (when not "") loudly: once logging is set up. */
void daemon_auth_warn(const char *role, const char *warning);

/* When this binary was built, seconds since the epoch (Mesos' "build_time"). */
double daemon_build_time(void);

/* Sets the log level and, with log_dir, also logs to <log_dir>/agora-<role>.log. */
void daemon_logging(const char *role, const char *level, const char *log_dir);

#endif
