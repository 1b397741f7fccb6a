/*
 * Unit tests for jobs/job: the two seed jobs byte for byte (parse, print
 * in Chronos' key order, TaskInfo), defaults and Chronos' leniency, every
 * error message, the container mapping, task ids, constraint matching and
 * the GET /jobs compat shim. Run from the repository root (fixtures).
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
#include "core/util.h"
#include "jobs/job.h"

#define SEED_GPU "tests/fixtures/seed/chronos-host-gpu-test.json"
#define SEED_MNIST "tests/fixtures/seed/chronos-mnist-cnn-demo.json"
#define NOW_MS 1394297837507LL /* 2014-03-08T16:57:17.507Z */
#define DUE_MS 1428515194358LL

static const char OFFER[] =
	"{\"id\":{\"value\":\"m1-O7\"},\"framework_id\":{\"value\":\"fw1\"},"
	"\"agent_id\":{\"value\":\"m1-S0\"},\"hostname\":\"gpu-node-1\","
	"\"resources\":["
	"{\"name\":\"cpus\",\"type\":\"SCALAR\",\"scalar\":{\"value\":24},\"role\":\"*\","
	"\"allocation_info\":{\"role\":\"*\"}},"
	"{\"name\":\"mem\",\"type\":\"SCALAR\",\"scalar\":{\"value\":24576},\"role\":\"*\","
	"\"allocation_info\":{\"role\":\"*\"}},"
	"{\"name\":\"disk\",\"type\":\"SCALAR\",\"scalar\":{\"value\":409600},\"role\":\"*\","
	"\"allocation_info\":{\"role\":\"*\"}},"
	"{\"name\":\"gpus\",\"type\":\"SCALAR\",\"scalar\":{\"value\":2},\"role\":\"*\","
	"\"allocation_info\":{\"role\":\"*\"}}],"
	"\"attributes\":["
	"{\"name\":\"rack\",\"type\":\"TEXT\",\"text\":{\"value\":\"rack-1\"}},"
	"{\"name\":\"gen\",\"type\":\"SCALAR\",\"scalar\":{\"value\":3}},"
	"{\"name\":\"zone\",\"type\":\"SET\",\"set\":{\"item\":[\"a\",\"b\"]}},"
	"{\"name\":\"ports\",\"type\":\"RANGES\",\"ranges\":{\"range\":[{\"begin\":1,\"end\":5}]}}]}";

/* ---- helpers ---- */

static struct job *parse_with(const char *text, const struct job_defaults *d)
{
	struct jerr err = { "" };
	struct job *job = NULL;
	if (job_parse(text, strlen(text), d, NOW_MS, &job, &err) != 0)
		fail_msg("parse of '%.200s' failed: %s", text, err.msg);
	assert_non_null(job);
	return job;
}

static struct job *parse_ok(const char *text)
{
	return parse_with(text, NULL);
}

static struct job *parse_file(const char *path)
{
	char *text;
	size_t len;
	struct job *job;
	assert_int_equal(file_read_all(path, 1 << 20, &text, &len), 0);
	job = parse_ok(text);
	free(text);
	return job;
}

static void expect_err(const char *text, const char *msg)
{
	struct jerr err = { "" };
	struct job *job = (struct job *)1;
	int rc = job_parse(text, strlen(text), NULL, NOW_MS, &job, &err);
	if (rc != -EINVAL)
		fail_msg("'%.200s' parsed (rc %d), expected error '%s'", text, rc, msg);
	assert_null(job);
	/* A trailing '*' matches any rest (jansson's own wording varies by version). */
	if (msg[strlen(msg) - 1] == '*')
		assert_int_equal(strncmp(err.msg, msg, strlen(msg) - 1), 0);
	else
		assert_string_equal(err.msg, msg);
}

/* Compares v (consumed) with want as compact JSON. */
static void expect_json(json_t *v, const char *want)
{
	char *got;
	assert_non_null(v);
	got = json_compact(v);
	if (strcmp(got, want))
		fail_msg("JSON differs\n got: %s\nwant: %s", got, want);
	free(got);
	json_decref(v);
}

static char *job_text(const struct job *job)
{
	json_t *v = job_to_json(job);
	char *s = json_compact(v);
	json_decref(v);
	return s;
}

/* An Offer parsed by core (mesos_offer_parse); free with offer_free(). */
static struct mesos_offer *parse_offer(const char *text)
{
	struct mesos_offer *o = calloc(1, sizeof(*o));
	json_t *j = json_loads(text, 0, NULL);
	struct jerr err = { "" };

	assert_non_null(o);
	assert_non_null(j);
	if (mesos_offer_parse(j, o, &err) != 0)
		fail_msg("offer %s: %s", text, err.msg);
	return o;
}

static struct mesos_offer *offer(void)
{
	return parse_offer(OFFER);
}

static void offer_free(struct mesos_offer *o)
{
	mesos_offer_free(o);
	json_decref((json_t *)o->json);
	free(o);
}

static json_t *task_info(const struct job *job, const char *args, unsigned attempt)
{
	struct jerr err = { "" };
	struct mesos_offer *o = offer();
	json_t *ti = NULL;
	if (job_task_info(job, o, DUE_MS, attempt, args, &ti, &err) != 0)
		fail_msg("task info of %s failed: %s", job->name, err.msg);
	offer_free(o);
	return ti;
}

/* One part of a TaskInfo, as compact JSON compared with want. */
static void expect_part(const json_t *ti, const char *key, const char *want)
{
	json_t *part = json_object_get(ti, key);
	if (!part)
		fail_msg("TaskInfo has no '%s'", key);
	expect_json(json_incref(part), want);
}

static bool matches(const char *job_json)
{
	struct job *job = parse_ok(job_json);
	struct mesos_offer *o = offer();
	bool m = job_offer_matches_constraints(job, o);
	offer_free(o);
	job_free(job);
	return m;
}

/* ---- the seed jobs ---- */

static const char GPU_OUT[] =
	"{\"name\":\"host-gpu-test\",\"command\":\"nvidia-smi > /root/nvidia-smi-out.txt ; "
	"whoami; id; pwd\",\"shell\":true,\"executor\":\"\",\"executorFlags\":\"\","
	"\"taskInfoData\":\"\",\"retries\":0,\"owner\":\"\",\"ownerName\":\"\","
	"\"description\":\"\",\"successCount\":0,\"errorCount\":0,\"lastSuccess\":\"\","
	"\"lastError\":\"\",\"cpus\":0.1,\"disk\":256.0,\"mem\":128.0,\"gpus\":1,"
	"\"disabled\":false,\"softError\":false,\"dataProcessingJobType\":false,"
	"\"errorsSinceLastSuccess\":0,\"fetch\":[],\"uris\":[],\"environmentVariables\":[],"
	"\"arguments\":[],\"highPriority\":false,\"runAsUser\":\"root\",\"concurrent\":false,"
	"\"maxCompletionTime\":0,\"constraints\":[],\"schedule\":\"R1//P1Y\","
	"\"scheduleTimeZone\":\"\"}";

static void test_seed_gpu(void **state)
{
	(void)state;
	struct job *job = parse_file(SEED_GPU);

	assert_string_equal(job->name, "host-gpu-test");
	assert_string_equal(job->command,
			    "nvidia-smi > /root/nvidia-smi-out.txt ; whoami; id; pwd");
	assert_true(job->shell);
	assert_int_equal(job->retries, 0);
	assert_true(job->cpus == 0.1 && job->disk == 256 && job->mem == 128);
	assert_int_equal(job->gpus, 1);
	assert_string_equal(job->run_as_user, "root");
	assert_null(job->container);
	assert_int_equal(job->kind, JOB_SCHEDULED);
	assert_string_equal(job->schedule, "R1//P1Y");
	assert_string_equal(job->schedule_time_zone, "");
	assert_int_equal(job->nconstraints, 0);
	expect_json(job_to_json(job), GPU_OUT);
	job_free(job);
}

static const char MNIST_CONTAINER[] =
	"\"container\":{\"type\":\"MESOS\",\"image\":\"local/dlkit:mesos\","
	"\"network\":\"BRIDGE\",\"networkInfos\":[],\"volumes\":[{\"hostPath\":"
	"\"/gluster/volume2/data\",\"containerPath\":\"/data\",\"mode\":\"RW\"}],"
	"\"forcePullImage\":false,\"parameters\":[]}";

static void test_seed_mnist(void **state)
{
	(void)state;
	struct job *job = parse_file(SEED_MNIST);
	char want[4096];

	assert_string_equal(job->name, "mnist-cnn-demo");
	assert_true(job->cpus == 10 && job->disk == 1000 && job->mem == 10240);
	assert_int_equal(job->gpus, 1);
	assert_string_equal(job->run_as_user, "mesos");
	assert_non_null(job->container);
	assert_int_equal(job->container->type, JOB_CONTAINER_MESOS);
	assert_string_equal(job->container->image, "local/dlkit:mesos");
	assert_int_equal(job->container->network, JOB_NETWORK_BRIDGE);
	assert_int_equal(job->container->nvolumes, 1);
	assert_string_equal(job->container->volumes[0].host_path, "/gluster/volume2/data");
	assert_string_equal(job->container->volumes[0].container_path, "/data");
	assert_int_equal(job->container->volumes[0].mode, JOB_VOLUME_RW);
	assert_false(job->container->force_pull_image);
	assert_string_equal(job->schedule, "R1//P1Y");
	snprintf(want, sizeof(want),
		 "{\"name\":\"mnist-cnn-demo\",\"command\":\"cd /data/mnist ; env; python "
		 "mnist_cnn.py | tee out-`date +%%Y%%m%%dT%%H%%M%%S`.txt\",\"shell\":true,"
		 "\"executor\":\"\",\"executorFlags\":\"\",\"taskInfoData\":\"\",\"retries\":0,"
		 "\"owner\":\"\",\"ownerName\":\"\",\"description\":\"\",\"successCount\":0,"
		 "\"errorCount\":0,\"lastSuccess\":\"\",\"lastError\":\"\",\"cpus\":10.0,"
		 "\"disk\":1000.0,\"mem\":10240.0,\"gpus\":1,\"disabled\":false,"
		 "\"softError\":false,\"dataProcessingJobType\":false,"
		 "\"errorsSinceLastSuccess\":0,\"fetch\":[],\"uris\":[],"
		 "\"environmentVariables\":[],\"arguments\":[],\"highPriority\":false,"
		 "\"runAsUser\":\"mesos\",\"concurrent\":false,\"maxCompletionTime\":0,%s,"
		 "\"constraints\":[],\"schedule\":\"R1//P1Y\",\"scheduleTimeZone\":\"\"}",
		 MNIST_CONTAINER);
	expect_json(job_to_json(job), want);
	job_free(job);
}

/* Every key, in JobSerializer's order (gpus after mem, as the GPU fork). */
static void test_key_order(void **state)
{
	(void)state;
	static const char *const keys[] = {
		"name", "command", "shell", "executor", "executorFlags", "taskInfoData",
		"retries", "owner", "ownerName", "description", "successCount", "errorCount",
		"lastSuccess", "lastError", "cpus", "disk", "mem", "gpus", "disabled",
		"softError", "dataProcessingJobType", "errorsSinceLastSuccess", "fetch", "uris",
		"environmentVariables", "arguments", "highPriority", "runAsUser", "concurrent",
		"maxCompletionTime", "container", "constraints", "schedule", "scheduleTimeZone"
	};
	struct job *job = parse_file(SEED_MNIST);
	json_t *v = job_to_json(job);
	const char *key;
	json_t *value;
	size_t i = 0;

	json_object_foreach(v, key, value) {
		assert_true(i < ARRAY_LEN(keys));
		assert_string_equal(key, keys[i]);
		i++;
	}
	assert_int_equal(i, ARRAY_LEN(keys));
	json_decref(v);
	job_free(job);
}

static void test_seed_round_trip(void **state)
{
	(void)state;
	const char *paths[] = { SEED_GPU, SEED_MNIST };
	for (size_t i = 0; i < ARRAY_LEN(paths); i++) {
		struct job *a = parse_file(paths[i]), *b, *c;
		char *ta = job_text(a), *tb, *tc;
		b = parse_ok(ta);
		tb = job_text(b);
		assert_string_equal(ta, tb);
		c = job_copy(b);
		tc = job_text(c);
		assert_string_equal(ta, tc);
		free(ta);
		free(tb);
		free(tc);
		job_free(a);
		job_free(b);
		job_free(c);
	}
}

/* ---- defaults and leniency ---- */

static void test_defaults(void **state)
{
	(void)state;
	struct job *job = parse_ok("{\"name\":\"a\"}");
	expect_json(job_to_json(job),
		    "{\"name\":\"a\",\"command\":\"\",\"shell\":true,\"executor\":\"\","
		    "\"executorFlags\":\"\",\"taskInfoData\":\"\",\"retries\":2,\"owner\":\"\","
		    "\"ownerName\":\"\",\"description\":\"\",\"successCount\":0,\"errorCount\":0,"
		    "\"lastSuccess\":\"\",\"lastError\":\"\",\"cpus\":0.1,\"disk\":256.0,"
		    "\"mem\":128.0,\"gpus\":0,\"disabled\":false,\"softError\":false,"
		    "\"dataProcessingJobType\":false,\"errorsSinceLastSuccess\":0,\"fetch\":[],"
		    "\"uris\":[],\"environmentVariables\":[],\"arguments\":[],"
		    "\"highPriority\":false,\"runAsUser\":\"root\",\"concurrent\":false,"
		    "\"maxCompletionTime\":0,\"constraints\":[],"
		    "\"schedule\":\"R1/2014-03-08T16:57:17.507Z/PT24H\",\"scheduleTimeZone\":\"\"}");
	job_free(job);
}

static void test_flag_defaults(void **state)
{
	(void)state;
	struct job_defaults d = { 0.5, 512, 1024, 1, "nobody" };
	struct job *job = parse_with("{\"name\":\"a\",\"cpus\":0,\"mem\":null,\"gpus\":\"0\","
				     "\"schedule\":\"R/2014-01-01T00:00:00Z/PT1H\"}",
				     &d);
	assert_true(job->cpus == 0.5 && job->mem == 512 && job->disk == 1024);
	assert_int_equal(job->gpus, 1);
	assert_string_equal(job->run_as_user, "nobody");
	assert_string_equal(job->schedule, "R/2014-01-01T00:00:00Z/PT1H");
	job_free(job);
	/* 0 is the default even when given as a real or a string */
	job = parse_ok("{\"name\":\"a\",\"cpus\":0.0,\"disk\":\"0\",\"mem\":-0.0}");
	assert_true(job->cpus == 0.1 && job->disk == 256 && job->mem == 128);
	job_free(job);
}

static void test_leniency(void **state)
{
	(void)state;
	struct job *job = parse_ok(
		"{\"name\":\"x.y-z_1\",\"cpus\":\"0.5\",\"mem\":\"64\",\"disk\":512,"
		"\"gpus\":\"2\",\"retries\":\"3\",\"shell\":\"false\",\"disabled\":\"TRUE\","
		"\"concurrent\":1,\"softError\":null,\"highPriority\":true,"
		"\"successCount\":\"7\",\"errorCount\":2.0,\"maxCompletionTime\":\"60\","
		"\"owner\":5,\"description\":1.5,\"ownerName\":true,\"command\":null,"
		"\"arguments\":[\"-v\",3],\"epsilon\":\"PT60S\",\"async\":false,"
		"\"someUiKey\":{\"a\":[1]},\"runAsUser\":null,\"uris\":null,\"container\":null}");
	assert_true(job->cpus == 0.5 && job->mem == 64 && job->disk == 512);
	assert_int_equal(job->gpus, 2);
	assert_int_equal(job->retries, 3);
	assert_false(job->shell);
	assert_true(job->disabled && job->concurrent && job->high_priority);
	assert_false(job->soft_error);
	assert_int_equal(job->success_count, 7);
	assert_int_equal(job->error_count, 2);
	assert_int_equal(job->max_completion_time, 60);
	assert_string_equal(job->owner, "5");
	assert_string_equal(job->description, "1.5");
	assert_string_equal(job->owner_name, "true");
	assert_string_equal(job->command, "");
	assert_int_equal(job->arguments.n, 2);
	assert_string_equal(job->arguments.v[1], "3");
	assert_string_equal(job->run_as_user, "root");
	assert_null(job->container);
	job_free(job);
}

static void test_kind_sniffing(void **state)
{
	(void)state;
	struct job *job = parse_ok("{\"name\":\"c\",\"parents\":[\"a\",\"b\",\"a\"],"
				   "\"schedule\":\"R/2014-01-01T00:00:00Z/P1D\"}");
	char *text;

	assert_int_equal(job->kind, JOB_DEPENDENT);
	assert_null(job->schedule);
	assert_int_equal(job->parents.n, 2);
	text = job_text(job);
	assert_non_null(strstr(text, "\"constraints\":[],\"parents\":[\"a\",\"b\"]}"));
	assert_null(strstr(text, "schedule"));
	free(text);

	job_make_scheduled(job, "R1//PT1M", "Europe/Paris");
	assert_int_equal(job->kind, JOB_SCHEDULED);
	assert_int_equal(job->parents.n, 0);
	text = job_text(job);
	assert_non_null(strstr(text, "\"constraints\":[],\"schedule\":\"R1//PT1M\","
				     "\"scheduleTimeZone\":\"Europe/Paris\"}"));
	free(text);

	const char *parents[] = { "p", "q", "p" };
	job_make_dependent(job, parents, 3);
	assert_int_equal(job->kind, JOB_DEPENDENT);
	assert_null(job->schedule);
	assert_int_equal(job->parents.n, 2);
	job_set_str(&job->last_success, "2018-03-01T02:00:31.117Z");
	text = job_text(job);
	assert_non_null(strstr(text, "\"lastSuccess\":\"2018-03-01T02:00:31.117Z\""));
	assert_non_null(strstr(text, "\"parents\":[\"p\",\"q\"]}"));
	free(text);
	job_free(job);

	/* an empty parents list is still a dependent job (the API answers it) */
	job = parse_ok("{\"name\":\"c\",\"parents\":[]}");
	assert_int_equal(job->kind, JOB_DEPENDENT);
	job_free(job);
}

/* ---- errors ---- */

static void test_errors(void **state)
{
	(void)state;
	static const struct {
		const char *json, *msg;
	} cases[] = {
		{ "[]", "expected a JSON object (a job)" },
		{ "{\"name\":\"a\",}", "job: line 1 column 13: *" },
		{ "{}", "name: required field is missing" },
		{ "{\"name\":null}", "name: required field is missing" },
		{ "{\"name\":\"\"}", JOB_NAME_INVALID_MSG },
		{ "{\"name\":\"a b\"}", JOB_NAME_INVALID_MSG },
		{ "{\"name\":\"a/b\"}", JOB_NAME_INVALID_MSG },
		{ "{\"name\":\"caf\\u00e9\"}", JOB_NAME_INVALID_MSG },
		{ "{\"name\":\".\"}", "name: '.' is not allowed: '.' and '..' are path components*" },
		{ "{\"name\":\"..\"}", "name: '..' is not allowed: '.' and '..' are path components*" },
		{ "{\"name\":[\"a\"]}", "name: expected a string" },
		{ "{\"name\":\"a\",\"command\":{}}", "command: expected a string" },
		{ "{\"name\":\"a\",\"owner\":\"x\\u0000y\"}", "job: line 1 column 30: *" },
		{ "{\"name\":\"a\",\"cpus\":\"lots\"}", "cpus: expected a number" },
		{ "{\"name\":\"a\",\"cpus\":true}", "cpus: expected a number" },
		{ "{\"name\":\"a\",\"cpus\":-1}", "cpus: must not be negative" },
		{ "{\"name\":\"a\",\"mem\":\"-5\"}", "mem: must not be negative" },
		{ "{\"name\":\"a\",\"disk\":1e13}", "disk: must be at most 1000000000000" },
		{ "{\"name\":\"a\",\"gpus\":1.5}", "gpus: expected a whole number" },
		{ "{\"name\":\"a\",\"gpus\":-1}", "gpus: must not be negative" },
		{ "{\"name\":\"a\",\"gpus\":\"many\"}", "gpus: expected a number" },
		{ "{\"name\":\"a\",\"retries\":-1}", "retries: must not be negative" },
		{ "{\"name\":\"a\",\"retries\":1.5}", "retries: expected an integer" },
		{ "{\"name\":\"a\",\"retries\":3000000000}", "retries: must be at most 2147483647" },
		{ "{\"name\":\"a\",\"successCount\":\"x\"}", "successCount: expected an integer" },
		{ "{\"name\":\"a\",\"maxCompletionTime\":9223372037}",
		  "maxCompletionTime: must be at most 9223372036" },
		{ "{\"name\":\"a\",\"shell\":\"yes\"}", "shell: expected true or false" },
		{ "{\"name\":\"a\",\"disabled\":2}", "disabled: expected true or false" },
		{ "{\"name\":\"a\",\"arguments\":\"-v\"}", "arguments: expected an array" },
		{ "{\"name\":\"a\",\"arguments\":[{}]}", "arguments[0]: expected a string" },
		{ "{\"name\":\"a\",\"uris\":[\"\"]}", "uris[0]: must not be empty" },
		{ "{\"name\":\"a\",\"uris\":[\"http://x/a\"],\"fetch\":[{\"uri\":\"http://x/b\"}]}",
		  "Tried to add both uri (deprecated) and fetch parameters on a" },
		{ "{\"name\":\"a\",\"fetch\":[\"http://x/b\"]}", "fetch[0]: expected an object" },
		{ "{\"name\":\"a\",\"fetch\":[{\"extract\":false}]}",
		  "fetch[0].uri: required field is missing" },
		{ "{\"name\":\"a\",\"fetch\":[{\"uri\":\"\"}]}", "fetch[0].uri: must not be empty" },
		{ "{\"name\":\"a\",\"fetch\":[{\"uri\":\"u\",\"cache\":\"maybe\"}]}",
		  "fetch[0].cache: expected true or false" },
		{ "{\"name\":\"a\",\"environmentVariables\":[{\"name\":\"A\"}]}",
		  "environmentVariables[0].value: required field is missing" },
		{ "{\"name\":\"a\",\"environmentVariables\":[[\"A\",\"1\"]]}",
		  "environmentVariables[0]: expected an object" },
		{ "{\"name\":\"a\",\"constraints\":[\"rack\"]}",
		  "constraints[0]: expected [attribute, operator, value]" },
		{ "{\"name\":\"a\",\"constraints\":[[\"rack\",\"EQUALS\"]]}",
		  "constraints[0]: expected [attribute, operator, value]" },
		{ "{\"name\":\"a\",\"constraints\":[[\"rack\",\"EQUALS\",1]]}",
		  "constraints[0][2]: expected a string" },
		{ "{\"name\":\"a\",\"constraints\":[[\"rack\",\"LIKE\",\"[a-\"]]}",
		  "constraints[0]: invalid regular expression '[a-': Unmatched [, [^, [:, [., or [=" },
		{ "{\"name\":\"a\",\"constraints\":[[\"h\",\"LIKE\",\"(a)\\\\1\"]]}",
		  "constraints[0]: invalid regular expression '(a)\\1': back-references are not "
		  "supported" },
		{ "{\"name\":\"a\",\"constraints\":[[\"h\",\"UNLIKE\",\"((a{100}){100})\"]]}",
		  "constraints[0]: invalid regular expression '((a{100}){100})': too complex "
		  "(nested or chained repetitions)" },
		{ "{\"name\":\"a\",\"constraints\":[[\"h\",\"LIKE\",\"a++++++++++++++++++++\"]]}",
		  "constraints[0]: invalid regular expression 'a++++++++++++++++++++': too complex "
		  "(nested or chained repetitions)" },
		{ "{\"name\":\"a\",\"constraints\":[[\"h\",\"LIKE\",\"a**\"]]}",
		  "constraints[0]: invalid regular expression 'a**': too complex (nested or chained "
		  "repetitions)" },
		{ "{\"name\":\"a\",\"container\":[]}", "container: expected an object" },
		{ "{\"name\":\"a\",\"container\":{\"image\":\"\"}}",
		  "container.image: must not be empty" },
		{ "{\"name\":\"a\",\"container\":{\"image\":\"i\",\"type\":\"RKT\"}}",
		  "container.type: expected DOCKER or MESOS, got 'RKT'" },
		{ "{\"name\":\"a\",\"container\":{\"image\":\"i\",\"network\":\"host\"}}",
		  "container.network: expected HOST, BRIDGE or USER, got 'host'" },
		{ "{\"name\":\"a\",\"container\":{\"image\":\"i\",\"volumes\":[{\"hostPath\":\"/h\"}]}}",
		  "container.volumes[0].containerPath: required field is missing" },
		{ "{\"name\":\"a\",\"container\":{\"image\":\"i\",\"volumes\":[{\"containerPath\":"
		  "\"/c\",\"mode\":\"RWX\"}]}}",
		  "container.volumes[0].mode: expected RW or RO, got 'RWX'" },
		{ "{\"name\":\"a\",\"container\":{\"image\":\"i\",\"volumes\":[{\"containerPath\":"
		  "\"/c\",\"external\":{\"name\":\"v\"}}]}}",
		  "container.volumes[0].external.provider: required field is missing" },
		{ "{\"name\":\"a\",\"container\":{\"image\":\"i\",\"networkInfos\":[{\"name\":\"n\","
		  "\"protocol\":\"ipv4\"}]}}",
		  "container.networkInfos[0].protocol: expected IPv4 or IPv6, got 'ipv4'" },
		{ "{\"name\":\"a\",\"container\":{\"image\":\"i\",\"networkInfos\":[{\"name\":\"n\","
		  "\"portMappings\":[{\"hostPort\":80}]}]}}",
		  "container.networkInfos[0].portMappings[0].containerPort: required field is "
		  "missing" },
		{ "{\"name\":\"a\",\"container\":{\"image\":\"i\",\"networkInfos\":[{\"name\":\"n\","
		  "\"portMappings\":[{\"hostPort\":70000,\"containerPort\":1}]}]}}",
		  "container.networkInfos[0].portMappings[0].hostPort: must be at most 65535" },
		{ "{\"name\":\"a\",\"container\":{\"image\":\"i\",\"forcePullImage\":\"yes\"}}",
		  "container.forcePullImage: expected true or false" },
		{ "{\"name\":\"a\",\"container\":{\"image\":\"i\",\"parameters\":[{\"key\":\"k\"}]}}",
		  "container.parameters[0].value: required field is missing" },
		{ "{\"name\":\"a\",\"parents\":\"b\"}", "parents: expected an array" },
		{ "{\"name\":\"a\",\"parents\":[\"\"]}", "parents[0]: must not be empty" },
		{ "{\"name\":\"a\",\"schedule\":[]}", "schedule: expected a string" },
		{ "{\"name\":\"a\",\"scheduleTimeZone\":{}}", "scheduleTimeZone: expected a string" },
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++)
		expect_err(cases[i].json, cases[i].msg);
	/* the same rule for names in task ids and on the command line */
	assert_false(job_name_valid("."));
	assert_false(job_name_valid(".."));
	assert_true(job_name_valid("..."));
	assert_true(job_name_valid(".a"));
	assert_true(job_name_valid("a.."));
}

static void test_bounds(void **state)
{
	(void)state;
	size_t n = JOB_NAME_MAX + 1, big = JOB_STR_MAX + 1, len;
	char *text = xmalloc(JOB_COMMAND_MAX + 64), *p;

	/* a 256-byte name */
	memcpy(text, "{\"name\":\"", 9);
	memset(text + 9, 'n', n);
	memcpy(text + 9 + n, "\"}", 3);
	expect_err(text, JOB_NAME_INVALID_MSG);
	text[9 + n - 1] = '"';
	text[9 + n] = '}';
	text[9 + n + 1] = '\0';
	job_free(parse_ok(text)); /* 255 is fine */

	/* a 64 KiB + 1 owner */
	len = (size_t)snprintf(text, 64, "{\"name\":\"a\",\"owner\":\"");
	memset(text + len, 'o', big);
	memcpy(text + len + big, "\"}", 3);
	expect_err(text, "owner: longer than 65536 bytes");

	/* a 1 MiB + 1 command */
	len = (size_t)snprintf(text, 64, "{\"name\":\"a\",\"command\":\"");
	memset(text + len, 'c', JOB_COMMAND_MAX + 1);
	memcpy(text + len + JOB_COMMAND_MAX + 1, "\"}", 3);
	expect_err(text, "command: longer than 1048576 bytes");

	/* a 257-byte LIKE pattern */
	len = (size_t)snprintf(text, 64, "{\"name\":\"a\",\"constraints\":[[\"h\",\"LIKE\",\"");
	memset(text + len, 'x', JOB_REGEX_MAX + 1);
	memcpy(text + len + JOB_REGEX_MAX + 1, "\"]]}", 5);
	expect_err(text, "constraints[0]: invalid regular expression "
			 "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			 "xxxxxxxxxxxxxxxxxxx': longer than 256 bytes");
	free(text);

	/* 1025 arguments */
	text = xmalloc(8 * 1100);
	p = text + snprintf(text, 64, "{\"name\":\"a\",\"arguments\":[");
	for (int i = 0; i < JOB_ARRAY_MAX + 1; i++)
		p += snprintf(p, 8, "%s\"a\"", i ? "," : "");
	memcpy(p, "]}", 3);
	expect_err(text, "arguments: more than 1024 items");
	free(text);
}

/* ---- container, fetch, constraints: parse and print ---- */

static void test_container_variants(void **state)
{
	(void)state;
	struct job *job = parse_ok(
		"{\"name\":\"web\",\"container\":{\"type\":\"docker\",\"image\":\"nginx:1\","
		"\"network\":\"USER\",\"networkName\":\"overlay\",\"networkInfos\":[{\"name\":"
		"\"cni1\",\"protocol\":\"IPv4\",\"labels\":[{\"key\":\"k\",\"value\":\"v\"}],"
		"\"portMappings\":[{\"hostPort\":\"8080\",\"containerPort\":80,\"protocol\":"
		"\"tcp\"}]}],\"volumes\":[{\"containerPath\":\"/c\",\"mode\":\"ro\"},"
		"{\"containerPath\":\"/d\",\"external\":{\"name\":\"vol\",\"provider\":\"rexray\","
		"\"options\":[{\"key\":\"size\",\"value\":\"5\"}]}}],\"forcePullImage\":\"true\","
		"\"parameters\":[{\"key\":\"privileged\",\"value\":\"true\"}]}}");
	json_t *v = job_to_json(job);

	expect_json(json_incref(json_object_get(v, "container")),
		    "{\"type\":\"DOCKER\",\"image\":\"nginx:1\",\"network\":\"USER\","
		    "\"networkName\":\"overlay\",\"networkInfos\":[{\"name\":\"cni1\",\"protocol\":"
		    "\"IPv4\",\"labels\":[{\"key\":\"k\",\"value\":\"v\"}],\"portMappings\":[{"
		    "\"hostPort\":\"8080\",\"containerPort\":\"80\",\"protocol\":\"tcp\"}]}],"
		    "\"volumes\":[{\"containerPath\":\"/c\",\"mode\":\"RO\"},{\"containerPath\":"
		    "\"/d\",\"external\":{\"name\":\"vol\",\"provider\":\"rexray\",\"options\":[{"
		    "\"key\":\"size\",\"value\":\"5\"}]}}],\"forcePullImage\":true,\"parameters\":"
		    "[{\"key\":\"privileged\",\"value\":\"true\"}]}");
	json_decref(v);
	job_free(job);

	/* no image: dropped silently, as Chronos does */
	job = parse_ok("{\"name\":\"a\",\"container\":{\"type\":\"MESOS\",\"volumes\":[1]}}");
	assert_null(job->container);
	job_free(job);
	job = parse_ok("{\"name\":\"a\",\"container\":{\"image\":null}}");
	assert_null(job->container);
	job_free(job);
	/* defaults: DOCKER, HOST, no force pull */
	job = parse_ok("{\"name\":\"a\",\"container\":{\"image\":\"busybox\"}}");
	v = job_to_json(job);
	expect_json(json_incref(json_object_get(v, "container")),
		    "{\"type\":\"DOCKER\",\"image\":\"busybox\",\"network\":\"HOST\","
		    "\"networkInfos\":[],\"volumes\":[],\"forcePullImage\":false,"
		    "\"parameters\":[]}");
	json_decref(v);
	job_free(job);
}

static void test_fetch_env_constraints(void **state)
{
	(void)state;
	struct job *job = parse_ok(
		"{\"name\":\"a\",\"fetch\":[{\"uri\":\"http://x/a.tgz\"},{\"uri\":\"http://x/run\","
		"\"executable\":true,\"cache\":\"true\",\"extract\":false,\"output_file\":\"r\"}],"
		"\"environmentVariables\":[{\"name\":\"ENV\",\"value\":\"prod\"}],"
		"\"constraints\":[[\"rack\",\"EQUALS\",\"rack-1\"],[\"x\",\"GROUP_BY\",\"1\"],"
		"[\"hostname\",\"LIKE\",\"gpu-.*\"],[\"zone\",\"UNLIKE\",\"c\"]]}");
	json_t *v = job_to_json(job);

	assert_int_equal(job->nconstraints, 3); /* GROUP_BY dropped */
	expect_json(json_incref(json_object_get(v, "fetch")),
		    "[{\"uri\":\"http://x/a.tgz\",\"executable\":false,\"cache\":false,"
		    "\"extract\":true},{\"uri\":\"http://x/run\",\"executable\":true,\"cache\":true,"
		    "\"extract\":false,\"output_file\":\"r\"}]");
	expect_json(json_incref(json_object_get(v, "environmentVariables")),
		    "[{\"name\":\"ENV\",\"value\":\"prod\"}]");
	expect_json(json_incref(json_object_get(v, "constraints")),
		    "[[\"rack\",\"EQUALS\",\"rack-1\"],[\"hostname\",\"LIKE\",\"gpu-.*\"],"
		    "[\"zone\",\"UNLIKE\",\"c\"]]");
	json_decref(v);
	job_free(job);
}

static void test_listing_shim(void **state)
{
	(void)state;
	struct job *job = parse_ok("{\"name\":\"a\",\"uris\":[\"http://x/a\",\"http://x/b\"]}");
	json_t *v = job_to_listing_json(job);

	expect_json(json_incref(json_object_get(v, "fetch")),
		    "[{\"uri\":\"http://x/a\",\"executable\":false,\"cache\":false,\"extract\":true},"
		    "{\"uri\":\"http://x/b\",\"executable\":false,\"cache\":false,\"extract\":true}]");
	expect_json(json_incref(json_object_get(v, "uris")), "[\"http://x/a\",\"http://x/b\"]");
	json_decref(v);
	v = job_to_json(job); /* the plain form leaves fetch alone */
	expect_json(json_incref(json_object_get(v, "fetch")), "[]");
	json_decref(v);
	job_free(job);

	job = parse_ok("{\"name\":\"a\",\"fetch\":[{\"uri\":\"http://x/c\",\"cache\":true}]}");
	v = job_to_listing_json(job);
	expect_json(json_incref(json_object_get(v, "uris")), "[\"http://x/c\"]");
	json_decref(v);
	job_free(job);
}

/* ---- one run ---- */

static void test_task_id(void **state)
{
	(void)state;
	struct job *job = parse_ok("{\"name\":\"NewJob\",\"arguments\":[\"-v\",\"a;b\"]}");
	char id[JOB_TASK_ID_MAX + 1], name[JOB_NAME_MAX + 1], *args, *text;
	const char *rest;
	int64_t due;
	unsigned attempt;
	size_t len;
	json_t *probe;

	assert_int_equal(job_task_id(job, DUE_MS, 0, NULL, id, sizeof(id)), 0);
	assert_string_equal(id, "ct:1428515194358:0:NewJob:-v ab");
	assert_int_equal(job_task_id(job, DUE_MS, 2, "  ", id, sizeof(id)), 0);
	assert_string_equal(id, "ct:1428515194358:2:NewJob:-v ab");
	assert_int_equal(job_task_id(job, DUE_MS, 1, "--in /data/x;rm", id, sizeof(id)), 0);
	assert_string_equal(id, "ct:1428515194358:1:NewJob:--in _data_xrm");
	args = job_run_args(job, "--in /data/x;rm");
	assert_string_equal(args, "--in /data/xrm");
	free(args);

	assert_int_equal(job_task_id_parse(id, &due, &attempt, name, sizeof(name), &rest), 0);
	assert_true(due == DUE_MS);
	assert_int_equal(attempt, 1);
	assert_string_equal(name, "NewJob");
	assert_string_equal(rest, "--in _data_xrm");
	assert_int_equal(job_task_id_parse("ct:1:0:Job", &due, &attempt, name, sizeof(name), &rest),
			 0);
	assert_string_equal(rest, "");
	assert_int_equal(job_task_id_parse("ct:x:0:J:", &due, &attempt, name, sizeof(name), NULL),
			 -EINVAL);
	assert_int_equal(job_task_id_parse("mt:1:0:J:", &due, &attempt, name, sizeof(name), NULL),
			 -EINVAL);
	assert_int_equal(job_task_id_parse("ct:1:0::", &due, &attempt, name, sizeof(name), NULL),
			 -EINVAL);
	job_free(job);

	/* long arguments are cut so the id stays a Mesos id; never inside a UTF-8 character */
	text = xmalloc(2048);
	len = (size_t)snprintf(text, 2048, "{\"name\":\"j\",\"arguments\":[\"");
	for (int i = 0; i < 200; i++)
		len += (size_t)snprintf(text + len, 2048 - len, "\\u00e9");
	snprintf(text + len, 2048 - len, "\"]}");
	job = parse_ok(text);
	assert_int_equal(job_task_id(job, DUE_MS, 0, NULL, id, sizeof(id)), 0);
	assert_true(strlen(id) <= JOB_TASK_ID_MAX);
	assert_true(strlen(id) >= JOB_TASK_ID_MAX - 1);
	probe = json_string(id);
	assert_non_null(probe); /* still UTF-8 */
	json_decref(probe);
	job_free(job);

	/* a name too long for any task id */
	memcpy(text, "{\"name\":\"", 9);
	memset(text + 9, 'n', 250);
	memcpy(text + 259, "\"}", 3);
	job = parse_ok(text);
	assert_int_equal(job_task_id(job, DUE_MS, 0, NULL, id, sizeof(id)), -ENAMETOOLONG);
	{
		struct jerr err = { "" };
		struct mesos_offer *o = offer();
		json_t *ti = (json_t *)1;
		assert_int_equal(job_task_info(job, o, DUE_MS, 0, NULL, &ti, &err), -ENAMETOOLONG);
		assert_null(ti);
		assert_non_null(strstr(err.msg, "its task id would be longer than 255 characters"));
		offer_free(o);
	}
	job_free(job);
	free(text);
}

static const char GPU_ENV[] =
	"{\"variables\":[{\"name\":\"mesos_task_id\",\"value\":\"ct:1428515194358:0:host-gpu-test:\"},"
	"{\"name\":\"MESOS_TASK_ID\",\"value\":\"ct:1428515194358:0:host-gpu-test:\"},"
	"{\"name\":\"CHRONOS_JOB_OWNER\",\"value\":\"\"},"
	"{\"name\":\"CHRONOS_JOB_NAME\",\"value\":\"host-gpu-test\"},"
	"{\"name\":\"HOST\",\"value\":\"gpu-node-1\"},"
	"{\"name\":\"CHRONOS_RESOURCE_MEM\",\"value\":\"128.0\"},"
	"{\"name\":\"CHRONOS_RESOURCE_CPU\",\"value\":\"0.1\"},"
	"{\"name\":\"CHRONOS_RESOURCE_DISK\",\"value\":\"256.0\"},"
	"{\"name\":\"CHRONOS_RESOURCE_GPU\",\"value\":\"1\"},"
	"{\"name\":\"CHRONOS_JOB_RUN_TIME\",\"value\":\"1428515194358\"},"
	"{\"name\":\"CHRONOS_JOB_RUN_ATTEMPT\",\"value\":\"0\"}]}";

static void test_task_info_gpu_seed(void **state)
{
	(void)state;
	struct job *job = parse_file(SEED_GPU);
	json_t *ti = task_info(job, NULL, 0);
	char want[4096];

	snprintf(want, sizeof(want),
		 "{\"name\":\"ChronosTask:host-gpu-test\",\"task_id\":{\"value\":"
		 "\"ct:1428515194358:0:host-gpu-test:\"},\"agent_id\":{\"value\":\"m1-S0\"},"
		 "\"resources\":["
		 "{\"name\":\"cpus\",\"type\":\"SCALAR\",\"scalar\":{\"value\":0.1},\"role\":\"*\","
		 "\"allocation_info\":{\"role\":\"*\"}},"
		 "{\"name\":\"mem\",\"type\":\"SCALAR\",\"scalar\":{\"value\":128.0},\"role\":\"*\","
		 "\"allocation_info\":{\"role\":\"*\"}},"
		 "{\"name\":\"disk\",\"type\":\"SCALAR\",\"scalar\":{\"value\":256.0},\"role\":\"*\","
		 "\"allocation_info\":{\"role\":\"*\"}},"
		 "{\"name\":\"gpus\",\"type\":\"SCALAR\",\"scalar\":{\"value\":1.0},\"role\":\"*\","
		 "\"allocation_info\":{\"role\":\"*\"}}],"
		 "\"command\":{\"value\":\"nvidia-smi > /root/nvidia-smi-out.txt ; whoami; id; pwd\","
		 "\"shell\":true,\"user\":\"root\",\"environment\":%s,\"uris\":[]}}",
		 GPU_ENV);
	expect_json(ti, want);
	job_free(job);
}

static void test_task_info_mnist_seed(void **state)
{
	(void)state;
	struct job *job = parse_file(SEED_MNIST);
	json_t *ti = task_info(job, NULL, 1);
	json_t *vars = json_object_get(json_object_get(json_object_get(ti, "command"),
						       "environment"),
				       "variables");

	expect_part(ti, "task_id", "{\"value\":\"ct:1428515194358:1:mnist-cnn-demo:\"}");
	expect_part(ti, "container",
		    "{\"type\":\"MESOS\",\"mesos\":{\"image\":{\"type\":\"DOCKER\",\"docker\":{"
		    "\"name\":\"local/dlkit:mesos\"},\"cached\":true}},\"volumes\":[{"
		    "\"container_path\":\"/data\",\"host_path\":\"/gluster/volume2/data\","
		    "\"mode\":\"RW\"}]}");
	expect_json(json_incref(json_array_get(json_object_get(ti, "resources"), 3)),
		    "{\"name\":\"gpus\",\"type\":\"SCALAR\",\"scalar\":{\"value\":1.0},"
		    "\"role\":\"*\",\"allocation_info\":{\"role\":\"*\"}}");
	expect_json(json_incref(json_array_get(vars, 5)),
		    "{\"name\":\"CHRONOS_RESOURCE_MEM\",\"value\":\"10240.0\"}");
	expect_json(json_incref(json_array_get(vars, 6)),
		    "{\"name\":\"CHRONOS_RESOURCE_CPU\",\"value\":\"10.0\"}");
	expect_json(json_incref(json_array_get(vars, 10)),
		    "{\"name\":\"CHRONOS_JOB_RUN_ATTEMPT\",\"value\":\"1\"}");
	assert_string_equal(json_string_value(json_object_get(json_object_get(ti, "command"),
							      "user")),
			    "mesos");
	json_decref(ti);
	job_free(job);
}

static void test_task_info_docker(void **state)
{
	(void)state;
	struct job *job = parse_ok(
		"{\"name\":\"web\",\"command\":\"/bin/echo\",\"shell\":false,\"arguments\":"
		"[\"hello\"],\"cpus\":0.25,\"mem\":32,\"disk\":64,\"maxCompletionTime\":90,"
		"\"uris\":[\"http://x/cfg.tgz\"],\"environmentVariables\":[{\"name\":\"HOST\","
		"\"value\":\"spoof\"},{\"name\":\"A\",\"value\":\"1\"},{\"name\":\"A\",\"value\":"
		"\"2\"}],\"container\":{\"image\":\"busybox\",\"network\":\"BRIDGE\","
		"\"networkInfos\":[{\"name\":\"n\",\"portMappings\":[{\"hostPort\":31000,"
		"\"containerPort\":80}]}],\"volumes\":[{\"containerPath\":\"/c\",\"hostPath\":"
		"\"/h\",\"mode\":\"RO\"}],\"forcePullImage\":true,\"parameters\":[{\"key\":"
		"\"rm\",\"value\":\"true\"}]}}");
	json_t *ti = task_info(job, NULL, 0);
	json_t *cmd = json_object_get(ti, "command"), *vars;

	expect_part(ti, "task_id", "{\"value\":\"ct:1428515194358:0:web:hello\"}");
	assert_string_equal(json_string_value(json_object_get(cmd, "value")), "/bin/echo hello");
	assert_true(json_is_false(json_object_get(cmd, "shell")));
	expect_json(json_incref(json_object_get(cmd, "arguments")), "[\"hello\"]");
	expect_json(json_incref(json_object_get(cmd, "uris")),
		    "[{\"value\":\"http://x/cfg.tgz\",\"executable\":false,\"extract\":true,"
		    "\"cache\":false}]");
	vars = json_object_get(json_object_get(cmd, "environment"), "variables");
	assert_int_equal(json_array_size(vars), 12); /* 11 built-ins + A once */
	expect_json(json_incref(json_array_get(vars, 4)), "{\"name\":\"HOST\",\"value\":\"gpu-node-1\"}");
	expect_json(json_incref(json_array_get(vars, 11)), "{\"name\":\"A\",\"value\":\"1\"}");
	expect_json(json_incref(json_array_get(vars, 6)),
		    "{\"name\":\"CHRONOS_RESOURCE_CPU\",\"value\":\"0.25\"}");
	expect_part(ti, "container",
		    "{\"type\":\"DOCKER\",\"docker\":{\"image\":\"busybox\",\"network\":\"BRIDGE\","
		    "\"force_pull_image\":true,\"parameters\":[{\"key\":\"rm\",\"value\":\"true\"}],"
		    "\"port_mappings\":[{\"host_port\":31000,\"container_port\":80}]},"
		    "\"volumes\":[{\"container_path\":\"/c\",\"host_path\":\"/h\",\"mode\":\"RO\"}],"
		    "\"network_infos\":[{\"name\":\"n\",\"labels\":{\"labels\":[]},"
		    "\"port_mappings\":[{\"host_port\":31000,\"container_port\":80}]}]}");
	expect_part(ti, "max_completion_time", "{\"nanoseconds\":90000000000}");
	assert_int_equal(json_array_size(json_object_get(ti, "resources")), 3); /* no gpus */
	json_decref(ti);

	/* a manual run's arguments replace the job's, ';' stripped, in id and command */
	ti = task_info(job, "bye;now", 0);
	expect_part(ti, "task_id", "{\"value\":\"ct:1428515194358:0:web:byenow\"}");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(ti, "command"), "value")),
		"/bin/echo byenow");
	json_decref(ti);
	job_free(job);
}

static void test_task_info_special(void **state)
{
	(void)state;
	/* a URL command is fetched and run from the sandbox */
	struct job *job = parse_ok("{\"name\":\"u\",\"command\":\"https://x/bin/run.sh\","
				   "\"runAsUser\":\"\",\"fetch\":[{\"uri\":\"http://x/d.tgz\"}]}");
	json_t *ti = task_info(job, NULL, 0), *cmd = json_object_get(ti, "command");
	struct jerr err = { "" };
	struct mesos_offer *no_agent;
	json_t *out = (json_t *)1;

	assert_string_equal(json_string_value(json_object_get(cmd, "value")), "\"./run.sh\"");
	assert_null(json_object_get(cmd, "user"));
	expect_json(json_incref(json_object_get(cmd, "uris")),
		    "[{\"value\":\"https://x/bin/run.sh\",\"executable\":true},"
		    "{\"value\":\"http://x/d.tgz\",\"executable\":false,\"extract\":true,"
		    "\"cache\":false}]");
	json_decref(ti);
	job_free(job);

	/* "httpd" is a command, not a URL */
	job = parse_ok("{\"name\":\"h\",\"command\":\"httpd -X\"}");
	ti = task_info(job, NULL, 0);
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(ti, "command"), "value")),
		"httpd -X");
	json_decref(ti);
	job_free(job);

	/* a custom executor: ExecutorInfo + data "<flags>|<command>" (base64) */
	job = parse_ok("{\"name\":\"e\",\"command\":\"work\",\"executor\":\"/opt/exec\","
		       "\"executorFlags\":\"-av\"}");
	ti = task_info(job, NULL, 0);
	assert_null(json_object_get(ti, "command"));
	expect_part(ti, "data", "\"LWF2fHdvcms=\"");
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(json_object_get(ti, "executor"), "command"),
				    "value")),
			    "/opt/exec");
	json_decref(ti);
	job_free(job);

	/* an empty command (Docker entrypoint) has no value */
	job = parse_ok("{\"name\":\"d\",\"container\":{\"image\":\"x\"}}");
	ti = task_info(job, NULL, 0);
	assert_null(json_object_get(json_object_get(ti, "command"), "value"));
	json_decref(ti);

	/* an offer without an agent id; a reserved role is preferred when it covers */
	{
		/* mesos_offer_parse refuses such an offer; job_task_info still checks */
		struct mesos_offer bare = { .hostname = "h" };
		assert_int_equal(job_task_info(job, &bare, DUE_MS, 0, NULL, &out, &err), -EINVAL);
	}
	assert_null(out);
	assert_string_equal(err.msg, "offer.agent_id: required field is missing");
	no_agent = parse_offer(
		"{\"id\":{\"value\":\"o\"},\"agent_id\":{\"value\":\"S1\"},\"resources\":["
		"{\"name\":\"cpus\",\"type\":"
		"\"SCALAR\",\"scalar\":{\"value\":0.05},\"role\":\"etl\"},{\"name\":\"cpus\","
		"\"type\":\"SCALAR\",\"scalar\":{\"value\":1},\"role\":\"*\"},{\"name\":\"mem\","
		"\"type\":\"SCALAR\",\"scalar\":{\"value\":512},\"reservations\":[{\"role\":"
		"\"etl\",\"type\":\"STATIC\"}]}]}");
	assert_int_equal(job_task_info(job, no_agent, DUE_MS, 0, NULL, &out, &err), 0);
	expect_part(out, "agent_id", "{\"value\":\"S1\"}");
	expect_json(json_incref(json_object_get(out, "resources")),
		    "[{\"name\":\"cpus\",\"type\":\"SCALAR\",\"scalar\":{\"value\":0.1},\"role\":\"*\"},"
		    "{\"name\":\"mem\",\"type\":\"SCALAR\",\"scalar\":{\"value\":128.0},\"role\":"
		    "\"etl\",\"reservations\":[{\"role\":\"etl\",\"type\":\"STATIC\"}]},"
		    "{\"name\":\"disk\",\"type\":\"SCALAR\",\"scalar\":{\"value\":256.0},\"role\":\"*\"}]");
	json_decref(out);
	offer_free(no_agent);
	job_free(job);
}

static void test_resources(void **state)
{
	(void)state;
	struct job *job = parse_file(SEED_MNIST);
	struct resources r = RESOURCES_EMPTY;
	char text[256];

	job_resources(job, &r);
	assert_int_equal(res_to_text(&r, text, sizeof(text)), 0);
	assert_string_equal(text, "cpus:10;mem:10240;disk:1000;gpus:1");
	res_free(&r);
	job_free(job);
	job = parse_ok("{\"name\":\"a\"}");
	job_resources(job, &r);
	assert_null(res_find(&r, "gpus", "*"));
	res_free(&r);
	job_free(job);
}

/* ---- constraints against the offer ---- */

static void test_constraint_matching(void **state)
{
	(void)state;
	static const struct {
		const char *constraints;
		bool want;
	} cases[] = {
		{ "[]", true },
		{ "[[\"rack\",\"EQUALS\",\"rack-1\"]]", true },
		{ "[[\"rack\",\"EQUALS\",\"rack-2\"]]", false },
		{ "[[\"rack\",\"EQUALS\",\"RACK-1\"]]", false },
		{ "[[\"hostname\",\"EQUALS\",\"gpu-node-1\"]]", true },
		{ "[[\"hostname\",\"LIKE\",\"gpu-node-\\\\d+\"]]", true },
		{ "[[\"hostname\",\"LIKE\",\"gpu\"]]", false }, /* whole-string match */
		{ "[[\"hostname\",\"UNLIKE\",\"cpu-.*\"]]", true },
		{ "[[\"hostname\",\"UNLIKE\",\"gpu-.*\"]]", false },
		{ "[[\"rack\",\"LIKE\",\"rack-[12]\"]]", true },
		{ "[[\"rack\",\"LIKE\",\"rack-1|rack-10\"]]", true },
		{ "[[\"gen\",\"LIKE\",\"3\\\\.0\"]]", true }, /* scalars print as Java doubles */
		{ "[[\"gen\",\"LIKE\",\"3\"]]", false },
		{ "[[\"gen\",\"EQUALS\",\"3\"]]", true },
		{ "[[\"gen\",\"EQUALS\",\"3.0\"]]", true },
		{ "[[\"zone\",\"LIKE\",\"b\"]]", true },
		{ "[[\"zone\",\"UNLIKE\",\"b\"]]", false },
		{ "[[\"zone\",\"UNLIKE\",\"[c-z]\"]]", true },
		{ "[[\"ports\",\"LIKE\",\".*\"]]", false },   /* ranges never match */
		{ "[[\"ports\",\"UNLIKE\",\"x\"]]", false },
		{ "[[\"missing\",\"UNLIKE\",\"x\"]]", false }, /* no attribute: fails */
		{ "[[\"missing\",\"LIKE\",\".*\"]]", false },
		{ "[[\"rack\",\"EQUALS\",\"rack-1\"],[\"zone\",\"LIKE\",\"z\"]]", false },
		{ "[[\"rack\",\"EQUALS\",\"rack-1\"],[\"x\",\"MAX_PER\",\"1\"]]", true },
		/* many repetitions side by side are cheap; only nesting multiplies */
		{ "[[\"rack\",\"LIKE\",\"r+a+c+k+-+1+.*.*.*[0-9]{0,9}x?y?z?\"]]", true },
		{ "[[\"rack\",\"LIKE\",\"([a-z]{1,20}){1,20}-[[:digit:]]+\"]]", true },
		{ "[[\"rack\",\"LIKE\",\"ra*?c+?k*+-1?+\"]]", true }, /* Java lazy/possessive */
		{ "[[\"rack\",\"LIKE\",\"[^x]ack\\\\W\\\\w\"]]", true },
	};
	char text[512];

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		snprintf(text, sizeof(text), "{\"name\":\"a\",\"constraints\":%s}",
			 cases[i].constraints);
		if (matches(text) != cases[i].want)
			fail_msg("%s: expected %s", cases[i].constraints,
				 cases[i].want ? "a match" : "no match");
	}
}

static void test_constraint_hostname_attribute(void **state)
{
	(void)state;
	/* an offer's own hostname attribute wins over offer.hostname */
	struct job *job = parse_ok("{\"name\":\"a\",\"constraints\":[[\"hostname\",\"EQUALS\","
				   "\"alias\"]]}");
	struct mesos_offer *o = parse_offer(
		"{\"id\":{\"value\":\"o\"},\"agent_id\":{\"value\":\"s\"},"
		"\"hostname\":\"real\",\"attributes\":[{\"name\":\"hostname\","
		"\"text\":{\"value\":\"alias\"}}]}");
	assert_true(job_offer_matches_constraints(job, o));
	offer_free(o);
	o = parse_offer("{\"id\":{\"value\":\"o\"},\"agent_id\":{\"value\":\"s\"},"
			"\"hostname\":\"real\"}");
	assert_false(job_offer_matches_constraints(job, o));
	offer_free(o);
	job_free(job);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_gpu),
		cmocka_unit_test(test_seed_mnist),
		cmocka_unit_test(test_key_order),
		cmocka_unit_test(test_seed_round_trip),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_flag_defaults),
		cmocka_unit_test(test_leniency),
		cmocka_unit_test(test_kind_sniffing),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_container_variants),
		cmocka_unit_test(test_fetch_env_constraints),
		cmocka_unit_test(test_listing_shim),
		cmocka_unit_test(test_task_id),
		cmocka_unit_test(test_task_info_gpu_seed),
		cmocka_unit_test(test_task_info_mnist_seed),
		cmocka_unit_test(test_task_info_docker),
		cmocka_unit_test(test_task_info_special),
		cmocka_unit_test(test_resources),
		cmocka_unit_test(test_constraint_matching),
		cmocka_unit_test(test_constraint_hostname_attribute),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
