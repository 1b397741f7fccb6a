/*
 * Unit tests for core/task_spec: the one TaskInfo parser (every field the
 * roles read, the refusals naming their field, the bounds) and the one
 * rule for the task's user, as the master applies it (task_info_check)
 * and as the agent applies it (atask_describe + atask_check).
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

#include "agent/agent.h"
#include "agent/launcher.h"
#include "agent/tasks.h"
#include "core/task_spec.h"
#include "core/util.h"
#include "master/task_info.h"

#define BASE "\"name\":\"t\",\"task_id\":{\"value\":\"t1\"},\"agent_id\":{\"value\":\"a-S0\"}," \
	     "\"resources\":[{\"name\":\"cpus\",\"type\":\"SCALAR\",\"scalar\":{\"value\":1}}]"

static int parse(const char *text, const char *fw_user, struct task_spec *s, struct jerr *err)
{
	json_t *j = json_loads(text, 0, NULL);
	int r;

	assert_non_null(j);
	r = task_spec_parse(j, fw_user, s, err);
	json_decref(j);
	return r;
}

static void test_every_field(void **state)
{
	struct task_spec s;
	struct jerr err;
	(void)state;

	assert_int_equal(
		parse("{" BASE ",\"command\":{\"shell\":false,\"value\":\"/bin/echo\","
		      "\"arguments\":[\"echo\",\"a b\"],\"user\":\"alice\",\"uris\":[{\"value\":"
		      "\"http://x/y.tgz\",\"extract\":false,\"executable\":true,\"output_file\":\"z\"}],"
		      "\"environment\":{\"variables\":[{\"name\":\"A\",\"value\":\"1\"},{\"name\":\"B\","
		      "\"type\":\"SECRET\",\"secret\":{}}]}},\"container\":{\"type\":\"MESOS\"},"
		      "\"kill_policy\":{\"grace_period\":{\"nanoseconds\":\"2500000000\"}},"
		      "\"labels\":{\"labels\":[{\"key\":\"k\",\"value\":\"v\"},{\"key\":\"only\"}]},"
		      "\"health_check\":{\"type\":\"COMMAND\"}}",
		      "bob", &s, &err),
		0);
	assert_string_equal(s.id, "t1");
	assert_string_equal(s.name, "t");
	assert_string_equal(s.agent_id, "a-S0");
	assert_string_equal(s.user, "alice");
	assert_false(s.command.shell);
	assert_string_equal(s.command.value, "/bin/echo");
	assert_int_equal(s.command.nargs, 2);
	assert_string_equal(s.command.args[1], "a b");
	assert_int_equal(s.command.nuris, 1);
	assert_false(s.command.uris[0].extract);
	assert_true(s.command.uris[0].executable);
	assert_string_equal(s.command.uris[0].output_file, "z");
	assert_non_null(s.command.uris_json);
	assert_int_equal(s.command.nenv, 2);
	assert_string_equal(s.command.env[0].value, "1");
	assert_true(s.command.env[1].secret);
	assert_true(s.container.present);
	assert_string_equal(s.container.type, "MESOS");
	assert_false(s.container.has_image);
	assert_true(s.has_kill_grace);
	assert_true(s.kill_grace == 2.5);
	assert_int_equal(s.nlabels, 2);
	assert_null(s.labels[1].value);
	assert_true(s.has_health_check);
	assert_string_equal(s.health_check_type, "COMMAND");
	assert_true(res_scalar(&s.resources, "cpus") == 1.0);
	task_spec_free(&s);

	/* defaults: a shell command, extract true, no grace, no container */
	assert_int_equal(parse("{" BASE ",\"command\":{\"value\":\"true\",\"uris\":[{\"value\":"
			       "\"/f\"}]}}",
			       NULL, &s, &err),
			 0);
	assert_true(s.command.shell);
	assert_true(s.command.uris[0].extract);
	assert_false(s.has_kill_grace);
	assert_false(s.container.present);
	assert_string_equal(s.user, "");
	task_spec_free(&s);
}

static void test_refusals_name_the_field(void **state)
{
	static const struct {
		const char *json, *msg;
	} cases[] = {
		{ "{" BASE "}", "command: required" },
		{ "{" BASE ",\"command\":{\"value\":\"x\"},\"executor\":{}}", "executor: custom executors" },
		{ "{" BASE ",\"command\":{}}", "command.value: required field is missing" },
		{ "{" BASE ",\"command\":{\"shell\":false,\"arguments\":[\"ls\"]}}",
		  "command.value: required field is missing (the executable to run)" },
		{ "{" BASE ",\"command\":{\"value\":1}}", "command.value: expected a string" },
		{ "{" BASE ",\"command\":{\"value\":\"x\",\"arguments\":[1]}}",
		  "command.arguments[0]: expected a string" },
		{ "{" BASE ",\"command\":{\"value\":\"x\",\"uris\":[{}]}}",
		  "command.uris[0].value: required" },
		{ "{" BASE ",\"command\":{\"value\":\"x\",\"environment\":{\"variables\":[{\"name\":"
		  "\"A=B\"}]}}}",
		  "command.environment.variables[0].name: expected a variable name" },
		{ "{" BASE ",\"command\":{\"value\":\"x\",\"environment\":{\"variables\":[{\"name\":"
		  "\"A\",\"type\":\"FILE\"}]}}}",
		  "command.environment.variables[0].type" },
		{ "{" BASE ",\"command\":{\"value\":\"x\"},\"container\":{\"type\":\"LXC\"}}",
		  "container.type" },
		{ "{" BASE ",\"command\":{\"value\":\"x\"},\"container\":{}}",
		  "container.type: required" },
		{ "{" BASE ",\"command\":{\"value\":\"x\"},\"container\":{\"type\":\"MESOS\","
		  "\"volumes\":[{\"container_path\":\"/etc\",\"host_path\":\"/etc\",\"mode\":\"RO\"}]}}",
		  "container.volumes: volumes are not supported" },
		{ "{" BASE ",\"command\":{\"value\":\"x\"},\"kill_policy\":{\"grace_period\":{"
		  "\"nanoseconds\":\"soon\"}}}",
		  "kill_policy.grace_period.nanoseconds: expected an integer" },
		{ "{" BASE ",\"command\":{\"value\":\"x\"},\"labels\":{\"labels\":[{\"value\":\"v\"}]}}",
		  "labels.labels[0].key: required" },
		{ "{\"name\":\"t\",\"task_id\":{\"value\":\"a/b\"},\"resources\":[],\"command\":{"
		  "\"value\":\"x\"}}",
		  "task_id.value" },
		{ "{\"task_id\":{\"value\":\"t\"},\"resources\":[],\"command\":{\"value\":\"x\"}}",
		  "name: required" },
	};
	struct task_spec s;
	struct jerr err;
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r;

		strcpy(err.msg, "(no message)"); /* a refusal must say why itself */
		r = parse(cases[i].json, "u", &s, &err);
		if (r != -EINVAL || !strstr(err.msg, cases[i].msg))
			fail_msg("case %zu: got %d '%s', expected '%s'", i, r, err.msg, cases[i].msg);
		task_spec_free(&s);
	}
	assert_int_equal(task_spec_parse(NULL, NULL, &s, &err), -EINVAL);
	task_spec_free(&s);
}

static void test_what_agora_does_not_run_yet(void **state)
{
	struct task_spec s;
	struct jerr err;
	char msg[512];
	(void)state;

	assert_int_equal(parse("{" BASE ",\"command\":{\"value\":\"x\"},\"container\":{\"type\":"
			       "\"MESOS\",\"mesos\":{\"image\":{\"type\":\"DOCKER\",\"docker\":{"
			       "\"name\":\"alpine:3\"}}}}}",
			       "u", &s, &err),
			 0);
	assert_int_equal(task_spec_unsupported(&s, msg, sizeof(msg)), 1);
	assert_non_null(strstr(msg, "'alpine:3'"));
	task_spec_free(&s);
	assert_int_equal(parse("{" BASE ",\"command\":{\"value\":\"x\"},\"container\":{\"type\":"
			       "\"DOCKER\",\"docker\":{\"image\":\"nginx:1\"}}}",
			       "u", &s, &err),
			 0);
	assert_int_equal(task_spec_unsupported(&s, msg, sizeof(msg)), 1);
	assert_non_null(strstr(msg, "'nginx:1'"));
	task_spec_free(&s);
	assert_int_equal(parse("{" BASE ",\"command\":{\"value\":\"x\"}}", "u", &s, &err), 0);
	assert_int_equal(task_spec_unsupported(&s, msg, sizeof(msg)), 0);
	task_spec_free(&s);
}

/* The one user rule, as the master and as the agent apply it. */
static const char *master_user(const char *task_json, const char *fw_user, char *msg,
			       size_t msglen)
{
	static char user[256];
	json_t *j = json_loads(task_json, 0, NULL);
	struct task_spec s;
	int r = task_info_check(j, "a-S0", fw_user, &s, msg, msglen);

	str_copy(user, s.user, sizeof(user));
	task_spec_free(&s);
	json_decref(j);
	return r == 0 ? user : NULL;
}

static const char *agent_user(const char *task_json, const char *fw_user, char *msg,
			      size_t msglen)
{
	static char user[256];
	struct agent a;
	struct atask *t;
	struct task_outcome o;
	json_t *j = json_loads(task_json, 0, NULL);
	int r;

	memset(&a, 0, sizeof(a));
	a.flags.switch_user = true;
	t = atask_alloc(&a, "fw", "t1");
	t->framework_info = json_pack("{s:s}", "user", fw_user);
	atask_describe(t, j, NULL); /* a LAUNCH without the master's "user" */
	r = atask_check(t, &o);
	str_copy(user, t->user, sizeof(user));
	str_copy(msg, o.message, msglen);
	atask_free(t);
	json_decref(j);
	return r == 0 ? user : NULL;
}

static void test_one_user_rule(void **state)
{
	char m1[512], m2[512];
	(void)state;

	/* "command":{"user":""} means "not set": the framework's user, on both sides */
	const char *empty = "{" BASE ",\"command\":{\"value\":\"x\",\"user\":\"\"}}";
	assert_string_equal(master_user(empty, "nobody", m1, sizeof(m1)), "nobody");
	assert_string_equal(agent_user(empty, "nobody", m2, sizeof(m2)), "nobody");
	/* no user anywhere: both refuse, both saying so */
	const char *none = "{" BASE ",\"command\":{\"value\":\"x\"}}";
	assert_null(master_user(none, "", m1, sizeof(m1)));
	assert_non_null(strstr(m1, "no user"));
	assert_null(agent_user(none, "", m2, sizeof(m2)));
	assert_non_null(strstr(m2, "no user"));
	assert_null(master_user(empty, "", m1, sizeof(m1)));
	assert_null(agent_user(empty, "", m2, sizeof(m2)));
	/* command.user wins when set */
	const char *alice = "{" BASE ",\"command\":{\"value\":\"x\",\"user\":\"alice\"}}";
	assert_string_equal(master_user(alice, "nobody", m1, sizeof(m1)), "alice");
	assert_string_equal(agent_user(alice, "nobody", m2, sizeof(m2)), "alice");
	/* the agent runs the task as the user LAUNCH carries (the master's), not its own guess */
	{
		struct agent a;
		struct atask *t;
		json_t *j = json_loads(alice, 0, NULL);

		memset(&a, 0, sizeof(a));
		t = atask_alloc(&a, "fw", "t1");
		t->framework_info = json_pack("{s:s}", "user", "nobody");
		atask_describe(t, j, "carol");
		assert_string_equal(t->user, "carol");
		assert_string_equal(t->spec.user, "alice");
		atask_free(t);
		json_decref(j);
	}
	assert_string_equal(task_spec_user(NULL, NULL), "");
	assert_string_equal(task_spec_user("", "f"), "f");
	assert_string_equal(task_spec_user("c", "f"), "c");
}

static void test_master_checks(void **state)
{
	char msg[512];
	(void)state;

	assert_null(master_user("{\"name\":\"t\",\"task_id\":{\"value\":\"t1\"},\"agent_id\":{"
				"\"value\":\"other\"},\"resources\":[{\"name\":\"cpus\",\"type\":"
				"\"SCALAR\",\"scalar\":{\"value\":1}}],\"command\":{\"value\":\"x\"}}",
				"u", msg, sizeof(msg)));
	assert_non_null(strstr(msg, "agent other"));
	assert_null(master_user("{\"name\":\"t\",\"task_id\":{\"value\":\"t1\"},\"agent_id\":{"
				"\"value\":\"a-S0\"},\"resources\":[],\"command\":{\"value\":\"x\"}}",
				"u", msg, sizeof(msg)));
	assert_non_null(strstr(msg, "no resources"));
	assert_null(master_user("{" BASE ",\"command\":{\"value\":\"x\"},\"container\":{\"type\":"
				"\"MESOS\",\"volumes\":[{\"container_path\":\"/x\",\"mode\":\"RW\"}]}}",
				"u", msg, sizeof(msg)));
	assert_non_null(strstr(msg, "container.volumes"));
}

/* Every typed field of a and b is the same (b was parsed from a's JSON). */
static void assert_same_spec(const struct task_spec *a, const struct task_spec *b)
{
	assert_string_equal(a->id, b->id);
	assert_string_equal(a->name, b->name);
	if (a->agent_id || b->agent_id)
		assert_string_equal(a->agent_id, b->agent_id);
	assert_string_equal(a->user, b->user);
	assert_int_equal(a->command.shell, b->command.shell);
	if (a->command.value || b->command.value)
		assert_string_equal(a->command.value, b->command.value);
	if (a->command.user || b->command.user)
		assert_string_equal(a->command.user, b->command.user);
	assert_int_equal(a->command.nargs, b->command.nargs);
	for (size_t i = 0; i < a->command.nargs; i++)
		assert_string_equal(a->command.args[i], b->command.args[i]);
	assert_int_equal(a->command.nenv, b->command.nenv);
	for (size_t i = 0; i < a->command.nenv; i++) {
		assert_string_equal(a->command.env[i].name, b->command.env[i].name);
		assert_string_equal(a->command.env[i].value, b->command.env[i].value);
		assert_int_equal(a->command.env[i].secret, b->command.env[i].secret);
	}
	assert_int_equal(a->command.nuris, b->command.nuris);
	for (size_t i = 0; i < a->command.nuris; i++) {
		const struct task_spec_uri *u = &a->command.uris[i], *v = &b->command.uris[i];
		assert_string_equal(u->value, v->value);
		if (u->output_file || v->output_file)
			assert_string_equal(u->output_file, v->output_file);
		assert_int_equal(u->executable, v->executable);
		assert_int_equal(u->extract, v->extract);
		assert_int_equal(u->cache, v->cache);
	}
	assert_true(res_equal(&a->resources, &b->resources));
	if (a->allocation_role || b->allocation_role)
		assert_string_equal(a->allocation_role, b->allocation_role);
	assert_true(a->gpus == b->gpus);
	assert_int_equal(a->container.present, b->container.present);
	if (a->container.present)
		assert_string_equal(a->container.type, b->container.type);
	assert_int_equal(a->container.has_image, b->container.has_image);
	if (a->container.image || b->container.image)
		assert_string_equal(a->container.image, b->container.image);
	assert_int_equal(a->has_kill_grace, b->has_kill_grace);
	assert_true(a->kill_grace == b->kill_grace);
	assert_int_equal(a->nlabels, b->nlabels);
	for (size_t i = 0; i < a->nlabels; i++) {
		assert_string_equal(a->labels[i].key, b->labels[i].key);
		if (a->labels[i].value || b->labels[i].value)
			assert_string_equal(a->labels[i].value, b->labels[i].value);
	}
	assert_int_equal(a->has_health_check, b->has_health_check);
	if (a->health_check_type || b->health_check_type)
		assert_string_equal(a->health_check_type, b->health_check_type);
}

/* parse → task_spec_to_json → parse gives the same spec, and building again the same JSON. */
static void test_to_json_round_trip(void **state)
{
	static const char *const tasks[] = {
		"{" BASE ",\"command\":{\"shell\":false,\"value\":\"/bin/echo\","
		"\"arguments\":[\"echo\",\"a b\"],\"user\":\"alice\",\"uris\":[{\"value\":"
		"\"http://x/y.tgz\",\"extract\":false,\"executable\":true,\"output_file\":\"z\"},"
		"{\"value\":\"/f\",\"cache\":true}],"
		"\"environment\":{\"variables\":[{\"name\":\"A\",\"value\":\"1\"},{\"name\":\"B\","
		"\"type\":\"SECRET\",\"secret\":{}},{\"name\":\"C\"}]}},\"container\":{\"type\":\"MESOS\"},"
		"\"kill_policy\":{\"grace_period\":{\"nanoseconds\":\"2500000000\"}},"
		"\"labels\":{\"labels\":[{\"key\":\"k\",\"value\":\"v\"},{\"key\":\"only\"}]},"
		"\"health_check\":{\"type\":\"COMMAND\"}}",
		"{\"name\":\"\",\"task_id\":{\"value\":\"t2\"},\"resources\":[],"
		"\"command\":{\"value\":\"true\"}}",
		"{\"name\":\"g\",\"task_id\":{\"value\":\"t3\"},\"resources\":[{\"name\":\"cpus\","
		"\"type\":\"SCALAR\",\"scalar\":{\"value\":0.5},\"allocation_info\":{\"role\":\"dev\"}},"
		"{\"name\":\"gpus\",\"type\":\"SCALAR\",\"scalar\":{\"value\":2},"
		"\"allocation_info\":{\"role\":\"dev\"}},{\"name\":\"ports\",\"type\":\"RANGES\","
		"\"ranges\":{\"range\":[{\"begin\":31000,\"end\":31002}]},"
		"\"allocation_info\":{\"role\":\"dev\"}}],"
		"\"command\":{\"value\":\"nvidia-smi\",\"user\":\"\"},"
		"\"container\":{\"type\":\"MESOS\",\"mesos\":{\"image\":{\"type\":\"DOCKER\","
		"\"docker\":{\"name\":\"busybox:1\"}}}},\"kill_policy\":{\"grace_period\":"
		"{\"nanoseconds\":0}},\"health_check\":{}}",
		"{\"name\":\"d\",\"task_id\":{\"value\":\"t4\"},\"resources\":[],"
		"\"command\":{\"shell\":false,\"value\":\"/x\"},"
		"\"container\":{\"type\":\"DOCKER\",\"docker\":{\"image\":\"alpine\"}}}",
		"{\"name\":\"e\",\"task_id\":{\"value\":\"t5\"},\"resources\":[],"
		"\"command\":{\"value\":\"x\"},\"container\":{\"type\":\"MESOS\",\"mesos\":"
		"{\"image\":{}}}}",
	};
	(void)state;

	for (size_t i = 0; i < sizeof(tasks) / sizeof(tasks[0]); i++) {
		struct task_spec a, b, c;
		struct jerr err = { { 0 } };
		json_t *ja, *jb;
		char *ta, *tb;

		if (parse(tasks[i], "fw", &a, &err) != 0)
			fail_msg("task %zu: %s", i, err.msg);
		ja = task_spec_to_json(&a);
		if (task_spec_parse(ja, "fw", &b, &err) != 0)
			fail_msg("task %zu built: %s", i, err.msg);
		assert_same_spec(&a, &b);
		jb = task_spec_to_json(&b);
		ta = json_dumps(ja, JSON_SORT_KEYS | JSON_COMPACT);
		tb = json_dumps(jb, JSON_SORT_KEYS | JSON_COMPACT);
		if (strcmp(ta, tb))
			fail_msg("task %zu: not a fixed point\n%s\n%s", i, ta, tb);
		/* and the built JSON parses like the original for every role */
		assert_int_equal(task_spec_parse(jb, NULL, &c, &err), 0);
		task_spec_free(&c);
		free(ta);
		free(tb);
		json_decref(ja);
		json_decref(jb);
		task_spec_free(&a);
		task_spec_free(&b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_field),
		cmocka_unit_test(test_refusals_name_the_field),
		cmocka_unit_test(test_what_agora_does_not_run_yet),
		cmocka_unit_test(test_one_user_rule),
		cmocka_unit_test(test_master_checks),
		cmocka_unit_test(test_to_json_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
