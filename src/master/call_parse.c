/*
 * call_parse — see call_parse.h. Pure functions over one request body;
 * runs on the master's loop, keeps nothing between calls.
 */
#include "master/call_parse.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ids.h"
#include "core/json.h"
#include "core/util.h"

#define MAX_ITEMS 100000

static const char *const type_names[CALL_TYPE_COUNT] = {
	[CALL_UNKNOWN] = "UNKNOWN",
	[CALL_SUBSCRIBE] = "SUBSCRIBE",
	[CALL_TEARDOWN] = "TEARDOWN",
	[CALL_ACCEPT] = "ACCEPT",
	[CALL_DECLINE] = "DECLINE",
	[CALL_ACCEPT_INVERSE_OFFERS] = "ACCEPT_INVERSE_OFFERS",
	[CALL_DECLINE_INVERSE_OFFERS] = "DECLINE_INVERSE_OFFERS",
	[CALL_REVIVE] = "REVIVE",
	[CALL_KILL] = "KILL",
	[CALL_SHUTDOWN] = "SHUTDOWN",
	[CALL_ACKNOWLEDGE] = "ACKNOWLEDGE",
	[CALL_ACKNOWLEDGE_OPERATION_STATUS] = "ACKNOWLEDGE_OPERATION_STATUS",
	[CALL_RECONCILE] = "RECONCILE",
	[CALL_RECONCILE_OPERATIONS] = "RECONCILE_OPERATIONS",
	[CALL_MESSAGE] = "MESSAGE",
	[CALL_REQUEST] = "REQUEST",
	[CALL_SUPPRESS] = "SUPPRESS",
	[CALL_UPDATE_FRAMEWORK] = "UPDATE_FRAMEWORK",
};

const char *call_type_name(enum call_type t)
{
	return t < CALL_TYPE_COUNT ? type_names[t] : "?";
}

static int fail(char *err, size_t errlen, const struct jerr *je)
{
	snprintf(err, errlen, "Failed to validate scheduler::Call: %s", je->msg);
	return -EINVAL;
}

/* An array whose items are all Mesos ids ({"value": "..."}). */
static int check_id_array(const json_t *obj, const char *key, const char *path, bool required,
			  struct jerr *je)
{
	json_t *arr = NULL, *item;
	size_t i;
	char sub[256], ipath[280];
	int r = jget_array(obj, key, path, required, MAX_ITEMS, &arr, je);
	if (r)
		return r < 0 ? r : 0;
	jpath(sub, sizeof(sub), path, key);
	json_array_foreach(arr, i, item) {
		const char *v;
		jpath_index(ipath, sizeof(ipath), sub, i);
		if (!json_is_object(item))
			return jerr_set(je, ipath, NULL, "expected an object");
		if (jget_str(item, "value", ipath, true, 255, &v, je))
			return -EINVAL;
		const char *why = id_invalid_reason(v);
		if (why)
			return jerr_set(je, ipath, "value", "%s", why);
	}
	return 0;
}

static int check_string_array(const json_t *obj, const char *key, const char *path,
			      struct jerr *je)
{
	json_t *arr = NULL, *item;
	size_t i;
	char sub[256];
	int r = jget_array(obj, key, path, false, 1024, &arr, je);
	if (r)
		return r < 0 ? r : 0;
	jpath(sub, sizeof(sub), path, key);
	json_array_foreach(arr, i, item) {
		if (!json_is_string(item) || json_string_length(item) > 255)
			return jerr_set(je, sub, NULL, "item %zu: expected a string (at most 255 bytes)",
					i);
	}
	return 0;
}

static int check_filters(const json_t *obj, const char *path, struct jerr *je)
{
	json_t *filters = NULL;
	double refuse;
	char sub[256];
	int r = jget_obj(obj, "filters", path, false, &filters, je);
	if (r)
		return r < 0 ? r : 0;
	jpath(sub, sizeof(sub), path, "filters");
	r = jget_double(filters, "refuse_seconds", sub, false, &refuse, je);
	if (r < 0)
		return r;
	if (r == 0 && refuse < 0)
		return jerr_set(je, sub, "refuse_seconds", "must not be negative");
	return 0;
}

int call_check_framework_info(const json_t *info, const char *path, char *err, size_t errlen)
{
	struct jerr je;
	const char *s;
	double d;
	bool b;
	json_t *caps = NULL, *item;
	size_t i;

	if (jget_str(info, "user", path, true, 255, &s, &je) ||
	    jget_str(info, "name", path, true, 1024, &s, &je) ||
	    jget_id(info, "id", path, false, &s, &je) < 0 ||
	    jget_double(info, "failover_timeout", path, false, &d, &je) < 0 ||
	    jget_bool(info, "checkpoint", path, false, &b, &je) < 0 ||
	    jget_str(info, "role", path, false, 255, &s, &je) < 0 ||
	    check_string_array(info, "roles", path, &je) < 0 ||
	    jget_str(info, "hostname", path, false, 255, &s, &je) < 0 ||
	    jget_str(info, "principal", path, false, 255, &s, &je) < 0 ||
	    jget_str(info, "webui_url", path, false, 4096, &s, &je) < 0 ||
	    jget_array(info, "capabilities", path, false, 64, &caps, &je) < 0)
		goto bad;
	if (jget_double(info, "failover_timeout", path, false, &d, &je) == 0 &&
	    (d < 0 || d > 1e10)) {
		jerr_set(&je, path, "failover_timeout", "must be between 0 and 1e10 seconds");
		goto bad;
	}
	json_array_foreach(caps, i, item) {
		char ipath[300], cpath[280];
		jpath(cpath, sizeof(cpath), path, "capabilities");
		jpath_index(ipath, sizeof(ipath), cpath, i);
		if (!json_is_object(item) ||
		    (json_object_get(item, "type") && !json_is_string(json_object_get(item, "type")) &&
		     !json_is_null(json_object_get(item, "type")))) {
			jerr_set(&je, ipath, "type", "expected an enum name string");
			goto bad;
		}
	}
	return 0;
bad:
	snprintf(err, errlen, "%s", je.msg);
	return -EINVAL;
}

static int check_subscribe(struct sched_call *c, struct jerr *je)
{
	json_t *info = NULL;
	const char *info_id = NULL;
	char msg[512];

	if (jget_obj(c->payload, "framework_info", "subscribe", true, &info, je))
		return -EINVAL;
	if (call_check_framework_info(info, "subscribe.framework_info", msg, sizeof(msg)) < 0) {
		snprintf(je->msg, sizeof(je->msg), "%s", msg);
		return -EINVAL;
	}
	if (check_string_array(c->payload, "suppressed_roles", "subscribe", je) < 0)
		return -EINVAL;
	jget_id(info, "id", "subscribe.framework_info", false, &info_id, je);
	if ((c->framework_id || info_id) &&
	    (!c->framework_id || !info_id || strcmp(c->framework_id, info_id)))
		return jerr_set(je, NULL, NULL,
				"'framework_id' differs from 'subscribe.framework_info.id'");
	return 0;
}

static int check_operations(const json_t *accept, struct jerr *je)
{
	static const char *const op_types[] = {
		"UNKNOWN",	 "LAUNCH",	  "LAUNCH_GROUP",  "RESERVE",
		"UNRESERVE",	 "CREATE",	  "DESTROY",	   "GROW_VOLUME",
		"SHRINK_VOLUME", "CREATE_DISK", "DESTROY_DISK",
	};
	json_t *ops = NULL, *op;
	size_t i;
	int r = jget_array(accept, "operations", "accept", false, 1024, &ops, je);
	if (r < 0)
		return r;
	json_array_foreach(ops, i, op) {
		char ipath[64];
		int type;
		json_t *launch = NULL, *infos = NULL;
		jpath_index(ipath, sizeof(ipath), "accept.operations", i);
		if (!json_is_object(op))
			return jerr_set(je, ipath, NULL, "expected an object");
		if (jget_enum(op, "type", ipath, true, op_types, ARRAY_LEN(op_types), &type, je))
			return -EINVAL;
		if (type == 1) {
			char lpath[96];
			if (jget_obj(op, "launch", ipath, true, &launch, je))
				return -EINVAL;
			jpath(lpath, sizeof(lpath), ipath, "launch");
			if (jget_array(launch, "task_infos", lpath, true, 10000, &infos, je))
				return -EINVAL;
		}
	}
	return 0;
}

static int check_payload(struct sched_call *c, struct jerr *je)
{
	const char *s;
	json_t *arr = NULL;
	size_t i;
	json_t *item;

	switch (c->type) {
	case CALL_SUBSCRIBE:
		return check_subscribe(c, je);
	case CALL_ACCEPT:
		if (check_id_array(c->payload, "offer_ids", "accept", true, je) < 0 ||
		    check_operations(c->payload, je) < 0 || check_filters(c->payload, "accept", je) < 0)
			return -EINVAL;
		return 0;
	case CALL_DECLINE:
		if (check_id_array(c->payload, "offer_ids", "decline", true, je) < 0 ||
		    check_filters(c->payload, "decline", je) < 0)
			return -EINVAL;
		return 0;
	case CALL_ACCEPT_INVERSE_OFFERS:
	case CALL_DECLINE_INVERSE_OFFERS:
		return check_id_array(c->payload, "inverse_offer_ids", call_type_name(c->type), true,
				      je) < 0 ? -EINVAL : 0;
	case CALL_KILL:
		if (jget_id(c->payload, "task_id", "kill", true, &s, je) ||
		    jget_id(c->payload, "agent_id", "kill", false, &s, je) < 0 ||
		    jget_obj(c->payload, "kill_policy", "kill", false, &arr, je) < 0)
			return -EINVAL;
		return 0;
	case CALL_SHUTDOWN:
		if (jget_id(c->payload, "executor_id", "shutdown", true, &s, je) ||
		    jget_id(c->payload, "agent_id", "shutdown", true, &s, je))
			return -EINVAL;
		return 0;
	case CALL_ACKNOWLEDGE: {
		uint8_t *raw = NULL;
		size_t rawlen = 0;
		if (jget_id(c->payload, "agent_id", "acknowledge", true, &s, je) ||
		    jget_id(c->payload, "task_id", "acknowledge", true, &s, je) ||
		    jget_str(c->payload, "uuid", "acknowledge", true, 64, &s, je))
			return -EINVAL;
		if (base64_decode(s, &raw, &rawlen) < 0 || rawlen != 16) {
			free(raw);
			return jerr_set(je, "acknowledge", "uuid",
					"expected the base64 of a 16-byte UUID, got '%.40s'", s);
		}
		free(raw);
		return 0;
	}
	case CALL_RECONCILE:
		if (jget_array(c->payload, "tasks", "reconcile", false, MAX_ITEMS, &arr, je) < 0)
			return -EINVAL;
		json_array_foreach(arr, i, item) {
			char ipath[64];
			jpath_index(ipath, sizeof(ipath), "reconcile.tasks", i);
			if (jget_id(item, "task_id", ipath, true, &s, je) ||
			    jget_id(item, "agent_id", ipath, false, &s, je) < 0)
				return -EINVAL;
		}
		return 0;
	case CALL_MESSAGE:
		if (jget_id(c->payload, "agent_id", "message", true, &s, je) ||
		    jget_id(c->payload, "executor_id", "message", true, &s, je) ||
		    jget_str(c->payload, "data", "message", true, CALL_MAX_BODY, &s, je))
			return -EINVAL;
		return 0;
	case CALL_REVIVE:
	case CALL_SUPPRESS:
		return check_string_array(c->payload, "roles", call_type_name(c->type), je) < 0
			       ? -EINVAL
			       : 0;
	case CALL_UPDATE_FRAMEWORK: {
		json_t *info = NULL;
		char msg[512];
		if (jget_obj(c->payload, "framework_info", "update_framework", true, &info, je))
			return -EINVAL;
		if (call_check_framework_info(info, "update_framework.framework_info", msg,
					      sizeof(msg)) < 0) {
			snprintf(je->msg, sizeof(je->msg), "%s", msg);
			return -EINVAL;
		}
		if (check_string_array(c->payload, "suppressed_roles", "update_framework", je) < 0)
			return -EINVAL;
		return 0;
	}
	default:
		return 0;
	}
}

/* Calls whose payload object must be present. */
static bool payload_required(enum call_type t)
{
	switch (t) {
	case CALL_SUBSCRIBE:
	case CALL_ACCEPT:
	case CALL_DECLINE:
	case CALL_ACCEPT_INVERSE_OFFERS:
	case CALL_DECLINE_INVERSE_OFFERS:
	case CALL_KILL:
	case CALL_SHUTDOWN:
	case CALL_ACKNOWLEDGE:
	case CALL_ACKNOWLEDGE_OPERATION_STATUS:
	case CALL_RECONCILE:
	case CALL_MESSAGE:
	case CALL_REQUEST:
	case CALL_UPDATE_FRAMEWORK:
		return true;
	default:
		return false;
	}
}

int call_parse(const char *body, size_t len, struct sched_call *out, char *err, size_t errlen)
{
	struct jerr je;
	char key[64];
	int type = 0;
	json_t *payload = NULL;

	memset(out, 0, sizeof(*out));
	if (!body || !len) {
		snprintf(err, errlen, "Failed to parse body into JSON: empty body");
		return -EINVAL;
	}
	out->doc = json_parse_bounded(body, len, CALL_MAX_BODY, "Failed to parse body into JSON", &je);
	if (!out->doc) {
		snprintf(err, errlen, "%s", je.msg);
		return -EINVAL;
	}
	if (!json_is_object(out->doc)) {
		snprintf(err, errlen, "Failed to convert JSON into Call protobuf: expected an object");
		goto bad;
	}
	if (!jget(out->doc, "type")) {
		snprintf(err, errlen, "Failed to validate scheduler::Call: Expecting 'type' to be present");
		goto bad;
	}
	if (jget_enum(out->doc, "type", NULL, true, type_names, CALL_TYPE_COUNT, &type, &je)) {
		snprintf(err, errlen, "Failed to convert JSON into Call protobuf: %s", je.msg);
		goto bad;
	}
	out->type = (enum call_type)type;
	if (out->type == CALL_UNKNOWN) {
		snprintf(err, errlen, "Received an unexpected 'UNKNOWN' call");
		call_free(out);
		return -ENOTSUP;
	}
	if (jget_id(out->doc, "framework_id", NULL, false, &out->framework_id, &je) < 0) {
		fail(err, errlen, &je);
		goto bad;
	}
	if (out->type != CALL_SUBSCRIBE && !out->framework_id) {
		snprintf(err, errlen,
			 "Failed to validate scheduler::Call: Expecting 'framework_id' to be present");
		goto bad;
	}
	str_copy(key, call_type_name(out->type), sizeof(key));
	for (char *p = key; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	if (jget_obj(out->doc, key, NULL, false, &payload, &je) < 0) {
		fail(err, errlen, &je);
		goto bad;
	}
	if (!payload && payload_required(out->type)) {
		snprintf(err, errlen, "Failed to validate scheduler::Call: Expecting '%s' to be present",
			 key);
		goto bad;
	}
	out->payload = payload;
	if (check_payload(out, &je) < 0) {
		fail(err, errlen, &je);
		goto bad;
	}
	return 0;
bad:
	call_free(out);
	return -EINVAL;
}

void call_free(struct sched_call *c)
{
	json_decref(c->doc);
	memset(c, 0, sizeof(*c));
}
