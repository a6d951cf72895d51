/*
 * timeutil.h: all stored times are UTC. Instants are int64 Unix seconds; calendar days are
 * "YYYY-MM-DD" strings (UTC) so SQLite compares them as text.
 */
#ifndef PILOTOMAIL_TIMEUTIL_H
#define PILOTOMAIL_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Now, in Unix seconds. PILOTOMAIL_FAKE_NOW (Unix seconds) overrides it for tests. */
int64_t time_now(void);
/* Wall-clock milliseconds: the clock several hosts share (for budgets kept in the database). */
int64_t time_wall_ms(void);
/* Now in milliseconds (microseconds), monotonic: for measuring durations and backoff only. */
int64_t time_mono_ms(void);
int64_t time_mono_us(void);
/* t as UTC calendar fields. -1 when t is beyond what struct tm can hold (gmtime_r fails):
 * *tm is then 1970-01-01 00:00:00, so a caller indexing month names still stays in bounds. */
int time_utc(int64_t t, struct tm *tm);
/* "2026-11-26T16:49:02Z" into buf (at least 21 bytes); returns buf ("" when t has no date). */
char *time_format_iso(int64_t t, char *buf, size_t size);
/* "2026-11-26" into buf (at least 11 bytes); returns buf ("" when t has no date). */
char *time_format_day(int64_t t, char *buf, size_t size);
/*
 * Parses ISO-8601 "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM|-HH:MM)" into Unix
 * milliseconds (so that OfficeRnD's modifiedAt keeps its order within a second). 0 or -1.
 */
int time_parse_iso_ms(const char *text, int64_t *ms);
/*
 * Operator time zones: names of the system's tz database ("UTC", "Europe/Berlin"). Pages show
 * every instant as "2 Dec 2026, 14:05 CET" in the operator's zone and every calendar day as
 * "2 Dec 2026", with non-breaking spaces so that a value never wraps across lines.
 */
#define TIME_ZONE_DEFAULT "UTC"
#define TIME_ZONE_MAX 64 /* bytes, with the NUL */
/* 1 when zone is a time zone of the tz database (its file exists under TZDIR or
 * /usr/share/zoneinfo and is a TZif file), 0 otherwise (glibc would silently use UTC). */
int time_zone_valid(const char *zone);
/*
 * t in zone as "2 Dec 2026, 14:05 CET" into buf (48 bytes are enough); "" when t is 0 or has no
 * date. An invalid zone shows UTC. It sets the process's TZ (kept between calls: nothing else
 * here uses local time), so it is for single-threaded programs only: pilotomail.fcgi and the
 * admin tool, never webhook.fcgi's request threads.
 */
char *time_format_local(int64_t t, const char *zone, char *buf, size_t size);
/* Day "2026-12-02" as "2 Dec 2026" into buf (24 bytes are enough); a day that does not parse
 * is copied as it is. */
char *time_format_day_long(const char *day, char *buf, size_t size);
/* Month "2026-12" as "Dec 2026" (24 bytes are enough); a month that does not parse is copied. */
char *time_format_month_long(const char *month, char *buf, size_t size);
/* Whole days from day a to day b ("YYYY-MM-DD"), b - a; -1 on bad input sets *ok = 0. */
int64_t time_days_between(const char *a, const char *b, int *ok);
/* The day after day (YYYY-MM-DD) into out (11 bytes). 0 or -1. */
int time_next_day(const char *day, char *out, size_t size);

#endif
