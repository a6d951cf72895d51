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

static int64_t insert_operator(struct db *db, const char *email, const char *name, const char *hash,
			       int64_t now, int *taken)
{
	struct db_stmt *st = db_prepare(db, "INSERT INTO operators(email, name, password_hash, created_at) "
					  "VALUES (?, ?, ?, ?) RETURNING id");
	db_bind_text(st, 1, email);
	db_bind_text(st, 2, name ? name : "");
	db_bind_text(st, 3, hash);
	db_bind_int64(st, 4, now);
	return db_insert_returning(st, taken);
}

/* Every operator has exactly one row of each settings table, created with it. */
static int insert_settings(struct db *db, int64_t id, int64_t now)
{
	char *token = random_token(32);
	struct db_stmt *st = db_prepare(db, "INSERT INTO officernd_settings(operator_id, webhook_token, updated_at) "
					  "VALUES (?, ?, ?)");
	db_bind_int64(st, 1, id);
	db_bind_text(st, 2, token);
	db_bind_int64(st, 3, now);
	free(token);
	if (db_step_done(st))
		return -1;
	st = db_prepare(db, "INSERT INTO stripe_settings(operator_id, updated_at) VALUES (?, ?)");
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, now);
	return db_step_done(st);
}

int64_t operator_create(struct db *db, const char *email, const char *name, const char *password, int *taken)
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

static int operator_from_row(struct db_stmt *st, struct operator *out)
{
	if (db_step(st) != DB_ROW) {
		db_finalize(st);
		return -1;
	}
	out->id = db_col_int64(st, 0);
	out->email = db_col_strdup(st, 1);
	out->name = db_col_strdup(st, 2);
	out->password_hash = db_col_strdup(st, 3);
	out->currency = db_col_strdup(st, 4);
	out->created_at = db_col_int64(st, 5);
	db_finalize(st);
	return 0;
}

#define OPERATOR_COLUMNS "id, email, name, password_hash, currency, created_at"

int operator_get(struct db *db, int64_t id, struct operator *out)
{
	struct db_stmt *st = db_prepare(db, "SELECT " OPERATOR_COLUMNS " FROM operators WHERE id = ?");
	db_bind_int64(st, 1, id);
	return operator_from_row(st, out);
}

int operator_find_by_email(struct db *db, const char *email, struct operator *out)
{
	struct db_stmt *st = db_prepare(db, "SELECT " OPERATOR_COLUMNS " FROM operators WHERE email = ?");
	db_bind_text(st, 1, email);
	return operator_from_row(st, out);
}

int64_t operator_count(struct db *db)
{
	struct db_stmt *st = db_prepare(db, "SELECT count(*) FROM operators");
	int64_t n = db_step(st) == DB_ROW ? db_col_int64(st, 0) : 0;
	db_finalize(st);
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
int64_t login_throttle_wait(struct db *db, const char *email, int64_t now)
{
	struct db_stmt *st = db_prepare(db, "SELECT failures, last_failed FROM login_failures WHERE email = ?");
	db_bind_text(st, 1, email);
	int64_t wait = 0;
	if (db_step(st) == DB_ROW) {
		int64_t failures = db_col_int64(st, 0), last = db_col_int64(st, 1);
		if (failures >= 5) {
			int64_t shift = failures - 5 > 10 ? 10 : failures - 5;
			int64_t delay = (int64_t)1 << shift;
			if (delay > LOGIN_THROTTLE_MAX_S)
				delay = LOGIN_THROTTLE_MAX_S;
			wait = last + delay - now;
		}
	}
	db_finalize(st);
	return wait > 0 ? wait : 0;
}

void login_throttle_fail(struct db *db, const char *email, int64_t now)
{
	/* A forgotten failure counts as none, whether or not the worker has deleted it yet. */
	struct db_stmt *st = db_prepare(db, "INSERT INTO login_failures(email, failures, last_failed) VALUES (?1, 1, ?2) "
					  "ON CONFLICT(email) DO UPDATE SET last_failed = excluded.last_failed, "
					  "failures = CASE WHEN login_failures.last_failed <= ?2 - ?3 THEN 1 "
					  "ELSE login_failures.failures + 1 END");
	db_bind_text(st, 1, email);
	db_bind_int64(st, 2, now);
	db_bind_int64(st, 3, LOGIN_FAILURE_MEMORY_S);
	db_step_done(st);
}

void login_throttle_clear(struct db *db, const char *email)
{
	struct db_stmt *st = db_prepare(db, "DELETE FROM login_failures WHERE email = ?");
	db_bind_text(st, 1, email);
	db_step_done(st);
}

int operator_money_digits(struct db *db, int64_t operator_id)
{
	struct db_stmt *st = db_prepare(db, "SELECT currency FROM operators WHERE id = ?");
	db_bind_int64(st, 1, operator_id);
	int digits = -1;
	if (db_step(st) == DB_ROW)
		digits = currency_minor_digits(db_col_text(st, 0));
	db_finalize(st);
	return digits < 0 ? 2 : digits;
}

int operator_set_currency(struct db *db, int64_t operator_id, const char *code)
{
	if (currency_minor_digits(code) < 0)
		return -1;
	struct db_stmt *st = db_prepare(db, "UPDATE operators SET currency = ? WHERE id = ?");
	db_bind_text(st, 1, code);
	db_bind_int64(st, 2, operator_id);
	return db_update_one(st);
}

int login_throttle_prune(struct db *db, int64_t now, int limit)
{
	struct db_stmt *st = db_prepare(db, "DELETE FROM login_failures WHERE email IN (SELECT email FROM "
					  "login_failures WHERE last_failed <= ? LIMIT ?)");
	db_bind_int64(st, 1, now - LOGIN_FAILURE_MEMORY_S);
	db_bind_int64(st, 2, limit);
	return db_step_done(st) ? -1 : db_changes(db);
}

void operator_password_upgrade(struct db *db, const struct operator *op, const char *password)
{
	char *hash = password_upgrade(password, op->password_hash);
	if (!hash)
		return;
	struct db_stmt *st = db_prepare(db, "UPDATE operators SET password_hash = ? WHERE id = ? AND password_hash = ?");
	db_bind_text(st, 1, hash);
	db_bind_int64(st, 2, op->id);
	db_bind_text(st, 3, op->password_hash);
	free(hash);
	if (db_step_done(st) == 0 && db_changes(db) == 1)
		log_info("auth", "password rehashed operator=%lld", (long long)op->id);
}
