/*
 * check_scans.c: scan files and their rows (store/scans.c, store/scan_files.c,
 * domain/scan_delivery.c) on a real store and a real folder, and the rules that refuse a renter's
 * conflicting requests (domain/charging.c).
 */
#include "check_helpers.h"
#include "check_store_fixture.h"
#include "domain/charging.h"
#include "domain/scan_delivery.h"
#include "store/mail.h"
#include "store/mailboxes.h"
#include "store/scan_files.h"
#include "store/scans.h"

#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <dirent.h>
#include <unistd.h>

static struct store_fixture fx;
static struct config cfg;
static char scan_dir[96];
static int64_t item_a, item_b, item_other;

static const char pdf[] = "%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n";

static void exec_ok(const char *sql)
{
	ck_assert_int_eq(db_exec(fx.db, sql), 0);
}

/* Operator 1: renters A (item_a, item_b) and B (no items); operator 2: one item. */
static void setup(void)
{
	fixture_store_open(&fx, "scans");
	snprintf(scan_dir, sizeof(scan_dir), "%s/scans", fx.dir);
	memset(&cfg, 0, sizeof(cfg));
	cfg.scan_dir = scan_dir;
	cfg.scan_max_bytes = 1024;
	cfg.base_url = "https://mail.example.com";
	char *sql = xasprintf(
		"INSERT INTO offerings(id, operator_id, name, monthly_price, created_at) VALUES (1, %1$lld, 'O', 0, 0),"
		" (2, %2$lld, 'O', 0, 0);"
		"INSERT INTO offering_actions(offering_id, action, enabled, free_per_month, fee) VALUES "
		" (1, 'scan', 1, 0, 100), (1, 'shred', 1, 0, 50), (1, 'forward', 1, 0, 200), (2, 'scan', 1, 0, 100);"
		"INSERT INTO renters(id, operator_id, name, email, created_at) VALUES (1, %1$lld, 'Ada', 'ada@example.com', 0),"
		" (2, %1$lld, 'Bob', 'bob@example.com', 0), (3, %2$lld, 'Cy', 'cy@example.com', 0);"
		"INSERT INTO mailboxes(id, operator_id, renter_id, offering_id, pmb, created_at, updated_at) VALUES "
		" (1, %1$lld, 1, 1, '101', 0, 0), (2, %1$lld, 2, 1, '102', 0, 0), (3, %2$lld, 3, 2, '101', 0, 0);",
		(long long)fx.op, (long long)fx.op2);
	exec_ok(sql);
	free(sql);
	ck_assert_int_eq(test_db_ids_follow(fx.db), 0);
	item_a = mail_item_create(fx.db, fx.op, 1, "letter", "Bank", "2026-11-20", 0, NULL);
	item_b = mail_item_create(fx.db, fx.op, 1, "letter", "Tax office", "2026-11-21", 0, NULL);
	item_other = mail_item_create(fx.db, fx.op2, 3, "letter", "X", "2026-11-21", 0, NULL);
	ck_assert_int_gt(item_a, 0);
	ck_assert_int_gt(item_other, 0);
}

static void teardown(void)
{
	fixture_store_close(&fx);
}

static int file_exists(int64_t op, const char *sha256)
{
	char *path = scan_file_path(scan_dir, op, sha256);
	int ok = access(path, F_OK) == 0;
	free(path);
	return ok;
}

/* Entries of the operator's folder (temporary files included), or 0 when it does not exist. */
static int files_in_folder(int64_t op)
{
	char *path = xasprintf("%s/%lld", scan_dir, (long long)op);
	DIR *d = opendir(path);
	free(path);
	int n = 0;
	for (struct dirent *e; d && (e = readdir(d));)
		n += e->d_name[0] != '.' || strncmp(e->d_name, ".tmp-", 5) == 0;
	if (d)
		closedir(d);
	return n;
}

/* Records a scan of item through charging with the file attached; returns its status. */
static enum charging_status scan_with_file(int64_t op, int64_t item, const char *data, size_t len)
{
	struct scan_delivery d;
	struct charging_hook hook;
	char msg[256];
	ck_assert_int_eq(scan_delivery_stage(&d, &cfg, op, data, len, msg, sizeof(msg)), SCAN_STAGED);
	scan_delivery_hook(&d, &hook);
	struct charging_result res;
	enum charging_status st = charging_record_action_hooked(fx.db, op, item, "scan", NULL, &hook, 1800000000, &res);
	scan_delivery_finish(&d, fx.db, op, st == CHARGING_OK);
	return st;
}

START_TEST(test_refused_uploads_write_nothing)
{
	struct scan_delivery d;
	char msg[256];
	char big[2048];
	memset(big, 'x', sizeof(big));
	memcpy(big, "%PDF-", 5);
	ck_assert_int_eq(scan_delivery_stage(&d, &cfg, fx.op, "", 0, msg, sizeof(msg)), SCAN_EMPTY);
	ck_assert_int_eq(scan_delivery_stage(&d, &cfg, fx.op, big, sizeof(big), msg, sizeof(msg)), SCAN_TOO_LARGE);
	ck_assert_ptr_nonnull(strstr(msg, "at most 1 KiB"));
	ck_assert_int_eq(scan_delivery_stage(&d, &cfg, fx.op, "MZ\x90\0 program", 11, msg, sizeof(msg)), SCAN_BAD_TYPE);
	ck_assert_ptr_nonnull(strstr(msg, "not a PDF"));
	ck_assert_int_eq(files_in_folder(fx.op), 0);
}
END_TEST

START_TEST(test_attached_scan_is_stored_by_hash_with_its_email)
{
	ck_assert_int_eq(scan_with_file(fx.op, item_a, pdf, sizeof(pdf) - 1), CHARGING_OK);
	struct scan s;
	ck_assert_int_eq(scan_get(fx.db, fx.op, item_a, &s), 1);
	char want[65];
	sha256_hex(pdf, sizeof(pdf) - 1, want);
	ck_assert_str_eq(s.sha256, want);
	ck_assert_int_eq(s.size, (int64_t)sizeof(pdf) - 1);
	ck_assert_str_eq(s.content_type, "application/pdf");
	ck_assert(file_exists(fx.op, want));
	ck_assert_int_eq(files_in_folder(fx.op), 1); /* no temporary file left */
	/* The file holds the same bytes. */
	char *path = scan_file_path(scan_dir, fx.op, want);
	FILE *f = fopen(path, "rb");
	char back[128];
	size_t got = fread(back, 1, sizeof(back), f);
	fclose(f);
	free(path);
	ck_assert_uint_eq(got, sizeof(pdf) - 1);
	ck_assert_int_eq(memcmp(back, pdf, got), 0);
	/* Its renter's, nobody else's. */
	ck_assert_int_eq(scan_get_for_renter(fx.db, fx.op, 1, item_a, &s), 1);
	ck_assert_int_eq(scan_get_for_renter(fx.db, fx.op, 2, item_a, &s), 0);
	ck_assert_int_eq(scan_get_for_renter(fx.db, fx.op2, 3, item_a, &s), 0);
	ck_assert_int_eq(scan_get(fx.db, fx.op2, item_a, &s), 0);
	/* The renter's email is queued in the same transaction. */
	struct db_stmt *st = db_prepare(fx.db, "SELECT kind, to_addr, subject, body_text FROM outbox");
	ck_assert_int_eq(db_step(st), DB_ROW);
	ck_assert_str_eq(db_col_text(st, 0), "scan_ready");
	ck_assert_str_eq(db_col_text(st, 1), "ada@example.com");
	ck_assert_str_eq(db_col_text(st, 2), "Your scan of M-000001 is ready");
	char *link = xasprintf("https://mail.example.com/my/mail/%lld/scan", (long long)item_a);
	ck_assert_ptr_nonnull(strstr(db_col_text(st, 3), link));
	free(link);
	db_finalize(st);
}
END_TEST

START_TEST(test_a_refused_completion_leaves_no_file)
{
	ck_assert_int_eq(scan_with_file(fx.op, item_a, pdf, sizeof(pdf) - 1), CHARGING_OK);
	char other[] = "%PDF-1.4 another scan";
	/* Scanned already: the completion is refused, so its file must not stay behind. */
	ck_assert_int_eq(scan_with_file(fx.op, item_a, other, sizeof(other) - 1), CHARGING_CONFLICT);
	char sha[65];
	sha256_hex(other, sizeof(other) - 1, sha);
	ck_assert(!file_exists(fx.op, sha));
	ck_assert_int_eq(files_in_folder(fx.op), 1);
}
END_TEST

START_TEST(test_shared_file_is_deleted_with_its_last_row)
{
	ck_assert_int_eq(scan_with_file(fx.op, item_a, pdf, sizeof(pdf) - 1), CHARGING_OK);
	ck_assert_int_eq(scan_with_file(fx.op, item_b, pdf, sizeof(pdf) - 1), CHARGING_OK);
	char sha[65];
	sha256_hex(pdf, sizeof(pdf) - 1, sha);
	ck_assert_int_eq(scan_hash_refs(fx.db, fx.op, sha), 2);
	ck_assert_int_eq(files_in_folder(fx.op), 1);
	/* Shredding item A removes its row; the file stays while item B names it. */
	struct charging_result res;
	ck_assert_int_eq(charging_record_action(fx.db, fx.op, item_a, "shred", NULL, 1800000000, &res), CHARGING_OK);
	ck_assert_str_eq(res.released_scan, sha);
	ck_assert_int_eq(scan_release_file(fx.db, scan_dir, fx.op, res.released_scan), 0);
	struct scan s;
	ck_assert_int_eq(scan_get(fx.db, fx.op, item_a, &s), 0);
	ck_assert(file_exists(fx.op, sha));
	char removed[65];
	ck_assert_int_eq(db_begin(fx.db), 0);
	ck_assert_int_eq(scan_delete(fx.db, fx.op, item_b, removed), 1);
	ck_assert_int_eq(db_commit(fx.db), 0);
	ck_assert_int_eq(scan_release_file(fx.db, scan_dir, fx.op, removed), 0);
	ck_assert(!file_exists(fx.op, sha));
	/* Nothing left to delete is not an error. */
	ck_assert_int_eq(scan_delete(fx.db, fx.op, item_b, removed), 0);
}
END_TEST

START_TEST(test_another_operator_cannot_attach_or_read)
{
	struct scan_delivery d;
	struct charging_hook hook;
	char msg[256];
	ck_assert_int_eq(scan_delivery_stage(&d, &cfg, fx.op2, pdf, sizeof(pdf) - 1, msg, sizeof(msg)), SCAN_STAGED);
	scan_delivery_hook(&d, &hook);
	struct charging_result res;
	ck_assert_int_eq(charging_record_action_hooked(fx.db, fx.op2, item_a, "scan", NULL, &hook, 1800000000, &res),
			 CHARGING_NOT_FOUND);
	scan_delivery_finish(&d, fx.db, fx.op2, 0);
	ck_assert_int_eq(files_in_folder(fx.op2), 0);
	ck_assert_int_eq(scan_insert(fx.db, fx.op2, item_a, 0, "0123456789abcdef0123456789abcdef0123456789abcdef"
						     "0123456789abcdef", 10, "application/pdf", 0), -1);
}
END_TEST

/* What a kill between the rename and the commit leaves (a file no row names) and a killed
 * upload's temporary file are swept once old enough; referenced files never are. */
START_TEST(test_sweep_deletes_only_old_unreferenced_files)
{
	ck_assert_int_eq(scan_with_file(fx.op, item_a, pdf, sizeof(pdf) - 1), CHARGING_OK);
	char sha[65], *tmp = NULL;
	char orphan[] = "%PDF-1.4 orphan";
	ck_assert_int_eq(scan_file_stage(scan_dir, fx.op, orphan, sizeof(orphan) - 1, sha, &tmp), 0);
	ck_assert_int_eq(scan_file_publish(tmp, scan_dir, fx.op, sha), 0);
	free(tmp);
	char other[65];
	ck_assert_int_eq(scan_file_stage(scan_dir, fx.op, orphan, 3, other, &tmp), 0);
	free(tmp);
	ck_assert_int_eq(files_in_folder(fx.op), 3);
	int64_t now = time(NULL);
	ck_assert_int_eq(scan_files_sweep(fx.db, scan_dir, now, 3600), 0); /* too young */
	ck_assert_int_eq(scan_files_sweep(fx.db, scan_dir, now + 7200, 3600), 2);
	ck_assert_int_eq(files_in_folder(fx.op), 1);
	char kept[65];
	sha256_hex(pdf, sizeof(pdf) - 1, kept);
	ck_assert(file_exists(fx.op, kept));
}
END_TEST

/* -- conflicting requests ---------------------------------------------------------------- */

static struct action_request req(const char *action, const char *state)
{
	struct action_request r;
	memset(&r, 0, sizeof(r));
	str_copy(r.action, sizeof(r.action), action);
	str_copy(r.state, sizeof(r.state), state);
	return r;
}

static int conflict(const char *action, const struct action_request *reqs, size_t n, char *msg)
{
	return charging_request_conflict(action, reqs, n, "M-000001", msg, 320);
}

START_TEST(test_conflicting_requests)
{
	char msg[320];
	struct action_request forward_open[] = { req("forward", "requested") };
	ck_assert_int_eq(conflict("shred", forward_open, 1, msg), 1);
	ck_assert_ptr_nonnull(strstr(msg, "forwarding of M-000001"));
	ck_assert_int_eq(conflict("recycle", forward_open, 1, msg), 1);
	ck_assert_int_eq(conflict("pickup", forward_open, 1, msg), 1);
	ck_assert_int_eq(conflict("forward", forward_open, 1, msg), 1);
	ck_assert_ptr_nonnull(strstr(msg, "already asked for forwarding"));
	ck_assert_int_eq(conflict("scan", forward_open, 1, msg), 0); /* scan it, then forward it */

	struct action_request shred_open[] = { req("shred", "requested") };
	ck_assert_int_eq(conflict("scan", shred_open, 1, msg), 1);
	ck_assert_ptr_nonnull(strstr(msg, "to be shredded"));
	ck_assert_int_eq(conflict("forward", shred_open, 1, msg), 1);

	struct action_request scan_open[] = { req("scan", "requested") };
	ck_assert_int_eq(conflict("shred", scan_open, 1, msg), 1);
	ck_assert_ptr_nonnull(strstr(msg, "not done yet"));
	ck_assert_int_eq(conflict("forward", scan_open, 1, msg), 0);

	struct action_request scan_done[] = { req("scan", "completed"), req("forward", "cancelled") };
	ck_assert_int_eq(conflict("shred", scan_done, 2, msg), 0);   /* scanned, now shred it */
	ck_assert_int_eq(conflict("forward", scan_done, 2, msg), 0); /* a cancelled one is gone */
	ck_assert_int_eq(conflict("scan", scan_done, 2, msg), 1);
	ck_assert_int_eq(conflict("scan", NULL, 0, msg), 0);
}
END_TEST

START_TEST(test_renter_requests_refuse_conflicts_and_keep_the_address)
{
	struct charging_result res;
	char last[512];
	ck_assert_int_eq(charging_request_action(fx.db, fx.op, 1, item_a, "forward", "  ", 1800000000, &res),
			 CHARGING_INVALID);
	ck_assert_ptr_nonnull(strstr(res.message, "address"));
	ck_assert_int_eq(charging_request_action(fx.db, fx.op, 1, item_a, "forward", "Ada L.\n1 Main St\nLondon",
						 1800000000, &res), CHARGING_OK);
	ck_assert_int_eq(renter_forward_address(fx.db, fx.op, 1, last, sizeof(last)), 0);
	ck_assert_str_eq(last, "Ada L.\n1 Main St\nLondon");
	struct action_request r;
	ck_assert_int_eq(action_request_get(fx.db, fx.op, res.action_request_id, &r), 0);
	ck_assert_str_eq(r.forward_address, "Ada L.\n1 Main St\nLondon");
	/* Forward and shred at once: refused, nothing written. */
	ck_assert_int_eq(charging_request_action(fx.db, fx.op, 1, item_a, "shred", NULL, 1800000000, &res),
			 CHARGING_CONFLICT);
	ck_assert_int_eq(action_request_find(fx.db, fx.op, item_a, "shred", NULL), 0);
	/* Another renter's item is not found. */
	ck_assert_int_eq(charging_request_action(fx.db, fx.op, 2, item_b, "scan", NULL, 1800000000, &res),
			 CHARGING_NOT_FOUND);
}
END_TEST

/* The member's name is kept as OfficeRnD sends it; a renter the operator renamed keeps that name. */
START_TEST(test_operator_rename_sticks_through_officernd_updates)
{
	struct renter_fields f = { .name = "Ada L.", .email = "ada@example.com", .officernd_member_id = "mem_9" };
	int64_t id = renter_upsert(fx.db, fx.op, &f);
	ck_assert_int_gt(id, 0);
	struct renter_fields renamed = f;
	renamed.name = "Ada Lovelace";
	ck_assert_int_eq(renter_upsert(fx.db, fx.op, &renamed), id); /* OfficeRnD renames: followed */
	ck_assert_int_eq(renter_rename(fx.db, fx.op, id, "Ada (desk 4)"), 0);
	struct renter_fields again = f;
	again.name = "Ada King";
	ck_assert_int_eq(renter_upsert(fx.db, fx.op, &again), id); /* the operator's name stays */
	struct db_stmt *st = db_prepare(fx.db, "SELECT name, officernd_member_name FROM renters WHERE id = ?");
	db_bind_int64(st, 1, id);
	ck_assert_int_eq(db_step(st), DB_ROW);
	ck_assert_str_eq(db_col_text(st, 0), "Ada (desk 4)");
	ck_assert_str_eq(db_col_text(st, 1), "Ada King");
	db_finalize(st);
	ck_assert_int_eq(renter_rename(fx.db, fx.op2, id, "Eve"), -1);
}
END_TEST

static Suite *scans_suite(void)
{
	Suite *s = suite_create("scans");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_refused_uploads_write_nothing);
	tcase_add_test(tc, test_attached_scan_is_stored_by_hash_with_its_email);
	tcase_add_test(tc, test_a_refused_completion_leaves_no_file);
	tcase_add_test(tc, test_shared_file_is_deleted_with_its_last_row);
	tcase_add_test(tc, test_another_operator_cannot_attach_or_read);
	tcase_add_test(tc, test_sweep_deletes_only_old_unreferenced_files);
	tcase_add_test(tc, test_conflicting_requests);
	tcase_add_test(tc, test_renter_requests_refuse_conflicts_and_keep_the_address);
	tcase_add_test(tc, test_operator_rename_sticks_through_officernd_updates);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(scans_suite)
