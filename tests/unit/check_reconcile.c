/*
 * check_reconcile.c: the rules of the check for missed OfficeRnD membership changes
 * (domain/reconcile.h) and its bookkeeping in the store (store/reconcile.h), on a real,
 * migrated SQLite store. The pass itself runs against the simulator in tests/e2e/test_reconcile.py.
 */
#include "check_helpers.h"
#include "check_store_fixture.h"
#include "crypto/crypto.h"
#include "domain/reconcile.h"
#include "store/db.h"
#include "store/operators.h"
#include "store/reconcile.h"
#include "store/webhook_events.h"
#include "util/timeutil.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOW_MS ((int64_t)1795000000000) /* 2026-11-18 */
#define NOW (NOW_MS / 1000)
#define HOUR 3600

static struct db *db;
static int64_t op, op2;

static struct orn_membership sample(void)
{
	struct orn_membership m = {
		.id = "m1", .member = "u1", .plan = "planA", .start_date = "2026-11-01T00:00:00.000Z",
		.company = NULL, .location = "loc1", .end_date = NULL, .name = "Virtual Office",
		.status = "approved", .calculated_status = "active", .created_at = "2026-11-01T09:00:00.000Z",
		.modified_at = "2026-11-10T10:20:30.456Z", .is_personal = 1,
	};
	return m;
}

/* ---- the event body --------------------------------------------------------------------------- */

START_TEST(body_reads_back_as_the_same_membership)
{
	struct orn_membership m = sample();
	m.company = "co1";
	m.is_personal = 0;
	m.end_date = "2026-12-31";
	char *id;
	char *body = reconcile_event_body(&m, EVENT_CREATED, NOW_MS, &id);
	ck_assert_str_eq(id, "reconcile:m1:2026-11-10T10:20:30.456Z");
	struct event ev;
	char err[256];
	ck_assert_msg(event_parse(body, strlen(body), &ev, err, sizeof(err)) == 0, "%s: %s", err, body);
	ck_assert_str_eq(ev.id, id);
	ck_assert_str_eq(ev.type, "membership.created");
	ck_assert_int_eq(ev.kind, EVENT_CREATED);
	ck_assert_str_eq(ev.created_at, "2026-11-18T11:06:40.000Z");
	ck_assert_str_eq(ev.membership.id, "m1");
	ck_assert_str_eq(ev.membership.member, "u1");
	ck_assert_str_eq(ev.membership.plan, "planA");
	ck_assert_str_eq(ev.membership.company, "co1");
	ck_assert_str_eq(ev.membership.location, "loc1");
	ck_assert_str_eq(ev.membership.end_date, "2026-12-31");
	ck_assert_str_eq(ev.membership.status, "approved");
	ck_assert_str_eq(ev.membership.calculated_status, "active");
	ck_assert_int_eq(ev.membership.is_personal, 0);
	int64_t v;
	ck_assert_int_eq(reconcile_version_ms(&m, &v), 0);
	ck_assert_int_eq(ev.membership.version_ms, v);
	/* The receiver's light look finds what the inbox row needs. */
	struct event_peek pk;
	ck_assert_int_eq(event_peek(body, strlen(body), &pk), 0);
	ck_assert_str_eq(pk.id, id);
	ck_assert_str_eq(pk.membership_id, "m1");
	char *key = event_dedupe_key(pk.id, body, strlen(body));
	ck_assert_str_eq(key, id);
	free(key);
	event_peek_clear(&pk);
	event_clear(&ev);
	free(body);
	free(id);

	/* Open ended, no company, no location: null and absent as OfficeRnD writes them. */
	m = sample();
	m.location = NULL;
	body = reconcile_event_body(&m, EVENT_UPDATED, NOW_MS, &id);
	ck_assert_ptr_nonnull(strstr(body, "\"company\":null"));
	ck_assert_ptr_nonnull(strstr(body, "\"location\":null"));
	ck_assert_ptr_null(strstr(body, "endDate"));
	ck_assert_ptr_nonnull(strstr(body, "\"previousAttributes\":{}"));
	ck_assert_int_eq(event_parse(body, strlen(body), &ev, err, sizeof(err)), 0);
	ck_assert_int_eq(ev.kind, EVENT_UPDATED);
	ck_assert_ptr_null(ev.membership.company);
	ck_assert_ptr_null(ev.membership.location);
	ck_assert_ptr_null(ev.membership.end_date);
	ck_assert_int_eq(ev.membership.is_personal, 1);
	event_clear(&ev);
	free(body);
	free(id);

	/* A removal with only what the store kept (no member or plan known). */
	struct orn_membership r = { .id = "m9", .member = "", .plan = "", .start_date = "", .name = "",
				    .status = "", .calculated_status = "", .created_at = "",
				    .modified_at = "2026-11-18T11:06:40.000Z", .is_personal = 1 };
	body = reconcile_event_body(&r, EVENT_REMOVED, NOW_MS, &id);
	ck_assert_str_eq(id, "reconcile:m9:removed");
	ck_assert_msg(event_parse(body, strlen(body), &ev, err, sizeof(err)) == 0, "%s: %s", err, body);
	ck_assert_int_eq(ev.kind, EVENT_REMOVED);
	ck_assert_str_eq(ev.membership.id, "m9");
	event_clear(&ev);
	free(body);
	free(id);
}
END_TEST

START_TEST(version_and_times)
{
	struct orn_membership m = sample();
	int64_t v;
	ck_assert_int_eq(reconcile_version_ms(&m, &v), 0);
	char buf[32];
	ck_assert_str_eq(reconcile_format_ms(v, buf, sizeof(buf)), "2026-11-10T10:20:30.456Z");
	m.modified_at = "";
	ck_assert_int_eq(reconcile_version_ms(&m, &v), 0);
	ck_assert_str_eq(reconcile_format_ms(v, buf, sizeof(buf)), "2026-11-01T09:00:00.000Z");
	m.created_at = "";
	ck_assert_int_eq(reconcile_version_ms(&m, &v), -1);
	m.modified_at = "yesterday";
	ck_assert_int_eq(reconcile_version_ms(&m, &v), -1);

	/* The next pass starts five minutes before the newest change seen. */
	ck_assert_int_eq(reconcile_filter_after("2026-11-10T10:20:30.456Z", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "2026-11-10T10:15:30.456Z");
	ck_assert_int_eq(reconcile_filter_after("2026-11-10T10:20:30+02:00", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "2026-11-10T08:15:30.000Z");
	ck_assert_int_eq(reconcile_filter_after("", buf, sizeof(buf)), -1);
	ck_assert_int_eq(reconcile_filter_after("garbage", buf, sizeof(buf)), -1);
}
END_TEST

/* ---- which memberships need an event ----------------------------------------------------------- */

START_TEST(need_follows_the_sync_rules)
{
	struct orn_membership m = sample();
	int64_t v;
	ck_assert_int_eq(reconcile_version_ms(&m, &v), 0);
	struct reconcile_known k = { .plan_linked = 1 };

	/* Never seen: created, when it would get a mailbox. */
	ck_assert_int_eq(reconcile_need(&m, v, &k, NOW_MS), EVENT_CREATED);
	k.plan_linked = 0;
	ck_assert_int_eq(reconcile_need(&m, v, &k, NOW_MS), EVENT_OTHER);
	k.plan_linked = 1;
	m.end_date = "2026-11-17"; /* ended yesterday */
	ck_assert_int_eq(reconcile_need(&m, v, &k, NOW_MS), EVENT_OTHER);
	m.end_date = "2026-11-18"; /* runs through today */
	ck_assert_int_eq(reconcile_need(&m, v, &k, NOW_MS), EVENT_CREATED);
	m.end_date = NULL;
	m.calculated_status = "expired";
	ck_assert_int_eq(reconcile_need(&m, v, &k, NOW_MS), EVENT_OTHER);
	m.calculated_status = "active";
	m.status = "not_approved";
	ck_assert_int_eq(reconcile_need(&m, v, &k, NOW_MS), EVENT_OTHER);
	m.status = "approved";

	/* Never seen and unchanged since before pilotomail watched the account: no webhook was lost. */
	k.since_ms = v + RECONCILE_OVERLAP_MS + 1;
	ck_assert_int_eq(reconcile_need(&m, v, &k, NOW_MS), EVENT_OTHER);
	k.since_ms = v + RECONCILE_OVERLAP_MS; /* within the overlap: still a candidate */
	ck_assert_int_eq(reconcile_need(&m, v, &k, NOW_MS), EVENT_CREATED);
	k.since_ms = v + RECONCILE_OVERLAP_MS + 1;
	k.seen = 1; /* a known membership's newer version is applied whatever its age */
	k.version_ms = v - 1;
	ck_assert_int_eq(reconcile_need(&m, v, &k, NOW_MS), EVENT_UPDATED);
	k.seen = 0;
	k.version_ms = 0;
	k.since_ms = 0;

	/* Seen: updated only when the listed version is newer, and never once removed. */
	k.seen = 1;
	k.plan_linked = 0; /* whatever the plan: the sync decides what an unlinked plan means */
	k.version_ms = v - 1;
	ck_assert_int_eq(reconcile_need(&m, v, &k, NOW_MS), EVENT_UPDATED);
	m.end_date = "2026-11-01";
	ck_assert_int_eq(reconcile_need(&m, v, &k, NOW_MS), EVENT_UPDATED); /* an end must cancel */
	m.end_date = NULL;
	k.version_ms = v;
	ck_assert_int_eq(reconcile_need(&m, v, &k, NOW_MS), EVENT_OTHER);
	k.version_ms = v + 1;
	ck_assert_int_eq(reconcile_need(&m, v, &k, NOW_MS), EVENT_OTHER);
	k.version_ms = v - 1;
	k.removed = 1;
	ck_assert_int_eq(reconcile_need(&m, v, &k, NOW_MS), EVENT_OTHER);
	k.removed = 0;

	/* Already waiting in the inbox (pending or failed): not again. */
	k.inbox_version_ms = v;
	ck_assert_int_eq(reconcile_need(&m, v, &k, NOW_MS), EVENT_OTHER);
	k.inbox_version_ms = v - 1;
	ck_assert_int_eq(reconcile_need(&m, v, &k, NOW_MS), EVENT_UPDATED);
	k.inbox_removed = 1;
	ck_assert_int_eq(reconcile_need(&m, v, &k, NOW_MS), EVENT_OTHER);
}
END_TEST

START_TEST(mass_cancel_needs_confirmation)
{
	/* More than RECONCILE_CONFIRM_MIN and more than RECONCILE_CONFIRM_PERCENT of the open ones. */
	ck_assert_int_eq(reconcile_needs_confirm(0, 0), 0);
	ck_assert_int_eq(reconcile_needs_confirm(3, 3), 0);   /* a small operator: three go without asking */
	ck_assert_int_eq(reconcile_needs_confirm(4, 4), 1);   /* everything at once */
	ck_assert_int_eq(reconcile_needs_confirm(4, 40), 0);  /* 10%: not more than it */
	ck_assert_int_eq(reconcile_needs_confirm(5, 40), 1);
	ck_assert_int_eq(reconcile_needs_confirm(90, 1000), 0);
	ck_assert_int_eq(reconcile_needs_confirm(101, 1000), 1);

	struct orn_membership m = sample();
	char why[256];
	ck_assert_int_eq(reconcile_would_cancel(&m, 1, NOW_MS, why, sizeof(why)), 0);
	ck_assert_int_eq(reconcile_would_cancel(&m, 0, NOW_MS, why, sizeof(why)), 1);
	ck_assert_msg(strstr(why, "is not linked to a mailbox offering"), "%s", why);
	m.end_date = "2026-11-01";
	ck_assert_int_eq(reconcile_would_cancel(&m, 1, NOW_MS, why, sizeof(why)), 1);
	ck_assert_str_eq(why, "the membership ended (end date 2026-11-01)");
	m.end_date = NULL;
	m.status = "not_approved"; /* on hold, not cancelled */
	ck_assert_int_eq(reconcile_would_cancel(&m, 1, NOW_MS, why, sizeof(why)), 0);
}
END_TEST

START_TEST(inbox_scan_reads_versions)
{
	struct orn_membership m = sample();
	char *id1, *id2;
	char *b1 = reconcile_event_body(&m, EVENT_UPDATED, NOW_MS, &id1);
	m.modified_at = "2026-11-11T00:00:00.000Z";
	char *b2 = reconcile_event_body(&m, EVENT_UPDATED, NOW_MS, &id2);
	char bad[] = "{not json";
	char *bodies[] = { b1, bad, b2 };
	struct reconcile_known k;
	memset(&k, 0, sizeof(k));
	reconcile_inbox_scan(bodies, 3, &k);
	int64_t v;
	time_parse_iso_ms("2026-11-11T00:00:00.000Z", &v);
	ck_assert_int_eq(k.inbox_version_ms, v);
	ck_assert_int_eq(k.inbox_removed, 0);
	free(b2);
	free(id2);
	b2 = reconcile_event_body(&m, EVENT_REMOVED, NOW_MS, &id2);
	bodies[2] = b2;
	reconcile_inbox_scan(bodies, 3, &k);
	ck_assert_int_eq(k.inbox_removed, 1);
	free(b1);
	free(b2);
	free(id1);
	free(id2);
}
END_TEST

/* ---- the store ------------------------------------------------------------------------------- */

static void exec(const char *sql)
{
	ck_assert_int_eq(db_exec(db, sql), 0);
}

static struct store_fixture fx;

static void setup(void)
{
	fixture_store_open(&fx, "reconcile");
	db = fx.db;
	op = fx.op;
	op2 = fx.op2;
}

static void teardown(void)
{
	fixture_store_close(&fx);
	db = NULL;
}

static size_t due(int64_t now)
{
	int64_t *ids;
	size_t n;
	ck_assert_int_eq(reconcile_due_list(db, now, HOUR, &ids, &n), 0);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(ids[i], op); /* never the unconfigured operator */
	free(ids);
	return n;
}

START_TEST(schedule_clock_claim_and_done)
{
	struct reconcile_claim c;
	struct reconcile_status s;
	/* Nothing is due before the clock starts; it starts only for configured cards. */
	ck_assert_int_eq(due(NOW), 0);
	ck_assert_int_eq(reconcile_clocks_start(db, NOW), 1);
	ck_assert_int_eq(reconcile_clocks_start(db, NOW + 10), 0);
	ck_assert_int_eq(due(NOW + HOUR - 1), 0);
	ck_assert_int_eq(due(NOW + HOUR), 1);
	ck_assert_int_eq(reconcile_status_get(db, op, &s), 0);
	ck_assert_int_eq(s.configured, 1);
	ck_assert_int_eq(s.attempted_at, NOW);
	ck_assert_int_eq(s.reconciled_at, 0);

	/* A claim is exclusive while its lease runs. */
	ck_assert_int_eq(reconcile_claim(db, op, NOW + HOUR, HOUR, 300, &c), 1);
	ck_assert_int_eq(c.requested, 0);
	ck_assert_str_eq(c.through, "");
	ck_assert_int_eq(reconcile_claim(db, op, NOW + HOUR, HOUR, 300, &c), 0);
	ck_assert_int_eq(due(NOW + HOUR + 10), 0);
	ck_assert_int_eq(reconcile_done(db, op, "2026-11-18T20:00:00.000Z", NOW + HOUR + 20, 0), 0);
	ck_assert_int_eq(reconcile_status_get(db, op, &s), 0);
	ck_assert_int_eq(s.reconciled_at, NOW + HOUR + 20);
	ck_assert_int_eq(s.claimed_until, 0);
	ck_assert_int_eq(due(NOW + 2 * HOUR), 0);
	ck_assert_int_eq(due(NOW + 2 * HOUR + 20), 1);

	/* A pass that finds nothing newer keeps the cursor. */
	ck_assert_int_eq(reconcile_claim(db, op, NOW + 2 * HOUR + 20, HOUR, 300, &c), 1);
	ck_assert_str_eq(c.through, "2026-11-18T20:00:00.000Z");
	ck_assert_int_eq(reconcile_done(db, op, NULL, NOW + 2 * HOUR + 30, 0), 0);
	ck_assert_int_eq(reconcile_claim(db, op, NOW + 4 * HOUR, HOUR, 300, &c), 1);
	ck_assert_str_eq(c.through, "2026-11-18T20:00:00.000Z");

	/* A lease that ran out (a killed worker) can be claimed again. */
	ck_assert_int_eq(reconcile_claim(db, op, NOW + 4 * HOUR + 299, HOUR, 300, &c), 0);
	ck_assert_int_eq(reconcile_claim(db, op, NOW + 5 * HOUR + 1, HOUR, 300, &c), 1);
	ck_assert_int_eq(reconcile_renew(db, op, NOW + 6 * HOUR), 0);
	ck_assert_int_eq(reconcile_claim(db, op, NOW + 6 * HOUR - 1, HOUR, 300, &c), 0);

	/* A clock that went back by more than an interval does not stop the checks for good. */
	ck_assert_int_eq(reconcile_failed(db, op, NULL, 0), 0);
	ck_assert_int_eq(due(NOW + 5 * HOUR + 10), 0);
	ck_assert_int_eq(due(NOW), 1);
}
END_TEST

START_TEST(requests_and_failures)
{
	struct reconcile_claim c;
	struct reconcile_status s;
	/* Asking works only with OfficeRnD configured, and only for the asking operator. */
	ck_assert_int_eq(reconcile_request(db, op2), 1);
	ck_assert_int_eq(reconcile_request(db, op), 0);
	struct reconcile_status s2;
	ck_assert_int_eq(reconcile_status_get(db, op2, &s2), 0);
	ck_assert_int_eq(s2.requested, 0);
	ck_assert_int_eq(s2.configured, 0);
	ck_assert_int_eq(due(NOW), 1); /* at once, without waiting for the clock */
	ck_assert_int_eq(reconcile_claim(db, op, NOW, HOUR, 300, &c), 1);
	ck_assert_int_eq(c.requested, 1);
	/* Pressed again while the pass runs: that press asks for another pass. */
	ck_assert_int_eq(reconcile_request(db, op), 0);
	ck_assert_int_eq(reconcile_done(db, op, "2026-11-18T20:00:00.000Z", NOW + 5, c.requested), 0);
	ck_assert_int_eq(reconcile_status_get(db, op, &s), 0);
	ck_assert_int_eq(s.requested, 1);
	ck_assert_int_eq(due(NOW + 6), 1);

	/* A failure keeps the last good pass, shows why, and serves the press: no tight loop. */
	ck_assert_int_eq(reconcile_claim(db, op, NOW + 6, HOUR, 300, &c), 1);
	ck_assert_int_eq(reconcile_failed(db, op, "OfficeRnD could not be reached (timeout after 10 s)", c.requested), 0);
	ck_assert_int_eq(reconcile_status_get(db, op, &s), 0);
	ck_assert_int_eq(s.reconciled_at, NOW + 5);
	ck_assert_int_eq(s.attempted_at, NOW + 6);
	ck_assert_int_eq(s.requested, 0);
	ck_assert_str_eq(s.error, "OfficeRnD could not be reached (timeout after 10 s)");
	ck_assert_int_eq(due(NOW + 7), 0);
	ck_assert_int_eq(due(NOW + 6 + HOUR), 1);
	ck_assert_int_eq(reconcile_claim(db, op, NOW + 6 + HOUR, HOUR, 300, &c), 1);
	ck_assert_str_eq(c.through, "2026-11-18T20:00:00.000Z");
	ck_assert_int_eq(reconcile_done(db, op, NULL, NOW + 7 + HOUR, 0), 0);
	ck_assert_int_eq(reconcile_status_get(db, op, &s), 0);
	ck_assert_str_eq(s.error, "");

	/* A pass stopped by SIGTERM keeps the press for the next worker. */
	ck_assert_int_eq(reconcile_request(db, op), 0);
	ck_assert_int_eq(reconcile_claim(db, op, NOW + 8 + HOUR, HOUR, 300, &c), 1);
	ck_assert_int_eq(reconcile_failed(db, op, NULL, c.requested), 0);
	ck_assert_int_eq(reconcile_status_get(db, op, &s), 0);
	ck_assert_int_eq(s.requested, 1);
	ck_assert_int_eq(s.claimed_until, 0);
	ck_assert_str_eq(s.error, "");

	/* No settings row at all reads as not configured. */
	ck_assert_int_eq(reconcile_status_get(db, 999, &s), 0);
	ck_assert_int_eq(s.configured, 0);
	ck_assert_int_eq(reconcile_request(db, 999), 1);
}
END_TEST

static void add_event(int64_t operator_id, const char *key, const char *mid, const char *state)
{
	struct webhook_event_new e = { .dedupe_key = key, .event_type = "membership.updated", .membership_id = mid,
				       .body = "{}", .body_len = 2, .state = "pending", .received_at = NOW };
	int64_t id;
	ck_assert_int_eq(webhook_event_insert(db, operator_id, &e, &id), 0);
	struct db_stmt *st = db_prepare(db, "UPDATE webhook_events SET state = ?, body = ? WHERE id = ?");
	db_bind_text(st, 1, state);
	db_bind_blob(st, 2, key, strlen(key));
	db_bind_int64(st, 3, id);
	ck_assert_int_eq(db_update_one(st), 0);
}

START_TEST(inbox_open_mailboxes_and_labels)
{
	add_event(op, "e1", "m1", "pending");
	add_event(op, "e2", "m1", "failed");
	add_event(op, "e3", "m1", "applied");
	add_event(op2, "e4", "m1", "pending");
	add_event(op, "reconcile:m2:2026", "m2", "applied");
	add_event(op2, "reconcile:m3:2026", "m3", "applied");
	char **bodies;
	size_t n;
	ck_assert_int_eq(reconcile_inbox_bodies(db, op, "m1", &bodies, &n), 0);
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(bodies[0], "e1");
	ck_assert_str_eq(bodies[1], "e2");
	for (size_t i = 0; i < n; i++)
		free(bodies[i]);
	free(bodies);

	int64_t *ids;
	ck_assert_int_eq(reconcile_event_ids(db, op, 1, 100, &ids, &n), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(ids[0], 5);
	free(ids);
	ck_assert_int_eq(reconcile_event_ids(db, op, 1, 4, &ids, &n), 0);
	ck_assert_int_eq(n, 0);
	free(ids);

	/* Open mailboxes of memberships not removed, with what the store kept of them. */
	char *sql = xasprintf(
		"INSERT INTO renters(id, operator_id, name, created_at) VALUES (1, %1$lld, 'Ada', 0), (2, %2$lld, 'Bo', 0);"
		"INSERT INTO offerings(id, operator_id, name, monthly_price, created_at) VALUES (1, %1$lld, 'B', 0, 0),"
		" (2, %2$lld, 'B', 0, 0);"
		"INSERT INTO mailboxes(operator_id, renter_id, offering_id, pmb, status, source, officernd_membership_id,"
		" created_at, updated_at) VALUES (%1$lld, 1, 1, '101', 'active', 'officernd', 'mA', 0, 0),"
		" (%1$lld, 1, 1, '102', 'on_hold', 'officernd', 'mB', 0, 0),"
		" (%1$lld, 1, 1, '103', 'cancelled', 'officernd', 'mC', 0, 0),"
		" (%1$lld, 1, 1, '104', 'active', 'officernd', 'mD', 0, 0),"
		" (%1$lld, 1, 1, '105', 'active', 'manual', NULL, 0, 0),"
		" (%2$lld, 2, 2, '101', 'active', 'officernd', 'mE', 0, 0);"
		"INSERT INTO memberships(operator_id, membership_id, member_id, company_id, plan_id, location_id, status,"
		" is_personal, end_date, version_ms, removed, updated_at) VALUES"
		" (%1$lld, 'mA', 'u1', 'co1', 'p1', 'l1', 'approved', 0, '2026-12-31', 42, 0, 0),"
		" (%1$lld, 'mD', 'u2', NULL, 'p1', '', 'approved', 1, NULL, 43, 1, 0);",
		(long long)op, (long long)op2);
	exec(sql);
	free(sql);
	struct reconcile_open *open;
	ck_assert_int_eq(reconcile_open_list(db, op, &open, &n), 0);
	ck_assert_int_eq(n, 2); /* mA and mB: not the cancelled, removed, manual or other's */
	ck_assert_str_eq(open[0].membership_id, "mA");
	ck_assert_str_eq(open[0].member_id, "u1");
	ck_assert_str_eq(open[0].company_id, "co1");
	ck_assert_str_eq(open[0].location_id, "l1");
	ck_assert_str_eq(open[0].end_date, "2026-12-31");
	ck_assert_int_eq(open[0].is_personal, 0);
	ck_assert_int_eq(open[0].version_ms, 42);
	ck_assert_str_eq(open[1].membership_id, "mB"); /* no membership row: unknowns */
	ck_assert_str_eq(open[1].member_id, "");
	ck_assert_ptr_null(open[1].company_id);
	ck_assert_ptr_null(open[1].location_id);
	ck_assert_ptr_null(open[1].end_date);
	ck_assert_int_eq(open[1].version_ms, 0);
	reconcile_opens_free(open, n);
}
END_TEST

static Suite *reconcile_suite(void)
{
	Suite *s = suite_create("reconcile");
	TCase *rules = tcase_create("rules");
	tcase_add_test(rules, body_reads_back_as_the_same_membership);
	tcase_add_test(rules, version_and_times);
	tcase_add_test(rules, need_follows_the_sync_rules);
	tcase_add_test(rules, inbox_scan_reads_versions);
	tcase_add_test(rules, mass_cancel_needs_confirmation);
	suite_add_tcase(s, rules);
	TCase *store = tcase_create("store");
	tcase_add_checked_fixture(store, setup, teardown);
	tcase_add_test(store, schedule_clock_claim_and_done);
	tcase_add_test(store, requests_and_failures);
	tcase_add_test(store, inbox_open_mailboxes_and_labels);
	suite_add_tcase(s, store);
	return s;
}

CHECK_MAIN(reconcile_suite)
