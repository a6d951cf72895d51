/*
 * db_impl.h: what db.c needs of an engine backend (store/db_sqlite.c, store/db_pg.c). Private
 * to the store's db layer: nothing outside db*.c includes it.
 */
#ifndef PILOTOMAIL_DB_IMPL_H
#define PILOTOMAIL_DB_IMPL_H

#include "store/db.h"

enum db_err { DB_ERR_NONE, DB_ERR_OTHER, DB_ERR_UNIQUE, DB_ERR_BUSY, DB_ERR_SERIALIZATION };

struct db_ops {
	enum db_engine engine;
	void (*close)(struct db *db);
	int (*exec)(struct db *db, const char *sql);
	struct db_stmt *(*prepare)(struct db *db, const char *sql);
	void (*finalize)(struct db_stmt *st);
	void (*reset)(struct db_stmt *st);
	void (*clear_bindings)(struct db_stmt *st);
	int (*step)(struct db_stmt *st);
	const char *(*sql)(struct db_stmt *st);
	void (*bind_int64)(struct db_stmt *st, int i, int64_t v);
	void (*bind_null)(struct db_stmt *st, int i);
	void (*bind_text)(struct db_stmt *st, int i, const char *s);
	void (*bind_blob)(struct db_stmt *st, int i, const void *p, size_t len);
	int64_t (*col_int64)(struct db_stmt *st, int i);
	int (*col_is_null)(struct db_stmt *st, int i);
	enum db_type (*col_type)(struct db_stmt *st, int i);
	const void *(*col_blob)(struct db_stmt *st, int i);
	int (*col_bytes)(struct db_stmt *st, int i);
	/* NULL for SQL NULL. */
	const char *(*col_text)(struct db_stmt *st, int i);
	int (*changes)(struct db *db);
	const char *(*errmsg)(struct db *db);
	enum db_err (*err)(struct db *db);
	int (*in_transaction)(struct db *db);
	void (*busy_wait_ms)(struct db *db, int ms);
	/* Opens a write transaction (see db_begin in db.h). */
	int (*begin)(struct db *db);
	/* The schema version; and setting it inside the migration's transaction. */
	int (*schema_version)(struct db *db);
	int (*set_schema_version)(struct db *db, int version);
};

struct db {
	const struct db_ops *ops;
};

struct db_stmt {
	const struct db_ops *ops;
	struct db *db;
};

struct db *db_sqlite_open(const char *path);
struct db *db_pg_open(const char *conninfo);

#endif
