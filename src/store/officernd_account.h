/*
 * officernd_account.h: an operator's OfficeRnD credentials and its cached access token, as the
 * OfficeRnD client needs them (table officernd_settings; the card's own fields live elsewhere).
 *
 * Secrets are stored as secretbox blobs: secretbox_init() must have run in this process.
 * Every function is scoped by operator_id.
 */
#ifndef PILOTOMAIL_STORE_OFFICERND_ACCOUNT_H
#define PILOTOMAIL_STORE_OFFICERND_ACCOUNT_H

#include "store/db.h"
#include <stdint.h>

/* Owned strings, "" when not set; officernd_account_clear() wipes and frees them. */
struct officernd_account {
	char *org_slug;
	char *client_id;
	char *client_secret; /* decrypted: never log it */
};

/*
 * Loads the operator's credentials. 0 when the row exists (fields may be ""), -1 when there is
 * no row or the stored secret cannot be decrypted (logged, *out left empty).
 */
int officernd_account_load(struct db *db, int64_t operator_id, struct officernd_account *out);
void officernd_account_clear(struct officernd_account *a);

/* The cached token: 0 with *token (free()) and *expires_at, 1 when none (or unreadable), -1 on error. */
int officernd_account_token_get(struct db *db, int64_t operator_id, char **token, int64_t *expires_at);
/* Stores token encrypted with its expiry (Unix seconds). 0 or -1. */
int officernd_account_token_save(struct db *db, int64_t operator_id, const char *token, int64_t expires_at);
/*
 * Forgets the cached token. With expires_at > 0, only if the stored one still has that expiry:
 * a token another process saved meanwhile is kept. 0 or -1.
 */
int officernd_account_token_clear(struct db *db, int64_t operator_id, int64_t expires_at);
/*
 * The right to ask OfficeRnD for the operator's token until `until` (Unix seconds), unless
 * another process holds it past now. 1 when taken (ask), 0 when another is asking (wait for the
 * token it stores), -1 on a store error (logged; ask anyway).
 */
int officernd_account_token_lease(struct db *db, int64_t operator_id, int64_t now, int64_t until);
/* The asking is over (the token stored, or refused): the next one need not wait. 0 or -1. */
int officernd_account_token_lease_end(struct db *db, int64_t operator_id);

#endif
