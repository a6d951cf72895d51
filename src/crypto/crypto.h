/*
 * crypto.h: every cryptographic need of pilotomail, on OpenSSL 3.
 *
 *  - secretbox: AES-256-GCM for secrets at rest (client secret, signing secret, access tokens),
 *    under a 32-byte key kept in a file outside the database (PILOTOMAIL_KEY_FILE).
 *    Blob layout: version(1)=0x01 | iv(12) | tag(16) | ciphertext.
 *  - password: salted scrypt hashes for operator and renter passwords.
 *  - random tokens and SHA-256 for session ids, CSRF tokens, webhook URLs, invitations.
 *
 * Functions that return memory say so; the caller frees it with free().
 */
#ifndef PILOTOMAIL_CRYPTO_H
#define PILOTOMAIL_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

/* Loads the key file, creating it (mode 0600, 32 random bytes) if absent. 0 or -1 (logged).
 * Must be called once per process before secretbox_seal/open. */
int secretbox_init(const char *key_file);
/* Encrypts len bytes; *blob (free()) gets the layout above. 0 or -1. */
int secretbox_seal(const void *plain, size_t len, unsigned char **blob, size_t *blob_len);
/* Decrypts and authenticates; *plain (free()) is NUL-terminated, *plain_len excludes the NUL.
 * A wrong key, a bad version or any altered byte returns -1 and never yields data. */
int secretbox_open(const unsigned char *blob, size_t blob_len, char **plain, size_t *plain_len);

/* Password hashes: crypto/password.h. */
#include "crypto/password.h"

/* Fills buf from the OpenSSL CSPRNG; aborts if the CSPRNG fails (never returns weak bytes). */
void random_bytes(void *buf, size_t len);
/* nbytes of randomness as URL-safe base64 without padding (free()). 32 bytes -> 43 chars. */
char *random_token(size_t nbytes);
/* Uniform in [0, bound) for backoff jitter; bound > 0. */
uint64_t random_below(uint64_t bound);
/* Lower-case hex SHA-256 of data into out[65]. */
void sha256_hex(const void *data, size_t len, char out[65]);
/* Lower-case hex HMAC-SHA256 into out[65]. */
void hmac_sha256_hex(const void *key, size_t key_len, const void *data, size_t len, char out[65]);
/* Constant-time equality of two equal-length buffers; 1 when equal. */
int crypto_equal(const void *a, const void *b, size_t len);

#endif
