/*
 * auth — see auth.h. Pure functions, no state; callable from any process.
 *
 * Invariants:
 *  1. The MAC input is "agora-agent-v1\n" principal "\n" nonce. A principal
 *     holding '\n' is refused by auth_mac_verify, so no two (principal,
 *     nonce) pairs map to the same input.
 *  2. auth_mac_verify always computes the full HMAC and compares all 64
 *     bytes with CRYPTO_memcmp, malformed mac_hex or not: its running time
 *     depends on the lengths of its inputs, never on the secret's content
 *     nor on how much of a guessed MAC is right.
 *  3. A nonce is what auth_nonce_new makes: exactly 64 lower-case hex
 *     characters; anything else does not verify.
 *  4. When OpenSSL fails (out of memory), auth_mac yields "" and
 *     auth_mac_verify yields false: failure never authenticates.
 *  5. A stateless nonce (auth_nonce_issue) is 8 bytes issue time in ms,
 *     8 random bytes, then the first 16 bytes of HMAC-SHA256(server key,
 *     "agora-nonce-v1\n" principal "\n" those 16 bytes): only the holder of
 *     the key can make one, it names its principal, and it says its age.
 *     Checking it costs one HMAC and no memory; single use is the
 *     caller's (a small replay cache of the nonces that did verify).
 */
#include "core/auth.h"

#include <errno.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <string.h>

#include "core/ids.h"
#include "core/log.h"

#define AUTH_MAC_PREFIX "agora-agent-v1\n"
#define AUTH_NONCE_PREFIX "agora-nonce-v1\n"
#define AUTH_MAC_BYTES 32
#define NONCE_HEAD_BYTES 16 /* issue time (8, ms, big-endian) + random (8) */
#define NONCE_TAG_BYTES (AUTH_NONCE_BYTES - NONCE_HEAD_BYTES)

int auth_nonce_new(char out[AUTH_NONCE_HEX])
{
	return random_hex(AUTH_NONCE_BYTES, out);
}

/* HMAC-SHA256 over the concatenated parts into mac; 0, or -1 when OpenSSL failed. */
static int hmac_parts(const unsigned char *key, size_t key_len, const void *const *parts,
		      const size_t *lens, size_t n, unsigned char mac[AUTH_MAC_BYTES])
{
	EVP_MAC *alg = NULL;
	EVP_MAC_CTX *ctx = NULL;
	OSSL_PARAM params[2];
	size_t mac_len = 0;
	int r = -1;

	alg = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (!alg)
		goto out;
	ctx = EVP_MAC_CTX_new(alg);
	if (!ctx)
		goto out;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_init(ctx, key, key_len, params))
		goto out;
	for (size_t i = 0; i < n; i++)
		if (!EVP_MAC_update(ctx, parts[i], lens[i]))
			goto out;
	if (!EVP_MAC_final(ctx, mac, &mac_len, AUTH_MAC_BYTES) || mac_len != AUTH_MAC_BYTES)
		goto out;
	r = 0;
out:
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(alg);
	if (r)
		log_error("auth: HMAC-SHA256 failed in OpenSSL; refusing to authenticate");
	return r;
}

/* Raw HMAC-SHA256 into mac; 0, or -1 when OpenSSL failed. */
static int mac_raw(const char *secret, const char *principal, const char *nonce,
		   unsigned char mac[AUTH_MAC_BYTES])
{
	const void *parts[] = { AUTH_MAC_PREFIX, principal, "\n", nonce };
	const size_t lens[] = { sizeof(AUTH_MAC_PREFIX) - 1, strlen(principal), 1,
				strlen(nonce) };

	return hmac_parts((const unsigned char *)secret, strlen(secret), parts, lens, 4, mac);
}

void auth_mac(const char *secret, const char *principal, const char *nonce,
	      char out[AUTH_MAC_HEX])
{
	unsigned char mac[AUTH_MAC_BYTES];

	out[0] = '\0';
	if (!secret || !principal || !nonce || mac_raw(secret, principal, nonce, mac))
		return;
	hex_encode(mac, sizeof(mac), out);
	OPENSSL_cleanse(mac, sizeof(mac));
}

/* Exactly len lower-case hex characters then NUL; reads at most len+1 bytes. */
static bool is_lower_hex(const char *s, size_t len)
{
	if (strnlen(s, len + 1) != len)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
	}
	return true;
}

bool auth_mac_verify(const char *secret, const char *principal, const char *nonce,
		     const char *mac_hex)
{
	static const char zeros[AUTH_MAC_HEX - 1] = { 0 };
	char want[AUTH_MAC_HEX];
	bool ok;
	int diff;

	if (!secret || !principal || !nonce || !mac_hex)
		return false;
	ok = secret[0] != '\0' && principal[0] != '\0' && !strchr(principal, '\n') &&
	     is_lower_hex(nonce, AUTH_NONCE_HEX - 1) && is_lower_hex(mac_hex, AUTH_MAC_HEX - 1);
	auth_mac(secret, principal, nonce, want);
	if (want[0] == '\0')
		ok = false;
	/* After a failed auth_mac want is ""; zero it so all 64 bytes are defined. */
	if (strlen(want) != AUTH_MAC_HEX - 1)
		memset(want, 0, sizeof(want));
	diff = CRYPTO_memcmp(want, ok ? mac_hex : zeros, AUTH_MAC_HEX - 1);
	OPENSSL_cleanse(want, sizeof(want));
	return ok && diff == 0;
}

/* The tag of a stateless nonce: HMAC(key, prefix principal "\n" head) cut to its size. */
static int nonce_tag(const unsigned char key[AUTH_NONCE_KEY_BYTES], const char *principal,
		     const unsigned char head[NONCE_HEAD_BYTES], unsigned char tag[NONCE_TAG_BYTES])
{
	unsigned char mac[AUTH_MAC_BYTES];
	const void *parts[] = { AUTH_NONCE_PREFIX, principal, "\n", head };
	const size_t lens[] = { sizeof(AUTH_NONCE_PREFIX) - 1, strlen(principal), 1,
				NONCE_HEAD_BYTES };

	if (hmac_parts(key, AUTH_NONCE_KEY_BYTES, parts, lens, 4, mac) < 0)
		return -1;
	memcpy(tag, mac, NONCE_TAG_BYTES);
	OPENSSL_cleanse(mac, sizeof(mac));
	return 0;
}

int auth_nonce_issue(const unsigned char key[AUTH_NONCE_KEY_BYTES], const char *principal,
		     uint64_t now_ms, char out[AUTH_NONCE_HEX])
{
	unsigned char raw[AUTH_NONCE_BYTES];

	out[0] = '\0';
	if (!principal || strchr(principal, '\n'))
		return -EINVAL;
	for (int i = 0; i < 8; i++)
		raw[i] = (unsigned char)(now_ms >> (56 - 8 * i));
	if (random_bytes(raw + 8, NONCE_HEAD_BYTES - 8) < 0 ||
	    nonce_tag(key, principal, raw, raw + NONCE_HEAD_BYTES) < 0)
		return -EIO;
	hex_encode(raw, sizeof(raw), out);
	return 0;
}

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int auth_nonce_check(const unsigned char key[AUTH_NONCE_KEY_BYTES], const char *principal,
		     const char *nonce, uint64_t now_ms, uint64_t ttl_ms)
{
	unsigned char raw[AUTH_NONCE_BYTES], tag[NONCE_TAG_BYTES];
	uint64_t issued = 0;
	int diff;

	if (!principal || !nonce || strchr(principal, '\n') ||
	    !is_lower_hex(nonce, AUTH_NONCE_HEX - 1))
		return -EINVAL;
	for (size_t i = 0; i < AUTH_NONCE_BYTES; i++)
		raw[i] = (unsigned char)(hex_nibble(nonce[2 * i]) << 4 | hex_nibble(nonce[2 * i + 1]));
	if (nonce_tag(key, principal, raw, tag) < 0)
		return -EINVAL;
	diff = CRYPTO_memcmp(tag, raw + NONCE_HEAD_BYTES, NONCE_TAG_BYTES);
	OPENSSL_cleanse(tag, sizeof(tag));
	if (diff)
		return -EINVAL;
	for (int i = 0; i < 8; i++)
		issued = issued << 8 | raw[i];
	if (issued > now_ms || now_ms - issued > ttl_ms)
		return -ETIMEDOUT;
	return 0;
}

bool auth_streq(const char *a, const char *b)
{
	size_t la, lb;

	if (!a || !b)
		return false;
	la = strlen(a);
	lb = strlen(b);
	if (la != lb)
		return false;
	return CRYPTO_memcmp(a, b, la) == 0;
}
