/* charge_totals.c: see charge_totals.h. */
#include "store/charge_totals.h"
#include "store/db.h"
#include "store/statements.h"
#include "util/util.h"

#include <stdlib.h>

/* The states in the order of a charge's life, whatever their text order. */
const char charge_totals_sql_by_state[] =
	"SELECT billing_state, sum(n), sum(amount) FROM charge_totals WHERE operator_id = ? "
	"GROUP BY billing_state HAVING sum(n) > 0 "
	"ORDER BY CASE billing_state WHEN 'queued' THEN 1 WHEN 'sending' THEN 2 WHEN 'sent' THEN 3 "
	"WHEN 'failed' THEN 4 ELSE 5 END";
const char charge_totals_sql_by_month[] =
	"SELECT month, sum(n), sum(amount) FROM charge_totals WHERE operator_id = ? "
	"GROUP BY month HAVING sum(n) > 0 ORDER BY month DESC LIMIT ?";

static int totals_read(struct db_stmt *st, struct charge_total **out, size_t *n)
{
	size_t cap = 0;
	int rc;
	*out = NULL;
	*n = 0;
	while ((rc = db_step(st)) == DB_ROW) {
		*out = array_grow(*out, *n, &cap, sizeof(**out));
		struct charge_total *t = &(*out)[(*n)++];
		str_copy(t->key, sizeof(t->key), db_col_text(st, 0));
		t->count = db_col_int64(st, 1);
		t->amount = db_col_int64(st, 2);
	}
	db_finalize(st);
	if (rc != DB_DONE) {
		free(*out);
		*out = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}

int charge_totals_by_state(struct db *db, int64_t operator_id, struct charge_total **out, size_t *n)
{
	struct db_stmt *st = db_prepare(db, charge_totals_sql_by_state);
	db_bind_int64(st, 1, operator_id);
	return totals_read(st, out, n);
}

int charge_totals_by_month(struct db *db, int64_t operator_id, struct charge_total **out, size_t *n)
{
	struct db_stmt *st = db_prepare(db, charge_totals_sql_by_month);
	db_bind_int64(st, 1, operator_id);
	db_bind_int64(st, 2, CHARGE_TOTALS_MONTHS);
	return totals_read(st, out, n);
}
