/*
 * jobs/store — what `agora jobs` keeps on disk: one SQLite file,
 * <work_dir>/jobs.db (WAL, synchronous=FULL via core/store).
 *
 *   jobs(name, doc, edges)  the Chronos JSON of each job as the API shows it
 *                           and the dependency edge counters (agora state)
 *   runs(...)               one row per launched task: run history
 *   meta(key, value)        the framework id, so a restart resubscribes
 *
 * Every mutating API call commits here before its 204 goes out, so an
 * acknowledged job survives kill -9.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/log.h"
#include "core/store.h"
#include "core/util.h"
#include "jobs/service.h"

static const char *const migrations[] = {
	"CREATE TABLE jobs (name TEXT PRIMARY KEY, doc TEXT NOT NULL, edges TEXT NOT NULL "
	"DEFAULT '{}');"
	"CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, job TEXT NOT NULL,"
	"  task_id TEXT NOT NULL, agent_id TEXT NOT NULL DEFAULT '',"
	"  agent_url TEXT NOT NULL DEFAULT '', attempt INTEGER NOT NULL DEFAULT 0,"
	"  due_ms INTEGER NOT NULL DEFAULT 0, start REAL NOT NULL, end REAL,"
	"  state TEXT NOT NULL, exit_status INTEGER, message TEXT NOT NULL DEFAULT '',"
	"  sandbox TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX runs_job ON runs(job, id);"
	"CREATE INDEX runs_task ON runs(task_id);"
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
};

int jstore_jobs_open(struct jobsvc *s, char *err, size_t errlen)
{
	char path[PATH_MAX];
	int r = mkdir_p(s->flags.work_dir, 0700);
	if (r < 0) {
		snprintf(err, errlen, "cannot create --work_dir %s: %s", s->flags.work_dir,
			 strerror(-r));
		return r;
	}
	if (str_printf(path, sizeof(path), "%s/jobs.db", s->flags.work_dir) < 0) {
		snprintf(err, errlen, "--work_dir path too long");
		return -ENAMETOOLONG;
	}
	return store_open(path, migrations, ARRAY_LEN(migrations), &s->db, err, errlen);
}

static void on_flush(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	jstore_flush(arg);
}

void jstore_batch(struct jobsvc *s)
{
	struct timeval zero = { 0, 0 };
	if (s->in_batch)
		return;
	if (store_begin(s->db) < 0)
		return; /* writes fall back to one transaction each */
	s->in_batch = true;
	if (event_base_once(s->base, -1, EV_TIMEOUT, on_flush, s, &zero) < 0)
		jstore_flush(s);
}

static void send_acks(struct jobsvc *s)
{
	size_t i;
	json_t *a;
	if (!s->pending_acks)
		return;
	json_array_foreach(s->pending_acks, i, a) {
		if (s->fw)
			sched_acknowledge(s->fw, json_string_value(json_array_get(a, 0)),
					  json_string_value(json_array_get(a, 1)),
					  json_string_value(json_array_get(a, 2)), NULL, NULL);
	}
	json_array_clear(s->pending_acks);
}

int jstore_flush(struct jobsvc *s)
{
	int r = 0;
	if (s->in_batch) {
		s->in_batch = false;
		r = store_commit(s->db);
		if (r < 0) {
			store_rollback(s->db);
			log_error("jobs: a batch of run updates did not commit; the updates will be "
				  "delivered again");
			json_array_clear(s->pending_acks); /* unacked: the agent resends them */
			return r;
		}
	}
	send_acks(s);
	return r;
}

int jstore_put_job(struct jobsvc *s, const struct job_entry *e)
{
	json_t *doc = job_to_json(e->job);
	char *text = json_compact(doc), *edges = json_compact(e->edges);
	sqlite3_stmt *st = store_prepare(s->db, "INSERT INTO jobs (name, doc, edges) VALUES (?1, "
						"?2, ?3) ON CONFLICT(name) DO UPDATE SET doc=?2, "
						"edges=?3");
	int r = -EIO;
	json_decref(doc);
	if (st) {
		sqlite3_bind_text(st, 1, e->job->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, edges, -1, SQLITE_STATIC);
		r = store_run(st);
	}
	free(text);
	free(edges);
	return r;
}

int jstore_delete_job(struct jobsvc *s, const char *name)
{
	sqlite3_stmt *st = store_prepare(s->db, "DELETE FROM jobs WHERE name=?1");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	return store_run(st);
}

int jstore_load_jobs(struct jobsvc *s, int (*fn)(struct jobsvc *, json_t *doc, json_t *edges))
{
	sqlite3_stmt *st = store_prepare(s->db, "SELECT name, doc, edges FROM jobs ORDER BY name");
	int n = 0;
	if (!st)
		return -EIO;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		json_t *doc = json_loads((const char *)sqlite3_column_text(st, 1), 0, NULL);
		json_t *edges = json_loads((const char *)sqlite3_column_text(st, 2), 0, NULL);
		if (!doc) {
			log_warnx("jobs: stored job %s is unreadable; skipped", name ? name : "?");
		} else if (fn(s, doc, edges) == 0) {
			n++;
		}
		json_decref(doc);
		json_decref(edges);
	}
	sqlite3_finalize(st);
	return n;
}

int64_t jstore_run_begin(struct jobsvc *s, const struct run *r, const char *job_name)
{
	sqlite3_stmt *st = store_prepare(s->db,
					 "INSERT INTO runs (job, task_id, agent_id, agent_url, "
					 "attempt, due_ms, start, state) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, job_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r->task_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->agent_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, r->agent_url, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, (int)r->attempt);
	sqlite3_bind_int64(st, 6, r->due_ms);
	sqlite3_bind_double(st, 7, r->started);
	sqlite3_bind_text(st, 8, r->state, -1, SQLITE_STATIC);
	if (store_run(st) < 0)
		return -1;
	return sqlite3_last_insert_rowid(s->db);
}

int jstore_run_update(struct jobsvc *s, const struct run *r, const char *state, int exit_status,
		     const char *message, const char *sandbox, bool ended)
{
	sqlite3_stmt *st = store_prepare(
		s->db, "UPDATE runs SET state=?2, message=CASE WHEN ?3 IS NULL THEN message ELSE ?3 "
		       "END, exit_status=CASE WHEN ?4 < 0 THEN exit_status ELSE ?4 END, "
		       "sandbox=CASE WHEN ?5 IS NULL THEN sandbox ELSE ?5 END, "
		       "end=CASE WHEN ?6 THEN ?7 ELSE end END, agent_id=?8, agent_url=?9 WHERE id=?1");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, r->run_id);
	sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
	if (message)
		sqlite3_bind_text(st, 3, message, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, exit_status);
	if (sandbox)
		sqlite3_bind_text(st, 5, sandbox, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, ended);
	sqlite3_bind_double(st, 7, now_wall());
	sqlite3_bind_text(st, 8, r->agent_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, r->agent_url, -1, SQLITE_STATIC);
	return store_run(st);
}

json_t *jstore_runs_json(struct jobsvc *s, const char *job_name, int limit)
{
	sqlite3_stmt *st = store_prepare(
		s->db, "SELECT id, task_id, agent_id, agent_url, attempt, due_ms, start, end, state, "
		       "exit_status, message, sandbox FROM runs WHERE job=?1 ORDER BY id DESC "
		       "LIMIT ?2");
	json_t *arr = json_array();
	if (!st)
		return arr;
	sqlite3_bind_text(st, 1, job_name, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, limit);
	while (sqlite3_step(st) == SQLITE_ROW) {
		json_t *o = json_pack(
			"{s:I, s:s, s:s, s:s, s:i, s:I, s:f, s:s, s:s, s:s}", "run_id",
			(json_int_t)sqlite3_column_int64(st, 0), "task_id",
			(const char *)sqlite3_column_text(st, 1), "agent_id",
			(const char *)sqlite3_column_text(st, 2), "agent_url",
			(const char *)sqlite3_column_text(st, 3), "attempt",
			sqlite3_column_int(st, 4), "due_ms", (json_int_t)sqlite3_column_int64(st, 5),
			"start", sqlite3_column_double(st, 6), "state",
			(const char *)sqlite3_column_text(st, 8), "message",
			(const char *)sqlite3_column_text(st, 10), "sandbox",
			(const char *)sqlite3_column_text(st, 11));
		if (!o)
			continue;
		json_object_set_new(o, "end", sqlite3_column_type(st, 7) == SQLITE_NULL
						       ? json_null()
						       : json_real(sqlite3_column_double(st, 7)));
		json_object_set_new(o, "exit_status",
				    sqlite3_column_type(st, 9) == SQLITE_NULL
					    ? json_null()
					    : json_integer(sqlite3_column_int(st, 9)));
		json_array_append_new(arr, o);
	}
	sqlite3_finalize(st);
	return arr;
}

json_t *jstore_run_json(struct jobsvc *s, const char *job_name, int64_t run_id)
{
	json_t *all = jstore_runs_json(s, job_name, run_id < 0 ? 1 : 1000000), *v, *found = NULL;
	size_t i;
	json_array_foreach(all, i, v) {
		if (run_id < 0 || json_integer_value(json_object_get(v, "run_id")) == run_id) {
			found = json_incref(v);
			break;
		}
	}
	json_decref(all);
	return found;
}

int jstore_run_set_sandbox(struct jobsvc *s, int64_t run_id, const char *sandbox)
{
	sqlite3_stmt *st = store_prepare(s->db, "UPDATE runs SET sandbox=?2 WHERE id=?1");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_text(st, 2, sandbox, -1, SQLITE_STATIC);
	return store_run(st);
}

int jstore_open_runs(struct jobsvc *s, int (*fn)(struct jobsvc *, const char *job, const char *task_id,
						   const char *agent_id, const char *agent_url,
						   int64_t run_id, unsigned attempt, int64_t due_ms))
{
	sqlite3_stmt *st = store_prepare(s->db, "SELECT job, task_id, agent_id, agent_url, id, "
						"attempt, due_ms FROM runs WHERE end IS NULL");
	int n = 0;
	if (!st)
		return -EIO;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (fn(s, (const char *)sqlite3_column_text(st, 0),
		       (const char *)sqlite3_column_text(st, 1),
		       (const char *)sqlite3_column_text(st, 2),
		       (const char *)sqlite3_column_text(st, 3), sqlite3_column_int64(st, 4),
		       (unsigned)sqlite3_column_int(st, 5), sqlite3_column_int64(st, 6)) == 0)
			n++;
	}
	sqlite3_finalize(st);
	return n;
}

int jstore_get_meta(struct jobsvc *s, const char *key, char *out, size_t size)
{
	sqlite3_stmt *st = store_prepare(s->db, "SELECT value FROM meta WHERE key=?1");
	int r = -ENOENT;
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		str_copy(out, (const char *)sqlite3_column_text(st, 0), size);
		r = 0;
	}
	sqlite3_finalize(st);
	return r;
}

int jstore_set_meta(struct jobsvc *s, const char *key, const char *value)
{
	sqlite3_stmt *st = store_prepare(s->db, "INSERT INTO meta (key, value) VALUES (?1, ?2) "
						"ON CONFLICT(key) DO UPDATE SET value=?2");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	return store_run(st);
}

void jstore_prune_runs(struct jobsvc *s, const char *job_name, int keep)
{
	sqlite3_stmt *st = store_prepare(s->db, "DELETE FROM runs WHERE job=?1 AND end IS NOT NULL "
						"AND id NOT IN (SELECT id FROM runs WHERE job=?1 "
						"ORDER BY id DESC LIMIT ?2)");
	if (!st)
		return;
	sqlite3_bind_text(st, 1, job_name, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, keep);
	store_run(st);
}
