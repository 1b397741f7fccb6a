/* libFuzzer target: the v1 scheduler Call parser (body of POST /api/v1/scheduler). */
#include <stddef.h>
#include <stdint.h>

#include "master/call_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sched_call c;
	char err[512];
	if (call_parse((const char *)data, size, &c, err, sizeof(err)) == 0) {
		if (c.type == CALL_UNKNOWN || c.type >= CALL_TYPE_COUNT)
			__builtin_trap();
		if (c.type != CALL_SUBSCRIBE && !c.framework_id)
			__builtin_trap();
		call_free(&c);
	} else if (!err[0]) {
		__builtin_trap();
	}
	return 0;
}
