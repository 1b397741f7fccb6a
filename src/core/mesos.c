/*
 * core/mesos — the Mesos protocol's TaskState (mesos.h): names, parsing
 * and the terminal/live classification every role uses. Pure functions,
 * any process, any thread.
 *
 * TaskStatus parsing for every reader of updates; FrameworkInfo, Offer
 * and AgentInfo parsing for the roles that read them. Every parser is
 * strict and bounded (string lengths, array sizes, resource entries) and
 * names the offending field in its error.
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

/* offer.url.address: ip preferred (no name lookup needed), else hostname. */
static int offer_parse_url(const json_t *offer, struct mesos_offer *out, struct jerr *err)
{
	json_t *url = NULL, *addr = NULL;
	const char *ip = NULL, *name = NULL;
	int64_t port = 0;

	if (jget_obj(offer, "url", "offer", false, &url, err) < 0)
		return -EINVAL;
	if (!url)
		return 0;
	if (jget_obj(url, "address", "offer.url", false, &addr, err) < 0)
		return -EINVAL;
	if (!addr)
		return 0;
	if (jget_str(addr, "ip", "offer.url.address", false, 255, &ip, err) < 0 ||
	    jget_str(addr, "hostname", "offer.url.address", false, 255, &name, err) < 0 ||
	    jget_int64(addr, "port", "offer.url.address", false, &port, err) < 0)
		return -EINVAL;
	if (port < 0 || port > 65535)
		return jerr_set(err, "offer.url.address", "port", "%lld is not a port",
				(long long)port);
	out->agent_host = ip && *ip ? ip : (name && *name ? name : out->hostname);
	out->agent_port = (uint16_t)port;
	return 0;
}

int mesos_offer_parse(const json_t *offer, struct mesos_offer *out, struct jerr *err)
{
	static const char P[] = "offer";
	json_t *res = NULL, *attrs = NULL;

	memset(out, 0, sizeof(*out));
	out->json = offer;
	if (!json_is_object(offer))
		return jerr_set(err, P, NULL, "expected an object");
	if (need(jget_id(offer, "id", P, true, &out->id, err), err, P, "id") ||
	    need(jget_id(offer, "agent_id", P, true, &out->agent_id, err), err, P, "agent_id") ||
	    jget_id(offer, "framework_id", P, false, &out->framework_id, err) < 0 ||
	    jget_str(offer, "hostname", P, false, 255, &out->hostname, err) < 0 ||
	    jget_array(offer, "resources", P, false, RES_MAX_ENTRIES * 4, &res, err) < 0 ||
	    jget_array(offer, "attributes", P, false, MESOS_AGENT_MAX_ATTRIBUTES, &attrs, err) <
		    0 ||
	    offer_parse_url(offer, out, err) < 0)
		return -EINVAL;
	out->attributes = attrs;
	if (!out->agent_host)
		out->agent_host = out->hostname;
	if (res && res_parse_json(res, "offer.resources", &out->resources, err->msg,
				  sizeof(err->msg)) < 0)
		return -EINVAL;
	return 0;
}

void mesos_offer_free(struct mesos_offer *o)
{
	res_free(&o->resources);
}

int mesos_agent_info_parse(const json_t *ai, struct mesos_agent_info *out, struct jerr *err)
{
	static const char P[] = "agent_info";
	json_t *res = NULL, *attrs = NULL;
	int64_t port = 0;

	memset(out, 0, sizeof(*out));
	out->json = ai;
	if (!json_is_object(ai))
		return jerr_set(err, P, NULL, "expected an object");
	if (jget_id(ai, "id", P, false, &out->id, err) < 0 ||
	    need(jget_str(ai, "hostname", P, true, 255, &out->hostname, err), err, P,
		 "hostname") ||
	    need(jget_int64(ai, "port", P, true, &port, err), err, P, "port") ||
	    need(jget_array(ai, "resources", P, true, RES_MAX_ENTRIES, &res, err), err, P,
		 "resources") ||
	    jget_array(ai, "attributes", P, false, MESOS_AGENT_MAX_ATTRIBUTES, &attrs, err) < 0)
		return -EINVAL;
	if (port < 1 || port > 65535)
		return jerr_set(err, P, "port", "%lld is not a port", (long long)port);
	out->port = (uint16_t)port;
	out->attributes = attrs;
	if (res_parse_json(res, "agent_info.resources", &out->resources, err->msg,
			   sizeof(err->msg)) < 0)
		return -EINVAL;
	return 0;
}

void mesos_agent_info_free(struct mesos_agent_info *ai)
{
	res_free(&ai->resources);
}
