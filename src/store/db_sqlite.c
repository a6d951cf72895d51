/* db_sqlite.c: the SQLite backend of db.h (the embedded default). */
#include "store/db_impl.h"
#include "util/log.h"
#include "util/util.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct lite {
	struct db base;
	sqlite3 *h;
	int busy_polls; /* how many times the busy handler looks again before giving up */
};

struct lite_stmt {
	struct db_stmt base;
	sqlite3_stmt *st;
};

#define LITE(db) (((struct lite *)(void *)(db))->h)
#define STMT(s) (((struct lite_stmt *)(void *)(s))->st)

/*
 * Waits for another connection's write lock for up to about 10 s. SQLite's own busy timeout
 * sleeps 1, 2, 5, 10 ... ms: the other writer (the worker, between two short transactions)
 * leaves the lock free for well under a millisecond, so a waiter that sleeps that long keeps
 * missing it. This one looks again every 100 us after a short ramp (20, 40, 80 us).
 */
static int lite_busy_backoff(void *arg, int count)
{
	const struct lite *db = arg;
	long us = count < 3 ? 20L << count : 100L;
	if (count >= db->busy_polls)
		return 0;
	struct timespec ts = { 0, us * 1000 };
	nanosleep(&ts, NULL);
	return 1;
}

static void lite_close(struct db *db)
{
	sqlite3_close(LITE(db));
	free(db);
}

static int lite_exec(struct db *db, const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(LITE(db), sql, NULL, NULL, &err) != SQLITE_OK) {
		log_error("store", "exec failed err=\"%s\"", err ? err : sqlite3_errmsg(LITE(db)));
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

static const struct db_ops lite_ops;

static struct db_stmt *lite_prepare(struct db *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(LITE(db), sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		/* SQLITE_ERROR may be a typo in our SQL or a database at another schema: no way to
		 * tell them apart here, and neither is worth killing a process that serves others. */
		log_error("store", "prepare failed code=%d err=\"%s\" sql=\"%.80s\"", rc,
			  sqlite3_errmsg(LITE(db)), sql);
		sqlite3_finalize(st);
		return NULL;
	}
	struct lite_stmt *s = xmalloc(sizeof(*s));
	s->base.ops = &lite_ops;
	s->base.db = db;
	s->st = st;
	return &s->base;
}

static void lite_finalize(struct db_stmt *st)
{
	sqlite3_finalize(STMT(st));
	free(st);
}

static void lite_reset(struct db_stmt *st)
{
	sqlite3_reset(STMT(st));
}

static void lite_clear_bindings(struct db_stmt *st)
{
	sqlite3_clear_bindings(STMT(st));
}

static int lite_step(struct db_stmt *st)
{
	int rc = sqlite3_step(STMT(st));
	return rc == SQLITE_ROW ? DB_ROW : rc == SQLITE_DONE ? DB_DONE : DB_ERROR;
}

static const char *lite_sql(struct db_stmt *st)
{
	return sqlite3_sql(STMT(st));
}

static void lite_bind_int64(struct db_stmt *st, int i, int64_t v)
{
	sqlite3_bind_int64(STMT(st), i, v);
}

static void lite_bind_null(struct db_stmt *st, int i)
{
	sqlite3_bind_null(STMT(st), i);
}

static void lite_bind_text(struct db_stmt *st, int i, const char *s)
{
	sqlite3_bind_text(STMT(st), i, s, -1, SQLITE_TRANSIENT);
}

static void lite_bind_blob(struct db_stmt *st, int i, const void *p, size_t len)
{
	sqlite3_bind_blob64(STMT(st), i, p, len, SQLITE_TRANSIENT);
}

static int64_t lite_col_int64(struct db_stmt *st, int i)
{
	return sqlite3_column_int64(STMT(st), i);
}

static int lite_col_is_null(struct db_stmt *st, int i)
{
	return sqlite3_column_type(STMT(st), i) == SQLITE_NULL;
}

static enum db_type lite_col_type(struct db_stmt *st, int i)
{
	switch (sqlite3_column_type(STMT(st), i)) {
	case SQLITE_NULL:
		return DB_NULL;
	case SQLITE_INTEGER:
		return DB_INTEGER;
	case SQLITE_BLOB:
		return DB_BLOB;
	default:
		return DB_TEXT; /* the schema has no REAL columns; text keeps any exactly */
	}
}

static const void *lite_col_blob(struct db_stmt *st, int i)
{
	return sqlite3_column_blob(STMT(st), i);
}

static int lite_col_bytes(struct db_stmt *st, int i)
{
	return sqlite3_column_bytes(STMT(st), i);
}

static const char *lite_col_text(struct db_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(STMT(st), i);
}

static int lite_changes(struct db *db)
{
	return sqlite3_changes(LITE(db));
}

static const char *lite_errmsg(struct db *db)
{
	return sqlite3_errmsg(LITE(db));
}

static enum db_err lite_err(struct db *db)
{
	int ext = sqlite3_extended_errcode(LITE(db));
	if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
		return DB_ERR_UNIQUE;
	if ((ext & 0xff) == SQLITE_BUSY || (ext & 0xff) == SQLITE_LOCKED)
		return DB_ERR_BUSY;
	return (ext & 0xff) == SQLITE_OK || ext == SQLITE_ROW || ext == SQLITE_DONE ? DB_ERR_NONE
										    : DB_ERR_OTHER;
}

static void lite_busy_wait_ms(struct db *db, int ms)
{
	((struct lite *)(void *)db)->busy_polls = ms * 10;
}

static int lite_in_transaction(struct db *db)
{
	return !sqlite3_get_autocommit(LITE(db));
}

static int lite_begin(struct db *db)
{
	return lite_exec(db, "BEGIN IMMEDIATE");
}

/* PRAGMA user_version, as every release so far kept it. */
static int lite_schema_version(struct db *db)
{
	sqlite3_stmt *st = NULL;
	int v = -1;
	if (sqlite3_prepare_v2(LITE(db), "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int lite_set_schema_version(struct db *db, int version)
{
	char pragma[64];
	snprintf(pragma, sizeof(pragma), "PRAGMA user_version=%d", version);
	return lite_exec(db, pragma);
}

static const struct db_ops lite_ops = {
	.engine = DB_SQLITE,
	.close = lite_close,
	.exec = lite_exec,
	.prepare = lite_prepare,
	.finalize = lite_finalize,
	.reset = lite_reset,
	.clear_bindings = lite_clear_bindings,
	.step = lite_step,
	.sql = lite_sql,
	.bind_int64 = lite_bind_int64,
	.bind_null = lite_bind_null,
	.bind_text = lite_bind_text,
	.bind_blob = lite_bind_blob,
	.col_int64 = lite_col_int64,
	.col_is_null = lite_col_is_null,
	.col_type = lite_col_type,
	.col_blob = lite_col_blob,
	.col_bytes = lite_col_bytes,
	.col_text = lite_col_text,
	.changes = lite_changes,
	.errmsg = lite_errmsg,
	.err = lite_err,
	.in_transaction = lite_in_transaction,
	.busy_wait_ms = lite_busy_wait_ms,
	.begin = lite_begin,
	.schema_version = lite_schema_version,
	.set_schema_version = lite_set_schema_version,
};

struct db *db_sqlite_open(const char *path)
{
	sqlite3 *h = NULL;
	int rc = sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		log_error("store", "open failed path=%s err=\"%s\"", path,
			  h ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
		sqlite3_close(h);
		return NULL;
	}
	struct lite *db = xmalloc(sizeof(*db));
	db->base.ops = &lite_ops;
	db->h = h;
	db->busy_polls = 100000;
	sqlite3_busy_handler(h, lite_busy_backoff, db);
	/* FULL: a webhook or charge we acknowledged must survive power loss, not only a crash. */
	if (lite_exec(&db->base, "PRAGMA journal_mode=WAL") ||
	    lite_exec(&db->base, "PRAGMA foreign_keys=ON") ||
	    lite_exec(&db->base, "PRAGMA synchronous=FULL")) {
		lite_close(&db->base);
		return NULL;
	}
	return &db->base;
}
