/*
 * fee_rate.h: the per-operator fee request budget shared by every worker through the database
 * (table fee_rate_buckets; the bucket arithmetic is domain/fee_booking.h's fee_bucket).
 */
#ifndef PILOTOMAIL_FEE_RATE_H
#define PILOTOMAIL_FEE_RATE_H

#include "store/db.h"

#include <stdint.h>

/* Takes a token from the operator's bucket (made full on first use; per_minute and burst
 * follow the configuration), in its own write transaction. 0 with a token, else the
 * milliseconds until one is due (1000 when the store failed, logged). now_ms: wall clock. */
int64_t fee_rate_take(struct db *db, int64_t operator_id, int64_t per_minute, int64_t burst, int64_t now_ms);
/* OfficeRnD answered 429: no token for anyone before until_ms. 0 or -1 (logged). */
int fee_rate_pause(struct db *db, int64_t operator_id, int64_t per_minute, int64_t burst, int64_t now_ms,
		   int64_t until_ms);

#endif
