/* officernd_account.c: see officernd_account.h. */
#include "store/officernd_account.h"
#include "crypto/crypto.h"
#include "store/db.h"
#include "util/log.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

static void secret_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/* Decrypts a blob column; "" for NULL; NULL when it does not open (wrong key, altered). */
static char *column_secret(struct db_stmt *st, int i)
{
	const void *blob = db_col_blob(st, i);
	int len = db_col_bytes(st, i);
	if (!blob || len <= 0)
		return xstrdup("");
	char *plain = NULL;
	size_t plain_len = 0;
	if (secretbox_open(blob, (size_t)len, &plain, &plain_len))
		return NULL;
	return plain;
}

int officernd_account_load(struct db *db, int64_t operator_id, struct officernd_account *out)
{
	memset(out, 0, sizeof(*out));
	struct db_stmt *st = db_prepare(db, "SELECT org_slug, client_id, client_secret_enc "
					  "FROM officernd_settings WHERE operator_id = ?");
	db_bind_int64(st, 1, operator_id);
	if (db_step(st) != DB_ROW) {
		db_finalize(st);
		return -1;
	}
	char *secret = column_secret(st, 2);
	if (!secret) {
		db_finalize(st);
		log_error("store", "officernd client secret unreadable operator=%lld", (long long)operator_id);
		return -1;
	}
	out->org_slug = xstrdup(db_col_text(st, 0));
	out->client_id = xstrdup(db_col_text(st, 1));
	out->client_secret = secret;
	db_finalize(st);
	return 0;
}

void officernd_account_clear(struct officernd_account *a)
{
	free(a->org_slug);
	free(a->client_id);
	secret_free(a->client_secret);
	memset(a, 0, sizeof(*a));
}

int officernd_account_token_get(struct db *db, int64_t operator_id, char **token, int64_t *expires_at)
{
	*token = NULL;
	*expires_at = 0;
	struct db_stmt *st = db_prepare(db, "SELECT access_token_enc, access_token_expires_at "
					  "FROM officernd_settings WHERE operator_id = ?");
	db_bind_int64(st, 1, operator_id);
	int rc = db_step(st);
	if (rc != DB_ROW) {
		db_finalize(st);
		return rc == DB_DONE ? 1 : -1;
	}
	char *plain = column_secret(st, 0);
	int64_t exp = db_col_int64(st, 1);
	db_finalize(st);
	if (!plain || !*plain) {
		/* Unreadable (the key changed): the caller fetches a new one and overwrites it. */
		secret_free(plain);
		return 1;
	}
	*token = plain;
	*expires_at = exp;
	return 0;
}

int officernd_account_token_save(struct db *db, int64_t operator_id, const char *token, int64_t expires_at)
{
	unsigned char *blob = NULL;
	size_t blob_len = 0;
	if (secretbox_seal(token, strlen(token), &blob, &blob_len))
		return -1;
	struct db_stmt *st = db_prepare(db, "UPDATE officernd_settings SET access_token_enc = ?, "
					  "access_token_expires_at = ? WHERE operator_id = ?");
	db_bind_blob(st, 1, blob, blob_len);
	db_bind_int64(st, 2, expires_at);
	db_bind_int64(st, 3, operator_id);
	free(blob);
	return db_step_done(st);
}

int officernd_account_token_clear(struct db *db, int64_t operator_id, int64_t expires_at)
{
	struct db_stmt *st = db_prepare(db, "UPDATE officernd_settings SET access_token_enc = NULL, "
					  "access_token_expires_at = 0 WHERE operator_id = ? "
					  "AND (? = 0 OR access_token_expires_at = ?)");
	db_bind_int64(st, 1, operator_id);
	db_bind_int64(st, 2, expires_at);
	db_bind_int64(st, 3, expires_at);
	return db_step_done(st);
}

int officernd_account_token_lease(struct db *db, int64_t operator_id, int64_t now, int64_t until)
{
	struct db_stmt *st = db_prepare(db, "UPDATE officernd_settings SET token_fetch_until = ?3 "
					  "WHERE operator_id = ?1 AND token_fetch_until <= ?2");
	db_bind_int64(st, 1, operator_id);
	db_bind_int64(st, 2, now);
	db_bind_int64(st, 3, until);
	if (db_step_done(st) < 0)
		return -1;
	return db_changes(db) == 1 ? 1 : 0;
}

int officernd_account_token_lease_end(struct db *db, int64_t operator_id)
{
	struct db_stmt *st = db_prepare(db, "UPDATE officernd_settings SET token_fetch_until = 0 WHERE operator_id = ?");
	db_bind_int64(st, 1, operator_id);
	return db_step_done(st);
}
