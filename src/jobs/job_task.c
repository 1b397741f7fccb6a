/*
 * job_task — see job.h. This file owns the Mesos side of one run of a
 * job: the run's arguments, its task id (and reading one back), the
 * TaskInfo (Chronos' MesosTaskBuilder: CommandInfo or a custom executor,
 * ContainerInfo, environment, resources picked from the offer), the
 * resources a run needs, and the placement check against an offer
 * (ConstraintChecker). It only reads a struct job and relies on what
 * job_from_json() promises (job.c); the helpers it shares with job.c are
 * in job_internal.h. Pure like job.c: no I/O, no clock, no globals; the
 * jobs engine calls it from its loop when an offer comes in, the API when
 * it reads a task id back.
 *
 * Invariants:
 *  1. A task id is ct:<due_ms>:<attempt>:<name>:<args>, at most
 *     JOB_TASK_ID_MAX bytes, with no '/', '\\' or control character in
 *     its args part and no UTF-8 sequence cut; job_task_id_parse() reads
 *     back what job_task_id() writes (a job name never holds ':') for a
 *     due time >= 0 and an attempt below 10^9.
 *  2. Only the task id's copy of the args is cleaned and cut; the
 *     CommandInfo always gets job_run_args() whole, ';' removed.
 *  3. Chronos' built-in environment variables come first; a user variable
 *     never replaces one, nor an earlier user variable of the same name.
 *  4. A constraint that cannot be checked (a pattern that no longer
 *     compiles, a RANGES attribute, a missing attribute) does not hold:
 *     a doubtful offer is declined, never accepted.
 *  5. job_task_info() fails only for the offer or the run (no agent id,
 *     args that are not UTF-8, a task id that cannot fit); memory
 *     exhaustion aborts as with every x* helper.
 */
#include "jobs/job.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ids.h"
#include "core/util.h"
#include "jobs/job_internal.h"

/* ---- one run: arguments and task id ---- */

char *job_run_args(const struct job *job, const char *args)
{
	bool blank = true;
	size_t len = 0, o = 0;
	char *out;

	for (const char *p = args; p && *p && blank; p++)
		blank = isspace((unsigned char)*p) != 0;
	if (!blank) {
		len = strlen(args);
	} else {
		for (size_t i = 0; i < job->arguments.n; i++)
			len += strlen(job->arguments.v[i]) + 1;
	}
	out = xmalloc(len + 1);
	if (!blank) {
		memcpy(out, args, len);
		o = len;
	} else {
		for (size_t i = 0; i < job->arguments.n; i++) {
			size_t n = strlen(job->arguments.v[i]);
			if (i)
				out[o++] = ' ';
			memcpy(out + o, job->arguments.v[i], n);
			o += n;
		}
	}
	out[o] = '\0';
	/* Chronos' command-injection filter: drop every ';'. */
	len = o;
	o = 0;
	for (size_t i = 0; i < len; i++)
		if (out[i] != ';')
			out[o++] = out[i];
	out[o] = '\0';
	return out;
}

/* job_task_id with the run's arguments already worked out. */
static int task_id_of_run(const struct job *job, int64_t due_ms, unsigned attempt,
			  const char *run_args, char *buf, size_t size)
{
	size_t len, n, room;
	int w;

	w = snprintf(buf, size, "ct:%" PRId64 ":%u:%s:", due_ms, attempt, job->name);
	if (w < 0 || (size_t)w >= size || w > JOB_TASK_ID_MAX)
		return -ENAMETOOLONG;
	len = (size_t)w;
	room = (size < JOB_TASK_ID_MAX + 1 ? size - 1 : JOB_TASK_ID_MAX) - len;
	n = strlen(run_args);
	if (n > room) {
		n = room;
		while (n > 0 && ((unsigned char)run_args[n] & 0xc0) == 0x80)
			n--; /* never cut a UTF-8 sequence */
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)run_args[i];
		buf[len++] = (c < 0x20 || c == 0x7f || c == '/' || c == '\\') ? '_' : (char)c;
	}
	buf[len] = '\0';
	return 0;
}

int job_task_id(const struct job *job, int64_t due_ms, unsigned attempt, const char *args,
		char *buf, size_t size)
{
	char *run_args = job_run_args(job, args);
	int r = task_id_of_run(job, due_ms, attempt, run_args, buf, size);
	free(run_args);
	return r;
}

static size_t digits(const char *s, const char **end)
{
	size_t n = 0;
	while (s[n] >= '0' && s[n] <= '9')
		n++;
	*end = s + n;
	return n;
}

int job_task_id_parse(const char *task_id, int64_t *due_ms, unsigned *attempt, char *name,
		      size_t name_size, const char **args_out)
{
	const char *p, *end;
	char num[24];
	int64_t due, att;
	size_t n;

	if (!str_starts_with(task_id, "ct:"))
		return -EINVAL;
	p = task_id + 3;
	n = digits(p, &end);
	if (n == 0 || n >= sizeof(num) || *end != ':')
		return -EINVAL;
	memcpy(num, p, n);
	num[n] = '\0';
	if (parse_int64(num, &due) < 0)
		return -EINVAL;
	p = end + 1;
	n = digits(p, &end);
	if (n == 0 || n > 9 || *end != ':')
		return -EINVAL;
	memcpy(num, p, n);
	num[n] = '\0';
	if (parse_int64(num, &att) < 0)
		return -EINVAL;
	p = end + 1;
	for (n = 0; p[n] && p[n] != ':'; n++)
		;
	if (n == 0 || n >= name_size)
		return -EINVAL;
	memcpy(name, p, n);
	name[n] = '\0';
	if (!job_name_valid(name))
		return -EINVAL;
	*due_ms = due;
	*attempt = (unsigned)att;
	if (args_out)
		*args_out = p[n] == ':' ? p + n + 1 : p + n;
	return 0;
}

/* ---- one run: the Mesos TaskInfo (MesosTaskBuilder) ---- */

static bool env_has(const json_t *vars, const char *name)
{
	size_t i;
	json_t *v;
	json_array_foreach(vars, i, v)
		if (!strcmp(json_string_value(json_object_get(v, "name")), name))
			return true;
	return false;
}

static void env_add(json_t *vars, const char *name, const char *value)
{
	json_array_append_new(vars, json_pack("{s:o, s:o}", "name", job_json_str(name), "value",
					      job_json_str(value)));
}

/* Chronos' built-ins first; a user variable never overrides one (nor an earlier one). */
static json_t *environment_json(const struct job *job, const char *task_id, const char *host,
				int64_t due_ms, unsigned attempt)
{
	json_t *vars = json_array();
	char num[64];

	env_add(vars, "mesos_task_id", task_id);
	env_add(vars, "MESOS_TASK_ID", task_id);
	env_add(vars, "CHRONOS_JOB_OWNER", job->owner);
	env_add(vars, "CHRONOS_JOB_NAME", job->name);
	env_add(vars, "HOST", host);
	job_java_double(job->mem, num, sizeof(num));
	env_add(vars, "CHRONOS_RESOURCE_MEM", num);
	job_java_double(job->cpus, num, sizeof(num));
	env_add(vars, "CHRONOS_RESOURCE_CPU", num);
	job_java_double(job->disk, num, sizeof(num));
	env_add(vars, "CHRONOS_RESOURCE_DISK", num);
	snprintf(num, sizeof(num), "%d", job->gpus);
	env_add(vars, "CHRONOS_RESOURCE_GPU", num);
	snprintf(num, sizeof(num), "%" PRId64, due_ms);
	env_add(vars, "CHRONOS_JOB_RUN_TIME", num);
	snprintf(num, sizeof(num), "%u", attempt);
	env_add(vars, "CHRONOS_JOB_RUN_ATTEMPT", num);
	for (size_t i = 0; i < job->environment_variables.n; i++) {
		const struct job_kv *kv = &job->environment_variables.v[i];
		if (!env_has(vars, kv->key))
			env_add(vars, kv->key, kv->value);
	}
	return json_pack("{s:o}", "variables", vars);
}

static json_t *uri_json(const char *uri, const char *output_file, bool executable, bool cache,
			bool extract)
{
	json_t *o = json_pack("{s:o, s:b, s:b, s:b}", "value", job_json_str(uri), "executable",
			      executable, "extract", extract, "cache", cache);
	if (output_file && output_file[0])
		json_object_set_new(o, "output_file", job_json_str(output_file));
	return o;
}

/* fetch entries, then each deprecated uri as a default fetch entry. */
static json_t *uris_json(const struct job *job)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < job->nfetch; i++) {
		const struct job_fetch *f = &job->fetch[i];
		json_array_append_new(arr, uri_json(f->uri, f->output_file, f->executable, f->cache,
						    f->extract));
	}
	for (size_t i = 0; i < job->uris.n; i++)
		json_array_append_new(arr, uri_json(job->uris.v[i], NULL, false, false, true));
	return arr;
}

static const char *resource_role(const json_t *r)
{
	const char *role = json_string_value(jget(r, "role"));
	json_t *resv = jget(r, "reservations");
	if (!role && json_array_size(resv))
		role = json_string_value(
			jget(json_array_get(resv, json_array_size(resv) - 1), "role"));
	return role ? role : "*";
}

/*
 * A scalar resource for the task. Like Chronos, prefer a reserved entry
 * of the offer that covers the value, else the unreserved one; the chosen
 * entry's allocation_info and reservation(s) are carried over so a
 * multi-role master accepts it.
 */
static json_t *scalar_resource(const char *name, double value, const json_t *offer)
{
	const json_t *res = jget(offer, "resources"), *pick = NULL, *unreserved = NULL, *r;
	const char *keep[] = { "allocation_info", "reservation", "reservations" };
	json_t *o;

	for (size_t i = 0; i < json_array_size(res); i++) {
		r = json_array_get(res, i);
		const char *rname = json_string_value(jget(r, "name"));
		if (!rname || strcmp(rname, name))
			continue;
		if (strcmp(resource_role(r), "*") &&
		    json_number_value(jget(jget(r, "scalar"), "value")) >= value) {
			pick = r;
			break;
		}
		if (!unreserved && !strcmp(resource_role(r), "*"))
			unreserved = r;
	}
	if (!pick)
		pick = unreserved;
	o = json_pack("{s:s, s:s, s:{s:f}, s:s}", "name", name, "type", "SCALAR", "scalar",
		      "value", value, "role", pick ? resource_role(pick) : "*");
	for (size_t k = 0; pick && k < ARRAY_LEN(keep); k++)
		if (jget(pick, keep[k]))
			json_object_set(o, keep[k], jget(pick, keep[k]));
	return o;
}

static json_t *resources_json(const struct job *job, const json_t *offer)
{
	json_t *arr = json_array();
	json_array_append_new(arr, scalar_resource("cpus", job->cpus, offer));
	json_array_append_new(arr, scalar_resource("mem", job->mem, offer));
	json_array_append_new(arr, scalar_resource("disk", job->disk, offer));
	if (job->gpus > 0)
		json_array_append_new(arr, scalar_resource("gpus", job->gpus, offer));
	return arr;
}

void job_resources(const struct job *job, struct resources *out)
{
	res_set_scalar(out, "cpus", job->cpus);
	res_set_scalar(out, "mem", job->mem);
	res_set_scalar(out, "disk", job->disk);
	if (job->gpus > 0)
		res_set_scalar(out, "gpus", job->gpus);
}

static json_t *mesos_volumes_json(const struct job_container *c)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < c->nvolumes; i++) {
		const struct job_volume *v = &c->volumes[i];
		json_t *o = json_pack("{s:o}", "container_path", job_json_str(v->container_path));
		if (v->host_path)
			json_object_set_new(o, "host_path", job_json_str(v->host_path));
		/* mode is required by Mesos; Chronos leaves it unset when absent. */
		json_object_set_new(o, "mode",
				    job_json_str(v->mode == JOB_VOLUME_RO ? "RO" : "RW"));
		if (v->external)
			json_object_set_new(
				o, "source",
				json_pack("{s:s, s:{s:o, s:o, s:{s:o}}}", "type", "DOCKER_VOLUME",
					  "docker_volume", "driver",
					  job_json_str(v->external->provider), "name",
					  job_json_str(v->external->name), "driver_options",
					  "parameter",
					  job_kvs_json(&v->external->options, "key", "value")));
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *port_mappings_json(const struct job_network_info *n, json_t *arr)
{
	for (size_t k = 0; k < n->nport_mappings; k++) {
		const struct job_port_mapping *pm = &n->port_mappings[k];
		json_t *p = json_pack("{s:i, s:i}", "host_port", pm->host_port, "container_port",
				      pm->container_port);
		if (pm->protocol)
			json_object_set_new(p, "protocol", job_json_str(pm->protocol));
		json_array_append_new(arr, p);
	}
	return arr;
}

/* networkName (deprecated) then every networkInfo, as Mesos NetworkInfo. */
static json_t *mesos_network_infos_json(const struct job_container *c)
{
	json_t *arr = json_array();

	if (c->network_name)
		json_array_append_new(arr,
				      json_pack("{s:o}", "name", job_json_str(c->network_name)));
	for (size_t i = 0; i < c->nnetwork_infos; i++) {
		const struct job_network_info *n = &c->network_infos[i];
		json_t *o = json_pack("{s:o, s:{s:o}}", "name", job_json_str(n->name), "labels",
				      "labels", job_kvs_json(&n->labels, "key", "value"));
		if (n->protocol != JOB_PROTOCOL_NONE)
			json_object_set_new(o, "ip_addresses",
					    json_pack("[{s:s}]", "protocol",
						      job_protocol_names[n->protocol]));
		if (n->nport_mappings)
			json_object_set_new(o, "port_mappings",
					    port_mappings_json(n, json_array()));
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *container_info_json(const struct job_container *c)
{
	json_t *o, *nets = mesos_network_infos_json(c), *pms;

	if (c->type == JOB_CONTAINER_MESOS) {
		o = json_pack("{s:s, s:{s:{s:s, s:{s:o}, s:b}}}", "type", "MESOS", "mesos", "image",
			      "type", "DOCKER", "docker", "name", job_json_str(c->image), "cached",
			      !c->force_pull_image);
	} else {
		json_t *docker = json_pack("{s:o, s:s, s:b, s:o}", "image", job_json_str(c->image),
					   "network", job_network_names[c->network],
					   "force_pull_image", c->force_pull_image, "parameters",
					   job_kvs_json(&c->parameters, "key", "value"));
		pms = json_array();
		for (size_t i = 0; i < c->nnetwork_infos; i++)
			port_mappings_json(&c->network_infos[i], pms);
		if (json_array_size(pms))
			json_object_set_new(docker, "port_mappings", pms);
		else
			json_decref(pms);
		o = json_pack("{s:s, s:o}", "type", "DOCKER", "docker", docker);
	}
	json_object_set_new(o, "volumes", mesos_volumes_json(c));
	if (json_array_size(nets))
		json_object_set_new(o, "network_infos", nets);
	else
		json_decref(nets);
	return o;
}

static bool is_url_command(const char *command)
{
	static const char *const schemes[] = { "http://", "https://", "ftp://", "ftps://" };
	for (size_t i = 0; i < ARRAY_LEN(schemes); i++)
		if (str_starts_with(command, schemes[i]))
			return strcspn(command, " \t\n") == strlen(command);
	return false;
}

/* command + " " + args when args (Chronos appends even for shell=true). */
static char *run_command(const char *command, const char *run_args)
{
	size_t a = strlen(command), b = strlen(run_args);
	char *s = xmalloc(a + b + 2);
	memcpy(s, command, a);
	if (b) {
		s[a] = ' ';
		memcpy(s + a + 1, run_args, b);
		a += b + 1;
	}
	s[a] = '\0';
	return s;
}

/* CommandInfo for the command executor; takes env and uris. */
static json_t *command_json(const struct job *job, const char *run_args, json_t *env,
			    json_t *uris)
{
	json_t *cmd = json_object();
	bool url = is_url_command(job->command);
	char *value;

	if (url) {
		/* Chronos fetches an http(s)/ftp(s) command and runs "./<basename>". */
		const char *base = strrchr(job->command, '/');
		char *quoted = xmalloc(strlen(base) + 4);
		snprintf(quoted, strlen(base) + 4, "\".%s\"", base);
		value = run_command(quoted, run_args);
		free(quoted);
		json_array_insert_new(uris, 0,
				      json_pack("{s:o, s:b}", "value", job_json_str(job->command),
						"executable", 1));
	} else {
		value = run_command(job->command, run_args);
	}
	if (value[0])
		json_object_set_new(cmd, "value", job_json_str(value));
	free(value);
	json_object_set_new(cmd, "shell", json_boolean(url || job->shell));
	if (job->run_as_user[0])
		json_object_set_new(cmd, "user", job_json_str(job->run_as_user));
	if (!url && !job->shell)
		json_object_set_new(cmd, "arguments", job_strs_json(&job->arguments));
	json_object_set_new(cmd, "environment", env);
	json_object_set_new(cmd, "uris", uris);
	return cmd;
}

/* A custom executor (Chronos' appendExecutorData); agora's agent refuses these. */
static void executor_json(json_t *ti, const struct job *job, json_t *env, json_t *uris)
{
	json_t *cmd = json_pack("{s:o, s:o, s:o}", "value", job_json_str(job->executor),
				"environment", env, "uris", uris);
	json_t *executor;
	char *data, *b64;
	size_t len;

	if (job->run_as_user[0])
		json_object_set_new(cmd, "user", job_json_str(job->run_as_user));
	executor = json_pack("{s:{s:o}, s:o}", "executor_id", "value", job_json_str(job->name),
			     "command", cmd);
	if (job->container)
		json_object_set_new(executor, "container", container_info_json(job->container));
	json_object_set_new(ti, "executor", executor);
	if (job->task_info_data[0]) {
		data = xstrdup(job->task_info_data);
	} else {
		len = strlen(job->executor_flags) + strlen(job->command) + 2;
		data = xmalloc(len);
		snprintf(data, len, "%s|%s", job->executor_flags, job->command);
	}
	b64 = base64_encode(data, strlen(data));
	json_object_set_new(ti, "data", job_json_str(b64));
	free(b64);
	free(data);
}

int job_task_info(const struct job *job, const struct mesos_offer *offer, int64_t due_ms,
		  unsigned attempt, const char *args, json_t **out, struct jerr *err)
{
	char task_id[JOB_TASK_ID_MAX + 1], name[JOB_NAME_MAX + 16];
	const char *agent_id = offer->agent_id;
	const char *host = offer->hostname;
	json_t *ti, *env, *uris;
	char *run_args;
	int r;

	*out = NULL;
	if (!agent_id)
		return jerr_set(err, "offer", "agent_id", "required field is missing");
	run_args = job_run_args(job, args);
	ti = json_string(run_args); /* a manual run's query string may be any bytes */
	if (!ti) {
		free(run_args);
		return jerr_set(err, NULL, "arguments", "not valid UTF-8");
	}
	json_decref(ti);
	r = task_id_of_run(job, due_ms, attempt, run_args, task_id, sizeof(task_id));
	if (r < 0) {
		free(run_args);
		jerr_set(err, NULL, NULL,
			 "job %s: its task id would be longer than %d characters; "
			 "use a shorter name",
			 job->name, JOB_TASK_ID_MAX);
		return r;
	}
	snprintf(name, sizeof(name), "ChronosTask:%s", job->name);
	ti = json_pack("{s:s, s:{s:s}, s:{s:o}, s:o}", "name", name, "task_id", "value", task_id,
		       "agent_id", "value", job_json_str(agent_id), "resources",
		       resources_json(job, offer->json));
	env = environment_json(job, task_id, host ? host : "", due_ms, attempt);
	uris = uris_json(job);
	if (job->executor[0]) {
		executor_json(ti, job, env, uris);
	} else {
		json_object_set_new(ti, "command", command_json(job, run_args, env, uris));
		if (job->container)
			json_object_set_new(ti, "container", container_info_json(job->container));
	}
	if (job->max_completion_time > 0) {
		json_int_t ns = (json_int_t)(job->max_completion_time * 1000000000LL);
		json_object_set_new(ti, "max_completion_time",
				    json_pack("{s:I}", "nanoseconds", ns));
	}
	free(run_args);
	*out = ti;
	return 0;
}

/* ---- constraints against an offer (ConstraintChecker) ---- */

enum attr_type { ATTR_OTHER = 0, ATTR_TEXT, ATTR_SCALAR, ATTR_SET, ATTR_RANGES };

struct attr {
	const char *name;
	enum attr_type type;
	const char *text;   /* ATTR_TEXT */
	double scalar;      /* ATTR_SCALAR */
	const json_t *items; /* ATTR_SET: array of strings */
};

static struct attr attr_read(const json_t *a)
{
	static const char *const types[] = { "", "TEXT", "SCALAR", "SET", "RANGES" };
	const char *type = json_string_value(jget(a, "type"));
	struct attr at = { json_string_value(jget(a, "name")), ATTR_OTHER, NULL, 0, NULL };

	for (size_t i = 1; type && i < ARRAY_LEN(types); i++)
		if (!strcmp(type, types[i]))
			at.type = (enum attr_type)i;
	if (!type) /* untyped: go by which value is there */
		at.type = jget(a, "text")     ? ATTR_TEXT
			  : jget(a, "scalar") ? ATTR_SCALAR
			  : jget(a, "set")    ? ATTR_SET
			  : jget(a, "ranges") ? ATTR_RANGES
					      : ATTR_OTHER;
	at.text = json_string_value(jget(jget(a, "text"), "value"));
	at.scalar = json_number_value(jget(jget(a, "scalar"), "value"));
	at.items = jget(jget(a, "set"), "item");
	if (at.type == ATTR_TEXT && !at.text)
		at.text = "";
	return at;
}

/* The offer's attributes plus "hostname" unless it has one. *n entries, malloc'd. */
static struct attr *offer_attrs(const struct mesos_offer *offer, size_t *n)
{
	const json_t *list = offer->attributes;
	size_t count = json_is_array(list) ? json_array_size(list) : 0;
	struct attr *attrs = xcalloc(count + 1, sizeof(*attrs));
	bool has_hostname = false;

	*n = 0;
	for (size_t i = 0; i < count; i++) {
		struct attr at = attr_read(json_array_get(list, i));
		if (!at.name)
			continue;
		has_hostname |= !strcmp(at.name, "hostname");
		attrs[(*n)++] = at;
	}
	if (!has_hostname) {
		const char *host = offer->hostname;
		attrs[(*n)++] = (struct attr){ "hostname", ATTR_TEXT, host ? host : "", 0, NULL };
	}
	return attrs;
}

static bool full_match(const regex_t *re, const char *s)
{
	regmatch_t m;
	/* glibc is leftmost-longest, so a whole-string match is found if one exists */
	return regexec(re, s, 1, &m, 0) == 0 && m.rm_so == 0 && (size_t)m.rm_eo == strlen(s);
}

/* LIKE on one attribute; -1 when the attribute type cannot be matched (ranges). */
static int like_attr(const regex_t *re, const struct attr *at)
{
	char num[64];

	switch (at->type) {
	case ATTR_TEXT:
		return full_match(re, at->text);
	case ATTR_SCALAR:
		job_java_double(at->scalar, num, sizeof(num));
		return full_match(re, num);
	case ATTR_SET:
		for (size_t i = 0; i < json_array_size(at->items); i++) {
			const char *item = json_string_value(json_array_get(at->items, i));
			if (item && full_match(re, item))
				return 1;
		}
		return 0;
	default:
		return -1;
	}
}

static bool equals_attr(const struct attr *at, const char *value)
{
	char num[64];
	double d;

	if (at->type == ATTR_TEXT)
		return !strcmp(at->text, value);
	if (at->type != ATTR_SCALAR) /* Chronos compares the (empty) text of other types */
		return value[0] == '\0';
	job_java_double(at->scalar, num, sizeof(num));
	return !strcmp(num, value) || (parse_double(value, &d) == 0 && d == at->scalar);
}

static bool constraint_holds(const struct job_constraint *c, const struct attr *attrs, size_t n)
{
	const struct attr *first = NULL;
	char why[160];
	regex_t re;
	int m;

	for (size_t i = 0; i < n; i++) {
		if (strcmp(attrs[i].name, c->attribute))
			continue;
		if (c->op == JOB_CONSTRAINT_EQUALS && equals_attr(&attrs[i], c->value))
			return true;
		if (!first)
			first = &attrs[i];
	}
	if (c->op == JOB_CONSTRAINT_EQUALS || !first)
		return false;
	if (job_regex_compile(c->value, &re, why, sizeof(why)) < 0)
		return false;
	m = like_attr(&re, first);
	regfree(&re);
	if (m < 0)
		return false;
	return c->op == JOB_CONSTRAINT_LIKE ? m == 1 : m == 0;
}

bool job_offer_matches_constraints(const struct job *job, const struct mesos_offer *offer)
{
	size_t n;
	struct attr *attrs;
	bool ok = true;

	if (job->nconstraints == 0)
		return true;
	attrs = offer_attrs(offer, &n);
	for (size_t i = 0; i < job->nconstraints && ok; i++)
		ok = constraint_holds(&job->constraints[i], attrs, n);
	free(attrs);
	return ok;
}
