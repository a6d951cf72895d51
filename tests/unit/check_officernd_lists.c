/*
 * check_officernd_lists.c: the store of the OfficeRnD plan and location lists the worker loads
 * for the settings card (store/officernd_lists.h), on a real, migrated SQLite store: when a
 * refresh is due, its claim and lease, what a good and a failed refresh record, asks, and new
 * credentials. The refresh itself runs against the simulator in tests/e2e/test_officernd_lists.py.
 */
#include "check_helpers.h"
#include "check_store_fixture.h"
#include "crypto/crypto.h"
#include "store/db.h"
#include "store/integrations.h"
#include "store/officernd_lists.h"
#include "store/operators.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOW ((int64_t)1795000000) /* 2026-11-18 */
#define HOUR 3600
#define LEASE 120

static struct db *db;
static int64_t op, op2;

static struct store_fixture fx;

static void setup(void)
{
	fixture_store_open(&fx, "orn-lists");
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
	ck_assert_int_eq(officernd_lists_due(db, now, HOUR, &ids, &n), 0);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(ids[i], op); /* never the unconfigured operator */
	free(ids);
	return n;
}

static const struct officernd_cached_plan plans[] = {
	{ .id = "p1", .name = "Virtual Office", .code = "VO", .type = "custom", .interval_length = "month" },
	{ .id = "p2", .name = "Mail handling", .code = "", .type = "service", .interval_length = "once" },
};
static const struct officernd_cached_location locations[] = {
	{ .id = "l1", .name = "Downtown Hub" },
};

START_TEST(first_refresh_is_due_at_once_and_claimed_by_one_worker)
{
	int64_t requested = -1;
	struct officernd_lists l;
	/* Never loaded: empty lists, and the configured operator is due at once. */
	ck_assert_int_eq(officernd_lists_get(db, op, &l), 0);
	ck_assert_int_eq(l.n_plans, 0);
	ck_assert_int_eq(l.fetched_at, 0);
	officernd_lists_free(&l);
	ck_assert_int_eq(due(NOW), 1);
	ck_assert_int_eq(officernd_lists_claim(db, op2, "w1", NOW, HOUR, LEASE, &requested), 0);
	ck_assert_int_eq(officernd_lists_claim(db, op, "w1", NOW, HOUR, LEASE, &requested), 1);
	ck_assert_int_eq(requested, 0);
	/* Under the lease nobody else claims it, and it is not listed as due. */
	ck_assert_int_eq(officernd_lists_claim(db, op, "w2", NOW + 1, HOUR, LEASE, &requested), 0);
	ck_assert_int_eq(due(NOW + 1), 0);
	ck_assert_int_eq(officernd_lists_get(db, op, &l), 0);
	ck_assert_int_eq(l.claimed_until, NOW + LEASE);
	ck_assert_int_eq(l.attempted_at, NOW);
	officernd_lists_free(&l);
	/* Only the holder records the outcome. */
	ck_assert_int_eq(officernd_lists_store(db, op, "w2", plans, 2, locations, 1, NOW + 5, 0), 1);
	ck_assert_int_eq(officernd_lists_store(db, op, "w1", plans, 2, locations, 1, NOW + 5, 0), 0);
	ck_assert_int_eq(officernd_lists_get(db, op, &l), 0);
	ck_assert_int_eq(l.n_plans, 2);
	ck_assert_str_eq(l.plans[0].id, "p1");
	ck_assert_str_eq(l.plans[0].code, "VO");
	ck_assert_str_eq(l.plans[1].name, "Mail handling");
	ck_assert_str_eq(l.plans[1].interval_length, "once");
	ck_assert_int_eq(l.n_locations, 1);
	ck_assert_str_eq(l.locations[0].name, "Downtown Hub");
	ck_assert_int_eq(l.fetched_at, NOW + 5);
	ck_assert_int_eq(l.claimed_until, 0);
	officernd_lists_free(&l);
	/* The next automatic refresh comes an interval later. */
	ck_assert_int_eq(due(NOW + HOUR - 1), 0);
	ck_assert_int_eq(due(NOW + HOUR + 5), 1);
	/* An asked-for refresh whose lease ran out (a killed worker) is claimed again. */
	ck_assert_int_eq(officernd_lists_request(db, op), 0);
	ck_assert_int_eq(officernd_lists_claim(db, op, "w1", NOW + HOUR + 5, HOUR, LEASE, &requested), 1);
	ck_assert_int_eq(officernd_lists_claim(db, op, "w2", NOW + HOUR + 4 + LEASE, HOUR, LEASE, &requested), 0);
	ck_assert_int_eq(officernd_lists_claim(db, op, "w2", NOW + HOUR + 5 + LEASE, HOUR, LEASE, &requested), 1);
	ck_assert_int_eq(requested, 1);
	ck_assert_int_eq(officernd_lists_store(db, op, "w1", plans, 1, locations, 0, NOW + HOUR + 200, 0), 1);
	ck_assert_int_eq(officernd_lists_failed(db, op, "w2", "x", NOW + HOUR + 200, requested), 0);
	ck_assert_int_eq(officernd_lists_get(db, op, &l), 0);
	ck_assert_int_eq(l.n_plans, 2); /* the late worker wrote nothing */
	ck_assert_int_eq(l.requested, 0);
	officernd_lists_free(&l);
	/* A clock moved back by more than an interval does not stop the refreshes for good. */
	ck_assert_int_eq(due(NOW - 2 * HOUR), 1);
}
END_TEST

START_TEST(asks_and_failures)
{
	int64_t requested = -1;
	struct officernd_lists l;
	ck_assert_int_eq(officernd_lists_request(db, op2), 1); /* not configured: nothing to ask */
	ck_assert_int_eq(officernd_lists_claim(db, op, "w1", NOW, HOUR, LEASE, &requested), 1);
	ck_assert_int_eq(officernd_lists_store(db, op, "w1", plans, 2, locations, 1, NOW, 0), 0);
	ck_assert_int_eq(due(NOW + 10), 0);
	/* An ask makes it due at once, first in the list. */
	ck_assert_int_eq(officernd_lists_request(db, op), 0);
	ck_assert_int_eq(due(NOW + 10), 1);
	ck_assert_int_eq(officernd_lists_claim(db, op, "w1", NOW + 10, HOUR, LEASE, &requested), 1);
	ck_assert_int_eq(requested, 1);
	/* Another ask during the refresh asks for another one. */
	ck_assert_int_eq(officernd_lists_request(db, op), 0);
	ck_assert_int_eq(officernd_lists_failed(db, op, "w1", "OfficeRnD refused the client ID or secret", NOW + 20,
						requested), 0);
	ck_assert_int_eq(officernd_lists_get(db, op, &l), 0);
	/* The failure keeps the lists and says why. */
	ck_assert_int_eq(l.n_plans, 2);
	ck_assert_int_eq(l.fetched_at, NOW);
	ck_assert_str_eq(l.error, "OfficeRnD refused the client ID or secret");
	ck_assert_int_eq(l.error_at, NOW + 20);
	ck_assert_int_eq(l.requested, 1);
	ck_assert_int_eq(l.claimed_until, 0);
	officernd_lists_free(&l);
	ck_assert_int_eq(due(NOW + 21), 1);
	ck_assert_int_eq(officernd_lists_claim(db, op, "w1", NOW + 21, HOUR, LEASE, &requested), 1);
	ck_assert_int_eq(officernd_lists_failed(db, op, "w1", "again", NOW + 30, requested), 0);
	/* No tight loop on a failing account: served, the next try is an interval after the attempt. */
	ck_assert_int_eq(due(NOW + 31), 0);
	ck_assert_int_eq(due(NOW + 21 + HOUR), 1);
	/* A good refresh clears the error. */
	ck_assert_int_eq(officernd_lists_claim(db, op, "w1", NOW + 21 + HOUR, HOUR, LEASE, &requested), 1);
	ck_assert_int_eq(officernd_lists_store(db, op, "w1", plans, 1, locations, 1, NOW + 22 + HOUR, 0), 0);
	ck_assert_int_eq(officernd_lists_get(db, op, &l), 0);
	ck_assert_str_eq(l.error, "");
	ck_assert_int_eq(l.error_at, 0);
	ck_assert_int_eq(l.n_plans, 1);
	officernd_lists_free(&l);
}
END_TEST

START_TEST(new_credentials_ask_and_another_org_drops_the_lists)
{
	int64_t requested = -1;
	struct officernd_lists l;
	char name[INTEGRATIONS_NAME_MAX];
	ck_assert_int_eq(officernd_lists_claim(db, op, "w1", NOW, HOUR, LEASE, &requested), 1);
	ck_assert_int_eq(officernd_lists_store(db, op, "w1", plans, 2, locations, 1, NOW, 0), 0);
	/* Names by id, per operator. */
	ck_assert_int_eq(officernd_plan_name(db, op, "p2", name, sizeof(name)), 1);
	ck_assert_str_eq(name, "Mail handling");
	ck_assert_int_eq(officernd_location_name(db, op, "l1", name, sizeof(name)), 1);
	ck_assert_str_eq(name, "Downtown Hub");
	ck_assert_int_eq(officernd_plan_name(db, op2, "p2", name, sizeof(name)), 0);
	ck_assert_int_eq(officernd_plan_name(db, op, "nope", name, sizeof(name)), 0);
	/* The same organization, new secret: asked for, the lists stay; a refresh under way with the
	 * old credentials loses its claim. */
	ck_assert_int_eq(officernd_lists_request(db, op), 0);
	ck_assert_int_eq(officernd_lists_claim(db, op, "w1", NOW + 10, HOUR, LEASE, &requested), 1);
	ck_assert_int_eq(officernd_lists_credentials_saved(db, op, 0), 0);
	ck_assert_int_eq(officernd_lists_store(db, op, "w1", plans, 1, locations, 0, NOW + 11, requested), 1);
	ck_assert_int_eq(officernd_lists_get(db, op, &l), 0);
	ck_assert_int_eq(l.n_plans, 2);
	ck_assert_int_eq(l.requested, 2);
	officernd_lists_free(&l);
	ck_assert_int_eq(due(NOW + 12), 1);
	/* Another organization: its lists are not these. */
	ck_assert_int_eq(officernd_lists_credentials_saved(db, op, 1), 0);
	ck_assert_int_eq(officernd_lists_get(db, op, &l), 0);
	ck_assert_int_eq(l.n_plans, 0);
	ck_assert_int_eq(l.n_locations, 0);
	ck_assert_int_eq(l.fetched_at, 0);
	ck_assert_int_eq(l.requested, 3);
	officernd_lists_free(&l);
	ck_assert_int_eq(officernd_plan_name(db, op, "p2", name, sizeof(name)), 0);
}
END_TEST

START_TEST(saving_the_card_asks_for_a_refresh_only_with_new_credentials)
{
	struct officernd_lists l;
	struct officernd_card_update u = { .org_slug = "acme", .client_id = "cid", .charge_plan_id = "" };
	ck_assert_int_eq(integrations_officernd_save(db, op, &u, NOW, NULL), INTEGRATIONS_OK);
	ck_assert_int_eq(officernd_lists_get(db, op, &l), 0);
	ck_assert_int_eq(l.requested, 0);
	officernd_lists_free(&l);
	u.client_secret = "a-new-secret";
	ck_assert_int_eq(integrations_officernd_save(db, op, &u, NOW, NULL), INTEGRATIONS_OK);
	ck_assert_int_eq(officernd_lists_get(db, op, &l), 0);
	ck_assert_int_eq(l.requested, 1);
	officernd_lists_free(&l);
}
END_TEST

static Suite *officernd_lists_suite(void)
{
	Suite *s = suite_create("officernd_lists");
	TCase *store = tcase_create("store");
	tcase_add_checked_fixture(store, setup, teardown);
	tcase_add_test(store, first_refresh_is_due_at_once_and_claimed_by_one_worker);
	tcase_add_test(store, asks_and_failures);
	tcase_add_test(store, new_credentials_ask_and_another_org_drops_the_lists);
	tcase_add_test(store, saving_the_card_asks_for_a_refresh_only_with_new_credentials);
	suite_add_tcase(s, store);
	return s;
}

CHECK_MAIN(officernd_lists_suite)
