/*
 * db.h: the store's connection, statements, transactions and migrations, on either engine.
 *
 * PILOTOMAIL_DB is a SQLite path (the embedded default) or a PostgreSQL connection string
 * ("postgresql://..." or libpq "key=value" words). Only store/db_sqlite.c and store/db_pg.c know
 * the engine; everything else holds an opaque struct db and struct db_stmt.
 * One connection per process, or per thread where a program runs threads (webhook.fcgi, the fee
 * job's pool); a connection is used by one thread at a time.
 * SQL lives in the store/ module that owns the table; everything else calls those functions.
 * Prepared statements only: never build SQL from user input. Parameter markers are "?", numbered
 * from 1 as bound; the PostgreSQL backend rewrites them to $n once per statement text.
 */
#ifndef PILOTOMAIL_DB_H
#define PILOTOMAIL_DB_H

#include <stddef.h>
#include <stdint.h>

struct db;
struct db_stmt;

/* db_step results; any other value (always negative) is an error, classified below. */
enum { DB_ROW = 100, DB_DONE = 101, DB_ERROR = -1 };
enum db_engine { DB_SQLITE, DB_POSTGRES };

/* 1 when conninfo names a PostgreSQL server ("postgres://", "postgresql://" or "key=value"). */
int db_conninfo_is_postgres(const char *conninfo);

/* Opens the store named by conninfo. SQLite: creates the file if needed, with WAL, foreign keys,
 * the busy backoff and synchronous=FULL. PostgreSQL: connects with synchronous_commit on.
 * Returns NULL and logs on failure. Close with db_close(). */
struct db *db_open(const char *conninfo);
void db_close(struct db *db);
enum db_engine db_engine(const struct db *db);
/*
 * SQLite only (a no-op on PostgreSQL): a page cache of up to mib MiB for a connection that
 * writes big tables. Past SQLite's default 2 MB, webhook.fcgi's inserts of random dedupe keys
 * read their index pages from the file again and 64-connection ingest fell from 6,000 to
 * 2,500 events/s. Costs that much resident memory once the store is that big.
 */
void db_cache_mib(struct db *db, int mib);
void db_cache_kib(struct db *db, int kib);
/* This connection only reads: SQLite's query_only, PostgreSQL's read-only transactions. */
int db_set_read_only(struct db *db);
/*
 * on = 0: this connection's commits no longer wait for the disk (SQLite synchronous=NORMAL,
 * PostgreSQL synchronous_commit off); on = 1 (the default): they do again. A commit that did not
 * wait may be lost to a power failure, but never alone: the log is written in order, so the next
 * commit that waits, on any connection, makes every earlier one durable with it. Only for work
 * that may be done again (the worker applying events), and only when whatever later tells the
 * outside world about it commits durably first (the outbox and fee jobs claim before they send).
 */
int db_flush_on_commit(struct db *db, int on);
/* How long a statement waits for another connection's lock before failing busy (default about
 * 10 s on SQLite, the server's lock_timeout on PostgreSQL). */
void db_busy_wait_ms(struct db *db, int ms);

/*
 * SQLite only, no-ops on PostgreSQL (whose server does its own checkpoints): a PASSIVE WAL
 * checkpoint, which waits for no one (the worker runs it when idle, so webhook.fcgi's group
 * commit never does); and the WAL size in pages past which a commit checkpoints by itself.
 */
void db_checkpoint_passive(struct db *db);
void db_wal_autocheckpoint(struct db *db, int pages);
/* How many times SQLite compiled st again since it was prepared (0 on PostgreSQL): tests use it
 * to prove a kept statement is not recompiled. */
int db_stmt_recompiles(struct db_stmt *st);

/* Applies every migration newer than the database's schema version, each in its own
 * transaction. Refuses (-1, logged) a database newer than this code. Returns 0, or -1 (logged)
 * leaving the database at the last good version. */
int db_migrate(struct db *db);
/* The schema version the code knows, and the one the database is at (-1 on error). */
int db_schema_version_latest(void);
int db_schema_version(struct db *db);

/*
 * Write transactions. SQLite: BEGIN IMMEDIATE (one writer at a time). PostgreSQL: BEGIN at
 * READ COMMITTED plus a transaction-scoped advisory lock, so store code keeps the one-writer
 * reasoning it was written with; claims use FOR UPDATE SKIP LOCKED instead (db_begin_claim).
 * All return 0 or -1 (logged).
 */
int db_begin(struct db *db);
int db_commit(struct db *db);
void db_rollback(struct db *db);
/* 1 while a transaction is open. */
int db_in_transaction(struct db *db);

/* For store functions callable inside or outside a caller's transaction: begins one only
 * when none is open (*own says whether it did), and db_end_own() commits (ok) or rolls back
 * only a transaction it owns. Both return 0 or -1; db_end_own returns -1 when !ok. */
int db_begin_unless_open(struct db *db, int *own);
int db_end_own(struct db *db, int own, int ok);
/*
 * Runs fn(db, arg) in a transaction, again (up to a few times) when PostgreSQL aborts it for a
 * serialization failure or deadlock. fn returns 0 to commit, -1 to roll back. 0 or -1.
 */
int db_transact(struct db *db, int (*fn)(struct db *db, void *arg), void *arg);

/*
 * Prepares sql, or logs and returns NULL: the database may be busy past the timeout, out of
 * memory, failing I/O, or not the schema this code expects. Nothing aborts: the request in hand
 * fails and the process serves the next one. A NULL statement is safe to pass on: binds do
 * nothing, db_step returns DB_ERROR, columns read as NULL, db_finalize does nothing, and every
 * db_* function below reports its failure value. PostgreSQL statements are prepared on the
 * server once per connection and cached by their text.
 */
struct db_stmt *db_prepare(struct db *db, const char *sql);
void db_finalize(struct db_stmt *st);
/* Back to before the first step, keeping the bindings (db_clear_bindings drops them). */
void db_reset(struct db_stmt *st);
void db_clear_bindings(struct db_stmt *st);
/* DB_ROW, DB_DONE or DB_ERROR (then db_errmsg and db_is_* say why). */
int db_step(struct db_stmt *st);
struct db *db_stmt_db(struct db_stmt *st);
const char *db_stmt_sql(struct db_stmt *st);

void db_bind_int64(struct db_stmt *st, int i, int64_t v);
void db_bind_null(struct db_stmt *st, int i);
/* Binds a C string or NULL as text at index i (copied). */
void db_bind_text(struct db_stmt *st, int i, const char *s);
/* Binds len bytes as a blob (copied). */
void db_bind_blob(struct db_stmt *st, int i, const void *p, size_t len);

int64_t db_col_int64(struct db_stmt *st, int i);
int db_col_int(struct db_stmt *st, int i);
int db_col_is_null(struct db_stmt *st, int i);
/* What column i holds in this row (for copying values whatever they are). */
enum db_type { DB_NULL, DB_INTEGER, DB_TEXT, DB_BLOB };
enum db_type db_col_type(struct db_stmt *st, int i);
/* Column i's bytes (owned by the statement until the next step) and their count. */
const void *db_col_blob(struct db_stmt *st, int i);
int db_col_bytes(struct db_stmt *st, int i);
/* Column i as a NUL-terminated string, "" for NULL (owned by the statement). */
const char *db_col_text(struct db_stmt *st, int i);
/* A copy of column i (free() it), NULL for NULL. */
char *db_col_strdup(struct db_stmt *st, int i);

/* Rows changed by the connection's last INSERT/UPDATE/DELETE. */
int db_changes(struct db *db);
/* The last error's message, and its class. */
const char *db_errmsg(struct db *db);
int db_is_unique_violation(struct db *db);
int db_is_busy(struct db *db);
int db_is_serialization_failure(struct db *db);

/*
 * A claim: db_begin_claim() opens the transaction and db_prepare_claim() prepares its SELECT
 * of the rows to take. SQLite: BEGIN IMMEDIATE and sql as it is (writers are serialized).
 * PostgreSQL: BEGIN without db_begin's lock, and sql + " FOR UPDATE OF alias SKIP LOCKED", so
 * workers on several hosts claim at once and never the same row. The SELECT's WHERE must test
 * the claimed row's own columns (state, lease): PostgreSQL checks them again on a row another
 * worker just committed.
 */
int db_begin_claim(struct db *db);
struct db_stmt *db_prepare_claim(struct db *db, const char *sql, const char *alias);
/*
 * Like db_prepare, for a statement run on every request (a list, the session lookup): prepared once
 * per connection and thread and kept, since compiling SQL cost more than running it on a
 * page. sql must be a string literal or constant (its address is the key). End it with db_finish(), or
 * with a db_* helper below that finishes it, never with db_finalize(). A statement asked
 * for while it is still in use is prepared afresh. db_close() finalizes them.
 */
struct db_stmt *db_prepare_cached(struct db *db, const char *sql);
/* Ends a statement from either: a kept one is reset with its bindings cleared (so its read
 * snapshot ends), another is finalized. NULL does nothing. */
void db_finish(struct db_stmt *st);

/*
 * After a request: a transaction its handler left open is rolled back (its writes were never
 * committed, so they must not leak into the next request) and logged. 1 when it did, else 0.
 * A kept statement left unfinished is reset too (logged), so no read snapshot outlives it.
 */
int db_rollback_leftover(struct db *db, const char *where);
/* Runs sql with no parameters and no rows (DDL, PRAGMA, several statements). 0 or -1 (logged). */
int db_exec(struct db *db, const char *sql);
/* Runs an UPDATE expected to change exactly one row; finishes it (db_finish). 0, or -1 when it changed
 * none (or failed, logged). */
int db_update_one(struct db_stmt *st);
/* Steps a one-value query (SELECT COUNT(*) ...); finishes it (db_finish). The value, or -1 on no row. */
int64_t db_count(struct db_stmt *st);
/* Steps a statement expected to finish (INSERT/UPDATE/DELETE); finishes it (db_finish). 0 or -1 (logged). */
int db_step_done(struct db_stmt *st);
/* Steps an INSERT ... RETURNING id; finishes it (db_finish). The id, or -1 (logged unless a unique
 * violation, which sets *duplicate when given). */
int64_t db_insert_returning(struct db_stmt *st, int *duplicate);
/*
 * A new value for table's "id" column that no other writer is given, for an INSERT that must
 * write its own id into another column too (a charge's reference). PostgreSQL: the column's
 * identity sequence (nextval: never handed out twice, whichever host asks, and the sequence stays
 * ahead of every row). SQLite: max(id) + 1, so call it inside the write transaction of the
 * INSERT (writers take turns there). table is a constant name, never input. The id, or -1 (logged).
 */
int64_t db_next_id(struct db *db, const char *table);
/* Reads the current row of a statement into one array element. */
typedef void (*db_row_reader)(struct db_stmt *st, void *elem);
/*
 * Steps st to its end, reading each row with read into a growing array of elem_size elements,
 * and finishes st (db_finish). Returns the array (free(); NULL when there were no rows) with *n; on a
 * store error it logs, frees what it had and returns NULL with *n = 0 and *failed = 1.
 */
void *db_collect(struct db_stmt *st, size_t elem_size, db_row_reader read, size_t *n, int *failed);

/* Steps st to its end collecting column 0 of each row as a string (*texts and each: free()).
 * Finishes st (db_finish). 0 or -1. */
int db_collect_texts(struct db_stmt *st, char ***texts, size_t *n);

#endif
