/*
 * libFuzzer target: every parser of core/mesos.h on the same JSON value —
 * TaskStatus, FrameworkInfo, Offer and AgentInfo. Each must either accept
 * with its required fields set, or refuse with a message; nothing leaks.
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/mesos.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	struct jerr err;
	struct mesos_task_status st;
	struct mesos_framework_info fi;
	struct mesos_offer off;
	struct mesos_agent_info ai;

	if (!j)
		return 0;
	err.msg[0] = 0;
	if (mesos_task_status_parse(j, &st, &err) == 0) {
		if (!st.task_id || !mesos_task_state_name(st.state))
			__builtin_trap();
	} else if (!err.msg[0]) {
		__builtin_trap();
	}
	err.msg[0] = 0;
	if (mesos_framework_info_parse(j, &fi, &err) == 0) {
		if (!fi.role || !fi.user || !fi.name || !fi.hostname)
			__builtin_trap();
	} else if (!err.msg[0]) {
		__builtin_trap();
	}
	err.msg[0] = 0;
	if (mesos_offer_parse(j, &off, &err) == 0) {
		if (!off.id || !off.agent_id)
			__builtin_trap();
	} else if (!err.msg[0]) {
		__builtin_trap();
	}
	mesos_offer_free(&off);
	err.msg[0] = 0;
	if (mesos_agent_info_parse(j, &ai, &err) == 0) {
		if (!ai.hostname || ai.port == 0)
			__builtin_trap();
	} else if (!err.msg[0]) {
		__builtin_trap();
	}
	mesos_agent_info_free(&ai);
	json_decref(j);
	return 0;
}
