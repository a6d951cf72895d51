/* fuzz-sources: src/officernd/webhook_sig.c src/crypto/random.c src/util/util.c src/util/log.c */
/*
 * fuzz_webhook_sig.c: libFuzzer target for the officernd-signature header (tests/fuzz/run.sh runs it).
 *
 * Input: the header up to the first newline, the raw body after it. Besides "no crash, no leak,
 * no undefined behaviour" it checks that parse and verify agree, and that whatever timestamp and
 * body the parser accepted, a header correctly signed over them verifies.
 */
#include "crypto/crypto.h"
#include "officernd/webhook_sig.h"
#include "util/util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_SECRET "whsec_pilotomail_test"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_require(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_webhook_sig: invariant broken: %s\n", what);
		abort();
	}
}

/* What a successful parse promises. */
static void fuzz_check_parsed(const struct webhook_sig_header *h)
{
	size_t len = strnlen(h->timestamp_text, sizeof(h->timestamp_text));
	int64_t again;
	fuzz_require(h->n_signatures >= 1 && h->n_signatures <= WEBHOOK_SIG_MAX_SIGNATURES,
		     "signature count");
	fuzz_require(len >= 1 && len <= 19, "timestamp length");
	for (size_t i = 0; i < len; i++)
		fuzz_require(isdigit((unsigned char)h->timestamp_text[i]), "timestamp digits");
	fuzz_require(parse_int64(h->timestamp_text, 0, INT64_MAX, &again) == 0 &&
			     again == h->timestamp, "timestamp value");
}

/* Signs body and the parsed timestamp text ourselves: that header must verify. */
static void fuzz_check_roundtrip(const struct webhook_sig_header *h, const uint8_t *body,
				 size_t body_len)
{
	struct strbuf msg = { 0 };
	char sig[65], *header;
	strbuf_add(&msg, body, body_len);
	strbuf_addf(&msg, ".%s", h->timestamp_text);
	hmac_sha256_hex(FUZZ_SECRET, strlen(FUZZ_SECRET), msg.buf, msg.len, sig);
	header = xasprintf(" signature=%s , t=%s", sig, h->timestamp_text);
	fuzz_require(webhook_sig_verify(header, body, body_len, FUZZ_SECRET, h->timestamp, 0) ==
			     WEBHOOK_SIG_OK, "self-signed header verifies");
	fuzz_require(webhook_sig_verify(header, body, body_len, "", h->timestamp, 0) ==
			     WEBHOOK_SIG_MISMATCH, "empty secret never verifies");
	free(header);
	strbuf_free(&msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t header_len = nl ? (size_t)(nl - data) : size;
	const uint8_t *body = nl ? nl + 1 : data + size;
	size_t body_len = size - header_len - (nl ? 1 : 0);
	char *header = xstrndup((const char *)data, header_len); /* stops at a NUL, like C strings */
	struct webhook_sig_header h;
	int parsed = webhook_sig_parse(header, &h) == 0;
	enum webhook_sig_result r =
		webhook_sig_verify(header, body, body_len, FUZZ_SECRET, 1700000000, 300);
	fuzz_require(webhook_sig_result_text(r) != NULL, "result text");
	if (parsed) {
		fuzz_check_parsed(&h);
		fuzz_require(r != WEBHOOK_SIG_MISSING && r != WEBHOOK_SIG_MALFORMED,
			     "parsed header is not malformed");
		fuzz_check_roundtrip(&h, body, body_len);
	} else {
		fuzz_require(r == WEBHOOK_SIG_MISSING || r == WEBHOOK_SIG_MALFORMED,
			     "unparsed header is missing or malformed");
	}
	free(header);
	return 0;
}
