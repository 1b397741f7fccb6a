/*
 * Unit tests for core/resources: both parsers (every error message), the
 * three printers, and the arithmetic the allocator relies on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/resources.h"
#include "core/util.h"

static const char SEED[] = "cpus:24;gpus:2;mem:24576;disk:409600;"
			   "ports:[21000-24000,30000-34000];bugs(debug_role):{a,b,c}";

/* ---- helpers ---- */

static struct resources parse_ok_role(const char *text, const char *role)
{
	struct resources r;
	char err[256] = "";
	int rc = res_parse_text(text, role, &r, err, sizeof(err));
	if (rc != 0)
		fail_msg("parse of '%s' failed: %s", text, err);
	return r;
}

static struct resources parse_ok(const char *text)
{
	return parse_ok_role(text, NULL);
}

static struct resources json_ok(const char *text)
{
	struct resources r;
	char err[256] = "";
	int rc = res_parse(text, NULL, &r, err, sizeof(err));
	if (rc != 0)
		fail_msg("parse of '%s' failed: %s", text, err);
	return r;
}

static void expect_text_err(const char *text, const char *msg)
{
	struct resources r;
	char err[512] = "x";
	int rc = res_parse_text(text, NULL, &r, err, sizeof(err));
	if (rc != -EINVAL)
		fail_msg("'%.80s' parsed (rc %d), expected error '%s'", text, rc, msg);
	assert_null(r.v);
	assert_int_equal(r.n, 0);
	assert_string_equal(err, msg);
}

static void expect_json_err(const char *text, const char *msg)
{
	struct resources r;
	char err[512] = "x";
	int rc = res_parse(text, NULL, &r, err, sizeof(err));
	if (rc != -EINVAL)
		fail_msg("'%.80s' parsed (rc %d), expected error '%s'", text, rc, msg);
	assert_int_equal(r.n, 0);
	/* A trailing '*' matches any rest (jansson's own wording varies by version). */
	if (msg[strlen(msg) - 1] == '*')
		assert_int_equal(strncmp(err, msg, strlen(msg) - 1), 0);
	else
		assert_string_equal(err, msg);
}

static void expect_text(const struct resources *r, const char *want)
{
	char buf[4096];
	assert_int_equal(res_to_text(r, buf, sizeof(buf)), 0);
	assert_string_equal(buf, want);
}

static void expect_roundtrip_text(const char *text, const char *want)
{
	struct resources r = parse_ok(text);
	expect_text(&r, want);
	res_free(&r);
}

static void expect_summary(const char *text, const char *want)
{
	struct resources r = parse_ok(text);
	json_t *s = res_to_summary(&r);
	char *got = json_compact(s);
	assert_string_equal(got, want);
	free(got);
	json_decref(s);
	res_free(&r);
}

static void expect_json(const char *text, const char *want)
{
	struct resources r = parse_ok(text);
	json_t *j = res_to_json(&r);
	char *got = json_compact(j);
	assert_string_equal(got, want);
	free(got);
	json_decref(j);
	res_free(&r);
}

/* ---- text parser ---- */

static void test_seed_example(void **state)
{
	(void)state;
	struct resources r = parse_ok(SEED);
	const struct resource *e;

	assert_int_equal(r.n, 6);
	assert_int_equal(res_scalar_milli(&r, "cpus"), 24000);
	assert_int_equal(res_scalar_milli(&r, "gpus"), 2000);
	assert_int_equal(res_scalar_milli(&r, "mem"), 24576000);
	assert_int_equal(res_scalar_milli(&r, "disk"), 409600000);
	e = res_find(&r, "ports", "*");
	assert_non_null(e);
	assert_int_equal(e->type, RES_RANGES);
	assert_int_equal(e->nranges, 2);
	assert_int_equal(e->ranges[0].begin, 21000);
	assert_int_equal(e->ranges[0].end, 24000);
	assert_int_equal(e->ranges[1].begin, 30000);
	assert_int_equal(e->ranges[1].end, 34000);
	assert_null(res_find(&r, "bugs", "*"));
	e = res_find(&r, "bugs", "debug_role");
	assert_non_null(e);
	assert_int_equal(e->type, RES_SET);
	assert_int_equal(e->nitems, 3);
	assert_string_equal(e->items[0], "a");
	assert_string_equal(e->items[2], "c");
	expect_text(&r, SEED);
	res_free(&r);
	assert_null(r.v);
}

static void test_whitespace_and_empty(void **state)
{
	(void)state;
	struct resources r;

	expect_roundtrip_text(" cpus : 4 ; mem(  eng ) :1024 ;; ports : [ 1 - 2 , 4-5 ] ; s:{ b , a };",
			      "cpus:4;mem(eng):1024;ports:[1-2,4-5];s:{a,b}");
	expect_roundtrip_text("s:{a b, c}", "s:{a b,c}");
	for (const char *const *t = (const char *const[]){ "", "   ", ";", " ; ;\t", NULL }; *t;
	     t++) {
		r = parse_ok(*t);
		assert_true(res_empty(&r));
		assert_int_equal(r.n, 0);
		expect_text(&r, "");
		res_free(&r);
	}
	/* Zero scalars and empty ranges/sets parse to nothing. */
	r = parse_ok("cpus:0;ports:[];s:{ };mem:0.0001");
	assert_int_equal(r.n, 0);
	res_free(&r);
}

static void test_default_role(void **state)
{
	(void)state;
	struct resources r = parse_ok_role("cpus:2;mem(*):5;disk(ops):1", "eng");
	assert_non_null(res_find(&r, "cpus", "eng"));
	assert_non_null(res_find(&r, "mem", "*"));
	assert_non_null(res_find(&r, "mem", NULL));
	assert_non_null(res_find(&r, "disk", "ops"));
	expect_text(&r, "cpus(eng):2;mem:5;disk(ops):1");
	res_free(&r);

	r = parse_ok_role("cpus:1", "a/b.c");
	assert_non_null(res_find(&r, "cpus", "a/b.c"));
	res_free(&r);
}

static void test_duplicates_merge(void **state)
{
	(void)state;
	expect_roundtrip_text("cpus:1;cpus:0.5;ports:[1-5];ports:[6-10,20-30];s:{b,a};s:{c,a}",
			      "cpus:1.5;ports:[1-10,20-30];s:{a,b,c}");
	expect_roundtrip_text("cpus:1;cpus(r):2;cpus:3", "cpus:4;cpus(r):2");
	expect_roundtrip_text("ports:[5-10,1-4,20-30,25-27,12-12,11-11]", "ports:[1-12,20-30]");
	expect_roundtrip_text("ports:[18446744073709551614-18446744073709551615,0-0,1-1]",
			      "ports:[0-1,18446744073709551614-18446744073709551615]");
	expect_roundtrip_text("s:{z,a,z,m}", "s:{a,m,z}");
	expect_roundtrip_text("p:[1-5,1-3,0-0,1-1]", "p:[0-5]");
	expect_roundtrip_text("cpus:1e+2;mem:25E-1", "cpus:100;mem:2.5");
}

static void test_scalar_precision(void **state)
{
	(void)state;
	struct resources a = parse_ok("cpus:0.1"), b = parse_ok("cpus:0.2");
	struct resources c = parse_ok("cpus:0.3");

	res_add(&a, &b);
	assert_int_equal(res_scalar_milli(&a, "cpus"), 300);
	assert_true(res_equal(&a, &c));
	expect_text(&a, "cpus:0.3");
	assert_true(res_scalar(&a, "cpus") == 0.3);
	res_free(&a);
	res_free(&b);
	res_free(&c);

	expect_roundtrip_text("cpus:1.23449;mem:1.23451;disk:2.50;x:.5;y:5.;z:1e3",
			      "cpus:1.234;mem:1.235;disk:2.5;x:0.5;y:5;z:1000");
	expect_roundtrip_text("cpus:0.010", "cpus:0.01");
	expect_roundtrip_text("cpus:1000000000000", "cpus:1000000000000");
}

static void test_gpus_whole(void **state)
{
	(void)state;
	struct resources r = parse_ok("gpus:2;gpus(eng):1.0");
	assert_int_equal(res_scalar_milli(&r, "gpus"), 3000);
	res_free(&r);
	expect_text_err("gpus:1.5", "resources: 'gpus:1.5': gpus must be a whole number");
	expect_text_err("gpus(eng):0.5", "resources: 'gpus(eng):0.5': gpus must be a whole number");
	expect_json_err("[{\"name\":\"gpus\",\"type\":\"SCALAR\",\"scalar\":{\"value\":0.5}}]",
			"resources[0].scalar.value: gpus must be a whole number");
	expect_json_err("[{\"name\":\"gpus\",\"type\":\"SCALAR\",\"scalar\":{\"value\":\"1.25\"}}]",
			"resources[0].scalar.value: gpus must be a whole number");
}

static void test_text_errors(void **state)
{
	(void)state;
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{ "cpus", "resources: 'cpus': expected name:value" },
		{ "cpus:1;mem", "resources: 'mem': expected name:value" },
		{ "mem:abc", "resources: 'mem:abc': expected a number, a [range] or a {set}" },
		{ "mem:", "resources: 'mem:': expected a number, a [range] or a {set}" },
		{ "mem:1 2", "resources: 'mem:1 2': expected a number, a [range] or a {set}" },
		{ "cpus:inf", "resources: 'cpus:inf': expected a number, a [range] or a {set}" },
		{ "cpus:nan", "resources: 'cpus:nan': expected a number, a [range] or a {set}" },
		{ "cpus:0x10", "resources: 'cpus:0x10': expected a number, a [range] or a {set}" },
		{ "cpus:+1", "resources: 'cpus:+1': expected a number, a [range] or a {set}" },
		{ "cpus:1e999", "resources: 'cpus:1e999': expected a number, a [range] or a {set}" },
		{ "cpus:-1", "resources: 'cpus:-1': must not be negative" },
		{ "cpus:1e", "resources: 'cpus:1e': expected a number, a [range] or a {set}" },
		{ "cpus:1e+", "resources: 'cpus:1e+': expected a number, a [range] or a {set}" },
		{ "cpus:.", "resources: 'cpus:.': expected a number, a [range] or a {set}" },
		{ "cpus(rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr):1",
		  "resources: 'cpus(rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr...': "
		  "role is longer than 63 bytes" },
		{ "cpus:1e13", "resources: 'cpus:1e13': larger than 1000000000000" },
		{ "mem:1e12;mem:0.001",
		  "resources: 'mem:0.001': 'mem' adds up to more than 1000000000000" },
		{ ":4", "resources: ':4': missing resource name" },
		{ "(eng):4", "resources: '(eng):4': missing resource name" },
		{ "cp us:4",
		  "resources: 'cp us:4': resource name may only hold letters, digits and '_.-/'" },
		{ "cpus):4",
		  "resources: 'cpus):4': resource name may only hold letters, digits and '_.-/'" },
		{ "cpus(eng:4", "resources: 'cpus(eng:4': expected ')' after the role" },
		{ "cpus(eng)x:4", "resources: 'cpus(eng)x:4': expected ')' after the role" },
		{ "cpus():4", "resources: 'cpus():4': empty role" },
		{ "cpus(-x):4", "resources: 'cpus(-x):4': role must not start with '-'" },
		{ "cpus(a//b):4", "resources: 'cpus(a//b):4': role has an empty path segment" },
		{ "cpus(a/):4", "resources: 'cpus(a/):4': role has an empty path segment" },
		{ "cpus(a/../b):4",
		  "resources: 'cpus(a/../b):4': role must not have '.' or '..' segments" },
		{ "cpus(.):4", "resources: 'cpus(.):4': role must not have '.' or '..' segments" },
		{ "cpus(a b):4", "resources: 'cpus(a b):4': role may only hold letters, digits and "
				 "'_.-/' (or be '*')" },
		{ "cpus(a(b)):4", "resources: 'cpus(a(b)):4': role may only hold letters, digits "
				  "and '_.-/' (or be '*')" },
		{ "ports:[80]", "resources: 'ports:[80]': range '80' must be begin-end, e.g. [80-80]" },
		{ "ports:[1-2", "resources: 'ports:[1-2': expected ']' at the end of the ranges" },
		{ "ports:[", "resources: 'ports:[': expected ']' at the end of the ranges" },
		{ "ports:[1-2]]",
		  "resources: 'ports:[1-2]]': range '1-2]' is not begin-end with unsigned integers" },
		{ "ports:[5-3]", "resources: 'ports:[5-3]': range '5-3' has begin > end" },
		{ "ports:[a-b]",
		  "resources: 'ports:[a-b]': range 'a-b' is not begin-end with unsigned integers" },
		{ "ports:[-1-2]",
		  "resources: 'ports:[-1-2]': range '-1-2' is not begin-end with unsigned integers" },
		{ "ports:[1-+2]",
		  "resources: 'ports:[1-+2]': range '1-+2' is not begin-end with unsigned integers" },
		{ "ports:[1-18446744073709551616]",
		  "resources: 'ports:[1-18446744073709551616]': range '1-18446744073709551616' is "
		  "not begin-end with unsigned integers" },
		{ "ports:[1-2,,3-4]", "resources: 'ports:[1-2,,3-4]': empty range" },
		{ "ports:[1-2,]", "resources: 'ports:[1-2,]': empty range" },
		{ "s:{a,,b}", "resources: 's:{a,,b}': empty set item" },
		{ "s:{a", "resources: 's:{a': expected '}' at the end of the set" },
		{ "s:{a{b}", "resources: 's:{a{b}': set item may only hold printable ASCII other than "
			     "',;{}'" },
		{ "s:{a\x01}", "resources: 's:{a\x01}': set item may only hold printable ASCII other "
			       "than ',;{}'" },
		{ "cpus:1;cpus:[1-2]", "resources: 'cpus:[1-2]': 'cpus' was already given as a scalar" },
		{ "x(r):{a};x:1", "resources: 'x:1': 'x' was already given as a set" },
		{ "p:[1-2];p(r):{a}", "resources: 'p(r):{a}': 'p' was already given as ranges" },
		{ "cpus:0;cpus:[1-2]", "resources: 'cpus:[1-2]': 'cpus' was already given as a scalar" },
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++)
		expect_text_err(cases[i].text, cases[i].msg);
}

static void test_text_error_misc(void **state)
{
	(void)state;
	struct resources r;
	char err[64], longname[80], text[200];
	int rc;

	/* Long entries are quoted up to 64 bytes. */
	memset(longname, 'n', 64);
	longname[64] = '\0';
	snprintf(text, sizeof(text), "%s:1", longname);
	snprintf(err, sizeof(err), "x");
	{
		char want[256], big[512];
		snprintf(want, sizeof(want),
			 "resources: '%.64s...': resource name is longer than 63 bytes", text);
		rc = res_parse_text(text, NULL, &r, big, sizeof(big));
		assert_int_equal(rc, -EINVAL);
		assert_string_equal(big, want);
	}
	/* 63 bytes is fine. */
	longname[63] = '\0';
	snprintf(text, sizeof(text), "%s:1", longname);
	r = parse_ok(text);
	assert_int_equal(r.n, 1);
	res_free(&r);

	/* Small and missing error buffers. */
	rc = res_parse_text("mem:abc", NULL, &r, err, 8);
	assert_int_equal(rc, -EINVAL);
	assert_string_equal(err, "resourc");
	err[0] = 'x';
	rc = res_parse_text("mem:abc", NULL, &r, err, 1);
	assert_int_equal(rc, -EINVAL);
	assert_string_equal(err, "");
	assert_int_equal(res_parse_text("mem:abc", NULL, &r, NULL, 0), -EINVAL);
	assert_int_equal(res_parse("[1]", NULL, &r, NULL, 0), -EINVAL);

	/* Success clears err. */
	snprintf(err, sizeof(err), "stale");
	assert_int_equal(res_parse_text("cpus:1", NULL, &r, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	res_free(&r);

	rc = res_parse_text(NULL, NULL, &r, err, sizeof(err));
	assert_int_equal(rc, -EINVAL);
	assert_string_equal(err, "resources: no text given");
	{
		char big[256];
		rc = res_parse_text("cpus:1", "a b", &r, big, sizeof(big));
		assert_int_equal(rc, -EINVAL);
		assert_string_equal(big, "resources: default role 'a b': role may only hold "
					 "letters, digits and '_.-/' (or be '*')");
	}
	rc = res_parse_text("cpus:1", "", &r, err, sizeof(err));
	assert_int_equal(rc, -EINVAL);
	assert_string_equal(err, "resources: default role '': empty role");
}

/* "name0:1;name1:1;..." with n entries. */
static char *many_entries(size_t n)
{
	size_t cap = n * 16 + 1;
	char *s = xcalloc(1, cap);
	for (size_t i = 0; i < n; i++) {
		char one[32];
		snprintf(one, sizeof(one), "%sr%zu:1", i ? ";" : "", i);
		str_append(s, one, cap);
	}
	return s;
}

/* "p:[0-0,2-2,4-4,...]" with n disjoint ranges starting at start. */
static char *many_ranges(const char *name, size_t n, size_t start)
{
	size_t cap = n * 24 + 64;
	char *s = xcalloc(1, cap);
	snprintf(s, cap, "%s:[", name);
	for (size_t i = 0; i < n; i++) {
		char one[48];
		size_t v = start + 2 * i;
		snprintf(one, sizeof(one), "%s%zu-%zu", i ? "," : "", v, v);
		str_append(s, one, cap);
	}
	str_append(s, "]", cap);
	return s;
}

static char *many_items(size_t n)
{
	size_t cap = n * 8 + 16;
	char *s = xcalloc(1, cap);
	str_append(s, "s:{", cap);
	for (size_t i = 0; i < n; i++) {
		char one[32];
		snprintf(one, sizeof(one), "%si%zu", i ? "," : "", i);
		str_append(s, one, cap);
	}
	str_append(s, "}", cap);
	return s;
}

static void test_bounds(void **state)
{
	(void)state;
	struct resources r;
	char err[256], *text, *t2;
	int rc;

	text = many_entries(64);
	r = parse_ok(text);
	assert_int_equal(r.n, 64);
	res_free(&r);
	free(text);
	text = many_entries(65);
	expect_text_err(text, "resources: 'r64:1': more than 64 resources");
	free(text);

	text = many_ranges("p", RES_MAX_RANGES, 0);
	r = parse_ok(text);
	assert_int_equal(r.v[0].nranges, RES_MAX_RANGES);
	res_free(&r);
	free(text);
	text = many_ranges("p", RES_MAX_RANGES + 1, 0);
	rc = res_parse_text(text, NULL, &r, err, sizeof(err));
	assert_int_equal(rc, -EINVAL);
	assert_non_null(strstr(err, "': more than 1024 ranges"));
	free(text);

	/* Two sets of 200 items union to 400. */
	text = many_items(200);
	t2 = many_items(400);
	{
		size_t cap = strlen(text) + strlen(t2) + 2;
		char *both = xcalloc(1, cap);
		/* the second half of the 400 only: items i200..i399 */
		const char *tail = strstr(t2, ",i200,");
		snprintf(both, cap, "%s;s:{%s", text, tail + 1);
		rc = res_parse_text(both, NULL, &r, err, sizeof(err));
		assert_int_equal(rc, -EINVAL);
		assert_non_null(strstr(err, "': more than 256 set items"));
		free(both);
	}
	free(text);
	free(t2);

	/* Two entries of 600 ranges each union to 1200. */
	text = many_ranges("p", 600, 0);
	t2 = many_ranges("p", 600, 5000);
	{
		size_t cap = strlen(text) + strlen(t2) + 2;
		char *both = xcalloc(1, cap);
		snprintf(both, cap, "%s;%s", text, t2);
		rc = res_parse_text(both, NULL, &r, err, sizeof(err));
		assert_int_equal(rc, -EINVAL);
		assert_non_null(strstr(err, "': more than 1024 ranges"));
		free(both);
	}
	free(text);
	free(t2);

	text = many_items(RES_MAX_ITEMS);
	r = parse_ok(text);
	assert_int_equal(r.v[0].nitems, RES_MAX_ITEMS);
	res_free(&r);
	free(text);
	text = many_items(RES_MAX_ITEMS + 1);
	rc = res_parse_text(text, NULL, &r, err, sizeof(err));
	assert_int_equal(rc, -EINVAL);
	assert_non_null(strstr(err, "': more than 256 set items"));
	free(text);

	{
		/* "s:{" + n x 'a' + "}" */
		char item[300];
		memcpy(item, "s:{", 3);
		memset(item + 3, 'a', 256);
		memcpy(item + 3 + 256, "}", 2);
		rc = res_parse_text(item, NULL, &r, err, sizeof(err));
		assert_int_equal(rc, -EINVAL);
		assert_non_null(strstr(err, "': set item is longer than 255 bytes"));
		memcpy(item + 3 + 255, "}", 2);
		r = parse_ok(item);
		assert_int_equal(strlen(r.v[0].items[0]), 255);
		res_free(&r);
	}

	/* RES_MAX_TEXT bytes of input, then one more. */
	text = xcalloc(1, RES_MAX_TEXT + 2);
	memset(text, ' ', RES_MAX_TEXT);
	memcpy(text, "cpus:1", 6);
	r = parse_ok(text);
	assert_int_equal(r.n, 1);
	res_free(&r);
	text[RES_MAX_TEXT] = ' ';
	expect_text_err(text, "resources: longer than 65536 bytes");
	text[0] = '[';
	rc = res_parse(text, NULL, &r, err, sizeof(err));
	assert_int_equal(rc, -EINVAL);
	assert_string_equal(err, "resources: larger than 65536 bytes");
	free(text);
}

/* ---- JSON ---- */

static void test_to_json_shape(void **state)
{
	(void)state;
	expect_json("cpus:1.5;mem:4;ports:[1-2,5-6];s(r):{b,a}",
		    "[{\"name\":\"cpus\",\"type\":\"SCALAR\",\"scalar\":{\"value\":1.5},"
		    "\"role\":\"*\"},"
		    "{\"name\":\"mem\",\"type\":\"SCALAR\",\"scalar\":{\"value\":4.0},"
		    "\"role\":\"*\"},"
		    "{\"name\":\"ports\",\"type\":\"RANGES\",\"ranges\":{\"range\":[{\"begin\":1,"
		    "\"end\":2},{\"begin\":5,\"end\":6}]},\"role\":\"*\"},"
		    "{\"name\":\"s\",\"type\":\"SET\",\"set\":{\"item\":[\"a\",\"b\"]},"
		    "\"role\":\"r\"}]");
	expect_json("", "[]");
	expect_json("cpus:0.1", "[{\"name\":\"cpus\",\"type\":\"SCALAR\",\"scalar\":{\"value\":0.1},"
				"\"role\":\"*\"}]");
	/* uint64 beyond int64 travels as a numeric string. */
	expect_json("p:[9223372036854775807-18446744073709551615]",
		    "[{\"name\":\"p\",\"type\":\"RANGES\",\"ranges\":{\"range\":[{\"begin\":"
		    "9223372036854775807,\"end\":\"18446744073709551615\"}]},\"role\":\"*\"}]");
}

static void roundtrip_json(const char *text)
{
	struct resources a = parse_ok(text), b;
	char err[256] = "";
	json_t *j = res_to_json(&a);
	assert_int_equal(res_parse_json(j, "resources", &b, err, sizeof(err)), 0);
	assert_true(res_equal(&a, &b));
	json_decref(j);
	res_free(&a);
	res_free(&b);
}

static void test_json_roundtrip(void **state)
{
	(void)state;
	roundtrip_json(SEED);
	roundtrip_json("cpus:0.001;mem:1000000000000;p:[0-18446744073709551615];s(a/b):{x y,z}");
	roundtrip_json("");
}

static void test_json_forms(void **state)
{
	(void)state;
	struct resources r, t;
	char err[256];

	/* Numeric strings, null = unset, unknown and ignored keys, role default. */
	r = json_ok(" [ {\"name\":\"cpus\",\"type\":\"SCALAR\",\"scalar\":{\"value\":\"2.5\"},"
		    "\"ranges\":null,\"allocation_info\":{\"role\":\"x\"},\"reservation\":{},"
		    "\"disk\":{},\"future\":1},"
		    "{\"name\":\"ports\",\"type\":\"RANGES\",\"ranges\":{\"range\":[{\"begin\":\"10\","
		    "\"end\":20.0},{\"begin\":21,\"end\":30}]},\"role\":null},"
		    "{\"name\":\"s\",\"type\":\"SET\",\"set\":{\"item\":[\"b\",\"a\",\"b\"]},"
		    "\"role\":\"eng\"},"
		    "{\"name\":\"cpus\",\"type\":\"SCALAR\",\"scalar\":{\"value\":0.5}},"
		    "{\"name\":\"e\",\"type\":\"RANGES\",\"ranges\":{}},"
		    "{\"name\":\"f\",\"type\":\"SET\",\"set\":{\"item\":[]}}]");
	t = parse_ok("cpus:3;ports:[10-30];s(eng):{a,b}");
	assert_true(res_equal(&r, &t));
	res_free(&r);
	res_free(&t);

	/* Refinement format: the last reservation's role. */
	r = json_ok("[{\"name\":\"mem\",\"type\":\"SCALAR\",\"scalar\":{\"value\":1},"
		    "\"reservations\":[{\"type\":\"STATIC\",\"role\":\"a\"},"
		    "{\"type\":\"DYNAMIC\",\"role\":\"a/b\"}]}]");
	assert_non_null(res_find(&r, "mem", "a/b"));
	res_free(&r);
	r = json_ok("[{\"name\":\"mem\",\"type\":\"SCALAR\",\"scalar\":{\"value\":1},"
		    "\"reservations\":[{\"type\":\"STATIC\"}]}]");
	assert_non_null(res_find(&r, "mem", "*"));
	res_free(&r);

	/* res_parse applies default_role to JSON entries without a role. */
	assert_int_equal(res_parse("[{\"name\":\"mem\",\"type\":\"SCALAR\",\"scalar\":{\"value\":1}},"
				   "{\"name\":\"disk\",\"type\":\"SCALAR\",\"scalar\":{\"value\":1},"
				   "\"role\":\"*\"}]",
				   "eng", &r, err, sizeof(err)),
			 0);
	assert_non_null(res_find(&r, "mem", "eng"));
	assert_non_null(res_find(&r, "disk", "*"));
	res_free(&r);

	/* res_parse_json: NULL path means "resources". */
	{
		json_t *j = json_loads("[{\"name\":\"gpus\",\"type\":\"SCALAR\",\"scalar\":{}}]", 0,
				       NULL);
		assert_int_equal(res_parse_json(j, NULL, &r, err, sizeof(err)), -EINVAL);
		assert_string_equal(err, "resources[0].scalar.value: required field is missing");
		assert_int_equal(res_parse_json(j, "offer.resources", &r, err, sizeof(err)),
				 -EINVAL);
		assert_string_equal(err,
				    "offer.resources[0].scalar.value: required field is missing");
		json_decref(j);
	}
}

static void test_json_errors(void **state)
{
	(void)state;
#define S "\"type\":\"SCALAR\",\"scalar\":{\"value\":1}"
#define RG(b, e) "\"type\":\"RANGES\",\"ranges\":{\"range\":[{\"begin\":" b ",\"end\":" e "}]}"
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{ "[1]", "resources[0]: expected an object" },
		{ "[{" S "}]", "resources[0].name: required field is missing" },
		{ "[{\"name\":5," S "}]", "resources[0].name: expected a string" },
		{ "[{\"name\":\"\"," S "}]", "resources[0].name: missing resource name" },
		{ "[{\"name\":\"a b\"," S "}]",
		  "resources[0].name: resource name may only hold letters, digits and '_.-/'" },
		{ "[{\"name\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"," S
		  "}]",
		  "resources[0].name: longer than 63 bytes" },
		{ "[{\"name\":\"c\",\"scalar\":{\"value\":1}}]",
		  "resources[0].type: required field is missing" },
		{ "[{\"name\":\"c\",\"type\":\"TEXT\",\"text\":{\"value\":\"x\"}}]",
		  "resources[0].type: TEXT is not a valid resource type" },
		{ "[{\"name\":\"c\",\"type\":\"FOO\"}]", "resources[0].type: unknown value 'FOO'" },
		{ "[{\"name\":\"c\",\"type\":0}]", "resources[0].type: expected an enum name string" },
		{ "[{\"name\":\"c\",\"type\":\"SCALAR\"}]",
		  "resources[0].scalar: required field is missing" },
		{ "[{\"name\":\"c\",\"type\":\"SCALAR\",\"scalar\":1}]",
		  "resources[0].scalar: expected an object" },
		{ "[{\"name\":\"c\",\"type\":\"SCALAR\",\"scalar\":{\"value\":\"abc\"}}]",
		  "resources[0].scalar.value: expected a number" },
		{ "[{\"name\":\"c\",\"type\":\"SCALAR\",\"scalar\":{\"value\":\"nan\"}}]",
		  "resources[0].scalar.value: expected a number" },
		{ "[{\"name\":\"c\",\"type\":\"SCALAR\",\"scalar\":{\"value\":-1}}]",
		  "resources[0].scalar.value: must not be negative" },
		{ "[{\"name\":\"c\",\"type\":\"SCALAR\",\"scalar\":{\"value\":1e13}}]",
		  "resources[0].scalar.value: larger than 1000000000000" },
		{ "[{\"name\":\"c\"," S ",\"ranges\":{}}]",
		  "resources[0].ranges: not allowed with type SCALAR" },
		{ "[{\"name\":\"c\"," RG("1", "2") ",\"set\":{}}]",
		  "resources[0].set: not allowed with type RANGES" },
		{ "[{\"name\":\"c\",\"type\":\"SET\",\"set\":{},\"scalar\":{\"value\":1}}]",
		  "resources[0].scalar: not allowed with type SET" },
		{ "[{\"name\":\"c\",\"type\":\"RANGES\"}]",
		  "resources[0].ranges: required field is missing" },
		{ "[{\"name\":\"c\",\"type\":\"RANGES\",\"ranges\":{\"range\":{}}}]",
		  "resources[0].ranges.range: expected an array" },
		{ "[{\"name\":\"c\",\"type\":\"RANGES\",\"ranges\":{\"range\":[1]}}]",
		  "resources[0].ranges.range[0]: expected an object" },
		{ "[{\"name\":\"c\"," RG("5", "3") "}]",
		  "resources[0].ranges.range[0]: begin 5 > end 3" },
		{ "[{\"name\":\"c\",\"type\":\"RANGES\",\"ranges\":{\"range\":[{\"end\":1}]}}]",
		  "resources[0].ranges.range[0].begin: required field is missing" },
		{ "[{\"name\":\"c\"," RG("-1", "2") "}]",
		  "resources[0].ranges.range[0].begin: must not be negative" },
		{ "[{\"name\":\"c\"," RG("1", "\"x\"") "}]",
		  "resources[0].ranges.range[0].end: expected an unsigned integer" },
		{ "[{\"name\":\"c\"," RG("1", "2.5") "}]",
		  "resources[0].ranges.range[0].end: expected an unsigned integer" },
		{ "[{\"name\":\"c\",\"type\":\"SET\"}]", "resources[0].set: required field is missing" },
		{ "[{\"name\":\"c\",\"type\":\"SET\",\"set\":{\"item\":[\"a\",1]}}]",
		  "resources[0].set.item[1]: expected a string" },
		{ "[{\"name\":\"c\",\"type\":\"SET\",\"set\":{\"item\":[\"a,b\"]}}]",
		  "resources[0].set.item[0]: set item may only hold printable ASCII other than "
		  "',;{}'" },
		{ "[{\"name\":\"c\",\"type\":\"SET\",\"set\":{\"item\":[\" a\"]}}]",
		  "resources[0].set.item[0]: set item has surrounding spaces" },
		{ "[{\"name\":\"c\",\"type\":\"SET\",\"set\":{\"item\":[\"\"]}}]",
		  "resources[0].set.item[0]: empty set item" },
		{ "[{\"name\":\"c\",\"type\":\"SET\",\"set\":{\"item\":[\"\\u00e9\"]}}]",
		  "resources[0].set.item[0]: set item may only hold printable ASCII other than "
		  "',;{}'" },
		{ "[{\"name\":\"c\"," S ",\"role\":\"-x\"}]",
		  "resources[0].role: role must not start with '-'" },
		{ "[{\"name\":\"c\"," S ",\"role\":7}]", "resources[0].role: expected a string" },
		{ "[{\"name\":\"c\"," S ",\"reservations\":[{\"role\":\"a b\"}]}]",
		  "resources[0].reservations[0].role: role may only hold letters, digits and '_.-/' "
		  "(or be '*')" },
		{ "[{\"name\":\"c\"," S "},{\"name\":\"c\",\"type\":\"SCALAR\",\"scalar\":"
		  "{\"value\":1e12}}]",
		  "resources[1]: 'c' adds up to more than 1000000000000" },
		{ "[{\"name\":\"c\"," S "},{\"name\":\"c\"," RG("1", "2") "}]",
		  "resources[1]: 'c' was already given as a scalar" },
		{ "[{\"name\":\"gpus\"," S "},{\"name\":\"x\"," S "},5]",
		  "resources[2]: expected an object" },
		{ "[{\"name\":\"c\"", "resources: line 1 column *" },
		{ "[{\"a\":1,\"a\":2}]", "resources: line 1 column 11: duplicate object key*" },
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++)
		expect_json_err(cases[i].text, cases[i].msg);
#undef S
#undef RG
}

static void test_json_bounds(void **state)
{
	(void)state;
	struct resources r;
	char err[256];
	json_t *arr = json_array(), *j;

	for (int i = 0; i < RES_MAX_ENTRIES; i++) {
		char name[16];
		snprintf(name, sizeof(name), "r%d", i);
		json_array_append_new(arr, json_pack("{s:s, s:s, s:{s:i}}", "name", name, "type",
						     "SCALAR", "scalar", "value", 1));
	}
	assert_int_equal(res_parse_json(arr, "r", &r, err, sizeof(err)), 0);
	assert_int_equal(r.n, RES_MAX_ENTRIES);
	res_free(&r);
	json_array_append_new(arr, json_pack("{s:s, s:s, s:{s:i}}", "name", "z", "type", "SCALAR",
					     "scalar", "value", 1));
	assert_int_equal(res_parse_json(arr, "r", &r, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "r: more than 64 resources");
	json_decref(arr);

	/* A NUL inside a set item (the text parsers never let one through). */
	j = json_pack("[{s:s, s:s, s:{s:[o]}}]", "name", "s", "type", "SET", "set", "item",
		      json_stringn("a\0b", 3));
	assert_int_equal(res_parse_json(j, NULL, &r, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "resources[0].set.item[0]: contains a NUL byte");
	json_decref(j);

	j = json_pack("{s:i}", "a", 1);
	assert_int_equal(res_parse_json(j, "r", &r, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "r: expected an array");
	json_decref(j);

	arr = json_array();
	for (int i = 0; i <= RES_MAX_RANGES; i++)
		json_array_append_new(arr, json_pack("{s:i, s:i}", "begin", 2 * i, "end", 2 * i));
	j = json_pack("[{s:s, s:s, s:{s:o}}]", "name", "p", "type", "RANGES", "ranges", "range",
		      arr);
	assert_int_equal(res_parse_json(j, NULL, &r, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "resources[0].ranges.range: more than 1024 items");
	json_decref(j);

	arr = json_array();
	for (int i = 0; i <= RES_MAX_ITEMS; i++) {
		char item[16];
		snprintf(item, sizeof(item), "i%d", i);
		json_array_append_new(arr, json_string(item));
	}
	j = json_pack("[{s:s, s:s, s:{s:o}}]", "name", "s", "type", "SET", "set", "item", arr);
	assert_int_equal(res_parse_json(j, NULL, &r, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "resources[0].set.item: more than 256 items");
	json_decref(j);
}

/* ---- summary and text ---- */

static void test_summary(void **state)
{
	(void)state;
	expect_summary("cpus:1.5;mem:1024;ports:[31000-31005,31010-31010];foo:{b,a}",
		       "{\"cpus\":1.5,\"gpus\":0.0,\"mem\":1024.0,\"disk\":0.0,"
		       "\"ports\":\"[31000-31005, 31010-31010]\",\"foo\":\"{a, b}\"}");
	expect_summary("", "{\"cpus\":0.0,\"gpus\":0.0,\"mem\":0.0,\"disk\":0.0}");
	expect_summary("cpus:1;cpus(eng):2.5;ports(eng):[5-6];ports:[1-4];disk:0.1;x(r):3;gpus:1",
		       "{\"cpus\":3.5,\"gpus\":1.0,\"mem\":0.0,\"disk\":0.1,\"ports\":\"[1-6]\","
		       "\"x\":3.0}");
	expect_summary(SEED, "{\"cpus\":24.0,\"gpus\":2.0,\"mem\":24576.0,\"disk\":409600.0,"
			     "\"ports\":\"[21000-24000, 30000-34000]\",\"bugs\":\"{a, b, c}\"}");
}

static void test_to_text(void **state)
{
	(void)state;
	struct resources r = parse_ok("cpus:4;mem:1024;ports:[31000-32000]");
	char buf[64];

	expect_text(&r, "cpus:4;mem:1024;ports:[31000-32000]");
	assert_int_equal(res_to_text(&r, buf, 10), -ENAMETOOLONG);
	assert_string_equal(buf, "cpus:4;me");
	/* Exactly fits: 35 bytes + NUL. */
	assert_int_equal(res_to_text(&r, buf, 36), 0);
	assert_int_equal(res_to_text(&r, buf, 35), -ENAMETOOLONG);
	assert_int_equal(strlen(buf), 34);
	assert_int_equal(res_to_text(&r, NULL, 0), -ENAMETOOLONG);
	res_free(&r);

	r = RESOURCES_EMPTY;
	assert_int_equal(res_to_text(&r, buf, 1), 0);
	assert_string_equal(buf, "");
}

/* ---- arithmetic ---- */

static void test_ports_arithmetic(void **state)
{
	(void)state;
	struct resources a = parse_ok("cpus:2;ports:[31000-32000]");
	struct resources orig, mid = parse_ok("ports:[31100-31200]");
	struct resources edges = parse_ok("ports:[31000-31000,32000-32000]");
	struct resources outside = parse_ok("ports:[30999-31000]");
	struct resources all = parse_ok("ports:[31000-32000]");

	res_copy(&orig, &a);
	assert_true(res_contains(&a, &mid));
	assert_int_equal(res_subtract(&a, &mid), 0);
	expect_text(&a, "cpus:2;ports:[31000-31099,31201-32000]");
	assert_false(res_contains(&a, &mid));
	/* Not contained: -EINVAL, a unchanged. */
	assert_int_equal(res_subtract(&a, &mid), -EINVAL);
	assert_int_equal(res_subtract(&a, &outside), -EINVAL);
	expect_text(&a, "cpus:2;ports:[31000-31099,31201-32000]");
	res_add(&a, &mid);
	assert_true(res_equal(&a, &orig));
	expect_text(&a, "cpus:2;ports:[31000-32000]");

	assert_int_equal(res_subtract(&a, &edges), 0);
	expect_text(&a, "cpus:2;ports:[31001-31999]");
	res_add(&a, &edges);
	assert_true(res_equal(&a, &orig));

	/* Subtracting everything removes the entry. */
	assert_int_equal(res_subtract(&a, &all), 0);
	expect_text(&a, "cpus:2");
	assert_null(res_find(&a, "ports", "*"));

	res_free(&a);
	res_free(&orig);
	res_free(&mid);
	res_free(&edges);
	res_free(&outside);
	res_free(&all);

	/* Several holes in several ranges in one pass. */
	a = parse_ok("p:[0-9,20-29,40-49]");
	mid = parse_ok("p:[0-0,5-6,9-9,20-21,25-25,29-29,45-49]");
	assert_int_equal(res_subtract(&a, &mid), 0);
	expect_text(&a, "p:[1-4,7-8,22-24,26-28,40-44]");
	res_add(&a, &mid);
	expect_text(&a, "p:[0-9,20-29,40-49]");
	res_free(&mid);
	mid = parse_ok("p:[9-21]");
	assert_false(res_contains(&a, &mid));
	assert_int_equal(res_subtract(&a, &mid), -EINVAL);
	{
		struct resources none = RESOURCES_EMPTY;
		assert_true(res_contains(&a, &none));
		assert_int_equal(res_subtract(&a, &none), 0);
	}
	res_free(&a);
	res_free(&mid);

	/* uint64 edges. */
	a = parse_ok("p:[0-18446744073709551615]");
	mid = parse_ok("p:[0-0,18446744073709551615-18446744073709551615]");
	assert_int_equal(res_subtract(&a, &mid), 0);
	expect_text(&a, "p:[1-18446744073709551614]");
	res_add(&a, &mid);
	expect_text(&a, "p:[0-18446744073709551615]");
	res_free(&a);
	res_free(&mid);
}

static void test_sets_arithmetic(void **state)
{
	(void)state;
	struct resources a = parse_ok("s:{a,b,c}"), b = parse_ok("s:{b}"), c = parse_ok("s:{d}");

	assert_true(res_contains(&a, &b));
	assert_false(res_contains(&a, &c));
	assert_int_equal(res_subtract(&a, &b), 0);
	expect_text(&a, "s:{a,c}");
	assert_int_equal(res_subtract(&a, &c), -EINVAL);
	res_add(&a, &c);
	res_add(&a, &b);
	expect_text(&a, "s:{a,b,c,d}");
	res_free(&b);
	b = parse_ok("s:{a,b,c,d}");
	assert_int_equal(res_subtract(&a, &b), 0);
	assert_true(res_empty(&a));
	assert_int_equal(a.n, 0);
	res_free(&a);
	res_free(&b);
	res_free(&c);
}

static void test_contains_roles(void **state)
{
	(void)state;
	struct resources a = parse_ok("cpus:4;cpus(eng):2;mem:100");
	static const struct {
		const char *b;
		bool want;
	} cases[] = {
		{ "", true },
		{ "cpus(eng):2", true },
		{ "cpus(eng):2.001", false },
		{ "cpus(ops):1", false },
		{ "cpus:4;mem:100", true },
		{ "cpus:4.5", false },
		{ "cpus:5", false }, /* the eng share does not count for "*" */
		{ "gpus:1", false },
		{ "mem:[1-2]", false }, /* type must match */
		{ "cpus:1;cpus(eng):1;mem:1", true },
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct resources b = parse_ok(cases[i].b);
		if (res_contains(&a, &b) != cases[i].want)
			fail_msg("contains('%s') != %d", cases[i].b, cases[i].want);
		res_free(&b);
	}
	res_free(&a);
}

static void test_scalar_arithmetic(void **state)
{
	(void)state;
	struct resources a = parse_ok("cpus:1;mem:10;disk:5"), b = parse_ok("cpus:1;disk:2.5");
	struct resources c = parse_ok("mem:10.001");

	assert_int_equal(res_subtract(&a, &b), 0);
	expect_text(&a, "mem:10;disk:2.5");
	assert_int_equal(a.n, 2);
	assert_int_equal(res_subtract(&a, &c), -EINVAL);
	expect_text(&a, "mem:10;disk:2.5");
	res_add(&a, &b);
	expect_text(&a, "mem:10;disk:5;cpus:1");
	res_free(&a);
	res_free(&b);
	res_free(&c);
}

static void test_equal_and_self(void **state)
{
	(void)state;
	struct resources a = parse_ok("cpus:1;mem:2;s:{a}"), b = parse_ok("s:{a};mem:2;cpus:1");
	struct resources c = parse_ok("cpus:1;mem:2;s:{b}"), d = parse_ok("cpus:1;mem:2");
	struct resources e = parse_ok("cpus(r):1;mem:2;s:{a}");

	assert_true(res_equal(&a, &b));
	assert_false(res_equal(&a, &c));
	assert_false(res_equal(&a, &d));
	assert_false(res_equal(&d, &a));
	assert_false(res_equal(&a, &e));
	assert_false(res_empty(&a));

	res_add(&a, &a);
	expect_text(&a, "cpus:2;mem:4;s:{a}");
	assert_int_equal(res_subtract(&a, &a), 0);
	assert_true(res_empty(&a));
	res_free(&a);
	res_free(&b);
	res_free(&c);
	res_free(&d);
	res_free(&e);
}

static void test_helpers(void **state)
{
	(void)state;
	struct resources r = parse_ok("cpus:1;cpus(eng):0.5;mem:[1-2]");
	struct resources defaults = parse_ok("cpus:8;mem(x):1;disk:100;ports:[31000-32000]");

	/* Scalars sum over roles; a non-scalar of the same name is not counted. */
	assert_int_equal(res_scalar_milli(&r, "cpus"), 1500);
	assert_true(res_scalar(&r, "cpus") == 1.5);
	assert_int_equal(res_scalar_milli(&r, "mem"), 0);
	assert_int_equal(res_scalar_milli(&r, "gpus"), 0);
	res_free(&r);

	r = parse_ok("cpus:1;cpus(eng):0.5");
	res_set_scalar(&r, "cpus", 2.25);
	res_set_scalar(&r, "mem", 512);
	expect_text(&r, "cpus:2.25;cpus(eng):0.5;mem:512");
	res_set_scalar(&r, "cpus", 0);
	res_set_scalar(&r, "gpus", -1);
	res_set_scalar(&r, "bad name", 1);
	expect_text(&r, "cpus(eng):0.5;mem:512");
	res_set_scalar(&r, "mem", 0.1 + 0.2);
	assert_int_equal(res_scalar_milli(&r, "mem"), 300);

	res_merge_missing(&r, &defaults);
	expect_text(&r, "cpus(eng):0.5;mem:0.3;disk:100;ports:[31000-32000]");
	res_free(&r);

	r = parse_ok("ports:[1-2]");
	res_set_scalar(&r, "ports", 3); /* replaces the unreserved entry whatever its type */
	expect_text(&r, "ports:3");
	res_free(&r);
	res_free(&defaults);
}

static void test_parse_dispatch(void **state)
{
	(void)state;
	struct resources a = json_ok("\n [{\"name\":\"cpus\",\"type\":\"SCALAR\","
				     "\"scalar\":{\"value\":2}}]");
	struct resources b = json_ok("cpus:2");
	assert_true(res_equal(&a, &b));
	res_free(&a);
	res_free(&b);
	expect_json_err("cpus:x", "resources: 'cpus:x': expected a number, a [range] or a {set}");
	expect_json_err("{}", "resources: '{}': expected name:value");
	expect_json_err("[]x", "resources: line 1 column 3: *");
	{
		char err[64];
		assert_int_equal(res_parse(NULL, NULL, &a, err, sizeof(err)), -EINVAL);
		assert_string_equal(err, "resources: no text given");
		assert_int_equal(res_parse("[]", "-bad", &a, err, sizeof(err)), -EINVAL);
		assert_string_equal(err, "resources: default role '-bad': role must not start "
					 "with '-'");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_example),
		cmocka_unit_test(test_whitespace_and_empty),
		cmocka_unit_test(test_default_role),
		cmocka_unit_test(test_duplicates_merge),
		cmocka_unit_test(test_scalar_precision),
		cmocka_unit_test(test_gpus_whole),
		cmocka_unit_test(test_text_errors),
		cmocka_unit_test(test_text_error_misc),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_to_json_shape),
		cmocka_unit_test(test_json_roundtrip),
		cmocka_unit_test(test_json_forms),
		cmocka_unit_test(test_json_errors),
		cmocka_unit_test(test_json_bounds),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_to_text),
		cmocka_unit_test(test_ports_arithmetic),
		cmocka_unit_test(test_sets_arithmetic),
		cmocka_unit_test(test_contains_roles),
		cmocka_unit_test(test_scalar_arithmetic),
		cmocka_unit_test(test_equal_and_self),
		cmocka_unit_test(test_helpers),
		cmocka_unit_test(test_parse_dispatch),
	};
	return cmocka_run_group_tests_name("resources", tests, NULL, NULL);
}
