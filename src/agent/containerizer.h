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
 *   supervisor, task     container.c      ctr_* (container.h): cgroup
 *                                         create/enter/kill, private /dev,
 *                                         OOM and disk watch
 */
#ifndef AGORA_AGENT_CONTAINERIZER_H
#define AGORA_AGENT_CONTAINERIZER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent/cgroups.h"
#include "agent/container.h"
#include "agent/tasks.h"

struct agent;
struct http_req;


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
 * supervisor has nothing to do). Returns 0, or 1 with why saying why the
 * task cannot run here (not enough free GPUs).
 */
int ctz_prepare(struct atask *t, json_t **out, char *why, size_t whylen);
/* "K=V" strings for the task's environment (CUDA_VISIBLE_DEVICES...); NULL-terminated, malloc'd. */
char **ctz_task_env(const struct atask *t);
/* The task is terminal: its GPUs go back, a cgroup its supervisor left is killed and removed. */
void ctz_task_ended(struct atask *t);
/* Recovery: t's limits, and its cgroup and GPUs from its launch's container object (may be NULL). */
void ctz_task_recovered(struct atask *t, const json_t *container);
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

#endif
