/*
 * ids — identifiers and encodings: random UUIDs, hex and base64 (standard
 * alphabet, padded, as protobuf-JSON `bytes` use), and the Mesos rules for
 * user-supplied ids.
 */
#ifndef AGORA_CORE_IDS_H
#define AGORA_CORE_IDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UUID_STR_LEN 37 /* 36 chars + NUL */

/* Cryptographically random bytes (OpenSSL RAND_bytes); 0 or -EIO. */
int random_bytes(void *buf, size_t len);
/* Random version-4 UUID as raw 16 bytes and/or text; either may be NULL. */
int uuid_random(uint8_t raw[16], char text[UUID_STR_LEN]);
/* Formats 16 raw bytes as canonical text. */
void uuid_format(const uint8_t raw[16], char text[UUID_STR_LEN]);

/* Lower-case hex; out must hold 2*len+1. */
void hex_encode(const void *data, size_t len, char *out);
/* Random hex string of 2*nbytes chars; out holds 2*nbytes+1. */
int random_hex(size_t nbytes, char *out);

/* Base64 of len bytes; returns malloc'd string. */
char *base64_encode(const void *data, size_t len);
/* Strict base64 decode (padding required); -EINVAL on bad input. *out is malloc'd. */
int base64_decode(const char *text, uint8_t **out, size_t *out_len);

/*
 * Mesos validateID: non-empty, <= 255 chars, not "." or "..", no control
 * characters, no '/' or '\\'. Returns NULL when valid, else the reason.
 */
const char *id_invalid_reason(const char *id);

#endif
