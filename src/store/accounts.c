/* accounts.c: see accounts.h. */
#include "store/accounts.h"
#include "crypto/crypto.h"
#include "store/db.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

static void bind_account(struct db_stmt *st, int i, struct account_ref who)
{
	if (who.operator_id > 0)
		db_bind_int64(st, i, who.operator_id);
	if (who.renter_id > 0)
		db_bind_int64(st, i + 1, who.renter_id);
}

int password_reset_create(struct db *db, struct account_ref who, int64_t now, char **token)
{
	char *t = random_token(32);
	char hash[65];
	sha256_hex(t, strlen(t), hash);
	struct db_stmt *st = db_prepare(db, "INSERT INTO password_resets(token_hash, operator_id, renter_id, "
					  "created_at, expires_at) VALUES (?, ?, ?, ?, ?)");
	db_bind_text(st, 1, hash);
	bind_account(st, 2, who);
	db_bind_int64(st, 4, now);
	db_bind_int64(st, 5, now + PASSWORD_RESET_LIFETIME_S);
	if (db_step_done(st)) {
		free(t);
		return -1;
	}
	*token = t;
	return 0;
}

/* A token is 43 URL-safe characters; anything longer is not one (and is not hashed). */
static int token_hash(const char *token, char out[65])
{
	if (!token || !*token || strlen(token) > 128)
		return -1;
	sha256_hex(token, strlen(token), out);
	return 0;
}

static enum reset_state reset_lookup(struct db *db, const char *hash, int64_t now, struct account_ref *who)
{
	struct db_stmt *st = db_prepare(db, "SELECT coalesce(operator_id, 0), coalesce(renter_id, 0), expires_at, "
					  "used_at IS NOT NULL FROM password_resets WHERE token_hash = ?");
	db_bind_text(st, 1, hash);
	enum reset_state state = RESET_UNKNOWN;
	if (db_step(st) == DB_ROW) {
		who->operator_id = db_col_int64(st, 0);
		who->renter_id = db_col_int64(st, 1);
		if (db_col_int(st, 3))
			state = RESET_USED;
		else
			state = db_col_int64(st, 2) > now ? RESET_VALID : RESET_EXPIRED;
	}
	db_finalize(st);
	return state;
}

enum reset_state password_reset_find(struct db *db, const char *token, int64_t now, struct account_ref *who)
{
	char hash[65];
	memset(who, 0, sizeof(*who));
	if (token_hash(token, hash) < 0)
		return RESET_UNKNOWN;
	return reset_lookup(db, hash, now, who);
}

/* Spends every unused link of the account (the one in hand included). 0 or -1. */
static int reset_spend_all(struct db *db, struct account_ref who, int64_t now)
{
	struct db_stmt *st = db_prepare(db, who.operator_id > 0
		? "UPDATE password_resets SET used_at = ? WHERE operator_id = ? AND used_at IS NULL"
		: "UPDATE password_resets SET used_at = ? WHERE renter_id = ? AND used_at IS NULL");
	db_bind_int64(st, 1, now);
	db_bind_int64(st, 2, who.operator_id > 0 ? who.operator_id : who.renter_id);
	return db_step_done(st);
}

enum reset_state password_reset_use(struct db *db, const char *token, const char *hash, int64_t now,
				    struct account_ref *who)
{
	char th[65];
	memset(who, 0, sizeof(*who));
	if (token_hash(token, th) < 0 || db_begin(db) < 0)
		return RESET_UNKNOWN;
	/* Read and spend under BEGIN IMMEDIATE: two clicks on one link cannot both pass. */
	enum reset_state state = reset_lookup(db, th, now, who);
	if (state != RESET_VALID) {
		db_rollback(db);
		return state;
	}
	if (account_set_password(db, *who, hash) < 0 || reset_spend_all(db, *who, now) < 0 ||
	    account_end_sessions(db, *who, NULL) < 0 || db_commit(db) < 0) {
		db_rollback(db);
		memset(who, 0, sizeof(*who));
		return RESET_UNKNOWN;
	}
	return RESET_VALID;
}

int password_reset_prune(struct db *db, int64_t now, int limit)
{
	struct db_stmt *st = db_prepare(db, "DELETE FROM password_resets WHERE token_hash IN (SELECT token_hash FROM "
					  "password_resets WHERE expires_at < ? LIMIT ?)");
	db_bind_int64(st, 1, now);
	db_bind_int64(st, 2, limit);
	if (db_step_done(st))
		return -1;
	return db_changes(db);
}

int account_renters_by_email(struct db *db, const char *email, int64_t *ids, size_t max)
{
	struct db_stmt *st = db_prepare(db, "SELECT id FROM renters WHERE email = ? AND password_hash IS NOT NULL "
					  "AND password_hash <> '' ORDER BY id LIMIT ?");
	db_bind_text(st, 1, email);
	db_bind_int64(st, 2, (int64_t)max);
	size_t n = 0;
	while (n < max && db_step(st) == DB_ROW)
		ids[n++] = db_col_int64(st, 0);
	db_finalize(st);
	return st ? (int)n : -1;
}

int account_set_password(struct db *db, struct account_ref who, const char *hash)
{
	struct db_stmt *st = db_prepare(db, who.operator_id > 0
		? "UPDATE operators SET password_hash = ? WHERE id = ?"
		: "UPDATE renters SET password_hash = ? WHERE id = ?");
	db_bind_text(st, 1, hash);
	db_bind_int64(st, 2, who.operator_id > 0 ? who.operator_id : who.renter_id);
	return db_update_one(st);
}

int account_end_sessions(struct db *db, struct account_ref who, const char *keep)
{
	struct db_stmt *st = db_prepare(db, who.operator_id > 0
		? "DELETE FROM sessions WHERE operator_id = ? AND id_hash <> coalesce(?, '')"
		: "DELETE FROM sessions WHERE renter_id = ? AND id_hash <> coalesce(?, '')");
	db_bind_int64(st, 1, who.operator_id > 0 ? who.operator_id : who.renter_id);
	db_bind_text(st, 2, keep);
	return db_step_done(st);
}

int account_set_operator_name(struct db *db, int64_t operator_id, const char *name)
{
	if (!name || strlen(name) > OPERATOR_NAME_MAX)
		return -1;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return -1;
	struct db_stmt *st = db_prepare(db, "UPDATE operators SET name = ? WHERE id = ?");
	db_bind_text(st, 1, name);
	db_bind_int64(st, 2, operator_id);
	return db_update_one(st);
}
