/*
 * daemon — see daemon.h. Runs once at start-up, before any loop exists.
 */
#include "core/daemon.h"

#include <limits.h>
#include <stdio.h>

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
