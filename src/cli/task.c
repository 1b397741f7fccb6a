/*
 * cli/task — `agora task logs TASK`: the stdout (or stderr) of one task,
 * read through its agent's /files API, as `agora job logs` does for runs.
 *
 *   agora task logs TASK --master=HOST:PORT [--principal=P --secret_file=F |
 *                        --credential=F] [-f] [--stderr] [--timeout=D]
 *
 * Steps, each one blocking request on one event loop:
 *   1. the master's /master/state: the task (active or completed) gives its
 *      framework and agent, the agent's entry where it listens;
 *   2. the agent's /state: the executor that ran the task gives the sandbox;
 *   3. the agent's /files/read?path=<sandbox>/stdout&offset=N, in chunks,
 *      printed as they come. With -f it polls every 0.5 s and re-reads the
 *      task's state from the master every 2 s; it stops once the task is
 *      terminal and the file drained.
 * The same credentials go to master and agent (HTTP Basic). Exit codes:
 * 0 done; 1 not found, refused or unreachable (the message says which);
 * 2 bad usage.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/credentials.h"
#include "core/http.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/util.h"

#define STATE_MAX (16u << 20)	  /* a master's or agent's /state */
#define READ_CHUNK 65536	  /* bytes per /files/read */
#define FOLLOW_INTERVAL_US 500000 /* -f polling */
#define FOLLOW_STATE_EVERY 4	  /* polls between looks at the task's state */
#define SECRET_MAX 4096

struct endpoint {
	char host[256];
	uint16_t port;
	struct http_client *client;
};

struct task_cli {
	struct event_base *base;
	char auth[700]; /* "Basic ..." or "" */
	double timeout;
	bool follow, stderr_file;
	const char *task_id, *master, *principal, *secret_file, *credential;
	struct endpoint m, a;
	/* found */
	char framework_id[256], agent_id[256], state[64], sandbox[PATH_MAX];
};

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	va_list ap;
	fputs("agora task: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: agora task logs TASK --master=HOST:PORT [options]\n"
		"\n"
		"  logs TASK                        stdout of the task (from its agent's sandbox)\n"
		"\n"
		"  --master=HOST:PORT               the master (env AGORA_MASTER)\n"
		"  --principal=P --secret_file=F    HTTP Basic credentials (the secret alone in F)\n"
		"  --credential=F                   or a file with 'principal secret'\n"
		"  --stderr                         stderr instead of stdout\n"
		"  -f, --follow                     keep printing until the task ends\n"
		"  --timeout=DURATION               per request (default 30secs)\n");
}

/* GET uri from ep; *rep filled whatever the status (0: no answer). */
static void get(struct task_cli *c, struct endpoint *ep, const char *uri, struct cli_reply *rep)
{
	const char *headers[] = { "Accept", "application/json", "Authorization", c->auth, NULL };

	memset(rep, 0, sizeof(*rep));
	if (!c->auth[0])
		headers[2] = NULL;
	if (!ep->client)
		ep->client = http_client_new(c->base, ep->host, ep->port, c->timeout);
	if (!http_client_request(ep->client, EVHTTP_REQ_GET, uri, headers, NULL, 0, cli_reply_done, NULL,
				 rep)) {
		rep->done = true;
		return;
	}
	while (!rep->done)
		if (event_base_loop(c->base, EVLOOP_ONCE) < 0)
			break;
}

/* The JSON answer of GET uri, or NULL after saying why. */
static json_t *get_json(struct task_cli *c, struct endpoint *ep, const char *uri,
			const char *what)
{
	struct cli_reply rep;
	struct jerr je = { { 0 } };
	json_t *doc = NULL;

	get(c, ep, uri, &rep);
	if (rep.status == 200) {
		doc = json_parse_bounded(rep.body ? rep.body : "", rep.len, STATE_MAX, what, &je);
		if (!doc)
			fail("%s at %s:%u: %s", what, ep->host, ep->port, je.msg);
	} else if (rep.status == 0) {
		fail("cannot reach %s at %s:%u, or no answer within %.0fs", what, ep->host, ep->port,
		     c->timeout);
	} else if (rep.status == 401 || rep.status == 403) {
		fail("%s at %s:%u refused the credentials (%d); give --principal and --secret_file "
		     "(or --credential)",
		     what, ep->host, ep->port, rep.status);
	} else {
		fail("%s at %s:%u answered %d: %.300s", what, ep->host, ep->port, rep.status,
		     rep.body ? rep.body : "");
	}
	free(rep.body);
	return doc;
}

static int parse_hostport(const char *text, struct endpoint *ep, const char *what)
{
	const char *colon = strrchr(text, ':');
	int64_t port;

	if (!colon || colon == text || (size_t)(colon - text) >= sizeof(ep->host) ||
	    parse_int64(colon + 1, &port) < 0 || port < 1 || port > 65535) {
		fail("%s: expected HOST:PORT, got '%s'", what, text);
		return -EINVAL;
	}
	memcpy(ep->host, text, (size_t)(colon - text));
	ep->host[colon - text] = '\0';
	ep->port = (uint16_t)port;
	return 0;
}

/* --principal with --secret_file, or --credential: the Authorization header. */
static int set_auth(struct task_cli *c)
{
	char principal[300], secret[SECRET_MAX], pair[SECRET_MAX + 300], *text = NULL, *b64;
	struct credential cred = { 0 };
	char err[512];
	size_t len = 0;
	int r;

	if (c->credential) {
		if (c->secret_file) {
			fail("--credential holds the secret already; drop --secret_file");
			return -EINVAL;
		}
		if (cred_load_single(c->credential, &cred, err, sizeof(err)) < 0) {
			fail("%s", err);
			return -EINVAL;
		}
		str_copy(principal, cred.principal, sizeof(principal));
		str_copy(secret, cred.secret, sizeof(secret));
		cred_free(&cred);
	} else if (c->principal || c->secret_file) {
		if (!c->principal || !c->secret_file) {
			fail("give --principal with --secret_file (or --credential)");
			return -EINVAL;
		}
		r = file_read_all(c->secret_file, SECRET_MAX, &text, &len);
		if (r < 0) {
			fail("--secret_file %s: %s", c->secret_file, strerror(-r));
			return -EINVAL;
		}
		while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
			text[--len] = '\0';
		str_copy(principal, c->principal, sizeof(principal));
		str_copy(secret, text, sizeof(secret));
		explicit_bzero(text, len);
		free(text);
	} else {
		return 0;
	}
	snprintf(pair, sizeof(pair), "%s:%s", principal, secret);
	b64 = base64_encode(pair, strlen(pair));
	snprintf(c->auth, sizeof(c->auth), "Basic %s", b64);
	explicit_bzero(pair, sizeof(pair));
	explicit_bzero(secret, sizeof(secret));
	free(b64);
	return 0;
}

/* ---- 1. the task in the master's state ---- */

static bool find_in(const json_t *list, const char *task_id, const json_t **out)
{
	size_t i;
	json_t *t;
	json_array_foreach(list, i, t) {
		const char *id = json_string_value(json_object_get(t, "id"));
		if (id && !strcmp(id, task_id)) {
			*out = t;
			return true;
		}
	}
	return false;
}

/* Fills framework_id, agent_id, state and the agent's endpoint. 0 or -1 (said why). */
static int locate_task(struct task_cli *c, bool quiet_state_only)
{
	static const char *const fw_keys[] = { "frameworks", "completed_frameworks" };
	static const char *const task_keys[] = { "tasks", "unreachable_tasks", "completed_tasks" };
	json_t *state = get_json(c, &c->m, "/master/state", "the master");
	const json_t *task = NULL, *fw = NULL;
	size_t i;
	json_t *f, *s;
	int rc = -1;

	if (!state)
		return -1;
	for (size_t a = 0; a < ARRAY_LEN(fw_keys) && !task; a++)
		json_array_foreach(json_object_get(state, fw_keys[a]), i, f) {
			for (size_t b = 0; b < ARRAY_LEN(task_keys) && !task; b++)
				if (find_in(json_object_get(f, task_keys[b]), c->task_id, &task))
					fw = f;
			if (task)
				break;
		}
	if (!task) {
		fail("the master at %s:%u knows no task '%s'", c->m.host, c->m.port, c->task_id);
		goto out;
	}
	str_copy(c->state, json_string_value(json_object_get(task, "state")) ?: "?",
		 sizeof(c->state));
	if (quiet_state_only) {
		rc = 0;
		goto out;
	}
	str_copy(c->framework_id, json_string_value(json_object_get(fw, "id")) ?: "",
		 sizeof(c->framework_id));
	str_copy(c->agent_id, json_string_value(json_object_get(task, "slave_id")) ?: "",
		 sizeof(c->agent_id));
	json_array_foreach(json_object_get(state, "slaves"), i, s) {
		const char *id = json_string_value(json_object_get(s, "id"));
		const char *pid = json_string_value(json_object_get(s, "pid"));
		const char *at = pid ? strchr(pid, '@') : NULL;
		if (!id || strcmp(id, c->agent_id))
			continue;
		if (!at || parse_hostport(at + 1, &c->a, "the agent's pid") < 0)
			break;
		rc = 0;
		goto out;
	}
	fail("the master does not say where agent '%s' of task '%s' listens", c->agent_id,
	     c->task_id);
out:
	json_decref(state);
	return rc;
}

/* ---- 2. the sandbox in the agent's state ---- */

static int locate_sandbox(struct task_cli *c)
{
	json_t *state = get_json(c, &c->a, "/state", "the agent");
	const char *dir;

	if (!state)
		return -1;
	dir = cli_sandbox_of(state, c->framework_id, c->task_id);
	if (dir) {
		str_copy(c->sandbox, dir, sizeof(c->sandbox));
		json_decref(state);
		return 0;
	}
	json_decref(state);
	fail("agent '%s' at %s:%u has no sandbox of task '%s' (not started yet, or collected)",
	     c->agent_id, c->a.host, c->a.port, c->task_id);
	return -1;
}

/* ---- 3. the file ---- */

static void url_path(const char *in, char *out, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *in && o + 4 < size; in++) {
		unsigned char ch = (unsigned char)*in;
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || strchr("/-._~", ch)) {
			out[o++] = (char)ch;
		} else {
			out[o++] = '%';
			out[o++] = hex[ch >> 4];
			out[o++] = hex[ch & 15];
		}
	}
	out[o] = '\0';
}

/* Prints what is new from *offset on; returns bytes printed, or -1. */
static long read_more(struct task_cli *c, int64_t *offset)
{
	char path[PATH_MAX + 16], enc[3 * PATH_MAX + 64], uri[3 * PATH_MAX + 200];
	json_t *doc;
	const char *data;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", c->sandbox, c->stderr_file ? "stderr" : "stdout");
	url_path(path, enc, sizeof(enc));
	snprintf(uri, sizeof(uri), "/files/read?path=%s&offset=%lld&length=%d", enc,
		 (long long)*offset, READ_CHUNK);
	doc = get_json(c, &c->a, uri, "the agent's /files/read");
	if (!doc)
		return -1;
	data = json_string_value(json_object_get(doc, "data"));
	n = data ? json_string_length(json_object_get(doc, "data")) : 0;
	if (n) {
		fwrite(data, 1, n, stdout);
		fflush(stdout);
	}
	*offset += (int64_t)n;
	json_decref(doc);
	return (long)n;
}

static bool terminal_state(const char *st)
{
	static const char *const done[] = { "TASK_FINISHED", "TASK_FAILED", "TASK_KILLED",
					     "TASK_LOST",     "TASK_ERROR",  "TASK_DROPPED",
					     "TASK_GONE" };
	for (size_t i = 0; i < ARRAY_LEN(done); i++)
		if (!strcmp(st, done[i]))
			return true;
	return false;
}

static int logs(struct task_cli *c)
{
	int64_t offset = 0;
	long n;
	int polls = 0;

	if (locate_task(c, false) < 0 || locate_sandbox(c) < 0)
		return 1;
	for (;;) {
		n = read_more(c, &offset);
		if (n < 0)
			return 1;
		if (n == READ_CHUNK)
			continue; /* more is there already */
		if (!c->follow)
			return 0;
		if (n == 0 && terminal_state(c->state))
			return 0;
		usleep(FOLLOW_INTERVAL_US);
		if (++polls % FOLLOW_STATE_EVERY == 0 && locate_task(c, true) < 0)
			return 1;
	}
}

int cli_task_main(int argc, char **argv)
{
	struct task_cli c;
	const char *verb = argc > 2 ? argv[2] : NULL;
	int rc;

	memset(&c, 0, sizeof(c));
	c.timeout = 30;
	c.master = getenv("AGORA_MASTER");
	if (!verb || !strcmp(verb, "-h") || !strcmp(verb, "--help") || !strcmp(verb, "help")) {
		usage(verb ? stdout : stderr);
		return verb ? 0 : 2;
	}
	for (int i = 3; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "-f") || !strcmp(a, "--follow")) {
			c.follow = true;
		} else if (!strcmp(a, "--stderr")) {
			c.stderr_file = true;
		} else if (str_starts_with(a, "--master=")) {
			c.master = a + 9;
		} else if (str_starts_with(a, "--principal=")) {
			c.principal = a + 12;
		} else if (str_starts_with(a, "--secret_file=")) {
			c.secret_file = a + 14;
		} else if (str_starts_with(a, "--credential=")) {
			c.credential = a + 13;
		} else if (str_starts_with(a, "--timeout=")) {
			if (parse_duration(a + 10, &c.timeout) < 0 || c.timeout <= 0) {
				fail("--timeout: expected a duration like 10secs, got '%s'", a + 10);
				return 2;
			}
		} else if (a[0] == '-' && a[1]) {
			fail("unknown option '%s' (see 'agora task --help')", a);
			return 2;
		} else if (!c.task_id) {
			c.task_id = a;
		} else {
			fail("too many arguments (see 'agora task --help')");
			return 2;
		}
	}
	if (strcmp(verb, "logs")) {
		fail("unknown verb '%s' (see 'agora task --help')", verb);
		return 2;
	}
	if (!c.task_id || !c.master) {
		fail("logs needs TASK and --master=HOST:PORT (see 'agora task --help')");
		return 2;
	}
	if (parse_hostport(c.master, &c.m, "--master") < 0 || set_auth(&c) < 0)
		return 2;
	c.base = event_base_new();
	if (!c.base) {
		fail("cannot create an event loop");
		return 1;
	}
	rc = logs(&c);
	http_client_free(c.m.client);
	http_client_free(c.a.client);
	event_base_free(c.base);
	explicit_bzero(c.auth, sizeof(c.auth));
	return rc;
}
