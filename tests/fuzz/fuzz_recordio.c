/* libFuzzer target: the RecordIO reader, fed the input in two pieces at a data-chosen split. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/recordio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct recordio_reader r;
	const char *rec;
	size_t len, split;

	if (size < 1)
		return 0;
	split = data[0] % size;
	recordio_init(&r, 4096);
	if (recordio_feed(&r, (const char *)data + 1, split > 0 ? split - 1 : 0) == 0)
		while (recordio_next(&r, &rec, &len) == 1)
			if (len == 0 || len > 4096)
				__builtin_trap();
	if (recordio_feed(&r, (const char *)data + (split > 0 ? split : 1),
			  size - (split > 0 ? split : 1)) == 0)
		while (recordio_next(&r, &rec, &len) == 1)
			if (len == 0 || len > 4096)
				__builtin_trap();
	recordio_free(&r);
	return 0;
}
