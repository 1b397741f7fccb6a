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
		if (!sub.hostname || sub.port < 1 || sub.port > 65535)
			__builtin_trap();
		res_free(&sub.resources);
	} else if (!err.msg[0]) {
		__builtin_trap();
	}
	json_decref(body);
	return 0;
}
