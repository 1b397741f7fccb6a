/*
 * Unit tests for the agent's task pieces that are pure logic: the status
 * update queue and its task.updates persistence (replay, torn lines,
 * acks), the exit_status -> TaskStatus mapping, the task environment,
 * --executor_environment_variables and the task state machine.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "agent/agent.h"
#include "agent/launcher.h"
#include "agent/master_events.h"
#include "agent/status_updates.h"
#include "agent/tasks.h"
#include "core/util.h"

struct fixture {
	struct agent a;
	char dir[64];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	f->a.base = event_base_new();
	f->a.link = LINK_IDLE; /* nothing is sent: the queue and the file are what is tested */
	f->a.notify_fd = -1;
	str_copy(f->a.id, "agent-S0", sizeof(f->a.id));
	f->a.flags.executor_shutdown_grace_period = 5;
	str_copy(f->dir, "/tmp/agora-unit-tasks-XXXXXX", sizeof(f->dir));
	if (!mkdtemp(f->dir))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	remove_tree(f->dir);
	json_decref(f->a.sync_batch); /* the fdatasync batch no loop turn flushed */
	event_base_free(f->a.base);
	free(f);
	return 0;
}

static struct atask *new_task(struct fixture *f, const char *tid)
{
	struct atask *t = atask_alloc(&f->a, "fw-1", tid);
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", f->dir, tid);
	mkdir_p(path, 0700);
	t->task_meta = xstrdup(path);
	str_copy(t->container_id, "c-1", sizeof(t->container_id));
	return t;
}

static struct task_outcome outcome(enum mesos_task_state s, const char *msg)
{
	struct task_outcome o;
	memset(&o, 0, sizeof(o));
	o.state = s;
	o.source = SOURCE_EXECUTOR;
	str_copy(o.message, msg, sizeof(o.message));
	return o;
}

static void test_queue_persists_and_replays(void **state)
{
	struct fixture *f = *state;
	struct atask *t = new_task(f, "t1"), *again;
	struct task_outcome o;
	char first[32], second[32], err[256];

	o = outcome(TASK_STARTING, "");
	assert_int_equal(atask_set_state(t, &o), 0);
	o = outcome(TASK_RUNNING, "");
	assert_int_equal(atask_set_state(t, &o), 0);
	o = outcome(TASK_FINISHED, "Command exited with status 0");
	assert_int_equal(atask_set_state(t, &o), 0);
	assert_int_equal(t->queued, 3);
	str_copy(first, t->head->uuid, sizeof(first));
	str_copy(second, t->head->next->uuid, sizeof(second));
	assert_int_equal(strlen(first), 24); /* base64 of 16 bytes */
	assert_string_not_equal(first, second);

	/* only the head's uuid pops; then the next is the head */
	assert_int_equal(status_acknowledge(t, second), -ENOENT);
	assert_int_equal(status_acknowledge(t, first), 0);
	assert_string_equal(t->head->uuid, second);

	again = new_task(f, "t1");
	assert_int_equal(status_replay(again, err, sizeof(err)), 0);
	assert_int_equal(again->queued, 2);
	assert_string_equal(again->head->uuid, second);
	assert_int_equal(again->state, TASK_FINISHED);
	assert_true(again->tail->terminal);
	assert_int_equal(json_array_size(again->statuses), 3);
	assert_string_equal(json_string_value(json_object_get(again->head->status, "state")),
			    "TASK_RUNNING");

	/* acking through to the terminal one says so */
	assert_int_equal(status_acknowledge(t, second), 0);
	assert_int_equal(status_acknowledge(t, t->head->uuid), 1);
	assert_null(t->head);
	atask_free(t);
	atask_free(again);
}

static void test_replay_cuts_a_torn_line_and_names_bad_ones(void **state)
{
	struct fixture *f = *state;
	struct atask *t = new_task(f, "t2");
	const char *good = "{\"status\":{\"task_id\":{\"value\":\"t\"},\"state\":\"TASK_STARTING\",\"uuid\":\"AAAA\"}}\n"
			   "{\"status\":{\"task_id\":{\"value\":\"t\"},\"state\":\"TASK_RUNNING\",\"uuid\":\"BBBB\"}}\n"
			   "{\"ack\":\"AAAA\"}\n"
			   "{\"ack\":\"ZZZZ\"}\n";
	char text[1024], err[256];
	size_t valid = 0;

	snprintf(text, sizeof(text), "%s{\"status\":{\"sta", good);
	assert_int_equal(status_replay_text(t, text, strlen(text), &valid, err, sizeof(err)), 0);
	assert_int_equal(valid, strlen(good));
	assert_int_equal(t->queued, 1);
	assert_string_equal(t->head->uuid, "BBBB");
	assert_int_equal(t->state, TASK_RUNNING);
	atask_free(t);

	t = new_task(f, "t3");
	snprintf(text, sizeof(text), "%s{\"nothing\":1}\n", good);
	assert_int_equal(status_replay_text(t, text, strlen(text), &valid, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "line 5"));
	atask_free(t);

	t = new_task(f, "t4");
	snprintf(text, sizeof(text), "{\"status\":{\"task_id\":{\"value\":\"t\"},\"state\":\"TASK_BOGUS\",\"uuid\":\"A\"}}\n");
	assert_int_equal(status_replay_text(t, text, strlen(text), &valid, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "line 1"));
	atask_free(t);
}

static void test_replay_of_a_file_truncates_the_torn_tail(void **state)
{
	struct fixture *f = *state;
	struct atask *t = new_task(f, "t5");
	char path[256], err[256], *data = NULL;
	const char *line = "{\"status\":{\"task_id\":{\"value\":\"t\"},\"state\":\"TASK_STARTING\",\"uuid\":\"AAAA\"}}\n";
	char text[512];

	snprintf(path, sizeof(path), "%s/task.updates", t->task_meta);
	snprintf(text, sizeof(text), "%s{\"ack\":\"AA", line);
	assert_int_equal(file_write_atomic(path, text, strlen(text), 0600), 0);
	assert_int_equal(status_replay(t, err, sizeof(err)), 0);
	assert_int_equal(file_read_all(path, 4096, &data, NULL), 0);
	assert_string_equal(data, line);
	free(data);
	atask_free(t);
}

static void test_state_machine_refuses_bad_transitions(void **state)
{
	struct fixture *f = *state;
	struct atask *t = new_task(f, "t6");
	struct task_outcome o;

	o = outcome(TASK_RUNNING, "");
	assert_int_equal(atask_set_state(t, &o), -EINVAL); /* STAGING -> RUNNING */
	assert_int_equal(t->state, TASK_STAGING);
	assert_int_equal(t->queued, 0);
	o = outcome(TASK_FAILED, "refused");
	assert_int_equal(atask_set_state(t, &o), 0); /* a launch refused by the agent */
	o = outcome(TASK_FINISHED, "");
	assert_int_equal(atask_set_state(t, &o), -EINVAL); /* terminal is final */
	assert_int_equal(t->queued, 1);
	assert_true(mesos_task_state_terminal(TASK_LOST));
	assert_false(mesos_task_state_terminal(TASK_RUNNING));
	assert_int_equal(mesos_task_state_parse("TASK_KILLED"), TASK_KILLED);
	assert_int_equal(mesos_task_state_parse("TASK_NOPE"), -1);
	atask_free(t);
}

static void check_outcome(const char *json, bool killed, enum mesos_task_state state,
			  enum status_source source, const char *reason, const char *message)
{
	struct exit_report e;
	struct task_outcome o;

	assert_int_equal(sup_parse_exit(json, strlen(json), &e), 0);
	launcher_exit_outcome(&e, killed, NULL, &o);
	assert_int_equal(o.state, state);
	assert_int_equal(o.source, source);
	if (reason)
		assert_string_equal(o.reason, reason);
	else
		assert_null(o.reason);
	assert_string_equal(o.message, message);
}

static void test_exit_status_to_task_status(void **state)
{
	char text[256];
	struct exit_report e;
	struct task_outcome o, why;
	(void)state;

	snprintf(text, sizeof(text), "{\"status\":%d,\"pid\":42,\"started\":true}", 0);
	check_outcome(text, false, TASK_FINISHED, SOURCE_EXECUTOR, NULL,
		      "Command exited with status 0");
	snprintf(text, sizeof(text), "{\"status\":%d,\"pid\":42,\"started\":true}", 3 << 8);
	check_outcome(text, false, TASK_FAILED, SOURCE_EXECUTOR, NULL,
		      "Command exited with status 3");
	snprintf(text, sizeof(text), "{\"status\":%d,\"pid\":42,\"started\":true}", SIGKILL);
	check_outcome(text, false, TASK_FAILED, SOURCE_EXECUTOR, NULL,
		      "Command terminated with signal Killed");
	snprintf(text, sizeof(text), "{\"status\":%d,\"pid\":42,\"started\":true}", SIGTERM);
	check_outcome(text, true, TASK_KILLED, SOURCE_EXECUTOR, NULL,
		      "Command terminated with signal Terminated");
	/* a kill is a kill even when the command exits 0 on SIGTERM (as Mesos) */
	check_outcome("{\"status\":0,\"pid\":42,\"started\":true}", true, TASK_KILLED,
		      SOURCE_EXECUTOR, NULL, "Command exited with status 0");
	check_outcome("{\"status\":15,\"pid\":42,\"started\":false}", true, TASK_KILLED,
		      SOURCE_EXECUTOR, "REASON_TASK_KILLED_DURING_LAUNCH",
		      "the task was killed before its command started");
	check_outcome("{\"error\":\"user 'x' does not exist on agent h\",\"pid\":42}", false,
		      TASK_FAILED, SOURCE_AGENT, "REASON_CONTAINER_LAUNCH_FAILED",
		      "user 'x' does not exist on agent h");

	/* no report at all */
	memset(&e, 0, sizeof(e));
	launcher_exit_outcome(&e, false, NULL, &o);
	assert_int_equal(o.state, TASK_FAILED);
	assert_string_equal(o.reason, "REASON_EXECUTOR_TERMINATED");
	/* the kill's own outcome wins when given */
	why = outcome(TASK_KILLED, "killed because the agent restarted");
	why.source = SOURCE_AGENT;
	launcher_exit_outcome(&e, true, &why, &o);
	assert_int_equal(o.source, SOURCE_AGENT);
	assert_string_equal(o.message, "killed because the agent restarted");

	/* a limit the supervisor enforced: the agent's TASK_FAILED, with the limitation */
	check_outcome("{\"status\":9,\"pid\":42,\"started\":true,\"limitation\":{\"resource\":"
		      "\"mem\",\"message\":\"Memory limit exceeded: Requested: 32MB Maximum Used: "
		      "32MB\",\"limit_mb\":32}}",
		      false, TASK_FAILED, SOURCE_AGENT, "REASON_CONTAINER_LIMITATION_MEMORY",
		      "Memory limit exceeded: Requested: 32MB Maximum Used: 32MB");
	text[0] = '\0';
	str_copy(text, "{\"status\":9,\"pid\":4,\"started\":true,\"limitation\":{\"resource\":"
		       "\"disk\",\"message\":\"Disk usage (5MB) exceeds quota (1MB)\","
		       "\"limit_mb\":1}}",
		 sizeof(text));
	assert_int_equal(sup_parse_exit(text, strlen(text), &e), 0);
	launcher_exit_outcome(&e, false, NULL, &o);
	assert_string_equal(o.reason, "REASON_CONTAINER_LIMITATION_DISK");
	assert_string_equal(o.limit_resource, "disk");
	assert_true(o.limit_mb == 1.0);
	/* a requested kill stays a kill */
	launcher_exit_outcome(&e, true, NULL, &o);
	assert_int_equal(o.state, TASK_KILLED);
	assert_null(o.limit_resource);

	/* strict parser */
	assert_int_equal(sup_parse_exit("{\"status\":0,\"limitation\":{\"resource\":\"cpu\","
					     "\"message\":\"x\"}}",
					     58, &e),
			 -EINVAL);
	assert_int_equal(sup_parse_exit("{\"status\":0,\"limitation\":[]}", 28, &e), -EINVAL);
	assert_int_equal(sup_parse_exit("[]", 2, &e), -EINVAL);
	assert_int_equal(sup_parse_exit("{\"pid\":1}", 9, &e), -EINVAL);
	assert_int_equal(sup_parse_exit("{\"status\":70000}", 16, &e), -EINVAL);
	assert_int_equal(sup_parse_exit("{\"status\":\"x\"}", 14, &e), -EINVAL);
	assert_int_equal(sup_parse_exit("{\"status\":0", 11, &e), -EINVAL);
}

static const char *env_get(char **env, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; env[i]; i++)
		if (!strncmp(env[i], name, n) && env[i][n] == '=')
			return env[i] + n + 1;
	return NULL;
}

static void test_task_environment(void **state)
{
	const char *mesos[] = { "MESOS_SANDBOX=/sb", "http_proxy=mesos", NULL };
	json_t *flag = json_pack("{s:s, s:s}", "LD_LIBRARY_PATH", "/opt", "http_proxy", "flag");
	json_t *cmd = json_pack("{s:s, s:{s:s}, s:[], s:{s:s, s:{s:[{s:s, s:s}, {s:s}]}}}", "name",
				"t", "task_id", "value", "t", "resources", "command", "value",
				"true", "environment", "variables", "name", "http_proxy", "value",
				"task", "name", "EMPTY");
	json_t *secret = json_pack("{s:s, s:{s:s}, s:[], s:{s:s, s:{s:[{s:s, s:s}]}}}", "name",
				   "t", "task_id", "value", "t", "resources", "command", "value",
				   "true", "environment", "variables", "name", "S", "type",
				   "SECRET");
	struct task_spec spec, secret_spec;
	struct jerr jerr;
	char err[256];
	char **env;
	(void)state;

	assert_int_equal(task_spec_parse(cmd, NULL, &spec, &jerr), 0);
	assert_int_equal(task_spec_parse(secret, NULL, &secret_spec, &jerr), 0);
	env = launcher_build_env(flag, mesos, &spec, err, sizeof(err));
	assert_non_null(env);
	assert_string_equal(env_get(env, "PATH"), LAUNCHER_DEFAULT_PATH);
	assert_string_equal(env_get(env, "LD_LIBRARY_PATH"), "/opt");
	assert_string_equal(env_get(env, "MESOS_SANDBOX"), "/sb");
	assert_string_equal(env_get(env, "http_proxy"), "task"); /* later sources override */
	assert_string_equal(env_get(env, "EMPTY"), "");
	assert_null(env_get(env, "HOME")); /* nothing from the agent's own environment */
	launcher_strv_free(env);

	env = launcher_build_env(NULL, NULL, NULL, err, sizeof(err));
	assert_non_null(env);
	assert_string_equal(env_get(env, "PATH"), LAUNCHER_DEFAULT_PATH);
	assert_null(env[1]);
	launcher_strv_free(env);

	assert_null(launcher_build_env(NULL, NULL, &secret_spec, err, sizeof(err)));
	assert_non_null(strstr(err, "'S'"));
	task_spec_free(&spec);
	task_spec_free(&secret_spec);
	json_decref(flag);
	json_decref(cmd);
	json_decref(secret);
}

static void test_executor_env_flag(void **state)
{
	struct agent a;
	char err[256];
	(void)state;

	memset(&a, 0, sizeof(a));
	assert_int_equal(launcher_parse_env_flag(&a, err, sizeof(err)), 0);
	assert_null(a.executor_env);
	a.flags.executor_environment_variables = "{\"PATH\":\"/bin\",\"N\":3}";
	assert_int_equal(launcher_parse_env_flag(&a, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "'N'"));
	a.flags.executor_environment_variables = "[\"PATH\"]";
	assert_int_equal(launcher_parse_env_flag(&a, err, sizeof(err)), -EINVAL);
	a.flags.executor_environment_variables = "{\"A=B\":\"x\"}";
	assert_int_equal(launcher_parse_env_flag(&a, err, sizeof(err)), -EINVAL);
	a.flags.executor_environment_variables = "{\"PATH\":\"/bin\",\"http_proxy\":\"p\"}";
	assert_int_equal(launcher_parse_env_flag(&a, err, sizeof(err)), 0);
	assert_int_equal(json_object_size(a.executor_env), 2);
	json_decref(a.executor_env);
}

static int check(struct fixture *f, const char *task_json, const char *user,
		 struct task_outcome *o)
{
	struct atask *t = new_task(f, "chk");
	int r;

	json_t *ti = json_loads(task_json, 0, NULL), *base;

	/* the fields every TaskInfo has, unless the test sets them */
	base = json_pack("{s:s, s:{s:s}, s:[]}", "name", "chk", "task_id", "value", "chk",
			 "resources");
	json_object_update_missing(ti, base);
	json_decref(base);
	t->framework_info = json_pack("{s:s}", "user", user);
	atask_describe(t, ti, NULL);
	json_decref(ti);
	r = atask_check(t, o);
	atask_free(t);
	return r;
}

static void test_what_the_agent_refuses_to_run(void **state)
{
	struct fixture *f = *state;
	struct task_outcome o;

	f->a.flags.switch_user = true;
	assert_int_equal(check(f, "{\"command\":{\"value\":\"true\"}}", "nobody", &o), 0);
	assert_int_equal(check(f, "{\"command\":{\"value\":\"true\"},\"container\":{\"type\":"
				  "\"MESOS\",\"mesos\":{\"image\":{\"type\":\"DOCKER\",\"docker\":"
				  "{\"name\":\"alpine:3\"}}}}}",
			       "nobody", &o),
			 1);
	assert_int_equal(o.state, TASK_FAILED);
	assert_int_equal(o.source, SOURCE_AGENT);
	assert_string_equal(o.reason, "REASON_CONTAINER_LAUNCH_FAILED");
	assert_non_null(strstr(o.message, "'alpine:3'"));
	assert_int_equal(check(f, "{\"command\":{\"value\":\"true\"},\"container\":{\"type\":"
				  "\"DOCKER\",\"docker\":{\"image\":\"nginx:1\"}}}",
			       "nobody", &o),
			 1);
	assert_non_null(strstr(o.message, "'nginx:1'"));
	assert_int_equal(check(f, "{\"command\":{\"value\":\"true\",\"environment\":{"
				  "\"variables\":[{\"name\":\"S\",\"type\":\"SECRET\"}]}}}",
			       "nobody", &o),
			 1);
	assert_non_null(strstr(o.message, "'S'"));
	assert_int_equal(check(f, "{\"executor\":{},\"command\":{\"value\":\"true\"}}", "nobody",
			       &o),
			 1);
	assert_int_equal(check(f, "{\"command\":{\"shell\":false}}", "nobody", &o), 1);
	assert_int_equal(check(f, "{\"command\":{\"value\":\"true\"}}", "", &o), 1);
	assert_non_null(strstr(o.message, "no user"));
	f->a.flags.switch_user = false; /* runs as the agent's user: no user needed */
	assert_int_equal(check(f, "{\"command\":{\"value\":\"true\"}}", "", &o), 0);
}

/* The container object: what containerizer.c writes, container.c reads back the same. */
static void test_container_object_round_trip(void **state)
{
	struct sup_container in, *out = calloc(1, sizeof(*out));
	char why[256];
	json_t *j;
	(void)state;

	memset(&in, 0, sizeof(in));
	in.cgroup = "c-1";
	in.cpus = 0.5;
	in.cfs = true;
	in.mem_bytes = 32u << 20;
	in.mem_watch = true;
	in.private_dev = true;
	in.dev_dir = "/dev";
	in.devices[0] = (struct sup_device){ 'c', 195, 1, "/dev/nvidia1" };
	in.ndevices = 1;
	in.gpus[0] = 1;
	in.ngpus = 1;
	in.disk_watch = 2;
	in.disk_limit_bytes = 1 << 20;
	j = sup_container_json(&in);
	assert_int_equal(sup_container_parse(j, out, why, sizeof(why)), 0);
	assert_string_equal(out->cgroup, "c-1");
	assert_true(out->cpus == 0.5 && out->cfs && out->mem_watch && out->private_dev);
	assert_int_equal(out->mem_bytes, 32u << 20);
	assert_int_equal(out->ndevices, 1);
	assert_int_equal(out->devices[0].minor, 1);
	assert_string_equal(out->devices[0].path, "/dev/nvidia1");
	assert_int_equal(out->ngpus, 1);
	assert_int_equal(out->gpus[0], 1);
	assert_int_equal(out->disk_limit_bytes, 1 << 20);
	json_decref(j);

	j = json_loads("{\"gpus\":[-1]}", 0, NULL);
	assert_int_equal(sup_container_parse(j, out, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "container.gpus[0]"));
	json_decref(j);
	j = json_loads("{\"mem_bytes\":\"lots\"}", 0, NULL);
	assert_int_equal(sup_container_parse(j, out, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "container.mem_bytes"));
	json_decref(j);
	free(out);
}

static int event(const char *text, struct mevent *ev, struct jerr *err)
{
	return mevent_parse(text, strlen(text), ev, err);
}

static void test_master_events(void **state)
{
	struct mevent ev;
	struct jerr err;
	(void)state;

	assert_int_equal(event("{\"type\":\"KILL\",\"kill\":{\"framework_id\":{\"value\":"
			       "\"f\"},\"task_id\":\"t\",\"kill_policy\":{\"grace_period\":{"
			       "\"nanoseconds\":\"1500000000\"}}}}",
			       &ev, &err),
			 0);
	assert_int_equal(ev.type, MEVENT_KILL);
	assert_string_equal(ev.u.kill.task_id, "t");
	assert_true(ev.u.kill.has_grace && ev.u.kill.grace == 1.5);
	mevent_free(&ev);

	assert_int_equal(event("{\"type\":\"LAUNCH\",\"launch\":{\"framework_info\":{\"id\":"
			       "{\"value\":\"f\"}},\"task\":{\"task_id\":{\"value\":\"t\"}},"
			       "\"user\":\"u\"}}",
			       &ev, &err),
			 0);
	assert_int_equal(ev.type, MEVENT_LAUNCH);
	assert_string_equal(ev.u.launch.user, "u");
	mevent_free(&ev);

	assert_int_equal(event("{\"type\":\"SUBSCRIBED\",\"subscribed\":{\"agent_id\":{"
			       "\"value\":\"a\"},\"session\":\"s\",\"ping_interval_seconds\":0}}",
			       &ev, &err),
			 0);
	assert_true(ev.u.subscribed.ping_interval == 0.05);
	assert_true(ev.u.subscribed.heartbeat_interval == 5);
	assert_string_equal(ev.u.subscribed.master_id, "");
	mevent_free(&ev);

	assert_int_equal(event("{\"type\":\"SOMETHING_NEW\"}", &ev, &err), 0);
	assert_int_equal(ev.type, MEVENT_UNKNOWN);
	assert_string_equal(ev.type_name, "SOMETHING_NEW");
	mevent_free(&ev);

	/* errors name the field */
	assert_int_equal(event("{\"type\":\"ACKNOWLEDGE\",\"acknowledge\":{\"framework_id\":"
			       "\"f\",\"task_id\":\"t\"}}",
			       &ev, &err),
			 -EINVAL);
	assert_string_equal(err.msg, "acknowledge.uuid: required field is missing");
	mevent_free(&ev);
	assert_int_equal(event("{\"type\":\"KILL\",\"kill\":{\"framework_id\":\"f/x\","
			       "\"task_id\":\"t\"}}",
			       &ev, &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "kill.framework_id"));
	mevent_free(&ev);
	assert_int_equal(event("{\"type\":\"SUBSCRIBED\",\"subscribed\":{\"session\":\"s\"}}",
			       &ev, &err),
			 -EINVAL);
	assert_int_equal(ev.type, MEVENT_SUBSCRIBED);
	mevent_free(&ev);
	assert_int_equal(event("[1]", &ev, &err), -EINVAL);
	mevent_free(&ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_master_events),
		cmocka_unit_test(test_container_object_round_trip),
		cmocka_unit_test_setup_teardown(test_queue_persists_and_replays, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replay_cuts_a_torn_line_and_names_bad_ones,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_replay_of_a_file_truncates_the_torn_tail,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_machine_refuses_bad_transitions, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_what_the_agent_refuses_to_run, setup, teardown),
		cmocka_unit_test(test_exit_status_to_task_status),
		cmocka_unit_test(test_task_environment),
		cmocka_unit_test(test_executor_env_flag),
	};
	return cmocka_run_group_tests_name("agent_tasks", tests, NULL, NULL);
}
