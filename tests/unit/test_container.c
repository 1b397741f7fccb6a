/*
 * Unit tests for agent/container — the supervisor's half of isolation —
 * against the real kernel: Mesos' byte texts, the sandbox walk, the
 * "container" object's validation, an OOM kill recorded as a memory
 * limitation (cgroup v1 or v2 memory controller), a disk watch that ends
 * a task over its quota, and a private /dev in a mount namespace.
 *
 * The cgroup and /dev tests need root (they skip otherwise) and work under
 * their own cgroup root "agora-ctr-test-<pid>-<n>", removed at teardown.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/containerizer.h"
#include "core/util.h"

struct fx {
	struct cg_system sys;
	bool have_sys;
	char root_name[64];
	char tmpdir[PATH_MAX];
	pid_t kid;
};

static int counter;

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->root_name, sizeof(f->root_name), "agora-ctr-test-%d-%d", (int)getpid(),
		 ++counter);
	str_copy(f->tmpdir, "/tmp/agora-ctr-XXXXXX", sizeof(f->tmpdir));
	if (!mkdtemp(f->tmpdir))
		return -1;
	*state = f;
	return 0;
}

static int destroy_one(const char *name, void *arg)
{
	struct fx *f = arg;
	cg_kill_all(&f->sys, name, 5, NULL, 0);
	cg_destroy(&f->sys, name, NULL, 0);
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	if (f->kid > 0) {
		kill(f->kid, SIGKILL);
		waitpid(f->kid, NULL, 0);
	}
	if (f->have_sys) {
		cg_list(&f->sys, destroy_one, f);
		for (size_t h = 0; h < f->sys.nhier; h++)
			rmdir(f->sys.hier[h].root);
	}
	remove_tree(f->tmpdir);
	free(f);
	return 0;
}

static void detect_or_skip(struct fx *f, unsigned want)
{
	char err[512];
	int rc;

	if (geteuid() != 0)
		skip();
	rc = cg_detect(&f->sys, "/sys/fs/cgroup", f->root_name, want, err, sizeof(err));
	if (rc == -ENOENT || rc == -EROFS || rc == -EACCES) {
		print_message("skipping: %s\n", err);
		skip();
	}
	assert_int_equal(rc, 0);
	f->have_sys = true;
}

static json_t *spec_of(const char *text)
{
	json_t *j = json_loads(text, 0, NULL);
	assert_non_null(j);
	return j;
}

static void test_bytes_text(void **state)
{
	char buf[32];
	(void)state;

	ctr_bytes_text(32u << 20, buf, sizeof(buf));
	assert_string_equal(buf, "32MB");
	ctr_bytes_text(1536u << 10, buf, sizeof(buf));
	assert_string_equal(buf, "1536KB");
	ctr_bytes_text(3ULL << 30, buf, sizeof(buf));
	assert_string_equal(buf, "3GB");
	ctr_bytes_text(1000, buf, sizeof(buf));
	assert_string_equal(buf, "1000B");
	ctr_bytes_text(0, buf, sizeof(buf));
	assert_string_equal(buf, "0B");
}

static void write_mb(const char *path, int mb)
{
	char block[1 << 16];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	memset(block, 'x', sizeof(block));
	for (int i = 0; i < mb * 16; i++)
		assert_int_equal(write(fd, block, sizeof(block)), (ssize_t)sizeof(block));
	fsync(fd);
	close(fd);
}

static void test_disk_usage_walks_the_tree(void **state)
{
	struct fx *f = *state;
	char path[PATH_MAX];
	int64_t used;

	snprintf(path, sizeof(path), "%s/a/b", f->tmpdir);
	assert_int_equal(mkdir_p(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/a/b/two", f->tmpdir);
	write_mb(path, 2);
	snprintf(path, sizeof(path), "%s/one", f->tmpdir);
	write_mb(path, 1);
	snprintf(path, sizeof(path), "%s/link", f->tmpdir);
	assert_int_equal(symlink("/usr", path), 0); /* not followed */
	used = ctr_disk_usage(f->tmpdir);
	assert_true(used >= (3 << 20));
	assert_true(used < (4 << 20));
	assert_int_equal(ctr_disk_usage("/no/such/dir"), -ENOENT);
}

static void test_setup_without_spec_is_a_plain_run(void **state)
{
	struct fx *f = *state;
	struct ctr c;
	char why[256];
	int stage;
	json_t *bad;

	assert_int_equal(ctr_setup(&c, NULL, NULL, f->tmpdir, why, sizeof(why)), 0);
	assert_false(c.have_cgroup);
	assert_int_equal(ctr_enter(&c, &stage), 0);
	assert_null(ctr_limitation_json(&c));
	ctr_finish(&c);
	bad = spec_of("{\"devices\": [{\"type\": \"x\", \"major\": 1, \"minor\": 2, \"path\": \"/d\"}]}");
	assert_int_equal(ctr_setup(&c, bad, NULL, f->tmpdir, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "malformed device entry 0"));
	json_decref(bad);
	bad = spec_of("{\"cgroup\": \"abc\"}");
	assert_int_equal(ctr_setup(&c, bad, NULL, f->tmpdir, why, sizeof(why)), -ENOENT);
	assert_non_null(strstr(why, "no cgroups set up"));
	json_decref(bad);
}

/* The task: enters its container, then runs body; its own process group, like the supervisor's. */
static pid_t start(struct fx *f, const struct ctr *c, void (*body)(const char *dir))
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		int stage;
		setpgid(0, 0);
		if (ctr_enter(c, &stage) < 0)
			_exit(100 + stage);
		body(f->tmpdir);
		_exit(0);
	}
	setpgid(pid, pid);
	f->kid = pid;
	return pid;
}

static int reap(struct fx *f)
{
	int status = 0;
	assert_int_equal(waitpid(f->kid, &status, 0), f->kid);
	f->kid = 0;
	return status;
}

static void hog(const char *dir)
{
	size_t size = 200u << 20;
	char *p = malloc(size);
	(void)dir;
	for (size_t i = 0; p && i < size; i += 4096)
		p[i] = 1;
	pause();
}

static void test_oom_is_recorded_as_a_memory_limitation(void **state)
{
	struct fx *f = *state;
	json_t *spec = spec_of("{\"cgroup\": \"hog\", \"mem_bytes\": 33554432, \"mem_watch\": true}");
	struct ctr c;
	char why[512];
	pid_t pid;

	detect_or_skip(f, CG_MEM);
	assert_int_equal(ctr_setup(&c, spec, &f->sys, f->tmpdir, why, sizeof(why)), 0);
	assert_true(c.have_cgroup);
	assert_true(c.oom_fd >= 0);
	pid = start(f, &c, hog);
	ctr_wait(&c, pid, f->tmpdir, NULL, 0);
	ctr_finish(&c);
	assert_true(WIFSIGNALED(reap(f)));
	assert_string_equal(c.limit_resource, "mem");
	assert_true(str_starts_with(c.limit_message,
				    "Memory limit exceeded: Requested: 32MB Maximum Used: "));
	assert_true(c.limit_mb == 32.0);
	assert_false(cg_exists(&f->sys, "hog"));
	json_decref(spec);
}

static void filler(const char *dir)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/blob", dir);
	write_mb(path, 3);
	pause();
}

static void test_disk_watch_ends_a_task_over_its_quota(void **state)
{
	struct fx *f = *state;
	json_t *spec = spec_of("{\"disk_watch\": 0.05, \"disk_limit_bytes\": 1048576, "
			       "\"enforce_disk\": true}");
	struct ctr c;
	char why[256];
	json_t *lim;
	int status;
	pid_t pid;

	assert_int_equal(ctr_setup(&c, spec, NULL, f->tmpdir, why, sizeof(why)), 0);
	pid = start(f, &c, filler);
	ctr_wait(&c, pid, f->tmpdir, NULL, 0);
	ctr_finish(&c);
	status = reap(f);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	assert_string_equal(c.limit_resource, "disk");
	assert_true(str_starts_with(c.limit_message, "Disk usage ("));
	assert_non_null(strstr(c.limit_message, "exceeds quota (1MB)"));
	lim = ctr_limitation_json(&c);
	assert_string_equal(json_string_value(json_object_get(lim, "resource")), "disk");
	json_decref(lim);
	json_decref(spec);
}

static void list_dev(const char *dir)
{
	char path[PATH_MAX];
	DIR *d = opendir("/dev");
	struct dirent *de;
	FILE *out;

	snprintf(path, sizeof(path), "%s/listing", dir);
	out = fopen(path, "w");
	if (!d || !out)
		_exit(3);
	while ((de = readdir(d)))
		fprintf(out, "%s\n", de->d_name);
	closedir(d);
	fclose(out);
}

static void test_private_dev_holds_the_standard_nodes_only(void **state)
{
	struct fx *f = *state;
	json_t *spec = spec_of("{\"private_dev\": true, \"dev_dir\": \"/dev\"}");
	char why[512], path[PATH_MAX], *text = NULL;
	struct ctr c;
	struct stat st;
	int status;

	if (geteuid() != 0)
		skip();
	assert_int_equal(ctr_setup(&c, spec, NULL, f->tmpdir, why, sizeof(why)), 0);
	start(f, &c, list_dev);
	status = reap(f);
	ctr_finish(&c);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 102) {
		print_message("skipping: no mount namespaces here\n");
		skip();
	}
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	snprintf(path, sizeof(path), "%s/listing", f->tmpdir);
	assert_int_equal(file_read_all(path, 1 << 16, &text, NULL), 0);
	assert_non_null(strstr(text, "\nnull\n"));
	assert_non_null(strstr(text, "\nurandom\n"));
	assert_non_null(strstr(text, "\nfd\n"));
	assert_null(strstr(text, "\nkmsg\n"));
	free(text);
	snprintf(path, sizeof(path), "%s/dev", f->tmpdir);
	assert_int_equal(stat(path, &st), -1); /* the staging directory is gone */
	json_decref(spec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bytes_text),
		cmocka_unit_test_setup_teardown(test_disk_usage_walks_the_tree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_setup_without_spec_is_a_plain_run, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_oom_is_recorded_as_a_memory_limitation, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_disk_watch_ends_a_task_over_its_quota, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_private_dev_holds_the_standard_nodes_only,
						setup, teardown),
	};
	return cmocka_run_group_tests_name("container", tests, NULL, NULL);
}
