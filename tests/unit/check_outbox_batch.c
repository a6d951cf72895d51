/*
 * check_outbox_batch.c: the invitation outbox in batches. The store claims several due rows in
 * one transaction and hands back rows never tried; mail_deliver_batch writes every .eml of a
 * batch (complete files only) and refuses what mail_deliver refuses; a kept statement is reused.
 */
#include "check_helpers.h"
#include "check_store_fixture.h"
#include "mail/deliver.h"
#include "store/mailboxes.h"
#include "util/timeutil.h"

#include <dirent.h>
#include <string.h>
#include <unistd.h>

static struct store_fixture fx;

static int64_t enqueue(const char *to)
{
	struct outbox_message m = { "invitation", 0, to, "Your mailbox", "text", "<p>html</p>", NULL };
	int64_t id = outbox_enqueue(fx.db, fx.op, &m);
	ck_assert_int_gt(id, 0);
	return id;
}

static int64_t count(const char *sql)
{
	return db_count(db_prepare(fx.db, sql));
}

static void free_items(struct outbox_item *items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		outbox_item_clear(&items[i]);
	free(items);
}

START_TEST(test_claim_batch_takes_oldest_due_once)
{
	fixture_store_open(&fx, "outbox");
	int64_t first = enqueue("a@example.com");
	for (int i = 0; i < 4; i++)
		enqueue("b@example.com");
	struct outbox_item *items;
	size_t n;
	int64_t now = time_now();
	ck_assert_int_eq(outbox_claim_batch(fx.db, "w1", now, 60, 3, &items, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(items[0].id, first);
	ck_assert_str_eq(items[0].to_addr, "a@example.com");
	ck_assert_int_eq(items[0].attempts, 1);
	free_items(items, n);
	/* Another worker gets only the two left; then nothing is due. */
	ck_assert_int_eq(outbox_claim_batch(fx.db, "w2", now, 60, 3, &items, &n), 0);
	ck_assert_uint_eq(n, 2);
	free_items(items, n);
	ck_assert_int_eq(outbox_claim_batch(fx.db, "w2", now, 60, 3, &items, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(items);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox WHERE state = 'sending' AND claimed_by = 'w1'"), 3);
	fixture_store_close(&fx);
}
END_TEST

/* Several workers on PostgreSQL: a row another worker's claim transaction holds is passed over,
 * not waited on (nor taken twice), and the others are claimed at once. On SQLite writers take
 * turns (BEGIN IMMEDIATE), so there is nothing to show there. */
START_TEST(test_claim_passes_over_rows_another_worker_holds)
{
	const char *server = getenv("PILOTOMAIL_TEST_DB_URL");
	if (!server || !*server)
		return;
	fixture_store_open(&fx, "outbox-skip");
	int64_t held = enqueue("a@example.com");
	for (int i = 0; i < 3; i++)
		enqueue("b@example.com");
	char *conninfo = test_db_conninfo(NULL);
	struct db *other = db_open(conninfo);
	free(conninfo);
	ck_assert_ptr_nonnull(other);
	ck_assert_int_eq(db_begin_claim(other), 0);
	struct db_stmt *lock = db_prepare_claim(other, "SELECT o.id FROM outbox AS o WHERE o.id = ?", "o");
	db_bind_int64(lock, 1, held);
	ck_assert_int_eq(db_step(lock), DB_ROW);
	db_finalize(lock);
	db_busy_wait_ms(fx.db, 2000); /* before the claim scheme this waited, then failed busy */
	struct outbox_item *items;
	size_t n;
	ck_assert_int_eq(outbox_claim_batch(fx.db, "w2", time_now(), 60, 10, &items, &n), 0);
	ck_assert_uint_eq(n, 3);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_ne(items[i].id, held);
	free_items(items, n);
	db_rollback(other);
	db_close(other);
	/* Let go, the row is due and claimed like any other. */
	ck_assert_int_eq(outbox_claim_batch(fx.db, "w2", time_now(), 60, 10, &items, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(items[0].id, held);
	free_items(items, n);
	fixture_store_close(&fx);
}
END_TEST

START_TEST(test_give_back_requeues_without_counting_the_attempt)
{
	fixture_store_open(&fx, "outbox");
	int64_t id = enqueue("a@example.com");
	struct outbox_item *items;
	size_t n;
	int64_t now = time_now();
	ck_assert_int_eq(outbox_claim_batch(fx.db, "w1", now, 60, 8, &items, &n), 0);
	ck_assert_uint_eq(n, 1);
	free_items(items, n);
	/* Not the owner: nothing changes. */
	ck_assert_int_eq(outbox_give_back(fx.db, id, "w2"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox WHERE state = 'sending' AND attempts = 1"), 1);
	ck_assert_int_eq(outbox_give_back(fx.db, id, "w1"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox WHERE state = 'queued' AND attempts = 0 "
			       "AND claimed_by IS NULL"), 1);
	ck_assert_int_eq(outbox_claim_batch(fx.db, "w2", now, 60, 8, &items, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(items[0].attempts, 1);
	free_items(items, n);
	fixture_store_close(&fx);
}
END_TEST

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = xcalloc(1, 256);
	size_t got = fread(buf, 1, 255, f);
	buf[got] = '\0';
	fclose(f);
	return buf;
}

static size_t dir_entries(const char *dir)
{
	DIR *d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	size_t n = 0;
	for (struct dirent *e; (e = readdir(d));)
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

START_TEST(test_deliver_batch_to_files)
{
	char dir[64] = "/tmp/pm-check-mailbatch-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char *sub = xasprintf("%s/mail", dir); /* created by the batch */
	struct config cfg = { .mail_dir = sub, .smtp_url = NULL };
	struct mail_envelope envs[3] = {
		{ 21, "mail@space.example", "ada@example.com", "first\r\n", 7 },
		{ 22, "mail@space.example", "not an address", "second\r\n", 8 },
		{ 23, "mail@space.example", "grace@example.com", "third\r\n", 7 },
	};
	struct mail_outcome out[3];
	mail_deliver_batch(&cfg, envs, 3, time_mono_ms(), out); /* files never run out of time */
	ck_assert_int_eq(out[0].result, MAIL_DELIVERED);
	ck_assert_int_eq(out[1].result, MAIL_PERMANENT);
	ck_assert_ptr_nonnull(strstr(out[1].error, "recipient address"));
	ck_assert_int_eq(out[2].result, MAIL_DELIVERED);
	/* Two complete messages, named by outbox id, and no temporary file left behind. */
	ck_assert_uint_eq(dir_entries(sub), 2);
	char *p21 = xasprintf("%s/outbox-21.eml", sub), *p23 = xasprintf("%s/outbox-23.eml", sub);
	char *a = read_file(p21), *c = read_file(p23);
	ck_assert_str_eq(a, "first\r\n");
	ck_assert_str_eq(c, "third\r\n");
	unlink(p21);
	unlink(p23);
	rmdir(sub);
	rmdir(dir);
	free(a);
	free(c);
	free(p21);
	free(p23);
	free(sub);
}
END_TEST

START_TEST(test_deliver_batch_unwritable_folder_is_transient)
{
	struct config cfg = { .mail_dir = "/proc/pilotomail-cannot-exist", .smtp_url = NULL };
	struct mail_envelope env = { 24, "mail@space.example", "ada@example.com", "x\r\n", 3 };
	struct mail_outcome out;
	mail_deliver_batch(&cfg, &env, 1, time_mono_ms(), &out);
	ck_assert_int_eq(out.result, MAIL_TRANSIENT);
	ck_assert_ptr_nonnull(strstr(out.error, "mail folder"));
}
END_TEST

START_TEST(test_deliver_batch_smtp_past_deadline_sends_nothing)
{
	struct config cfg = { .smtp_url = "smtp://127.0.0.1:9", .mail_dir = "/nonexistent" };
	struct mail_envelope envs[2] = {
		{ 25, "mail@space.example", "ada@example.com", "x\r\n", 3 },
		{ 26, "mail@space.example", "bad", "x\r\n", 3 },
	};
	struct mail_outcome out[2];
	mail_deliver_batch(&cfg, envs, 2, time_mono_ms() - 1, out);
	ck_assert_int_eq(out[0].result, MAIL_NOT_TRIED);
	ck_assert_int_eq(out[1].result, MAIL_PERMANENT);
}
END_TEST

START_TEST(test_kept_statement_is_reused)
{
	fixture_store_open(&fx, "kept");
	static const char sql[] = "SELECT ?1 + 1";
	struct db_stmt *a = db_prepare_cached(fx.db, sql);
	/* In use: a second caller gets a statement of its own. */
	struct db_stmt *b = db_prepare_cached(fx.db, sql);
	ck_assert_ptr_ne(a, b);
	db_bind_int64(a, 1, 41);
	ck_assert_int_eq(db_step(a), DB_ROW);
	ck_assert_int_eq(db_col_int(a, 0), 42);
	db_finish(b);
	db_finish(a);
	struct db_stmt *c = db_prepare_cached(fx.db, sql);
	ck_assert_ptr_eq(c, a);
	/* Reset, and its bindings cleared. */
	ck_assert_int_eq(db_step(c), DB_ROW);
	ck_assert(db_col_is_null(c, 0));
	db_finish(c);
	fixture_store_close(&fx); /* db_close finalizes it: closing would fail otherwise */
}
END_TEST

static Suite *outbox_batch_suite(void)
{
	Suite *s = suite_create("outbox_batch");
	TCase *tc = tcase_create("store");
	tcase_set_timeout(tc, 60); /* migrating a new store is slow on a loaded machine */
	tcase_add_test(tc, test_claim_batch_takes_oldest_due_once);
	tcase_add_test(tc, test_claim_passes_over_rows_another_worker_holds);
	tcase_add_test(tc, test_give_back_requeues_without_counting_the_attempt);
	tcase_add_test(tc, test_kept_statement_is_reused);
	suite_add_tcase(s, tc);
	tc = tcase_create("deliver");
	tcase_add_test(tc, test_deliver_batch_to_files);
	tcase_add_test(tc, test_deliver_batch_unwritable_folder_is_transient);
	tcase_add_test(tc, test_deliver_batch_smtp_past_deadline_sends_nothing);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(outbox_batch_suite)
