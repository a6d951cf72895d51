/* check_hardening.c: on a real store (a SQLite file, or PostgreSQL: check_db.h): prepare failures
 * that no longer abort, transactions left open, the prune job, sign-in failures forgotten, and
 * passwords rehashed at sign-in. */
#include "check_helpers.h"
#include "check_db.h"
#include "crypto/crypto.h"
#include "store/db.h"
#include "store/mailboxes.h"
#include "store/operators.h"
#include "store/sessions.h"
#include "util/util.h"
#include "worker/jobs.h"

#include <sqlite3.h> /* the busy test holds a raw SQLite lock */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char dir[64];
static char *path;
static struct db *db;

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/pm-check-hardening-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char *key = xasprintf("%s/key", dir);
	path = xasprintf("%s/db", dir);
	ck_assert_int_eq(secretbox_init(key), 0);
	db = test_db_open(path);
	ck_assert_ptr_nonnull(db);
	ck_assert_int_eq(db_migrate(db), 0);
	free(key);
}

static void teardown(void)
{
	test_db_close(db);
	char *cmd = xasprintf("rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	free(path);
}

static void exec_ok(const char *sql)
{
	ck_assert_msg(db_exec(db, sql) == 0, "%s", sql);
}

static int64_t count(const char *sql)
{
	return db_count(db_prepare(db, sql));
}

/* ---- db_prepare ---------------------------------------------------------------------------- */

START_TEST(test_prepare_failure_returns_null_and_helpers_survive)
{
	struct db_stmt *st = db_prepare(db, "SELECT nope FROM no_such_table");
	/* PostgreSQL prepares on the server at the first step: there the helpers below fail. */
	ck_assert(db_engine(db) != DB_SQLITE || st == NULL);
	/* What callers do next with the NULL statement: every helper reports failure. */
	db_bind_int64(st, 1, 1);
	db_bind_text(st, 2, "x");
	ck_assert_int_eq(db_step_done(db_prepare(db, "DELETE FROM no_such_table")), -1);
	ck_assert_int_eq(db_update_one(db_prepare(db, "UPDATE no_such_table SET a = 1")), -1);
	ck_assert_int_eq(db_count(db_prepare(db, "SELECT count(*) FROM no_such_table")), -1);
	size_t n = 9;
	int failed = 0;
	ck_assert_ptr_null(db_collect(db_prepare(db, "SELECT 1 FROM no_such_table"), sizeof(int), NULL, &n, &failed));
	ck_assert(failed && n == 0);
	char **texts;
	ck_assert_int_eq(db_collect_texts(db_prepare(db, "SELECT 1 FROM no_such_table"), &texts, &n), -1);
	ck_assert_str_eq(db_col_text(NULL, 0), "");
	ck_assert_ptr_null(db_col_strdup(NULL, 0));
	db_finalize(st);
	/* The connection still works. */
	ck_assert_int_eq(count("SELECT count(*) FROM operators"), 0);
}
END_TEST

/* Another process holds the SQLite write lock and this connection may not wait: its write fails
 * busy, classified as such, and nothing aborts. */
START_TEST(test_write_busy_fails_and_is_classified)
{
	if (db_engine(db) != DB_SQLITE)
		return; /* the lock held is SQLite's own */
	db_busy_wait_ms(db, 0);
	sqlite3 *holder = NULL;
	ck_assert_int_eq(sqlite3_open(path, &holder), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(holder, "BEGIN EXCLUSIVE; CREATE TABLE t(x);", NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(db_begin(db), -1);
	ck_assert(db_is_busy(db));
	ck_assert_int_eq(db_step_done(db_prepare(db, "DELETE FROM operators")), -1);
	sqlite3_exec(holder, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(holder);
	ck_assert_int_eq(count("SELECT count(*) FROM t"), 0); /* the database is fine */
}
END_TEST

/* ---- transactions left open ---------------------------------------------------------------- */

START_TEST(test_leftover_transaction_is_rolled_back)
{
	ck_assert_int_eq(db_rollback_leftover(db, "test"), 0);
	ck_assert_int_eq(db_begin(db), 0);
	exec_ok("INSERT INTO login_failures(email, failures, last_failed) VALUES ('a@b.c', 1, 1)");
	ck_assert_int_eq(db_rollback_leftover(db, "test"), 1);
	ck_assert_int_ne(!db_in_transaction(db), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM login_failures"), 0);
	/* The next request can write (no "cannot start a transaction within a transaction"). */
	ck_assert_int_eq(db_begin(db), 0);
	ck_assert_int_eq(db_commit(db), 0);
	ck_assert_int_eq(db_rollback_leftover(db, "test"), 0);
}
END_TEST

/* ---- prune --------------------------------------------------------------------------------- */

START_TEST(test_prune_deletes_expired_sessions_and_old_failures_only)
{
	int64_t now = 10 * 86400;
	char env[32];
	snprintf(env, sizeof(env), "%lld", (long long)now);
	setenv("PILOTOMAIL_FAKE_NOW", env, 1);
	int64_t op = operator_create(db, "op@example.com", "", "a password 1", NULL);
	ck_assert_int_gt(op, 0);
	struct db_stmt *st = db_prepare(db, "INSERT INTO sessions(id_hash, operator_id, csrf_token, created_at, expires_at) "
					  "VALUES (?, ?, 'c', 0, ?)");
	for (int i = 0; i < 1203; i++) {
		char id[32];
		snprintf(id, sizeof(id), "expired-%d", i);
		db_reset(st);
		db_bind_text(st, 1, id);
		db_bind_int64(st, 2, op);
		db_bind_int64(st, 3, i % 2 ? now : now - 1000);
		ck_assert_int_eq(db_step(st), DB_DONE);
	}
	db_finalize(st);
	char *cookie = NULL;
	struct session live;
	ck_assert_int_eq(session_create(db, op, 0, &cookie, &live), 0);
	login_throttle_fail(db, "old@example.com", now - LOGIN_FAILURE_MEMORY_S);
	login_throttle_fail(db, "recent@example.com", now - LOGIN_FAILURE_MEMORY_S + 1);

	struct worker w = { .db = db };
	volatile int stopping = 0;
	w.stopping = &stopping;
	/* Bounded: one run deletes one chunk, and runs again while chunks come back full. */
	ck_assert_int_eq(job_prune_run(&w), 500 + 1);
	ck_assert_int_eq(job_prune_run(&w), 500);
	ck_assert_int_eq(job_prune_run(&w), 203);
	ck_assert_int_eq(job_prune_run(&w), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM sessions"), 1);
	struct session found;
	ck_assert_int_eq(session_find(db, cookie, now, &found), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM login_failures WHERE email = 'recent@example.com'"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM login_failures"), 1);
	free(cookie);
	unsetenv("PILOTOMAIL_FAKE_NOW");
}
END_TEST

/* A failure forgotten counts as none even before the worker deleted it. */
START_TEST(test_forgotten_failures_start_over)
{
	for (int i = 0; i < 6; i++)
		login_throttle_fail(db, "x@y.z", 1000);
	ck_assert_int_gt(login_throttle_wait(db, "x@y.z", 1000), 0);
	login_throttle_fail(db, "x@y.z", 1000 + LOGIN_FAILURE_MEMORY_S);
	ck_assert_int_eq(count("SELECT failures FROM login_failures WHERE email = 'x@y.z'"), 1);
	ck_assert_int_eq(login_throttle_wait(db, "x@y.z", 1000 + LOGIN_FAILURE_MEMORY_S), 0);
}
END_TEST

/* ---- passwords rehashed at sign-in --------------------------------------------------------- */

static const char old_hash[] = "scrypt$1024$4$2$30313233343536373839616263646566$"
			       "52f765b68dccb10b5d9f3160d5e203597f083c186bd834d6bcab08c4728adcac";

static char *stored_hash(const char *sql)
{
	struct db_stmt *st = db_prepare(db, sql);
	ck_assert_int_eq(db_step(st), DB_ROW);
	char *h = db_col_strdup(st, 0);
	db_finalize(st);
	return h;
}

START_TEST(test_operator_old_hash_upgraded_after_sign_in)
{
	struct db_stmt *st = db_prepare(db, "INSERT INTO operators(email, password_hash, created_at) VALUES ('o@x.y', ?, 0)");
	db_bind_text(st, 1, old_hash);
	ck_assert_int_eq(db_step_done(st), 0);
	struct operator op;
	ck_assert_int_eq(operator_find_by_email(db, "o@x.y", &op), 0);
	ck_assert_int_eq(password_verify("hunter2 hunter2", op.password_hash), 1);
	operator_password_upgrade(db, &op, "hunter2 hunter2");
	operator_clear(&op);
	char *h = stored_hash("SELECT password_hash FROM operators WHERE email = 'o@x.y'");
	ck_assert_msg(str_starts_with(h, "scrypt$131072$8$1$"), "%s", h);
	ck_assert_int_eq(password_verify("hunter2 hunter2", h), 1);
	/* Current hashes are left alone. */
	ck_assert_int_eq(operator_find_by_email(db, "o@x.y", &op), 0);
	operator_password_upgrade(db, &op, "hunter2 hunter2");
	operator_clear(&op);
	char *again = stored_hash("SELECT password_hash FROM operators WHERE email = 'o@x.y'");
	ck_assert_str_eq(h, again);
	free(h);
	free(again);
}
END_TEST

START_TEST(test_renter_old_hash_upgraded_after_sign_in)
{
	int64_t op = operator_create(db, "op@example.com", "", "a password 1", NULL);
	struct db_stmt *st = db_prepare(db, "INSERT INTO renters(operator_id, email, password_hash, created_at) "
					  "VALUES (?, 'r@x.y', ?, 0)");
	db_bind_int64(st, 1, op);
	db_bind_text(st, 2, old_hash);
	ck_assert_int_eq(db_step_done(st), 0);
	ck_assert_int_eq(renter_authenticate(db, "r@x.y", "wrong password"), 0);
	char *h = stored_hash("SELECT password_hash FROM renters WHERE email = 'r@x.y'");
	ck_assert_str_eq(h, old_hash); /* a failed sign-in changes nothing */
	free(h);
	int64_t id = renter_authenticate(db, "r@x.y", "hunter2 hunter2");
	ck_assert_int_gt(id, 0);
	h = stored_hash("SELECT password_hash FROM renters WHERE email = 'r@x.y'");
	ck_assert_msg(str_starts_with(h, "scrypt$131072$8$1$"), "%s", h);
	free(h);
	ck_assert_int_eq(renter_authenticate(db, "r@x.y", "hunter2 hunter2"), id);
}
END_TEST

static Suite *hardening_suite(void)
{
	Suite *s = suite_create("hardening");
	TCase *tc = tcase_create("store");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_prepare_failure_returns_null_and_helpers_survive);
	tcase_add_test(tc, test_write_busy_fails_and_is_classified);
	tcase_add_test(tc, test_leftover_transaction_is_rolled_back);
	tcase_add_test(tc, test_prune_deletes_expired_sessions_and_old_failures_only);
	tcase_add_test(tc, test_forgotten_failures_start_over);
	tcase_add_test(tc, test_operator_old_hash_upgraded_after_sign_in);
	tcase_add_test(tc, test_renter_old_hash_upgraded_after_sign_in);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(hardening_suite)
