/*
 * master_events — the events the master sends an agent on its subscribe
 * stream (docs/agent-protocol.md), parsed once, strictly and bounded, into
 * C types (master_events.c, fuzzed by fuzz_agent_events). master_link.c
 * and tasks.c read these types and never the event's JSON.
 */
#ifndef AGORA_AGENT_MASTER_EVENTS_H
#define AGORA_AGENT_MASTER_EVENTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/json.h"

#define MEVENT_MAX (16u << 20) /* one event record */

enum mevent_type {
	MEVENT_UNKNOWN = 0, /* a type this agent does not handle (type_name says which) */
	MEVENT_SUBSCRIBED,
	MEVENT_HEARTBEAT,
	MEVENT_LAUNCH,
	MEVENT_KILL,
	MEVENT_ACKNOWLEDGE,
	MEVENT_SHUTDOWN_FRAMEWORK,
};

struct mevent_subscribed {
	const char *agent_id, *session;
	const char *master_id;	/* "" when absent */
	double ping_interval;	/* seconds, 5 when absent */
	double heartbeat_interval;
	bool reregistered;
};

struct mevent_launch {
	const json_t *framework_info; /* FrameworkInfo (with id) */
	const json_t *task;	      /* TaskInfo, parsed by core/task_spec.c */
	const char *framework_id, *task_id;
	const char *user; /* the user the master resolved, NULL from an older master */
};

struct mevent_kill {
	const char *framework_id, *task_id;
	bool has_grace;
	double grace; /* seconds, from kill_policy.grace_period */
};

struct mevent_acknowledge {
	const char *framework_id, *task_id, *uuid;
};

/* One event; strings point into json, which the event owns. */
struct mevent {
	enum mevent_type type;
	const char *type_name;
	json_t *json;
	union {
		struct mevent_subscribed subscribed;
		struct mevent_launch launch;
		struct mevent_kill kill;
		struct mevent_acknowledge acknowledge;
		const char *shutdown_framework_id;
	} u;
};

/*
 * Parses one record of the event stream. 0 with *out filled (mevent_free
 * it), or -EINVAL with err naming the field ("launch.task.task_id: ...").
 * An unknown type is not an error (MEVENT_UNKNOWN).
 */
int mevent_parse(const char *data, size_t len, struct mevent *out, struct jerr *err);
void mevent_free(struct mevent *ev);

#endif
