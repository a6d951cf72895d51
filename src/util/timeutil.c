/* timeutil.c: see timeutil.h. Calendar maths on UTC with timegm: no local time, so no DST. */
#define _GNU_SOURCE
#include "util/timeutil.h"
#include "util/util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t time_now(void)
{
	int64_t fake;
	if (parse_int64(getenv("PILOTOMAIL_FAKE_NOW"), 0, INT64_MAX, &fake) == 0)
		return fake;
	return (int64_t)time(NULL);
}

int64_t time_wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t time_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t time_mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int time_utc(int64_t t, struct tm *tm)
{
	time_t tt = (time_t)t;
	if ((int64_t)tt == t && gmtime_r(&tt, tm))
		return 0;
	memset(tm, 0, sizeof(*tm));
	tm->tm_mday = 1;
	tm->tm_year = 70;
	tm->tm_wday = 4; /* 1 January 1970 was a Thursday */
	return -1;
}

char *time_format_iso(int64_t t, char *buf, size_t size)
{
	struct tm tm;
	if (size && (time_utc(t, &tm) < 0 || !strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm)))
		buf[0] = '\0';
	return buf;
}

char *time_format_day(int64_t t, char *buf, size_t size)
{
	struct tm tm;
	if (size && (time_utc(t, &tm) < 0 || !strftime(buf, size, "%Y-%m-%d", &tm)))
		buf[0] = '\0';
	return buf;
}

static int read_digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

static int expect(const char **p, char c)
{
	if (**p != c)
		return -1;
	(*p)++;
	return 0;
}

static int parse_date(const char **p, struct tm *tm)
{
	int y, m, d;
	if (read_digits(p, 4, &y) || expect(p, '-') || read_digits(p, 2, &m) || expect(p, '-') ||
	    read_digits(p, 2, &d))
		return -1;
	if (m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	tm->tm_year = y - 1900;
	tm->tm_mon = m - 1;
	tm->tm_mday = d;
	/* Reject 2026-02-30 and friends: timegm would quietly roll them over. */
	struct tm check = *tm;
	time_t t = timegm(&check);
	struct tm back;
	if (t == (time_t)-1 || !gmtime_r(&t, &back))
		return -1;
	return back.tm_mday == d && back.tm_mon == m - 1 ? 0 : -1;
}

static int parse_zone(const char **p, int *offset_s)
{
	int hh, mm;
	char sign = **p;
	if (sign == 'Z') {
		(*p)++;
		*offset_s = 0;
		return 0;
	}
	if (sign != '+' && sign != '-')
		return -1;
	(*p)++;
	if (read_digits(p, 2, &hh))
		return -1;
	if (**p == ':')
		(*p)++;
	if (read_digits(p, 2, &mm) || hh > 23 || mm > 59)
		return -1;
	*offset_s = (sign == '-' ? -1 : 1) * (hh * 3600 + mm * 60);
	return 0;
}

int time_parse_iso_ms(const char *text, int64_t *ms)
{
	struct tm tm = { 0 };
	const char *p = text;
	int hh = 0, mi = 0, ss = 0, frac = 0, offset = 0;
	if (!text || parse_date(&p, &tm))
		return -1;
	if (*p == 'T' || *p == ' ') {
		p++;
		if (read_digits(&p, 2, &hh) || expect(&p, ':') || read_digits(&p, 2, &mi))
			return -1;
		if (*p == ':') {
			p++;
			if (read_digits(&p, 2, &ss))
				return -1;
		}
		if (*p == '.') {
			p++;
			int n = 0;
			for (; isdigit((unsigned char)*p); p++, n++)
				if (n < 3)
					frac = frac * 10 + (*p - '0');
			if (n == 0)
				return -1;
			for (; n < 3; n++)
				frac *= 10;
		}
		if (hh > 23 || mi > 59 || ss > 60 || parse_zone(&p, &offset))
			return -1;
	}
	if (*p)
		return -1;
	tm.tm_hour = hh;
	tm.tm_min = mi;
	tm.tm_sec = ss;
	*ms = ((int64_t)timegm(&tm) - offset) * 1000 + frac;
	return 0;
}

static int day_to_time(const char *day, time_t *out)
{
	struct tm tm = { 0 };
	const char *p = day;
	if (!day || parse_date(&p, &tm) || *p)
		return -1;
	*out = timegm(&tm);
	return 0;
}

int64_t time_days_between(const char *a, const char *b, int *ok)
{
	time_t ta, tb;
	if (day_to_time(a, &ta) || day_to_time(b, &tb)) {
		*ok = 0;
		return -1;
	}
	*ok = 1;
	return ((int64_t)tb - (int64_t)ta) / 86400;
}

int time_next_day(const char *day, char *out, size_t size)
{
	time_t t;
	if (day_to_time(day, &t))
		return -1;
	time_format_day((int64_t)t + 86400, out, size);
	return 0;
}

/* ---- time zones and the pages' date format ------------------------------------------------ */

static const char *const month_abbr[12] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
#define NBSP "\xc2\xa0"

/* Letters, digits, '_', '+', '-' and '/' between parts: no "..", no leading '/'. */
static int zone_name_ok(const char *zone)
{
	size_t n = zone ? strlen(zone) : 0;
	if (n == 0 || n >= TIME_ZONE_MAX || zone[0] == '/' || zone[n - 1] == '/' || strstr(zone, "..") ||
	    strstr(zone, "//"))
		return 0;
	for (const char *p = zone; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_+-/", *p))
			return 0;
	return 1;
}

int time_zone_valid(const char *zone)
{
	if (!zone_name_ok(zone))
		return 0;
	const char *dir = getenv("TZDIR");
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", zone);
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0;
	char magic[4] = { 0 };
	size_t got = fread(magic, 1, sizeof(magic), f);
	fclose(f);
	return got == sizeof(magic) && memcmp(magic, "TZif", 4) == 0;
}

/* Makes zone the process's local time zone; tzset() only when it changes (here or elsewhere). */
static void zone_switch(const char *zone)
{
	static char current[TIME_ZONE_MAX];
	const char *env = getenv("TZ");
	if (strcmp(current, zone) == 0 && env && strcmp(env, zone) == 0)
		return;
	if (setenv("TZ", zone, 1) != 0)
		return;
	tzset();
	str_copy(current, sizeof(current), zone);
}

char *time_format_local(int64_t t, const char *zone, char *buf, size_t size)
{
	struct tm tm;
	time_t tt = (time_t)t;
	if (!size)
		return buf;
	buf[0] = '\0';
	if (t == 0 || (int64_t)tt != t)
		return buf;
	zone_switch(time_zone_valid(zone) ? zone : TIME_ZONE_DEFAULT);
	if (!localtime_r(&tt, &tm) || tm.tm_mon < 0 || tm.tm_mon > 11)
		return buf;
	snprintf(buf, size, "%d" NBSP "%s" NBSP "%d," NBSP "%02d:%02d" NBSP "%s", tm.tm_mday,
		 month_abbr[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
		 tm.tm_zone && *tm.tm_zone ? tm.tm_zone : "UTC");
	return buf;
}

char *time_format_day_long(const char *day, char *buf, size_t size)
{
	struct tm tm = { 0 };
	const char *p = day;
	if (!size)
		return buf;
	if (!day || parse_date(&p, &tm) || *p) {
		str_copy(buf, size, day ? day : "");
		return buf;
	}
	snprintf(buf, size, "%d" NBSP "%s" NBSP "%d", tm.tm_mday, month_abbr[tm.tm_mon], tm.tm_year + 1900);
	return buf;
}

char *time_format_month_long(const char *month, char *buf, size_t size)
{
	struct tm tm = { 0 };
	char day[16];
	const char *p = day;
	if (!size)
		return buf;
	if (!month || strlen(month) != 7 || snprintf(day, sizeof(day), "%s-01", month) != 10 ||
	    parse_date(&p, &tm) || *p) {
		str_copy(buf, size, month ? month : "");
		return buf;
	}
	snprintf(buf, size, "%s" NBSP "%d", month_abbr[tm.tm_mon], tm.tm_year + 1900);
	return buf;
}
