/* db_pg.h: what the PostgreSQL backend shares with its tests. */
#ifndef PILOTOMAIL_DB_PG_H
#define PILOTOMAIL_DB_PG_H

/* The advisory lock key every write transaction holds (db_begin): "pm" in ASCII. */
#define DB_PG_WRITE_LOCK "28781"

/*
 * sql with SQLite's parameter markers ("?" and "?N") rewritten to PostgreSQL's "$N", skipping quoted
 * text and comments. A bare "?" takes one more than the largest number so far, as in SQLite.
 * *nparams gets the largest number. The only other rewrites, each for SQLite's meaning: LIKE
 * becomes ILIKE (SQLite's LIKE ignores ASCII case), INTEGER becomes BIGINT (64-bit, as in
 * SQLite's CAST), "[NOT] GLOB 'pattern'" becomes "[!]~ '^regex$'", and "INDEXED BY name" (a
 * SQLite planner hint) goes. Returns a new string (free()).
 */
char *db_pg_number_params(const char *sql, int *nparams);

/* conninfo (a URL or keywords) naming database dbname instead, as libpq keywords (free()), or
 * NULL when conninfo does not parse. */
char *db_pg_conninfo_dbname(const char *conninfo, const char *dbname);

#endif
