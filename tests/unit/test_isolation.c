/*
 * Unit tests for agent/isolation: every Mesos isolator name is accepted,
 * the implemented ones map to their bits, the rest are listed as ignored,
 * unknown names fail with the name, and gpu/nvidia pulls in devices.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent/isolation.h"

#define SEED                                                                               \
	"gpu/nvidia,filesystem/linux,docker/runtime,cgroups/cpu,cgroups/mem,network/cni,"  \
	"cgroups/perf_event,posix/disk,cgroups/devices"

static struct isolation parse_ok(const char *flag)
{
	struct isolation iso;
	char err[2048] = "";
	if (iso_parse(flag, &iso, err, sizeof(err)) != 0)
		fail_msg("'%s' failed: %s", flag, err);
	return iso;
}

static void expect_err(const char *flag, const char *want_prefix)
{
	struct isolation iso;
	char err[2048] = "";
	int rc = iso_parse(flag, &iso, err, sizeof(err));
	if (rc != -EINVAL)
		fail_msg("'%.80s' parsed (rc %d), expected '%s'", flag, rc, want_prefix);
	if (strncmp(err, want_prefix, strlen(want_prefix)))
		fail_msg("error '%s' does not start with '%s'", err, want_prefix);
	assert_int_equal(iso.bits, 0);
	assert_string_equal(iso.ignored, "");
}

static void expect_enabled(const struct isolation *iso, const char *want)
{
	char buf[512];
	iso_enabled_text(iso, buf, sizeof(buf));
	assert_string_equal(buf, want);
}

static void test_seed(void **state)
{
	struct isolation iso = parse_ok(SEED);
	(void)state;

	assert_int_equal(iso.bits, ISO_GPU_NVIDIA | ISO_CGROUPS_CPU | ISO_CGROUPS_MEM |
					   ISO_POSIX_DISK | ISO_CGROUPS_DEVICES);
	assert_string_equal(iso.ignored,
			    "filesystem/linux,docker/runtime,network/cni,cgroups/perf_event");
	assert_string_equal(iso.warning, "");
	expect_enabled(&iso, "cgroups/cpu,cgroups/mem,cgroups/devices,gpu/nvidia,posix/disk");
	assert_true(iso_has(&iso, ISO_GPU_NVIDIA));
	assert_false(iso_has(&iso, ISO_CGROUPS_PIDS));
}

static void test_default_and_empty(void **state)
{
	struct isolation iso = parse_ok(NULL);
	(void)state;

	assert_int_equal(iso.bits, ISO_POSIX_CPU | ISO_POSIX_MEM);
	assert_string_equal(iso.ignored, "");
	/* given but empty: nothing on, as in Mesos (not the default) */
	iso = parse_ok("");
	assert_int_equal(iso.bits, 0);
	iso = parse_ok(" , ,");
	assert_int_equal(iso.bits, 0);
}

static void test_whitespace_empty_duplicates(void **state)
{
	struct isolation a = parse_ok(SEED);
	struct isolation b = parse_ok(" cgroups/devices ,, posix/disk,cgroups/perf_event ,\tnetwork/cni,"
				      "cgroups/mem,cgroups/cpu,docker/runtime,filesystem/linux,"
				      "gpu/nvidia,gpu/nvidia, network/cni,");
	(void)state;

	assert_int_equal(a.bits, b.bits);
	/* ignored names keep first-seen order, once each */
	assert_string_equal(b.ignored,
			    "cgroups/perf_event,network/cni,docker/runtime,filesystem/linux");
}

static void test_every_mesos_name_accepted(void **state)
{
	static const char *const names[] = {
		"appc/runtime",	      "cgroups/all",	    "cgroups/blkio",
		"cgroups/cpu",	      "cgroups/cpuset",	    "cgroups/devices",
		"cgroups/hugetlb",    "cgroups/mem",	    "cgroups/net_cls",
		"cgroups/net_prio",   "cgroups/perf_event", "cgroups/pids",
		"disk/du",	      "disk/xfs",	    "docker/runtime",
		"docker/volume",      "filesystem/linux",   "filesystem/posix",
		"filesystem/shared",  "filesystem/windows", "gpu/nvidia",
		"linux/capabilities", "linux/devices",	    "linux/nnp",
		"linux/seccomp",      "namespaces/ipc",	    "namespaces/pid",
		"network/cni",	      "network/port_mapping", "network/ports",
		"posix/cpu",	      "posix/disk",	    "posix/mem",
		"posix/rlimits",      "volume/csi",	    "volume/host_path",
		"volume/image",	      "volume/sandbox_path", "volume/secret",
		"windows/cpu",	      "windows/mem",
	};
	char all[2048] = "";
	struct isolation iso;
	(void)state;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		iso = parse_ok(names[i]);
		assert_true(iso.bits != 0 || !strcmp(iso.ignored, names[i]));
		if (i)
			strcat(all, ",");
		strcat(all, names[i]);
	}
	iso = parse_ok(all);
	expect_enabled(&iso, "cgroups/cpu,cgroups/mem,cgroups/devices,cgroups/pids,gpu/nvidia,"
			     "posix/cpu,posix/mem,posix/disk,disk/du,linux/capabilities,linux/nnp");
}

static void test_bits(void **state)
{
	struct isolation iso;
	(void)state;

	iso = parse_ok("cgroups/all");
	assert_int_equal(iso.bits,
			 ISO_CGROUPS_CPU | ISO_CGROUPS_MEM | ISO_CGROUPS_DEVICES | ISO_CGROUPS_PIDS);
	assert_string_equal(iso.ignored, "");
	iso = parse_ok("posix/cpu,posix/mem,disk/du");
	assert_int_equal(iso.bits, ISO_POSIX_CPU | ISO_POSIX_MEM | ISO_DISK_DU);
	iso = parse_ok("cgroups/pids");
	assert_int_equal(iso.bits, ISO_CGROUPS_PIDS);
	iso = parse_ok("filesystem/linux,docker/runtime");
	assert_int_equal(iso.bits, 0);
	assert_string_equal(iso.ignored, "filesystem/linux,docker/runtime");
}

static void test_gpu_implies_devices(void **state)
{
	struct isolation iso;
	(void)state;

	iso = parse_ok("cgroups/cpu,gpu/nvidia");
	assert_int_equal(iso.bits, ISO_CGROUPS_CPU | ISO_GPU_NVIDIA | ISO_CGROUPS_DEVICES);
	assert_string_equal(iso.warning,
			    "--isolation has gpu/nvidia without cgroups/devices; enabling "
			    "cgroups/devices too, since only the devices cgroup confines a task to "
			    "its GPUs (Mesos refuses this configuration; add cgroups/devices to "
			    "silence this)");
	iso = parse_ok("gpu/nvidia,cgroups/all");
	assert_string_equal(iso.warning, "");
}

static void test_unknown_names(void **state)
{
	(void)state;
	expect_err("cgroups/cpu,cgroups/cpuu",
		   "flag --isolation: unknown isolator 'cgroups/cpuu' (known: appc/runtime,");
	expect_err("posix/cpu, gpu/nvidia ,GPU/NVIDIA",
		   "flag --isolation: unknown isolator 'GPU/NVIDIA' (known: ");
	expect_err("cgroups", "flag --isolation: unknown isolator 'cgroups' (known: ");
	expect_err("cgroups/cpu;cgroups/mem",
		   "flag --isolation: unknown isolator 'cgroups/cpu;cgroups/mem' (known: ");
}

static void test_limits(void **state)
{
	char *big = malloc(ISO_FLAG_MAX + 10);
	char name[ISO_NAME_MAX + 4];
	(void)state;

	memset(big, ',', ISO_FLAG_MAX + 9);
	big[ISO_FLAG_MAX + 9] = '\0';
	expect_err(big, "flag --isolation: longer than 4096 characters");
	memset(big, ',', ISO_FLAG_MAX);
	big[ISO_FLAG_MAX] = '\0';
	memcpy(big, "posix/cpu", 9);
	assert_int_equal(parse_ok(big).bits, ISO_POSIX_CPU);
	free(big);

	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	expect_err(name, "flag --isolation: an isolator name is longer than 63 characters");
}

static void test_json(void **state)
{
	struct isolation iso = parse_ok(SEED);
	json_t *j = iso_to_json(&iso);
	char *text = json_dumps(j, JSON_COMPACT);
	(void)state;

	assert_string_equal(text, "{\"enabled\":[\"cgroups/cpu\",\"cgroups/mem\","
				  "\"cgroups/devices\",\"gpu/nvidia\",\"posix/disk\"],"
				  "\"ignored\":[\"filesystem/linux\",\"docker/runtime\","
				  "\"network/cni\",\"cgroups/perf_event\"]}");
	free(text);
	json_decref(j);

	iso = parse_ok("cgroups/mem");
	j = iso_to_json(&iso);
	text = json_dumps(j, JSON_COMPACT);
	assert_string_equal(text, "{\"enabled\":[\"cgroups/mem\"],\"ignored\":[]}");
	free(text);
	json_decref(j);
}

static void test_list_contains(void **state)
{
	(void)state;
	assert_true(iso_list_contains(SEED, "gpu/nvidia"));
	assert_true(iso_list_contains(" posix/cpu , gpu/nvidia ", "gpu/nvidia"));
	assert_false(iso_list_contains("gpu/nvidia2,xgpu/nvidia", "gpu/nvidia"));
	assert_false(iso_list_contains(NULL, "gpu/nvidia"));
	assert_true(iso_list_contains(NULL, "posix/mem"));
	assert_false(iso_list_contains("", "posix/cpu"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed),
		cmocka_unit_test(test_default_and_empty),
		cmocka_unit_test(test_whitespace_empty_duplicates),
		cmocka_unit_test(test_every_mesos_name_accepted),
		cmocka_unit_test(test_bits),
		cmocka_unit_test(test_gpu_implies_devices),
		cmocka_unit_test(test_unknown_names),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_list_contains),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
