/*
 * call_parse — the strict parser of v1 scheduler Call JSON (the body of
 * POST /api/v1/scheduler). It checks the envelope and each call's required
 * fields the way Mesos' JSON→protobuf conversion and call validation do,
 * and names the field in its error. Semantic checks that Mesos reports
 * asynchronously (TaskInfo contents → TASK_ERROR) are left to tasks.c.
 */
#ifndef AGORA_MASTER_CALL_PARSE_H
#define AGORA_MASTER_CALL_PARSE_H

#include <jansson.h>
#include <stddef.h>

enum call_type {
	CALL_UNKNOWN = 0,
	CALL_SUBSCRIBE,
	CALL_TEARDOWN,
	CALL_ACCEPT,
	CALL_DECLINE,
	CALL_ACCEPT_INVERSE_OFFERS,
	CALL_DECLINE_INVERSE_OFFERS,
	CALL_REVIVE,
	CALL_KILL,
	CALL_SHUTDOWN,
	CALL_ACKNOWLEDGE,
	CALL_ACKNOWLEDGE_OPERATION_STATUS,
	CALL_RECONCILE,
	CALL_RECONCILE_OPERATIONS,
	CALL_MESSAGE,
	CALL_REQUEST,
	CALL_SUPPRESS,
	CALL_UPDATE_FRAMEWORK,
	CALL_TYPE_COUNT
};

#define CALL_MAX_BODY (16u << 20)

struct sched_call {
	json_t *doc;		  /* owned */
	enum call_type type;
	const char *framework_id; /* top-level framework_id.value, or NULL */
	json_t *payload;	  /* the call's payload object, or NULL */
};

/*
 * Parses body[0..len). Returns 0, or -EINVAL with err naming the problem
 * (the text Mesos would put in its 400 body), or -ENOTSUP for type UNKNOWN
 * (Mesos answers 501).
 */
int call_parse(const char *body, size_t len, struct sched_call *out, char *err, size_t errlen);
void call_free(struct sched_call *c);
const char *call_type_name(enum call_type t);

/* FrameworkInfo checks shared by SUBSCRIBE and UPDATE_FRAMEWORK. */
int call_check_framework_info(const json_t *info, const char *path, char *err, size_t errlen);

#endif
