/* money.c: see money.h. Parsed by hand: strtod would bring binary rounding into money. */
#include "util/money.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static int64_t pow10_of(int digits)
{
	int64_t p = 1;
	while (digits-- > 0)
		p *= 10;
	return p;
}

int money_parse(const char *text, int digits, int64_t *minor)
{
	if (!text || digits < 0 || digits > MONEY_MAX_DIGITS)
		return -1;
	int64_t scale = pow10_of(digits);
	while (isspace((unsigned char)*text))
		text++;
	int64_t units = 0, fraction = 0;
	int n_int = 0, decimals = 0, round_up = 0;
	const char *p = text;
	for (; isdigit((unsigned char)*p); p++, n_int++) {
		if (units > MONEY_MAX_MINOR / scale)
			return -1;
		units = units * 10 + (*p - '0');
	}
	if (*p == '.') {
		p++;
		for (; isdigit((unsigned char)*p); p++, decimals++) {
			if (decimals < digits)
				fraction = fraction * 10 + (*p - '0');
			else if (decimals == digits)
				round_up = (*p >= '5');
		}
		if (decimals == 0)
			return -1;
	}
	while (isspace((unsigned char)*p))
		p++;
	if (*p || n_int + decimals == 0)
		return -1;
	for (int d = decimals; d < digits; d++)
		fraction *= 10;
	int64_t total = units * scale + fraction + round_up;
	if (total > MONEY_MAX_MINOR)
		return -1;
	*minor = total;
	return 0;
}

char *money_format(int64_t minor, int digits, char *buf, size_t size)
{
	if (digits < 0 || digits > MONEY_MAX_DIGITS)
		digits = 2;
	const char *sign = minor < 0 ? "-" : "";
	uint64_t abs = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;
	uint64_t scale = (uint64_t)pow10_of(digits);
	if (digits == 0)
		snprintf(buf, size, "%s%llu", sign, (unsigned long long)abs);
	else
		snprintf(buf, size, "%s%llu.%0*llu", sign, (unsigned long long)(abs / scale), digits,
			 (unsigned long long)(abs % scale));
	return buf;
}
