/* mailboxes.c: see mailboxes.h. Renters, mailboxes, invitations and the outbox. */
#include "store/mailboxes.h"
#include "crypto/crypto.h"
#include "store/db.h"
#include "store/statements.h"
#include "util/config.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/util.h"

#include <ctype.h>
#include <stdlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- renters ---------------------------------------------------------------------------- */

/* The renter to update: the one with the OfficeRnD member id, or for a manual renter the
 * oldest one of the operator with the same email, whatever its source (one person, one
 * sign-in, however many mailboxes). 0 if none. */
static int64_t renter_find(struct db *db, int64_t operator_id, const struct renter_fields *f)
{
	struct db_stmt *st;
	if (f->officernd_member_id && *f->officernd_member_id) {
		st = db_prepare_cached(db, "SELECT id FROM renters WHERE operator_id = ? AND officernd_member_id = ?");
		db_bind_text(st, 2, f->officernd_member_id);
	} else {
		if (!f->email || !*f->email)
			return 0;
		st = db_prepare_cached(db, "SELECT id FROM renters WHERE operator_id = ? AND email = ? ORDER BY id LIMIT 1");
		db_bind_text(st, 2, f->email);
	}
	db_bind_int64(st, 1, operator_id);
	int64_t id = db_step(st) == DB_ROW ? db_col_int64(st, 0) : 0;
	db_finish(st);
	return id;
}

static const char *or_null(const char *s)
{
	return s && *s ? s : NULL;
}

/* OfficeRnD's name replaces the renter's unless the operator renamed the renter (the name then
 * differs from the member's name last fetched): an operator's edit sticks. */
static int renter_update(struct db *db, int64_t operator_id, int64_t id, const struct renter_fields *f)
{
	struct db_stmt *st = db_prepare_cached(db, "UPDATE renters SET name = CASE WHEN ?1 IS NULL THEN name "
					  "WHEN ?7 IS NULL OR officernd_member_name = '' OR name = officernd_member_name "
					  "THEN ?1 ELSE name END, "
					  "officernd_member_name = CASE WHEN ?7 IS NULL THEN officernd_member_name "
					  "ELSE coalesce(?1, officernd_member_name) END, "
					  "email = coalesce(?2, email), "
					  "company_name = coalesce(?3, company_name), "
					  "officernd_company_id = coalesce(?4, officernd_company_id) "
					  "WHERE id = ?5 AND operator_id = ?6");
	db_bind_text(st, 1, or_null(f->name));
	db_bind_text(st, 2, or_null(f->email));
	/* OfficeRnD's "" means "no company any more"; a manual form's empty field keeps what is known. */
	db_bind_text(st, 3, or_null(f->officernd_member_id) ? f->company_name : or_null(f->company_name));
	db_bind_text(st, 4, or_null(f->officernd_company_id));
	db_bind_int64(st, 5, id);
	db_bind_int64(st, 6, operator_id);
	db_bind_text(st, 7, or_null(f->officernd_member_id));
	return db_step_done(st);
}

static int64_t renter_insert(struct db *db, int64_t operator_id, const struct renter_fields *f)
{
	struct db_stmt *st = db_prepare_cached(db, "INSERT INTO renters(operator_id, name, email, company_name, "
					  "officernd_member_id, officernd_company_id, created_at, officernd_member_name) "
					  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, CASE WHEN ?5 IS NULL THEN '' ELSE ?2 END) RETURNING id");
	db_bind_int64(st, 1, operator_id);
	db_bind_text(st, 2, f->name ? f->name : "");
	db_bind_text(st, 3, f->email ? f->email : "");
	db_bind_text(st, 4, f->company_name ? f->company_name : "");
	db_bind_text(st, 5, or_null(f->officernd_member_id));
	db_bind_text(st, 6, or_null(f->officernd_company_id));
	db_bind_int64(st, 7, time_now());
	return db_insert_returning(st, NULL);
}

int64_t renter_upsert(struct db *db, int64_t operator_id, const struct renter_fields *fields)
{
	int64_t id = renter_find(db, operator_id, fields);
	if (id > 0)
		return renter_update(db, operator_id, id, fields) ? -1 : id;
	return renter_insert(db, operator_id, fields);
}

/* A renter whose hash was made with weaker parameters gets today's (see password.h). The
 * UPDATE only replaces the hash just verified, so a password changed meanwhile is kept. */
static void renter_password_upgrade(struct db *db, int64_t id, const char *stored, const char *password)
{
	char *hash = password_upgrade(password, stored);
	if (!hash)
		return;
	struct db_stmt *st = db_prepare(db, "UPDATE renters SET password_hash = ? WHERE id = ? AND password_hash = ?");
	db_bind_text(st, 1, hash);
	db_bind_int64(st, 2, id);
	db_bind_text(st, 3, stored);
	free(hash);
	if (db_step_done(st) == 0 && db_changes(db) == 1)
		log_info("auth", "password rehashed renter=%lld", (long long)id);
}

int64_t renter_authenticate(struct db *db, const char *email, const char *password)
{
	if (!email || !*email || !password)
		return 0;
	struct db_stmt *st = db_prepare(db, "SELECT id, password_hash FROM renters WHERE email = ? "
					  "AND password_hash IS NOT NULL AND password_hash <> '' ORDER BY id");
	db_bind_text(st, 1, email);
	int64_t found = 0;
	char *stored = NULL;
	int tried = 0;
	while (!found && db_step(st) == DB_ROW) {
		tried = 1;
		if (password_verify(password, db_col_text(st, 1))) {
			found = db_col_int64(st, 0);
			stored = xstrdup(db_col_text(st, 1));
		}
	}
	db_finalize(st);
	if (!tried)
		password_verify(password, password_dummy_hash());
	if (found)
		renter_password_upgrade(db, found, stored, password);
	free(stored);
	return found;
}

/* ---- mailboxes -------------------------------------------------------------------------- */

/* The operator's next PMB: one more than the highest numeric PMB, starting at 101. Read inside
 * the caller's BEGIN IMMEDIATE, so no other writer can take the same number meanwhile; the
 * UNIQUE (operator_id, pmb) constraint is the backstop. */
static int64_t mailbox_next_pmb(struct db *db, int64_t operator_id)
{
	/* The terms match the partial index mailboxes_pmb_number: one index step, not a scan. */
	struct db_stmt *st = db_prepare_cached(db, "SELECT CAST(pmb AS INTEGER) + 1 FROM mailboxes "
					  "WHERE operator_id = ? AND pmb <> '' AND pmb NOT GLOB '*[^0-9]*' "
					  "ORDER BY CAST(pmb AS INTEGER) DESC LIMIT 1");
	db_bind_int64(st, 1, operator_id);
	int64_t next = db_step(st) == DB_ROW ? db_col_int64(st, 0) : 101;
	db_finish(st);
	return next < 101 ? 101 : next;
}

/* The renter, space and offering must all be the operator's own. 1 when they are. */
static int mailbox_refs_owned(struct db *db, int64_t operator_id, const struct mailbox_fields *f)
{
	struct db_stmt *st = db_prepare_cached(db, "SELECT (SELECT count(*) FROM renters WHERE id = ? AND operator_id = ?) "
					  "+ (SELECT count(*) FROM offerings WHERE id = ? AND operator_id = ?) "
					  "+ CASE WHEN ? = 0 THEN 1 ELSE (SELECT count(*) FROM spaces WHERE id = ? AND operator_id = ?) END");
	db_bind_int64(st, 1, f->renter_id);
	db_bind_int64(st, 2, operator_id);
	db_bind_int64(st, 3, f->offering_id);
	db_bind_int64(st, 4, operator_id);
	db_bind_int64(st, 5, f->space_id);
	db_bind_int64(st, 6, f->space_id);
	db_bind_int64(st, 7, operator_id);
	int ok = db_step(st) == DB_ROW && db_col_int64(st, 0) == 3;
	db_finish(st);
	return ok;
}

int64_t mailbox_create(struct db *db, int64_t operator_id, const struct mailbox_fields *f, int *exists)
{
	int dummy = 0;
	if (!exists)
		exists = &dummy;
	*exists = 0;
	const char *membership = or_null(f->officernd_membership_id);
	if (membership && mailbox_find_by_membership(db, operator_id, membership) > 0) {
		*exists = 1;
		return -1;
	}
	if (!mailbox_refs_owned(db, operator_id, f)) {
		log_warn("store", "mailbox refused: renter, space or offering not the operator's operator=%lld",
			 (long long)operator_id);
		return -1;
	}
	char pmb[24];
	snprintf(pmb, sizeof(pmb), "%lld", (long long)mailbox_next_pmb(db, operator_id));
	int64_t now = time_now();
	struct db_stmt *st = db_prepare_cached(db, "INSERT INTO mailboxes(operator_id, renter_id, space_id, offering_id, pmb, "
					  "source, officernd_membership_id, officernd_location_id, needs_attention, "
					  "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
					  "ON CONFLICT DO NOTHING RETURNING id");
	db_bind_int64(st, 1, operator_id);
	db_bind_int64(st, 2, f->renter_id);
	if (f->space_id > 0)
		db_bind_int64(st, 3, f->space_id);
	db_bind_int64(st, 4, f->offering_id);
	db_bind_text(st, 5, pmb);
	db_bind_text(st, 6, f->source && *f->source ? f->source : "manual");
	db_bind_text(st, 7, membership);
	db_bind_text(st, 8, or_null(f->officernd_location_id));
	db_bind_text(st, 9, f->needs_attention ? f->needs_attention : "");
	db_bind_int64(st, 10, now);
	db_bind_int64(st, 11, now);
	/* A clash (another writer's mailbox for this membership) returns no row, on either engine
	 * without aborting the caller's transaction. */
	int rc = db_step(st);
	int64_t id = rc == DB_ROW ? db_col_int64(st, 0) : -1;
	db_finish(st);
	if (rc != DB_ROW) {
		if (membership && mailbox_find_by_membership(db, operator_id, membership) > 0)
			*exists = 1;
		else
			log_error("store", "mailbox insert failed err=\"%s\"", db_errmsg(db));
		return -1;
	}
	
	log_info("store", "mailbox created id=%lld operator=%lld pmb=%s", (long long)id, (long long)operator_id, pmb);
	return id;
}

int64_t mailbox_find_by_pmb(struct db *db, int64_t operator_id, const char *pmb)
{
	struct db_stmt *st = db_prepare(db, "SELECT id FROM mailboxes WHERE operator_id = ? AND pmb = ?");
	db_bind_int64(st, 1, operator_id);
	db_bind_text(st, 2, pmb);
	int64_t id = db_step(st) == DB_ROW ? db_col_int64(st, 0) : 0;
	db_finalize(st);
	return id;
}

int64_t mailbox_find_by_membership(struct db *db, int64_t operator_id, const char *membership_id)
{
	if (!membership_id || !*membership_id)
		return 0;
	struct db_stmt *st = db_prepare_cached(db, "SELECT id FROM mailboxes WHERE operator_id = ? AND officernd_membership_id = ?");
	db_bind_int64(st, 1, operator_id);
	db_bind_text(st, 2, membership_id);
	int64_t id = db_step(st) == DB_ROW ? db_col_int64(st, 0) : 0;
	db_finish(st);
	return id;
}

/* Runs an UPDATE of one mailbox row; -1 when it failed or matched no row of the operator. */
static int mailbox_update_done(struct db *db, struct db_stmt *st)
{
	if (db_step_done(st))
		return -1;
	return db_changes(db) == 1 ? 0 : -1;
}

int mailbox_set_status(struct db *db, int64_t operator_id, int64_t mailbox_id, const char *status)
{
	if (!str_eq(status, "active") && !str_eq(status, "on_hold") && !str_eq(status, "cancelled"))
		return -1;
	int64_t now = time_now();
	/* cancelled_at records the first cancellation; leaving cancelled clears it and who did it. */
	struct db_stmt *st = db_prepare(db, "UPDATE mailboxes SET status = ?1, updated_at = ?2, "
					  "cancelled_at = CASE WHEN ?1 = 'cancelled' THEN coalesce(cancelled_at, ?2) END, "
					  "cancelled_by = CASE WHEN ?1 = 'cancelled' THEN cancelled_by ELSE '' END "
					  "WHERE id = ?3 AND operator_id = ?4");
	db_bind_text(st, 1, status);
	db_bind_int64(st, 2, now);
	db_bind_int64(st, 3, mailbox_id);
	db_bind_int64(st, 4, operator_id);
	return mailbox_update_done(db, st);
}

int mailbox_set_cancelled_by(struct db *db, int64_t operator_id, int64_t mailbox_id, const char *by)
{
	if (!str_eq(by, "operator") && !str_eq(by, "officernd"))
		return -1;
	struct db_stmt *st = db_prepare(db, "UPDATE mailboxes SET cancelled_by = ?1, updated_at = ?2 "
					  "WHERE id = ?3 AND operator_id = ?4 AND status = 'cancelled'");
	db_bind_text(st, 1, by);
	db_bind_int64(st, 2, time_now());
	db_bind_int64(st, 3, mailbox_id);
	db_bind_int64(st, 4, operator_id);
	return mailbox_update_done(db, st);
}

int mailbox_set_attention(struct db *db, int64_t operator_id, int64_t mailbox_id, const char *needs_attention)
{
	struct db_stmt *st = db_prepare(db, "UPDATE mailboxes SET needs_attention = ?1, updated_at = ?2 "
					  "WHERE id = ?3 AND operator_id = ?4");
	db_bind_text(st, 1, needs_attention ? needs_attention : "");
	db_bind_int64(st, 2, time_now());
	db_bind_int64(st, 3, mailbox_id);
	db_bind_int64(st, 4, operator_id);
	return mailbox_update_done(db, st);
}

int mailbox_set_offering(struct db *db, int64_t operator_id, int64_t mailbox_id, int64_t offering_id)
{
	struct db_stmt *st = db_prepare(db, "UPDATE mailboxes SET offering_id = ?1, updated_at = ?2 "
					  "WHERE id = ?3 AND operator_id = ?4 "
					  "AND EXISTS (SELECT 1 FROM offerings WHERE id = ?1 AND operator_id = ?4)");
	db_bind_int64(st, 1, offering_id);
	db_bind_int64(st, 2, time_now());
	db_bind_int64(st, 3, mailbox_id);
	db_bind_int64(st, 4, operator_id);
	return mailbox_update_done(db, st);
}

int mailbox_assign_linked_spaces(struct db *db, int64_t operator_id, int64_t now)
{
	struct db_stmt *st = db_prepare(db,
		"UPDATE mailboxes SET space_id = l.space_id, needs_attention = '', updated_at = ?1 "
		"FROM location_links l WHERE l.operator_id = mailboxes.operator_id "
		"AND l.location_id = mailboxes.officernd_location_id AND mailboxes.operator_id = ?2 "
		"AND mailboxes.space_id IS NULL AND mailboxes.status <> 'cancelled'");
	db_bind_int64(st, 1, now);
	db_bind_int64(st, 2, operator_id);
	if (db_step_done(st) < 0)
		return -1;
	return db_changes(db);
}

int mailbox_set_space(struct db *db, int64_t operator_id, int64_t mailbox_id, int64_t space_id,
		      const char *officernd_location_id, const char *needs_attention)
{
	struct db_stmt *st = db_prepare(db, "UPDATE mailboxes SET space_id = ?1, officernd_location_id = ?2, "
					  "needs_attention = ?3, updated_at = ?4 WHERE id = ?5 AND operator_id = ?6 "
					  "AND (CAST(?1 AS INTEGER) IS NULL OR EXISTS (SELECT 1 FROM spaces WHERE id = ?1 AND operator_id = ?6))");
	if (space_id > 0)
		db_bind_int64(st, 1, space_id);
	db_bind_text(st, 2, or_null(officernd_location_id));
	db_bind_text(st, 3, needs_attention ? needs_attention : "");
	db_bind_int64(st, 4, time_now());
	db_bind_int64(st, 5, mailbox_id);
	db_bind_int64(st, 6, operator_id);
	return mailbox_update_done(db, st);
}

/* Parameters: ?1 operator, ?2 now. The invitation columns are the mailbox's latest invitation;
 * "expired" is derived here from expires_at, it is never stored. Renters, invitations and
 * emails are read from indexes that start with operator_id (migrations/018): an operator's rows
 * lie among every other operator's, so looking them up by id touched a page per row of each
 * (600 pages for a page of 100 mailboxes on the grown store); in these indexes they are
 * neighbours. CROSS JOIN keeps SQLite reading invitations first; the latest email is found by
 * its max(id), then read by that id (SQL both engines accept: no bare column beside max()). */
#define MAILBOX_SELECT                                                                              \
	"SELECT m.id, m.pmb, m.status, m.source, coalesce(m.officernd_membership_id, ''), "         \
	"m.needs_attention, m.renter_id, r.name, r.email, r.company_name, coalesce(m.space_id, 0), " \
	"coalesce(s.name, ''), m.offering_id, coalesce(f.name, ''), "                               \
	"coalesce((SELECT CASE WHEN i.state = 'pending' AND i.expires_at <= ?2 THEN 'expired' "     \
	"  ELSE i.state END FROM invitations i WHERE i.operator_id = ?1 AND i.mailbox_id = m.id "   \
	"  ORDER BY i.id DESC LIMIT 1), ''), m.created_at, "                                       \
	"coalesce((SELECT o.state FROM outbox o WHERE o.operator_id = ?1 AND o.id = "               \
	"  (SELECT max(o2.id) FROM invitations i CROSS JOIN outbox o2 WHERE i.operator_id = ?1 "   \
	"  AND i.mailbox_id = m.id AND o2.operator_id = ?1 AND o2.invitation_id = i.id)), ''), "   \
	"coalesce(m.officernd_location_id, ''), coalesce(m.cancelled_at, 0), m.cancelled_by "      \
	"FROM mailboxes m JOIN renters r INDEXED BY renters_list ON r.id = m.renter_id "            \
	"AND r.operator_id = ?1 "                                                                   \
	"LEFT JOIN spaces s ON s.id = m.space_id AND s.operator_id = ?1 "                           \
	"LEFT JOIN offerings f ON f.id = m.offering_id AND f.operator_id = ?1 "                     \
	"WHERE m.operator_id = ?1 "

static void mailbox_from_row(struct db_stmt *st, struct mailbox_view *v)
{
	memset(v, 0, sizeof(*v));
	v->id = db_col_int64(st, 0);
	str_copy(v->pmb, sizeof(v->pmb), db_col_text(st, 1));
	str_copy(v->status, sizeof(v->status), db_col_text(st, 2));
	str_copy(v->source, sizeof(v->source), db_col_text(st, 3));
	str_copy(v->membership_id, sizeof(v->membership_id), db_col_text(st, 4));
	str_copy(v->needs_attention, sizeof(v->needs_attention), db_col_text(st, 5));
	v->renter_id = db_col_int64(st, 6);
	str_copy(v->renter_name, sizeof(v->renter_name), db_col_text(st, 7));
	str_copy(v->renter_email, sizeof(v->renter_email), db_col_text(st, 8));
	str_copy(v->company_name, sizeof(v->company_name), db_col_text(st, 9));
	v->space_id = db_col_int64(st, 10);
	str_copy(v->space_name, sizeof(v->space_name), db_col_text(st, 11));
	v->offering_id = db_col_int64(st, 12);
	str_copy(v->offering_name, sizeof(v->offering_name), db_col_text(st, 13));
	str_copy(v->invitation_state, sizeof(v->invitation_state), db_col_text(st, 14));
	v->created_at = db_col_int64(st, 15);
	str_copy(v->email_state, sizeof(v->email_state), db_col_text(st, 16));
	str_copy(v->officernd_location_id, sizeof(v->officernd_location_id), db_col_text(st, 17));
	v->cancelled_at = db_col_int64(st, 18);
	str_copy(v->cancelled_by, sizeof(v->cancelled_by), db_col_text(st, 19));
}

int mailbox_get(struct db *db, int64_t operator_id, int64_t mailbox_id, struct mailbox_view *out)
{
	struct db_stmt *st = db_prepare_cached(db, mailbox_sql_get);
	db_bind_int64(st, 1, operator_id);
	db_bind_int64(st, 2, time_now());
	db_bind_int64(st, 3, mailbox_id);
	int rc = -1;
	if (db_step(st) == DB_ROW) {
		mailbox_from_row(st, out);
		rc = 0;
	}
	db_finish(st);
	return rc;
}

static void mailbox_read(struct db_stmt *st, void *elem)
{
	mailbox_from_row(st, elem);
}

/* Steps a prepared MAILBOX_SELECT to its end into a new array. 0 or -1. */
static int mailbox_collect(struct db_stmt *st, struct mailbox_view **items, size_t *n)
{
	int failed;
	*items = db_collect(st, sizeof(**items), mailbox_read, n, &failed);
	return failed ? -1 : 0;
}

/* Newest first, below the cursor ?4: ?1 operator, ?2 now, ?3 the status or renter, ?5 the limit. */
#define MAILBOX_LIST(where) MAILBOX_SELECT where "AND m.id < ?4 ORDER BY m.id DESC LIMIT ?5"
const char mailbox_sql_list[] = MAILBOX_LIST("");
const char mailbox_sql_list_status[] = MAILBOX_LIST("AND m.status = ?3 ");
const char mailbox_sql_list_renter[] = MAILBOX_LIST("AND m.renter_id = ?3 ");
const char mailbox_sql_get[] = MAILBOX_SELECT "AND m.id = ?3";

int mailbox_list(struct db *db, int64_t operator_id, const struct mailbox_filter *f, struct mailbox_view **items,
		 size_t *n)
{
	const char *sql = f->renter_id ? mailbox_sql_list_renter : f->status && *f->status ? mailbox_sql_list_status
											       : mailbox_sql_list;
	struct db_stmt *st = db_prepare_cached(db, sql);
	db_bind_int64(st, 1, operator_id);
	db_bind_int64(st, 2, time_now());
	if (f->renter_id)
		db_bind_int64(st, 3, f->renter_id);
	else
		db_bind_text(st, 3, f->status);
	db_bind_int64(st, 4, f->before_id ? f->before_id : INT64_MAX);
	db_bind_int64(st, 5, f->limit ? (int64_t)f->limit : INT64_MAX); /* PostgreSQL refuses LIMIT -1 */
	return mailbox_collect(st, items, n);
}

/* Only what a choice shows: none of the list's per-row invitation and email lookups. */
const char mailbox_sql_choices[] = "SELECT m.id, m.pmb, r.name, r.email, r.company_name FROM mailboxes m "
				   "JOIN renters r ON r.id = m.renter_id AND r.operator_id = ?1 "
				   "WHERE m.operator_id = ?1 AND m.status <> 'cancelled' ORDER BY m.id DESC LIMIT ?2";

static void choice_read(struct db_stmt *st, void *elem)
{
	struct mailbox_choice *c = elem;
	c->id = db_col_int64(st, 0);
	str_copy(c->pmb, sizeof(c->pmb), db_col_text(st, 1));
	str_copy(c->renter_name, sizeof(c->renter_name), db_col_text(st, 2));
	str_copy(c->renter_email, sizeof(c->renter_email), db_col_text(st, 3));
	str_copy(c->company_name, sizeof(c->company_name), db_col_text(st, 4));
}

int mailbox_choices(struct db *db, int64_t operator_id, size_t limit, struct mailbox_choice **items, size_t *n)
{
	struct db_stmt *st = db_prepare(db, mailbox_sql_choices);
	db_bind_int64(st, 1, operator_id);
	db_bind_int64(st, 2, (int64_t)limit);
	int failed;
	*items = db_collect(st, sizeof(**items), choice_read, n, &failed);
	return failed ? -1 : 0;
}

int mailbox_list_for_renter(struct db *db, int64_t operator_id, int64_t renter_id,
			    struct mailbox_view **items, size_t *n)
{
	struct mailbox_filter f = { .renter_id = renter_id };
	return mailbox_list(db, operator_id, &f, items, n);
}

int64_t invitation_create(struct db *db, int64_t operator_id, int64_t mailbox_id, int64_t now, char **token)
{
	char hash[65];
	char *secret = random_token(32);
	sha256_hex(secret, strlen(secret), hash);
	/* INSERT ... SELECT: nothing is written unless the mailbox is the operator's. */
	struct db_stmt *st = db_prepare_cached(db, "INSERT INTO invitations(operator_id, mailbox_id, token_hash, state, "
					  "created_at, expires_at) SELECT ?1, id, ?3, 'pending', ?4, ?5 "
					  "FROM mailboxes WHERE id = ?2 AND operator_id = ?1 RETURNING id");
	db_bind_int64(st, 1, operator_id);
	db_bind_int64(st, 2, mailbox_id);
	db_bind_text(st, 3, hash);
	db_bind_int64(st, 4, now);
	db_bind_int64(st, 5, now + INVITATION_LIFETIME_S);
	int64_t id = db_insert_returning(st, NULL);
	if (id < 0) {
		free(secret);
		return -1;
	}
	*token = secret;
	return id;
}

int invitation_revoke_pending(struct db *db, int64_t operator_id, int64_t mailbox_id)
{
	/* The emails first, while the invitations are still recognisably pending. A message being
	 * sent right now may still go out; its link is dead either way. */
	struct db_stmt *st = db_prepare(db, "UPDATE outbox SET state = 'cancelled', body_text = NULL, body_html = NULL, "
					  "claimed_by = NULL, claimed_until = 0 WHERE operator_id = ?1 "
					  "AND state IN ('queued', 'sending', 'failed') AND invitation_id IN "
					  "(SELECT id FROM invitations WHERE operator_id = ?1 AND mailbox_id = ?2 "
					  "AND state = 'pending')");
	db_bind_int64(st, 1, operator_id);
	db_bind_int64(st, 2, mailbox_id);
	if (db_step_done(st))
		return -1;
	st = db_prepare(db, "UPDATE invitations SET state = 'revoked' WHERE operator_id = ? AND mailbox_id = ? "
			    "AND state = 'pending'");
	db_bind_int64(st, 1, operator_id);
	db_bind_int64(st, 2, mailbox_id);
	return db_step_done(st);
}

const char invitation_sql_latest[] =
	"SELECT i.id, CASE WHEN i.state = 'pending' AND i.expires_at <= ?3 THEN 'expired' ELSE i.state END, "
	"i.created_at, i.expires_at, coalesce(i.accepted_at, 0), coalesce(o.id, 0), coalesce(o.state, ''), "
	"coalesce(o.to_addr, ''), coalesce(o.attempts, 0), coalesce(o.next_attempt_at, 0), "
	"coalesce(o.sent_at, 0), coalesce(o.last_error, '') FROM invitations i "
	"LEFT JOIN outbox o ON o.id = (SELECT max(id) FROM outbox WHERE invitation_id = i.id AND operator_id = ?1) "
	"WHERE i.operator_id = ?1 AND i.mailbox_id = ?2 ORDER BY i.id DESC LIMIT 1";

int invitation_latest(struct db *db, int64_t operator_id, int64_t mailbox_id, int64_t now,
		      struct invitation_status *out)
{
	memset(out, 0, sizeof(*out));
	struct db_stmt *st = db_prepare(db, invitation_sql_latest);
	db_bind_int64(st, 1, operator_id);
	db_bind_int64(st, 2, mailbox_id);
	db_bind_int64(st, 3, now);
	int rc = db_step(st);
	if (rc == DB_ROW) {
		out->id = db_col_int64(st, 0);
		str_copy(out->state, sizeof(out->state), db_col_text(st, 1));
		out->created_at = db_col_int64(st, 2);
		out->expires_at = db_col_int64(st, 3);
		out->accepted_at = db_col_int64(st, 4);
		out->outbox_id = db_col_int64(st, 5);
		str_copy(out->email_state, sizeof(out->email_state), db_col_text(st, 6));
		str_copy(out->to_addr, sizeof(out->to_addr), db_col_text(st, 7));
		out->attempts = db_col_int64(st, 8);
		out->next_attempt_at = db_col_int64(st, 9);
		out->sent_at = db_col_int64(st, 10);
		str_copy(out->last_error, sizeof(out->last_error), db_col_text(st, 11));
	}
	db_finalize(st);
	return rc == DB_ROW || rc == DB_DONE ? 0 : -1;
}

int invitation_find_by_token(struct db *db, const char *token, int64_t now, struct invitation_view *out)
{
	memset(out, 0, sizeof(*out));
	/* Our tokens are 43 characters; anything much longer is not worth hashing. */
	if (!token || !*token || strlen(token) > 128)
		return -1;
	char hash[65];
	sha256_hex(token, strlen(token), hash);
	struct db_stmt *st = db_prepare(db, "SELECT i.id, i.operator_id, i.mailbox_id, m.renter_id, "
					  "CASE WHEN i.state = 'pending' AND i.expires_at <= ? THEN 'expired' ELSE i.state END, "
					  "i.expires_at FROM invitations i JOIN mailboxes m ON m.id = i.mailbox_id "
					  "AND m.operator_id = i.operator_id WHERE i.token_hash = ?");
	db_bind_int64(st, 1, now);
	db_bind_text(st, 2, hash);
	int rc = -1;
	if (db_step(st) == DB_ROW) {
		out->id = db_col_int64(st, 0);
		out->operator_id = db_col_int64(st, 1);
		out->mailbox_id = db_col_int64(st, 2);
		out->renter_id = db_col_int64(st, 3);
		str_copy(out->state, sizeof(out->state), db_col_text(st, 4));
		out->expires_at = db_col_int64(st, 5);
		rc = 0;
	}
	db_finalize(st);
	return rc;
}

int invitation_accept(struct db *db, int64_t invitation_id, int64_t renter_id, const char *hash, int64_t now)
{
	/* Only a pending, unexpired invitation of this renter's mailbox can be accepted, once. */
	struct db_stmt *st = db_prepare(db, "UPDATE invitations SET state = 'accepted', accepted_at = ?1 "
					  "WHERE id = ?2 AND state = 'pending' AND expires_at > ?1 AND mailbox_id IN "
					  "(SELECT id FROM mailboxes WHERE renter_id = ?3 AND operator_id = invitations.operator_id)");
	db_bind_int64(st, 1, now);
	db_bind_int64(st, 2, invitation_id);
	db_bind_int64(st, 3, renter_id);
	if (db_step_done(st) || db_changes(db) != 1)
		return -1;
	st = db_prepare(db, "UPDATE renters SET password_hash = ? WHERE id = ?");
	db_bind_text(st, 1, hash);
	db_bind_int64(st, 2, renter_id);
	if (db_step_done(st) || db_changes(db) != 1)
		return -1;
	return 0;
}

/* ---- outbox ----------------------------------------------------------------------------- */

/* "<32 hex@domain>" with the domain of PILOTOMAIL_MAIL_FROM (free()). Made once per row, so a
 * resent message keeps its Message-ID and mail clients can drop the duplicate. */
static char *outbox_new_message_id(void)
{
	const char *from = config_get()->mail_from;
	const char *at = from ? strrchr(from, '@') : NULL;
	char domain[128] = "pilotomail.invalid";
	if (at && at[1]) {
		size_t j = 0;
		for (const char *p = at + 1; *p && j + 1 < sizeof(domain); p++)
			if (isalnum((unsigned char)*p) || *p == '.' || *p == '-')
				domain[j++] = *p;
		domain[j] = '\0';
		if (!j)
			str_copy(domain, sizeof(domain), "pilotomail.invalid");
	}
	unsigned char raw[16];
	char hex[33];
	random_bytes(raw, sizeof(raw));
	hex_encode(raw, sizeof(raw), hex);
	return xasprintf("<%s@%s>", hex, domain);
}

int64_t outbox_enqueue(struct db *db, int64_t operator_id, const struct outbox_message *m)
{
	char *message_id = m->message_id ? xstrdup(m->message_id) : outbox_new_message_id();
	struct db_stmt *st = db_prepare_cached(db, "INSERT INTO outbox(operator_id, kind, invitation_id, to_addr, subject, "
					  "body_text, body_html, message_id, created_at) "
					  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
	db_bind_int64(st, 1, operator_id);
	db_bind_text(st, 2, m->kind ? m->kind : "invitation");
	if (m->invitation_id > 0)
		db_bind_int64(st, 3, m->invitation_id);
	db_bind_text(st, 4, m->to ? m->to : "");
	db_bind_text(st, 5, m->subject ? m->subject : "");
	db_bind_text(st, 6, m->text);
	db_bind_text(st, 7, m->html);
	db_bind_text(st, 8, message_id);
	db_bind_int64(st, 9, time_now());
	free(message_id);
	return db_insert_returning(st, NULL);
}

/* The due rows, at most ?2, oldest first: queued ones and sending ones whose lease ran out, each
 * picked from the outbox_due index and merged; the outer WHERE tests each row's own state and
 * lease again, which PostgreSQL re-reads on a row another worker claimed meanwhile. */
const char outbox_sql_claim[] =
	"SELECT o.id, o.operator_id, coalesce(p.name, ''), o.kind, o.to_addr, o.subject, o.body_text, o.body_html, "
	"o.message_id, o.attempts, o.created_at FROM outbox AS o JOIN operators AS p ON p.id = o.operator_id "
	"WHERE o.id IN (SELECT id FROM ("
	" SELECT id, next_attempt_at AS due FROM outbox WHERE state = 'queued' AND next_attempt_at <= ?1"
	" UNION ALL SELECT id, next_attempt_at FROM outbox WHERE state = 'sending' AND claimed_until <= ?1"
	" ORDER BY due, id LIMIT ?2) AS due_ids) "
	"AND ((o.state = 'queued' AND o.next_attempt_at <= ?1) OR (o.state = 'sending' AND o.claimed_until <= ?1)) "
	"ORDER BY o.next_attempt_at, o.id";

static void outbox_item_read(struct db_stmt *st, void *elem)
{
	struct outbox_item *out = elem;
	out->id = db_col_int64(st, 0);
	out->operator_id = db_col_int64(st, 1);
	out->operator_name = db_col_strdup(st, 2);
	out->kind = db_col_strdup(st, 3);
	out->to_addr = db_col_strdup(st, 4);
	out->subject = db_col_strdup(st, 5);
	out->body_text = db_col_strdup(st, 6);
	out->body_html = db_col_strdup(st, 7);
	out->message_id = db_col_strdup(st, 8);
	out->attempts = db_col_int64(st, 9) + 1; /* this attempt, counted by outbox_take */
	out->created_at = db_col_int64(st, 10);
}

static int outbox_take(struct db *db, int64_t id, const char *worker_id, int64_t until)
{
	struct db_stmt *st = db_prepare_cached(db, "UPDATE outbox SET state = 'sending', claimed_by = ?, claimed_until = ?, "
					  "attempts = attempts + 1 WHERE id = ?");
	db_bind_text(st, 1, worker_id);
	db_bind_int64(st, 2, until);
	db_bind_int64(st, 3, id);
	return db_step_done(st);
}

static void outbox_items_free(struct outbox_item *items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		outbox_item_clear(&items[i]);
	free(items);
}

/* A claim as the webhook events' and charges': on PostgreSQL the rows are locked with SKIP
 * LOCKED, so workers on several hosts take different rows at once; on SQLite writers take turns. */
int outbox_claim_batch(struct db *db, const char *worker_id, int64_t now, int64_t lease_s, size_t max,
		       struct outbox_item **items, size_t *n)
{
	*items = NULL;
	*n = 0;
	if (max == 0)
		return 0;
	if (db_begin_claim(db) < 0)
		return -1;
	struct db_stmt *st = db_prepare_claim(db, outbox_sql_claim, "o");
	db_bind_int64(st, 1, now);
	db_bind_int64(st, 2, (int64_t)max);
	int failed;
	size_t k;
	struct outbox_item *got = db_collect(st, sizeof(*got), outbox_item_read, &k, &failed);
	int rc = failed ? -1 : 0;
	for (size_t i = 0; rc == 0 && i < k; i++)
		rc = outbox_take(db, got[i].id, worker_id, now + lease_s);
	if (rc < 0 || k == 0 || db_commit(db)) {
		db_rollback(db);
		outbox_items_free(got, k);
		return k == 0 && rc == 0 ? 0 : -1;
	}
	*items = got;
	*n = k;
	return 0;
}

int outbox_claim(struct db *db, const char *worker_id, int64_t now, int64_t lease_s, struct outbox_item *out)
{
	memset(out, 0, sizeof(*out));
	struct outbox_item *items;
	size_t n;
	if (outbox_claim_batch(db, worker_id, now, lease_s, 1, &items, &n) < 0)
		return -1;
	if (n == 0)
		return 0;
	*out = items[0];
	free(items);
	return 1;
}

int outbox_claimants(struct db *db, int64_t now, char ***ids, size_t *n)
{
	struct db_stmt *st = db_prepare(db, "SELECT DISTINCT claimed_by FROM outbox WHERE state = 'sending' "
					  "AND claimed_until > ? AND claimed_by IS NOT NULL");
	db_bind_int64(st, 1, now);
	return db_collect_texts(st, ids, n);
}

/* The row stays 'sending' with its lease ended: the next claim takes it like any due row. */
int outbox_release_claims(struct db *db, const char *worker_id)
{
	struct db_stmt *st = db_prepare(db, "UPDATE outbox SET claimed_until = 0 WHERE state = 'sending' AND claimed_by = ?");
	db_bind_text(st, 1, worker_id);
	if (db_step_done(st) < 0)
		return -1;
	return db_changes(db);
}

void outbox_item_clear(struct outbox_item *item)
{
	free(item->operator_name);
	free(item->kind);
	free(item->to_addr);
	free(item->subject);
	free(item->body_text);
	free(item->body_html);
	free(item->message_id);
	memset(item, 0, sizeof(*item));
}

/* Every end of a claim matches on (id, sending, claimed_by): a row cancelled meanwhile, or taken
 * over by another worker after our lease ran out, is left alone. */
int outbox_mark_sent(struct db *db, int64_t id, const char *worker_id, int64_t now)
{
	struct db_stmt *st = db_prepare_cached(db, "UPDATE outbox SET state = 'sent', sent_at = ?, body_text = NULL, "
					  "body_html = NULL, last_error = '', claimed_by = NULL, claimed_until = 0 "
					  "WHERE id = ? AND state = 'sending' AND claimed_by = ?");
	db_bind_int64(st, 1, now);
	db_bind_int64(st, 2, id);
	db_bind_text(st, 3, worker_id);
	return db_step_done(st);
}

int outbox_mark_retry(struct db *db, int64_t id, const char *worker_id, int64_t next_attempt_at, const char *error)
{
	struct db_stmt *st = db_prepare_cached(db, "UPDATE outbox SET state = 'queued', next_attempt_at = ?, last_error = ?, "
					  "claimed_by = NULL, claimed_until = 0 "
					  "WHERE id = ? AND state = 'sending' AND claimed_by = ?");
	db_bind_int64(st, 1, next_attempt_at);
	db_bind_text(st, 2, error ? error : "");
	db_bind_int64(st, 3, id);
	db_bind_text(st, 4, worker_id);
	return db_step_done(st);
}

/* The attempt is handed back: nothing was tried, so it does not count. */
int outbox_give_back(struct db *db, int64_t id, const char *worker_id)
{
	struct db_stmt *st = db_prepare_cached(db, "UPDATE outbox SET state = 'queued', attempts = max(attempts - 1, 0), "
					  "claimed_by = NULL, claimed_until = 0 "
					  "WHERE id = ? AND state = 'sending' AND claimed_by = ?");
	db_bind_int64(st, 1, id);
	db_bind_text(st, 2, worker_id);
	return db_step_done(st);
}

int outbox_mark_failed(struct db *db, int64_t id, const char *worker_id, const char *error)
{
	struct db_stmt *st = db_prepare(db, "UPDATE outbox SET state = 'failed', last_error = ?, body_text = NULL, "
					  "body_html = NULL, claimed_by = NULL, claimed_until = 0 "
					  "WHERE id = ? AND state = 'sending' AND claimed_by = ?");
	db_bind_text(st, 1, error ? error : "");
	db_bind_int64(st, 2, id);
	db_bind_text(st, 3, worker_id);
	return db_step_done(st);
}

int renter_set_forward_address(struct db *db, int64_t operator_id, int64_t renter_id, const char *address)
{
	struct db_stmt *st = db_prepare(db, "UPDATE renters SET forward_address = ? WHERE id = ? AND operator_id = ?");
	db_bind_text(st, 1, address);
	db_bind_int64(st, 2, renter_id);
	db_bind_int64(st, 3, operator_id);
	return db_update_one(st);
}

int renter_forward_address(struct db *db, int64_t operator_id, int64_t renter_id, char *out, size_t size)
{
	struct db_stmt *st = db_prepare(db, "SELECT forward_address FROM renters WHERE id = ? AND operator_id = ?");
	db_bind_int64(st, 1, renter_id);
	db_bind_int64(st, 2, operator_id);
	out[0] = '\0';
	int rc = db_step(st);
	if (rc == DB_ROW)
		str_copy(out, size, db_col_text(st, 0));
	db_finalize(st);
	return rc == DB_ROW ? 0 : -1;
}

int renter_rename(struct db *db, int64_t operator_id, int64_t renter_id, const char *name)
{
	struct db_stmt *st = db_prepare(db, "UPDATE renters SET name = ? WHERE id = ? AND operator_id = ?");
	db_bind_text(st, 1, name);
	db_bind_int64(st, 2, renter_id);
	db_bind_int64(st, 3, operator_id);
	return db_update_one(st);
}

int mailbox_officernd_get(struct db *db, int64_t operator_id, int64_t mailbox_id, struct mailbox_officernd *out)
{
	struct db_stmt *st = db_prepare(db, "SELECT coalesce(r.officernd_member_id, ''), r.officernd_member_name, "
					  "coalesce(ms.plan_id, ''), coalesce(ms.location_id, m.officernd_location_id, ''), "
					  "coalesce(s.org_slug, '') FROM mailboxes m JOIN renters r ON r.id = m.renter_id "
					  "LEFT JOIN memberships ms ON ms.operator_id = m.operator_id "
					  " AND ms.membership_id = m.officernd_membership_id "
					  "LEFT JOIN officernd_settings s ON s.operator_id = m.operator_id "
					  "WHERE m.id = ? AND m.operator_id = ?");
	db_bind_int64(st, 1, mailbox_id);
	db_bind_int64(st, 2, operator_id);
	memset(out, 0, sizeof(*out));
	int rc = -1;
	if (db_step(st) == DB_ROW) {
		str_copy(out->member_id, sizeof(out->member_id), db_col_text(st, 0));
		str_copy(out->member_name, sizeof(out->member_name), db_col_text(st, 1));
		str_copy(out->plan_id, sizeof(out->plan_id), db_col_text(st, 2));
		str_copy(out->location_id, sizeof(out->location_id), db_col_text(st, 3));
		str_copy(out->org_slug, sizeof(out->org_slug), db_col_text(st, 4));
		rc = 0;
	}
	db_finalize(st);
	return rc;
}

int mailbox_set_space_offering(struct db *db, int64_t operator_id, int64_t mailbox_id, int64_t space_id,
			       int64_t offering_id, int64_t now)
{
	struct db_stmt *st = db_prepare(db, "UPDATE mailboxes SET space_id = ?1, offering_id = ?2, updated_at = ?5 "
					  "WHERE id = ?3 AND operator_id = ?4 "
					  "AND EXISTS (SELECT 1 FROM spaces WHERE id = ?1 AND operator_id = ?4) "
					  "AND EXISTS (SELECT 1 FROM offerings WHERE id = ?2 AND operator_id = ?4)");
	db_bind_int64(st, 1, space_id);
	db_bind_int64(st, 2, offering_id);
	db_bind_int64(st, 3, mailbox_id);
	db_bind_int64(st, 4, operator_id);
	db_bind_int64(st, 5, now);
	return db_update_one(st);
}
