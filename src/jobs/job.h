/*
 * job — the Chronos job model of `agora jobs`: one job definition as the
 * Chronos 3 REST API reads and writes it (plus the GPU fork's `gpus`), the
 * Mesos TaskInfo for one run of it, and its placement constraints.
 *
 * Pure: no I/O, no clock (callers pass "now"), no globals. The schedule is
 * kept as the text the client sent; the API layer validates it with
 * jobs/schedule. Service-side state ("why can't it run", queued runs) is
 * not part of this model; the service composes it next to job_to_json().
 *
 * Ownership: every pointer inside a struct job is owned by it (malloc'd);
 * job_free() releases all of it. Strings are never NULL unless the field
 * comment says "NULL = absent".
 *
 * Files:
 *   job.c          the document: parse, print, copy, free, name check,
 *                  setters; LIKE/UNLIKE patterns checked at parse time
 *   job_task.c     one run on Mesos: run args, task id, TaskInfo,
 *                  resources, constraints against an offer
 *   job_regex.c    LIKE/UNLIKE patterns: Java regexes as POSIX EREs, with a
 *                  cost check
 *   job_internal.h the few helpers these files share
 */
#ifndef AGORA_JOBS_JOB_H
#define AGORA_JOBS_JOB_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/json.h"
#include "core/mesos.h"
#include "core/resources.h"

#define JOB_NAME_MAX 255            /* bytes */
#define JOB_COMMAND_MAX (1u << 20)  /* command */
#define JOB_STR_MAX 65536           /* every other string */
#define JOB_ARRAY_MAX 1024          /* items of every array */
#define JOB_REGEX_MAX 256           /* LIKE/UNLIKE patterns */
#define JOB_JSON_MAX (4u << 20)     /* one job document */
#define JOB_TASK_ID_MAX 255         /* Mesos ids */
#define JOB_MAX_COMPLETION_MAX 9223372036LL /* seconds; * 1e9 fits int64 */
#define JOB_RESOURCE_MAX 1e12       /* cpus, mem, disk */
#define JOB_GPUS_MAX 1000000

/* Chronos' own message (JobUtils.jobNamePattern printed by Iso8601JobResource). */
#define JOB_NAME_INVALID_MSG "the job's name is invalid. Allowed names: '([\\w\\.-]+)'"

enum job_kind { JOB_SCHEDULED = 0, JOB_DEPENDENT };
enum job_container_type { JOB_CONTAINER_DOCKER = 0, JOB_CONTAINER_MESOS };
enum job_network { JOB_NETWORK_HOST = 0, JOB_NETWORK_BRIDGE, JOB_NETWORK_USER };
enum job_volume_mode { JOB_VOLUME_MODE_NONE = 0, JOB_VOLUME_RW, JOB_VOLUME_RO };
enum job_protocol { JOB_PROTOCOL_NONE = 0, JOB_PROTOCOL_IPV4, JOB_PROTOCOL_IPV6 };
enum job_constraint_op { JOB_CONSTRAINT_EQUALS = 0, JOB_CONSTRAINT_LIKE, JOB_CONSTRAINT_UNLIKE };

struct job_strs {
	char **v;
	size_t n;
};

/* {name,value} of environmentVariables, {key,value} of parameters/labels/options. */
struct job_kv {
	char *key;
	char *value;
};

struct job_kvs {
	struct job_kv *v;
	size_t n;
};

struct job_fetch {
	char *uri;
	char *output_file; /* "" = not set (then not serialized) */
	bool executable, cache, extract;
};

struct job_constraint {
	char *attribute;
	enum job_constraint_op op;
	char *value; /* LIKE/UNLIKE: a regex checked at parse time */
};

struct job_port_mapping {
	int host_port, container_port; /* 0..65535 */
	char *protocol;                /* NULL = absent */
};

struct job_network_info {
	char *name;
	enum job_protocol protocol;
	struct job_kvs labels;
	struct job_port_mapping *port_mappings;
	size_t nport_mappings;
};

struct job_external_volume {
	char *name, *provider;
	struct job_kvs options;
};

struct job_volume {
	char *container_path;
	char *host_path;                      /* NULL = absent */
	enum job_volume_mode mode;            /* NONE = absent (RW in the TaskInfo) */
	struct job_external_volume *external; /* NULL = absent */
};

struct job_container {
	enum job_container_type type;
	char *image; /* never empty */
	enum job_network network;
	char *network_name; /* NULL = absent (deprecated field) */
	struct job_network_info *network_infos;
	size_t nnetwork_infos;
	struct job_volume *volumes;
	size_t nvolumes;
	bool force_pull_image;
	struct job_kvs parameters;
};

struct job {
	char *name;
	char *command;
	bool shell;
	struct job_strs arguments;
	char *executor, *executor_flags, *task_info_data;
	int64_t retries;
	char *owner, *owner_name, *description;
	double cpus, mem, disk; /* > 0 after parsing (0 became the default) */
	int gpus;
	bool disabled, concurrent, soft_error, data_processing_job_type, high_priority;
	char *run_as_user;
	int64_t max_completion_time; /* seconds, 0 = none */
	int64_t success_count, error_count, errors_since_last_success;
	char *last_success, *last_error; /* ISO-8601 text or "" */
	struct job_strs uris;
	struct job_fetch *fetch;
	size_t nfetch;
	struct job_kvs environment_variables; /* key = name */
	struct job_constraint *constraints;
	size_t nconstraints;
	struct job_container *container; /* NULL = none */
	enum job_kind kind;
	char *schedule, *schedule_time_zone; /* JOB_SCHEDULED; NULL for dependent jobs */
	struct job_strs parents;             /* JOB_DEPENDENT; unique, first-seen order */
};

/* Service flags --mesos_task_cpu/mem/disk/gpu and --user. */
struct job_defaults {
	double cpus, mem, disk;
	int gpus;
	const char *user;
};

#define JOB_DEFAULTS_INIT { 0.1, 128, 256, 0, "root" }

/* ---- the document (job.c) ---- */

/*
 * Parses one Chronos job document (at most JOB_JSON_MAX bytes) the way
 * Chronos' JobDeserializer does, strictly where a wrong value would only
 * fail later. defaults NULL = JOB_DEFAULTS_INIT. now_ms (epoch ms) gives
 * the "R1/<now>/PT24H" schedule of a job with neither parents nor
 * schedule. On success *out is a new job the caller frees with job_free();
 * on error returns -EINVAL, *out is NULL and err names the field.
 */
int job_parse(const char *text, size_t len, const struct job_defaults *defaults, int64_t now_ms,
	      struct job **out, struct jerr *err);
/* The same from a parsed document (not kept; the job copies what it needs). */
int job_from_json(const json_t *doc, const struct job_defaults *defaults, int64_t now_ms,
		  struct job **out, struct jerr *err);

/* Chronos 3 JobSerializer output, keys in Chronos' order. New reference. */
json_t *job_to_json(const struct job *job);
/*
 * GET /jobs only: as job_to_json, but an empty fetch is filled from uris
 * ({uri, extract:true, ...}), else uris is filled from fetch[].uri.
 */
json_t *job_to_listing_json(const struct job *job);

/* Deep copy; aborts on out-of-memory like every x* helper. */
struct job *job_copy(const struct job *job);
/* NULL is fine. */
void job_free(struct job *job);

/* Whole-string match of [A-Za-z0-9_.-]+, not "." or "..", at most JOB_NAME_MAX bytes. */
bool job_name_valid(const char *name);
/* name is "." or ".." (refused: they are path components). */
bool job_name_is_dots(const char *name);

/* Replaces a string field (e.g. &job->last_success) with a copy of value. */
void job_set_str(char **field, const char *value);
/* Turns job into a scheduled job (drops parents). */
void job_make_scheduled(struct job *job, const char *schedule, const char *time_zone);
/* Turns job into a dependent job with these parents (deduplicated). */
void job_make_dependent(struct job *job, const char *const *parents, size_t nparents);

/* ---- one run on Mesos (job_task.c) ---- */

/*
 * The arguments one run uses: args when it has a non-blank character, else
 * the job's arguments joined by spaces; ';' removed either way (Chronos'
 * command-injection filter). malloc'd; the caller frees.
 */
char *job_run_args(const struct job *job, const char *args);

/*
 * Mesos task id of a run: ct:<due_ms>:<attempt>:<name>:<run args>. The
 * args part has '/', '\\' and control characters replaced by '_' and is
 * cut so the id stays a valid Mesos id (<= JOB_TASK_ID_MAX); the command
 * still gets the real args. -ENAMETOOLONG when even the part before the
 * args does not fit (a very long job name) or buf is too small.
 */
int job_task_id(const struct job *job, int64_t due_ms, unsigned attempt, const char *args,
		char *buf, size_t size);
/*
 * Parses a task id written by job_task_id (or by Chronos). name gets the
 * job name; *args_out (may be NULL) points into task_id. -EINVAL if it is
 * not one.
 */
int job_task_id_parse(const char *task_id, int64_t *due_ms, unsigned *attempt, char *name,
		      size_t name_size, const char **args_out);

/*
 * The Mesos TaskInfo (protobuf-JSON, v1 field names) for one run of job
 * on offer (parsed by mesos_offer_parse; its resources JSON picks the
 * reservation each scalar comes from). args as for
 * job_run_args. *out is a new reference. -EINVAL/-ENAMETOOLONG with err
 * filled when the offer has no agent id or the task id cannot be made.
 */
int job_task_info(const struct job *job, const struct mesos_offer *offer, int64_t due_ms,
		  unsigned attempt, const char *args, json_t **out, struct jerr *err);

/* cpus, mem, disk and (when > 0) gpus of one run, unreserved. out must be empty. */
void job_resources(const struct job *job, struct resources *out);

/*
 * Every constraint holds for the offer's attributes (protobuf-JSON
 * Attribute objects), with a TEXT "hostname" attribute added from
 * offer->hostname unless the offer has one.
 */
bool job_offer_matches_constraints(const struct job *job, const struct mesos_offer *offer);

#endif
