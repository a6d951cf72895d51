/* pricing.c: see pricing.h. Days are counted on the UTC calendar, never in local hours. */
#include "domain/pricing.h"
#include "util/money.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define DAY_S ((int64_t)86400)

int64_t pricing_action_fee(const struct offering_action *a, int64_t used_this_month)
{
	if (!a)
		return 0;
	if (used_this_month < 0)
		used_this_month = 0;
	if (used_this_month < a->free_per_month)
		return 0;
	return a->fee > 0 ? a->fee : 0;
}

int64_t pricing_forward_total(int64_t fee, int64_t postage)
{
	if (fee < 0)
		fee = 0;
	if (postage < 0)
		postage = 0;
	if (fee > MONEY_MAX_MINOR - postage)
		return MONEY_MAX_MINOR;
	return fee + postage;
}

/* A strict "YYYY-MM-DD" as the Unix time of its UTC midnight. 0 or -1. */
static int day_parse(const char *day, int64_t *t)
{
	int64_t ms;
	if (!day || strlen(day) != 10 || time_parse_iso_ms(day, &ms) < 0)
		return -1;
	*t = ms / 1000;
	return 0;
}

/* day + n calendar days into out (11 bytes). 0 or -1. */
static int day_add(const char *day, int64_t n, char out[11])
{
	int64_t t;
	if (day_parse(day, &t) < 0 || n < 0 || n > 100000)
		return -1;
	time_format_day(t + n * DAY_S, out, 11);
	return 0;
}

/* Days from a to b inclusive (a = b is 1); 0 when b is before a or on bad input. */
static int64_t days_inclusive(const char *a, const char *b)
{
	int ok = 0;
	int64_t d = time_days_between(a, b, &ok);
	if (!ok || d < 0)
		return 0;
	return d + 1;
}

int64_t pricing_storage_days_billable(const char *received_on, const char *until_day, int64_t free_days)
{
	int64_t stored = days_inclusive(received_on, until_day);
	if (free_days < 0)
		free_days = 0;
	return stored > free_days ? stored - free_days : 0;
}

int pricing_storage_first_billable_day(const char *received_on, int64_t free_days, char out[11])
{
	out[0] = '\0';
	return day_add(received_on, free_days < 0 ? 0 : free_days, out);
}

int pricing_storage_next_day(const char *received_on, int64_t free_days, const char *charged_through,
			     char out[11])
{
	char first[11], after[11];
	if (pricing_storage_first_billable_day(received_on, free_days, first) < 0)
		return -1;
	if (!charged_through || !*charged_through) {
		memcpy(out, first, 11);
		return 0;
	}
	if (day_add(charged_through, 1, after) < 0)
		return -1;
	/* Both are YYYY-MM-DD: text order is day order. */
	memcpy(out, strcmp(after, first) > 0 ? after : first, 11);
	return 0;
}

int64_t pricing_storage_days_due(const char *received_on, int64_t free_days, const char *charged_through,
				 const char *last_day)
{
	char next[11];
	if (pricing_storage_next_day(received_on, free_days, charged_through, next) < 0)
		return 0;
	return days_inclusive(next, last_day);
}

void pricing_month_bounds(const char *day, char first[11], char next_first[11])
{
	int64_t t;
	first[0] = next_first[0] = '\0';
	if (day_parse(day, &t) < 0)
		return;
	struct tm tm;
	if (time_utc(t, &tm) < 0)
		return;
	tm.tm_mday = 1;
	time_t start = timegm(&tm);
	tm.tm_mon += 1; /* timegm carries December into January of the next year */
	time_t next = timegm(&tm);
	time_format_day((int64_t)start, first, 11);
	time_format_day((int64_t)next, next_first, 11);
}
