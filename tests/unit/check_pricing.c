/*
 * check_pricing.c: the free allowance and fees of mail actions, postage, storage day counting
 * (month ends, year end, the 2026 daylight-saving changes in Europe and the US: days stay whole)
 * and the month bounds the allowance is counted in.
 */
#include "check_helpers.h"
#include "domain/pricing.h"
#include "util/money.h"

#include <stdlib.h>
#include <string.h>

/* The (used+1)-th action of a month with `free_` free actions and a fee of fee. */
static int64_t fee_for(int64_t free_, int64_t fee, int64_t used)
{
	struct offering_action a = { .enabled = 1, .free_per_month = free_, .fee = fee };
	return pricing_action_fee(&a, used);
}

START_TEST(allowance_first_then_fee)
{
	/* 3 free, then 2.50: the 1st to 3rd are free, the 4th and 5th cost 2.50. */
	ck_assert_int_eq(fee_for(3, 250, 0), 0);
	ck_assert_int_eq(fee_for(3, 250, 1), 0);
	ck_assert_int_eq(fee_for(3, 250, 2), 0);
	ck_assert_int_eq(fee_for(3, 250, 3), 250);
	ck_assert_int_eq(fee_for(3, 250, 4), 250);
	/* No allowance: every one is charged; no fee: every one is free. */
	ck_assert_int_eq(fee_for(0, 199, 0), 199);
	ck_assert_int_eq(fee_for(5, 0, 9), 0);
	/* Defensive: a negative count is the first of the month, NULL is no charge. */
	ck_assert_int_eq(fee_for(1, 100, -3), 0);
	ck_assert_int_eq(pricing_action_fee(NULL, 0), 0);
}
END_TEST

START_TEST(allowance_resets_at_month_boundary)
{
	/* 3 free a month. Four scans on 2026-11-27..30: the 4th is charged. On 2026-12-01 the
	 * month's count restarts at 0, so the first December scan is free again. */
	char first[11], next[11];
	pricing_month_bounds("2026-11-30", first, next);
	ck_assert_str_eq(first, "2026-11-01");
	ck_assert_str_eq(next, "2026-12-01");
	const char *november[] = { "2026-11-27", "2026-11-28", "2026-11-29", "2026-11-30" };
	int64_t used = 0;
	int64_t fees[4];
	for (int i = 0; i < 4; i++) {
		/* Each one counts the charges dated inside [first, next) before it. */
		ck_assert(strcmp(november[i], first) >= 0 && strcmp(november[i], next) < 0);
		fees[i] = fee_for(3, 300, used++);
	}
	ck_assert_int_eq(fees[0] + fees[1] + fees[2], 0);
	ck_assert_int_eq(fees[3], 300);
	char dfirst[11], dnext[11];
	pricing_month_bounds("2026-12-01", dfirst, dnext);
	ck_assert_str_eq(dfirst, "2026-12-01");
	ck_assert_str_eq(dnext, "2027-01-01");
	/* None of November's four falls in December's bounds: December's count is 0. */
	int64_t dec_used = 0;
	for (int i = 0; i < 4; i++)
		dec_used += strcmp(november[i], dfirst) >= 0 && strcmp(november[i], dnext) < 0;
	ck_assert_int_eq(dec_used, 0);
	ck_assert_int_eq(fee_for(3, 300, dec_used), 0);
}
END_TEST

START_TEST(month_bounds)
{
	char first[11], next[11];
	pricing_month_bounds("2026-01-31", first, next);
	ck_assert_str_eq(first, "2026-01-01");
	ck_assert_str_eq(next, "2026-02-01");
	pricing_month_bounds("2028-02-29", first, next); /* leap day */
	ck_assert_str_eq(first, "2028-02-01");
	ck_assert_str_eq(next, "2028-03-01");
	pricing_month_bounds("2026-12-31", first, next); /* year end */
	ck_assert_str_eq(first, "2026-12-01");
	ck_assert_str_eq(next, "2027-01-01");
	/* DST months are calendar months like any other. */
	pricing_month_bounds("2026-03-29", first, next);
	ck_assert_str_eq(first, "2026-03-01");
	ck_assert_str_eq(next, "2026-04-01");
	pricing_month_bounds("2026-10-25", first, next);
	ck_assert_str_eq(first, "2026-10-01");
	ck_assert_str_eq(next, "2026-11-01");
	/* Bad input: empty bounds. */
	pricing_month_bounds("2026-02-30", first, next);
	ck_assert_str_eq(first, "");
	ck_assert_str_eq(next, "");
	pricing_month_bounds("2026-1-5", first, next);
	ck_assert_str_eq(first, "");
	pricing_month_bounds(NULL, first, next);
	ck_assert_str_eq(next, "");
	pricing_month_bounds("2026-11-20T10:00:00Z", first, next);
	ck_assert_str_eq(first, "");
}
END_TEST

START_TEST(forward_adds_postage)
{
	ck_assert_int_eq(pricing_forward_total(500, 420), 920);
	/* Inside the free allowance a forward still costs its postage. */
	ck_assert_int_eq(pricing_forward_total(fee_for(1, 500, 0), 420), 420);
	ck_assert_int_eq(pricing_forward_total(fee_for(1, 500, 1), 420), 920);
	ck_assert_int_eq(pricing_forward_total(500, 0), 500);
	ck_assert_int_eq(pricing_forward_total(0, 0), 0);
	ck_assert_int_eq(pricing_forward_total(-5, -5), 0);
	ck_assert_int_eq(pricing_forward_total(MONEY_MAX_MINOR, 1), MONEY_MAX_MINOR);
}
END_TEST

START_TEST(storage_days_basic)
{
	/* Received 11-01, until 11-10: 10 days stored (day of receipt is day 1); 7 free: 3. */
	ck_assert_int_eq(pricing_storage_days_billable("2026-11-01", "2026-11-10", 7), 3);
	ck_assert_int_eq(pricing_storage_days_billable("2026-11-01", "2026-11-07", 7), 0);
	ck_assert_int_eq(pricing_storage_days_billable("2026-11-01", "2026-11-08", 7), 1);
	ck_assert_int_eq(pricing_storage_days_billable("2026-11-01", "2026-11-01", 0), 1);
	/* Never negative: until before receipt, or bad input. */
	ck_assert_int_eq(pricing_storage_days_billable("2026-11-10", "2026-11-01", 0), 0);
	ck_assert_int_eq(pricing_storage_days_billable("2026-11-10", "garbage", 0), 0);
	ck_assert_int_eq(pricing_storage_days_billable("2026-11-01", "2026-11-10", -4), 10);
}
END_TEST

START_TEST(storage_days_month_and_year_ends)
{
	/* 2026-01-28 .. 2026-03-02: 4 + 28 + 2 = 34 days (2026 is not a leap year). */
	ck_assert_int_eq(pricing_storage_days_billable("2026-01-28", "2026-03-02", 0), 34);
	/* 2028 is: 2028-02-28 .. 2028-03-01 is 3 days. */
	ck_assert_int_eq(pricing_storage_days_billable("2028-02-28", "2028-03-01", 0), 3);
	/* Year end: 2026-12-30 .. 2027-01-02 is 4 days; 1 free, 3 billable. */
	ck_assert_int_eq(pricing_storage_days_billable("2026-12-30", "2027-01-02", 1), 3);
	/* A whole year. */
	ck_assert_int_eq(pricing_storage_days_billable("2026-01-01", "2026-12-31", 0), 365);
}
END_TEST

START_TEST(storage_days_across_dst)
{
	/* Europe: clocks go forward 2026-03-29 and back 2026-10-25 (23- and 25-hour local days). */
	ck_assert_int_eq(pricing_storage_days_billable("2026-03-28", "2026-03-30", 0), 3);
	ck_assert_int_eq(pricing_storage_days_billable("2026-03-29", "2026-03-29", 0), 1);
	ck_assert_int_eq(pricing_storage_days_billable("2026-10-24", "2026-10-26", 0), 3);
	ck_assert_int_eq(pricing_storage_days_billable("2026-10-25", "2026-10-25", 0), 1);
	/* US: 2026-03-08 forward, 2026-11-01 back. */
	ck_assert_int_eq(pricing_storage_days_billable("2026-03-07", "2026-03-09", 0), 3);
	ck_assert_int_eq(pricing_storage_days_billable("2026-10-31", "2026-11-02", 0), 3);
	/* Across both European changes: 2026-03-01 .. 2026-10-31 is 245 days, whatever the
	 * local clock did in between. */
	ck_assert_int_eq(pricing_storage_days_billable("2026-03-01", "2026-10-31", 0), 245);
	/* The same with a local time zone that has DST set in the environment: no difference. */
	setenv("TZ", "Europe/Berlin", 1);
	ck_assert_int_eq(pricing_storage_days_billable("2026-03-28", "2026-03-30", 0), 3);
	ck_assert_int_eq(pricing_storage_days_billable("2026-10-24", "2026-10-26", 0), 3);
	setenv("TZ", "America/New_York", 1);
	ck_assert_int_eq(pricing_storage_days_billable("2026-03-07", "2026-03-09", 0), 3);
	ck_assert_int_eq(pricing_storage_days_billable("2026-10-31", "2026-11-02", 0), 3);
	char first[11], next[11];
	pricing_month_bounds("2026-11-01", first, next);
	ck_assert_str_eq(first, "2026-11-01");
	ck_assert_str_eq(next, "2026-12-01");
	unsetenv("TZ");
}
END_TEST

START_TEST(storage_next_day_and_due)
{
	char day[11];
	/* Nothing charged yet: the first billable day is receipt + free days. */
	ck_assert_int_eq(pricing_storage_first_billable_day("2026-11-01", 7, day), 0);
	ck_assert_str_eq(day, "2026-11-08");
	ck_assert_int_eq(pricing_storage_next_day("2026-11-01", 7, NULL, day), 0);
	ck_assert_str_eq(day, "2026-11-08");
	ck_assert_int_eq(pricing_storage_next_day("2026-11-01", 7, "", day), 0);
	ck_assert_str_eq(day, "2026-11-08");
	/* Charged through 11-10: the next is 11-11. */
	ck_assert_int_eq(pricing_storage_next_day("2026-11-01", 7, "2026-11-10", day), 0);
	ck_assert_str_eq(day, "2026-11-11");
	/* Charged through a day inside the free days (free days raised since): the first billable. */
	ck_assert_int_eq(pricing_storage_next_day("2026-11-01", 7, "2026-11-03", day), 0);
	ck_assert_str_eq(day, "2026-11-08");
	/* Across the year end. */
	ck_assert_int_eq(pricing_storage_next_day("2026-12-20", 0, "2026-12-31", day), 0);
	ck_assert_str_eq(day, "2027-01-01");
	/* Due: from the next day through the last day, inclusive. */
	ck_assert_int_eq(pricing_storage_days_due("2026-11-01", 7, NULL, "2026-11-10"), 3);
	ck_assert_int_eq(pricing_storage_days_due("2026-11-01", 7, "2026-11-09", "2026-11-10"), 1);
	ck_assert_int_eq(pricing_storage_days_due("2026-11-01", 7, "2026-11-10", "2026-11-10"), 0);
	ck_assert_int_eq(pricing_storage_days_due("2026-11-01", 7, NULL, "2026-11-05"), 0);
	/* The due count and the billable count agree when nothing was charged yet. */
	ck_assert_int_eq(pricing_storage_days_due("2026-10-20", 3, NULL, "2026-11-02"),
			 pricing_storage_days_billable("2026-10-20", "2026-11-02", 3));
	/* Bad input. */
	ck_assert_int_eq(pricing_storage_next_day("nope", 7, NULL, day), -1);
	ck_assert_int_eq(pricing_storage_next_day("2026-11-01", 7, "2026-13-01", day), -1);
	ck_assert_int_eq(pricing_storage_days_due("nope", 0, NULL, "2026-11-02"), 0);
}
END_TEST

START_TEST(decimal_input_to_minor_units)
{
	/* Fees and postage typed on forms go through money_parse before pricing. */
	int64_t v;
	ck_assert_int_eq(money_parse("4.2", 2, &v), 0);
	ck_assert_int_eq(v, 420);
	ck_assert_int_eq(money_parse("0.125", 2, &v), 0); /* half away from zero */
	ck_assert_int_eq(v, 13);
	ck_assert_int_eq(money_parse("0.124", 2, &v), 0);
	ck_assert_int_eq(v, 12);
	ck_assert_int_eq(money_parse("2.999", 2, &v), 0);
	ck_assert_int_eq(v, 300);
	ck_assert_int_eq(money_parse(" 12 ", 2, &v), 0);
	ck_assert_int_eq(v, 1200);
	ck_assert_int_eq(money_parse("-1.00", 2, &v), -1);
	ck_assert_int_eq(money_parse("1,50", 2, &v), -1);
	ck_assert_int_eq(money_parse("", 2, &v), -1);
	/* A rounded fee plus a rounded postage: 2.505 + 4.195 = 2.51 + 4.20. */
	int64_t fee, postage;
	ck_assert_int_eq(money_parse("2.505", 2, &fee), 0);
	ck_assert_int_eq(money_parse("4.195", 2, &postage), 0);
	ck_assert_int_eq(pricing_forward_total(fee_for(0, fee, 0), postage), 671);
}
END_TEST

static Suite *pricing_suite(void)
{
	Suite *s = suite_create("pricing");
	TCase *tc = tcase_create("pricing");
	tcase_add_test(tc, allowance_first_then_fee);
	tcase_add_test(tc, allowance_resets_at_month_boundary);
	tcase_add_test(tc, month_bounds);
	tcase_add_test(tc, forward_adds_postage);
	tcase_add_test(tc, storage_days_basic);
	tcase_add_test(tc, storage_days_month_and_year_ends);
	tcase_add_test(tc, storage_days_across_dst);
	tcase_add_test(tc, storage_next_day_and_due);
	tcase_add_test(tc, decimal_input_to_minor_units);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(pricing_suite)
