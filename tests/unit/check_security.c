/* check_security.c: the sign-in redirect rule, log escaping, the SMTP TLS rule, dates out of
 * range, and the password parameters (pure functions; check_hardening.c has the store). */
#include "check_helpers.h"
#include "crypto/password.h"
#include "http/local_path.h"
#include "mail/deliver.h"
#include "mail/invitation_email.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/util.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- sign-in "next" ------------------------------------------------------------------------ */

START_TEST(test_local_path_accepts_plain_paths)
{
	static const char *const good[] = { "/", "/mail", "/mailboxes/12", "/mail?page=2&q=a%20b",
					    "/my/mailboxes", "/caf\xc3\xa9" };
	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		ck_assert_msg(http_is_local_path(good[i]), "refused %s", good[i]);
}
END_TEST

START_TEST(test_local_path_refuses_what_leaves_the_site)
{
	static const char *const bad[] = {
		"/\t/evil.example",     /* browsers drop the tab: //evil.example */
		"/\n/evil.example", "/\r/evil.example", "/\x01/evil.example", "/\x7f/evil.example",
		"//evil.example", "/\\evil.example", "/mail\\..\\x", "\\\\evil.example",
		"/%2F/evil.example",    /* decodes to //evil.example */
		"/%09/evil.example", "/%5Cevil.example", "/%0a", "/bad%zz", "/%",
		"https://evil.example", "evil.example", "javascript:alert(1)", "", " /mail",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		ck_assert_msg(!http_is_local_path(bad[i]), "accepted bad[%zu]", i);
	ck_assert(!http_is_local_path(NULL));
	char *long_path = xmalloc(LOCAL_PATH_MAX + 2);
	memset(long_path, 'a', LOCAL_PATH_MAX + 1);
	long_path[0] = '/';
	long_path[LOCAL_PATH_MAX + 1] = '\0';
	ck_assert(!http_is_local_path(long_path));
	free(long_path);
}
END_TEST

/* ---- logs ---------------------------------------------------------------------------------- */

static char *format(const char *fmt, ...) PRINTF_LIKE(1, 2);
static char *format(const char *fmt, ...)
{
	struct strbuf sb = { 0 };
	va_list ap;
	va_start(ap, fmt);
	log_vformat(&sb, fmt, ap);
	va_end(ap);
	return strbuf_detach(&sb, NULL);
}

START_TEST(test_log_arguments_are_escaped)
{
	char *s = format("GET %s status=%d", "/x\ninfo http GET /admin status=200", 404);
	ck_assert_str_eq(s, "GET /x\\ninfo http GET /admin status=200 status=404");
	free(s);
	s = format("err=\"%s\" next=%s", "a\" forged=\"1", "tab\there\r\x01\x7f\\");
	ck_assert_str_eq(s, "err=\"a\\\" forged=\\\"1\" next=tab\\there\\r\\x01\\x7f\\\\");
	free(s);
	/* Precision counts bytes of the value; non-ASCII passes as is. */
	s = format("sql=\"%.5s\" who=%s c=%c", "SELECT\n*", "Zürich", '\n');
	ck_assert_str_eq(s, "sql=\"SELEC\" who=Zürich c=\\n");
	free(s);
}
END_TEST

START_TEST(test_log_numbers_are_formatted_as_printf)
{
	const char *volatile none = NULL; /* volatile: the compiler would refuse a visible NULL %s */
	char *s = format("a=%lld b=%zu c=%zd d=%llu e=%03o f=%d%% g=%s h=%5.2f i=%x j=%ld",
			 (long long)-42, (size_t)7, (ssize_t)-3, 18446744073709551615ull, 8u, 50,
			 none, 3.14159, 255u, -9L);
	ck_assert_str_eq(s, "a=-42 b=7 c=-3 d=18446744073709551615 e=010 f=50% g=(null) h= 3.14 i=ff j=-9");
	free(s);
	s = format("%*d|%.*s|%-4s|", 4, 7, 2, "abc", "x");
	ck_assert_str_eq(s, "   7|ab|x|"); /* width of %s is not applied */
	free(s);
}
END_TEST

/* log_msg writes exactly one line, whatever the arguments hold. */
START_TEST(test_log_line_is_one_line)
{
	int fds[2];
	ck_assert_int_eq(pipe(fds), 0);
	int saved = dup(STDERR_FILENO);
	dup2(fds[1], STDERR_FILENO);
	log_set_request_id("rid\n1");
	log_info("http", "GET %s status=%d", "/a\nerror forged line", 404);
	log_set_request_id(NULL);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(fds[1]);
	char buf[512];
	ssize_t n = read(fds[0], buf, sizeof(buf) - 1);
	close(fds[0]);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	ck_assert_str_eq(buf, "info http GET /a\\nerror forged line status=404 rid=rid\\n1\n");
}
END_TEST

/* ---- SMTP ---------------------------------------------------------------------------------- */

START_TEST(test_smtp_tls_required_off_loopback)
{
	ck_assert_int_eq(mail_smtp_tls("smtp://mail.example.com:587", 0), SMTP_TLS_REQUIRED);
	ck_assert_int_eq(mail_smtp_tls("smtp://user:pw@mail.example.com", 0), SMTP_TLS_REQUIRED);
	ck_assert_int_eq(mail_smtp_tls("smtp://192.0.2.2:25", 0), SMTP_TLS_REQUIRED);
	ck_assert_int_eq(mail_smtp_tls("smtp://[2001:db8::1]:25", 0), SMTP_TLS_REQUIRED);
	ck_assert_int_eq(mail_smtp_tls("smtp://[::ffff:127.0.0.1]:25", 0), SMTP_TLS_REQUIRED);
	ck_assert_int_eq(mail_smtp_tls("smtp://localhost.evil.example", 0), SMTP_TLS_REQUIRED);
	ck_assert_int_eq(mail_smtp_tls("smtp://127.0.0.1.evil.example", 0), SMTP_TLS_REQUIRED);
	ck_assert_int_eq(mail_smtp_tls("SMTP://Mail.Example.com", 0), SMTP_TLS_REQUIRED);
}
END_TEST

START_TEST(test_smtp_tls_optional_on_loopback_or_when_allowed)
{
	ck_assert_int_eq(mail_smtp_tls("smtp://127.0.0.1:2525", 0), SMTP_TLS_OPTIONAL);
	ck_assert_int_eq(mail_smtp_tls("smtp://127.1.2.3", 0), SMTP_TLS_OPTIONAL);
	ck_assert_int_eq(mail_smtp_tls("smtp://localhost:25", 0), SMTP_TLS_OPTIONAL);
	ck_assert_int_eq(mail_smtp_tls("smtp://LocalHost", 0), SMTP_TLS_OPTIONAL);
	ck_assert_int_eq(mail_smtp_tls("smtp://[::1]:2525", 0), SMTP_TLS_OPTIONAL);
	ck_assert_int_eq(mail_smtp_tls("smtp://mail.example.com", 1), SMTP_TLS_OPTIONAL);
	ck_assert_int_eq(mail_smtp_tls("smtps://mail.example.com", 0), SMTP_TLS_IMPLICIT);
	ck_assert_int_eq(mail_smtp_tls("smtps://127.0.0.1", 1), SMTP_TLS_IMPLICIT);
	ck_assert_int_eq(mail_smtp_tls("mail.example.com", 1), SMTP_TLS_BAD_URL);
	ck_assert_int_eq(mail_smtp_tls("http://127.0.0.1", 1), SMTP_TLS_BAD_URL);
	ck_assert_int_eq(mail_smtp_tls(NULL, 1), SMTP_TLS_BAD_URL);
}
END_TEST

/* ---- dates beyond struct tm ---------------------------------------------------------------- */

START_TEST(test_dates_out_of_range_stay_in_bounds)
{
	char buf[64] = "x";
	ck_assert_str_eq(time_format_iso(INT64_MAX, buf, sizeof(buf)), "");
	ck_assert_str_eq(time_format_day(INT64_MIN, buf, sizeof(buf)), "");
	ck_assert_str_eq(time_format_iso(0, buf, sizeof(buf)), "1970-01-01T00:00:00Z");
	struct tm tm;
	ck_assert_int_eq(time_utc(INT64_MAX, &tm), -1);
	ck_assert_int_eq(tm.tm_mon, 0);
	ck_assert_int_eq(time_utc(1764633600, &tm), 0);
	ck_assert_int_eq(tm.tm_mon, 11);
	struct invitation_email e = { "Harbour", "", "101", "Ada", "http://x/invite/t", INT64_MAX };
	char *subject, *text, *html;
	invitation_email_build(&e, &subject, &text, &html);
	ck_assert_ptr_nonnull(strstr(text, "(no date)"));
	free(subject);
	free(text);
	free(html);
}
END_TEST

/* ---- password parameters ------------------------------------------------------------------- */

/* openssl kdf -keylen 32 -kdfopt pass:'hunter2 hunter2' -kdfopt salt:'0123456789abcdef'
 *   -kdfopt n:1024 -kdfopt r:4 -kdfopt p:2 SCRYPT (the format pilotomail has always stored) */
static const char old_hash[] = "scrypt$1024$4$2$30313233343536373839616263646566$"
			       "52f765b68dccb10b5d9f3160d5e203597f083c186bd834d6bcab08c4728adcac";

START_TEST(test_new_hashes_carry_owasp_parameters)
{
	char *h = password_hash("correct horse battery");
	ck_assert_msg(str_starts_with(h, "scrypt$131072$8$1$"), "%s", h);
	ck_assert_int_eq(password_verify("correct horse battery", h), 1);
	ck_assert_ptr_null(password_upgrade("correct horse battery", h));
	free(h);
}
END_TEST

START_TEST(test_old_hash_verifies_and_is_upgraded)
{
	ck_assert_int_eq(password_verify("hunter2 hunter2", old_hash), 1);
	char *h = password_upgrade("hunter2 hunter2", old_hash);
	ck_assert_ptr_nonnull(h);
	ck_assert(str_starts_with(h, "scrypt$131072$8$1$"));
	ck_assert_int_eq(password_verify("hunter2 hunter2", h), 1);
	free(h);
	ck_assert_ptr_null(password_upgrade("hunter2 hunter2", "not a hash"));
}
END_TEST

START_TEST(test_dummy_hash_uses_current_parameters)
{
	const char *d = password_dummy_hash();
	ck_assert(str_starts_with(d, "scrypt$131072$8$1$"));
	ck_assert_uint_eq(strlen(d), strlen("scrypt$131072$8$1$") + 32 + 1 + 64);
	/* Well-formed: verification runs (and fails) rather than being refused as malformed. */
	ck_assert_int_eq(password_verify("", d), 0);
	ck_assert_ptr_null(password_upgrade("", d));
}
END_TEST

static Suite *security_suite(void)
{
	Suite *s = suite_create("security");
	TCase *tc = tcase_create("pure");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_local_path_accepts_plain_paths);
	tcase_add_test(tc, test_local_path_refuses_what_leaves_the_site);
	tcase_add_test(tc, test_log_arguments_are_escaped);
	tcase_add_test(tc, test_log_numbers_are_formatted_as_printf);
	tcase_add_test(tc, test_log_line_is_one_line);
	tcase_add_test(tc, test_smtp_tls_required_off_loopback);
	tcase_add_test(tc, test_smtp_tls_optional_on_loopback_or_when_allowed);
	tcase_add_test(tc, test_dates_out_of_range_stay_in_bounds);
	tcase_add_test(tc, test_new_hashes_carry_owasp_parameters);
	tcase_add_test(tc, test_old_hash_verifies_and_is_upgraded);
	tcase_add_test(tc, test_dummy_hash_uses_current_parameters);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(security_suite)
