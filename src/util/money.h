/*
 * money.h: amounts are int64 minor units everywhere; these convert at the edges. A currency's
 * minor unit has digits decimals (util/currency.h: USD 2, JPY 0, KWD 3).
 */
#ifndef PILOTOMAIL_MONEY_H
#define PILOTOMAIL_MONEY_H

#include <stddef.h>
#include <stdint.h>

#define MONEY_MAX_MINOR ((int64_t)100000000000) /* far above any mail fee, in minor units */
#define MONEY_MAX_DIGITS 4

/*
 * Parses "12", "12.5", "12.50", " 0.99 " into minor units of a currency with digits decimals
 * (0..MONEY_MAX_DIGITS). More decimals than that are rounded half away from zero ("0.125" ->
 * 13 with 2). Rejects signs, exponents, commas, empty input and anything above MONEY_MAX_MINOR.
 * Returns 0 or -1.
 */
int money_parse(const char *text, int digits, int64_t *minor);
/* Writes "12.50" (2 digits), "1250" (0), "1.250" (3), or "-3.05", into buf; returns buf. 32
 * bytes are always enough. */
char *money_format(int64_t minor, int digits, char *buf, size_t size);

#endif
