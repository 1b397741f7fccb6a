/*
 * libFuzzer target: the agent's checkpoint readers — task.updates replay
 * (status_replay_text), exit_status (sup_parse_exit) and task.info with its
 * launch and container objects (supervisor_proto.c) — which read files a
 * crash may have torn. The first byte picks the reader.
 */
#include <event2/event.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "agent/launcher.h"
#include "agent/status_updates.h"
#include "agent/supervisor_proto.h"
#include "agent/tasks.h"
#include "core/json.h"
#include "core/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct agent agent;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct exit_report e;
	struct task_outcome o;
	struct atask *t;
	char err[256];
	size_t valid = 0;

	if (size < 1)
		return 0;
	if (!agent.base) {
		agent.base = event_base_new();
		log_set_level(LOG_LEVEL_ERROR);
	}
	if (data[0] & 4) {
		struct jerr jerr;
		json_t *info = json_parse_bounded((const char *)data + 1, size - 1, TASK_INFO_MAX,
						  "task.info", &jerr);
		struct sup_checkpoint c;
		struct launch_spec l;
		struct sup_container *ctr = calloc(1, sizeof(*ctr));

		memset(&l, 0, sizeof(l));

		if (info && sup_checkpoint_parse(info, &c, &jerr) == 0 && (!c.task || !c.user))
			__builtin_trap();
		if (info && !sup_launch_parse(info, &l) && (!l.argv || !l.argv[0] || !l.exec_file))
			__builtin_trap();
		sup_launch_free(&l);
		if (info && sup_container_parse(jget(jget(info, "launch"), "container"), ctr, err,
						sizeof(err)) == 0 &&
		    (ctr->ndevices > SUP_MAX_DEVICES || ctr->ngpus > SUP_MAX_GPUS))
			__builtin_trap();
		free(ctr);
		json_decref(info);
		return 0;
	}
	if (data[0] & 1) {
		if (sup_parse_exit((const char *)data + 1, size - 1, &e) == 0) {
			launcher_exit_outcome(&e, data[0] & 2, NULL, &o);
			if (!mesos_task_state_terminal(o.state) || strlen(o.message) >= sizeof(o.message))
				__builtin_trap();
		}
		return 0;
	}
	t = atask_alloc(&agent, "fw", "t");
	if (status_replay_text(t, (const char *)data + 1, size - 1, &valid, err, sizeof(err)) == 0 &&
	    valid > size - 1)
		__builtin_trap();
	if (t->queued && !t->head)
		__builtin_trap();
	atask_free(t);
	return 0;
}
