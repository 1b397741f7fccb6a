/*
 * Unit tests for core/mesos: TaskState names, numbers and classes, and
 * the TaskStatus parser every role uses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "core/mesos.h"

/* mesos.proto's numbering: the JSON name and the number must agree with Mesos. */
static void test_state_numbers_and_names(void **state)
{
	static const struct {
		const char *name;
		int number;
	} proto[] = {
		{ "TASK_STARTING", 0 }, { "TASK_RUNNING", 1 },	  { "TASK_FINISHED", 2 },
		{ "TASK_FAILED", 3 },	{ "TASK_KILLED", 4 },	  { "TASK_LOST", 5 },
		{ "TASK_STAGING", 6 },	{ "TASK_ERROR", 7 },	  { "TASK_KILLING", 8 },
		{ "TASK_DROPPED", 9 },	{ "TASK_UNREACHABLE", 10 }, { "TASK_GONE", 11 },
		{ "TASK_GONE_BY_OPERATOR", 12 }, { "TASK_UNKNOWN", 13 },
	};
	(void)state;

	assert_int_equal(sizeof(proto) / sizeof(proto[0]), MESOS_TASK_STATE_COUNT);
	for (size_t i = 0; i < sizeof(proto) / sizeof(proto[0]); i++) {
		assert_int_equal(mesos_task_state_parse(proto[i].name), proto[i].number);
		assert_string_equal(mesos_task_state_name((enum mesos_task_state)proto[i].number),
				    proto[i].name);
	}
	assert_int_equal(TASK_RUNNING, 1);
	assert_int_equal(TASK_STAGING, 6);
	assert_string_equal(mesos_task_state_name((enum mesos_task_state)99), "TASK_UNKNOWN");
	assert_string_equal(mesos_task_state_name((enum mesos_task_state)-1), "TASK_UNKNOWN");
	assert_int_equal(mesos_task_state_parse(NULL), -1);
	assert_int_equal(mesos_task_state_parse(""), -1);
	assert_int_equal(mesos_task_state_parse("task_running"), -1);
	assert_int_equal(mesos_task_state_parse("TASK_RUNNING "), -1);
	assert_int_equal(mesos_task_state_parse("RUNNING"), -1);
}

static void test_state_classes(void **state)
{
	(void)state;
	/* terminal: the task never runs again */
	assert_true(mesos_task_state_terminal(TASK_FINISHED));
	assert_true(mesos_task_state_terminal(TASK_FAILED));
	assert_true(mesos_task_state_terminal(TASK_KILLED));
	assert_true(mesos_task_state_terminal(TASK_LOST));
	assert_true(mesos_task_state_terminal(TASK_ERROR));
	assert_true(mesos_task_state_terminal(TASK_DROPPED));
	assert_true(mesos_task_state_terminal(TASK_GONE));
	assert_true(mesos_task_state_terminal(TASK_GONE_BY_OPERATOR));
	assert_false(mesos_task_state_terminal(TASK_STAGING));
	assert_false(mesos_task_state_terminal(TASK_STARTING));
	assert_false(mesos_task_state_terminal(TASK_RUNNING));
	assert_false(mesos_task_state_terminal(TASK_KILLING));
	assert_false(mesos_task_state_terminal(TASK_UNREACHABLE));
	assert_false(mesos_task_state_terminal(TASK_UNKNOWN));
	assert_false(mesos_task_state_terminal((enum mesos_task_state)99));
	/* live: what a scheduler shows as running */
	for (int s = 0; s < MESOS_TASK_STATE_COUNT; s++) {
		bool live = mesos_task_state_live((enum mesos_task_state)s);
		assert_int_equal(live, s == TASK_STAGING || s == TASK_STARTING ||
					       s == TASK_RUNNING || s == TASK_KILLING);
		if (live)
			assert_false(mesos_task_state_terminal((enum mesos_task_state)s));
	}
}

static void test_status_parse(void **state)
{
	struct mesos_task_status st;
	struct jerr err = { { 0 } };
	json_t *j;
	(void)state;

	j = json_loads("{\"task_id\":{\"value\":\"t1\"},\"state\":\"TASK_KILLING\","
		       "\"uuid\":\"abc=\",\"timestamp\":\"12.5\"}",
		       0, NULL);
	assert_int_equal(mesos_task_status_parse(j, &st, &err), 0);
	assert_int_equal(st.state, TASK_KILLING);
	assert_string_equal(st.task_id, "t1");
	assert_string_equal(st.uuid, "abc=");
	assert_true(st.timestamp == 12.5);
	json_decref(j);

	j = json_loads("{\"task_id\":{\"value\":\"t1\"}}", 0, NULL);
	assert_int_equal(mesos_task_status_parse(j, &st, &err), -EINVAL);
	assert_string_equal(err.msg, "status.state: required field is missing");
	json_decref(j);

	j = json_loads("{\"task_id\":{\"value\":\"t1\"},\"state\":\"TASK_RUNNING\","
		       "\"message\":5}",
		       0, NULL);
	assert_int_equal(mesos_task_status_parse(j, &st, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "status.message"));
	json_decref(j);

	j = json_loads("[]", 0, NULL);
	assert_int_equal(mesos_task_status_parse(j, &st, &err), -EINVAL);
	json_decref(j);
}

static void test_framework_info_parse(void **state)
{
	struct mesos_framework_info fi;
	struct jerr err;
	json_t *j;
	(void)state;

	j = json_loads("{\"id\":{\"value\":\"f1\"},\"user\":\"u\",\"roles\":[\"a\",\"b\"],"
		       "\"principal\":\"p\",\"failover_timeout\":7.5,\"checkpoint\":true}",
		       0, NULL);
	assert_int_equal(mesos_framework_info_parse(j, &fi, &err), 0);
	assert_string_equal(fi.id, "f1");
	assert_string_equal(fi.user, "u");
	assert_string_equal(fi.name, "");
	assert_string_equal(fi.role, "a");
	assert_string_equal(fi.principal, "p");
	assert_true(fi.failover_timeout == 7.5);
	assert_true(fi.checkpoint);
	json_decref(j);

	j = json_loads("{\"role\":\"r\",\"roles\":[\"a\"]}", 0, NULL);
	assert_int_equal(mesos_framework_info_parse(j, &fi, &err), 0);
	assert_string_equal(fi.role, "r");
	assert_null(fi.id);
	json_decref(j);

	j = json_loads("{}", 0, NULL);
	assert_int_equal(mesos_framework_info_parse(j, &fi, &err), 0);
	assert_string_equal(fi.role, "*");
	json_decref(j);

	j = json_loads("{\"user\":5}", 0, NULL);
	assert_int_equal(mesos_framework_info_parse(j, &fi, &err), -EINVAL);
	assert_string_equal(err.msg, "framework_info.user: expected a string");
	json_decref(j);
	j = json_loads("{\"roles\":[1]}", 0, NULL);
	assert_int_equal(mesos_framework_info_parse(j, &fi, &err), -EINVAL);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_numbers_and_names),
		cmocka_unit_test(test_state_classes),
		cmocka_unit_test(test_status_parse),
		cmocka_unit_test(test_framework_info_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
