/* db.c: see db.h. The engine-neutral half; the engines are store/db_sqlite.c and db_pg.c. */
#include "store/db.h"
#include "store/db_impl.h"
#include "store/migrations.h"
#include "util/log.h"
#include "util/util.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int db_conninfo_is_postgres(const char *conninfo)
{
	if (!conninfo)
		return 0;
	if (!strncmp(conninfo, "postgresql://", 13) || !strncmp(conninfo, "postgres://", 11))
		return 1;
	/* libpq keywords ("host=... dbname=..."): a '=' before any '/' never starts a file path
	 * this program would make. */
	const char *eq = strchr(conninfo, '='), *slash = strchr(conninfo, '/');
	return eq && (!slash || eq < slash);
}

struct db *db_open(const char *conninfo)
{
	if (!conninfo || !*conninfo) {
		log_error("store", "open failed: no database named");
		return NULL;
	}
	return db_conninfo_is_postgres(conninfo) ? db_pg_open(conninfo) : db_sqlite_open(conninfo);
}

void db_close(struct db *db)
{
	if (!db)
		return;
	db_cache_drop(db);
	db->ops->close(db);
}

enum db_engine db_engine(const struct db *db)
{
	return db->ops->engine;
}

void db_cache_kib(struct db *db, int kib)
{
	if (!db || db->ops->engine != DB_SQLITE)
		return;
	char sql[48];
	snprintf(sql, sizeof(sql), "PRAGMA cache_size=-%d", kib);
	db_exec(db, sql);
}

void db_cache_mib(struct db *db, int mib)
{
	db_cache_kib(db, mib * 1024);
}

int db_set_read_only(struct db *db)
{
	if (!db)
		return -1;
	return db_exec(db, db->ops->engine == DB_POSTGRES ? "SET default_transaction_read_only = on"
							   : "PRAGMA query_only=1");
}

int db_flush_on_commit(struct db *db, int on)
{
	if (!db)
		return -1;
	if (db->ops->engine == DB_POSTGRES)
		return db_exec(db, on ? "SET synchronous_commit = on" : "SET synchronous_commit = off");
	return db_exec(db, on ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
}

void db_busy_wait_ms(struct db *db, int ms)
{
	if (db)
		db->ops->busy_wait_ms(db, ms);
}

int db_exec(struct db *db, const char *sql)
{
	return db ? db->ops->exec(db, sql) : -1;
}

int db_begin(struct db *db)
{
	return db ? db->ops->begin(db) : -1;
}

int db_commit(struct db *db)
{
	if (db_exec(db, "COMMIT") == 0)
		return 0;
	db_rollback(db);
	return -1;
}

void db_rollback(struct db *db)
{
	if (db && db->ops->in_transaction(db))
		db->ops->exec(db, "ROLLBACK");
}

int db_in_transaction(struct db *db)
{
	return db && db->ops->in_transaction(db);
}

int db_begin_unless_open(struct db *db, int *own)
{
	*own = !db_in_transaction(db);
	return *own ? db_begin(db) : 0;
}

int db_end_own(struct db *db, int own, int ok)
{
	if (!own)
		return ok ? 0 : -1;
	if (ok)
		return db_commit(db);
	db_rollback(db);
	return -1;
}

int db_transact(struct db *db, int (*fn)(struct db *db, void *arg), void *arg)
{
	for (int attempt = 0; attempt < 5; attempt++) {
		if (db_begin(db))
			return -1;
		int rc = fn(db, arg);
		int retry = db_is_serialization_failure(db);
		if (rc == 0 && db_commit(db) == 0)
			return 0;
		retry = retry || db_is_serialization_failure(db);
		db_rollback(db);
		if (!retry)
			return -1;
		log_info("store", "transaction retried attempt=%d", attempt + 1);
	}
	return -1;
}

struct db_stmt *db_prepare(struct db *db, const char *sql)
{
	return db ? db->ops->prepare(db, sql) : NULL;
}

void db_finalize(struct db_stmt *st)
{
	if (st)
		st->ops->finalize(st);
}

void db_reset(struct db_stmt *st)
{
	if (st)
		st->ops->reset(st);
}

void db_clear_bindings(struct db_stmt *st)
{
	if (st)
		st->ops->clear_bindings(st);
}

int db_step(struct db_stmt *st)
{
	return st ? st->ops->step(st) : DB_ERROR;
}

struct db *db_stmt_db(struct db_stmt *st)
{
	return st ? st->db : NULL;
}

const char *db_stmt_sql(struct db_stmt *st)
{
	return st ? st->ops->sql(st) : "";
}

void db_bind_int64(struct db_stmt *st, int i, int64_t v)
{
	if (st)
		st->ops->bind_int64(st, i, v);
}

void db_bind_null(struct db_stmt *st, int i)
{
	if (st)
		st->ops->bind_null(st, i);
}

void db_bind_text(struct db_stmt *st, int i, const char *s)
{
	if (!st)
		return;
	if (s)
		st->ops->bind_text(st, i, s);
	else
		st->ops->bind_null(st, i);
}

void db_bind_blob(struct db_stmt *st, int i, const void *p, size_t len)
{
	if (st)
		st->ops->bind_blob(st, i, p ? p : "", len);
}

int64_t db_col_int64(struct db_stmt *st, int i)
{
	return st ? st->ops->col_int64(st, i) : 0;
}

int db_col_int(struct db_stmt *st, int i)
{
	return (int)db_col_int64(st, i);
}

int db_col_is_null(struct db_stmt *st, int i)
{
	return st ? st->ops->col_is_null(st, i) : 1;
}

enum db_type db_col_type(struct db_stmt *st, int i)
{
	return st ? st->ops->col_type(st, i) : DB_NULL;
}

const void *db_col_blob(struct db_stmt *st, int i)
{
	return st ? st->ops->col_blob(st, i) : NULL;
}

int db_col_bytes(struct db_stmt *st, int i)
{
	return st ? st->ops->col_bytes(st, i) : 0;
}

const char *db_col_text(struct db_stmt *st, int i)
{
	const char *s = st ? st->ops->col_text(st, i) : NULL;
	return s ? s : "";
}

char *db_col_strdup(struct db_stmt *st, int i)
{
	const char *s = st ? st->ops->col_text(st, i) : NULL;
	return s ? xstrdup(s) : NULL;
}

int db_changes(struct db *db)
{
	return db ? db->ops->changes(db) : 0;
}

const char *db_errmsg(struct db *db)
{
	return db ? db->ops->errmsg(db) : "no database";
}

int db_is_unique_violation(struct db *db)
{
	return db && db->ops->err(db) == DB_ERR_UNIQUE;
}

int db_is_busy(struct db *db)
{
	return db && db->ops->err(db) == DB_ERR_BUSY;
}

int db_is_serialization_failure(struct db *db)
{
	return db && db->ops->err(db) == DB_ERR_SERIALIZATION;
}

int db_begin_claim(struct db *db)
{
	if (!db || db->ops->engine != DB_POSTGRES)
		return db_begin(db);
	return db_exec(db, "BEGIN");
}

struct db_stmt *db_prepare_claim(struct db *db, const char *sql, const char *alias)
{
	if (!db || db->ops->engine != DB_POSTGRES)
		return db_prepare(db, sql);
	char *locked = xasprintf("%s FOR UPDATE OF %s SKIP LOCKED", sql, alias);
	struct db_stmt *st = db_prepare(db, locked);
	free(locked);
	return st;
}

int64_t db_next_id(struct db *db, const char *table)
{
	if (!db)
		return -1;
	char *sql = db->ops->engine == DB_POSTGRES
			    ? xasprintf("SELECT nextval(pg_get_serial_sequence('%s', 'id'))", table)
			    : xasprintf("SELECT coalesce(max(id), 0) + 1 FROM %s", table);
	int64_t id = db_count(db_prepare(db, sql));
	free(sql);
	if (id < 1)
		log_error("store", "next id failed table=%s err=\"%s\"", table, db_errmsg(db));
	return id < 1 ? -1 : id;
}

int db_rollback_leftover(struct db *db, const char *where)
{
	if (db && db_cache_release(db))
		log_error("store", "statement left unfinished, reset where=%s", where ? where : "-");
	if (!db_in_transaction(db))
		return 0;
	log_error("store", "transaction left open, rolled back where=%s", where ? where : "-");
	db->ops->exec(db, "ROLLBACK");
	return 1;
}
