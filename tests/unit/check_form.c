/* check_form.c: form, query and cookie parsing (src/http/form.c). */
#include "check_helpers.h"
#include "http/form.h"
#include "util/util.h"

#include <stdio.h>
#include <string.h>

static int parse(const char *s, struct kvlist *l)
{
	memset(l, 0, sizeof(*l));
	return form_parse(s, strlen(s), l);
}

START_TEST(test_simple_pairs)
{
	struct kvlist l;
	ck_assert_int_eq(parse("a=1&b=two", &l), 0);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_str_eq(kvlist_get(&l, "a"), "1");
	ck_assert_str_eq(kvlist_get(&l, "b"), "two");
	ck_assert_ptr_null(kvlist_get(&l, "c"));
	kvlist_free(&l);
}
END_TEST

START_TEST(test_percent_and_plus_decoding)
{
	struct kvlist l;
	ck_assert_int_eq(parse("name=Caf%C3%A9+Bar&x%20y=%2B%26%3D", &l), 0);
	ck_assert_str_eq(kvlist_get(&l, "name"), "Caf\xc3\xa9 Bar");
	ck_assert_str_eq(kvlist_get(&l, "x y"), "+&=");
	kvlist_free(&l);
}
END_TEST

START_TEST(test_repeated_fields_keep_order)
{
	struct kvlist l;
	ck_assert_int_eq(parse("plan_id=p1&offering_id=1&plan_id=p2&offering_id=2&plan_id=", &l), 0);
	ck_assert_uint_eq(kvlist_count(&l, "plan_id"), 3);
	ck_assert_str_eq(kvlist_get_nth(&l, "plan_id", 0), "p1");
	ck_assert_str_eq(kvlist_get_nth(&l, "plan_id", 1), "p2");
	ck_assert_str_eq(kvlist_get_nth(&l, "plan_id", 2), "");
	ck_assert_ptr_null(kvlist_get_nth(&l, "plan_id", 3));
	ck_assert_str_eq(kvlist_get_nth(&l, "offering_id", 1), "2");
	kvlist_free(&l);
}
END_TEST

START_TEST(test_empty_pairs_and_missing_values)
{
	struct kvlist l;
	ck_assert_int_eq(parse("&&a&b=&=c&", &l), 0);
	ck_assert_str_eq(kvlist_get(&l, "a"), "");
	ck_assert_str_eq(kvlist_get(&l, "b"), "");
	ck_assert_str_eq(kvlist_get(&l, ""), "c");
	kvlist_free(&l);
	ck_assert_int_eq(parse("", &l), 0);
	ck_assert_uint_eq(l.n, 0);
	kvlist_free(&l);
}
END_TEST

START_TEST(test_malformed_escapes_are_refused)
{
	const char *bad[] = { "a=%", "a=%4", "a=%zz", "a=%G1", "a%=1", "a=%00", "a=1&b=%2" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct kvlist l;
		ck_assert_msg(parse(bad[i], &l) == -1, "accepted %s", bad[i]);
		kvlist_free(&l);
	}
}
END_TEST

/* Found by tests/fuzz/fuzz_form.c: a raw NUL in a POST body cut the field short ("tw"). */
START_TEST(test_raw_nul_in_a_body_is_refused)
{
	static const char body[] = "a=1&b=tw\0o&c=3";
	static const char key[] = "a=1&k\0ey=2";
	struct kvlist l = { 0 };
	ck_assert_int_eq(form_parse(body, sizeof(body) - 1, &l), -1);
	kvlist_free(&l);
	ck_assert_int_eq(form_parse(key, sizeof(key) - 1, &l), -1);
	kvlist_free(&l);
	ck_assert_ptr_null(url_decode("a\0b", 3));
}
END_TEST

START_TEST(test_field_count_is_limited)
{
	struct strbuf sb = { 0 };
	for (int i = 0; i < FORM_MAX_FIELDS; i++)
		strbuf_addf(&sb, "f%d=1&", i);
	struct kvlist l;
	ck_assert_int_eq(parse(sb.buf, &l), 0);
	kvlist_free(&l);
	strbuf_adds(&sb, "one=too-many");
	ck_assert_int_eq(parse(sb.buf, &l), -1);
	kvlist_free(&l);
	strbuf_free(&sb);
}
END_TEST

START_TEST(test_url_encode_round_trip)
{
	char *e = url_encode("/settings?a=b c&d=é");
	ck_assert_str_eq(e, "%2Fsettings%3Fa%3Db%20c%26d%3D%C3%A9");
	char *d = url_decode(e, strlen(e));
	ck_assert_str_eq(d, "/settings?a=b c&d=é");
	free(e);
	free(d);
}
END_TEST

START_TEST(test_cookies)
{
	struct kvlist l = { 0 };
	ck_assert_int_eq(cookies_parse("pm_session=abc123; pm_csrf=\"q-_x\";theme=dark ; empty=", &l), 0);
	ck_assert_str_eq(kvlist_get(&l, "pm_session"), "abc123");
	ck_assert_str_eq(kvlist_get(&l, "pm_csrf"), "q-_x");
	ck_assert_str_eq(kvlist_get(&l, "theme"), "dark");
	ck_assert_str_eq(kvlist_get(&l, "empty"), "");
	kvlist_free(&l);
}
END_TEST

START_TEST(test_cookies_ignore_garbage)
{
	struct kvlist l = { 0 };
	ck_assert_int_eq(cookies_parse(";;=novalue; justname; a=1", &l), 0);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_str_eq(kvlist_get(&l, "a"), "1");
	kvlist_free(&l);
}
END_TEST

static Suite *form_suite(void)
{
	Suite *s = suite_create("form");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, test_simple_pairs);
	tcase_add_test(tc, test_percent_and_plus_decoding);
	tcase_add_test(tc, test_repeated_fields_keep_order);
	tcase_add_test(tc, test_empty_pairs_and_missing_values);
	tcase_add_test(tc, test_malformed_escapes_are_refused);
	tcase_add_test(tc, test_raw_nul_in_a_body_is_refused);
	tcase_add_test(tc, test_field_count_is_limited);
	tcase_add_test(tc, test_url_encode_round_trip);
	tcase_add_test(tc, test_cookies);
	tcase_add_test(tc, test_cookies_ignore_garbage);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(form_suite)
