/* fee_rate.c: see fee_rate.h. */
#include "store/fee_rate.h"
#include "domain/fee_booking.h"
#include "util/log.h"

/* The operator's bucket as stored, or a full one; the configured rate and burst apply. */
static void bucket_read(struct db *db, int64_t operator_id, int64_t per_minute, int64_t burst, int64_t now_ms,
			struct fee_bucket *b)
{
	fee_bucket_init(b, per_minute, burst, now_ms);
	struct db_stmt *st = db_prepare(db, "SELECT units, last_ms, paused_until_ms FROM fee_rate_buckets "
					  "WHERE operator_id = ?");
	db_bind_int64(st, 1, operator_id);
	if (db_step(st) == DB_ROW) {
		int64_t units = db_col_int64(st, 0);
		b->units = units < b->capacity ? units : b->capacity;
		b->last_ms = db_col_int64(st, 1);
		b->paused_until_ms = db_col_int64(st, 2);
	}
	db_finalize(st);
}

static int bucket_write(struct db *db, int64_t operator_id, const struct fee_bucket *b)
{
	struct db_stmt *st = db_prepare(db, "INSERT INTO fee_rate_buckets(operator_id, units, capacity, "
					  "rate_per_minute, last_ms, paused_until_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
					  "ON CONFLICT(operator_id) DO UPDATE SET units = ?2, capacity = ?3, "
					  "rate_per_minute = ?4, last_ms = ?5, paused_until_ms = ?6");
	db_bind_int64(st, 1, operator_id);
	db_bind_int64(st, 2, b->units);
	db_bind_int64(st, 3, b->capacity);
	db_bind_int64(st, 4, b->rate_per_minute);
	db_bind_int64(st, 5, b->last_ms);
	db_bind_int64(st, 6, b->paused_until_ms);
	return db_step_done(st);
}

int64_t fee_rate_take(struct db *db, int64_t operator_id, int64_t per_minute, int64_t burst, int64_t now_ms)
{
	struct fee_bucket b;
	if (db_begin(db) < 0)
		return 1000;
	bucket_read(db, operator_id, per_minute, burst, now_ms, &b);
	/* A host whose clock is behind the last refill mints nothing (fee_bucket's refill). */
	int64_t wait = fee_bucket_take(&b, now_ms);
	if (bucket_write(db, operator_id, &b) < 0 || db_commit(db) < 0) {
		db_rollback(db);
		log_error("store", "fee rate bucket failed operator=%lld", (long long)operator_id);
		return 1000;
	}
	return wait;
}

int fee_rate_pause(struct db *db, int64_t operator_id, int64_t per_minute, int64_t burst, int64_t now_ms,
		   int64_t until_ms)
{
	struct fee_bucket b;
	if (db_begin(db) < 0)
		return -1;
	bucket_read(db, operator_id, per_minute, burst, now_ms, &b);
	if (until_ms > b.paused_until_ms)
		fee_bucket_pause(&b, until_ms);
	if (bucket_write(db, operator_id, &b) < 0 || db_commit(db) < 0) {
		db_rollback(db);
		return -1;
	}
	return 0;
}
