/*
 * libFuzzer target: the Chronos job parser (body of POST /iso8601 and
 * /dependency). Whatever parses must print to a fixed point (print, parse,
 * print gives the same bytes, and so does a copy), build a TaskInfo
 * against a fixed offer and evaluate its constraints, without leaks.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "jobs/job.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char OFFER[] =
	"{\"id\":{\"value\":\"m1-O1\"},\"agent_id\":{\"value\":\"m1-S0\"},\"hostname\":\"node-1\","
	"\"resources\":[{\"name\":\"cpus\",\"type\":\"SCALAR\",\"scalar\":{\"value\":8},"
	"\"role\":\"*\"},{\"name\":\"gpus\",\"type\":\"SCALAR\",\"scalar\":{\"value\":1},"
	"\"role\":\"gpu\"}],\"attributes\":[{\"name\":\"rack\",\"type\":\"TEXT\",\"text\":"
	"{\"value\":\"rack-1\"}},{\"name\":\"gen\",\"type\":\"SCALAR\",\"scalar\":{\"value\":2.5}},"
	"{\"name\":\"zone\",\"type\":\"SET\",\"set\":{\"item\":[\"a\",\"b\"]}}]}";

static char *print(const struct job *job, bool listing)
{
	json_t *v = listing ? job_to_listing_json(job) : job_to_json(job);
	char *s = json_compact(v);
	json_decref(v);
	return s;
}

static void check_run(const struct job *job)
{
	struct jerr err;
	json_t *offer_json = json_loads(OFFER, 0, NULL), *ti = NULL;
	struct mesos_offer off, *offer = &off;
	char id[JOB_TASK_ID_MAX + 1], name[JOB_NAME_MAX + 1];
	const char *args;
	int64_t due;
	unsigned attempt;

	if (!offer_json || mesos_offer_parse(offer_json, offer, &err) != 0)
		__builtin_trap();
	if (job_task_info(job, offer, 1428515194358LL, 1, NULL, &ti, &err) == 0) {
		if (!ti || !json_object_get(ti, "task_id"))
			__builtin_trap();
		json_decref(ti);
		if (job_task_id(job, 1428515194358LL, 1, NULL, id, sizeof(id)) != 0 ||
		    job_task_id_parse(id, &due, &attempt, name, sizeof(name), &args) != 0 ||
		    strcmp(name, job->name) || attempt != 1)
			__builtin_trap();
	} else if (ti || !err.msg[0]) {
		__builtin_trap();
	}
	(void)job_offer_matches_constraints(job, offer);
	mesos_offer_free(offer);
	json_decref(offer_json);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct job_defaults defaults = JOB_DEFAULTS_INIT;
	struct jerr err = { "" };
	struct job *job = NULL, *again = NULL, *copy;
	char *first, *second, *third, *listing;

	if (job_parse((const char *)data, size, &defaults, 1394297837507LL, &job, &err) != 0) {
		if (job || !err.msg[0])
			__builtin_trap();
		return 0;
	}
	if (!job_name_valid(job->name) || job_name_is_dots(job->name))
		__builtin_trap(); /* "." and ".." are path components */
	first = print(job, false);
	if (job_parse(first, strlen(first), &defaults, 0, &again, &err) != 0)
		__builtin_trap(); /* our own output must parse */
	second = print(again, false);
	copy = job_copy(job);
	third = print(copy, false);
	if (strcmp(first, second) || strcmp(first, third))
		__builtin_trap();
	listing = print(job, true);
	check_run(job);
	free(first);
	free(second);
	free(third);
	free(listing);
	job_free(copy);
	job_free(again);
	job_free(job);
	return 0;
}
