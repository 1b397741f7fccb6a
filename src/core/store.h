/*
 * store — embedded durable state on SQLite.
 *
 * Every daemon that keeps state opens one database file under its
 * --work_dir with store_open(): WAL journal, synchronous=FULL (a committed
 * transaction survives kill -9 and power loss), foreign keys on, and the
 * schema brought up to date from the caller's list of migrations
 * (PRAGMA user_version counts the ones applied). A write that is
 * acknowledged to a client must have returned from store_exec/step first.
 */
#ifndef AGORA_CORE_STORE_H
#define AGORA_CORE_STORE_H

#include <sqlite3.h>
#include <stddef.h>

/*
 * Opens (creating) path and applies migrations[user_version..n). Returns 0
 * or -EIO with err set ("<path>: <sqlite message>").
 */
int store_open(const char *path, const char *const *migrations, size_t nmigrations,
	       sqlite3 **db_out, char *err, size_t errlen);
void store_close(sqlite3 *db);
/* Runs SQL without results; logs and returns -EIO on failure. */
int store_exec(sqlite3 *db, const char *sql);
/* Prepares a statement; logs and returns NULL on failure. */
sqlite3_stmt *store_prepare(sqlite3 *db, const char *sql);
/* Steps a write statement to completion and finalizes it; 0 or -EIO. */
int store_run(sqlite3_stmt *stmt);
int store_begin(sqlite3 *db);
int store_commit(sqlite3 *db);
void store_rollback(sqlite3 *db);

#endif
