/*
 * daemon — see daemon.h. Runs once at start-up, before any loop exists.
 *
 * daemon_auth_rule is the one place that decides whether a role may start
 * with its HTTP port unauthenticated, so master, agent and jobs (and any
 * future port) refuse, warn and fall back to loopback the same way.
 */
#include "core/daemon.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/util.h"

int daemon_load_flags(const char *role, const char *usage, const struct flag_def *defs,
		      size_t ndefs, void *cfg, int argc, char **argv, struct flags_result *fr)
{
	char err[1024];

	if (flags_load(defs, ndefs, cfg, argc, argv, 2, false, fr, err, sizeof(err)) < 0) {
		fprintf(stderr, "agora %s: %s\n(see 'agora %s --help')\n", role, err, role);
		return 1;
	}
	if (fr->help) {
		flags_usage(stdout, usage, defs, ndefs);
		return 0;
	}
	return DAEMON_CONTINUE;
}

void daemon_logging(const char *role, const char *level, const char *log_dir)
{
	char path[PATH_MAX];
	int lv = level ? log_level_parse(level) : -1;

	if (lv >= 0)
		log_set_level((enum log_level)lv);
	if (!log_dir)
		return;
	if (mkdir_p(log_dir, 0755) < 0 ||
	    str_printf(path, sizeof(path), "%s/agora-%s.log", log_dir, role) < 0 ||
	    log_open_file(path) < 0)
		log_warn("%s: cannot open a log file in %s", role, log_dir);
}

int daemon_auth_rule(const struct daemon_auth *in, char **ip, char *warning, size_t wsize,
		     char *err, size_t errlen)
{
	warning[0] = '\0';
	if (in->need_creds && !in->have_creds)
		return snprintf(err, errlen,
				"authentication is on by default but no credentials were given; "
				"give %s, or turn authentication off explicitly with %s",
				in->creds_flag, in->off_flags),
		       -EINVAL;
	if (!in->have_creds && !in->ip_given) {
		free(*ip);
		*ip = xstrdup("127.0.0.1");
	}
	if (in->off_what)
		snprintf(warning, wsize,
			 "%s is OFF (%s): whoever reaches %s may use this API without "
			 "credentials%s",
			 in->off_what, in->off_flags, *ip ? *ip : "this port",
			 in->have_creds || in->ip_given
				 ? ""
				 : " (bound to loopback only, as no credentials are "
				   "configured)");
	return 0;
}

void daemon_auth_warn(const char *role, const char *warning)
{
	if (!warning[0])
		return;
	log_warnx("%s: ************************************************************", role);
	log_warnx("%s: WARNING: %s", role, warning);
	log_warnx("%s: ************************************************************", role);
}

double daemon_build_time(void)
{
	/* __DATE__ "Dec  4 2026" and __TIME__ "19:02:03", UTC as far as we know */
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	const char *date = __DATE__, *mon;
	struct tm tm = { 0 };

	mon = strstr(months, (char[]){ date[0], date[1], date[2], 0 });
	if (!mon || sscanf(date + 4, "%d %d", &tm.tm_mday, &tm.tm_year) != 2 ||
	    sscanf(__TIME__, "%d:%d:%d", &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 3)
		return 0;
	tm.tm_mon = (int)(mon - months) / 3;
	tm.tm_year -= 1900;
	return (double)timegm(&tm);
}
