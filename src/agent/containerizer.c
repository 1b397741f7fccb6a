/*
 * agent/containerizer — the agent's side of isolating tasks
 * (containerizer.h has the picture). Runs on the agent's event loop.
 *
 * Owns: a->iso (--isolation), a->cg (the cgroups found at start-up and the
 * root cgroup(s) made there), a->private_dev, the GPU allocation in
 * a->gpus (discovery itself is detect.c's), each task's limits and GPUs,
 * and the "container" object the supervisor acts on.
 *
 * When cgroups are on (the activation rule): any cgroups/... isolator in
 * --isolation (gpu/nvidia brings cgroups/devices, isolation.c). Then every
 * task gets a cgroup named after its container id, created by its
 * supervisor, never here. The default posix/cpu,posix/mem only accounts
 * (monitor.c reads /proc) and a task's end kills its process group, not a
 * cgroup: what left the group (setsid) survives there, as in Mesos' posix
 * isolators. The pids controller is used for accounting whenever it is
 * mounted; the freezer whenever cgroups.c finds one.
 *
 * Devices: with cgroups/devices every task is held to Mesos' default
 * whitelist plus its GPUs' nodes — by the v1 devices cgroup, or on v2
 * (where cgroups.c has no eBPF) by a private /dev in a mount namespace
 * holding only those nodes. AGORA_PRIVATE_DEV=1 in the agent's
 * environment adds the private /dev on v1 too (tests; defence in depth).
 * A task asking for gpus on an agent without NVML (no gpu/nvidia, or the
 * library missing) is passed through: it runs with no device restriction
 * at all, since the agent cannot know which nodes are GPUs.
 *
 * Invariants:
 *  1. A GPU is held by at most one live task (gpu.c), from the launch
 *     until the task is terminal (ctz_task_ended), across agent restarts
 *     (the indices are in the checkpointed launch spec; ctz_task_readopted).
 *  2. Nothing here blocks on a task: cgroup creation and removal are the
 *     supervisor's. The loop removes a cgroup only when a supervisor died
 *     without doing so, and at recovery (leftovers of an earlier run).
 *  3. The launch path adds no file system work and nothing per task in the
 *     default configuration (no container object at all).
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "agent/containerizer.h"
#include "core/log.h"
#include "core/util.h"

#define MB (1024.0 * 1024.0)

int ctz_parse(struct agent *a, char *err, size_t errlen)
{
	return iso_parse(a->flags.isolation, &a->iso, err, errlen);
}

static unsigned cgroup_wants(const struct isolation *iso)
{
	unsigned want = 0;

	if (iso_has(iso, ISO_CGROUPS_CPU))
		want |= CG_CPU;
	if (iso_has(iso, ISO_CGROUPS_MEM))
		want |= CG_MEM;
	if (iso_has(iso, ISO_CGROUPS_DEVICES))
		want |= CG_DEVICES;
	if (iso_has(iso, ISO_CGROUPS_PIDS))
		want |= CG_PIDS;
	return want;
}

static int init_cgroups(struct agent *a, unsigned want, char *err, size_t errlen)
{
	const char *hier = a->flags.cgroups_hierarchy, *root = a->flags.cgroups_root;
	char cerr[768];
	int r;

	/* pids for accounting when mounted; only cgroups/pids makes it a requirement */
	r = cg_detect(&a->cg, hier, root, want | CG_PIDS, cerr, sizeof(cerr));
	if (r < 0 && !(want & CG_PIDS))
		r = cg_detect(&a->cg, hier, root, want, cerr, sizeof(cerr));
	if (r < 0)
		return snprintf(err, errlen,
				"flag --isolation: cgroups isolation cannot start: %s "
				"(--cgroups_hierarchy=%s, --cgroups_root=%s)",
				cerr, hier, root),
		       r;
	a->cg_on = true;
	log_info("agent: cgroups %s: each task gets its own cgroup under %s/.../%s "
		 "(cpu %s, memory %s, pids %s, devices %s, freezer %s)",
		 cg_version_name(&a->cg), a->cg.hierarchy, a->cg.root_name,
		 a->cg.have & CG_CPU ? "limited" : "not managed",
		 a->cg.have & CG_MEM ? "limited" : "not managed",
		 a->cg.have & CG_PIDS ? "accounted" : "not mounted",
		 a->cg.have & CG_DEVICES ? "whitelisted"
		 : iso_has(&a->iso, ISO_CGROUPS_DEVICES) ? "private /dev"
							   : "not managed",
		 a->cg.have & CG_FREEZER ? "used to kill" : "absent");
	return 0;
}

int ctz_init(struct agent *a, char *err, size_t errlen)
{
	char enabled[512];
	const char *force = getenv("AGORA_PRIVATE_DEV");
	unsigned want = cgroup_wants(&a->iso);

	iso_enabled_text(&a->iso, enabled, sizeof(enabled));
	if (a->iso.ignored[0])
		log_warnx("agent: isolation: %s; ignored (accepted for Mesos compatibility, not "
			  "implemented by agora): %s",
			  enabled[0] ? enabled : "(none)", a->iso.ignored);
	else
		log_info("agent: isolation: %s", enabled[0] ? enabled : "(none)");
	if (a->iso.warning[0])
		log_warnx("agent: %s", a->iso.warning);
	if (want && init_cgroups(a, want, err, errlen) < 0)
		return -EINVAL;
	a->private_dev = iso_has(&a->iso, ISO_CGROUPS_DEVICES) &&
			 ((a->cg_on && a->cg.version == CG_V2) || (force && !strcmp(force, "1")));
	if (a->private_dev)
		log_info("agent: every task gets a private /dev holding only the standard nodes "
			 "and its own GPUs");
	return 0;
}

void ctz_free(struct agent *a)
{
	gpu_set_free(&a->gpus);
}

/* ---- launch ---- */

static void limits_of(struct atask *t)
{
	double mem = res_scalar(&t->spec.resources, "mem");
	double disk = res_scalar(&t->spec.resources, "disk");

	t->cpus_limit = res_scalar(&t->spec.resources, "cpus");
	t->mem_limit_bytes = mem > 0 ? (uint64_t)(mem * MB) : 0;
	t->disk_limit_bytes = disk > 0 ? (uint64_t)(disk * MB) : 0;
}


/* 0, 1 (refused, why filled); t->gpus/ngpus set; *passthrough when NVML cannot isolate them. */
static int allocate_gpus(struct atask *t, char *why, size_t whylen, bool *passthrough)
{
	struct agent *a = t->agent;
	double want = t->spec.gpus;
	unsigned n = want >= 1 ? (unsigned)floor(want) : 0;
	int r;

	*passthrough = false;
	if (n == 0)
		return 0;
	if (!a->gpus.nvml_loaded || !iso_has(&a->iso, ISO_GPU_NVIDIA)) {
		*passthrough = true;
		return 0;
	}
	t->gpus = xcalloc(n, sizeof(unsigned));
	r = gpu_allocate(&a->gpus, n, t->container_id, t->gpus);
	if (r < 0) {
		free(t->gpus);
		t->gpus = NULL;
		snprintf(why, whylen,
			 "not enough free GPUs on agent %s: the task asks for %u, %u of the "
			 "agent's GPUs are free",
			 a->hostname, n, gpu_free_count(&a->gpus));
		return 1;
	}
	t->ngpus = n;
	return 0;
}

/* The task's GPUs and device rules into spec; devs holds the nodes' paths. */
static void add_devices(const struct atask *t, struct sup_container *spec, struct gpu_dev *devs)
{
	struct agent *a = t->agent;
	size_t n;

	if (a->cg_on && (a->cg.have & CG_DEVICES))
		spec->restrict_devices = true;
	if (a->private_dev) {
		spec->private_dev = true;
		spec->dev_dir = a->gpus.dev_dir;
	}
	if (!t->ngpus)
		return;
	n = gpu_devices_for(&a->gpus, t->gpus, t->ngpus, devs, SUP_MAX_DEVICES);
	for (size_t i = 0; i < n && i < SUP_MAX_DEVICES; i++) {
		spec->devices[i].type = devs[i].type;
		spec->devices[i].major = devs[i].major;
		spec->devices[i].minor = devs[i].minor;
		spec->devices[i].path = devs[i].path;
		spec->ndevices++;
	}
	for (size_t i = 0; i < t->ngpus && i < SUP_MAX_GPUS; i++)
		spec->gpus[spec->ngpus++] = t->gpus[i];
}

int ctz_prepare(struct atask *t, json_t **out, char *why, size_t whylen)
{
	struct agent *a = t->agent;
	bool passthrough, disk = iso_has(&a->iso, ISO_POSIX_DISK | ISO_DISK_DU);
	struct gpu_dev devs[SUP_MAX_DEVICES];
	struct sup_container *spec;

	*out = NULL;
	limits_of(t);
	if (allocate_gpus(t, why, whylen, &passthrough))
		return 1;
	if (!a->cg_on && !disk && !a->private_dev)
		return 0; /* invariant 3 */
	spec = xcalloc(1, sizeof(*spec));
	if (a->cg_on) {
		spec->cgroup = t->container_id;
		spec->cpus = t->cpus_limit;
		spec->cfs = a->flags.cgroups_enable_cfs;
		spec->mem_bytes = t->mem_limit_bytes;
		spec->mem_watch = (a->cg.have & CG_MEM) != 0;
		t->has_cgroup = true;
	}
	if (iso_has(&a->iso, ISO_CGROUPS_DEVICES) && !passthrough)
		add_devices(t, spec, devs);
	if (disk) {
		spec->disk_watch = a->flags.disk_watch_interval;
		spec->disk_limit_bytes = t->disk_limit_bytes;
		spec->enforce_disk = a->flags.enforce_container_disk_quota;
	}
	*out = sup_container_json(spec);
	free(spec);
	return 0;
}

char **ctz_task_env(const struct atask *t)
{
	static const char *const names[] = { "CUDA_VISIBLE_DEVICES", "NVIDIA_VISIBLE_DEVICES" };
	char uuids[GPU_MAX * 48];
	char **v;

	if (!t->ngpus || gpu_visible_devices(&t->agent->gpus, t->gpus, t->ngpus, uuids,
					     sizeof(uuids)) < 0)
		return NULL;
	v = xcalloc(ARRAY_LEN(names) + 1, sizeof(char *));
	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		size_t len = strlen(names[i]) + 1 + strlen(uuids) + 1;
		v[i] = xmalloc(len);
		snprintf(v[i], len, "%s=%s", names[i], uuids);
	}
	return v;
}

/* Kills and removes a cgroup the loop found without a supervisor to do it. */
static void remove_cgroup(struct agent *a, const char *name, const char *why)
{
	char err[512];

	if (cg_kill_all(&a->cg, name, 5, err, sizeof(err)) < 0 ||
	    cg_destroy(&a->cg, name, err, sizeof(err)) < 0)
		log_warnx("agent: cannot remove cgroup %s (%s): %s", name, why, err);
	else
		log_info("agent: killed and removed cgroup %s (%s)", name, why);
}

void ctz_task_ended(struct atask *t)
{
	struct agent *a = t->agent;

	if (t->ngpus)
		gpu_release_owner(&a->gpus, t->container_id);
	/* The supervisor removes its cgroup; one still there means it died first. */
	if (t->has_cgroup && a->cg_on && cg_exists(&a->cg, t->container_id))
		remove_cgroup(a, t->container_id, "its task's supervisor is gone");
	t->has_cgroup = false;
}

void ctz_on_usage(struct atask *t, uint64_t disk_used_bytes)
{
	t->disk_measured = true;
	t->disk_used_bytes = disk_used_bytes;
}

/* ---- recovery ---- */

void ctz_task_recovered(struct atask *t, const json_t *container)
{
	struct sup_container *spec;
	char why[256];

	limits_of(t);
	if (!container)
		return;
	spec = xcalloc(1, sizeof(*spec));
	if (sup_container_parse(container, spec, why, sizeof(why)) < 0) {
		log_warnx("agent: task %s of framework %s: %s; its cgroup and GPUs are not "
			  "re-claimed",
			  t->task_id, t->framework_id, why);
		free(spec);
		return;
	}
	t->has_cgroup = spec->cgroup != NULL;
	if (spec->ngpus) {
		t->gpus = xcalloc(spec->ngpus, sizeof(unsigned));
		memcpy(t->gpus, spec->gpus, spec->ngpus * sizeof(unsigned));
		t->ngpus = spec->ngpus;
	}
	free(spec);
}

void ctz_task_readopted(struct atask *t)
{
	for (size_t i = 0; i < t->ngpus; i++) {
		int r = gpu_claim(&t->agent->gpus, t->gpus[i], t->container_id);
		if (r < 0)
			log_warnx("agent: task %s of framework %s: cannot re-claim GPU %u after the "
				  "restart (%s); it keeps running with it",
				  t->task_id, t->framework_id, t->gpus[i],
				  r == -EBUSY ? "another task holds it" : "no such managed GPU");
	}
}

/* The shape of a container id (uuid_random): leftovers of other software are left alone. */
static bool container_id_shaped(const char *name)
{
	if (strlen(name) != UUID_STR_LEN - 1)
		return false;
	for (size_t i = 0; name[i]; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? name[i] != '-' : !isxdigit((unsigned char)name[i]))
			return false;
	}
	return true;
}

struct sweep {
	struct agent *a;
	struct map live; /* container ids of re-adopted tasks */
	char **names;
	size_t n;
};

static int collect(const char *name, void *arg)
{
	struct sweep *s = arg;

	if (!container_id_shaped(name) || map_get(&s->live, name) || s->n >= 65536)
		return 0;
	s->names = xreallocarray(s->names, s->n + 1, sizeof(char *));
	s->names[s->n++] = xstrdup(name);
	return 0;
}

void ctz_cleanup_leftovers(struct agent *a)
{
	struct sweep s;
	struct map_iter it;
	void *v;

	if (!a->cg_on)
		return;
	memset(&s, 0, sizeof(s));
	s.a = a;
	map_init(&s.live);
	map_iter_init(&it, &a->tasks);
	while (map_iter_next(&it, NULL, &v)) {
		struct atask *t = v;
		if (t->sup_alive && t->has_cgroup)
			map_put(&s.live, t->container_id, t);
	}
	cg_list(&a->cg, collect, &s);
	for (size_t i = 0; i < s.n; i++) {
		remove_cgroup(a, s.names[i], "left by an earlier agent run; no checkpointed task "
					     "owns it");
		free(s.names[i]);
	}
	free(s.names);
	map_clear(&s.live);
}

/* ---- /state ---- */

void ctz_state_json(struct agent *a, json_t *state)
{
	json_t *cg = json_pack("{s:b}", "enabled", a->cg_on);

	if (a->cg_on) {
		json_object_set_new(cg, "version", json_string(cg_version_name(&a->cg)));
		json_object_set_new(cg, "hierarchy", json_string(a->cg.hierarchy));
		json_object_set_new(cg, "root", json_string(a->cg.root_name));
	}
	json_object_set_new(cg, "private_dev", json_boolean(a->private_dev));
	json_object_set_new(state, "isolation", iso_to_json(&a->iso));
	json_object_set_new(state, "cgroups", cg);
	json_object_set_new(state, "gpus", gpu_state_json(&a->gpus));
}
