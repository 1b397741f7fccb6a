/*
 * master/tasks — the master's task table: TaskInfo validation at launch,
 * LAUNCH/KILL/ACKNOWLEDGE towards agents, status updates from agents
 * towards frameworks, reconciliation, and what happens to tasks when an
 * agent or a framework goes away.
 *
 * Agents are the truth about running tasks: the master's table is rebuilt
 * from an agent's re-registration, and a task the agent no longer knows is
 * LOST. A task lives in its framework's map (by task id) and its agent's map
 * ("<framework id>/<task id>") until its terminal update is acknowledged;
 * then it moves to the framework's bounded completed list. Resources go back
 * to the allocator the moment a terminal state is known.
 *
 * State changes go through task_set_state(); terminal states are final.
 * Only the agent a task was placed on may report its status; updates from
 * any other agent, or for tasks the master does not know, are refused.
 *
 * An agent's re-registration reconciles as Mesos does after a partition:
 *  - a task of a partition-aware framework that the master marked
 *    UNREACHABLE comes back in the state the agent reports (its resources
 *    are counted again and the framework is told);
 *  - a task the master declared LOST (the framework was told it is gone)
 *    but the agent still runs is killed. The keys of such tasks are kept
 *    in the agent's lost_tasks until its next re-registration has been
 *    matched against them, so the task is never adopted as an orphan;
 *    after a master restart, the registry's mark that the agent was
 *    unreachable stands in for them: every task of a framework that is not
 *    partition-aware it comes back with is killed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ids.h"
#include "core/invariant.h"
#include "core/json.h"
#include "core/log.h"
#include "core/task_spec.h"
#include "core/util.h"
#include "master/master.h"
#include "master/task_info.h"

static void agent_key(char *buf, size_t size, const struct master_task *t)
{
	snprintf(buf, size, "%s/%s", t->fw->id, t->id);
}

static struct master_task *task_new(struct framework *fw, struct master_agent *a, const char *id,
			     const json_t *info, const struct resources *res, const char *user)
{
	struct master_task *t = xcalloc(1, sizeof(*t));
	char key[512];

	t->fw = fw;
	t->agent = a;
	str_copy(t->id, id, sizeof(t->id));
	str_copy(t->agent_id, a->id, sizeof(t->agent_id));
	t->info = json_deep_copy(info);
	res_copy(&t->resources, res);
	t->state = TASK_STAGING;
	t->statuses = json_array();
	str_copy(t->user, user, sizeof(t->user));
	map_put(&fw->tasks, t->id, t);
	agent_key(key, sizeof(key), t);
	map_put(&a->tasks, key, t);
	res_add(&a->used, res);
	return t;
}

/* Returns the task's resources to the allocator (once). */
static void release(struct master_task *t)
{
	if (t->resources_released)
		return;
	t->resources_released = true;
	if (t->agent && NEVER(res_subtract(&t->agent->used, &t->resources) < 0)) {
		log_error("master: task %s: agent %s used resources out of balance", t->id,
			  t->agent_id);
		res_free(&t->agent->used);
	}
	alloc_release(t->fw, t->agent, &t->resources);
}

void task_set_state(struct master_task *t, enum mesos_task_state next, const json_t *status)
{
	double ts = now_wall();

	if (mesos_task_state_terminal(t->state) && next != t->state) {
		log_warnx("master: task %s of framework %s: ignoring %s after terminal %s", t->id,
			  t->fw->id, mesos_task_state_name(next), mesos_task_state_name(t->state));
		return;
	}
	if (status) {
		json_t *v = json_object_get(status, "timestamp");
		if (json_is_number(v))
			ts = json_number_value(v);
		json_decref(t->last_status);
		t->last_status = json_deep_copy(status);
	}
	if (next != t->state)
		json_array_append_new(t->statuses,
				      json_pack("{s:s, s:f}", "state", mesos_task_state_name(next),
						"timestamp", ts));
	t->state = next;
	if (mesos_task_state_terminal(next))
		release(t);
}

void task_free(struct master_task *t)
{
	if (!t)
		return;
	json_decref(t->info);
	json_decref(t->statuses);
	json_decref(t->last_status);
	res_free(&t->resources);
	free(t);
}

/* Moves a finished task out of the live maps into the completed list. */
static void task_complete(struct master_task *t)
{
	struct framework *fw = t->fw;
	char key[512];
	size_t max = (size_t)(fw->master->flags.max_completed_tasks_per_framework > 0
				      ? fw->master->flags.max_completed_tasks_per_framework
				      : 0);

	release(t);
	agent_key(key, sizeof(key), t);
	if (t->agent && map_get(&t->agent->tasks, key) == t)
		map_del(&t->agent->tasks, key);
	if (map_get(&fw->tasks, t->id) == t)
		map_del(&fw->tasks, t->id);
	if (max) {
		json_array_append_new(fw->completed, task_state_json(t));
		while (json_array_size(fw->completed) > max)
			json_array_remove(fw->completed, 0);
	}
	task_free(t);
}

json_t *task_state_json(const struct master_task *t)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:O}", "id", t->id, "name",
			      json_string_value(json_object_get(t->info, "name")) ?: t->id,
			      "framework_id", t->fw->id, "executor_id", "", "slave_id",
			      t->agent_id, "state", mesos_task_state_name(t->state), "resources",
			      res_to_summary(&t->resources), "role", t->fw->role, "statuses",
			      t->statuses);
	json_t *container = json_object_get(t->info, "container");
	if (t->user[0])
		json_object_set_new(o, "user", json_string(t->user));
	if (container)
		json_object_set(o, "container", container);
	return o;
}

static json_t *status_event(json_t *status)
{
	return json_pack("{s:s, s:{s:o}}", "type", "UPDATE", "update", "status", status);
}

void tasks_send_master_status(struct framework *fw, const char *task_id, const char *agent_id,
			      enum mesos_task_state state, const char *reason, const char *message)
{
	json_t *status = json_pack("{s:o, s:s, s:s, s:f}", "task_id", json_id(task_id), "state",
				   mesos_task_state_name(state), "source", "SOURCE_MASTER", "timestamp",
				   now_wall());
	if (agent_id && *agent_id)
		json_object_set_new(status, "agent_id", json_id(agent_id));
	if (reason)
		json_object_set_new(status, "reason", json_string(reason));
	if (message)
		json_object_set_new(status, "message", json_string(message));
	/* A refused launch never enters a task table: count it here (master/tasks_error). */
	if (state == TASK_ERROR)
		fw->master->tasks_error++;
	framework_send(fw, status_event(status));
}

/* ---- launch ---- */

/* Checks a TaskInfo for this framework and agent into *spec (task_spec_free it). */
static int validate_task(struct framework *fw, struct master_agent *a, const json_t *info,
			 struct task_spec *spec, char *msg, size_t msglen)
{
	struct master_task *dup;
	int r = task_info_check(info, a->id, fw->user, spec, msg, msglen);
	if (r < 0)
		return r;
	dup = map_get(&fw->tasks, spec->id);
	if (dup && !mesos_task_state_terminal(dup->state)) {
		snprintf(msg, msglen, "Task has duplicate ID: %s", spec->id);
		return -EINVAL;
	}
	return 0;
}

/* The TaskInfo as sent to the agent: nulls dropped, agent id and roles set. */
static json_t *normalized_task(const json_t *info, const struct resources *res)
{
	json_t *t = json_deep_copy(info);
	const char *key;
	json_t *v;
	void *tmp;
	json_object_foreach_safe(t, tmp, key, v) {
		if (json_is_null(v))
			json_object_del(t, key);
	}
	json_object_set_new(t, "resources", res_to_json(res));
	return t;
}

void tasks_launch(struct framework *fw, struct master_agent *a, const json_t *info,
		  struct resources *pool)
{
	struct task_spec spec;
	char msg[2200], why[1024];
	const char *task_id, *id;
	struct master_task *t;
	json_t *task_json;

	if (validate_task(fw, a, info, &spec, msg, sizeof(msg)) < 0) {
		task_id = json_string_value(json_object_get(jget(info, "task_id"), "value"));
		log_info("master: framework %s: task %s refused: %s", fw->id,
			 task_id ? task_id : "?", msg);
		tasks_send_master_status(fw, task_id ? task_id : "", a->id, TASK_ERROR,
					 "REASON_TASK_INVALID", msg);
		task_spec_free(&spec);
		return;
	}
	id = spec.id;
	if (!res_contains(pool, &spec.resources)) {
		char want[1024], have[1024];
		res_to_text(&spec.resources, want, sizeof(want));
		res_to_text(pool, have, sizeof(have));
		snprintf(msg, sizeof(msg), "Task uses more resources (%s) than available (%s)", want,
			 have);
		log_info("master: framework %s: task %s refused: %s", fw->id, id, msg);
		tasks_send_master_status(fw, id, a->id, TASK_ERROR, "REASON_TASK_INVALID", msg);
		task_spec_free(&spec);
		return;
	}
	if (!master_authorize_task(fw->master, fw, spec.user, why, sizeof(why))) {
		log_info("master: framework %s: task %s refused: %s", fw->id, id, why);
		tasks_send_master_status(fw, id, a->id, TASK_ERROR, "REASON_TASK_UNAUTHORIZED", why);
		task_spec_free(&spec);
		return;
	}
	res_subtract(pool, &spec.resources);
	t = map_get(&fw->tasks, id);
	if (t) /* a terminal task with the same id: its record goes */
		task_complete(t);
	t = task_new(fw, a, id, info, &spec.resources, spec.user);
	task_json = normalized_task(info, &spec.resources);
	/* "user": the one the master resolved and authorized; the agent runs the task as it. */
	master_agent_send(a, json_pack("{s:s, s:{s:O, s:o, s:s}}", "type", "LAUNCH", "launch",
				"framework_info", fw->info, "task", task_json, "user", spec.user));
	log_info("master: launching task %s of framework %s on agent %s as user %s", t->id, fw->id,
		 a->id, t->user);
	task_spec_free(&spec);
}

/* ---- updates from agents ---- */

static void ack_to_agent(struct master_agent *a, const char *fw_id, const char *task_id,
			 const char *uuid)
{
	master_agent_send(a, json_pack("{s:s, s:{s:o, s:o, s:s}}", "type", "ACKNOWLEDGE", "acknowledge",
				"framework_id", json_id(fw_id), "task_id", json_id(task_id),
				"uuid", uuid));
}

void tasks_on_agent_update(struct master *m, struct master_agent *a, const json_t *update)
{
	struct jerr je;
	const char *fw_id, *task_id, *uuid;
	struct mesos_task_status st;
	json_t *status = NULL, *forwarded;
	struct framework *fw;
	struct master_task *t;

	if (jget_id(update, "framework_id", "update", true, &fw_id, &je) ||
	    jget_obj(update, "status", "update", true, &status, &je) ||
	    mesos_task_status_parse(status, &st, &je) < 0) {
		log_warnx("master: agent %s sent a malformed update: %s", a->id, je.msg);
		return;
	}
	task_id = st.task_id;
	uuid = st.uuid;
	fw = map_get(&m->frameworks, fw_id);
	if (!fw || fw->state == FW_REMOVED) {
		/* Nobody will acknowledge it: do it here so the agent can let go. */
		if (uuid)
			ack_to_agent(a, fw_id, task_id, uuid);
		return;
	}
	t = map_get(&fw->tasks, task_id);
	if (!t) {
		/*
		 * Only the agent that runs a task speaks for it. A task the master
		 * does not know (long completed, or never launched) is not news
		 * for the framework; the acknowledgement lets an honest agent drop
		 * a stale resend and tells a lying one nothing.
		 */
		log_warnx("master: agent %s (%s) sent %s for task %s of framework %s, which the "
			  "master does not know; not forwarded",
			  a->id, a->hostname, mesos_task_state_name(st.state), task_id, fw_id);
		if (uuid)
			ack_to_agent(a, fw_id, task_id, uuid);
		return;
	}
	if (strcmp(t->agent_id, a->id)) {
		log_warnx("master: agent %s (%s, principal '%s') sent %s for task %s of framework "
			  "%s, which runs on agent %s; refused",
			  a->id, a->hostname, a->principal[0] ? a->principal : "-", mesos_task_state_name(st.state),
			  task_id, fw_id, t->agent_id);
		return;
	}
	forwarded = json_deep_copy(status);
	json_object_set_new(forwarded, "agent_id", json_id(a->id)); /* the agent vouches only for itself */
	task_set_state(t, st.state, forwarded);
	if (uuid)
		str_copy(t->pending_uuid, uuid, sizeof(t->pending_uuid));
	else if (mesos_task_state_terminal(t->state))
		task_complete(t);
	framework_send(fw, status_event(forwarded));
}

void tasks_acknowledge(struct framework *fw, const char *agent_id, const char *task_id,
		       const char *uuid_b64)
{
	struct master *m = fw->master;
	struct master_agent *a = map_get(&m->agents, agent_id);
	struct master_task *t = map_get(&fw->tasks, task_id);

	if (a)
		ack_to_agent(a, fw->id, task_id, uuid_b64);
	if (t && !strcmp(t->pending_uuid, uuid_b64)) {
		t->pending_uuid[0] = '\0';
		if (mesos_task_state_terminal(t->state))
			task_complete(t);
	}
}

void tasks_kill(struct framework *fw, const char *task_id, const json_t *kill_policy)
{
	struct master_task *t = map_get(&fw->tasks, task_id);
	json_t *payload;

	if (!t) {
		tasks_send_master_status(fw, task_id, NULL,
					 (fw->caps & FW_CAP_PARTITION_AWARE) ? TASK_UNKNOWN
									     : TASK_LOST,
					 "REASON_RECONCILIATION",
					 "Attempted to kill an unknown task");
		return;
	}
	if (mesos_task_state_terminal(t->state))
		return;
	if (!t->agent || t->agent->state != AGENT_CONNECTED) {
		log_info("master: cannot kill task %s of framework %s now: agent %s is not connected",
			 task_id, fw->id, t->agent_id);
		return;
	}
	payload = json_pack("{s:o, s:o}", "framework_id", json_id(fw->id), "task_id",
			    json_id(task_id));
	if (kill_policy)
		json_object_set(payload, "kill_policy", (json_t *)kill_policy);
	log_info("master: killing task %s of framework %s on agent %s", task_id, fw->id,
		 t->agent_id);
	master_agent_send(t->agent, json_pack("{s:s, s:o}", "type", "KILL", "kill", payload));
}

static void reconcile_one(struct framework *fw, struct master_task *t)
{
	json_t *status = json_pack("{s:o, s:s, s:s, s:s, s:o, s:f}", "task_id", json_id(t->id),
				   "state", mesos_task_state_name(t->state), "source", "SOURCE_MASTER",
				   "reason", "REASON_RECONCILIATION", "agent_id",
				   json_id(t->agent_id), "timestamp", now_wall());
	const char *message = t->last_status
				      ? json_string_value(json_object_get(t->last_status, "message"))
				      : NULL;
	if (message)
		json_object_set_new(status, "message", json_string(message));
	framework_send(fw, status_event(status));
}

static bool agents_recovering(struct master *m)
{
	struct map_iter it;
	void *v;
	map_iter_init(&it, &m->agents);
	while (map_iter_next(&it, NULL, &v))
		if (((struct master_agent *)v)->state == AGENT_RECOVERED)
			return true;
	return false;
}

void tasks_reconcile(struct framework *fw, const json_t *tasks)
{
	size_t i;
	json_t *item;

	if (!tasks || json_array_size(tasks) == 0) {
		struct map_iter it;
		void *v;
		map_iter_init(&it, &fw->tasks);
		while (map_iter_next(&it, NULL, &v))
			reconcile_one(fw, v);
		return;
	}
	json_array_foreach(tasks, i, item) {
		const char *id = json_string_value(json_object_get(json_object_get(item, "task_id"),
								   "value"));
		struct master_task *t = id ? map_get(&fw->tasks, id) : NULL;
		if (t) {
			if (t->agent && t->agent->state == AGENT_RECOVERED)
				continue; /* the agent has not re-registered yet: no answer */
			reconcile_one(fw, t);
		} else if (id) {
			const char *aid = json_string_value(
				json_object_get(json_object_get(item, "agent_id"), "value"));
			struct master_agent *a = aid ? map_get(&fw->master->agents, aid) : NULL;
			/*
			 * As Mesos: while agents known from the registry have not
			 * re-registered after a master restart, an unknown task may
			 * still be running there, so the master does not answer.
			 */
			if ((a && a->state == AGENT_RECOVERED) ||
			    (!aid && agents_recovering(fw->master)))
				continue;
			tasks_send_master_status(fw, id, NULL,
						 (fw->caps & FW_CAP_PARTITION_AWARE) ? TASK_UNKNOWN
										     : TASK_LOST,
						 "REASON_RECONCILIATION", "Task is unknown to the master");
		}
	}
}

void tasks_resend_pending(struct framework *fw)
{
	struct map_iter it;
	void *v;
	map_iter_init(&it, &fw->tasks);
	while (map_iter_next(&it, NULL, &v)) {
		struct master_task *t = v;
		if (t->pending_uuid[0] && t->last_status)
			framework_send(fw, status_event(json_deep_copy(t->last_status)));
	}
}

/* ---- agents and frameworks going away ---- */

static struct master_task **tasks_of(struct map *m, size_t *n)
{
	struct master_task **arr = xcalloc(map_count(m) + 1, sizeof(*arr));
	struct map_iter it;
	void *v;
	*n = 0;
	map_iter_init(&it, m);
	while (map_iter_next(&it, NULL, &v))
		arr[(*n)++] = v;
	return arr;
}

/* The task was declared LOST on agent a: kill it should a report it later. */
static void remember_lost(struct master_agent *a, const struct master_task *t)
{
	char key[512];

	agent_key(key, sizeof(key), t);
	map_put(&a->lost_tasks, key, a);
}

void tasks_agent_lost(struct master_agent *a, const char *why)
{
	size_t n;
	struct master_task **arr = tasks_of(&a->tasks, &n);
	char msg[512];

	snprintf(msg, sizeof(msg), "Agent %s (%s) is gone: %s", a->id, a->hostname, why);
	for (size_t i = 0; i < n; i++) {
		struct master_task *t = arr[i];
		bool aware = t->fw->caps & FW_CAP_PARTITION_AWARE;
		enum mesos_task_state next = aware ? TASK_UNREACHABLE : TASK_LOST;
		json_t *status;
		if (mesos_task_state_terminal(t->state))
			continue;
		status = json_pack("{s:o, s:s, s:s, s:s, s:s, s:o, s:f}", "task_id", json_id(t->id),
				   "state", mesos_task_state_name(next), "source", "SOURCE_MASTER",
				   "reason", "REASON_AGENT_REMOVED", "message", msg, "agent_id",
				   json_id(a->id), "timestamp", now_wall());
		task_set_state(t, next, status);
		if (aware)
			release(t);
		log_info("master: task %s of framework %s is %s: %s", t->id, t->fw->id,
			 mesos_task_state_name(next), msg);
		framework_send(t->fw, status_event(status));
		if (mesos_task_state_terminal(next)) {
			remember_lost(a, t);
			task_complete(t);
		}
	}
	free(arr);
}

void tasks_framework_removed(struct framework *fw)
{
	size_t n;
	struct master_task **arr = tasks_of(&fw->tasks, &n);
	struct map agents;

	map_init(&agents);
	for (size_t i = 0; i < n; i++) {
		struct master_task *t = arr[i];
		if (t->agent && !mesos_task_state_terminal(t->state))
			map_put(&agents, t->agent->id, t->agent);
		if (!mesos_task_state_terminal(t->state)) {
			json_t *status = json_pack("{s:o, s:s, s:s, s:s}", "task_id", json_id(t->id),
						   "state", mesos_task_state_name(TASK_KILLED), "source", "SOURCE_MASTER",
						   "message", "Framework removed");
			task_set_state(t, TASK_KILLED, status);
			json_decref(status);
		}
		task_complete(t);
	}
	free(arr);
	{
		struct map_iter it;
		void *v;
		map_iter_init(&it, &agents);
		while (map_iter_next(&it, NULL, &v))
			master_agent_send(v, json_pack("{s:s, s:{s:o}}", "type", "SHUTDOWN_FRAMEWORK",
						"shutdown_framework", "framework_id",
						json_id(fw->id)));
	}
	map_clear(&agents);
}

/* A framework known only from an agent's report (master restarted). */
static struct framework *recovered_framework(struct master *m, const json_t *info)
{
	const char *id = json_string_value(json_object_get(json_object_get(info, "id"), "value"));
	struct framework *fw;
	if (!id || id_invalid_reason(id))
		return NULL;
	fw = map_get(&m->frameworks, id);
	if (fw)
		return fw;
	fw = framework_new(m, id, info);
	fw->recovered = true;
	fw->state = FW_CONNECTED; /* so the transition below is legal and logs */
	framework_set_state(fw, FW_DISCONNECTED, "recovered from an agent after a master restart");
	return fw;
}

static void kill_on_agent(struct master_agent *a, const char *fw_id, const char *task_id)
{
	master_agent_send(a, json_pack("{s:s, s:{s:o, s:o}}", "type", "KILL", "kill", "framework_id",
				json_id(fw_id), "task_id", json_id(task_id)));
}

/* A partition-aware framework's UNREACHABLE task is reported running again. */
static void task_back_from_unreachable(struct master_agent *a, struct master_task *t,
				       enum mesos_task_state reported)
{
	json_t *status = json_pack("{s:o, s:s, s:s, s:s, s:s, s:o, s:f}", "task_id",
				   json_id(t->id), "state", mesos_task_state_name(reported), "source",
				   "SOURCE_MASTER", "reason", "REASON_AGENT_REREGISTERED",
				   "message", "The agent re-registered and still runs the task",
				   "agent_id", json_id(a->id), "timestamp", now_wall());

	if (t->resources_released) { /* counted again: it holds them on the agent */
		t->resources_released = false;
		res_add(&a->used, &t->resources);
		res_add(&t->fw->allocated, &t->resources);
	}
	task_set_state(t, reported, status);
	log_info("master: task %s of framework %s is back as %s: agent %s re-registered", t->id,
		 t->fw->id, mesos_task_state_name(reported), a->id);
	framework_send(t->fw, status_event(status));
}

static void adopt_reported(struct master_agent *a, const json_t *item, struct map *was_lost,
			   bool was_unreachable)
{
	struct master *m = a->master;
	json_t *info = json_object_get(item, "framework_info");
	json_t *task_info = json_object_get(item, "task");
	const char *task_id = json_string_value(
		json_object_get(json_object_get(task_info, "task_id"), "value"));
	int state = mesos_task_state_parse(json_string_value(json_object_get(item, "state")));
	struct framework *fw = recovered_framework(m, info);
	struct resources res = RESOURCES_EMPTY;
	char err[256];
	struct master_task *t;
	const char *user = json_string_value(json_object_get(item, "user"));

	if (!fw || !task_id || state < 0 || id_invalid_reason(task_id))
		return;
	t = map_get(&fw->tasks, task_id);
	if (t && strcmp(t->agent_id, a->id)) {
		log_warnx("master: agent %s reports task %s of framework %s, which runs on agent "
			  "%s; ignored",
			  a->id, task_id, fw->id, t->agent_id);
		return;
	}
	if (t && mesos_task_state_terminal(t->state) && !mesos_task_state_terminal((enum mesos_task_state)state)) {
		log_info("master: agent %s still runs task %s of framework %s that was reported %s; "
			 "killing it",
			 a->id, task_id, fw->id, mesos_task_state_name(t->state));
		kill_on_agent(a, fw->id, task_id);
		return;
	}
	if (t && t->state == TASK_UNREACHABLE && !mesos_task_state_terminal((enum mesos_task_state)state)) {
		task_back_from_unreachable(a, t, (enum mesos_task_state)state);
		return;
	}
	if (t)
		return; /* known and consistent */
	{
		char key[600];
		snprintf(key, sizeof(key), "%s/%s", fw->id, task_id);
		if (map_get(was_lost, key)) {
			if (mesos_task_state_terminal((enum mesos_task_state)state))
				return; /* ended meanwhile; its own update is acknowledged */
			log_info("master: agent %s still runs task %s of framework %s, which was "
				 "declared TASK_LOST when the agent was gone; killing it",
				 a->id, task_id, fw->id);
			kill_on_agent(a, fw->id, task_id);
			return;
		}
	}
	/*
	 * The master restarted since it declared this agent unreachable (the
	 * mark is in the registry, the LOST tasks were in memory): a task of a
	 * framework that is not partition-aware was reported TASK_LOST then.
	 */
	if (was_unreachable && !(fw->caps & FW_CAP_PARTITION_AWARE) &&
	    !mesos_task_state_terminal((enum mesos_task_state)state)) {
		log_info("master: agent %s, back from unreachable, still runs task %s of framework "
			 "%s, which is not partition-aware; killing it",
			 a->id, task_id, fw->id);
		kill_on_agent(a, fw->id, task_id);
		return;
	}
	if (fw->state == FW_REMOVED) {
		master_agent_send(a, json_pack("{s:s, s:{s:o}}", "type", "SHUTDOWN_FRAMEWORK",
					"shutdown_framework", "framework_id", json_id(fw->id)));
		return;
	}
	if (res_parse_json(json_object_get(task_info, "resources"), "resources", &res, err,
			   sizeof(err)) < 0)
		log_warnx("master: agent %s reported task %s with bad resources: %s", a->id,
			  task_id, err);
	/* an agent that does not say: the one rule (core/task_spec.h) on what it reports */
	if (!user)
		user = task_spec_user(json_string_value(jget(jget(task_info, "command"), "user")),
				      fw->user);
	t = task_new(fw, a, task_id, task_info, &res, user);
	res_add(&fw->allocated, &res);
	t->state = (enum mesos_task_state)state;
	json_array_append_new(t->statuses, json_pack("{s:s, s:f}", "state",
						     mesos_task_state_name(t->state), "timestamp",
						     now_wall()));
	if (mesos_task_state_terminal(t->state))
		release(t);
	res_free(&res);
}

void tasks_agent_reregistered(struct master_agent *a, const json_t *reported,
			      bool was_unreachable)
{
	size_t i, n;
	json_t *item;
	struct master_task **arr;
	struct map seen, was_lost = a->lost_tasks;

	map_init(&seen);
	map_init(&a->lost_tasks); /* this registration answers for the old ones */
	json_array_foreach(reported, i, item) {
		json_t *fid = json_object_get(json_object_get(item, "framework_info"), "id");
		json_t *tid = json_object_get(json_object_get(item, "task"), "task_id");
		char key[600];
		adopt_reported(a, item, &was_lost, was_unreachable);
		snprintf(key, sizeof(key), "%s/%s", json_string_value(json_object_get(fid, "value")) ?: "",
			 json_string_value(json_object_get(tid, "value")) ?: "");
		map_put(&seen, key, a);
	}
	/* Tasks the master placed here that the agent does not know are lost. */
	arr = tasks_of(&a->tasks, &n);
	for (i = 0; i < n; i++) {
		struct master_task *t = arr[i];
		char key[600];
		snprintf(key, sizeof(key), "%s/%s", t->fw->id, t->id);
		if (map_get(&seen, key) || mesos_task_state_terminal(t->state))
			continue;
		json_t *status = json_pack("{s:o, s:s, s:s, s:s, s:s, s:o, s:f}", "task_id",
					   json_id(t->id), "state", mesos_task_state_name(TASK_LOST), "source",
					   "SOURCE_MASTER", "reason", "REASON_AGENT_RESTARTED",
					   "message", "Task is unknown to the agent after it re-registered",
					   "agent_id", json_id(a->id), "timestamp", now_wall());
		task_set_state(t, TASK_LOST, status);
		framework_send(t->fw, status_event(status));
		remember_lost(a, t);
		task_complete(t);
	}
	free(arr);
	map_clear(&seen);
	map_clear(&was_lost);
}
