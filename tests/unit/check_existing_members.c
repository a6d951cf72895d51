/*
 * check_existing_members.c: "Existing members" (issue 10). The grouping rule
 * (domain/existing_members.h: match, new, skip and why), and the store (store/member_import.h) on
 * a real, migrated SQLite store: asking for a load, its claim and takeover, pages kept or left
 * out, grouping, ticks that are refused whole, and an import that never makes a second mailbox or
 * a second invitation. The load against the simulator and the worker killed mid-import are in
 * tests/e2e/test_import.py.
 */
#include "check_helpers.h"
#include "check_store_fixture.h"
#include "domain/existing_members.h"
#include "domain/provision.h"
#include "store/db.h"
#include "store/mailboxes.h"
#include "store/member_import.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOW ((int64_t)1795000000) /* 2026-11-18 */
#define NOW_MS (NOW * 1000)
#define LEASE 120

/* ---- the grouping rule ----------------------------------------------------------------------- */

static struct member_import_row good_row(void)
{
	struct member_import_row r;
	memset(&r, 0, sizeof(r));
	r.id = 7;
	str_copy(r.membership_id, sizeof(r.membership_id), "ms1");
	str_copy(r.member_id, sizeof(r.member_id), "mem1");
	r.member_found = 1;
	str_copy(r.name, sizeof(r.name), "Ada Lovelace");
	str_copy(r.email, sizeof(r.email), "ada@example.com");
	str_copy(r.plan_id, sizeof(r.plan_id), "plan1");
	str_copy(r.location_id, sizeof(r.location_id), "loc1");
	str_copy(r.location_name, sizeof(r.location_name), "Downtown Hub");
	str_copy(r.status, sizeof(r.status), "approved");
	str_copy(r.calculated_status, sizeof(r.calculated_status), "active");
	return r;
}

static const struct existing_facts linked = { .offering_id = 3, .space_id = 4 };

static enum existing_group group(const struct member_import_row *r, const struct existing_facts *f, char *reason)
{
	return existing_members_group(r, f, NOW_MS, reason, 256);
}

START_TEST(a_linked_approved_membership_is_new)
{
	struct member_import_row r = good_row();
	char reason[256];
	ck_assert_int_eq(group(&r, &linked, reason), EXISTING_NEW);
	ck_assert_str_eq(reason, "");
	r.email[0] = '\0';
	ck_assert_int_eq(group(&r, &linked, reason), EXISTING_NEW);
	ck_assert_str_eq(reason, "no email address: the mailbox gets no invitation");
	/* Not started yet is not ended: it gets its mailbox like a webhook would give it. */
	r = good_row();
	str_copy(r.calculated_status, sizeof(r.calculated_status), "not_started");
	ck_assert_int_eq(group(&r, &linked, reason), EXISTING_NEW);
	str_copy(r.end_date, sizeof(r.end_date), "2026-11-18"); /* ends today: runs to the day's end */
	ck_assert_int_eq(group(&r, &linked, reason), EXISTING_NEW);
}
END_TEST

START_TEST(a_hand_made_mailbox_with_the_email_is_a_match)
{
	struct member_import_row r = good_row();
	struct existing_facts f = linked;
	char reason[256];
	f.match_mailbox_id = 12;
	str_copy(f.match_pmb, sizeof(f.match_pmb), "105");
	ck_assert_int_eq(group(&r, &f, reason), EXISTING_MATCH);
	ck_assert_str_eq(reason, "connects mailbox PMB 105 (same email)");
	/* A skip reason wins over a match: an ended membership connects nothing. */
	str_copy(r.end_date, sizeof(r.end_date), "2026-10-01");
	ck_assert_int_eq(group(&r, &f, reason), EXISTING_SKIP);
	ck_assert_str_eq(reason, "the membership ended on 2026-10-01");
}
END_TEST

START_TEST(skip_says_why)
{
	struct member_import_row r = good_row();
	struct existing_facts f = linked;
	char reason[256];
	f.mailbox_id = 9;
	str_copy(f.mailbox_pmb, sizeof(f.mailbox_pmb), "101");
	ck_assert_int_eq(group(&r, &f, reason), EXISTING_SKIP);
	ck_assert_str_eq(reason, "it has a mailbox already (PMB 101)");
	f = linked;
	f.offering_id = 0;
	ck_assert_int_eq(group(&r, &f, reason), EXISTING_SKIP);
	ck_assert_str_eq(reason, "its plan is no longer linked to a mailbox offering");
	str_copy(r.calculated_status, sizeof(r.calculated_status), "expired");
	ck_assert_int_eq(group(&r, &linked, reason), EXISTING_SKIP);
	ck_assert_str_eq(reason, "the membership has expired");
	r = good_row();
	str_copy(r.status, sizeof(r.status), "not_approved");
	ck_assert_int_eq(group(&r, &linked, reason), EXISTING_SKIP);
	ck_assert_str_eq(reason, "the membership is not approved in OfficeRnD");
	r = good_row();
	r.location_id[0] = '\0';
	ck_assert_int_eq(group(&r, &linked, reason), EXISTING_SKIP);
	ck_assert_str_eq(reason, "the membership has no location");
	r = good_row();
	f = linked;
	f.space_id = 0;
	ck_assert_int_eq(group(&r, &f, reason), EXISTING_SKIP);
	ck_assert_str_eq(reason, "its location Downtown Hub is not linked to a space");
	r.location_name[0] = '\0';
	ck_assert_int_eq(group(&r, &f, reason), EXISTING_SKIP);
	ck_assert_str_eq(reason, "its location loc1 is not linked to a space");
	r = good_row();
	r.member_found = 0;
	ck_assert_int_eq(group(&r, &linked, reason), EXISTING_SKIP);
	ck_assert_str_eq(reason, "its member mem1 was not found in OfficeRnD");
}
END_TEST

/* ---- the store ------------------------------------------------------------------------------- */

static struct store_fixture fx;
static struct db *db;
static int64_t op, op2, space, offering;

static void exec(const char *sql)
{
	ck_assert_int_eq(db_exec(db, sql), 0);
}

static void setup(void)
{
	fixture_store_open(&fx, "existing-members");
	db = fx.db;
	op = fx.op;
	op2 = fx.op2;
	char *sql = xasprintf("INSERT INTO spaces(id, operator_id, name, created_at) VALUES (41, %lld, 'Downtown', 0);"
			      "INSERT INTO offerings(id, operator_id, name, monthly_price, created_at) VALUES "
			      "(31, %lld, 'Basic', 1000, 0);", (long long)op, (long long)op);
	exec(sql);
	free(sql);
	space = 41;
	offering = 31;
}

static void teardown(void)
{
	fixture_store_close(&fx);
	db = NULL;
}

static void link_plan_and_location(void)
{
	char *sql = xasprintf("INSERT INTO plan_links(operator_id, plan_id, plan_name, offering_id) VALUES "
			      "(%lld, 'plan1', 'Virtual Office', 31);"
			      "INSERT INTO location_links(operator_id, location_id, location_name, space_id) VALUES "
			      "(%lld, 'loc1', 'Downtown Hub', 41);", (long long)op, (long long)op);
	exec(sql);
	free(sql);
}

static struct orn_membership membership(char *id, char *member, char *plan, char *location)
{
	static char empty[] = "", approved[] = "approved", active[] = "active", start[] = "2024-01-01",
		    modified[] = "2024-01-01T10:00:00.000Z";
	struct orn_membership m = {
		.id = id, .member = member, .plan = plan, .start_date = start, .location = location,
		.name = empty, .status = approved, .calculated_status = active, .created_at = modified,
		.modified_at = modified, .is_personal = 1,
	};
	return m;
}

static int always_dead(const char *mine, const char *holder)
{
	(void)mine;
	(void)holder;
	return 1;
}

static int64_t count(const char *sql)
{
	struct db_stmt *st = db_prepare(db, sql);
	return db_count(st);
}

/* A manual mailbox for email, as the Mailboxes page makes it (with its invitation). */
static int64_t hand_made(const char *name, const char *email)
{
	struct renter_fields r = { .name = name, .email = email, .company_name = "" };
	struct mailbox_fields f = { .space_id = space, .offering_id = offering, .source = "manual", .needs_attention = "" };
	ck_assert_int_eq(db_begin(db), 0);
	int64_t id = provision_mailbox(db, op, &r, &f, NOW, NULL);
	ck_assert_int_gt(id, 0);
	ck_assert_int_eq(db_commit(db), 0);
	return id;
}

/* Loads the memberships given, with their members (one page each), and groups them. */
static void load_pages(struct orn_membership *ms, size_t n, struct orn_member *members, size_t nm)
{
	struct member_import_load at;
	ck_assert_int_eq(member_import_request(db, op, NOW), MEMBER_IMPORT_ASKED);
	ck_assert_int_eq(member_import_load_claim(db, op, "w1", NOW, LEASE, NULL, &at), 1);
	ck_assert_str_eq(at.phase, MEMBER_IMPORT_PHASE_MEMBERSHIPS);
	member_import_load_clear(&at);
	struct member_import_page pg = { "w1", NULL, NOW, LEASE };
	ck_assert_int_eq(member_import_put_memberships(db, op, &pg, ms, n, existing_members_keep, NULL), 0);
	ck_assert_int_eq(member_import_load_position(db, op, "w1", &at), 1);
	if (str_eq(at.phase, MEMBER_IMPORT_PHASE_MEMBERS))
		ck_assert_int_eq(member_import_put_members(db, op, &pg, members, nm), 0);
	member_import_load_clear(&at);
	int64_t last;
	ck_assert_int_eq(existing_members_group_batch(db, op, "w1", 0, 100, NOW_MS, LEASE, &last), 0);
}

static int64_t row_id(const char *membership_id)
{
	char *sql = xasprintf("SELECT id FROM member_import_rows WHERE membership_id = '%s'", membership_id);
	int64_t id = count(sql);
	free(sql);
	return id;
}

START_TEST(load_asks_only_when_it_can_work)
{
	ck_assert_int_eq(member_import_request(db, op2, NOW), MEMBER_IMPORT_NOT_CONFIGURED);
	ck_assert_int_eq(member_import_request(db, op, NOW), MEMBER_IMPORT_NO_PLANS);
	link_plan_and_location();
	ck_assert_int_eq(member_import_request(db, op, NOW), MEMBER_IMPORT_ASKED);
	struct member_import_status s;
	ck_assert_int_eq(member_import_status_get(db, op, &s), 0);
	ck_assert_str_eq(s.load_state, "queued");
	ck_assert_int_eq(member_import_status_get(db, op2, &s), 0);
	ck_assert_str_eq(s.load_state, "");
}
END_TEST

START_TEST(a_load_is_one_workers_and_a_dead_workers_load_is_taken_over)
{
	struct member_import_load at;
	link_plan_and_location();
	ck_assert_int_eq(member_import_request(db, op, NOW), MEMBER_IMPORT_ASKED);
	ck_assert_int_eq(member_import_load_claim(db, op, "w1", NOW, LEASE, NULL, &at), 1);
	member_import_load_clear(&at);
	ck_assert_int_eq(member_import_load_claim(db, op, "w2", NOW + 1, LEASE, NULL, &at), 0);
	char id1[] = "ms1", id2[] = "ms2", mem[] = "mem1", plan[] = "plan1", loc[] = "loc1";
	struct orn_membership ms[] = { membership(id1, mem, plan, loc) };
	struct member_import_page pg = { "w1", "cursor-2", NOW, LEASE };
	ck_assert_int_eq(member_import_put_memberships(db, op, &pg, ms, 1, existing_members_keep, NULL), 0);
	/* w1 dies: w2 goes on from the next page, not from the start. */
	ck_assert_int_eq(member_import_load_claim(db, op, "w2", NOW + 2, LEASE, always_dead, &at), 1);
	ck_assert_str_eq(at.phase, MEMBER_IMPORT_PHASE_MEMBERSHIPS);
	ck_assert_str_eq(at.cursor, "cursor-2");
	member_import_load_clear(&at);
	/* A page w1 fetched before dying is not stored. */
	ms[0] = membership(id2, mem, plan, loc);
	ck_assert_int_eq(member_import_put_memberships(db, op, &pg, ms, 1, existing_members_keep, NULL), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM member_import_rows"), 1);
	/* Asking again starts over: the holder's next page finds its claim gone. */
	ck_assert_int_eq(member_import_request(db, op, NOW + 3), MEMBER_IMPORT_ASKED);
	pg.worker = "w2";
	ck_assert_int_eq(member_import_put_memberships(db, op, &pg, ms, 1, existing_members_keep, NULL), 1);
	ck_assert_int_eq(member_import_load_claim(db, op, "w3", NOW + 4, LEASE, NULL, &at), 1);
	ck_assert_ptr_null(at.cursor);
	member_import_load_clear(&at);
	ck_assert_int_eq(count("SELECT count(*) FROM member_import_rows"), 0);
}
END_TEST

START_TEST(only_linked_memberships_without_a_mailbox_are_kept_and_grouped)
{
	link_plan_and_location();
	int64_t hand = hand_made("Grace by hand", "GRACE@example.com");
	char a[] = "ms-a", b[] = "ms-b", c[] = "ms-c", d[] = "ms-d", e[] = "ms-e";
	char ada[] = "mem-ada", grace[] = "mem-grace", gone[] = "mem-gone";
	char plan[] = "plan1", desk[] = "desk", loc[] = "loc1", river[] = "river";
	/* c already has a mailbox (from a webhook). */
	struct renter_fields rf = { .name = "C", .email = "c@example.com", .officernd_member_id = "mem-c" };
	struct mailbox_fields mf = { .space_id = space, .offering_id = offering, .source = "officernd",
				     .officernd_membership_id = "ms-c", .needs_attention = "" };
	ck_assert_int_eq(db_begin(db), 0);
	ck_assert_int_gt(provision_mailbox(db, op, &rf, &mf, NOW, NULL), 0);
	ck_assert_int_eq(db_commit(db), 0);
	struct orn_membership ms[] = { membership(a, ada, plan, loc), membership(b, ada, desk, loc),
				       membership(c, ada, plan, loc), membership(d, grace, plan, loc),
				       membership(e, gone, plan, river) };
	static char n_ada[] = "Ada", e_ada[] = "ada@example.com", n_grace[] = "Grace", e_grace[] = "grace@example.com",
		    none[] = "";
	struct orn_member members[] = { { ada, n_ada, e_ada, none, NULL }, { grace, n_grace, e_grace, none, NULL } };
	load_pages(ms, 5, members, 2);
	struct member_import_status s;
	ck_assert_int_eq(member_import_status_get(db, op, &s), 0);
	ck_assert_str_eq(s.load_state, "loaded");
	ck_assert_int_eq(s.listed, 5);
	ck_assert_int_eq(s.rows, 3); /* a, d, e: not the desk plan, not the one with a mailbox */
	ck_assert_int_eq(s.n_new, 1);
	ck_assert_int_eq(s.n_match, 1);
	ck_assert_int_eq(s.n_skip, 1);
	struct member_import_row r;
	ck_assert_int_eq(member_import_row_get(db, op, row_id("ms-d"), &r), 0);
	ck_assert_str_eq(r.grp, "match");
	ck_assert_int_eq(r.match_mailbox_id, hand);
	ck_assert_str_eq(r.plan_name, "Virtual Office");
	ck_assert_int_eq(member_import_row_get(db, op, row_id("ms-e"), &r), 0);
	ck_assert_str_eq(r.grp, "skip");
	ck_assert_str_eq(r.reason, "its location river is not linked to a space");
	/* Another operator reads none of it. */
	ck_assert_int_eq(member_import_row_get(db, op2, row_id("ms-d"), &r), 1);
	struct member_import_row *rows;
	size_t n;
	ck_assert_int_eq(member_import_list(db, op2, "new", 0, 100, &rows, &n), 0);
	ck_assert_int_eq(n, 0);
	free(rows);
	struct member_import_count *counts;
	ck_assert_int_eq(member_import_counts_by_plan(db, op, &counts, &n), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(counts[0].name, "Virtual Office");
	ck_assert_int_eq(counts[0].n_new + counts[0].n_match + counts[0].n_skip, 3);
	free(counts);
}
END_TEST

/* Loads two memberships (Ada new, Grace matching a hand-made mailbox) and one ended. */
static int64_t load_three(void)
{
	link_plan_and_location();
	int64_t hand = hand_made("Grace by hand", "grace@example.com");
	char a[] = "ms-a", d[] = "ms-d", x[] = "ms-x", ada[] = "mem-ada", grace[] = "mem-grace", plan[] = "plan1",
	     loc[] = "loc1", ended[] = "2025-01-31";
	struct orn_membership ms[] = { membership(a, ada, plan, loc), membership(d, grace, plan, loc),
				       membership(x, ada, plan, loc) };
	ms[2].end_date = ended;
	static char n_ada[] = "Ada", e_ada[] = "ada@example.com", n_grace[] = "Grace", e_grace[] = "grace@example.com",
		    none[] = "";
	struct orn_member members[] = { { ada, n_ada, e_ada, none, NULL }, { grace, n_grace, e_grace, none, NULL } };
	load_pages(ms, 3, members, 2);
	return hand;
}

static int import_now(int64_t id)
{
	char msg[600];
	ck_assert_int_eq(db_begin(db), 0);
	int rc = existing_members_import(db, op, id, NOW_MS, msg, sizeof(msg));
	ck_assert_int_ge(rc, 0);
	ck_assert_int_eq(db_commit(db), 0);
	return rc;
}

START_TEST(bad_ticks_refuse_the_whole_form)
{
	load_three();
	int64_t ada = row_id("ms-a"), ended = row_id("ms-x");
	struct member_import_row bad;
	size_t queued = 9;
	int64_t unknown[] = { ada, 999999 };
	struct member_import_ticks t = { unknown, 2, 0, 0, 1 };
	ck_assert_int_eq(member_import_queue(db, op, &t, &queued, &bad), MEMBER_IMPORT_UNKNOWN_ROW);
	ck_assert_int_eq(bad.id, 999999);
	ck_assert_int_eq(queued, 0);
	int64_t skip[] = { ada, ended };
	t.row_ids = skip;
	ck_assert_int_eq(member_import_queue(db, op, &t, &queued, &bad), MEMBER_IMPORT_SKIP_ROW);
	ck_assert_str_eq(bad.membership_id, "ms-x");
	/* Another operator's tick on this operator's row: unknown to it. */
	t.row_ids = unknown;
	t.n_rows = 1;
	ck_assert_int_eq(member_import_queue(db, op2, &t, &queued, &bad), MEMBER_IMPORT_UNKNOWN_ROW);
	ck_assert_int_eq(count("SELECT count(*) FROM member_import_rows WHERE import_state <> ''"), 0);
	/* Good ticks queue once; ticking them again queues nothing more. */
	ck_assert_int_eq(member_import_queue(db, op, &t, &queued, &bad), MEMBER_IMPORT_QUEUED);
	ck_assert_int_eq(queued, 1);
	struct member_import_ticks all = { NULL, 0, 1, 1, 1 };
	ck_assert_int_eq(member_import_queue(db, op, &all, &queued, &bad), MEMBER_IMPORT_QUEUED);
	ck_assert_int_eq(queued, 1); /* the match row; Ada's is queued already */
	ck_assert_int_eq(member_import_queue(db, op, &all, &queued, &bad), MEMBER_IMPORT_QUEUED);
	ck_assert_int_eq(queued, 0);
	/* A new load would drop the queued rows: refused while they wait. */
	ck_assert_int_eq(member_import_request(db, op, NOW), MEMBER_IMPORT_IMPORTING);
}
END_TEST

START_TEST(import_makes_one_mailbox_and_one_invitation_however_often_it_runs)
{
	int64_t hand = load_three();
	int64_t ada = row_id("ms-a"), grace = row_id("ms-d");
	struct member_import_row bad;
	size_t queued;
	struct member_import_ticks all = { NULL, 0, 1, 1, 1 };
	ck_assert_int_eq(member_import_queue(db, op, &all, &queued, &bad), MEMBER_IMPORT_QUEUED);
	ck_assert_int_eq(queued, 2);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox"), 1); /* the hand-made mailbox's own */
	ck_assert_int_eq(import_now(ada), 1);
	ck_assert_int_eq(import_now(grace), 1);
	/* Run again (a second worker, a restart): the rows are not queued any more. */
	ck_assert_int_eq(import_now(ada), 0);
	ck_assert_int_eq(import_now(grace), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM mailboxes"), 2);
	ck_assert_int_eq(count("SELECT count(*) FROM invitations"), 2);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox"), 2);
	ck_assert_int_eq(mailbox_find_by_membership(db, op, "ms-d"), hand);
	struct member_import_row r;
	ck_assert_int_eq(member_import_row_get(db, op, grace, &r), 0);
	ck_assert_str_eq(r.import_state, "imported");
	ck_assert_int_eq(r.mailbox_id, hand);
	ck_assert_int_eq(count("SELECT count(*) FROM renters WHERE officernd_member_id = 'mem-grace'"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM memberships WHERE membership_id IN ('ms-a', 'ms-d')"), 2);
	/* Queued again by hand (a stale form): the mailbox exists, nothing more is made. */
	exec("UPDATE member_import_rows SET import_state = 'queued' WHERE membership_id = 'ms-a'");
	ck_assert_int_eq(import_now(ada), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM mailboxes"), 2);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox"), 2);
	ck_assert_int_eq(member_import_row_get(db, op, ada, &r), 0);
	ck_assert_str_eq(r.import_state, "not_imported");
	ck_assert_str_eq(r.outcome, "Not imported: it has a mailbox already (PMB 102).");
}
END_TEST

/* Two workers share an import: each claims rows the other holds no lease on; the rows of a
 * worker killed before importing them come back once its lease has run out. */
START_TEST(workers_claim_different_rows_and_a_dead_ones_after_its_lease)
{
	load_three();
	struct member_import_row bad;
	size_t queued, n1, n2;
	struct member_import_ticks all = { NULL, 0, 1, 1, 1 };
	ck_assert_int_eq(member_import_queue(db, op, &all, &queued, &bad), MEMBER_IMPORT_QUEUED);
	ck_assert_int_eq(queued, 2);
	int64_t *w1, *w2;
	ck_assert_int_eq(member_import_claim_rows(db, op, "w1", NOW, 60, 1, &w1, &n1), 0);
	ck_assert_int_eq(member_import_claim_rows(db, op, "w2", NOW, 60, 5, &w2, &n2), 0);
	ck_assert_uint_eq(n1, 1);
	ck_assert_uint_eq(n2, 1);
	ck_assert_int_ne(w1[0], w2[0]);
	free(w2);
	/* Both held: nothing more to claim until w1's lease ends; w1 "was killed", its row is due again. */
	ck_assert_int_eq(member_import_claim_rows(db, op, "w2", NOW + 30, 60, 5, &w2, &n2), 0);
	ck_assert_uint_eq(n2, 0);
	ck_assert_int_eq(member_import_claim_rows(db, op2, "w2", NOW + 61, 60, 5, &w2, &n2), 0);
	ck_assert_uint_eq(n2, 0); /* another operator's queue is its own */
	ck_assert_int_eq(member_import_claim_rows(db, op, "w2", NOW + 61, 60, 1, &w2, &n2), 0);
	ck_assert_uint_eq(n2, 1);
	ck_assert_int_eq(w2[0], w1[0]);
	ck_assert_int_eq(import_now(w2[0]), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM member_import_rows WHERE import_state = 'imported'"), 1);
	free(w1);
	free(w2);
}
END_TEST

START_TEST(create_without_inviting_queues_no_email)
{
	load_three();
	int64_t ada = row_id("ms-a");
	struct member_import_row bad;
	size_t queued;
	struct member_import_ticks t = { &ada, 1, 0, 0, 0 };
	ck_assert_int_eq(member_import_queue(db, op, &t, &queued, &bad), MEMBER_IMPORT_QUEUED);
	ck_assert_int_eq(import_now(ada), 1);
	int64_t mb = mailbox_find_by_membership(db, op, "ms-a");
	ck_assert_int_gt(mb, 0);
	char *sql = xasprintf("SELECT count(*) FROM invitations WHERE mailbox_id = %lld", (long long)mb);
	ck_assert_int_eq(count(sql), 0);
	free(sql);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox"), 1); /* only the hand-made mailbox's */
	/* Resend invitation works on it later. */
	ck_assert_int_eq(db_begin(db), 0);
	ck_assert_int_eq(provision_reinvite(db, op, mb, NOW), 0);
	ck_assert_int_eq(db_commit(db), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox"), 2);
}
END_TEST

static Suite *existing_members_suite(void)
{
	Suite *s = suite_create("existing_members");
	TCase *g = tcase_create("group");
	tcase_add_test(g, a_linked_approved_membership_is_new);
	tcase_add_test(g, a_hand_made_mailbox_with_the_email_is_a_match);
	tcase_add_test(g, skip_says_why);
	suite_add_tcase(s, g);
	TCase *st = tcase_create("store");
	tcase_add_checked_fixture(st, setup, teardown);
	tcase_set_timeout(st, 30); /* each test's fixture hashes two operators' passwords (scrypt) */
	tcase_add_test(st, load_asks_only_when_it_can_work);
	tcase_add_test(st, a_load_is_one_workers_and_a_dead_workers_load_is_taken_over);
	tcase_add_test(st, only_linked_memberships_without_a_mailbox_are_kept_and_grouped);
	tcase_add_test(st, bad_ticks_refuse_the_whole_form);
	tcase_add_test(st, import_makes_one_mailbox_and_one_invitation_however_often_it_runs);
	tcase_add_test(st, create_without_inviting_queues_no_email);
	tcase_add_test(st, workers_claim_different_rows_and_a_dead_ones_after_its_lease);
	suite_add_tcase(s, st);
	return s;
}

CHECK_MAIN(existing_members_suite)
