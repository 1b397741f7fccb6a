/*
 * supervisor — the per-task supervisor process (supervisor.c). Entered in
 * the spawner's child; never returns. supervisor_proto.h is its contract
 * with the agent.
 */
#ifndef AGORA_AGENT_SUPERVISOR_H
#define AGORA_AGENT_SUPERVISOR_H

#include <jansson.h>

#include "agent/supervisor_proto.h"

/*
 * info is the parsed task.info, cg the agent's cgroups (NULL when off).
 * Creates the sandbox (and runs/latest), pids/forked.pid, then supervises.
 */
void supervisor_run(json_t *info, const struct cg_system *cg) __attribute__((noreturn));
void supervisor_main(const struct launch_spec *spec) __attribute__((noreturn));

#endif
