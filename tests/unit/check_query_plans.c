/*
 * check_query_plans.c: every list, count and queue statement of the store (store/statements.h)
 * reads a bounded part of the large tables, whatever their size: EXPLAIN QUERY PLAN on each,
 * against a migrated store seeded with rows of three operators, must show no SCAN of a large
 * table (a walk of every row, or of every entry of one of its indexes), no automatic index, and
 * no temp B-tree (a sort of every matching row before the LIMIT). No ANALYZE is run: production
 * stores have no statistics, so the plans checked are the ones they get.
 */
#include "check_helpers.h"
#include "store/db.h"
#include "store/statements.h"
#include "util/util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64];
static struct db *db;

/* Tables that grow with the business (the rest hold a few rows per operator). */
static const char *const large_tables[] = { "charges",  "mail_items",     "action_requests", "mailboxes",
					    "renters",  "invitations",    "outbox",          "webhook_events",
					    "memberships", "sessions", "member_import_rows" };

/*
 * Three operators; operator 1 is the big one. Mailboxes, renters, invitations, outbox rows, mail
 * items (one in fifty unassigned), charges in every billing state and webhook events in every
 * state, so that no index is empty.
 */
static const char seed_sql[] =
	"INSERT INTO operators(id, email, name, password_hash, created_at) VALUES "
	" (1, 'a@x.example', 'A', 'x', 0), (2, 'b@x.example', 'B', 'x', 0), (3, 'c@x.example', 'C', 'x', 0);"
	"INSERT INTO officernd_settings(operator_id, webhook_token, updated_at) SELECT id, 't' || id, 0 FROM operators;"
	"INSERT INTO spaces(id, operator_id, name, created_at) SELECT id, id, 'S', 0 FROM operators;"
	"INSERT INTO offerings(id, operator_id, name, monthly_price, created_at) SELECT id, id, 'O', 0, 0 FROM operators;"
	"CREATE TEMP TABLE n(x INTEGER PRIMARY KEY);"
	"INSERT INTO n WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 6000) SELECT x FROM c;"
	"INSERT INTO renters(id, operator_id, name, email, officernd_member_id, created_at) "
	" SELECT x, 1 + (x % 7 = 0) + (x % 7 = 1), 'R' || x, 'r' || x || '@x.example', 'm' || x, 0 FROM n WHERE x <= 3000;"
	"INSERT INTO mailboxes(id, operator_id, renter_id, space_id, offering_id, pmb, status, source, "
	" officernd_membership_id, created_at, updated_at) SELECT r.id, r.operator_id, r.id, r.operator_id, "
	" r.operator_id, 100 + r.id, CASE WHEN r.id % 9 = 0 THEN 'cancelled' ELSE 'active' END, 'officernd', "
	" 'ms' || r.id, 0, 0 FROM renters r;"
	"INSERT INTO invitations(id, operator_id, mailbox_id, token_hash, created_at, expires_at) "
	" SELECT id, operator_id, id, 'h' || id, 0, 0 FROM mailboxes;"
	"INSERT INTO outbox(operator_id, kind, invitation_id, to_addr, subject, state, message_id, created_at) "
	" SELECT operator_id, 'invitation', id, 'a@x', 's', CASE WHEN id % 50 = 0 THEN 'queued' ELSE 'sent' END, "
	" 'm' || id, 0 FROM invitations;"
	"INSERT INTO mail_items(id, operator_id, mailbox_id, reference, kind, received_on, created_at) "
	" SELECT x, m.operator_id, CASE WHEN x % 50 = 0 THEN NULL ELSE m.id END, 'M-' || x, 'letter', "
	" date('2025-01-01', '+' || (x / 20) || ' days'), 0 FROM n JOIN mailboxes m ON m.id = 1 + x % 3000;"
	"INSERT INTO action_requests(operator_id, mail_item_id, action, requested_by, created_at) "
	" SELECT operator_id, id, 'scan', 'renter', 0 FROM mail_items WHERE id % 10 = 0;"
	"INSERT INTO charges(id, operator_id, mailbox_id, mail_item_id, kind, description, unit_amount, amount, "
	" currency, charge_date, reference, billing_state, created_at) SELECT i.id, i.operator_id, i.mailbox_id, i.id, "
	" 'scan', 'd', 250, 250, 'USD', i.received_on, 'pm-' || i.id, CASE i.id % 5 WHEN 0 THEN 'not_billed' "
	" WHEN 1 THEN 'queued' WHEN 2 THEN 'failed' ELSE 'sent' END, 0 FROM mail_items i WHERE i.mailbox_id IS NOT NULL;"
	"INSERT INTO webhook_events(operator_id, dedupe_key, membership_id, body, received_at, state) "
	" SELECT 1 + (x % 3), 'e' || x, 'ms' || (x % 400), '{}', x, CASE WHEN x % 4 = 0 THEN 'pending' ELSE 'applied' END "
	" FROM n;"
	"INSERT INTO memberships(operator_id, membership_id, updated_at) SELECT operator_id, officernd_membership_id, 0 "
	" FROM mailboxes;"
	"INSERT INTO member_import_rows(operator_id, membership_id, member_id, plan_id, location_id, email, grp, "
	" import_state, match_mailbox_id, company_id) SELECT 1 + (x % 7 = 0) + (x % 7 = 1), 'im' || x, 'mm' || x, "
	" 'p' || (x % 5), 'l' || (x % 3), 'r' || x || '@x.example', CASE x % 3 WHEN 0 THEN 'match' WHEN 1 THEN 'new' "
	" ELSE 'skip' END, CASE x % 4 WHEN 0 THEN 'queued' WHEN 1 THEN 'imported' ELSE '' END, "
	" CASE WHEN x % 3 = 0 THEN x END, CASE WHEN x % 10 = 0 THEN 'c' || x END FROM n;";

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/pm-check-plans-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char *path = xasprintf("%s/db", dir);
	db = db_open(path);
	free(path);
	ck_assert_ptr_nonnull(db);
	ck_assert_int_eq(db_migrate(db), 0);
	ck_assert_int_eq(db_exec(db, seed_sql), 0);
}

static void teardown(void)
{
	db_close(db);
	char *cmd = xasprintf("rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

static int is_large(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(large_tables); i++)
		if (strlen(large_tables[i]) == len && strncasecmp(large_tables[i], name, len) == 0)
			return 1;
	return 0;
}

/* The names a plan may give a large table in sql: the table's, and the alias after it. */
static int names_large(const char *sql, const char *name, size_t len)
{
	static const char *const not_alias[] = { "WHERE", "JOIN", "ON", "LEFT", "INNER", "ORDER", "GROUP",
						 "LIMIT", "SET", "USING", "VALUES", "AS", "INDEXED" };
	if (is_large(name, len))
		return 1;
	const char *p = sql;
	while (*p) {
		while (*p && !isalnum((unsigned char)*p) && *p != '_')
			p++;
		const char *w = p;
		while (isalnum((unsigned char)*p) || *p == '_')
			p++;
		if (p == w || !is_large(w, (size_t)(p - w)))
			continue;
		/* The next word, skipping AS. */
		const char *a = p;
		for (int round = 0; round < 2; round++) {
			while (*a == ' ')
				a++;
			const char *e = a;
			while (isalnum((unsigned char)*e) || *e == '_')
				e++;
			if (round == 0 && e - a == 2 && strncasecmp(a, "AS", 2) == 0) {
				a = e;
				continue;
			}
			int keyword = 0;
			for (size_t k = 0; k < ARRAY_SIZE(not_alias); k++)
				keyword |= (size_t)(e - a) == strlen(not_alias[k]) && strncasecmp(a, not_alias[k], e - a) == 0;
			if (!keyword && (size_t)(e - a) == len && strncmp(a, name, len) == 0)
				return 1;
			break;
		}
	}
	return 0;
}

/* One line of a plan: its id, its parent's and what it does. */
struct plan_line {
	int id, parent;
	char detail[256];
};

/* 1 when the line walks a partial index (the rows of a queue, like pending events). */
static int uses_partial_index(const char *detail)
{
	const char *at = strstr(detail, "INDEX ");
	if (!at)
		return 0;
	at += 6;
	char name[128];
	str_copy(name, sizeof(name), at);
	name[strcspn(name, " ")] = '\0';
	struct db_stmt *st = db_prepare(db, "SELECT sql LIKE '% WHERE %' FROM sqlite_master WHERE type = 'index' AND name = ?");
	db_bind_text(st, 1, name);
	int partial = db_step(st) == DB_ROW && db_col_int(st, 0);
	db_finalize(st);
	return partial;
}

/* 1 when the line reads a large table of sql (SCAN or SEARCH of it or of its alias). */
static int reads_large(const char *sql, const char *detail)
{
	const char *name = NULL;
	if (strncmp(detail, "SCAN ", 5) == 0 || strncmp(detail, "SEARCH ", 7) == 0)
		name = strchr(detail, ' ') + 1;
	return name && names_large(sql, name, strcspn(name, " "));
}

/* What is wrong with line i of a plan ("" when nothing). A temp B-tree is wrong when its query
 * (the lines with the same parent) reads a large table: it sorts every row matched there. */
static const char *plan_line_problem(const char *sql, const struct plan_line *lines, size_t n, size_t i)
{
	const char *detail = lines[i].detail;
	if (strstr(detail, "AUTOMATIC"))
		return "builds an automatic index on each run";
	if (strncmp(detail, "SCAN ", 5) == 0 && reads_large(sql, detail) && !uses_partial_index(detail))
		return "walks a whole large table (or a whole index of one)";
	if (strstr(detail, "TEMP B-TREE")) {
		for (size_t k = 0; k < n; k++)
			if (lines[k].parent == lines[i].parent && reads_large(sql, lines[k].detail))
				return "sorts every matching row of a large table";
	}
	return "";
}

/* Statements allowed a sort, and why the rows sorted are few. */
static const char *const bounded_sorts[] = {
	"charge_sql_claim_due",    /* at most the LIMIT its indexed subquery picked */
	"outbox_sql_claim",        /* the same */
	"reconcile_sql_held_list", /* the held rows of one operator (small table), by PMB */
	"charge_sql_list_item",    /* the charges of one mail item */
	"mail_sql_list_for_renter", /* the items of one renter's mailboxes */
};

static int sort_allowed(const char *name, const char *problem)
{
	for (size_t i = 0; i < ARRAY_SIZE(bounded_sorts); i++)
		if (strcmp(name, bounded_sorts[i]) == 0 && strstr(problem, "sorts"))
			return 1;
	return 0;
}

/* Appends each problem of sql's plan to report; returns how many. */
static int plan_problems(const char *name, const char *sql, struct strbuf *report)
{
	char *explain = xasprintf("EXPLAIN QUERY PLAN %s", sql);
	struct db_stmt *st = db_prepare(db, explain);
	free(explain);
	struct plan_line lines[64];
	size_t n = 0;
	while (n < ARRAY_SIZE(lines) && db_step(st) == DB_ROW) {
		lines[n].id = db_col_int(st, 0);
		lines[n].parent = db_col_int(st, 1);
		str_copy(lines[n].detail, sizeof(lines[n].detail), db_col_text(st, 3));
		n++;
	}
	db_finalize(st);
	if (getenv("PLANS_VERBOSE"))
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, "%s: %d %d %s\n", name, lines[i].id, lines[i].parent, lines[i].detail);
	int problems = 0;
	for (size_t i = 0; i < n; i++) {
		const char *problem = plan_line_problem(sql, lines, n, i);
		if (*problem && !sort_allowed(name, problem)) {
			strbuf_addf(report, "%s: %s: \"%s\"\n", name, problem, lines[i].detail);
			problems++;
		}
	}
	return problems;
}

START_TEST(test_every_statement_reads_a_bounded_part)
{
	struct strbuf report = { 0 };
	int problems = 0;
	ck_assert_uint_gt(store_statements_count, 0);
	for (size_t i = 0; i < store_statements_count; i++)
		problems += plan_problems(store_statements[i].name, store_statements[i].sql, &report);
	ck_assert_msg(problems == 0, "%d plan problems:\n%s", problems, report.buf ? report.buf : "");
	free(report.buf);
}
END_TEST

/* The index each page's statement must read: a statement can avoid every scan and sort and
 * still read too much (all of an operator's items to count the unassigned ones, say), so the
 * intended index of each is written down here (or, with a space in it, the plan line's words). */
static const char *const expected_index[][2] = {
	{ "charge_sql_list", "charges_list" },
	{ "charge_sql_list_state", "charges_state_list" },
	{ "charge_sql_earlier", "charges_unbilled" },
	{ "mail_sql_list", "mail_items_list" },
	{ "mail_sql_list_assigned", "mail_items_list" },
	{ "mail_sql_list_unassigned", "mail_items_unassigned" },
	{ "mail_sql_count_unassigned", "SEARCH mail_item_counts USING INTEGER PRIMARY KEY" }, /* kept count */
	{ "mail_sql_list_for_renter", "mailboxes_renter" },
	{ "mailbox_sql_list", "mailboxes_newest" },
	{ "mailbox_sql_list_status", "mailboxes_operator" },
	/* a page of mailboxes reads its renters, invitations and emails among the operator's own */
	{ "mailbox_sql_list", "renters_list" },
	{ "mailbox_sql_list", "invitations_operator" },
	{ "mailbox_sql_list", "outbox_operator" },
	{ "mailbox_sql_get", "invitations_operator" },
	{ "invitation_sql_latest", "outbox_operator" },
	{ "webhook_event_sql_list", "webhook_events_newest" },
	{ "webhook_event_sql_list_state", "webhook_events_operator" },
	{ "webhook_event_sql_claim", "webhook_events_pending" },
};

static const char *statement_sql(const char *name)
{
	for (size_t i = 0; i < store_statements_count; i++)
		if (strcmp(store_statements[i].name, name) == 0)
			return store_statements[i].sql;
	return NULL;
}

START_TEST(test_each_page_reads_its_index)
{
	struct strbuf report = { 0 };
	for (size_t i = 0; i < ARRAY_SIZE(expected_index); i++) {
		const char *sql = statement_sql(expected_index[i][0]);
		ck_assert_msg(sql != NULL, "no statement %s", expected_index[i][0]);
		const char *index = expected_index[i][1];
		char *explain = xasprintf("EXPLAIN QUERY PLAN %s", sql);
		char *want = strchr(index, ' ') ? xasprintf("%s", index) : xasprintf("INDEX %s ", index);
		struct db_stmt *st = db_prepare(db, explain);
		int found = 0;
		while (db_step(st) == DB_ROW) {
			char detail[300];
			snprintf(detail, sizeof(detail), "%s ", db_col_text(st, 3));
			found |= strstr(detail, want) != NULL;
		}
		db_finalize(st);
		if (!found)
			strbuf_addf(&report, "%s does not read %s\n", expected_index[i][0], expected_index[i][1]);
		free(explain);
		free(want);
	}
	ck_assert_msg(report.len == 0, "%s", report.buf ? report.buf : "");
	free(report.buf);
}
END_TEST

/* The check itself: statements known to read everything are caught, an indexed one is not. */
START_TEST(test_checker_catches_scans_and_sorts)
{
	struct strbuf report = { 0 };
	ck_assert_int_eq(plan_problems("scan", "SELECT id FROM charges WHERE description = ?", &report), 1);
	ck_assert_int_eq(plan_problems("alias", "SELECT c.id FROM charges AS c WHERE c.description = ?", &report), 1);
	ck_assert_int_ge(plan_problems("sort", "SELECT id FROM mail_items WHERE operator_id = ? ORDER BY sender LIMIT 5",
				       &report), 1);
	ck_assert_int_eq(plan_problems("fine", "SELECT id FROM charges WHERE id = ?", &report), 0);
	ck_assert_int_eq(plan_problems("small", "SELECT id FROM spaces WHERE name = ?", &report), 0);
	free(report.buf);
}
END_TEST

static Suite *plans_suite(void)
{
	Suite *s = suite_create("query_plans");
	TCase *tc = tcase_create("plans");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_every_statement_reads_a_bounded_part);
	tcase_add_test(tc, test_each_page_reads_its_index);
	tcase_add_test(tc, test_checker_catches_scans_and_sorts);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(plans_suite)
