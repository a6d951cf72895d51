/* officernd_lists.c: see officernd_lists.h. */
#include "store/officernd_lists.h"
#include "store/db.h"
#include "util/log.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

/* The card holds what a client needs: organization, client id and an encrypted secret. */
#define CONFIGURED "(s.org_slug <> '' AND s.client_id <> '' AND length(s.client_secret_enc) > 0)"
/* The last refresh or attempt of l (a missing row reads as never). */
#define LAST "max(coalesce(l.fetched_at, 0), coalesce(l.attempted_at, 0))"
/* Due at ?1 (now) with ?2 (interval): asked for, never tried, an interval past the last
 * refresh or attempt, or the clock moved back by more than an interval; never under a lease. */
#define DUE                                                                                    \
	"coalesce(l.claimed_until, 0) <= ?1 AND (coalesce(l.requested, 0) > 0 OR " LAST " = 0 OR " \
	"?1 - " LAST " >= ?2 OR " LAST " - ?1 > ?2)"
#define FROM "FROM officernd_settings AS s LEFT JOIN officernd_lists AS l ON l.operator_id = s.operator_id "

static void plan_read(struct db_stmt *st, void *elem)
{
	struct officernd_cached_plan *p = elem;
	memset(p, 0, sizeof(*p));
	str_copy(p->id, sizeof(p->id), db_col_text(st, 0));
	str_copy(p->name, sizeof(p->name), db_col_text(st, 1));
	str_copy(p->code, sizeof(p->code), db_col_text(st, 2));
	str_copy(p->type, sizeof(p->type), db_col_text(st, 3));
	str_copy(p->interval_length, sizeof(p->interval_length), db_col_text(st, 4));
}

static void location_read(struct db_stmt *st, void *elem)
{
	struct officernd_cached_location *l = elem;
	memset(l, 0, sizeof(*l));
	str_copy(l->id, sizeof(l->id), db_col_text(st, 0));
	str_copy(l->name, sizeof(l->name), db_col_text(st, 1));
}

/* The refresh bookkeeping row; a missing one reads as never refreshed. 0 or -1. */
static int state_read(struct db *db, int64_t operator_id, struct officernd_lists *out)
{
	struct db_stmt *st = db_prepare(db, "SELECT fetched_at, attempted_at, requested, claimed_until, error, error_at "
					  "FROM officernd_lists WHERE operator_id = ?");
	db_bind_int64(st, 1, operator_id);
	int rc = db_step(st);
	if (rc == DB_ROW) {
		out->fetched_at = db_col_int64(st, 0);
		out->attempted_at = db_col_int64(st, 1);
		out->requested = db_col_int64(st, 2);
		out->claimed_until = db_col_int64(st, 3);
		str_copy(out->error, sizeof(out->error), db_col_text(st, 4));
		out->error_at = db_col_int64(st, 5);
	}
	db_finalize(st);
	if (rc == DB_ROW || rc == DB_DONE)
		return 0;
	log_error("store", "officernd lists state failed err=\"%s\"", db_errmsg(db));
	return -1;
}

int officernd_lists_get(struct db *db, int64_t operator_id, struct officernd_lists *out)
{
	int failed_p = 0, failed_l = 0;
	memset(out, 0, sizeof(*out));
	if (state_read(db, operator_id, out) < 0)
		return -1;
	struct db_stmt *st = db_prepare(db, "SELECT plan_id, name, code, type, interval_length FROM officernd_plans "
					  "WHERE operator_id = ? ORDER BY position");
	db_bind_int64(st, 1, operator_id);
	out->plans = db_collect(st, sizeof(*out->plans), plan_read, &out->n_plans, &failed_p);
	st = db_prepare(db, "SELECT location_id, name FROM officernd_locations WHERE operator_id = ? ORDER BY position");
	db_bind_int64(st, 1, operator_id);
	out->locations = db_collect(st, sizeof(*out->locations), location_read, &out->n_locations, &failed_l);
	if (failed_p || failed_l) {
		officernd_lists_free(out);
		return -1;
	}
	return 0;
}

void officernd_lists_free(struct officernd_lists *l)
{
	free(l->plans);
	free(l->locations);
	memset(l, 0, sizeof(*l));
}

/* One name by key from a prepared query of one text column. 1, 0 or -1. */
static int name_get(struct db_stmt *st, int64_t operator_id, const char *id, char *name, size_t size)
{
	db_bind_int64(st, 1, operator_id);
	db_bind_text(st, 2, id);
	int rc = db_step(st);
	if (rc == DB_ROW)
		str_copy(name, size, db_col_text(st, 0));
	db_finalize(st);
	if (rc == DB_ROW)
		return 1;
	return rc == DB_DONE ? 0 : -1;
}

int officernd_plan_name(struct db *db, int64_t operator_id, const char *plan_id, char *name, size_t size)
{
	return name_get(db_prepare(db, "SELECT name FROM officernd_plans WHERE operator_id = ? AND plan_id = ?"),
			operator_id, plan_id, name, size);
}

int officernd_location_name(struct db *db, int64_t operator_id, const char *location_id, char *name, size_t size)
{
	return name_get(db_prepare(db, "SELECT name FROM officernd_locations WHERE operator_id = ? AND location_id = ?"),
			operator_id, location_id, name, size);
}

/* Adds one ask (creating the row). 0 or -1. */
static int ask_add(struct db *db, int64_t operator_id)
{
	struct db_stmt *st = db_prepare(db, "INSERT INTO officernd_lists(operator_id, requested) VALUES (?, 1) "
					  "ON CONFLICT(operator_id) DO UPDATE SET requested = officernd_lists.requested + 1");
	db_bind_int64(st, 1, operator_id);
	return db_step_done(st);
}

int officernd_lists_request(struct db *db, int64_t operator_id)
{
	int own = 0;
	if (db_begin_unless_open(db, &own) < 0)
		return -1;
	struct db_stmt *st = db_prepare(db, "SELECT count(*) FROM officernd_settings AS s WHERE s.operator_id = ? AND "
					  CONFIGURED);
	db_bind_int64(st, 1, operator_id);
	int64_t configured = db_count(st);
	int ok = configured >= 0 && (configured == 0 || ask_add(db, operator_id) == 0);
	if (db_end_own(db, own, ok) < 0)
		return -1;
	return configured == 0 ? 1 : 0;
}

static int exec_op(struct db *db, const char *sql, int64_t operator_id)
{
	struct db_stmt *st = db_prepare(db, sql);
	db_bind_int64(st, 1, operator_id);
	return db_step_done(st);
}

int officernd_lists_credentials_saved(struct db *db, int64_t operator_id, int other_org)
{
	int own = 0;
	if (db_begin_unless_open(db, &own) < 0)
		return -1;
	/* A refresh under way asks with the old credentials: its outcome is no longer wanted. */
	int ok = ask_add(db, operator_id) == 0 &&
		 exec_op(db, "UPDATE officernd_lists SET claimed_by = '', claimed_until = 0 WHERE operator_id = ?",
			 operator_id) == 0;
	if (ok && other_org)
		ok = exec_op(db, "DELETE FROM officernd_plans WHERE operator_id = ?", operator_id) == 0 &&
		     exec_op(db, "DELETE FROM officernd_locations WHERE operator_id = ?", operator_id) == 0 &&
		     exec_op(db, "UPDATE officernd_lists SET fetched_at = 0, error = '', error_at = 0 "
				 "WHERE operator_id = ?", operator_id) == 0;
	return db_end_own(db, own, ok);
}

static void id_read(struct db_stmt *st, void *elem)
{
	*(int64_t *)elem = db_col_int64(st, 0);
}

int officernd_lists_due(struct db *db, int64_t now, int64_t interval_s, int64_t **ids, size_t *n)
{
	struct db_stmt *st = db_prepare(db, "SELECT s.operator_id " FROM "WHERE " CONFIGURED " AND " DUE
					  " ORDER BY coalesce(l.requested, 0) > 0 DESC, s.operator_id");
	db_bind_int64(st, 1, now);
	db_bind_int64(st, 2, interval_s);
	int failed = 0;
	*ids = db_collect(st, sizeof(**ids), id_read, n, &failed);
	return failed ? -1 : 0;
}

/* Inside the claim's transaction: the asks the refresh serves, or -1 when it is not due. */
static int64_t due_requested(struct db *db, int64_t operator_id, int64_t now, int64_t interval_s, int *error)
{
	struct db_stmt *st = db_prepare(db, "SELECT coalesce(l.requested, 0) " FROM "WHERE s.operator_id = ?3 AND "
					  CONFIGURED " AND " DUE);
	db_bind_int64(st, 1, now);
	db_bind_int64(st, 2, interval_s);
	db_bind_int64(st, 3, operator_id);
	int rc = db_step(st);
	int64_t requested = rc == DB_ROW ? db_col_int64(st, 0) : -1;
	db_finalize(st);
	*error = rc != DB_ROW && rc != DB_DONE;
	return requested;
}

int officernd_lists_claim(struct db *db, int64_t operator_id, const char *worker, int64_t now, int64_t interval_s,
			  int64_t lease_s, int64_t *requested)
{
	int error = 0;
	*requested = 0;
	if (db_begin(db) < 0)
		return -1;
	int64_t asked = due_requested(db, operator_id, now, interval_s, &error);
	if (asked < 0) {
		db_rollback(db);
		if (error)
			log_error("store", "officernd lists claim failed err=\"%s\"", db_errmsg(db));
		return error ? -1 : 0;
	}
	struct db_stmt *st = db_prepare(db, "INSERT INTO officernd_lists(operator_id, attempted_at, claimed_by, claimed_until) "
					  "VALUES (?1, ?2, ?3, ?4) ON CONFLICT(operator_id) DO UPDATE SET "
					  "attempted_at = ?2, claimed_by = ?3, claimed_until = ?4");
	db_bind_int64(st, 1, operator_id);
	db_bind_int64(st, 2, now);
	db_bind_text(st, 3, worker);
	db_bind_int64(st, 4, now + lease_s);
	if (db_step_done(st) < 0 || db_commit(db) < 0) {
		db_rollback(db);
		return -1;
	}
	*requested = asked;
	return 1;
}

/* Inside a transaction: 1 when worker still holds the operator's claim, 0 not, -1 error. */
static int claim_held(struct db *db, int64_t operator_id, const char *worker)
{
	struct db_stmt *st = db_prepare(db, "SELECT count(*) FROM officernd_lists WHERE operator_id = ? AND claimed_by = ?");
	db_bind_int64(st, 1, operator_id);
	db_bind_text(st, 2, worker);
	int64_t n = db_count(st);
	return n < 0 ? -1 : n > 0;
}

static int plans_put(struct db *db, int64_t operator_id, const struct officernd_cached_plan *plans, size_t n)
{
	if (exec_op(db, "DELETE FROM officernd_plans WHERE operator_id = ?", operator_id) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		/* ON CONFLICT: an id OfficeRnD listed twice (a page repeated while paging) is kept once. */
		struct db_stmt *st = db_prepare(db, "INSERT INTO officernd_plans(operator_id, plan_id, name, code, "
						  "type, interval_length, position) VALUES (?, ?, ?, ?, ?, ?, ?) "
						  "ON CONFLICT(operator_id, plan_id) DO UPDATE SET name = excluded.name, "
						  "code = excluded.code, type = excluded.type, "
						  "interval_length = excluded.interval_length, position = excluded.position");
		db_bind_int64(st, 1, operator_id);
		db_bind_text(st, 2, plans[i].id);
		db_bind_text(st, 3, plans[i].name);
		db_bind_text(st, 4, plans[i].code);
		db_bind_text(st, 5, plans[i].type);
		db_bind_text(st, 6, plans[i].interval_length);
		db_bind_int64(st, 7, (int64_t)i);
		if (db_step_done(st) < 0)
			return -1;
	}
	return 0;
}

static int locations_put(struct db *db, int64_t operator_id, const struct officernd_cached_location *locations,
			 size_t n)
{
	if (exec_op(db, "DELETE FROM officernd_locations WHERE operator_id = ?", operator_id) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct db_stmt *st = db_prepare(db, "INSERT INTO officernd_locations(operator_id, location_id, name, "
						  "position) VALUES (?, ?, ?, ?) ON CONFLICT(operator_id, location_id) "
						  "DO UPDATE SET name = excluded.name, position = excluded.position");
		db_bind_int64(st, 1, operator_id);
		db_bind_text(st, 2, locations[i].id);
		db_bind_text(st, 3, locations[i].name);
		db_bind_int64(st, 4, (int64_t)i);
		if (db_step_done(st) < 0)
			return -1;
	}
	return 0;
}

/* The saved mapping and charges plan take the names just loaded (a plan renamed in OfficeRnD,
 * or saved before the lists were first loaded). 0 or -1. */
static int link_names_update(struct db *db, int64_t operator_id)
{
	return exec_op(db, "UPDATE plan_links SET plan_name = (SELECT p.name FROM officernd_plans AS p "
			   "WHERE p.operator_id = plan_links.operator_id AND p.plan_id = plan_links.plan_id) "
			   "WHERE operator_id = ?1 AND plan_id IN (SELECT plan_id FROM officernd_plans WHERE operator_id = ?1)",
			   operator_id) ||
	       exec_op(db, "UPDATE location_links SET location_name = (SELECT l.name FROM officernd_locations AS l "
			   "WHERE l.operator_id = location_links.operator_id AND l.location_id = location_links.location_id) "
			   "WHERE operator_id = ?1 AND location_id IN "
			   "(SELECT location_id FROM officernd_locations WHERE operator_id = ?1)", operator_id) ||
	       exec_op(db, "UPDATE officernd_settings SET charge_plan_name = (SELECT p.name FROM officernd_plans AS p "
			   "WHERE p.operator_id = officernd_settings.operator_id AND p.plan_id = officernd_settings.charge_plan_id) "
			   "WHERE operator_id = ?1 AND charge_plan_id IN (SELECT plan_id FROM officernd_plans WHERE operator_id = ?1)",
			   operator_id)
		       ? -1
		       : 0;
}

/* Releases the claim with the outcome: error NULL for a good refresh at now. */
static int state_settle(struct db *db, int64_t operator_id, const char *error, int64_t now, int64_t requested)
{
	struct db_stmt *st = db_prepare(db,
		"UPDATE officernd_lists SET claimed_by = '', claimed_until = 0, "
		"requested = max(requested - ?1, 0), "
		"fetched_at = CASE WHEN ?2 IS NULL THEN ?3 ELSE fetched_at END, "
		"error = coalesce(?2, ''), error_at = CASE WHEN ?2 IS NULL THEN 0 ELSE ?3 END "
		"WHERE operator_id = ?4");
	db_bind_int64(st, 1, requested);
	db_bind_text(st, 2, error);
	db_bind_int64(st, 3, now);
	db_bind_int64(st, 4, operator_id);
	return db_update_one(st);
}

int officernd_lists_store(struct db *db, int64_t operator_id, const char *worker,
			  const struct officernd_cached_plan *plans, size_t n_plans,
			  const struct officernd_cached_location *locations, size_t n_locations, int64_t now,
			  int64_t requested)
{
	if (db_begin(db) < 0)
		return -1;
	int held = claim_held(db, operator_id, worker);
	if (held <= 0) {
		db_rollback(db);
		return held < 0 ? -1 : 1;
	}
	if (plans_put(db, operator_id, plans, n_plans) < 0 || locations_put(db, operator_id, locations, n_locations) < 0 ||
	    link_names_update(db, operator_id) < 0 || state_settle(db, operator_id, NULL, now, requested) < 0 ||
	    db_commit(db) < 0) {
		db_rollback(db);
		return -1;
	}
	return 0;
}

int officernd_lists_failed(struct db *db, int64_t operator_id, const char *worker, const char *error, int64_t now,
			   int64_t requested)
{
	if (db_begin(db) < 0)
		return -1;
	int held = claim_held(db, operator_id, worker);
	if (held <= 0) {
		db_rollback(db);
		return held < 0 ? -1 : 1;
	}
	if (state_settle(db, operator_id, error && *error ? error : "the refresh failed", now, requested) < 0 ||
	    db_commit(db) < 0) {
		db_rollback(db);
		return -1;
	}
	return 0;
}
