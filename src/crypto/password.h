/*
 * password.h: salted scrypt password hashes, stored self-describing as
 * "scrypt$N$r$p$salthex$hashhex", so the parameters can be raised without locking anyone out:
 * a stored hash is verified with its own parameters, and rehashed with the current ones at the
 * next successful sign-in (password_upgrade).
 *
 * Current parameters: OWASP's scrypt minimum, N=2^17, r=8, p=1: 128 MiB of memory and about
 * half a second of one core per hash. Hash before opening a write transaction, never inside.
 */
#ifndef PILOTOMAIL_CRYPTO_PASSWORD_H
#define PILOTOMAIL_CRYPTO_PASSWORD_H

#define PASSWORD_SCRYPT_N (1u << 17)
#define PASSWORD_SCRYPT_R 8u
#define PASSWORD_SCRYPT_P 1u

/* A hash of password with the current parameters (free()); never NULL. NULL hashes as "". */
char *password_hash(const char *password);
/* 1 when password matches stored (constant-time compare), else 0 (also for malformed stored). */
int password_verify(const char *password, const char *stored);
/* After password_verify succeeded: a new hash (free()) when stored was made with weaker
 * parameters than the current ones, else NULL (nothing to do). */
char *password_upgrade(const char *password, const char *stored);
/* A well-formed hash at the current parameters that no password matches. Verified when no
 * account has the email given, so that an unknown email takes as long as a known one. */
const char *password_dummy_hash(void);

#endif
