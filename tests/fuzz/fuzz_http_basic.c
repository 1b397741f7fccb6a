/* libFuzzer target: the Authorization: Basic header parser every authenticated endpoint uses. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *header = malloc(size + 1), user[64], pass[64];
	memcpy(header, data, size);
	header[size] = '\0';
	if (http_basic_parse(header, user, sizeof(user), pass, sizeof(pass)) == 0) {
		/* a parsed pair fits its buffers and has no ':' in the user */
		if (strlen(user) >= sizeof(user) || strlen(pass) >= sizeof(pass) || strchr(user, ':'))
			__builtin_trap();
	}
	free(header);
	return 0;
}
