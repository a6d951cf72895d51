/*
 * webhook_sig.h: verification of OfficeRnD's "officernd-signature" webhook header.
 *
 *   officernd-signature: t=<unix seconds>,signature=<hex>
 *   signature = hex(HMAC-SHA256(signing secret, raw body + "." + t))
 *
 * The body comes first, then a dot, then the timestamp text exactly as it appears in the header.
 * Items may come in any order with white space around them; unknown keys and items without "="
 * are ignored; several signature= items may be present (secret rotation: any match passes, the
 * first 8 are kept, later ones are checked for form and otherwise ignored). "t" must appear
 * exactly once, as 1 to 19 digits; every signature must be exactly 64 hex digits. A header over
 * 4096 bytes is malformed. Nothing here allocates; nothing is kept after a call.
 */
#ifndef PILOTOMAIL_WEBHOOK_SIG_H
#define PILOTOMAIL_WEBHOOK_SIG_H

#include <stddef.h>
#include <stdint.h>

#define WEBHOOK_SIG_MAX_HEADER 4096
#define WEBHOOK_SIG_MAX_SIGNATURES 8

enum webhook_sig_result {
	WEBHOOK_SIG_OK,
	WEBHOOK_SIG_MISSING,   /* no header, or an empty one */
	WEBHOOK_SIG_MALFORMED, /* not in the format above */
	WEBHOOK_SIG_STALE,     /* signature good, timestamp older than now - tolerance */
	WEBHOOK_SIG_FUTURE,    /* signature good, timestamp later than now + tolerance */
	WEBHOOK_SIG_MISMATCH,  /* no signature matches (or the secret is empty) */
};

/*
 * header may be NULL (MISSING); body is the raw request body, body_len bytes (NULL when 0).
 * The signature is checked first, so STALE and FUTURE are only said of authentic requests.
 * tolerance_s applies both ways (too old and too far in the future); exactly tolerance_s passes.
 */
enum webhook_sig_result webhook_sig_verify(const char *header, const void *body, size_t body_len,
					   const char *secret, int64_t now, int64_t tolerance_s);

/* Short fixed words for logs and the activity page ("ok", "stale", ...); never a secret. */
const char *webhook_sig_result_text(enum webhook_sig_result r);

/* The parsed header, for the tests and the fuzz target. */
struct webhook_sig_header {
	int64_t timestamp;
	char timestamp_text[24];  /* the digits exactly as sent, NUL-terminated */
	size_t n_signatures;      /* 1..WEBHOOK_SIG_MAX_SIGNATURES after a successful parse */
	unsigned char signatures[WEBHOOK_SIG_MAX_SIGNATURES][32];
};

/* 0, or -1 when header is NULL, empty or malformed (then *out is zeroed). */
int webhook_sig_parse(const char *header, struct webhook_sig_header *out);

#endif
