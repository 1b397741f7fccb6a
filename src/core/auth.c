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
 */
#include "core/auth.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <string.h>

#include "core/ids.h"
#include "core/log.h"

#define AUTH_MAC_PREFIX "agora-agent-v1\n"
#define AUTH_MAC_BYTES 32

int auth_nonce_new(char out[AUTH_NONCE_HEX])
{
	return random_hex(AUTH_NONCE_BYTES, out);
}

/* Raw HMAC-SHA256 into mac; 0, or -1 when OpenSSL failed. */
static int mac_raw(const char *secret, const char *principal, const char *nonce,
		   unsigned char mac[AUTH_MAC_BYTES])
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
	if (!EVP_MAC_init(ctx, (const unsigned char *)secret, strlen(secret), params))
		goto out;
	if (!EVP_MAC_update(ctx, (const unsigned char *)AUTH_MAC_PREFIX,
			    sizeof(AUTH_MAC_PREFIX) - 1) ||
	    !EVP_MAC_update(ctx, (const unsigned char *)principal, strlen(principal)) ||
	    !EVP_MAC_update(ctx, (const unsigned char *)"\n", 1) ||
	    !EVP_MAC_update(ctx, (const unsigned char *)nonce, strlen(nonce)))
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
