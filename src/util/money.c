/* money.c: see money.h. Parsed by hand: strtod would bring binary rounding into money. */
#include "util/money.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

int money_parse(const char *text, int64_t *minor)
{
	if (!text)
		return -1;
	while (isspace((unsigned char)*text))
		text++;
	int64_t units = 0, cents = 0;
	int digits = 0, decimals = 0, round_up = 0;
	const char *p = text;
	for (; isdigit((unsigned char)*p); p++, digits++) {
		if (units > MONEY_MAX_MINOR / 100)
			return -1;
		units = units * 10 + (*p - '0');
	}
	if (*p == '.') {
		p++;
		for (; isdigit((unsigned char)*p); p++, decimals++) {
			if (decimals < 2)
				cents = cents * 10 + (*p - '0');
			else if (decimals == 2)
				round_up = (*p >= '5');
		}
		if (decimals == 0)
			return -1;
	}
	while (isspace((unsigned char)*p))
		p++;
	if (*p || digits + decimals == 0)
		return -1;
	if (decimals == 1)
		cents *= 10;
	int64_t total = units * 100 + cents + round_up;
	if (total > MONEY_MAX_MINOR)
		return -1;
	*minor = total;
	return 0;
}

char *money_format(int64_t minor, char *buf, size_t size)
{
	const char *sign = minor < 0 ? "-" : "";
	uint64_t abs = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;
	snprintf(buf, size, "%s%llu.%02llu", sign, (unsigned long long)(abs / 100),
		 (unsigned long long)(abs % 100));
	return buf;
}
