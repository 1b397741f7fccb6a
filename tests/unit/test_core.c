/* Unit tests for the small core pieces: map, recordio, util parsers, ids, Basic auth parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/http.h"
#include "core/ids.h"
#include "core/map.h"
#include "core/recordio.h"
#include "core/util.h"

static void test_map_basic(void **state)
{
	struct map m;
	char key[32];
	(void)state;
	map_init(&m);
	assert_null(map_get(&m, "x"));
	for (int i = 0; i < 10000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_null(map_put(&m, key, (void *)(intptr_t)(i + 1)));
	}
	assert_int_equal(map_count(&m), 10000);
	for (int i = 0; i < 10000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_int_equal((intptr_t)map_get(&m, key), i + 1);
	}
	assert_int_equal((intptr_t)map_put(&m, "k5", (void *)7), 6);
	assert_int_equal((intptr_t)map_del(&m, "k5"), 7);
	assert_null(map_get(&m, "k5"));
	assert_int_equal(map_count(&m), 9999);
	map_clear(&m);
	assert_int_equal(map_count(&m), 0);
}

static void test_map_iter_remove(void **state)
{
	struct map m;
	struct map_iter it;
	char key[32];
	void *v;
	size_t seen = 0;
	(void)state;
	map_init(&m);
	for (int i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "%d", i);
		map_put(&m, key, (void *)(intptr_t)i);
	}
	map_iter_init(&it, &m);
	while (map_iter_next(&it, NULL, &v)) {
		seen++;
		if ((intptr_t)v % 2)
			map_iter_remove(&it);
	}
	assert_int_equal(seen, 100);
	assert_int_equal(map_count(&m), 50);
	assert_null(map_get(&m, "3"));
	assert_non_null(map_get(&m, "4"));
	map_clear(&m);
}

static void test_recordio_split_anywhere(void **state)
{
	const char stream[] = "20\n{\"type\":\"HEARTBEAT\"}5\nhello1\nx";
	(void)state;
	for (size_t split = 0; split <= sizeof(stream) - 1; split++) {
		struct recordio_reader r;
		const char *rec;
		size_t len;
		int got = 0;
		recordio_init(&r, 1024);
		assert_int_equal(recordio_feed(&r, stream, split), 0);
		while (recordio_next(&r, &rec, &len) == 1)
			got++;
		assert_int_equal(recordio_feed(&r, stream + split, sizeof(stream) - 1 - split), 0);
		while (recordio_next(&r, &rec, &len) == 1) {
			got++;
			if (got == 3)
				assert_memory_equal(rec, "x", 1);
		}
		assert_int_equal(got, 3);
		recordio_free(&r);
	}
}

static void test_recordio_rejects_garbage(void **state)
{
	struct recordio_reader r;
	const char *rec;
	size_t len;
	(void)state;
	recordio_init(&r, 100);
	recordio_feed(&r, "0\n", 2);
	assert_int_equal(recordio_next(&r, &rec, &len), -EINVAL);
	recordio_free(&r);
	recordio_init(&r, 100);
	recordio_feed(&r, "1a\nx", 4);
	assert_int_equal(recordio_next(&r, &rec, &len), -EINVAL);
	recordio_free(&r);
	recordio_init(&r, 100);
	recordio_feed(&r, "101\n", 4);
	assert_int_equal(recordio_next(&r, &rec, &len), -EINVAL);
	recordio_free(&r);
	recordio_init(&r, 100);
	recordio_feed(&r, "99999999999999999999999\n", 24);
	assert_int_equal(recordio_next(&r, &rec, &len), -EINVAL);
	recordio_free(&r);
	recordio_init(&r, 10);
	assert_int_equal(recordio_feed(&r, "5\nabcdefghijklmnopqrstuvwxyzabcdefghijkl", 40), -E2BIG);
	recordio_free(&r);
}

static void test_durations_and_bytes(void **state)
{
	double d;
	uint64_t b;
	(void)state;
	assert_int_equal(parse_duration("15secs", &d), 0);
	assert_true(d == 15);
	assert_int_equal(parse_duration("10mins", &d), 0);
	assert_true(d == 600);
	assert_int_equal(parse_duration("100ms", &d), 0);
	assert_true(d > 0.0999 && d < 0.1001);
	assert_int_equal(parse_duration("2days", &d), 0);
	assert_true(d == 172800);
	assert_int_equal(parse_duration("7", &d), 0);
	assert_true(d == 7);
	assert_int_equal(parse_duration("secs", &d), -EINVAL);
	assert_int_equal(parse_duration("5parsecs", &d), -EINVAL);
	assert_int_equal(parse_duration("-5secs", &d), -EINVAL);
	assert_int_equal(parse_bytes("512MB", &b), 0);
	assert_int_equal(b, 512ull << 20);
	assert_int_equal(parse_bytes("1GB", &b), 0);
	assert_int_equal(b, 1ull << 30);
	assert_int_equal(parse_bytes("1XB", &b), -EINVAL);
	int64_t i;
	assert_int_equal(parse_int64("42", &i), 0);
	assert_int_equal(parse_int64(" 42", &i), -EINVAL);
	assert_int_equal(parse_int64("42x", &i), -EINVAL);
	assert_int_equal(parse_int64("", &i), -EINVAL);
}

static void test_base64_and_ids(void **state)
{
	uint8_t *out;
	size_t len;
	char *enc = base64_encode("hello!", 6);
	char uuid[UUID_STR_LEN];
	(void)state;
	assert_string_equal(enc, "aGVsbG8h");
	free(enc);
	assert_int_equal(base64_decode("aGVsbG8=", &out, &len), 0);
	assert_int_equal(len, 5);
	assert_memory_equal(out, "hello", 5);
	free(out);
	assert_int_equal(base64_decode("aGVsbG8", &out, &len), -EINVAL);
	assert_int_equal(base64_decode("a=Vs", &out, &len), -EINVAL);
	assert_int_equal(uuid_random(NULL, uuid), 0);
	assert_int_equal(strlen(uuid), 36);
	assert_int_equal(uuid[14], '4');
	assert_null(id_invalid_reason("task-1.a_b"));
	assert_non_null(id_invalid_reason(""));
	assert_non_null(id_invalid_reason(".."));
	assert_non_null(id_invalid_reason("a/b"));
	assert_non_null(id_invalid_reason("a\nb"));
}

static void test_basic_auth_parse(void **state)
{
	char user[64], pass[64];
	(void)state;
	/* "alice:s3cret" */
	assert_int_equal(http_basic_parse("Basic YWxpY2U6czNjcmV0", user, sizeof(user), pass,
					  sizeof(pass)), 0);
	assert_string_equal(user, "alice");
	assert_string_equal(pass, "s3cret");
	/* wrong scheme, extra token, no colon, two colons */
	assert_int_equal(http_basic_parse("Bearer YWxpY2U6czNjcmV0", user, sizeof(user), pass,
					  sizeof(pass)), -EINVAL);
	assert_int_equal(http_basic_parse("Basic YWxpY2U6czNjcmV0 x", user, sizeof(user), pass,
					  sizeof(pass)), -EINVAL);
	assert_int_equal(http_basic_parse("Basic YWxpY2U=", user, sizeof(user), pass,
					  sizeof(pass)), -EINVAL);
	/* "a:b:c": RFC 7617 lets the password hold ':'; the user ends at the first */
	assert_int_equal(http_basic_parse("Basic YTpiOmM=", user, sizeof(user), pass,
					  sizeof(pass)), 0);
	assert_string_equal(user, "a");
	assert_string_equal(pass, "b:c");
	/* RFC 7235: the scheme is case-insensitive, one or more spaces follow it */
	assert_int_equal(http_basic_parse("basic YWxpY2U6czNjcmV0", user, sizeof(user), pass,
					  sizeof(pass)), 0);
	assert_string_equal(user, "alice");
	assert_int_equal(http_basic_parse("BASIC  YWxpY2U6czNjcmV0", user, sizeof(user), pass,
					  sizeof(pass)), 0);
	assert_string_equal(pass, "s3cret");
	/* ":" alone: empty user and password parse; the realm's check refuses them */
	assert_int_equal(http_basic_parse("Basic Og==", user, sizeof(user), pass, sizeof(pass)),
			 0);
	assert_string_equal(user, "");
	assert_int_equal(http_basic_parse("Basic", user, sizeof(user), pass, sizeof(pass)),
			 -EINVAL);
	assert_int_equal(http_basic_parse("Basic ", user, sizeof(user), pass, sizeof(pass)),
			 -EINVAL);
	assert_int_equal(http_basic_parse("Basicx YWxpY2U6czNjcmV0", user, sizeof(user), pass,
					  sizeof(pass)), -EINVAL);
}

static void test_atomic_write_and_read(void **state)
{
	char dir[] = "/tmp/agora-unit-XXXXXX", path[256], *data;
	size_t len;
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a/b/c", dir);
	assert_int_equal(mkdir_p(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/a/file", dir);
	assert_int_equal(file_write_atomic(path, "hello", 5, 0600), 0);
	assert_int_equal(file_read_all(path, 100, &data, &len), 0);
	assert_int_equal(len, 5);
	assert_string_equal(data, "hello");
	free(data);
	assert_int_equal(file_read_all(path, 3, &data, &len), -EFBIG);
	assert_int_equal(remove_tree(dir), 0);
	assert_int_equal(remove_tree("/"), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map_basic),
		cmocka_unit_test(test_map_iter_remove),
		cmocka_unit_test(test_recordio_split_anywhere),
		cmocka_unit_test(test_recordio_rejects_garbage),
		cmocka_unit_test(test_durations_and_bytes),
		cmocka_unit_test(test_base64_and_ids),
		cmocka_unit_test(test_basic_auth_parse),
		cmocka_unit_test(test_atomic_write_and_read),
	};
	return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
