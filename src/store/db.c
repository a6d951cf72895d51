/* db.c: see db.h. */
#include "store/db.h"
#include "store/migrations.h"
#include "util/log.h"
#include "util/util.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * Waits for another connection's write lock for up to about 10 s. SQLite's own busy timeout
 * sleeps 1, 2, 5, 10 ... ms: the other writer (the worker, between two short transactions)
 * leaves the lock free for well under a millisecond, so a waiter that sleeps that long keeps
 * missing it. This one looks again every 100 us after a short ramp (20, 40, 80 us).
 */
static int db_busy_backoff(void *arg, int count)
{
	(void)arg;
	long us = count < 3 ? 20L << count : 100L;
	if (count > 100000)
		return 0;
	struct timespec ts = { 0, us * 1000 };
	nanosleep(&ts, NULL);
	return 1;
}

void db_cache_mib(sqlite3 *db, int mib)
{
	char sql[48];
	snprintf(sql, sizeof(sql), "PRAGMA cache_size=-%d", mib * 1024);
	db_exec(db, sql);
}

sqlite3 *db_open(const char *path)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		log_error("store", "open failed path=%s err=\"%s\"", path,
			  db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_handler(db, db_busy_backoff, NULL);
	/* A statement with "LIKE ?" is otherwise recompiled on its first step after every bind
	 * (SQLite checks whether the bound pattern allows an index range): that doubled the cost of
	 * every list page. Our patterns start with '%', so no plan ever depended on them. */
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_QPSG, 1, (int *)NULL);
	/* FULL: a webhook or charge we acknowledged must survive power loss, not only a crash. */
	if (db_exec(db, "PRAGMA journal_mode=WAL") || db_exec(db, "PRAGMA foreign_keys=ON") ||
	    db_exec(db, "PRAGMA synchronous=FULL")) {
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

/* -- statements kept per connection ------------------------------------------------------- */

#define STMT_CACHE_SIZE 96

struct cached_stmt {
	sqlite3 *db;
	const char *sql; /* a string constant: its address is the key */
	sqlite3_stmt *st;
	int in_use;
};

/* Per thread, as each thread has its own connections (webhook.fcgi, the fee pool). */
static _Thread_local struct cached_stmt stmt_cache[STMT_CACHE_SIZE];
static _Thread_local int stmt_cache_len;

static struct cached_stmt *stmt_cache_find(const sqlite3_stmt *st)
{
	for (int i = 0; i < stmt_cache_len; i++)
		if (stmt_cache[i].st == st)
			return &stmt_cache[i];
	return NULL;
}

sqlite3_stmt *db_prepare_cached(sqlite3 *db, const char *sql)
{
	struct cached_stmt *c = NULL;
	for (int i = 0; i < stmt_cache_len && !c; i++)
		if (stmt_cache[i].db == db && stmt_cache[i].sql == sql)
			c = &stmt_cache[i];
	if (c && c->in_use)
		return db_prepare(db, sql); /* re-entered: a statement of its own */
	if (!c) {
		sqlite3_stmt *st = NULL;
		if (stmt_cache_len == STMT_CACHE_SIZE)
			return db_prepare(db, sql);
		if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
			sqlite3_finalize(st);
			return db_prepare(db, sql); /* logs why, the same way as ever */
		}
		c = &stmt_cache[stmt_cache_len++];
		*c = (struct cached_stmt){ .db = db, .sql = sql, .st = st };
	}
	c->in_use = 1;
	return c->st;
}

void db_finish(sqlite3_stmt *st)
{
	struct cached_stmt *c = st ? stmt_cache_find(st) : NULL;
	if (!c) {
		sqlite3_finalize(st);
		return;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	c->in_use = 0;
}

/* Resets what a caller left mid-step: a statement not reset keeps its read snapshot open. */
static int stmt_cache_release(sqlite3 *db)
{
	int left = 0;
	for (int i = 0; i < stmt_cache_len; i++) {
		if (stmt_cache[i].db != db || !stmt_cache[i].in_use)
			continue;
		left++;
		db_finish(stmt_cache[i].st);
	}
	return left;
}

static void stmt_cache_drop(sqlite3 *db)
{
	int kept = 0;
	for (int i = 0; i < stmt_cache_len; i++) {
		if (stmt_cache[i].db == db)
			sqlite3_finalize(stmt_cache[i].st);
		else
			stmt_cache[kept++] = stmt_cache[i];
	}
	stmt_cache_len = kept;
}

void db_close(sqlite3 *db)
{
	if (!db)
		return;
	stmt_cache_drop(db);
	sqlite3_close(db);
}

int db_exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		log_error("store", "exec failed err=\"%s\"", err ? err : sqlite3_errmsg(db));
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

int db_begin(sqlite3 *db)
{
	return db_exec(db, "BEGIN IMMEDIATE");
}

int db_commit(sqlite3 *db)
{
	if (db_exec(db, "COMMIT") == 0)
		return 0;
	db_rollback(db);
	return -1;
}

void db_rollback(sqlite3 *db)
{
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

int db_begin_unless_open(sqlite3 *db, int *own)
{
	*own = sqlite3_get_autocommit(db);
	return *own ? db_begin(db) : 0;
}

int db_end_own(sqlite3 *db, int own, int ok)
{
	if (!own)
		return ok ? 0 : -1;
	if (ok)
		return db_commit(db);
	db_rollback(db);
	return -1;
}

sqlite3_stmt *db_prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		/* SQLITE_ERROR may be a typo in our SQL or a database at another schema: no way to
		 * tell them apart here, and neither is worth killing a process that serves others. */
		log_error("store", "prepare failed code=%d err=\"%s\" sql=\"%.80s\"", rc,
			  sqlite3_errmsg(db), sql);
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

int db_rollback_leftover(sqlite3 *db, const char *where)
{
	if (db && stmt_cache_release(db))
		log_error("store", "statement left unfinished, reset where=%s", where ? where : "-");
	if (!db || sqlite3_get_autocommit(db))
		return 0;
	log_error("store", "transaction left open, rolled back where=%s", where ? where : "-");
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return 1;
}

void db_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

int db_step_done(sqlite3_stmt *st)
{
	if (!st)
		return -1; /* db_prepare logged why */
	int rc = sqlite3_step(st);
	int ok = (rc == SQLITE_DONE || rc == SQLITE_ROW);
	if (!ok)
		log_error("store", "step failed err=\"%s\"", sqlite3_errmsg(sqlite3_db_handle(st)));
	db_finish(st);
	return ok ? 0 : -1;
}

void *db_collect(sqlite3_stmt *st, size_t elem_size, db_row_reader read, size_t *n, int *failed)
{
	char *items = NULL;
	size_t cap = 0;
	int rc;
	*n = 0;
	*failed = 1;
	if (!st)
		return NULL; /* db_prepare logged why */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		items = array_grow(items, *n, &cap, elem_size);
		memset(items + *n * elem_size, 0, elem_size);
		read(st, items + (*n)++ * elem_size);
	}
	if (rc == SQLITE_DONE) {
		*failed = 0;
	} else {
		log_error("store", "list failed err=\"%s\" sql=\"%.60s\"", sqlite3_errmsg(sqlite3_db_handle(st)),
			  sqlite3_sql(st));
		free(items);
		items = NULL;
		*n = 0;
	}
	db_finish(st);
	return items;
}

int db_collect_texts(sqlite3_stmt *st, char ***texts, size_t *n)
{
	size_t cap = 0;
	int rc;
	*texts = NULL;
	*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*texts = array_grow(*texts, *n, &cap, sizeof(**texts));
		(*texts)[(*n)++] = xstrdup(db_col_text(st, 0));
	}
	db_finish(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int64_t db_insert_returning(sqlite3_stmt *st, int *duplicate)
{
	if (!st)
		return -1; /* db_prepare logged why */
	int64_t id = -1;
	int rc = sqlite3_step(st);
	sqlite3 *db = sqlite3_db_handle(st);
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE && duplicate && (sqlite3_extended_errcode(db) == SQLITE_CONSTRAINT_UNIQUE))
		*duplicate = 1;
	else if (rc != SQLITE_DONE)
		log_error("store", "insert failed err=\"%s\"", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return id;
}

int db_update_one(sqlite3_stmt *st)
{
	sqlite3 *db = sqlite3_db_handle(st);
	if (!db || db_step_done(st) < 0)
		return -1;
	return sqlite3_changes(db) == 1 ? 0 : -1;
}

int64_t db_count(sqlite3_stmt *st)
{
	int64_t count = -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		count = sqlite3_column_int64(st, 0);
	db_finish(st);
	return count;
}

const char *db_col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return s ? (const char *)s : "";
}

char *db_col_strdup(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return s ? xstrdup((const char *)s) : NULL;
}

int db_schema_version(sqlite3 *db)
{
	sqlite3_stmt *st = db_prepare(db, "PRAGMA user_version");
	int v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_finalize(st);
	return v;
}

int db_schema_version_latest(void)
{
	return (int)migrations_count;
}

int db_migrate(sqlite3 *db)
{
	int version = db_schema_version(db);
	if (version < 0)
		return -1;
	for (size_t i = (size_t)version; i < migrations_count; i++) {
		char pragma[64];
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version=%zu", i + 1);
		if (db_begin(db))
			return -1;
		if (db_exec(db, migrations[i].sql) || db_exec(db, pragma)) {
			log_error("store", "migration failed name=%s", migrations[i].name);
			db_rollback(db);
			return -1;
		}
		if (db_commit(db))
			return -1;
		log_info("store", "migrated name=%s version=%zu", migrations[i].name, i + 1);
	}
	return 0;
}
