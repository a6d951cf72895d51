/* reconcile.c: see reconcile.h. */
#include "store/reconcile.h"
#include "store/db.h"
#include "store/statements.h"
#include "store/webhook_events.h"
#include "util/log.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

/* The card holds what a client needs: organization, client id and an encrypted secret. */
#define CONFIGURED "(org_slug <> '' AND client_id <> '' AND length(client_secret_enc) > 0)"
/* Due at ?1 (now) with ?2 (interval): asked for, or an interval past the last pass or attempt,
 * or the clock moved back by more than an interval; never under a live lease. */
#define DUE                                                                                        \
	"reconcile_claimed_until <= ?1 AND (reconcile_requested > 0 OR "                         \
	"(max(reconciled_at, reconcile_attempted_at) > 0 AND "                                   \
	"(?1 - max(reconciled_at, reconcile_attempted_at) >= ?2 OR "                             \
	"max(reconciled_at, reconcile_attempted_at) - ?1 > ?2)))"

#define CLOCK_UNSTARTED "reconcile_attempted_at = 0 AND reconciled_at = 0 AND " CONFIGURED

int reconcile_clocks_start(struct db *db, int64_t now)
{
	/* Looked for first: the worker asks every few seconds, and an UPDATE takes the write lock
	 * even when it changes nothing. */
	int64_t waiting = db_count(db_prepare(db, "SELECT count(*) FROM officernd_settings WHERE " CLOCK_UNSTARTED));
	if (waiting <= 0)
		return waiting < 0 ? -1 : 0;
	struct db_stmt *st = db_prepare(db, "UPDATE officernd_settings SET reconcile_attempted_at = ?1, "
					  "reconcile_since = CASE WHEN reconcile_since = 0 THEN ?1 ELSE reconcile_since END "
					  "WHERE " CLOCK_UNSTARTED);
	db_bind_int64(st, 1, now);
	if (db_step_done(st) < 0)
		return -1;
	return db_changes(db);
}

static void id_read(struct db_stmt *st, void *elem)
{
	*(int64_t *)elem = db_col_int64(st, 0);
}

int reconcile_due_list(struct db *db, int64_t now, int64_t interval_s, int64_t **ids, size_t *n)
{
	struct db_stmt *st = db_prepare(db, "SELECT operator_id FROM officernd_settings WHERE " CONFIGURED
					  " AND " DUE " ORDER BY reconcile_requested > 0 DESC, operator_id");
	db_bind_int64(st, 1, now);
	db_bind_int64(st, 2, interval_s);
	int failed;
	*ids = db_collect(st, sizeof(**ids), id_read, n, &failed);
	return failed ? -1 : 0;
}

int reconcile_claim(struct db *db, int64_t operator_id, int64_t now, int64_t interval_s, int64_t lease_s,
		    struct reconcile_claim *out)
{
	memset(out, 0, sizeof(*out));
	if (db_begin(db) < 0)
		return -1;
	struct db_stmt *st = db_prepare(db, "SELECT reconcile_requested, reconciled_through, reconcile_since "
					  "FROM officernd_settings "
					  "WHERE operator_id = ?3 AND " CONFIGURED " AND " DUE);
	db_bind_int64(st, 1, now);
	db_bind_int64(st, 2, interval_s);
	db_bind_int64(st, 3, operator_id);
	int rc = db_step(st);
	if (rc == DB_ROW) {
		out->requested = db_col_int64(st, 0);
		str_copy(out->through, sizeof(out->through), db_col_text(st, 1));
		out->since = db_col_int64(st, 2);
	}
	db_finalize(st);
	if (rc != DB_ROW) {
		db_rollback(db);
		if (rc == DB_DONE)
			return 0;
		log_error("store", "reconcile claim failed err=\"%s\"", db_errmsg(db));
		return -1;
	}
	/* A "Check now" before the worker ever saw the card starts the watch here. */
	if (out->since == 0)
		out->since = now;
	st = db_prepare(db, "UPDATE officernd_settings SET reconcile_claimed_until = ?, reconcile_attempted_at = ?, "
			    "reconcile_since = ? WHERE operator_id = ?");
	db_bind_int64(st, 1, now + lease_s);
	db_bind_int64(st, 2, now);
	db_bind_int64(st, 3, out->since);
	db_bind_int64(st, 4, operator_id);
	if (db_update_one(st) < 0 || db_commit(db) < 0) {
		db_rollback(db);
		return -1;
	}
	return 1;
}

int reconcile_renew(struct db *db, int64_t operator_id, int64_t until)
{
	struct db_stmt *st = db_prepare(db, "UPDATE officernd_settings SET reconcile_claimed_until = ? "
					  "WHERE operator_id = ?");
	db_bind_int64(st, 1, until);
	db_bind_int64(st, 2, operator_id);
	return db_step_done(st);
}

int reconcile_done(struct db *db, int64_t operator_id, const char *through, int64_t now, int64_t requested)
{
	struct db_stmt *st = db_prepare(db,
		"UPDATE officernd_settings SET "
		"reconciled_through = CASE WHEN ?1 <> '' THEN ?1 ELSE reconciled_through END, "
		"reconciled_at = ?2, reconcile_error = '', reconcile_claimed_until = 0, "
		"reconcile_requested = max(reconcile_requested - ?3, 0) WHERE operator_id = ?4");
	db_bind_text(st, 1, through ? through : "");
	db_bind_int64(st, 2, now);
	db_bind_int64(st, 3, requested);
	db_bind_int64(st, 4, operator_id);
	return db_step_done(st);
}

int reconcile_failed(struct db *db, int64_t operator_id, const char *error, int64_t requested)
{
	struct db_stmt *st;
	if (!error) {
		st = db_prepare(db, "UPDATE officernd_settings SET reconcile_claimed_until = 0 WHERE operator_id = ?");
		db_bind_int64(st, 1, operator_id);
		return db_step_done(st);
	}
	st = db_prepare(db, "UPDATE officernd_settings SET reconcile_error = ?, reconcile_claimed_until = 0, "
			    "reconcile_requested = max(reconcile_requested - ?, 0) WHERE operator_id = ?");
	db_bind_text(st, 1, error);
	db_bind_int64(st, 2, requested);
	db_bind_int64(st, 3, operator_id);
	return db_step_done(st);
}

int reconcile_request(struct db *db, int64_t operator_id)
{
	struct db_stmt *st = db_prepare(db, "UPDATE officernd_settings SET reconcile_requested = reconcile_requested + 1 "
					  "WHERE operator_id = ? AND " CONFIGURED);
	db_bind_int64(st, 1, operator_id);
	if (db_step_done(st) < 0)
		return -1;
	return db_changes(db) == 1 ? 0 : 1;
}

int reconcile_status_get(struct db *db, int64_t operator_id, struct reconcile_status *out)
{
	memset(out, 0, sizeof(*out));
	struct db_stmt *st = db_prepare(db, "SELECT " CONFIGURED ", reconciled_at, reconcile_attempted_at, "
					  "reconcile_requested, reconcile_claimed_until, reconcile_error "
					  "FROM officernd_settings WHERE operator_id = ?");
	db_bind_int64(st, 1, operator_id);
	int rc = db_step(st);
	if (rc == DB_ROW) {
		out->configured = db_col_int(st, 0) != 0;
		out->reconciled_at = db_col_int64(st, 1);
		out->attempted_at = db_col_int64(st, 2);
		out->requested = db_col_int64(st, 3);
		out->claimed_until = db_col_int64(st, 4);
		str_copy(out->error, sizeof(out->error), db_col_text(st, 5));
	}
	db_finalize(st);
	if (rc == DB_ROW || rc == DB_DONE)
		return 0;
	log_error("store", "reconcile status failed err=\"%s\"", db_errmsg(db));
	return -1;
}

const char reconcile_sql_inbox_bodies[] =
	"SELECT body FROM webhook_events WHERE operator_id = ? "
	"AND membership_id = ? AND state IN ('pending', 'failed') ORDER BY id";

int reconcile_inbox_bodies(struct db *db, int64_t operator_id, const char *membership_id, char ***bodies,
			   size_t *n)
{
	struct db_stmt *st = db_prepare(db, reconcile_sql_inbox_bodies);
	db_bind_int64(st, 1, operator_id);
	db_bind_text(st, 2, membership_id);
	return db_collect_texts(st, bodies, n);
}

static void open_read(struct db_stmt *st, struct reconcile_open *o)
{
	o->membership_id = xstrdup(db_col_text(st, 0));
	o->member_id = xstrdup(db_col_text(st, 1));
	o->plan_id = xstrdup(db_col_text(st, 2));
	o->status = xstrdup(db_col_text(st, 3));
	o->company_id = db_col_strdup(st, 4);
	o->location_id = *db_col_text(st, 5) ? xstrdup(db_col_text(st, 5)) : NULL;
	o->end_date = db_col_strdup(st, 6);
	o->is_personal = db_col_int(st, 7) != 0;
	o->version_ms = db_col_int64(st, 8);
}

const char reconcile_sql_open_list[] =
	"SELECT mb.officernd_membership_id, coalesce(ms.member_id, ''), coalesce(ms.plan_id, ''), "
	"coalesce(ms.status, ''), ms.company_id, coalesce(ms.location_id, ''), ms.end_date, "
	"coalesce(ms.is_personal, 1), coalesce(ms.version_ms, 0) FROM mailboxes AS mb "
	"LEFT JOIN memberships AS ms ON ms.operator_id = mb.operator_id "
	"AND ms.membership_id = mb.officernd_membership_id "
	"WHERE mb.operator_id = ? AND mb.status <> 'cancelled' AND mb.officernd_membership_id <> '' "
	"AND coalesce(ms.removed, 0) = 0 ORDER BY mb.id";

int reconcile_open_list(struct db *db, int64_t operator_id, struct reconcile_open **items, size_t *n)
{
	struct db_stmt *st = db_prepare(db, reconcile_sql_open_list);
	db_bind_int64(st, 1, operator_id);
	/* Not db_collect: on a failure midway the strings read so far must be freed too. */
	size_t cap = 0;
	int rc;
	*items = NULL;
	*n = 0;
	while ((rc = db_step(st)) == DB_ROW) {
		*items = array_grow(*items, *n, &cap, sizeof(**items));
		open_read(st, &(*items)[(*n)++]);
	}
	db_finalize(st);
	if (rc == DB_DONE)
		return 0;
	log_error("store", "open mailboxes list failed err=\"%s\"", db_errmsg(db));
	reconcile_opens_free(*items, *n);
	*items = NULL;
	*n = 0;
	return -1;
}

void reconcile_opens_free(struct reconcile_open *items, size_t n)
{
	for (size_t i = 0; items && i < n; i++) {
		struct reconcile_open *o = &items[i];
		free(o->membership_id);
		free(o->member_id);
		free(o->plan_id);
		free(o->status);
		free(o->company_id);
		free(o->location_id);
		free(o->end_date);
	}
	free(items);
}

const char reconcile_sql_event_ids[] =
	"SELECT id FROM webhook_events WHERE operator_id = ? AND id BETWEEN ? AND ? "
	"AND substr(dedupe_key, 1, 10) = 'reconcile:' ORDER BY id";

int reconcile_event_ids(struct db *db, int64_t operator_id, int64_t lo, int64_t hi, int64_t **ids, size_t *n)
{
	struct db_stmt *st = db_prepare(db, reconcile_sql_event_ids);
	db_bind_int64(st, 1, operator_id);
	db_bind_int64(st, 2, lo);
	db_bind_int64(st, 3, hi);
	int failed;
	*ids = db_collect(st, sizeof(**ids), id_read, n, &failed);
	return failed ? -1 : 0;
}

/* ---- cancellations held for the operator's confirmation --------------------------------- */

/* A held row counts while its mailbox is open. */
#define HELD_OPEN "EXISTS (SELECT 1 FROM mailboxes mb WHERE mb.id = h.mailbox_id AND mb.operator_id = h.operator_id " \
		  "AND mb.status <> 'cancelled')"

int reconcile_held_put(struct db *db, int64_t operator_id, const struct reconcile_held_new *h)
{
	struct db_stmt *st = db_prepare(db, "INSERT INTO reconcile_held(operator_id, membership_id, mailbox_id, dedupe_key, "
					  "event_type, body, reason, found_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
					  "ON CONFLICT(operator_id, membership_id) DO UPDATE SET mailbox_id = excluded.mailbox_id, "
					  "dedupe_key = excluded.dedupe_key, event_type = excluded.event_type, body = excluded.body, "
					  "reason = excluded.reason, found_at = excluded.found_at");
	db_bind_int64(st, 1, operator_id);
	db_bind_text(st, 2, h->membership_id);
	db_bind_int64(st, 3, h->mailbox_id);
	db_bind_text(st, 4, h->dedupe_key);
	db_bind_text(st, 5, h->event_type);
	db_bind_blob(st, 6, h->body, strlen(h->body));
	db_bind_text(st, 7, h->reason);
	db_bind_int64(st, 8, h->found_at);
	return db_step_done(st);
}

int reconcile_held_drop(struct db *db, int64_t operator_id, const char *membership_id)
{
	struct db_stmt *st = db_prepare(db, "DELETE FROM reconcile_held WHERE operator_id = ? AND membership_id = ?");
	db_bind_int64(st, 1, operator_id);
	db_bind_text(st, 2, membership_id);
	return db_step_done(st);
}

int64_t reconcile_held_count(struct db *db, int64_t operator_id)
{
	struct db_stmt *st = db_prepare(db, "SELECT count(*) FROM reconcile_held h WHERE h.operator_id = ? AND " HELD_OPEN);
	db_bind_int64(st, 1, operator_id);
	return db_count(st);
}

const char reconcile_sql_open_count[] =
	"SELECT count(*) FROM mailboxes WHERE operator_id = ? AND status <> 'cancelled'";

int64_t reconcile_open_count(struct db *db, int64_t operator_id)
{
	struct db_stmt *st = db_prepare(db, reconcile_sql_open_count);
	db_bind_int64(st, 1, operator_id);
	return db_count(st);
}

static void held_read(struct db_stmt *st, void *elem)
{
	struct reconcile_held_view *v = elem;
	memset(v, 0, sizeof(*v));
	v->id = db_col_int64(st, 0);
	v->mailbox_id = db_col_int64(st, 1);
	str_copy(v->pmb, sizeof(v->pmb), db_col_text(st, 2));
	str_copy(v->renter_name, sizeof(v->renter_name), db_col_text(st, 3));
	str_copy(v->membership_id, sizeof(v->membership_id), db_col_text(st, 4));
	str_copy(v->event_type, sizeof(v->event_type), db_col_text(st, 5));
	str_copy(v->reason, sizeof(v->reason), db_col_text(st, 6));
	v->found_at = db_col_int64(st, 7);
}

const char reconcile_sql_held_list[] =
	"SELECT h.id, h.mailbox_id, mb.pmb, r.name, h.membership_id, h.event_type, h.reason, "
	"h.found_at FROM reconcile_held h "
	"JOIN mailboxes mb ON mb.id = h.mailbox_id AND mb.operator_id = h.operator_id "
	"JOIN renters r ON r.id = mb.renter_id AND r.operator_id = h.operator_id "
	"WHERE h.operator_id = ? AND mb.status <> 'cancelled' "
	"ORDER BY length(mb.pmb), mb.pmb, h.id";

int reconcile_held_list(struct db *db, int64_t operator_id, struct reconcile_held_view **items, size_t *n)
{
	struct db_stmt *st = db_prepare(db, reconcile_sql_held_list);
	db_bind_int64(st, 1, operator_id);
	int failed;
	*items = db_collect(st, sizeof(**items), held_read, n, &failed);
	return failed ? -1 : 0;
}

/* Moves one held row into the inbox when confirm (and its mailbox is open), then deletes it.
 * 1 when it counted, 0 when it was not held (any more), -1 on a store error. */
static int held_answer_one(struct db *db, int64_t operator_id, int64_t id, int confirm, int64_t now)
{
	struct db_stmt *st = db_prepare(db, "SELECT dedupe_key, event_type, membership_id, body, " HELD_OPEN
					  " FROM reconcile_held h WHERE h.operator_id = ? AND h.id = ?");
	db_bind_int64(st, 1, operator_id);
	db_bind_int64(st, 2, id);
	int rc = db_step(st);
	if (rc != DB_ROW) {
		db_finalize(st);
		return rc == DB_DONE ? 0 : -1;
	}
	int counted = !confirm || db_col_int(st, 4);
	if (confirm && counted) {
		const char *body = db_col_text(st, 3);
		struct webhook_event_new e = {
			.dedupe_key = db_col_text(st, 0),
			.event_type = db_col_text(st, 1),
			.membership_id = db_col_text(st, 2),
			.body = body,
			.body_len = strlen(body),
			.state = "pending",
			.outcome = "Found by reconciliation and held back with others: you confirmed the cancellation.",
			.received_at = now,
		};
		int64_t row = 0;
		if (webhook_event_insert(db, operator_id, &e, &row) < 0) {
			db_finalize(st);
			return -1;
		}
	}
	db_finalize(st);
	st = db_prepare(db, "DELETE FROM reconcile_held WHERE operator_id = ? AND id = ?");
	db_bind_int64(st, 1, operator_id);
	db_bind_int64(st, 2, id);
	return db_step_done(st) < 0 ? -1 : counted;
}

int reconcile_held_answer(struct db *db, int64_t operator_id, const int64_t *ids, size_t n, int confirm, int64_t now)
{
	int total = 0;
	if (db_begin(db) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int rc = held_answer_one(db, operator_id, ids[i], confirm, now);
		if (rc < 0) {
			db_rollback(db);
			return -1;
		}
		total += rc;
	}
	if (db_commit(db) < 0) {
		db_rollback(db);
		return -1;
	}
	return total;
}
