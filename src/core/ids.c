/*
 * ids — see ids.h. Randomness comes from OpenSSL's CSPRNG only.
 */
#include "core/ids.h"

#include <errno.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "core/util.h"

int random_bytes(void *buf, size_t len)
{
	if (len > 0x7fffffff || RAND_bytes(buf, (int)len) != 1)
		return -EIO;
	return 0;
}

void uuid_format(const uint8_t r[16], char text[UUID_STR_LEN])
{
	snprintf(text, UUID_STR_LEN,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0], r[1],
		 r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14],
		 r[15]);
}

int uuid_random(uint8_t raw[16], char text[UUID_STR_LEN])
{
	uint8_t r[16];
	if (random_bytes(r, sizeof(r)) < 0)
		return -EIO;
	r[6] = (uint8_t)((r[6] & 0x0f) | 0x40);
	r[8] = (uint8_t)((r[8] & 0x3f) | 0x80);
	if (raw)
		memcpy(raw, r, 16);
	if (text)
		uuid_format(r, text);
	return 0;
}

void hex_encode(const void *data, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	const uint8_t *p = data;
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * len] = '\0';
}

int random_hex(size_t nbytes, char *out)
{
	uint8_t buf[64];
	if (nbytes > sizeof(buf) || random_bytes(buf, nbytes) < 0)
		return -EIO;
	hex_encode(buf, nbytes, out);
	return 0;
}

char *base64_encode(const void *data, size_t len)
{
	size_t out_len = 4 * ((len + 2) / 3);
	char *out = xmalloc(out_len + 1);
	EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	out[out_len] = '\0';
	return out;
}

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int base64_decode(const char *text, uint8_t **out, size_t *out_len)
{
	size_t len = strlen(text), n = 0;
	uint8_t *buf;

	if (len % 4)
		return -EINVAL;
	buf = xmalloc(len / 4 * 3 + 1);
	for (size_t i = 0; i < len; i += 4) {
		int v[4];
		int pad = 0;
		for (int j = 0; j < 4; j++) {
			char c = text[i + j];
			if (c == '=' && i + 4 == len && j >= 2) {
				v[j] = 0;
				pad++;
			} else if (pad || (v[j] = b64_value(c)) < 0) {
				free(buf);
				return -EINVAL;
			}
		}
		uint32_t triple = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
				  (uint32_t)v[3];
		buf[n++] = (uint8_t)(triple >> 16);
		if (pad < 2)
			buf[n++] = (uint8_t)(triple >> 8);
		if (pad < 1)
			buf[n++] = (uint8_t)triple;
	}
	*out = buf;
	*out_len = n;
	return 0;
}

const char *id_invalid_reason(const char *id)
{
	size_t len = strlen(id);
	if (len == 0)
		return "must not be empty";
	if (len > 255)
		return "must be at most 255 characters";
	if (!strcmp(id, ".") || !strcmp(id, ".."))
		return "must not be '.' or '..'";
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)id[i];
		if (c < 0x20 || c == 0x7f)
			return "must not contain control characters";
		if (c == '/' || c == '\\')
			return "must not contain '/' or '\\'";
	}
	return NULL;
}
