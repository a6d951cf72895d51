/* check_db_copy.c: pilotomail-admin copy-to-postgres's copy (store/db_copy.h). Runs against the
 * PostgreSQL server PILOTOMAIL_TEST_DB_URL names (see check_db.h); without one it has nothing
 * to copy into and passes without checking. */
#include "check_helpers.h"
#include "check_db.h"
#include "crypto/crypto.h"
#include "store/db.h"
#include "store/db_copy.h"
#include "store/operators.h"
#include "store/spaces.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64];
static struct db *src, *dst;

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/pm-check-copy-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char *key = xasprintf("%s/key", dir), *path = xasprintf("%s/db", dir);
	ck_assert_int_eq(secretbox_init(key), 0);
	src = db_open(path); /* the source is always SQLite */
	ck_assert_ptr_nonnull(src);
	ck_assert_int_eq(db_migrate(src), 0);
	free(key);
	free(path);
	dst = getenv("PILOTOMAIL_TEST_DB_URL") ? test_db_open(NULL) : NULL;
}

static void teardown(void)
{
	db_close(src);
	if (dst)
		test_db_close(dst);
	char *cmd = xasprintf("rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

static void exec_ok(struct db *db, const char *sql)
{
	ck_assert_msg(db_exec(db, sql) == 0, "%s", sql);
}

static int64_t count(struct db *db, const char *sql)
{
	return db_count(db_prepare(db, sql));
}

/* A small store: an operator with a space, a renter, a mailbox (trigger-kept counts), a blob. */
static int64_t fill_source(void)
{
	int taken = 0;
	int64_t op = operator_create(src, "ops@example.com", "Acme", "pw-123456", &taken);
	ck_assert_int_gt(op, 0);
	int dup = 0;
	ck_assert_int_gt(space_create(src, op, "Downtown", &dup), 0);
	exec_ok(src, "INSERT INTO offerings(id, operator_id, name, monthly_price, created_at) VALUES (7, 1, 'Basic', 0, 0);"
		     "INSERT INTO renters(id, operator_id, name, email, created_at) VALUES (5, 1, 'Ada', 'ada@example.com', 0);"
		     "INSERT INTO mailboxes(id, operator_id, renter_id, space_id, offering_id, pmb, created_at, updated_at) "
		     "VALUES (9, 1, 5, 1, 7, '101', 0, 0);"
		     "UPDATE officernd_settings SET client_secret_enc = x'00ff10' WHERE operator_id = 1");
	return op;
}

START_TEST(test_copy_moves_every_row_once_and_ids_continue)
{
	if (!dst)
		return;
	int64_t op = fill_source();
	FILE *out = tmpfile();
	ck_assert_int_eq(db_copy_to_postgres(src, dst, out), 0);
	fclose(out);
	ck_assert_int_eq(count(dst, "SELECT count(*) FROM mailboxes"), 1);
	/* The copied counter, not the copied counter plus the trigger's. */
	ck_assert_int_eq(count(dst, "SELECT open_mailboxes FROM spaces WHERE id = 1"), 1);
	ck_assert_int_eq(count(dst, "SELECT mailbox_count FROM offerings WHERE id = 7"), 1);
	struct db_stmt *st = db_prepare(dst, "SELECT client_secret_enc FROM officernd_settings WHERE operator_id = 1");
	ck_assert_int_eq(db_step(st), DB_ROW);
	ck_assert_int_eq(db_col_bytes(st, 0), 3);
	ck_assert(memcmp(db_col_blob(st, 0), "\x00\xff\x10", 3) == 0);
	db_finalize(st);
	/* New rows take ids after the copied ones, and the triggers work again. */
	int dup = 0;
	ck_assert_int_eq(space_create(dst, op, "Annex", &dup), 2);
	exec_ok(dst, "INSERT INTO mailboxes(operator_id, renter_id, space_id, offering_id, pmb, created_at, updated_at) "
		     "VALUES (1, 5, 1, 7, '102', 0, 0)");
	ck_assert_int_eq(count(dst, "SELECT max(id) FROM mailboxes"), 10);
	ck_assert_int_eq(count(dst, "SELECT open_mailboxes FROM spaces WHERE id = 1"), 2);
}
END_TEST

START_TEST(test_copy_refuses_a_target_with_rows_and_changes_nothing)
{
	if (!dst)
		return;
	fill_source();
	ck_assert_int_eq(db_migrate(dst), 0);
	int taken = 0;
	ck_assert_int_gt(operator_create(dst, "other@example.com", "Other", "pw-123456", &taken), 0);
	FILE *out = tmpfile();
	ck_assert_int_eq(db_copy_to_postgres(src, dst, out), -1);
	fclose(out);
	ck_assert_int_eq(count(dst, "SELECT count(*) FROM operators"), 1);
	ck_assert_int_eq(count(dst, "SELECT count(*) FROM spaces"), 0);
}
END_TEST

static Suite *copy_suite(void)
{
	Suite *s = suite_create("db_copy");
	TCase *tc = tcase_create("copy");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_copy_moves_every_row_once_and_ids_continue);
	tcase_add_test(tc, test_copy_refuses_a_target_with_rows_and_changes_nothing);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(copy_suite)
