/*
 * db.h: the SQLite connection every process opens, transactions and migrations.
 *
 * One connection per process, or per thread where a program runs threads (webhook.fcgi, the fee
 * job's pool); a connection is used by one thread at a time.
 * SQL lives in the store/ module that owns the table; everything else calls those functions.
 * Prepared statements only: never build SQL from user input.
 */
#ifndef PILOTOMAIL_DB_H
#define PILOTOMAIL_DB_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

/* Opens (creating if needed) the database with WAL, foreign keys, busy timeout, synchronous=FULL.
 * Returns NULL and logs on failure. Close with db_close(). */
sqlite3 *db_open(const char *path);
/*
 * A page cache of up to mib MiB for a connection that writes big tables (SQLite's default is
 * 2 MB, filled only as pages are read): past it, webhook.fcgi's inserts of random dedupe keys
 * read their index pages from the file again and 64-connection ingest fell from 6,000 to
 * 2,500 events/s. Costs that much resident memory once the store is that big.
 */
void db_cache_mib(sqlite3 *db, int mib);
void db_close(sqlite3 *db);

/* Applies every migration newer than PRAGMA user_version, each in its own transaction.
 * Returns 0, or -1 (logged) leaving the database at the last good version. */
int db_migrate(sqlite3 *db);
/* The schema version the code knows, and the one the database is at. */
int db_schema_version_latest(void);
int db_schema_version(sqlite3 *db);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. Return 0 or -1 (logged). */
int db_begin(sqlite3 *db);
int db_commit(sqlite3 *db);
void db_rollback(sqlite3 *db);

/* For store functions callable inside or outside a caller's transaction: begins one only
 * when none is open (*own says whether it did), and db_end_own() commits (ok) or rolls back
 * only a transaction it owns. Both return 0 or -1; db_end_own returns -1 when !ok. */
int db_begin_unless_open(sqlite3 *db, int *own);
int db_end_own(sqlite3 *db, int own, int ok);

/*
 * Prepares sql, or logs (with SQLite's error code) and returns NULL: the database may be busy
 * past the timeout, out of memory, failing I/O, or not the schema this code expects. Nothing
 * aborts: the request in hand fails and the process serves the next one.
 * A NULL statement is safe to pass on: sqlite3_bind_* and sqlite3_step return SQLITE_MISUSE,
 * sqlite3_column_* read as NULL, sqlite3_finalize does nothing, and every db_* function below
 * reports its failure value. Bind with the sqlite3_bind_* calls; finalize with sqlite3_finalize().
 */
sqlite3_stmt *db_prepare(sqlite3 *db, const char *sql);
/*
 * The same, for a statement run on every request (a list, the session lookup): prepared once
 * per connection and thread and kept, since compiling SQL cost more than running it on a
 * page. sql must be a string literal or constant (its address is the key). End it with db_finish(), or
 * with a db_* helper below that finishes it, never with sqlite3_finalize(). A statement asked
 * for while it is still in use is prepared afresh. db_close() finalizes them.
 */
sqlite3_stmt *db_prepare_cached(sqlite3 *db, const char *sql);
/* Ends a statement from either: a kept one is reset with its bindings cleared (so its read
 * snapshot ends), another is finalized. NULL does nothing. */
void db_finish(sqlite3_stmt *st);

/*
 * After a request: a transaction its handler left open is rolled back (its writes were never
 * committed, so they must not leak into the next request) and logged. 1 when it did, else 0.
 * A kept statement left unfinished is reset too (logged), so no read snapshot outlives it.
 */
int db_rollback_leftover(sqlite3 *db, const char *where);
/* Runs sql with no parameters and no rows (DDL, PRAGMA). 0 or -1 (logged). */
int db_exec(sqlite3 *db, const char *sql);
/* Runs an UPDATE expected to change exactly one row; finishes it. 0, or -1 when it changed
 * none (or failed, logged). */
int db_update_one(sqlite3_stmt *st);
/* Steps a one-value query (SELECT COUNT(*) ...); finishes it (db_finish). The value, or -1 on no row. */
int64_t db_count(sqlite3_stmt *st);
/* Binds a C string or NULL as text at index i. */
void db_bind_text(sqlite3_stmt *st, int i, const char *s);
/* Steps a statement expected to finish (INSERT/UPDATE/DELETE); finishes it (db_finish). 0 or -1 (logged). */
int db_step_done(sqlite3_stmt *st);
/* Steps an INSERT ... RETURNING id; finalizes it. The id, or -1 (logged unless a unique
 * violation, which sets *duplicate when given). */
int64_t db_insert_returning(sqlite3_stmt *st, int *duplicate);
/* Reads the current row of a statement into one array element. */
typedef void (*db_row_reader)(sqlite3_stmt *st, void *elem);
/*
 * Steps st to its end, reading each row with read into a growing array of elem_size elements,
 * and finishes st (db_finish). Returns the array (free(); NULL when there were no rows) with *n; on a
 * store error it logs, frees what it had and returns NULL with *n = 0 and *failed = 1.
 */
void *db_collect(sqlite3_stmt *st, size_t elem_size, db_row_reader read, size_t *n, int *failed);

/* Steps st to its end collecting column 0 of each row as a string (*texts and each: free()).
 * Finishes st (db_finish). 0 or -1. */
int db_collect_texts(sqlite3_stmt *st, char ***texts, size_t *n);
/* Column i as a NUL-terminated string, "" for NULL (owned by the statement). */
const char *db_col_text(sqlite3_stmt *st, int i);
/* A copy of column i (free() it), NULL for NULL. */
char *db_col_strdup(sqlite3_stmt *st, int i);

#endif
