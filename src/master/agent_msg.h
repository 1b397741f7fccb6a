/*
 * master/agent_msg — the strict parser of an agent's subscription body
 * (docs/agent-protocol.md): agent_info, the optional auth proof, and the
 * tasks it reports when re-registering. It runs before the agent has
 * proved anything, so it is bounded and fuzzed (fuzz_agent_subscribe).
 * The AgentInfo itself is core's (mesos_agent_info_parse, core/mesos.h).
 */
#ifndef AGORA_MASTER_AGENT_MSG_H
#define AGORA_MASTER_AGENT_MSG_H

#include <jansson.h>
#include <stdint.h>

#include "core/json.h"
#include "core/mesos.h"

#define AGENT_MAX_REPORTED_TASKS 1000000

struct agent_sub {
	struct mesos_agent_info info; /* resources owned: mesos_agent_info_free() */
	json_t *auth;		      /* borrowed, or NULL */
	json_t *tasks;		      /* borrowed, or NULL; every item checked */
};

/*
 * 0, or -EINVAL with err naming the field. On error nothing is owned;
 * mesos_agent_info_free(&out->info) is safe in both cases.
 */
int agent_subscribe_parse(const json_t *body, struct agent_sub *out, struct jerr *err);

#endif
