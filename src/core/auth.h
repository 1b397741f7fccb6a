/*
 * auth — the agent↔master challenge-response.
 *
 * The agent proves it knows the secret of its principal without sending
 * it: the master hands out a single-use random nonce, the agent answers
 * with HMAC-SHA256(secret, "agora-agent-v1\n" principal "\n" nonce) in hex,
 * the master recomputes and compares in constant time.
 *
 * This file holds the pure functions. The master's nonces are stateless
 * (auth_nonce_issue/auth_nonce_check): a MAC under a per-process key over
 * principal, issue time and random bytes, so handing one out costs no
 * memory; the master keeps only a small replay cache of nonces that were
 * used by principals that proved their secret.
 */
#ifndef AGORA_CORE_AUTH_H
#define AGORA_CORE_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AUTH_NONCE_BYTES 32
#define AUTH_NONCE_HEX (2 * AUTH_NONCE_BYTES + 1)
#define AUTH_MAC_HEX 65 /* 64 hex chars + NUL */
#define AUTH_NONCE_KEY_BYTES 32

/* Fresh random nonce as hex; 0 or -EIO. */
int auth_nonce_new(char out[AUTH_NONCE_HEX]);
/*
 * A stateless nonce for principal, issued at now_ms (any clock the checker
 * shares), as 64 lower-case hex characters. 0, -EINVAL (principal holds
 * '\n') or -EIO.
 */
int auth_nonce_issue(const unsigned char key[AUTH_NONCE_KEY_BYTES], const char *principal,
		     uint64_t now_ms, char out[AUTH_NONCE_HEX]);
/*
 * 0 when nonce was issued under key for this principal at most ttl_ms
 * before now_ms (and not after it); -ETIMEDOUT when it is older (or from
 * the future); -EINVAL for anything else (malformed, another key or
 * principal). Constant time in the nonce's content.
 */
int auth_nonce_check(const unsigned char key[AUTH_NONCE_KEY_BYTES], const char *principal,
		     const char *nonce, uint64_t now_ms, uint64_t ttl_ms);
/* The MAC for (secret, principal, nonce) as lower-case hex. */
void auth_mac(const char *secret, const char *principal, const char *nonce,
	      char out[AUTH_MAC_HEX]);
/* Recomputes and compares in constant time; false on any malformed input. */
bool auth_mac_verify(const char *secret, const char *principal, const char *nonce,
		     const char *mac_hex);
/* Constant-time string equality (length leaks, content does not). */
bool auth_streq(const char *a, const char *b);

#endif
