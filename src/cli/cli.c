/*
 * cli — what the client verbs share: how a verb reports an error to the
 * person at the terminal. Runs in the verb's own short-lived process.
 */
#include <stdarg.h>
#include <stdio.h>

#include "cli/cli.h"

void cli_fail(const char *verb, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "agora %s: ", verb);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
