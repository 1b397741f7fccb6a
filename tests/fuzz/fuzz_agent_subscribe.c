/* libFuzzer target: the master's parser of an agent's subscription body (pre-authentication input). */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "master/agent_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	struct agent_sub sub;
	struct jerr err;

	if (!body)
		return 0;
	if (agent_subscribe_parse(body, &sub, &err) == 0) {
		if (!sub.info.hostname || sub.info.port < 1)
			__builtin_trap();
	} else if (!err.msg[0]) {
		__builtin_trap();
	}
	mesos_agent_info_free(&sub.info); /* safe after an error too */
	json_decref(body);
	return 0;
}
