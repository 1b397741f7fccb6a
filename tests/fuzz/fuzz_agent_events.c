/*
 * libFuzzer target: agent/master_events, the agent's parser of the
 * master's events (one RecordIO record of the subscribe stream), and
 * core/mesos' FrameworkInfo parser on what a LAUNCH carries. Checks that
 * an error names something and that a parsed event has what its type
 * promises.
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "agent/master_events.h"
#include "core/mesos.h"
#include "core/task_spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mevent ev;
	struct jerr err;

	err.msg[0] = '\0';
	if (mevent_parse((const char *)data, size, &ev, &err) < 0) {
		if (!err.msg[0])
			__builtin_trap();
		mevent_free(&ev);
		return 0;
	}
	switch (ev.type) {
	case MEVENT_SUBSCRIBED:
		if (!ev.u.subscribed.agent_id || !ev.u.subscribed.session ||
		    !(ev.u.subscribed.ping_interval >= 0.05))
			__builtin_trap();
		break;
	case MEVENT_LAUNCH: {
		struct mesos_framework_info fi;
		struct task_spec spec;
		if (!ev.u.launch.framework_id || !ev.u.launch.task_id || !ev.u.launch.task)
			__builtin_trap();
		if (mesos_framework_info_parse(ev.u.launch.framework_info, &fi, &err) == 0 &&
		    (!fi.role || !fi.user))
			__builtin_trap();
		task_spec_parse(ev.u.launch.task, fi.user, &spec, &err);
		task_spec_free(&spec);
		break;
	}
	case MEVENT_KILL:
		if (!ev.u.kill.framework_id || !ev.u.kill.task_id || ev.u.kill.grace < 0)
			__builtin_trap();
		break;
	case MEVENT_ACKNOWLEDGE:
		if (!ev.u.acknowledge.uuid)
			__builtin_trap();
		break;
	case MEVENT_SHUTDOWN_FRAMEWORK:
		if (!ev.u.shutdown_framework_id)
			__builtin_trap();
		break;
	default:
		if (!ev.type_name)
			__builtin_trap();
		break;
	}
	mevent_free(&ev);
	return 0;
}
