/*
 * agent/detect — what this machine offers: cpus, mem, disk and ports,
 * detected the way Mesos does, then overridden entry by entry by
 * --resources (text or JSON). gpus come from NVML (gpu_discover, which
 * also fills a->gpus for allocation) when the gpu/nvidia isolator is on
 * and the library loads; otherwise only an explicit --resources gpus
 * value is passed through, unisolated.
 *
 *   cpus  = online CPUs
 *   mem   = total - 1 GB when total >= 2 GB, else total / 2   (MB)
 *   disk  = size of --work_dir's filesystem - 5 GB when >= 10 GB, else / 2 (MB)
 *   ports = [31000-32000]
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "agent/agent.h"
#include "core/log.h"
#include "core/util.h"

#define MB (1024.0 * 1024.0)

static void detect_defaults(const struct agent *a, double gpus, struct resources *out)
{
	struct sysinfo si;
	struct statvfs vfs;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	char text[256];
	double mem_mb = 0, disk_mb = 0;
	char err[256];

	if (sysinfo(&si) == 0) {
		double total = (double)si.totalram * si.mem_unit / MB;
		mem_mb = total >= 2048 ? total - 1024 : total / 2;
	}
	if (statvfs(a->flags.work_dir, &vfs) == 0) {
		double total = (double)vfs.f_blocks * (double)vfs.f_frsize / MB;
		disk_mb = total >= 10240 ? total - 5120 : total / 2;
	}
	snprintf(text, sizeof(text), "cpus:%ld;mem:%.0f;disk:%.0f;ports:[31000-32000]",
		 ncpu > 0 ? ncpu : 1, mem_mb, disk_mb);
	if (gpus > 0) {
		char more[32];
		snprintf(more, sizeof(more), ";gpus:%.0f", gpus);
		str_append(text, more, sizeof(text));
	}
	if (res_parse_text(text, "*", out, err, sizeof(err)) < 0)
		fatalx("agent: detected resources do not parse (%s): %s", text, err);
}

int detect_resources(struct agent *a, char *err, size_t errlen)
{
	struct resources detected = RESOURCES_EMPTY, given = RESOURCES_EMPTY;
	const char *role = a->flags.default_role ? a->flags.default_role : "*";
	double gpus = 0;

	if (a->flags.resources) {
		char perr[512];
		if (res_parse(a->flags.resources, role, &given, perr, sizeof(perr)) < 0) {
			snprintf(err, errlen, "flag --resources: %s", perr);
			return -EINVAL;
		}
	}
	gpu_set_free(&a->gpus);
	if (gpu_discover(a->flags.isolation, a->flags.nvidia_gpu_devices, a->flags.resources,
			 &a->gpus, &gpus, err, errlen) < 0) {
		res_free(&given);
		return -EINVAL;
	}
	/* NVML found them: offered as detected (a gpus in --resources, when valid, wins) */
	detect_defaults(a, a->gpus.nvml_loaded ? gpus : 0, &detected);
	res_merge_missing(&given, &detected);
	res_free(&detected);
	res_free(&a->resources);
	a->resources = given;
	return 0;
}
