/*
 * password.c: see password.h. Verification reads the parameters back from the stored string;
 * they are bounded so that a corrupted or hostile row cannot make one sign-in take gigabytes.
 */
#include "crypto/password.h"
#include "crypto/crypto.h"
#include "util/log.h"
#include "util/util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#define PASSWORD_SALT_LEN 16
#define PASSWORD_HASH_LEN 32

#define PASSWORD_MAX_N (1 << 20)
#define PASSWORD_MAX_R 32
#define PASSWORD_MAX_P 16
#define PASSWORD_MAX_MEM (256u << 20) /* bytes of scrypt working memory */
#define PASSWORD_MIN_BYTES 8          /* salt and hash length bounds when reading back */
#define PASSWORD_MAX_BYTES 64

struct password_params {
	uint64_t n, r, p;
	unsigned char salt[PASSWORD_MAX_BYTES];
	size_t salt_len;
	unsigned char hash[PASSWORD_MAX_BYTES];
	size_t hash_len;
};

/* scrypt into out; maxmem is what OpenSSL computes these parameters need, B (128*r*p) plus
 * V (128*r*(N+2)), plus slack: its default cap of 32 MB would refuse N=2^17. */
static int password_scrypt(const char *password, const struct password_params *pp,
			   unsigned char *out, size_t out_len)
{
	uint64_t maxmem = 128 * pp->r * (pp->n + 2) + 128 * pp->r * pp->p + 65536;
	return EVP_PBE_scrypt(password, strlen(password), pp->salt, pp->salt_len, pp->n, pp->r,
			      pp->p, maxmem, out, out_len) == 1 ? 0 : -1;
}

/* A NULL password hashes as the empty one; callers refuse empty passwords before this. */
char *password_hash(const char *password)
{
	struct password_params pp = { .n = PASSWORD_SCRYPT_N, .r = PASSWORD_SCRYPT_R, .p = PASSWORD_SCRYPT_P,
				      .salt_len = PASSWORD_SALT_LEN, .hash_len = PASSWORD_HASH_LEN };
	char salt_hex[2 * PASSWORD_SALT_LEN + 1], hash_hex[2 * PASSWORD_HASH_LEN + 1];
	random_bytes(pp.salt, pp.salt_len);
	if (password_scrypt(password ? password : "", &pp, pp.hash, pp.hash_len) != 0) {
		/* Only a broken OpenSSL (or no memory) gets here; a weaker fallback would be worse. */
		log_error("crypto", "fatal scrypt failed");
		abort();
	}
	hex_encode(pp.salt, pp.salt_len, salt_hex);
	hex_encode(pp.hash, pp.hash_len, hash_hex);
	OPENSSL_cleanse(&pp, sizeof(pp));
	return xasprintf("scrypt$%u$%u$%u$%s$%s", PASSWORD_SCRYPT_N, PASSWORD_SCRYPT_R, PASSWORD_SCRYPT_P,
			 salt_hex, hash_hex);
}

const char *password_dummy_hash(void)
{
	static char dummy[160];
	if (!dummy[0])
		snprintf(dummy, sizeof(dummy), "scrypt$%u$%u$%u$%0*d$%0*d", PASSWORD_SCRYPT_N,
			 PASSWORD_SCRYPT_R, PASSWORD_SCRYPT_P, 2 * PASSWORD_SALT_LEN, 0, 2 * PASSWORD_HASH_LEN, 0);
	return dummy;
}

/* One decimal field, digits only (parse_int64 alone would take a sign). */
static int password_parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	int64_t v;
	if (!isdigit((unsigned char)s[0]) || parse_int64(s, 1, (int64_t)max, &v) != 0)
		return -1;
	*out = (uint64_t)v;
	return 0;
}

/* One hex field of PASSWORD_MIN_BYTES..PASSWORD_MAX_BYTES bytes. */
static int password_parse_hex(const char *s, unsigned char *out, size_t *out_len)
{
	size_t len = strlen(s);
	if (len % 2 || len < 2 * PASSWORD_MIN_BYTES || len > 2 * PASSWORD_MAX_BYTES)
		return -1;
	*out_len = len / 2;
	return hex_decode(s, len, out, *out_len);
}

/* Splits and checks the stored string; any deviation from the format is -1. */
static int password_parse(const char *stored, struct password_params *pp)
{
	char *copy = xstrdup(stored), *field[6], *s = copy;
	size_t n = 0;
	int rc = -1;
	for (;;) {
		char *dollar = strchr(s, '$');
		if (n == ARRAY_SIZE(field))
			goto out;
		field[n++] = s;
		if (!dollar)
			break;
		*dollar = '\0';
		s = dollar + 1;
	}
	if (n != 6 || strcmp(field[0], "scrypt") != 0 ||
	    password_parse_uint(field[1], PASSWORD_MAX_N, &pp->n) ||
	    password_parse_uint(field[2], PASSWORD_MAX_R, &pp->r) ||
	    password_parse_uint(field[3], PASSWORD_MAX_P, &pp->p) ||
	    pp->n < 2 || (pp->n & (pp->n - 1)) || 128 * pp->r * pp->n > PASSWORD_MAX_MEM ||
	    password_parse_hex(field[4], pp->salt, &pp->salt_len) ||
	    password_parse_hex(field[5], pp->hash, &pp->hash_len))
		goto out;
	rc = 0;
out:
	free(copy);
	return rc;
}

int password_verify(const char *password, const char *stored)
{
	struct password_params pp;
	unsigned char computed[PASSWORD_MAX_BYTES];
	int match = 0;
	if (!password || !stored)
		return 0;
	if (password_parse(stored, &pp) != 0) {
		log_warn("crypto", "stored password hash is malformed");
		return 0;
	}
	if (password_scrypt(password, &pp, computed, pp.hash_len) == 0)
		match = CRYPTO_memcmp(computed, pp.hash, pp.hash_len) == 0;
	else
		log_error("crypto", "scrypt failed n=%llu r=%llu p=%llu", (unsigned long long)pp.n,
			  (unsigned long long)pp.r, (unsigned long long)pp.p);
	OPENSSL_cleanse(computed, sizeof(computed));
	OPENSSL_cleanse(&pp, sizeof(pp));
	return match;
}

char *password_upgrade(const char *password, const char *stored)
{
	struct password_params pp;
	if (!password || !stored || password_parse(stored, &pp) != 0)
		return NULL;
	int weaker = pp.n < PASSWORD_SCRYPT_N || pp.r < PASSWORD_SCRYPT_R || pp.p < PASSWORD_SCRYPT_P ||
		     pp.salt_len < PASSWORD_SALT_LEN || pp.hash_len < PASSWORD_HASH_LEN;
	OPENSSL_cleanse(&pp, sizeof(pp));
	return weaker ? password_hash(password) : NULL;
}
