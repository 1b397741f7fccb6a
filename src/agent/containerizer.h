/*
 * containerizer — what isolates a task: its cgroup (limits, accounting,
 * kill-all), its GPUs and devices, the watches that end it when it
 * outgrows its memory or disk, and its usage for /monitor/statistics.
 *
 * Two halves, one contract (the "container" object of task.info's launch
 * spec, written by the agent, read by the supervisor):
 *
 *   {"cgroup": "<container id>"?,            cgroups on: the task's cgroup
 *    "cpus": 0.5, "cfs": true, "mem_bytes": N,   limits (0: none)
 *    "restrict_devices": true?,              v1 devices cgroup: default whitelist
 *    "private_dev": true?,                   mount namespace with a private /dev
 *    "devices": [{"type":"c","major":195,"minor":1,"path":"/dev/nvidia1"}]?,
 *    "dev_dir": "/dev"?,                     where the GPU nodes live
 *    "gpus": [1]?,                           NVML indices held (recovery re-claims them)
 *    "mem_watch": true?,                     end the task on an OOM kill
 *    "disk_limit_bytes": N?, "disk_watch": secs?, "enforce_disk": true?}
 *
 * An absent object (the default posix/cpu,posix/mem agent) means the
 * supervisor runs the task exactly as before: no cgroup, no watches.
 *
 *   agent (event loop)   containerizer.c  ctz_*: start-up, the container
 *                                         object, GPUs, recovery, /state
 *                        monitor.c        mon_*: /monitor/statistics
 *   supervisor, task     container.c      ctr_*: cgroup create/enter/kill,
 *                                         private /dev, OOM and disk watch
 */
#ifndef AGORA_AGENT_CONTAINERIZER_H
#define AGORA_AGENT_CONTAINERIZER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent/cgroups.h"
#include "agent/tasks.h"

struct agent;
struct http_req;

#define CTR_MAX_DEVICES 32 /* device nodes one task may be given */
#define CTR_MAX_MOUNTS 48  /* entries of a private /dev */

/* ---- containerizer.c (agent event loop) ---- */

/* Parses --isolation into a->iso (no side effects: --check-config runs it). */
int ctz_parse(struct agent *a, char *err, size_t errlen);
/*
 * Start-up, after --check-config and before the spawner is forked (it
 * inherits a->cg): logs the isolators in one line, detects cgroups and
 * creates the root cgroup(s) when a cgroups isolator is on.
 */
int ctz_init(struct agent *a, char *err, size_t errlen);
void ctz_free(struct agent *a);

/*
 * The task's limits, GPUs and "container" object (*out, NULL when the
 * supervisor has nothing to do). Returns 0, or 1 with o filled with the
 * TASK_FAILED to report (not enough free GPUs).
 */
int ctz_prepare(struct atask *t, json_t **out, struct task_outcome *o);
/* "K=V" strings for the task's environment (CUDA_VISIBLE_DEVICES...); NULL-terminated, malloc'd. */
char **ctz_task_env(const struct atask *t);
/* The task is terminal: its GPUs go back, a cgroup its supervisor left is killed and removed. */
void ctz_task_ended(struct atask *t);
/* Recovery: reads the container object of a checkpointed launch spec into t. */
void ctz_task_recovered(struct atask *t, const json_t *launch);
/* Recovery: t was re-adopted alive; it holds its GPUs again. */
void ctz_task_readopted(struct atask *t);
/* Recovery, once every task is known: kills and removes cgroups no live task owns. */
void ctz_cleanup_leftovers(struct agent *a);
/* A supervisor reported its sandbox's disk usage. */
void ctz_on_usage(struct atask *t, uint64_t disk_used_bytes);
/* Adds "isolation", "cgroups" and "gpus" to the agent's /state object. */
void ctz_state_json(struct agent *a, json_t *state);

/* ---- monitor.c (agent event loop) ---- */

/* One request's view of the machine's processes (filled lazily). */
struct mon_ctx;
struct mon_ctx *mon_ctx_new(void);
void mon_ctx_free(struct mon_ctx *ctx);
/* Mesos ResourceStatistics of a live task (new reference). */
json_t *mon_task_statistics(struct mon_ctx *ctx, const struct atask *t);
/* GET /monitor/statistics. */
void mon_handle_statistics(struct http_req *r, void *arg);

/* ---- container.c (supervisor and task processes) ---- */

struct ctr_mount {
	char *src;     /* host path to bind, symlink target, or NULL for a directory */
	char *dst;     /* path inside the staging tmpfs */
	char kind;     /* 'f' bind a node, 'd' bind a directory tree, 'l' symlink, 'm' mkdir */
	bool optional; /* a missing source is skipped */
};

struct ctr_overlay {
	char *staging; /* <run_meta>/<name>: where the tmpfs is built */
	char *target;  /* where it is moved: /dev, or the GPU dev_dir */
};

/* What the supervisor set up for one task, and what happened to it. */
struct ctr {
	const struct cg_system *cg; /* NULL: no cgroup */
	char cgroup[CG_NAME_MAX + 1];
	bool have_cgroup;
	struct cg_limits lim;
	struct cg_device devices[CTR_MAX_DEVICES];
	struct ctr_mount mounts[CTR_MAX_MOUNTS];
	size_t nmounts;
	struct ctr_overlay overlays[2];
	size_t noverlays;
	int oom_fd;  /* v1 eventfd / v2 memory.events; -1 when not watched */
	int oom_ctl; /* v1 memory.oom_control kept open for the eventfd; -1 */
	uint64_t disk_limit;
	double disk_watch; /* seconds; 0 = no disk watch */
	bool enforce_disk;
	/* the outcome */
	char limit_resource[8]; /* "mem", "disk" or "" */
	char limit_message[256];
	double limit_mb; /* the limit that was hit, in MB */
};

/*
 * Reads spec (the container object, may be NULL) and sets the container
 * up: creates the cgroup with its limits, arms the OOM watch, plans the
 * private /dev. run_meta holds the staging directories. Returns 0, or
 * -errno with why filled (nothing is left behind then).
 */
int ctr_setup(struct ctr *c, const json_t *spec, const struct cg_system *cg,
	      const char *run_meta, char *why, size_t whylen);
/*
 * In the task process between fork and exec, as root: joins the cgroup,
 * builds the private /dev. Only system calls (it may run in a vfork()ed
 * child). Returns 0 or -errno; *stage says which step failed (1 cgroup,
 * 2 devices).
 */
int ctr_enter(const struct ctr *c, int *stage);
/*
 * Waits until the task process pid has exited, without reaping it,
 * watching for OOM kills and the sandbox's disk usage meanwhile (a limit
 * hit kills the task and is recorded in c). Usage reports go to the
 * agent's socket (notify_name, may be NULL).
 */
void ctr_wait(struct ctr *c, pid_t pid, const char *sandbox, const char *notify_name,
	      unsigned notify_len);
/*
 * The task process has exited (a zombie still): SIGKILLs everything left
 * in its cgroup, reads the OOM evidence, removes the cgroup.
 */
void ctr_finish(struct ctr *c);
/* The exit_status "limitation" object, or NULL when no limit was hit (new reference). */
json_t *ctr_limitation_json(const struct ctr *c);
/* Sends a usage datagram to the agent (never blocks). */
void ctr_report_usage(const char *notify_name, unsigned notify_len, uint64_t disk_bytes);
/* Sandbox usage as du -sk counts it (allocated blocks), in bytes; -errno on error. */
int64_t ctr_disk_usage(const char *dir);

/* Mesos' Bytes text: "64MB", "1536KB", "100B". */
void ctr_bytes_text(uint64_t bytes, char *buf, size_t size);

#endif
