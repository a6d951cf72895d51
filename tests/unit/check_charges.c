/*
 * check_charges.c: the charges store on a real store with the real migrations (an in-memory
 * SQLite database, or PostgreSQL: check_db.h): references, the billing state a charge starts
 * in, the worker's claim and its outcomes, the operator's retry, the "earlier charges" that
 * turning billing on leaves alone until the operator bills them, and two writers at once.
 */
#include "check_helpers.h"
#include "check_db.h"
#include "domain/charging.h"
#include "store/charge_totals.h"
#include "store/charges.h"
#include "store/db.h"
#include "store/mail.h"
#include "util/util.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct db *db;
static int64_t linked_box, manual_box, other_box;
static char dir[64], *conninfo; /* the two_writers case's store, for a second connection */

static void exec_ok(const char *sql)
{
	ck_assert_int_eq(db_exec(db, sql), 0);
}

/* Two operators; operator 1 has a mailbox of an OfficeRnD member and a manual one. */
static void setup_at(const char *path)
{
	db = test_db_open(path);
	ck_assert_ptr_nonnull(db);
	ck_assert_int_eq(db_migrate(db), 0);
	exec_ok("INSERT INTO operators(id, email, password_hash, currency, created_at) VALUES "
		"(1, 'a@example.com', 'x', 'EUR', 0), (2, 'b@example.com', 'x', 'USD', 0);"
		"INSERT INTO officernd_settings(operator_id, webhook_token, updated_at) VALUES (1, 't1', 0), (2, 't2', 0);"
		"INSERT INTO stripe_settings(operator_id, bill_renters, updated_at) VALUES (1, 0, 0), (2, 0, 0);"
		"INSERT INTO offerings(id, operator_id, name, monthly_price, created_at) VALUES (1, 1, 'O', 0, 0), "
		"(2, 2, 'O', 0, 0);"
		"INSERT INTO offering_actions(offering_id, action, enabled, free_per_month, fee) VALUES "
		"(1, 'scan', 1, 1, 250), (1, 'forward', 1, 0, 300), (2, 'scan', 1, 0, 100);"
		"INSERT INTO renters(id, operator_id, name, officernd_member_id, created_at) VALUES "
		"(1, 1, 'Linked', 'mem_1', 0), (2, 1, 'Manual', NULL, 0), (3, 2, 'Other', 'mem_3', 0);"
		"INSERT INTO mailboxes(id, operator_id, renter_id, offering_id, pmb, created_at, updated_at) VALUES "
		"(1, 1, 1, 1, '101', 0, 0), (2, 1, 2, 1, '102', 0, 0), (3, 2, 3, 2, '101', 0, 0);");
	linked_box = 1;
	manual_box = 2;
	other_box = 3;
}

static void setup(void)
{
	setup_at(":memory:");
}

static void teardown(void)
{
	test_db_close(db);
	db = NULL;
}

/* In a file (or a PostgreSQL database) that a second connection can open too. */
static void setup_file(void)
{
	snprintf(dir, sizeof(dir), "/tmp/pm-check-charges-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char *path = xasprintf("%s/db", dir);
	setup_at(path);
	conninfo = test_db_conninfo(path);
	free(path);
}

static void teardown_file(void)
{
	teardown();
	free(conninfo);
	char *cmd = xasprintf("rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

/* A scan charge of amount for the mailbox, in the state charge_initial_state() picks. */
static int64_t add_charge(int64_t operator_id, int64_t mailbox_id, int64_t amount)
{
	const char *state = charge_initial_state(db, operator_id, mailbox_id, amount);
	ck_assert_ptr_nonnull(state);
	struct charge_new c = { .mailbox_id = mailbox_id, .kind = "scan", .description = "Scan", .quantity = 1,
				.unit_amount = amount, .currency = "EUR", .charge_date = "2026-11-20",
				.billing_state = state };
	int64_t id = charge_create(db, operator_id, &c, 1000, NULL);
	ck_assert_int_gt(id, 0);
	return id;
}

static const char *state_of(int64_t id)
{
	static char state[16];
	struct charge c;
	ck_assert_int_eq(charge_get(db, 1, id, &c), 0);
	memcpy(state, c.billing_state, sizeof(state));
	return state;
}

START_TEST(reference_and_scoping)
{
	int64_t id = add_charge(1, linked_box, 250);
	struct charge c;
	ck_assert_int_eq(charge_get(db, 1, id, &c), 0);
	char want[48];
	snprintf(want, sizeof(want), "pm-1-%lld", (long long)id);
	ck_assert_str_eq(c.reference, want);
	ck_assert_int_eq(c.amount, 250);
	ck_assert_str_eq(c.pmb, "101");
	ck_assert_str_eq(c.member_id, "mem_1");
	/* Another operator's charge is not found; a charge for another operator's mailbox is refused. */
	ck_assert_int_eq(charge_get(db, 2, id, &c), -1);
	struct charge_new bad = { .mailbox_id = other_box, .kind = "scan", .description = "x", .quantity = 1,
				  .unit_amount = 1, .currency = "EUR", .charge_date = "2026-11-20" };
	ck_assert_int_eq(charge_create(db, 1, &bad, 0, NULL), -1);
	ck_assert_ptr_null(charge_initial_state(db, 1, other_box, 100));
}
END_TEST

START_TEST(storage_day_is_charged_once)
{
	int64_t item = mail_item_create(db, 1, linked_box, "letter", "S", "2026-11-01", 0, NULL);
	ck_assert_int_gt(item, 0);
	struct charge_new c = { .mailbox_id = linked_box, .mail_item_id = item, .kind = "storage",
				.description = "Storage", .quantity = 1, .unit_amount = 10, .currency = "EUR",
				.charge_date = "2026-11-20", .storage_day = "2026-11-19" };
	int dup = 0;
	ck_assert_int_gt(charge_create(db, 1, &c, 0, &dup), 0);
	ck_assert_int_eq(dup, 0);
	ck_assert_int_eq(charge_create(db, 1, &c, 0, &dup), -1);
	ck_assert_int_eq(dup, 1);
}
END_TEST

START_TEST(initial_state_follows_the_billing_settings)
{
	ck_assert_str_eq(charge_initial_state(db, 1, linked_box, 100), "not_billed"); /* billing off */
	exec_ok("UPDATE officernd_settings SET bill_renters = 1 WHERE operator_id = 1");
	ck_assert_str_eq(charge_initial_state(db, 1, linked_box, 100), "queued");
	ck_assert_str_eq(charge_initial_state(db, 1, linked_box, 0), "not_billed");  /* nothing to bill */
	ck_assert_str_eq(charge_initial_state(db, 1, manual_box, 100), "not_billed"); /* not a member */
	exec_ok("UPDATE stripe_settings SET bill_renters = 1 WHERE operator_id = 1");
	ck_assert_str_eq(charge_initial_state(db, 1, linked_box, 100), "not_billed"); /* never twice */
}
END_TEST

START_TEST(claim_and_outcomes)
{
	exec_ok("UPDATE officernd_settings SET bill_renters = 1");
	int64_t a = add_charge(1, linked_box, 100);
	int64_t b = add_charge(1, linked_box, 200);
	int64_t later = add_charge(1, linked_box, 300);
	int64_t other = add_charge(2, other_box, 400);
	exec_ok("UPDATE charges SET next_attempt_at = 5000 WHERE amount = 300");
	struct charge *items = NULL;
	size_t n = 0;
	ck_assert_int_eq(charge_claim_due(db, "w1", 1000, 60, 10, &items, &n), 0);
	/* Every operator's due charges, not the one due later. */
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(items[0].id, a);
	ck_assert_int_eq(items[2].id, other);
	ck_assert_str_eq(items[0].prior_state, "queued");
	ck_assert_str_eq(items[0].billing_state, "sending");
	ck_assert_int_eq(items[0].attempts, 1);
	ck_assert_int_eq(items[2].operator_id, 2);
	free(items);
	/* Claimed: a second worker gets nothing until the lease runs out. */
	ck_assert_int_eq(charge_claim_due(db, "w2", 1030, 60, 10, &items, &n), 0);
	ck_assert_uint_eq(n, 0);
	free(items);

	struct charge_claim_end sent = { .state = "sent", .fee_id = "fee_a" };
	struct charge_claim_end retry = { .state = "queued", .next_attempt_at = 2000, .error = "OfficeRnD timed out",
					  .uncertain = 1 };
	struct charge_claim_end failed = { .state = "failed", .error = "no such plan" };
	/* Only the owner ends a claim. */
	ck_assert_int_eq(charge_claim_end(db, a, "w2", &sent, 1040), 1);
	ck_assert_str_eq(state_of(a), "sending");
	ck_assert_int_eq(charge_claim_end(db, a, "w1", &sent, 1040), 0);
	ck_assert_int_eq(charge_claim_end(db, b, "w1", &retry, 1040), 0);
	ck_assert_int_eq(charge_claim_end(db, other, "w1", &failed, 1040), 0);
	ck_assert_str_eq(state_of(a), "sent");
	ck_assert_str_eq(state_of(b), "queued");
	/* Only a sending charge changes: a second outcome is refused. */
	sent.fee_id = "fee_x";
	ck_assert_int_eq(charge_claim_end(db, a, "w1", &sent, 1050), 1);
	ck_assert_int_eq(charge_claim_end(db, b, "w1", &failed, 1050), 1);
	struct charge c;
	ck_assert_int_eq(charge_get(db, 1, a, &c), 0);
	ck_assert_str_eq(c.officernd_fee_id, "fee_a");
	ck_assert_int_eq(c.sent_at, 1040);
	ck_assert_int_eq(charge_get(db, 1, b, &c), 0);
	ck_assert_str_eq(c.last_error, "OfficeRnD timed out");
	ck_assert_int_eq(c.next_attempt_at, 2000);

	/* b is due again at 2000; "later" at 5000. */
	ck_assert_int_eq(charge_claim_due(db, "w1", 2000, 60, 10, &items, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(items[0].id, b);
	ck_assert_int_eq(items[0].attempts, 2);
	free(items);
	struct charge_fee_dest dest = { .member = "mem_1", .location = "loc_1", .plan = "plan_1" };
	ck_assert_int_eq(charge_record_fee_dest(db, b, "w1", &dest), 0);
	/* w1's lease ran out while its request was in flight: w2 takes b over, as a maybe-sent one. */
	ck_assert_int_eq(charge_claim_due(db, "w2", 2060, 60, 10, &items, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(items[0].id, b);
	ck_assert_str_eq(items[0].prior_state, "sending");
	free(items);
	/* w1's late outcome, and its late bookkeeping, change nothing of w2's claim. */
	struct charge_claim_end release = { .state = "queued", .next_attempt_at = 2061, .uncertain = 0,
					    .refund_attempt = 1 };
	ck_assert_int_eq(charge_claim_end(db, b, "w1", &release, 2061), 1);
	ck_assert_int_eq(charge_record_fee_dest(db, b, "w1", &dest), 1);
	ck_assert_str_eq(state_of(b), "sending");
	ck_assert_int_eq(charge_get(db, 1, b, &c), 0);
	ck_assert_int_eq(c.attempts, 3);
	/* w2 ends it. */
	sent.fee_id = "fee_b";
	ck_assert_int_eq(charge_claim_end(db, b, "w2", &sent, 2070), 0);
	ck_assert_int_eq(charge_get(db, 1, b, &c), 0);
	ck_assert_str_eq(c.officernd_fee_id, "fee_b");
	ck_assert_int_eq(charge_claim_due(db, "w2", 4999, 60, 10, &items, &n), 0);
	ck_assert_uint_eq(n, 0);
	free(items);
	ck_assert_int_eq(charge_claim_due(db, "w2", 5000, 60, 10, &items, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(items[0].id, later);
	free(items);
	/* Given back without an attempt made (no time left, rate budget): the attempt is refunded. */
	ck_assert_int_eq(charge_claim_end(db, later, "w2", &release, 5001), 0);
	ck_assert_int_eq(charge_get(db, 1, later, &c), 0);
	ck_assert_int_eq(c.attempts, 0);
	ck_assert_str_eq(c.billing_state, "queued");

	/* The operator's retry: only a failed charge, only its own. */
	ck_assert_int_eq(charge_retry(db, 1, other), -1);
	ck_assert_int_eq(charge_retry(db, 2, a), -1);
	ck_assert_int_eq(charge_retry(db, 2, other), 0);
	ck_assert_int_eq(charge_get(db, 2, other, &c), 0);
	ck_assert_str_eq(c.billing_state, "queued");
	ck_assert_int_eq(c.attempts, 0);
	ck_assert_int_eq(c.next_attempt_at, 0);
	ck_assert_str_eq(c.last_error, "");
}
END_TEST

START_TEST(earlier_charges_wait_for_the_operator)
{
	int64_t e1 = add_charge(1, linked_box, 250);
	int64_t free_one = add_charge(1, linked_box, 0);
	int64_t e2 = add_charge(1, linked_box, 400);
	int64_t manual = add_charge(1, manual_box, 250);
	int64_t count, total, queued;
	/* Billing off: no earlier charges to offer, and billing them is refused. */
	ck_assert_int_eq(charge_earlier_unbilled(db, 1, &count, &total), 0);
	ck_assert_int_eq(count, 0);
	ck_assert_int_eq(charge_bill_earlier(db, 1, &queued), -1);

	exec_ok("UPDATE officernd_settings SET bill_renters = 1 WHERE operator_id = 1");
	ck_assert_str_eq(state_of(e1), "not_billed"); /* turning billing on queued nothing */
	int64_t after = add_charge(1, linked_box, 999);
	ck_assert_str_eq(state_of(after), "queued");
	ck_assert_int_eq(charge_earlier_unbilled(db, 1, &count, &total), 0);
	ck_assert_int_eq(count, 2);
	ck_assert_int_eq(total, 650);
	/* Operator 2 has none and queues none. */
	ck_assert_int_eq(charge_earlier_unbilled(db, 2, &count, &total), 0);
	ck_assert_int_eq(count, 0);

	ck_assert_int_eq(charge_bill_earlier(db, 1, &queued), 0);
	ck_assert_int_eq(queued, 2);
	ck_assert_str_eq(state_of(e1), "queued");
	ck_assert_str_eq(state_of(e2), "queued");
	ck_assert_str_eq(state_of(free_one), "not_billed");
	ck_assert_str_eq(state_of(manual), "not_billed");
	ck_assert_int_eq(charge_earlier_unbilled(db, 1, &count, &total), 0);
	ck_assert_int_eq(count, 0);

	/* Off and on again: a charge made while off is an earlier one; the queued ones stay put. */
	exec_ok("UPDATE officernd_settings SET bill_renters = 0 WHERE operator_id = 1");
	int64_t while_off = add_charge(1, linked_box, 120);
	exec_ok("UPDATE officernd_settings SET bill_renters = 1 WHERE operator_id = 1");
	ck_assert_int_eq(charge_earlier_unbilled(db, 1, &count, &total), 0);
	ck_assert_int_eq(count, 1);
	ck_assert_int_eq(total, 120);
	ck_assert_int_eq(charge_bill_earlier(db, 1, &queued), 0);
	ck_assert_int_eq(queued, 1);
	ck_assert_str_eq(state_of(while_off), "queued");
}
END_TEST

START_TEST(completing_an_action_prices_and_charges_it)
{
	/* Operator 1's offering: scan 1 free a month then 2.50; forward 3.00 + postage. */
	exec_ok("UPDATE officernd_settings SET bill_renters = 1 WHERE operator_id = 1");
	int64_t i1 = mail_item_create(db, 1, linked_box, "letter", "ACME Bank", "2026-11-20", 0, NULL);
	int64_t i2 = mail_item_create(db, 1, linked_box, "package", "", "2026-11-21", 0, NULL);
	struct charging_result r;
	const int64_t nov30 = 1796040000; /* 2026-11-30T12:00:00Z */
	const int64_t dec01 = nov30 + 86400;
	ck_assert_int_eq(charging_record_action(db, 1, i1, "scan", NULL, nov30, &r), CHARGING_OK);
	ck_assert_int_eq(r.amount, 0);
	ck_assert_int_eq(r.free_allowance, 1);
	ck_assert_str_eq(r.billing_state, "not_billed");
	ck_assert_int_eq(charging_record_action(db, 1, i2, "scan", NULL, nov30, &r), CHARGING_OK);
	ck_assert_int_eq(r.amount, 250);
	ck_assert_str_eq(r.billing_state, "queued");
	struct charge c;
	ck_assert_int_eq(charge_get(db, 1, r.charge_id, &c), 0);
	ck_assert_str_eq(c.description, "Scan of package M-000002 (received 2026-11-21)");
	ck_assert_str_eq(c.charge_date, "2026-11-30");
	ck_assert_str_eq(c.currency, "EUR");
	/* December: the allowance starts over. */
	int64_t i3 = mail_item_create(db, 1, linked_box, "letter", "X", "2026-11-30", 0, NULL);
	ck_assert_int_eq(charging_record_action(db, 1, i3, "scan", NULL, dec01, &r), CHARGING_OK);
	ck_assert_int_eq(r.amount, 0);
	/* Forward: fee + postage, the item leaves storage that day. */
	struct forward_details fwd = { .carrier = "UPS", .tracking = "1Z", .postage = 420 };
	ck_assert_int_eq(charging_record_action(db, 1, i1, "forward", &fwd, dec01, &r), CHARGING_OK);
	ck_assert_int_eq(r.amount, 720);
	struct mail_item it;
	ck_assert_int_eq(mail_item_get(db, 1, i1, &it), 0);
	ck_assert_str_eq(it.status, "forwarded");
	ck_assert_str_eq(it.left_on, "2026-12-01");
	/* Refusals change nothing: disabled action, gone item, another operator's item. */
	int64_t before = 0, after_count = 0;
	struct charge *items = NULL;
	size_t n = 0;
	ck_assert_int_eq(charge_list(db, 1, NULL, &items, &n), 0);
	before = (int64_t)n;
	free(items);
	ck_assert_int_eq(charging_record_action(db, 1, i2, "shred", NULL, dec01, &r), CHARGING_INVALID);
	ck_assert_int_eq(charging_record_action(db, 1, i1, "scan", NULL, dec01, &r), CHARGING_CONFLICT);
	ck_assert_int_eq(charging_record_action(db, 2, i2, "scan", NULL, dec01, &r), CHARGING_NOT_FOUND);
	ck_assert_int_eq(charging_request_action(db, 1, 2, i2, "scan", NULL, dec01, &r), CHARGING_NOT_FOUND);
	ck_assert_int_eq(charge_list(db, 1, NULL, &items, &n), 0);
	after_count = (int64_t)n;
	free(items);
	ck_assert_int_eq(after_count, before);
	ck_assert_int_eq(!db_in_transaction(db), 1); /* no transaction left open */
}
END_TEST

/* The totals the Charges page shows, as "key count amount;" for each row. */
static const char *totals_text(int by_month, int64_t operator_id)
{
	static char text[512];
	struct charge_total *t = NULL;
	size_t n = 0;
	ck_assert_int_eq((by_month ? charge_totals_by_month : charge_totals_by_state)(db, operator_id, &t, &n), 0);
	text[0] = '\0';
	for (size_t i = 0; i < n; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "%s %lld %lld;", t[i].key,
			 (long long)t[i].count, (long long)t[i].amount);
	free(t);
	return text;
}

START_TEST(totals_follow_every_charge_per_state_and_month)
{
	int64_t a = add_charge(1, manual_box, 250); /* not_billed, 2026-11 */
	add_charge(1, manual_box, 0);
	exec_ok("UPDATE offerings SET id = id"); /* nothing to do with charges: totals unchanged */
	exec_ok("INSERT INTO charges(operator_id, mailbox_id, kind, description, quantity, unit_amount, amount, "
		"currency, charge_date, reference, billing_state, created_at) VALUES "
		"(1, 1, 'forward', 'F', 1, 300, 300, 'EUR', '2026-10-31', 'r1', 'queued', 0),"
		"(1, 1, 'forward', 'F', 1, 300, 300, 'EUR', '2026-10-01', 'r2', 'queued', 0),"
		"(2, 3, 'scan', 'S', 1, 100, 100, 'USD', '2026-10-05', 'r3', 'queued', 0)");
	ck_assert_str_eq(totals_text(0, 1), "queued 2 600;not_billed 2 250;");
	ck_assert_str_eq(totals_text(1, 1), "2026-11 2 250;2026-10 2 600;");
	/* The worker books one, another fails; a charge is removed: the totals move with them. */
	exec_ok("UPDATE charges SET billing_state = 'sent' WHERE reference = 'r1'");
	exec_ok("UPDATE charges SET billing_state = 'failed' WHERE reference = 'r2'");
	char *sql = xasprintf("DELETE FROM charges WHERE id = %lld", (long long)a);
	exec_ok(sql);
	free(sql);
	ck_assert_str_eq(totals_text(0, 1), "sent 1 300;failed 1 300;not_billed 1 0;");
	ck_assert_str_eq(totals_text(1, 1), "2026-11 1 0;2026-10 2 600;");
	/* Another operator's charges are its own. */
	ck_assert_str_eq(totals_text(0, 2), "queued 1 100;");
}
END_TEST

/* ---- two writers at once (two clerks, two hosts) ------------------------------------------ */

/* The second writer: on a connection of its own, the mail item or (item_id given) the charge. */
struct racer {
	int64_t item_id;
	int64_t got;
	char ref[16];
};

static void *racer_run(void *arg)
{
	struct racer *r = arg;
	struct db *b = db_open(conninfo);
	struct charge_new c = { .mailbox_id = linked_box, .mail_item_id = r->item_id, .kind = "scan",
				.description = "Scan", .quantity = 1, .unit_amount = 250, .currency = "EUR",
				.charge_date = "2026-11-20", .billing_state = "not_billed" };
	r->got = r->item_id ? charge_create(b, 1, &c, 0, NULL)
			    : mail_item_create(b, 1, linked_box, "letter", "B", "2026-11-20", 0, r->ref);
	db_close(b);
	return NULL;
}

/* Until the racer waits for a lock (PostgreSQL shows it; SQLite's busy wait is not seen, and
 * there the writers take turns anyway). */
static void wait_for_blocked_racer(void)
{
	if (db_engine(db) != DB_POSTGRES)
		return;
	struct db *watch = db_open(conninfo);
	for (int i = 0; i < 3000; i++) {
		if (db_count(db_prepare(watch, "SELECT count(*) FROM pg_stat_activity WHERE datname = "
					       "current_database() AND wait_event_type = 'Lock'")) > 0)
			break;
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
	db_close(watch);
}

/* While this connection's write is still open, another writes the same kind of row: it waits,
 * then gets its own (the returned racer). */
static struct racer race(int64_t item_id)
{
	struct racer r = { .item_id = item_id };
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, racer_run, &r), 0);
	wait_for_blocked_racer();
	ck_assert_int_eq(db_commit(db), 0);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	return r;
}

START_TEST(two_writers_never_share_a_reference_or_an_id)
{
	/* Two clerks record mail at once: M-000001 and M-000002. */
	ck_assert_int_eq(db_begin(db), 0);
	char ref[16];
	ck_assert_int_gt(mail_item_create(db, 1, linked_box, "letter", "A", "2026-11-20", 0, ref), 0);
	struct racer r = race(0);
	ck_assert_int_gt(r.got, 0);
	ck_assert_str_eq(ref, "M-000001");
	ck_assert_str_eq(r.ref, "M-000002");
	/* Two charges made at once get two ids, and references that carry them. */
	int64_t item_b = r.got;
	ck_assert_int_eq(db_begin(db), 0);
	int64_t a = add_charge(1, linked_box, 250);
	r = race(item_b);
	ck_assert_int_gt(r.got, 0);
	ck_assert_int_ne(r.got, a);
	struct charge ca, cb;
	ck_assert_int_eq(charge_get(db, 1, a, &ca), 0);
	ck_assert_int_eq(charge_get(db, 1, r.got, &cb), 0);
	ck_assert_str_ne(ca.reference, cb.reference);
	char *want = xasprintf("pm-1-%lld", (long long)r.got);
	ck_assert_str_eq(cb.reference, want);
	free(want);
}
END_TEST

static Suite *charges_suite(void)
{
	Suite *s = suite_create("charges");
	TCase *tc = tcase_create("charges");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, reference_and_scoping);
	tcase_add_test(tc, storage_day_is_charged_once);
	tcase_add_test(tc, initial_state_follows_the_billing_settings);
	tcase_add_test(tc, claim_and_outcomes);
	tcase_add_test(tc, earlier_charges_wait_for_the_operator);
	tcase_add_test(tc, completing_an_action_prices_and_charges_it);
	tcase_add_test(tc, totals_follow_every_charge_per_state_and_month);
	suite_add_tcase(s, tc);
	TCase *two = tcase_create("two_writers");
	tcase_add_checked_fixture(two, setup_file, teardown_file);
	tcase_add_test(two, two_writers_never_share_a_reference_or_an_id);
	suite_add_tcase(s, two);
	return s;
}

CHECK_MAIN(charges_suite)
