/*
 * libFuzzer target: the master's check of a stateless agent nonce
 * (auth_nonce_check), whose principal and nonce come from an unauthenticated
 * POST /agent/subscribe. Input: principal '\0' nonce. A nonce the fuzzer
 * makes up must never verify; a freshly issued one always does.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char key[AUTH_NONCE_KEY_BYTES] = { 1, 2, 3 };
	char *text = malloc(size + 2), *nonce, good[AUTH_NONCE_HEX];

	memcpy(text, data, size);
	text[size] = '\0';
	text[size + 1] = '\0';
	nonce = text + strlen(text) + 1;
	if (nonce > text + size)
		nonce = text + size;
	/* only a nonce the key made can verify: a made-up one would be a forgery */
	if (auth_nonce_check(key, text, nonce, 1000000, 30000) == 0)
		__builtin_trap();
	if (auth_nonce_issue(key, text, 1000000, good) == 0 &&
	    auth_nonce_check(key, text, good, 1000000, 30000) != 0)
		__builtin_trap();
	free(text);
	return 0;
}
