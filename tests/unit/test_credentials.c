/*
 * test_credentials — the Mesos credential formats (JSON list, text
 * fallback, single pair) against the seed files and against every error
 * the parser promises to name. Run from the repository root.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/credentials.h"
#include "core/util.h"

#define SEED "tests/fixtures/seed/"
#define SEED_SECRET "f0e4c2f76c58916ec258f246851bea091d14d4247a2fc3e186"

/* Parses s as a list, expecting failure with exactly want as the message. */
static void list_fails(const char *s, size_t len, const char *want)
{
	struct credentials l = { (void *)1, 99 };
	char err[512];
	int r = cred_parse_list(s, len, "src", &l, err, sizeof(err));
	assert_int_equal(r, -EINVAL);
	assert_string_equal(err, want);
	assert_null(l.v);
	assert_int_equal(l.n, 0);
}

static void single_fails(const char *s, const char *want)
{
	struct credential c = { (char *)1, (char *)1 };
	char err[512];
	int r = cred_parse_single(s, strlen(s), "src", &c, err, sizeof(err));
	assert_int_equal(r, -EINVAL);
	assert_string_equal(err, want);
	assert_null(c.principal);
	assert_null(c.secret);
}

static void list_ok(const char *s, size_t want_n, struct credentials *l)
{
	char err[512];
	int r = cred_parse_list(s, strlen(s), "src", l, err, sizeof(err));
	if (r)
		fail_msg("unexpected error: %s", err);
	assert_int_equal(l->n, want_n);
}

static void test_seed_json_list(void **state)
{
	struct credentials l;
	char err[512];
	(void)state;
	assert_int_equal(cred_load_list(SEED "master-credentials.json", &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].principal, "MesosPrincipal");
	assert_string_equal(l.v[0].secret, SEED_SECRET);
	assert_string_equal(cred_lookup(&l, "MesosPrincipal"), SEED_SECRET);
	cred_free_list(&l);
}

static void test_seed_pair_single(void **state)
{
	struct credential c;
	char err[512];
	(void)state;
	assert_int_equal(cred_load_single(SEED "slave-credential-pair", &c, err, sizeof(err)), 0);
	assert_string_equal(c.principal, "MesosPrincipal");
	assert_string_equal(c.secret, SEED_SECRET);
	cred_free(&c);
	assert_null(c.principal);
	assert_null(c.secret);
}

static void test_seed_pair_as_list(void **state)
{
	struct credentials l;
	char err[512];
	(void)state;
	assert_int_equal(cred_load_list(SEED "slave-credential-pair", &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 1);
	assert_true(cred_check(&l, "MesosPrincipal", SEED_SECRET));
	cred_free_list(&l);
}

static void test_seed_secret_only(void **state)
{
	struct credential c;
	struct credentials l;
	char err[512];
	(void)state;
	assert_int_equal(cred_load_single(SEED "credential-secret-only", &c, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, SEED "credential-secret-only: line 1: expected 'principal "
				     "secret', got 1 token");
	assert_null(c.principal);
	assert_int_equal(cred_load_list(SEED "credential-secret-only", &l, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, SEED "credential-secret-only: line 1: expected 'principal "
				     "secret', got 1 token");
}

static void test_seed_json_as_single_fails(void **state)
{
	struct credential c;
	char err[512];
	(void)state;
	assert_int_equal(cred_load_single(SEED "master-credentials.json", &c, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, SEED "master-credentials.json: principal: required field is "
				     "missing");
}

static void test_text_list(void **state)
{
	struct credentials l;
	(void)state;
	list_ok("alice s1\n\n   bob\ts2   \n# a comment\n  # indented comment\ncarol s3\r\n\n", 3,
		&l);
	assert_string_equal(l.v[0].principal, "alice");
	assert_string_equal(l.v[0].secret, "s1");
	assert_string_equal(l.v[1].principal, "bob");
	assert_string_equal(l.v[1].secret, "s2");
	assert_string_equal(l.v[2].principal, "carol");
	assert_string_equal(l.v[2].secret, "s3");
	assert_string_equal(cred_lookup(&l, "bob"), "s2");
	assert_null(cred_lookup(&l, "dave"));
	cred_free_list(&l);
	cred_free_list(&l); /* idempotent */
	assert_int_equal(l.n, 0);
}

static void test_text_no_trailing_newline(void **state)
{
	struct credentials l;
	(void)state;
	list_ok("a b\nc d", 2, &l);
	assert_string_equal(l.v[1].secret, "d");
	cred_free_list(&l);
}

static void test_text_token_counts(void **state)
{
	(void)state;
	list_fails("a s1\nb s2 extra\n", 16, "src: line 2: expected 'principal secret', got 3 tokens");
	list_fails("a s1\n\n\nlonely\n", 14, "src: line 4: expected 'principal secret', got 1 token");
}

static void test_json_list(void **state)
{
	struct credentials l;
	(void)state;
	list_ok("  \n{\"credentials\":[{\"principal\":\"p1\",\"secret\":\"s1\",\"extra\":[1]},"
		"{\"principal\":\"p2\",\"secret\":\"s2\"}],\"ignored\":true}\n",
		2, &l);
	assert_string_equal(l.v[0].principal, "p1");
	assert_string_equal(l.v[1].secret, "s2");
	cred_free_list(&l);
}

static void test_json_syntax_error_position(void **state)
{
	const char *s = "{\n  \"credentials\": [\n    {\"principal\": \"a\" \"secret\": \"s\"}\n  ]\n}";
	(void)state;
	list_fails(s, strlen(s), "src: line 3 column 30: '}' expected near '\"secret\"'");
	/* A '{' start never falls back to the text format. */
	list_fails("{ a b", 5, "src: line 1 column 3: string or '}' expected near 'a'");
	s = "{\"credentials\":[";
	list_fails(s, strlen(s), "src: line 1 column 16: ']' expected near end of file");
}

static void test_json_shape_errors(void **state)
{
	const char *s;
	(void)state;
	s = "{\"credentials\":[{\"principal\":\"a\",\"secret\":\"1\"},"
	    "{\"principal\":\"b\",\"secret\":\"2\"},{\"principal\":\"c\"}]}";
	list_fails(s, strlen(s), "src: credentials[2].secret: required field is missing");
	s = "{\"credentials\":[{\"principal\":\"a\",\"secret\":null}]}";
	list_fails(s, strlen(s), "src: credentials[0].secret: required field is missing");
	s = "{\"credentials\":[{\"secret\":\"x\"}]}";
	list_fails(s, strlen(s), "src: credentials[0].principal: required field is missing");
	s = "{\"credentials\":{\"principal\":\"a\",\"secret\":\"b\"}}";
	list_fails(s, strlen(s), "src: credentials: expected an array");
	s = "{\"principal\":\"a\",\"secret\":\"b\"}";
	list_fails(s, strlen(s), "src: credentials: required field is missing");
	s = "{\"credentials\":[\"a b\"]}";
	list_fails(s, strlen(s), "src: credentials[0]: expected an object");
	s = "{\"credentials\":[{\"principal\":7,\"secret\":\"b\"}]}";
	list_fails(s, strlen(s), "src: credentials[0].principal: expected a string");
	s = "{\"credentials\":[{\"principal\":\"\",\"secret\":\"b\"}]}";
	list_fails(s, strlen(s), "src: credentials[0].principal: must not be empty");
	s = "{\"credentials\":[{\"principal\":\"a\",\"secret\":\"has space\"}]}";
	list_fails(s, strlen(s),
		   "src: credentials[0].secret: contains whitespace or a control character");
	s = "{\"credentials\":[{\"principal\":\"a\\tb\",\"secret\":\"x\"}]}";
	list_fails(s, strlen(s),
		   "src: credentials[0].principal: contains whitespace or a control character");
	s = "{\"credentials\":[{\"principal\":\"a\\u0000b\",\"secret\":\"x\"}]}";
	list_fails(s, strlen(s),
		   "src: line 1 column 39: \\u0000 is not allowed without JSON_ALLOW_NUL near "
		   "'\"a\\u0000b\"'");
	s = "{\"credentials\":[{\"principal\":\"a\",\"principal\":\"b\",\"secret\":\"x\"}]}";
	list_fails(s, strlen(s), "src: line 1 column 44: duplicate object key near '\"principal\"'");
}

static void test_duplicates(void **state)
{
	const char *s;
	(void)state;
	s = "a 1\nb 2\n\nb 3\n";
	list_fails(s, strlen(s), "src: line 4: duplicate principal 'b' (first at line 2)");
	s = "{\"credentials\":[{\"principal\":\"x\",\"secret\":\"1\"},"
	    "{\"principal\":\"y\",\"secret\":\"2\"},{\"principal\":\"x\",\"secret\":\"3\"}]}";
	list_fails(s, strlen(s),
		   "src: credentials[2]: duplicate principal 'x' (first at credentials[0])");
}

static void test_empty(void **state)
{
	const char *s;
	(void)state;
	list_fails("", 0, "src: no credentials");
	list_fails(NULL, 0, "src: no credentials");
	list_fails(" \n\t\n\r\n", 6, "src: no credentials");
	list_fails("# only a comment\n", 17, "src: no credentials");
	s = "{\"credentials\":[]}";
	list_fails(s, strlen(s), "src: no credentials");
	single_fails("", "src: no credentials");
	single_fails("\n\n", "src: no credentials");
}

static void test_single_text(void **state)
{
	struct credential c;
	char err[512];
	const char *s = "\n  agent1   topsecret \n\n";
	(void)state;
	assert_int_equal(cred_parse_single(s, strlen(s), "src", &c, err, sizeof(err)), 0);
	assert_string_equal(c.principal, "agent1");
	assert_string_equal(c.secret, "topsecret");
	cred_free(&c);
	cred_free(&c); /* idempotent */
	single_fails("a b\nc d\n", "src: line 2: expected a single 'principal secret' line, found "
				   "another (first on line 1)");
	single_fails("\na b\n\n\nc d", "src: line 5: expected a single 'principal secret' line, "
				      "found another (first on line 2)");
	single_fails("a b c\n", "src: line 1: expected 'principal secret', got 3 tokens");
	single_fails("onlysecret\n", "src: line 1: expected 'principal secret', got 1 token");
}

static void test_single_json(void **state)
{
	struct credential c;
	char err[512];
	const char *s = "{\"principal\":\"fw\",\"secret\":\"pw\",\"note\":\"ignored\"}\n";
	(void)state;
	assert_int_equal(cred_parse_single(s, strlen(s), "src", &c, err, sizeof(err)), 0);
	assert_string_equal(c.principal, "fw");
	assert_string_equal(c.secret, "pw");
	cred_free(&c);
	single_fails("{\"principal\":\"fw\"}", "src: secret: required field is missing");
	single_fails("{\"principal\":\"fw\",\"secret\":\"\"}", "src: secret: must not be empty");
	single_fails("{\"principal\":\"fw\"", "src: line 1 column 17: '}' expected near end of file");
}

static void test_field_bounds(void **state)
{
	char line[600], json[700];
	char p255[256], p256[257];
	struct credentials l;
	(void)state;
	memset(p255, 'p', 255);
	p255[255] = '\0';
	memset(p256, 'p', 256);
	p256[256] = '\0';

	snprintf(line, sizeof(line), "%s %s\n", p255, p255);
	list_ok(line, 1, &l);
	assert_int_equal(strlen(l.v[0].principal), 255);
	cred_free_list(&l);

	snprintf(line, sizeof(line), "%s s\n", p256);
	list_fails(line, strlen(line), "src: line 1: principal longer than 255 bytes");
	snprintf(line, sizeof(line), "p %s\n", p256);
	list_fails(line, strlen(line), "src: line 1: secret longer than 255 bytes");
	snprintf(json, sizeof(json), "{\"credentials\":[{\"principal\":\"%s\",\"secret\":\"s\"}]}",
		 p256);
	list_fails(json, strlen(json), "src: credentials[0].principal: longer than 255 bytes");
}

static void test_bad_bytes(void **state)
{
	struct credentials l;
	(void)state;
	list_fails("a\x01 b\n", 5,
		   "src: line 1: principal contains whitespace or a control character");
	list_fails("a b\x7f\n", 5, "src: line 1: secret contains whitespace or a control character");
	list_fails("a b\0c\n", 6, "src: line 1: secret contains whitespace or a control character");
	list_fails("a \xff\xfe\n", 5, "src: line 1: secret is not valid UTF-8");
	list_fails("a \xc0\xaf\n", 5, "src: line 1: secret is not valid UTF-8");  /* overlong */
	list_fails("a \xed\xa0\x80\n", 6, "src: line 1: secret is not valid UTF-8"); /* surrogate */
	list_fails("a \xe2\x82\n", 5, "src: line 1: secret is not valid UTF-8");  /* truncated */
	/* Unicode whitespace and invisible characters are refused like ASCII ones. */
	list_fails("a b\xc2\xa0" "c\n", 7,
		   "src: line 1: secret contains whitespace or a control character");
	list_fails("a\xe2\x80\x8b b\n", 7,
		   "src: line 1: principal contains whitespace or a control character");
	list_fails("\n\xef\xbb\xbf" "a b\n", 8,
		   "src: line 2: principal contains whitespace or a control character");
	list_fails("a \xc2\x85\n", 5,
		   "src: line 1: secret contains whitespace or a control character");
	list_ok("j\xc3\xbcrgen s\xe2\x82\xac\xf0\x9f\x94\x91\n", 1, &l);
	cred_free_list(&l);
	/* A byte-order mark is not part of the first principal. */
	list_ok("\xef\xbb\xbf" "bom s\n", 1, &l);
	assert_string_equal(l.v[0].principal, "bom");
	cred_free_list(&l);
	list_ok("\xef\xbb\xbf{\"credentials\":[{\"principal\":\"j\",\"secret\":\"s\"}]}", 1, &l);
	cred_free_list(&l);
}

static void test_entry_limit(void **state)
{
	size_t cap = (CRED_MAX_ENTRIES + 1) * 16, len = 0;
	char *text = xmalloc(cap);
	struct credentials l;
	char err[512];
	(void)state;

	for (int i = 0; i < CRED_MAX_ENTRIES; i++)
		len += (size_t)snprintf(text + len, cap - len, "p%d s\n", i);
	assert_int_equal(cred_parse_list(text, len, "src", &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, CRED_MAX_ENTRIES);
	assert_true(cred_check(&l, "p9999", "s"));
	cred_free_list(&l);
	len += (size_t)snprintf(text + len, cap - len, "p%d s\n", CRED_MAX_ENTRIES);
	list_fails(text, len, "src: line 10001: more than 10000 credentials");

	len = (size_t)snprintf(text, cap, "{\"credentials\":[");
	for (int i = 0; i <= CRED_MAX_ENTRIES; i++)
		len += (size_t)snprintf(text + len, cap - len, "%s1", i ? "," : "");
	len += (size_t)snprintf(text + len, cap - len, "]}");
	list_fails(text, len, "src: credentials: more than 10000 items");
	free(text);
}

static void test_check(void **state)
{
	struct credentials l;
	(void)state;
	list_ok("alice wonderland\nbob builder\n", 2, &l);
	assert_true(cred_check(&l, "alice", "wonderland"));
	assert_true(cred_check(&l, "bob", "builder"));
	assert_false(cred_check(&l, "alice", "builder"));
	assert_false(cred_check(&l, "alice", "wonderlan"));
	assert_false(cred_check(&l, "alice", "wonderlandx"));
	assert_false(cred_check(&l, "alice", ""));
	assert_false(cred_check(&l, "carol", "wonderland"));
	assert_false(cred_check(&l, NULL, "wonderland"));
	assert_false(cred_check(&l, "alice", NULL));
	assert_false(cred_check(NULL, "alice", "wonderland"));
	cred_free_list(&l);
	assert_false(cred_check(&l, "alice", "wonderland"));
}

static void test_err_buffer(void **state)
{
	struct credentials l;
	char small[8];
	(void)state;
	assert_int_equal(cred_parse_list("x", 1, "src", &l, NULL, 0), -EINVAL);
	assert_int_equal(cred_parse_list("x", 1, "a-long-source", &l, small, sizeof(small)),
			 -EINVAL);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_int_equal(cred_parse_list("x", 1, NULL, &l, small, sizeof(small)), -EINVAL);
}

/* Writes text to a fresh file with mode; returns its path (static). */
static const char *write_tmp(const char *name, const char *text, size_t len, mode_t mode)
{
	static char path[256];
	char dir[] = "/tmp/agora-cred-XXXXXX";
	int fd;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

static void remove_tmp(const char *path)
{
	char dir[256];
	char *slash;
	unlink(path);
	str_copy(dir, path, sizeof(dir));
	slash = strrchr(dir, '/');
	*slash = '\0';
	rmdir(dir);
}

static void test_load_files(void **state)
{
	struct credentials l;
	struct credential c;
	char err[512], want[600];
	const char *path;
	char *big;
	(void)state;

	path = write_tmp("creds", "a b\n", 4, 0600);
	assert_int_equal(cred_load_list(path, &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 1);
	cred_free_list(&l);
	remove_tmp(path);

	/* World-readable: a warning on stderr, but it loads. */
	path = write_tmp("creds", "{\"principal\":\"a\",\"secret\":\"b\"}", 30, 0644);
	assert_int_equal(cred_load_single(path, &c, err, sizeof(err)), 0);
	assert_string_equal(c.secret, "b");
	cred_free(&c);
	remove_tmp(path);

	path = write_tmp("creds", "a b c\n", 6, 0600);
	assert_int_equal(cred_load_list(path, &l, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s: line 1: expected 'principal secret', got 3 tokens", path);
	assert_string_equal(err, want);
	remove_tmp(path);

	assert_int_equal(cred_load_list("/nonexistent/creds", &l, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "/nonexistent/creds: cannot read: No such file or directory");
	assert_int_equal(cred_load_single("/nonexistent/creds", &c, err, sizeof(err)), -ENOENT);
	assert_null(c.principal);

	big = xcalloc(1, CRED_MAX_FILE + 1);
	memset(big, ' ', CRED_MAX_FILE + 1);
	path = write_tmp("big", big, CRED_MAX_FILE + 1, 0600);
	free(big);
	assert_int_equal(cred_load_list(path, &l, err, sizeof(err)), -EFBIG);
	snprintf(want, sizeof(want), "%s: larger than 1048576 bytes", path);
	assert_string_equal(err, want);
	remove_tmp(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_json_list),
		cmocka_unit_test(test_seed_pair_single),
		cmocka_unit_test(test_seed_pair_as_list),
		cmocka_unit_test(test_seed_secret_only),
		cmocka_unit_test(test_seed_json_as_single_fails),
		cmocka_unit_test(test_text_list),
		cmocka_unit_test(test_text_no_trailing_newline),
		cmocka_unit_test(test_text_token_counts),
		cmocka_unit_test(test_json_list),
		cmocka_unit_test(test_json_syntax_error_position),
		cmocka_unit_test(test_json_shape_errors),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_single_text),
		cmocka_unit_test(test_single_json),
		cmocka_unit_test(test_field_bounds),
		cmocka_unit_test(test_bad_bytes),
		cmocka_unit_test(test_entry_limit),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_err_buffer),
		cmocka_unit_test(test_load_files),
	};
	return cmocka_run_group_tests_name("credentials", tests, NULL, NULL);
}
