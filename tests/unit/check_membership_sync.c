/*
 * check_membership_sync.c: the webhook inbox's claims (store/webhook_events.h) and the
 * membership sync rules (domain/membership_sync.h) on a real, migrated SQLite store, with
 * OfficeRnD replaced by a fake that counts its calls.
 */
#include "check_helpers.h"
#include "check_db.h"
#include "crypto/crypto.h"
#include "domain/membership_sync.h"
#include "domain/provision.h"
#include "domain/reconcile.h"
#include "store/db.h"
#include "store/operators.h"
#include "store/statements.h"
#include "store/webhook_events.h"
#include "util/timeutil.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOW_MS ((int64_t)1795000000000) /* 2026-11-18 */
#define PLAN_A "planA"
#define PLAN_B "planB"
#define PLAN_X "planX" /* not linked */
#define LOC_1 "loc1"
#define LOC_2 "loc2" /* not linked */

static char dir[64];
static struct db *db;
static int64_t op, space1, offer_a, offer_b;

/* The fake OfficeRnD: what the next call answers, and how many calls came. */
static struct {
	enum orn_status member_status;
	enum orn_status company_status;
	int member_calls, company_calls;
} fake;

static int fake_member(void *ctx, const char *id, struct orn_member *out, struct orn_error *err)
{
	(void)ctx;
	fake.member_calls++;
	memset(out, 0, sizeof(*out));
	if (fake.member_status != ORN_OK) {
		err->status = fake.member_status;
		snprintf(err->message, sizeof(err->message), "fake failure");
		return -1;
	}
	out->id = xstrdup(id);
	out->name = xasprintf("Member %s", id);
	out->email = xasprintf("%s@example.com", id);
	out->status = xstrdup("active");
	return 0;
}

static int fake_company(void *ctx, const char *id, struct orn_company *out, struct orn_error *err)
{
	(void)ctx;
	fake.company_calls++;
	memset(out, 0, sizeof(*out));
	if (fake.company_status != ORN_OK) {
		err->status = fake.company_status;
		snprintf(err->message, sizeof(err->message), "fake failure");
		return -1;
	}
	out->id = xstrdup(id);
	out->name = xstrdup("Globex Corporation");
	return 0;
}

static const struct sync_fetch fetch = { fake_member, fake_company, NULL };

static int64_t insert_id(const char *sql, const char *name)
{
	struct db_stmt *st = db_prepare(db, sql);
	db_bind_int64(st, 1, op);
	db_bind_text(st, 2, name);
	int64_t id = db_insert_returning(st, NULL);
	ck_assert_int_gt(id, 0);
	return id;
}

static void add_link(const char *sql, const char *orn_id, int64_t local_id)
{
	struct db_stmt *st = db_prepare(db, sql);
	db_bind_int64(st, 1, op);
	db_bind_text(st, 2, orn_id);
	db_bind_int64(st, 3, local_id);
	ck_assert_int_eq(db_step_done(st), 0);
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/pm-check-sync-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char *key = xasprintf("%s/key", dir), *path = xasprintf("%s/db", dir);
	ck_assert_int_eq(secretbox_init(key), 0);
	db = test_db_open(path);
	ck_assert_ptr_nonnull(db);
	ck_assert_int_eq(db_migrate(db), 0);
	free(key);
	free(path);
	int taken = 0;
	op = operator_create(db, "ops@example.com", "Acme", "pw-123456", &taken);
	ck_assert_int_gt(op, 0);
	space1 = insert_id("INSERT INTO spaces(operator_id, name, created_at) VALUES (?, ?, 0) RETURNING id", "Downtown");
	offer_a = insert_id("INSERT INTO offerings(operator_id, name, monthly_price, created_at) VALUES (?, ?, 1000, 0) RETURNING id", "Basic");
	offer_b = insert_id("INSERT INTO offerings(operator_id, name, monthly_price, created_at) VALUES (?, ?, 2000, 0) RETURNING id", "Premium");
	add_link("INSERT INTO plan_links(operator_id, plan_id, offering_id) VALUES (?, ?, ?)", PLAN_A, offer_a);
	add_link("INSERT INTO plan_links(operator_id, plan_id, offering_id) VALUES (?, ?, ?)", PLAN_B, offer_b);
	add_link("INSERT INTO location_links(operator_id, location_id, space_id) VALUES (?, ?, ?)", LOC_1, space1);
	memset(&fake, 0, sizeof(fake));
}

static void teardown(void)
{
	test_db_close(db);
	char *cmd = xasprintf("rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

static int64_t count(const char *sql)
{
	struct db_stmt *st = db_prepare(db, sql);
	ck_assert_int_eq(db_step(st), DB_ROW);
	int64_t n = db_col_int64(st, 0);
	db_finalize(st);
	return n;
}

static char *text(const char *sql)
{
	struct db_stmt *st = db_prepare(db, sql);
	char *s = db_step(st) == DB_ROW ? db_col_strdup(st, 0) : NULL;
	db_finalize(st);
	return s ? s : xstrdup("");
}

/* -- the rules ------------------------------------------------------------------------------ */

struct ev_spec {
	const char *type, *id, *member, *plan, *location, *company, *status, *calculated, *end;
	int64_t version_ms;
};

static void make_event(const struct ev_spec *s, struct event *e)
{
	char body[2048], err[256];
	char company[64] = "null", location[64] = "null", end[64] = "";
	if (s->company)
		snprintf(company, sizeof(company), "\"%s\"", s->company);
	if (s->location)
		snprintf(location, sizeof(location), "\"%s\"", s->location);
	if (s->end)
		snprintf(end, sizeof(end), ",\"endDate\":\"%s\"", s->end);
	char version[32];
	time_format_iso(s->version_ms / 1000, version, sizeof(version));
	version[19] = '\0';
	snprintf(body, sizeof(body),
		 "{\"event\":\"e\",\"eventType\":\"%s\",\"data\":{\"object\":{\"_id\":\"%s\",\"member\":\"%s\","
		 "\"plan\":\"%s\",\"location\":%s,\"company\":%s,\"status\":\"%s\",\"calculatedStatus\":\"%s\","
		 "\"modifiedAt\":\"%s.%03dZ\"%s}}}",
		 s->type, s->id, s->member ? s->member : "u1", s->plan ? s->plan : PLAN_A, location, company,
		 s->status ? s->status : "approved", s->calculated ? s->calculated : "active", version,
		 (int)(s->version_ms % 1000), end);
	ck_assert_msg(event_parse(body, strlen(body), e, err, sizeof(err)) == 0, "%s: %s", err, body);
	ck_assert_int_eq(e->membership.version_ms, s->version_ms);
}

/* Runs both steps as the worker does (apply in a transaction); returns the outcome. */
static struct sync_outcome run(const struct ev_spec *s)
{
	struct event e;
	struct sync_prepared prep;
	struct sync_outcome out;
	memset(&prep, 0, sizeof(prep));
	make_event(s, &e);
	if (membership_sync_prepare(db, op, &e, &fetch, NOW_MS, &prep, &out) == 0) {
		ck_assert_int_eq(db_begin(db), 0);
		ck_assert_int_eq(membership_sync_apply(db, op, &e, &prep, NOW_MS, &out), 0);
		if (out.result == SYNC_RETRY)
			db_rollback(db);
		else
			ck_assert_int_eq(db_commit(db), 0);
	}
	sync_prepared_clear(&prep);
	event_clear(&e);
	return out;
}

#define V(n) (NOW_MS - 100000 + (n) * 1000)

START_TEST(test_created_then_repeated)
{
	struct ev_spec s = { .type = "membership.created", .id = "m1", .location = LOC_1, .version_ms = V(1) };
	struct sync_outcome o = run(&s);
	ck_assert_int_eq(o.result, SYNC_APPLIED);
	ck_assert_msg(strstr(o.message, "created for Member u1 <u1@example.com> with offering Basic in space Downtown"),
		      "%s", o.message);
	ck_assert_int_eq(fake.member_calls, 1);
	ck_assert_int_eq(count("SELECT count(*) FROM mailboxes WHERE status = 'active' AND officernd_membership_id = 'm1'"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM invitations WHERE state = 'pending'"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox"), 1);
	ck_assert_int_eq(count("SELECT version_ms FROM memberships WHERE membership_id = 'm1'"), V(1));
	/* The same state again: no OfficeRnD call, no second anything. */
	o = run(&s);
	ck_assert_int_eq(o.result, SYNC_APPLIED);
	ck_assert_msg(strncmp(o.message, "no change", 9) == 0, "%s", o.message);
	ck_assert_int_eq(fake.member_calls, 1);
	ck_assert_int_eq(count("SELECT count(*) FROM mailboxes"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox"), 1);
}
END_TEST

START_TEST(test_mailbox_made_meanwhile_is_updated_not_doubled)
{
	struct ev_spec s1 = { .type = "membership.created", .id = "m1", .location = LOC_1, .version_ms = V(1) };
	struct ev_spec s2 = { .type = "membership.updated", .id = "m1", .plan = PLAN_B, .location = LOC_1, .version_ms = V(2) };
	struct event e2;
	struct sync_prepared prep;
	struct sync_outcome out;
	memset(&prep, 0, sizeof(prep));
	make_event(&s2, &e2);
	/* Step 1 of the update sees no mailbox and fetches the member... */
	ck_assert_int_eq(membership_sync_prepare(db, op, &e2, &fetch, NOW_MS, &prep, &out), 0);
	ck_assert_int_eq(prep.have_member, 1);
	/* ...then the mailbox appears before step 2 (the schema's UNIQUE is the backstop). */
	ck_assert_int_eq(run(&s1).result, SYNC_APPLIED);
	ck_assert_int_eq(db_begin(db), 0);
	ck_assert_int_eq(membership_sync_apply(db, op, &e2, &prep, NOW_MS, &out), 0);
	ck_assert_int_eq(db_commit(db), 0);
	ck_assert_int_eq(out.result, SYNC_APPLIED);
	ck_assert_msg(strstr(out.message, "offering changed"), "%s", out.message);
	ck_assert_int_eq(count("SELECT count(*) FROM mailboxes"), 1);
	char *off = text("SELECT o.name FROM mailboxes m JOIN offerings o ON o.id = m.offering_id");
	ck_assert_str_eq(off, "Premium");
	free(off);
	ck_assert_int_eq(count("SELECT count(*) FROM invitations"), 1);
	sync_prepared_clear(&prep);
	event_clear(&e2);
}
END_TEST

START_TEST(test_mailbox_gone_meanwhile_asks_for_a_retry)
{
	struct ev_spec s = { .type = "membership.created", .id = "m1", .location = LOC_1, .version_ms = V(1) };
	ck_assert_int_eq(run(&s).result, SYNC_APPLIED);
	struct event e;
	struct sync_prepared prep;
	struct sync_outcome out;
	memset(&prep, 0, sizeof(prep));
	s.version_ms = V(2);
	make_event(&s, &e);
	ck_assert_int_eq(membership_sync_prepare(db, op, &e, &fetch, NOW_MS, &prep, &out), 0);
	ck_assert_int_eq(prep.have_member, 0); /* a mailbox exists: nothing to fetch */
	ck_assert_int_eq(db_exec(db, "DELETE FROM outbox; DELETE FROM invitations; DELETE FROM mailboxes"), 0);
	ck_assert_int_eq(db_begin(db), 0);
	ck_assert_int_eq(membership_sync_apply(db, op, &e, &prep, NOW_MS, &out), 0);
	db_rollback(db);
	ck_assert_int_eq(out.result, SYNC_RETRY);
	ck_assert_int_eq(out.error.status, ORN_OK); /* right away: nothing is wrong with OfficeRnD */
	sync_prepared_clear(&prep);
	event_clear(&e);
}
END_TEST

START_TEST(test_older_and_removed)
{
	struct ev_spec c = { .type = "membership.created", .id = "m1", .location = LOC_1, .version_ms = V(1) };
	struct ev_spec u3 = { .type = "membership.updated", .id = "m1", .plan = PLAN_B, .location = LOC_1, .version_ms = V(3) };
	struct ev_spec u2 = { .type = "membership.updated", .id = "m1", .plan = PLAN_X, .location = LOC_1, .version_ms = V(2) };
	ck_assert_int_eq(run(&u3).result, SYNC_APPLIED); /* the newest first: creates with Premium */
	struct sync_outcome o = run(&u2);
	ck_assert_int_eq(o.result, SYNC_SKIPPED);
	ck_assert_str_eq(o.message, "older than the state already applied");
	ck_assert_int_eq(run(&c).result, SYNC_SKIPPED);
	ck_assert_int_eq(count("SELECT count(*) FROM mailboxes WHERE status = 'active'"), 1);
	ck_assert_int_eq(count("SELECT version_ms FROM memberships"), V(3));

	struct ev_spec r = { .type = "membership.removed", .id = "m1", .plan = PLAN_B, .version_ms = V(3) };
	o = run(&r);
	ck_assert_int_eq(o.result, SYNC_APPLIED);
	ck_assert_msg(strstr(o.message, "cancelled, its unaccepted invitation revoked"), "%s", o.message);
	ck_assert_int_eq(count("SELECT count(*) FROM mailboxes WHERE status = 'cancelled'"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM invitations WHERE state = 'revoked'"), 1);
	ck_assert_int_eq(count("SELECT removed FROM memberships"), 1);
	/* Removed stays removed, whatever comes next, newer or not. */
	u3.version_ms = V(9);
	o = run(&u3);
	ck_assert_int_eq(o.result, SYNC_SKIPPED);
	ck_assert_msg(strstr(o.message, "removed"), "%s", o.message);
	ck_assert_int_eq(count("SELECT count(*) FROM mailboxes WHERE status = 'cancelled'"), 1);
	ck_assert_int_eq(run(&r).result, SYNC_SKIPPED);

	/* Removed before created: nothing is ever made. */
	struct ev_spec r2 = { .type = "membership.removed", .id = "m2", .version_ms = V(5) };
	struct ev_spec c2 = { .type = "membership.created", .id = "m2", .location = LOC_1, .version_ms = V(4) };
	o = run(&r2);
	ck_assert_int_eq(o.result, SYNC_APPLIED);
	ck_assert_str_eq(o.message, "membership removed; it had no mailbox");
	ck_assert_int_eq(run(&c2).result, SYNC_SKIPPED);
	ck_assert_int_eq(count("SELECT count(*) FROM mailboxes WHERE officernd_membership_id = 'm2'"), 0);
	ck_assert_int_eq(fake.member_calls, 1);
}
END_TEST

START_TEST(test_unlinked_plan_location_and_hold)
{
	struct ev_spec x = { .type = "membership.created", .id = "m1", .plan = PLAN_X, .location = LOC_1, .version_ms = V(1) };
	struct sync_outcome o = run(&x);
	ck_assert_int_eq(o.result, SYNC_SKIPPED);
	ck_assert_str_eq(o.message, "plan planX is not linked to a mailbox offering");
	ck_assert_int_eq(fake.member_calls, 0);

	struct ev_spec l2 = { .type = "membership.updated", .id = "m1", .plan = PLAN_A, .location = LOC_2, .version_ms = V(2) };
	o = run(&l2);
	ck_assert_int_eq(o.result, SYNC_APPLIED);
	char *att = text("SELECT needs_attention FROM mailboxes");
	ck_assert_str_eq(att, "OfficeRnD location loc2 is not linked to a space");
	free(att);
	ck_assert_int_eq(count("SELECT count(*) FROM mailboxes WHERE space_id IS NULL"), 1);

	/* Moved to a linked location: the space is set and the note cleared. */
	l2.location = LOC_1;
	l2.version_ms = V(3);
	ck_assert_int_eq(run(&l2).result, SYNC_APPLIED);
	ck_assert_int_eq(count("SELECT space_id FROM mailboxes"), space1);
	att = text("SELECT needs_attention FROM mailboxes");
	ck_assert_str_eq(att, "");
	free(att);

	struct ev_spec hold = { .type = "membership.updated", .id = "m1", .location = LOC_1, .status = "not_approved",
				.calculated = "not_approved", .version_ms = V(4) };
	o = run(&hold);
	ck_assert_msg(strstr(o.message, "put on hold: the membership is not approved"), "%s", o.message);
	ck_assert_int_eq(count("SELECT count(*) FROM mailboxes WHERE status = 'on_hold'"), 1);
	hold.status = "approved";
	hold.calculated = "active";
	hold.version_ms = V(5);
	o = run(&hold);
	ck_assert_msg(strstr(o.message, "active again"), "%s", o.message);
	ck_assert_int_eq(count("SELECT count(*) FROM invitations"), 1);

	/* Not approved from the start: no mailbox until it is. */
	struct ev_spec na = { .type = "membership.created", .id = "m2", .location = LOC_1, .status = "not_approved",
			      .calculated = "not_approved", .version_ms = V(1) };
	o = run(&na);
	ck_assert_int_eq(o.result, SYNC_SKIPPED);
	ck_assert_int_eq(count("SELECT count(*) FROM mailboxes WHERE officernd_membership_id = 'm2'"), 0);
}
END_TEST

START_TEST(test_end_cancels_and_reactivation_reinvites)
{
	struct ev_spec c = { .type = "membership.created", .id = "m1", .location = LOC_1, .version_ms = V(1) };
	ck_assert_int_eq(run(&c).result, SYNC_APPLIED);
	struct ev_spec end = { .type = "membership.updated", .id = "m1", .location = LOC_1,
			       .end = "2026-11-01", .version_ms = V(2) };
	struct sync_outcome o = run(&end);
	ck_assert_msg(strstr(o.message, "cancelled: the membership ended (end date 2026-11-01)"), "%s", o.message);
	ck_assert_int_eq(count("SELECT count(*) FROM invitations WHERE state = 'pending'"), 0);
	/* Extended again on a linked plan: the same mailbox comes back with a fresh invitation. */
	struct ev_spec again = { .type = "membership.updated", .id = "m1", .location = LOC_1, .version_ms = V(3) };
	o = run(&again);
	ck_assert_msg(strstr(o.message, "reactivated with a new invitation"), "%s", o.message);
	ck_assert_int_eq(count("SELECT count(*) FROM mailboxes WHERE status = 'active'"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM invitations WHERE state = 'pending'"), 1);
}
END_TEST

/* The operator presses Cancel on the mailbox of membership id. */
static void operator_cancel(const char *id)
{
	int64_t mb = mailbox_find_by_membership(db, op, id);
	ck_assert_int_gt(mb, 0);
	ck_assert_int_eq(db_begin(db), 0);
	ck_assert_int_eq(provision_cancel(db, op, mb, "operator"), 0);
	ck_assert_int_eq(db_commit(db), 0);
}

static struct sync_outcome reopen(const char *id)
{
	struct sync_outcome out;
	ck_assert_int_eq(db_begin(db), 0);
	ck_assert_int_eq(membership_sync_reopen(db, op, mailbox_find_by_membership(db, op, id), NOW_MS, &out), 0);
	ck_assert_int_eq(db_commit(db), 0);
	return out;
}

static void assert_attention(const char *want)
{
	char *att = text("SELECT needs_attention FROM mailboxes WHERE officernd_membership_id = 'm1'");
	ck_assert_str_eq(att, want);
	free(att);
}

#define REOPEN_NOTE "OfficeRnD changed this membership after you cancelled its mailbox: reopen it if the " \
		    "member should get mail again"

START_TEST(test_operator_cancel_sticks_through_updates)
{
	struct ev_spec c = { .type = "membership.created", .id = "m1", .location = LOC_1, .version_ms = V(1) };
	ck_assert_int_eq(run(&c).result, SYNC_APPLIED);
	operator_cancel("m1");
	/* A newer update on a linked plan would reactivate an OfficeRnD-cancelled mailbox: not this one. */
	struct ev_spec up = { .type = "membership.updated", .id = "m1", .plan = PLAN_B, .location = LOC_1, .version_ms = V(2) };
	struct sync_outcome o = run(&up);
	ck_assert_int_eq(o.result, SYNC_APPLIED);
	ck_assert_msg(strstr(o.message, "stays cancelled: you cancelled it"), "%s", o.message);
	ck_assert_int_eq(count("SELECT count(*) FROM mailboxes WHERE status = 'cancelled' AND cancelled_by = 'operator' "
			       "AND offering_id = (SELECT id FROM offerings WHERE name = 'Basic')"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM invitations WHERE state = 'pending'"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox"), 1); /* no second invitation email */
	ck_assert_int_eq(count("SELECT version_ms FROM memberships"), V(2)); /* the state is still recorded */
	assert_attention(REOPEN_NOTE);
	/* The membership ends: OfficeRnD now agrees with the cancel, so nothing needs attention. */
	struct ev_spec end = { .type = "membership.updated", .id = "m1", .location = LOC_1, .end = "2026-11-01",
			       .version_ms = V(3) };
	o = run(&end);
	ck_assert_msg(strstr(o.message, "stays cancelled (you cancelled it; the membership ended"), "%s", o.message);
	assert_attention("");
	/* An older event still changes nothing. */
	ck_assert_int_eq(run(&up).result, SYNC_SKIPPED);
	assert_attention("");
}
END_TEST

START_TEST(test_operator_cancel_sticks_through_reconciliation)
{
	struct ev_spec c = { .type = "membership.created", .id = "m1", .location = LOC_1, .version_ms = V(1) };
	ck_assert_int_eq(run(&c).result, SYNC_APPLIED);
	operator_cancel("m1");
	/* The event a check of OfficeRnD synthesizes for a newer version of the membership. */
	char modified[32], *id;
	reconcile_format_ms(V(2), modified, sizeof(modified));
	struct orn_membership m = { .id = "m1", .member = "u1", .plan = PLAN_A, .location = LOC_1, .start_date = "",
				    .name = "", .status = "approved", .calculated_status = "active",
				    .created_at = modified, .modified_at = modified, .is_personal = 1 };
	char *body = reconcile_event_body(&m, EVENT_UPDATED, NOW_MS, &id);
	struct event e;
	struct sync_prepared prep;
	struct sync_outcome out;
	memset(&prep, 0, sizeof(prep));
	ck_assert_int_eq(event_parse(body, strlen(body), &e, NULL, 0), 0);
	ck_assert_int_eq(membership_sync_prepare(db, op, &e, &fetch, NOW_MS, &prep, &out), 0);
	ck_assert_int_eq(db_begin(db), 0);
	ck_assert_int_eq(membership_sync_apply(db, op, &e, &prep, NOW_MS, &out), 0);
	ck_assert_int_eq(db_commit(db), 0);
	ck_assert_msg(strstr(out.message, "stays cancelled"), "%s", out.message);
	ck_assert_int_eq(count("SELECT count(*) FROM mailboxes WHERE status = 'cancelled'"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox"), 1);
	assert_attention(REOPEN_NOTE);
	sync_prepared_clear(&prep);
	event_clear(&e);
	free(body);
	free(id);
}
END_TEST

START_TEST(test_reopen_applies_the_latest_membership)
{
	struct ev_spec c = { .type = "membership.created", .id = "m1", .location = LOC_1, .version_ms = V(1) };
	ck_assert_int_eq(run(&c).result, SYNC_APPLIED);
	operator_cancel("m1");
	struct ev_spec up = { .type = "membership.updated", .id = "m1", .plan = PLAN_B, .location = LOC_1, .version_ms = V(2) };
	run(&up);
	struct sync_outcome o = reopen("m1");
	ck_assert_int_eq(o.result, SYNC_APPLIED);
	ck_assert_msg(strstr(o.message, "reactivated with a new invitation; offering changed"), "%s", o.message);
	ck_assert_int_eq(count("SELECT count(*) FROM mailboxes WHERE status = 'active' AND cancelled_by = '' "
			       "AND cancelled_at IS NULL AND offering_id = (SELECT id FROM offerings WHERE name = 'Premium')"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM invitations WHERE state = 'pending'"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox WHERE state = 'queued'"), 1);
	assert_attention("");
	/* Open again, it follows OfficeRnD as before: a later end cancels it (OfficeRnD's cancel). */
	struct ev_spec end = { .type = "membership.updated", .id = "m1", .location = LOC_1, .end = "2026-11-01",
			       .version_ms = V(3) };
	run(&end);
	ck_assert_int_eq(count("SELECT count(*) FROM mailboxes WHERE status = 'cancelled' AND cancelled_by = 'officernd'"), 1);
	o = reopen("m1"); /* not the operator's cancel: nothing to reopen here */
	ck_assert_int_eq(o.result, SYNC_SKIPPED);
	ck_assert_int_eq(count("SELECT count(*) FROM mailboxes WHERE status = 'cancelled'"), 1);
}
END_TEST

START_TEST(test_reopen_refused_when_officernd_says_no)
{
	struct ev_spec c = { .type = "membership.created", .id = "m1", .location = LOC_1, .version_ms = V(1) };
	run(&c);
	operator_cancel("m1");
	struct ev_spec x = { .type = "membership.updated", .id = "m1", .plan = PLAN_X, .location = LOC_1, .version_ms = V(2) };
	run(&x);
	struct sync_outcome o = reopen("m1");
	ck_assert_int_eq(o.result, SYNC_SKIPPED);
	ck_assert_msg(strstr(o.message, "plan planX is not linked"), "%s", o.message);
	ck_assert_int_eq(count("SELECT count(*) FROM mailboxes WHERE status = 'cancelled' AND cancelled_by = 'operator'"), 1);

	/* Removed after the operator's cancel: just recorded; then it cannot be reopened. */
	struct ev_spec r = { .type = "membership.removed", .id = "m1", .version_ms = V(3) };
	o = run(&r);
	ck_assert_int_eq(o.result, SYNC_APPLIED);
	ck_assert_msg(strstr(o.message, "already cancelled (by you)"), "%s", o.message);
	ck_assert_int_eq(count("SELECT removed FROM memberships"), 1);
	o = reopen("m1");
	ck_assert_int_eq(o.result, SYNC_SKIPPED);
	ck_assert_msg(strstr(o.message, "removed in OfficeRnD"), "%s", o.message);
	ck_assert_int_eq(count("SELECT count(*) FROM mailboxes WHERE status = 'cancelled'"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox"), 1);
}
END_TEST

START_TEST(test_removed_never_claims_an_accepted_invitation_was_revoked)
{
	struct ev_spec c = { .type = "membership.created", .id = "m1", .location = LOC_1, .version_ms = V(1) };
	run(&c);
	ck_assert_int_eq(db_exec(db, "UPDATE invitations SET state = 'accepted', accepted_at = 1"), 0);
	struct ev_spec r = { .type = "membership.removed", .id = "m1", .version_ms = V(2) };
	struct sync_outcome o = run(&r);
	ck_assert_str_eq(o.message, "membership removed: mailbox 101 cancelled");
	ck_assert_int_eq(count("SELECT count(*) FROM invitations WHERE state = 'accepted'"), 1);
}
END_TEST

START_TEST(test_officernd_errors)
{
	struct ev_spec c = { .type = "membership.created", .id = "m1", .member = "gone", .location = LOC_1, .version_ms = V(1) };
	fake.member_status = ORN_ERR_NOT_FOUND;
	struct sync_outcome o = run(&c);
	ck_assert_int_eq(o.result, SYNC_FAILED);
	ck_assert_str_eq(o.message, "the member gone was not found in OfficeRnD: check it there, then retry");
	fake.member_status = ORN_ERR_SERVER;
	o = run(&c);
	ck_assert_int_eq(o.result, SYNC_RETRY);
	ck_assert_int_eq(o.error.status, ORN_ERR_SERVER);
	fake.member_status = ORN_ERR_NOT_CONFIGURED;
	o = run(&c);
	ck_assert_int_eq(o.result, SYNC_FAILED);
	ck_assert_msg(strstr(o.message, "OfficeRnD is not connected"), "%s", o.message);
	ck_assert_int_eq(count("SELECT count(*) FROM mailboxes"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM memberships"), 0); /* nothing recorded */

	/* An unknown company only loses its name; a company that cannot be read now is retried. */
	fake.member_status = ORN_OK;
	fake.company_status = ORN_ERR_TIMEOUT;
	c.company = "co1";
	ck_assert_int_eq(run(&c).result, SYNC_RETRY);
	fake.company_status = ORN_ERR_NOT_FOUND;
	ck_assert_int_eq(run(&c).result, SYNC_APPLIED);
	char *co = text("SELECT company_name || '|' || officernd_company_id FROM renters");
	ck_assert_str_eq(co, "|co1");
	free(co);
}
END_TEST

START_TEST(test_ended)
{
	struct event_membership m;
	memset(&m, 0, sizeof(m));
	int64_t day_start, t;
	ck_assert_int_eq(time_parse_iso_ms("2026-11-18", &day_start), 0);
	m.end_date = "2026-11-18"; /* a date runs through its whole day */
	ck_assert_int_eq(membership_sync_ended(&m, day_start + 3600000), 0);
	ck_assert_int_eq(membership_sync_ended(&m, day_start + 86400000), 1);
	m.end_date = "2026-11-18T12:00:00.000Z";
	ck_assert_int_eq(time_parse_iso_ms(m.end_date, &t), 0);
	ck_assert_int_eq(membership_sync_ended(&m, t - 1), 0);
	ck_assert_int_eq(membership_sync_ended(&m, t), 1);
	m.end_date = NULL;
	ck_assert_int_eq(membership_sync_ended(&m, t), 0);
	m.calculated_status = "expired";
	ck_assert_int_eq(membership_sync_ended(&m, t), 1);
}
END_TEST

/* -- the inbox ------------------------------------------------------------------------------ */

static int64_t inbox_add(const char *key, const char *membership)
{
	struct webhook_event_new e = { key, "membership.updated", membership, "{}", 2, "pending", "", 100 };
	int64_t id = 0;
	ck_assert_int_eq(webhook_event_insert(db, op, &e, &id), 0);
	return id;
}

START_TEST(test_inbox_dedupe_and_claims)
{
	struct webhook_event_new dup = { "k1", "membership.updated", "mA", "{}", 2, "pending", "", 100 };
	int64_t a1 = inbox_add("k1", "mA"), id = 0;
	ck_assert_int_eq(webhook_event_insert(db, op, &dup, &id), 1);
	int64_t a2 = inbox_add("k2", "mA"), b1 = inbox_add("k3", "mB");
	struct webhook_event_claimed c1, c2, c3;
	/* Worker one gets the oldest event; worker two the other membership, never mA's second one. */
	ck_assert_int_eq(webhook_event_claim_next(db, "w1", 1000, 60, &c1), 1);
	ck_assert_int_eq(c1.id, a1);
	ck_assert_str_eq(c1.body, "{}");
	ck_assert_int_eq(webhook_event_claim_next(db, "w2", 1000, 60, &c2), 1);
	ck_assert_int_eq(c2.id, b1);
	ck_assert_int_eq(webhook_event_claim_next(db, "w2", 1000, 60, &c3), 0);
	/* A lease that ran out is taken over; the old holder can then record nothing. */
	ck_assert_int_eq(webhook_event_claim_next(db, "w3", 1061, 60, &c3), 1);
	ck_assert_int_eq(c3.id, a1);
	ck_assert_int_eq(webhook_event_finish(db, op, a1, "w1", "applied", "x", 1062), 1);
	ck_assert_int_eq(webhook_event_finish(db, op, a1, "w3", "applied", "done", 1062), 0);
	/* A lapsed lease nobody took over still lets its holder finish. */
	ck_assert_int_eq(webhook_event_finish(db, op, b1, "w2", "applied", "done", 1062), 0);
	/* Now mA's next event is due. */
	webhook_event_claimed_clear(&c3);
	ck_assert_int_eq(webhook_event_claim_next(db, "w3", 1062, 60, &c3), 1);
	ck_assert_int_eq(c3.id, a2);
	/* Deferred: not due before its time, and it holds back nothing but its own membership. */
	ck_assert_int_eq(webhook_event_defer(db, op, a2, "w3", 2000, 1, "later"), 0);
	webhook_event_claimed_clear(&c3);
	ck_assert_int_eq(webhook_event_claim_next(db, "w3", 1999, 60, &c3), 0);
	ck_assert_int_eq(webhook_event_claim_next(db, "w3", 2000, 60, &c3), 1);
	ck_assert_int_eq(c3.id, a2);
	ck_assert_int_eq(c3.attempts, 1);
	/* The holders of live claims, and releasing a dead one's. */
	char **ids;
	size_t n;
	ck_assert_int_eq(webhook_event_claimants(db, 2000, &ids, &n), 0);
	ck_assert_int_eq(n, 1); /* w2's lease ran out at 1060: only w3 holds a live claim */
	ck_assert_str_eq(ids[0], "w3");
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	ck_assert_int_eq(webhook_event_release_claims(db, "w3"), 1);
	ck_assert_int_eq(webhook_event_finish(db, op, a2, "w3", "applied", "x", 2001), 1);
	webhook_event_claimed_clear(&c1);
	webhook_event_claimed_clear(&c2);
	webhook_event_claimed_clear(&c3);
}
END_TEST

/* The worker's batch claim: at most one event per membership (its oldest), oldest first, at most
 * max; the one-statement insert with a kept statement dedupes inside a caller's transaction. */
/* Two hosts' workers claim at once (PostgreSQL): the second takes the rows the first has not
 * locked, without waiting for it, and never one the first holds. */
START_TEST(test_inbox_claims_skip_rows_another_worker_holds)
{
	if (db_engine(db) != DB_POSTGRES)
		return; /* SQLite serializes the two claims instead: nothing to skip */
	int64_t a1 = inbox_add("k1", "mA"), b1 = inbox_add("k2", "mB");
	char *conninfo = test_db_conninfo(NULL);
	struct db *other = db_open(conninfo);
	free(conninfo);
	ck_assert_ptr_nonnull(other);
	/* The first worker is inside its claim, holding the oldest row. */
	ck_assert_int_eq(db_begin_claim(db), 0);
	struct db_stmt *st = db_prepare_claim(db, webhook_event_sql_claim, "e");
	db_bind_int64(st, 1, 1000);
	db_bind_int64(st, 2, 1);
	ck_assert_int_eq(db_step(st), DB_ROW);
	ck_assert_int_eq(db_col_int64(st, 0), a1);
	db_finalize(st);
	struct webhook_event_claimed *items;
	size_t n;
	ck_assert_int_eq(webhook_event_claim_batch(other, "w2", 1000, 60, 10, &items, &n), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(items[0].id, b1);
	webhook_event_claimed_clear(&items[0]);
	free(items);
	ck_assert_int_eq(db_commit(db), 0);
	db_close(other);
}
END_TEST

START_TEST(test_inbox_batch_claim_and_kept_insert)
{
	int64_t a1 = inbox_add("k1", "mA"), b1 = inbox_add("k2", "mB");
	inbox_add("k3", "mA");
	int64_t c1 = inbox_add("k4", "mC");
	struct db_stmt *st = webhook_event_insert_prepare(db);
	struct webhook_event_new dup = { "k4", "membership.updated", "mC", "{}", 2, "pending", "", 100 };
	struct webhook_event_new d1 = { "k5", "membership.updated", "mD", "{}", 2, "pending", "", 100 };
	int64_t id = 0;
	ck_assert_int_eq(db_begin(db), 0);
	ck_assert_int_eq(webhook_event_insert_with(st, op, &dup, &id), 1);
	ck_assert_int_eq(webhook_event_insert_with(st, op, &d1, &id), 0);
	ck_assert_int_eq(webhook_event_insert_with(st, op, &d1, &id), 1); /* twice in one batch */
	ck_assert_int_eq(db_commit(db), 0);
	db_finalize(st);
	struct webhook_event_claimed *items;
	size_t n;
	ck_assert_int_eq(webhook_event_claim_batch(db, "w", 1000, 60, 3, &items, &n), 0);
	ck_assert_int_eq(n, 3);
	ck_assert_int_eq(items[0].id, a1);
	ck_assert_int_eq(items[1].id, b1);
	ck_assert_int_eq(items[2].id, c1);
	for (size_t i = 0; i < n; i++)
		webhook_event_claimed_clear(&items[i]);
	free(items);
	/* Left: mD's event; mA's second waits for its first. */
	ck_assert_int_eq(webhook_event_claim_batch(db, "w2", 1000, 60, 10, &items, &n), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(items[0].id, id);
	webhook_event_claimed_clear(&items[0]);
	free(items);
}
END_TEST

START_TEST(test_inbox_retry_and_list)
{
	int64_t a = inbox_add("k1", "mA"), b = inbox_add("k2", "mB");
	struct webhook_event_claimed c;
	ck_assert_int_eq(webhook_event_claim_next(db, "w", 10, 60, &c), 1);
	ck_assert_int_eq(webhook_event_finish(db, op, a, "w", "failed", "member gone", 11), 0);
	webhook_event_claimed_clear(&c);
	ck_assert_int_eq(webhook_event_retry(db, op, b), 1);     /* pending: not failed */
	ck_assert_int_eq(webhook_event_retry(db, op + 1, a), -1); /* another operator's */
	ck_assert_int_eq(webhook_event_retry(db, op, 999), -1);
	struct webhook_event_view *items;
	size_t n;
	struct webhook_event_filter f = { "failed", NULL, 0, 10 };
	ck_assert_int_eq(webhook_event_list(db, op, &f, &items, &n), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(items[0].outcome, "member gone");
	free(items);
	f = (struct webhook_event_filter){ NULL, "B", 0, 10 };
	ck_assert_int_eq(webhook_event_list(db, op, &f, &items, &n), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(items[0].id, b);
	free(items);
	ck_assert_int_eq(webhook_event_list(db, op + 1, &f, &items, &n), 0);
	ck_assert_int_eq(n, 0);
	free(items);
	int64_t counts[5];
	ck_assert_int_eq(webhook_event_counts(db, op, counts), 0);
	ck_assert_int_eq(counts[0], 1); /* pending */
	ck_assert_int_eq(counts[4], 1); /* failed */
	ck_assert_int_eq(webhook_event_retry(db, op, a), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM webhook_events WHERE state = 'pending' AND attempts = 0"), 2);
}
END_TEST

static Suite *sync_suite(void)
{
	Suite *s = suite_create("membership_sync");
	TCase *rules = tcase_create("rules");
	tcase_add_checked_fixture(rules, setup, teardown);
	tcase_set_timeout(rules, 30);
	tcase_add_test(rules, test_created_then_repeated);
	tcase_add_test(rules, test_mailbox_made_meanwhile_is_updated_not_doubled);
	tcase_add_test(rules, test_mailbox_gone_meanwhile_asks_for_a_retry);
	tcase_add_test(rules, test_older_and_removed);
	tcase_add_test(rules, test_unlinked_plan_location_and_hold);
	tcase_add_test(rules, test_end_cancels_and_reactivation_reinvites);
	tcase_add_test(rules, test_officernd_errors);
	tcase_add_test(rules, test_ended);
	tcase_add_test(rules, test_operator_cancel_sticks_through_updates);
	tcase_add_test(rules, test_operator_cancel_sticks_through_reconciliation);
	tcase_add_test(rules, test_reopen_applies_the_latest_membership);
	tcase_add_test(rules, test_reopen_refused_when_officernd_says_no);
	tcase_add_test(rules, test_removed_never_claims_an_accepted_invitation_was_revoked);
	suite_add_tcase(s, rules);
	TCase *inbox = tcase_create("inbox");
	tcase_add_checked_fixture(inbox, setup, teardown);
	tcase_set_timeout(inbox, 30);
	tcase_add_test(inbox, test_inbox_dedupe_and_claims);
	tcase_add_test(inbox, test_inbox_retry_and_list);
	tcase_add_test(inbox, test_inbox_batch_claim_and_kept_insert);
	tcase_add_test(inbox, test_inbox_claims_skip_rows_another_worker_holds);
	suite_add_tcase(s, inbox);
	return s;
}

CHECK_MAIN(sync_suite)
