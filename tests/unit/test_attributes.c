/* Unit tests for core/attributes: --attributes text, Attribute JSON, the /state summary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "core/attributes.h"

static void test_parse_and_summarise(void **state)
{
	json_t *attrs = NULL, *summary;
	char err[256] = "";
	(void)state;

	assert_int_equal(attributes_parse(" rack : r1 ;size:3;;zone:eu-1", &attrs, err, sizeof(err)),
			 0);
	assert_int_equal(json_array_size(attrs), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(attrs, 0), "type")),
			    "TEXT");
	assert_string_equal(json_string_value(json_object_get(json_array_get(attrs, 1), "type")),
			    "SCALAR");
	summary = attributes_summary(attrs);
	assert_string_equal(json_string_value(json_object_get(summary, "rack")), "r1");
	assert_true(json_number_value(json_object_get(summary, "size")) == 3.0);
	assert_string_equal(json_string_value(json_object_get(summary, "zone")), "eu-1");
	json_decref(summary);
	json_decref(attrs);
}

static void test_errors_name_the_item(void **state)
{
	json_t *attrs = NULL;
	char err[256] = "", big[2000];
	(void)state;

	assert_int_equal(attributes_parse("rack:r1;oops", &attrs, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "'oops': expected name:value");
	assert_int_equal(attributes_parse(" :v", &attrs, err, sizeof(err)), -EINVAL);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "n:", 2);
	assert_int_equal(attributes_parse(big, &attrs, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "'n': is too long");
	assert_null(attrs);
}

/* The summary leaves out what it cannot print (a master keeps an agent's array as sent). */
static void test_summary_skips_other_shapes(void **state)
{
	json_t *attrs = json_loads("[{\"name\":\"a\",\"type\":\"RANGES\"},{\"type\":\"TEXT\"},7,"
				   "{\"name\":\"b\",\"text\":{\"value\":\"x\"}}]",
				   0, NULL);
	json_t *summary = attributes_summary(attrs);
	(void)state;

	assert_int_equal(json_object_size(summary), 1);
	assert_string_equal(json_string_value(json_object_get(summary, "b")), "x");
	json_decref(summary);
	json_decref(attrs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_and_summarise),
		cmocka_unit_test(test_errors_name_the_item),
		cmocka_unit_test(test_summary_skips_other_shapes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
