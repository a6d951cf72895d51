/* webhook_sig.c: see webhook_sig.h. */
#include "officernd/webhook_sig.h"
#include "util/log.h"
#include "util/util.h"

#include <ctype.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#define WEBHOOK_SIG_MAX_T_DIGITS 19
#define WEBHOOK_SIG_HEX_LEN 64

/* A view of part of the header: [s, s + len). */
struct webhook_sig_span {
	const char *s;
	size_t len;
};

static struct webhook_sig_span webhook_sig_trim(const char *s, size_t len)
{
	while (len && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	return (struct webhook_sig_span){ s, len };
}

static int webhook_sig_span_is(struct webhook_sig_span a, const char *word)
{
	return a.len == strlen(word) && memcmp(a.s, word, a.len) == 0;
}

/* "t": digits only (no sign, no space inside), at most 19 of them, and within int64. */
static int webhook_sig_parse_t(struct webhook_sig_span v, struct webhook_sig_header *out)
{
	if (v.len == 0 || v.len > WEBHOOK_SIG_MAX_T_DIGITS)
		return -1;
	for (size_t i = 0; i < v.len; i++)
		if (!isdigit((unsigned char)v.s[i]))
			return -1;
	memcpy(out->timestamp_text, v.s, v.len);
	out->timestamp_text[v.len] = '\0';
	return parse_int64(out->timestamp_text, 0, INT64_MAX, &out->timestamp);
}

/* "signature": exactly 64 hex digits; kept while there is room, else only checked. */
static int webhook_sig_parse_signature(struct webhook_sig_span v, struct webhook_sig_header *out)
{
	unsigned char scratch[32];
	unsigned char *dst = out->n_signatures < WEBHOOK_SIG_MAX_SIGNATURES ?
				     out->signatures[out->n_signatures] : scratch;
	if (v.len != WEBHOOK_SIG_HEX_LEN || hex_decode(v.s, v.len, dst, 32) != 0)
		return -1;
	if (dst != scratch)
		out->n_signatures++;
	return 0;
}

/* One comma-separated item; items without "=" and unknown keys are ignored. */
static int webhook_sig_parse_item(struct webhook_sig_span item, struct webhook_sig_header *out,
				  int *seen_t)
{
	const char *eq = memchr(item.s, '=', item.len);
	if (!eq)
		return 0;
	struct webhook_sig_span key = webhook_sig_trim(item.s, (size_t)(eq - item.s));
	struct webhook_sig_span val = webhook_sig_trim(eq + 1, item.len - (size_t)(eq - item.s) - 1);
	if (webhook_sig_span_is(key, "t")) {
		if ((*seen_t)++)
			return -1;
		return webhook_sig_parse_t(val, out);
	}
	if (webhook_sig_span_is(key, "signature"))
		return webhook_sig_parse_signature(val, out);
	return 0;
}

int webhook_sig_parse(const char *header, struct webhook_sig_header *out)
{
	int seen_t = 0;
	memset(out, 0, sizeof(*out));
	if (!header || strnlen(header, WEBHOOK_SIG_MAX_HEADER + 1) > WEBHOOK_SIG_MAX_HEADER)
		return -1;
	for (const char *p = header;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (webhook_sig_parse_item(webhook_sig_trim(p, len), out, &seen_t) != 0)
			goto bad;
		if (!comma)
			break;
		p = comma + 1;
	}
	if (seen_t == 1 && out->n_signatures > 0)
		return 0;
bad:
	memset(out, 0, sizeof(*out));
	return -1;
}

/* HMAC-SHA256(secret, body "." t), streamed so the body is never copied. */
static int webhook_sig_mac(const char *secret, const void *body, size_t body_len, const char *t,
			   unsigned char mac[32])
{
	static char digest[] = "SHA256";
	OSSL_PARAM params[] = { OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
				OSSL_PARAM_construct_end() };
	EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = hmac ? EVP_MAC_CTX_new(hmac) : NULL;
	size_t mac_len = 0;
	int ok = ctx &&
		 EVP_MAC_init(ctx, (const unsigned char *)secret, strlen(secret), params) == 1 &&
		 (body_len == 0 || EVP_MAC_update(ctx, body, body_len) == 1) &&
		 EVP_MAC_update(ctx, (const unsigned char *)".", 1) == 1 &&
		 EVP_MAC_update(ctx, (const unsigned char *)t, strlen(t)) == 1 &&
		 EVP_MAC_final(ctx, mac, &mac_len, 32) == 1 && mac_len == 32;
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(hmac);
	if (!ok)
		log_error("webhook", "hmac computation failed");
	return ok ? 0 : -1;
}

static int webhook_sig_blank(const char *s)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	return *s == '\0';
}

/* |now - t| in seconds without signed overflow, whatever the two values. */
static uint64_t webhook_sig_distance(int64_t a, int64_t b)
{
	return a >= b ? (uint64_t)a - (uint64_t)b : (uint64_t)b - (uint64_t)a;
}

enum webhook_sig_result webhook_sig_verify(const char *header, const void *body, size_t body_len,
					   const char *secret, int64_t now, int64_t tolerance_s)
{
	struct webhook_sig_header h;
	unsigned char mac[32];
	int match = 0;
	if (!header || webhook_sig_blank(header))
		return WEBHOOK_SIG_MISSING;
	if (webhook_sig_parse(header, &h) != 0)
		return WEBHOOK_SIG_MALFORMED;
	if (!secret || !*secret || webhook_sig_mac(secret, body, body_len, h.timestamp_text, mac))
		return WEBHOOK_SIG_MISMATCH;
	/* Every candidate is compared, in constant time, so timing tells nothing about which. */
	for (size_t i = 0; i < h.n_signatures; i++)
		match |= CRYPTO_memcmp(mac, h.signatures[i], sizeof(mac)) == 0;
	OPENSSL_cleanse(mac, sizeof(mac));
	if (!match)
		return WEBHOOK_SIG_MISMATCH;
	uint64_t tolerance = tolerance_s > 0 ? (uint64_t)tolerance_s : 0;
	if (webhook_sig_distance(now, h.timestamp) > tolerance)
		return h.timestamp < now ? WEBHOOK_SIG_STALE : WEBHOOK_SIG_FUTURE;
	return WEBHOOK_SIG_OK;
}

const char *webhook_sig_result_text(enum webhook_sig_result r)
{
	switch (r) {
	case WEBHOOK_SIG_OK:
		return "ok";
	case WEBHOOK_SIG_MISSING:
		return "missing";
	case WEBHOOK_SIG_MALFORMED:
		return "malformed";
	case WEBHOOK_SIG_STALE:
		return "stale";
	case WEBHOOK_SIG_FUTURE:
		return "future";
	case WEBHOOK_SIG_MISMATCH:
		return "mismatch";
	}
	return "unknown";
}
