/*
 * core/mesos — the Mesos protocol's TaskState (mesos.h): names, parsing
 * and the terminal/live classification every role uses. Pure functions,
 * any process, any thread.
 *
 * TaskStatus parsing for every reader of updates.
 *
 * Invariant: state_names is indexed by the protobuf number and holds every
 * value of enum mesos_task_state; a name parses back to its number.
 */
#include <errno.h>
#include <string.h>

#include "core/mesos.h"

static const char *const state_names[MESOS_TASK_STATE_COUNT] = {
	[TASK_STARTING] = "TASK_STARTING",
	[TASK_RUNNING] = "TASK_RUNNING",
	[TASK_FINISHED] = "TASK_FINISHED",
	[TASK_FAILED] = "TASK_FAILED",
	[TASK_KILLED] = "TASK_KILLED",
	[TASK_LOST] = "TASK_LOST",
	[TASK_STAGING] = "TASK_STAGING",
	[TASK_ERROR] = "TASK_ERROR",
	[TASK_KILLING] = "TASK_KILLING",
	[TASK_DROPPED] = "TASK_DROPPED",
	[TASK_UNREACHABLE] = "TASK_UNREACHABLE",
	[TASK_GONE] = "TASK_GONE",
	[TASK_GONE_BY_OPERATOR] = "TASK_GONE_BY_OPERATOR",
	[TASK_UNKNOWN] = "TASK_UNKNOWN",
};

const char *mesos_task_state_name(enum mesos_task_state s)
{
	return (unsigned)s < MESOS_TASK_STATE_COUNT ? state_names[s] : state_names[TASK_UNKNOWN];
}

int mesos_task_state_parse(const char *name)
{
	for (int i = 0; name && i < MESOS_TASK_STATE_COUNT; i++)
		if (!strcmp(name, state_names[i]))
			return i;
	return -1;
}

bool mesos_task_state_terminal(enum mesos_task_state s)
{
	switch (s) {
	case TASK_FINISHED:
	case TASK_FAILED:
	case TASK_KILLED:
	case TASK_LOST:
	case TASK_ERROR:
	case TASK_DROPPED:
	case TASK_GONE:
	case TASK_GONE_BY_OPERATOR:
		return true;
	default:
		return false;
	}
}

bool mesos_task_state_live(enum mesos_task_state s)
{
	return s == TASK_STAGING || s == TASK_STARTING || s == TASK_RUNNING || s == TASK_KILLING;
}

/* A required field reported as missing (jget_* return 1 for "not set"). */
static int need(int rc, struct jerr *err, const char *path, const char *key)
{
	if (rc > 0)
		return jerr_set(err, path, key, "required field is missing");
	return rc;
}

int mesos_task_status_parse(const json_t *status, struct mesos_task_status *out,
			    struct jerr *err)
{
	static const char P[] = "status";
	const char *state = NULL;
	int s;

	memset(out, 0, sizeof(*out));
	out->json = status;
	if (!json_is_object(status))
		return jerr_set(err, P, NULL, "expected an object");
	if (need(jget_id(status, "task_id", P, true, &out->task_id, err), err, P, "task_id") ||
	    need(jget_str(status, "state", P, true, 64, &state, err), err, P, "state") ||
	    jget_id(status, "agent_id", P, false, &out->agent_id, err) < 0 ||
	    jget_id(status, "executor_id", P, false, &out->executor_id, err) < 0 ||
	    jget_str(status, "source", P, false, 64, &out->source, err) < 0 ||
	    jget_str(status, "reason", P, false, 128, &out->reason, err) < 0 ||
	    jget_str(status, "message", P, false, MESOS_STATUS_MESSAGE_MAX, &out->message, err) <
		    0 ||
	    jget_str(status, "uuid", P, false, 64, &out->uuid, err) < 0 ||
	    jget_double(status, "timestamp", P, false, &out->timestamp, err) < 0)
		return -EINVAL;
	s = mesos_task_state_parse(state);
	if (s < 0)
		return jerr_set(err, P, "state", "unknown TaskState '%.64s'", state);
	out->state = (enum mesos_task_state)s;
	if (out->uuid && !*out->uuid)
		out->uuid = NULL;
	return 0;
}

int mesos_framework_info_parse(const json_t *fi, struct mesos_framework_info *out,
			       struct jerr *err)
{
	static const char P[] = "framework_info";
	json_t *roles = NULL, *item;
	const char *role = NULL;
	size_t i;

	memset(out, 0, sizeof(*out));
	out->json = fi;
	out->name = out->user = out->hostname = "";
	if (!json_is_object(fi))
		return jerr_set(err, P, NULL, "expected an object");
	if (jget_id(fi, "id", P, false, &out->id, err) < 0 ||
	    jget_str(fi, "name", P, false, 1024, &out->name, err) < 0 ||
	    jget_str(fi, "user", P, false, 255, &out->user, err) < 0 ||
	    jget_str(fi, "hostname", P, false, 255, &out->hostname, err) < 0 ||
	    jget_str(fi, "principal", P, false, 255, &out->principal, err) < 0 ||
	    jget_str(fi, "role", P, false, 1024, &role, err) < 0 ||
	    jget_array(fi, "roles", P, false, 1024, &roles, err) < 0 ||
	    jget_double(fi, "failover_timeout", P, false, &out->failover_timeout, err) < 0 ||
	    jget_bool(fi, "checkpoint", P, false, &out->checkpoint, err) < 0)
		return -EINVAL;
	json_array_foreach(roles, i, item)
		if (!json_is_string(item))
			return jerr_set(err, "framework_info.roles", NULL, "expected strings");
	out->roles = roles;
	if (!role && json_array_size(roles) > 0)
		role = json_string_value(json_array_get(roles, 0));
	out->role = role ? role : "*";
	return 0;
}
