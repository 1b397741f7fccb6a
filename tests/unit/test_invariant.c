/*
 * Unit tests for core/invariant.h: a failed check in a checking build
 * aborts with file:line and the expression; in a release build AG_ASSERT
 * is not evaluated and ALWAYS/NEVER yield their condition and carry on.
 * This file is built like the library: without AGORA_ASSERT under `make
 * check`, with it under `make asan`, and tests what its build has; the
 * aborting path is tested in both through a forked child.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/invariant.h"
#include "core/log.h"

/* Runs fn in a child with stderr in a pipe; returns its wait status, output in buf. */
static int in_child(void (*fn)(void), char *buf, size_t size)
{
	int fds[2], status = 0;
	ssize_t n, got = 0;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		signal(SIGABRT, SIG_DFL);
		dup2(fds[1], 2);
		close(fds[0]);
		fn();
		_exit(0);
	}
	close(fds[1]);
	while ((n = read(fds[0], buf + got, size - 1 - (size_t)got)) > 0)
		got += n;
	buf[got] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void fail_fatally(void)
{
	invariant_failed("used + offered <= total", "src/master/allocator.c", 42, true);
}

static void test_a_fatal_failure_aborts_naming_the_place(void **state)
{
	char out[4096];
	int status = in_child(fail_fatally, out, sizeof(out));
	(void)state;

	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	assert_non_null(strstr(out, "invariant failed at src/master/allocator.c:42: "
				    "used + offered <= total"));
}

static int evaluated;

static int touch(void)
{
	evaluated++;
	return 1;
}

#if AG_ASSERT_ACTIVE
static void assert_one_is_two(void)
{
	AG_ASSERT(1 + 1 == 3);
}

static void never_true(void)
{
	if (NEVER(evaluated == 0))
		_exit(3); /* not reached: NEVER aborted */
}

static void test_checking_build_aborts_on_each_macro(void **state)
{
	char out[4096];
	int status;
	(void)state;

	status = in_child(assert_one_is_two, out, sizeof(out));
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
	assert_non_null(strstr(out, "test_invariant.c"));
	assert_non_null(strstr(out, "1 + 1 == 3"));
	status = in_child(never_true, out, sizeof(out));
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
	assert_non_null(strstr(out, "evaluated == 0"));
	/* holding checks pass and yield their condition */
	AG_ASSERT(touch());
	assert_int_equal(evaluated, 1);
	assert_true(ALWAYS(evaluated == 1));
	assert_false(NEVER(evaluated == 2));
}
#else
static void always_false(void)
{
	if (!ALWAYS(evaluated < 0))
		_exit(7); /* the defensive path runs */
}

static void test_release_build_carries_on(void **state)
{
	char out[4096];
	int status;
	(void)state;

	AG_ASSERT(touch()); /* compiled out: not evaluated */
	assert_int_equal(evaluated, 0);
	status = in_child(always_false, out, sizeof(out));
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 7);
	assert_non_null(strstr(out, "evaluated < 0"));
	assert_non_null(strstr(out, "carrying on"));
	assert_true(NEVER(touch() == 1)); /* yields the condition, evaluated once */
	assert_int_equal(evaluated, 1);
	assert_true(ALWAYS(touch() && evaluated == 2));
	assert_int_equal(evaluated, 2);
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_fatal_failure_aborts_naming_the_place),
#if AG_ASSERT_ACTIVE
		cmocka_unit_test(test_checking_build_aborts_on_each_macro),
#else
		cmocka_unit_test(test_release_build_carries_on),
#endif
	};
	log_init("test", LOG_LEVEL_INFO);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
