/*
 * job — see job.h. This file owns the Chronos job document: parsing
 * (JobDeserializer), printing (JobSerializer), copies, name validation and
 * the setters the service uses to change a stored job. job_task.c turns a
 * parsed job into one run on Mesos; what it borrows from here is in
 * job_internal.h.
 *
 * Invariants of a struct job that job_from_json() returns:
 *  1. name matches [A-Za-z0-9_.-]+, is not "." or "..", and is at most
 *     JOB_NAME_MAX bytes.
 *  2. cpus, mem, disk > 0 (0 or absent became the default), gpus >= 0;
 *     every integer is >= 0 and bounded (job.h).
 *  3. Not both uris and fetch are non-empty.
 *  4. kind == JOB_SCHEDULED <=> schedule and schedule_time_zone are set;
 *     kind == JOB_DEPENDENT <=> they are NULL (parents may still be empty:
 *     the API layer answers that).
 *  5. Every LIKE/UNLIKE pattern compiled with regcomp (POSIX ERE, with
 *     Java's \d and \D rewritten), has no back-reference and expands to
 *     a bounded number of nodes (job_regex.c). job_task.c compiles
 *     it again with the same job_regex_compile() when it matches an offer.
 *  6. Printing and parsing again gives the same job: job_to_json() output
 *     is a fixed point of job_from_json() (the fuzz target checks it).
 * job_copy(), job_set_str(), job_make_scheduled() and job_make_dependent()
 * keep 1-5 (parents stay deduplicated).
 *
 * Leniency is Chronos': numbers may be numeric strings, booleans may be
 * "true"/"false" strings, strings may be given as numbers or booleans
 * (Jackson asText), null means absent, unknown keys (2.x epsilon, async,
 * UI-only keys) are ignored, a container without image is dropped and
 * constraints with an unknown operator are dropped. Strictness is ours: a
 * value that cannot be coerced, a negative amount, an overlong string or
 * array, a bad regex is an error naming the field.
 */
#include "jobs/job.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/util.h"
#include "jobs/job_internal.h"

#define PATH_LEN 256
#define MISSING "required field is missing"


/* ---- memory ---- */

static void strs_free(struct job_strs *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static void kvs_free(struct job_kvs *kv)
{
	for (size_t i = 0; i < kv->n; i++) {
		free(kv->v[i].key);
		free(kv->v[i].value);
	}
	free(kv->v);
	kv->v = NULL;
	kv->n = 0;
}

static void network_info_free(struct job_network_info *n)
{
	free(n->name);
	kvs_free(&n->labels);
	for (size_t i = 0; i < n->nport_mappings; i++)
		free(n->port_mappings[i].protocol);
	free(n->port_mappings);
}

static void volume_free(struct job_volume *v)
{
	free(v->container_path);
	free(v->host_path);
	if (v->external) {
		free(v->external->name);
		free(v->external->provider);
		kvs_free(&v->external->options);
		free(v->external);
	}
}

static void container_free(struct job_container *c)
{
	if (!c)
		return;
	free(c->image);
	free(c->network_name);
	for (size_t i = 0; i < c->nnetwork_infos; i++)
		network_info_free(&c->network_infos[i]);
	free(c->network_infos);
	for (size_t i = 0; i < c->nvolumes; i++)
		volume_free(&c->volumes[i]);
	free(c->volumes);
	kvs_free(&c->parameters);
	free(c);
}

void job_free(struct job *job)
{
	if (!job)
		return;
	char **texts[] = { &job->name,	      &job->command,	 &job->executor,
			   &job->executor_flags, &job->task_info_data, &job->owner,
			   &job->owner_name,	 &job->description,	 &job->run_as_user,
			   &job->last_success,	 &job->last_error,	 &job->schedule,
			   &job->schedule_time_zone };
	for (size_t i = 0; i < ARRAY_LEN(texts); i++)
		free(*texts[i]);
	strs_free(&job->arguments);
	strs_free(&job->uris);
	strs_free(&job->parents);
	for (size_t i = 0; i < job->nfetch; i++) {
		free(job->fetch[i].uri);
		free(job->fetch[i].output_file);
	}
	free(job->fetch);
	kvs_free(&job->environment_variables);
	for (size_t i = 0; i < job->nconstraints; i++) {
		free(job->constraints[i].attribute);
		free(job->constraints[i].value);
	}
	free(job->constraints);
	container_free(job->container);
	free(job);
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void job_set_str(char **field, const char *value)
{
	char *copy = xstrdup(value ? value : "");
	free(*field);
	*field = copy;
}

/* ---- text forms ---- */

/*
 * Java's Double.toString: what Jackson's asText and Chronos' env values
 * print ("0.1", "128.0", "1.0E7"). Shortest digits that read back exactly.
 */
void job_java_double(double d, char *buf, size_t size)
{
	char sci[40], mant[40];
	int prec = 1, exp10;
	double mag = fabs(d);

	if (!isfinite(d) || d == 0) {
		snprintf(buf, size, "%s", !isfinite(d) ? "NaN" : signbit(d) ? "-0.0" : "0.0");
		return;
	}
	for (; prec < 17; prec++) {
		snprintf(sci, sizeof(sci), "%.*e", prec - 1, d);
		if (strtod(sci, NULL) == d)
			break;
	}
	snprintf(sci, sizeof(sci), "%.*e", prec - 1, d);
	exp10 = (int)strtol(strchr(sci, 'e') + 1, NULL, 10);
	if (mag >= 1e-3 && mag < 1e7) {
		int decimals = prec - 1 - exp10;
		snprintf(buf, size, "%.*f", decimals < 1 ? 1 : decimals, d);
		return;
	}
	*strchr(sci, 'e') = '\0';
	snprintf(mant, sizeof(mant), "%s%s", sci, strchr(sci, '.') ? "" : ".0");
	snprintf(buf, size, "%sE%d", mant, exp10);
}

/* 2014-03-08T16:57:17.507Z */
static void iso_utc_ms(int64_t epoch_ms, char *buf, size_t size)
{
	int64_t secs = epoch_ms / 1000, ms = epoch_ms % 1000;
	struct tm tm;
	time_t t;

	if (ms < 0) {
		ms += 1000;
		secs--;
	}
	t = (time_t)secs;
	if (!gmtime_r(&t, &tm))
		memset(&tm, 0, sizeof(tm));
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)ms);
}

bool job_name_is_dots(const char *name)
{
	return name && (!strcmp(name, ".") || !strcmp(name, ".."));
}

bool job_name_valid(const char *name)
{
	size_t len = name ? strlen(name) : 0;
	if (len == 0 || len > JOB_NAME_MAX || job_name_is_dots(name))
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

/* ---- lenient readers: 0 = read, -EINVAL = error naming `where` ---- */

/* A string, or a number/boolean in its Jackson asText form. */
static int val_text(const json_t *v, const char *where, size_t max, char **out, struct jerr *err)
{
	char num[64];
	const char *s = num;
	size_t len;

	switch (json_typeof(v)) {
	case JSON_STRING:
		s = json_string_value(v);
		if (strlen(s) != json_string_length(v))
			return jerr_set(err, where, NULL, "contains a NUL byte");
		break;
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		break;
	case JSON_REAL:
		job_java_double(json_real_value(v), num, sizeof(num));
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		s = json_is_true(v) ? "true" : "false";
		break;
	default:
		return jerr_set(err, where, NULL, "expected a string");
	}
	len = strlen(s);
	if (len > max)
		return jerr_set(err, where, NULL, "longer than %zu bytes", max);
	*out = xstrndup(s, len);
	return 0;
}

/* A finite number, or a string holding one. */
static int val_number(const json_t *v, const char *where, double *out, struct jerr *err)
{
	if (json_is_number(v)) {
		*out = json_number_value(v);
		return 0;
	}
	if (json_is_string(v) && strlen(json_string_value(v)) == json_string_length(v) &&
	    parse_double(json_string_value(v), out) == 0)
		return 0;
	return jerr_set(err, where, NULL, "expected a number");
}

static int whole_double(double d, int64_t *out)
{
	if (d != floor(d) || d < -9.2e18 || d > 9.2e18)
		return -EINVAL;
	*out = (int64_t)d;
	return 0;
}

/* An integer (a whole real and numeric strings too) in [min, max]. */
static int val_int(const json_t *v, const char *where, int64_t min, int64_t max, int64_t *out,
		   struct jerr *err)
{
	int64_t n = 0;
	double d;
	bool ok = false;

	if (json_is_integer(v)) {
		n = json_integer_value(v);
		ok = true;
	} else if (json_is_real(v)) {
		ok = whole_double(json_real_value(v), &n) == 0;
	} else if (json_is_string(v) && strlen(json_string_value(v)) == json_string_length(v)) {
		const char *s = json_string_value(v);
		ok = parse_int64(s, &n) == 0 ||
		     (parse_double(s, &d) == 0 && whole_double(d, &n) == 0);
	}
	if (!ok)
		return jerr_set(err, where, NULL, "expected an integer");
	if (n < min)
		return min == 0 ? jerr_set(err, where, NULL, "must not be negative")
				: jerr_set(err, where, NULL, "must be at least %" PRId64, min);
	if (n > max)
		return jerr_set(err, where, NULL, "must be at most %" PRId64, max);
	*out = n;
	return 0;
}

/* true/false, "true"/"false" in any case, or 0/1. */
static int val_bool(const json_t *v, const char *where, bool *out, struct jerr *err)
{
	if (json_is_boolean(v)) {
		*out = json_is_true(v);
		return 0;
	}
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		if (!strcasecmp(s, "true") || !strcasecmp(s, "false")) {
			*out = !strcasecmp(s, "true");
			return 0;
		}
	}
	if (json_is_integer(v) && (json_integer_value(v) == 0 || json_integer_value(v) == 1)) {
		*out = json_integer_value(v) == 1;
		return 0;
	}
	return jerr_set(err, where, NULL, "expected true or false");
}

/* Keyed forms: 1 when the key is missing or null (out untouched). */

static int get_text(const json_t *obj, const char *path, const char *key, size_t max, char **out,
		    struct jerr *err)
{
	char where[PATH_LEN];
	json_t *v = jget(obj, key);
	if (!v)
		return 1;
	return val_text(v, jpath(where, sizeof(where), path, key), max, out, err);
}

/* A text field with a default: 0 or -EINVAL. */
static int text_or(const json_t *obj, const char *path, const char *key, size_t max,
		   const char *dflt, char **out, struct jerr *err)
{
	int r = get_text(obj, path, key, max, out, err);
	if (r == 1)
		*out = xstrdup(dflt);
	return r < 0 ? r : 0;
}

/* A required text field. */
static int text_req(const json_t *obj, const char *path, const char *key, size_t max, char **out,
		    struct jerr *err)
{
	int r = get_text(obj, path, key, max, out, err);
	if (r == 1)
		return jerr_set(err, path, key, MISSING);
	return r;
}

static int get_bool(const json_t *obj, const char *path, const char *key, bool *out,
		    struct jerr *err)
{
	char where[PATH_LEN];
	json_t *v = jget(obj, key);
	if (!v)
		return 1;
	return val_bool(v, jpath(where, sizeof(where), path, key), out, err);
}

static int get_int(const json_t *obj, const char *path, const char *key, int64_t min, int64_t max,
		   int64_t *out, struct jerr *err)
{
	char where[PATH_LEN];
	json_t *v = jget(obj, key);
	if (!v)
		return 1;
	return val_int(v, jpath(where, sizeof(where), path, key), min, max, out, err);
}

/* An array of at most JOB_ARRAY_MAX items; *n its size (0 when absent). */
static int get_items(const json_t *obj, const char *path, const char *key, json_t **arr,
		     size_t *n, struct jerr *err)
{
	int r;
	*arr = NULL;
	*n = 0;
	r = jget_array(obj, key, path, false, JOB_ARRAY_MAX, arr, err);
	if (r < 0)
		return r;
	*n = r == 0 ? json_array_size(*arr) : 0;
	return 0;
}

/* An array of strings (coerced as val_text does). */
static int get_strs(const json_t *obj, const char *path, const char *key, size_t max_len,
		    bool nonempty, struct job_strs *out, struct jerr *err)
{
	char base[PATH_LEN], where[PATH_LEN];
	json_t *arr;
	size_t n;
	int r = get_items(obj, path, key, &arr, &n, err);

	if (r < 0 || n == 0)
		return r;
	jpath(base, sizeof(base), path, key);
	out->v = xcalloc(n, sizeof(*out->v));
	for (size_t i = 0; i < n; i++) {
		jpath_index(where, sizeof(where), base, i);
		r = val_text(json_array_get(arr, i), where, max_len, &out->v[out->n], err);
		if (r < 0)
			return r;
		out->n++;
		if (nonempty && !out->v[i][0])
			return jerr_set(err, where, NULL, "must not be empty");
	}
	return 0;
}

/* An array of {kname: str, vname: str} objects, both required. */
static int get_kvs(const json_t *obj, const char *path, const char *key, const char *kname,
		   const char *vname, struct job_kvs *out, struct jerr *err)
{
	char base[PATH_LEN], where[PATH_LEN];
	json_t *arr, *item;
	size_t n;
	int r = get_items(obj, path, key, &arr, &n, err);

	if (r < 0 || n == 0)
		return r;
	jpath(base, sizeof(base), path, key);
	out->v = xcalloc(n, sizeof(*out->v));
	for (size_t i = 0; i < n; i++) {
		struct job_kv *kv = &out->v[out->n];
		item = json_array_get(arr, i);
		jpath_index(where, sizeof(where), base, i);
		if (!json_is_object(item))
			return jerr_set(err, where, NULL, "expected an object");
		out->n++;
		r = text_req(item, where, kname, JOB_STR_MAX, &kv->key, err);
		if (r == 0)
			r = text_req(item, where, vname, JOB_STR_MAX, &kv->value, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- parsing: the flat fields ---- */

static const struct text_field {
	const char *key;
	size_t offset;
	size_t max;
} TEXT_FIELDS[] = {
	{ "command", offsetof(struct job, command), JOB_COMMAND_MAX },
	{ "executor", offsetof(struct job, executor), JOB_STR_MAX },
	{ "executorFlags", offsetof(struct job, executor_flags), JOB_STR_MAX },
	{ "taskInfoData", offsetof(struct job, task_info_data), JOB_STR_MAX },
	{ "owner", offsetof(struct job, owner), JOB_STR_MAX },
	{ "ownerName", offsetof(struct job, owner_name), JOB_STR_MAX },
	{ "description", offsetof(struct job, description), JOB_STR_MAX },
	{ "lastSuccess", offsetof(struct job, last_success), JOB_STR_MAX },
	{ "lastError", offsetof(struct job, last_error), JOB_STR_MAX },
};

static const struct bool_field {
	const char *key;
	size_t offset;
	bool dflt;
} BOOL_FIELDS[] = {
	{ "shell", offsetof(struct job, shell), true },
	{ "disabled", offsetof(struct job, disabled), false },
	{ "concurrent", offsetof(struct job, concurrent), false },
	{ "softError", offsetof(struct job, soft_error), false },
	{ "dataProcessingJobType", offsetof(struct job, data_processing_job_type), false },
	{ "highPriority", offsetof(struct job, high_priority), false },
};

static const struct int_field {
	const char *key;
	size_t offset;
	int64_t dflt, max;
} INT_FIELDS[] = {
	{ "retries", offsetof(struct job, retries), 2, INT32_MAX },
	{ "successCount", offsetof(struct job, success_count), 0, INT64_MAX },
	{ "errorCount", offsetof(struct job, error_count), 0, INT64_MAX },
	{ "errorsSinceLastSuccess", offsetof(struct job, errors_since_last_success), 0, INT64_MAX },
	{ "maxCompletionTime", offsetof(struct job, max_completion_time), 0,
	  JOB_MAX_COMPLETION_MAX },
};

#define FIELD(job, type, off) ((type *)((char *)(job) + (off)))

static int parse_name(const json_t *doc, struct job *job, struct jerr *err)
{
	int r = text_req(doc, NULL, "name", JOB_STR_MAX, &job->name, err);
	if (r < 0)
		return r;
	if (job_name_is_dots(job->name))
		return jerr_set(err, NULL, "name",
				"'%s' is not allowed: '.' and '..' are path components (a job's "
				"name also names directories and URLs)",
				job->name);
	if (!job_name_valid(job->name))
		return jerr_set(err, NULL, NULL, "%s", JOB_NAME_INVALID_MSG);
	return 0;
}

static int parse_flat(const json_t *doc, const struct job_defaults *d, struct job *job,
		      struct jerr *err)
{
	int r;

	for (size_t i = 0; i < ARRAY_LEN(TEXT_FIELDS); i++) {
		r = text_or(doc, NULL, TEXT_FIELDS[i].key, TEXT_FIELDS[i].max, "",
			    FIELD(job, char *, TEXT_FIELDS[i].offset), err);
		if (r < 0)
			return r;
	}
	r = text_or(doc, NULL, "runAsUser", JOB_STR_MAX, d->user ? d->user : "root",
		    &job->run_as_user, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ARRAY_LEN(BOOL_FIELDS); i++) {
		bool *b = FIELD(job, bool, BOOL_FIELDS[i].offset);
		*b = BOOL_FIELDS[i].dflt;
		if (get_bool(doc, NULL, BOOL_FIELDS[i].key, b, err) < 0)
			return -EINVAL;
	}
	for (size_t i = 0; i < ARRAY_LEN(INT_FIELDS); i++) {
		int64_t *n = FIELD(job, int64_t, INT_FIELDS[i].offset);
		*n = INT_FIELDS[i].dflt;
		if (get_int(doc, NULL, INT_FIELDS[i].key, 0, INT_FIELDS[i].max, n, err) < 0)
			return -EINVAL;
	}
	return get_strs(doc, NULL, "arguments", JOB_STR_MAX, false, &job->arguments, err);
}

/* cpus/mem/disk: a number >= 0 where 0 means the flag default; gpus whole. */
static int parse_amount(const json_t *doc, const char *key, double dflt, double *out,
			struct jerr *err)
{
	json_t *v = jget(doc, key);
	double d = 0;

	if (v && val_number(v, key, &d, err) < 0)
		return -EINVAL;
	if (d < 0)
		return jerr_set(err, NULL, key, "must not be negative");
	if (d > JOB_RESOURCE_MAX)
		return jerr_set(err, NULL, key, "must be at most %.0f", JOB_RESOURCE_MAX);
	*out = d == 0 ? dflt : d;
	return 0;
}

static int parse_resources(const json_t *doc, const struct job_defaults *d, struct job *job,
			   struct jerr *err)
{
	json_t *v;
	double gpus = 0;

	if (parse_amount(doc, "cpus", d->cpus, &job->cpus, err) < 0 ||
	    parse_amount(doc, "mem", d->mem, &job->mem, err) < 0 ||
	    parse_amount(doc, "disk", d->disk, &job->disk, err) < 0)
		return -EINVAL;
	v = jget(doc, "gpus");
	if (v && val_number(v, "gpus", &gpus, err) < 0)
		return -EINVAL;
	if (gpus != floor(gpus))
		return jerr_set(err, NULL, "gpus", "expected a whole number");
	if (gpus < 0)
		return jerr_set(err, NULL, "gpus", "must not be negative");
	if (gpus > JOB_GPUS_MAX)
		return jerr_set(err, NULL, "gpus", "must be at most %d", JOB_GPUS_MAX);
	job->gpus = gpus == 0 ? d->gpus : (int)gpus;
	return 0;
}

/* ---- parsing: uris, fetch, environment ---- */

static int parse_fetch(const json_t *doc, struct job *job, struct jerr *err)
{
	char where[PATH_LEN];
	json_t *arr, *item;
	size_t n;
	int r = get_strs(doc, NULL, "uris", JOB_STR_MAX, true, &job->uris, err);

	if (r < 0 || (r = get_items(doc, NULL, "fetch", &arr, &n, err)) < 0)
		return r;
	if (n)
		job->fetch = xcalloc(n, sizeof(*job->fetch));
	for (size_t i = 0; i < n; i++) {
		struct job_fetch *f = &job->fetch[job->nfetch];
		item = json_array_get(arr, i);
		jpath_index(where, sizeof(where), "fetch", i);
		if (!json_is_object(item))
			return jerr_set(err, where, NULL, "expected an object");
		job->nfetch++;
		f->extract = true;
		if (text_req(item, where, "uri", JOB_STR_MAX, &f->uri, err) < 0 ||
		    text_or(item, where, "output_file", JOB_STR_MAX, "", &f->output_file,
			    err) < 0 ||
		    get_bool(item, where, "executable", &f->executable, err) < 0 ||
		    get_bool(item, where, "cache", &f->cache, err) < 0 ||
		    get_bool(item, where, "extract", &f->extract, err) < 0)
			return -EINVAL;
		if (!f->uri[0])
			return jerr_set(err, where, "uri", "must not be empty");
	}
	if (job->uris.n && job->nfetch)
		return jerr_set(err, NULL, NULL,
				"Tried to add both uri (deprecated) and fetch parameters on %s",
				job->name);
	return 0;
}

static int parse_env(const json_t *doc, struct job *job, struct jerr *err)
{
	return get_kvs(doc, NULL, "environmentVariables", "name", "value",
		       &job->environment_variables, err);
}

/* ---- constraints ---- */

static const char *const CONSTRAINT_OPS[] = { "EQUALS", "LIKE", "UNLIKE" };

/* One [attribute, op, value]; 1 when its operator is unknown (dropped). */
static int parse_constraint(const json_t *item, const char *where, struct job_constraint *c,
			    struct jerr *err)
{
	char *parts[3] = { NULL, NULL, NULL }, why[160];
	int r = 0, op = -1;
	regex_t re;

	if (!json_is_array(item) || json_array_size(item) != 3)
		return jerr_set(err, where, NULL, "expected [attribute, operator, value]");
	for (size_t k = 0; k < 3 && r == 0; k++) {
		json_t *v = json_array_get(item, k);
		char ipath[PATH_LEN];
		jpath_index(ipath, sizeof(ipath), where, k);
		r = json_is_string(v) ? val_text(v, ipath, JOB_STR_MAX, &parts[k], err)
				      : jerr_set(err, ipath, NULL, "expected a string");
	}
	for (size_t k = 0; r == 0 && k < ARRAY_LEN(CONSTRAINT_OPS); k++)
		if (!strcmp(parts[1], CONSTRAINT_OPS[k]))
			op = (int)k;
	if (r == 0 && op < 0)
		r = 1;
	if (r == 0 && op != JOB_CONSTRAINT_EQUALS) {
		if (job_regex_compile(parts[2], &re, why, sizeof(why)) < 0)
			r = jerr_set(err, where, NULL, "invalid regular expression '%.100s': %s",
				     parts[2], why);
		else
			regfree(&re);
	}
	if (r == 0) {
		c->attribute = parts[0];
		c->op = (enum job_constraint_op)op;
		c->value = parts[2];
		parts[0] = parts[2] = NULL;
	}
	for (size_t k = 0; k < 3; k++)
		free(parts[k]);
	return r;
}

static int parse_constraints(const json_t *doc, struct job *job, struct jerr *err)
{
	char where[PATH_LEN];
	json_t *arr;
	size_t n;
	int r = get_items(doc, NULL, "constraints", &arr, &n, err);

	if (r < 0 || n == 0)
		return r;
	job->constraints = xcalloc(n, sizeof(*job->constraints));
	for (size_t i = 0; i < n; i++) {
		jpath_index(where, sizeof(where), "constraints", i);
		r = parse_constraint(json_array_get(arr, i), where,
				     &job->constraints[job->nconstraints], err);
		if (r < 0)
			return r;
		if (r == 0)
			job->nconstraints++;
	}
	return 0;
}

/* ---- parsing: container ---- */

/* A text field that must be one of names (case-insensitive when asked). */
static int get_enum(const json_t *obj, const char *path, const char *key,
		    const char *const *names, size_t n, bool any_case, const char *expected,
		    int *out, struct jerr *err)
{
	char *s = NULL;
	int r = get_text(obj, path, key, 64, &s, err);

	if (r != 0)
		return r;
	r = -1;
	for (size_t i = 0; i < n && r < 0; i++)
		if (any_case ? !strcasecmp(s, names[i]) : !strcmp(s, names[i]))
			r = (int)i;
	if (r >= 0) {
		*out = r;
		r = 0;
	} else {
		r = jerr_set(err, path, key, "expected %s, got '%.64s'", expected, s);
	}
	free(s);
	return r;
}

/* Indexed by the enums of job.h; the network and protocol names are Mesos' too (job_task.c). */
static const char *const CONTAINER_TYPES[] = { "DOCKER", "MESOS" };
const char *const job_network_names[] = { "HOST", "BRIDGE", "USER" };
static const char *const VOLUME_MODES[] = { "", "RW", "RO" };
const char *const job_protocol_names[] = { "", "IPv4", "IPv6" };

static int parse_external(const json_t *vol, const char *where, struct job_volume *v,
			  struct jerr *err)
{
	char path[PATH_LEN];
	json_t *ext = NULL;
	int r = jget_obj(vol, "external", where, false, &ext, err);

	if (r != 0)
		return r < 0 ? r : 0;
	jpath(path, sizeof(path), where, "external");
	v->external = xcalloc(1, sizeof(*v->external));
	if (text_req(ext, path, "name", JOB_STR_MAX, &v->external->name, err) < 0 ||
	    text_req(ext, path, "provider", JOB_STR_MAX, &v->external->provider, err) < 0 ||
	    get_kvs(ext, path, "options", "key", "value", &v->external->options, err) < 0)
		return -EINVAL;
	return 0;
}

static int parse_volumes(const json_t *cj, struct job_container *c, struct jerr *err)
{
	char where[PATH_LEN];
	json_t *arr, *item;
	size_t n;
	int r = get_items(cj, "container", "volumes", &arr, &n, err), mode;

	if (r < 0 || n == 0)
		return r;
	c->volumes = xcalloc(n, sizeof(*c->volumes));
	for (size_t i = 0; i < n; i++) {
		struct job_volume *v = &c->volumes[c->nvolumes];
		item = json_array_get(arr, i);
		jpath_index(where, sizeof(where), "container.volumes", i);
		if (!json_is_object(item))
			return jerr_set(err, where, NULL, "expected an object");
		c->nvolumes++;
		mode = -1;
		if (text_req(item, where, "containerPath", JOB_STR_MAX, &v->container_path,
			     err) < 0 ||
		    get_text(item, where, "hostPath", JOB_STR_MAX, &v->host_path, err) < 0 ||
		    get_enum(item, where, "mode", VOLUME_MODES + 1, 2, true, "RW or RO", &mode,
			     err) < 0 ||
		    parse_external(item, where, v, err) < 0)
			return -EINVAL;
		v->mode = mode < 0 ? JOB_VOLUME_MODE_NONE : (enum job_volume_mode)(mode + 1);
	}
	return 0;
}

static int parse_port_mappings(const json_t *ni, const char *where, struct job_network_info *n,
			       struct jerr *err)
{
	char base[PATH_LEN], pw[PATH_LEN];
	json_t *arr, *item;
	size_t count;
	int64_t port;
	int r = get_items(ni, where, "portMappings", &arr, &count, err);

	if (r < 0 || count == 0)
		return r;
	jpath(base, sizeof(base), where, "portMappings");
	n->port_mappings = xcalloc(count, sizeof(*n->port_mappings));
	for (size_t i = 0; i < count; i++) {
		struct job_port_mapping *pm = &n->port_mappings[n->nport_mappings];
		item = json_array_get(arr, i);
		jpath_index(pw, sizeof(pw), base, i);
		if (!json_is_object(item))
			return jerr_set(err, pw, NULL, "expected an object");
		n->nport_mappings++;
		if ((r = get_int(item, pw, "hostPort", 0, 65535, &port, err)) != 0)
			return r < 0 ? r : jerr_set(err, pw, "hostPort", MISSING);
		pm->host_port = (int)port;
		if ((r = get_int(item, pw, "containerPort", 0, 65535, &port, err)) != 0)
			return r < 0 ? r : jerr_set(err, pw, "containerPort", MISSING);
		pm->container_port = (int)port;
		if (get_text(item, pw, "protocol", JOB_STR_MAX, &pm->protocol, err) < 0)
			return -EINVAL;
	}
	return 0;
}

static int parse_network_infos(const json_t *cj, struct job_container *c, struct jerr *err)
{
	char where[PATH_LEN];
	json_t *arr, *item;
	size_t n;
	int r = get_items(cj, "container", "networkInfos", &arr, &n, err), proto;

	if (r < 0 || n == 0)
		return r;
	c->network_infos = xcalloc(n, sizeof(*c->network_infos));
	for (size_t i = 0; i < n; i++) {
		struct job_network_info *ni = &c->network_infos[c->nnetwork_infos];
		item = json_array_get(arr, i);
		jpath_index(where, sizeof(where), "container.networkInfos", i);
		if (!json_is_object(item))
			return jerr_set(err, where, NULL, "expected an object");
		c->nnetwork_infos++;
		proto = -1;
		if (text_req(item, where, "name", JOB_STR_MAX, &ni->name, err) < 0 ||
		    get_enum(item, where, "protocol", job_protocol_names + 1, 2, false,
			     "IPv4 or IPv6", &proto, err) < 0 ||
		    get_kvs(item, where, "labels", "key", "value", &ni->labels, err) < 0 ||
		    parse_port_mappings(item, where, ni, err) < 0)
			return -EINVAL;
		ni->protocol = proto < 0 ? JOB_PROTOCOL_NONE : (enum job_protocol)(proto + 1);
	}
	return 0;
}

static int parse_container_body(const json_t *cj, struct job_container *c, struct jerr *err)
{
	int type = JOB_CONTAINER_DOCKER, network = JOB_NETWORK_HOST;

	if (text_req(cj, "container", "image", JOB_STR_MAX, &c->image, err) < 0)
		return -EINVAL;
	if (!c->image[0])
		return jerr_set(err, "container", "image", "must not be empty");
	if (get_enum(cj, "container", "type", CONTAINER_TYPES, ARRAY_LEN(CONTAINER_TYPES), true,
		     "DOCKER or MESOS", &type, err) < 0 ||
	    get_enum(cj, "container", "network", job_network_names,
		     ARRAY_LEN(job_network_names), false, "HOST, BRIDGE or USER", &network,
		     err) < 0 ||
	    get_text(cj, "container", "networkName", JOB_STR_MAX, &c->network_name, err) < 0 ||
	    parse_network_infos(cj, c, err) < 0 || parse_volumes(cj, c, err) < 0 ||
	    get_bool(cj, "container", "forcePullImage", &c->force_pull_image, err) < 0 ||
	    get_kvs(cj, "container", "parameters", "key", "value", &c->parameters, err) < 0)
		return -EINVAL;
	c->type = (enum job_container_type)type;
	c->network = (enum job_network)network;
	return 0;
}

/* Chronos parses a container only when it has an image; else it is dropped. */
static int parse_container(const json_t *doc, struct job *job, struct jerr *err)
{
	json_t *cj = NULL;
	int r = jget_obj(doc, "container", NULL, false, &cj, err);

	if (r != 0)
		return r < 0 ? r : 0;
	if (!jget(cj, "image"))
		return 0;
	job->container = xcalloc(1, sizeof(*job->container));
	return parse_container_body(cj, job->container, err);
}

/* ---- parsing: kind, and the whole document ---- */

static bool strs_contains(const struct job_strs *s, const char *value)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], value))
			return true;
	return false;
}

/* Parents are a set: keep the first of each name. */
static void strs_dedupe(struct job_strs *s)
{
	size_t kept = 0;
	for (size_t i = 0; i < s->n; i++) {
		struct job_strs head = { s->v, kept };
		if (strs_contains(&head, s->v[i]))
			free(s->v[i]);
		else
			s->v[kept++] = s->v[i];
	}
	s->n = kept;
}

/* Type sniffing: parents -> dependent; else schedule; else run once now. */
static int parse_kind(const json_t *doc, int64_t now_ms, struct job *job, struct jerr *err)
{
	char iso[40], sched[64];
	int r;

	if (jget(doc, "parents")) {
		job->kind = JOB_DEPENDENT;
		r = get_strs(doc, NULL, "parents", JOB_NAME_MAX, true, &job->parents, err);
		if (r == 0)
			strs_dedupe(&job->parents);
		return r;
	}
	job->kind = JOB_SCHEDULED;
	r = text_or(doc, NULL, "scheduleTimeZone", JOB_STR_MAX, "", &job->schedule_time_zone, err);
	if (r < 0)
		return r;
	r = get_text(doc, NULL, "schedule", JOB_STR_MAX, &job->schedule, err);
	if (r == 1) {
		iso_utc_ms(now_ms, iso, sizeof(iso));
		snprintf(sched, sizeof(sched), "R1/%s/PT24H", iso);
		job->schedule = xstrdup(sched);
	}
	return r < 0 ? r : 0;
}

int job_from_json(const json_t *doc, const struct job_defaults *defaults, int64_t now_ms,
		  struct job **out, struct jerr *err)
{
	static const struct job_defaults builtin = JOB_DEFAULTS_INIT;
	struct job *job;

	*out = NULL;
	if (!json_is_object(doc))
		return jerr_set(err, NULL, NULL, "expected a JSON object (a job)");
	if (!defaults)
		defaults = &builtin;
	job = xcalloc(1, sizeof(*job));
	if (parse_name(doc, job, err) < 0 || parse_flat(doc, defaults, job, err) < 0 ||
	    parse_resources(doc, defaults, job, err) < 0 || parse_fetch(doc, job, err) < 0 ||
	    parse_env(doc, job, err) < 0 || parse_container(doc, job, err) < 0 ||
	    parse_constraints(doc, job, err) < 0 || parse_kind(doc, now_ms, job, err) < 0) {
		job_free(job);
		return -EINVAL;
	}
	*out = job;
	return 0;
}

int job_parse(const char *text, size_t len, const struct job_defaults *defaults, int64_t now_ms,
	      struct job **out, struct jerr *err)
{
	json_t *doc;
	int r;

	*out = NULL;
	doc = json_parse_bounded(text, len, JOB_JSON_MAX, "job", err);
	if (!doc)
		return -EINVAL;
	r = job_from_json(doc, defaults, now_ms, out, err);
	json_decref(doc);
	return r;
}

/* ---- printing (JobSerializer) ---- */

/* A JSON string; "" for NULL (and for text that is not UTF-8, never parsed here). */
json_t *job_json_str(const char *s)
{
	json_t *v = json_string(s ? s : "");
	return v ? v : json_string("");
}

json_t *job_strs_json(const struct job_strs *s)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < s->n; i++)
		json_array_append_new(arr, job_json_str(s->v[i]));
	return arr;
}

json_t *job_kvs_json(const struct job_kvs *kv, const char *kname, const char *vname)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < kv->n; i++) {
		json_t *o = json_object();
		json_object_set_new(o, kname, job_json_str(kv->v[i].key));
		json_object_set_new(o, vname, job_json_str(kv->v[i].value));
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *fetch_entry_json(const char *uri, const char *output_file, bool executable,
				bool cache, bool extract)
{
	json_t *o = json_object();
	json_object_set_new(o, "uri", job_json_str(uri));
	json_object_set_new(o, "executable", json_boolean(executable));
	json_object_set_new(o, "cache", json_boolean(cache));
	json_object_set_new(o, "extract", json_boolean(extract));
	if (output_file && output_file[0])
		json_object_set_new(o, "output_file", job_json_str(output_file));
	return o;
}

static json_t *fetch_json(const struct job *job)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < job->nfetch; i++) {
		const struct job_fetch *f = &job->fetch[i];
		json_array_append_new(arr, fetch_entry_json(f->uri, f->output_file, f->executable,
							    f->cache, f->extract));
	}
	return arr;
}

static json_t *network_infos_json(const struct job_container *c)
{
	json_t *arr = json_array();
	char port[16];

	for (size_t i = 0; i < c->nnetwork_infos; i++) {
		const struct job_network_info *n = &c->network_infos[i];
		json_t *o = json_object(), *pms = json_array();
		json_object_set_new(o, "name", job_json_str(n->name));
		if (n->protocol != JOB_PROTOCOL_NONE)
			json_object_set_new(o, "protocol",
					    job_json_str(job_protocol_names[n->protocol]));
		json_object_set_new(o, "labels", job_kvs_json(&n->labels, "key", "value"));
		for (size_t k = 0; k < n->nport_mappings; k++) {
			const struct job_port_mapping *pm = &n->port_mappings[k];
			json_t *p = json_object();
			/* Chronos' serializer writes the ports as strings. */
			snprintf(port, sizeof(port), "%d", pm->host_port);
			json_object_set_new(p, "hostPort", job_json_str(port));
			snprintf(port, sizeof(port), "%d", pm->container_port);
			json_object_set_new(p, "containerPort", job_json_str(port));
			if (pm->protocol)
				json_object_set_new(p, "protocol", job_json_str(pm->protocol));
			json_array_append_new(pms, p);
		}
		json_object_set_new(o, "portMappings", pms);
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *volumes_json(const struct job_container *c)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < c->nvolumes; i++) {
		const struct job_volume *v = &c->volumes[i];
		json_t *o = json_object();
		if (v->host_path)
			json_object_set_new(o, "hostPath", job_json_str(v->host_path));
		json_object_set_new(o, "containerPath", job_json_str(v->container_path));
		if (v->mode != JOB_VOLUME_MODE_NONE)
			json_object_set_new(o, "mode", job_json_str(VOLUME_MODES[v->mode]));
		if (v->external)
			json_object_set_new(o, "external",
					    json_pack("{s:o, s:o, s:o}", "name",
						      job_json_str(v->external->name), "provider",
						      job_json_str(v->external->provider),
						      "options",
						      job_kvs_json(&v->external->options, "key",
								   "value")));
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *container_json(const struct job_container *c)
{
	json_t *o = json_object();
	json_object_set_new(o, "type", job_json_str(CONTAINER_TYPES[c->type]));
	json_object_set_new(o, "image", job_json_str(c->image));
	json_object_set_new(o, "network", job_json_str(job_network_names[c->network]));
	if (c->network_name)
		json_object_set_new(o, "networkName", job_json_str(c->network_name));
	json_object_set_new(o, "networkInfos", network_infos_json(c));
	json_object_set_new(o, "volumes", volumes_json(c));
	json_object_set_new(o, "forcePullImage", json_boolean(c->force_pull_image));
	json_object_set_new(o, "parameters", job_kvs_json(&c->parameters, "key", "value"));
	return o;
}

static json_t *constraints_json(const struct job *job)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < job->nconstraints; i++) {
		const struct job_constraint *c = &job->constraints[i];
		json_array_append_new(arr, json_pack("[o, s, o]", job_json_str(c->attribute),
						     CONSTRAINT_OPS[c->op],
						     job_json_str(c->value)));
	}
	return arr;
}

/* name .. errorsSinceLastSuccess, in Chronos' order. */
static void head_json(json_t *o, const struct job *job)
{
	json_object_set_new(o, "name", job_json_str(job->name));
	json_object_set_new(o, "command", job_json_str(job->command));
	json_object_set_new(o, "shell", json_boolean(job->shell));
	json_object_set_new(o, "executor", job_json_str(job->executor));
	json_object_set_new(o, "executorFlags", job_json_str(job->executor_flags));
	json_object_set_new(o, "taskInfoData", job_json_str(job->task_info_data));
	json_object_set_new(o, "retries", json_integer(job->retries));
	json_object_set_new(o, "owner", job_json_str(job->owner));
	json_object_set_new(o, "ownerName", job_json_str(job->owner_name));
	json_object_set_new(o, "description", job_json_str(job->description));
	json_object_set_new(o, "successCount", json_integer(job->success_count));
	json_object_set_new(o, "errorCount", json_integer(job->error_count));
	json_object_set_new(o, "lastSuccess", job_json_str(job->last_success));
	json_object_set_new(o, "lastError", job_json_str(job->last_error));
	json_object_set_new(o, "cpus", json_real(job->cpus));
	json_object_set_new(o, "disk", json_real(job->disk));
	json_object_set_new(o, "mem", json_real(job->mem));
	json_object_set_new(o, "gpus", json_integer(job->gpus)); /* GPU fork: after mem */
	json_object_set_new(o, "disabled", json_boolean(job->disabled));
	json_object_set_new(o, "softError", json_boolean(job->soft_error));
	json_object_set_new(o, "dataProcessingJobType",
			    json_boolean(job->data_processing_job_type));
	json_object_set_new(o, "errorsSinceLastSuccess",
			    json_integer(job->errors_since_last_success));
}

static json_t *to_json(const struct job *job, json_t *fetch, json_t *uris)
{
	json_t *o = json_object();

	head_json(o, job);
	json_object_set_new(o, "fetch", fetch);
	json_object_set_new(o, "uris", uris);
	json_object_set_new(o, "environmentVariables",
			    job_kvs_json(&job->environment_variables, "name", "value"));
	json_object_set_new(o, "arguments", job_strs_json(&job->arguments));
	json_object_set_new(o, "highPriority", json_boolean(job->high_priority));
	json_object_set_new(o, "runAsUser", job_json_str(job->run_as_user));
	json_object_set_new(o, "concurrent", json_boolean(job->concurrent));
	json_object_set_new(o, "maxCompletionTime", json_integer(job->max_completion_time));
	if (job->container)
		json_object_set_new(o, "container", container_json(job->container));
	json_object_set_new(o, "constraints", constraints_json(job));
	if (job->kind == JOB_DEPENDENT) {
		json_object_set_new(o, "parents", job_strs_json(&job->parents));
	} else {
		json_object_set_new(o, "schedule", job_json_str(job->schedule));
		json_object_set_new(o, "scheduleTimeZone", job_json_str(job->schedule_time_zone));
	}
	return o;
}

json_t *job_to_json(const struct job *job)
{
	return to_json(job, fetch_json(job), job_strs_json(&job->uris));
}

json_t *job_to_listing_json(const struct job *job)
{
	json_t *fetch, *uris;

	if (job->nfetch == 0) {
		fetch = json_array();
		for (size_t i = 0; i < job->uris.n; i++)
			json_array_append_new(fetch, fetch_entry_json(job->uris.v[i], NULL, false,
								      false, true));
		uris = job_strs_json(&job->uris);
	} else {
		fetch = fetch_json(job);
		uris = json_array();
		for (size_t i = 0; i < job->nfetch; i++)
			json_array_append_new(uris, job_json_str(job->fetch[i].uri));
	}
	return to_json(job, fetch, uris);
}

/* ---- copies and changes ---- */

static void strs_copy(struct job_strs *dst, const struct job_strs *src)
{
	dst->n = src->n;
	dst->v = src->n ? xcalloc(src->n, sizeof(*dst->v)) : NULL;
	for (size_t i = 0; i < src->n; i++)
		dst->v[i] = xstrdup(src->v[i]);
}

static void kvs_copy(struct job_kvs *dst, const struct job_kvs *src)
{
	dst->n = src->n;
	dst->v = src->n ? xcalloc(src->n, sizeof(*dst->v)) : NULL;
	for (size_t i = 0; i < src->n; i++) {
		dst->v[i].key = xstrdup(src->v[i].key);
		dst->v[i].value = xstrdup(src->v[i].value);
	}
}

static void network_infos_copy(struct job_container *dst, const struct job_container *src)
{
	dst->network_infos = src->nnetwork_infos
				     ? xcalloc(src->nnetwork_infos, sizeof(*dst->network_infos))
				     : NULL;
	for (size_t i = 0; i < src->nnetwork_infos; i++) {
		const struct job_network_info *s = &src->network_infos[i];
		struct job_network_info *d = &dst->network_infos[i];
		d->name = xstrdup(s->name);
		d->protocol = s->protocol;
		kvs_copy(&d->labels, &s->labels);
		d->nport_mappings = s->nport_mappings;
		d->port_mappings = s->nport_mappings
					   ? xcalloc(s->nport_mappings, sizeof(*d->port_mappings))
					   : NULL;
		for (size_t k = 0; k < s->nport_mappings; k++) {
			d->port_mappings[k] = s->port_mappings[k];
			d->port_mappings[k].protocol = dup_or_null(s->port_mappings[k].protocol);
		}
	}
}

static struct job_container *container_copy(const struct job_container *src)
{
	struct job_container *dst;

	if (!src)
		return NULL;
	dst = xcalloc(1, sizeof(*dst));
	*dst = *src;
	dst->image = xstrdup(src->image);
	dst->network_name = dup_or_null(src->network_name);
	network_infos_copy(dst, src);
	dst->volumes = src->nvolumes ? xcalloc(src->nvolumes, sizeof(*dst->volumes)) : NULL;
	for (size_t i = 0; i < src->nvolumes; i++) {
		const struct job_volume *s = &src->volumes[i];
		struct job_volume *d = &dst->volumes[i];
		d->container_path = xstrdup(s->container_path);
		d->host_path = dup_or_null(s->host_path);
		d->mode = s->mode;
		if (s->external) {
			d->external = xcalloc(1, sizeof(*d->external));
			d->external->name = xstrdup(s->external->name);
			d->external->provider = xstrdup(s->external->provider);
			kvs_copy(&d->external->options, &s->external->options);
		}
	}
	kvs_copy(&dst->parameters, &src->parameters);
	return dst;
}

struct job *job_copy(const struct job *src)
{
	struct job *dst = xcalloc(1, sizeof(*dst));

	*dst = *src; /* scalars; every pointer is replaced below */
	dst->name = xstrdup(src->name);
	for (size_t i = 0; i < ARRAY_LEN(TEXT_FIELDS); i++)
		*FIELD(dst, char *, TEXT_FIELDS[i].offset) =
			xstrdup(*FIELD(src, char *const, TEXT_FIELDS[i].offset));
	dst->run_as_user = xstrdup(src->run_as_user);
	dst->schedule = dup_or_null(src->schedule);
	dst->schedule_time_zone = dup_or_null(src->schedule_time_zone);
	strs_copy(&dst->arguments, &src->arguments);
	strs_copy(&dst->uris, &src->uris);
	strs_copy(&dst->parents, &src->parents);
	dst->fetch = src->nfetch ? xcalloc(src->nfetch, sizeof(*dst->fetch)) : NULL;
	for (size_t i = 0; i < src->nfetch; i++) {
		dst->fetch[i] = src->fetch[i];
		dst->fetch[i].uri = xstrdup(src->fetch[i].uri);
		dst->fetch[i].output_file = xstrdup(src->fetch[i].output_file);
	}
	kvs_copy(&dst->environment_variables, &src->environment_variables);
	dst->constraints =
		src->nconstraints ? xcalloc(src->nconstraints, sizeof(*dst->constraints)) : NULL;
	for (size_t i = 0; i < src->nconstraints; i++) {
		dst->constraints[i].attribute = xstrdup(src->constraints[i].attribute);
		dst->constraints[i].op = src->constraints[i].op;
		dst->constraints[i].value = xstrdup(src->constraints[i].value);
	}
	dst->container = container_copy(src->container);
	return dst;
}

void job_make_scheduled(struct job *job, const char *schedule, const char *time_zone)
{
	strs_free(&job->parents);
	job->kind = JOB_SCHEDULED;
	job_set_str(&job->schedule, schedule);
	job_set_str(&job->schedule_time_zone, time_zone);
}

void job_make_dependent(struct job *job, const char *const *parents, size_t nparents)
{
	struct job_strs fresh = { nparents ? xcalloc(nparents, sizeof(char *)) : NULL, 0 };

	for (size_t i = 0; i < nparents; i++)
		fresh.v[fresh.n++] = xstrdup(parents[i]);
	strs_dedupe(&fresh);
	strs_free(&job->parents);
	job->parents = fresh;
	free(job->schedule);
	free(job->schedule_time_zone);
	job->schedule = job->schedule_time_zone = NULL;
	job->kind = JOB_DEPENDENT;
}
