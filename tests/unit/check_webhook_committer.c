/*
 * check_webhook_committer.c: webhook.fcgi's group commit (store/webhook_committer.h) against a
 * real store, and the store calls the worker paces itself with while webhooks come in.
 */
#include "check_helpers.h"
#include "check_store_fixture.h"
#include "store/webhook_committer.h"
#include "store/webhook_events.h"
#include "worker/jobs.h"

#include <pthread.h>
#include <string.h>
#include <time.h>

#define SENDERS 5

struct sender {
	struct webhook_committer *c;
	int64_t operator_id;
	char key[32];
	int rc;
	int64_t id;
};

static void *send_one(void *arg)
{
	struct sender *s = arg;
	struct webhook_event_new e = {
		.dedupe_key = s->key, .event_type = "membership.created", .membership_id = s->key,
		.body = "{}", .body_len = 2, .state = "pending", .outcome = "", .received_at = 1,
	};
	s->rc = webhook_committer_store(s->c, s->operator_id, &e, &s->id);
	return NULL;
}

/* Waits (without a time limit: Check's timeout is the bound) until n requests are queued. */
static void wait_for_waiting(struct webhook_committer *c, int n)
{
	struct timespec ts = { 0, 1000000 };
	while (webhook_committer_waiting(c) < n)
		nanosleep(&ts, NULL);
}

static int64_t count_events(struct db *db)
{
	return db_count(db_prepare(db, "SELECT count(*) FROM webhook_events"));
}

/*
 * While another connection (the worker) holds the write lock, every event that arrives waits
 * for it: once the lock is free they are all stored in ONE commit, not the first alone and the
 * rest in a second one after the worker had its turn again.
 */
START_TEST(events_arriving_while_the_lock_is_held_share_one_commit)
{
	struct store_fixture f;
	fixture_store_open(&f, "committer");
	if (db_engine(f.db) == DB_POSTGRES) { /* no store-wide write lock there */
		fixture_store_close(&f);
		return;
	}
	char *path = xasprintf("%s/db", f.dir);
	struct webhook_committer *c = webhook_committer_start(db_open(path));
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(db_begin(f.db), 0); /* the worker's transaction */
	struct sender s[SENDERS];
	pthread_t t[SENDERS];
	for (int i = 0; i < SENDERS; i++) {
		s[i] = (struct sender){ .c = c, .operator_id = f.op, .rc = -2 };
		snprintf(s[i].key, sizeof(s[i].key), "evt-%d", i);
		ck_assert_int_eq(pthread_create(&t[i], NULL, send_one, &s[i]), 0);
		wait_for_waiting(c, i + 1); /* the first is the committer's, waiting for the lock */
	}
	ck_assert_int_eq(db_commit(f.db), 0);
	for (int i = 0; i < SENDERS; i++) {
		pthread_join(t[i], NULL);
		ck_assert_int_eq(s[i].rc, 0);
	}
	ck_assert_int_eq(webhook_committer_commits(c), 1);
	ck_assert_int_eq(count_events(f.db), SENDERS);
	webhook_committer_stop(c);
	free(path);
	fixture_store_close(&f);
}
END_TEST

/* A duplicate in the same batch is answered as one, and the batch's other events are kept. */
START_TEST(a_duplicate_in_a_batch_is_a_duplicate_and_the_rest_is_stored)
{
	struct store_fixture f;
	fixture_store_open(&f, "committer-dup");
	if (db_engine(f.db) == DB_POSTGRES) {
		fixture_store_close(&f);
		return;
	}
	char *path = xasprintf("%s/db", f.dir);
	struct webhook_committer *c = webhook_committer_start(db_open(path));
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(db_begin(f.db), 0);
	struct sender s[3];
	pthread_t t[3];
	const char *keys[3] = { "same", "other", "same" };
	for (int i = 0; i < 3; i++) {
		s[i] = (struct sender){ .c = c, .operator_id = f.op, .rc = -2 };
		snprintf(s[i].key, sizeof(s[i].key), "%s", keys[i]);
		ck_assert_int_eq(pthread_create(&t[i], NULL, send_one, &s[i]), 0);
		wait_for_waiting(c, i + 1);
	}
	ck_assert_int_eq(db_commit(f.db), 0);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	ck_assert_int_eq(s[0].rc, 0);
	ck_assert_int_eq(s[1].rc, 0);
	ck_assert_int_eq(s[2].rc, 1);
	ck_assert_int_eq(count_events(f.db), 2);
	webhook_committer_stop(c);
	free(path);
	fixture_store_close(&f);
}
END_TEST

START_TEST(last_id_is_the_newest_event)
{
	struct store_fixture f;
	fixture_store_open(&f, "last-id");
	ck_assert_int_eq(webhook_event_last_id(f.db), 0);
	struct webhook_event_new e = {
		.dedupe_key = "k1", .event_type = "membership.created", .membership_id = "m1",
		.body = "{}", .body_len = 2, .state = "pending", .outcome = "", .received_at = 1,
	};
	int64_t id1 = 0, id2 = 0;
	ck_assert_int_eq(webhook_event_insert(f.db, f.op, &e, &id1), 0);
	e.dedupe_key = "k2";
	ck_assert_int_eq(webhook_event_insert(f.db, f.op2, &e, &id2), 0);
	ck_assert_int_eq(webhook_event_last_id(f.db), id2);
	ck_assert_int_gt(id2, id1);
	fixture_store_close(&f);
}
END_TEST

/* The events job turns flushing off for its own commits: it must be able to turn it back on,
 * and a refusal (inside a transaction, where SQLite cannot change it) is an error, not silence. */
START_TEST(flush_on_commit_switches_and_refuses_inside_a_transaction)
{
	struct store_fixture f;
	fixture_store_open(&f, "flush");
	ck_assert_int_eq(db_flush_on_commit(f.db, 0), 0);
	ck_assert_int_eq(db_flush_on_commit(f.db, 1), 0);
	if (db_engine(f.db) != DB_POSTGRES) {
		ck_assert_int_eq(db_count(db_prepare(f.db, "PRAGMA synchronous")), 2); /* FULL */
		ck_assert_int_eq(db_begin(f.db), 0);
		ck_assert_int_eq(db_flush_on_commit(f.db, 0), -1);
		db_rollback(f.db);
		ck_assert_int_eq(db_count(db_prepare(f.db, "PRAGMA synchronous")), 2);
	}
	fixture_store_close(&f);
}
END_TEST

/* The events job's own commits do not wait for the disk; every job after it must again (the
 * outbox and fee jobs tell the outside world only after a durable commit). */
START_TEST(the_events_job_leaves_commits_durable_for_the_jobs_after_it)
{
	struct store_fixture f;
	fixture_store_open(&f, "events-durable");
	struct webhook_event_new e = {
		.dedupe_key = "k1", .event_type = "other.thing", .membership_id = "",
		.body = "not json", .body_len = 8, .state = "pending", .outcome = "", .received_at = 1,
	};
	int64_t id = 0;
	ck_assert_int_eq(webhook_event_insert(f.db, f.op, &e, &id), 0);
	volatile int stopping = 0;
	struct worker w = { .db = f.db, .cfg = config_get(), .stopping = &stopping };
	snprintf(w.id, sizeof(w.id), "test-worker");
	ck_assert_int_eq(job_events_run(&w), 1); /* unreadable: failed, with the reason */
	struct db_stmt *st = db_prepare(f.db, "SELECT state FROM webhook_events WHERE id = ?");
	db_bind_int64(st, 1, id);
	ck_assert_int_eq(db_step(st), DB_ROW);
	ck_assert_str_eq(db_col_text(st, 0), "failed");
	db_finalize(st);
	if (db_engine(f.db) != DB_POSTGRES)
		ck_assert_int_eq(db_count(db_prepare(f.db, "PRAGMA synchronous")), 2); /* FULL */
	fixture_store_close(&f);
}
END_TEST

static Suite *committer_suite(void)
{
	Suite *s = suite_create("webhook_committer");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, events_arriving_while_the_lock_is_held_share_one_commit);
	tcase_add_test(tc, a_duplicate_in_a_batch_is_a_duplicate_and_the_rest_is_stored);
	tcase_add_test(tc, last_id_is_the_newest_event);
	tcase_add_test(tc, flush_on_commit_switches_and_refuses_inside_a_transaction);
	tcase_add_test(tc, the_events_job_leaves_commits_durable_for_the_jobs_after_it);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(committer_suite)
