/*
 * store — see store.h. Runs on the owning daemon's loop; SQLite calls are
 * synchronous and short (a few small rows per write, fsync in WAL mode).
 */
#include "core/store.h"

#include <errno.h>
#include <stdio.h>

#include "core/log.h"

int store_open(const char *path, const char *const *migrations, size_t nmigrations,
	       sqlite3 **db_out, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int version = 0;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
					       SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, db ? sqlite3_errmsg(db) : "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_exec(db,
			 "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA wal_autocheckpoint=200; "
			 "PRAGMA foreign_keys=ON;",
			 NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
		goto fail;
	}
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
		goto fail;
	}
	version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (version < 0 || (size_t)version > nmigrations) {
		snprintf(err, errlen, "%s: schema version %d is newer than this agora (%zu)", path,
			 version, nmigrations);
		goto fail;
	}
	for (size_t i = (size_t)version; i < nmigrations; i++) {
		char sql[64];
		char *msg = NULL;
		if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(db, migrations[i], NULL, NULL, &msg) != SQLITE_OK) {
			snprintf(err, errlen, "%s: migration %zu: %s", path, i + 1,
				 msg ? msg : sqlite3_errmsg(db));
			sqlite3_free(msg);
			goto fail;
		}
		snprintf(sql, sizeof(sql), "PRAGMA user_version=%zu", i + 1);
		if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
			snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
			goto fail;
		}
	}
	*db_out = db;
	return 0;
fail:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return -EIO;
}

void store_close(sqlite3 *db)
{
	if (db)
		sqlite3_close(db);
}

int store_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		log_error("store: %s (in: %.80s)", msg ? msg : sqlite3_errmsg(db), sql);
		sqlite3_free(msg);
		return -EIO;
	}
	return 0;
}

sqlite3_stmt *store_prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		log_error("store: prepare failed: %s (in: %.80s)", sqlite3_errmsg(db), sql);
		return NULL;
	}
	return st;
}

int store_run(sqlite3_stmt *st)
{
	int rc;
	if (!st)
		return -EIO;
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		log_error("store: %s", sqlite3_errmsg(sqlite3_db_handle(st)));
		sqlite3_finalize(st);
		return -EIO;
	}
	sqlite3_finalize(st);
	return 0;
}

int store_begin(sqlite3 *db) { return store_exec(db, "BEGIN IMMEDIATE"); }
int store_commit(sqlite3 *db) { return store_exec(db, "COMMIT"); }
void store_rollback(sqlite3 *db) { (void)store_exec(db, "ROLLBACK"); }
