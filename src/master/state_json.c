/*
 * master/state_json — the hand-built (non-protobuf) JSON of Mesos' state
 * endpoints for frameworks and tasks (docs/mesos-api.md, "State endpoints"):
 * /master/frameworks, /master/tasks, and the frameworks part of
 * /master/state.
 */
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/util.h"
#include "master/master.h"

static json_t *offers_json(const struct framework *fw)
{
	json_t *arr = json_array();
	struct map_iter it;
	void *v;
	map_iter_init(&it, (struct map *)&fw->offers);
	while (map_iter_next(&it, NULL, &v)) {
		const struct offer *o = v;
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:o, s:{s:s}}", "id", o->id,
						     "framework_id", fw->id, "slave_id",
						     o->agent->id, "resources",
						     res_to_summary(&o->resources),
						     "allocation_info", "role", fw->role));
	}
	return arr;
}

json_t *state_framework_json(const struct framework *fw, bool with_tasks)
{
	struct resources used = RESOURCES_EMPTY, offered = RESOURCES_EMPTY;
	json_t *tasks = json_array(), *completed = json_array(), *unreachable = json_array();
	json_t *caps = json_array(), *c, *o;
	struct map_iter it;
	void *v;
	size_t i;

	map_iter_init(&it, (struct map *)&fw->tasks);
	while (map_iter_next(&it, NULL, &v)) {
		const struct master_task *t = v;
		if (!mesos_task_state_terminal(t->state) && t->state != TASK_UNREACHABLE)
			res_add(&used, &t->resources);
		if (!with_tasks)
			continue;
		if (t->state == TASK_UNREACHABLE)
			json_array_append_new(unreachable, task_state_json(t));
		else if (mesos_task_state_terminal(t->state))
			json_array_append_new(completed, task_state_json(t));
		else
			json_array_append_new(tasks, task_state_json(t));
	}
	if (with_tasks)
		json_array_extend(completed, fw->completed);
	map_iter_init(&it, (struct map *)&fw->offers);
	while (map_iter_next(&it, NULL, &v))
		res_add(&offered, &((const struct offer *)v)->resources);
	json_array_foreach(jget(fw->info, "capabilities"), i, c) {
		const char *type = json_string_value(json_object_get(c, "type"));
		if (type)
			json_array_append_new(caps, json_string(type));
	}
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:b, s:b, s:b, s:f, s:b, s:f, s:s, s:o, "
		      "s:o, s:o, s:o, s:o, s:o, s:o, s:[], s:s}",
		      "id", fw->id, "name", fw->name, "user", fw->user, "hostname",
		      json_string_value(jget(fw->info, "hostname")) ?: "", "webui_url",
		      json_string_value(jget(fw->info, "webui_url")) ?: "", "capabilities", caps,
		      "active", fw->state == FW_CONNECTED && !fw->suppressed, "connected",
		      fw->state == FW_CONNECTED, "recovered", fw->recovered, "failover_timeout",
		      fw->failover_timeout, "checkpoint",
		      json_is_true(jget(fw->info, "checkpoint")), "registered_time",
		      fw->registered_time, "role", fw->role, "used_resources",
		      res_to_summary(&used), "offered_resources", res_to_summary(&offered),
		      "resources", res_to_summary(&fw->allocated), "tasks", tasks,
		      "completed_tasks", completed, "unreachable_tasks", unreachable, "offers",
		      offers_json(fw), "executors", "agora_state", framework_state_name(fw->state));
	if (fw->principal[0])
		json_object_set_new(o, "principal", json_string(fw->principal));
	if (fw->unregistered_time > 0)
		json_object_set_new(o, "unregistered_time", json_real(fw->unregistered_time));
	if (fw->reregistered_time > 0)
		json_object_set_new(o, "reregistered_time", json_real(fw->reregistered_time));
	res_free(&used);
	res_free(&offered);
	return o;
}

json_t *state_frameworks_json(struct master *m, json_t **completed_out)
{
	json_t *active = json_array(), *completed = json_array();
	struct map_iter it;
	void *v;
	map_iter_init(&it, &m->frameworks);
	while (map_iter_next(&it, NULL, &v)) {
		struct framework *fw = v;
		json_array_append_new(fw->state == FW_REMOVED ? completed : active,
				      state_framework_json(fw, true));
	}
	*completed_out = completed;
	return active;
}

void state_handle_frameworks(struct http_req *r, void *arg)
{
	struct master *m = arg;
	const char *only = http_query(r, "framework_id");
	json_t *completed, *active = state_frameworks_json(m, &completed);
	if (only) {
		json_t *lists[2] = { active, completed };
		for (int l = 0; l < 2; l++) {
			for (size_t i = json_array_size(lists[l]); i-- > 0;) {
				const char *id = json_string_value(
					json_object_get(json_array_get(lists[l], i), "id"));
				if (!id || strcmp(id, only))
					json_array_remove(lists[l], i);
			}
		}
	}
	http_reply_json(r, 200, json_pack("{s:o, s:o, s:[]}", "frameworks", active,
					   "completed_frameworks", completed,
					   "unregistered_frameworks"));
}

static double last_timestamp(const json_t *task)
{
	json_t *statuses = json_object_get(task, "statuses");
	size_t n = json_array_size(statuses);
	return n ? json_number_value(json_object_get(json_array_get(statuses, n - 1), "timestamp"))
		 : 0;
}

static int cmp_desc(const void *a, const void *b)
{
	double x = last_timestamp(*(json_t *const *)a), y = last_timestamp(*(json_t *const *)b);
	return x < y ? 1 : x > y ? -1 : 0;
}

void state_handle_tasks(struct http_req *r, void *arg)
{
	struct master *m = arg;
	const char *fw_only = http_query(r, "framework_id");
	const char *task_only = http_query(r, "task_id");
	const char *order = http_query(r, "order");
	int64_t limit = 100, offset = 0;
	json_t **all = NULL, *out = json_array();
	size_t n = 0;
	struct map_iter it;
	void *v;

	if ((http_query(r, "limit") && parse_int64(http_query(r, "limit"), &limit) < 0) ||
	    (http_query(r, "offset") && parse_int64(http_query(r, "offset"), &offset) < 0) ||
	    limit < 0 || offset < 0) {
		json_decref(out);
		http_reply_text(r, 400, "limit and offset must be non-negative integers");
		return;
	}
	map_iter_init(&it, &m->frameworks);
	while (map_iter_next(&it, NULL, &v)) {
		struct framework *fw = v;
		struct map_iter ti;
		void *tv;
		size_t i;
		json_t *c;
		if (fw_only && strcmp(fw_only, fw->id))
			continue;
		map_iter_init(&ti, &fw->tasks);
		while (map_iter_next(&ti, NULL, &tv)) {
			all = xreallocarray(all, n + 1, sizeof(*all));
			all[n++] = task_state_json(tv);
		}
		json_array_foreach(fw->completed, i, c) {
			all = xreallocarray(all, n + 1, sizeof(*all));
			all[n++] = json_incref(c);
		}
	}
	if (n)
		qsort(all, n, sizeof(*all), cmp_desc);
	if (order && !strcmp(order, "asc"))
		for (size_t i = 0; i < n / 2; i++) {
			json_t *t = all[i];
			all[i] = all[n - 1 - i];
			all[n - 1 - i] = t;
		}
	for (size_t i = 0, kept = 0; i < n; i++) {
		const char *id = json_string_value(json_object_get(all[i], "id"));
		if (task_only && (!id || strcmp(id, task_only))) {
			json_decref(all[i]);
			continue;
		}
		if (kept >= (size_t)offset && json_array_size(out) < (size_t)limit)
			json_array_append(out, all[i]);
		kept++;
		json_decref(all[i]);
	}
	free(all);
	http_reply_json(r, 200, json_pack("{s:o}", "tasks", out));
}
