/*
 * format.h: how the pages write dates, times and amounts, one way everywhere.
 *   an instant   "2 Dec 2026, 14:05 CET"  in the operator's time zone
 *   a day        "2 Dec 2026"
 *   an amount    "2.50 USD", and "included" for nothing to pay
 * Values use non-breaking spaces, so a date or an amount never wraps in the middle.
 */
#ifndef PILOTOMAIL_WEB_FORMAT_H
#define PILOTOMAIL_WEB_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "web/web.h"

/* The signed-in operator's (or the renter's operator's) time zone, read once per request;
 * UTC without one. Owned by ctx. */
const char *web_time_zone(struct web_ctx *ctx);
/* The operator's currency code, read once per request ("USD" without one). Owned by ctx. */
const char *web_currency(struct web_ctx *ctx);
/* An instant (Unix seconds) into buf, "" for 0; returns buf (64 bytes are enough). */
char *web_format_time(struct web_ctx *ctx, int64_t t, char *buf, size_t size);
/* A day "YYYY-MM-DD" as "2 Dec 2026" ("" stays ""). */
void web_set_day(struct web_ctx *ctx, const char *name, const char *day);
/* An amount to show (never a form value: that is web_set_money): "2.50 USD" or "included". */
void web_set_amount(struct web_ctx *ctx, const char *name, int64_t minor);
/* Same, into buf (48 bytes are enough); returns buf. */
char *web_format_amount(struct web_ctx *ctx, int64_t minor, char *buf, size_t size);

#endif
