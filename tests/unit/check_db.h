/*
 * check_db.h: the store a unit test runs on. PILOTOMAIL_TEST_DB_URL unset: the SQLite file (or
 * ":memory:") the test names, as always. Set to a PostgreSQL server (a URL or libpq keywords of
 * a database the user may CREATE DATABASE from): each test_db_open() creates a fresh database
 * there and test_db_close() drops it, so every test starts empty on either engine.
 */
#ifndef PILOTOMAIL_CHECK_DB_H
#define PILOTOMAIL_CHECK_DB_H

#include "store/db.h"
#include "store/db_pg.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char test_db_name[64];

/* Runs one statement on the server's maintenance database. */
static inline int test_db_admin(const char *server, const char *sql)
{
	struct db *admin = db_open(server);
	int rc = admin ? db_exec(admin, sql) : -1;
	db_close(admin);
	return rc;
}

static inline struct db *test_db_open(const char *sqlite_path)
{
	const char *server = getenv("PILOTOMAIL_TEST_DB_URL");
	if (!server || !*server)
		return db_open(sqlite_path);
	static unsigned seq;
	snprintf(test_db_name, sizeof(test_db_name), "pm_test_%ld_%u", (long)getpid(), seq++);
	char *sql = xasprintf("CREATE DATABASE %s", test_db_name);
	int rc = test_db_admin(server, sql);
	free(sql);
	if (rc)
		return NULL;
	char *conninfo = db_pg_conninfo_dbname(server, test_db_name);
	struct db *db = conninfo ? db_open(conninfo) : NULL;
	free(conninfo);
	return db;
}

/* The conninfo of the store test_db_open() made (free()): for code that opens its own. */
static inline char *test_db_conninfo(const char *sqlite_path)
{
	const char *server = getenv("PILOTOMAIL_TEST_DB_URL");
	if (!server || !*server || !test_db_name[0])
		return xstrdup(sqlite_path);
	return db_pg_conninfo_dbname(server, test_db_name);
}

/*
 * After a fixture inserted rows with explicit ids: PostgreSQL's identity sequences continue after
 * the largest id, as SQLite's rowid does by itself, so the store's own inserts get new ids
 * (without this, the first one fails on the duplicate id 1). 0 or -1.
 */
static inline int test_db_ids_follow(struct db *db)
{
	if (db_engine(db) != DB_POSTGRES)
		return 0;
	char **tables;
	size_t n;
	if (db_collect_texts(db_prepare(db, "SELECT table_name FROM information_schema.columns "
					"WHERE table_schema = current_schema() AND column_name = 'id' "
					"AND is_identity = 'YES'"), &tables, &n) < 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		char *sql = xasprintf("SELECT setval(pg_get_serial_sequence('%s', 'id'), coalesce(max(id), 0) + 1, "
				      "false) FROM %s", tables[i], tables[i]);
		if (db_count(db_prepare(db, sql)) < 0)
			rc = -1;
		free(sql);
		free(tables[i]);
	}
	free(tables);
	return rc;
}

static inline void test_db_close(struct db *db)
{
	db_close(db);
	const char *server = getenv("PILOTOMAIL_TEST_DB_URL");
	if (!server || !*server || !test_db_name[0])
		return;
	char *sql = xasprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", test_db_name);
	test_db_admin(server, sql);
	free(sql);
	test_db_name[0] = '\0';
}

#endif
