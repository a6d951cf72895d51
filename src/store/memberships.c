/* memberships.c: see memberships.h. */
#include "store/memberships.h"
#include "store/db.h"
#include "util/log.h"
#include "util/util.h"

#include <string.h>

int membership_row_get(struct db *db, int64_t operator_id, const char *membership_id, struct membership_row *out)
{
	memset(out, 0, sizeof(*out));
	struct db_stmt *st = db_prepare(db, "SELECT version_ms, removed FROM memberships "
					  "WHERE operator_id = ? AND membership_id = ?");
	db_bind_int64(st, 1, operator_id);
	db_bind_text(st, 2, membership_id);
	int rc = db_step(st);
	if (rc == DB_ROW) {
		out->version_ms = db_col_int64(st, 0);
		out->removed = db_col_int(st, 1) != 0;
	}
	db_finalize(st);
	if (rc == DB_ROW)
		return 0;
	if (rc == DB_DONE)
		return 1;
	log_error("store", "membership lookup failed err=\"%s\"", db_errmsg(db));
	return -1;
}

int membership_state_get(struct db *db, int64_t operator_id, const char *membership_id, struct membership_state *out)
{
	memset(out, 0, sizeof(*out));
	struct db_stmt *st = db_prepare(db, "SELECT member_id, coalesce(company_id, ''), plan_id, location_id, status, "
					  "coalesce(end_date, ''), is_personal, version_ms, removed FROM memberships "
					  "WHERE operator_id = ? AND membership_id = ?");
	db_bind_int64(st, 1, operator_id);
	db_bind_text(st, 2, membership_id);
	int rc = db_step(st);
	if (rc == DB_ROW) {
		str_copy(out->member_id, sizeof(out->member_id), db_col_text(st, 0));
		str_copy(out->company_id, sizeof(out->company_id), db_col_text(st, 1));
		str_copy(out->plan_id, sizeof(out->plan_id), db_col_text(st, 2));
		str_copy(out->location_id, sizeof(out->location_id), db_col_text(st, 3));
		str_copy(out->status, sizeof(out->status), db_col_text(st, 4));
		str_copy(out->end_date, sizeof(out->end_date), db_col_text(st, 5));
		out->is_personal = db_col_int(st, 6) != 0;
		out->version_ms = db_col_int64(st, 7);
		out->removed = db_col_int(st, 8) != 0;
	}
	db_finalize(st);
	if (rc == DB_ROW)
		return 0;
	if (rc == DB_DONE)
		return 1;
	log_error("store", "membership state lookup failed err=\"%s\"", db_errmsg(db));
	return -1;
}

int membership_row_put(struct db *db, int64_t operator_id, const struct membership_put *p)
{
	struct db_stmt *st = db_prepare(db,
		"INSERT INTO memberships(operator_id, membership_id, member_id, company_id, plan_id, "
		"location_id, status, is_personal, end_date, version_ms, removed, updated_at) "
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
		"ON CONFLICT(operator_id, membership_id) DO UPDATE SET member_id = excluded.member_id, "
		"company_id = excluded.company_id, plan_id = excluded.plan_id, "
		"location_id = excluded.location_id, status = excluded.status, "
		"is_personal = excluded.is_personal, end_date = excluded.end_date, "
		"version_ms = max(memberships.version_ms, excluded.version_ms), "
		"removed = max(memberships.removed, excluded.removed), updated_at = excluded.updated_at");
	db_bind_int64(st, 1, operator_id);
	db_bind_text(st, 2, p->membership_id);
	db_bind_text(st, 3, p->member_id ? p->member_id : "");
	db_bind_text(st, 4, p->company_id);
	db_bind_text(st, 5, p->plan_id ? p->plan_id : "");
	db_bind_text(st, 6, p->location_id ? p->location_id : "");
	db_bind_text(st, 7, p->status ? p->status : "");
	db_bind_int64(st, 8, p->is_personal ? 1 : 0);
	db_bind_text(st, 9, p->end_date);
	db_bind_int64(st, 10, p->version_ms);
	db_bind_int64(st, 11, p->removed ? 1 : 0);
	db_bind_int64(st, 12, p->now);
	return db_step_done(st);
}

/* One id column of a link table, looked up by its OfficeRnD key; 0 when there is no row. */
static int64_t link_lookup(struct db *db, const char *sql, int64_t operator_id, const char *key)
{
	if (!key || !*key)
		return 0;
	struct db_stmt *st = db_prepare(db, sql);
	db_bind_int64(st, 1, operator_id);
	db_bind_text(st, 2, key);
	int rc = db_step(st);
	int64_t id = rc == DB_ROW ? db_col_int64(st, 0) : 0;
	db_finalize(st);
	if (rc != DB_ROW && rc != DB_DONE) {
		log_error("store", "link lookup failed err=\"%s\"", db_errmsg(db));
		return -1;
	}
	return id;
}

int64_t membership_plan_offering(struct db *db, int64_t operator_id, const char *plan_id)
{
	return link_lookup(db, "SELECT offering_id FROM plan_links WHERE operator_id = ? AND plan_id = ?",
			   operator_id, plan_id);
}

int64_t membership_location_space(struct db *db, int64_t operator_id, const char *location_id)
{
	return link_lookup(db, "SELECT space_id FROM location_links WHERE operator_id = ? AND location_id = ?",
			   operator_id, location_id);
}

int membership_endings_list(struct db *db, int64_t after_id, struct membership_ending *out, size_t max, size_t *n)
{
	struct db_stmt *st = db_prepare(db,
		"SELECT b.operator_id, b.id, m.membership_id, m.end_date FROM mailboxes b "
		"JOIN memberships m ON m.operator_id = b.operator_id AND m.membership_id = b.officernd_membership_id "
		"WHERE b.status IN ('active', 'on_hold') AND m.removed = 0 AND m.end_date IS NOT NULL "
		"AND b.id > ? ORDER BY b.id LIMIT ?");
	db_bind_int64(st, 1, after_id);
	db_bind_int64(st, 2, (int64_t)max);
	*n = 0;
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		struct membership_ending *e = &out[(*n)++];
		e->operator_id = db_col_int64(st, 0);
		e->mailbox_id = db_col_int64(st, 1);
		str_copy(e->membership_id, sizeof(e->membership_id), db_col_text(st, 2));
		str_copy(e->end_date, sizeof(e->end_date), db_col_text(st, 3));
	}
	db_finalize(st);
	return rc == DB_DONE ? 0 : -1;
}
