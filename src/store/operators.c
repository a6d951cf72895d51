/* operators.c: see operators.h. */
#include "store/operators.h"
#include "util/currency.h"
#include "crypto/crypto.h"
#include "store/db.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

static int64_t insert_operator(sqlite3 *db, const char *email, const char *name, const char *hash,
			       int64_t now, int *taken)
{
	sqlite3_stmt *st = db_prepare(db, "INSERT INTO operators(email, name, password_hash, created_at) "
					  "VALUES (?, ?, ?, ?) RETURNING id");
	db_bind_text(st, 1, email);
	db_bind_text(st, 2, name ? name : "");
	db_bind_text(st, 3, hash);
	sqlite3_bind_int64(st, 4, now);
	return db_insert_returning(st, taken);
}

/* Every operator has exactly one row of each settings table, created with it. */
static int insert_settings(sqlite3 *db, int64_t id, int64_t now)
{
	char *token = random_token(32);
	sqlite3_stmt *st = db_prepare(db, "INSERT INTO officernd_settings(operator_id, webhook_token, updated_at) "
					  "VALUES (?, ?, ?)");
	sqlite3_bind_int64(st, 1, id);
	db_bind_text(st, 2, token);
	sqlite3_bind_int64(st, 3, now);
	free(token);
	if (db_step_done(st))
		return -1;
	st = db_prepare(db, "INSERT INTO stripe_settings(operator_id, updated_at) VALUES (?, ?)");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	return db_step_done(st);
}

int64_t operator_create(sqlite3 *db, const char *email, const char *name, const char *password, int *taken)
{
	int dummy = 0;
	if (!taken)
		taken = &dummy;
	*taken = 0;
	char *hash = password_hash(password);
	int64_t now = time_now();
	if (db_begin(db)) {
		free(hash);
		return -1;
	}
	int64_t id = insert_operator(db, email, name, hash, now, taken);
	free(hash);
	if (id < 0 || insert_settings(db, id, now) || db_commit(db)) {
		db_rollback(db);
		return -1;
	}
	log_info("store", "operator created id=%lld", (long long)id);
	return id;
}

static int operator_from_row(sqlite3_stmt *st, struct operator *out)
{
	if (sqlite3_step(st) != SQLITE_ROW) {
		db_finish(st);
		return -1;
	}
	out->id = sqlite3_column_int64(st, 0);
	out->email = db_col_strdup(st, 1);
	out->name = db_col_strdup(st, 2);
	out->password_hash = db_col_strdup(st, 3);
	out->currency = db_col_strdup(st, 4);
	out->created_at = sqlite3_column_int64(st, 5);
	db_finish(st);
	return 0;
}

#define OPERATOR_COLUMNS "id, email, name, password_hash, currency, created_at"

int operator_get(sqlite3 *db, int64_t id, struct operator *out)
{
	sqlite3_stmt *st = db_prepare_cached(db, "SELECT " OPERATOR_COLUMNS " FROM operators WHERE id = ?");
	sqlite3_bind_int64(st, 1, id);
	return operator_from_row(st, out);
}

int operator_find_by_email(sqlite3 *db, const char *email, struct operator *out)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT " OPERATOR_COLUMNS " FROM operators WHERE email = ?");
	db_bind_text(st, 1, email);
	return operator_from_row(st, out);
}

int64_t operator_count(sqlite3 *db)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT count(*) FROM operators");
	int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return n;
}

void operator_clear(struct operator *op)
{
	free(op->email);
	free(op->name);
	free(op->password_hash);
	free(op->currency);
	memset(op, 0, sizeof(*op));
}

/* After 5 failures, each further one doubles the wait, up to 15 minutes. */
int64_t login_throttle_wait(sqlite3 *db, const char *email, int64_t now)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT failures, last_failed FROM login_failures WHERE email = ?");
	db_bind_text(st, 1, email);
	int64_t wait = 0;
	if (sqlite3_step(st) == SQLITE_ROW) {
		int64_t failures = sqlite3_column_int64(st, 0), last = sqlite3_column_int64(st, 1);
		if (failures >= 5) {
			int64_t shift = failures - 5 > 10 ? 10 : failures - 5;
			int64_t delay = (int64_t)1 << shift;
			if (delay > LOGIN_THROTTLE_MAX_S)
				delay = LOGIN_THROTTLE_MAX_S;
			wait = last + delay - now;
		}
	}
	sqlite3_finalize(st);
	return wait > 0 ? wait : 0;
}

void login_throttle_fail(sqlite3 *db, const char *email, int64_t now)
{
	/* A forgotten failure counts as none, whether or not the worker has deleted it yet. */
	sqlite3_stmt *st = db_prepare(db, "INSERT INTO login_failures(email, failures, last_failed) VALUES (?1, 1, ?2) "
					  "ON CONFLICT(email) DO UPDATE SET last_failed = excluded.last_failed, "
					  "failures = CASE WHEN last_failed <= ?2 - ?3 THEN 1 ELSE failures + 1 END");
	db_bind_text(st, 1, email);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, LOGIN_FAILURE_MEMORY_S);
	db_step_done(st);
}

void login_throttle_clear(sqlite3 *db, const char *email)
{
	sqlite3_stmt *st = db_prepare(db, "DELETE FROM login_failures WHERE email = ?");
	db_bind_text(st, 1, email);
	db_step_done(st);
}

int operator_money_digits(sqlite3 *db, int64_t operator_id)
{
	static const char sql[] = "SELECT currency FROM operators WHERE id = ?";
	sqlite3_stmt *st = db_prepare_cached(db, sql);
	sqlite3_bind_int64(st, 1, operator_id);
	int digits = -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		digits = currency_minor_digits(db_col_text(st, 0));
	db_finish(st);
	return digits < 0 ? 2 : digits;
}

int operator_set_currency(sqlite3 *db, int64_t operator_id, const char *code)
{
	if (currency_minor_digits(code) < 0)
		return -1;
	sqlite3_stmt *st = db_prepare(db, "UPDATE operators SET currency = ? WHERE id = ?");
	db_bind_text(st, 1, code);
	sqlite3_bind_int64(st, 2, operator_id);
	return db_update_one(st);
}

int login_throttle_prune(sqlite3 *db, int64_t now, int limit)
{
	sqlite3_stmt *st = db_prepare(db, "DELETE FROM login_failures WHERE email IN (SELECT email FROM "
					  "login_failures WHERE last_failed <= ? LIMIT ?)");
	sqlite3_bind_int64(st, 1, now - LOGIN_FAILURE_MEMORY_S);
	sqlite3_bind_int(st, 2, limit);
	return db_step_done(st) ? -1 : sqlite3_changes(db);
}

void operator_password_upgrade(sqlite3 *db, const struct operator *op, const char *password)
{
	char *hash = password_upgrade(password, op->password_hash);
	if (!hash)
		return;
	sqlite3_stmt *st = db_prepare(db, "UPDATE operators SET password_hash = ? WHERE id = ? AND password_hash = ?");
	db_bind_text(st, 1, hash);
	sqlite3_bind_int64(st, 2, op->id);
	db_bind_text(st, 3, op->password_hash);
	free(hash);
	if (db_step_done(st) == 0 && sqlite3_changes(db) == 1)
		log_info("auth", "password rehashed operator=%lld", (long long)op->id);
}
