/*
 * check_fee_booking.c: the rules of booking a charge as an OfficeRnD fee, without the worker
 * loop or a network: the fee built from a stored charge (member or company payer, name,
 * description, reference, issueDate, location and plan; what a missing mapping says), the token
 * bucket on a made-up clock, and what each OfficeRnD error makes of the charge.
 */
#include "check_helpers.h"
#include "check_db.h"
#include "crypto/crypto.h"
#include "domain/fee_booking.h"
#include "officernd/internal.h"
#include "store/charge_jobs.h"
#include "store/charges.h"
#include "store/fee_rate.h"
#include "store/db.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LOC_DOWNTOWN "65a1f0c2e4b0a1b2c3d4e001"
#define LOC_RIVERSIDE "65a1f0c2e4b0a1b2c3d4e002"
#define PLAN_MAIL "65a1f0c2e4b0a1b2c3d4e105"
#define MEMBER_ADA "65a1f0c2e4b0a1b2c3d4e301"
#define COMPANY_GLOBEX "65a1f0c2e4b0a1b2c3d4e201"
#define DASH "\xe2\x80\x93"

static char dir[64];
static char db_path[96];
static struct db *db;

static void exec(const char *sql)
{
	ck_assert_msg(db_exec(db, sql) == 0, "SQL failed: %s", sql);
}

/*
 * Operator 1: "Downtown" space linked to two locations, a member's personal mailbox (1), a
 * company membership's mailbox (2), a mailbox whose space is linked to nothing (3), and an item
 * M-000123 received 2026-11-20 in mailbox 1. Operator 2 exists to prove scoping.
 */
static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/pm-check-fees-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char *key = xasprintf("%s/key", dir), *path = xasprintf("%s/db", dir);
	snprintf(db_path, sizeof(db_path), "%s", path);
	ck_assert_int_eq(secretbox_init(key), 0);
	db = test_db_open(path);
	ck_assert_ptr_nonnull(db);
	free(key);
	free(path);
	ck_assert_int_eq(db_migrate(db), 0);
	exec("INSERT INTO operators(id, email, name, password_hash, created_at) VALUES "
	     "(1, 'a@example.com', 'A', 'x', 0), (2, 'b@example.com', 'B', 'x', 0)");
	exec("INSERT INTO officernd_settings(operator_id, org_slug, bill_renters, charge_plan_id, webhook_token, "
	     "updated_at) VALUES (1, 'acme-spaces', 1, '" PLAN_MAIL "', 'tok1', 0), (2, 'other', 1, 'P2', 'tok2', 0)");
	exec("INSERT INTO spaces(id, operator_id, name, created_at) VALUES (1, 1, 'Downtown', 0), "
	     "(2, 1, 'Annex', 0), (3, 2, 'Elsewhere', 0)");
	exec("INSERT INTO offerings(id, operator_id, name, monthly_price, created_at) VALUES (1, 1, 'Basic', 0, 0)");
	exec("INSERT INTO location_links(operator_id, location_id, location_name, space_id, position) VALUES "
	     "(1, '" LOC_DOWNTOWN "', 'Downtown Hub', 1, 0), (1, '" LOC_RIVERSIDE "', 'Riverside', 1, 1)");
	exec("INSERT INTO renters(id, operator_id, name, email, officernd_member_id, created_at) VALUES "
	     "(1, 1, 'Ada Lovelace', 'ada@example.com', '" MEMBER_ADA "', 0), "
	     "(2, 1, 'Hank Scorpio', 'hank@example.com', 'M-HANK', 0), "
	     "(3, 1, 'Walk In', 'walk@example.com', NULL, 0)");
	exec("INSERT INTO mailboxes(id, operator_id, renter_id, space_id, offering_id, pmb, source, "
	     "officernd_membership_id, officernd_location_id, created_at, updated_at) VALUES "
	     "(1, 1, 1, 1, 1, '101', 'officernd', 'MS-ADA', NULL, 0, 0), "
	     "(2, 1, 2, 1, 1, '102', 'officernd', 'MS-HANK', '" LOC_RIVERSIDE "', 0, 0), "
	     "(3, 1, 3, 2, 1, '103', 'manual', NULL, NULL, 0, 0)");
	exec("INSERT INTO memberships(operator_id, membership_id, member_id, company_id, is_personal, updated_at) "
	     "VALUES (1, 'MS-ADA', '" MEMBER_ADA "', NULL, 1, 0), "
	     "(1, 'MS-HANK', 'M-HANK', '" COMPANY_GLOBEX "', 0, 0)");
	exec("INSERT INTO mail_items(id, operator_id, mailbox_id, reference, kind, received_on, created_at) VALUES "
	     "(1, 1, 1, 'M-000123', 'letter', '2026-11-20', 0), (2, 1, 2, 'M-000124', 'package', '2026-11-21', 0), "
	     "(3, 1, 3, 'M-000125', 'letter', '2026-11-22', 0)");
}

static void teardown(void)
{
	test_db_close(db);
	char *cmd = xasprintf("rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

static int64_t add_charge(int64_t mailbox, int64_t item, const char *kind, const char *description, int64_t qty,
			  int64_t unit, const char *storage_day)
{
	struct charge_new cn = {
		.mailbox_id = mailbox, .mail_item_id = item, .kind = kind, .description = description,
		.quantity = qty, .unit_amount = unit, .currency = "USD", .charge_date = "2026-11-26",
		.storage_day = storage_day, .billing_state = "queued",
	};
	int64_t id = charge_create(db, 1, &cn, 1000, NULL);
	ck_assert_int_gt(id, 0);
	return id;
}

/* The charge as the worker sees it, where its fee goes, and the fee. */
static int build(int64_t id, struct charge *c, struct fee_target *t, struct fee_draft *d, char *why, size_t size)
{
	ck_assert_int_eq(charge_get(db, 1, id, c), 0);
	ck_assert_int_eq(fee_target_load(db, 1, id, t), 0);
	return fee_booking_build(c, t, d, why, size);
}

/* Two workers (two connections) spend one budget per operator: what one took, the other
 * cannot take again; another operator's budget is its own; a 429 pauses both. */
START_TEST(fee_rate_is_shared_by_every_worker)
{
	char *conninfo = test_db_conninfo(db_path);
	struct db *other = db_open(conninfo);
	free(conninfo);
	ck_assert_ptr_nonnull(other);
	int64_t t = 1795000000000;
	ck_assert_int_eq(fee_rate_take(db, 1, 60, 2, t), 0);
	ck_assert_int_eq(fee_rate_take(other, 1, 60, 2, t), 0);
	ck_assert_int_eq(fee_rate_take(db, 1, 60, 2, t), 1000); /* the next token in 1 s */
	ck_assert_int_eq(fee_rate_take(other, 1, 60, 2, t), 1000);
	ck_assert_int_eq(fee_rate_take(other, 2, 60, 2, t), 0);
	ck_assert_int_eq(fee_rate_take(other, 1, 60, 2, t + 1000), 0);
	ck_assert_int_eq(fee_rate_pause(db, 2, 60, 2, t, t + 30000), 0);
	ck_assert_int_eq(fee_rate_take(other, 2, 60, 2, t + 1000), 29000);
	db_close(other);
}
END_TEST

START_TEST(member_fee_has_item_date_price_and_reference)
{
	struct charge c;
	struct fee_target t;
	struct fee_draft d;
	char why[512];
	int64_t id = add_charge(1, 1, "scan", "Scan of M-000123", 1, 250, NULL);
	ck_assert_int_eq(build(id, &c, &t, &d, why, sizeof(why)), 0);
	ck_assert_str_eq(d.rq.name, "Scan " DASH " M-000123 (2026-11-20)");
	ck_assert_str_eq(d.rq.issue_date, "2026-11-26");
	ck_assert_str_eq(d.rq.reference, c.reference);
	ck_assert_str_eq(d.rq.reference, "pm-1-1");
	ck_assert_ptr_nonnull(strstr(d.rq.description, "Scan of M-000123"));
	ck_assert_ptr_nonnull(strstr(d.rq.description, "pm-1-1"));
	ck_assert_str_eq(d.rq.member, MEMBER_ADA);
	ck_assert_ptr_null(d.rq.company);
	ck_assert_int_eq(d.rq.is_personal, 1);
	ck_assert_int_eq(d.rq.price_minor, 250);
	ck_assert_int_eq(d.rq.quantity, 1);
	ck_assert_str_eq(d.rq.plan, PLAN_MAIL);
	/* Ada's membership has no location of its own: the space's first link. */
	ck_assert_str_eq(d.rq.location, LOC_DOWNTOWN);
	ck_assert_int_eq(t.uncertain, 0);

	/* What OfficeRnD receives. */
	json_t *body = orn_fee_request_json(&d.rq);
	ck_assert_ptr_nonnull(body);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(body, "properties"), "pilotomailChargeId")),
			 "pm-1-1");
	ck_assert_ptr_null(json_object_get(body, "company"));
	json_decref(body);
}
END_TEST

START_TEST(company_membership_bills_the_company)
{
	struct charge c;
	struct fee_target t;
	struct fee_draft d;
	char why[512];
	int64_t id = add_charge(2, 2, "forward", "Forwarding of M-000124", 3, 1999, NULL);
	ck_assert_int_eq(build(id, &c, &t, &d, why, sizeof(why)), 0);
	ck_assert_str_eq(d.rq.company, COMPANY_GLOBEX);
	ck_assert_ptr_null(d.rq.member);
	ck_assert_int_eq(d.rq.is_personal, 0);
	ck_assert_int_eq(d.company_payer, 1);
	ck_assert_int_eq(d.rq.quantity, 3);
	ck_assert_int_eq(d.rq.price_minor, 1999);
	ck_assert_str_eq(d.rq.name, "Forwarding " DASH " M-000124 (2026-11-21)");
	/* Hank's membership is at Riverside, one of the two locations linked to his space. */
	ck_assert_str_eq(d.rq.location, LOC_RIVERSIDE);

	/* A company membership made personal again bills the member. */
	exec("UPDATE memberships SET is_personal = 1 WHERE membership_id = 'MS-HANK'");
	ck_assert_int_eq(build(id, &c, &t, &d, why, sizeof(why)), 0);
	ck_assert_str_eq(d.rq.member, "M-HANK");
	ck_assert_ptr_null(d.rq.company);
	ck_assert_int_eq(d.rq.is_personal, 1);
}
END_TEST

START_TEST(storage_fee_names_the_day_it_charges)
{
	struct charge c;
	struct fee_target t;
	struct fee_draft d;
	char why[512];
	int64_t id = add_charge(1, 1, "storage", "Storage of M-000123 on 2026-11-28", 1, 50, "2026-11-28");
	ck_assert_int_eq(build(id, &c, &t, &d, why, sizeof(why)), 0);
	ck_assert_str_eq(d.rq.name, "Storage " DASH " M-000123 (2026-11-28)");
	ck_assert_int_eq(d.rq.price_minor, 50);
}
END_TEST

START_TEST(missing_mapping_is_a_permanent_error_in_words)
{
	struct charge c;
	struct fee_target t;
	struct fee_draft d;
	char why[512];
	int64_t id = add_charge(1, 1, "scan", "Scan", 1, 250, NULL);

	exec("UPDATE officernd_settings SET charge_plan_id = '' WHERE operator_id = 1");
	ck_assert_int_eq(build(id, &c, &t, &d, why, sizeof(why)), -1);
	ck_assert_msg(strstr(why, "No Mail charges plan chosen on the OfficeRnD card"), "why: %s", why);
	exec("UPDATE officernd_settings SET charge_plan_id = '" PLAN_MAIL "' WHERE operator_id = 1");

	exec("DELETE FROM location_links WHERE operator_id = 1");
	ck_assert_int_eq(build(id, &c, &t, &d, why, sizeof(why)), -1);
	ck_assert_msg(strstr(why, "\"Downtown\" is not linked to an OfficeRnD location"), "why: %s", why);

	/* Without links, the location the membership came with still does. */
	exec("UPDATE mailboxes SET officernd_location_id = '" LOC_RIVERSIDE "' WHERE id = 1");
	ck_assert_int_eq(build(id, &c, &t, &d, why, sizeof(why)), 0);
	ck_assert_str_eq(d.rq.location, LOC_RIVERSIDE);

	/* A renter who is no OfficeRnD member (space Annex is linked, to keep to the payer). */
	exec("INSERT INTO location_links(operator_id, location_id, space_id) VALUES (1, '" LOC_DOWNTOWN "', 2)");
	int64_t walk_in = add_charge(3, 3, "scan", "Scan", 1, 250, NULL);
	ck_assert_int_eq(build(walk_in, &c, &t, &d, why, sizeof(why)), -1);
	ck_assert_msg(strstr(why, "Walk In is not linked to an OfficeRnD member"), "why: %s", why);
}
END_TEST

START_TEST(target_is_scoped_and_uncertainty_is_kept)
{
	struct fee_target t;
	int64_t id = add_charge(1, 1, "scan", "Scan", 1, 250, NULL);
	ck_assert_int_eq(fee_target_load(db, 2, id, &t), -1);
	exec("UPDATE charges SET fee_uncertain = 1");
	ck_assert_int_eq(fee_target_load(db, 1, id, &t), 0);
	ck_assert_int_eq(t.uncertain, 1);
	/* The operator's Retry restarts the attempts but keeps the doubt, and the time before which
	 * the lookup must not run. */
	exec("UPDATE charges SET billing_state = 'failed', attempts = 3, next_attempt_at = 4242");
	ck_assert_int_eq(charge_retry(db, 1, id), 0);
	ck_assert_int_eq(fee_target_load(db, 1, id, &t), 0);
	ck_assert_int_eq(t.uncertain, 1);
	struct charge c;
	ck_assert_int_eq(charge_get(db, 1, id, &c), 0);
	ck_assert_int_eq(c.attempts, 0);
	ck_assert_int_eq(c.next_attempt_at, 4242);
}
END_TEST

START_TEST(lookup_goes_where_the_last_post_went)
{
	struct charge c;
	struct fee_target t;
	struct fee_draft d;
	struct fee_lookup_key key;
	char why[512];
	int64_t id = add_charge(1, 1, "scan", "Scan of M-000123", 1, 250, NULL);
	ck_assert_int_eq(build(id, &c, &t, &d, why, sizeof(why)), 0);
	/* Never posted (or posted before destinations were recorded): where it would go now. */
	fee_booking_lookup_key(&t, &d, &key);
	ck_assert_str_eq(key.member, MEMBER_ADA);
	ck_assert_ptr_null(key.company);
	ck_assert_ptr_null(key.plan);
	/* The POST went to a company with another plan; the membership has since moved to the member. */
	exec("UPDATE charges SET fee_company = 'co_9', fee_member = NULL, fee_location = 'loc_9', fee_plan = 'plan_9'");
	ck_assert_int_eq(build(id, &c, &t, &d, why, sizeof(why)), 0);
	ck_assert_str_eq(d.rq.member, MEMBER_ADA);
	fee_booking_lookup_key(&t, &d, &key);
	ck_assert_ptr_null(key.member);
	ck_assert_str_eq(key.company, "co_9");
	ck_assert_str_eq(key.plan, "plan_9");
}
END_TEST

START_TEST(price_goes_out_in_the_currencys_own_decimals)
{
	struct charge c;
	struct fee_target t;
	struct fee_draft d;
	char why[512];
	int64_t id = add_charge(1, 1, "scan", "Scan of M-000123", 1, 500, NULL);
	ck_assert_int_eq(build(id, &c, &t, &d, why, sizeof(why)), 0);
	ck_assert_int_eq(d.rq.minor_digits, 2);
	exec("UPDATE charges SET currency = 'JPY'");
	ck_assert_int_eq(build(id, &c, &t, &d, why, sizeof(why)), 0);
	ck_assert_int_eq(d.rq.minor_digits, 0);
	exec("UPDATE charges SET currency = 'KWD'");
	ck_assert_int_eq(build(id, &c, &t, &d, why, sizeof(why)), 0);
	ck_assert_int_eq(d.rq.minor_digits, 3);
	exec("UPDATE charges SET currency = 'XYZ'");
	ck_assert_int_eq(build(id, &c, &t, &d, why, sizeof(why)), -1);
	ck_assert_msg(strstr(why, "\"XYZ\" is not an ISO 4217 currency code"), "why: %s", why);
}
END_TEST

START_TEST(find_by_reference)
{
	struct orn_fee_ref fees[3];
	memset(fees, 0, sizeof(fees));
	char r0[] = "pm-1-7", r2[] = "pm-1-9";
	fees[0].reference = r0;
	fees[2].reference = r2;
	ck_assert_int_eq(fee_booking_find(fees, 3, "pm-1-9"), 2);
	ck_assert_int_eq(fee_booking_find(fees, 3, "pm-1-7"), 0);
	ck_assert_int_eq(fee_booking_find(fees, 3, "pm-1-8"), -1);
	ck_assert_int_eq(fee_booking_find(fees, 3, "pm-1-"), -1);
	ck_assert_int_eq(fee_booking_find(fees, 3, ""), -1);
	ck_assert_int_eq(fee_booking_find(NULL, 0, "pm-1-7"), -1);
}
END_TEST

/* ---- the token bucket ------------------------------------------------------------------ */

START_TEST(bucket_paces_to_the_rate)
{
	struct fee_bucket b;
	fee_bucket_init(&b, 60, 2, 0); /* one a second, bursts of two */
	ck_assert_int_eq(fee_bucket_take(&b, 0), 0);
	ck_assert_int_eq(fee_bucket_take(&b, 0), 0);
	ck_assert_int_eq(fee_bucket_take(&b, 0), 1000);
	ck_assert_int_eq(fee_bucket_take(&b, 400), 600);
	ck_assert_int_eq(fee_bucket_take(&b, 1000), 0);
	ck_assert_int_eq(fee_bucket_take(&b, 1000), 1000);
	/* A long idle time refills only up to the burst. */
	ck_assert_int_eq(fee_bucket_take(&b, 3600000), 0);
	ck_assert_int_eq(fee_bucket_take(&b, 3600000), 0);
	ck_assert_int_eq(fee_bucket_take(&b, 3600000), 1000);

	/* 600 a minute: one every 100 ms; 60 taken in 6 s from empty, never more. */
	fee_bucket_init(&b, 600, 1, 0);
	int taken = 0;
	for (int64_t t = 0; t <= 6000; t += 10)
		while (fee_bucket_take(&b, t) == 0)
			taken++;
	ck_assert_int_eq(taken, 61); /* the one in the bucket, then one per 100 ms */

	/* Nonsense rates become one a minute. */
	fee_bucket_init(&b, 0, 0, 0);
	ck_assert_int_eq(fee_bucket_take(&b, 0), 0);
	ck_assert_int_eq(fee_bucket_take(&b, 0), 60000);
}
END_TEST

START_TEST(bucket_pauses_after_429)
{
	struct fee_bucket b;
	fee_bucket_init(&b, 6000, 10, 0);
	ck_assert_int_eq(fee_bucket_take(&b, 0), 0);
	fee_bucket_pause(&b, 5000);
	ck_assert_int_eq(fee_bucket_take(&b, 1000), 4000);
	ck_assert_int_eq(fee_bucket_take(&b, 4999), 1);
	/* One request when the wait is over, then the normal rate (10 ms apart), not a burst. */
	ck_assert_int_eq(fee_bucket_take(&b, 5000), 0);
	ck_assert_int_eq(fee_bucket_take(&b, 5000), 10);
	ck_assert_int_eq(fee_bucket_take(&b, 5010), 0);
	/* A shorter pause never cuts a longer one. */
	fee_bucket_pause(&b, 9000);
	fee_bucket_pause(&b, 6000);
	ck_assert_int_eq(fee_bucket_take(&b, 6000), 3000);
}
END_TEST

/* ---- outcomes ---------------------------------------------------------------------------- */

static struct orn_error http_error(int status, const char *body, int retry_after)
{
	struct orn_error e;
	orn_error_reset(&e);
	orn_error_from_http(&e, status, body, body ? strlen(body) : 0, retry_after);
	return e;
}

static struct orn_error curl_error(int code, int request_sent)
{
	struct orn_error e;
	orn_error_reset(&e);
	orn_error_from_curl(&e, code, "", request_sent, 10000);
	return e;
}

#define SETTLE 60
#define MAX_ATTEMPTS 10

/* Classifies e for an attempt made at 1000 with the default settle time and attempt cap. */
static void classify(const struct orn_error *e, int64_t attempts, int posted, struct fee_outcome *o)
{
	struct fee_attempt a = { .attempts = attempts, .max_attempts = MAX_ATTEMPTS, .settle_s = SETTLE,
				 .now = 1000, .posted = posted };
	fee_booking_classify(e, &a, o);
}

START_TEST(server_error_after_post_retries_later_and_looks_up_first)
{
	struct fee_outcome o;
	struct orn_error e = http_error(503, "{\"message\":\"Service Unavailable\"}", 0);
	classify(&e, 1, 1, &o);
	ck_assert_int_eq(o.next, FEE_NEXT_RETRY);
	ck_assert_int_eq(o.uncertain, 1);
	ck_assert_int_ge(o.next_attempt_at, 1000 + SETTLE);
	ck_assert_int_le(o.next_attempt_at, 1000 + FEE_RETRY_CAP_S);
	ck_assert_msg(strstr(o.error, "HTTP 503"), "error: %s", o.error);
}
END_TEST

START_TEST(rate_limited_honours_retry_after_and_is_certain)
{
	struct fee_outcome o;
	struct orn_error e = http_error(429, "{\"message\":\"Too many requests\"}", 7);
	classify(&e, 4, 1, &o);
	ck_assert_int_eq(o.next, FEE_NEXT_RETRY);
	ck_assert_int_eq(o.next_attempt_at, 1007);
	ck_assert_int_eq(o.uncertain, 0);
	ck_assert_msg(strstr(o.error, "429"), "error: %s", o.error);
}
END_TEST

START_TEST(network_errors_depend_on_whether_the_request_left)
{
	struct fee_outcome o;
	struct orn_error e = curl_error(7 /* CURLE_COULDNT_CONNECT */, 1);
	classify(&e, 1, 1, &o);
	ck_assert_int_eq(o.next, FEE_NEXT_RETRY);
	ck_assert_int_eq(o.uncertain, 0); /* a refused connection never carried the fee */
	ck_assert_int_le(o.next_attempt_at, 1000 + 1);

	e = curl_error(28 /* CURLE_OPERATION_TIMEDOUT */, 1);
	classify(&e, 1, 1, &o);
	ck_assert_int_eq(o.next, FEE_NEXT_RETRY);
	ck_assert_int_eq(o.uncertain, 1);
	ck_assert_int_ge(o.next_attempt_at, 1000 + SETTLE);
	ck_assert_msg(strstr(o.error, "timeout"), "error: %s", o.error);

	e = curl_error(52 /* CURLE_GOT_NOTHING: the answer was lost */, 1);
	classify(&e, 1, 1, &o);
	ck_assert_int_eq(o.next, FEE_NEXT_RETRY);
	ck_assert_int_eq(o.uncertain, 1);

	/* 408: OfficeRnD never had the whole request. */
	e = http_error(408, NULL, 0);
	classify(&e, 1, 1, &o);
	ck_assert_int_eq(o.next, FEE_NEXT_RETRY);
	ck_assert_int_eq(o.uncertain, 0);
}
END_TEST

START_TEST(backoff_is_capped_whatever_the_attempts)
{
	struct fee_outcome o;
	struct orn_error e = http_error(502, NULL, 0);
	for (int64_t attempts = 1; attempts < MAX_ATTEMPTS; attempts = attempts * 3 + 1) {
		classify(&e, attempts, 1, &o);
		ck_assert_int_eq(o.next, FEE_NEXT_RETRY);
		ck_assert_int_le(o.next_attempt_at, 1000 + FEE_RETRY_CAP_S);
		ck_assert_int_ge(o.next_attempt_at, 1000);
	}
}
END_TEST

START_TEST(refusals_fail_in_the_operators_words)
{
	struct fee_outcome o;
	struct orn_error e = http_error(422, "{\"message\":\"location: location not found\"}", 0);
	classify(&e, 1, 1, &o);
	ck_assert_int_eq(o.next, FEE_NEXT_FAILED);
	ck_assert_int_eq(o.uncertain, 0);
	ck_assert_str_eq(o.error, "OfficeRnD refused the fee: location: location not found (HTTP 422)");

	e = http_error(400, "{\"message\":[\"price must be a number\",\"name should not be empty\"]}", 0);
	classify(&e, 1, 1, &o);
	ck_assert_int_eq(o.next, FEE_NEXT_FAILED);
	ck_assert_str_eq(o.error,
			 "OfficeRnD refused the fee: price must be a number; name should not be empty (HTTP 400)");

	e = http_error(404, "{\"message\":\"Organization not found\"}", 0);
	classify(&e, 1, 1, &o);
	ck_assert_int_eq(o.next, FEE_NEXT_FAILED);
	ck_assert_str_eq(o.error, "OfficeRnD refused the fee: Organization not found (HTTP 404)");

	e = http_error(403, "{\"message\":\"Missing required scope: flex.community.fees.create\"}", 0);
	classify(&e, 1, 1, &o);
	ck_assert_int_eq(o.next, FEE_NEXT_FAILED);
	ck_assert_msg(strstr(o.error, "flex.community.fees.create"), "error: %s", o.error);

	orn_error_reset(&e);
	orn_error_set(&e, ORN_ERR_AUTH, "OfficeRnD refused the client ID or secret");
	e.http_status = 401;
	e.request_sent = 1;
	classify(&e, 1, 1, &o);
	ck_assert_int_eq(o.next, FEE_NEXT_FAILED);
	ck_assert_msg(strstr(o.error, "check the client ID and secret on the OfficeRnD card"), "error: %s", o.error);

	orn_error_reset(&e);
	orn_error_set(&e, ORN_ERR_NOT_CONFIGURED, "OfficeRnD is not connected");
	classify(&e, 1, 1, &o);
	ck_assert_int_eq(o.next, FEE_NEXT_FAILED);
	ck_assert_str_eq(o.error, "OfficeRnD is not connected");
}
END_TEST

START_TEST(gives_up_after_the_last_attempt_with_its_reason)
{
	struct fee_outcome o;
	struct orn_error e = http_error(503, "{\"message\":\"Service Unavailable\"}", 0);
	classify(&e, MAX_ATTEMPTS - 1, 1, &o);
	ck_assert_int_eq(o.next, FEE_NEXT_RETRY);
	classify(&e, MAX_ATTEMPTS, 1, &o);
	ck_assert_int_eq(o.next, FEE_NEXT_FAILED);
	ck_assert_int_eq(o.uncertain, 1);
	ck_assert_msg(strstr(o.error, "Gave up after 10 attempts") && strstr(o.error, "HTTP 503"), "error: %s",
		      o.error);
	/* Its fee may exist: the operator's Retry must not look it up before it could have landed. */
	ck_assert_int_ge(o.next_attempt_at, 1000 + SETTLE);

	/* An answer that cannot be read is not retried for ever either. */
	orn_error_reset(&e);
	orn_error_set(&e, ORN_ERR_BAD_RESPONSE, "OfficeRnD sent an answer pilotomail could not read");
	e.request_sent = 1;
	classify(&e, MAX_ATTEMPTS, 0, &o);
	ck_assert_int_eq(o.next, FEE_NEXT_FAILED);
	ck_assert_msg(strstr(o.error, "Looking the fee up in OfficeRnD failed"), "error: %s", o.error);

	/* A definite refusal needs no waiting. */
	e = http_error(422, "{\"message\":\"plan: not found\"}", 0);
	classify(&e, 1, 1, &o);
	ck_assert_int_eq(o.next, FEE_NEXT_FAILED);
	ck_assert_int_eq(o.next_attempt_at, 0);
}
END_TEST

START_TEST(lease_outlasts_the_longest_request_and_the_settle_time)
{
	static const int64_t timeouts_ms[] = { 100, 10000, 60000, 120000 };
	static const int64_t settles_s[] = { 1, 60, 3600 };
	for (size_t i = 0; i < ARRAY_SIZE(timeouts_ms); i++) {
		for (size_t j = 0; j < ARRAY_SIZE(settles_s); j++) {
			struct fee_timing ft;
			fee_timing_derive(timeouts_ms[i], settles_s[j], &ft);
			/* The last request starts by the window's end and lands by timeout + settle. */
			ck_assert_int_gt(ft.lease_s * 1000, ft.window_ms + timeouts_ms[i] + settles_s[j] * 1000);
			ck_assert_int_gt(ft.window_ms, 0);
		}
	}
	/* The largest timeout allowed (120 s) is longer than the old fixed 60 s lease. */
	struct fee_timing ft;
	fee_timing_derive(120000, 60, &ft);
	ck_assert_int_ge(ft.lease_s, 120 + 60);
}
END_TEST

START_TEST(failed_lookup_keeps_the_doubt)
{
	struct fee_outcome o;
	struct orn_error e = http_error(503, NULL, 0);
	classify(&e, 2, 0, &o);
	ck_assert_int_eq(o.next, FEE_NEXT_RETRY);
	ck_assert_int_eq(o.uncertain, 1);
	ck_assert_msg(strstr(o.error, "Looking the fee up in OfficeRnD failed"), "error: %s", o.error);

	e = http_error(403, "{\"message\":\"Missing required scope: flex.community.fees.read\"}", 0);
	classify(&e, 2, 0, &o);
	ck_assert_int_eq(o.next, FEE_NEXT_FAILED);
	ck_assert_int_eq(o.uncertain, 1);
	ck_assert_msg(strstr(o.error, "flex.community.fees.read"), "error: %s", o.error);

	/* An unreadable answer is retried, and may hide a created fee. */
	orn_error_reset(&e);
	orn_error_set(&e, ORN_ERR_BAD_RESPONSE, "OfficeRnD sent an answer pilotomail could not read");
	e.request_sent = 1;
	classify(&e, 1, 1, &o);
	ck_assert_int_eq(o.next, FEE_NEXT_RETRY);
	ck_assert_int_eq(o.uncertain, 1);
}
END_TEST

static Suite *fee_booking_suite(void)
{
	Suite *s = suite_create("fee_booking");
	TCase *tc = tcase_create("build");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, member_fee_has_item_date_price_and_reference);
	tcase_add_test(tc, fee_rate_is_shared_by_every_worker);
	tcase_add_test(tc, company_membership_bills_the_company);
	tcase_add_test(tc, storage_fee_names_the_day_it_charges);
	tcase_add_test(tc, missing_mapping_is_a_permanent_error_in_words);
	tcase_add_test(tc, target_is_scoped_and_uncertainty_is_kept);
	tcase_add_test(tc, lookup_goes_where_the_last_post_went);
	tcase_add_test(tc, price_goes_out_in_the_currencys_own_decimals);
	suite_add_tcase(s, tc);

	tc = tcase_create("rules");
	tcase_add_test(tc, find_by_reference);
	tcase_add_test(tc, bucket_paces_to_the_rate);
	tcase_add_test(tc, bucket_pauses_after_429);
	tcase_add_test(tc, server_error_after_post_retries_later_and_looks_up_first);
	tcase_add_test(tc, rate_limited_honours_retry_after_and_is_certain);
	tcase_add_test(tc, network_errors_depend_on_whether_the_request_left);
	tcase_add_test(tc, backoff_is_capped_whatever_the_attempts);
	tcase_add_test(tc, refusals_fail_in_the_operators_words);
	tcase_add_test(tc, failed_lookup_keeps_the_doubt);
	tcase_add_test(tc, gives_up_after_the_last_attempt_with_its_reason);
	tcase_add_test(tc, lease_outlasts_the_longest_request_and_the_settle_time);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(fee_booking_suite)
