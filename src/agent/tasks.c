/*
 * agent/tasks — the agent's task table and each task's state machine
 * (tasks.h draws it), and the master's LAUNCH, KILL, ACKNOWLEDGE and
 * SHUTDOWN_FRAMEWORK events. Runs on the agent's event loop.
 *
 * Owns a->tasks, a->frameworks, a->supervisors, the SIGCHLD reaper, the
 * paths of each task's sandbox and checkpoint, and the /state and
 * re-registration views of tasks.
 *
 * A KILL for a task the agent does not have (never launched here, or
 * already acknowledged and forgotten) is answered with one TASK_LOST
 * (SOURCE_AGENT, REASON_TASK_UNKNOWN) that is not checkpointed or resent:
 * there is no task to attach a queue to, and reconciliation covers a loss.
 *
 * Invariants:
 *  1. A task is checkpointed (task.info, written by the spawner) before
 *     anything of it runs, and its checkpoint is removed (by the spawner)
 *     only after the framework acknowledged its terminal update; the
 *     sandbox stays (gc is a later concern).
 *  2. t->state changes only in atask_set_state(), which refuses transitions
 *     the diagram in tasks.h does not have; each change queues exactly one
 *     status update.
 *  3. A task is terminal only once its supervisor is gone (or never
 *     existed): the terminal update always describes a finished process.
 *  4. The agent never waits and never forks on its loop: the spawner forks
 *     (spawner.c), supervisor exits arrive on pidfds, the agent's own
 *     children are reaped with WNOHANG (pidfd event and SIGCHLD), kill
 *     escalation is a timer.
 *  5. Launching costs O(1) in the number of tasks: map lookups, no scans,
 *     no file system work on the loop but the first status update.
 *  6. A task record is freed only from the ACKNOWLEDGE path or at shutdown,
 *     never inside one of its own event callbacks.
 * 1, 2, 3 and 6 are checked where they change (AG_ASSERT, core/invariant.h):
 * atask_set_state() and atask_complete(); 4 and 5 are about how the code
 * is written and have no run-time check.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/containerizer.h"
#include "agent/gc.h"
#include "agent/launcher.h"
#include "agent/master_events.h"
#include "agent/spawner.h"
#include "agent/status_updates.h"
#include "agent/supervisor_proto.h"
#include "agent/tasks.h"
#include "core/ids.h"
#include "core/invariant.h"
#include "core/json.h"
#include "core/log.h"
#include "core/resources.h"
#include "core/util.h"

static bool transition_ok(enum mesos_task_state from, enum mesos_task_state to)
{
	switch (from) {
	case TASK_STAGING:
		return to == TASK_STARTING || to == TASK_FAILED || to == TASK_KILLED ||
		       to == TASK_LOST;
	case TASK_STARTING:
		return to != TASK_STAGING && to != TASK_STARTING;
	case TASK_RUNNING:
		return mesos_task_state_terminal(to);
	default:
		return false;
	}
}

int atask_set_state(struct atask *t, const struct task_outcome *o)
{
	size_t queued = t->queued;

	if (!transition_ok(t->state, o->state)) {
		log_warnx("agent: task %s of framework %s: refusing the transition %s -> %s",
			  t->task_id, t->framework_id, mesos_task_state_name(t->state),
			  mesos_task_state_name(o->state));
		return -EINVAL;
	}
	t->state = o->state;
	if (mesos_task_state_terminal(o->state))
		ctz_task_ended(t); /* GPUs back to the pool before anyone hears of the end */
	if (mesos_task_state_terminal(o->state))
		log_info("agent: task %s of framework %s is %s%s%s", t->task_id, t->framework_id,
			 mesos_task_state_name(o->state), o->message[0] ? ": " : "", o->message);
	/* invariant 3: a terminal update describes a finished process */
	AG_ASSERT(!mesos_task_state_terminal(o->state) || (!t->sup_alive && !t->spawning));
	status_enqueue(t, o);
	AG_ASSERT(t->queued == queued + 1); /* invariant 2: one update per change */
	return 0;
}

int atask_refuse(struct task_outcome *o, const char *reason, const char *fmt, ...)
{
	va_list ap;

	memset(o, 0, sizeof(*o));
	o->state = TASK_FAILED;
	o->source = SOURCE_AGENT;
	o->reason = reason;
	va_start(ap, fmt);
	vsnprintf(o->message, sizeof(o->message), fmt, ap);
	va_end(ap);
	return 1;
}

static void outcome_set(struct task_outcome *o, enum mesos_task_state state, enum status_source source,
			const char *reason, const char *message)
{
	memset(o, 0, sizeof(*o));
	o->state = state;
	o->source = source;
	o->reason = reason;
	str_copy(o->message, message ? message : "", sizeof(o->message));
}

/* ---- the table ---- */

static void make_key(char *key, const char *framework_id, const char *task_id)
{
	snprintf(key, TASK_KEY_MAX, "%s/%s", framework_id, task_id);
}

struct atask *atasks_find(struct agent *a, const char *framework_id, const char *task_id)
{
	char key[TASK_KEY_MAX];
	make_key(key, framework_id, task_id);
	return map_get(&a->tasks, key);
}

struct atask *atasks_find_by_supervisor(struct agent *a, pid_t sup_pid)
{
	char key[24];
	snprintf(key, sizeof(key), "%d", (int)sup_pid);
	return map_get(&a->supervisors, key);
}

size_t atasks_count(const struct agent *a)
{
	return map_count(&a->tasks);
}

struct atask *atask_alloc(struct agent *a, const char *framework_id, const char *task_id)
{
	struct atask *t = xcalloc(1, sizeof(*t));

	t->agent = a;
	make_key(t->key, framework_id, task_id);
	t->framework_id = xstrdup(framework_id);
	t->task_id = xstrdup(task_id);
	t->executor_id = xstrdup(task_id);
	t->user = xstrdup("");
	t->statuses = json_array();
	t->pidfd = -1;
	t->kill_grace = a->flags.executor_shutdown_grace_period;
	t->state = TASK_STAGING;
	return t;
}

static struct agent_framework *framework_get(struct agent *a, const char *id, json_t *info)
{
	struct agent_framework *fw = map_get(&a->frameworks, id);

	if (!fw) {
		fw = xcalloc(1, sizeof(*fw));
		fw->id = xstrdup(id);
		fw->completed_executors = json_array();
		map_put(&a->frameworks, id, fw);
	}
	if (info) {
		json_decref(fw->info);
		fw->info = json_incref(info);
	}
	return fw;
}

static void framework_free(struct agent_framework *fw)
{
	free(fw->id);
	json_decref(fw->info);
	json_decref(fw->completed_executors);
	free(fw);
}

/* Keeps at most TASKS_MAX_COMPLETED_FRAMEWORKS frameworks without tasks. */
static void frameworks_trim(struct agent *a)
{
	struct map_iter it;
	struct agent_framework *oldest = NULL;
	size_t idle = 0;
	void *v;

	map_iter_init(&it, &a->frameworks);
	while (map_iter_next(&it, NULL, &v)) {
		struct agent_framework *fw = v;
		if (fw->active)
			continue;
		idle++;
		if (!oldest || fw->idle_since < oldest->idle_since)
			oldest = fw;
	}
	if (idle > TASKS_MAX_COMPLETED_FRAMEWORKS && oldest) {
		map_del(&a->frameworks, oldest->id);
		framework_free(oldest);
	}
}

void atask_insert(struct atask *t)
{
	struct agent_framework *fw = framework_get(t->agent, t->framework_id, t->framework_info);
	map_put(&t->agent->tasks, t->key, t);
	fw->active++;
}

void atask_free(struct atask *t)
{
	if (!t)
		return;
	status_clear(t);
	if (t->sup_event)
		event_free(t->sup_event);
	if (t->kill_timer)
		event_free(t->kill_timer);
	if (t->pidfd >= 0)
		close(t->pidfd);
	task_spec_free(&t->spec);
	free(t->spec_error);
	json_decref(t->framework_info);
	json_decref(t->statuses);
	json_decref(t->resources_summary);
	free(t->gpus);
	free(t->framework_id);
	free(t->task_id);
	free(t->executor_id);
	free(t->sandbox);
	free(t->run_meta);
	free(t->task_meta);
	free(t->user);
	free(t);
}

/* ---- supervisors ---- */

static void supervisor_forget(struct atask *t)
{
	char key[24];

	snprintf(key, sizeof(key), "%d", (int)t->sup_pid);
	if (map_get(&t->agent->supervisors, key) == t)
		map_del(&t->agent->supervisors, key);
	if (t->sup_event)
		event_del(t->sup_event);
	if (t->pidfd >= 0)
		close(t->pidfd);
	t->pidfd = -1;
	t->sup_alive = false;
	if (t->kill_timer)
		event_del(t->kill_timer);
}

static void on_supervisor_exit(evutil_socket_t fd, short what, void *arg)
{
	struct atask *t = arg;
	(void)fd;
	(void)what;
	/* Ours unless adopted after a restart (then ECHILD): never a blocking wait. */
	waitpid(t->sup_pid, NULL, WNOHANG);
	atask_on_supervisor_exit(t);
}

void atask_watch_supervisor(struct atask *t)
{
	char key[24];

	snprintf(key, sizeof(key), "%d", (int)t->sup_pid);
	map_put(&t->agent->supervisors, key, t);
	t->sup_event = event_new(t->agent->base, t->pidfd, EV_READ, on_supervisor_exit, t);
	event_add(t->sup_event, NULL);
}

void atask_on_started(struct atask *t, pid_t task_pid)
{
	struct task_outcome o;

	if (task_pid > 0)
		t->task_pid = task_pid;
	if (t->state != TASK_STARTING)
		return;
	outcome_set(&o, TASK_RUNNING, SOURCE_EXECUTOR, NULL, NULL);
	atask_set_state(t, &o);
}

void atask_on_supervisor_exit(struct atask *t)
{
	struct exit_report rep;
	struct task_outcome o;

	supervisor_forget(t);
	if (mesos_task_state_terminal(t->state))
		return;
	if (sup_read_exit(t->run_meta, &rep) < 0)
		log_warnx("agent: %s/exit_status is malformed; treating the task as lost",
			  t->run_meta);
	if (rep.started && t->state == TASK_STARTING)
		atask_on_started(t, rep.task_pid);
	launcher_exit_outcome(&rep, t->kill_requested, t->kill_outcome_set ? &t->kill_outcome : NULL,
			      &o);
	atask_set_state(t, &o);
}

static void on_sigchld(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	(void)arg;
	/* Reaps supervisors whose pidfd event has not run yet too: harmless, the pidfd stays readable. */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/* ---- kill ---- */

static void on_kill_timer(evutil_socket_t fd, short what, void *arg)
{
	struct atask *t = arg;
	(void)fd;
	(void)what;
	if (!t->sup_alive)
		return;
	log_info("agent: task %s of framework %s did not end within its grace period; "
		 "sending SIGKILL to its process group",
		 t->task_id, t->framework_id);
	launcher_signal(t, SUPERVISOR_SIG_KILL);
}

/* SIGTERM now (through the supervisor), SIGKILL when the grace period ends. */
static void signal_kill(struct atask *t, double grace)
{
	struct timeval tv;

	if (grace <= 0) {
		launcher_signal(t, SUPERVISOR_SIG_KILL);
		return;
	}
	if (launcher_signal(t, SIGTERM) < 0)
		log_warn("agent: cannot signal the supervisor of task %s", t->task_id);
	if (!t->kill_timer)
		t->kill_timer = evtimer_new(t->agent->base, on_kill_timer, t);
	tv.tv_sec = (time_t)grace;
	tv.tv_usec = (suseconds_t)((grace - (double)tv.tv_sec) * 1e6);
	evtimer_add(t->kill_timer, &tv);
}

void atask_kill(struct atask *t, double grace, const struct task_outcome *why)
{
	struct task_outcome o;

	if (mesos_task_state_terminal(t->state) || t->kill_requested)
		return;
	t->kill_requested = true;
	t->kill_grace = grace;
	if (why) {
		t->kill_outcome = *why;
		t->kill_outcome_set = true;
	}
	if (t->spawning)
		return; /* atask_on_spawned() delivers it */
	if (!t->sup_alive) {
		if (why)
			o = *why;
		else
			outcome_set(&o, TASK_KILLED, SOURCE_AGENT, "REASON_TASK_KILLED_DURING_LAUNCH",
				    "the task was killed before its command started");
		atask_set_state(t, &o);
		return;
	}
	signal_kill(t, grace);
}

/* ---- checkpoint and sandbox ---- */

static char *path_join(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *path_join(const char *fmt, ...)
{
	char buf[PATH_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= sizeof(buf) ? NULL : xstrdup(buf);
}

/* Sets sandbox, run_meta and task_meta from the agent id and container id. */
static int task_paths(struct atask *t, const char *agent_id)
{
	const char *w = t->agent->flags.work_dir;

	t->sandbox = path_join("%s/slaves/%s/frameworks/%s/executors/%s/runs/%s", w, agent_id,
			       t->framework_id, t->executor_id, t->container_id);
	t->run_meta = path_join("%s/meta/slaves/%s/frameworks/%s/executors/%s/runs/%s", w,
				agent_id, t->framework_id, t->executor_id, t->container_id);
	t->task_meta = t->run_meta ? path_join("%s/tasks/%s", t->run_meta, t->task_id) : NULL;
	return t->sandbox && t->run_meta && t->task_meta ? 0 : -ENAMETOOLONG;
}

/* The task.info object (supervisor_proto.h) with launch (stolen, may be NULL). */
static json_t *info_json(const struct atask *t, json_t *launch)
{
	struct sup_checkpoint c = {
		.task = t->spec.json,
		.framework_info = t->framework_info,
		.user = t->user,
		.sandbox = t->sandbox,
		.run_meta = t->run_meta,
		.container_id = t->container_id,
		.agent_id = t->agent->id,
		.kill_grace = t->kill_grace,
	};
	return sup_checkpoint_json(&c, launch);
}

/* Writes task.info from the loop: only for launches the agent refuses itself. */
static void checkpoint_refused(struct atask *t)
{
	char path[PATH_MAX];
	json_t *info = info_json(t, NULL);
	char *text = json_compact(info);
	int r = mkdir_p(t->task_meta, 0700);

	json_decref(info);
	if (r == 0)
		r = str_printf(path, sizeof(path), "%s/task.info", t->task_meta);
	if (r == 0)
		r = file_replace(path, text, strlen(text), 0600);
	if (r < 0)
		log_warnx("agent: cannot checkpoint task %s in %s: %s", t->task_id, t->task_meta,
			  strerror(-r));
	free(text);
}

/* ---- launch ---- */

int atask_check(const struct atask *t, struct task_outcome *o)
{
	char msg[sizeof(o->message)];

	if (t->spec_error)
		return atask_refuse(o, "REASON_TASK_INVALID", "%s", t->spec_error);
	if (task_spec_unsupported(&t->spec, msg, sizeof(msg)))
		return atask_refuse(o, "REASON_CONTAINER_LAUNCH_FAILED", "%s", msg);
	if (t->agent->flags.switch_user && !t->user[0])
		return atask_refuse(o, "REASON_TASK_INVALID",
				    "the task has no user (set FrameworkInfo.user or "
				    "CommandInfo.user)");
	return 0;
}

static void fail_launch(struct atask *t, const char *reason, const char *message)
{
	struct task_outcome o;
	log_warnx("agent: cannot launch task %s of framework %s: %s", t->task_id, t->framework_id,
		  message);
	outcome_set(&o, TASK_FAILED, SOURCE_AGENT, reason, message);
	atask_set_state(t, &o);
}

static void launch(struct atask *t)
{
	struct agent *a = t->agent;
	struct task_outcome o;
	json_t *info, *spec, *container = NULL;
	char err[768], *text;

	if (atask_check(t, &o) ||
	    (ctz_prepare(t, &container, err, sizeof(err)) &&
	     atask_refuse(&o, "REASON_CONTAINER_LAUNCH_FAILED", "%s", err))) {
		log_warnx("agent: refusing task %s of framework %s: %s", t->task_id,
			  t->framework_id, o.message);
		checkpoint_refused(t);
		atask_set_state(t, &o);
		return;
	}
	spec = launcher_spec_json(a, t, err, sizeof(err));
	if (!spec) {
		json_decref(container);
		checkpoint_refused(t);
		fail_launch(t, "REASON_CONTAINER_LAUNCH_FAILED", err);
		return;
	}
	if (container)
		json_object_set_new(spec, "container", container);
	info = info_json(t, spec);
	text = json_compact(info);
	json_decref(info);
	log_info("agent: launching task %s of framework %s as user '%s' in %s", t->task_id,
		 t->framework_id, a->flags.switch_user ? t->user : "(the agent's)", t->sandbox);
	spawner_launch(a, t, text);
	free(text);
}

void atask_on_spawned(struct atask *t, pid_t pid, int pidfd, const char *why)
{
	struct task_outcome o;
	pid_t started;

	t->spawning = false;
	if (pid <= 0) {
		fail_launch(t, "REASON_CONTAINER_LAUNCH_FAILED", why);
		return;
	}
	t->sup_pid = pid;
	t->pidfd = pidfd;
	t->sup_alive = true;
	atask_watch_supervisor(t);
	outcome_set(&o, TASK_STARTING, SOURCE_EXECUTOR, NULL, NULL);
	atask_set_state(t, &o);
	/*
	 * The supervisor's "exec'd" datagram can beat this reply (the spawner may
	 * be preempted before it answers); then it named an unknown pid and was
	 * dropped. task.pid is written before the datagram is sent, so it tells.
	 */
	started = sup_read_task_pid(t->run_meta);
	if (started > 0)
		atask_on_started(t, started);
	if (t->kill_requested)
		signal_kill(t, t->kill_grace);
}

void atask_describe(struct atask *t, const json_t *task_info, const char *user)
{
	struct mesos_framework_info fi;
	const char *fw_user = NULL;
	struct jerr err;

	if (mesos_framework_info_parse(t->framework_info, &fi, &err) == 0)
		fw_user = fi.user;

	task_spec_free(&t->spec);
	free(t->spec_error);
	t->spec_error = NULL;
	if (task_spec_parse(task_info, fw_user, &t->spec, &err) < 0) {
		t->spec_error = xstrdup(err.msg);
		if (!t->spec.json)
			t->spec.json = json_incref((json_t *)task_info);
	}
	free(t->user);
	t->user = xstrdup(user ? user : t->spec.user);
	json_decref(t->resources_summary);
	t->resources_summary = res_to_summary(&t->spec.resources);
	if (t->spec.has_kill_grace)
		t->kill_grace = t->spec.kill_grace;
}

void atasks_launch(struct agent *a, const struct mevent_launch *ev)
{
	const char *fid = ev->framework_id, *tid = ev->task_id;
	struct atask *t;

	if (atasks_find(a, fid, tid)) {
		log_warnx("agent: ignoring a second LAUNCH of task %s of framework %s", tid, fid);
		return;
	}
	t = atask_alloc(a, fid, tid);
	t->framework_info = json_incref((json_t *)ev->framework_info);
	atask_describe(t, ev->task, ev->user);
	uuid_random(NULL, t->container_id);
	if (task_paths(t, a->id) < 0) {
		log_warnx("agent: ignoring LAUNCH of task %s of framework %s: paths too long", tid,
			  fid);
		atask_free(t);
		return;
	}
	atask_insert(t);
	launch(t);
}

/* ---- kill, acknowledge, shutdown ---- */

/* KILL of a task this agent does not have: one TASK_LOST, not retried. */
static void report_unknown(struct agent *a, const char *fid, const char *tid)
{
	uint8_t raw[16];
	char *uuid;
	json_t *st;

	random_bytes(raw, sizeof(raw));
	uuid = base64_encode(raw, sizeof(raw));
	st = json_pack("{s:{s:s}, s:s, s:s, s:s, s:s, s:{s:s}, s:f, s:s}", "task_id", "value", tid,
		       "state", mesos_task_state_name(TASK_LOST), "source", "SOURCE_AGENT", "reason",
		       "REASON_TASK_UNKNOWN", "message",
		       "the agent has no such task (it was never launched here, or it ended and "
		       "was acknowledged)",
		       "agent_id", "value", a->id, "timestamp", now_wall(), "uuid", uuid);
	free(uuid);
	if (a->link == LINK_CONNECTED)
		link_send_update(a, fid, st);
	json_decref(st);
}

void atasks_kill(struct agent *a, const struct mevent_kill *ev)
{
	const char *fid = ev->framework_id, *tid = ev->task_id;
	struct atask *t;
	double grace;

	t = atasks_find(a, fid, tid);
	if (!t) {
		log_warnx("agent: asked to kill task %s of framework %s, which this agent does not "
			  "have; answering TASK_LOST",
			  tid, fid);
		report_unknown(a, fid, tid);
		return;
	}
	grace = ev->has_grace ? ev->grace : t->kill_grace;
	log_info("agent: killing task %s of framework %s (SIGTERM, SIGKILL after %.3gs)", tid, fid,
		 grace);
	atask_kill(t, grace, NULL);
}

void atasks_shutdown_framework(struct agent *a, const char *fid)
{
	struct map_iter it;
	size_t n = 0;
	void *v;

	map_iter_init(&it, &a->tasks);
	while (map_iter_next(&it, NULL, &v)) {
		struct atask *t = v;
		if (strcmp(t->framework_id, fid) || mesos_task_state_terminal(t->state))
			continue;
		atask_kill(t, t->kill_grace, NULL);
		n++;
	}
	log_info("agent: shutting down framework %s: killing its %zu task(s)", fid, n);
}

static json_t *task_json(const struct atask *t)
{
	const char *name = t->spec.name;
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:O, s:O, s:s}", "id", t->task_id, "name",
			 name ? name : "", "framework_id", t->framework_id, "executor_id",
			 t->executor_id, "slave_id", t->agent->id, "state",
			 mesos_task_state_name(t->state), "resources", t->resources_summary, "statuses",
			 t->statuses, "user", t->user);
}

void atask_executor_name(const struct atask *t, char *buf, size_t size)
{
	const char *cmd = t->spec.command.value;

	snprintf(buf, size, "Command Executor (Task: %s) (Command: sh -c '%.200s')", t->task_id,
		 cmd ? cmd : "");
}

static json_t *executor_json(const struct atask *t)
{
	bool done = mesos_task_state_terminal(t->state);
	json_t *tasks = json_pack("[o]", task_json(t));
	char name[512];

	atask_executor_name(t, name, sizeof(name));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:O, s:o, s:[], s:o}", "id",
			 t->executor_id, "name", name, "source", t->task_id, "framework_id",
			 t->framework_id, "container", t->container_id, "directory", t->sandbox,
			 "resources", t->resources_summary, "tasks", done ? json_array() : tasks,
			 "queued_tasks", "completed_tasks", done ? tasks : json_array());
}

void atask_complete(struct atask *t)
{
	struct agent *a = t->agent;
	struct agent_framework *fw = framework_get(a, t->framework_id, NULL);

	/* invariants 1 and 6: the checkpoint and the record go only once the
	 * terminal update was acknowledged (none left queued) */
	AG_ASSERT(mesos_task_state_terminal(t->state) && !t->head && !t->queued);

	spawner_remove(a, t->run_meta);
	json_array_append_new(fw->completed_executors, executor_json(t));
	while (json_array_size(fw->completed_executors) > TASKS_MAX_COMPLETED_PER_FRAMEWORK)
		json_array_remove(fw->completed_executors, 0);
	if (fw->active && --fw->active == 0)
		fw->idle_since = now_wall();
	map_del(&a->tasks, t->key);
	supervisor_forget(t);
	log_debug("agent: task %s of framework %s complete (%s acknowledged)", t->task_id,
		  t->framework_id, mesos_task_state_name(t->state));
	gc_schedule_sandbox(a, t->sandbox); /* removed --gc_delay from now (gc.c) */
	atask_free(t);
	if (!fw->active)
		frameworks_trim(a);
}

void atasks_acknowledge(struct agent *a, const struct mevent_acknowledge *ev)
{
	const char *fid = ev->framework_id, *tid = ev->task_id, *uuid = ev->uuid;
	struct atask *t;
	int r;

	t = atasks_find(a, fid, tid);
	r = t ? status_acknowledge(t, uuid) : -ENOENT;
	if (r == 1)
		atask_complete(t);
	else if (r < 0)
		log_debug("agent: ignoring a stale acknowledgement %s for task %s of framework %s",
			  uuid, tid, fid);
}

/* ---- views ---- */

void atasks_on_subscribed(struct agent *a)
{
	struct map_iter it;
	void *v;

	map_iter_init(&it, &a->tasks);
	while (map_iter_next(&it, NULL, &v))
		status_resend(v);
}

json_t *atasks_subscribe_json(struct agent *a)
{
	json_t *arr = json_array();
	struct map_iter it;
	void *v;

	map_iter_init(&it, &a->tasks);
	while (map_iter_next(&it, NULL, &v)) {
		struct atask *t = v;
		/* "user": the one it runs as, so a restarted master shows what runs */
		json_array_append_new(arr, json_pack("{s:O, s:O, s:s, s:O, s:s}", "framework_info",
						     t->framework_info, "task", t->spec.json,
						     "state", mesos_task_state_name(t->state),
						     "statuses", t->statuses, "user", t->user));
	}
	return arr;
}

static json_t *framework_json(const struct agent_framework *fw, json_t *executors /* stolen */)
{
	struct mesos_framework_info fi;
	struct jerr err;
	json_t *o;

	if (mesos_framework_info_parse(fw->info, &fi, &err) < 0) {
		/* Only what the master sent is stored, and it checked it: never expected. */
		mesos_framework_info_parse(NULL, &fi, &err);
		fi.role = "*";
	}
	o = json_pack("{s:s, s:s, s:s, s:f, s:b, s:s, s:s, s:o, s:O}", "id", fw->id, "name",
		      fi.name, "user", fi.user, "failover_timeout", fi.failover_timeout,
		      "checkpoint", fi.checkpoint, "hostname", fi.hostname, "role", fi.role,
		      "executors", executors ? executors : json_array(), "completed_executors",
		      fw->completed_executors);
	if (fi.principal)
		json_object_set_new(o, "principal", json_string(fi.principal));
	if (fi.roles)
		json_object_set(o, "roles", (json_t *)fi.roles);
	return o;
}

json_t *atasks_state_json(struct agent *a, bool completed)
{
	json_t *by_framework = json_object(), *out = json_array();
	struct mon_ctx *usage = completed ? NULL : mon_ctx_new();
	struct map_iter it;
	void *v;

	if (!completed) {
		map_iter_init(&it, &a->tasks);
		while (map_iter_next(&it, NULL, &v)) {
			struct atask *t = v;
			json_t *list = jget(by_framework, t->framework_id);
			json_t *ex = executor_json(t);
			if (!list) {
				list = json_array();
				json_object_set_new(by_framework, t->framework_id, list);
			}
			if (t->sup_alive && !mesos_task_state_terminal(t->state))
				json_object_set_new(ex, "statistics", mon_task_statistics(usage, t));
			json_array_append_new(list, ex);
		}
	}
	mon_ctx_free(usage);
	map_iter_init(&it, &a->frameworks);
	while (map_iter_next(&it, NULL, &v)) {
		struct agent_framework *fw = v;
		if ((fw->active > 0) == completed)
			continue;
		json_array_append_new(
			out, framework_json(fw, json_incref(jget(by_framework, fw->id))));
	}
	json_decref(by_framework);
	return out;
}

/* ---- set-up ---- */

/* A supervisor's datagram (launcher.c vouched for its uid; the pid must be ours). */
static void on_datagram(struct agent *a, pid_t sender, const struct sup_datagram *d)
{
	struct atask *t = atasks_find_by_supervisor(a, sender);

	if (t && d->kind == SUP_DGRAM_USAGE)
		ctz_on_usage(t, d->disk_used_bytes);
	else if (t)
		atask_on_started(t, d->task_pid);
}

static void raise_fd_limit(void)
{
	struct rlimit rl;
	/* Every live task holds a pidfd in the agent. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int atasks_init(struct agent *a, char *err, size_t errlen)
{
	int r;

	map_init(&a->tasks);
	map_init(&a->frameworks);
	map_init(&a->supervisors);
	a->notify_fd = -1;
	a->spawn_reply_fd = -1;
	raise_fd_limit();
	r = launcher_notify_open(a, on_datagram, err, errlen);
	if (r == 0)
		r = spawner_start(a, atask_on_spawned, err, errlen);
	if (r < 0)
		return r;
	a->sigchld = evsignal_new(a->base, SIGCHLD, on_sigchld, a);
	evsignal_add(a->sigchld, NULL);
	return 0;
}

void atasks_free(struct agent *a)
{
	struct map_iter it;
	void *v;

	map_iter_init(&it, &a->tasks);
	while (map_iter_next(&it, NULL, &v))
		atask_free(v);
	map_iter_init(&it, &a->frameworks);
	while (map_iter_next(&it, NULL, &v))
		framework_free(v);
	map_clear(&a->tasks);
	map_clear(&a->frameworks);
	map_clear(&a->supervisors);
	spawner_stop(a);
	a->spawn_head = a->spawn_tail = NULL;
	launcher_notify_close(a);
	if (a->sigchld) {
		event_free(a->sigchld);
		a->sigchld = NULL;
	}
}
