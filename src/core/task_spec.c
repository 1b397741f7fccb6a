/*
 * core/task_spec — the one parser of a Mesos TaskInfo (task_spec.h says
 * what it refuses and why). Pure: no I/O, no globals; runs wherever a
 * TaskInfo arrives (the master's loop at ACCEPT, the agent's loop at
 * LAUNCH and at recovery). Fuzzed by tests/fuzz/fuzz_task_spec.c.
 * task_spec_to_json() is its inverse, for the frameworks that send a
 * TaskInfo (agora execute).
 *
 * Rules are protobuf-JSON's (core/json.h): a missing key and null both
 * mean "not set", unknown keys are ignored, a wrong type is an error that
 * names the field path ("command.environment.variables[2].name: ...").
 * Every array and string it keeps is bounded (TASK_SPEC_*_MAX).
 *
 * Invariants:
 *  1. On success every pointer in the spec is NULL or points into
 *     s->json, which the spec keeps alive; nothing is read from the JSON
 *     again by the roles.
 *  2. s->user is exactly task_spec_user(command.user, framework_user).
 *  3. command.value is set whenever command.shell is true.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/task_spec.h"
#include "core/util.h"

const char *task_spec_user(const char *command_user, const char *framework_user)
{
	if (command_user && *command_user)
		return command_user;
	return framework_user ? framework_user : "";
}

static int parse_args(struct task_spec *s, const json_t *cmd, struct jerr *err)
{
	json_t *arr = NULL, *item;
	size_t i;
	char p[64];

	if (jget_array(cmd, "arguments", "command", false, TASK_SPEC_ARGS_MAX, &arr, err) < 0)
		return -EINVAL;
	if (!arr || json_array_size(arr) == 0)
		return 0;
	s->command.args = xcalloc(json_array_size(arr), sizeof(*s->command.args));
	json_array_foreach(arr, i, item) {
		const char *v;
		if (!json_is_string(item))
			return jerr_set(err, jpath_index(p, sizeof(p), "command.arguments", i), NULL,
					"expected a string");
		v = json_string_value(item);
		if (json_string_length(item) > TASK_SPEC_ARG_MAX || strlen(v) != json_string_length(item))
			return jerr_set(err, jpath_index(p, sizeof(p), "command.arguments", i), NULL,
					"longer than %u bytes or holds a NUL byte", TASK_SPEC_ARG_MAX);
		s->command.args[s->command.nargs++] = v;
	}
	return 0;
}

static int parse_uris(struct task_spec *s, const json_t *cmd, struct jerr *err)
{
	json_t *arr = NULL, *item;
	size_t i;

	if (jget_array(cmd, "uris", "command", false, TASK_SPEC_URIS_MAX, &arr, err) < 0)
		return -EINVAL;
	if (!arr || json_array_size(arr) == 0)
		return 0;
	s->command.uris_json = arr;
	s->command.uris = xcalloc(json_array_size(arr), sizeof(*s->command.uris));
	json_array_foreach(arr, i, item) {
		struct task_spec_uri *u = &s->command.uris[i];
		char p[64];

		jpath_index(p, sizeof(p), "command.uris", i);
		if (!json_is_object(item))
			return jerr_set(err, p, NULL, "expected an object");
		if (jget_str(item, "value", p, true, TASK_SPEC_URI_MAX, &u->value, err) ||
		    jget_str(item, "output_file", p, false, 4096, &u->output_file, err) < 0 ||
		    jget_bool(item, "executable", p, false, &u->executable, err) < 0 ||
		    jget_bool(item, "extract", p, false, &u->extract, err) < 0 ||
		    jget_bool(item, "cache", p, false, &u->cache, err) < 0)
			return -EINVAL;
		if (!jget(item, "extract"))
			u->extract = true; /* CommandInfo.URI.extract defaults to true */
		s->command.nuris++;
	}
	return 0;
}

static bool env_name_ok(const char *name)
{
	return name[0] && !strchr(name, '=');
}

static int parse_env(struct task_spec *s, const json_t *cmd, struct jerr *err)
{
	static const char *const types[] = { "VALUE", "SECRET" };
	json_t *env = NULL, *vars = NULL, *item;
	size_t i;

	if (jget_obj(cmd, "environment", "command", false, &env, err) < 0 ||
	    jget_array(env, "variables", "command.environment", false, TASK_SPEC_ENV_MAX, &vars,
		       err) < 0)
		return -EINVAL;
	if (!vars || json_array_size(vars) == 0)
		return 0;
	s->command.env = xcalloc(json_array_size(vars), sizeof(*s->command.env));
	json_array_foreach(vars, i, item) {
		struct task_spec_env *e = &s->command.env[i];
		json_t *secret = NULL;
		int type = 0;
		char p[80];

		jpath_index(p, sizeof(p), "command.environment.variables", i);
		if (!json_is_object(item))
			return jerr_set(err, p, NULL, "expected an object");
		e->value = "";
		if (jget_str(item, "name", p, true, TASK_SPEC_ENV_NAME_MAX, &e->name, err) ||
		    jget_enum(item, "type", p, false, types, 2, &type, err) < 0 ||
		    jget_str(item, "value", p, false, TASK_SPEC_ENV_VALUE_MAX, &e->value, err) < 0 ||
		    jget_obj(item, "secret", p, false, &secret, err) < 0)
			return -EINVAL;
		if (!env_name_ok(e->name))
			return jerr_set(err, p, "name", "expected a variable name (not empty, no '=')");
		e->secret = type == 1;
		if (e->secret)
			e->value = "";
		s->command.nenv++;
	}
	return 0;
}

static int parse_command(struct task_spec *s, const json_t *cmd, struct jerr *err)
{
	s->command.shell = true;
	if (jget_bool(cmd, "shell", "command", false, &s->command.shell, err) < 0 ||
	    jget_str(cmd, "value", "command", s->command.shell, TASK_SPEC_VALUE_MAX,
		     &s->command.value, err) < 0 ||
	    jget_str(cmd, "user", "command", false, TASK_SPEC_USER_MAX, &s->command.user, err) < 0)
		return -EINVAL;
	if (!s->command.shell && !s->command.value)
		return jerr_set(err, "command", "value",
				"required field is missing (the executable to run)");
	if (parse_args(s, cmd, err) < 0 || parse_uris(s, cmd, err) < 0 ||
	    parse_env(s, cmd, err) < 0)
		return -EINVAL;
	return 0;
}

/* The image's name: mesos.image.{docker,appc}.name, or docker.image. */
static const char *image_name(const json_t *container, const json_t *image)
{
	const char *name = json_string_value(jget(jget(image, "docker"), "name"));

	if (!name)
		name = json_string_value(jget(jget(image, "appc"), "name"));
	if (!name)
		name = json_string_value(jget(jget(container, "docker"), "image"));
	return name;
}

static int parse_container(struct task_spec *s, const json_t *c, struct jerr *err)
{
	static const char *const types[] = { "MESOS", "DOCKER" };
	json_t *mesos = NULL, *docker = NULL, *image = NULL, *volumes = NULL;
	int type = 0;

	s->container.present = true;
	if (jget_enum(c, "type", "container", true, types, 2, &type, err) ||
	    jget_obj(c, "mesos", "container", false, &mesos, err) < 0 ||
	    jget_obj(mesos, "image", "container.mesos", false, &image, err) < 0 ||
	    jget_obj(c, "docker", "container", false, &docker, err) < 0 ||
	    jget_array(c, "volumes", "container", false, TASK_SPEC_VOLUMES_MAX, &volumes, err) < 0)
		return -EINVAL;
	s->container.type = types[type];
	s->container.has_image = type == 1 || image || docker;
	if (s->container.has_image)
		s->container.image = image_name(c, image);
	if (s->container.image && strlen(s->container.image) > 1024)
		return jerr_set(err, "container", "image", "name longer than 1024 bytes");
	if (json_array_size(volumes) > 0)
		return jerr_set(err, "container", "volumes",
				"volumes are not supported by agora yet (a task has no container "
				"file system to mount them into)%s%.256s%s; remove them",
				s->container.has_image ? ", nor are container images (it asks for '"
						       : "",
				s->container.has_image
					? (s->container.image ? s->container.image : "?")
					: "",
				s->container.has_image ? "')" : "");
	return 0;
}

static int parse_labels(struct task_spec *s, const json_t *info, struct jerr *err)
{
	json_t *labels = NULL, *arr = NULL, *item;
	size_t i;

	if (jget_obj(info, "labels", NULL, false, &labels, err) < 0 ||
	    jget_array(labels, "labels", "labels", false, TASK_SPEC_LABELS_MAX, &arr, err) < 0)
		return -EINVAL;
	if (!arr || json_array_size(arr) == 0)
		return 0;
	s->labels = xcalloc(json_array_size(arr), sizeof(*s->labels));
	json_array_foreach(arr, i, item) {
		struct task_spec_label *l = &s->labels[i];
		char p[64];

		jpath_index(p, sizeof(p), "labels.labels", i);
		if (!json_is_object(item))
			return jerr_set(err, p, NULL, "expected an object");
		if (jget_str(item, "key", p, true, TASK_SPEC_LABEL_MAX, &l->key, err) ||
		    jget_str(item, "value", p, false, TASK_SPEC_LABEL_MAX, &l->value, err) < 0)
			return -EINVAL;
		s->nlabels++;
	}
	return 0;
}

/* kill_policy.grace_period.nanoseconds (an integer, or its decimal text). */
static int parse_kill_policy(struct task_spec *s, const json_t *info, struct jerr *err)
{
	json_t *kp = NULL, *gp = NULL;
	int64_t ns = 0;
	int r;

	if (jget_obj(info, "kill_policy", NULL, false, &kp, err) < 0 ||
	    jget_obj(kp, "grace_period", "kill_policy", false, &gp, err) < 0)
		return -EINVAL;
	r = jget_int64(gp, "nanoseconds", "kill_policy.grace_period", false, &ns, err);
	if (r < 0)
		return r;
	if (r == 0) {
		s->has_kill_grace = true;
		s->kill_grace = ns < 0 ? 0 : (double)ns / 1e9;
	}
	return 0;
}

/* The first resources[i].allocation_info.role (MESOS_ALLOCATION_ROLE). */
static int parse_allocation_role(struct task_spec *s, const json_t *res, struct jerr *err)
{
	json_t *item;
	size_t i;

	json_array_foreach(res, i, item) {
		json_t *ai = NULL;
		const char *role = NULL;
		char p[64];

		jpath_index(p, sizeof(p), "resources", i);
		if (jget_obj(item, "allocation_info", p, false, &ai, err) < 0 ||
		    jget_str(ai, "role", "allocation_info", false, 1024, &role, err) < 0)
			return -EINVAL;
		if (role && !s->allocation_role)
			s->allocation_role = role;
	}
	return 0;
}

int task_spec_parse(const json_t *info, const char *framework_user, struct task_spec *out,
		    struct jerr *err)
{
	json_t *res = NULL, *cmd = NULL, *container = NULL, *hc = NULL;
	char rerr[512];

	memset(out, 0, sizeof(*out));
	out->resources = RESOURCES_EMPTY;
	if (!json_is_object(info))
		return jerr_set(err, NULL, NULL, "TaskInfo must be an object");
	out->json = json_incref((json_t *)info);
	if (jget_str(info, "name", NULL, true, TASK_SPEC_NAME_MAX, &out->name, err) ||
	    jget_id(info, "task_id", NULL, true, &out->id, err) ||
	    jget_id(info, "agent_id", NULL, false, &out->agent_id, err) < 0 ||
	    jget_array(info, "resources", NULL, true, RES_MAX_ENTRIES, &res, err) ||
	    jget_obj(info, "command", NULL, false, &cmd, err) < 0 ||
	    jget_obj(info, "container", NULL, false, &container, err) < 0 ||
	    jget_obj(info, "health_check", NULL, false, &hc, err) < 0)
		return -EINVAL;
	if (jget(info, "executor"))
		return jerr_set(err, NULL, "executor",
				"custom executors are not supported by agora; give the task a "
				"'command'");
	if (!cmd)
		return jerr_set(err, NULL, "command", "required: agora runs command tasks only");
	if (parse_command(out, cmd, err) < 0 || (container && parse_container(out, container, err) < 0) ||
	    parse_labels(out, info, err) < 0 || parse_kill_policy(out, info, err) < 0 ||
	    parse_allocation_role(out, res, err) < 0)
		return -EINVAL;
	if (hc) {
		out->has_health_check = true;
		if (jget_str(hc, "type", "health_check", false, 64, &out->health_check_type, err) < 0)
			return -EINVAL;
	}
	if (res_parse_json(res, "resources", &out->resources, rerr, sizeof(rerr)) < 0)
		return jerr_set(err, NULL, NULL, "%s", rerr);
	out->gpus = res_scalar(&out->resources, "gpus");
	if (str_copy(out->user, task_spec_user(out->command.user, framework_user),
		     sizeof(out->user)) >= sizeof(out->user))
		return jerr_set(err, "framework_info", "user", "longer than %d bytes",
				TASK_SPEC_USER_MAX);
	return 0;
}

void task_spec_free(struct task_spec *s)
{
	if (!s)
		return;
	json_decref(s->json);
	free(s->command.args);
	free(s->command.env);
	free(s->command.uris);
	free(s->labels);
	res_free(&s->resources);
	memset(s, 0, sizeof(*s));
}

int task_spec_unsupported(const struct task_spec *s, char *msg, size_t msglen)
{
	if (s->container.has_image) {
		snprintf(msg, msglen,
			 "container images are not supported by this agent yet (the task asks for "
			 "image '%.256s'); it was not run on the host instead",
			 s->container.image ? s->container.image : "?");
		return 1;
	}
	for (size_t i = 0; i < s->command.nenv; i++) {
		if (s->command.env[i].secret) {
			snprintf(msg, msglen,
				 "environment variable '%.128s' is of type SECRET; secrets are not "
				 "supported by this agent yet",
				 s->command.env[i].name);
			return 1;
		}
	}
	return 0;
}

static json_t *command_to_json(const struct task_spec *s)
{
	json_t *cmd = json_pack("{s:b}", "shell", s->command.shell);

	if (s->command.value)
		json_object_set_new(cmd, "value", json_string(s->command.value));
	if (s->command.user)
		json_object_set_new(cmd, "user", json_string(s->command.user));
	if (s->command.nargs) {
		json_t *args = json_array();
		for (size_t i = 0; i < s->command.nargs; i++)
			json_array_append_new(args, json_string(s->command.args[i]));
		json_object_set_new(cmd, "arguments", args);
	}
	if (s->command.nenv) {
		json_t *vars = json_array();
		for (size_t i = 0; i < s->command.nenv; i++) {
			const struct task_spec_env *e = &s->command.env[i];
			json_array_append_new(vars, e->secret ? json_pack("{s:s, s:s}", "name", e->name,
									 "type", "SECRET")
							      : json_pack("{s:s, s:s}", "name", e->name,
									 "value", e->value ? e->value : ""));
		}
		json_object_set_new(cmd, "environment", json_pack("{s:o}", "variables", vars));
	}
	if (s->command.nuris) {
		json_t *uris = json_array();
		for (size_t i = 0; i < s->command.nuris; i++) {
			const struct task_spec_uri *u = &s->command.uris[i];
			json_t *o = json_pack("{s:s, s:b, s:b, s:b}", "value", u->value, "executable",
					      u->executable, "extract", u->extract, "cache", u->cache);
			if (u->output_file)
				json_object_set_new(o, "output_file", json_string(u->output_file));
			json_array_append_new(uris, o);
		}
		json_object_set_new(cmd, "uris", uris);
	}
	return cmd;
}

static json_t *container_to_json(const struct task_spec *s)
{
	bool docker = s->container.type && !strcmp(s->container.type, "DOCKER");
	json_t *c = json_pack("{s:s}", "type", docker ? "DOCKER" : "MESOS");

	if (docker && s->container.image)
		json_object_set_new(c, "docker", json_pack("{s:s}", "image", s->container.image));
	else if (!docker && s->container.has_image)
		json_object_set_new(
			c, "mesos",
			json_pack("{s:o}", "image",
				  s->container.image
					  ? json_pack("{s:s, s:{s:s}}", "type", "DOCKER", "docker",
						      "name", s->container.image)
					  : json_object()));
	return c;
}

json_t *task_spec_to_json(const struct task_spec *s)
{
	json_t *ti = json_pack("{s:s, s:{s:s}}", "name", s->name ? s->name : "", "task_id",
			       "value", s->id ? s->id : "");
	json_t *res = res_to_json(&s->resources), *r;
	size_t i;

	if (s->agent_id)
		json_object_set_new(ti, "agent_id", json_pack("{s:s}", "value", s->agent_id));
	if (s->allocation_role)
		json_array_foreach(res, i, r)
			json_object_set_new(r, "allocation_info",
					    json_pack("{s:s}", "role", s->allocation_role));
	json_object_set_new(ti, "resources", res);
	json_object_set_new(ti, "command", command_to_json(s));
	if (s->container.present)
		json_object_set_new(ti, "container", container_to_json(s));
	if (s->has_kill_grace) {
		double ns = s->kill_grace * 1e9;
		/* the parser's own bound: an int64 of nanoseconds */
		json_int_t n = !(ns > 0) ? 0 : ns >= 9.2e18 ? INT64_MAX : (json_int_t)llround(ns);
		json_object_set_new(ti, "kill_policy", json_pack("{s:{s:I}}", "grace_period",
								 "nanoseconds", n));
	}
	if (s->nlabels) {
		json_t *labels = json_array();
		for (i = 0; i < s->nlabels; i++) {
			json_t *l = json_pack("{s:s}", "key", s->labels[i].key);
			if (s->labels[i].value)
				json_object_set_new(l, "value", json_string(s->labels[i].value));
			json_array_append_new(labels, l);
		}
		json_object_set_new(ti, "labels", json_pack("{s:o}", "labels", labels));
	}
	if (s->has_health_check)
		json_object_set_new(ti, "health_check",
				    s->health_check_type
					    ? json_pack("{s:s}", "type", s->health_check_type)
					    : json_object());
	return ti;
}
