/*
 * jobs/main — `agora jobs`: the Chronos-compatible job scheduler, a
 * framework of the master. Flags keep Chronos' names, so the seed's
 * command line works as written:
 *
 *   agora jobs --master=n5:5050 --http_port=4400 --enable_features=gpu_resources \
 *     --mesos_authentication_principal=MesosPrincipal \
 *     --mesos_authentication_secret_file=/etc/mesos/credential-secret-only \
 *     --http_credentials=ChronosUser:SomePassword
 *
 * Start-up: flags → secret file → store (SQLite under --work_dir) → jobs
 * loaded → REST API listening → framework subscribes. SIGINT/SIGTERM stop
 * the loop; the framework is not torn down, so its tasks keep running and a
 * restart picks them up (failover_timeout, default one week).
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/daemon.h"
#include "core/flags.h"
#include "core/log.h"
#include "core/store.h"
#include "core/util.h"
#include "core/version.h"
#include "jobs/service.h"

#define F(field) offsetof(struct jobs_flags, field)

static const struct flag_def jobs_flag_defs[] = {
	{ "master", NULL, FLAG_STRING, F(master), NULL, "The Mesos/agora master, host:port" },
	{ "http_port", NULL, FLAG_INT, F(http_port), "4400", "Port of the REST API and UI" },
	{ "http_address", NULL, FLAG_STRING, F(http_address), "0.0.0.0",
	  "Address to listen on (127.0.0.1 when no --http_credentials)" },
	{ "http_credentials", NULL, FLAG_STRING, F(http_credentials), NULL,
	  "user:password for HTTP Basic on every path, or file:///path holding it (also "
	  "MESOSPHERE_HTTP_CREDENTIALS); required unless --no-authenticate_http" },
	{ "authenticate_http", NULL, FLAG_BOOL, F(authenticate_http), "true",
	  "Require --http_credentials; --no-authenticate_http serves the API to anyone" },
	{ "cors_origins", NULL, FLAG_STRING, F(cors_origins), NULL,
	  "Comma list of origins (https://ui.example.com) answered with "
	  "Access-Control-Allow-Origin; '*' for any; none by default" },
	{ "http_realm", NULL, FLAG_STRING, F(http_realm), "Mesosphere", "HTTP Basic realm" },
	{ "hostname", NULL, FLAG_STRING, F(hostname), NULL, "Hostname advertised to the master" },
	{ "mesos_authentication_principal", NULL, FLAG_STRING, F(mesos_authentication_principal),
	  NULL, "Principal the framework authenticates as" },
	{ "mesos_authentication_secret_file", NULL, FLAG_PATH,
	  F(mesos_authentication_secret_file), NULL, "File holding just the secret" },
	{ "mesos_authentication", NULL, FLAG_BOOL, F(mesos_authentication), NULL,
	  "Accepted (authentication is used whenever a principal is given)" },
	{ "mesos_role", NULL, FLAG_STRING, F(mesos_role), "*", "Role of the framework" },
	{ "mesos_framework_name", NULL, FLAG_STRING, F(mesos_framework_name), "chronos",
	  "Framework name" },
	{ "user", NULL, FLAG_STRING, F(user), "root",
	  "Default runAsUser of jobs and the framework's user" },
	{ "mesos_task_cpu", NULL, FLAG_DOUBLE, F(mesos_task_cpu), "0.1", "Default job cpus" },
	{ "mesos_task_mem", NULL, FLAG_DOUBLE, F(mesos_task_mem), "128", "Default job mem (MB)" },
	{ "mesos_task_disk", NULL, FLAG_DOUBLE, F(mesos_task_disk), "256", "Default job disk (MB)" },
	{ "mesos_task_gpu", NULL, FLAG_INT, F(mesos_task_gpu), "0", "Default job gpus" },
	{ "failure_retry", NULL, FLAG_INT, F(failure_retry), "60000",
	  "Milliseconds before a failed run is retried" },
	{ "min_schedule_period", NULL, FLAG_INT, F(min_schedule_period), "1000",
	  "Milliseconds; schedules with a shorter period (PT0S...) are refused" },
	{ "disable_after_failures", NULL, FLAG_INT, F(disable_after_failures), "0",
	  "Disable a job after this many failures in a row (0 = never)" },
	{ "enable_features", NULL, FLAG_STRING, F(enable_features), NULL,
	  "Comma list; gpu_resources lets jobs use GPUs" },
	{ "failover_timeout", NULL, FLAG_DURATION, F(failover_timeout), "1weeks",
	  "How long the master keeps our tasks while we are away" },
	{ "mesos_checkpoint", NULL, FLAG_BOOL, F(mesos_checkpoint), "true",
	  "Ask agents to checkpoint our tasks" },
	{ "work_dir", NULL, FLAG_PATH, F(work_dir), "/var/lib/agora/jobs",
	  "Where jobs and run history are stored (SQLite)" },
	{ "zk_hosts", NULL, FLAG_STRING, F(zk_hosts), NULL, "Accepted; state is kept in SQLite" },
	{ "zk_path", NULL, FLAG_STRING, F(zk_path), NULL, "Accepted; state is kept in SQLite" },
	{ "schedule_horizon", NULL, FLAG_INT, F(schedule_horizon), NULL, "Accepted (2.x)" },
	{ "task_epsilon", NULL, FLAG_INT, F(task_epsilon), NULL, "Accepted (2.x)" },
	{ "logging_level", NULL, FLAG_STRING, F(logging_level), "INFO", "DEBUG, INFO, WARNING, ERROR" },
	{ "log_dir", NULL, FLAG_PATH, F(log_dir), NULL, "Also log to <log_dir>/agora-jobs.log" },
	{ "tz_dir", NULL, FLAG_PATH, F(tz_dir), "/usr/share/zoneinfo", "Time zone database" },
	{ "offer_refuse_seconds", NULL, FLAG_DOUBLE, F(offer_refuse_seconds), "1",
	  "refuse_seconds of offers declined while runs are queued" },
	{ "max_runs_per_job", NULL, FLAG_INT, F(max_runs_per_job), "100",
	  "Run history kept per job" },
};

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct jobsvc *s = arg;
	(void)what;
	log_info("jobs: received %s, shutting down (tasks keep running)",
		 sig == SIGINT ? "SIGINT" : "SIGTERM");
	event_base_loopexit(s->base, NULL);
}

static int load_one(struct jobsvc *s, json_t *doc, json_t *edges)
{
	struct job *job = NULL;
	struct jerr je;
	struct job_entry *e;

	if (job_from_json(doc, &s->defaults, (int64_t)(now_wall() * 1000), &job, &je) < 0) {
		log_warnx("jobs: a stored job does not parse any more (%s); skipped", je.msg);
		return -EINVAL;
	}
	e = engine_add_entry(s, job);
	if (json_is_object(edges)) {
		json_object_update(e->edges, edges);
		engine_job_changed(s, e);
	}
	return 0;
}

static int validate(struct jobsvc *s, const struct flags_result *fr, char *err, size_t errlen)
{
	struct jobs_flags *f = &s->flags;
	const char *creds = f->http_credentials ? f->http_credentials
						: getenv("MESOSPHERE_HTTP_CREDENTIALS");

	if (!f->master)
		return snprintf(err, errlen, "flag --master is required (host:port of the master)"),
		       -EINVAL;
	if (str_starts_with(f->master, "zk://"))
		return snprintf(err, errlen,
				"flag --master: '%s' is a ZooKeeper URL; leader detection through "
				"ZooKeeper is not available in this version of agora, give the "
				"master as host:port",
				f->master),
		       -EINVAL;
	if (f->http_port < 0 || f->http_port > 65535)
		return snprintf(err, errlen, "flag --http_port: not a port"), -EINVAL;
	if (f->min_schedule_period < 1)
		return snprintf(err, errlen,
				"flag --min_schedule_period: must be at least 1 (ms), got %lld",
				(long long)f->min_schedule_period),
		       -EINVAL;
	if (log_level_parse(f->logging_level) < 0)
		return snprintf(err, errlen, "flag --logging_level: unknown level '%s'",
				f->logging_level),
		       -EINVAL;
	if (f->enable_features) {
		char copy[256], *save = NULL;
		str_copy(copy, f->enable_features, sizeof(copy));
		for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
			if (strcmp(str_trim(t), "gpu_resources"))
				return snprintf(err, errlen,
						"flag --enable_features: unknown feature '%s' (known: "
						"gpu_resources)",
						t),
				       -EINVAL;
	}
	if (creds) {
		const char *colon = strchr(creds, ':');
		/* RFC 7617: the user ends at the first ':', the password may hold more */
		if (!colon || colon == creds || !colon[1] ||
		    (size_t)(colon - creds) >= sizeof(s->http_user) ||
		    strlen(colon + 1) >= sizeof(s->http_pass))
			return snprintf(err, errlen,
					"flag --http_credentials: expected user:password (or "
					"file:///path of a file holding user:password)"),
			       -EINVAL;
		memcpy(s->http_user, creds, (size_t)(colon - creds));
		s->http_user[colon - creds] = '\0';
		str_copy(s->http_pass, colon + 1, sizeof(s->http_pass));
		s->http_auth = true;
	}
	if (s->http_auth && !f->authenticate_http)
		return snprintf(err, errlen,
				"flags --http_credentials and --no-authenticate_http contradict each "
				"other; give one"),
		       -EINVAL;
	{
		struct daemon_auth rule = {
			.need_creds = f->authenticate_http,
			.have_creds = s->http_auth,
			.creds_flag = "--http_credentials=USER:PASS (or file:///path holding it)",
			.off_flags = "--no-authenticate_http",
			.off_what = f->authenticate_http ? NULL : "HTTP authentication",
			.ip_flag = "--http_address",
			.ip_given = fr->set[flags_find(jobs_flag_defs, ARRAY_LEN(jobs_flag_defs),
						       "http_address")],
		};
		if (daemon_auth_rule(&rule, &f->http_address, s->auth_warning,
				     sizeof(s->auth_warning), err, errlen) < 0)
			return -EINVAL;
	}
	if (f->mesos_authentication_secret_file) {
		char *text = NULL;
		int r = file_read_all(f->mesos_authentication_secret_file, 4096, &text, NULL);
		if (r < 0)
			return snprintf(err, errlen, "flag --mesos_authentication_secret_file: %s: %s",
					f->mesos_authentication_secret_file, strerror(-r)),
			       -EINVAL;
		s->mesos_secret = xstrdup(str_trim(text));
		free(text);
		if (!s->mesos_secret[0])
			return snprintf(err, errlen, "flag --mesos_authentication_secret_file: %s is "
						     "empty",
					f->mesos_authentication_secret_file),
			       -EINVAL;
	}
	if (f->failure_retry < 0 || f->max_runs_per_job < 1)
		return snprintf(err, errlen, "flags --failure_retry/--max_runs_per_job out of range"),
		       -EINVAL;
	s->defaults.cpus = f->mesos_task_cpu;
	s->defaults.mem = f->mesos_task_mem;
	s->defaults.disk = f->mesos_task_disk;
	s->defaults.gpus = (int)f->mesos_task_gpu;
	s->defaults.user = f->user;
	return 0;
}

static void jobsvc_free(struct jobsvc *s)
{
	struct map_iter it;
	void *v;
	engine_stop(s);
	map_iter_init(&it, &s->jobs);
	while (map_iter_next(&it, NULL, &v)) {
		struct job_entry *e = v;
		if (e->queued) {
			struct queued_run *q = e->queued;
			TAILQ_REMOVE(q->high ? &s->queue_high : &s->queue_normal, q, link);
			free(q->args);
			free(q);
		}
		engine_entry_free(e);
	}
	map_clear(&s->jobs);
	http_server_free(s->http);
	if (s->sigint)
		event_free(s->sigint);
	if (s->sigterm)
		event_free(s->sigterm);
	schedule_tzdb_free(&s->tzdb);
	store_close(s->db);
	free(s->mesos_secret);
	flags_free(jobs_flag_defs, ARRAY_LEN(jobs_flag_defs), &s->flags);
	if (s->base) {
		event_base_loop(s->base, EVLOOP_NONBLOCK);
		event_base_free(s->base);
	}
}

int jobs_main(int argc, char **argv)
{
	struct jobsvc s;
	struct flags_result fr;
	char err[1024];
	int rc = 1, n;

	memset(&s, 0, sizeof(s));
	memset(&fr, 0, sizeof(fr));
	map_init(&s.jobs);
	map_init(&s.runs);
	TAILQ_INIT(&s.queue_high);
	TAILQ_INIT(&s.queue_normal);
	TAILQ_INIT(&s.held);
	log_init("jobs", LOG_LEVEL_INFO);
	rc = daemon_load_flags("jobs", "agora jobs --master=HOST:PORT [--flag=value ...]",
			       jobs_flag_defs, ARRAY_LEN(jobs_flag_defs), &s.flags, argc, argv, &fr);
	if (rc != DAEMON_CONTINUE)
		goto out;
	rc = 1;
	if (validate(&s, &fr, err, sizeof(err)) < 0) {
		fprintf(stderr, "agora jobs: %s\n", err);
		goto out;
	}
	if (fr.check_config) {
		printf("agora jobs: configuration OK\n");
		rc = 0;
		goto out;
	}
	daemon_logging("jobs", s.flags.logging_level, s.flags.log_dir);
	daemon_auth_warn("jobs", s.auth_warning);
	signal(SIGPIPE, SIG_IGN);
	s.start_time = now_wall();
	schedule_tzdb_init(&s.tzdb, s.flags.tz_dir);
	if (jstore_jobs_open(&s, err, sizeof(err)) < 0) {
		log_error("jobs: %s", err);
		goto out;
	}
	s.base = event_base_new();
	if (!s.base)
		fatalx("jobs: event_base_new failed");
	n = jstore_load_jobs(&s, load_one);
	if (n > 0)
		log_info("jobs: loaded %d job(s) from %s/jobs.db", n, s.flags.work_dir);
	if (jobs_api_start(&s, err, sizeof(err)) < 0) {
		log_error("jobs: %s", err);
		goto out;
	}
	if (engine_start(&s, err, sizeof(err)) < 0) {
		log_error("jobs: %s", err);
		goto out;
	}
	s.sigint = evsignal_new(s.base, SIGINT, on_signal, &s);
	s.sigterm = evsignal_new(s.base, SIGTERM, on_signal, &s);
	evsignal_add(s.sigint, NULL);
	evsignal_add(s.sigterm, NULL);
	log_info("jobs: agora %s jobs (Chronos API) listening on %s:%u, master %s, user %s%s",
		 AGORA_VERSION, s.flags.http_address, s.http_port, s.flags.master, s.flags.user,
		 s.http_auth ? ", HTTP Basic on" : "");
	event_base_dispatch(s.base);
	rc = 0;
out:
	jobsvc_free(&s);
	return rc;
}
