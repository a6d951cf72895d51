/*
 * money.h: amounts are int64 minor units (cents) everywhere; these convert at the edges.
 */
#ifndef PILOTOMAIL_MONEY_H
#define PILOTOMAIL_MONEY_H

#include <stddef.h>
#include <stdint.h>

#define MONEY_MAX_MINOR ((int64_t)100000000000) /* 1,000,000,000.00: far above any mail fee */

/*
 * Parses "12", "12.5", "12.50", " 0.99 " into minor units. More than two decimals are rounded
 * half away from zero ("0.125" -> 13). Rejects signs, exponents, commas, empty input and
 * anything above MONEY_MAX_MINOR. Returns 0 or -1.
 */
int money_parse(const char *text, int64_t *minor);
/* Writes "12.50" (or "-3.05") into buf; returns buf. 32 bytes are always enough. */
char *money_format(int64_t minor, char *buf, size_t size);

#endif
