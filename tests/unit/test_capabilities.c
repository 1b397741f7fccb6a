/*
 * Unit tests for agent/capabilities: CapabilityInfo parsing and its error
 * texts, the plan of a task against the agent's flags (Mesos'
 * linux/capabilities rules), the plan's round trip through the launch
 * description, and, as root, what the apply functions do to a process.
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
#include <sys/wait.h>
#include <unistd.h>

#include "agent/capabilities.h"

#define NET_RAW (1ULL << 13)
#define CHOWN (1ULL << 0)
#define SYS_ADMIN (1ULL << 21)

static json_t *js(const char *text)
{
	json_error_t je;
	json_t *v = json_loads(text, 0, &je);
	if (!v)
		fail_msg("bad test JSON %s: %s", text, je.text);
	return v;
}

static void test_names_and_info(void **state)
{
	struct jerr err;
	uint64_t m;
	char buf[256], e[512];
	json_t *v;
	(void)state;

	assert_string_equal(caps_name(13), "NET_RAW");
	assert_null(caps_name(63));
	caps_mask_text(NET_RAW | CHOWN, buf, sizeof(buf));
	assert_string_equal(buf, "CHOWN,NET_RAW");
	caps_mask_text(0, buf, sizeof(buf));
	assert_string_equal(buf, "(none)");

	v = js("{\"capabilities\": [\"NET_RAW\", \"CAP_CHOWN\", \"NET_RAW\"]}");
	assert_int_equal(caps_info_parse(v, "x", &m, &err), 0);
	assert_true(m == (NET_RAW | CHOWN));
	json_decref(v);
	v = js("{}");
	assert_int_equal(caps_info_parse(v, "x", &m, &err), 0); /* empty = drop all */
	assert_true(m == 0);
	json_decref(v);
	v = js("{\"capabilities\": [\"NET_RAW\", \"net_raw\"]}");
	assert_int_equal(caps_info_parse(v, "linux_info.effective_capabilities", &m, &err),
			 -EINVAL);
	assert_string_equal(err.msg, "linux_info.effective_capabilities.capabilities[1]: unknown "
				     "capability 'net_raw'");
	json_decref(v);
	v = js("[\"NET_RAW\"]");
	assert_int_equal(caps_info_parse(v, "x", &m, &err), -EINVAL);
	json_decref(v);

	assert_int_equal(caps_flag_parse("{\"capabilities\":[\"MKNOD\"]}", "--bounding_capabilities",
					 &m, e, sizeof(e)),
			 0);
	assert_true(m == 1ULL << 27);
	assert_int_equal(caps_flag_parse("{\"capabilities\":[1]}", "--effective_capabilities", &m,
					 e, sizeof(e)),
			 -EINVAL);
	assert_string_equal(e, "flag --effective_capabilities.capabilities[0]: expected a "
			       "capability name such as \"NET_RAW\"");
	assert_true(caps_kernel_known() & SYS_ADMIN);
}

static struct caps_agent agent_with(bool on, const char *eff, const char *bnd)
{
	struct caps_agent a = { .on = on, .nnp = true, .known = caps_kernel_known() };
	char e[256];
	if (eff) {
		assert_int_equal(caps_flag_parse(eff, "e", &a.effective, e, sizeof(e)), 0);
		a.has_effective = true;
	}
	if (bnd) {
		assert_int_equal(caps_flag_parse(bnd, "b", &a.bounding, e, sizeof(e)), 0);
		a.has_bounding = true;
	}
	return a;
}

static void test_plan_rules(void **state)
{
	struct caps_agent a;
	struct caps_plan p;
	char msg[512];
	json_t *li;
	(void)state;

	/* flags only: the task gets them */
	a = agent_with(true, "{\"capabilities\":[\"NET_RAW\"]}",
		       "{\"capabilities\":[\"NET_RAW\",\"CHOWN\"]}");
	assert_int_equal(caps_plan_for(&a, NULL, &p, msg, sizeof(msg)), 0);
	assert_true(p.set_effective && p.effective == NET_RAW);
	assert_true(p.set_bounding && p.bounding == (NET_RAW | CHOWN));
	assert_true(p.nnp);

	/* the task's sets replace the flags', within --bounding_capabilities */
	li = js("{\"effective_capabilities\":{\"capabilities\":[\"CHOWN\"]},"
		"\"bounding_capabilities\":{\"capabilities\":[\"CHOWN\"]}}");
	assert_int_equal(caps_plan_for(&a, li, &p, msg, sizeof(msg)), 0);
	assert_true(p.effective == CHOWN && p.bounding == CHOWN);
	json_decref(li);

	/* capability_info (deprecated) is the effective set */
	li = js("{\"capability_info\":{\"capabilities\":[\"CHOWN\"]}}");
	assert_int_equal(caps_plan_for(&a, li, &p, msg, sizeof(msg)), 0);
	assert_true(p.effective == CHOWN && p.bounding == (NET_RAW | CHOWN));
	json_decref(li);

	/* outside the agent's bounding set: refused, saying so */
	li = js("{\"bounding_capabilities\":{\"capabilities\":[\"SYS_ADMIN\",\"CHOWN\"]}}");
	assert_int_equal(caps_plan_for(&a, li, &p, msg, sizeof(msg)), 1);
	assert_string_equal(msg, "container.linux_info asks for SYS_ADMIN, outside this agent's "
				 "--bounding_capabilities (CHOWN,NET_RAW)");
	json_decref(li);

	/* the agent's effective set outside the task's own bounding set */
	li = js("{\"bounding_capabilities\":{\"capabilities\":[\"CHOWN\"]}}");
	assert_int_equal(caps_plan_for(&a, li, &p, msg, sizeof(msg)), 1);
	assert_string_equal(msg, "effective capabilities NET_RAW are outside the task's bounding "
				 "set (CHOWN)");
	json_decref(li);

	/* no flags: everything may be asked; nothing set when nothing is asked */
	a = agent_with(true, NULL, NULL);
	assert_int_equal(caps_plan_for(&a, NULL, &p, msg, sizeof(msg)), 0);
	assert_false(p.set_effective || p.set_bounding);
	li = js("{\"effective_capabilities\":{\"capabilities\":[\"SYS_ADMIN\"]}}");
	assert_int_equal(caps_plan_for(&a, li, &p, msg, sizeof(msg)), 0);
	assert_true(p.set_effective && p.effective == SYS_ADMIN && !p.set_bounding);

	/* without the isolator a task asking for capabilities is refused */
	a = agent_with(false, NULL, NULL);
	assert_int_equal(caps_plan_for(&a, li, &p, msg, sizeof(msg)), 1);
	assert_non_null(strstr(msg, "without the linux/capabilities isolator"));
	json_decref(li);
	li = js("{\"shm_size\": 64}");
	assert_int_equal(caps_plan_for(&a, li, &p, msg, sizeof(msg)), 0);
	json_decref(li);
	li = js("[]");
	assert_int_equal(caps_plan_for(&a, li, &p, msg, sizeof(msg)), 1);
	assert_string_equal(msg, "container.linux_info: expected an object");
	json_decref(li);
}

static void test_plan_round_trip(void **state)
{
	struct caps_plan p = { true, true, true, NET_RAW, NET_RAW | CHOWN }, q, none = { 0 };
	struct jerr err;
	json_t *o = caps_plan_json(&p);
	(void)state;

	assert_non_null(o);
	assert_int_equal(caps_plan_parse(o, "launch.capabilities", &q, &err), 0);
	assert_true(q.set_effective && q.set_bounding && q.nnp);
	assert_true(q.effective == NET_RAW && q.bounding == (NET_RAW | CHOWN));
	json_decref(o);
	assert_null(caps_plan_json(&none));
	assert_int_equal(caps_plan_parse(NULL, "x", &q, &err), 0);
	assert_false(q.set_effective || q.set_bounding || q.nnp);
	o = js("{\"effective\": [\"NOPE\"]}");
	assert_int_equal(caps_plan_parse(o, "launch.capabilities", &q, &err), -EINVAL);
	assert_string_equal(err.msg, "launch.capabilities.effective[0]: unknown capability 'NOPE'");
	json_decref(o);
}

/* The value of a /proc/self/status field (hex for Cap*), or -1. */
static long long status_field(const char *name)
{
	char line[256];
	long long v = -1;
	size_t n = strlen(name);
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, name, n) && line[n] == ':')
			v = strtoll(line + n + 1, NULL, strncmp(name, "Cap", 3) ? 10 : 16);
	if (f)
		fclose(f);
	return v;
}

static void test_apply_in_a_child(void **state)
{
	struct caps_plan p = { true, true, true, NET_RAW, NET_RAW | CHOWN };
	int status;
	pid_t pid;
	(void)state;

	if (geteuid() != 0)
		skip();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (caps_apply_as_root(&p, false) < 0 || setgid(65534) < 0 || setuid(65534) < 0 ||
		    caps_apply_as_user(&p) < 0)
			_exit(10);
		if (status_field("CapBnd") != (long long)(NET_RAW | CHOWN))
			_exit(11);
		if (status_field("CapEff") != (long long)NET_RAW ||
		    status_field("CapAmb") != (long long)NET_RAW)
			_exit(12);
		if (status_field("NoNewPrivs") != 1)
			_exit(13);
		if (setuid(0) == 0)
			_exit(14);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_and_info),
		cmocka_unit_test(test_plan_rules),
		cmocka_unit_test(test_plan_round_trip),
		cmocka_unit_test(test_apply_in_a_child),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
