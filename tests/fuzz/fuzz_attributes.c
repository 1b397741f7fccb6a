/* libFuzzer target: the --attributes parser and the summary of what parsed. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/attributes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), err[256] = "";
	json_t *attrs = NULL;

	memcpy(text, data, size);
	text[size] = '\0';
	if (attributes_parse(text, &attrs, err, sizeof(err)) < 0) {
		if (!err[0])
			__builtin_trap();
	} else {
		json_t *summary = attributes_summary(attrs);
		if (json_array_size(attrs) > ATTRIBUTES_MAX || !summary)
			__builtin_trap();
		json_decref(summary);
		json_decref(attrs);
	}
	free(text);
	return 0;
}
