/*
 * Unit tests for agent/cgroups against the real kernel: detection, limits
 * read back from cgroupfs, a child joining its cgroup, killing a fork bomb
 * with a disowned grandchild, an OOM kill, the v1 device whitelist, and the
 * v2 code paths on the controller-less unified mount of a hybrid host.
 *
 * Needs root and cgroup v1 controllers under /sys/fs/cgroup (tests skip
 * otherwise). Every test works under its own root "agora-test-<pid>-<n>"
 * and the teardown kills and removes everything in it, pass or fail. The
 * test process is a child subreaper, so disowned grandchildren come back
 * to it and are reaped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/cgroups.h"
#include "core/util.h"

#define HIER "/sys/fs/cgroup"
#define UNIFIED "/sys/fs/cgroup/unified"
#define CGROUP2_MAGIC 0x63677270

struct fx {
	struct cg_system sys;
	bool have_sys;
	char root_name[64];
	char tmpdir[PATH_MAX]; /* device nodes, when a test makes some */
	char err[1024];
	pid_t kids[8]; /* direct children to kill if a test fails early */
	size_t nkids;
};

/* ---- helpers ---- */

static bool is_cgroup2(const char *path)
{
	struct statfs st;
	return statfs(path, &st) == 0 && st.f_type == CGROUP2_MAGIC;
}

static int count_calls;

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->root_name, sizeof(f->root_name), "agora-test-%d-%d", (int)getpid(), ++count_calls);
	*state = f;
	return 0;
}

/* Detects with the fixture's root, or skips when this host cannot run the test. */
static void detect_or_skip(struct fx *f, const char *hierarchy, unsigned want)
{
	int rc;

	if (geteuid() != 0)
		skip();
	rc = cg_detect(&f->sys, hierarchy, f->root_name, want, f->err, sizeof(f->err));
	if (rc == -ENOENT || rc == -EROFS || rc == -EACCES) {
		print_message("skipping: %s\n", f->err);
		skip();
	}
	assert_int_equal(rc, 0);
	f->have_sys = true;
}

static int destroy_one(const char *name, void *arg)
{
	struct fx *f = arg;
	cg_kill_all(&f->sys, name, 5, NULL, 0);
	cg_destroy(&f->sys, name, NULL, 0);
	return 0;
}

static void reap_all(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	for (size_t i = 0; i < f->nkids; i++)
		kill(f->kids[i], SIGKILL);
	if (f->have_sys) {
		cg_list(&f->sys, destroy_one, f);
		for (size_t h = 0; h < f->sys.nhier; h++)
			rmdir(f->sys.hier[h].root);
		if (f->sys.agent_leaf[0])
			fprintf(stderr, "note: the test moved itself into %s\n", f->sys.agent_leaf);
	}
	for (size_t i = 0; i < f->nkids; i++)
		waitpid(f->kids[i], NULL, 0);
	reap_all();
	if (f->tmpdir[0])
		remove_tree(f->tmpdir);
	free(f);
	return 0;
}

static void read_file(const struct fx *f, unsigned ctl, const char *name, const char *file, char *buf, size_t size)
{
	char path[PATH_MAX];
	char *data = NULL;

	assert_int_equal(cg_path(&f->sys, ctl, name, file, path, sizeof(path)), 0);
	assert_int_equal(file_read_all(path, 1 << 20, &data, NULL), 0);
	str_copy(buf, str_trim(data), size);
	free(data);
}

static void assert_file(const struct fx *f, unsigned ctl, const char *name, const char *file, const char *want)
{
	char buf[256];
	read_file(f, ctl, name, file, buf, sizeof(buf));
	if (strcmp(buf, want) != 0)
		fail_msg("%s: got '%s', want '%s'", file, buf, want);
}

static bool pid_listed(const char *path, pid_t pid)
{
	char *data = NULL, want[32];
	bool found;

	if (file_read_all(path, 1 << 20, &data, NULL) != 0)
		return false;
	snprintf(want, sizeof(want), "\n%d\n", (int)pid);
	found = strncmp(data, want + 1, strlen(want + 1)) == 0 || strstr(data, want) != NULL;
	free(data);
	return found;
}

/* Gone, or a zombie nobody reaped yet. */
static bool pid_dead(pid_t pid)
{
	char path[64], buf[512], *paren;
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return true;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return true;
	buf[n] = '\0';
	paren = strrchr(buf, ')');
	return paren && (paren[2] == 'Z' || paren[2] == 'X');
}

/*
 * Forks a child that joins the cgroup, reports "ok" (or the errno) on a
 * pipe, then runs body (which never returns). Returns the child's pid once
 * it is inside; the read end of the pipe stays open in *sync_fd for more.
 */
static pid_t spawn_in(struct fx *f, const char *name, void (*body)(int wfd), int *sync_fd)
{
	int p[2];
	char byte;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int rc;
		close(p[0]);
		rc = cg_enter(&f->sys, name, NULL, 0);
		byte = rc == 0 ? 'k' : 'e';
		if (write(p[1], &byte, 1) != 1 || rc)
			_exit(111);
		body(p[1]);
		_exit(112);
	}
	close(p[1]);
	f->kids[f->nkids++] = pid;
	assert_int_equal(read(p[0], &byte, 1), 1);
	assert_int_equal(byte, 'k');
	if (sync_fd)
		*sync_fd = p[0];
	else
		close(p[0]);
	return pid;
}

static void body_sleep(int wfd)
{
	(void)wfd;
	for (;;)
		pause();
}

static int wait_exit(struct fx *f, pid_t pid)
{
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	for (size_t i = 0; i < f->nkids; i++)
		if (f->kids[i] == pid)
			f->kids[i] = f->kids[--f->nkids];
	return status;
}

static const struct cg_limits no_limits = { 0 };

/* ---- tests ---- */

static void test_names(void **state)
{
	char longname[300];

	(void)state;
	memset(longname, 'a', sizeof(longname));
	longname[CG_NAME_MAX] = '\0';
	assert_int_equal(cg_check_name(longname), 0);
	longname[CG_NAME_MAX] = 'a';
	longname[CG_NAME_MAX + 1] = '\0';
	assert_int_equal(cg_check_name(longname), -EINVAL);
	assert_int_equal(cg_check_name("8b0c9f3e-1f2d-4c55-9a0e-7d5b1c2a3f40"), 0);
	assert_int_equal(cg_check_name("web.1"), 0);
	assert_int_equal(cg_check_name(""), -EINVAL);
	assert_int_equal(cg_check_name("."), -EINVAL);
	assert_int_equal(cg_check_name(".."), -EINVAL);
	assert_int_equal(cg_check_name("a/b"), -EINVAL);
	assert_int_equal(cg_check_name("../x"), -EINVAL);
	assert_int_equal(cg_check_name("a\nb"), -EINVAL);
	assert_int_equal(cg_check_name(NULL), -EINVAL);
}

static void test_detect_errors(void **state)
{
	struct fx *f = *state;
	struct cg_system sys;

	assert_int_equal(cg_detect(&sys, "relative", "agora", CG_CPU, f->err, sizeof(f->err)), -EINVAL);
	assert_non_null(strstr(f->err, "--cgroups_hierarchy"));
	assert_int_equal(cg_detect(&sys, HIER, "../escape", CG_CPU, f->err, sizeof(f->err)), -EINVAL);
	assert_non_null(strstr(f->err, "--cgroups_root"));
	assert_int_equal(cg_detect(&sys, HIER, "/abs", CG_CPU, f->err, sizeof(f->err)), -EINVAL);
	assert_int_equal(cg_detect(&sys, HIER, "a//b", CG_CPU, f->err, sizeof(f->err)), -EINVAL);
	assert_int_equal(cg_detect(&sys, "/proc", "agora", CG_CPU, f->err, sizeof(f->err)), -ENOENT);
	assert_string_equal(f->err, "no cgroup filesystem is mounted at or under /proc");
	if (is_cgroup2(UNIFIED) && !is_cgroup2(HIER)) {
		/* hybrid: the v2 mount has no controllers, they are all bound to v1 */
		assert_int_equal(cg_detect(&sys, UNIFIED, f->root_name, CG_MEM, f->err, sizeof(f->err)), -ENOENT);
		assert_non_null(strstr(f->err, "'memory'"));
		assert_non_null(strstr(f->err, UNIFIED "/cgroup.controllers"));
	}
}

static void test_detect_v1(void **state)
{
	struct fx *f = *state;
	struct stat st;

	if (is_cgroup2(HIER))
		skip();
	detect_or_skip(f, HIER, CG_CPU | CG_MEM | CG_PIDS | CG_DEVICES | CG_FREEZER);
	assert_true(f->sys.version == CG_V1_HYBRID || f->sys.version == CG_V1_LEGACY);
	if (is_cgroup2(UNIFIED))
		assert_string_equal(cg_version_name(&f->sys), "v1-hybrid");
	assert_int_equal(f->sys.have, CG_CPU | CG_MEM | CG_PIDS | CG_DEVICES | CG_FREEZER);
	assert_true(f->sys.cpu_hier >= 0 && f->sys.cpuacct_hier >= 0 && f->sys.mem_hier >= 0);
	for (size_t h = 0; h < f->sys.nhier; h++) {
		assert_int_equal(stat(f->sys.hier[h].root, &st), 0);
		assert_true(S_ISDIR(st.st_mode));
	}
	/* this host mounts cpu and cpuacct apart: two trees */
	if (stat(HIER "/cpuacct/cpuacct.stat", &st) == 0 && stat(HIER "/cpu/cpu.shares", &st) == 0 &&
	    stat(HIER "/cpu/cpuacct.stat", &st) != 0)
		assert_int_not_equal(f->sys.cpu_hier, f->sys.cpuacct_hier);
	/* freezer joins even when not asked for: cg_kill_all wants it */
	{
		struct cg_system s2;
		assert_int_equal(cg_detect(&s2, HIER "/", f->root_name, CG_MEM, f->err, sizeof(f->err)), 0);
		assert_true(s2.freezer_hier >= 0);
		assert_int_equal(s2.cpu_hier, -1);
		assert_string_equal(s2.hierarchy, HIER);
	}
}

static void test_create_and_rewrite_limits(void **state)
{
	struct fx *f = *state;
	struct cg_limits lim = { .cpus = 0.5, .cfs_quota = true, .mem_bytes = 64 << 20, .pids_max = 100 };
	char path[PATH_MAX];
	struct stat st;

	detect_or_skip(f, HIER, CG_CPU | CG_MEM | CG_PIDS);
	if (f->sys.version == CG_V2)
		skip();
	assert_int_equal(cg_create(&f->sys, "c1", &lim, f->err, sizeof(f->err)), 0);
	assert_true(cg_exists(&f->sys, "c1"));
	assert_file(f, CG_CPU, "c1", "cpu.shares", "512");
	assert_file(f, CG_CPU, "c1", "cpu.cfs_period_us", "100000");
	assert_file(f, CG_CPU, "c1", "cpu.cfs_quota_us", "50000");
	assert_file(f, CG_MEM, "c1", "memory.limit_in_bytes", "67108864");
	if (f->sys.v1_memsw)
		assert_file(f, CG_MEM, "c1", "memory.memsw.limit_in_bytes", "67108864");
	assert_file(f, CG_PIDS, "c1", "pids.max", "100");
	for (size_t h = 0; h < f->sys.nhier; h++) { /* cpuacct too */
		assert_int_equal(str_printf(path, sizeof(path), "%s/c1", f->sys.hier[h].root), 0);
		assert_int_equal(stat(path, &st), 0);
	}

	/* a leftover with the same name: reused, limits rewritten (raising memory: memsw first) */
	lim = (struct cg_limits){ .cpus = 2, .cfs_quota = false, .mem_bytes = 128 << 20 };
	assert_int_equal(cg_create(&f->sys, "c1", &lim, f->err, sizeof(f->err)), 0);
	assert_file(f, CG_CPU, "c1", "cpu.shares", "2048");
	assert_file(f, CG_CPU, "c1", "cpu.cfs_quota_us", "-1");
	assert_file(f, CG_MEM, "c1", "memory.limit_in_bytes", "134217728");
	if (f->sys.v1_memsw)
		assert_file(f, CG_MEM, "c1", "memory.memsw.limit_in_bytes", "134217728");
	assert_file(f, CG_PIDS, "c1", "pids.max", "max");
	/* lowering: plain limit first */
	lim = (struct cg_limits){ .cpus = 0.001, .cfs_quota = true, .mem_bytes = 32 << 20 };
	assert_int_equal(cg_create(&f->sys, "c1", &lim, f->err, sizeof(f->err)), 0);
	assert_file(f, CG_CPU, "c1", "cpu.shares", "2");
	assert_file(f, CG_CPU, "c1", "cpu.cfs_quota_us", "1000");
	assert_file(f, CG_MEM, "c1", "memory.limit_in_bytes", "33554432");
	/* and back to unlimited */
	assert_int_equal(cg_create(&f->sys, "c1", &no_limits, f->err, sizeof(f->err)), 0);
	assert_file(f, CG_CPU, "c1", "cpu.shares", "1024");

	assert_int_equal(cg_create(&f->sys, "../c1", &lim, f->err, sizeof(f->err)), -EINVAL);
	assert_int_equal(cg_create(&f->sys, "a/b", &lim, f->err, sizeof(f->err)), -EINVAL);
	lim.restrict_devices = true; /* devices controller not asked for */
	assert_int_equal(cg_create(&f->sys, "c2", &lim, f->err, sizeof(f->err)), -EINVAL);
	assert_false(cg_exists(&f->sys, "c2"));

	assert_int_equal(cg_destroy(&f->sys, "c1", f->err, sizeof(f->err)), 0);
	assert_false(cg_exists(&f->sys, "c1"));
	for (size_t h = 0; h < f->sys.nhier; h++) {
		assert_int_equal(str_printf(path, sizeof(path), "%s/c1", f->sys.hier[h].root), 0);
		assert_int_equal(stat(path, &st), -1);
	}
	assert_int_equal(cg_destroy(&f->sys, "c1", f->err, sizeof(f->err)), 0); /* already gone */
}

/* A tree that is no cgroupfs: mkdir works, the limit files do not exist. No root needed. */
static void test_create_error_names_file(void **state)
{
	struct fx *f = *state;
	struct cg_limits lim = { .mem_bytes = 64 << 20 };
	struct cg_system fake;
	char want[PATH_MAX + 64], path[PATH_MAX];
	struct stat st;

	str_copy(f->tmpdir, "/tmp/agora-cgfake-XXXXXX", sizeof(f->tmpdir));
	assert_non_null(mkdtemp(f->tmpdir));
	memset(&fake, 0, sizeof(fake));
	fake.version = CG_V1_LEGACY;
	fake.nhier = 1;
	str_copy(fake.hier[0].root, f->tmpdir, sizeof(fake.hier[0].root));
	fake.mem_hier = 0;
	fake.cpu_hier = fake.cpuacct_hier = fake.pids_hier = fake.devices_hier = fake.freezer_hier = -1;
	fake.v1_memsw = false;
	assert_int_equal(cg_create(&fake, "c1", &lim, f->err, sizeof(f->err)), -ENOENT);
	snprintf(want, sizeof(want), "cannot write 67108864 to %s/c1/memory.limit_in_bytes: %s", f->tmpdir,
		 strerror(ENOENT));
	assert_string_equal(f->err, want);
	/* the directory this call made is gone again */
	assert_int_equal(str_printf(path, sizeof(path), "%s/c1", f->tmpdir), 0);
	assert_int_equal(stat(path, &st), -1);
	/* an existing non-directory of that name is refused */
	assert_int_equal(file_write_atomic(path, "x", 1, 0644), 0);
	assert_int_equal(cg_create(&fake, "c1", &lim, f->err, sizeof(f->err)), -EEXIST);
	assert_non_null(strstr(f->err, "cannot create cgroup"));
}

/* Holds 24 MB of anonymous memory, then waits. */
static void body_hold(int wfd)
{
	size_t size = 24u << 20;
	volatile char *p = malloc(size); /* volatile: the stores must happen */
	char byte = 'h';

	if (!p)
		_exit(2);
	for (size_t i = 0; i < size; i += 4096)
		p[i] = 1;
	if (write(wfd, &byte, 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

static void test_lower_below_usage(void **state)
{
	struct fx *f = *state;
	struct cg_limits lim = { .mem_bytes = 64 << 20 };
	char path[PATH_MAX], want[PATH_MAX + 64], byte;
	int fd;

	detect_or_skip(f, HIER, CG_MEM);
	if (f->sys.version == CG_V2)
		skip(); /* v2 memory.max OOM-kills instead of refusing */
	assert_int_equal(cg_create(&f->sys, "full", &lim, f->err, sizeof(f->err)), 0);
	spawn_in(f, "full", body_hold, &fd);
	assert_int_equal(read(fd, &byte, 1), 1);
	close(fd);
	lim.mem_bytes = 4 << 20; /* no swap to push 24 MB into */
	assert_int_equal(cg_create(&f->sys, "full", &lim, f->err, sizeof(f->err)), -EBUSY);
	assert_int_equal(cg_path(&f->sys, CG_MEM, "full", "memory.limit_in_bytes", path, sizeof(path)), 0);
	snprintf(want, sizeof(want), "cannot write 4194304 to %s: Device or resource busy", path);
	assert_string_equal(f->err, want);
	assert_file(f, CG_MEM, "full", "memory.limit_in_bytes", "67108864"); /* unchanged */
}

static void test_enter_and_stats(void **state)
{
	struct fx *f = *state;
	struct cg_limits lim = { .cpus = 1, .mem_bytes = 64 << 20, .pids_max = 10 };
	struct cg_stats st;
	char path[PATH_MAX];
	pid_t pids[4];
	pid_t kid;

	detect_or_skip(f, HIER, CG_CPU | CG_MEM | CG_PIDS);
	assert_int_equal(cg_create(&f->sys, "t1", &lim, f->err, sizeof(f->err)), 0);
	kid = spawn_in(f, "t1", body_sleep, NULL);
	for (size_t h = 0; h < f->sys.nhier; h++) {
		assert_int_equal(str_printf(path, sizeof(path), "%s/t1/cgroup.procs", f->sys.hier[h].root), 0);
		assert_true(pid_listed(path, kid));
	}
	assert_int_equal(cg_pids(&f->sys, "t1", pids, 4), 1);
	assert_int_equal(pids[0], kid);
	assert_int_equal(cg_stats(&f->sys, "t1", &st), 0);
	assert_int_equal(st.have & (CG_CPU | CG_MEM | CG_PIDS), CG_CPU | CG_MEM | CG_PIDS);
	assert_int_equal(st.pids_current, 1);
	assert_int_equal(st.pids_max, 10);
	assert_int_equal(st.mem_limit_bytes, 64 << 20);
	assert_int_equal(cg_stats(&f->sys, "nope", &st), -ENOENT);

	/* destroying while a process is inside fails, naming the cgroup */
	assert_int_equal(cg_destroy(&f->sys, "t1", f->err, sizeof(f->err)), -EBUSY);
	assert_non_null(strstr(f->err, "/t1"));

	assert_int_equal(cg_kill_all(&f->sys, "t1", 5, f->err, sizeof(f->err)), 0);
	assert_true(WIFSIGNALED(wait_exit(f, kid)));
	assert_int_equal(cg_pids(&f->sys, "t1", pids, 4), 0);
	assert_int_equal(cg_destroy(&f->sys, "t1", f->err, sizeof(f->err)), 0);
	assert_false(cg_exists(&f->sys, "t1"));
	assert_int_equal(cg_kill_all(&f->sys, "t1", 1, f->err, sizeof(f->err)), 0); /* gone: nothing to do */
}

/* Double-forks a setsid()ed grandchild, sends its pid, then fork-bombs. */
static void body_bomb(int wfd)
{
	pid_t gc = fork();

	if (gc == 0) {
		if (fork() == 0) {
			pid_t me = getpid();
			setsid();
			if (write(wfd, &me, sizeof(me)) != sizeof(me))
				_exit(1);
			for (;;)
				pause();
		}
		_exit(0);
	}
	waitpid(gc, NULL, 0);
	close(wfd);
	for (;;)
		if (fork() < 0)
			usleep(1000);
}

static void kill_bomb(struct fx *f, const struct cg_system *sys, const char *name)
{
	struct cg_limits lim = { .pids_max = 48 };
	struct cg_stats st;
	pid_t kid, grandchild = 0;
	double until;
	int fd;

	assert_int_equal(cg_create(sys, name, &lim, f->err, sizeof(f->err)), 0);
	kid = spawn_in(f, name, body_bomb, &fd);
	assert_int_equal(read(fd, &grandchild, sizeof(grandchild)), sizeof(grandchild));
	close(fd);
	assert_true(grandchild > 0);
	until = now_mono() + 5;
	do {
		usleep(10000);
		assert_int_equal(cg_stats(sys, name, &st), 0);
	} while (st.pids_current < 40 && now_mono() < until);
	assert_true(st.pids_current >= 40); /* the bomb is running into pids.max */
	assert_true(st.pids_current <= 48);

	assert_int_equal(cg_kill_all(sys, name, 10, f->err, sizeof(f->err)), 0);
	assert_int_equal(cg_pids(sys, name, NULL, 0), 0);
	assert_true(WIFSIGNALED(wait_exit(f, kid)));
	reap_all(); /* the orphans came to us, the subreaper */
	assert_true(pid_dead(grandchild));
	if (sys->freezer_hier >= 0 && sys->version != CG_V2)
		assert_file(f, CG_FREEZER, name, "freezer.state", "THAWED"); /* invariant 6 */
	assert_int_equal(cg_destroy(sys, name, f->err, sizeof(f->err)), 0);
}

static void test_kill_all_v1_freezer(void **state)
{
	struct fx *f = *state;

	detect_or_skip(f, HIER, CG_PIDS | CG_FREEZER);
	if (f->sys.version == CG_V2)
		skip();
	kill_bomb(f, &f->sys, "bomb");
}

static void test_kill_all_v1_no_freezer(void **state)
{
	struct fx *f = *state;
	struct cg_system nofreeze;

	detect_or_skip(f, HIER, CG_PIDS);
	if (f->sys.version == CG_V2)
		skip();
	nofreeze = f->sys;
	nofreeze.freezer_hier = -1; /* kill-and-repeat only */
	kill_bomb(f, &nofreeze, "bomb2");
}

/* Touches 200 MB, a page at a time. */
static void body_hog(int wfd)
{
	size_t size = 200u << 20;
	volatile char *p = malloc(size);

	close(wfd);
	if (!p)
		_exit(2);
	for (size_t i = 0; i < size; i += 4096)
		p[i] = (char)i;
	_exit(3); /* should not get here */
}

static void test_oom(void **state)
{
	struct fx *f = *state;
	struct cg_limits lim = { .mem_bytes = 32 << 20 };
	struct cg_stats st;
	pid_t kid;
	int status;

	detect_or_skip(f, HIER, CG_MEM);
	assert_int_equal(cg_create(&f->sys, "hog", &lim, f->err, sizeof(f->err)), 0);
	kid = spawn_in(f, "hog", body_hog, NULL);
	status = wait_exit(f, kid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	assert_int_equal(cg_stats(&f->sys, "hog", &st), 0);
	assert_true(st.have & CG_MEM);
	/* oom_kill is counted since Linux 4.13; failcnt is the older kernels' evidence */
	assert_true(st.oom_kills >= 1 || st.mem_limit_hits >= 1);
	if (f->sys.version == CG_V2)
		assert_true(st.oom_kills >= 1);
	assert_int_equal(st.mem_limit_bytes, 32 << 20);
	if (f->sys.version != CG_V2 || st.mem_max_bytes) {
		assert_true(st.mem_max_bytes >= (28u << 20));
		assert_true(st.mem_max_bytes <= (32u << 20));
	}
	assert_int_equal(cg_destroy(&f->sys, "hog", f->err, sizeof(f->err)), 0);
}

/* Opens the two nodes; exit code = 10 * code(allowed) + code(denied). */
static const char *dev_dir;
static int errno_code(const char *path)
{
	int fd = open(path, O_RDWR);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return errno == ENXIO ? 1 : errno == EPERM ? 2 : errno == ENODEV ? 4 : 3;
}

static void body_devices(int wfd)
{
	char allowed[PATH_MAX], denied[PATH_MAX];

	close(wfd);
	snprintf(allowed, sizeof(allowed), "%s/allowed", dev_dir);
	snprintf(denied, sizeof(denied), "%s/denied", dev_dir);
	_exit(10 * errno_code(allowed) + errno_code(denied));
}

static void test_devices_v1(void **state)
{
	struct fx *f = *state;
	struct cg_device allow[] = { { .type = 'c', .major = 195, .minor = 1, .access = "rw" } };
	struct cg_device bad[] = { { .type = 'x', .major = 1, .minor = 1, .access = "rw" } };
	struct cg_limits lim = { .restrict_devices = true, .allow = allow, .nallow = 1 };
	char path[PATH_MAX], list[4096];
	pid_t kid;
	int status;

	detect_or_skip(f, HIER, CG_DEVICES);
	if (f->sys.version == CG_V2)
		skip();
	str_copy(f->tmpdir, "/tmp/agora-cgdev-XXXXXX", sizeof(f->tmpdir));
	assert_non_null(mkdtemp(f->tmpdir));
	dev_dir = f->tmpdir;
	assert_int_equal(str_printf(path, sizeof(path), "%s/allowed", f->tmpdir), 0);
	assert_int_equal(mknod(path, S_IFCHR | 0666, makedev(195, 1)), 0);
	assert_int_equal(str_printf(path, sizeof(path), "%s/denied", f->tmpdir), 0);
	assert_int_equal(mknod(path, S_IFCHR | 0666, makedev(195, 0)), 0);

	assert_int_equal(cg_create(&f->sys, "dev", &lim, f->err, sizeof(f->err)), 0);
	read_file(f, CG_DEVICES, "dev", "devices.list", list, sizeof(list));
	str_append(list, "\n", sizeof(list)); /* read_file trims the last one */
	assert_non_null(strstr(list, "c 195:1 rw\n"));
	assert_non_null(strstr(list, "c 136:* rwm"));
	assert_non_null(strstr(list, "c 1:3 rwm"));
	assert_null(strstr(list, "a *:* rwm"));

	kid = spawn_in(f, "dev", body_devices, NULL);
	status = wait_exit(f, kid);
	assert_true(WIFEXITED(status));
	/* no driver for 195 here: allowed -> ENXIO (or ENODEV), denied -> EPERM */
	if (WEXITSTATUS(status) != 12 && WEXITSTATUS(status) != 42)
		fail_msg("device opens gave code %d, want 12 (ENXIO, EPERM)", WEXITSTATUS(status));

	/* reuse without restriction: everything allowed again */
	assert_int_equal(cg_create(&f->sys, "dev", &no_limits, f->err, sizeof(f->err)), 0);
	read_file(f, CG_DEVICES, "dev", "devices.list", list, sizeof(list));
	assert_string_equal(list, "a *:* rwm");

	lim.allow = bad;
	assert_int_equal(cg_create(&f->sys, "dev2", &lim, f->err, sizeof(f->err)), -EINVAL);
	assert_non_null(strstr(f->err, "device 0"));
	assert_false(cg_exists(&f->sys, "dev2"));
	assert_int_equal(cg_destroy(&f->sys, "dev", f->err, sizeof(f->err)), 0);
}

static int collect(const char *name, void *arg)
{
	char *seen = arg;
	str_append(seen, name, 256);
	str_append(seen, " ", 256);
	return 0;
}

static void test_list(void **state)
{
	struct fx *f = *state;
	char seen[256] = "";

	detect_or_skip(f, HIER, CG_PIDS);
	assert_int_equal(cg_create(&f->sys, "one", &no_limits, f->err, sizeof(f->err)), 0);
	assert_int_equal(cg_create(&f->sys, "two", &no_limits, f->err, sizeof(f->err)), 0);
	assert_int_equal(cg_list(&f->sys, collect, seen), 0);
	assert_non_null(strstr(seen, "one "));
	assert_non_null(strstr(seen, "two "));
}

/*
 * No pids controller on the hybrid host's v2 tree, so no real bomb: a
 * disowned grandchild, 30 sleepers, and a loop that never stops forking.
 */
static void body_churn(int wfd)
{
	pid_t gc = fork();

	if (gc == 0) {
		if (fork() == 0) {
			pid_t me = getpid();
			setsid();
			if (write(wfd, &me, sizeof(me)) != sizeof(me))
				_exit(1);
			for (;;)
				pause();
		}
		_exit(0);
	}
	waitpid(gc, NULL, 0);
	close(wfd);
	for (int i = 0; i < 30; i++)
		if (fork() == 0)
			for (;;)
				pause();
	for (;;) {
		pid_t p = fork();
		if (p == 0)
			_exit(0);
		if (p > 0)
			waitpid(p, NULL, 0);
	}
}

static void bomb_v2(struct fx *f, const struct cg_system *sys, const char *name)
{
	pid_t kid, grandchild = 0;
	double until;
	int fd;

	assert_int_equal(cg_create(sys, name, &no_limits, f->err, sizeof(f->err)), 0);
	kid = spawn_in(f, name, body_churn, &fd);
	assert_int_equal(read(fd, &grandchild, sizeof(grandchild)), sizeof(grandchild));
	close(fd);
	until = now_mono() + 5;
	while (cg_pids(sys, name, NULL, 0) < 30 && now_mono() < until)
		usleep(5000);
	assert_true(cg_pids(sys, name, NULL, 0) >= 30);
	assert_int_equal(cg_kill_all(sys, name, 10, f->err, sizeof(f->err)), 0);
	assert_int_equal(cg_pids(sys, name, NULL, 0), 0);
	if (sys->v2_freeze)
		assert_file(f, 0, name, "cgroup.freeze", "0"); /* left thawed */
	assert_true(WIFSIGNALED(wait_exit(f, kid)));
	reap_all();
	assert_true(pid_dead(grandchild));
	assert_int_equal(cg_destroy(sys, name, f->err, sizeof(f->err)), 0);
}

static void test_v2_unified(void **state)
{
	struct fx *f = *state;
	struct cg_limits devs = { .restrict_devices = true };
	struct cg_stats st;
	struct cg_system nokill;
	char path[PATH_MAX];
	pid_t kid;

	if (!is_cgroup2(UNIFIED) || is_cgroup2(HIER))
		skip(); /* the hybrid host's controller-less v2 tree */
	detect_or_skip(f, UNIFIED, CG_FREEZER);
	assert_int_equal(f->sys.version, CG_V2);
	assert_string_equal(cg_version_name(&f->sys), "v2");
	assert_int_equal(f->sys.nhier, 1);
	assert_true(f->sys.v2_freeze);
	assert_int_equal(cg_create(&f->sys, "v2a", &devs, f->err, sizeof(f->err)), -EOPNOTSUPP);
	assert_false(cg_exists(&f->sys, "v2a"));

	assert_int_equal(cg_create(&f->sys, "v2a", &no_limits, f->err, sizeof(f->err)), 0);
	kid = spawn_in(f, "v2a", body_sleep, NULL);
	assert_int_equal(cg_path(&f->sys, 0, "v2a", "cgroup.procs", path, sizeof(path)), 0);
	assert_true(pid_listed(path, kid));
	assert_int_equal(cg_stats(&f->sys, "v2a", &st), 0);
	assert_true(st.have & CG_CPU);
	assert_int_equal(cg_kill_all(&f->sys, "v2a", 5, f->err, sizeof(f->err)), 0);
	assert_true(WIFSIGNALED(wait_exit(f, kid)));
	assert_int_equal(cg_destroy(&f->sys, "v2a", f->err, sizeof(f->err)), 0);

	/* cgroup.kill (5.14) and the older freeze/kill/thaw path, both against a bomb */
	if (f->sys.v2_kill)
		bomb_v2(f, &f->sys, "v2b");
	nokill = f->sys;
	nokill.v2_kill = false;
	bomb_v2(f, &nokill, "v2c");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_names),
		T(test_detect_errors),
		T(test_detect_v1),
		T(test_create_and_rewrite_limits),
		T(test_create_error_names_file),
		T(test_lower_below_usage),
		T(test_enter_and_stats),
		T(test_kill_all_v1_freezer),
		T(test_kill_all_v1_no_freezer),
		T(test_oom),
		T(test_devices_v1),
		T(test_list),
		T(test_v2_unified),
#undef T
	};
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
