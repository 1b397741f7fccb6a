/* Unit tests for core/acl: parsing errors and the Mesos match/allows tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/acl.h"
#include "core/util.h"

static void load(const char *text, struct acls *acls)
{
	char err[512];
	assert_int_equal(acl_parse(text, strlen(text), "t", acls, err, sizeof(err)), 0);
}

static void test_seed_acl(void **state)
{
	struct acls acls;
	char *text;
	size_t len;
	char err[256];
	int rule;
	(void)state;
	assert_int_equal(file_read_all("tests/fixtures/seed/master-acls.json", 1 << 20, &text, &len),
			 0);
	assert_int_equal(acl_parse(text, len, "seed", &acls, err, sizeof(err)), 0);
	free(text);
	/* the seed's ACL: MesosPrincipal may run as mesos; nobody may run as root */
	assert_true(acl_check(&acls, ACL_RUN_TASKS, "MesosPrincipal", "mesos", &rule));
	assert_int_equal(rule, 0);
	assert_false(acl_check(&acls, ACL_RUN_TASKS, "MesosPrincipal", "root", &rule));
	assert_int_equal(rule, 1);
	assert_false(acl_check(&acls, ACL_RUN_TASKS, NULL, "root", &rule));
	/* no rule matches: permissive (default true) */
	assert_true(acl_check(&acls, ACL_RUN_TASKS, "MesosPrincipal", "nobody", &rule));
	assert_int_equal(rule, -1);
	acl_describe_rule(&acls, ACL_RUN_TASKS, 1, err, sizeof(err));
	assert_string_equal(err, "run_tasks[1] {principals NONE, users [root]}");
	acl_free(&acls);
}

static void test_tables(void **state)
{
	struct acls acls;
	int rule;
	(void)state;
	/* "foo may run as nobody (deny all others)" */
	load("{\"run_tasks\":[{\"principals\":{\"values\":[\"foo\"]},\"users\":{\"type\":\"NONE\"}}]}",
	     &acls);
	assert_false(acl_check(&acls, ACL_RUN_TASKS, "foo", "alice", &rule));
	assert_true(acl_check(&acls, ACL_RUN_TASKS, "bar", "alice", &rule));
	acl_free(&acls);
	load("{\"permissive\":false,\"run_tasks\":[{\"principals\":{\"type\":\"ANY\"},"
	     "\"users\":{\"values\":[\"alice\"]}}]}",
	     &acls);
	assert_true(acl_check(&acls, ACL_RUN_TASKS, "anyone", "alice", &rule));
	assert_true(acl_check(&acls, ACL_RUN_TASKS, NULL, "alice", &rule));
	assert_false(acl_check(&acls, ACL_RUN_TASKS, "anyone", "bob", &rule));
	assert_int_equal(rule, -1);
	acl_free(&acls);
	load("{\"register_frameworks\":[{\"principals\":{\"values\":[\"m\"]},"
	     "\"roles\":{\"values\":[\"*\",\"web\"]}},{\"principals\":{\"type\":\"ANY\"},"
	     "\"roles\":{\"type\":\"NONE\"}}]}",
	     &acls);
	assert_true(acl_check(&acls, ACL_REGISTER_FRAMEWORKS, "m", "web", &rule));
	assert_false(acl_check(&acls, ACL_REGISTER_FRAMEWORKS, "other", "web", &rule));
	acl_free(&acls);
}

/* Mesos' register_agents: which principals may be agents; the agent itself is implicit. */
static void test_register_agents(void **state)
{
	struct acls acls;
	char buf[256];
	int rule;
	(void)state;
	load("{\"permissive\":true,\"register_agents\":[{\"principals\":{\"values\":[\"agent\"]},"
	     "\"agents\":{\"type\":\"ANY\"}},{\"principals\":{\"type\":\"ANY\"},"
	     "\"agents\":{\"type\":\"NONE\"}}]}",
	     &acls);
	assert_string_equal(acls.ignored, "");
	assert_true(acl_check(&acls, ACL_REGISTER_AGENTS, "agent", NULL, &rule));
	assert_int_equal(rule, 0);
	assert_false(acl_check(&acls, ACL_REGISTER_AGENTS, "framework", NULL, &rule));
	assert_int_equal(rule, 1);
	assert_false(acl_check(&acls, ACL_REGISTER_AGENTS, NULL, NULL, &rule));
	acl_describe_rule(&acls, ACL_REGISTER_AGENTS, 1, buf, sizeof(buf));
	assert_string_equal(buf, "register_agents[1] {principals ANY, agents NONE}");
	/* other actions are untouched by register_agents rules */
	assert_true(acl_check(&acls, ACL_REGISTER_FRAMEWORKS, "framework", "*", &rule));
	acl_free(&acls);
}

static void test_errors_name_the_field(void **state)
{
	struct acls acls;
	char err[512];
	(void)state;
	const char *t0 = "{\"run_tasks\":[{\"principals\":{\"values\":[\"a\"]}}]}";
	assert_int_equal(acl_parse(t0, strlen(t0), "f.json", &acls, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "f.json: run_tasks[0].users: required field is missing");
	const char *t = "{\"run_tasks\":[{\"principals\":{\"type\":\"MANY\"},\"users\":{}}]}";
	assert_int_equal(acl_parse(t, strlen(t), "f.json", &acls, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "f.json: run_tasks[0].principals.type: unknown value 'MANY'");
	t = "{\"run_tasks\":{}}";
	assert_int_equal(acl_parse(t, strlen(t), "f.json", &acls, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "f.json: run_tasks: expected an array");
	t = "{\"run_tasks\":[";
	assert_int_equal(acl_parse(t, strlen(t), "f.json", &acls, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "line 1"));
	t = "{\"view_tasks\":[],\"run_tasks\":[]}";
	assert_int_equal(acl_parse(t, strlen(t), "f.json", &acls, err, sizeof(err)), 0);
	assert_string_equal(acls.ignored, "view_tasks");
	acl_free(&acls);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_acl),
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_register_agents),
		cmocka_unit_test(test_errors_name_the_field),
	};
	return cmocka_run_group_tests_name("acl", tests, NULL, NULL);
}
