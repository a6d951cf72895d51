/*
 * random.c: see crypto.h. Randomness from the OpenSSL CSPRNG, and the small digest helpers
 * (SHA-256, HMAC-SHA256, constant-time equality) that the tokens and signatures are built on.
 */
#include "crypto/crypto.h"
#include "util/log.h"
#include "util/util.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

/* A CSPRNG or digest that fails means a broken OpenSSL: weak tokens are worse than a restart. */
static void crypto_fatal(const char *what)
{
	log_error("crypto", "fatal %s failed", what);
	abort();
}

/* RAND_bytes takes an int: feed it in chunks so any size_t works. */
void random_bytes(void *buf, size_t len)
{
	unsigned char *p = buf;
	while (len > 0) {
		int chunk = len > INT_MAX ? INT_MAX : (int)len;
		if (RAND_bytes(p, chunk) != 1)
			crypto_fatal("RAND_bytes");
		p += chunk;
		len -= (size_t)chunk;
	}
}

/* URL-safe base64 (RFC 4648 section 5) without padding, so tokens fit in paths and cookies. */
static void base64url_encode(const unsigned char *in, size_t len, char *out)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t i = 0, o = 0;
	for (; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = alphabet[v >> 18 & 63];
		out[o++] = alphabet[v >> 12 & 63];
		out[o++] = alphabet[v >> 6 & 63];
		out[o++] = alphabet[v & 63];
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;
		out[o++] = alphabet[v >> 18 & 63];
		out[o++] = alphabet[v >> 12 & 63];
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = alphabet[v >> 18 & 63];
		out[o++] = alphabet[v >> 12 & 63];
		out[o++] = alphabet[v >> 6 & 63];
	}
	out[o] = '\0';
}

char *random_token(size_t nbytes)
{
	unsigned char *raw = xmalloc(nbytes);
	char *token = xmalloc(nbytes / 3 * 4 + 4 + 1);
	random_bytes(raw, nbytes);
	base64url_encode(raw, nbytes, token);
	OPENSSL_cleanse(raw, nbytes);
	free(raw);
	return token;
}

/* Rejection sampling: a plain modulo would favour the low values for bounds not a power of two. */
uint64_t random_below(uint64_t bound)
{
	if (bound <= 1)
		return 0;
	uint64_t threshold = (0 - bound) % bound; /* 2^64 mod bound */
	for (;;) {
		uint64_t r;
		random_bytes(&r, sizeof(r));
		if (r >= threshold)
			return r % bound;
	}
}

void sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	if (EVP_Digest(len ? data : "", len, md, &md_len, EVP_sha256(), NULL) != 1 || md_len != 32)
		crypto_fatal("sha256");
	hex_encode(md, md_len, out);
}

/* A NULL key means "no key" or "previous key" depending on the OpenSSL API: never pass NULL. */
void hmac_sha256_hex(const void *key, size_t key_len, const void *data, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	static const unsigned char empty[1];
	if (key_len > INT_MAX)
		crypto_fatal("hmac key length");
	if (!HMAC(EVP_sha256(), key_len ? key : empty, (int)key_len,
		  len ? data : empty, len, md, &md_len) || md_len != 32)
		crypto_fatal("hmac");
	hex_encode(md, md_len, out);
}

int crypto_equal(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}
