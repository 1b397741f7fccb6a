/*
 * agent/monitor — what each live task uses, in Mesos' ResourceStatistics
 * shape: GET /monitor/statistics (and .json; realm mesos-agent-readonly)
 * and the "statistics" of every live executor in /state.
 *
 * Sources, per task:
 *   cgroups on   cg_stats() of its cgroup (cpuacct / cpu.stat, memory,
 *                pids); what a controller does not cover (cgroups/mem
 *                without cgroups/cpu) is summed from /proc over the
 *                cgroup's processes;
 *   posix        /proc/<pid>/stat of every process in the task's process
 *                group (its pid is the group id), read once per request
 *                for all tasks (one pass over /proc);
 *   disk         the last measurement its supervisor reported
 *                (posix/disk, disk/du), never a walk here.
 *
 * Invariants:
 *  1. Read on request only, like Mesos' usage(): nothing is sampled in the
 *     background, so an idle agent does no work for it.
 *  2. One pass over /proc per request at most, however many tasks.
 *  3. A process that vanishes mid-read is skipped, never an error.
 * Runs on the agent's event loop.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/containerizer.h"
#include "core/http.h"
#include "core/map.h"
#include "core/util.h"

#define CG_PIDS_MAX 4096 /* processes summed per cgroup (the rest are uncounted) */

struct proc_sum {
	double user_secs, system_secs;
	uint64_t rss_bytes;
	unsigned processes, threads;
};

struct mon_ctx {
	bool scanned;
	struct map by_pgid; /* decimal pgid -> struct proc_sum */
	long hz, page;
};

struct mon_ctx *mon_ctx_new(void)
{
	struct mon_ctx *ctx = xcalloc(1, sizeof(*ctx));

	map_init(&ctx->by_pgid);
	ctx->hz = sysconf(_SC_CLK_TCK);
	ctx->page = sysconf(_SC_PAGESIZE);
	if (ctx->hz <= 0)
		ctx->hz = 100;
	if (ctx->page <= 0)
		ctx->page = 4096;
	return ctx;
}

void mon_ctx_free(struct mon_ctx *ctx)
{
	struct map_iter it;
	void *v;

	if (!ctx)
		return;
	map_iter_init(&it, &ctx->by_pgid);
	while (map_iter_next(&it, NULL, &v))
		free(v);
	map_clear(&ctx->by_pgid);
	free(ctx);
}

/* One /proc/<pid>/stat: its process group and usage; -1 when gone. */
static int read_stat(const struct mon_ctx *ctx, const char *pid, long *pgid, struct proc_sum *out)
{
	char path[64], buf[1024];
	unsigned long long ut, st, cut, cst, rss;
	long threads;
	const char *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* the command name may hold spaces and parentheses */
	/* state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
	 * utime stime cutime cstime priority nice num_threads itreal start vsize rss */
	if (!p || sscanf(p + 2, "%*c %*d %ld %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %llu %llu "
				"%*d %*d %ld %*d %*u %*u %llu",
			 pgid, &ut, &st, &cut, &cst, &threads, &rss) != 7)
		return -1;
	memset(out, 0, sizeof(*out));
	/* reaped children's time counts: a shell's finished commands are the task's work */
	out->user_secs = (double)(ut + cut) / (double)ctx->hz;
	out->system_secs = (double)(st + cst) / (double)ctx->hz;
	out->rss_bytes = rss * (uint64_t)ctx->page;
	out->processes = 1;
	out->threads = threads > 0 ? (unsigned)threads : 1;
	return 0;
}

static void sum_add(struct proc_sum *to, const struct proc_sum *p)
{
	to->user_secs += p->user_secs;
	to->system_secs += p->system_secs;
	to->rss_bytes += p->rss_bytes;
	to->processes += p->processes;
	to->threads += p->threads;
}

/* Invariant 2: every process, summed by process group. */
static void scan_proc(struct mon_ctx *ctx)
{
	DIR *d;
	struct dirent *de;

	ctx->scanned = true;
	d = opendir("/proc");
	if (!d)
		return;
	while ((de = readdir(d))) {
		struct proc_sum one, *sum;
		char key[24];
		long pgid;

		if (de->d_name[0] < '1' || de->d_name[0] > '9' ||
		    read_stat(ctx, de->d_name, &pgid, &one) < 0 || pgid <= 0)
			continue;
		snprintf(key, sizeof(key), "%ld", pgid);
		sum = map_get(&ctx->by_pgid, key);
		if (!sum) {
			sum = xcalloc(1, sizeof(*sum));
			map_put(&ctx->by_pgid, key, sum);
		}
		sum_add(sum, &one);
	}
	closedir(d);
}

static void posix_usage(struct mon_ctx *ctx, const struct atask *t, struct proc_sum *out)
{
	char key[24];
	const struct proc_sum *sum;

	memset(out, 0, sizeof(*out));
	if (t->task_pid <= 0)
		return;
	if (!ctx->scanned)
		scan_proc(ctx);
	snprintf(key, sizeof(key), "%d", (int)t->task_pid);
	sum = map_get(&ctx->by_pgid, key);
	if (sum)
		*out = *sum;
}

/* The processes of a cgroup, summed from /proc (for what its controllers do not count). */
static void cgroup_procs_usage(const struct mon_ctx *ctx, const struct agent *a, const char *name,
			       struct proc_sum *out)
{
	pid_t *pids = xcalloc(CG_PIDS_MAX, sizeof(pid_t));
	int n = cg_pids(&a->cg, name, pids, CG_PIDS_MAX);

	memset(out, 0, sizeof(*out));
	for (int i = 0; i < n && i < CG_PIDS_MAX; i++) {
		struct proc_sum one;
		char pid[24];
		long pgid;

		snprintf(pid, sizeof(pid), "%d", (int)pids[i]);
		if (read_stat(ctx, pid, &pgid, &one) == 0)
			sum_add(out, &one);
	}
	free(pids);
}

static void add_u64(json_t *o, const char *key, uint64_t v)
{
	json_object_set_new(o, key, json_integer((json_int_t)v));
}

static void cgroup_statistics(struct mon_ctx *ctx, const struct atask *t, json_t *o)
{
	const struct agent *a = t->agent;
	struct proc_sum procs;
	struct cg_stats st;
	bool need_procs;

	memset(&procs, 0, sizeof(procs));
	if (cg_stats(&a->cg, t->container_id, &st) < 0)
		return;
	need_procs = !(st.have & CG_CPU) || !(st.have & CG_MEM) || !(st.have & CG_PIDS);
	if (need_procs)
		cgroup_procs_usage(ctx, a, t->container_id, &procs);
	json_object_set_new(o, "cpus_user_time_secs",
			    json_real(st.have & CG_CPU ? st.cpu_user_secs : procs.user_secs));
	json_object_set_new(o, "cpus_system_time_secs",
			    json_real(st.have & CG_CPU ? st.cpu_system_secs : procs.system_secs));
	if (st.have & CG_MEM) {
		add_u64(o, "mem_rss_bytes", st.mem_rss_bytes);
		add_u64(o, "mem_total_bytes", st.mem_usage_bytes);
		add_u64(o, "mem_max_bytes", st.mem_max_bytes);
		add_u64(o, "mem_oom_kills", st.oom_kills);
	} else {
		add_u64(o, "mem_rss_bytes", procs.rss_bytes);
	}
	add_u64(o, "processes", st.have & CG_PIDS ? st.pids_current : procs.processes);
}

json_t *mon_task_statistics(struct mon_ctx *ctx, const struct atask *t)
{
	json_t *o = json_object();
	struct proc_sum p;

	json_object_set_new(o, "timestamp", json_real(now_wall()));
	json_object_set_new(o, "cpus_limit", json_real(t->cpus_limit));
	add_u64(o, "mem_limit_bytes", t->mem_limit_bytes);
	add_u64(o, "disk_limit_bytes", t->disk_limit_bytes);
	if (t->disk_measured)
		add_u64(o, "disk_used_bytes", t->disk_used_bytes);
	if (t->has_cgroup && t->agent->cg_on) {
		cgroup_statistics(ctx, t, o);
		return o;
	}
	posix_usage(ctx, t, &p);
	json_object_set_new(o, "cpus_user_time_secs", json_real(p.user_secs));
	json_object_set_new(o, "cpus_system_time_secs", json_real(p.system_secs));
	add_u64(o, "mem_rss_bytes", p.rss_bytes);
	add_u64(o, "processes", p.processes);
	add_u64(o, "threads", p.threads);
	return o;
}

void mon_handle_statistics(struct http_req *r, void *arg)
{
	struct agent *a = arg;
	struct mon_ctx *ctx = mon_ctx_new();
	json_t *out = json_array();
	struct map_iter it;
	void *v;

	map_iter_init(&it, &a->tasks);
	while (map_iter_next(&it, NULL, &v)) {
		struct atask *t = v;
		char name[512];

		if (!t->sup_alive || mesos_task_state_terminal(t->state))
			continue;
		atask_executor_name(t, name, sizeof(name));
		json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:s, s:o}", "executor_id",
						     t->executor_id, "executor_name", name,
						     "framework_id", t->framework_id, "source",
						     t->task_id, "statistics",
						     mon_task_statistics(ctx, t)));
	}
	mon_ctx_free(ctx);
	http_reply_json(r, 200, out);
}
