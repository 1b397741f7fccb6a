/*
 * master/registry — the durable list of admitted agents.
 *
 * One SQLite file, <work_dir>/registry.db. An agent is written here before
 * its SUBSCRIBED event is sent, so an agent the master acknowledged is
 * known again after a kill -9 of the master; such agents come back as
 * AGENT_RECOVERED until they re-register. The sequence for new agent ids
 * is kept here too so ids never repeat across restarts. So are an agent's
 * principal (its id belongs to it) and when the master declared it
 * unreachable, so that a master that restarted meanwhile still kills the
 * non-partition-aware tasks it comes back with (tasks.c).
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
#include "master/master.h"

static const char *const migrations[] = {
	"CREATE TABLE agents ("
	"  id TEXT PRIMARY KEY,"
	"  hostname TEXT NOT NULL,"
	"  ip TEXT NOT NULL,"
	"  port INTEGER NOT NULL,"
	"  principal TEXT NOT NULL DEFAULT '',"
	"  resources TEXT NOT NULL,"
	"  attributes TEXT NOT NULL DEFAULT '[]',"
	"  registered_time REAL NOT NULL,"
	"  reregistered_time REAL NOT NULL DEFAULT 0);"
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
	/* when the master gave up on the agent (0 = reachable); outlives master restarts */
	"ALTER TABLE agents ADD COLUMN unreachable_time REAL NOT NULL DEFAULT 0;",
};

int registry_open(struct master *m, char *err, size_t errlen)
{
	char path[PATH_MAX];
	int r = mkdir_p(m->flags.work_dir, 0700);
	if (r < 0) {
		snprintf(err, errlen, "cannot create --work_dir %s: %s", m->flags.work_dir,
			 strerror(-r));
		return r;
	}
	if (str_printf(path, sizeof(path), "%s/registry.db", m->flags.work_dir) < 0) {
		snprintf(err, errlen, "--work_dir path too long");
		return -ENAMETOOLONG;
	}
	return store_open(path, migrations, ARRAY_LEN(migrations), &m->db, err, errlen);
}

static void load_seq(struct master *m)
{
	sqlite3_stmt *st = store_prepare(m->db, "SELECT value FROM meta WHERE key='agent_seq'");
	if (st && sqlite3_step(st) == SQLITE_ROW) {
		uint64_t v;
		if (parse_uint64((const char *)sqlite3_column_text(st, 0), &v) == 0)
			m->next_agent_seq = v;
	}
	sqlite3_finalize(st);
}

int registry_load(struct master *m)
{
	sqlite3_stmt *st;
	size_t n = 0;

	load_seq(m);
	st = store_prepare(m->db, "SELECT id, hostname, ip, port, principal, resources, "
				  "attributes, registered_time, reregistered_time, unreachable_time "
				  "FROM agents");
	if (!st)
		return -EIO;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		const char *res_text = (const char *)sqlite3_column_text(st, 5);
		const char *attrs = (const char *)sqlite3_column_text(st, 6);
		struct master_agent *a;
		char err[256];
		json_t *res_json;

		if (!id || map_get(&m->agents, id))
			continue;
		a = master_agent_new(m, id);
		str_copy(a->hostname, (const char *)sqlite3_column_text(st, 1), sizeof(a->hostname));
		str_copy(a->ip, (const char *)sqlite3_column_text(st, 2), sizeof(a->ip));
		a->port = (uint16_t)sqlite3_column_int(st, 3);
		str_copy(a->principal, (const char *)sqlite3_column_text(st, 4), sizeof(a->principal));
		res_json = json_loads(res_text ? res_text : "[]", 0, NULL);
		if (!res_json || res_parse_json(res_json, "resources", &a->total, err, sizeof(err)) < 0)
			log_warnx("registry: agent %s: unreadable resources (%s); they will be "
				  "replaced when it re-registers", id, err);
		json_decref(res_json);
		json_decref(a->attributes);
		a->attributes = json_loads(attrs ? attrs : "[]", 0, NULL);
		if (!a->attributes)
			a->attributes = json_array();
		a->registered_time = sqlite3_column_double(st, 7);
		a->reregistered_time = sqlite3_column_double(st, 8);
		a->unreachable_time = sqlite3_column_double(st, 9);
		n++;
	}
	sqlite3_finalize(st);
	if (n)
		log_info("registry: recovered %zu agent(s); waiting for them to re-register", n);
	return 0;
}

int registry_save_agent(struct master *m, const struct master_agent *a)
{
	sqlite3_stmt *st;
	json_t *res = res_to_json(&a->total);
	char *res_text = json_compact(res);
	char *attr_text = json_compact(a->attributes);
	char seq[32];
	int r = -EIO;

	json_decref(res);
	if (store_begin(m->db) < 0)
		goto out;
	st = store_prepare(m->db,
			   "INSERT INTO agents (id, hostname, ip, port, principal, resources, "
			   "attributes, registered_time, reregistered_time, unreachable_time) "
			   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
			   "ON CONFLICT(id) DO UPDATE SET hostname=?2, ip=?3, port=?4, "
			   "principal=?5, resources=?6, attributes=?7, reregistered_time=?9, "
			   "unreachable_time=?10");
	if (!st)
		goto rollback;
	sqlite3_bind_text(st, 1, a->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, a->hostname, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, a->ip, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, a->port);
	sqlite3_bind_text(st, 5, a->principal, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, res_text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, attr_text, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 8, a->registered_time);
	sqlite3_bind_double(st, 9, a->reregistered_time);
	sqlite3_bind_double(st, 10, a->unreachable_time);
	if (store_run(st) < 0)
		goto rollback;
	snprintf(seq, sizeof(seq), "%llu", (unsigned long long)m->next_agent_seq);
	st = store_prepare(m->db, "INSERT INTO meta (key, value) VALUES ('agent_seq', ?1) "
				  "ON CONFLICT(key) DO UPDATE SET value=?1");
	if (!st)
		goto rollback;
	sqlite3_bind_text(st, 1, seq, -1, SQLITE_STATIC);
	if (store_run(st) < 0)
		goto rollback;
	r = store_commit(m->db);
	goto out;
rollback:
	store_rollback(m->db);
out:
	free(res_text);
	free(attr_text);
	return r;
}
