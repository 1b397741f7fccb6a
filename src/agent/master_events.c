/*
 * agent/master_events — the parser of the master's events to an agent
 * (master_events.h). Pure, no I/O; runs on the agent's event loop, called
 * by master_link.c for each record of the subscribe stream. Fuzzed by
 * tests/fuzz/fuzz_agent_events.c.
 *
 * Ids come as Mesos id objects ({"value": "..."}) or, from older masters,
 * as bare strings; both are checked as ids (core/ids.h). Everything else
 * follows core/json.h: a wrong type is an error naming the field, unknown
 * keys are ignored.
 *
 * Invariant: on success every pointer in the event points into ev->json.
 */
#include <errno.h>
#include <string.h>

#include "agent/master_events.h"
#include "core/ids.h"

/* An id as {"value": "..."} or a bare string. */
static int get_id(const json_t *o, const char *key, const char *path, const char **out,
		  struct jerr *err)
{
	json_t *v = jget(o, key);
	const char *why;

	if (json_is_object(v))
		return jget_id(o, key, path, true, out, err);
	if (!v)
		return jerr_set(err, path, key, "required field is missing");
	if (!json_is_string(v) || json_string_length(v) > 255)
		return jerr_set(err, path, key, "expected an id");
	why = id_invalid_reason(json_string_value(v));
	if (why)
		return jerr_set(err, path, key, "%s", why);
	*out = json_string_value(v);
	return 0;
}

static int parse_subscribed(const json_t *p, struct mevent_subscribed *s, struct jerr *err)
{
	json_t *mi = NULL;

	s->ping_interval = 5;
	s->heartbeat_interval = 5;
	s->master_id = "";
	if (jget_id(p, "agent_id", "subscribed", true, &s->agent_id, err) ||
	    jget_str(p, "session", "subscribed", true, 64, &s->session, err) ||
	    jget_double(p, "ping_interval_seconds", "subscribed", false, &s->ping_interval, err) <
		    0 ||
	    jget_double(p, "heartbeat_interval_seconds", "subscribed", false,
			&s->heartbeat_interval, err) < 0 ||
	    jget_bool(p, "reregistered", "subscribed", false, &s->reregistered, err) < 0 ||
	    jget_obj(p, "master_info", "subscribed", false, &mi, err) < 0 ||
	    jget_str(mi, "id", "subscribed.master_info", false, 63, &s->master_id, err) < 0)
		return -EINVAL;
	if (!(s->ping_interval >= 0.05))
		s->ping_interval = 0.05;
	if (!(s->heartbeat_interval >= 0.05))
		s->heartbeat_interval = 0.05;
	return 0;
}

static int parse_launch(const json_t *p, struct mevent_launch *l, struct jerr *err)
{
	json_t *fi = NULL, *ti = NULL;

	if (jget_obj(p, "framework_info", "launch", true, &fi, err) ||
	    jget_id(fi, "id", "launch.framework_info", true, &l->framework_id, err) ||
	    jget_obj(p, "task", "launch", true, &ti, err) ||
	    jget_id(ti, "task_id", "launch.task", true, &l->task_id, err) ||
	    jget_str(p, "user", "launch", false, 255, &l->user, err) < 0)
		return -EINVAL;
	l->framework_info = fi;
	l->task = ti;
	return 0;
}

static int parse_kill(const json_t *p, struct mevent_kill *k, struct jerr *err)
{
	json_t *kp = NULL, *gp = NULL;
	int64_t ns = 0;
	int r;

	if (get_id(p, "framework_id", "kill", &k->framework_id, err) ||
	    get_id(p, "task_id", "kill", &k->task_id, err) ||
	    jget_obj(p, "kill_policy", "kill", false, &kp, err) < 0 ||
	    jget_obj(kp, "grace_period", "kill.kill_policy", false, &gp, err) < 0)
		return -EINVAL;
	r = jget_int64(gp, "nanoseconds", "kill.kill_policy.grace_period", false, &ns, err);
	if (r < 0)
		return r;
	k->has_grace = r == 0;
	k->grace = ns < 0 ? 0 : (double)ns / 1e9;
	return 0;
}

static int parse_acknowledge(const json_t *p, struct mevent_acknowledge *a, struct jerr *err)
{
	if (get_id(p, "framework_id", "acknowledge", &a->framework_id, err) ||
	    get_id(p, "task_id", "acknowledge", &a->task_id, err) ||
	    jget_str(p, "uuid", "acknowledge", true, 64, &a->uuid, err))
		return -EINVAL;
	return 0;
}

/* The payload of an event: ev[<type in lower case>], or ev itself (older masters). */
static const json_t *payload_of(const json_t *ev, const char *type)
{
	char key[64];
	size_t i;
	json_t *p;

	for (i = 0; type[i] && i < sizeof(key) - 1; i++)
		key[i] = (char)(type[i] >= 'A' && type[i] <= 'Z' ? type[i] + 32 : type[i]);
	key[i] = '\0';
	p = jget(ev, key);
	return json_is_object(p) ? p : ev;
}

int mevent_parse(const char *data, size_t len, struct mevent *out, struct jerr *err)
{
	static const struct {
		const char *name;
		enum mevent_type type;
	} types[] = {
		{ "SUBSCRIBED", MEVENT_SUBSCRIBED },
		{ "HEARTBEAT", MEVENT_HEARTBEAT },
		{ "LAUNCH", MEVENT_LAUNCH },
		{ "KILL", MEVENT_KILL },
		{ "ACKNOWLEDGE", MEVENT_ACKNOWLEDGE },
		{ "SHUTDOWN_FRAMEWORK", MEVENT_SHUTDOWN_FRAMEWORK },
	};
	const json_t *p;
	int r = 0;

	memset(out, 0, sizeof(*out));
	out->json = json_parse_bounded(data, len, MEVENT_MAX, "event", err);
	if (!out->json)
		return -EINVAL;
	if (!json_is_object(out->json))
		return jerr_set(err, "event", NULL, "expected an object");
	if (jget_str(out->json, "type", "event", true, 64, &out->type_name, err))
		return -EINVAL;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(out->type_name, types[i].name))
			out->type = types[i].type;
	p = payload_of(out->json, out->type_name);
	switch (out->type) {
	case MEVENT_SUBSCRIBED:
		r = parse_subscribed(jget(out->json, "subscribed"), &out->u.subscribed, err);
		break;
	case MEVENT_LAUNCH:
		r = parse_launch(p, &out->u.launch, err);
		break;
	case MEVENT_KILL:
		r = parse_kill(p, &out->u.kill, err);
		break;
	case MEVENT_ACKNOWLEDGE:
		r = parse_acknowledge(p, &out->u.acknowledge, err);
		break;
	case MEVENT_SHUTDOWN_FRAMEWORK:
		r = get_id(p, "framework_id", "shutdown_framework", &out->u.shutdown_framework_id,
			   err);
		break;
	default:
		break;
	}
	return r < 0 ? -EINVAL : 0;
}

void mevent_free(struct mevent *ev)
{
	json_decref(ev->json);
	ev->json = NULL;
}
