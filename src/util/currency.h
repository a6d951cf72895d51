/*
 * currency.h: ISO 4217 currency codes and the number of decimals of their minor unit, so that an
 * amount in minor units means the same thing here, on the pages and on an OfficeRnD invoice
 * (USD 1999 = 19.99, JPY 1999 = 1999, KWD 1999 = 1.999).
 */
#ifndef PILOTOMAIL_CURRENCY_H
#define PILOTOMAIL_CURRENCY_H

/* The decimals of code's minor unit (0..4), or -1 when code is not an active ISO 4217 code
 * (upper case, three letters). */
int currency_minor_digits(const char *code);

#endif
