/*
 * check_counts.c: the counts the Spaces, Offerings and Activity pages show are kept by triggers
 * (migrations/010_growth.sql) instead of being counted on each page. After every kind of write
 * that changes them (a new mailbox, a move to another space or offering, a cancel and a reopen,
 * a delete; a new event, a state change, a duplicate, a delete), they equal a COUNT(*) of the
 * rows, for each operator.
 */
#include "check_helpers.h"
#include "check_db.h"
#include "store/db.h"
#include "store/offerings.h"
#include "store/spaces.h"
#include "store/webhook_events.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64];
static struct db *db;

static void exec_ok(const char *sql)
{
	ck_assert_msg(db_exec(db, sql) == 0, "%s", sql);
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/pm-check-counts-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char *path = xasprintf("%s/db", dir);
	db = test_db_open(path);
	free(path);
	ck_assert_ptr_nonnull(db);
	ck_assert_int_eq(db_migrate(db), 0);
	exec_ok("INSERT INTO operators(id, email, name, password_hash, created_at) VALUES "
		"(1, 'a@x.example', 'A', 'x', 0), (2, 'b@x.example', 'B', 'x', 0);"
		"INSERT INTO spaces(id, operator_id, name, created_at) VALUES (1, 1, 'North', 0), (2, 1, 'South', 0), "
		"(3, 2, 'North', 0);"
		"INSERT INTO offerings(id, operator_id, name, monthly_price, created_at) VALUES (1, 1, 'Basic', 0, 0), "
		"(2, 1, 'Premium', 0, 0), (3, 2, 'Basic', 0, 0);"
		"INSERT INTO renters(id, operator_id, name, created_at) VALUES (1, 1, 'R', 0), (2, 2, 'S', 0);");
}

static void teardown(void)
{
	test_db_close(db);
	char *cmd = xasprintf("rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

static int64_t count_of(const char *sql, int64_t id)
{
	struct db_stmt *st = db_prepare(db, sql);
	db_bind_int64(st, 1, id);
	return db_count(st);
}

/* Every operator's spaces and offerings show what COUNT(*) finds. */
static void check_catalog_counts(void)
{
	for (int64_t op = 1; op <= 2; op++) {
		struct space *spaces;
		struct offering *offerings;
		size_t ns, no;
		ck_assert_int_eq(space_list(db, op, &spaces, &ns), 0);
		for (size_t i = 0; i < ns; i++)
			ck_assert_int_eq(spaces[i].mailboxes,
					 count_of("SELECT count(*) FROM mailboxes WHERE space_id = ? AND status <> 'cancelled'",
						  spaces[i].id));
		ck_assert_int_eq(offering_list(db, op, &offerings, &no), 0);
		for (size_t i = 0; i < no; i++)
			ck_assert_int_eq(offerings[i].mailboxes,
					 count_of("SELECT count(*) FROM mailboxes WHERE offering_id = ?", offerings[i].id));
		free(spaces);
		free(offerings);
	}
}

/* Every operator's Activity tabs show what COUNT(*) finds. */
static void check_event_counts(void)
{
	for (int64_t op = 1; op <= 2; op++) {
		int64_t counts[5];
		ck_assert_int_eq(webhook_event_counts(db, op, counts), 0);
		for (int i = 0; i < 5; i++) {
			char *sql = xasprintf("SELECT count(*) FROM webhook_events WHERE operator_id = ? AND state = '%s'",
					      webhook_event_states[i]);
			ck_assert_int_eq(counts[i], count_of(sql, op));
			free(sql);
		}
	}
}

START_TEST(test_mailbox_counts_follow_every_change)
{
	exec_ok("INSERT INTO mailboxes(id, operator_id, renter_id, space_id, offering_id, pmb, status, created_at, "
		"updated_at) VALUES (1, 1, 1, 1, 1, '101', 'active', 0, 0), (2, 1, 1, 1, 2, '102', 'on_hold', 0, 0), "
		"(3, 1, 1, NULL, 1, '103', 'active', 0, 0), (4, 1, 1, 2, 1, '104', 'cancelled', 0, 0), "
		"(5, 2, 2, 3, 3, '101', 'active', 0, 0)");
	check_catalog_counts();
	ck_assert_int_eq(count_of("SELECT open_mailboxes FROM spaces WHERE id = ?", 1), 2);
	exec_ok("UPDATE mailboxes SET space_id = 2 WHERE id = 1");             /* moved */
	check_catalog_counts();
	exec_ok("UPDATE mailboxes SET status = 'cancelled' WHERE id = 2");     /* cancelled */
	check_catalog_counts();
	exec_ok("UPDATE mailboxes SET status = 'active' WHERE id = 4");        /* reopened */
	check_catalog_counts();
	exec_ok("UPDATE mailboxes SET space_id = 1 WHERE id = 3");             /* location linked */
	exec_ok("UPDATE mailboxes SET offering_id = 2, status = 'on_hold' WHERE id = 3");
	check_catalog_counts();
	exec_ok("UPDATE mailboxes SET needs_attention = 'x' WHERE id = 3");    /* no count changes */
	check_catalog_counts();
	exec_ok("DELETE FROM mailboxes WHERE id IN (1, 2)");
	check_catalog_counts();
	exec_ok("DELETE FROM operators WHERE id = 2");                         /* cascades */
	check_catalog_counts();
}
END_TEST

START_TEST(test_event_counts_follow_every_change)
{
	struct webhook_event_new e = { 0 };
	int64_t id;
	char key[16]; /* outlives the loop: the duplicate below inserts the last key again */
	for (int i = 0; i < 12; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		e.dedupe_key = key;
		e.event_type = "membership.updated";
		e.membership_id = "m1";
		e.body = "{}";
		e.body_len = 2;
		e.state = i % 4 == 0 ? "ignored" : "pending";
		e.outcome = "";
		ck_assert_int_eq(webhook_event_insert(db, 1 + i % 2, &e, &id), 0);
	}
	ck_assert_int_eq(webhook_event_insert(db, 2, &e, &id), 1); /* a duplicate adds nothing */
	check_event_counts();
	exec_ok("UPDATE webhook_events SET state = 'applied' WHERE id % 3 = 0 AND state = 'pending'");
	exec_ok("UPDATE webhook_events SET state = 'failed' WHERE id % 3 = 1 AND state = 'pending'");
	exec_ok("UPDATE webhook_events SET outcome = 'x'");                    /* no state change */
	check_event_counts();
	exec_ok("UPDATE webhook_events SET state = 'pending' WHERE state = 'failed'"); /* retried */
	check_event_counts();
	exec_ok("DELETE FROM webhook_events WHERE id < 4");
	check_event_counts();
}
END_TEST

static Suite *counts_suite(void)
{
	Suite *s = suite_create("counts");
	TCase *tc = tcase_create("counts");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_mailbox_counts_follow_every_change);
	tcase_add_test(tc, test_event_counts_follow_every_change);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(counts_suite)
