/*
 * accounts.h: what operators and renters share as people who sign in: a password that can be
 * changed or reset, sessions that end together, and one-time password-reset links.
 *
 * An account is an operator (operator_id > 0, renter_id 0) or a renter (the reverse).
 * Reset tokens are random (32 bytes); only their SHA-256 is stored. A link works once, for
 * PASSWORD_RESET_LIFETIME_S, and using one spends every other link of the same account.
 */
#ifndef PILOTOMAIL_STORE_ACCOUNTS_H
#define PILOTOMAIL_STORE_ACCOUNTS_H

#include "store/db.h"
#include <stddef.h>
#include <stdint.h>

#define PASSWORD_RESET_LIFETIME_S 3600

struct account_ref {
	int64_t operator_id;
	int64_t renter_id;
};

enum reset_state {
	RESET_UNKNOWN, /* no such link (or a store error) */
	RESET_VALID,
	RESET_USED,
	RESET_EXPIRED,
};

/* Creates a reset link for the account; *token (free()) is what goes into the link. 0 or -1. */
int password_reset_create(struct db *db, struct account_ref who, int64_t now, char **token);
/* The state of the link with this token; *who is filled for every state but RESET_UNKNOWN. */
enum reset_state password_reset_find(struct db *db, const char *token, int64_t now, struct account_ref *who);
/*
 * Spends the link and sets the account's new password (hash from password_hash(), computed
 * before: no scrypt under the write lock), spends the account's other links and ends all its
 * sessions, in one transaction. Returns the state the link was in: only RESET_VALID changed
 * anything; *who is then the account.
 */
enum reset_state password_reset_use(struct db *db, const char *token, const char *hash, int64_t now,
				    struct account_ref *who);
/* Deletes up to limit links that expired before now (one short write). How many, or -1. */
int password_reset_prune(struct db *db, int64_t now, int limit);

/* The renters with this email who can sign in (a password is set), at most max. How many, or -1. */
int account_renters_by_email(struct db *db, const char *email, int64_t *ids, size_t max);
/* Sets the account's password hash. 0 or -1. */
int account_set_password(struct db *db, struct account_ref who, const char *hash);
/* Ends the account's sessions except the one whose id hash is keep (NULL: all). 0 or -1. */
int account_end_sessions(struct db *db, struct account_ref who, const char *keep);
/* The operator's display name (at most OPERATOR_NAME_MAX bytes, no control characters). 0 or -1. */
#define OPERATOR_NAME_MAX 200
int account_set_operator_name(struct db *db, int64_t operator_id, const char *name);

#endif
