/*
 * Unit tests for agent/gpu: discovery through the real dlopen path against
 * the fake NVML (build/helpers/fake-nvml/libnvidia-ml.so.1, found next to
 * this binary's build directory and passed as $AGORA_NVML_LIBRARY), every
 * Mesos rule for --resources gpus and --nvidia_gpu_devices with its error
 * text, allocation, the device list and the visible-devices value.
 * Device nodes live in a temp directory ($AGORA_NVIDIA_DEV_DIR) as
 * symlinks to /dev/null and /dev/zero, so no root is needed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/gpu.h"
#include "core/log.h"
#include "core/util.h"

#define UUID0 "GPU-fake0000-0000-0000-0000-000000000000"
#define UUID1 "GPU-fake0000-0000-0000-0000-000000000001"

struct fixture {
	char lib[PATH_MAX];
	char dev_dir[64];
};

static int setup(void **state)
{
	static struct fixture fx;
	char exe[PATH_MAX], tmp[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return -1;
	exe[n] = '\0';
	/* <build>/tests/test_gpu -> <build>/helpers/fake-nvml/libnvidia-ml.so.1 */
	str_copy(tmp, exe, sizeof(tmp));
	snprintf(fx.lib, sizeof(fx.lib), "%s/../helpers/fake-nvml/libnvidia-ml.so.1",
		 dirname(tmp));
	if (access(fx.lib, R_OK) != 0) {
		fprintf(stderr, "test_gpu: %s missing; run make tests-bin\n", fx.lib);
		return -1;
	}
	str_copy(fx.dev_dir, "/tmp/agora-gpu-test-XXXXXX", sizeof(fx.dev_dir));
	if (!mkdtemp(fx.dev_dir))
		return -1;
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	remove_tree(fx->dev_dir);
	return 0;
}

/* Each test starts from the fake's defaults: 2 GPUs, minors 0 and 1. */
static int reset(void **state)
{
	struct fixture *fx = *state;
	setenv("AGORA_NVML_LIBRARY", fx->lib, 1);
	setenv("AGORA_NVIDIA_DEV_DIR", fx->dev_dir, 1);
	unsetenv("AGORA_FAKE_NVML_GPUS");
	unsetenv("AGORA_FAKE_NVML_FAIL");
	unsetenv("AGORA_FAKE_NVML_MINORS");
	unsetenv("AGORA_FAKE_NVML_DRIVER");
	return 0;
}

static struct gpu_set discover_ok(const char *isolation, const char *devices,
				  const char *resources, double want_offer)
{
	struct gpu_set s;
	double offer = -1;
	char err[512] = "";
	int rc = gpu_discover(isolation, devices, resources, &s, &offer, err, sizeof(err));
	if (rc != 0)
		fail_msg("discover(%s, %s, %s) failed: %s", isolation, devices, resources, err);
	assert_true(offer == want_offer);
	return s;
}

static void discover_err(const char *isolation, const char *devices, const char *resources,
			 const char *want)
{
	struct gpu_set s;
	double offer = -1;
	char err[512] = "";
	int rc = gpu_discover(isolation, devices, resources, &s, &offer, err, sizeof(err));
	if (rc != -EINVAL)
		fail_msg("discover(%s, %s, %s) gave %d, expected '%s'", isolation, devices,
			 resources, rc, want);
	assert_string_equal(err, want);
	assert_int_equal(s.n, 0);
	assert_null(s.v);
	assert_true(offer == 0);
	gpu_set_free(&s);
}

#define ISO "gpu/nvidia,cgroups/devices"

/* ---- discovery ---- */

static void test_discovers_two_fake_gpus(void **state)
{
	struct gpu_set s = discover_ok(ISO, NULL, "cpus:4;mem:1024", 2);
	(void)state;

	assert_true(s.nvml_loaded);
	assert_string_equal(s.nvml_error, "");
	assert_string_equal(s.driver_version, "535.104.05");
	assert_int_equal(s.n, 2);
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(s.v[i].index, i);
		assert_int_equal(s.v[i].minor, i);
		assert_string_equal(s.v[i].name, "Fake Tesla V100");
		assert_int_equal(s.v[i].memory_bytes, 16ULL << 30);
		assert_true(s.v[i].managed);
		assert_false(s.v[i].allocated);
	}
	assert_string_equal(s.v[0].uuid, UUID0);
	assert_string_equal(s.v[1].uuid, UUID1);
	assert_int_equal(gpu_free_count(&s), 2);
	gpu_set_free(&s);
}

static void test_minor_override_and_count(void **state)
{
	struct gpu_set s;
	(void)state;

	setenv("AGORA_FAKE_NVML_MINORS", "3,4", 1);
	setenv("AGORA_FAKE_NVML_GPUS", "3", 1);
	setenv("AGORA_FAKE_NVML_DRIVER", "550.54.15", 1);
	s = discover_ok(ISO, NULL, NULL, 3);
	assert_int_equal(s.v[0].minor, 3);
	assert_int_equal(s.v[1].minor, 4);
	assert_int_equal(s.v[2].minor, 2); /* past the list: the index */
	assert_string_equal(s.driver_version, "550.54.15");
	gpu_set_free(&s);

	setenv("AGORA_FAKE_NVML_GPUS", "0", 1);
	s = discover_ok(ISO, NULL, NULL, 0);
	assert_true(s.nvml_loaded);
	assert_int_equal(s.n, 0);
	gpu_set_free(&s);
}

static void test_nvml_init_failure_passes_through(void **state)
{
	struct gpu_set s;
	unsigned idx[2];
	(void)state;

	setenv("AGORA_FAKE_NVML_FAIL", "1", 1);
	s = discover_ok(ISO, NULL, "cpus:2;gpus:2", 2);
	assert_false(s.nvml_loaded);
	assert_int_equal(s.n, 0);
	assert_string_equal(s.nvml_error, "nvmlInit failed: Driver Not Loaded (error 9)");
	assert_int_equal(gpu_allocate(&s, 1, "c1", idx), -ENODEV);
	assert_int_equal(gpu_allocate(&s, 0, "c1", idx), 0);
	gpu_set_free(&s);

	/* unvalidated: --nvidia_gpu_devices is not checked against anything */
	s = discover_ok(ISO, "0,0,7", "gpus:1", 1);
	gpu_set_free(&s);
	s = discover_ok(ISO, NULL, NULL, 0);
	gpu_set_free(&s);
}

static void test_missing_library_passes_through(void **state)
{
	struct gpu_set s;
	(void)state;

	setenv("AGORA_NVML_LIBRARY", "/nonexistent/libnvidia-ml.so.1", 1);
	s = discover_ok(ISO, NULL, "gpus:4", 4);
	assert_false(s.nvml_loaded);
	assert_true(str_starts_with(s.nvml_error, "cannot load /nonexistent/libnvidia-ml.so.1: "));
	gpu_set_free(&s);
}

static void test_malformed_fake_config_is_init_failure(void **state)
{
	struct gpu_set s;
	(void)state;

	setenv("AGORA_FAKE_NVML_GPUS", "two", 1);
	s = discover_ok(ISO, NULL, NULL, 0);
	assert_false(s.nvml_loaded);
	assert_string_equal(s.nvml_error, "nvmlInit failed: Invalid Argument (error 2)");
	gpu_set_free(&s);
	setenv("AGORA_FAKE_NVML_GPUS", "2", 1);
	setenv("AGORA_FAKE_NVML_MINORS", "1,255", 1);
	s = discover_ok(ISO, NULL, NULL, 0);
	assert_false(s.nvml_loaded);
	gpu_set_free(&s);
}

/* ---- Mesos' rules ---- */

static void test_without_gpu_isolation(void **state)
{
	struct gpu_set s;
	(void)state;

	s = discover_ok("cgroups/cpu,cgroups/mem", NULL, "cpus:1;gpus:3", 3);
	assert_false(s.nvml_loaded);
	assert_int_equal(s.n, 0);
	assert_string_equal(s.nvml_error, "");
	gpu_set_free(&s);
	s = discover_ok(NULL, NULL, NULL, 0); /* default posix/cpu,posix/mem */
	gpu_set_free(&s);
	/* exact names only */
	s = discover_ok("gpu/nvidia_x, cgroups/devices", NULL, "gpus:1", 1);
	assert_false(s.nvml_loaded);
	gpu_set_free(&s);

	discover_err("cgroups/devices", "0", "gpus:1",
		     "flag --nvidia_gpu_devices can only be given when --isolation contains "
		     "gpu/nvidia");
	discover_err(NULL, "0", NULL,
		     "flag --nvidia_gpu_devices can only be given when --isolation contains "
		     "gpu/nvidia");
}

static void test_gpus_zero_disables(void **state)
{
	struct gpu_set s;
	unsigned idx[1];
	struct gpu_dev devs[4];
	(void)state;

	s = discover_ok(ISO, NULL, "cpus:2;gpus:0", 0);
	assert_true(s.nvml_loaded);
	assert_int_equal(s.n, 2);
	assert_false(s.v[0].managed);
	assert_false(s.v[1].managed);
	assert_int_equal(gpu_allocate(&s, 1, "c1", idx), -EBUSY);
	assert_int_equal(gpu_devices_all(&s, devs, 4), 2); /* still denied to every task */
	gpu_set_free(&s);

	s = discover_ok(ISO, NULL, " gpus(ml) : 0 ;cpus:1", 0);
	gpu_set_free(&s);
	s = discover_ok(ISO, NULL, "[{\"name\":\"gpus\",\"type\":\"SCALAR\",\"scalar\":{\"value\":0}}]",
			0);
	assert_true(s.nvml_loaded);
	gpu_set_free(&s);
	/* a name merely containing "gpus" is not gpus */
	s = discover_ok(ISO, NULL, "cpus:1;fpgpus:0;mygpus:{a}", 2);
	gpu_set_free(&s);

	discover_err(ISO, "0", "gpus:0",
		     "flag --nvidia_gpu_devices cannot be given when --resources sets gpus:0");
}

static void test_devices_and_gpus_need_each_other(void **state)
{
	(void)state;
	discover_err(ISO, "0,1", "cpus:1",
		     "flag --nvidia_gpu_devices also needs gpus in --resources, e.g. "
		     "--resources='gpus:2' for 2 GPUs");
	discover_err(ISO, "0,1", NULL,
		     "flag --nvidia_gpu_devices also needs gpus in --resources, e.g. "
		     "--resources='gpus:2' for 2 GPUs");
	discover_err(ISO, NULL, "gpus:2",
		     "flag --resources: gpus:2 also needs --nvidia_gpu_devices naming which GPUs "
		     "(NVML indices, e.g. 0,1); leave both out to offer every GPU");
}

static void test_device_list_validation(void **state)
{
	(void)state;
	discover_err(ISO, "0,0", "gpus:2", "flag --nvidia_gpu_devices: GPU 0 is listed twice");
	discover_err(ISO, "0", "gpus:2",
		     "flag --nvidia_gpu_devices lists 1 GPUs but --resources has gpus:2; the two "
		     "must match");
	discover_err(ISO, "0,5", "gpus:2",
		     "flag --nvidia_gpu_devices: GPU 5 does not exist (NVML reports 2 GPUs, "
		     "indices 0-1)");
	discover_err(ISO, "0,1,2", "gpus:3",
		     "flag --nvidia_gpu_devices: GPU 2 does not exist (NVML reports 2 GPUs, "
		     "indices 0-1)");
	discover_err(ISO, "0,x", "gpus:2",
		     "flag --nvidia_gpu_devices: expected a comma list of GPU indices as "
		     "nvidia-smi numbers them (e.g. 0,1), got '0,x'");
	discover_err(ISO, "0,,1", "gpus:2",
		     "flag --nvidia_gpu_devices: expected a comma list of GPU indices as "
		     "nvidia-smi numbers them (e.g. 0,1), got '0,,1'");
	discover_err(ISO, "", "gpus:1",
		     "flag --nvidia_gpu_devices: expected a comma list of GPU indices as "
		     "nvidia-smi numbers them (e.g. 0,1), got ''");
	discover_err(ISO, "-1", "gpus:1",
		     "flag --nvidia_gpu_devices: expected a comma list of GPU indices as "
		     "nvidia-smi numbers them (e.g. 0,1), got '-1'");
	discover_err(ISO, NULL, "gpus:x",
		     "flag --resources: 'gpus:x': expected a number, a [range] or a {set}");
	discover_err(ISO, NULL, "gpus:1.5",
		     "flag --resources: 'gpus:1.5': gpus must be a whole number");
}

static void test_device_list_parser(void **state)
{
	unsigned idx[4];
	char err[256];
	size_t n = 0;
	(void)state;

	assert_int_equal(gpu_parse_device_list(" 3 , 0,65535", idx, 4, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 3);
	assert_int_equal(idx[0], 3);
	assert_int_equal(idx[1], 0);
	assert_int_equal(idx[2], 65535);
	assert_int_equal(gpu_parse_device_list("1,1", idx, 4, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 2); /* duplicates are gpu_discover's to refuse */
	assert_int_equal(gpu_parse_device_list("65536", idx, 4, &n, err, sizeof(err)), -EINVAL);
	assert_int_equal(gpu_parse_device_list("0,1,2,3,4", idx, 4, &n, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "flag --nvidia_gpu_devices: more than 4 GPUs listed");
	assert_int_equal(gpu_parse_device_list("0, ", idx, 4, &n, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "got '0, '"));
}

static void test_device_list_selects(void **state)
{
	struct gpu_set s;
	unsigned idx[2];
	(void)state;

	s = discover_ok(ISO, " 1 ", "gpus:1", 1);
	assert_false(s.v[0].managed);
	assert_true(s.v[1].managed);
	assert_int_equal(gpu_allocate(&s, 1, "c1", idx), 0);
	assert_int_equal(idx[0], 1);
	assert_int_equal(gpu_allocate(&s, 1, "c2", idx), -EBUSY);
	assert_int_equal(gpu_claim(&s, 0, "c2"), -ENOENT); /* not managed */
	gpu_set_free(&s);

	s = discover_ok("cgroups/devices, gpu/nvidia", "1,0", "gpus:2;cpus:1", 2);
	assert_int_equal(gpu_free_count(&s), 2);
	gpu_set_free(&s);
}

/* ---- allocation ---- */

static void test_allocate_release_claim(void **state)
{
	struct gpu_set s = discover_ok(ISO, NULL, NULL, 2);
	unsigned idx[2] = { 99, 99 };
	char long_owner[400];
	(void)state;

	assert_int_equal(gpu_allocate(&s, 1, "c1", idx), 0);
	assert_int_equal(idx[0], 0);
	assert_int_equal(gpu_allocate(&s, 2, "c2", idx), -EBUSY); /* all or nothing */
	assert_int_equal(gpu_free_count(&s), 1);
	assert_false(s.v[1].allocated);
	assert_int_equal(gpu_allocate(&s, 1, "c2", idx), 0);
	assert_int_equal(idx[0], 1);
	assert_string_equal(s.v[1].owner, "c2");
	assert_int_equal(gpu_allocate(&s, 1, "c3", idx), -EBUSY);

	gpu_release_owner(&s, "c1");
	gpu_release_owner(&s, "nobody");
	assert_int_equal(gpu_free_count(&s), 1);
	assert_false(s.v[0].allocated);
	assert_string_equal(s.v[0].owner, "");

	/* after an agent restart, tasks re-attach from their checkpoints */
	assert_int_equal(gpu_claim(&s, 0, "c3"), 0);
	assert_int_equal(gpu_claim(&s, 0, "c3"), 0);
	assert_int_equal(gpu_claim(&s, 0, "c2"), -EBUSY);
	assert_int_equal(gpu_claim(&s, 7, "c2"), -ENOENT);
	assert_int_equal(gpu_owned(&s, "c3", idx, 2), 1);
	assert_int_equal(idx[0], 0);
	assert_int_equal(gpu_owned(&s, "c9", idx, 2), 0);

	memset(long_owner, 'x', sizeof(long_owner) - 1);
	long_owner[sizeof(long_owner) - 1] = '\0';
	assert_int_equal(gpu_allocate(&s, 1, "", idx), -EINVAL);
	assert_int_equal(gpu_allocate(&s, 1, long_owner, idx), -EINVAL);
	assert_int_equal(gpu_claim(&s, 1, NULL), -EINVAL);

	gpu_release_owner(&s, "c2");
	gpu_release_owner(&s, "c3");
	assert_int_equal(gpu_free_count(&s), 2);
	assert_int_equal(gpu_allocate(&s, 2, "c4", idx), 0);
	assert_int_equal(gpu_owned(&s, "c4", idx, 2), 2);
	assert_int_equal(idx[0], 0);
	assert_int_equal(idx[1], 1);
	gpu_set_free(&s);
}

static void test_state_json(void **state)
{
	struct gpu_set s = discover_ok(ISO, "1", "gpus:1", 1);
	unsigned idx[1];
	json_t *j;
	char *text;
	(void)state;

	assert_int_equal(gpu_allocate(&s, 1, "cid-1", idx), 0);
	j = gpu_state_json(&s);
	text = json_dumps(j, JSON_COMPACT);
	assert_string_equal(
		text, "[{\"index\":0,\"minor\":0,\"uuid\":\"" UUID0 "\",\"name\":\"Fake Tesla V100\","
		      "\"memory_mb\":16384,\"managed\":false,\"allocated\":false,\"owner\":null},"
		      "{\"index\":1,\"minor\":1,\"uuid\":\"" UUID1 "\",\"name\":\"Fake Tesla V100\","
		      "\"memory_mb\":16384,\"managed\":true,\"allocated\":true,\"owner\":\"cid-1\"}]");
	free(text);
	json_decref(j);
	gpu_set_free(&s);
}

/* ---- devices and environment ---- */

static void link_node(const struct fixture *fx, const char *name, const char *target)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", fx->dev_dir, name);
	unlink(path);
	if (target && symlink(target, path) != 0)
		fail_msg("symlink %s: %s", path, strerror(errno));
}

static void expect_dev(const struct gpu_dev *d, int major, int minor, const char *dir,
		       const char *name)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(d->type, 'c');
	assert_int_equal(d->major, major);
	assert_int_equal(d->minor, minor);
	assert_string_equal(d->path, path);
}

static void test_devices_for_task(void **state)
{
	struct fixture *fx = *state;
	struct gpu_set s;
	struct gpu_dev d[8];
	unsigned one[1] = { 1 }, unknown[1] = { 9 };
	size_t n;

	setenv("AGORA_FAKE_NVML_MINORS", "3,4", 1);
	s = discover_ok(ISO, NULL, NULL, 2);
	assert_string_equal(s.dev_dir, fx->dev_dir);

	/* no nodes at all: nvidiactl at its fixed numbers, no uvm */
	link_node(fx, "nvidiactl", NULL);
	link_node(fx, "nvidia-uvm", NULL);
	link_node(fx, "nvidia-uvm-tools", NULL);
	n = gpu_devices_for(&s, one, 1, d, 8);
	assert_int_equal(n, 2);
	expect_dev(&d[0], 195, 255, fx->dev_dir, "nvidiactl");
	expect_dev(&d[1], 195, 4, fx->dev_dir, "nvidia4");

	/* uvm's major is dynamic: read from the node (here /dev/null, c 1:3) */
	link_node(fx, "nvidia-uvm", "/dev/null");
	link_node(fx, "nvidia-uvm-tools", "/etc/hostname"); /* not a char device: skipped */
	n = gpu_devices_for(&s, one, 1, d, 8);
	assert_int_equal(n, 3);
	expect_dev(&d[1], 1, 3, fx->dev_dir, "nvidia-uvm");
	expect_dev(&d[2], 195, 4, fx->dev_dir, "nvidia4");

	link_node(fx, "nvidia-uvm-tools", "/dev/zero");
	link_node(fx, "nvidiactl", "/dev/full"); /* an existing node wins: c 1:7 */
	n = gpu_devices_for(&s, one, 1, d, 8);
	assert_int_equal(n, 4);
	expect_dev(&d[0], 1, 7, fx->dev_dir, "nvidiactl");
	expect_dev(&d[2], 1, 5, fx->dev_dir, "nvidia-uvm-tools");

	/* too small: returns the count it needs, writes what fits */
	memset(d, 0, sizeof(d));
	assert_int_equal(gpu_devices_for(&s, one, 1, d, 1), 4);
	expect_dev(&d[0], 1, 7, fx->dev_dir, "nvidiactl");
	assert_int_equal(d[1].type, 0);
	assert_int_equal(gpu_devices_for(&s, unknown, 1, d, 8), 3);
	assert_int_equal(gpu_devices_for(&s, NULL, 0, d, 8), 3);

	n = gpu_devices_all(&s, d, 8);
	assert_int_equal(n, 2);
	expect_dev(&d[0], 195, 3, fx->dev_dir, "nvidia3");
	expect_dev(&d[1], 195, 4, fx->dev_dir, "nvidia4");
	gpu_set_free(&s);
}

static void test_dev_dir_override_checked(void **state)
{
	struct gpu_set s;
	(void)state;

	unsetenv("AGORA_NVIDIA_DEV_DIR");
	s = discover_ok("cgroups/cpu", NULL, NULL, 0);
	assert_string_equal(s.dev_dir, "/dev");
	gpu_set_free(&s);
	setenv("AGORA_NVIDIA_DEV_DIR", "relative/dev", 1);
	discover_err(ISO, NULL, NULL,
		     "AGORA_NVIDIA_DEV_DIR: expected an absolute path shorter than 96 characters, "
		     "got 'relative/dev'");
}

static void test_visible_devices(void **state)
{
	struct gpu_set s = discover_ok(ISO, NULL, NULL, 2);
	unsigned both[2] = { 1, 0 }, bad[1] = { 5 };
	char buf[128], small[50];
	(void)state;

	assert_int_equal(gpu_visible_devices(&s, both, 2, buf, sizeof(buf)), 0);
	assert_string_equal(buf, UUID1 "," UUID0);
	assert_int_equal(gpu_visible_devices(&s, both, 1, buf, sizeof(buf)), 0);
	assert_string_equal(buf, UUID1);
	assert_int_equal(gpu_visible_devices(&s, both, 0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	assert_int_equal(gpu_visible_devices(&s, bad, 1, buf, sizeof(buf)), -ENOENT);
	assert_int_equal(gpu_visible_devices(&s, both, 2, small, sizeof(small)), -ENAMETOOLONG);
	assert_string_equal(small, "");
	gpu_set_free(&s);
}

/*
 * The production path: no $AGORA_NVML_LIBRARY, plain dlopen("libnvidia-ml.so.1")
 * found through LD_LIBRARY_PATH. The loader reads LD_LIBRARY_PATH only at
 * start, so this runs in a re-executed copy of this binary (child_main). The
 * copy keeps the loader environment this binary was started with: the fake
 * library's directory goes in front of the LD_LIBRARY_PATH already there
 * (a host may need it to find libcmocka, jansson, ...), and LD_PRELOAD and
 * the rest of the environment are inherited unchanged.
 */
static void test_default_library_name(void **state)
{
	struct fixture *fx = *state;
	const char *old = getenv("LD_LIBRARY_PATH");
	char dir[PATH_MAX], path[2 * PATH_MAX];
	int status = -1;
	pid_t pid;

	/* without one, a harmless marker stands for the host's path: the child checks it kept it */
	if (!old || !old[0])
		old = "/nonexistent/agora-test-loader-path";
	str_copy(dir, fx->lib, sizeof(dir));
	assert_int_equal(str_printf(path, sizeof(path), "%s:%s", dirname(dir), old), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		setenv("LD_LIBRARY_PATH", path, 1);
		setenv("AGORA_TEST_GPU_CHILD", old, 1);
		unsetenv("AGORA_NVML_LIBRARY");
		execl("/proc/self/exe", "test_gpu", (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static int child_main(void)
{
	struct gpu_set s;
	double offer = 0;
	char err[256] = "";
	int rc = gpu_discover(ISO, NULL, NULL, &s, &offer, err, sizeof(err));
	const char *kept = getenv("LD_LIBRARY_PATH"), *want = getenv("AGORA_TEST_GPU_CHILD");
	size_t kl = kept ? strlen(kept) : 0, wl = strlen(want);
	int ok = rc == 0 && s.nvml_loaded && s.n == 2 && offer == 2 && !strcmp(s.v[1].uuid, UUID1);

	/* the loader path this binary was started with is still there, after the fake's */
	if (kl <= wl || strcmp(kept + kl - wl, want) != 0 || kept[kl - wl - 1] != ':') {
		fprintf(stderr, "child: LD_LIBRARY_PATH '%s' lost '%s'\n", kept ? kept : "", want);
		ok = 0;
	}

	if (!ok)
		fprintf(stderr, "child: rc %d loaded %d n %zu offer %g err '%s' nvml '%s'\n", rc,
			s.nvml_loaded, s.n, offer, err, s.nvml_error);
	gpu_set_free(&s);
	return ok ? 0 : 1;
}

#define T(f) cmocka_unit_test_setup(f, reset)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_discovers_two_fake_gpus),
		T(test_minor_override_and_count),
		T(test_nvml_init_failure_passes_through),
		T(test_missing_library_passes_through),
		T(test_malformed_fake_config_is_init_failure),
		T(test_without_gpu_isolation),
		T(test_gpus_zero_disables),
		T(test_devices_and_gpus_need_each_other),
		T(test_device_list_validation),
		T(test_device_list_parser),
		T(test_device_list_selects),
		T(test_allocate_release_claim),
		T(test_state_json),
		T(test_devices_for_task),
		T(test_dev_dir_override_checked),
		T(test_visible_devices),
		T(test_default_library_name),
	};
	log_init("test", LOG_LEVEL_ERROR);
	if (getenv("AGORA_TEST_GPU_CHILD"))
		return child_main();
	return cmocka_run_group_tests(tests, setup, teardown);
}
