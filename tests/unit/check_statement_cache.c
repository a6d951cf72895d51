/*
 * check_statement_cache.c: statements kept per connection (db_prepare_cached / db_finish).
 * A kept statement must behave like a fresh one on every use: no binding left from the last
 * use, no read snapshot held between requests, its own copy when re-entered; and a list
 * statement with a bound LIKE pattern must not be compiled again on every use.
 */
#include "check_helpers.h"
#include "check_db.h"
#include "store/db.h"
#include "store/mail.h"
#include "store/statements.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A migrated store with one operator (plain SQL: no password hashing needed here). */
static struct {
	char dir[64];
	struct db *db;
	int64_t op;
} fx;

static void setup(void)
{
	snprintf(fx.dir, sizeof(fx.dir), "/tmp/pm-check-stmt-cache-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(fx.dir));
	char *path = xasprintf("%s/db", fx.dir);
	fx.db = test_db_open(path);
	free(path);
	ck_assert_ptr_nonnull(fx.db);
	ck_assert_int_eq(db_migrate(fx.db), 0);
	ck_assert_int_eq(db_exec(fx.db, "INSERT INTO operators(id, email, name, password_hash, created_at) "
					"VALUES (1, 'a@x.example', 'A', 'x', 0)"), 0);
	fx.op = 1;
}

static void teardown(void)
{
	test_db_close(fx.db);
	char *cmd = xasprintf("rm -rf '%s'", fx.dir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

static const char select_param[] = "SELECT ?1";
static const char count_spaces[] = "SELECT count(*) FROM spaces";
static const char count_spaces_solo[] = "SELECT count(*) FROM t";

START_TEST(test_kept_and_reused)
{
	struct db_stmt *a = db_prepare_cached(fx.db, select_param);
	ck_assert_ptr_nonnull(a);
	db_finish(a);
	struct db_stmt *b = db_prepare_cached(fx.db, select_param);
	ck_assert_ptr_eq(a, b);
	db_finish(b);
}
END_TEST

/* A parameter bound on one use reads as NULL on the next use that does not bind it. */
START_TEST(test_bindings_cleared)
{
	struct db_stmt *st = db_prepare_cached(fx.db, select_param);
	db_bind_int64(st, 1, 42);
	ck_assert_int_eq(db_step(st), DB_ROW);
	ck_assert_int_eq(db_col_int64(st, 0), 42);
	db_finish(st);
	st = db_prepare_cached(fx.db, select_param);
	ck_assert_int_eq(db_step(st), DB_ROW);
	ck_assert(db_col_is_null(st, 0));
	db_finish(st);
}
END_TEST

/* Asked for again while in use (a list read inside a loop over the same list): its own copy. */
START_TEST(test_reentered)
{
	struct db_stmt *outer = db_prepare_cached(fx.db, select_param);
	db_bind_int64(outer, 1, 1);
	ck_assert_int_eq(db_step(outer), DB_ROW);
	struct db_stmt *inner = db_prepare_cached(fx.db, select_param);
	ck_assert_ptr_nonnull(inner);
	ck_assert_ptr_ne(inner, outer);
	db_bind_int64(inner, 1, 2);
	ck_assert_int_eq(db_step(inner), DB_ROW);
	ck_assert_int_eq(db_col_int64(inner, 0), 2);
	db_finish(inner);
	ck_assert_int_eq(db_col_int64(outer, 0), 1);
	db_finish(outer);
	ck_assert_ptr_eq(db_prepare_cached(fx.db, select_param), outer);
	db_finish(outer);
}
END_TEST

static int64_t spaces_now(struct db *db)
{
	return db_count(db_prepare(db, "SELECT count(*) FROM spaces"));
}

/*
 * A handler that stops reading half-way leaves its statement holding a read snapshot: after the
 * request (db_rollback_leftover) the next request must see what others wrote meanwhile.
 */
START_TEST(test_leftover_reset_after_request)
{
	int64_t before = spaces_now(fx.db);
	struct db_stmt *st = db_prepare_cached(fx.db, count_spaces);
	ck_assert_int_eq(db_step(st), DB_ROW); /* left unfinished */

	char *path = xasprintf("%s/db", fx.dir), *conninfo = test_db_conninfo(path);
	struct db *other = db_open(conninfo); /* a second connection to the same store */
	free(path);
	free(conninfo);
	char *sql = xasprintf("INSERT INTO spaces(operator_id, name, created_at) VALUES (%lld, 'New', 0)",
			      (long long)fx.op);
	ck_assert_int_eq(db_exec(other, sql), 0);
	free(sql);
	db_close(other);

	db_rollback_leftover(fx.db, "check");
	ck_assert_int_eq(spaces_now(fx.db), before + 1);
	st = db_prepare_cached(fx.db, count_spaces);
	ck_assert_int_eq(db_count(st), before + 1);
}
END_TEST

/*
 * The Mail list binds its search pattern to "LIKE ?2". SQLite recompiles such a statement on
 * the first step after each bind unless the connection asks for stable plans; that recompile
 * cost as much as the page itself.
 */
START_TEST(test_like_pattern_not_recompiled)
{
	struct db_stmt *st = NULL;
	for (int i = 0; i < 3; i++) {
		st = db_prepare_cached(fx.db, mail_sql_list);
		ck_assert_ptr_nonnull(st);
		db_bind_int64(st, 1, fx.op);
		db_bind_text(st, 2, i % 2 ? "%ada%" : "%grace%");
		db_bind_text(st, 3, "9999-12-31");
		db_bind_int64(st, 4, INT64_MAX);
		db_bind_int64(st, 5, 50);
		while (db_step(st) == DB_ROW)
			;
		ck_assert_int_eq(db_stmt_recompiles(st), 0);
		db_finish(st);
	}
}
END_TEST

/* A connection closes with its kept statements: none is left to keep the file open (on SQLite
 * the last connection to close removes the -wal file). */
START_TEST(test_close_finalizes)
{
	char *path = xasprintf("%s/solo.db", fx.dir), *wal = xasprintf("%s/solo.db-wal", fx.dir);
	char *conninfo = test_db_conninfo(path); /* SQLite: a file of its own; PostgreSQL: fx's database */
	int sqlite = db_engine(fx.db) == DB_SQLITE;
	struct db *db = db_open(conninfo);
	ck_assert_int_eq(db_exec(db, "CREATE TABLE t(x INTEGER)"), 0);
	struct db_stmt *st = db_prepare_cached(db, count_spaces_solo);
	ck_assert_int_eq(db_count(st), 0);
	ck_assert_int_eq(!sqlite || access(wal, F_OK) == 0, 1);
	db_close(db);
	ck_assert_int_eq(!sqlite || access(wal, F_OK) != 0, 1);
	/* A new connection, maybe at the same address, gets statements of its own. */
	db = db_open(conninfo);
	ck_assert_int_eq(db_exec(db, "INSERT INTO t VALUES (1)"), 0);
	ck_assert_int_eq(db_count(db_prepare_cached(db, count_spaces_solo)), 1);
	db_close(db);
	free(conninfo);
	free(path);
	free(wal);
}
END_TEST

static Suite *statement_cache_suite(void)
{
	Suite *s = suite_create("statement_cache");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_kept_and_reused);
	tcase_add_test(tc, test_bindings_cleared);
	tcase_add_test(tc, test_reentered);
	tcase_add_test(tc, test_leftover_reset_after_request);
	tcase_add_test(tc, test_like_pattern_not_recompiled);
	tcase_add_test(tc, test_close_finalizes);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(statement_cache_suite)
