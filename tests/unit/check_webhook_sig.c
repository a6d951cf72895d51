/*
 * check_webhook_sig.c: the officernd-signature header, against known answers computed outside
 * this code base with the openssl command line (each command is shown above its constant).
 */
#include "check_helpers.h"
#include "crypto/crypto.h"
#include "officernd/webhook_sig.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECRET "whsec_pilotomail_test"
#define T 1700000000
#define T_TEXT "1700000000"
#define TOL 300
#define BODY                                                                                   \
	"{\"event\":\"evt_01\",\"eventType\":\"membership.created\",\"data\":{\"object\":"      \
	"{\"_id\":\"mem_1\",\"plan\":\"plan_1\"}},\"createdAt\":\"2023-11-14T22:13:20.000Z\"}"

/*
 * B='{"event":"evt_01","eventType":"membership.created","data":{"object":{"_id":"mem_1",\
 * "plan":"plan_1"}},"createdAt":"2023-11-14T22:13:20.000Z"}'
 * printf '%s' "$B.1700000000" | openssl dgst -sha256 -hmac 'whsec_pilotomail_test'
 */
#define SIG_GOOD "a4a73551c680fee86f14ede56cdaf2490e390e33d9338ca6c90dadb0a1fc0478"
/* printf '%s' "$B.1700000000" | openssl dgst -sha256 -hmac 'rotated_secret_2' */
#define SIG_ROTATED "501e42d63c6eb6c80a23718fe8a04b3ac15c46f6a2cfa25df2c320ebf76205d4"
/* printf '%s' ".1700000000" | openssl dgst -sha256 -hmac 'whsec_pilotomail_test'  (empty body) */
#define SIG_EMPTY_BODY "8d20ab217dcbb998315887269fcddc75b370c9ddd438357d7679732bc7dd2f44"
/* printf '%s' "$B.01700000000" | openssl dgst -sha256 -hmac 'whsec_pilotomail_test' */
#define SIG_LEADING_ZERO "25c40686576c9a327cae5782c477653f25bf91f063491b0585465b9f37d7ee25"
/* printf 'a\000b\377.1700000000' | openssl dgst -sha256 -hmac 'whsec_pilotomail_test' */
#define SIG_BINARY "859747967c4696532ced0850e84231913a140ef7d9741615e9b1e98317a7b52b"
/* Well-formed signatures that match nothing. */
#define SIG_BAD1 "0000000000000000000000000000000000000000000000000000000000000000"
#define SIG_BAD2 "a4a73551c680fee86f14ede56cdaf2490e390e33d9338ca6c90dadb0a1fc0479"

#define GOOD_HEADER "t=" T_TEXT ",signature=" SIG_GOOD

static enum webhook_sig_result verify_at(const char *header, int64_t now)
{
	return webhook_sig_verify(header, BODY, strlen(BODY), SECRET, now, TOL);
}

static enum webhook_sig_result verify(const char *header)
{
	return verify_at(header, T);
}

START_TEST(test_known_answers)
{
	ck_assert_int_eq(verify(GOOD_HEADER), WEBHOOK_SIG_OK);
	ck_assert_int_eq(verify_at(GOOD_HEADER, T + 10), WEBHOOK_SIG_OK);
	ck_assert_int_eq(webhook_sig_verify("t=" T_TEXT ",signature=" SIG_ROTATED, BODY,
					    strlen(BODY), "rotated_secret_2", T, TOL),
			 WEBHOOK_SIG_OK);
	ck_assert_int_eq(webhook_sig_verify("t=" T_TEXT ",signature=" SIG_EMPTY_BODY, NULL, 0, SECRET,
					    T, TOL),
			 WEBHOOK_SIG_OK);
	ck_assert_int_eq(webhook_sig_verify("t=" T_TEXT ",signature=" SIG_BINARY, "a\0b\377", 4,
					    SECRET, T, TOL),
			 WEBHOOK_SIG_OK);
	/* the raw bytes count: the same body cut at its NUL does not verify */
	ck_assert_int_eq(webhook_sig_verify("t=" T_TEXT ",signature=" SIG_BINARY, "a", 1, SECRET, T,
					    TOL),
			 WEBHOOK_SIG_MISMATCH);
}
END_TEST

/* The timestamp is signed as the text sent, not as the number it denotes. */
START_TEST(test_timestamp_text_as_sent)
{
	ck_assert_int_eq(verify("t=0" T_TEXT ",signature=" SIG_LEADING_ZERO), WEBHOOK_SIG_OK);
	ck_assert_int_eq(verify("t=0" T_TEXT ",signature=" SIG_GOOD), WEBHOOK_SIG_MISMATCH);
	ck_assert_int_eq(verify("t=" T_TEXT ",signature=" SIG_LEADING_ZERO), WEBHOOK_SIG_MISMATCH);
}
END_TEST

START_TEST(test_wrong_secret)
{
	ck_assert_int_eq(webhook_sig_verify(GOOD_HEADER, BODY, strlen(BODY), "whsec_other", T, TOL),
			 WEBHOOK_SIG_MISMATCH);
	ck_assert_int_eq(webhook_sig_verify(GOOD_HEADER, BODY, strlen(BODY), SECRET "x", T, TOL),
			 WEBHOOK_SIG_MISMATCH);
	ck_assert_int_eq(webhook_sig_verify(GOOD_HEADER, BODY, strlen(BODY), "rotated_secret_2", T,
					    TOL),
			 WEBHOOK_SIG_MISMATCH);
}
END_TEST

/* An empty secret never verifies, even a header signed with the empty key. */
START_TEST(test_empty_secret)
{
	char sig[65], header[128];
	struct strbuf msg = { 0 };
	strbuf_adds(&msg, BODY "." T_TEXT);
	hmac_sha256_hex("", 0, msg.buf, msg.len, sig);
	snprintf(header, sizeof(header), "t=%s,signature=%s", T_TEXT, sig);
	ck_assert_int_eq(webhook_sig_verify(header, BODY, strlen(BODY), "", T, TOL),
			 WEBHOOK_SIG_MISMATCH);
	ck_assert_int_eq(webhook_sig_verify(header, BODY, strlen(BODY), NULL, T, TOL),
			 WEBHOOK_SIG_MISMATCH);
	strbuf_free(&msg);
}
END_TEST

START_TEST(test_altered_body)
{
	char *body = xstrdup(BODY);
	size_t len = strlen(body);
	body[len / 2] ^= 1;
	ck_assert_int_eq(webhook_sig_verify(GOOD_HEADER, body, len, SECRET, T, TOL),
			 WEBHOOK_SIG_MISMATCH);
	body[len / 2] ^= 1;
	ck_assert_int_eq(webhook_sig_verify(GOOD_HEADER, body, len, SECRET, T, TOL), WEBHOOK_SIG_OK);
	ck_assert_int_eq(webhook_sig_verify(GOOD_HEADER, body, len - 1, SECRET, T, TOL),
			 WEBHOOK_SIG_MISMATCH);
	ck_assert_int_eq(webhook_sig_verify(GOOD_HEADER, BODY " ", len + 1, SECRET, T, TOL),
			 WEBHOOK_SIG_MISMATCH);
	ck_assert_int_eq(webhook_sig_verify(GOOD_HEADER, NULL, 0, SECRET, T, TOL),
			 WEBHOOK_SIG_MISMATCH);
	free(body);
}
END_TEST

START_TEST(test_altered_timestamp)
{
	ck_assert_int_eq(verify("t=1700000001,signature=" SIG_GOOD), WEBHOOK_SIG_MISMATCH);
	ck_assert_int_eq(verify("t=1699999999,signature=" SIG_GOOD), WEBHOOK_SIG_MISMATCH);
}
END_TEST

START_TEST(test_tolerance_boundaries)
{
	ck_assert_int_eq(verify_at(GOOD_HEADER, T + TOL), WEBHOOK_SIG_OK);
	ck_assert_int_eq(verify_at(GOOD_HEADER, T + TOL + 1), WEBHOOK_SIG_STALE);
	ck_assert_int_eq(verify_at(GOOD_HEADER, T + 86400 * 365), WEBHOOK_SIG_STALE);
	ck_assert_int_eq(verify_at(GOOD_HEADER, T - TOL), WEBHOOK_SIG_OK);
	ck_assert_int_eq(verify_at(GOOD_HEADER, T - TOL - 1), WEBHOOK_SIG_FUTURE);
	ck_assert_int_eq(verify_at(GOOD_HEADER, 0), WEBHOOK_SIG_FUTURE);
	ck_assert_int_eq(verify_at(GOOD_HEADER, INT64_MAX), WEBHOOK_SIG_STALE);
	ck_assert_int_eq(verify_at(GOOD_HEADER, INT64_MIN), WEBHOOK_SIG_FUTURE);
	/* zero tolerance: only the very second; a negative one behaves as zero */
	ck_assert_int_eq(webhook_sig_verify(GOOD_HEADER, BODY, strlen(BODY), SECRET, T, 0),
			 WEBHOOK_SIG_OK);
	ck_assert_int_eq(webhook_sig_verify(GOOD_HEADER, BODY, strlen(BODY), SECRET, T + 1, 0),
			 WEBHOOK_SIG_STALE);
	ck_assert_int_eq(webhook_sig_verify(GOOD_HEADER, BODY, strlen(BODY), SECRET, T, -5),
			 WEBHOOK_SIG_OK);
	ck_assert_int_eq(webhook_sig_verify(GOOD_HEADER, BODY, strlen(BODY), SECRET, T - 1, -5),
			 WEBHOOK_SIG_FUTURE);
	/* the signature is judged first: a forgery is a mismatch, however old */
	ck_assert_int_eq(verify_at("t=" T_TEXT ",signature=" SIG_BAD1, T + TOL + 1),
			 WEBHOOK_SIG_MISMATCH);
}
END_TEST

START_TEST(test_missing)
{
	ck_assert_int_eq(verify(NULL), WEBHOOK_SIG_MISSING);
	ck_assert_int_eq(verify(""), WEBHOOK_SIG_MISSING);
	ck_assert_int_eq(verify("  \t "), WEBHOOK_SIG_MISSING);
}
END_TEST

START_TEST(test_malformed)
{
	static const char *const bad[] = {
		"signature=" SIG_GOOD,                                   /* no t */
		"t=" T_TEXT,                                             /* no signature */
		"t=" T_TEXT ",",                                         /* no signature */
		"t=" T_TEXT ",signature=",                               /* empty signature */
		"t=" T_TEXT ",signature=a4a73551c680fee86f14ede56cdaf2490e390e33d9338ca6c90dadb0a1fc047g",
		"t=" T_TEXT ",signature=a4a73551c680fee86f14ede56cdaf2490e390e33d9338ca6c90dadb0a1fc047",
		"t=" T_TEXT ",signature=" SIG_GOOD "0",
		"t=" T_TEXT ",signature=" SIG_GOOD "00",
		"t=" T_TEXT ",signature=a4a73551c680fee86f14ede56cdaf249 0e390e33d9338ca6c90dadb0a1fc0478",
		"t=" T_TEXT ",t=" T_TEXT ",signature=" SIG_GOOD,         /* duplicate t */
		"t=" T_TEXT ",signature=" SIG_GOOD ",t=1700000001",
		"t=17000x0000,signature=" SIG_GOOD,
		"t=-1700000000,signature=" SIG_GOOD,
		"t=+1700000000,signature=" SIG_GOOD,
		"t=1700000000.5,signature=" SIG_GOOD,
		"t=0x65538100,signature=" SIG_GOOD,
		"t=1700 000000,signature=" SIG_GOOD,
		"t=,signature=" SIG_GOOD,
		"t,signature=" SIG_GOOD,                                 /* bare t is ignored: no t */
		"T=" T_TEXT ",signature=" SIG_GOOD,                      /* keys are case-sensitive */
		"t=" T_TEXT ",Signature=" SIG_GOOD,
		"t=12345678901234567890,signature=" SIG_GOOD,            /* 20 digits */
		"t=00000000001700000000,signature=" SIG_GOOD,            /* 20, small value */
		"t=9999999999999999999,signature=" SIG_GOOD,             /* 19 digits, over int64 */
		"t=" T_TEXT ";signature=" SIG_GOOD,
		"t=" T_TEXT ",signature=" SIG_GOOD ",signature=xyz",     /* one bad among good */
		",,,",
		"=",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		ck_assert_msg(verify(bad[i]) == WEBHOOK_SIG_MALFORMED, "bad[%zu] gave %s", i,
			      webhook_sig_result_text(verify(bad[i])));
}
END_TEST

START_TEST(test_whitespace_and_order)
{
	ck_assert_int_eq(verify("signature=" SIG_GOOD ",t=" T_TEXT), WEBHOOK_SIG_OK);
	ck_assert_int_eq(verify("  t=" T_TEXT " ,  signature=" SIG_GOOD "  "), WEBHOOK_SIG_OK);
	ck_assert_int_eq(verify("\tt = " T_TEXT "\t,\tsignature =\t" SIG_GOOD), WEBHOOK_SIG_OK);
	ck_assert_int_eq(verify("t=" T_TEXT ", signature=" SIG_GOOD "\r\n"), WEBHOOK_SIG_OK);
	ck_assert_int_eq(verify("t=" T_TEXT ",,signature=" SIG_GOOD ","), WEBHOOK_SIG_OK);
	/* upper-case hex is the same signature */
	ck_assert_int_eq(
		verify("t=" T_TEXT ",signature=A4A73551C680FEE86F14EDE56CDAF2490E390E33D9338CA6C90DADB0A1FC0478"),
		WEBHOOK_SIG_OK);
}
END_TEST

START_TEST(test_several_signatures)
{
	ck_assert_int_eq(verify("t=" T_TEXT ",signature=" SIG_GOOD ",signature=" SIG_BAD1
				",signature=" SIG_BAD2),
			 WEBHOOK_SIG_OK);
	ck_assert_int_eq(verify("t=" T_TEXT ",signature=" SIG_BAD1 ",signature=" SIG_GOOD
				",signature=" SIG_BAD2),
			 WEBHOOK_SIG_OK);
	ck_assert_int_eq(verify("signature=" SIG_BAD1 ",signature=" SIG_BAD2 ",t=" T_TEXT
				",signature=" SIG_GOOD),
			 WEBHOOK_SIG_OK);
	ck_assert_int_eq(verify("t=" T_TEXT ",signature=" SIG_BAD1 ",signature=" SIG_BAD2),
			 WEBHOOK_SIG_MISMATCH);
	/* secret rotation: one header signed with both secrets passes under either */
	static const char both[] = "t=" T_TEXT ",signature=" SIG_ROTATED ",signature=" SIG_GOOD;
	ck_assert_int_eq(verify(both), WEBHOOK_SIG_OK);
	ck_assert_int_eq(webhook_sig_verify(both, BODY, strlen(BODY), "rotated_secret_2", T, TOL),
			 WEBHOOK_SIG_OK);
}
END_TEST

/* Builds "t=...," then `count` signatures, the good one at index good_at (-1 for none). */
static char *many_signatures(int count, int good_at)
{
	struct strbuf sb = { 0 };
	strbuf_adds(&sb, "t=" T_TEXT);
	for (int i = 0; i < count; i++)
		strbuf_addf(&sb, ",signature=%s", i == good_at ? SIG_GOOD : SIG_BAD1);
	return strbuf_detach(&sb, NULL);
}

START_TEST(test_signature_limit)
{
	struct webhook_sig_header h;
	char *hdr = many_signatures(8, 7);
	ck_assert_int_eq(verify(hdr), WEBHOOK_SIG_OK);
	free(hdr);
	/* more than 8: still well-formed, the first 8 are the ones kept */
	hdr = many_signatures(12, 7);
	ck_assert_int_eq(webhook_sig_parse(hdr, &h), 0);
	ck_assert_uint_eq(h.n_signatures, 8);
	ck_assert_int_eq(verify(hdr), WEBHOOK_SIG_OK);
	free(hdr);
	hdr = many_signatures(12, 8);
	ck_assert_int_eq(verify(hdr), WEBHOOK_SIG_MISMATCH);
	free(hdr);
	hdr = many_signatures(12, -1);
	ck_assert_int_eq(verify(hdr), WEBHOOK_SIG_MISMATCH);
	free(hdr);
}
END_TEST

/* Pads a good header with an unknown item up to exactly total bytes. */
static char *padded_header(size_t total)
{
	struct strbuf sb = { 0 };
	strbuf_adds(&sb, GOOD_HEADER ",x-pad=");
	while (sb.len < total)
		strbuf_adds(&sb, "a");
	return strbuf_detach(&sb, NULL);
}

START_TEST(test_overlong_header)
{
	char *hdr = padded_header(4096);
	ck_assert_uint_eq(strlen(hdr), 4096);
	ck_assert_int_eq(verify(hdr), WEBHOOK_SIG_OK);
	free(hdr);
	hdr = padded_header(4097);
	ck_assert_int_eq(verify(hdr), WEBHOOK_SIG_MALFORMED);
	free(hdr);
	hdr = padded_header(100000);
	ck_assert_int_eq(verify(hdr), WEBHOOK_SIG_MALFORMED);
	free(hdr);
}
END_TEST

START_TEST(test_unknown_keys)
{
	ck_assert_int_eq(verify("t=" T_TEXT ",v0=abc,signature=" SIG_GOOD ",foo=bar"), WEBHOOK_SIG_OK);
	ck_assert_int_eq(verify("id=evt_01, t=" T_TEXT ", scheme=v1, signature=" SIG_GOOD),
			 WEBHOOK_SIG_OK);
	ck_assert_int_eq(verify("t=" T_TEXT ",garbage,signature=" SIG_GOOD), WEBHOOK_SIG_OK);
	ck_assert_int_eq(verify("t=" T_TEXT ",ts=1,signature=" SIG_GOOD ",signatures=zz"),
			 WEBHOOK_SIG_OK);
}
END_TEST

START_TEST(test_parse_fields)
{
	struct webhook_sig_header h;
	unsigned char good[32], rotated[32];
	ck_assert_int_eq(hex_decode(SIG_GOOD, 64, good, 32), 0);
	ck_assert_int_eq(hex_decode(SIG_ROTATED, 64, rotated, 32), 0);
	ck_assert_int_eq(webhook_sig_parse(" signature=" SIG_GOOD ", t=0000000001700000000 ,"
					   "signature=" SIG_ROTATED, &h),
			 0);
	ck_assert_int_eq(h.timestamp, T);
	ck_assert_str_eq(h.timestamp_text, "0000000001700000000");
	ck_assert_uint_eq(h.n_signatures, 2);
	ck_assert_int_eq(memcmp(h.signatures[0], good, 32), 0);
	ck_assert_int_eq(memcmp(h.signatures[1], rotated, 32), 0);
	ck_assert_int_eq(webhook_sig_parse("t=9223372036854775807,signature=" SIG_GOOD, &h), 0);
	ck_assert_int_eq(h.timestamp, INT64_MAX);
	ck_assert_int_eq(webhook_sig_parse("t=0,signature=" SIG_GOOD, &h), 0);
	ck_assert_int_eq(h.timestamp, 0);
	ck_assert_int_eq(webhook_sig_parse(NULL, &h), -1);
	ck_assert_int_eq(webhook_sig_parse("", &h), -1);
	/* a failed parse leaves nothing behind */
	ck_assert_int_eq(webhook_sig_parse("t=5,t=6,signature=" SIG_GOOD, &h), -1);
	ck_assert_uint_eq(h.n_signatures, 0);
	ck_assert_str_eq(h.timestamp_text, "");
}
END_TEST

START_TEST(test_result_text)
{
	static const enum webhook_sig_result all[] = { WEBHOOK_SIG_OK,       WEBHOOK_SIG_MISSING,
						       WEBHOOK_SIG_MALFORMED, WEBHOOK_SIG_STALE,
						       WEBHOOK_SIG_FUTURE,   WEBHOOK_SIG_MISMATCH };
	ck_assert_str_eq(webhook_sig_result_text(WEBHOOK_SIG_OK), "ok");
	ck_assert_str_eq(webhook_sig_result_text(WEBHOOK_SIG_STALE), "stale");
	for (size_t i = 0; i < ARRAY_SIZE(all); i++) {
		const char *a = webhook_sig_result_text(all[i]);
		ck_assert(a && *a && strlen(a) < 16);
		for (size_t j = 0; j < i; j++)
			ck_assert_str_ne(a, webhook_sig_result_text(all[j]));
	}
}
END_TEST

static Suite *webhook_sig_suite(void)
{
	Suite *s = suite_create("webhook_sig");
	TCase *tc = tcase_create("verify");
	tcase_add_test(tc, test_known_answers);
	tcase_add_test(tc, test_timestamp_text_as_sent);
	tcase_add_test(tc, test_wrong_secret);
	tcase_add_test(tc, test_empty_secret);
	tcase_add_test(tc, test_altered_body);
	tcase_add_test(tc, test_altered_timestamp);
	tcase_add_test(tc, test_tolerance_boundaries);
	tcase_add_test(tc, test_missing);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_whitespace_and_order);
	tcase_add_test(tc, test_several_signatures);
	tcase_add_test(tc, test_signature_limit);
	tcase_add_test(tc, test_overlong_header);
	tcase_add_test(tc, test_unknown_keys);
	suite_add_tcase(s, tc);
	TCase *parse = tcase_create("parse");
	tcase_add_test(parse, test_parse_fields);
	tcase_add_test(parse, test_result_text);
	suite_add_tcase(s, parse);
	return s;
}

CHECK_MAIN(webhook_sig_suite)
