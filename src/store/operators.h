/*
 * operators.h: operator accounts and sign-in throttling.
 * Strings in struct operator are owned by it: operator_clear() frees them.
 */
#ifndef PILOTOMAIL_STORE_OPERATORS_H
#define PILOTOMAIL_STORE_OPERATORS_H

#include "store/db.h"
#include <stdint.h>

struct operator {
	int64_t id;
	char *email;
	char *name;
	char *password_hash;
	char *currency;
	int64_t created_at;
};

/* Creates the operator with a hashed password and its settings rows (webhook token included).
 * Returns the new id, or -1 (for instance when the email is taken: *taken is set). */
int64_t operator_create(struct db *db, const char *email, const char *name, const char *password, int *taken);
/* 0 when found, -1 when not. */
int operator_get(struct db *db, int64_t id, struct operator *out);
int operator_find_by_email(struct db *db, const char *email, struct operator *out);
int64_t operator_count(struct db *db);
/* Sets the operator's currency: an ISO 4217 code (util/currency.h), else -1 and nothing changes.
 * Set when the operator is created, before any amount is recorded in it. 0 or -1. */
int operator_set_currency(struct db *db, int64_t operator_id, const char *code);
/* The decimals of the operator's currency (util/currency.h); 2 when it cannot be read. */
int operator_money_digits(struct db *db, int64_t operator_id);
void operator_clear(struct operator *op);
/* After a successful sign-in with password: stores a new hash when op's was made with weaker
 * parameters than today's (hashed before any lock is taken; a hash changed meanwhile is kept). */
void operator_password_upgrade(struct db *db, const struct operator *op, const char *password);

/*
 * Sign-in throttling: after 5 failures for an email, each attempt waits 1, 2, 4 ... up to
 * LOGIN_THROTTLE_MAX_S seconds after the last failure. Failures are forgotten
 * LOGIN_FAILURE_MEMORY_S after the last one (far longer than the longest wait: forgetting at
 * the end of a wait would give whoever waits it out five fresh attempts each time).
 */
#define LOGIN_THROTTLE_MAX_S 900
#define LOGIN_FAILURE_MEMORY_S (24 * 3600)

/* The delay, in seconds, a new attempt for email must wait (0 = go). */
int64_t login_throttle_wait(struct db *db, const char *email, int64_t now);
void login_throttle_fail(struct db *db, const char *email, int64_t now);
void login_throttle_clear(struct db *db, const char *email);
/* Deletes up to limit rows whose last failure is LOGIN_FAILURE_MEMORY_S or more before now
 * (one short write). How many, or -1. */
int login_throttle_prune(struct db *db, int64_t now, int limit);

#endif
