/* fuzz-sources: src/util/money.c */
/*
 * fuzz_money.c: libFuzzer target for money_parse and money_format (tests/fuzz/run.sh runs it).
 *
 * Input: the text of an amount, up to the first NUL, as a form field gives it; its first eight
 * bytes are also read as an int64 to format. Besides "no crash, no undefined behaviour (signed
 * overflow included)" it checks that an amount that parses is in range, formats back to text
 * that parses to the same minor units, and keeps its value with a leading zero or a trailing
 * decimal zero; that a refusal leaves the output alone; and that any int64 formats in 32 bytes.
 * Every check runs for each number of decimals a currency can have (0..MONEY_MAX_DIGITS).
 */
#include "util/money.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_require(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_money: invariant broken: %s\n", what);
		abort();
	}
}

/* text (which parsed to minor) rewritten with a zero inserted at offset at: same amount. */
static void fuzz_check_zero(const char *text, int digits, size_t at, int64_t minor, const char *what)
{
	size_t len = strlen(text);
	char *t = malloc(len + 2);
	if (!t)
		abort();
	memcpy(t, text, at);
	t[at] = '0';
	memcpy(t + at + 1, text + at, len - at + 1);
	int64_t again = -1;
	fuzz_require(money_parse(t, digits, &again) == 0 && again == minor, what);
	free(t);
}

static void fuzz_check_parsed(const char *text, int digits, int64_t minor)
{
	char buf[32];
	int64_t again = -1;
	fuzz_require(minor >= 0 && minor <= MONEY_MAX_MINOR, "in range");
	fuzz_require(money_parse(money_format(minor, digits, buf, sizeof(buf)), digits, &again) == 0 && again == minor,
		     "formats back to the same minor units");
	size_t lead = 0;
	while (isspace((unsigned char)text[lead]))
		lead++;
	fuzz_check_zero(text, digits, lead, minor, "a leading zero changes nothing");
	const char *point = strchr(text, '.');
	if (point) {
		size_t end = (size_t)(point - text) + 1;
		while (isdigit((unsigned char)text[end]))
			end++;
		fuzz_check_zero(text, digits, end, minor, "a trailing decimal zero changes nothing");
	}
}

/* Any int64 fits the 32 bytes money.h promises; what is in range reads back. */
static void fuzz_check_format(int64_t v, int digits)
{
	char buf[32], big[64];
	int64_t again = -1;
	money_format(v, digits, big, sizeof(big));
	fuzz_require(strlen(big) < sizeof(buf), "32 bytes are enough");
	fuzz_require(strcmp(money_format(v, digits, buf, sizeof(buf)), big) == 0, "not cut in 32 bytes");
	if (v >= 0 && v <= MONEY_MAX_MINOR)
		fuzz_require(money_parse(buf, digits, &again) == 0 && again == v, "format then parse");
	else
		fuzz_require(money_parse(buf, digits, &again) == -1 && again == -1, "out of range refused");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	int64_t v = 0;
	if (size >= sizeof(v))
		memcpy(&v, data, sizeof(v));
	for (int digits = 0; digits <= MONEY_MAX_DIGITS; digits++) {
		int64_t minor = -1, twice = -1;
		int rc = money_parse(text, digits, &minor);
		fuzz_require(rc == money_parse(text, digits, &twice) && minor == twice, "repeatable");
		if (rc == 0)
			fuzz_check_parsed(text, digits, minor);
		else
			fuzz_require(rc == -1 && minor == -1, "a refusal leaves the output alone");
		if (size >= sizeof(v))
			fuzz_check_format(v, digits);
	}
	free(text);
	return 0;
}
