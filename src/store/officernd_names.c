/* officernd_names.c: see officernd_names.h. */
#include "store/officernd_names.h"
#include "store/db.h"
#include "store/officernd_lists.h"
#include "util/util.h"

/* Steps a (operator_id, id) query of one name column; finalizes it. 1, 0 or -1 as above. */
static int name_row(struct db_stmt *st, int64_t operator_id, const char *id, char *name, size_t size)
{
	db_bind_int64(st, 1, operator_id);
	db_bind_text(st, 2, id);
	int rc = db_step(st);
	int found = rc == DB_ROW && *db_col_text(st, 0);
	if (found)
		str_copy(name, size, db_col_text(st, 0));
	db_finalize(st);
	return found ? 1 : rc == DB_ROW || rc == DB_DONE ? 0 : -1;
}

int officernd_name_find(struct db *db, int64_t operator_id, enum orn_name_kind kind, const char *id, char *name,
			size_t size)
{
	if (!id || !*id)
		return 0;
	int rc;
	switch (kind) {
	case ORN_NAME_PLAN:
		rc = officernd_plan_name(db, operator_id, id, name, size);
		if (rc < 0 || (rc == 1 && *name))
			return rc;
		return name_row(db_prepare(db, "SELECT plan_name FROM plan_links WHERE operator_id = ? AND plan_id = ?"),
				operator_id, id, name, size);
	case ORN_NAME_LOCATION:
		rc = officernd_location_name(db, operator_id, id, name, size);
		if (rc < 0 || (rc == 1 && *name))
			return rc;
		return name_row(db_prepare(db, "SELECT location_name FROM location_links WHERE operator_id = ? "
					       "AND location_id = ?"), operator_id, id, name, size);
	case ORN_NAME_MEMBER:
		return name_row(db_prepare(db, "SELECT name FROM renters WHERE operator_id = ? AND officernd_member_id = ?"),
				operator_id, id, name, size);
	}
	return 0;
}
