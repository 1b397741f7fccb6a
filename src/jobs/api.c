/*
 * jobs/api — the Chronos REST API of `agora jobs` (docs/chronos-api.md), served
 * under /v1/scheduler (3.x) and /scheduler (2.x), plus /ping, /metrics,
 * /leader and agora's own run history and log endpoints.
 *
 * Shape: the core http_server gets one catch-all route; api_dispatch()
 * then does, in this order, for every request:
 *   1. HTTP Basic when --http_credentials is set (every path, /ping too,
 *      realm --http_realm): the realm is a run-time flag while core route
 *      tables are static const, and one place also lets the 401 carry the
 *      CORS header like every other answer;
 *   2. prefix: /v1/scheduler/… and /scheduler/… select the scheduler
 *      routes, anything else the root routes;
 *   3. the first row of api_routes whose pattern matches segment by
 *      segment (":x" = one non-empty segment, handed to the handler) and
 *      whose methods include the request's; a pattern match with another
 *      method is 405 with Allow (OPTIONS gets 200 with Allow), no match 404.
 * Rows are ordered so Chronos' own paths win: GET /job/stat/runs is the
 * statistics of a job named "runs", not the runs of a job named "stat".
 *
 * Invariants:
 *  1. Every answer goes through reply_*() below, which adds
 *     Access-Control-Allow-Origin for an Origin listed in --cors_origins
 *     (Chronos' CorsFilter answers every origin; agora none by default).
 *     Bodies of POST/PUT/PATCH must be application/json (415).
 *  2. Errors are {"status":"<reason>","message":"..."}: 400 for every
 *     IllegalArgument-style failure, an unknown job included (never 404
 *     for a job); 500 when the store fails; 404 only for agora's run/log
 *     endpoints when a run or its sandbox does not exist.
 *  3. Durable before acknowledged: a mutation is committed to the store
 *     before its 204; when the store fails the answer is 500 and the jobs
 *     in memory are unchanged (DELETE: see delete_job()).
 *  4. Every query value is bounded and parsed strictly; the job body is
 *     parsed by job_parse (bounded, strict where it matters).
 *  5. GET …/logs is the one asynchronous handler: the request stays open
 *     while the agent's /files/read answers (core http client), and is
 *     answered exactly once from that callback.
 *
 * Runs on the service's one event loop.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/auth.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/log.h"
#include "core/mesos.h"
#include "core/store.h"
#include "core/util.h"
#include "core/version.h"
#include "jobs/service.h"

#define API_BODY_MAX (JOB_JSON_MAX + 4096)
#define API_QUERY_MAX 4096	 /* name/command/any of a search */
#define API_ARGS_MAX 65536	 /* ?arguments= of a manual run */
#define API_SEGMENTS_MAX 8
#define API_RUNS_DEFAULT 100
#define API_RUNS_MAX 10000
#define API_STAT_HISTORY 5	 /* Chronos' --job_history_limit default */
#define API_STAT_RUNS 10000	 /* runs a histogram is computed from */
#define LOG_READ_LENGTH 65536
#define LOG_AGENT_TIMEOUT 10.0	 /* seconds */

#define SCOPE_SCHED 1 /* under /v1/scheduler and /scheduler */
#define SCOPE_ROOT 2

struct api_call {
	struct jobsvc *s;
	struct http_req *r;
	const char *arg[2]; /* the ":x" segments of the pattern, in order */
};

typedef void (*api_fn)(struct api_call *c);

struct api_route {
	unsigned methods;
	const char *pattern;
	api_fn fn;
	unsigned scope;
};

static int64_t now_ms(void)
{
	return (int64_t)(now_wall() * 1000.0);
}

/* ---- replies: every one carries the CORS header ---- */

/*
 * Access-Control-Allow-Origin only for an Origin listed in --cors_origins
 * (or any, when it is "*"): by default a web page on another origin can
 * read nothing, and its "simple" cross-origin POSTs are refused by the
 * Content-Type check (415) before they do anything.
 */
static bool origin_allowed(const char *list, const char *origin)
{
	size_t n = strlen(origin);

	if (!list || !n)
		return false;
	for (const char *p = list; *p;) {
		size_t len = strcspn(p, ",");
		const char *q = p;
		size_t l = len;
		while (l && *q == ' ')
			q++, l--;
		while (l && q[l - 1] == ' ')
			l--;
		if (l == n && !strncmp(q, origin, n))
			return true;
		p += len + (p[len] == ',');
	}
	return false;
}

static void cors(struct http_req *r)
{
	struct jobsvc *s = http_handler_arg(r);
	const char *list = s ? s->flags.cors_origins : NULL;
	const char *origin;

	if (!list)
		return;
	if (!strcmp(list, "*")) {
		http_add_header(r, "Access-Control-Allow-Origin", "*");
		return;
	}
	origin = http_header(r, "Origin");
	if (origin && origin_allowed(list, origin)) {
		http_add_header(r, "Access-Control-Allow-Origin", origin);
		http_add_header(r, "Vary", "Origin");
	}
}

static void reply_json(struct http_req *r, int code, json_t *body)
{
	cors(r);
	http_reply_json(r, code, body);
}

static void reply_text(struct http_req *r, int code, const char *text)
{
	cors(r);
	http_reply_raw(r, code, "text/plain; charset=utf-8", text, strlen(text));
}

static void reply_empty(struct http_req *r, int code)
{
	cors(r);
	http_reply_empty(r, code);
}

static const char *status_phrase(int code)
{
	switch (code) {
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 415: return "Unsupported Media Type";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	default: return "Internal Server Error";
	}
}

static void reply_error(struct http_req *r, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void reply_error(struct http_req *r, int code, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	reply_json(r, code, json_pack("{s:s, s:s}", "status", status_phrase(code), "message", msg));
}

/* The job named by the path, or a 400 (Chronos: require(...) → IllegalArgument). */
static struct job_entry *job_or_400(struct api_call *c, const char *name)
{
	struct job_entry *e = map_get(&c->s->jobs, name);
	if (!e)
		reply_error(c->r, 400, "requirement failed: Job '%.300s' not found", name);
	return e;
}

/* ---- query values ---- */

/* ?name= as an integer in [min, max]; absent leaves *out. 0, or -1 after a 400. */
static int query_int(struct http_req *r, const char *name, int64_t min, int64_t max,
		     int64_t *out)
{
	const char *v = http_query(r, name);
	int64_t n;

	if (!v)
		return 0;
	if (strnlen(v, 32) >= 32 || parse_int64(v, &n) < 0) {
		reply_error(r, 400, "%s: expected an integer, got '%.40s'", name, v);
		return -1;
	}
	if (n < min || n > max) {
		reply_error(r, 400, "%s: must be between %lld and %lld, got %lld", name,
			    (long long)min, (long long)max, (long long)n);
		return -1;
	}
	*out = n;
	return 0;
}

/* ?name= of at most max bytes, or NULL when absent; -1 after a 400. */
static int query_str(struct http_req *r, const char *name, size_t max, const char **out)
{
	const char *v = http_query(r, name);
	if (v && strnlen(v, max + 1) > max) {
		reply_error(r, 400, "%s: longer than %zu bytes", name, max);
		return -1;
	}
	*out = v;
	return 0;
}

/* ---- listings ---- */

static void h_jobs(struct api_call *c)
{
	size_t n;
	struct job_entry **v = graph_sorted_entries(c->s, &n);
	json_t *arr = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, engine_job_json(v[i], true));
	free(v);
	reply_json(c->r, 200, arr);
}

static bool icontains(const char *haystack, const char *needle)
{
	size_t n = strlen(needle);
	for (const char *p = haystack ? haystack : ""; *p; p++)
		if (!strncasecmp(p, needle, n))
			return true;
	return n == 0;
}

/*
 * GET /jobs/search, with Chronos' quirk: `any` only rescues a job that `name` or
 * `command` rejected, so with `any` alone every job matches.
 */
static bool search_match(const struct job *job, const char *name, const char *command,
			 const char *any)
{
	bool valid = true;
	if (name && *name && !icontains(job->name, name))
		valid = false;
	if (command && *command && !icontains(job->command, command))
		valid = false;
	if (!valid && any && *any && (icontains(job->name, any) || icontains(job->command, any)))
		valid = true;
	return valid;
}

static void h_search(struct api_call *c)
{
	const char *name, *command, *any;
	int64_t limit = 10, offset = 0, end, seen = 0;
	struct job_entry **v;
	json_t *arr;
	size_t n;

	if (query_str(c->r, "name", API_QUERY_MAX, &name) < 0 ||
	    query_str(c->r, "command", API_QUERY_MAX, &command) < 0 ||
	    query_str(c->r, "any", API_QUERY_MAX, &any) < 0 ||
	    query_int(c->r, "limit", INT32_MIN, INT32_MAX, &limit) < 0 ||
	    query_int(c->r, "offset", INT32_MIN, INT32_MAX, &offset) < 0)
		return;
	end = offset + limit; /* Scala's slice(offset, offset + limit) */
	if (offset < 0)
		offset = 0;
	v = graph_sorted_entries(c->s, &n);
	arr = json_array();
	for (size_t i = 0; i < n; i++) {
		if (!search_match(v[i]->job, name, command, any))
			continue;
		if (seen >= offset && seen < end)
			json_array_append_new(arr, engine_job_json(v[i], false));
		seen++;
	}
	free(v);
	reply_json(c->r, 200, arr);
}

static json_t *parents_json(const struct job *job)
{
	json_t *arr = json_array();
	if (job->kind == JOB_DEPENDENT)
		for (size_t i = 0; i < job->parents.n; i++)
			json_array_append_new(arr, json_string(job->parents.v[i]));
	return arr;
}

/* GET /jobs/summary, plus agora's pendingReason ("" only while the job runs). */
static void h_summary(struct api_call *c)
{
	size_t n;
	struct job_entry **v = graph_sorted_entries(c->s, &n);
	json_t *jobs = json_array();
	char state[64], reason[sizeof(v[0]->pending_reason)];

	for (size_t i = 0; i < n; i++) {
		const struct job *job = v[i]->job;
		engine_job_state(v[i], state, sizeof(state));
		engine_pending_reason(v[i], reason, sizeof(reason));
		json_array_append_new(
			jobs, json_pack("{s:s, s:s, s:s, s:s, s:o, s:b, s:s}", "name", job->name,
					"status", engine_job_status(v[i]), "state", state,
					"schedule",
					job->kind == JOB_SCHEDULED && job->schedule ? job->schedule
										    : "",
					"parents", parents_json(job), "disabled", job->disabled,
					"pendingReason", reason));
	}
	free(v);
	reply_json(c->r, 200, json_pack("{s:o}", "jobs", jobs));
}

static void h_get_job(struct api_call *c)
{
	struct job_entry *e = job_or_400(c, c->arg[0]);
	if (e)
		reply_json(c->r, 200, engine_job_json(e, false));
}

/* ---- create / replace (docs/chronos-api.md, "Creating and replacing a job") ---- */

static int check_dependent(struct jobsvc *s, const struct job *job, char *err, size_t errlen)
{
	if (!job->parents.n) {
		snprintf(err, errlen, "Error, parent does not exist");
		return -EINVAL;
	}
	for (size_t i = 0; i < job->parents.n; i++) {
		if (!strcmp(job->parents.v[i], job->name)) {
			snprintf(err, errlen, "job %s cannot be its own parent", job->name);
			return -EINVAL;
		}
		if (!map_get(&s->jobs, job->parents.v[i])) {
			snprintf(err, errlen,
				 "requirement failed: JobSchedule %s does not have all parents "
				 "defined! (no job named '%s')",
				 job->name, job->parents.v[i]);
			return -EINVAL;
		}
	}
	if (graph_would_cycle(s, job->name, &job->parents)) {
		snprintf(err, errlen,
			 "job %s: these parents would make a dependency cycle (a parent depends on "
			 "%s)",
			 job->name, job->name);
		return -EINVAL;
	}
	return 0;
}

/*
 * What creating a job checks beyond job_parse (which already did the name, uris vs
 * fetch and every field). The job's kind decides, not the endpoint: the
 * body is type-sniffed (parents → dependent) whichever endpoint it came to.
 */
static int check_job(struct jobsvc *s, const struct job *job, char *err, size_t errlen)
{
	struct schedule sched;

	if (job->kind == JOB_DEPENDENT)
		return check_dependent(s, job, err, errlen);
	/* "Cannot parse schedule '…' (why)", or the start before 1970-01-01T00:00:01Z */
	return engine_parse_schedule(s, job, &sched, err, errlen);
}

/* The edge counters the replaced job keeps: those of parents it still has. */
static json_t *kept_edges(const struct job_entry *e, const struct job *job)
{
	json_t *edges = json_object();
	if (job->kind != JOB_DEPENDENT)
		return edges;
	for (size_t i = 0; i < job->parents.n; i++) {
		json_t *v = json_object_get(e->edges, job->parents.v[i]);
		if (v)
			json_object_set(edges, job->parents.v[i], v);
	}
	return edges;
}

/* Stores job (owned) as a new job or in place of e's; 0 or -EIO (job freed). */
static int save_job(struct jobsvc *s, struct job_entry *e, struct job *job)
{
	struct job_entry tmp;
	struct job *old;
	int r;

	memset(&tmp, 0, sizeof(tmp));
	tmp.job = job;
	tmp.edges = e ? kept_edges(e, job) : json_object();
	jstore_flush(s); /* an open batch of run updates commits first */
	r = jstore_put_job(s, &tmp);
	json_decref(tmp.edges);
	if (r < 0) {
		log_error("jobs: cannot store job %s; the request is refused", job->name);
		job_free(job);
		return -EIO;
	}
	if (!e) {
		engine_add_entry(s, job);
		log_info("jobs: job %s created (%s)", job->name,
			 job->kind == JOB_DEPENDENT ? "dependent" : job->schedule);
		return 0;
	}
	old = e->job;
	e->job = job; /* runtime state (queued, running, edges) stays with the entry */
	job_free(old);
	engine_job_changed(s, e);
	log_info("jobs: job %s replaced", job->name);
	return 0;
}

static void h_put_job(struct api_call *c)
{
	struct jobsvc *s = c->s;
	struct job *job = NULL;
	struct jerr je;
	const char *body;
	char err[1024];
	size_t len;

	body = http_body(c->r, &len);
	if (!body) {
		reply_error(c->r, 400, "the request has no body; expected a Chronos job (JSON)");
		return;
	}
	if (job_parse(body, len, &s->defaults, now_ms(), &job, &je) < 0) {
		reply_error(c->r, 400, "%s", je.msg);
		return;
	}
	if (check_job(s, job, err, sizeof(err)) < 0) {
		job_free(job);
		reply_error(c->r, 400, "%s", err);
		return;
	}
	if (save_job(s, map_get(&s->jobs, job->name), job) < 0) {
		reply_error(c->r, 500, "cannot store the job (see the agora jobs log)");
		return;
	}
	reply_empty(c->r, 204);
}

/* ---- job actions ---- */

static void h_run(struct api_call *c)
{
	struct job_entry *e = job_or_400(c, c->arg[0]);
	const char *args;

	if (!e || query_str(c->r, "arguments", API_ARGS_MAX, &args) < 0)
		return;
	log_info("jobs: job %s triggered manually%s%s", e->job->name, args ? " with arguments " : "",
		 args ? args : "");
	engine_run_now(c->s, e, args);
	reply_empty(c->r, 204);
}

/*
 * DELETE /job/{name}: delete, re-parent the children ("Dependent jobs" in
 * docs/chronos-api.md), kill its tasks. The
 * deletion and the children's new documents commit in one transaction,
 * so a crash never leaves a child pointing at a deleted parent. If the
 * commit itself fails the store is unchanged but the children may already
 * be re-parented in memory (graph_reparent_children cannot be undone);
 * the job itself stays, and the answer is 500.
 */
static void h_delete(struct api_call *c)
{
	struct jobsvc *s = c->s;
	struct job_entry *e = job_or_400(c, c->arg[0]);
	char name[JOB_NAME_MAX + 1];

	if (!e)
		return;
	str_copy(name, e->job->name, sizeof(name));
	jstore_flush(s);
	if (store_begin(s->db) < 0) {
		reply_error(c->r, 500, "cannot delete job %s: the store is unavailable", name);
		return;
	}
	if (jstore_delete_job(s, name) < 0) {
		store_rollback(s->db);
		reply_error(c->r, 500, "cannot delete job %s from the store", name);
		return;
	}
	graph_reparent_children(s, e);
	if (store_commit(s->db) < 0) {
		store_rollback(s->db);
		log_error("jobs: deleting job %s did not commit; it stays", name);
		reply_error(c->r, 500, "cannot delete job %s from the store", name);
		return;
	}
	engine_remove_entry(s, e); /* kills its tasks, drops its queued run */
	log_info("jobs: job %s deleted", name);
	reply_empty(c->r, 204);
}

static void h_kill(struct api_call *c)
{
	struct job_entry *e = job_or_400(c, c->arg[0]);
	int n;

	if (!e)
		return;
	n = engine_kill_job(c->s, e);
	log_info("jobs: kill requested for job %s: %d task(s)", e->job->name, n);
	reply_empty(c->r, 204);
}

static void h_success(struct api_call *c)
{
	struct job_entry *e = job_or_400(c, c->arg[0]);
	char text[JOB_NAME_MAX + 64];

	if (!e)
		return;
	engine_mark_success(c->s, e);
	if (jstore_flush(c->s) < 0) { /* the engine batches its writes; 200 means stored */
		reply_error(c->r, 500, "cannot store job %s", e->job->name);
		return;
	}
	snprintf(text, sizeof(text), "marked job %s as successful: true", e->job->name);
	reply_text(c->r, 200, text);
}

/* POST /job/{name}/task/{id}/progress: validated like Chronos; the counts are not kept (no Cassandra). */
static void h_progress(struct api_call *c)
{
	struct job_entry *e = job_or_400(c, c->arg[0]);
	char name[JOB_NAME_MAX + 1];
	int64_t due, count = 0;
	unsigned attempt;
	struct jerr je;
	json_t *doc = NULL;
	const char *body;
	size_t len;

	if (!e)
		return;
	if (job_task_id_parse(c->arg[1], &due, &attempt, name, sizeof(name), NULL) < 0 ||
	    strcmp(name, e->job->name)) {
		reply_error(c->r, 400, "Invalid task id format %.300s", c->arg[1]);
		return;
	}
	if (!e->job->data_processing_job_type) {
		reply_error(c->r, 400, "JobSchedule '%s' is not enabled to track data", name);
		return;
	}
	body = http_body(c->r, &len);
	if (body && !(doc = json_parse_bounded(body, len, 4096, "body", &je))) {
		reply_error(c->r, 400, "%s", je.msg);
		return;
	}
	if (doc && jget_int64(doc, "numAdditionalElementsProcessed", NULL, false, &count, &je) < 0)
		reply_error(c->r, 400, "%s", je.msg);
	else if (count < 0)
		reply_error(c->r, 400, "numAdditionalElementsProcessed (%lld) is not positive",
			    (long long)count);
	else
		reply_empty(c->r, 204);
	json_decref(doc);
}

/* ---- statistics: GET /job/stat/{name}, GET /stats/{percentile} ---- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Codahale's Snapshot.getValue: linear interpolation at q·(n+1). v sorted. */
static double quantile(const double *v, size_t n, double q)
{
	double pos = q * (double)(n + 1), lower, upper;
	size_t i;

	if (!n)
		return 0.0;
	if (pos < 1)
		return v[0];
	if (pos >= (double)n)
		return v[n - 1];
	i = (size_t)pos;
	lower = v[i - 1];
	upper = v[i];
	return lower + (pos - floor(pos)) * (upper - lower);
}

static bool run_succeeded(const json_t *run)
{
	const char *state = json_string_value(json_object_get(run, "state"));
	return mesos_task_state_parse(state) == TASK_FINISHED;
}

/* Histogram of successful run times in ms (Chronos' JobMetrics histogram). */
static json_t *histogram_json(const json_t *runs)
{
	size_t n = 0, i;
	double *ms = xcalloc(json_array_size(runs) + 1, sizeof(*ms)), sum = 0;
	json_t *run, *o;

	json_array_foreach(runs, i, run) {
		json_t *end = json_object_get(run, "end");
		if (!run_succeeded(run) || !json_is_number(end))
			continue;
		ms[n] = (json_number_value(end) -
			 json_number_value(json_object_get(run, "start"))) * 1000.0;
		if (ms[n] < 0)
			ms[n] = 0;
		sum += ms[n++];
	}
	qsort(ms, n, sizeof(*ms), cmp_double);
	o = json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:I}", "75thPercentile",
		      quantile(ms, n, 0.75), "95thPercentile", quantile(ms, n, 0.95),
		      "98thPercentile", quantile(ms, n, 0.98), "99thPercentile",
		      quantile(ms, n, 0.99), "median", quantile(ms, n, 0.5), "mean",
		      n ? sum / (double)n : 0.0, "count", (json_int_t)n);
	free(ms);
	return o;
}

/* MM/dd/yy HH:mm:ss (UTC), or "N/A". */
static void stat_time(const json_t *v, char *buf, size_t size)
{
	time_t t;
	struct tm tm;

	if (!json_is_number(v) || json_number_value(v) <= 0) {
		str_copy(buf, "N/A", size);
		return;
	}
	t = (time_t)json_number_value(v);
	if (!gmtime_r(&t, &tm)) {
		str_copy(buf, "N/A", size);
		return;
	}
	snprintf(buf, size, "%02d/%02d/%02d %02d:%02d:%02d", tm.tm_mon + 1, tm.tm_mday,
		 tm.tm_year % 100, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static const char *stat_status(const char *state)
{
	int s;

	if (!state || !*state)
		return "Idle";
	s = mesos_task_state_parse(state);
	if (s == TASK_FINISHED)
		return "Success";
	if (s >= 0 && mesos_task_state_live((enum mesos_task_state)s))
		return "Running";
	return "Fail";
}

static json_t *task_stat_json(const char *job_name, const json_t *run)
{
	json_t *start = json_object_get(run, "start"), *end = json_object_get(run, "end"), *o;
	char st[32], et[32], dur[64];
	const char *agent = json_string_value(json_object_get(run, "agent_id"));
	const char *task = json_string_value(json_object_get(run, "task_id"));

	stat_time(start, st, sizeof(st));
	stat_time(end, et, sizeof(et));
	o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "taskId", task ? task : "", "jobName",
		      job_name, "slaveId", agent ? agent : "", "startTime", st, "endTime", et);
	if (json_is_number(start) && json_is_number(end)) {
		double secs = json_number_value(end) - json_number_value(start);
		long long t = secs > 0 ? (long long)secs : 0;
		snprintf(dur, sizeof(dur), "%lldd%lldh%lldm%llds", t / 86400, t / 3600 % 24,
			 t / 60 % 60, t % 60);
		json_object_set_new(o, "duration", json_string(dur));
	}
	json_object_set_new(
		o, "status",
		json_string(stat_status(json_string_value(json_object_get(run, "state")))));
	return o;
}

static void h_stat(struct api_call *c)
{
	struct job_entry *e = job_or_400(c, c->arg[0]);
	json_t *runs, *history, *run;
	size_t i;

	if (!e)
		return;
	runs = jstore_runs_json(c->s, e->job->name, API_STAT_RUNS);
	history = json_array();
	json_array_foreach(runs, i, run) {
		if (i >= API_STAT_HISTORY)
			break;
		json_array_append_new(history, task_stat_json(e->job->name, run));
	}
	reply_json(c->r, 200, json_pack("{s:o, s:o}", "histogram", histogram_json(runs),
					 "taskStatHistory", history));
	json_decref(runs);
}

static int by_time_desc(const void *a, const void *b)
{
	double x = json_number_value(json_object_get(*(json_t *const *)a, "time"));
	double y = json_number_value(json_object_get(*(json_t *const *)b, "time"));
	return x > y ? -1 : x < y;
}

/* GET /stats/{percentile}: jobs that have run successfully, by that percentile, slowest first. */
static void h_stats(struct api_call *c)
{
	static const char *const known[] = { "99thPercentile", "98thPercentile", "95thPercentile",
					     "75thPercentile", "median", "mean" };
	const char *pct = c->arg[0];
	size_t n, i, k, found = 0;
	struct job_entry **v;
	json_t **rows, *out = json_array();

	for (k = 0; k < ARRAY_LEN(known) && strcmp(known[k], pct); k++)
		;
	if (k == ARRAY_LEN(known)) { /* Chronos answers [] for a metric it lacks */
		reply_json(c->r, 200, out);
		return;
	}
	v = graph_sorted_entries(c->s, &n);
	rows = xcalloc(n + 1, sizeof(*rows));
	for (i = 0; i < n; i++) {
		json_t *runs = jstore_runs_json(c->s, v[i]->job->name, API_STAT_RUNS);
		json_t *h = histogram_json(runs);
		if (json_integer_value(json_object_get(h, "count")) > 0)
			rows[found++] = json_pack(
				"{s:s, s:f}", "jobNameLabel", v[i]->job->name, "time",
				json_number_value(json_object_get(h, pct)) / 1000.0);
		json_decref(h);
		json_decref(runs);
	}
	qsort(rows, found, sizeof(*rows), by_time_desc);
	for (i = 0; i < found; i++)
		json_array_append_new(out, rows[i]);
	free(rows);
	free(v);
	reply_json(c->r, 200, out);
}

/* ---- graph, leader, ping, metrics ---- */

static void h_dot(struct api_call *c)
{
	char *text = graph_dot(c->s);
	reply_text(c->r, 200, text);
	free(text);
}

static void h_csv(struct api_call *c)
{
	char *text = graph_csv(c->s);
	reply_text(c->r, 200, text);
	free(text);
}

static void h_leader(struct api_call *c)
{
	struct jobsvc *s = c->s;
	char host[256], leader[320];
	const char *addr = s->flags.http_address;

	if (s->flags.hostname && *s->flags.hostname)
		str_copy(host, s->flags.hostname, sizeof(host));
	else if (addr && *addr && strcmp(addr, "0.0.0.0") && strcmp(addr, "::"))
		str_copy(host, addr, sizeof(host));
	else if (gethostname(host, sizeof(host)) < 0)
		str_copy(host, "localhost", sizeof(host));
	host[sizeof(host) - 1] = '\0';
	snprintf(leader, sizeof(leader), "%s:%u", host, s->http_port);
	{
		json_t *doc = json_pack("{s:s}", "leader", leader);
		/* --no-authenticate_http: said where people look (agora's addition) */
		if (s->auth_warning[0])
			json_object_set_new(doc, "warning", json_string(s->auth_warning));
		reply_json(c->r, 200, doc);
	}
}

static void h_ping(struct api_call *c)
{
	reply_text(c->r, 200, "pong\n");
}

static json_t *gauge(json_t *v)
{
	return json_pack("{s:o}", "value", v);
}

/* Codahale/Dropwizard's JSON shape, with the few numbers agora keeps. */
static void h_metrics(struct api_call *c)
{
	struct jobsvc *s = c->s;
	json_t *g = json_object();

	json_object_set_new(g, "jobs.count", gauge(json_integer((json_int_t)map_count(&s->jobs))));
	json_object_set_new(g, "jobs.queued", gauge(json_integer((json_int_t)s->queued_count)));
	json_object_set_new(g, "jobs.tasks_running",
			    gauge(json_integer((json_int_t)map_count(&s->runs))));
	json_object_set_new(g, "framework.subscribed", gauge(json_boolean(s->subscribed)));
	json_object_set_new(g, "framework.offers_seen", gauge(json_integer(s->offers_seen)));
	json_object_set_new(g, "uptime_secs", gauge(json_real(now_wall() - s->start_time)));
	reply_json(c->r, 200, json_pack("{s:s, s:o, s:{}, s:{}, s:{}, s:{}}", "version", "3.0.0",
					 "gauges", g, "counters", "histograms", "meters",
					 "timers"));
}

/* ---- agora: run history and logs ---- */

static void h_runs(struct api_call *c)
{
	struct job_entry *e = job_or_400(c, c->arg[0]);
	int64_t limit = API_RUNS_DEFAULT;

	if (!e || query_int(c->r, "limit", 1, API_RUNS_MAX, &limit) < 0)
		return;
	reply_json(c->r, 200, json_pack("{s:o}", "runs",
					 jstore_runs_json(c->s, e->job->name, (int)limit)));
}

struct log_req {
	struct http_req *r;
	struct http_client *client;
	json_t *run; /* the store's row */
	char file[8];
};

/* Bytes of the file a /files/read `data` string stands for (UTF-8 kept as is). */
static int64_t data_bytes(const json_t *data)
{
	return (int64_t)json_string_length(data);
}

static void on_agent_read(int status, const char *body, size_t len, struct evkeyvalq *headers,
			  void *arg)
{
	struct log_req *q = arg;
	const char *agent = json_string_value(json_object_get(q->run, "agent_url"));
	json_t *doc = status == 200 ? json_loadb(body, len, 0, NULL) : NULL;
	json_t *data = doc ? json_object_get(doc, "data") : NULL;
	(void)headers;

	if (json_is_string(data) && json_is_integer(json_object_get(doc, "offset"))) {
		int64_t offset = json_integer_value(json_object_get(doc, "offset"));
		json_object_set(doc, "run_id", json_object_get(q->run, "run_id"));
		json_object_set(doc, "task_id", json_object_get(q->run, "task_id"));
		json_object_set(doc, "state", json_object_get(q->run, "state"));
		json_object_set_new(doc, "next_offset", json_integer(offset + data_bytes(data)));
		reply_json(q->r, 200, json_incref(doc));
	} else if (status == 404) {
		reply_error(q->r, 404, "%s is not in the sandbox on agent %s (not written yet, or "
				       "removed by the agent's garbage collection)",
			    q->file, agent);
	} else if (status == 0) {
		reply_error(q->r, 503, "the agent at %s did not answer", agent);
	} else {
		reply_error(q->r, 502, "the agent at %s answered HTTP %d: %.200s", agent, status,
			    body);
	}
	json_decref(doc);
	json_decref(q->run);
	http_client_free_later(q->client);
	free(q);
}

/* Starts GET <agent>/files/read for the run; 0, or -1 after replying. */
static int log_request(struct jobsvc *s, struct log_req *q, int64_t offset)
{
	const char *url = json_string_value(json_object_get(q->run, "agent_url"));
	const char *sandbox = json_string_value(json_object_get(q->run, "sandbox"));
	char host[256], path[4200], uri[16384], cred[1024], auth[1500];
	const char *headers[] = { "Authorization", auth, NULL };
	unsigned port = 0;
	char *enc, *b64;

	if (!url || sscanf(url, "http://%255[^:/]:%u", host, &port) != 2 || !port || port > 65535) {
		reply_error(q->r, 404, "run %lld has no agent address yet",
			    (long long)json_integer_value(json_object_get(q->run, "run_id")));
		return -1;
	}
	if (str_printf(path, sizeof(path), "%s/%s", sandbox, q->file) < 0) {
		reply_error(q->r, 500, "the sandbox path is too long");
		return -1;
	}
	enc = evhttp_uriencode(path, -1, 0);
	str_printf(uri, sizeof(uri), "/files/read?path=%s&offset=%lld&length=%d", enc,
		   (long long)offset, LOG_READ_LENGTH);
	free(enc);
	snprintf(cred, sizeof(cred), "%s:%s",
		 s->flags.mesos_authentication_principal ? s->flags.mesos_authentication_principal
							 : "",
		 s->mesos_secret ? s->mesos_secret : "");
	b64 = base64_encode(cred, strlen(cred));
	snprintf(auth, sizeof(auth), "Basic %s", b64);
	free(b64);
	if (!s->flags.mesos_authentication_principal)
		headers[0] = NULL;
	q->client = http_client_new(s->base, host, (uint16_t)port, LOG_AGENT_TIMEOUT);
	if (!http_client_request(q->client, EVHTTP_REQ_GET, uri, headers, NULL, 0, on_agent_read,
				 NULL, q)) {
		http_client_free(q->client);
		reply_error(q->r, 503, "cannot connect to the agent at %s", url);
		return -1;
	}
	return 0;
}

/* 404 with the run's id and state, so a follower knows whether to wait. */
static void no_sandbox(struct http_req *r, const char *name, const json_t *run)
{
	char msg[600];
	const char *state = json_string_value(json_object_get(run, "state"));

	snprintf(msg, sizeof(msg), "run %lld of job %s has no sandbox yet (state %s)",
		 (long long)json_integer_value(json_object_get(run, "run_id")), name,
		 state ? state : "?");
	reply_json(r, 404, json_pack("{s:s, s:s, s:O, s:s}", "status", "Not Found", "message",
				      msg, "run_id", json_object_get(run, "run_id"), "state",
				      state ? state : ""));
}

/* GET …/job/<name>/logs?file=stdout|stderr&offset=N&run=<id> */
static void h_logs(struct api_call *c)
{
	struct job_entry *e = job_or_400(c, c->arg[0]);
	const char *file = http_query(c->r, "file");
	int64_t offset = 0, run_id = -1;
	const char *sandbox;
	struct log_req *q;
	json_t *run;

	if (!e)
		return;
	if (file && strcmp(file, "stdout") && strcmp(file, "stderr")) {
		reply_error(c->r, 400, "file: expected stdout or stderr, got '%.40s'", file);
		return;
	}
	if (query_int(c->r, "offset", 0, INT64_MAX / 2, &offset) < 0 ||
	    query_int(c->r, "run", 1, INT64_MAX, &run_id) < 0)
		return;
	run = jstore_run_json(c->s, e->job->name, run_id);
	if (!run) {
		if (run_id < 0)
			reply_error(c->r, 404, "job %s has not run yet", e->job->name);
		else
			reply_error(c->r, 404, "job %s has no run %lld", e->job->name,
				    (long long)run_id);
		return;
	}
	sandbox = json_string_value(json_object_get(run, "sandbox"));
	if (!sandbox || !*sandbox) {
		no_sandbox(c->r, e->job->name, run);
		json_decref(run);
		return;
	}
	q = xcalloc(1, sizeof(*q));
	q->r = c->r;
	q->run = run;
	str_copy(q->file, file ? file : "stdout", sizeof(q->file));
	if (log_request(c->s, q, offset) < 0) {
		json_decref(run);
		free(q);
	}
}

/* ---- routing ---- */

#define GET EVHTTP_REQ_GET
#define PUT EVHTTP_REQ_PUT
#define POST EVHTTP_REQ_POST
#define DELETE EVHTTP_REQ_DELETE

static const struct api_route api_routes[] = {
	{ GET, "/jobs", h_jobs, SCOPE_SCHED },
	{ GET, "/jobs/search", h_search, SCOPE_SCHED },
	{ GET, "/jobs/summary", h_summary, SCOPE_SCHED },
	{ POST | PUT, "/iso8601", h_put_job, SCOPE_SCHED },
	{ POST | PUT, "/dependency", h_put_job, SCOPE_SCHED },
	{ GET, "/job/stat/:name", h_stat, SCOPE_SCHED },
	{ PUT, "/job/success/:name", h_success, SCOPE_SCHED },
	{ POST, "/job/:name/task/:task/progress", h_progress, SCOPE_SCHED },
	{ GET, "/job/:name/runs", h_runs, SCOPE_SCHED },
	{ GET, "/job/:name/logs", h_logs, SCOPE_SCHED },
	{ GET, "/job/:name", h_get_job, SCOPE_SCHED },
	{ PUT, "/job/:name", h_run, SCOPE_SCHED },
	{ DELETE, "/job/:name", h_delete, SCOPE_SCHED },
	{ DELETE, "/task/kill/:name", h_kill, SCOPE_SCHED },
	{ GET, "/stats/:pct", h_stats, SCOPE_SCHED },
	{ GET, "/graph/dot", h_dot, SCOPE_SCHED },
	{ GET, "/graph/csv", h_csv, SCOPE_SCHED },
	{ GET, "/leader", h_leader, SCOPE_SCHED | SCOPE_ROOT },
	{ GET, "/ping", h_ping, SCOPE_ROOT },
	{ GET, "/metrics", h_metrics, SCOPE_ROOT },
};

/* Splits path ("/a/b/") into at most API_SEGMENTS_MAX segments inside buf. */
static int split_path(const char *path, char *buf, size_t size, char **seg)
{
	int n = 0;
	char *p;

	if (str_copy(buf, path, size) >= size)
		return -1;
	p = buf;
	while (*p) {
		while (*p == '/')
			*p++ = '\0';
		if (!*p)
			break;
		if (n == API_SEGMENTS_MAX)
			return -1;
		seg[n++] = p;
		while (*p && *p != '/')
			p++;
	}
	return n;
}

static bool route_matches(const char *pattern, char **seg, int nseg, const char **args)
{
	char buf[128], *pat[API_SEGMENTS_MAX];
	int n = split_path(pattern, buf, sizeof(buf), pat), nargs = 0;

	if (n != nseg)
		return false;
	for (int i = 0; i < n; i++) {
		if (pat[i][0] == ':') {
			if (nargs < 2)
				args[nargs++] = seg[i];
		} else if (strcmp(pat[i], seg[i])) {
			return false;
		}
	}
	return true;
}

static bool authorized(struct jobsvc *s, struct http_req *r)
{
	const char *hdr = http_header(r, "Authorization");
	char user[256], pass[256];
	bool ok;

	if (!s->http_auth)
		return true;
	if (!hdr || http_basic_parse(hdr, user, sizeof(user), pass, sizeof(pass)) < 0)
		return false;
	/*
	 * Both compared in constant time and always both, so the time says
	 * neither which one was wrong nor how much of it was right.
	 */
	ok = auth_streq(user, s->http_user);
	ok = auth_streq(pass, s->http_pass) && ok;
	explicit_bzero(pass, sizeof(pass));
	if (!ok)
		log_info("jobs: HTTP %s from %s: wrong credentials for user '%.64s'", r->path,
			 http_peer(r), user);
	return ok;
}

static void method_list(unsigned methods, char *buf, size_t size)
{
	static const struct { unsigned m; const char *name; } names[] = {
		{ GET, "GET" }, { POST, "POST" }, { PUT, "PUT" }, { DELETE, "DELETE" } };
	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		if (!(methods & names[i].m))
			continue;
		if (buf[0])
			str_append(buf, ", ", size);
		str_append(buf, names[i].name, size);
	}
	if (methods)
		str_append(buf, ", OPTIONS", size);
}

static const char *method_name(enum evhttp_cmd_type m)
{
	switch (m) {
	case EVHTTP_REQ_GET: return "GET";
	case EVHTTP_REQ_POST: return "POST";
	case EVHTTP_REQ_PUT: return "PUT";
	case EVHTTP_REQ_DELETE: return "DELETE";
	case EVHTTP_REQ_HEAD: return "HEAD";
	case EVHTTP_REQ_PATCH: return "PATCH";
	default: return "this method";
	}
}

/* The scope of a path and the rest of it after the scheduler prefix. */
static unsigned path_scope(const char *path, const char **rest)
{
	static const char *const prefixes[] = { "/v1/scheduler", "/scheduler" };
	for (size_t i = 0; i < ARRAY_LEN(prefixes); i++) {
		size_t n = strlen(prefixes[i]);
		if (!strncmp(path, prefixes[i], n) && (path[n] == '/' || !path[n])) {
			*rest = path + n;
			return SCOPE_SCHED;
		}
	}
	*rest = path;
	return SCOPE_ROOT;
}

static void no_route(struct http_req *r, unsigned allowed)
{
	char allow[128];

	if (!allowed) {
		cors(r);
		http_reply_text(r, 404, "No such endpoint: %.300s", r->path);
		return;
	}
	method_list(allowed, allow, sizeof(allow));
	http_add_header(r, "Allow", allow);
	if (http_method(r) == EVHTTP_REQ_OPTIONS) {
		struct jobsvc *s = http_handler_arg(r);
		const char *origin = http_header(r, "Origin");
		const char *list = s->flags.cors_origins;
		if (list && (!strcmp(list, "*") || (origin && origin_allowed(list, origin)))) {
			http_add_header(r, "Access-Control-Allow-Methods", allow);
			http_add_header(r, "Access-Control-Allow-Headers",
					"Content-Type, Authorization");
		}
		reply_empty(r, 200);
		return;
	}
	reply_error(r, 405, "%s is not allowed on %.300s; allowed: %s", method_name(http_method(r)),
		    r->path, allow);
}

/*
 * A POST always, and a PUT or PATCH with a body, must say
 * Content-Type: application/json (as the master's API does): a web page
 * can send a cross-origin POST of text/plain or a form without asking
 * (no CORS preflight), never one of application/json.
 */
static bool body_type_ok(struct http_req *r)
{
	enum evhttp_cmd_type m = http_method(r);
	char ct[64];
	size_t len = 0;

	if (m != EVHTTP_REQ_POST && m != EVHTTP_REQ_PUT && m != EVHTTP_REQ_PATCH)
		return true;
	if (m != EVHTTP_REQ_POST && (!http_body(r, &len) || !len))
		return true;
	http_content_type(r, ct, sizeof(ct));
	return !strcmp(ct, "application/json");
}

static void api_dispatch(struct http_req *r, void *arg)
{
	struct jobsvc *s = arg;
	char buf[sizeof(r->path_buf)], *seg[API_SEGMENTS_MAX];
	struct api_call c = { s, r, { NULL, NULL } };
	unsigned scope, allowed = 0;
	const char *rest;
	int nseg;

	if (!authorized(s, r)) {
		cors(r);
		http_reply_unauthorized(r, s->flags.http_realm ? s->flags.http_realm : "Mesosphere");
		return;
	}
	scope = path_scope(r->path, &rest);
	nseg = split_path(rest, buf, sizeof(buf), seg);
	for (size_t i = 0; nseg >= 0 && i < ARRAY_LEN(api_routes); i++) {
		const struct api_route *rt = &api_routes[i];
		if (!(rt->scope & scope) || !route_matches(rt->pattern, seg, nseg, c.arg))
			continue;
		if (!(rt->methods & http_method(r))) {
			allowed |= rt->methods;
			continue;
		}
		if (!body_type_ok(r)) {
			reply_error(r, 415,
				    "expected Content-Type: application/json on %s %.300s",
				    method_name(http_method(r)), r->path);
			return;
		}
		rt->fn(&c);
		return;
	}
	no_route(r, allowed);
}

static const struct http_route core_routes[] = {
	{ 0, "/", api_dispatch, NULL, HTTP_PREFIX },
};

int jobs_api_start(struct jobsvc *s, char *err, size_t errlen)
{
	const char *addr = s->flags.http_address ? s->flags.http_address : "0.0.0.0";
	int port;

	if (s->flags.http_port < 0 || s->flags.http_port > 65535) {
		snprintf(err, errlen, "--http_port %lld is not a port", (long long)s->flags.http_port);
		return -EINVAL;
	}
	s->http = http_server_new(s->base, core_routes, ARRAY_LEN(core_routes), s, NULL, NULL,
				  API_BODY_MAX);
	port = http_server_bind(s->http, addr, (uint16_t)s->flags.http_port);
	if (port < 0) {
		snprintf(err, errlen, "cannot listen on %s:%lld: %s", addr,
			 (long long)s->flags.http_port, strerror(-port));
		return port;
	}
	s->http_port = (uint16_t)port;
	return 0;
}
