/*
 * check_accounts.c: password-reset links and account sessions (store/accounts.c) and the reset
 * email (mail/reset_email.c), on a real store.
 */
#include "check_helpers.h"
#include "check_store_fixture.h"

#include "mail/reset_email.h"
#include "store/accounts.h"
#include "store/officernd_names.h"
#include "store/sessions.h"

#include <string.h>

static struct store_fixture f;

static void setup(void)
{
	fixture_store_open(&f, "accounts");
}

static void teardown(void)
{
	fixture_store_close(&f);
}

static int64_t count(const char *sql)
{
	return db_count(db_prepare(f.db, sql));
}

START_TEST(reset_link_is_hashed_single_use_and_spends_the_others)
{
	struct account_ref op = { f.op, 0 }, who;
	char *first = NULL, *second = NULL, *sess = NULL;
	struct session s;
	ck_assert_int_eq(password_reset_create(f.db, op, 1000, &first), 0);
	ck_assert_int_eq(password_reset_create(f.db, op, 1000, &second), 0);
	ck_assert_int_eq(strlen(first), 43);
	/* Only the hash is kept. */
	struct db_stmt *st = db_prepare(f.db, "SELECT count(*) FROM password_resets WHERE token_hash = ?");
	db_bind_text(st, 1, first);
	ck_assert_int_eq(db_count(st), 0);
	ck_assert_int_eq(session_create(f.db, f.op, 0, &sess, &s), 0);

	ck_assert_int_eq(password_reset_find(f.db, first, 1001, &who), RESET_VALID);
	ck_assert_int_eq(who.operator_id, f.op);
	ck_assert_int_eq(password_reset_use(f.db, first, "new-hash", 1002, &who), RESET_VALID);
	ck_assert_int_eq(count("SELECT count(*) FROM operators WHERE password_hash = 'new-hash'"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM sessions"), 0);
	/* Once: the link and the account's other link are spent. */
	ck_assert_int_eq(password_reset_use(f.db, first, "other", 1003, &who), RESET_USED);
	ck_assert_int_eq(password_reset_find(f.db, second, 1003, &who), RESET_USED);
	ck_assert_int_eq(count("SELECT count(*) FROM operators WHERE password_hash = 'other'"), 0);
	free(first);
	free(second);
	free(sess);
}
END_TEST

START_TEST(reset_link_expires_and_unknown_changes_nothing)
{
	struct account_ref op = { f.op, 0 }, who;
	char *token = NULL;
	ck_assert_int_eq(password_reset_create(f.db, op, 1000, &token), 0);
	ck_assert_int_eq(password_reset_find(f.db, token, 1000 + PASSWORD_RESET_LIFETIME_S, &who), RESET_EXPIRED);
	ck_assert_int_eq(password_reset_use(f.db, token, "h", 1000 + PASSWORD_RESET_LIFETIME_S, &who), RESET_EXPIRED);
	ck_assert_int_eq(password_reset_use(f.db, "not-a-token", "h", 1001, &who), RESET_UNKNOWN);
	ck_assert_int_eq(password_reset_find(f.db, "", 1001, &who), RESET_UNKNOWN);
	ck_assert_int_eq(count("SELECT count(*) FROM operators WHERE password_hash = 'h'"), 0);
	ck_assert_int_eq(password_reset_prune(f.db, 1000 + PASSWORD_RESET_LIFETIME_S + 1, 100), 1);
	free(token);
}
END_TEST

START_TEST(end_sessions_keeps_the_one_asked)
{
	struct account_ref op = { f.op, 0 };
	char *a = NULL, *b = NULL, *c = NULL;
	struct session sa, sb, sc;
	ck_assert_int_eq(session_create(f.db, f.op, 0, &a, &sa), 0);
	ck_assert_int_eq(session_create(f.db, f.op, 0, &b, &sb), 0);
	ck_assert_int_eq(session_create(f.db, f.op2, 0, &c, &sc), 0);
	ck_assert_int_eq(account_end_sessions(f.db, op, sa.id_hash), 0);
	ck_assert_int_eq(session_find(f.db, a, 1, &sa), 0);
	ck_assert_int_eq(session_find(f.db, b, 1, &sb), -1);
	ck_assert_int_eq(session_find(f.db, c, 1, &sc), 0); /* another operator's stays */
	free(a);
	free(b);
	free(c);
}
END_TEST

START_TEST(operator_name_refuses_control_characters)
{
	ck_assert_int_eq(account_set_operator_name(f.db, f.op, "Harbour Works"), 0);
	ck_assert_int_eq(account_set_operator_name(f.db, f.op, "Bad\nName"), -1);
	ck_assert_int_eq(count("SELECT count(*) FROM operators WHERE name = 'Harbour Works'"), 1);
}
END_TEST

START_TEST(officernd_names_prefer_the_cached_list_then_the_mapping)
{
	char name[128];
	ck_assert_int_eq(db_exec(f.db, "INSERT INTO spaces(operator_id, name, created_at) VALUES (1, 'S', 0);"
				       "INSERT INTO location_links(operator_id, location_id, location_name, space_id) "
				       "VALUES (1, 'loc-1', 'Old name', 1)"), 0);
	ck_assert_int_eq(officernd_name_find(f.db, f.op, ORN_NAME_LOCATION, "loc-1", name, sizeof(name)), 1);
	ck_assert_str_eq(name, "Old name");
	ck_assert_int_eq(db_exec(f.db, "INSERT INTO officernd_locations(operator_id, location_id, name, position) "
				       "VALUES (1, 'loc-1', 'Downtown', 0)"), 0);
	ck_assert_int_eq(officernd_name_find(f.db, f.op, ORN_NAME_LOCATION, "loc-1", name, sizeof(name)), 1);
	ck_assert_str_eq(name, "Downtown");
	/* Scoped by operator, and nothing for an unknown id. */
	ck_assert_int_eq(officernd_name_find(f.db, f.op2, ORN_NAME_LOCATION, "loc-1", name, sizeof(name)), 0);
	ck_assert_int_eq(officernd_name_find(f.db, f.op, ORN_NAME_PLAN, "plan-9", name, sizeof(name)), 0);
}
END_TEST

START_TEST(reset_email_escapes_and_keeps_the_subject_on_one_line)
{
	char *subject, *text, *html;
	struct reset_email e = { "A&B\r\nBcc: x@y", "http://h/password/reset/T<", 3600 };
	reset_email_build(&e, &subject, &text, &html);
	ck_assert_ptr_null(strpbrk(subject, "\r\n"));
	ck_assert_ptr_nonnull(strstr(text, "http://h/password/reset/T<"));
	ck_assert_ptr_nonnull(strstr(text, "60 minutes"));
	ck_assert_ptr_nonnull(strstr(html, "A&amp;B"));
	ck_assert_ptr_null(strstr(html, "T<"));
	free(subject);
	free(text);
	free(html);
}
END_TEST

static Suite *accounts_suite(void)
{
	Suite *s = suite_create("accounts");
	TCase *tc = tcase_create("store");
	tcase_add_checked_fixture(tc, setup, teardown);
	/* Each set-up hashes two passwords (scrypt): slow on a busy machine. */
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, reset_link_is_hashed_single_use_and_spends_the_others);
	tcase_add_test(tc, reset_link_expires_and_unknown_changes_nothing);
	tcase_add_test(tc, end_sessions_keeps_the_one_asked);
	tcase_add_test(tc, operator_name_refuses_control_characters);
	tcase_add_test(tc, officernd_names_prefer_the_cached_list_then_the_mapping);
	tcase_add_test(tc, reset_email_escapes_and_keeps_the_subject_on_one_line);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(accounts_suite)
