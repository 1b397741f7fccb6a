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
	struct resources res = RESOURCES_EMPTY;
	const char *user = NULL, *id = NULL;
	char msg[1024];

	if (!info)
		return 0;
	if (task_info_check(info, "a-S0", "nobody", &res, &user, &id, msg, sizeof(msg)) == 0) {
		if (!user || !*user || !id || res_empty(&res))
			__builtin_trap();
	} else if (!msg[0]) {
		__builtin_trap();
	}
	res_free(&res);
	json_decref(info);
	return 0;
}
