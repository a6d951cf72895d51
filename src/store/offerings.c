/* offerings.c: see offerings.h. offering_actions has no operator_id of its own: it is reached
 * only through an offering whose operator_id has been checked in the same statement or
 * transaction. */
#include "store/offerings.h"
#include "store/db.h"
#include "store/statements.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

static const char *const action_names[ACTION_COUNT] = { "scan", "forward", "shred", "recycle", "pickup" };

const char *mail_action_name(enum mail_action a)
{
	return (unsigned)a < ACTION_COUNT ? action_names[a] : "";
}

int mail_action_parse(const char *name)
{
	for (int i = 0; name && i < ACTION_COUNT; i++)
		if (strcmp(name, action_names[i]) == 0)
			return i;
	return -1;
}

#define OFFERING_COLUMNS                                                                           \
	"o.id, o.name, o.monthly_price, o.storage_free_days, o.storage_fee_per_day, "              \
	"o.mailbox_count, " /* kept by triggers: see migrations/010 */                              \
	"(SELECT COUNT(*) FROM plan_links p WHERE p.operator_id = o.operator_id "                  \
	" AND p.offering_id = o.id)"

static void offering_from_row(struct db_stmt *st, struct offering *out)
{
	memset(out, 0, sizeof(*out));
	out->id = db_col_int64(st, 0);
	str_copy(out->name, sizeof(out->name), db_col_text(st, 1));
	out->monthly_price = db_col_int64(st, 2);
	out->storage_free_days = db_col_int64(st, 3);
	out->storage_fee_per_day = db_col_int64(st, 4);
	out->mailboxes = db_col_int64(st, 5);
	out->plan_links = db_col_int64(st, 6);
	out->use_count = out->mailboxes + out->plan_links;
}

/* Fills o->actions from offering_actions, through the offering's operator. 0 or -1. */
static int actions_load(struct db *db, int64_t operator_id, struct offering *o)
{
	struct db_stmt *st = db_prepare(db, "SELECT a.action, a.enabled, a.free_per_month, a.fee "
					  "FROM offering_actions a JOIN offerings o ON o.id = a.offering_id "
					  "WHERE o.operator_id = ? AND o.id = ?");
	db_bind_int64(st, 1, operator_id);
	db_bind_int64(st, 2, o->id);
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		int a = mail_action_parse(db_col_text(st, 0));
		if (a < 0)
			continue;
		o->actions[a].enabled = db_col_int(st, 1) != 0;
		o->actions[a].free_per_month = db_col_int64(st, 2);
		o->actions[a].fee = db_col_int64(st, 3);
	}
	db_finalize(st);
	return rc == DB_DONE ? 0 : -1;
}

static void offering_read(struct db_stmt *st, void *elem)
{
	offering_from_row(st, elem);
}

const char offering_sql_list[] = "SELECT " OFFERING_COLUMNS " FROM offerings o WHERE o.operator_id = ? ORDER BY o.name COLLATE NOCASE, o.id";

int offering_list(struct db *db, int64_t operator_id, struct offering **items, size_t *n)
{
	struct db_stmt *st = db_prepare(db, offering_sql_list);
	db_bind_int64(st, 1, operator_id);
	int failed;
	struct offering *list = db_collect(st, sizeof(*list), offering_read, n, &failed);
	for (size_t i = 0; !failed && i < *n; i++)
		failed = actions_load(db, operator_id, &list[i]) < 0;
	if (failed) {
		log_error("store", "offering list failed operator=%lld", (long long)operator_id);
		free(list);
		list = NULL;
		*n = 0;
	}
	*items = list;
	return failed ? -1 : 0;
}

int offering_get(struct db *db, int64_t operator_id, int64_t id, struct offering *out)
{
	struct db_stmt *st = db_prepare(db, "SELECT " OFFERING_COLUMNS " FROM offerings o "
					  "WHERE o.operator_id = ? AND o.id = ?");
	db_bind_int64(st, 1, operator_id);
	db_bind_int64(st, 2, id);
	int found = db_step(st) == DB_ROW;
	if (found)
		offering_from_row(st, out);
	db_finalize(st);
	if (!found)
		return -1;
	return actions_load(db, operator_id, out);
}

static int amount_ok(int64_t v)
{
	return v >= 0 && v <= OFFERING_AMOUNT_MAX;
}

static int count_ok(int64_t v)
{
	return v >= 0 && v <= OFFERING_COUNT_MAX;
}

/* The store's own guard: pages check first and explain; this keeps bad values out regardless. */
static int offering_values_ok(const struct offering *o)
{
	if (!o->name[0] || !amount_ok(o->monthly_price) || !count_ok(o->storage_free_days) ||
	    !amount_ok(o->storage_fee_per_day))
		return 0;
	for (int a = 0; a < ACTION_COUNT; a++)
		if (!count_ok(o->actions[a].free_per_month) || !amount_ok(o->actions[a].fee))
			return 0;
	return 1;
}

/* Another offering of the operator with this name, ignoring case? */
static int name_taken(struct db *db, int64_t operator_id, const char *name, int64_t except_id)
{
	struct db_stmt *st = db_prepare(db, "SELECT 1 FROM offerings WHERE operator_id = ? "
					  "AND name = ? COLLATE NOCASE AND id <> ?");
	db_bind_int64(st, 1, operator_id);
	db_bind_text(st, 2, name);
	db_bind_int64(st, 3, except_id);
	int taken = db_step(st) == DB_ROW;
	db_finalize(st);
	return taken;
}

static void bind_terms(struct db_stmt *st, const struct offering *o)
{
	db_bind_text(st, 1, o->name);
	db_bind_int64(st, 2, o->monthly_price);
	db_bind_int64(st, 3, o->storage_free_days);
	db_bind_int64(st, 4, o->storage_fee_per_day);
}

static int64_t offering_insert(struct db *db, int64_t operator_id, const struct offering *o)
{
	struct db_stmt *st = db_prepare(db, "INSERT INTO offerings(name, monthly_price, storage_free_days, "
					  "storage_fee_per_day, operator_id, created_at) VALUES (?, ?, ?, ?, ?, ?) "
					  "RETURNING id");
	bind_terms(st, o);
	db_bind_int64(st, 5, operator_id);
	db_bind_int64(st, 6, time_now());
	return db_insert_returning(st, NULL);
}

/* Updates the operator's offering o->id; -1 when it is not theirs. */
static int64_t offering_update(struct db *db, int64_t operator_id, const struct offering *o)
{
	struct db_stmt *st = db_prepare(db, "UPDATE offerings SET name = ?, monthly_price = ?, storage_free_days = ?, "
					  "storage_fee_per_day = ? WHERE operator_id = ? AND id = ?");
	bind_terms(st, o);
	db_bind_int64(st, 5, operator_id);
	db_bind_int64(st, 6, o->id);
	return db_step_done(st) == 0 && db_changes(db) == 1 ? o->id : -1;
}

/* Writes the five action rows of offering id (already checked to be the operator's). */
static int actions_save(struct db *db, int64_t id, const struct offering *o)
{
	for (int a = 0; a < ACTION_COUNT; a++) {
		struct db_stmt *st = db_prepare(db, "INSERT INTO offering_actions(offering_id, action, enabled, "
						  "free_per_month, fee) VALUES (?, ?, ?, ?, ?) "
						  "ON CONFLICT(offering_id, action) DO UPDATE SET "
						  "enabled = excluded.enabled, free_per_month = excluded.free_per_month, "
						  "fee = excluded.fee");
		db_bind_int64(st, 1, id);
		db_bind_text(st, 2, action_names[a]);
		db_bind_int64(st, 3, o->actions[a].enabled ? 1 : 0);
		db_bind_int64(st, 4, o->actions[a].free_per_month);
		db_bind_int64(st, 5, o->actions[a].fee);
		if (db_step_done(st))
			return -1;
	}
	return 0;
}

int64_t offering_save(struct db *db, int64_t operator_id, const struct offering *o, int *duplicate)
{
	int own, dummy;
	if (!duplicate)
		duplicate = &dummy;
	*duplicate = 0;
	if (!offering_values_ok(o))
		return -1;
	if (db_begin_unless_open(db, &own))
		return -1;
	int64_t id = -1;
	if (name_taken(db, operator_id, o->name, o->id))
		*duplicate = 1;
	else
		id = o->id ? offering_update(db, operator_id, o) : offering_insert(db, operator_id, o);
	if (id > 0 && actions_save(db, id, o) < 0)
		id = -1;
	if (db_end_own(db, own, id > 0) < 0)
		return -1;
	log_info("store", "offering saved operator=%lld id=%lld", (long long)operator_id, (long long)id);
	return id;
}

int offering_delete(struct db *db, int64_t operator_id, int64_t id)
{
	int own;
	if (db_begin_unless_open(db, &own))
		return -1;
	struct offering o;
	int result = -1;
	if (offering_get(db, operator_id, id, &o) < 0) {
		result = -1;
	} else if (o.use_count > 0) {
		result = 1;
	} else {
		/* offering_actions go with it (ON DELETE CASCADE). */
		struct db_stmt *st = db_prepare(db, "DELETE FROM offerings WHERE operator_id = ? AND id = ?");
		db_bind_int64(st, 1, operator_id);
		db_bind_int64(st, 2, id);
		result = db_step_done(st) == 0 && db_changes(db) == 1 ? 0 : -1;
	}
	if (db_end_own(db, own, result == 0) < 0 && result == 0)
		return -1;
	if (result == 0)
		log_info("store", "offering deleted operator=%lld id=%lld", (long long)operator_id, (long long)id);
	return result;
}
