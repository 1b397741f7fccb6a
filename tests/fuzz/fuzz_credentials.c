/*
 * fuzz_credentials — cred_parse_list / cred_parse_single on arbitrary
 * bytes, and auth_mac_verify on pieces cut from them.
 *
 * Besides "no crash, no leak" it checks what callers rely on: every
 * parsed field is 1..CRED_MAX_FIELD bytes with no whitespace or control
 * characters, a list has no principal twice and every pair passes
 * cred_check, a list re-written as text parses back to the same pairs,
 * and auth_mac_verify accepts auth_mac's own answer exactly when the
 * pieces are well formed.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/auth.h"
#include "core/credentials.h"
#include "core/log.h"
#include "core/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_field(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > CRED_MAX_FIELD)
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
			abort();
}

static size_t put(char *dst, const char *s)
{
	size_t n = strlen(s);
	memcpy(dst, s, n);
	return n;
}

static void check_list(const struct credentials *l)
{
	char *text = xmalloc(l->n * (2 * CRED_MAX_FIELD + 2) + 1);
	size_t len = 0;
	struct credentials again;
	char err[256];

	for (size_t i = 0; i < l->n; i++) {
		check_field(l->v[i].principal);
		check_field(l->v[i].secret);
		if (cred_lookup(l, l->v[i].principal) != l->v[i].secret)
			abort(); /* a duplicate principal got through */
		if (!cred_check(l, l->v[i].principal, l->v[i].secret))
			abort();
		len += put(text + len, l->v[i].principal);
		text[len++] = ' ';
		len += put(text + len, l->v[i].secret);
		text[len++] = '\n';
	}
	/*
	 * Only the text format can't say everything JSON can: a first
	 * principal starting with '{' reads as JSON, one starting with '#'
	 * is a comment line.
	 */
	if (l->n && l->v[0].principal[0] == '{')
		goto out;
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].principal[0] == '#')
			goto out;
	if (cred_parse_list(text, len, "again", &again, err, sizeof(err)))
		abort();
	if (again.n != l->n)
		abort();
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(again.v[i].principal, l->v[i].principal) ||
		    strcmp(again.v[i].secret, l->v[i].secret))
			abort();
	cred_free_list(&again);
out:
	free(text);
}

static bool lower_hex(const char *s, size_t n)
{
	return strlen(s) == n && strspn(s, "0123456789abcdef") == n;
}

/* Cuts the input at NUL bytes into secret, principal, nonce and mac. */
static void fuzz_auth(const uint8_t *data, size_t size)
{
	char *copy = xmalloc(size + 1), *piece[4];
	size_t off = 0;
	char mac[AUTH_MAC_HEX];
	bool well_formed;

	memcpy(copy, data, size);
	copy[size] = '\0';
	for (int k = 0; k < 4; k++) {
		piece[k] = copy + off;
		off += strlen(copy + off);
		if (off < size)
			off++;
	}
	(void)auth_mac_verify(piece[0], piece[1], piece[2], piece[3]);
	(void)auth_streq(piece[0], piece[3]);

	auth_mac(piece[0], piece[1], piece[2], mac);
	well_formed = piece[0][0] && piece[1][0] && !strchr(piece[1], '\n') &&
		      lower_hex(piece[2], AUTH_NONCE_HEX - 1);
	if (auth_mac_verify(piece[0], piece[1], piece[2], mac) != well_formed)
		abort();
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool quiet;
	struct credentials list;
	struct credential one;
	char err[512];

	if (!quiet) {
		log_set_level(LOG_LEVEL_ERROR);
		quiet = true;
	}
	if (cred_parse_list((const char *)data, size, "fuzz", &list, err, sizeof(err)) == 0) {
		check_list(&list);
		cred_free_list(&list);
	} else if (list.n || list.v || !err[0]) {
		abort();
	}
	if (cred_parse_single((const char *)data, size, "fuzz", &one, err, sizeof(err)) == 0) {
		check_field(one.principal);
		check_field(one.secret);
		cred_free(&one);
	} else if (one.principal || one.secret || !err[0]) {
		abort();
	}
	fuzz_auth(data, size);
	return 0;
}
