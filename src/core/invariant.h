/*
 * invariant — checks of what the code believes can never happen, in the
 * style of SQLite's assert()/ALWAYS()/NEVER():
 *
 *   AG_ASSERT(x)  x holds here. Checked only in checking builds; in a
 *                 release build it is not evaluated at all, so x must have
 *                 no side effects and may be as costly as it needs to be.
 *   ALWAYS(x)     x should hold, and the code after it copes if it does not:
 *                 if (ALWAYS(t->agent)) ...   Yields x.
 *   NEVER(x)      x should not hold, and the code copes if it does:
 *                 if (NEVER(res_subtract(...) < 0)) { repair; }   Yields x.
 *
 * Checking builds define AGORA_ASSERT: `make asan` and the fuzz tree
 * (build-fuzz/) always do, and any build can (`make DEFS=-DAGORA_ASSERT`).
 * There a failed check logs "invariant failed at file:line: expr" (to
 * stderr, and the log file when set) and aborts, so that a sanitizer or fuzzer run stops
 * at the first broken invariant with a core and a stack.
 *
 * In a release build AG_ASSERT costs nothing, and ALWAYS/NEVER cost the
 * test of x the code does anyway: a violated one logs one error line with
 * file:line and the expression (the daemon keeps running on its defensive
 * path, and the operator has a line to report).
 */
#ifndef AGORA_CORE_INVARIANT_H
#define AGORA_CORE_INVARIANT_H

#include <stdbool.h>

/* Reports a failed check; aborts when fatal, else logs it and returns. */
void invariant_failed(const char *expr, const char *file, int line, bool fatal);

#ifdef AGORA_ASSERT
#define AG_ASSERT_ACTIVE 1
#define AG_ASSERT(x) ((x) ? (void)0 : invariant_failed(#x, __FILE__, __LINE__, true))
#define ALWAYS(x) ((x) ? true : (invariant_failed(#x, __FILE__, __LINE__, true), false))
#define NEVER(x) ((x) ? (invariant_failed(#x, __FILE__, __LINE__, true), true) : false)
#else
#define AG_ASSERT_ACTIVE 0
#define AG_ASSERT(x) ((void)sizeof(!(x))) /* type-checked, never evaluated */
#define ALWAYS(x) ((x) ? true : (invariant_failed(#x, __FILE__, __LINE__, false), false))
#define NEVER(x) ((x) ? (invariant_failed(#x, __FILE__, __LINE__, false), true) : false)
#endif

#endif
