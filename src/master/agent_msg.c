/*
 * master/agent_msg — see agent_msg.h. Pure; runs on the master's loop.
 *
 * A reported task must be an object with framework_info.id, task.task_id
 * (valid ids), task.resources (an array) and a state string; anything else
 * refuses the whole subscription with the item's path, so the rebuild of
 * the task table (tasks.c) only ever sees well-formed entries.
 */
#include "master/agent_msg.h"

#include <errno.h>
#include <string.h>

static int check_reported(const json_t *item, size_t i, struct jerr *err)
{
	char path[64], sub[96];
	json_t *fi = NULL, *task = NULL, *res = NULL;
	const char *s;

	jpath_index(path, sizeof(path), "tasks", i);
	if (!json_is_object(item))
		return jerr_set(err, path, NULL, "expected an object");
	if (jget_obj(item, "framework_info", path, true, &fi, err) ||
	    jget_obj(item, "task", path, true, &task, err) ||
	    jget_str(item, "state", path, true, 64, &s, err) ||
	    jget_str(item, "user", path, false, 255, &s, err) < 0)
		return -EINVAL;
	jpath(sub, sizeof(sub), path, "framework_info");
	if (jget_id(fi, "id", sub, true, &s, err))
		return -EINVAL;
	jpath(sub, sizeof(sub), path, "task");
	if (jget_id(task, "task_id", sub, true, &s, err) ||
	    jget_array(task, "resources", sub, false, RES_MAX_ENTRIES, &res, err) < 0)
		return -EINVAL;
	return 0;
}

int agent_subscribe_parse(const json_t *body, struct agent_sub *out, struct jerr *err)
{
	json_t *info = NULL, *item;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(body))
		return jerr_set(err, NULL, NULL, "expected a JSON object");
	if (jget_obj(body, "agent_info", NULL, true, &info, err) < 0 ||
	    mesos_agent_info_parse(info, &out->info, err) < 0)
		return -EINVAL;
	if (jget_obj(body, "auth", NULL, false, &out->auth, err) < 0 ||
	    jget_array(body, "tasks", NULL, false, AGENT_MAX_REPORTED_TASKS, &out->tasks, err) < 0)
		goto fail;
	json_array_foreach(out->tasks, i, item)
		if (check_reported(item, i, err) < 0)
			goto fail;
	return 0;
fail:
	mesos_agent_info_free(&out->info);
	return -EINVAL;
}
