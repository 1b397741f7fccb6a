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

static void test_offer_parse(void **state)
{
	json_t *o = json_loads(
		"{\"id\":{\"value\":\"m-O12\"},\"framework_id\":{\"value\":\"m-0000\"},"
		"\"agent_id\":{\"value\":\"m-S0\"},\"hostname\":\"agent1.example\","
		"\"url\":{\"scheme\":\"http\",\"address\":{\"hostname\":\"agent1.example\","
		"\"ip\":\"10.0.0.5\",\"port\":5051},\"path\":\"/slave(1)\"},"
		"\"resources\":[{\"name\":\"cpus\",\"type\":\"SCALAR\",\"scalar\":{\"value\":2.0},"
		"\"role\":\"*\",\"allocation_info\":{\"role\":\"*\"}},"
		"{\"name\":\"mem\",\"type\":\"SCALAR\",\"scalar\":{\"value\":1024},\"role\":\"*\"},"
		"{\"name\":\"ports\",\"type\":\"RANGES\",\"ranges\":{\"range\":[{\"begin\":31000,"
		"\"end\":32000}]},\"role\":\"*\"}]}", 0, NULL);
	struct mesos_offer off;
	struct jerr err = { { 0 } };
	struct resources want = RESOURCES_EMPTY, big = RESOURCES_EMPTY;
	char rerr[128];
	(void)state;

	assert_int_equal(mesos_offer_parse(o, &off, &err), 0);
	assert_string_equal(off.id, "m-O12");
	assert_string_equal(off.agent_id, "m-S0");
	assert_string_equal(off.hostname, "agent1.example");
	assert_string_equal(off.agent_host, "10.0.0.5");
	assert_int_equal(off.agent_port, 5051);
	assert_int_equal(res_parse_text("cpus:0.1;mem:32;ports:[31000-31000]", NULL, &want, rerr,
					sizeof(rerr)),
			 0);
	assert_int_equal(res_parse_text("cpus:4;mem:32", NULL, &big, rerr, sizeof(rerr)), 0);
	assert_true(res_contains(&off.resources, &want));
	assert_false(res_contains(&off.resources, &big));
	res_free(&want);
	res_free(&big);
	mesos_offer_free(&off);
	json_decref(o);

	/* No url (an older master): the agent is reached by hostname, port unknown. */
	o = json_loads("{\"id\":{\"value\":\"o\"},\"agent_id\":{\"value\":\"s\"},\"hostname\":\"h\"}", 0, NULL);
	assert_int_equal(mesos_offer_parse(o, &off, &err), 0);
	assert_string_equal(off.agent_host, "h");
	assert_int_equal(off.agent_port, 0);
	assert_int_equal(off.resources.n, 0);
	mesos_offer_free(&off);
	json_decref(o);

	o = json_loads("{\"id\":{\"value\":\"o\"}}", 0, NULL);
	assert_int_equal(mesos_offer_parse(o, &off, &err), -EINVAL);
	assert_string_equal(err.msg, "offer.agent_id: required field is missing");
	mesos_offer_free(&off);
	json_decref(o);
	o = json_loads("{\"id\":{\"value\":\"o\"},\"agent_id\":{\"value\":\"s\"},"
		  "\"resources\":[{\"name\":\"cpus\",\"type\":\"SCALAR\"}]}", 0, NULL);
	assert_int_equal(mesos_offer_parse(o, &off, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "offer.resources"));
	mesos_offer_free(&off);
	json_decref(o);

	/* Bounds and types: each error names the field. */
	o = json_loads("{\"id\":{\"value\":\"o\"},\"agent_id\":{\"value\":\"s\"},"
		       "\"url\":{\"address\":{\"ip\":\"1.2.3.4\",\"port\":70000}}}",
		       0, NULL);
	assert_int_equal(mesos_offer_parse(o, &off, &err), -EINVAL);
	assert_string_equal(err.msg, "offer.url.address.port: 70000 is not a port");
	mesos_offer_free(&off);
	json_decref(o);
	o = json_loads("{\"id\":{\"value\":\"o\"},\"agent_id\":{\"value\":\"s\"},"
		       "\"framework_id\":{\"value\":\"f\"},\"attributes\":[{\"name\":\"rack\","
		       "\"type\":\"TEXT\",\"text\":{\"value\":\"r1\"}}]}",
		       0, NULL);
	assert_int_equal(mesos_offer_parse(o, &off, &err), 0);
	assert_string_equal(off.framework_id, "f");
	assert_int_equal(json_array_size(off.attributes), 1);
	assert_null(off.agent_host);
	mesos_offer_free(&off);
	json_decref(o);
	o = json_loads("{\"id\":{\"value\":\"o\"},\"agent_id\":{\"value\":\"s\"},"
		       "\"hostname\":7}",
		       0, NULL);
	assert_int_equal(mesos_offer_parse(o, &off, &err), -EINVAL);
	assert_string_equal(err.msg, "offer.hostname: expected a string");
	mesos_offer_free(&off);
	json_decref(o);
	o = json_loads("[]", 0, NULL);
	assert_int_equal(mesos_offer_parse(o, &off, &err), -EINVAL);
	assert_string_equal(err.msg, "offer: expected an object");
	mesos_offer_free(&off);
	json_decref(o);
}

static void test_agent_info_parse(void **state)
{
	struct mesos_agent_info ai;
	struct jerr err;
	json_t *j;
	(void)state;

	j = json_loads("{\"id\":{\"value\":\"S1\"},\"hostname\":\"a1\",\"port\":5051,"
		       "\"resources\":[{\"name\":\"cpus\",\"type\":\"SCALAR\","
		       "\"scalar\":{\"value\":4}}],\"attributes\":[]}",
		       0, NULL);
	assert_int_equal(mesos_agent_info_parse(j, &ai, &err), 0);
	assert_string_equal(ai.id, "S1");
	assert_string_equal(ai.hostname, "a1");
	assert_int_equal(ai.port, 5051);
	assert_true(res_scalar(&ai.resources, "cpus") == 4);
	assert_int_equal(json_array_size(ai.attributes), 0);
	mesos_agent_info_free(&ai);
	json_decref(j);

	/* First registration: no id; empty resources are allowed. */
	j = json_loads("{\"hostname\":\"a1\",\"port\":\"5051\",\"resources\":[]}", 0, NULL);
	assert_int_equal(mesos_agent_info_parse(j, &ai, &err), 0);
	assert_null(ai.id);
	assert_null(ai.attributes);
	assert_int_equal(ai.resources.n, 0);
	mesos_agent_info_free(&ai);
	json_decref(j);

	static const struct {
		const char *json, *msg;
	} bad[] = {
		{ "{\"port\":1,\"resources\":[]}", "agent_info.hostname: required field is missing" },
		{ "{\"hostname\":\"h\",\"resources\":[]}", "agent_info.port: required field is missing" },
		{ "{\"hostname\":\"h\",\"port\":1}", "agent_info.resources: required field is missing" },
		{ "{\"hostname\":\"h\",\"port\":0,\"resources\":[]}", "agent_info.port: 0 is not a port" },
		{ "{\"hostname\":\"h\",\"port\":65536,\"resources\":[]}",
		  "agent_info.port: 65536 is not a port" },
		{ "{\"hostname\":\"h\",\"port\":1,\"resources\":[],\"attributes\":{}}",
		  "agent_info.attributes: expected an array" },
		{ "{\"id\":{\"value\":\"a/b\"},\"hostname\":\"h\",\"port\":1,\"resources\":[]}",
		  "agent_info.id" },
		{ "{\"hostname\":\"h\",\"port\":1,\"resources\":[{\"name\":\"cpus\"}]}",
		  "agent_info.resources" },
		{ "[1]", "agent_info: expected an object" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		j = json_loads(bad[i].json, 0, NULL);
		assert_non_null(j);
		err.msg[0] = 0;
		assert_int_equal(mesos_agent_info_parse(j, &ai, &err), -EINVAL);
		if (!strstr(err.msg, bad[i].msg))
			fail_msg("%s: got '%s', want '%s'", bad[i].json, err.msg, bad[i].msg);
		mesos_agent_info_free(&ai);
		json_decref(j);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_numbers_and_names),
		cmocka_unit_test(test_state_classes),
		cmocka_unit_test(test_status_parse),
		cmocka_unit_test(test_framework_info_parse),
		cmocka_unit_test(test_offer_parse),
		cmocka_unit_test(test_agent_info_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
