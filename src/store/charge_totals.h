/*
 * charge_totals.h: the operator's charges summed per billing state and per month, for the
 * Charges page. Read from charge_totals, which triggers keep (migrations/017): a few rows per
 * month, however many charges there are.
 */
#ifndef PILOTOMAIL_STORE_CHARGE_TOTALS_H
#define PILOTOMAIL_STORE_CHARGE_TOTALS_H

#include "store/db.h"
#include <stddef.h>
#include <stdint.h>

#define CHARGE_TOTALS_MONTHS 12

struct charge_total {
	char key[16];   /* the billing state, or the month "YYYY-MM" */
	int64_t count;
	int64_t amount; /* minor units */
};

/* One row per billing state that has charges, in the order of the states' life (queued,
 * sending, sent, failed, not_billed). *out is malloc'ed (free it). 0 or -1. */
int charge_totals_by_state(struct db *db, int64_t operator_id, struct charge_total **out, size_t *n);
/* The newest CHARGE_TOTALS_MONTHS months with charges, newest first. 0 or -1. */
int charge_totals_by_month(struct db *db, int64_t operator_id, struct charge_total **out, size_t *n);

#endif
