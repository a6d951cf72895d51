/* operator_zone.c: see operator_zone.h. */
#include "store/operator_zone.h"
#include "store/db.h"
#include "util/timeutil.h"
#include "util/util.h"

char *operator_time_zone(struct db *db, int64_t operator_id, char *buf, size_t size)
{
	struct db_stmt *st = db_prepare(db, "SELECT timezone FROM operators WHERE id = ?");
	db_bind_int64(st, 1, operator_id);
	str_copy(buf, size, TIME_ZONE_DEFAULT);
	if (db_step(st) == DB_ROW && time_zone_valid(db_col_text(st, 0)))
		str_copy(buf, size, db_col_text(st, 0));
	db_finalize(st);
	return buf;
}

int operator_set_time_zone(struct db *db, int64_t operator_id, const char *zone)
{
	if (!time_zone_valid(zone))
		return -1;
	struct db_stmt *st = db_prepare(db, "UPDATE operators SET timezone = ? WHERE id = ?");
	db_bind_text(st, 1, zone);
	db_bind_int64(st, 2, operator_id);
	return db_update_one(st);
}
