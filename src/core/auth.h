/*
 * auth — the agent↔master challenge-response.
 *
 * The agent proves it knows the secret of its principal without sending
 * it: the master hands out a single-use random nonce, the agent answers
 * with HMAC-SHA256(secret, "agora-agent-v1\n" principal "\n" nonce) in hex,
 * the master recomputes and compares in constant time.
 *
 * This file holds the pure functions; the master keeps its nonce table
 * (single use, short expiry) in its own state.
 */
#ifndef AGORA_CORE_AUTH_H
#define AGORA_CORE_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#define AUTH_NONCE_BYTES 32
#define AUTH_NONCE_HEX (2 * AUTH_NONCE_BYTES + 1)
#define AUTH_MAC_HEX 65 /* 64 hex chars + NUL */

/* Fresh random nonce as hex; 0 or -EIO. */
int auth_nonce_new(char out[AUTH_NONCE_HEX]);
/* The MAC for (secret, principal, nonce) as lower-case hex. */
void auth_mac(const char *secret, const char *principal, const char *nonce,
	      char out[AUTH_MAC_HEX]);
/* Recomputes and compares in constant time; false on any malformed input. */
bool auth_mac_verify(const char *secret, const char *principal, const char *nonce,
		     const char *mac_hex);
/* Constant-time string equality (length leaks, content does not). */
bool auth_streq(const char *a, const char *b);

#endif
