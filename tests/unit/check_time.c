/*
 * check_time.c: ISO-8601 parsing, calendar days and formatting (util/timeutil.h).
 * Every test runs with the process in a time zone that has daylight saving time, so that a
 * local-time mistake (mktime instead of timegm) would shift a result by an hour or a day.
 */
#include "check_helpers.h"
#include "util/timeutil.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define T_2026_11_26_16_49_02 INT64_C(1795711742)

static void zone_setup(void)
{
	setenv("TZ", "America/New_York", 1);
	tzset();
	unsetenv("PILOTOMAIL_FAKE_NOW");
}

static void zone_setup_europe(void)
{
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
}

static int64_t iso_ok(const char *text)
{
	int64_t ms = -1;
	ck_assert_msg(time_parse_iso_ms(text, &ms) == 0, "\"%s\" should parse", text);
	return ms;
}

static void iso_refused(const char *text)
{
	int64_t ms = 4242;
	ck_assert_msg(time_parse_iso_ms(text, &ms) == -1, "\"%s\" should be refused", text ? text : "(null)");
	ck_assert_int_eq(ms, 4242);
}

static int64_t days(const char *a, const char *b)
{
	int ok = 0;
	int64_t d = time_days_between(a, b, &ok);
	ck_assert_msg(ok == 1, "%s..%s should be valid days", a, b);
	return d;
}

START_TEST(parses_utc_with_z)
{
	ck_assert_int_eq(iso_ok("2026-11-26T16:49:02Z"), T_2026_11_26_16_49_02 * 1000);
	ck_assert_int_eq(iso_ok("1970-01-01T00:00:00Z"), 0);
	ck_assert_int_eq(iso_ok("2026-11-26T16:49Z"), (T_2026_11_26_16_49_02 - 2) * 1000);
}
END_TEST

START_TEST(parses_offsets_to_the_same_instant)
{
	int64_t utc = T_2026_11_26_16_49_02 * 1000;
	ck_assert_int_eq(iso_ok("2026-11-26T17:49:02+01:00"), utc);
	ck_assert_int_eq(iso_ok("2026-11-26T11:49:02-05:00"), utc);
	ck_assert_int_eq(iso_ok("2026-11-26T22:19:02+05:30"), utc);
	ck_assert_int_eq(iso_ok("2026-11-26T17:49:02+0100"), utc);
	ck_assert_int_eq(iso_ok("2026-11-26T16:49:02+00:00"), utc);
	/* An offset can move the instant into the previous day and year. */
	ck_assert_int_eq(iso_ok("2027-01-01T01:00:00+02:00"), (INT64_C(1798761600) - 3600) * 1000);
}
END_TEST

START_TEST(keeps_milliseconds)
{
	int64_t base = T_2026_11_26_16_49_02 * 1000;
	ck_assert_int_eq(iso_ok("2026-11-26T16:49:02.123Z"), base + 123);
	ck_assert_int_eq(iso_ok("2026-11-26T16:49:02.5Z"), base + 500);
	ck_assert_int_eq(iso_ok("2026-11-26T16:49:02.05Z"), base + 50);
	ck_assert_int_eq(iso_ok("2026-11-26T16:49:02.000Z"), base);
	ck_assert_int_eq(iso_ok("2026-11-26T16:49:02.123456Z"), base + 123); /* microseconds cut */
	ck_assert_int_eq(iso_ok("2026-11-26T17:49:02.999+01:00"), base + 999);
	/* Two events within one second keep their order. */
	ck_assert_int_lt(iso_ok("2026-11-26T16:49:02.001Z"), iso_ok("2026-11-26T16:49:02.002Z"));
}
END_TEST

START_TEST(parses_a_plain_day_as_utc_midnight)
{
	ck_assert_int_eq(iso_ok("2026-01-01"), INT64_C(1767225600) * 1000);
	ck_assert_int_eq(iso_ok("2024-02-29"), INT64_C(1709164800) * 1000);
}
END_TEST

START_TEST(refuses_impossible_dates_and_times)
{
	static const char *bad[] = {
		"2026-02-30", "2026-02-29", "2025-02-29", "2026-04-31", "2026-13-01", "2026-00-10",
		"2026-01-00", "2026-01-32", "2026-02-30T10:00:00Z", "2026-11-26T24:00:00Z",
		"2026-11-26T16:60:00Z", "2026-11-26T16:49:61Z", "2026-11-26T16:49:02+24:00",
		"2026-11-26T16:49:02+01:60",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		iso_refused(bad[i]);
}
END_TEST

START_TEST(refuses_malformed_text)
{
	static const char *bad[] = {
		"", "2026", "2026-11", "26-11-2026", "2026/11/26", "2026-1-26", "2026-11-26T",
		"2026-11-26T16:49:02", /* no zone: ambiguous, so refused */
		"2026-11-26T16:49:02.Z", "2026-11-26T16:49:02Zjunk", "2026-11-26 junk",
		"2026-11-26T16:49:02+1", "2026-11-26T16:49:02 Z", "x2026-11-26",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		iso_refused(bad[i]);
	iso_refused(NULL);
}
END_TEST

START_TEST(counts_days_across_month_and_year_ends)
{
	ck_assert_int_eq(days("2026-01-31", "2026-02-01"), 1);
	ck_assert_int_eq(days("2026-02-28", "2026-03-01"), 1);
	ck_assert_int_eq(days("2024-02-28", "2024-03-01"), 2);
	ck_assert_int_eq(days("2026-04-30", "2026-05-01"), 1);
	ck_assert_int_eq(days("2026-12-31", "2027-01-01"), 1);
	ck_assert_int_eq(days("2026-01-01", "2027-01-01"), 365);
	ck_assert_int_eq(days("2024-01-01", "2025-01-01"), 366);
	ck_assert_int_eq(days("2026-11-26", "2026-11-26"), 0);
	ck_assert_int_eq(days("2026-03-01", "2026-02-28"), -1);
}
END_TEST

/* 2026's DST changes: US 8 March and 1 November, EU 29 March and 25 October. In UTC a day is
 * always 86400 seconds, so each span counts whole days, whatever TZ the process has. */
static void check_dst_spans(void)
{
	ck_assert_int_eq(days("2026-03-07", "2026-03-09"), 2);
	ck_assert_int_eq(days("2026-03-08", "2026-03-09"), 1);
	ck_assert_int_eq(days("2026-10-31", "2026-11-02"), 2);
	ck_assert_int_eq(days("2026-11-01", "2026-11-02"), 1);
	ck_assert_int_eq(days("2026-03-28", "2026-03-30"), 2);
	ck_assert_int_eq(days("2026-03-29", "2026-03-30"), 1);
	ck_assert_int_eq(days("2026-10-24", "2026-10-26"), 2);
	ck_assert_int_eq(days("2026-10-25", "2026-10-26"), 1);
	ck_assert_int_eq(days("2026-03-01", "2026-11-30"), 274);
}

START_TEST(counts_days_across_dst_changes_in_new_york)
{
	check_dst_spans();
}
END_TEST

START_TEST(counts_days_across_dst_changes_in_berlin)
{
	zone_setup_europe();
	check_dst_spans();
}
END_TEST

START_TEST(days_between_refuses_bad_days)
{
	int ok = 1;
	ck_assert_int_eq(time_days_between("2026-02-30", "2026-03-01", &ok), -1);
	ck_assert_int_eq(ok, 0);
	ok = 1;
	ck_assert_int_eq(time_days_between("2026-03-01", "2026-03-01T00:00:00Z", &ok), -1);
	ck_assert_int_eq(ok, 0);
	ok = 1;
	time_days_between("", "2026-03-01", &ok);
	ck_assert_int_eq(ok, 0);
	ok = 1;
	time_days_between(NULL, "2026-03-01", &ok);
	ck_assert_int_eq(ok, 0);
}
END_TEST

static void next_day_is(const char *day, const char *expected)
{
	char out[11];
	ck_assert_int_eq(time_next_day(day, out, sizeof(out)), 0);
	ck_assert_str_eq(out, expected);
}

START_TEST(next_day_rolls_over_months_and_years)
{
	next_day_is("2026-12-31", "2027-01-01");
	next_day_is("2026-01-31", "2026-02-01");
	next_day_is("2026-02-28", "2026-03-01");
	next_day_is("2024-02-28", "2024-02-29");
	next_day_is("2024-02-29", "2024-03-01");
	next_day_is("2026-11-26", "2026-11-27");
}
END_TEST

START_TEST(next_day_ignores_local_dst)
{
	next_day_is("2026-03-08", "2026-03-09");
	next_day_is("2026-11-01", "2026-11-02");
	zone_setup_europe();
	next_day_is("2026-03-29", "2026-03-30");
	next_day_is("2026-10-25", "2026-10-26");
}
END_TEST

START_TEST(next_day_refuses_bad_days)
{
	char out[11] = "unchanged";
	ck_assert_int_eq(time_next_day("2026-02-30", out, sizeof(out)), -1);
	ck_assert_int_eq(time_next_day("2026-12-31x", out, sizeof(out)), -1);
	ck_assert_int_eq(time_next_day("", out, sizeof(out)), -1);
	ck_assert_str_eq(out, "unchanged");
}
END_TEST

START_TEST(formats_in_utc)
{
	char buf[32];
	ck_assert_str_eq(time_format_iso(T_2026_11_26_16_49_02, buf, sizeof(buf)), "2026-11-26T16:49:02Z");
	ck_assert_str_eq(time_format_day(T_2026_11_26_16_49_02, buf, sizeof(buf)), "2026-11-26");
	/* 23:59:59 UTC on New Year's Eve is still that day, though New York is five hours behind
	 * and Tokyo already in the new year. */
	ck_assert_str_eq(time_format_day(INT64_C(1798761599), buf, sizeof(buf)), "2026-12-31");
	ck_assert_str_eq(time_format_day(INT64_C(1798761600), buf, sizeof(buf)), "2027-01-01");
	ck_assert_int_eq(iso_ok(time_format_iso(INT64_C(1772953200), buf, sizeof(buf))), INT64_C(1772953200) * 1000);
}
END_TEST

START_TEST(fake_now_overrides_the_clock)
{
	setenv("PILOTOMAIL_FAKE_NOW", "1795711742", 1);
	ck_assert_int_eq(time_now(), T_2026_11_26_16_49_02);
	setenv("PILOTOMAIL_FAKE_NOW", "not a number", 1);
	ck_assert_int_gt(time_now(), T_2026_11_26_16_49_02 - 10 * 365 * 86400);
	ck_assert_int_ne(time_now(), 0);
	unsetenv("PILOTOMAIL_FAKE_NOW");
}
END_TEST

/* 2026-12-02T01:54:11Z */
#define T_2026_12_02_01_54_11 ((int64_t)1796176451)
#define NBSP "\xc2\xa0"

START_TEST(formats_an_instant_in_the_operators_zone)
{
	char buf[64];
	ck_assert_str_eq(time_format_local(T_2026_12_02_01_54_11, "UTC", buf, sizeof(buf)),
			 "2" NBSP "Dec" NBSP "2026," NBSP "01:54" NBSP "UTC");
	/* Berlin is an hour ahead in winter, New York five hours behind: the day changes too. */
	ck_assert_str_eq(time_format_local(T_2026_12_02_01_54_11, "Europe/Berlin", buf, sizeof(buf)),
			 "2" NBSP "Dec" NBSP "2026," NBSP "02:54" NBSP "CET");
	ck_assert_str_eq(time_format_local(T_2026_12_02_01_54_11, "America/New_York", buf, sizeof(buf)),
			 "1" NBSP "Dec" NBSP "2026," NBSP "20:54" NBSP "EST");
	/* Summer time: 2026-07-01T12:00:00Z. */
	ck_assert_str_eq(time_format_local(1782907200, "Europe/Berlin", buf, sizeof(buf)),
			 "1" NBSP "Jul" NBSP "2026," NBSP "14:00" NBSP "CEST");
	ck_assert_str_eq(time_format_local(0, "UTC", buf, sizeof(buf)), "");
}
END_TEST

START_TEST(a_zone_changed_elsewhere_is_not_trusted)
{
	char buf[64];
	time_format_local(T_2026_12_02_01_54_11, "Europe/Berlin", buf, sizeof(buf));
	setenv("TZ", "Asia/Tokyo", 1);
	tzset();
	ck_assert_str_eq(time_format_local(T_2026_12_02_01_54_11, "Europe/Berlin", buf, sizeof(buf)),
			 "2" NBSP "Dec" NBSP "2026," NBSP "02:54" NBSP "CET");
}
END_TEST

START_TEST(an_unknown_zone_shows_utc_and_is_not_valid)
{
	char buf[64];
	ck_assert_int_eq(time_zone_valid("Europe/Berlin"), 1);
	ck_assert_int_eq(time_zone_valid("UTC"), 1);
	const char *bad[] = { "", "Mars/Olympus", "../../etc/passwd", "/etc/passwd", "Europe/", "Europe//Berlin",
			      "Europe/Berlin; rm", "zone.tab", "Europe", NULL };
	for (int i = 0; bad[i]; i++)
		ck_assert_msg(!time_zone_valid(bad[i]), "%s was taken as a time zone", bad[i]);
	ck_assert_int_eq(time_zone_valid(NULL), 0);
	ck_assert_str_eq(time_format_local(T_2026_12_02_01_54_11, "Mars/Olympus", buf, sizeof(buf)),
			 "2" NBSP "Dec" NBSP "2026," NBSP "01:54" NBSP "UTC");
}
END_TEST

START_TEST(formats_a_day_for_reading)
{
	char buf[32];
	ck_assert_str_eq(time_format_day_long("2026-12-02", buf, sizeof(buf)), "2" NBSP "Dec" NBSP "2026");
	ck_assert_str_eq(time_format_day_long("2027-01-31", buf, sizeof(buf)), "31" NBSP "Jan" NBSP "2027");
	ck_assert_str_eq(time_format_day_long("", buf, sizeof(buf)), "");
	ck_assert_str_eq(time_format_day_long("not a day", buf, sizeof(buf)), "not a day");
	ck_assert_str_eq(time_format_day_long(NULL, buf, sizeof(buf)), "");
	ck_assert_str_eq(time_format_month_long("2026-12", buf, sizeof(buf)), "Dec" NBSP "2026");
	ck_assert_str_eq(time_format_month_long("2026-13", buf, sizeof(buf)), "2026-13");
}
END_TEST

static Suite *time_suite(void)
{
	Suite *s = suite_create("time");
	TCase *iso = tcase_create("iso");
	tcase_add_checked_fixture(iso, zone_setup, NULL);
	tcase_add_test(iso, parses_utc_with_z);
	tcase_add_test(iso, parses_offsets_to_the_same_instant);
	tcase_add_test(iso, keeps_milliseconds);
	tcase_add_test(iso, parses_a_plain_day_as_utc_midnight);
	tcase_add_test(iso, refuses_impossible_dates_and_times);
	tcase_add_test(iso, refuses_malformed_text);
	suite_add_tcase(s, iso);
	TCase *cal = tcase_create("days");
	tcase_add_checked_fixture(cal, zone_setup, NULL);
	tcase_add_test(cal, counts_days_across_month_and_year_ends);
	tcase_add_test(cal, counts_days_across_dst_changes_in_new_york);
	tcase_add_test(cal, counts_days_across_dst_changes_in_berlin);
	tcase_add_test(cal, days_between_refuses_bad_days);
	tcase_add_test(cal, next_day_rolls_over_months_and_years);
	tcase_add_test(cal, next_day_ignores_local_dst);
	tcase_add_test(cal, next_day_refuses_bad_days);
	tcase_add_test(cal, formats_in_utc);
	tcase_add_test(cal, fake_now_overrides_the_clock);
	suite_add_tcase(s, cal);
	TCase *pages = tcase_create("pages");
	tcase_add_checked_fixture(pages, zone_setup, NULL);
	tcase_add_test(pages, formats_an_instant_in_the_operators_zone);
	tcase_add_test(pages, a_zone_changed_elsewhere_is_not_trusted);
	tcase_add_test(pages, an_unknown_zone_shows_utc_and_is_not_valid);
	tcase_add_test(pages, formats_a_day_for_reading);
	suite_add_tcase(s, pages);
	return s;
}

CHECK_MAIN(time_suite)
