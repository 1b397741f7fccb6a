/*
 * jobs/service — the state of one `agora jobs` process (the Chronos-
 * compatible job scheduler) and the functions its files share. One event
 * loop, one struct jobsvc, no locks. agora jobs is an ordinary framework:
 * it reaches the master only through the v1 scheduler API
 * (src/framework/scheduler.h).
 *
 * Files:
 *   main.c      flags (Chronos names), start-up, shutdown
 *   store.c     SQLite: job documents, run history, the framework id
 *   engine.c    timers, the run queue, offers → launches, status updates,
 *               retries, dependencies, why a job waits (pendingReason)
 *   graph.c     dependency graph: children, cycles, re-parenting on delete
 *   api.c       the Chronos REST API (/v1/scheduler and /scheduler)
 *   job.c       the job model (Chronos JSON) ; schedule.c ISO 8601 schedules
 */
#ifndef AGORA_JOBS_SERVICE_H
#define AGORA_JOBS_SERVICE_H

#include <event2/event.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include "core/http.h"
#include "core/map.h"
#include "framework/scheduler.h"
#include "jobs/job.h"
#include "jobs/schedule.h"

struct jobs_flags {
	char *master;
	int64_t http_port;
	char *http_address;
	char *http_credentials;
	bool authenticate_http;
	char *cors_origins;
	char *http_realm;
	char *hostname;
	char *mesos_authentication_principal;
	char *mesos_authentication_secret_file;
	bool mesos_authentication;
	char *mesos_role;
	char *mesos_framework_name;
	char *user;
	double mesos_task_cpu, mesos_task_mem, mesos_task_disk;
	int64_t mesos_task_gpu;
	int64_t failure_retry;	/* ms */
	int64_t min_schedule_period; /* ms; shorter schedule periods are refused */
	int64_t disable_after_failures;
	char *enable_features;
	double failover_timeout; /* seconds */
	bool mesos_checkpoint;
	char *work_dir;
	char *zk_hosts, *zk_path;
	int64_t schedule_horizon, task_epsilon;
	char *logging_level;
	char *log_dir;
	char *tz_dir;
	double offer_refuse_seconds;
	int64_t max_runs_per_job;
};

/* One queued run, waiting for an offer. */
struct queued_run {
	TAILQ_ENTRY(queued_run) link;
	struct job_entry *entry;
	char *args;	  /* manual-run arguments or NULL */
	int64_t due_ms;	  /* when it became due */
	unsigned attempt; /* 0 = first try */
	bool high;	  /* highPriority queue */
	bool manual;	  /* PUT /job/<name> */
};
TAILQ_HEAD(run_queue, queued_run);

/* One launched task of a job, until it is terminal. */
struct run {
	struct job_entry *entry;
	int64_t run_id; /* row id in the runs table */
	char task_id[256];
	char agent_id[256];
	char agent_url[300]; /* http://ip:port of the agent, for its /files */
	char state[32];
	unsigned attempt;
	int64_t due_ms;
	double started; /* wall clock */
	bool running_counted;
};

struct held_offer;

struct job_entry {
	struct jobsvc *svc;
	struct job *job;	 /* the Chronos model, owned */
	struct schedule sched;	 /* parsed schedule (scheduled jobs) */
	bool sched_ok;
	struct event *timer;	 /* fires when the schedule is due */
	struct queued_run *queued; /* at most one queued run per job (dedupe) */
	int running;		 /* launched, non-terminal tasks */
	json_t *edges;		 /* {"<parent>": successes since this child last started} */
	char pending_reason[1024];
	char last_task_id[256];
	/* a failed run waiting --failure_retry before its next attempt */
	struct event *retry_timer;
	unsigned retry_attempt;
	char *retry_args;
	int64_t retry_due_ms;
};

struct jobsvc {
	struct event_base *base;
	struct jobs_flags flags;
	struct http_server *http;
	uint16_t http_port;
	sqlite3 *db;
	struct schedule_tzdb tzdb;
	struct job_defaults defaults;
	char http_user[256], http_pass[256];
	bool http_auth;
	char auth_warning[512]; /* "" unless HTTP authentication is off */
	char *mesos_secret;
	char master_host[256];
	uint16_t master_port;

	struct sched *fw;	/* our framework client */
	bool subscribed;
	bool suppressed;
	bool revive_pending;
	bool in_batch;	     /* a store transaction is open until the end of this turn */
	json_t *pending_acks; /* [[agent_id, task_id, uuid]] sent once the batch commits */
	char framework_id[256];

	struct map jobs;	/* name -> struct job_entry */
	struct map runs;	/* task id -> struct run */
	struct run_queue queue_high, queue_normal;
	size_t queued_count;

	/* offers being served over several loop turns (engine.c) */
	TAILQ_HEAD(, held_offer) held;
	bool serving_scheduled;

	/* what the last offers looked like, for pendingReason */
	struct resources largest_offer;
	double last_offer_time;
	unsigned offers_seen;

	struct event *sigint, *sigterm;
	double start_time;
};

/* store.c */
int jstore_jobs_open(struct jobsvc *s, char *err, size_t errlen);
/*
 * Writes from the status-update path are batched: the first one in a loop
 * turn opens a transaction that commits at the end of the turn, and the
 * acknowledgements of the updates behind them are sent only after that
 * commit. jstore_flush() commits now (the API calls it before any 2xx, so
 * a reply still means "on disk"); 0 or -EIO.
 */
void jstore_batch(struct jobsvc *s);
int jstore_flush(struct jobsvc *s);
/* Writes the job (and its agora state: edges) durably. 0 or -EIO. */
int jstore_put_job(struct jobsvc *s, const struct job_entry *e);
int jstore_delete_job(struct jobsvc *s, const char *name);
/* Calls fn for every stored job document. */
int jstore_load_jobs(struct jobsvc *s, int (*fn)(struct jobsvc *, json_t *doc, json_t *edges));
int64_t jstore_run_begin(struct jobsvc *s, const struct run *r, const char *job_name);
int jstore_run_update(struct jobsvc *s, const struct run *r, const char *state, int exit_status,
		     const char *message, const char *sandbox, bool ended);
/* Runs of a job, newest first, at most limit. */
json_t *jstore_runs_json(struct jobsvc *s, const char *job_name, int limit);
/* One run by id (or the newest of the job when run_id < 0); NULL when none. */
json_t *jstore_run_json(struct jobsvc *s, const char *job_name, int64_t run_id);
int jstore_run_set_sandbox(struct jobsvc *s, int64_t run_id, const char *sandbox);
/* Non-terminal runs (for reconciliation after a restart). */
int jstore_open_runs(struct jobsvc *s, int (*fn)(struct jobsvc *, const char *job, const char *task_id,
						   const char *agent_id, const char *agent_url,
						   int64_t run_id, unsigned attempt, int64_t due_ms));
int jstore_get_meta(struct jobsvc *s, const char *key, char *out, size_t size);
int jstore_set_meta(struct jobsvc *s, const char *key, const char *value);
void jstore_prune_runs(struct jobsvc *s, const char *job_name, int keep);

/* engine.c */
int engine_start(struct jobsvc *s, char *err, size_t errlen);
void engine_stop(struct jobsvc *s);
/* A job was created or replaced (already stored): re-arm, keep runtime state. */
void engine_job_changed(struct jobsvc *s, struct job_entry *e);
struct job_entry *engine_add_entry(struct jobsvc *s, struct job *job);
void engine_remove_entry(struct jobsvc *s, struct job_entry *e);
/* Manual run (PUT /job/<name>): queued like a due run, with arguments. */
void engine_run_now(struct jobsvc *s, struct job_entry *e, const char *args);
/* DELETE /task/kill/<name>. Returns how many kills were sent. */
int engine_kill_job(struct jobsvc *s, struct job_entry *e);
/*
 * A run of e was launched at now (ms): its schedule moves to the next
 * occurrence after now, and past the run's own occurrence even when it was
 * queued (and launched) a few ms before it.
 */
void engine_advance_schedule(struct jobsvc *s, struct job_entry *e, const struct queued_run *q,
			     int64_t now);
/* PUT /job/success/<name>. */
void engine_mark_success(struct jobsvc *s, struct job_entry *e);
/*
 * A TaskStatus for one of the service's tasks, as the framework client
 * delivers it: the run's state and history, then success (counters,
 * children) or failure (retry after --failure_retry, counters, disabling).
 */
void engine_task_update(struct jobsvc *s, const struct mesos_task_status *st);
/* "idle", "queued", "running", "<n> running" */
void engine_job_state(const struct job_entry *e, char *buf, size_t size);
/* "success", "failure", "fresh" */
const char *engine_job_status(const struct job_entry *e);
/*
 * Why the job is not running, in one sentence ("" only while it runs): the
 * last event's reason, else what it waits for (parents, next due time).
 */
void engine_pending_reason(const struct job_entry *e, char *buf, size_t size);
/* The job's Chronos JSON plus agora's "pendingReason" (always) and "state". */
json_t *engine_job_json(const struct job_entry *e, bool listing);
/* Parses and validates a schedule for a job; err for a 400. */
int engine_parse_schedule(struct jobsvc *s, const struct job *job, struct schedule *out,
			  char *err, size_t errlen);
void engine_entry_free(struct job_entry *e);

/* graph.c */
/* Names of the jobs that have e's name among their parents. */
size_t graph_children(struct jobsvc *s, const char *name, struct job_entry **out, size_t max);
/* Would making `name` depend on parents create a cycle? */
bool graph_would_cycle(struct jobsvc *s, const char *name, const struct job_strs *parents);
/* Re-parents the children of a job being deleted (Chronos rules). Stores them. */
void graph_reparent_children(struct jobsvc *s, struct job_entry *deleted);
/* Every job entry, sorted by name; *n_out gets the count. The caller frees the array. */
struct job_entry **graph_sorted_entries(struct jobsvc *s, size_t *n_out);
char *graph_dot(struct jobsvc *s);
char *graph_csv(struct jobsvc *s);

/* api.c */
int jobs_api_start(struct jobsvc *s, char *err, size_t errlen);

int jobs_main(int argc, char **argv);

#endif
