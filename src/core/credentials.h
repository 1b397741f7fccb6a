/*
 * credentials — principal/secret pairs as Mesos stores them.
 *
 * List (master --credentials):
 *   {"credentials":[{"principal":"p","secret":"s"}, ...]}
 *   or, as a fallback when the text is not JSON, one "principal secret"
 *   pair per line (whitespace separated, exactly two tokens).
 * Single (agent --credential, framework secret files):
 *   {"principal":"p","secret":"s"}  or one "principal secret" line.
 * A trailing newline (and surrounding blank lines) is tolerated.
 *
 * Errors name the source (usually the file path) and the position:
 *   "/etc/mesos/creds.json: line 3 column 5: '}' expected"
 *   "/etc/mesos/creds: line 2: expected 'principal secret', got 3 tokens"
 * Bounds: CRED_MAX_FILE bytes per file, CRED_MAX_ENTRIES pairs,
 * principals and secrets of at most CRED_MAX_FIELD bytes, non-empty, no
 * whitespace or control characters.
 */
#ifndef AGORA_CORE_CREDENTIALS_H
#define AGORA_CORE_CREDENTIALS_H

#include <stdbool.h>
#include <stddef.h>

#define CRED_MAX_FILE (1u << 20)
#define CRED_MAX_ENTRIES 10000
#define CRED_MAX_FIELD 255

struct credential {
	char *principal;
	char *secret;
};

struct credentials {
	struct credential *v;
	size_t n;
};

/* Parses a credentials list from text; source names it in errors. */
int cred_parse_list(const char *text, size_t len, const char *source, struct credentials *out,
		    char *err, size_t errlen);
/* Parses exactly one credential. */
int cred_parse_single(const char *text, size_t len, const char *source, struct credential *out,
		      char *err, size_t errlen);
/* The same, reading the file at path (errors start with the path). */
int cred_load_list(const char *path, struct credentials *out, char *err, size_t errlen);
int cred_load_single(const char *path, struct credential *out, char *err, size_t errlen);

/* The secret for principal, or NULL. */
const char *cred_lookup(const struct credentials *list, const char *principal);
/* Constant-time check of principal + secret against the list. */
bool cred_check(const struct credentials *list, const char *principal, const char *secret);

void cred_free_list(struct credentials *list);
void cred_free(struct credential *c);

#endif
