/*
 * invariant — see invariant.h. The one place a broken invariant is
 * reported: in a checking build (AGORA_ASSERT) it aborts after logging
 * file:line and the expression (stderr, and the log file when set); in a release
 * build ALWAYS()/NEVER() log it once per occurrence and the caller carries
 * on. Callable from any process (daemon loop, spawner, supervisor).
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/invariant.h"
#include "core/log.h"

void invariant_failed(const char *expr, const char *file, int line, bool fatal)
{
	if (fatal) {
		log_error("invariant failed at %s:%d: %s; aborting", file, line, expr);
		fflush(stderr);
		abort();
	}
	log_error("invariant failed at %s:%d: %s; carrying on", file, line, expr);
}
