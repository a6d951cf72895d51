/*
 * db_cache.c: statements kept per connection (db_prepare_cached / db_finish), on either engine.
 * Compiling SQL cost more than running it on a page (a signed-in list page spent 40% of its
 * instructions in sqlite3_prepare), so statements that run on every request are prepared once
 * per connection and kept. Per thread, as each thread has its own connections (webhook.fcgi,
 * the fee pool): no lock on the hot path.
 */
#include "store/db.h"
#include "store/db_impl.h"

#define STMT_CACHE_SIZE 96

struct cached_stmt {
	struct db *db;
	const char *sql; /* a string constant: its address is the key */
	struct db_stmt *st;
	int in_use;
};

static _Thread_local struct cached_stmt stmt_cache[STMT_CACHE_SIZE];
static _Thread_local int stmt_cache_len;

static struct cached_stmt *stmt_cache_find(const struct db_stmt *st)
{
	for (int i = 0; i < stmt_cache_len; i++)
		if (stmt_cache[i].st == st)
			return &stmt_cache[i];
	return NULL;
}

struct db_stmt *db_prepare_cached(struct db *db, const char *sql)
{
	struct cached_stmt *c = NULL;
	for (int i = 0; i < stmt_cache_len && !c; i++)
		if (stmt_cache[i].db == db && stmt_cache[i].sql == sql)
			c = &stmt_cache[i];
	if (c && c->in_use)
		return db_prepare(db, sql); /* re-entered: a statement of its own */
	if (!c) {
		if (stmt_cache_len == STMT_CACHE_SIZE)
			return db_prepare(db, sql);
		struct db_stmt *st = db_prepare(db, sql);
		if (!st)
			return NULL; /* db_prepare logged why */
		c = &stmt_cache[stmt_cache_len++];
		*c = (struct cached_stmt){ .db = db, .sql = sql, .st = st };
	}
	c->in_use = 1;
	return c->st;
}

void db_finish(struct db_stmt *st)
{
	struct cached_stmt *c = st ? stmt_cache_find(st) : NULL;
	if (!c) {
		db_finalize(st);
		return;
	}
	db_reset(st);
	db_clear_bindings(st);
	c->in_use = 0;
}

int db_cache_release(struct db *db)
{
	int left = 0;
	for (int i = 0; i < stmt_cache_len; i++) {
		if (stmt_cache[i].db != db || !stmt_cache[i].in_use)
			continue;
		left++;
		db_finish(stmt_cache[i].st);
	}
	return left;
}

void db_cache_drop(struct db *db)
{
	int kept = 0;
	for (int i = 0; i < stmt_cache_len; i++) {
		if (stmt_cache[i].db == db)
			db_finalize(stmt_cache[i].st);
		else
			stmt_cache[kept++] = stmt_cache[i];
	}
	stmt_cache_len = kept;
}
