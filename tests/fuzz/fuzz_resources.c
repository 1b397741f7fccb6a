/*
 * libFuzzer target for core/resources.
 *
 * The input is NUL-terminated and fed to both parsers (res_parse_text and
 * res_parse, whose '[' branch is the JSON path). For what parses it checks
 * the header's invariants, the two round trips (to_text -> parse and
 * to_json -> parse_json give an equal value), the printers, and — when the
 * input holds a '|' splitting it into two values that both parse — the
 * algebra the allocator relies on: (a + b) contains both; (a + b) - b + b
 * == a + b; a - b fails and leaves a alone unless a contains b, and then
 * a - b + b == a. Any violation aborts.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/resources.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                     \
	do {                                                                            \
		if (!(cond)) {                                                          \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
				#cond);                                                 \
			abort();                                                        \
		}                                                                       \
	} while (0)

static void check_invariants(const struct resources *r, int parsed)
{
	CHECK((r->n == 0) == (r->v == NULL));
	if (parsed)
		CHECK(r->n <= RES_MAX_ENTRIES);
	for (size_t i = 0; i < r->n; i++) {
		const struct resource *e = &r->v[i];
		CHECK(e->name[0] && strnlen(e->name, RES_NAME_MAX) < RES_NAME_MAX);
		CHECK(e->role[0] && strnlen(e->role, RES_NAME_MAX) < RES_NAME_MAX);
		for (size_t k = i + 1; k < r->n; k++)
			CHECK(strcmp(e->name, r->v[k].name) || strcmp(e->role, r->v[k].role) ||
			      e->type != r->v[k].type);
		switch (e->type) {
		case RES_SCALAR:
			CHECK(e->scalar_milli > 0);
			if (parsed && !strcmp(e->name, "gpus"))
				CHECK(e->scalar_milli % 1000 == 0);
			break;
		case RES_RANGES:
			CHECK(e->nranges > 0 && e->ranges);
			if (parsed)
				CHECK(e->nranges <= RES_MAX_RANGES);
			for (size_t k = 0; k < e->nranges; k++) {
				CHECK(e->ranges[k].begin <= e->ranges[k].end);
				if (k)
					CHECK(e->ranges[k - 1].end < UINT64_MAX &&
					      e->ranges[k - 1].end + 1 < e->ranges[k].begin);
			}
			break;
		case RES_SET:
			CHECK(e->nitems > 0 && e->items);
			if (parsed)
				CHECK(e->nitems <= RES_MAX_ITEMS);
			for (size_t k = 0; k < e->nitems; k++) {
				CHECK(e->items[k][0]);
				if (k)
					CHECK(strcmp(e->items[k - 1], e->items[k]) < 0);
			}
			break;
		default:
			CHECK(0);
		}
	}
}

/* Text form into a malloc'd buffer, however long. */
static char *to_text(const struct resources *r)
{
	size_t size = 256;
	for (;;) {
		char *buf = malloc(size);
		int rc;
		CHECK(buf);
		rc = res_to_text(r, buf, size);
		if (rc == 0) {
			CHECK(strlen(buf) < size);
			return buf;
		}
		CHECK(rc == -ENAMETOOLONG);
		CHECK(strlen(buf) == size - 1);
		free(buf);
		size *= 4;
	}
}

static void check_parsed(const struct resources *r)
{
	struct resources back;
	char err[512];
	char *text;
	json_t *j;
	int rc;

	check_invariants(r, 1);
	CHECK(res_equal(r, r));
	CHECK(res_contains(r, r));
	CHECK(res_empty(r) == (r->n == 0));

	text = to_text(r);
	rc = res_parse_text(text, NULL, &back, err, sizeof(err));
	if (strlen(text) <= RES_MAX_TEXT) {
		if (rc != 0)
			fprintf(stderr, "reparse of '%.200s' failed: %s\n", text, err);
		CHECK(rc == 0);
		CHECK(res_equal(r, &back));
		res_free(&back);
	}
	free(text);

	j = res_to_json(r);
	CHECK(j && json_is_array(j) && json_array_size(j) == r->n);
	rc = res_parse_json(j, "resources", &back, err, sizeof(err));
	if (rc != 0)
		fprintf(stderr, "JSON reparse failed: %s\n", err);
	CHECK(rc == 0);
	CHECK(res_equal(r, &back));
	res_free(&back);
	json_decref(j);

	j = res_to_summary(r);
	CHECK(j && json_is_object(j) && json_object_get(j, "cpus") && json_object_get(j, "gpus"));
	json_decref(j);
}

/* Parses text; 0 and a checked value, or an error with a proper message. */
static int parse_checked(const char *text, const char *default_role, int json_ok,
			 struct resources *out)
{
	char err[256], small[6];
	struct resources other;
	int rc, rc2;

	memset(err, 'x', sizeof(err));
	rc = json_ok ? res_parse(text, default_role, out, err, sizeof(err))
		     : res_parse_text(text, default_role, out, err, sizeof(err));
	if (rc != 0) {
		CHECK(rc == -EINVAL);
		CHECK(out->n == 0 && out->v == NULL);
		CHECK(memchr(err, '\0', sizeof(err)) && err[0]);
		/* A tiny buffer gets the same answer, truncated. */
		rc2 = json_ok ? res_parse(text, default_role, &other, small, sizeof(small))
			      : res_parse_text(text, default_role, &other, small, sizeof(small));
		CHECK(rc2 == rc && other.n == 0);
		CHECK(strlen(small) < sizeof(small));
		return rc;
	}
	check_parsed(out);
	return 0;
}

static void check_algebra(const struct resources *a, const struct resources *b)
{
	struct resources c, d, e;
	int64_t cpus = res_scalar_milli(a, "cpus") + res_scalar_milli(b, "cpus");
	json_t *j;

	res_copy(&c, a);
	CHECK(res_equal(&c, a));
	res_add(&c, b);
	check_invariants(&c, 0);
	CHECK(res_contains(&c, a));
	CHECK(res_contains(&c, b));
	CHECK(res_scalar_milli(&c, "cpus") == cpus);

	res_copy(&d, &c);
	CHECK(res_subtract(&d, b) == 0);
	check_invariants(&d, 0);
	res_add(&d, b);
	CHECK(res_equal(&d, &c));
	res_free(&d);

	res_copy(&e, a);
	if (res_contains(a, b)) {
		CHECK(res_subtract(&e, b) == 0);
		check_invariants(&e, 0);
		CHECK(res_contains(a, &e));
		res_add(&e, b);
		CHECK(res_equal(&e, a));
	} else {
		CHECK(res_subtract(&e, b) == -EINVAL);
		CHECK(res_equal(&e, a));
	}
	res_free(&e);

	res_copy(&e, a);
	res_merge_missing(&e, b);
	check_invariants(&e, 0);
	CHECK(res_contains(&e, a));
	res_set_scalar(&e, "cpus", res_scalar(b, "mem"));
	res_set_scalar(&e, "mem", 0);
	check_invariants(&e, 0);
	res_free(&e);

	j = res_to_summary(&c);
	CHECK(j);
	json_decref(j);
	j = res_to_json(&c);
	CHECK(j);
	json_decref(j);
	free(to_text(&c));

	CHECK(res_subtract(&c, &c) == 0);
	CHECK(res_empty(&c));
	res_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct resources whole, via_parse, a, b;
	char *text, *bar;

	if (size > RES_MAX_TEXT + 16)
		return 0;
	text = malloc(size + 1);
	CHECK(text);
	memcpy(text, data, size);
	text[size] = '\0';

	if (parse_checked(text, NULL, 0, &whole) == 0)
		res_free(&whole);
	if (parse_checked(text, "fuzz/role", 1, &via_parse) == 0)
		res_free(&via_parse);

	bar = strchr(text, '|');
	if (bar) {
		*bar = '\0';
		if (parse_checked(text, NULL, 1, &a) == 0) {
			if (parse_checked(bar + 1, "r", 1, &b) == 0) {
				check_algebra(&a, &b);
				check_algebra(&b, &a);
				res_free(&b);
			}
			res_free(&a);
		}
	}
	free(text);
	return 0;
}
