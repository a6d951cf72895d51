/* member_import.c: see member_import.h. */
#include "store/member_import.h"
#include "store/db.h"
#include "store/statements.h"
#include "util/log.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The card holds what a client needs: organization, client id and an encrypted secret. */
#define CONFIGURED "(s.org_slug <> '' AND s.client_id <> '' AND length(s.client_secret_enc) > 0)"

/* A plan's or location's name: the one loaded from OfficeRnD, else the one the mapping saved. */
#define PLAN_NAME                                                                                       \
	"coalesce((SELECT p.name FROM officernd_plans AS p WHERE p.operator_id = r.operator_id AND "    \
	"p.plan_id = r.plan_id), (SELECT k.plan_name FROM plan_links AS k WHERE k.operator_id = "      \
	"r.operator_id AND k.plan_id = r.plan_id), '')"
#define LOCATION_NAME                                                                                   \
	"coalesce((SELECT l.name FROM officernd_locations AS l WHERE l.operator_id = r.operator_id AND " \
	"l.location_id = r.location_id), (SELECT k.location_name FROM location_links AS k WHERE "         \
	"k.operator_id = r.operator_id AND k.location_id = r.location_id), '')"

#define ROW_COLS                                                                                        \
	"r.id, r.membership_id, r.member_id, r.member_found, r.name, r.email, coalesce(r.company_id, ''), " \
	"r.company_name, r.plan_id, " PLAN_NAME ", r.location_id, " LOCATION_NAME ", r.start_date, "        \
	"coalesce(r.end_date, ''), r.status, r.calculated_status, r.is_personal, r.created_at, "            \
	"r.modified_at, r.grp, r.reason, coalesce(r.match_mailbox_id, 0), r.import_state, r.invite, "       \
	"r.outcome, coalesce(r.mailbox_id, 0) "

/* Rows per group ("CASE": PostgreSQL does not sum booleans). */
#define GROUP_COUNTS                                                                              \
	"sum(CASE WHEN r.grp = 'match' THEN 1 ELSE 0 END), sum(CASE WHEN r.grp = 'new' THEN 1 ELSE 0 END), " \
	"sum(CASE WHEN r.grp = 'skip' THEN 1 ELSE 0 END), "

/* The snapshot page: one group (?2) in load order after row ?3. */
const char member_import_sql_list[] =
	"SELECT " ROW_COLS "FROM member_import_rows AS r WHERE r.operator_id = ?1 AND r.grp = ?2 AND r.id > ?3 "
	"ORDER BY r.id LIMIT ?4";
/* Counts: per group and import state (the page's totals), per plan, per location. */
const char member_import_sql_counts[] =
	"SELECT grp, import_state, count(*) FROM member_import_rows WHERE operator_id = ? GROUP BY grp, import_state";
const char member_import_sql_by_plan[] =
	"SELECT r.plan_id, " PLAN_NAME ", " GROUP_COUNTS
	"sum(CASE WHEN r.import_state = 'imported' THEN 1 ELSE 0 END) FROM member_import_rows AS r WHERE r.operator_id = ? GROUP BY r.operator_id, r.plan_id";
const char member_import_sql_by_location[] =
	"SELECT r.location_id, " LOCATION_NAME ", " GROUP_COUNTS
	"sum(CASE WHEN r.import_state = 'imported' THEN 1 ELSE 0 END) FROM member_import_rows AS r WHERE r.operator_id = ? GROUP BY r.operator_id, r.location_id";
/* The worker's queues: loads to run, and queued rows. */
const char member_import_sql_load_due[] =
	"SELECT operator_id FROM member_imports WHERE load_state IN ('queued', 'loading') ORDER BY operator_id";
const char member_import_sql_queued_operators[] =
	"SELECT i.operator_id FROM member_imports AS i WHERE EXISTS (SELECT 1 FROM member_import_rows AS r "
	"WHERE r.operator_id = i.operator_id AND r.import_state = 'queued') ORDER BY i.operator_id";
/* The claim's rows: queued, no live lease (tested on the row itself, see db_prepare_claim). */
const char member_import_sql_claim_rows[] =
	"SELECT r.id FROM member_import_rows AS r WHERE r.operator_id = ?1 AND r.import_state = 'queued' "
	"AND r.claimed_until <= ?2 ORDER BY r.id LIMIT ?3";
/* The group phase's batches. */
const char member_import_sql_rows_after[] =
	"SELECT " ROW_COLS "FROM member_import_rows AS r WHERE r.operator_id = ? AND r.id > ? ORDER BY r.id LIMIT ?";
/* A hand-made mailbox with the member's email (see member_import_match_find). */
const char member_import_sql_match[] =
	"SELECT m.id, m.pmb FROM renters AS r JOIN mailboxes AS m ON m.renter_id = r.id "
	"WHERE r.operator_id = ?1 AND r.email = ?2 AND m.operator_id = ?1 AND m.officernd_membership_id IS NULL "
	"AND m.status <> 'cancelled' AND NOT EXISTS (SELECT 1 FROM member_import_rows AS x WHERE "
	"x.operator_id = ?1 AND x.match_mailbox_id = m.id AND x.id <> ?3) ORDER BY m.id LIMIT 1";

static int exec_op(struct db *db, const char *sql, int64_t operator_id)
{
	struct db_stmt *st = db_prepare(db, sql);
	db_bind_int64(st, 1, operator_id);
	return db_step_done(st);
}

static void id_read(struct db_stmt *st, void *elem)
{
	*(int64_t *)elem = db_col_int64(st, 0);
}

/* ---- status ------------------------------------------------------------------------------ */

static int status_state_read(struct db *db, int64_t operator_id, struct member_import_status *out)
{
	struct db_stmt *st = db_prepare(db, "SELECT load_state, phase, listed, members_read, requested_at, loaded_at, "
					  "claimed_until, error FROM member_imports WHERE operator_id = ?");
	db_bind_int64(st, 1, operator_id);
	int rc = db_step(st);
	if (rc == DB_ROW) {
		str_copy(out->load_state, sizeof(out->load_state), db_col_text(st, 0));
		str_copy(out->phase, sizeof(out->phase), db_col_text(st, 1));
		out->listed = db_col_int64(st, 2);
		out->members_read = db_col_int64(st, 3);
		out->requested_at = db_col_int64(st, 4);
		out->loaded_at = db_col_int64(st, 5);
		out->claimed_until = db_col_int64(st, 6);
		str_copy(out->error, sizeof(out->error), db_col_text(st, 7));
	}
	db_finalize(st);
	return rc == DB_ROW || rc == DB_DONE ? 0 : -1;
}

static void status_count_add(struct member_import_status *out, const char *grp, const char *state, int64_t n)
{
	int open = str_eq(state, "") || str_eq(state, "not_imported");
	out->rows += n;
	if (open && str_eq(grp, "match"))
		out->open_match += n;
	if (open && str_eq(grp, "new"))
		out->open_new += n;
	if (str_eq(grp, "match"))
		out->n_match += n;
	else if (str_eq(grp, "new"))
		out->n_new += n;
	else if (str_eq(grp, "skip"))
		out->n_skip += n;
	else
		out->n_ungrouped += n;
	if (str_eq(state, "queued"))
		out->queued += n;
	else if (str_eq(state, "imported"))
		out->imported += n;
	else if (str_eq(state, "not_imported"))
		out->not_imported += n;
}

int member_import_status_get(struct db *db, int64_t operator_id, struct member_import_status *out)
{
	memset(out, 0, sizeof(*out));
	if (status_state_read(db, operator_id, out) < 0)
		goto fail;
	struct db_stmt *st = db_prepare(db, member_import_sql_counts);
	db_bind_int64(st, 1, operator_id);
	int rc;
	while ((rc = db_step(st)) == DB_ROW)
		status_count_add(out, db_col_text(st, 0), db_col_text(st, 1), db_col_int64(st, 2));
	db_finalize(st);
	if (rc == DB_DONE)
		return 0;
fail:
	log_error("store", "member import status failed err=\"%s\"", db_errmsg(db));
	return -1;
}

/* ---- asking for a load ------------------------------------------------------------------- */

static int64_t count_op(struct db *db, const char *sql, int64_t operator_id)
{
	struct db_stmt *st = db_prepare(db, sql);
	db_bind_int64(st, 1, operator_id);
	return db_count(st);
}

enum member_import_ask member_import_request(struct db *db, int64_t operator_id, int64_t now)
{
	if (db_begin(db) < 0)
		return MEMBER_IMPORT_FAILED;
	int64_t configured = count_op(db, "SELECT count(*) FROM officernd_settings AS s WHERE s.operator_id = ? AND "
				      CONFIGURED, operator_id);
	int64_t plans = count_op(db, "SELECT count(*) FROM plan_links WHERE operator_id = ?", operator_id);
	int64_t queued = count_op(db, "SELECT count(*) FROM member_import_rows WHERE operator_id = ? AND "
				  "import_state = 'queued'", operator_id);
	enum member_import_ask ask = MEMBER_IMPORT_ASKED;
	if (configured < 0 || plans < 0 || queued < 0)
		ask = MEMBER_IMPORT_FAILED;
	else if (!configured)
		ask = MEMBER_IMPORT_NOT_CONFIGURED;
	else if (!plans)
		ask = MEMBER_IMPORT_NO_PLANS;
	else if (queued)
		ask = MEMBER_IMPORT_IMPORTING;
	if (ask != MEMBER_IMPORT_ASKED) {
		db_rollback(db);
		return ask;
	}
	/* A load under way starts over: its holder's next page finds the claim gone and stops. */
	struct db_stmt *st = db_prepare(db, "INSERT INTO member_imports(operator_id, load_state, requested_at) "
					  "VALUES (?1, 'queued', ?2) ON CONFLICT(operator_id) DO UPDATE SET "
					  "load_state = 'queued', requested_at = ?2, error = '', claimed_by = '', "
					  "claimed_until = 0");
	db_bind_int64(st, 1, operator_id);
	db_bind_int64(st, 2, now);
	if (db_step_done(st) < 0 || db_commit(db) < 0) {
		db_rollback(db);
		return MEMBER_IMPORT_FAILED;
	}
	return MEMBER_IMPORT_ASKED;
}

/* ---- the load ------------------------------------------------------------------------------ */

int member_import_load_due(struct db *db, int64_t now, int64_t **ids, size_t *n)
{
	(void)now; /* the claim decides about leases: a dead holder's load is due at once */
	int failed = 0;
	*ids = db_collect(db_prepare(db, member_import_sql_load_due), sizeof(**ids), id_read, n, &failed);
	return failed ? -1 : 0;
}

void member_import_load_clear(struct member_import_load *l)
{
	free(l->cursor);
	memset(l, 0, sizeof(*l));
}

/* Inside the claim's transaction: 1 claimable (state, phase, cursor read), 0 not, -1. */
static int load_claimable(struct db *db, int64_t operator_id, const char *worker, int64_t now,
			  int (*holder_dead)(const char *, const char *), char *state, struct member_import_load *out)
{
	struct db_stmt *st = db_prepare_claim(db, "SELECT i.load_state, i.phase, i.cursor, i.claimed_by, i.claimed_until "
					  "FROM member_imports AS i WHERE i.operator_id = ? AND i.load_state IN ('queued', 'loading')",
					  "i");
	db_bind_int64(st, 1, operator_id);
	int rc = db_step(st), ok = 0;
	if (rc == DB_ROW) {
		const char *holder = db_col_text(st, 3);
		int live = *holder && db_col_int64(st, 4) > now &&
			   !(holder_dead && !str_eq(holder, worker) && holder_dead(worker, holder) == 1);
		ok = !live;
		str_copy(state, 16, db_col_text(st, 0));
		str_copy(out->phase, sizeof(out->phase), db_col_text(st, 1));
		out->cursor = db_col_strdup(st, 2);
	}
	db_finalize(st);
	if (rc != DB_ROW && rc != DB_DONE)
		return -1;
	return ok;
}

int member_import_load_claim(struct db *db, int64_t operator_id, const char *worker, int64_t now, int64_t lease_s,
			     int (*holder_dead)(const char *mine, const char *holder), struct member_import_load *out)
{
	char state[16] = "";
	memset(out, 0, sizeof(*out));
	if (db_begin_claim(db) < 0)
		return -1;
	int rc = load_claimable(db, operator_id, worker, now, holder_dead, state, out);
	if (rc <= 0) {
		db_rollback(db);
		member_import_load_clear(out);
		return rc;
	}
	int fresh = str_eq(state, "queued");
	if (fresh) {
		free(out->cursor);
		out->cursor = NULL;
		str_copy(out->phase, sizeof(out->phase), MEMBER_IMPORT_PHASE_MEMBERSHIPS);
	}
	struct db_stmt *st = db_prepare(db, "UPDATE member_imports SET load_state = 'loading', claimed_by = ?2, "
					  "claimed_until = ?3, phase = ?4, cursor = ?5, error = '', "
					  "listed = CASE WHEN ?6 <> 0 THEN 0 ELSE listed END, "
					  "members_read = CASE WHEN ?6 <> 0 THEN 0 ELSE members_read END WHERE operator_id = ?1");
	db_bind_int64(st, 1, operator_id);
	db_bind_text(st, 2, worker);
	db_bind_int64(st, 3, now + lease_s);
	db_bind_text(st, 4, out->phase);
	db_bind_text(st, 5, out->cursor);
	db_bind_int64(st, 6, fresh);
	int ok = db_update_one(st) == 0 &&
		 (!fresh || exec_op(db, "DELETE FROM member_import_rows WHERE operator_id = ?", operator_id) == 0);
	if (!ok || db_commit(db) < 0) {
		db_rollback(db);
		member_import_load_clear(out);
		return -1;
	}
	return 1;
}

/* Inside a transaction: 1 when worker holds the operator's load, 0 not, -1 error. */
static int load_held(struct db *db, int64_t operator_id, const char *worker)
{
	struct db_stmt *st = db_prepare(db, "SELECT count(*) FROM member_imports WHERE operator_id = ? AND claimed_by = ? "
					  "AND load_state = 'loading'");
	db_bind_int64(st, 1, operator_id);
	db_bind_text(st, 2, worker);
	int64_t n = db_count(st);
	return n < 0 ? -1 : n > 0;
}

/* The phase after `phase` whose work exists (members only when rows were kept, companies only
 * when a kept row has a company), into next (16 bytes). */
static int phase_following(struct db *db, int64_t operator_id, const char *phase, char *next)
{
	int64_t rows = count_op(db, "SELECT count(*) FROM (SELECT 1 FROM member_import_rows WHERE operator_id = ? "
				"LIMIT 1) AS any_row", operator_id);
	int64_t companies = count_op(db, "SELECT count(*) FROM (SELECT 1 FROM member_import_rows WHERE operator_id = ? "
				     "AND company_id IS NOT NULL LIMIT 1) AS any_row", operator_id);
	if (rows < 0 || companies < 0)
		return -1;
	if (str_eq(phase, MEMBER_IMPORT_PHASE_MEMBERSHIPS) && rows)
		str_copy(next, 16, MEMBER_IMPORT_PHASE_MEMBERS);
	else if (!str_eq(phase, MEMBER_IMPORT_PHASE_COMPANIES) && companies)
		str_copy(next, 16, MEMBER_IMPORT_PHASE_COMPANIES);
	else
		str_copy(next, 16, MEMBER_IMPORT_PHASE_GROUP);
	return 0;
}

/* The next position of a page's phase (or the next phase when pg->next is NULL), and the counts. */
static int load_advance(struct db *db, int64_t operator_id, const char *phase, const struct member_import_page *pg,
			int64_t listed, int64_t members_read)
{
	char next_phase[16];
	str_copy(next_phase, sizeof(next_phase), phase);
	if (!pg->next && phase_following(db, operator_id, phase, next_phase) < 0)
		return -1;
	struct db_stmt *st = db_prepare(db, "UPDATE member_imports SET phase = ?2, cursor = ?3, claimed_until = ?4, "
					  "listed = listed + ?5, members_read = members_read + ?6 WHERE operator_id = ?1");
	db_bind_int64(st, 1, operator_id);
	db_bind_text(st, 2, next_phase);
	db_bind_text(st, 3, pg->next);
	db_bind_int64(st, 4, pg->now + pg->lease_s);
	db_bind_int64(st, 5, listed);
	db_bind_int64(st, 6, members_read);
	return db_update_one(st);
}

/* Begins a page's transaction: 1 held (open), 0 not the holder (closed), -1 (closed). */
static int page_begin(struct db *db, int64_t operator_id, const char *worker)
{
	if (db_begin(db) < 0)
		return -1;
	int held = load_held(db, operator_id, worker);
	if (held <= 0)
		db_rollback(db);
	return held;
}

static int page_end(struct db *db, int ok)
{
	if (ok && db_commit(db) == 0)
		return 0;
	db_rollback(db);
	return -1;
}

static int membership_put(struct db *db, int64_t operator_id, const struct orn_membership *m)
{
	struct db_stmt *st = db_prepare(db,
		"INSERT INTO member_import_rows(operator_id, membership_id, member_id, company_id, plan_id, location_id, "
		"start_date, end_date, status, calculated_status, is_personal, created_at, modified_at) "
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(operator_id, membership_id) DO UPDATE SET "
		"member_id = excluded.member_id, company_id = excluded.company_id, plan_id = excluded.plan_id, "
		"location_id = excluded.location_id, start_date = excluded.start_date, end_date = excluded.end_date, "
		"status = excluded.status, calculated_status = excluded.calculated_status, "
		"is_personal = excluded.is_personal, created_at = excluded.created_at, modified_at = excluded.modified_at");
	db_bind_int64(st, 1, operator_id);
	db_bind_text(st, 2, m->id);
	db_bind_text(st, 3, m->member);
	db_bind_text(st, 4, m->company && *m->company ? m->company : NULL);
	db_bind_text(st, 5, m->plan);
	db_bind_text(st, 6, m->location ? m->location : "");
	db_bind_text(st, 7, m->start_date ? m->start_date : "");
	db_bind_text(st, 8, m->end_date);
	db_bind_text(st, 9, m->status ? m->status : "");
	db_bind_text(st, 10, m->calculated_status ? m->calculated_status : "");
	db_bind_int64(st, 11, m->is_personal);
	db_bind_text(st, 12, m->created_at ? m->created_at : "");
	db_bind_text(st, 13, m->modified_at ? m->modified_at : "");
	return db_step_done(st);
}

/* One row of a page, written inside the page's transaction. 0, or -1 to roll the page back. */
typedef int (*page_row_fn)(struct db *db, int64_t operator_id, const void *items, size_t i, void *ctx);

/*
 * Stores one page of a load: every row through put, then the load's position past it, in one
 * transaction held by pg->worker. 0, 1 when the load is no longer this worker's, or -1.
 */
static int page_put(struct db *db, int64_t operator_id, const struct member_import_page *pg, const char *phase,
		    int64_t memberships, int64_t members, size_t n, page_row_fn put, const void *items, void *ctx)
{
	int held = page_begin(db, operator_id, pg->worker);
	if (held <= 0)
		return held < 0 ? -1 : 1;
	int ok = 1;
	for (size_t i = 0; ok && i < n; i++)
		ok = put(db, operator_id, items, i, ctx) == 0;
	ok = ok && load_advance(db, operator_id, phase, pg, memberships, members) == 0;
	return page_end(db, ok);
}

struct keep_ctx {
	member_import_keep_fn keep;
	void *ctx;
};

static int membership_row_put(struct db *db, int64_t operator_id, const void *items, size_t i, void *ctx)
{
	const struct orn_membership *m = (const struct orn_membership *)items + i;
	const struct keep_ctx *k = ctx;
	int kept = k->keep(db, operator_id, m, k->ctx);
	return kept < 0 ? -1 : kept == 0 ? 0 : membership_put(db, operator_id, m);
}

int member_import_put_memberships(struct db *db, int64_t operator_id, const struct member_import_page *pg,
				  const struct orn_membership *items, size_t n, member_import_keep_fn keep, void *ctx)
{
	struct keep_ctx k = { keep, ctx };
	return page_put(db, operator_id, pg, MEMBER_IMPORT_PHASE_MEMBERSHIPS, (int64_t)n, 0, n, membership_row_put,
			items, &k);
}

static const char member_row_sql[] = "UPDATE member_import_rows SET name = ?3, email = ?4, member_found = 1 "
				     "WHERE operator_id = ?1 AND member_id = ?2";

static int member_row_put(struct db *db, int64_t operator_id, const void *items, size_t i, void *ctx)
{
	const struct orn_member *m = (const struct orn_member *)items + i;
	struct db_stmt *st = db_prepare_cached(db, member_row_sql);
	db_bind_int64(st, 1, operator_id);
	db_bind_text(st, 2, m->id);
	db_bind_text(st, 3, m->name ? m->name : "");
	db_bind_text(st, 4, m->email ? m->email : "");
	return db_step_done(st);
}

int member_import_put_members(struct db *db, int64_t operator_id, const struct member_import_page *pg,
			      const struct orn_member *items, size_t n)
{
	return page_put(db, operator_id, pg, MEMBER_IMPORT_PHASE_MEMBERS, 0, (int64_t)n, n, member_row_put, items,
			NULL);
}

static const char company_row_sql[] = "UPDATE member_import_rows SET company_name = ?3 "
				      "WHERE operator_id = ?1 AND company_id = ?2";

static int company_row_put(struct db *db, int64_t operator_id, const void *items, size_t i, void *ctx)
{
	const struct orn_company *c = (const struct orn_company *)items + i;
	struct db_stmt *st = db_prepare_cached(db, company_row_sql);
	db_bind_int64(st, 1, operator_id);
	db_bind_text(st, 2, c->id);
	db_bind_text(st, 3, c->name ? c->name : "");
	return db_step_done(st);
}

int member_import_put_companies(struct db *db, int64_t operator_id, const struct member_import_page *pg,
				const struct orn_company *items, size_t n)
{
	return page_put(db, operator_id, pg, MEMBER_IMPORT_PHASE_COMPANIES, 0, 0, n, company_row_put, items, NULL);
}

int member_import_load_position(struct db *db, int64_t operator_id, const char *worker, struct member_import_load *out)
{
	memset(out, 0, sizeof(*out));
	struct db_stmt *st = db_prepare(db, "SELECT phase, cursor FROM member_imports WHERE operator_id = ? AND "
					  "claimed_by = ? AND load_state = 'loading'");
	db_bind_int64(st, 1, operator_id);
	db_bind_text(st, 2, worker);
	int rc = db_step(st);
	if (rc == DB_ROW) {
		str_copy(out->phase, sizeof(out->phase), db_col_text(st, 0));
		out->cursor = db_col_strdup(st, 1);
	}
	db_finalize(st);
	if (rc == DB_ROW)
		return 1;
	return rc == DB_DONE ? 0 : -1;
}

int member_import_load_pause(struct db *db, int64_t operator_id, const char *worker, int64_t until)
{
	struct db_stmt *st = db_prepare(db, "UPDATE member_imports SET claimed_until = ?3 WHERE operator_id = ?1 AND "
					  "claimed_by = ?2 AND load_state = 'loading'");
	db_bind_int64(st, 1, operator_id);
	db_bind_text(st, 2, worker);
	db_bind_int64(st, 3, until);
	return db_step_done(st);
}

int member_import_load_failed(struct db *db, int64_t operator_id, const char *worker, const char *error, int64_t now)
{
	(void)now;
	int held = page_begin(db, operator_id, worker);
	if (held <= 0)
		return held < 0 ? -1 : 1;
	struct db_stmt *st = db_prepare(db, "UPDATE member_imports SET load_state = 'failed', error = ?2, claimed_by = '', "
					  "claimed_until = 0 WHERE operator_id = ?1");
	db_bind_int64(st, 1, operator_id);
	db_bind_text(st, 2, error && *error ? error : "the load failed");
	return page_end(db, db_update_one(st) == 0);
}

/* ---- rows ---------------------------------------------------------------------------------- */

static void row_read(struct db_stmt *st, void *elem)
{
	struct member_import_row *r = elem;
	int c = 0;
	memset(r, 0, sizeof(*r));
	r->id = db_col_int64(st, c++);
	str_copy(r->membership_id, sizeof(r->membership_id), db_col_text(st, c++));
	str_copy(r->member_id, sizeof(r->member_id), db_col_text(st, c++));
	r->member_found = db_col_int(st, c++);
	str_copy(r->name, sizeof(r->name), db_col_text(st, c++));
	str_copy(r->email, sizeof(r->email), db_col_text(st, c++));
	str_copy(r->company_id, sizeof(r->company_id), db_col_text(st, c++));
	str_copy(r->company_name, sizeof(r->company_name), db_col_text(st, c++));
	str_copy(r->plan_id, sizeof(r->plan_id), db_col_text(st, c++));
	str_copy(r->plan_name, sizeof(r->plan_name), db_col_text(st, c++));
	str_copy(r->location_id, sizeof(r->location_id), db_col_text(st, c++));
	str_copy(r->location_name, sizeof(r->location_name), db_col_text(st, c++));
	str_copy(r->start_date, sizeof(r->start_date), db_col_text(st, c++));
	str_copy(r->end_date, sizeof(r->end_date), db_col_text(st, c++));
	str_copy(r->status, sizeof(r->status), db_col_text(st, c++));
	str_copy(r->calculated_status, sizeof(r->calculated_status), db_col_text(st, c++));
	r->is_personal = db_col_int(st, c++);
	str_copy(r->created_at, sizeof(r->created_at), db_col_text(st, c++));
	str_copy(r->modified_at, sizeof(r->modified_at), db_col_text(st, c++));
	str_copy(r->grp, sizeof(r->grp), db_col_text(st, c++));
	str_copy(r->reason, sizeof(r->reason), db_col_text(st, c++));
	r->match_mailbox_id = db_col_int64(st, c++);
	str_copy(r->import_state, sizeof(r->import_state), db_col_text(st, c++));
	r->invite = db_col_int(st, c++);
	str_copy(r->outcome, sizeof(r->outcome), db_col_text(st, c++));
	r->mailbox_id = db_col_int64(st, c++);
}

static int rows_collect(struct db_stmt *st, struct member_import_row **rows, size_t *n)
{
	int failed = 0;
	*rows = db_collect(st, sizeof(**rows), row_read, n, &failed);
	return failed ? -1 : 0;
}

int member_import_rows_after(struct db *db, int64_t operator_id, int64_t after_id, size_t max,
			     struct member_import_row **rows, size_t *n)
{
	struct db_stmt *st = db_prepare(db, member_import_sql_rows_after);
	db_bind_int64(st, 1, operator_id);
	db_bind_int64(st, 2, after_id);
	db_bind_int64(st, 3, (int64_t)max);
	return rows_collect(st, rows, n);
}

int member_import_row_group_set(struct db *db, int64_t operator_id, int64_t row_id, const char *grp,
				const char *reason, int64_t match_mailbox_id)
{
	struct db_stmt *st = db_prepare(db, "UPDATE member_import_rows SET grp = ?3, reason = ?4, match_mailbox_id = ?5 "
					  "WHERE operator_id = ?1 AND id = ?2");
	db_bind_int64(st, 1, operator_id);
	db_bind_int64(st, 2, row_id);
	db_bind_text(st, 3, grp);
	db_bind_text(st, 4, reason ? reason : "");
	if (match_mailbox_id > 0)
		db_bind_int64(st, 5, match_mailbox_id);
	else
		db_bind_null(st, 5);
	return db_update_one(st);
}

int member_import_group_begin(struct db *db, int64_t operator_id, const char *worker)
{
	return page_begin(db, operator_id, worker);
}

int member_import_group_advance(struct db *db, int64_t operator_id, const char *worker, int64_t last_id, int done,
				int64_t now, int64_t lease_s)
{
	(void)worker; /* checked by member_import_group_begin in the same transaction */
	struct db_stmt *st = db_prepare(db,
		"UPDATE member_imports SET cursor = ?2, claimed_until = CASE WHEN ?3 <> 0 THEN 0 ELSE ?4 + ?5 END, "
		"claimed_by = CASE WHEN ?3 <> 0 THEN '' ELSE claimed_by END, "
		"load_state = CASE WHEN ?3 <> 0 THEN 'loaded' ELSE load_state END, "
		"phase = CASE WHEN ?3 <> 0 THEN '' ELSE phase END, "
		"loaded_at = CASE WHEN ?3 <> 0 THEN ?4 ELSE loaded_at END WHERE operator_id = ?1");
	char cursor[24];
	snprintf(cursor, sizeof(cursor), "%lld", (long long)last_id);
	db_bind_int64(st, 1, operator_id);
	db_bind_text(st, 2, done ? NULL : cursor);
	db_bind_int64(st, 3, done);
	db_bind_int64(st, 4, now);
	db_bind_int64(st, 5, lease_s);
	return db_update_one(st);
}

int member_import_list(struct db *db, int64_t operator_id, const char *grp, int64_t after_id, size_t limit,
		       struct member_import_row **rows, size_t *n)
{
	struct db_stmt *st = db_prepare(db, member_import_sql_list);
	db_bind_int64(st, 1, operator_id);
	db_bind_text(st, 2, grp ? grp : "");
	db_bind_int64(st, 3, after_id);
	db_bind_int64(st, 4, (int64_t)limit);
	return rows_collect(st, rows, n);
}

int member_import_row_get(struct db *db, int64_t operator_id, int64_t row_id, struct member_import_row *out)
{
	struct db_stmt *st = db_prepare(db, "SELECT " ROW_COLS "FROM member_import_rows AS r WHERE r.operator_id = ? AND r.id = ?");
	db_bind_int64(st, 1, operator_id);
	db_bind_int64(st, 2, row_id);
	int rc = db_step(st);
	if (rc == DB_ROW)
		row_read(st, out);
	db_finalize(st);
	if (rc == DB_ROW)
		return 0;
	return rc == DB_DONE ? 1 : -1;
}

static void count_read(struct db_stmt *st, void *elem)
{
	struct member_import_count *c = elem;
	memset(c, 0, sizeof(*c));
	str_copy(c->id, sizeof(c->id), db_col_text(st, 0));
	str_copy(c->name, sizeof(c->name), db_col_text(st, 1));
	c->n_match = db_col_int64(st, 2);
	c->n_new = db_col_int64(st, 3);
	c->n_skip = db_col_int64(st, 4);
	c->imported = db_col_int64(st, 5);
}

static int counts_collect(struct db *db, const char *sql, int64_t operator_id, struct member_import_count **items,
			  size_t *n)
{
	struct db_stmt *st = db_prepare(db, sql);
	db_bind_int64(st, 1, operator_id);
	int failed = 0;
	*items = db_collect(st, sizeof(**items), count_read, n, &failed);
	return failed ? -1 : 0;
}

int member_import_counts_by_plan(struct db *db, int64_t operator_id, struct member_import_count **items, size_t *n)
{
	return counts_collect(db, member_import_sql_by_plan, operator_id, items, n);
}

int member_import_counts_by_location(struct db *db, int64_t operator_id, struct member_import_count **items,
				     size_t *n)
{
	return counts_collect(db, member_import_sql_by_location, operator_id, items, n);
}

/* ---- queueing the ticks -------------------------------------------------------------------- */

/* Inside the queue's transaction: checks one ticked row (*bad filled when wrong). */
static enum member_import_queue_result tick_check(struct db *db, int64_t operator_id, int64_t row_id,
						   struct member_import_row *bad)
{
	int rc = member_import_row_get(db, operator_id, row_id, bad);
	if (rc < 0)
		return MEMBER_IMPORT_QUEUE_FAILED;
	if (rc > 0) {
		memset(bad, 0, sizeof(*bad));
		bad->id = row_id;
		return MEMBER_IMPORT_UNKNOWN_ROW;
	}
	return str_eq(bad->grp, "match") || str_eq(bad->grp, "new") ? MEMBER_IMPORT_QUEUED : MEMBER_IMPORT_SKIP_ROW;
}

/* Queues rows matching the statement's condition (bound from ?2 on by the caller). */
static int queue_where(struct db *db, struct db_stmt *st, int64_t operator_id, int invite, size_t *queued)
{
	db_bind_int64(st, 1, operator_id);
	db_bind_int64(st, 2, invite);
	if (db_step_done(st) < 0)
		return -1;
	*queued += (size_t)db_changes(db);
	return 0;
}

#define QUEUE_SET "UPDATE member_import_rows SET import_state = 'queued', invite = ?2, outcome = '' " \
		  "WHERE operator_id = ?1 AND import_state IN ('', 'not_imported') AND grp IN ('match', 'new') "

static enum member_import_queue_result queue_run(struct db *db, int64_t operator_id, const struct member_import_ticks *t,
						 size_t *queued, struct member_import_row *bad)
{
	for (size_t i = 0; i < t->n_rows; i++) {
		struct db_stmt *st = db_prepare(db, QUEUE_SET "AND id = ?3");
		db_bind_int64(st, 3, t->row_ids[i]);
		if (queue_where(db, st, operator_id, t->invite, queued) < 0)
			return MEMBER_IMPORT_QUEUE_FAILED;
	}
	for (int g = 0; g < 2; g++) {
		if (!(g == 0 ? t->all_match : t->all_new))
			continue;
		struct db_stmt *st = db_prepare(db, QUEUE_SET "AND grp = ?3");
		db_bind_text(st, 3, g == 0 ? "match" : "new");
		if (queue_where(db, st, operator_id, t->invite, queued) < 0)
			return MEMBER_IMPORT_QUEUE_FAILED;
	}
	return MEMBER_IMPORT_QUEUED;
}

enum member_import_queue_result member_import_queue(struct db *db, int64_t operator_id,
						    const struct member_import_ticks *t, size_t *queued,
						    struct member_import_row *bad)
{
	*queued = 0;
	memset(bad, 0, sizeof(*bad));
	if (db_begin(db) < 0)
		return MEMBER_IMPORT_QUEUE_FAILED;
	/* Every tick is checked before anything is written: another operator's row id is unknown here. */
	enum member_import_queue_result r = MEMBER_IMPORT_QUEUED;
	for (size_t i = 0; i < t->n_rows && r == MEMBER_IMPORT_QUEUED; i++)
		r = tick_check(db, operator_id, t->row_ids[i], bad);
	int64_t loaded = count_op(db, "SELECT count(*) FROM member_imports WHERE operator_id = ? AND load_state = 'loaded'",
				  operator_id);
	if (r == MEMBER_IMPORT_QUEUED)
		r = loaded < 0 ? MEMBER_IMPORT_QUEUE_FAILED
		    : loaded == 0 ? MEMBER_IMPORT_NOT_LOADED
				  : queue_run(db, operator_id, t, queued, bad);
	if (r != MEMBER_IMPORT_QUEUED || db_commit(db) < 0) {
		db_rollback(db);
		*queued = 0;
		return r == MEMBER_IMPORT_QUEUED ? MEMBER_IMPORT_QUEUE_FAILED : r;
	}
	return r;
}

/* ---- the import ------------------------------------------------------------------------------ */

int member_import_queued_operators(struct db *db, int64_t **ids, size_t *n)
{
	int failed = 0;
	*ids = db_collect(db_prepare(db, member_import_sql_queued_operators), sizeof(**ids), id_read, n, &failed);
	return failed ? -1 : 0;
}

int member_import_claim_rows(struct db *db, int64_t operator_id, const char *worker, int64_t now, int64_t lease_s,
			     size_t max, int64_t **ids, size_t *n)
{
	*ids = NULL;
	*n = 0;
	if (db_begin_claim(db) < 0)
		return -1;
	struct db_stmt *st = db_prepare_claim(db, member_import_sql_claim_rows, "r");
	db_bind_int64(st, 1, operator_id);
	db_bind_int64(st, 2, now);
	db_bind_int64(st, 3, (int64_t)max);
	int failed = 0;
	size_t k;
	int64_t *got = db_collect(st, sizeof(*got), id_read, &k, &failed);
	struct db_stmt *up = failed || k == 0 ? NULL
					      : db_prepare(db, "UPDATE member_import_rows SET claimed_by = ?3, "
							       "claimed_until = ?4 WHERE operator_id = ?1 AND id = ?2");
	for (size_t i = 0; up && i < k && !failed; i++) {
		db_reset(up);
		db_bind_int64(up, 1, operator_id);
		db_bind_int64(up, 2, got[i]);
		db_bind_text(up, 3, worker);
		db_bind_int64(up, 4, now + lease_s);
		failed = db_step(up) != DB_DONE;
	}
	db_finalize(up);
	if (failed || k == 0 || db_commit(db) < 0) {
		db_rollback(db);
		free(got);
		return k == 0 && !failed ? 0 : -1;
	}
	*ids = got;
	*n = k;
	return 0;
}

int member_import_claimants(struct db *db, int64_t now, char ***ids, size_t *n)
{
	struct db_stmt *st = db_prepare(db, "SELECT DISTINCT claimed_by FROM member_import_rows WHERE "
					  "import_state = 'queued' AND claimed_until > ? AND claimed_by <> ''");
	db_bind_int64(st, 1, now);
	return db_collect_texts(st, ids, n);
}

int member_import_release_claims(struct db *db, const char *worker_id)
{
	struct db_stmt *st = db_prepare(db, "UPDATE member_import_rows SET claimed_until = 0 "
					  "WHERE import_state = 'queued' AND claimed_by = ?");
	db_bind_text(st, 1, worker_id);
	return db_step_done(st) < 0 ? -1 : db_changes(db);
}

int member_import_row_finish(struct db *db, int64_t operator_id, int64_t row_id, const char *state,
			     const char *outcome, int64_t mailbox_id)
{
	struct db_stmt *st = db_prepare(db, "UPDATE member_import_rows SET import_state = ?3, outcome = ?4, mailbox_id = ?5 "
					  "WHERE operator_id = ?1 AND id = ?2 AND import_state = 'queued'");
	db_bind_int64(st, 1, operator_id);
	db_bind_int64(st, 2, row_id);
	db_bind_text(st, 3, state);
	db_bind_text(st, 4, outcome ? outcome : "");
	if (mailbox_id > 0)
		db_bind_int64(st, 5, mailbox_id);
	else
		db_bind_null(st, 5);
	return db_update_one(st);
}

int member_import_match_find(struct db *db, int64_t operator_id, const char *email, int64_t row_id, int64_t *id,
			     char *pmb, size_t pmb_size)
{
	*id = 0;
	pmb[0] = '\0';
	if (!email || !*email)
		return 0;
	struct db_stmt *st = db_prepare(db, member_import_sql_match);
	db_bind_int64(st, 1, operator_id);
	db_bind_text(st, 2, email);
	db_bind_int64(st, 3, row_id);
	int rc = db_step(st);
	if (rc == DB_ROW) {
		*id = db_col_int64(st, 0);
		str_copy(pmb, pmb_size, db_col_text(st, 1));
	}
	db_finalize(st);
	if (rc == DB_ROW)
		return 1;
	return rc == DB_DONE ? 0 : -1;
}

int member_import_connect(struct db *db, int64_t operator_id, int64_t mailbox_id, const char *membership_id,
			  const char *location_id, const char *member_id)
{
	/* The mailbox table's UNIQUE (operator_id, officernd_membership_id) is the backstop: a
	 * membership that got a mailbox meanwhile makes this fail instead of giving it two. */
	struct db_stmt *st = db_prepare(db, "UPDATE mailboxes SET officernd_membership_id = ?3, officernd_location_id = ?4, "
					  "source = 'officernd' "
					  "WHERE operator_id = ?1 AND id = ?2 AND officernd_membership_id IS NULL "
					  "AND status <> 'cancelled'");
	db_bind_int64(st, 1, operator_id);
	db_bind_int64(st, 2, mailbox_id);
	db_bind_text(st, 3, membership_id);
	db_bind_text(st, 4, location_id && *location_id ? location_id : NULL);
	if (db_step_done(st) < 0)
		return -1;
	if (db_changes(db) == 0)
		return 1;
	/* The renter becomes the OfficeRnD member's, unless another renter is that member already. */
	st = db_prepare(db, "UPDATE renters SET officernd_member_id = ?3 WHERE operator_id = ?1 AND officernd_member_id "
			    "IS NULL AND id = (SELECT renter_id FROM mailboxes WHERE id = ?2) AND NOT EXISTS "
			    "(SELECT 1 FROM renters WHERE operator_id = ?1 AND officernd_member_id = ?3)");
	db_bind_int64(st, 1, operator_id);
	db_bind_int64(st, 2, mailbox_id);
	db_bind_text(st, 3, member_id && *member_id ? member_id : NULL);
	return db_step_done(st);
}
