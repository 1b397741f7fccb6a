/*
 * mesos — the Mesos protocol's objects as C types, shared by every role
 * (master, agent, framework library, jobs, cli). docs/task-protocol.md
 * describes the contract in words.
 *
 * TaskState: one enum with Mesos' protobuf numbers (mesos.proto,
 * TaskState), its JSON names and which states are terminal. Nothing
 * outside core/mesos.c compares a "TASK_..." string by hand.
 *
 * TaskStatus: parsed once by mesos_task_status_parse() (strict, bounded,
 * fuzzed through fuzz_sched_events); every reader uses the struct.
 *
 * FrameworkInfo: the fields a role reads after the master accepted it
 * (mesos_framework_info_parse, fuzzed through fuzz_agent_events).
 *
 * Offer: what a framework reads from an OFFERS event (mesos_offer_parse:
 * the framework library, jobs and `agora execute`).
 *
 * AgentInfo: what the master reads from an agent's subscription
 * (mesos_agent_info_parse; master/agent_msg.c).
 *
 * Every parser here is also fuzzed directly by fuzz_mesos.
 */
#ifndef AGORA_CORE_MESOS_H
#define AGORA_CORE_MESOS_H

#include <jansson.h>
#include <stdbool.h>

#include "core/json.h"
#include "core/resources.h"

/* TaskState, numbered as in mesos.proto (the JSON form is the name). */
enum mesos_task_state {
	TASK_STARTING = 0,
	TASK_RUNNING = 1,
	TASK_FINISHED = 2,
	TASK_FAILED = 3,
	TASK_KILLED = 4,
	TASK_LOST = 5,
	TASK_STAGING = 6,
	TASK_ERROR = 7,
	TASK_KILLING = 8,
	TASK_DROPPED = 9,
	TASK_UNREACHABLE = 10,
	TASK_GONE = 11,
	TASK_GONE_BY_OPERATOR = 12,
	TASK_UNKNOWN = 13,
};
#define MESOS_TASK_STATE_COUNT 14

/* "TASK_RUNNING" etc.; "TASK_UNKNOWN" for a number out of range. Static string. */
const char *mesos_task_state_name(enum mesos_task_state s);
/* The state named name (exact, case-sensitive); -1 when name is NULL or unknown. */
int mesos_task_state_parse(const char *name);
/*
 * Terminal: the task will never run again (FINISHED, FAILED, KILLED, LOST,
 * ERROR, DROPPED, GONE, GONE_BY_OPERATOR). UNREACHABLE and UNKNOWN are not:
 * the task may come back.
 */
bool mesos_task_state_terminal(enum mesos_task_state s);
/* The task is, or may still be, live: STAGING, STARTING, RUNNING or KILLING. */
bool mesos_task_state_live(enum mesos_task_state s);

#define MESOS_STATUS_MESSAGE_MAX (64u << 10) /* TaskStatus.message kept */

/* A TaskStatus, parsed; the strings point into json (valid while it lives). */
struct mesos_task_status {
	const char *task_id;	   /* required */
	enum mesos_task_state state; /* required, a known name */
	const char *agent_id;	   /* NULL when absent */
	const char *executor_id;   /* NULL when absent */
	const char *source;	   /* "SOURCE_EXECUTOR", ... or NULL */
	const char *reason;	   /* "REASON_...", or NULL */
	const char *message;	   /* or NULL */
	const char *uuid;	   /* base64; NULL (also when "") = nothing to acknowledge */
	double timestamp;	   /* 0 when absent */
	const json_t *json;	   /* the whole TaskStatus object */
};

/* 0, or -EINVAL with err naming the field ("status.state: ..."). */
int mesos_task_status_parse(const json_t *status, struct mesos_task_status *out,
			    struct jerr *err);

/* A FrameworkInfo, parsed; the strings point into json. */
struct mesos_framework_info {
	const char *id;	       /* NULL when absent */
	const char *name;      /* "" when absent */
	const char *user;      /* "" when absent */
	const char *hostname;  /* "" when absent */
	const char *principal; /* NULL when absent */
	const char *role;      /* "role", else roles[0], else "*" */
	const json_t *roles;   /* the "roles" array, or NULL */
	double failover_timeout; /* seconds, 0 when absent */
	bool checkpoint;
	const json_t *json;
};

/* 0, or -EINVAL with err naming the field ("framework_info.user: ..."). */
int mesos_framework_info_parse(const json_t *fi, struct mesos_framework_info *out,
			       struct jerr *err);

/*
 * An Offer, parsed. The strings and json point into the offer (valid
 * while it lives); resources is owned (mesos_offer_free). agent_host and
 * agent_port come from offer.url.address (ip, else hostname, else the
 * offer's hostname; port 0 when the offer has no url).
 */
struct mesos_offer {
	const char *id;		  /* required */
	const char *agent_id;	  /* required */
	const char *framework_id; /* NULL when absent */
	const char *hostname;	  /* NULL when absent */
	const char *agent_host;	  /* NULL when neither url nor hostname */
	uint16_t agent_port;	  /* 0 when unknown */
	struct resources resources; /* parsed offer.resources, owned */
	const json_t *attributes;   /* the "attributes" array, or NULL */
	const json_t *json;	    /* the whole Offer object */
};

/*
 * 0, or -EINVAL with err naming the field ("offer.agent_id: ..."). Call
 * mesos_offer_free() in both cases (it is safe on a failed parse).
 */
int mesos_offer_parse(const json_t *offer, struct mesos_offer *out, struct jerr *err);
void mesos_offer_free(struct mesos_offer *o);

#define MESOS_AGENT_MAX_ATTRIBUTES 256

/*
 * An AgentInfo as an agent reports itself, parsed. Strings and attributes
 * point into json; resources is owned (mesos_agent_info_free).
 */
struct mesos_agent_info {
	const char *id;		    /* NULL on a first registration */
	const char *hostname;	    /* required */
	uint16_t port;		    /* required, 1..65535 */
	struct resources resources; /* required (may be empty), owned */
	const json_t *attributes;   /* the "attributes" array, or NULL */
	const json_t *json;
};

/*
 * 0, or -EINVAL with err naming the field ("agent_info.port: ..."). On
 * error nothing is owned; mesos_agent_info_free() is safe in both cases.
 */
int mesos_agent_info_parse(const json_t *ai, struct mesos_agent_info *out, struct jerr *err);
void mesos_agent_info_free(struct mesos_agent_info *ai);

#endif
