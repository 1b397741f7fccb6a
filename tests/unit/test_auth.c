/*
 * test_auth — the agent↔master challenge-response primitives. Known
 * answers were computed independently with
 *   printf 'agora-agent-v1\nP\nN' | openssl dgst -sha256 -hmac S
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/auth.h"

#define SEED_SECRET "f0e4c2f76c58916ec258f246851bea091d14d4247a2fc3e186"
#define NONCE "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
/* HMAC-SHA256(SEED_SECRET, "agora-agent-v1\nMesosPrincipal\n" NONCE) */
#define NONCE_MAC "fec6d3f6ffe31aa1433d43e937b77cdd1e6d2b0a2de4ec6ceefcd6a6fb336f35"

static void test_mac_known_answer(void **state)
{
	char mac[AUTH_MAC_HEX];
	(void)state;
	auth_mac("S", "P", "N", mac);
	assert_string_equal(mac, "bd6b4aaeec44884b22e7d2bddaf639767201e275b76447086784a63bb8d760e3");
	auth_mac(SEED_SECRET, "MesosPrincipal", NONCE, mac);
	assert_string_equal(mac, NONCE_MAC);
}

static void test_verify_known_answer(void **state)
{
	(void)state;
	assert_true(auth_mac_verify(SEED_SECRET, "MesosPrincipal", NONCE, NONCE_MAC));
	assert_false(auth_mac_verify(SEED_SECRET "x", "MesosPrincipal", NONCE, NONCE_MAC));
}

static void test_verify_roundtrip(void **state)
{
	char nonce[AUTH_NONCE_HEX], mac[AUTH_MAC_HEX];
	(void)state;
	assert_int_equal(auth_nonce_new(nonce), 0);
	auth_mac("s3cret", "agent-7", nonce, mac);
	assert_int_equal(strlen(mac), 64);
	assert_true(auth_mac_verify("s3cret", "agent-7", nonce, mac));
	assert_false(auth_mac_verify("s3cre", "agent-7", nonce, mac));
	assert_false(auth_mac_verify("s3cret", "agent-7", nonce, NONCE_MAC));
}

static void flip_hex(char *s, size_t i)
{
	s[i] = s[i] == '0' ? '1' : '0';
}

static void test_verify_tampered(void **state)
{
	char nonce[AUTH_NONCE_HEX], mac[AUTH_MAC_HEX], bad[AUTH_MAC_HEX + 1];
	(void)state;
	assert_int_equal(auth_nonce_new(nonce), 0);
	auth_mac("s", "agent", nonce, mac);

	memcpy(bad, nonce, sizeof(nonce));
	flip_hex(bad, 17);
	assert_false(auth_mac_verify("s", "agent", bad, mac));

	assert_false(auth_mac_verify("s", "agenT", nonce, mac));
	assert_false(auth_mac_verify("s", "agent2", nonce, mac));

	for (size_t i = 0; i < 64; i += 21) {
		memcpy(bad, mac, sizeof(mac));
		flip_hex(bad, i);
		assert_false(auth_mac_verify("s", "agent", nonce, bad));
	}
	memcpy(bad, mac, sizeof(mac));
	flip_hex(bad, 63);
	assert_false(auth_mac_verify("s", "agent", nonce, bad));
}

static void test_verify_malformed_mac(void **state)
{
	char nonce[AUTH_NONCE_HEX], mac[AUTH_MAC_HEX], bad[AUTH_MAC_HEX + 1];
	(void)state;
	assert_int_equal(auth_nonce_new(nonce), 0);
	auth_mac("s", "agent", nonce, mac);

	/* Upper case is a different string, not the same MAC. */
	memcpy(bad, mac, sizeof(mac));
	for (size_t i = 0; i < 64; i++)
		if (bad[i] >= 'a' && bad[i] <= 'f')
			bad[i] = (char)(bad[i] - 'a' + 'A');
	if (strcmp(bad, mac))
		assert_false(auth_mac_verify("s", "agent", nonce, bad));

	memcpy(bad, mac, sizeof(mac));
	bad[63] = '\0';
	assert_false(auth_mac_verify("s", "agent", nonce, bad)); /* 63 chars */
	memcpy(bad, mac, sizeof(mac));
	bad[64] = '0';
	bad[65] = '\0';
	assert_false(auth_mac_verify("s", "agent", nonce, bad)); /* 65 chars */
	memcpy(bad, mac, sizeof(mac));
	bad[10] = 'g';
	assert_false(auth_mac_verify("s", "agent", nonce, bad));
	assert_false(auth_mac_verify("s", "agent", nonce, ""));
	assert_false(auth_mac_verify("s", "agent", nonce, NULL));
	assert_false(auth_mac_verify(NULL, "agent", nonce, mac));
	assert_false(auth_mac_verify("s", NULL, nonce, mac));
	assert_false(auth_mac_verify("s", "agent", NULL, mac));
}

static void test_verify_malformed_pieces(void **state)
{
	char mac[AUTH_MAC_HEX];
	(void)state;
	/* A correct MAC over a nonce auth_nonce_new could not have made. */
	auth_mac("s", "agent", "N", mac);
	assert_false(auth_mac_verify("s", "agent", "N", mac));
	auth_mac("s", "agent", NONCE "0", mac);
	assert_false(auth_mac_verify("s", "agent", NONCE "0", mac));
	/* '\n' in the principal would make the MAC input ambiguous. */
	auth_mac("s", "a\nb", NONCE, mac);
	assert_false(auth_mac_verify("s", "a\nb", NONCE, mac));
	auth_mac("", "agent", NONCE, mac);
	assert_false(auth_mac_verify("", "agent", NONCE, mac));
	auth_mac("s", "", NONCE, mac);
	assert_false(auth_mac_verify("s", "", NONCE, mac));
}

static void test_nonce(void **state)
{
	char a[AUTH_NONCE_HEX], b[AUTH_NONCE_HEX];
	(void)state;
	assert_int_equal(auth_nonce_new(a), 0);
	assert_int_equal(auth_nonce_new(b), 0);
	assert_int_equal(strlen(a), 64);
	assert_int_equal(strlen(b), 64);
	assert_int_equal(strspn(a, "0123456789abcdef"), 64);
	assert_int_equal(strspn(b, "0123456789abcdef"), 64);
	assert_string_not_equal(a, b);
}

static void test_stateless_nonce(void **state)
{
	unsigned char key[AUTH_NONCE_KEY_BYTES], other[AUTH_NONCE_KEY_BYTES];
	char n[AUTH_NONCE_HEX], m[AUTH_NONCE_HEX], bad[AUTH_NONCE_HEX];
	(void)state;
	memset(key, 7, sizeof(key));
	memset(other, 8, sizeof(other));
	assert_int_equal(auth_nonce_issue(key, "agent", 1000000, n), 0);
	assert_int_equal(auth_nonce_issue(key, "agent", 1000000, m), 0);
	assert_int_equal(strlen(n), 64);
	assert_int_equal(strspn(n, "0123456789abcdef"), 64);
	assert_string_not_equal(n, m); /* random part */
	/* within the window, either end */
	assert_int_equal(auth_nonce_check(key, "agent", n, 1000000, 30000), 0);
	assert_int_equal(auth_nonce_check(key, "agent", n, 1030000, 30000), 0);
	/* too old, or issued "later" than now */
	assert_int_equal(auth_nonce_check(key, "agent", n, 1030001, 30000), -ETIMEDOUT);
	assert_int_equal(auth_nonce_check(key, "agent", n, 999999, 30000), -ETIMEDOUT);
	/* another principal, another key, any flipped character */
	assert_int_equal(auth_nonce_check(key, "agent2", n, 1000000, 30000), -EINVAL);
	assert_int_equal(auth_nonce_check(other, "agent", n, 1000000, 30000), -EINVAL);
	for (size_t i = 0; i < 64; i++) {
		memcpy(bad, n, sizeof(bad));
		bad[i] = bad[i] == '0' ? '1' : '0';
		assert_int_equal(auth_nonce_check(key, "agent", bad, 1000000, 30000), -EINVAL);
	}
	/* malformed: short, upper case, a principal with a newline */
	assert_int_equal(auth_nonce_check(key, "agent", "abc", 1000000, 30000), -EINVAL);
	memcpy(bad, n, sizeof(bad));
	bad[0] = 'A';
	assert_int_equal(auth_nonce_check(key, "agent", bad, 1000000, 30000), -EINVAL);
	assert_int_equal(auth_nonce_issue(key, "a\nb", 1000000, m), -EINVAL);
	assert_int_equal(auth_nonce_check(key, "a\nb", n, 1000000, 30000), -EINVAL);
	assert_int_equal(auth_nonce_check(key, NULL, n, 1000000, 30000), -EINVAL);
	assert_int_equal(auth_nonce_check(key, "agent", NULL, 1000000, 30000), -EINVAL);
	/* an agent's MAC over a stateless nonce verifies as before */
	{
		char mac[AUTH_MAC_HEX];
		auth_mac("s", "agent", n, mac);
		assert_true(auth_mac_verify("s", "agent", n, mac));
	}
}

static void test_streq(void **state)
{
	(void)state;
	assert_true(auth_streq("abc", "abc"));
	assert_true(auth_streq("", ""));
	assert_false(auth_streq("abc", "abd"));
	assert_false(auth_streq("abc", "ab"));
	assert_false(auth_streq("ab", "abc"));
	assert_false(auth_streq("", "a"));
	assert_false(auth_streq(NULL, "a"));
	assert_false(auth_streq("a", NULL));
	assert_false(auth_streq(NULL, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mac_known_answer),
		cmocka_unit_test(test_verify_known_answer),
		cmocka_unit_test(test_verify_roundtrip),
		cmocka_unit_test(test_verify_tampered),
		cmocka_unit_test(test_verify_malformed_mac),
		cmocka_unit_test(test_verify_malformed_pieces),
		cmocka_unit_test(test_nonce),
		cmocka_unit_test(test_streq),
		cmocka_unit_test(test_stateless_nonce),
	};
	return cmocka_run_group_tests_name("auth", tests, NULL, NULL);
}
