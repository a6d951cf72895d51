/*
 * operators.h: operator accounts and sign-in throttling.
 * Strings in struct operator are owned by it: operator_clear() frees them.
 */
#ifndef PILOTOMAIL_STORE_OPERATORS_H
#define PILOTOMAIL_STORE_OPERATORS_H

#include <sqlite3.h>
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
int64_t operator_create(sqlite3 *db, const char *email, const char *name, const char *password, int *taken);
/* 0 when found, -1 when not. */
int operator_get(sqlite3 *db, int64_t id, struct operator *out);
int operator_find_by_email(sqlite3 *db, const char *email, struct operator *out);
int64_t operator_count(sqlite3 *db);
/* Sets the operator's currency: an ISO 4217 code (util/currency.h), else -1 and nothing changes.
 * Set when the operator is created, before any amount is recorded in it. 0 or -1. */
int operator_set_currency(sqlite3 *db, int64_t operator_id, const char *code);
/* The decimals of the operator's currency (util/currency.h); 2 when it cannot be read. */
int operator_money_digits(sqlite3 *db, int64_t operator_id);
void operator_clear(struct operator *op);

/* Sign-in throttling: the delay, in seconds, a new attempt for email must wait (0 = go). */
int64_t login_throttle_wait(sqlite3 *db, const char *email, int64_t now);
void login_throttle_fail(sqlite3 *db, const char *email, int64_t now);
void login_throttle_clear(sqlite3 *db, const char *email);

#endif
