/*
 * Unit tests for agent/gc: Mesos' max-allowed-age formula, the disk usage
 * reading, and the batched remover on real directory trees in a private
 * temporary directory: batches, links never followed (to a directory and
 * to a file outside), a link or file as the root, trees deeper than the fd
 * stack, and a missing root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/gc.h"
#include "core/util.h"

#define WEEK (7 * 86400.0)

static void test_max_allowed_age(void **state)
{
	(void)state;
	/* Mesos: gc_delay * max(0, 1 - gc_disk_headroom - usage) */
	assert_true(gc_max_allowed_age(WEEK, 0.1, 0.0) == WEEK * 0.9);
	assert_true(gc_max_allowed_age(WEEK, 0.1, 0.5) == WEEK * (1 - 0.1 - 0.5));
	assert_true(gc_max_allowed_age(WEEK, 0.0, 0.0) == WEEK);
	assert_true(gc_max_allowed_age(100, 0.1, 0.9) == 0);  /* at the headroom: remove all */
	assert_true(gc_max_allowed_age(100, 0.1, 0.95) == 0); /* past it: never negative */
	assert_true(gc_max_allowed_age(100, 1.0, 0.0) == 0);
	assert_true(gc_max_allowed_age(0, 0.1, 0.2) == 0);
	assert_true(gc_max_allowed_age(-5, 0.1, 0.2) == 0);
	/* the age only shrinks as the disk fills */
	for (int u = 0; u < 100; u++)
		assert_true(gc_max_allowed_age(WEEK, 0.1, (u + 1) / 100.0) <=
			    gc_max_allowed_age(WEEK, 0.1, u / 100.0));
}

static void test_disk_usage(void **state)
{
	double usage = -1;
	(void)state;
	assert_int_equal(gc_disk_usage("/", &usage), 0);
	assert_true(usage >= 0 && usage <= 1);
	assert_int_equal(gc_disk_usage("/nonexistent-agora-gc", &usage), -ENOENT);
}

/* ---- the remover ---- */

static char root[PATH_MAX];

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "%s/agora-test-gc-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(root));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	remove_tree(root);
	return 0;
}

static void put(const char *rel, const char *text)
{
	char path[PATH_MAX];
	FILE *f;
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void dir(const char *rel)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(mkdir(path, 0755), 0);
}

static void link_to(const char *target, const char *rel)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(symlink(target, path), 0);
}

static bool exists(const char *rel)
{
	char path[PATH_MAX];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return lstat(path, &st) == 0;
}

/* Runs the remover on rel in batches of budget; returns the number of calls. */
static unsigned remove_all(const char *rel, unsigned budget)
{
	struct gc_rm rm;
	char path[PATH_MAX];
	unsigned calls = 0;
	int r;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	r = gc_rm_start(&rm, path);
	assert_true(r == 0 || r == 1);
	if (r == 1)
		return 0;
	do {
		r = gc_rm_step(&rm, budget);
		calls++;
		assert_true(calls < 100000);
	} while (r == 1);
	assert_int_equal(r, 0);
	assert_int_equal(rm.error, 0);
	assert_false(rm.active);
	return calls;
}

static void test_remove_in_batches(void **state)
{
	char name[64], outside_abs[PATH_MAX], outside_file[PATH_MAX];
	(void)state;
	dir("outside");
	put("outside/keep", "precious");
	snprintf(outside_abs, sizeof(outside_abs), "%s/outside", root);
	snprintf(outside_file, sizeof(outside_file), "%s/outside/keep", root);

	dir("sandbox");
	dir("sandbox/a");
	dir("sandbox/a/b");
	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "sandbox/a/b/f%d", i);
		put(name, "x");
	}
	put("sandbox/stdout", "out");
	link_to(outside_abs, "sandbox/dir-link");	/* a link to a directory outside */
	link_to(outside_file, "sandbox/a/file-link");	/* a link to a file outside */
	link_to("/nonexistent", "sandbox/dangling");

	/* 3 entries a call: many calls, and the tree is gone at the end */
	assert_true(remove_all("sandbox", 3) > 30);
	assert_false(exists("sandbox"));
	/* nothing outside was followed */
	assert_true(exists("outside/keep"));
}

static void test_root_is_a_link_or_missing(void **state)
{
	struct gc_rm rm;
	char path[PATH_MAX], outside_abs[PATH_MAX];
	(void)state;
	dir("outside");
	put("outside/keep", "precious");
	snprintf(outside_abs, sizeof(outside_abs), "%s/outside", root);
	link_to(outside_abs, "sandbox");
	snprintf(path, sizeof(path), "%s/sandbox", root);
	assert_int_equal(gc_rm_start(&rm, path), 1); /* the link goes, its target stays */
	assert_false(exists("sandbox"));
	assert_true(exists("outside/keep"));
	assert_int_equal(gc_rm_start(&rm, path), 1); /* nothing there: done */
	assert_int_equal(gc_rm_start(&rm, "relative"), -EINVAL);
}

static void test_deeper_than_the_fd_stack(void **state)
{
	char rel[PATH_MAX] = "deep";
	size_t len = strlen(rel);
	(void)state;
	dir(rel);
	for (int i = 0; i < GC_RM_MAX_DEPTH * 3; i++) {
		len += (size_t)snprintf(rel + len, sizeof(rel) - len, "/d");
		dir(rel);
		if (i % 10 == 0) {
			char file[PATH_MAX];
			snprintf(file, sizeof(file), "%s/f", rel);
			put(file, "y");
		}
	}
	remove_all("deep", 7);
	assert_false(exists("deep"));
}

static void test_budget_zero_and_abort(void **state)
{
	struct gc_rm rm;
	char path[PATH_MAX];
	(void)state;
	dir("s");
	dir("s/t");
	put("s/t/u", "z");
	snprintf(path, sizeof(path), "%s/s", root);
	assert_int_equal(gc_rm_start(&rm, path), 0);
	assert_int_equal(gc_rm_step(&rm, 0), 1); /* no budget: nothing done, more to do */
	assert_int_equal(gc_rm_step(&rm, 2), 1);
	gc_rm_abort(&rm);
	assert_false(rm.active);
	assert_true(exists("s"));
	remove_all("s", 1);
	assert_false(exists("s"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_max_allowed_age),
		cmocka_unit_test(test_disk_usage),
		cmocka_unit_test_setup_teardown(test_remove_in_batches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_root_is_a_link_or_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deeper_than_the_fd_stack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_budget_zero_and_abort, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
