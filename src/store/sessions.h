/*
 * sessions.h: sign-in sessions of operators and renters, with their CSRF token and one flash
 * message. The cookie carries a random id; only its SHA-256 is stored.
 */
#ifndef PILOTOMAIL_STORE_SESSIONS_H
#define PILOTOMAIL_STORE_SESSIONS_H

#include "store/db.h"
#include <stdint.h>

#define SESSION_LIFETIME_S (12 * 3600)

struct session {
	char id_hash[65];
	int64_t operator_id; /* 0 for a renter session */
	int64_t renter_id;   /* 0 for an operator session */
	char csrf_token[64];
	int64_t expires_at;
};

/* Creates a session; *cookie_value (free()) is what goes in the cookie. 0 or -1. */
int session_create(struct db *db, int64_t operator_id, int64_t renter_id, char **cookie_value,
		   struct session *out);
/* Finds an unexpired session by cookie value. 0 or -1. */
int session_find(struct db *db, const char *cookie_value, int64_t now, struct session *out);
void session_delete(struct db *db, const char *id_hash);
/* Deletes up to limit sessions expired at now (one short write). How many, or -1. */
int session_delete_expired(struct db *db, int64_t now, int limit);
/* Stores a message shown once on the next page. */
void session_flash_set(struct db *db, const char *id_hash, const char *kind, const char *message);
/* Takes the message (free() both) or leaves them NULL. */
void session_flash_take(struct db *db, const char *id_hash, char **kind, char **message);

#endif
