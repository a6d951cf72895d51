/* check_money.c: money_parse and money_format, the edges where amounts enter and leave. */
#include "check_helpers.h"
#include "util/currency.h"
#include "util/money.h"
#include "util/util.h"

#include <string.h>

/* Parses text, asserting success, and returns the minor units. */
static int64_t parse_ok(const char *text)
{
	int64_t minor = -12345;
	ck_assert_msg(money_parse(text, 2, &minor) == 0, "\"%s\" should parse", text);
	return minor;
}

/* Asserts that text is refused and that the output is left alone. */
static void parse_refused(const char *text)
{
	int64_t minor = 777;
	ck_assert_msg(money_parse(text, 2, &minor) == -1, "\"%s\" should be refused", text ? text : "(null)");
	ck_assert_int_eq(minor, 777);
}

START_TEST(parses_whole_and_decimal_amounts)
{
	ck_assert_int_eq(parse_ok("12"), 1200);
	ck_assert_int_eq(parse_ok("12.5"), 1250);
	ck_assert_int_eq(parse_ok("12.50"), 1250);
	ck_assert_int_eq(parse_ok("12.05"), 1205);
	ck_assert_int_eq(parse_ok("0"), 0);
	ck_assert_int_eq(parse_ok("0.00"), 0);
	ck_assert_int_eq(parse_ok("007.10"), 710);
	ck_assert_int_eq(parse_ok(".5"), 50);
}
END_TEST

START_TEST(trims_surrounding_white_space)
{
	ck_assert_int_eq(parse_ok(" 0.99 "), 99);
	ck_assert_int_eq(parse_ok("\t3\n"), 300);
}
END_TEST

START_TEST(rounds_the_third_decimal_half_away_from_zero)
{
	ck_assert_int_eq(parse_ok("0.125"), 13);
	ck_assert_int_eq(parse_ok("0.124"), 12);
	ck_assert_int_eq(parse_ok("0.1249999"), 12);
	ck_assert_int_eq(parse_ok("0.995"), 100);
	ck_assert_int_eq(parse_ok("1.999"), 200);
}
END_TEST

START_TEST(refuses_what_is_not_a_plain_amount)
{
	static const char *bad[] = { "", "   ", "-1", "+1", "1e3", "1E3", "1,00", "1,000.00", "abc", "12abc",
				     "1.", ".", "1..2", "1.2.3", "$5", "5 USD", "1 000", "0x10", "٣" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		parse_refused(bad[i]);
	parse_refused(NULL);
}
END_TEST

START_TEST(refuses_amounts_past_the_maximum_and_overflow)
{
	ck_assert_int_eq(parse_ok("1000000000"), MONEY_MAX_MINOR);
	ck_assert_int_eq(parse_ok("1000000000.00"), MONEY_MAX_MINOR);
	parse_refused("1000000000.01");
	parse_refused("1000000000.005"); /* rounds up past the maximum */
	parse_refused("1000000001");
	parse_refused("92233720368547758.07");    /* INT64_MAX in minor units */
	parse_refused("99999999999999999999999"); /* would overflow int64 */
	parse_refused("184467440737095516.16");   /* 2^64 minor units: wraps to 0 if unchecked */
}
END_TEST

START_TEST(formats_with_two_decimals)
{
	char buf[32];
	ck_assert_str_eq(money_format(0, 2, buf, sizeof(buf)), "0.00");
	ck_assert_str_eq(money_format(5, 2, buf, sizeof(buf)), "0.05");
	ck_assert_str_eq(money_format(50, 2, buf, sizeof(buf)), "0.50");
	ck_assert_str_eq(money_format(1250, 2, buf, sizeof(buf)), "12.50");
	ck_assert_str_eq(money_format(1234567, 2, buf, sizeof(buf)), "12345.67");
	ck_assert_str_eq(money_format(MONEY_MAX_MINOR, 2, buf, sizeof(buf)), "1000000000.00");
}
END_TEST

START_TEST(formats_negative_amounts)
{
	char buf[32];
	ck_assert_str_eq(money_format(-5, 2, buf, sizeof(buf)), "-0.05");
	ck_assert_str_eq(money_format(-305, 2, buf, sizeof(buf)), "-3.05");
	ck_assert_str_eq(money_format(INT64_MIN, 2, buf, sizeof(buf)), "-92233720368547758.08");
	ck_assert_str_eq(money_format(INT64_MAX, 2, buf, sizeof(buf)), "92233720368547758.07");
	ck_assert_uint_lt(strlen(buf), 32);
}
END_TEST

START_TEST(format_then_parse_round_trips)
{
	static const int64_t amounts[] = { 0, 1, 9, 10, 99, 100, 101, 1250, 999999, 123456789 };
	char buf[32];
	for (size_t i = 0; i < ARRAY_SIZE(amounts); i++)
		ck_assert_int_eq(parse_ok(money_format(amounts[i], 2, buf, sizeof(buf))), amounts[i]);
}
END_TEST

START_TEST(format_truncates_safely_in_a_small_buffer)
{
	char buf[5];
	memset(buf, 'x', sizeof(buf));
	money_format(1234567, 2, buf, sizeof(buf));
	ck_assert_str_eq(buf, "1234");
}
END_TEST

START_TEST(other_currencies_use_their_own_decimals)
{
	int64_t minor;
	char buf[32];
	/* Yen have no minor unit: "500" is 500, and a fraction rounds to a whole yen. */
	ck_assert_int_eq(money_parse("500", 0, &minor), 0);
	ck_assert_int_eq(minor, 500);
	ck_assert_int_eq(money_parse("499.5", 0, &minor), 0);
	ck_assert_int_eq(minor, 500);
	ck_assert_str_eq(money_format(500, 0, buf, sizeof(buf)), "500");
	/* Dinars have three decimals. */
	ck_assert_int_eq(money_parse("1.25", 3, &minor), 0);
	ck_assert_int_eq(minor, 1250);
	ck_assert_int_eq(money_parse("0.0015", 3, &minor), 0);
	ck_assert_int_eq(minor, 2);
	ck_assert_str_eq(money_format(1250, 3, buf, sizeof(buf)), "1.250");
	ck_assert_str_eq(money_format(-5, 3, buf, sizeof(buf)), "-0.005");
	static const int64_t amounts[] = { 0, 1, 9, 10, 999, 1000, 123456789 };
	for (int digits = 0; digits <= MONEY_MAX_DIGITS; digits++) {
		for (size_t i = 0; i < ARRAY_SIZE(amounts); i++) {
			ck_assert_int_eq(money_parse(money_format(amounts[i], digits, buf, sizeof(buf)), digits, &minor), 0);
			ck_assert_int_eq(minor, amounts[i]);
		}
	}
	ck_assert_int_eq(money_parse("1", -1, &minor), -1);
	ck_assert_int_eq(money_parse("1", MONEY_MAX_DIGITS + 1, &minor), -1);
	/* The maximum is in minor units whatever the decimals. */
	ck_assert_int_eq(money_parse("100000000000", 0, &minor), 0);
	ck_assert_int_eq(money_parse("100000000001", 0, &minor), -1);
	ck_assert_int_eq(money_parse("100000000.001", 3, &minor), -1);
}
END_TEST

START_TEST(currency_codes_are_iso_4217)
{
	ck_assert_int_eq(currency_minor_digits("USD"), 2);
	ck_assert_int_eq(currency_minor_digits("EUR"), 2);
	ck_assert_int_eq(currency_minor_digits("JPY"), 0);
	ck_assert_int_eq(currency_minor_digits("KRW"), 0);
	ck_assert_int_eq(currency_minor_digits("KWD"), 3);
	ck_assert_int_eq(currency_minor_digits("BHD"), 3);
	ck_assert_int_eq(currency_minor_digits("CLF"), 4);
	ck_assert_int_eq(currency_minor_digits("usd"), -1);
	ck_assert_int_eq(currency_minor_digits("US"), -1);
	ck_assert_int_eq(currency_minor_digits("USDX"), -1);
	ck_assert_int_eq(currency_minor_digits("XYZ"), -1);
	ck_assert_int_eq(currency_minor_digits(""), -1);
	ck_assert_int_eq(currency_minor_digits(NULL), -1);
}
END_TEST

static Suite *money_suite(void)
{
	Suite *s = suite_create("money");
	TCase *parse = tcase_create("parse");
	tcase_add_test(parse, parses_whole_and_decimal_amounts);
	tcase_add_test(parse, trims_surrounding_white_space);
	tcase_add_test(parse, rounds_the_third_decimal_half_away_from_zero);
	tcase_add_test(parse, refuses_what_is_not_a_plain_amount);
	tcase_add_test(parse, refuses_amounts_past_the_maximum_and_overflow);
	suite_add_tcase(s, parse);
	TCase *format = tcase_create("format");
	tcase_add_test(format, formats_with_two_decimals);
	tcase_add_test(format, formats_negative_amounts);
	tcase_add_test(format, format_then_parse_round_trips);
	tcase_add_test(format, format_truncates_safely_in_a_small_buffer);
	tcase_add_test(format, other_currencies_use_their_own_decimals);
	tcase_add_test(format, currency_codes_are_iso_4217);
	suite_add_tcase(s, format);
	return s;
}

CHECK_MAIN(money_suite)
