/* check_store.c: migrations from empty, operators, sessions and sign-in throttling. */
#include "check_helpers.h"
#include "check_db.h"
#include "crypto/crypto.h"
#include "store/db.h"
#include "store/operators.h"
#include "store/sessions.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64];
static struct db *db;

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/pm-check-store-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char *key = xasprintf("%s/key", dir), *path = xasprintf("%s/db", dir);
	ck_assert_int_eq(secretbox_init(key), 0);
	db = test_db_open(path);
	ck_assert_ptr_nonnull(db);
	free(key);
	free(path);
}

static void teardown(void)
{
	test_db_close(db);
	char *cmd = xasprintf("rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

static int table_exists(const char *name)
{
	/* Portable across engines: selecting from a missing table fails. */
	char *sql = xasprintf("SELECT 1 FROM %s LIMIT 0", name);
	struct db_stmt *st = db_prepare(db, sql);
	int ok = st && db_step(st) == DB_DONE;
	db_finalize(st);
	free(sql);
	return ok;
}

START_TEST(test_migrate_from_empty_reaches_latest)
{
	ck_assert_int_eq(db_schema_version(db), 0);
	ck_assert_int_eq(db_migrate(db), 0);
	ck_assert_int_eq(db_schema_version(db), db_schema_version_latest());
	const char *tables[] = { "operators", "sessions", "spaces", "offerings", "officernd_settings",
				 "mailboxes", "webhook_events", "charges" };
	for (size_t i = 0; i < ARRAY_SIZE(tables); i++)
		ck_assert_msg(table_exists(tables[i]), "missing table %s", tables[i]);
	/* Running it again changes nothing. */
	ck_assert_int_eq(db_migrate(db), 0);
	ck_assert_int_eq(db_schema_version(db), db_schema_version_latest());
}
END_TEST

/* A database migrated by a newer release is refused, and left as it is. */
START_TEST(test_migrate_refuses_newer_schema)
{
	ck_assert_int_eq(db_migrate(db), 0);
	int newer = db_schema_version_latest() + 1;
	char *sql = db_engine(db) == DB_POSTGRES ? xasprintf("UPDATE pilotomail_schema SET version = %d", newer)
						 : xasprintf("PRAGMA user_version = %d", newer);
	ck_assert_int_eq(db_exec(db, sql), 0);
	free(sql);
	ck_assert_int_eq(db_migrate(db), -1);
	ck_assert_int_eq(db_schema_version(db), newer);
}
END_TEST

START_TEST(test_pragmas_are_set)
{
	if (db_engine(db) == DB_POSTGRES) {
		/* The COMMIT is the durability point: it returns once the WAL is flushed. */
		struct db_stmt *pg = db_prepare(db, "SHOW synchronous_commit");
		ck_assert_int_eq(db_step(pg), DB_ROW);
		ck_assert_str_eq(db_col_text(pg, 0), "on");
		db_finalize(pg);
		return;
	}
	struct db_stmt *st = db_prepare(db, "PRAGMA journal_mode");
	db_step(st);
	ck_assert_str_eq(db_col_text(st, 0), "wal");
	db_finalize(st);
	st = db_prepare(db, "PRAGMA foreign_keys");
	db_step(st);
	ck_assert_int_eq(db_col_int(st, 0), 1);
	db_finalize(st);
}
END_TEST

START_TEST(test_operator_create_and_find)
{
	ck_assert_int_eq(db_migrate(db), 0);
	int taken = 0;
	int64_t id = operator_create(db, "Ops@Example.com", "Acme", "pw-123456", &taken);
	ck_assert_int_gt(id, 0);
	ck_assert_int_eq(operator_create(db, "ops@example.com", "Dup", "x", &taken), -1);
	ck_assert_int_eq(taken, 1);
	struct operator op;
	ck_assert_int_eq(operator_find_by_email(db, "OPS@example.com", &op), 0);
	ck_assert_int_eq(op.id, id);
	ck_assert_str_eq(op.name, "Acme");
	ck_assert(password_verify("pw-123456", op.password_hash));
	ck_assert(strstr(op.password_hash, "pw-123456") == NULL);
	operator_clear(&op);
	/* Its settings rows exist, with an unguessable webhook token. */
	struct db_stmt *st = db_prepare(db, "SELECT length(webhook_token) FROM officernd_settings WHERE operator_id=?");
	db_bind_int64(st, 1, id);
	ck_assert_int_eq(db_step(st), DB_ROW);
	ck_assert_int_ge(db_col_int(st, 0), 40);
	db_finalize(st);
}
END_TEST

START_TEST(test_sessions)
{
	ck_assert_int_eq(db_migrate(db), 0);
	int64_t id = operator_create(db, "a@b.co", "", "pw-123456", NULL);
	char *cookie = NULL;
	struct session s, found;
	ck_assert_int_eq(session_create(db, id, 0, &cookie, &s), 0);
	ck_assert_int_eq(session_find(db, cookie, s.expires_at - 1, &found), 0);
	ck_assert_int_eq(found.operator_id, id);
	ck_assert_str_eq(found.csrf_token, s.csrf_token);
	/* Expired, unknown, or the stored hash used as a cookie: no session. */
	ck_assert_int_eq(session_find(db, cookie, s.expires_at, &found), -1);
	ck_assert_int_eq(session_find(db, "nope", 0, &found), -1);
	ck_assert_int_eq(session_find(db, s.id_hash, 0, &found), -1);
	session_flash_set(db, s.id_hash, "ok", "Saved.");
	char *kind, *msg;
	session_flash_take(db, s.id_hash, &kind, &msg);
	ck_assert_str_eq(msg, "Saved.");
	free(kind);
	free(msg);
	session_flash_take(db, s.id_hash, &kind, &msg);
	ck_assert_ptr_null(msg);
	session_delete(db, s.id_hash);
	ck_assert_int_eq(session_find(db, cookie, 0, &found), -1);
	free(cookie);
}
END_TEST

START_TEST(test_login_throttle)
{
	ck_assert_int_eq(db_migrate(db), 0);
	for (int i = 0; i < 5; i++) {
		ck_assert_int_eq(login_throttle_wait(db, "x@y.z", 1000), 0);
		login_throttle_fail(db, "x@y.z", 1000);
	}
	ck_assert_int_gt(login_throttle_wait(db, "x@y.z", 1000), 0);
	ck_assert_int_eq(login_throttle_wait(db, "other@y.z", 1000), 0);
	ck_assert_int_eq(login_throttle_wait(db, "x@y.z", 1000 + 901), 0);
	login_throttle_clear(db, "x@y.z");
	ck_assert_int_eq(login_throttle_wait(db, "x@y.z", 1000), 0);
}
END_TEST

static Suite *store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_migrate_from_empty_reaches_latest);
	tcase_add_test(tc, test_migrate_refuses_newer_schema);
	tcase_add_test(tc, test_pragmas_are_set);
	tcase_add_test(tc, test_operator_create_and_find);
	tcase_add_test(tc, test_sessions);
	tcase_add_test(tc, test_login_throttle);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(store_suite)
