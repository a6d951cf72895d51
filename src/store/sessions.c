/* sessions.c: see sessions.h. */
#include "store/sessions.h"
#include "crypto/crypto.h"
#include "store/db.h"
#include "util/timeutil.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

int session_create(struct db *db, int64_t operator_id, int64_t renter_id, char **cookie_value,
		   struct session *out)
{
	char *id = random_token(32);
	char *csrf = random_token(32);
	memset(out, 0, sizeof(*out));
	sha256_hex(id, strlen(id), out->id_hash);
	str_copy(out->csrf_token, sizeof(out->csrf_token), csrf);
	out->operator_id = operator_id;
	out->renter_id = renter_id;
	out->expires_at = time_now() + SESSION_LIFETIME_S;
	free(csrf);
	struct db_stmt *st = db_prepare(db, "INSERT INTO sessions(id_hash, operator_id, renter_id, csrf_token, "
					  "created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)");
	db_bind_text(st, 1, out->id_hash);
	if (operator_id)
		db_bind_int64(st, 2, operator_id);
	if (renter_id)
		db_bind_int64(st, 3, renter_id);
	db_bind_text(st, 4, out->csrf_token);
	db_bind_int64(st, 5, time_now());
	db_bind_int64(st, 6, out->expires_at);
	if (db_step_done(st)) {
		free(id);
		return -1;
	}
	*cookie_value = id;
	return 0;
}

int session_find(struct db *db, const char *cookie_value, int64_t now, struct session *out)
{
	memset(out, 0, sizeof(*out));
	if (!cookie_value || strlen(cookie_value) > 128)
		return -1;
	sha256_hex(cookie_value, strlen(cookie_value), out->id_hash);
	static const char sql[] =
		"SELECT coalesce(s.operator_id, 0), coalesce(s.renter_id, 0), s.csrf_token, s.expires_at, "
		"coalesce(r.operator_id, 0), "
		"coalesce(CASE WHEN s.renter_id IS NOT NULL THEN r.email ELSE o.email END, ''), "
		"coalesce(o.currency, ''), s.flash IS NOT NULL "
		"FROM sessions s LEFT JOIN renters r ON r.id = s.renter_id "
		"LEFT JOIN operators o ON o.id = coalesce(s.operator_id, r.operator_id) "
		"WHERE s.id_hash = ? AND s.expires_at > ?";
	struct db_stmt *st = db_prepare_cached(db, sql);
	db_bind_text(st, 1, out->id_hash);
	db_bind_int64(st, 2, now);
	int rc = -1;
	if (db_step(st) == DB_ROW) {
		out->operator_id = db_col_int64(st, 0);
		out->renter_id = db_col_int64(st, 1);
		str_copy(out->csrf_token, sizeof(out->csrf_token), db_col_text(st, 2));
		out->expires_at = db_col_int64(st, 3);
		out->renter_operator_id = db_col_int64(st, 4);
		str_copy(out->email, sizeof(out->email), db_col_text(st, 5));
		str_copy(out->currency, sizeof(out->currency), db_col_text(st, 6));
		out->flash_pending = db_col_int(st, 7);
		rc = 0;
	}
	db_finish(st);
	return rc;
}

void session_delete(struct db *db, const char *id_hash)
{
	struct db_stmt *st = db_prepare(db, "DELETE FROM sessions WHERE id_hash = ?");
	db_bind_text(st, 1, id_hash);
	db_step_done(st);
}

int session_delete_expired(struct db *db, int64_t now, int limit)
{
	struct db_stmt *st = db_prepare(db, "DELETE FROM sessions WHERE id_hash IN "
					  "(SELECT id_hash FROM sessions WHERE expires_at <= ? LIMIT ?)");
	db_bind_int64(st, 1, now);
	db_bind_int64(st, 2, limit);
	return db_step_done(st) ? -1 : db_changes(db);
}

void session_flash_set(struct db *db, const char *id_hash, const char *kind, const char *message)
{
	struct db_stmt *st = db_prepare(db, "UPDATE sessions SET flash = ?, flash_kind = ? WHERE id_hash = ?");
	db_bind_text(st, 1, message);
	db_bind_text(st, 2, kind);
	db_bind_text(st, 3, id_hash);
	db_step_done(st);
}

void session_flash_take(struct db *db, const char *id_hash, char **kind, char **message)
{
	*kind = *message = NULL;
	/* RETURNING would report the cleared values: read first, then clear. */
	static const char sql[] = "SELECT flash_kind, flash FROM sessions WHERE id_hash = ? AND flash IS NOT NULL";
	struct db_stmt *st = db_prepare_cached(db, sql);
	db_bind_text(st, 1, id_hash);
	if (db_step(st) == DB_ROW) {
		*kind = db_col_strdup(st, 0);
		*message = db_col_strdup(st, 1);
	}
	db_finish(st);
	if (!*message)
		return;
	st = db_prepare(db, "UPDATE sessions SET flash = NULL, flash_kind = NULL WHERE id_hash = ?");
	db_bind_text(st, 1, id_hash);
	db_step_done(st);
}
