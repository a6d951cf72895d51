/* db_steps.c: the step-and-finish helpers of db.h, engine-neutral (db_finish: a kept statement is
 * reset and kept, any other finalized). */
#include "store/db.h"
#include "util/log.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

int db_step_done(struct db_stmt *st)
{
	if (!st)
		return -1; /* db_prepare logged why */
	int rc = db_step(st);
	int ok = (rc == DB_DONE || rc == DB_ROW);
	if (!ok)
		log_error("store", "step failed err=\"%s\"", db_errmsg(db_stmt_db(st)));
	db_finish(st);
	return ok ? 0 : -1;
}

int64_t db_insert_returning(struct db_stmt *st, int *duplicate)
{
	if (!st)
		return -1; /* db_prepare logged why */
	int64_t id = -1;
	int rc = db_step(st);
	if (rc == DB_ROW)
		id = db_col_int64(st, 0);
	else if (rc != DB_DONE && duplicate && db_is_unique_violation(db_stmt_db(st)))
		*duplicate = 1;
	else if (rc != DB_DONE)
		log_error("store", "insert failed err=\"%s\"", db_errmsg(db_stmt_db(st)));
	db_finish(st);
	return id;
}

void *db_collect(struct db_stmt *st, size_t elem_size, db_row_reader read, size_t *n, int *failed)
{
	char *items = NULL;
	size_t cap = 0;
	int rc;
	*n = 0;
	*failed = 1;
	if (!st)
		return NULL; /* db_prepare logged why */
	while ((rc = db_step(st)) == DB_ROW) {
		items = array_grow(items, *n, &cap, elem_size);
		memset(items + *n * elem_size, 0, elem_size);
		read(st, items + (*n)++ * elem_size);
	}
	if (rc == DB_DONE) {
		*failed = 0;
	} else {
		log_error("store", "list failed err=\"%s\" sql=\"%.60s\"", db_errmsg(db_stmt_db(st)),
			  db_stmt_sql(st));
		free(items);
		items = NULL;
		*n = 0;
	}
	db_finish(st);
	return items;
}

int db_collect_texts(struct db_stmt *st, char ***texts, size_t *n)
{
	size_t cap = 0;
	int rc;
	*texts = NULL;
	*n = 0;
	while ((rc = db_step(st)) == DB_ROW) {
		*texts = array_grow(*texts, *n, &cap, sizeof(**texts));
		(*texts)[(*n)++] = xstrdup(db_col_text(st, 0));
	}
	db_finish(st);
	return rc == DB_DONE ? 0 : -1;
}

int db_update_one(struct db_stmt *st)
{
	struct db *db = db_stmt_db(st);
	if (!db || db_step_done(st) < 0)
		return -1;
	return db_changes(db) == 1 ? 0 : -1;
}

int64_t db_count(struct db_stmt *st)
{
	int64_t count = -1;
	if (db_step(st) == DB_ROW)
		count = db_col_int64(st, 0);
	db_finish(st);
	return count;
}
