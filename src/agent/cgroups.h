/*
 * cgroups — the agent's control groups: one cgroup per container under
 * --cgroups_hierarchy/--cgroups_root, on cgroup v1 (legacy or hybrid) and
 * v2 (unified). Limits in, statistics out, every process killed at the end.
 *
 * Who calls what:
 *   agent start      cg_detect() once: finds the version and the mounts,
 *                    creates the root cgroup(s), enables v2 controllers.
 *   launcher (agent) cg_create() before forking the task's supervisor;
 *                    cg_stats()/cg_pids() while it runs; cg_kill_all() then
 *                    cg_destroy() when it is over; cg_list() at recovery.
 *   task process     cg_enter() between fork and exec, still as root.
 *
 * Errors: 0 or -errno; where there is an err buffer it names the file or the
 * controller, e.g. "cannot write 104857600 to
 * /sys/fs/cgroup/memory/agora/<id>/memory.limit_in_bytes: Device or resource
 * busy". Not thread-safe; no state outside struct cg_system.
 */
#ifndef AGORA_AGENT_CGROUPS_H
#define AGORA_AGENT_CGROUPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* What the agent wants to isolate (cg_detect's want, cg_system.have). */
#define CG_CPU (1u << 0)     /* cpu shares/weight, CFS quota; cpuacct usage (v1 needs both) */
#define CG_MEM (1u << 1)     /* memory limit, usage, OOM kills */
#define CG_PIDS (1u << 2)    /* pids.max */
#define CG_DEVICES (1u << 3) /* v1 device whitelist; v2: see cg_create */
#define CG_FREEZER (1u << 4) /* v1 freezer / v2 cgroup.freeze, used by cg_kill_all */

#define CG_NAME_MAX 255	 /* longest container name (NAME_MAX) */
#define CG_PATH_MAX 1024 /* longest root path: <mount>/<root_name> */
#define CG_MAX_HIER 8	 /* v1 hierarchies we may touch (cpu, cpuacct, memory, ...) */

enum cg_version {
	CG_V1_LEGACY = 1, /* v1 controllers only */
	CG_V1_HYBRID,	  /* v1 controllers + a controller-less v2 at <hierarchy>/unified */
	CG_V2,		  /* unified: <hierarchy> is a cgroup2 mount */
};

/* One directory tree where container cgroups are made. */
struct cg_hier {
	char root[CG_PATH_MAX]; /* <mount>/<root_name>, no trailing '/' */
	unsigned ctls;		/* CG_* bits this tree serves (0: only cpuacct / bookkeeping) */
	bool cpuacct;		/* v1: cpuacct.* files live here */
};

/*
 * Filled by cg_detect(); read-only afterwards (cg_enter reads it in the
 * forked child, so it must not be freed or changed while a launch is in
 * flight). Plain data: copying it is fine, nothing to free.
 */
struct cg_system {
	enum cg_version version;
	unsigned want; /* what cg_detect was asked for */
	unsigned have; /* what works: want, plus CG_FREEZER when v1 has one mounted */
	char hierarchy[CG_PATH_MAX];
	char root_name[CG_PATH_MAX];
	struct cg_hier hier[CG_MAX_HIER]; /* v2: exactly one */
	size_t nhier;
	int mem_hier, cpu_hier, cpuacct_hier, pids_hier, devices_hier, freezer_hier; /* index or -1 */
	/* feature probes, made once at detection */
	bool v1_memsw;	  /* memory.memsw.limit_in_bytes (swap accounting on) */
	bool v2_kill;	  /* cgroup.kill (Linux 5.14) */
	bool v2_freeze;	  /* cgroup.freeze (Linux 5.2) */
	bool v2_swap_max; /* memory.swap.max */
	char agent_leaf[CG_PATH_MAX]; /* v2: where cg_detect moved the agent to free a cgroup, or "" */
};

/* A device the container may use (v1 devices.allow syntax). */
struct cg_device {
	char type;	 /* 'c' or 'b' ('a' = all devices) */
	int64_t major;	 /* -1 = any ('*') */
	int64_t minor;	 /* -1 = any */
	char access[4];	 /* non-empty subset of "rwm" */
};

struct cg_limits {
	double cpus;	    /* <= 0: no CPU limit (shares 1024 / weight 100) */
	bool cfs_quota;	    /* hard cap: cpus * 100ms per 100ms period (--cgroups_enable_cfs) */
	uint64_t mem_bytes; /* 0 = no limit; on v1 also the memory+swap limit, on v2 swap.max = 0 */
	uint64_t pids_max;  /* 0 = no limit */
	bool restrict_devices;	     /* deny every device but Mesos' default whitelist + allow[] */
	const struct cg_device *allow;
	size_t nallow;
};

struct cg_stats {
	unsigned have; /* CG_* bits whose fields below were filled */
	/* CG_CPU */
	double cpu_user_secs, cpu_system_secs;
	/* CG_MEM (bytes; mem_limit_bytes 0 = no limit) */
	uint64_t mem_usage_bytes; /* v1 memory.usage_in_bytes, v2 memory.current */
	uint64_t mem_rss_bytes;	  /* anonymous memory: v1 total_rss, v2 anon */
	uint64_t mem_max_bytes;	  /* peak: v1 max_usage_in_bytes, v2 memory.peak (0 if absent) */
	uint64_t mem_limit_bytes;
	uint64_t oom_kills;	 /* v1 oom_control "oom_kill" (Linux 4.13), v2 memory.events */
	uint64_t mem_limit_hits; /* v1 memory(.memsw).failcnt, v2 memory.events "max": OOM evidence on old kernels */
	/* CG_PIDS */
	uint64_t pids_current;
	uint64_t pids_max; /* 0 = no limit */
};

/*
 * Finds the cgroup version from /proc/self/mountinfo, the mount of every
 * controller in want (all must be mounted under hierarchy; err names the
 * first one missing, -ENOENT), then creates <mount>/<root_name> in each
 * (root_name may hold '/', never ".."). On v2 it enables the wanted
 * controllers in cgroup.subtree_control from the mount down to the root; if
 * the agent itself sits in a cgroup on that path (a container's cgroup
 * namespace root), it is moved into a leaf "<that cgroup>/agora-agent" first
 * (sys->agent_leaf). CG_DEVICES on v2 is accepted: see cg_create.
 * Leaves *sys zeroed-then-filled; on error *sys is unusable.
 */
int cg_detect(struct cg_system *sys, const char *hierarchy, const char *root_name, unsigned want,
	      char *err, size_t errlen);

/* "v1-legacy", "v1-hybrid" or "v2" (for /state, /flags and logs). */
const char *cg_version_name(const struct cg_system *sys);

/*
 * Creates the container's cgroup(s) <root>/<name> and writes every limit in
 * lim for the controllers sys has (a leftover from an earlier agent is
 * reused and its limits rewritten; a v1 freezer left FROZEN is thawed).
 * name: 1..255 bytes, no '/', no control characters, not "." or "..".
 * -EOPNOTSUPP when lim->restrict_devices on v2: devices there need an eBPF
 * program, which agora does not load; the launcher gives the task a private
 * /dev (mount namespace) instead. -EINVAL when restrict_devices without
 * CG_DEVICES. On error, directories this call created are removed again.
 */
int cg_create(const struct cg_system *sys, const char *name, const struct cg_limits *lim, char *err,
	      size_t errlen);

/*
 * Moves the calling process into <root>/<name> in every hierarchy (writes
 * "0" to cgroup.procs). For the task child between fork and exec: no heap,
 * no stdio, no locks — only open/write/close, string copies and strerror.
 * A failure leaves the process in some hierarchies and not others; the
 * caller must not exec then. err (may be NULL) gets "cannot join <file>: ...".
 */
int cg_enter(const struct cg_system *sys, const char *name, char *err, size_t errlen);

/*
 * SIGKILLs every process in the container's cgroup, forks in flight and
 * disowned descendants included, and waits until cgroup.procs is empty:
 * v2 cgroup.kill when the kernel has it; otherwise freeze (v1 freezer or v2
 * cgroup.freeze), kill every listed pid, thaw, repeat; without any freezer
 * just kill-and-repeat. Blocks at most timeout_secs (<= 0: 10 s), usually a
 * few milliseconds; -ETIMEDOUT if processes remain (a task stuck in D state).
 * A missing cgroup is 0. The cgroup is left thawed.
 */
int cg_kill_all(const struct cg_system *sys, const char *name, double timeout_secs, char *err,
		size_t errlen);

/*
 * Removes <root>/<name> from every hierarchy (missing ones are fine).
 * Processes must be gone (cg_kill_all): -EBUSY otherwise, after retrying
 * for a short while for ones that are still exiting.
 */
int cg_destroy(const struct cg_system *sys, const char *name, char *err, size_t errlen);

/* Reads usage; out->have says which groups of fields are valid. -ENOENT if no cgroup. */
int cg_stats(const struct cg_system *sys, const char *name, struct cg_stats *out);

/* Whether <root>/<name> exists in the first hierarchy. */
bool cg_exists(const struct cg_system *sys, const char *name);

/*
 * Pids in the container (first hierarchy's cgroup.procs), at most max of
 * them in out; returns how many there are in all (may exceed max) or -errno.
 */
int cg_pids(const struct cg_system *sys, const char *name, pid_t *out, size_t max);

/*
 * Calls fn(name, arg) for every container cgroup under the root of the
 * first hierarchy (for recovery: leftovers of an earlier agent). Stops at
 * and returns fn's first non-zero result.
 */
int cg_list(const struct cg_system *sys, int (*fn)(const char *name, void *arg), void *arg);

/*
 * Path of file in the container's cgroup of the hierarchy serving ctl (one
 * CG_* bit; 0 = the first hierarchy), or of the directory when file is
 * NULL. For logs, the /state endpoint and tests.
 */
int cg_path(const struct cg_system *sys, unsigned ctl, const char *name, const char *file, char *out,
	    size_t outlen);

/* 0 when name is a usable container name, -EINVAL otherwise. */
int cg_check_name(const char *name);

#endif
