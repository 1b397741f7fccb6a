/*
 * master/task_info — the master's check of a TaskInfo a framework sends in
 * ACCEPT/LAUNCH, before the master takes it (docs/task-protocol.md,
 * docs/mesos-api.md): the
 * one TaskInfo parser (core/task_spec.c) plus what only the master knows —
 * the offer's agent, that the task uses some resources, and that it has a
 * user to run as (core/task_spec.h has the one rule for it). A refusal is
 * a sentence for TASK_ERROR naming the field. Pure; runs on the master's
 * loop; fuzzed (fuzz_task_info).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "master/task_info.h"

int task_info_check(const json_t *info, const char *agent, const char *framework_user,
		    struct task_spec *spec, char *msg, size_t msglen)
{
	struct jerr je;

	if (task_spec_parse(info, framework_user, spec, &je) < 0)
		return snprintf(msg, msglen, "%s", je.msg), -EINVAL;
	if (!spec->agent_id)
		return snprintf(msg, msglen, "agent_id: required field is missing"), -EINVAL;
	if (strcmp(spec->agent_id, agent))
		return snprintf(msg, msglen, "Task uses agent %s but the offers are from agent %s",
				spec->agent_id, agent),
		       -EINVAL;
	if (res_empty(&spec->resources))
		return snprintf(msg, msglen, "Task uses no resources"), -EINVAL;
	if (!spec->user[0])
		return snprintf(msg, msglen,
				"Task has no user (set FrameworkInfo.user or command.user)"),
		       -EINVAL;
	return 0;
}
