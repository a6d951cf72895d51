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
	/* Read with the session by session_find, so that a page asks the store once about who
	 * is signing in: */
	int64_t renter_operator_id; /* a renter's operator (0 for an operator session) */
	char email[320];            /* the signed-in operator's or renter's address */
	char currency[8];           /* their operator's currency code */
	int flash_pending;          /* a flash message waits (session_flash_take) */
};

/* Creates a session; *cookie_value (free()) is what goes in the cookie. 0 or -1. */
int session_create(struct db *db, int64_t operator_id, int64_t renter_id, char **cookie_value,
		   struct session *out);
/* Finds an unexpired session by cookie value, with who it belongs to. 0 or -1. */
int session_find(struct db *db, const char *cookie_value, int64_t now, struct session *out);
void session_delete(struct db *db, const char *id_hash);
/* Deletes up to limit sessions expired at now (one short write). How many, or -1. */
int session_delete_expired(struct db *db, int64_t now, int limit);
/* Stores a message shown once on the next page. */
void session_flash_set(struct db *db, const char *id_hash, const char *kind, const char *message);
/* Takes the message (free() both) or leaves them NULL. */
void session_flash_take(struct db *db, const char *id_hash, char **kind, char **message);

#endif
