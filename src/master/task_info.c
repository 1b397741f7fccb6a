/*
 * master/task_info — the strict check of a TaskInfo a framework sends in
 * ACCEPT/LAUNCH (TaskInfo in Mesos' mesos.proto; docs/mesos-api.md), before
 * the master takes it: shape
 * and types of every field it uses, one of command/executor (custom
 * executors refused), resources (whole gpus), container type, the user
 * the task will run as. A refusal is a sentence for TASK_ERROR naming the
 * field. Pure; runs on the master's loop; fuzzed (fuzz_task_info).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/json.h"
#include "core/util.h"
#include "master/task_info.h"

static int fail(char *msg, size_t msglen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *msg, size_t msglen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, msglen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int validate_command(const json_t *cmd, char *msg, size_t msglen)
{
	struct jerr je;
	const char *s;
	bool shell = true;
	json_t *arr = NULL, *item;
	size_t i;

	if (jget_bool(cmd, "shell", "command", false, &shell, &je) < 0 ||
	    jget_str(cmd, "value", "command", shell, 1u << 20, &s, &je) < 0 ||
	    jget_str(cmd, "user", "command", false, 255, &s, &je) < 0)
		return fail(msg, msglen, "%s", je.msg);
	if (jget_array(cmd, "arguments", "command", false, 65536, &arr, &je) < 0)
		return fail(msg, msglen, "%s", je.msg);
	json_array_foreach(arr, i, item)
		if (!json_is_string(item))
			return fail(msg, msglen, "command.arguments[%zu]: expected a string", i);
	arr = NULL;
	if (jget_array(cmd, "uris", "command", false, 1024, &arr, &je) < 0)
		return fail(msg, msglen, "%s", je.msg);
	json_array_foreach(arr, i, item) {
		char p[64];
		jpath_index(p, sizeof(p), "command.uris", i);
		if (jget_str(item, "value", p, true, 8192, &s, &je))
			return fail(msg, msglen, "%s", je.msg);
	}
	{
		json_t *env = NULL, *vars = NULL;
		if (jget_obj(cmd, "environment", "command", false, &env, &je) < 0 ||
		    jget_array(env, "variables", "command.environment", false, 4096, &vars, &je) < 0)
			return fail(msg, msglen, "%s", je.msg);
		json_array_foreach(vars, i, item) {
			char p[80];
			jpath_index(p, sizeof(p), "command.environment.variables", i);
			if (jget_str(item, "name", p, true, 4096, &s, &je))
				return fail(msg, msglen, "%s", je.msg);
		}
	}
	return 0;
}

int task_info_check(const json_t *info, const char *agent, const char *framework_user,
		    struct resources *res, const char **user, const char **id, char *msg,
		    size_t msglen)
{
	struct jerr je;
	const char *name, *agent_id, *s;
	json_t *res_json = NULL, *cmd = NULL, *container = NULL;
	char err[512];

	if (!json_is_object(info))
		return fail(msg, msglen, "TaskInfo must be an object");
	if (jget_str(info, "name", NULL, true, 1024, &name, &je) ||
	    jget_id(info, "task_id", NULL, true, id, &je) ||
	    jget_id(info, "agent_id", NULL, true, &agent_id, &je) ||
	    jget_array(info, "resources", NULL, true, RES_MAX_ENTRIES, &res_json, &je) ||
	    jget_obj(info, "command", NULL, false, &cmd, &je) < 0 ||
	    jget_obj(info, "container", NULL, false, &container, &je) < 0)
		return fail(msg, msglen, "%s", je.msg);
	if (strcmp(agent_id, agent))
		return fail(msg, msglen, "Task uses agent %s but the offers are from agent %s",
			    agent_id, agent);
	if (jget(info, "executor"))
		return fail(msg, msglen,
			    "custom executors are not supported by agora; give the task a 'command'");
	if (!cmd)
		return fail(msg, msglen, "Task must have a 'command' (command task)");
	if (validate_command(cmd, msg, msglen) < 0)
		return -EINVAL;
	if (container) {
		if (jget_str(container, "type", "container", true, 16, &s, &je))
			return fail(msg, msglen, "%s", je.msg);
		if (strcmp(s, "MESOS") && strcmp(s, "DOCKER"))
			return fail(msg, msglen, "container.type: expected MESOS or DOCKER, got '%s'", s);
	}
	if (res_parse_json(res_json, "resources", res, err, sizeof(err)) < 0)
		return fail(msg, msglen, "%s", err);
	if (res_empty(res))
		return fail(msg, msglen, "Task uses no resources");
	s = json_string_value(jget(cmd, "user"));
	*user = s && *s ? s : framework_user;
	if (!**user)
		return fail(msg, msglen, "Task has no user (set FrameworkInfo.user or command.user)");
	return 0;
}

