/* check_org_slug.c: the organization name as operators type or paste it (step 1 of the card). */
#include "check_helpers.h"
#include "domain/org_slug.h"

#include <string.h>

/* Parses input and checks it gives want. */
static void parses_to(const char *input, const char *want)
{
	char out[ORG_SLUG_MAX + 1];
	const char *error = "unset";
	int rc = org_slug_parse(input, out, sizeof(out), &error);
	ck_assert_msg(rc == 0, "'%s' was refused: %s", input, error ? error : "(no message)");
	ck_assert_ptr_null(error);
	ck_assert_str_eq(out, want);
}

/* Parses input, checks it is refused with a message containing hint, and out stays empty. */
static void refused(const char *input, const char *hint)
{
	char out[ORG_SLUG_MAX + 1];
	memset(out, 'x', sizeof(out));
	const char *error = NULL;
	ck_assert_msg(org_slug_parse(input, out, sizeof(out), &error) == -1, "'%s' was accepted", input);
	ck_assert_ptr_nonnull(error);
	ck_assert_msg(strstr(error, hint) != NULL, "'%s': message '%s' lacks '%s'", input, error, hint);
	ck_assert_str_eq(out, "");
}

START_TEST(test_plain_slug)
{
	parses_to("acme-spaces", "acme-spaces");
	parses_to(" acme-spaces ", "acme-spaces");
	parses_to("\tacme-spaces\r\n", "acme-spaces");
	parses_to("a", "a");
	parses_to("space42", "space42");
	parses_to("42", "42");
}
END_TEST

START_TEST(test_admin_site_url)
{
	parses_to("https://app.officernd.com/admin/acme-spaces", "acme-spaces");
	parses_to("http://app.officernd.com/admin/acme-spaces", "acme-spaces");
	parses_to("app.officernd.com/admin/acme-spaces/", "acme-spaces");
	parses_to("  https://app.officernd.com/admin/acme-spaces/  ", "acme-spaces");
	parses_to("HTTPS://APP.OFFICERND.COM/Admin/acme-spaces", "acme-spaces");
	parses_to("/admin/acme-spaces", "acme-spaces");
	parses_to("admin/acme-spaces", "acme-spaces");
}
END_TEST

START_TEST(test_address_bar_url)
{
	/* Copied from the browser while somewhere inside OfficeRnD. */
	parses_to("https://app.officernd.com/admin/acme-spaces/community/members", "acme-spaces");
	parses_to("https://app.officernd.com/admin/acme-spaces?tab=general", "acme-spaces");
	parses_to("https://app.officernd.com/admin/acme-spaces#/settings", "acme-spaces");
	parses_to("https://app.officernd.com:443/admin/acme-spaces", "acme-spaces");
	parses_to("https://app.officernd.com/api/v2/organizations/acme-spaces/plans", "acme-spaces");
	parses_to("acme-spaces/", "acme-spaces");
	parses_to("/acme-spaces", "acme-spaces");
}
END_TEST

START_TEST(test_empty_is_refused)
{
	refused("", "Enter the organization name");
	refused("   ", "Enter the organization name");
	refused("\t\n", "Enter the organization name");
	refused(NULL, "Enter the organization name");
}
END_TEST

START_TEST(test_url_without_slug_is_refused)
{
	refused("https://app.officernd.com", "no organization name");
	refused("https://app.officernd.com/", "no organization name");
	refused("https://app.officernd.com/admin/", "no organization name");
	refused("app.officernd.com/login", "no organization name");
	refused("https://example.com/foo/bar", "no organization name");
	refused("/", "no organization name");
	refused("a/b", "no organization name");
}
END_TEST

START_TEST(test_bad_characters_are_refused)
{
	refused("Acme-Spaces", "lower-case letters, digits and hyphens");
	refused("acme spaces", "lower-case letters, digits and hyphens");
	refused("acme_spaces", "lower-case letters, digits and hyphens");
	refused("acme.spaces", "lower-case letters, digits and hyphens");
	refused("app.officernd.com", "lower-case letters, digits and hyphens");
	refused("acm\xc3\xa9", "lower-case letters, digits and hyphens");
	refused("https://app.officernd.com/admin/Acme", "lower-case letters, digits and hyphens");
	refused("https://app.officernd.com/admin/acme%20spaces", "lower-case letters, digits and hyphens");
	refused("<script>", "lower-case letters, digits and hyphens");
}
END_TEST

START_TEST(test_length_limit)
{
	char slug[ORG_SLUG_MAX + 2];
	memset(slug, 'a', ORG_SLUG_MAX);
	slug[ORG_SLUG_MAX] = '\0';
	parses_to(slug, slug);
	ck_assert_int_eq(org_slug_valid(slug), 1);
	slug[ORG_SLUG_MAX] = 'a';
	slug[ORG_SLUG_MAX + 1] = '\0';
	refused(slug, "longer than 64 characters");
	ck_assert_int_eq(org_slug_valid(slug), 0);
}
END_TEST

START_TEST(test_small_output_buffer)
{
	char out[4];
	const char *error = NULL;
	ck_assert_int_eq(org_slug_parse("acme-spaces", out, sizeof(out), &error), -1);
	ck_assert_ptr_nonnull(error);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(org_slug_parse("abc", out, sizeof(out), &error), 0);
	ck_assert_str_eq(out, "abc");
	/* error may be NULL when the caller does not want the message. */
	ck_assert_int_eq(org_slug_parse("ABC", out, sizeof(out), NULL), -1);
}
END_TEST

START_TEST(test_valid)
{
	ck_assert_int_eq(org_slug_valid("acme-spaces"), 1);
	ck_assert_int_eq(org_slug_valid("a1-b2"), 1);
	ck_assert_int_eq(org_slug_valid(""), 0);
	ck_assert_int_eq(org_slug_valid(NULL), 0);
	ck_assert_int_eq(org_slug_valid("Acme"), 0);
	ck_assert_int_eq(org_slug_valid(" acme"), 0);
	ck_assert_int_eq(org_slug_valid("acme/spaces"), 0);
}
END_TEST

static Suite *org_slug_suite(void)
{
	Suite *s = suite_create("org_slug");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_plain_slug);
	tcase_add_test(tc, test_admin_site_url);
	tcase_add_test(tc, test_address_bar_url);
	tcase_add_test(tc, test_empty_is_refused);
	tcase_add_test(tc, test_url_without_slug_is_refused);
	tcase_add_test(tc, test_bad_characters_are_refused);
	tcase_add_test(tc, test_length_limit);
	tcase_add_test(tc, test_small_output_buffer);
	tcase_add_test(tc, test_valid);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(org_slug_suite)
