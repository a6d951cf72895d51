/*
 * check_officernd_connection.c: which OfficeRnD webhook is pilotomail's, and what is wrong with
 * it (domain/officernd_connection.h), without a network.
 */
#include "check_helpers.h"
#include "check_store_fixture.h"
#include "domain/officernd_connection.h"
#include "store/officernd_connection.h"

#include <string.h>

#define URL "https://pm.example/webhooks/officernd/tok"

static char *all_events[] = { "membership.created", "membership.updated", "membership.removed" };
static char *one_event[] = { "membership.created" };

static struct orn_webhook hook(char *id, char *url, char **events, size_t n, int enabled)
{
	return (struct orn_webhook){ .id = id, .url = url, .description = "", .event_types = events,
				     .n_event_types = n, .is_enabled = enabled };
}

START_TEST(find_prefers_the_stored_id_then_the_url)
{
	struct orn_webhook hooks[] = {
		hook("A", "https://other.example/x", all_events, 3, 1),
		hook("B", URL, all_events, 3, 1),
		hook("C", "https://old.example/pm", all_events, 3, 1),
	};
	ck_assert_int_eq(connection_find(hooks, 3, "C", URL), 2); /* registered: even at an old URL */
	ck_assert_int_eq(connection_find(hooks, 3, "", URL), 1);  /* by hand: by its URL */
	ck_assert_int_eq(connection_find(hooks, 3, "gone", URL), 1);
	ck_assert_int_eq(connection_find(hooks, 3, "", "https://none.example/"), -1);
	ck_assert_int_eq(connection_find(NULL, 0, "C", URL), -1);
}
END_TEST

START_TEST(state_in_order_of_what_matters)
{
	char missing[160];
	struct orn_webhook ok = hook("A", URL, all_events, 3, 1);
	ck_assert_str_eq(connection_state(&ok, URL, missing, sizeof(missing)), "ok");
	ck_assert_str_eq(missing, "");
	struct orn_webhook off = hook("A", URL, one_event, 1, 0);
	ck_assert_str_eq(connection_state(&off, URL, missing, sizeof(missing)), "disabled");
	ck_assert_str_eq(missing, "membership.updated, membership.removed");
	struct orn_webhook few = hook("A", URL, one_event, 1, 1);
	ck_assert_str_eq(connection_state(&few, URL, missing, sizeof(missing)), "events");
	struct orn_webhook moved = hook("A", "https://old.example/pm", all_events, 3, 1);
	ck_assert_str_eq(connection_state(&moved, URL, missing, sizeof(missing)), "url");
	ck_assert_str_eq(connection_state(NULL, URL, missing, sizeof(missing)), "missing");
	ck_assert_int_eq(orn_webhook_has_events(&ok), 1);
	ck_assert_int_eq(orn_webhook_has_events(&few), 0);
}
END_TEST

static void add_event(struct db *db, int64_t op, const char *key, int64_t at)
{
	char *sql = xasprintf("INSERT INTO webhook_events(operator_id, dedupe_key, body, received_at) "
			      "VALUES (%lld, '%s', '{}', %lld)", (long long)op, key, (long long)at);
	ck_assert_int_eq(db_exec(db, sql), 0);
	free(sql);
}

/* The card's "Last event received": the operator's newest webhook, never reconciliation's own
 * events (they say nothing about the webhook) nor another operator's. */
START_TEST(last_webhook_skips_reconciliation_and_other_operators)
{
	struct store_fixture f;
	fixture_store_open(&f, "lastevent");
	ck_assert_int_eq(officernd_last_webhook_at(f.db, f.op), 0); /* none yet */
	add_event(f.db, f.op, "evt-1", 1000);
	add_event(f.db, f.op, "evt-2", 2000);
	add_event(f.db, f.op, "reconcile:ms-1:1", 3000);
	add_event(f.db, f.op2, "evt-3", 4000);
	ck_assert_int_eq(officernd_last_webhook_at(f.db, f.op), 2000);
	ck_assert_int_eq(officernd_last_webhook_at(f.db, f.op2), 4000);
	fixture_store_close(&f);
}
END_TEST

START_TEST(webhook_url_of_a_token)
{
	char *url = connection_webhook_url("https://pm.example", "tok");
	ck_assert_str_eq(url, URL);
	free(url);
}
END_TEST

static Suite *officernd_connection_suite(void)
{
	Suite *s = suite_create("officernd_connection");
	TCase *tc = tcase_create("webhook");
	tcase_add_test(tc, find_prefers_the_stored_id_then_the_url);
	tcase_add_test(tc, state_in_order_of_what_matters);
	tcase_add_test(tc, webhook_url_of_a_token);
	tcase_add_test(tc, last_webhook_skips_reconciliation_and_other_operators);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(officernd_connection_suite)
