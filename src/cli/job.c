/*
 * cli/job — `agora job <verb>`: a client of the jobs service's REST API
 * (`agora jobs`, Chronos-compatible) for people at a terminal.
 *
 *   agora job add FILE|-            POST the Chronos JSON unchanged to
 *                                   /iso8601, or /dependency when it has
 *                                   "parents"
 *   agora job ls                    /jobs/summary as a table
 *   agora job run NAME [--arguments=...]
 *   agora job rm NAME
 *   agora job runs NAME             the job's run history as a table
 *   agora job logs NAME [-f] [--stderr] [--run=ID]
 *
 * Flags: --jobs=host:port (env AGORA_JOBS, default 127.0.0.1:4400),
 * --http_credentials=user:pass or file:///path holding it (env
 * AGORA_JOBS_CREDENTIALS) for HTTP Basic, --timeout per request.
 *
 * Requests are blocking: each one runs the libevent loop until the core
 * http client's callback has the answer. `logs -f` polls every 0.5 s,
 * printing new bytes, until the run is terminal and its file is drained.
 *
 * Exit codes: 0 done; 1 the service refused or could not be reached (its
 * error message is printed); 2 bad usage.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/http.h"
#include "core/ids.h"
#include "core/mesos.h"
#include "core/util.h"

#define DEFAULT_JOBS "127.0.0.1:4400"
#define REQUEST_TIMEOUT 30.0	   /* seconds */
#define FOLLOW_INTERVAL_US 500000  /* logs -f polling */
#define FOLLOW_NO_SANDBOX_TRIES 40 /* 20 s for a finished run's sandbox to show */
#define URI_MAX 8192
#define CELL_MAX 512
/*
 * The CLI is a plain client of the REST API (docs/chronos-api.md): the
 * service alone judges job names and documents. These bounds only size
 * the CLI's own buffers: a name of up to 255 bytes, percent-encoded, and
 * the service's own 4 MiB limit on one job document.
 */
#define NAME_ARG_MAX (3 * 255)
#define ADD_BODY_MAX (4u << 20)

struct job_cli {
	char host[256];
	uint16_t port;
	char auth[700]; /* "Basic ..." or "" */
	struct event_base *base;
	struct http_client *client;
	/* verb options */
	const char *arguments;
	const char *run;
	bool follow, stderr_file;
	double timeout; /* per request, seconds */
	int npos;
	const char *pos[4];
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: agora job <verb> [--jobs=HOST:PORT] [--http_credentials=USER:PASS]\n"
		"\n"
		"  add FILE|-                       create or replace a job from Chronos JSON\n"
		"  ls                               list jobs: status, state, schedule, why waiting\n"
		"  run NAME [--arguments=ARGS]      run a job now\n"
		"  rm NAME                          delete a job (its children are re-parented)\n"
		"  runs NAME                        the job's run history\n"
		"  logs NAME [-f] [--stderr] [--run=ID]\n"
		"                                   stdout (or stderr) of the last run or of run ID;\n"
		"                                   -f follows it until the run ends\n"
		"\n"
		"  --jobs=HOST:PORT                 the agora jobs service (env AGORA_JOBS,\n"
		"                                   default " DEFAULT_JOBS ")\n"
		"  --http_credentials=USER:PASS     HTTP Basic (env AGORA_JOBS_CREDENTIALS);\n"
		"                                   file:///path reads USER:PASS from a file\n"
		"  --timeout=DURATION               per request (default 30secs)\n");
}

static const char *or_(const char *s, const char *fallback)
{
	return s ? s : fallback;
}

#define fail(...) cli_fail("job", __VA_ARGS__)

/* ---- one blocking request ---- */

/* 0 with *rep filled (any HTTP status), or -EIO when nothing came back. */
static int request(struct job_cli *c, enum evhttp_cmd_type method, const char *uri,
		   const char *body, size_t len, struct cli_reply *rep)
{
	const char *headers[7];
	int n = 0;

	memset(rep, 0, sizeof(*rep));
	headers[n++] = "Accept";
	headers[n++] = "application/json";
	if (c->auth[0]) {
		headers[n++] = "Authorization";
		headers[n++] = c->auth;
	}
	if (body) {
		headers[n++] = "Content-Type";
		headers[n++] = "application/json";
	}
	headers[n] = NULL;
	if (!c->client)
		c->client = http_client_new(c->base, c->host, c->port, c->timeout);
	if (!http_client_request(c->client, method, uri, headers, body, len, cli_reply_done, NULL, rep))
		return -EIO;
	while (!rep->done)
		if (event_base_loop(c->base, EVLOOP_ONCE) < 0)
			return -EIO;
	return rep->status ? 0 : -EIO;
}

/* Prints why a request failed: the service's "message", or what is known. */
static void report(const struct job_cli *c, const struct cli_reply *rep, const char *what)
{
	json_t *doc = rep->body ? json_loads(rep->body, 0, NULL) : NULL;
	const char *msg = json_string_value(json_object_get(doc, "message"));

	if (rep->status == 0)
		fail("cannot reach the jobs service at %s:%u, or no answer within %.0fs (is `agora "
		     "jobs` running? see --jobs)",
		     c->host, c->port, c->timeout);
	else if (rep->status == 401)
		fail("the jobs service at %s:%u wants HTTP credentials%s (--http_credentials or "
		     "AGORA_JOBS_CREDENTIALS)",
		     c->host, c->port, c->auth[0] ? " and refused these" : "");
	else if (msg)
		fail("%s: %s", what, msg);
	else
		fail("%s: HTTP %d%s%.500s", what, rep->status, rep->len ? ": " : "",
		     rep->body ? rep->body : "");
	json_decref(doc);
}

static void reply_free(struct cli_reply *rep)
{
	free(rep->body);
	rep->body = NULL;
}

/* GET uri and parse the JSON answer; NULL after printing the error. */
static json_t *get_json(struct job_cli *c, const char *uri, const char *what)
{
	struct cli_reply rep;
	json_t *doc = NULL;

	request(c, EVHTTP_REQ_GET, uri, NULL, 0, &rep);
	if (rep.status == 200 && !(doc = json_loadb(rep.body, rep.len, 0, NULL)))
		fail("%s: the service's answer is not JSON", what);
	else if (rep.status != 200)
		report(c, &rep, what);
	reply_free(&rep);
	return doc;
}

/*
 * The job name of argument i, percent-encoded into buf for the URI path.
 * Whether it names a job is the service's answer ("Job '...' not found").
 */
static int name_arg(const struct job_cli *c, int i, char *buf, size_t size)
{
	char *enc;
	int r;

	if (c->npos <= i) {
		fail("missing the job NAME (see 'agora job --help')");
		return -EINVAL;
	}
	enc = evhttp_uriencode(c->pos[i], -1, 0);
	r = enc && *enc && strlen(enc) <= NAME_ARG_MAX ? 0 : -EINVAL;
	if (r == 0)
		str_copy(buf, enc, size);
	free(enc);
	if (r < 0)
		fail("'%.300s' is not a job name (1 to 255 bytes)", c->pos[i]);
	return r < 0 ? -EINVAL : 0;
}

/* ---- tables ---- */

struct table {
	size_t ncols, nrows;
	char **cells; /* nrows * ncols, row-major, malloc'd */
};

static void table_add(struct table *t, const char *const *row)
{
	t->cells = xreallocarray(t->cells, (t->nrows + 1) * t->ncols, sizeof(char *));
	for (size_t i = 0; i < t->ncols; i++) {
		char cell[CELL_MAX];
		str_copy(cell, row[i] ? row[i] : "", sizeof(cell));
		for (char *p = cell; *p; p++) /* one line per row */
			if (*p == '\n' || *p == '\r' || *p == '\t')
				*p = ' ';
		t->cells[t->nrows * t->ncols + i] = xstrdup(cell);
	}
	t->nrows++;
}

/* Columns padded to their widest cell, two spaces apart; no trailing blanks. */
static void table_print(struct table *t)
{
	size_t *w = xcalloc(t->ncols, sizeof(*w));

	for (size_t r = 0; r < t->nrows; r++)
		for (size_t i = 0; i < t->ncols; i++) {
			size_t n = strlen(t->cells[r * t->ncols + i]);
			if (n > w[i])
				w[i] = n;
		}
	for (size_t r = 0; r < t->nrows; r++) {
		size_t pad = 0; /* spaces owed before the next non-empty cell */
		for (size_t i = 0; i < t->ncols; i++) {
			const char *cell = t->cells[r * t->ncols + i];
			size_t n = strlen(cell);
			if (n) {
				printf("%*s%s", (int)pad, "", cell);
				pad = 0;
			}
			pad += w[i] - n + 2;
			free(t->cells[r * t->ncols + i]);
		}
		putchar('\n');
	}
	free(t->cells);
	free(w);
}

/* ---- verbs ---- */

/* Reads FILE, or stdin for "-", up to ADD_BODY_MAX bytes. */
static int read_input(const char *path, char **text, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *buf;

	if (strcmp(path, "-"))
		return file_read_all(path, ADD_BODY_MAX, text, len);
	buf = xmalloc(cap + 1);
	for (;;) {
		size_t got = fread(buf + n, 1, cap - n, stdin);
		n += got;
		if (got == 0)
			break;
		if (n == cap) {
			if (cap >= ADD_BODY_MAX) {
				free(buf);
				return -EFBIG;
			}
			cap *= 2;
			buf = xrealloc(buf, cap + 1);
		}
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return ferror(stdin) ? -EIO : 0;
}

static int verb_add(struct job_cli *c)
{
	const char *path = c->npos > 0 ? c->pos[0] : NULL;
	char *text = NULL, what[300];
	json_error_t jerr;
	struct cli_reply rep;
	json_t *doc;
	size_t len = 0;
	int r, rc = 1;

	if (!path) {
		fail("add: give a FILE with the job's JSON, or - for stdin");
		return 2;
	}
	if ((r = read_input(path, &text, &len)) < 0) {
		fail("add: cannot read %s: %s", path, r == -EFBIG ? "larger than 4 MiB" : strerror(-r));
		return 1;
	}
	if (!(doc = json_loadb(text, len, 0, &jerr)) || !json_is_object(doc)) {
		fail("add: %s: %s (line %d column %d)", path,
		     doc ? "expected a JSON object (a Chronos job)" : jerr.text, jerr.line,
		     jerr.column);
		goto out;
	}
	snprintf(what, sizeof(what), "add %.200s",
		 or_(json_string_value(json_object_get(doc, "name")), path));
	/* the body goes as it is: the service is the one judge of the job */
	request(c, EVHTTP_REQ_POST,
		json_object_get(doc, "parents") && !json_is_null(json_object_get(doc, "parents"))
			? "/v1/scheduler/dependency"
			: "/v1/scheduler/iso8601",
		text, len, &rep);
	if (rep.status == 204 || rep.status == 200) {
		printf("job %s saved\n", or_(json_string_value(json_object_get(doc, "name")), "?"));
		rc = 0;
	} else {
		report(c, &rep, what);
	}
	reply_free(&rep);
out:
	json_decref(doc);
	free(text);
	return rc;
}

static void summary_row(struct table *t, const json_t *job)
{
	const json_t *parents = json_object_get(job, "parents");
	const char *schedule = json_string_value(json_object_get(job, "schedule"));
	char sched[CELL_MAX] = "", state[64];
	const json_t *p;
	size_t i;

	if (json_array_size(parents)) {
		str_copy(sched, "after ", sizeof(sched));
		json_array_foreach(parents, i, p) {
			if (i)
				str_append(sched, ",", sizeof(sched));
			str_append(sched, or_(json_string_value(p), "?"), sizeof(sched));
		}
	} else {
		str_copy(sched, or_(schedule, ""), sizeof(sched));
	}
	snprintf(state, sizeof(state), "%s%s", or_(json_string_value(json_object_get(job, "state")), ""),
		 json_is_true(json_object_get(job, "disabled")) ? " (disabled)" : "");
	table_add(t, (const char *const[]){
			     json_string_value(json_object_get(job, "name")),
			     json_string_value(json_object_get(job, "status")), state, sched,
			     json_string_value(json_object_get(job, "pendingReason")) });
}

static int verb_ls(struct job_cli *c)
{
	json_t *doc = get_json(c, "/v1/scheduler/jobs/summary", "ls"), *job;
	struct table t = { 5, 0, NULL };
	size_t i;

	if (!doc)
		return 1;
	table_add(&t, (const char *const[]){ "NAME", "STATUS", "STATE", "SCHEDULE/PARENTS",
					     "PENDING" });
	json_array_foreach(json_object_get(doc, "jobs"), i, job)
		summary_row(&t, job);
	table_print(&t);
	json_decref(doc);
	return 0;
}

/* PUT/DELETE on /v1/scheduler/job/<name>; 204 prints done_fmt. */
static int job_action(struct job_cli *c, enum evhttp_cmd_type method, const char *verb,
		      const char *done_fmt)
{
	char name[NAME_ARG_MAX + 1], uri[URI_MAX], what[NAME_ARG_MAX + 32];
	struct cli_reply rep;
	int rc = 1;

	if (name_arg(c, 0, name, sizeof(name)) < 0)
		return 2;
	snprintf(uri, sizeof(uri), "/v1/scheduler/job/%s", name);
	if (c->arguments) {
		char *enc = evhttp_uriencode(c->arguments, -1, 0);
		if (str_printf(uri, sizeof(uri), "/v1/scheduler/job/%s?arguments=%s", name, enc) < 0) {
			free(enc);
			fail("%s: --arguments is too long", verb);
			return 2;
		}
		free(enc);
	}
	snprintf(what, sizeof(what), "%s %.300s", verb, c->pos[0]);
	request(c, method, uri, NULL, 0, &rep);
	if (rep.status == 204) {
		printf(done_fmt, c->pos[0]);
		rc = 0;
	} else {
		report(c, &rep, what);
	}
	reply_free(&rep);
	return rc;
}

static void local_time(const json_t *v, char *buf, size_t size)
{
	time_t t;
	struct tm tm;

	if (!json_is_number(v) || json_number_value(v) <= 0) {
		str_copy(buf, "-", size);
		return;
	}
	t = (time_t)json_number_value(v);
	if (!localtime_r(&t, &tm) || !strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm))
		str_copy(buf, "-", size);
}

static int verb_runs(struct job_cli *c)
{
	char name[NAME_ARG_MAX + 1], uri[URI_MAX], what[NAME_ARG_MAX + 16];
	struct table t = { 8, 0, NULL };
	json_t *doc, *run;
	size_t i;

	if (name_arg(c, 0, name, sizeof(name)) < 0)
		return 2;
	snprintf(uri, sizeof(uri), "/v1/scheduler/job/%s/runs", name);
	snprintf(what, sizeof(what), "runs %.300s", c->pos[0]);
	if (!(doc = get_json(c, uri, what)))
		return 1;
	table_add(&t, (const char *const[]){ "RUN", "TASK", "AGENT", "START", "END", "STATE",
					     "EXIT", "MESSAGE" });
	json_array_foreach(json_object_get(doc, "runs"), i, run) {
		char id[32], start[32], end[32], exit_status[16];
		const json_t *ex = json_object_get(run, "exit_status");
		snprintf(id, sizeof(id), "%lld",
			 (long long)json_integer_value(json_object_get(run, "run_id")));
		local_time(json_object_get(run, "start"), start, sizeof(start));
		local_time(json_object_get(run, "end"), end, sizeof(end));
		if (json_is_integer(ex))
			snprintf(exit_status, sizeof(exit_status), "%lld",
				 (long long)json_integer_value(ex));
		else
			str_copy(exit_status, "-", sizeof(exit_status));
		table_add(&t, (const char *const[]){
				     id, json_string_value(json_object_get(run, "task_id")),
				     json_string_value(json_object_get(run, "agent_id")), start, end,
				     json_string_value(json_object_get(run, "state")), exit_status,
				     json_string_value(json_object_get(run, "message")) });
	}
	table_print(&t);
	json_decref(doc);
	return 0;
}

/* A run's state (a TaskState name) that will not change any more; unknown names count. */
static bool state_terminal(const char *state)
{
	int s = mesos_task_state_parse(state);

	return state && !(s >= 0 && mesos_task_state_live((enum mesos_task_state)s));
}

struct follow {
	int64_t offset, run_id; /* run_id -1 until the service names the run */
	int no_sandbox;		/* 404s seen after the run ended */
};

/*
 * One /logs request. Returns 1 to poll again, 0 when done, -1 on an error
 * (printed). Prints the new bytes.
 */
static int logs_step(struct job_cli *c, const char *name, struct follow *f)
{
	char uri[URI_MAX], what[NAME_ARG_MAX + 16], run[48] = "";
	const char *data, *state;
	struct cli_reply rep;
	json_t *doc = NULL;
	int rc = -1;

	if (f->run_id > 0)
		snprintf(run, sizeof(run), "&run=%lld", (long long)f->run_id);
	snprintf(uri, sizeof(uri), "/v1/scheduler/job/%s/logs?file=%s&offset=%lld%s", name,
		 c->stderr_file ? "stderr" : "stdout", (long long)f->offset, run);
	snprintf(what, sizeof(what), "logs %.300s", c->pos[0]);
	request(c, EVHTTP_REQ_GET, uri, NULL, 0, &rep);
	if (rep.status == 404 && c->follow) {
		doc = json_loadb(rep.body, rep.len, 0, NULL);
		state = json_string_value(json_object_get(doc, "state"));
		rc = state_terminal(state) && ++f->no_sandbox > FOLLOW_NO_SANDBOX_TRIES ? -1 : 1;
		if (rc < 0)
			report(c, &rep, what);
		goto out;
	}
	if (rep.status != 200 || !(doc = json_loadb(rep.body, rep.len, 0, NULL))) {
		report(c, &rep, what);
		goto out;
	}
	data = json_string_value(json_object_get(doc, "data"));
	state = json_string_value(json_object_get(doc, "state"));
	if (f->run_id < 0) /* -f stays with the run it started on */
		f->run_id = json_integer_value(json_object_get(doc, "run_id"));
	if (data && *data) {
		fwrite(data, 1, json_string_length(json_object_get(doc, "data")), stdout);
		fflush(stdout);
		f->offset = json_integer_value(json_object_get(doc, "next_offset"));
		rc = 1;
	} else {
		rc = c->follow && !state_terminal(state) ? 1 : 0;
	}
out:
	json_decref(doc);
	reply_free(&rep);
	return rc;
}

static int verb_logs(struct job_cli *c)
{
	char name[NAME_ARG_MAX + 1];
	struct follow f = { 0, -1, 0 };
	int r;

	if (name_arg(c, 0, name, sizeof(name)) < 0)
		return 2;
	if (c->run && (parse_int64(c->run, &f.run_id) < 0 || f.run_id < 1)) {
		fail("logs: --run: expected a run number (see 'agora job runs %s')", name);
		return 2;
	}
	while ((r = logs_step(c, name, &f)) > 0)
		if (c->follow)
			usleep(FOLLOW_INTERVAL_US);
	return r < 0 ? 1 : 0;
}

/* ---- flags ---- */

static int parse_endpoint(struct job_cli *c, const char *hostport)
{
	const char *colon = strrchr(hostport, ':');
	int64_t port;

	if (!colon || colon == hostport || (size_t)(colon - hostport) >= sizeof(c->host) ||
	    parse_int64(colon + 1, &port) < 0 || port < 1 || port > 65535) {
		fail("--jobs: expected HOST:PORT, got '%s'", hostport);
		return -EINVAL;
	}
	memcpy(c->host, hostport, (size_t)(colon - hostport));
	c->host[colon - hostport] = '\0';
	c->port = (uint16_t)port;
	return 0;
}

/*
 * USER:PASS, or file:///path of a file holding it (one trailing newline
 * dropped), so the secret need not be on the command line.
 */
static int set_credentials(struct job_cli *c, const char *creds)
{
	char *text = NULL, *b64;
	const char *colon;
	size_t len = 0;
	int rc = -EINVAL;

	if (str_starts_with(creds, "file://")) {
		int r = file_read_all(creds + 7, 4096, &text, &len);
		if (r < 0) {
			fail("--http_credentials: %s: %s", creds + 7, strerror(-r));
			return -EINVAL;
		}
		while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
			text[--len] = '\0';
		creds = text;
	}
	colon = strchr(creds, ':');
	if (!colon || colon == creds) {
		fail("--http_credentials: expected USER:PASS or file:///path holding it");
		goto out;
	}
	b64 = base64_encode(creds, strlen(creds));
	if (str_printf(c->auth, sizeof(c->auth), "Basic %s", b64) < 0)
		fail("--http_credentials: too long");
	else
		rc = 0;
	free(b64);
out:
	if (text) {
		explicit_bzero(text, len);
		free(text);
	}
	return rc;
}

/* Options may come anywhere after the verb; returns 0, 1 for --help, -1 bad. */
static int parse_args(struct job_cli *c, int argc, char **argv, const char **jobs,
		      const char **creds)
{
	for (int i = 3; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help"))
			return 1;
		if (!strcmp(a, "-f") || !strcmp(a, "--follow"))
			c->follow = true;
		else if (!strcmp(a, "--stderr"))
			c->stderr_file = true;
		else if (str_starts_with(a, "--jobs="))
			*jobs = a + 7;
		else if (str_starts_with(a, "--http_credentials="))
			*creds = a + 19;
		else if (str_starts_with(a, "--arguments="))
			c->arguments = a + 12;
		else if (str_starts_with(a, "--run="))
			c->run = a + 6;
		else if (str_starts_with(a, "--timeout=")) {
			if (parse_duration(a + 10, &c->timeout) < 0 || c->timeout <= 0) {
				fail("--timeout: expected a duration like 10secs, got '%s'", a + 10);
				return -1;
			}
		}
		else if (a[0] == '-' && a[1]) {
			fail("unknown option '%s' (see 'agora job --help')", a);
			return -1;
		} else if (c->npos < (int)ARRAY_LEN(c->pos)) {
			c->pos[c->npos++] = a;
		} else {
			fail("too many arguments (see 'agora job --help')");
			return -1;
		}
	}
	return 0;
}

static int dispatch(struct job_cli *c, const char *verb)
{
	if (!strcmp(verb, "add"))
		return verb_add(c);
	if (!strcmp(verb, "ls") || !strcmp(verb, "list"))
		return verb_ls(c);
	if (!strcmp(verb, "run"))
		return job_action(c, EVHTTP_REQ_PUT, "run", "job %s queued to run now\n");
	if (!strcmp(verb, "rm") || !strcmp(verb, "delete"))
		return job_action(c, EVHTTP_REQ_DELETE, "rm", "job %s deleted\n");
	if (!strcmp(verb, "runs"))
		return verb_runs(c);
	if (!strcmp(verb, "logs"))
		return verb_logs(c);
	fail("unknown verb '%s' (see 'agora job --help')", verb);
	return 2;
}

int cli_job_main(int argc, char **argv)
{
	struct job_cli c;
	const char *verb = argc > 2 ? argv[2] : NULL;
	const char *jobs = getenv("AGORA_JOBS"), *creds = getenv("AGORA_JOBS_CREDENTIALS");
	int r;

	memset(&c, 0, sizeof(c));
	c.timeout = REQUEST_TIMEOUT;
	if (!verb || !strcmp(verb, "-h") || !strcmp(verb, "--help") || !strcmp(verb, "help")) {
		usage(verb ? stdout : stderr);
		return verb ? 0 : 2;
	}
	r = parse_args(&c, argc, argv, &jobs, &creds);
	if (r) {
		if (r > 0)
			usage(stdout);
		return r > 0 ? 0 : 2;
	}
	if (parse_endpoint(&c, jobs && *jobs ? jobs : DEFAULT_JOBS) < 0 ||
	    (creds && *creds && set_credentials(&c, creds) < 0))
		return 2;
	c.base = event_base_new();
	if (!c.base) {
		fail("cannot create an event loop");
		return 1;
	}
	r = dispatch(&c, verb);
	http_client_free(c.client);
	event_base_free(c.base);
	return r;
}
