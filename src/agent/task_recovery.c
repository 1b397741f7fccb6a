/*
 * agent/task_recovery — re-adopting checkpointed tasks when the agent
 * starts: an agent restart does not kill tasks (README, "recovery"). Runs
 * once at start-up on the agent's thread, after the supervisor channel is
 * bound (so no "exec'd" datagram is lost) and before the master link
 * starts (so the subscription already lists the recovered tasks).
 *
 * Scans <work_dir>/meta/slaves/<agent_id>/frameworks/<fid>/executors/<eid>/
 * runs/<cid>/tasks/<tid>/ and for each task:
 *   - task.info missing or empty: the agent stopped in the middle of a
 *     launch, before its supervisor was forked (task.info is written
 *     first) or the host crashed; the run's checkpoint is dropped;
 *   - task.updates is replayed: the unacknowledged queue and the state;
 *   - terminal state: fully acknowledged → finish its removal; else wait
 *     for the acknowledgement (the head is resent on SUBSCRIBED);
 *   - supervisor alive (pidfd_open works and the start time matches
 *     forked.pid) → watched again, its GPUs re-claimed; task.pid present
 *     → RUNNING;
 *   - supervisor gone with an exit_status → the real terminal update;
 *   - neither → TASK_FAILED, SOURCE_AGENT, REASON_AGENT_RESTARTED, and
 *     whatever is left in the task's process group (pids/task.pid) is
 *     SIGKILLed, and its cgroup killed and removed (ctz_task_ended): the
 *     supervisor that would have cleaned it up is gone.
 * After the scan, main.c sweeps cgroups no re-adopted task owns
 * (ctz_cleanup_leftovers).
 * With --recover=cleanup a live task is killed instead of re-adopted.
 * Malformed checkpoint files stop the agent under --strict (the default)
 * and are skipped with a warning otherwise; both name the file.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "agent/agent.h"
#include "agent/containerizer.h"
#include "agent/launcher.h"
#include "agent/status_updates.h"
#include "agent/supervisor_proto.h"
#include "agent/tasks.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/log.h"
#include "core/util.h"

#define SCAN_DEPTH 4 /* frameworks/<fid>/executors/<eid>/runs/<cid>/tasks/<tid> */

struct scan {
	struct agent *a;
	const char *names[SCAN_DEPTH]; /* fid, eid, cid, tid */
	int recovered;
	char *err;
	size_t errlen;
};

static const char *const level_dir[SCAN_DEPTH] = { "executors", "runs", "tasks", NULL };

static void set_outcome(struct task_outcome *o, enum mesos_task_state state, const char *reason,
			const char *message)
{
	memset(o, 0, sizeof(*o));
	o->state = state;
	o->source = SOURCE_AGENT;
	o->reason = reason;
	str_copy(o->message, message, sizeof(o->message));
}

static void to_starting(struct atask *t)
{
	struct task_outcome o;
	if (t->state != TASK_STAGING)
		return;
	set_outcome(&o, TASK_STARTING, NULL, "");
	o.source = SOURCE_EXECUTOR;
	atask_set_state(t, &o);
}

/* Decides what a recovered, not yet terminal task has become. */
static void readopt(struct atask *t)
{
	struct agent *a = t->agent;
	struct exit_report rep;
	struct task_outcome o;
	pid_t task_pid;

	if (launcher_reattach(t)) {
		ctz_task_readopted(t);
		atask_watch_supervisor(t);
		to_starting(t);
		task_pid = sup_read_task_pid(t->run_meta);
		if (task_pid)
			atask_on_started(t, task_pid);
		log_info("agent: re-attached to task %s of framework %s (%s, supervisor %d, "
			 "task pid %d)",
			 t->task_id, t->framework_id, mesos_task_state_name(t->state), (int)t->sup_pid,
			 (int)t->task_pid);
		if (!strcmp(a->flags.recover, "cleanup")) {
			set_outcome(&o, TASK_KILLED, "REASON_AGENT_RESTARTED",
				    "killed because the agent restarted with --recover=cleanup");
			atask_kill(t, t->kill_grace, &o);
		}
		return;
	}
	if (sup_read_exit(t->run_meta, &rep) < 0)
		log_warnx("agent: %s/exit_status is malformed; treating the task as lost",
			  t->run_meta);
	if (rep.have) {
		to_starting(t);
		atask_on_supervisor_exit(t);
		return;
	}
	task_pid = sup_read_task_pid(t->run_meta);
	/* The task outlived its supervisor: end what is left of its process group. */
	if (task_pid > 0 && kill(-task_pid, SIGKILL) == 0)
		log_warnx("agent: task %s of framework %s: killed what was left of its process "
			  "group %d",
			  t->task_id, t->framework_id, (int)task_pid);
	set_outcome(&o, TASK_FAILED, "REASON_AGENT_RESTARTED",
		    t->state == TASK_STAGING
			    ? "the agent stopped before the task's supervisor started"
			    : "the task's supervisor disappeared while the agent was down");
	log_warnx("agent: task %s of framework %s: %s", t->task_id, t->framework_id, o.message);
	atask_set_state(t, &o);
}

static int checkpoint_error(struct scan *sc, const char *path, const char *why)
{
	if (sc->a->flags.strict) {
		snprintf(sc->err, sc->errlen,
			 "unreadable checkpoint %s: %s (start with --no-strict to skip it, or "
			 "remove it)",
			 path, why);
		return -EINVAL;
	}
	log_warnx("agent: skipping the unreadable checkpoint %s: %s", path, why);
	return 0;
}

/* Builds the task from task.info; NULL with why filled when malformed. */
static struct atask *load_info(struct scan *sc, const char *text, size_t len, char *why,
			      size_t whylen)
{
	struct jerr jerr;
	json_t *info = json_parse_bounded(text, len, TASK_INFO_MAX, "task.info", &jerr);
	struct sup_checkpoint c;
	const char *tid = NULL, *fid = NULL;
	struct atask *t = NULL;

	if (!info || sup_checkpoint_parse(info, &c, &jerr) < 0 ||
	    jget_id(c.task, "task_id", "task", true, &tid, &jerr) ||
	    jget_id(c.framework_info, "id", "framework_info", true, &fid, &jerr)) {
		snprintf(why, whylen, "%s", jerr.msg);
		goto out;
	}
	if (strlen(c.container_id) >= UUID_STR_LEN || strcmp(tid, sc->names[3]) ||
	    strcmp(fid, sc->names[0]) || strcmp(c.container_id, sc->names[2])) {
		snprintf(why, whylen, "its ids do not match its directory");
		goto out;
	}
	t = atask_alloc(sc->a, fid, tid);
	t->framework_info = json_incref((json_t *)c.framework_info);
	str_copy(t->container_id, c.container_id, sizeof(t->container_id));
	t->sandbox = xstrdup(c.sandbox);
	atask_describe(t, c.task, c.user);
	ctz_task_recovered(t, jget(c.launch, "container"));
out:
	json_decref(info);
	return t;
}

static int recover_one(struct scan *sc, const char *task_meta)
{
	char path[PATH_MAX], run_meta[PATH_MAX], why[600];
	char *text = NULL;
	size_t len = 0;
	struct atask *t;
	int r;

	str_copy(run_meta, task_meta, sizeof(run_meta));
	*strrchr(run_meta, '/') = '\0'; /* .../runs/<cid>/tasks */
	*strrchr(run_meta, '/') = '\0';
	if (str_printf(path, sizeof(path), "%s/task.info", task_meta) < 0)
		return checkpoint_error(sc, task_meta, "path too long");
	r = file_read_all(path, TASK_INFO_MAX, &text, &len);
	if ((r == -ENOENT || (r == 0 && len == 0))) {
		log_warnx("agent: %s has no task.info (the agent stopped while launching it); "
			  "dropping that run's checkpoint",
			  task_meta);
		free(text);
		remove_tree(run_meta);
		return 0;
	}
	if (r < 0)
		return checkpoint_error(sc, path, strerror(-r));
	t = load_info(sc, text, len, why, sizeof(why));
	free(text);
	if (!t)
		return checkpoint_error(sc, path, why);
	if (atasks_find(sc->a, t->framework_id, t->task_id)) {
		log_warnx("agent: %s: task %s of framework %s is checkpointed twice; skipping this "
			  "run",
			  path, t->task_id, t->framework_id);
		atask_free(t);
		return 0;
	}
	t->run_meta = xstrdup(run_meta);
	t->task_meta = xstrdup(task_meta);
	atask_insert(t);
	if (status_replay(t, why, sizeof(why)) < 0 && checkpoint_error(sc, path, why) < 0)
		return -EINVAL;
	sc->recovered++;
	if (!mesos_task_state_terminal(t->state))
		readopt(t);
	else if (!t->head)
		atask_complete(t); /* acknowledged; the agent stopped before removing it */
	return 0;
}

static bool is_dir(const char *dir, const struct dirent *de)
{
	char path[PATH_MAX];
	struct stat st;

	if (de->d_type == DT_DIR)
		return true;
	if (de->d_type != DT_UNKNOWN || str_printf(path, sizeof(path), "%s/%s", dir, de->d_name))
		return false;
	return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int scan_level(struct scan *sc, const char *dir, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int r = 0;

	if (!d)
		return errno == ENOENT ? 0 : checkpoint_error(sc, dir, strerror(errno));
	while (r == 0 && (de = readdir(d))) {
		char child[PATH_MAX];
		if (de->d_name[0] == '.' || id_invalid_reason(de->d_name) || !is_dir(dir, de))
			continue; /* ".", "..", temp files, the "latest" symlinks */
		sc->names[depth] = de->d_name;
		if (depth == SCAN_DEPTH - 1) {
			if (str_printf(child, sizeof(child), "%s/%s", dir, de->d_name) == 0)
				r = recover_one(sc, child);
		} else if (str_printf(child, sizeof(child), "%s/%s/%s", dir, de->d_name,
				      level_dir[depth]) == 0) {
			r = scan_level(sc, child, depth + 1);
		}
	}
	closedir(d);
	return r;
}

int atasks_recover(struct agent *a, char *err, size_t errlen)
{
	struct scan sc;
	char base[PATH_MAX];
	int r;

	if (!a->id[0])
		return 0;
	memset(&sc, 0, sizeof(sc));
	sc.a = a;
	sc.err = err;
	sc.errlen = errlen;
	if (str_printf(base, sizeof(base), "%s/meta/slaves/%s/frameworks", a->flags.work_dir,
		       a->id) < 0)
		return snprintf(err, errlen, "--work_dir is too long"), -ENAMETOOLONG;
	r = scan_level(&sc, base, 0);
	if (r < 0)
		return r;
	if (sc.recovered)
		log_info("agent: recovered %d task(s) of agent %s from %s/meta (%zu still live)",
			 sc.recovered, a->id, a->flags.work_dir, atasks_count(a));
	return sc.recovered;
}
