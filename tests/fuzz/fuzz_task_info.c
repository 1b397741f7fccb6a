/* libFuzzer target: the master's TaskInfo check (what frameworks send in ACCEPT/LAUNCH). */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/resources.h"
#include "master/task_info.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *info = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	struct task_spec spec;
	char msg[1024];

	if (!info)
		return 0;
	msg[0] = '\0';
	if (task_info_check(info, "a-S0", "nobody", &spec, msg, sizeof(msg)) == 0) {
		if (!spec.user[0] || !spec.id || res_empty(&spec.resources))
			__builtin_trap();
	} else if (!msg[0]) {
		__builtin_trap();
	}
	task_spec_free(&spec);
	json_decref(info);
	return 0;
}
