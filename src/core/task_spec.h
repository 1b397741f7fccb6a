/*
 * task_spec — a Mesos TaskInfo as a C type, parsed once by one strict,
 * bounded parser (task_spec.c, fuzzed by fuzz_task_spec) and read by
 * every role: the master validates and authorizes from it, the agent
 * builds the task's launch from it. docs/task-protocol.md describes the
 * contract in words.
 *
 * What the parser refuses (a sentence naming the field, for TASK_ERROR at
 * the master): a wrong type or a bound exceeded anywhere it reads; an
 * invalid id; a custom executor (TaskInfo.executor); a task without a
 * command, or a shell command without a value; container.volumes (agora
 * has no container file system to mount them into yet).
 *
 * What it accepts and task_spec_unsupported() names instead (the agent's
 * TASK_FAILED, REASON_CONTAINER_LAUNCH_FAILED): a container image, an
 * environment variable that is a secret. Mesos' own agent accepts those;
 * this one does not run them differently from what was asked, so it
 * refuses them where it would run them.
 *
 * The task's user has one rule, task_spec_user(): CommandInfo.user when
 * set and not empty, else FrameworkInfo.user; "" when neither. The master
 * resolves it, authorizes it and sends it in LAUNCH; the agent runs the
 * task as that user.
 */
#ifndef AGORA_CORE_TASK_SPEC_H
#define AGORA_CORE_TASK_SPEC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/json.h"
#include "core/resources.h"

#define TASK_SPEC_NAME_MAX 1024
#define TASK_SPEC_USER_MAX 255
#define TASK_SPEC_VALUE_MAX (1u << 20)	/* CommandInfo.value */
#define TASK_SPEC_ARGS_MAX 65536	/* CommandInfo.arguments */
#define TASK_SPEC_ARG_MAX (1u << 20)	/* one argument */
#define TASK_SPEC_URIS_MAX 1024
#define TASK_SPEC_URI_MAX 8192
#define TASK_SPEC_ENV_MAX 4096		/* environment variables */
#define TASK_SPEC_ENV_NAME_MAX 1023
#define TASK_SPEC_ENV_VALUE_MAX (1u << 20)
#define TASK_SPEC_LABELS_MAX 1024
#define TASK_SPEC_LABEL_MAX 4096
#define TASK_SPEC_VOLUMES_MAX 1024

/* CommandInfo.environment.variables[i]. */
struct task_spec_env {
	const char *name;  /* a variable name: not empty, no '=' */
	const char *value; /* "" when absent (or a secret) */
	bool secret;	   /* type SECRET (the value is not given) */
};

/* CommandInfo.uris[i]. */
struct task_spec_uri {
	const char *value;
	const char *output_file; /* NULL when absent */
	bool executable, extract, cache;
};

struct task_spec_label {
	const char *key;
	const char *value; /* NULL when absent */
};

/*
 * A parsed TaskInfo. Strings point into json, which the spec holds a
 * reference to; arrays are the spec's own (task_spec_free).
 */
struct task_spec {
	json_t *json; /* the TaskInfo, a reference held */
	const char *id;
	const char *name;
	const char *agent_id; /* NULL when absent */
	/* The user the task runs as (task_spec_user), "" when none; owned. */
	char user[TASK_SPEC_USER_MAX + 1];

	struct {
		bool shell;	   /* default true */
		const char *value; /* NULL when absent (allowed only when !shell) */
		const char *user;  /* CommandInfo.user as given, NULL when absent */
		const char **args; /* CommandInfo.arguments, nargs of them */
		size_t nargs;
		struct task_spec_env *env;
		size_t nenv;
		struct task_spec_uri *uris;
		size_t nuris;
		const json_t *uris_json; /* the same array, for the fetcher; NULL when none */
	} command;

	struct resources resources;  /* parsed, owned */
	const char *allocation_role; /* the first resources[].allocation_info.role, or NULL */
	double gpus;		     /* the "gpus" scalar, 0 when none */

	struct {
		bool present;
		const char *type;  /* "MESOS" or "DOCKER" */
		const char *image; /* the image a container asks for, NULL when none */
		bool has_image;	   /* an image is asked for (image may still be unnamed) */
	} container;

	bool has_kill_grace;
	double kill_grace; /* seconds, from kill_policy.grace_period; >= 0 */

	struct task_spec_label *labels;
	size_t nlabels;

	bool has_health_check;
	const char *health_check_type; /* HealthCheck.type, NULL when absent */
};

/*
 * The one rule for a task's user: command_user when set and not empty,
 * else framework_user; "" when neither (both may be NULL).
 */
const char *task_spec_user(const char *command_user, const char *framework_user);

/*
 * Parses info into *out (zeroed first), resolving the user with
 * framework_user (may be NULL). 0, or -EINVAL with err naming the field;
 * out needs task_spec_free() either way.
 */
int task_spec_parse(const json_t *info, const char *framework_user, struct task_spec *out,
		    struct jerr *err);
void task_spec_free(struct task_spec *s);

/*
 * The TaskInfo (protobuf-JSON, v1 names) that says what s says, built
 * from the typed fields only (s->json is not read): a framework fills a
 * spec and sends this. task_spec_parse() of the result gives back the
 * same fields (tests/unit/test_task_spec.c). Only what the spec holds is
 * written: the health check keeps its type alone; the resources carry
 * allocation_info.role = allocation_role when it is set. A new reference.
 */
json_t *task_spec_to_json(const struct task_spec *s);

/*
 * What a spec asks for that agora cannot honour yet (an image, a secret):
 * 0, or 1 with msg saying what and why it was not run some other way.
 */
int task_spec_unsupported(const struct task_spec *s, char *msg, size_t msglen);

#endif
