/* check_db_pg_sql.c: the one-time rewrite of the store's SQL for PostgreSQL (store/db_pg.h):
 * parameter markers, and the few SQLite meanings it keeps. No server needed. */
#include "check_helpers.h"
#include "store/db_pg.h"

#include <stdlib.h>

static void rewrites(const char *sql, const char *want, int want_n)
{
	int n = -1;
	char *got = db_pg_number_params(sql, &n);
	ck_assert_str_eq(got, want);
	ck_assert_int_eq(n, want_n);
	free(got);
}

START_TEST(test_parameters_numbered_as_sqlite_does)
{
	rewrites("SELECT a FROM t WHERE b = ? AND c = ?", "SELECT a FROM t WHERE b = $1 AND c = $2", 2);
	rewrites("UPDATE t SET a = ?1 WHERE b = ?2 OR c = ?1", "UPDATE t SET a = $1 WHERE b = $2 OR c = $1", 2);
	/* A bare ? after ?3 is the fourth, as in SQLite. */
	rewrites("SELECT ?3, ?", "SELECT $3, $4", 4);
}
END_TEST

START_TEST(test_quoted_text_and_comments_are_left_alone)
{
	rewrites("SELECT '?', \"a?b\" FROM t -- what?\nWHERE x = ?", "SELECT '?', \"a?b\" FROM t -- what?\nWHERE x = $1", 1);
	rewrites("SELECT 'it''s ?' /* ? */, ?", "SELECT 'it''s ?' /* ? */, $1", 1);
	rewrites("SELECT 'LIKE GLOB INTEGER'", "SELECT 'LIKE GLOB INTEGER'", 0);
}
END_TEST

START_TEST(test_sqlite_meanings_kept)
{
	rewrites("SELECT 1 FROM t WHERE name LIKE ?1 ESCAPE '\\'", "SELECT 1 FROM t WHERE name ILIKE $1 ESCAPE '\\'", 1);
	rewrites("SELECT CAST(pmb AS INTEGER) FROM m WHERE pmb NOT GLOB '*[^0-9]*'",
		 "SELECT CAST(pmb AS BIGINT) FROM m WHERE pmb !~ '^.*[^0-9].*$'", 0);
	rewrites("SELECT 1 FROM t WHERE a GLOB 'x.y?*'", "SELECT 1 FROM t WHERE a ~ '^x\\.y..*$'", 0);
	rewrites("SELECT count(*) FROM mail_items INDEXED BY mail_items_unassigned WHERE a = ?",
		 "SELECT count(*) FROM mail_items  WHERE a = $1", 1);
	/* Words that merely contain them stay. */
	rewrites("SELECT unlikely, integers FROM t", "SELECT unlikely, integers FROM t", 0);
}
END_TEST

static Suite *pg_sql_suite(void)
{
	Suite *s = suite_create("db_pg_sql");
	TCase *tc = tcase_create("rewrite");
	tcase_add_test(tc, test_parameters_numbered_as_sqlite_does);
	tcase_add_test(tc, test_quoted_text_and_comments_are_left_alone);
	tcase_add_test(tc, test_sqlite_meanings_kept);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(pg_sql_suite)
