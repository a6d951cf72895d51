/*
 * pricing.h: what a mail action or a day of storage costs. Pure functions: no database, no
 * clock, no allocation. Money is int64 minor units (util/money.h).
 *
 * Days are UTC calendar days written "YYYY-MM-DD" (util/timeutil.h). Counting is done on the
 * calendar, never by dividing seconds, so a daylight-saving change (a 23- or 25-hour local day)
 * never adds or removes a day: every count here is a whole number of calendar days.
 */
#ifndef PILOTOMAIL_DOMAIN_PRICING_H
#define PILOTOMAIL_DOMAIN_PRICING_H

#include <stdint.h>

#include "store/offerings.h"

/*
 * The fee of one more action given how many of that kind the mailbox already had completed in
 * the same calendar month (used_this_month). The free allowance comes first: while
 * used_this_month < a->free_per_month the action is free (0); after that it costs a->fee.
 * A disabled action is the caller's business (it must be refused before pricing).
 */
int64_t pricing_action_fee(const struct offering_action *a, int64_t used_this_month);

/* A forward costs its fee plus the postage paid; both >= 0. Saturates at MONEY_MAX_MINOR. */
int64_t pricing_forward_total(int64_t fee, int64_t postage);

/*
 * Whole days an item received on received_on and still stored on until_day is billable for
 * storage, beyond the free days. The day of receipt is day 1, until_day is counted too:
 * received 2026-11-01, until 2026-11-10 is 10 days stored; with 7 free days, 3 billable.
 * Never negative; 0 on bad input or when until_day is before received_on.
 */
int64_t pricing_storage_days_billable(const char *received_on, const char *until_day, int64_t free_days);

/*
 * The first storage day that is billable: received_on + free_days (day of receipt is day 1).
 * out gets 11 bytes. 0, or -1 on bad input.
 */
int pricing_storage_first_billable_day(const char *received_on, int64_t free_days, char out[11]);

/*
 * The next storage day the daily job should charge, given the item's receipt day, its free
 * days and storage_charged_through (NULL or "" when nothing has been charged yet): the later
 * of the first billable day and the day after charged_through. The job charges each day from
 * there while the day is <= the last day to charge (today, or the day the item left storage
 * when left_on is set). out gets 11 bytes. 0, or -1 on bad input.
 */
int pricing_storage_next_day(const char *received_on, int64_t free_days, const char *charged_through,
			     char out[11]);

/*
 * How many storage days are due now: days from pricing_storage_next_day() through last_day
 * inclusive (last_day = today, or left_on when the item has left storage). Never negative.
 */
int64_t pricing_storage_days_due(const char *received_on, int64_t free_days, const char *charged_through,
				 const char *last_day);

/*
 * The calendar month (UTC) containing day: first = "YYYY-MM-01", next_first = the first day of
 * the following month, so "this month" is first <= d < next_first as text. On bad input both
 * are set to "" (callers then count nothing in the month and price as the first use).
 */
void pricing_month_bounds(const char *day, char first[11], char next_first[11]);

#endif
