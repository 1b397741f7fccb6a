/*
 * cli/execute — `agora execute`: run one command task on the cluster and
 * wait for it, like `mesos-execute`. A tiny framework built on
 * framework/scheduler:
 *
 *   subscribe ──▶ OFFERS: first offer that contains --resources ──▶ ACCEPT{LAUNCH}
 *                 (other offers declined for 1 s; after the launch for an
 *                 hour, and offers suppressed)
 *   UPDATE ──▶ one line per state, acknowledged by us; at RUNNING or the
 *              end, the `agora task logs` command that shows stdout
 *   terminal UPDATE ──▶ its ACKNOWLEDGE answered ──▶ TEARDOWN ──▶ exit with
 *              the task's exit code
 * Until the launch, a line every WAIT_REPORT seconds says why it waits
 * (the largest offer seen); a master that cannot be reached before the
 * first subscription ends it after CONNECT_ATTEMPTS tries.
 *
 * Exit codes: 0 TASK_FINISHED; N when the task "exited with status N";
 * 128+S when it died of signal S; 130/143 after Ctrl-C/SIGTERM (the task
 * is killed first); 1 for everything else (TASK_ERROR, TASK_LOST, refused
 * credentials, --timeout without a fitting offer, ...).
 *
 * One event loop, one struct exec; the scheduler client and the agent
 * /state client are only freed once the loop has ended.
 */
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/credentials.h"
#include "core/flags.h"
#include "core/http.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/log.h"
#include "core/resources.h"
#include "core/task_spec.h"
#include "core/util.h"
#include "framework/scheduler.h"

#define STATE_MAX (16u << 20)	    /* an agent's or master's /state reply */
#define FINISH_GRACE 5.0	    /* seconds to wait for TEARDOWN / a killed task */
#define DECLINE_BEFORE_LAUNCH 1.0   /* offers come back quickly while we wait */
#define DECLINE_AFTER_LAUNCH 3600.0 /* nothing more is needed */
#define SECRET_FILE_MAX 4096
#define CONNECT_ATTEMPTS 5	    /* failed first subscriptions before giving up */
#define WAIT_REPORT 3.0		    /* seconds between "still waiting, because" lines */

struct exec_flags {
	char *master;
	char *name;
	char *command;
	bool shell;
	char *resources;
	char *user;
	char *env;
	char *role;
	char *principal;
	char *secret;
	char *secret_file;
	char *credential;
	char *framework_capabilities;
	char *framework_name;
	bool checkpoint;
	double kill_after;
	char *task_id;
	double timeout;
	char *logging_level;
};

#define F(field) offsetof(struct exec_flags, field)
static const struct flag_def exec_flag_defs[] = {
	{ "master", NULL, FLAG_STRING, F(master), NULL, "host:port of the master (required)" },
	{ "name", NULL, FLAG_STRING, F(name), NULL, "Name of the task (required)" },
	{ "command", NULL, FLAG_STRING, F(command), NULL, "Command to run (required)" },
	{ "shell", NULL, FLAG_BOOL, F(shell), "true",
	  "Run the command with /bin/sh -c; false: split it on spaces into argv" },
	{ "resources", NULL, FLAG_STRING, F(resources), "cpus:0.1;mem:32",
	  "Resources of the task (text or JSON form)" },
	{ "user", NULL, FLAG_STRING, F(user), NULL,
	  "User the task runs as (default: the current user)" },
	{ "env", NULL, FLAG_JSON, F(env), NULL,
	  "Environment of the task as a JSON object {\"NAME\": \"value\"}" },
	{ "role", NULL, FLAG_STRING, F(role), "*", "Role of the framework" },
	{ "principal", NULL, FLAG_STRING, F(principal), NULL,
	  "Principal to authenticate with (HTTP Basic)" },
	{ "secret", NULL, FLAG_STRING, F(secret), NULL,
	  "Secret of --principal (visible to every local user in /proc; prefer --secret_file, or file:///path)" },
	{ "secret_file", NULL, FLAG_PATH, F(secret_file), NULL,
	  "File holding the secret of --principal" },
	{ "credential", NULL, FLAG_PATH, F(credential), NULL,
	  "File with the principal and secret ({\"principal\":..,\"secret\":..} or one line)" },
	{ "framework_capabilities", NULL, FLAG_STRING, F(framework_capabilities), "GPU_RESOURCES",
	  "Comma-separated framework capabilities" },
	{ "framework_name", NULL, FLAG_STRING, F(framework_name), "agora-execute",
	  "Name of the framework" },
	{ "checkpoint", NULL, FLAG_BOOL, F(checkpoint), "true",
	  "Let the task survive an agent restart" },
	{ "kill_after", NULL, FLAG_DURATION, F(kill_after), NULL,
	  "Kill the task this long after it starts running" },
	{ "task_id", NULL, FLAG_STRING, F(task_id), NULL,
	  "Id of the task (default: <name>-<random>)" },
	{ "timeout", NULL, FLAG_DURATION, F(timeout), NULL,
	  "Give up when no fitting offer came within this long" },
	{ "logging_level", NULL, FLAG_STRING, F(logging_level), "WARNING",
	  "Log level of the client's own messages (stderr)" },
};

struct exec {
	struct event_base *base;
	struct exec_flags flags;
	struct sched *sched;
	struct resources want;
	char task_id[256];
	char user[256];
	char principal[256];
	char secret[256];
	bool multi_role;
	json_t *environment; /* CommandInfo.environment, or NULL */

	/* the launch */
	bool launched, suppressed;
	char agent_id[256];
	char agent_host[256];
	uint16_t agent_port;
	double launched_at;

	/* the best offer that did not fit, for the --timeout message */
	double best_score;
	char best_offer[512];
	int offers_seen;

	/* sandbox lookup */
	struct http_client *lookup;
	bool lookup_busy, stdout_printed;
	int lookup_attempts;

	/* ending */
	bool running_seen, terminal, finishing, interrupted;
	bool ack_pending; /* the last update's ACKNOWLEDGE, sent before TEARDOWN */
	int exit_code;
	struct event *timeout_timer, *kill_timer, *finish_timer, *wait_timer, *sigint, *sigterm;
};

static void exec_finish(struct exec *x, int code);
static void lookup_sandbox(struct exec *x);

static void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void out(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

#define errorf(...) cli_fail("execute", __VA_ARGS__)

static void arm(struct event *ev, double secs)
{
	struct timeval tv = { (time_t)secs, (suseconds_t)((secs - (double)(time_t)secs) * 1e6) };
	event_add(ev, &tv);
}

/* ---- set-up: flags into a FrameworkInfo, a TaskInfo template, credentials ---- */

/* --secret_file: the secret alone, a trailing newline tolerated. */
static int read_secret_file(const char *path, char *out, size_t size, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	int rc = file_read_all(path, SECRET_FILE_MAX, &text, &len);

	if (rc < 0)
		return str_fail(err, errlen, -EINVAL, "--secret_file %s: %s", path,
			    rc == -EFBIG ? "larger than 4 KiB" : strerror(-rc));
	while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		text[--len] = '\0';
	rc = 0;
	if (!len || strlen(text) != len || strpbrk(text, "\r\n") || len >= size)
		rc = str_fail(err, errlen, -EINVAL, "--secret_file %s: expected one line with the secret", path);
	else
		str_copy(out, text, size);
	explicit_bzero(text, len);
	free(text);
	return rc;
}

static int load_credentials(struct exec *x, char *err, size_t errlen)
{
	const struct exec_flags *f = &x->flags;
	int secrets = !!f->secret + !!f->secret_file;
	struct credential c = { 0 };

	if (f->credential) {
		if (secrets)
			return str_fail(err, errlen, -EINVAL, "--credential holds the secret already; drop "
						 "--secret/--secret_file");
		if (cred_load_single(f->credential, &c, err, errlen) < 0)
			return -EINVAL;
		if (f->principal && strcmp(f->principal, c.principal)) {
			cred_free(&c);
			return str_fail(err, errlen, -EINVAL, "--principal '%s' differs from the principal in %s",
				    f->principal, f->credential);
		}
		str_copy(x->principal, c.principal, sizeof(x->principal));
		str_copy(x->secret, c.secret, sizeof(x->secret));
		cred_free(&c);
		return 0;
	}
	if (secrets > 1)
		return str_fail(err, errlen, -EINVAL, "give --secret or --secret_file, not both");
	if (!f->principal)
		return secrets ? str_fail(err, errlen, -EINVAL, "--secret needs --principal") : 0;
	if (!secrets)
		return str_fail(err, errlen, -EINVAL, "--principal needs --secret, --secret_file or --credential");
	str_copy(x->principal, f->principal, sizeof(x->principal));
	if (f->secret_file)
		return read_secret_file(f->secret_file, x->secret, sizeof(x->secret), err, errlen);
	str_copy(x->secret, f->secret, sizeof(x->secret));
	return 0;
}

/* --env {"K":"V"} → CommandInfo.environment */
static int parse_env(struct exec *x, char *err, size_t errlen)
{
	struct jerr je = { { 0 } };
	json_t *doc, *vars, *v;
	const char *key;

	if (!x->flags.env)
		return 0;
	doc = json_parse_bounded(x->flags.env, strlen(x->flags.env), 1u << 20, "--env", &je);
	if (!doc)
		return str_fail(err, errlen, -EINVAL, "%s", je.msg);
	if (!json_is_object(doc)) {
		json_decref(doc);
		return str_fail(err, errlen, -EINVAL, "--env: expected a JSON object {\"NAME\": \"value\"}");
	}
	vars = json_array();
	json_object_foreach(doc, key, v) {
		if (!json_is_string(v) || !*key) {
			/* key lives in doc: format before freeing it */
			str_fail(err, errlen, -EINVAL, "--env: '%.100s': expected a string value", key);
			json_decref(vars);
			json_decref(doc);
			return -EINVAL;
		}
		json_array_append_new(vars, json_pack("{s:s, s:O}", "name", key, "value", v));
	}
	json_decref(doc);
	x->environment = json_pack("{s:o}", "variables", vars);
	return 0;
}

static json_t *capabilities(struct exec *x, char *err, size_t errlen)
{
	static const char *const known[] = { "MULTI_ROLE",	    "GPU_RESOURCES",
					     "REVOCABLE_RESOURCES", "SHARED_RESOURCES",
					     "PARTITION_AWARE",	    "TASK_KILLING_STATE",
					     "RESERVATION_REFINEMENT", "REGION_AWARE" };
	char list[1024], *p, *next;
	json_t *caps = json_array();

	if (str_copy(list, x->flags.framework_capabilities, sizeof(list)) >= sizeof(list)) {
		str_fail(err, errlen, -EINVAL, "--framework_capabilities is too long");
		goto bad;
	}
	for (p = list; p; p = next) {
		bool ok = false;
		next = strchr(p, ',');
		if (next)
			*next++ = '\0';
		p = str_trim(p);
		if (!*p)
			continue;
		for (size_t i = 0; i < ARRAY_LEN(known); i++)
			ok = ok || !strcmp(p, known[i]);
		if (!ok) {
			str_fail(err, errlen, -EINVAL, "--framework_capabilities: unknown capability '%s'", p);
			goto bad;
		}
		x->multi_role = x->multi_role || !strcmp(p, "MULTI_ROLE");
		json_array_append_new(caps, json_pack("{s:s}", "type", p));
	}
	return caps;
bad:
	json_decref(caps);
	return NULL;
}

static json_t *framework_info(struct exec *x, char *err, size_t errlen)
{
	char host[256] = "";
	json_t *caps = capabilities(x, err, errlen);
	json_t *info;

	if (!caps)
		return NULL;
	gethostname(host, sizeof(host) - 1);
	/*
	 * A short failover timeout: the task survives a brief master or
	 * network blip, yet a vanished client's framework goes away soon.
	 */
	info = json_pack("{s:s, s:s, s:b, s:f, s:o}", "user", x->user, "name",
			 x->flags.framework_name, "checkpoint", x->flags.checkpoint,
			 "failover_timeout", 60.0, "capabilities", caps);
	if (host[0])
		json_object_set_new(info, "hostname", json_string(host));
	if (x->multi_role)
		json_object_set_new(info, "roles", json_pack("[s]", x->flags.role));
	else
		json_object_set_new(info, "role", json_string(x->flags.role));
	return info;
}

static int default_user(struct exec *x, char *err, size_t errlen)
{
	struct passwd *pw;
	const char *name = x->flags.user;

	if (!name) {
		pw = getpwuid(geteuid());
		name = pw ? pw->pw_name : getenv("USER");
	}
	if (!name || !*name)
		return str_fail(err, errlen, -EINVAL, "cannot tell the current user's name; give --user");
	str_copy(x->user, name, sizeof(x->user));
	return 0;
}

static int task_id(struct exec *x, char *err, size_t errlen)
{
	char suffix[5];
	const char *why;

	if (x->flags.task_id) {
		str_copy(x->task_id, x->flags.task_id, sizeof(x->task_id));
	} else {
		if (random_hex(2, suffix) < 0)
			return str_fail(err, errlen, -EINVAL, "no randomness for a task id");
		snprintf(x->task_id, sizeof(x->task_id), "%.240s-%s", x->flags.name, suffix);
	}
	why = id_invalid_reason(x->task_id);
	return why ? str_fail(err, errlen, -EINVAL, "task id '%s': %s", x->task_id, why) : 0;
}

static int exec_setup(struct exec *x, char *err, size_t errlen)
{
	const struct exec_flags *f = &x->flags;

	if (!f->master || !f->name || !f->command)
		return str_fail(err, errlen, -EINVAL, "--master, --name and --command are required");
	if (!*f->command)
		return str_fail(err, errlen, -EINVAL, "--command is empty");
	{
		char host[256], path[256], why[512];
		uint16_t port;
		if (sched_parse_address(f->master, host, sizeof(host), &port, path, sizeof(path),
					why, sizeof(why)) < 0)
			return str_fail(err, errlen, -EINVAL, "--master: %s", why);
	}
	if (!f->role || !*f->role)
		return str_fail(err, errlen, -EINVAL, "--role is empty");
	if (log_level_parse(f->logging_level) < 0)
		return str_fail(err, errlen, -EINVAL, "--logging_level: unknown level '%s'", f->logging_level);
	if (res_parse(f->resources, "*", &x->want, err, errlen) < 0)
		return -EINVAL;
	if (res_empty(&x->want))
		return str_fail(err, errlen, -EINVAL, "--resources: a task needs some resources");
	if (default_user(x, err, errlen) < 0 || task_id(x, err, errlen) < 0 ||
	    load_credentials(x, err, errlen) < 0 || parse_env(x, err, errlen) < 0)
		return -EINVAL;
	return 0;
}

/* ---- launching ---- */

/* --shell=false: the command split on blanks is the argv, no shell in between. */
/*
 * The TaskInfo for agent_id, built by core from a task_spec
 * (task_spec_to_json, the inverse of the master's task_spec_parse).
 */
static json_t *task_info(struct exec *x, const char *agent_id)
{
	struct task_spec t = { 0 };
	json_t *vars = json_object_get(x->environment, "variables"), *v, *ti;
	char *words = NULL;
	size_t i;

	t.name = x->flags.name;
	t.id = x->task_id;
	t.agent_id = agent_id;
	t.command.shell = x->flags.shell;
	t.command.user = x->user;
	t.resources = x->want; /* borrowed: not freed here */
	/* A MULTI_ROLE framework must say which of its roles each resource is for. */
	t.allocation_role = x->multi_role ? x->flags.role : NULL;
	if (x->flags.shell) {
		t.command.value = x->flags.command;
	} else {
		/* argv: the command split at blanks; argv[0] is also the executable */
		size_t len = strlen(x->flags.command);
		char *p, *save = NULL;

		words = xstrdup(x->flags.command);
		t.command.args = xcalloc(len / 2 + 1, sizeof(*t.command.args));
		for (p = strtok_r(words, " \t", &save); p; p = strtok_r(NULL, " \t", &save))
			t.command.args[t.command.nargs++] = p;
		t.command.value = t.command.nargs ? t.command.args[0] : NULL;
	}
	t.command.env = xcalloc(json_array_size(vars) + 1, sizeof(*t.command.env));
	json_array_foreach(vars, i, v) {
		struct task_spec_env *e = &t.command.env[t.command.nenv++];
		e->name = json_string_value(json_object_get(v, "name"));
		e->value = json_string_value(json_object_get(v, "value"));
	}
	ti = task_spec_to_json(&t);
	free(t.command.args);
	free(t.command.env);
	free(words);
	return ti;
}

static void on_launch_done(struct sched *s, int status, const char *body, void *arg)
{
	struct exec *x = arg;
	(void)s;
	if (status == 202)
		return;
	errorf("the master did not take the launch of task '%s' (%d): %.500s", x->task_id, status,
	       status ? body : "no answer");
	exec_finish(x, 1);
}

static void launch(struct exec *x, const struct mesos_offer *o)
{
	int rc = sched_launch(x->sched, o->id, json_pack("[o]", task_info(x, o->agent_id)),
			      DECLINE_AFTER_LAUNCH, on_launch_done, x);

	if (rc < 0) {
		errorf("cannot send the launch of task '%s': %s", x->task_id, strerror(-rc));
		exec_finish(x, 1);
		return;
	}
	x->launched = true;
	x->launched_at = now_mono();
	str_copy(x->agent_id, o->agent_id, sizeof(x->agent_id));
	str_copy(x->agent_host, o->agent_host ? o->agent_host : "", sizeof(x->agent_host));
	x->agent_port = o->agent_port;
	event_del(x->timeout_timer);
	out("Submitted task '%s' to agent '%s'%s%s%s\n", x->task_id, o->agent_id,
	    o->hostname ? " (" : "", o->hostname ? o->hostname : "", o->hostname ? ")" : "");
}

/* How close an offer comes to --resources: the sum of covered fractions. */
static void note_offer(struct exec *x, const struct mesos_offer *o)
{
	double score = 0;
	char text[400];

	for (size_t i = 0; i < x->want.n; i++) {
		const struct resource *w = &x->want.v[i];
		double have;
		if (w->type != RES_SCALAR || w->scalar_milli <= 0)
			continue;
		have = (double)res_scalar_milli(&o->resources, w->name);
		score += have >= (double)w->scalar_milli ? 1.0 : have / (double)w->scalar_milli;
	}
	score += res_scalar(&o->resources, "mem") * 1e-12; /* ties: more memory */
	if (x->best_offer[0] && score <= x->best_score)
		return;
	if (res_to_text(&o->resources, text, sizeof(text)) < 0)
		str_append(text, "...", sizeof(text));
	x->best_score = score;
	snprintf(x->best_offer, sizeof(x->best_offer), "%s on agent %s%s%s%s", text, o->agent_id,
		 o->hostname ? " (" : "", o->hostname ? o->hostname : "", o->hostname ? ")" : "");
}

static void on_offers(struct sched *s, const struct mesos_offer *offers, size_t n, void *arg)
{
	struct exec *x = arg;
	size_t ndecline = 0;
	const char **decline = xcalloc(n ? n : 1, sizeof(*decline));

	for (size_t i = 0; i < n; i++) {
		const struct mesos_offer *o = &offers[i];
		x->offers_seen++;
		if (!x->launched && !x->finishing && res_contains(&o->resources, &x->want)) {
			launch(x, o);
		} else {
			if (!x->launched)
				note_offer(x, o);
			decline[ndecline++] = o->id;
		}
	}
	if (ndecline)
		sched_decline(s, decline, ndecline,
			      x->launched ? DECLINE_AFTER_LAUNCH : DECLINE_BEFORE_LAUNCH, NULL, NULL);
	if (x->launched && !x->suppressed && sched_suppress(s, NULL, 0, NULL, NULL) == 0)
		x->suppressed = true;
	free(decline);
}

/* ---- where stdout is: the sandbox from the agent's /state ---- */

/*
 * Where the output is: a command that shows it (`agora task logs`, with the
 * same credential flags), not a URL that needs credentials and a query.
 */
static void print_stdout_location(struct exec *x, const char *dir, const char *why)
{
	const struct exec_flags *f = &x->flags;
	char creds[PATH_MAX + 300] = "";

	x->stdout_printed = true;
	if (f->credential)
		snprintf(creds, sizeof(creds), " --credential=%s", f->credential);
	else if (f->principal && f->secret_file)
		snprintf(creds, sizeof(creds), " --principal=%s --secret_file=%s", f->principal,
			 f->secret_file);
	else if (f->principal)
		snprintf(creds, sizeof(creds), " --principal=%s --secret_file=FILE", f->principal);
	if (dir)
		out("stdout: agora task logs %s --master=%s%s   (--stderr for stderr, -f to follow;"
		    " sandbox %s on %s:%u)\n",
		    x->task_id, f->master, creds, dir, x->agent_host, x->agent_port);
	else
		out("stdout: in the sandbox of task '%s' on agent '%s'%s%s%s (%s)\n", x->task_id,
		    x->agent_id, x->agent_host[0] ? " (" : "", x->agent_host,
		    x->agent_host[0] ? ")" : "", why);
}

static void on_agent_state(int status, const char *body, size_t len, struct evkeyvalq *h,
			   void *arg)
{
	struct exec *x = arg;
	struct jerr je = { { 0 } };
	json_t *state = NULL;
	const char *dir = NULL;
	char why[300];
	(void)h;

	x->lookup_busy = false;
	if (status == 200)
		state = json_parse_bounded(body, len, STATE_MAX, "agent /state", &je);
	if (state)
		dir = cli_sandbox_of(state, sched_framework_id(x->sched), x->task_id);
	if (dir)
		print_stdout_location(x, dir, NULL);
	else if (x->terminal) {
		if (status != 200)
			snprintf(why, sizeof(why), "the agent's /state answered %d", status);
		else
			snprintf(why, sizeof(why), "the agent's /state does not list it");
		print_stdout_location(x, NULL, why);
	}
	json_decref(state);
	if (x->terminal && !x->ack_pending)
		exec_finish(x, x->exit_code);
}

static void lookup_sandbox(struct exec *x)
{
	char auth[600] = "";
	const char *headers[] = { "Accept", "application/json", "Authorization", auth, NULL };

	if (x->stdout_printed || x->lookup_busy)
		return;
	if (!x->agent_host[0] || !x->agent_port) {
		print_stdout_location(x, NULL, "the offer did not say where the agent listens");
		return;
	}
	if (x->principal[0]) {
		char pair[520];
		char *b64;
		snprintf(pair, sizeof(pair), "%s:%s", x->principal, x->secret);
		b64 = base64_encode(pair, strlen(pair));
		snprintf(auth, sizeof(auth), "Basic %s", b64);
		explicit_bzero(pair, sizeof(pair));
		free(b64);
	} else {
		headers[2] = NULL;
	}
	if (!x->lookup)
		x->lookup = http_client_new(x->base, x->agent_host, x->agent_port, 5.0);
	x->lookup_busy = http_client_request(x->lookup, EVHTTP_REQ_GET, "/state", headers, NULL, 0,
					     on_agent_state, NULL, x) != NULL;
	explicit_bzero(auth, sizeof(auth));
	if (!x->lookup_busy)
		print_stdout_location(x, NULL, "cannot ask the agent");
}

/* ---- events ---- */

static void on_subscribed(struct sched *s, const char *framework_id, bool resubscribed,
			  void *arg)
{
	(void)s;
	(void)arg;
	/*
	 * After a resubscription there is nothing to ask: the agent resends
	 * every update we have not acknowledged, and an explicit RECONCILE
	 * right after a master restart can only say "unknown" (TASK_LOST) for
	 * a task whose agent has not re-registered yet.
	 */
	if (!resubscribed)
		out("Subscribed with ID %s\n", framework_id);
}

static void on_final_ack(struct sched *s, int status, const char *body, void *arg)
{
	struct exec *x = arg;
	(void)s;
	if (status != 202)
		log_warnx("execute: ACKNOWLEDGE of the last update answered %d: %.300s", status,
			  body);
	x->ack_pending = false;
	if (x->terminal && !x->lookup_busy)
		exec_finish(x, x->exit_code);
}

/*
 * Updates are acknowledged here (manual_ack), so that the last one's
 * ACKNOWLEDGE has been answered before TEARDOWN goes out: after TEARDOWN
 * the master answers it "403 Framework has been removed".
 */
static void acknowledge(struct exec *x, const struct mesos_task_status *st, bool last)
{
	int rc;

	if (!st->uuid || !st->agent_id)
		return;
	rc = sched_acknowledge(x->sched, st->agent_id, st->task_id, st->uuid,
			       last ? on_final_ack : NULL, x);
	if (rc < 0)
		log_warnx("execute: cannot acknowledge %s for task %s: %s",
			  mesos_task_state_name(st->state), st->task_id, strerror(-rc));
	else if (last)
		x->ack_pending = true;
}

static void on_update(struct sched *s, const struct mesos_task_status *st, void *arg)
{
	struct exec *x = arg;
	bool terminal = mesos_task_state_terminal(st->state);
	bool ran;
	(void)s;

	if (strcmp(st->task_id, x->task_id) || x->terminal) {
		acknowledge(x, st, false);
		return;
	}
	out("Received status update %s for task '%s'%s%s%s\n", mesos_task_state_name(st->state),
	    st->task_id,
	    st->source ? " (source: " : "", st->source ? st->source : "", st->source ? ")" : "");
	if (terminal && st->message)
		out("  message: '%s'\n", st->message);
	if (terminal && st->reason && st->state != TASK_FINISHED)
		out("  reason: %s\n", st->reason);
	if (st->state == TASK_RUNNING && !x->running_seen) {
		x->running_seen = true;
		if (x->flags.kill_after > 0)
			arm(x->kill_timer, x->flags.kill_after);
		lookup_sandbox(x);
	}
	if (!terminal) {
		acknowledge(x, st, false);
		return;
	}
	x->terminal = true;
	acknowledge(x, st, true);
	event_del(x->kill_timer);
	if (!x->interrupted)
		x->exit_code = sched_exit_code(st->state, st->message);
	/* Only a task that reached its agent has a sandbox worth pointing at. */
	ran = x->running_seen || st->state == TASK_FINISHED || st->state == TASK_FAILED ||
	      st->state == TASK_KILLED;
	if (ran)
		lookup_sandbox(x);
	if (!x->lookup_busy && !x->ack_pending)
		exec_finish(x, x->exit_code);
}

static void on_error(struct sched *s, enum sched_error_kind kind, int status, const char *msg,
		     void *arg)
{
	struct exec *x = arg;
	(void)status;

	/* The client already logged msg; say what we do about it. */
	if (kind == SCHED_ERR_AUTH) {
		errorf("giving up: check --principal and --secret (or --credential)");
	} else if (kind == SCHED_ERR_EVENT) {
		errorf("the master ended the subscription: %s", msg);
	} else {
		return; /* the client retries; --timeout bounds the wait */
	}
	sched_stop(s);
	exec_finish(x, 1);
}

/*
 * Before the first SUBSCRIBED a master that cannot be reached (no such
 * host, nothing listening, not an agora/Mesos master) is most likely a
 * wrong --master: say so after a few attempts instead of retrying forever.
 * Once subscribed the client keeps retrying, since a task is out there.
 */
static void on_retrying(struct sched *s, int failures, const char *why, void *arg)
{
	struct exec *x = arg;

	if (sched_framework_id(s)[0] || failures < CONNECT_ATTEMPTS || x->finishing)
		return;
	errorf("giving up after %d attempts to subscribe with the master at %s: %s "
	       "(is --master the master's host:port?)",
	       failures, x->flags.master, why);
	sched_stop(s);
	exec_finish(x, 1);
}

/* ---- timers, signals, the end ---- */

static void on_teardown_done(struct sched *s, int status, const char *body, void *arg)
{
	struct exec *x = arg;
	if (status != 202)
		log_warnx("execute: TEARDOWN of framework %s answered %d: %.300s",
			  sched_framework_id(s), status, body);
	sched_stop(s);
	event_base_loopexit(x->base, NULL);
}

/* Tears the framework down (so the master forgets it) and ends the loop. */
static void exec_finish(struct exec *x, int code)
{
	if (x->finishing)
		return;
	x->finishing = true;
	x->exit_code = code;
	event_del(x->timeout_timer);
	event_del(x->kill_timer);
	if (sched_teardown(x->sched, on_teardown_done, x) < 0) {
		event_base_loopexit(x->base, NULL);
		return;
	}
	arm(x->finish_timer, FINISH_GRACE);
}

static void on_finish_timer(evutil_socket_t fd, short what, void *arg)
{
	struct exec *x = arg;
	(void)fd;
	(void)what;
	if (!x->finishing) {
		errorf("task '%s' did not end within %.0fs of the kill; leaving", x->task_id,
		       FINISH_GRACE);
		exec_finish(x, x->exit_code);
	} else {
		event_base_loopexit(x->base, NULL);
	}
}

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct exec *x = arg;
	char res[512], dur[64];
	(void)fd;
	(void)what;

	if (x->launched || x->finishing)
		return;
	format_duration(x->flags.timeout, dur, sizeof(dur));
	res_to_text(&x->want, res, sizeof(res));
	if (!sched_framework_id(x->sched)[0])
		errorf("could not subscribe with the master at %s within %s%s%s", x->flags.master,
		       dur, sched_last_error(x->sched)[0] ? ": " : "",
		       sched_last_error(x->sched));
	else if (!x->offers_seen)
		errorf("no offers arrived within %s (is an agent registered, and does role '%s' "
		       "get offers?)",
		       dur, x->flags.role);
	else
		errorf("no offer fits %s within %s; the largest offer was %s", res, dur,
		       x->best_offer);
	exec_finish(x, 1);
}

/* Every WAIT_REPORT seconds before the launch: why we are still waiting. */
static void on_wait_report(evutil_socket_t fd, short what, void *arg)
{
	struct exec *x = arg;
	char res[512];
	(void)fd;
	(void)what;

	if (x->launched || x->finishing)
		return;
	res_to_text(&x->want, res, sizeof(res));
	if (!sched_framework_id(x->sched)[0])
		out("Waiting to subscribe with the master at %s%s%s\n", x->flags.master,
		    sched_last_error(x->sched)[0] ? ": " : "", sched_last_error(x->sched));
	else if (!x->offers_seen)
		out("Waiting for offers: none yet (is an agent registered, and does role '%s' get "
		    "offers?)\n",
		    x->flags.role);
	else
		out("Waiting for an offer that fits %s; the largest offer so far: %s\n", res,
		    x->best_offer);
	arm(x->wait_timer, WAIT_REPORT);
}

static void on_kill_after(evutil_socket_t fd, short what, void *arg)
{
	struct exec *x = arg;
	char dur[64];
	(void)fd;
	(void)what;

	format_duration(x->flags.kill_after, dur, sizeof(dur));
	out("Killing task '%s' after %s\n", x->task_id, dur);
	if (sched_kill(x->sched, x->task_id, x->agent_id, -1, NULL, NULL) < 0)
		errorf("cannot send the kill now (not subscribed); the task keeps running");
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct exec *x = arg;
	(void)what;

	if (x->interrupted) {
		event_base_loopexit(x->base, NULL); /* a second Ctrl-C: leave now */
		return;
	}
	x->interrupted = true;
	x->exit_code = 128 + (int)sig;
	if (!x->launched || x->terminal || x->finishing) {
		exec_finish(x, x->exit_code);
		return;
	}
	errorf("interrupted; killing task '%s' (Ctrl-C again to leave at once)", x->task_id);
	if (sched_kill(x->sched, x->task_id, x->agent_id, -1, NULL, NULL) < 0) {
		exec_finish(x, x->exit_code);
		return;
	}
	arm(x->finish_timer, FINISH_GRACE);
}

static int exec_run(struct exec *x, char *err, size_t errlen)
{
	static const struct sched_callbacks cbs = { .subscribed = on_subscribed,
						    .offers = on_offers,
						    .update = on_update,
						    .error = on_error,
						    .retrying = on_retrying };
	struct sched_config cfg = { 0 };
	json_t *info = framework_info(x, err, errlen);
	int rc;

	if (!info)
		return -EINVAL;
	cfg.master = x->flags.master;
	cfg.framework_info = info;
	cfg.manual_ack = true;
	if (x->principal[0]) {
		cfg.principal = x->principal;
		cfg.secret = x->secret;
	}
	x->base = event_base_new();
	rc = sched_new(x->base, &cfg, &cbs, x, &x->sched, err, errlen);
	json_decref(info);
	if (rc < 0)
		return rc;
	x->timeout_timer = evtimer_new(x->base, on_timeout, x);
	x->kill_timer = evtimer_new(x->base, on_kill_after, x);
	x->finish_timer = evtimer_new(x->base, on_finish_timer, x);
	x->wait_timer = evtimer_new(x->base, on_wait_report, x);
	arm(x->wait_timer, WAIT_REPORT);
	x->sigint = evsignal_new(x->base, SIGINT, on_signal, x);
	x->sigterm = evsignal_new(x->base, SIGTERM, on_signal, x);
	event_add(x->sigint, NULL);
	event_add(x->sigterm, NULL);
	if (x->flags.timeout > 0)
		arm(x->timeout_timer, x->flags.timeout);
	sched_start(x->sched);
	event_base_dispatch(x->base);
	return 0;
}

static void exec_cleanup(struct exec *x)
{
	sched_free(x->sched);
	http_client_free(x->lookup);
	/* Let clients dropped with http_client_free_later go before the base. */
	for (int i = 0; x->base && i < 4; i++)
		event_base_loop(x->base, EVLOOP_NONBLOCK);
	if (x->timeout_timer)
		event_free(x->timeout_timer);
	if (x->kill_timer)
		event_free(x->kill_timer);
	if (x->finish_timer)
		event_free(x->finish_timer);
	if (x->wait_timer)
		event_free(x->wait_timer);
	if (x->sigint)
		event_free(x->sigint);
	if (x->sigterm)
		event_free(x->sigterm);
	if (x->base)
		event_base_free(x->base);
	json_decref(x->environment);
	res_free(&x->want);
	explicit_bzero(x->secret, sizeof(x->secret));
	flags_free(exec_flag_defs, ARRAY_LEN(exec_flag_defs), &x->flags);
}

int cli_execute_main(int argc, char **argv)
{
	struct exec x;
	struct flags_result fr;
	char err[1024];
	int rc = 1;

	memset(&x, 0, sizeof(x));
	memset(&fr, 0, sizeof(fr));
	log_init("execute", LOG_LEVEL_WARN);
	if (flags_load(exec_flag_defs, ARRAY_LEN(exec_flag_defs), &x.flags, argc, argv, 2, false,
		       &fr, err, sizeof(err)) < 0) {
		fprintf(stderr, "agora execute: %s\n(see 'agora execute --help')\n", err);
		goto out;
	}
	if (fr.help) {
		flags_usage(stdout,
			    "agora execute --master=HOST:PORT --name=NAME --command=CMD [--flag=value ...]",
			    exec_flag_defs, ARRAY_LEN(exec_flag_defs));
		rc = 0;
		goto out;
	}
	if (exec_setup(&x, err, sizeof(err)) < 0) {
		fprintf(stderr, "agora execute: %s\n", err);
		goto out;
	}
	if (fr.check_config) {
		printf("agora execute: configuration OK\n");
		rc = 0;
		goto out;
	}
	log_set_level((enum log_level)log_level_parse(x.flags.logging_level));
	signal(SIGPIPE, SIG_IGN);
	if (exec_run(&x, err, sizeof(err)) < 0) {
		fprintf(stderr, "agora execute: %s\n", err);
		goto out;
	}
	rc = x.exit_code;
out:
	exec_cleanup(&x);
	return rc;
}
