/* charges.c: see charges.h. */
#include "store/charges.h"
#include "store/db.h"
#include "store/statements.h"
#include "util/log.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHARGE_COLUMNS                                                                             \
	"c.id, c.operator_id, c.mailbox_id, coalesce(c.mail_item_id, 0), "                         \
	"coalesce(c.action_request_id, 0), c.kind, c.description, c.quantity, c.unit_amount, "     \
	"c.amount, c.currency, c.charge_date, coalesce(c.storage_day, ''), c.reference, "          \
	"c.billing_state, coalesce(c.officernd_fee_id, ''), c.attempts, c.next_attempt_at, "       \
	"c.last_error, coalesce(c.sent_at, 0), c.created_at, m.pmb, r.id, r.name, r.email, "       \
	"coalesce(r.officernd_member_id, ''), coalesce(r.officernd_company_id, ''), "              \
	"coalesce(m.officernd_location_id, ''), coalesce(i.reference, '') "                        \
	"FROM charges c JOIN mailboxes m ON m.id = c.mailbox_id "                                  \
	"JOIN renters r ON r.id = m.renter_id "                                                    \
	"LEFT JOIN mail_items i ON i.id = c.mail_item_id "

static void charge_from_row(struct db_stmt *st, struct charge *c)
{
	memset(c, 0, sizeof(*c));
	c->id = db_col_int64(st, 0);
	c->operator_id = db_col_int64(st, 1);
	c->mailbox_id = db_col_int64(st, 2);
	c->mail_item_id = db_col_int64(st, 3);
	c->action_request_id = db_col_int64(st, 4);
	str_copy(c->kind, sizeof(c->kind), db_col_text(st, 5));
	str_copy(c->description, sizeof(c->description), db_col_text(st, 6));
	c->quantity = db_col_int64(st, 7);
	c->unit_amount = db_col_int64(st, 8);
	c->amount = db_col_int64(st, 9);
	str_copy(c->currency, sizeof(c->currency), db_col_text(st, 10));
	str_copy(c->charge_date, sizeof(c->charge_date), db_col_text(st, 11));
	str_copy(c->storage_day, sizeof(c->storage_day), db_col_text(st, 12));
	str_copy(c->reference, sizeof(c->reference), db_col_text(st, 13));
	str_copy(c->billing_state, sizeof(c->billing_state), db_col_text(st, 14));
	str_copy(c->officernd_fee_id, sizeof(c->officernd_fee_id), db_col_text(st, 15));
	c->attempts = db_col_int64(st, 16);
	c->next_attempt_at = db_col_int64(st, 17);
	str_copy(c->last_error, sizeof(c->last_error), db_col_text(st, 18));
	c->sent_at = db_col_int64(st, 19);
	c->created_at = db_col_int64(st, 20);
	str_copy(c->pmb, sizeof(c->pmb), db_col_text(st, 21));
	c->renter_id = db_col_int64(st, 22);
	str_copy(c->renter_name, sizeof(c->renter_name), db_col_text(st, 23));
	str_copy(c->renter_email, sizeof(c->renter_email), db_col_text(st, 24));
	str_copy(c->member_id, sizeof(c->member_id), db_col_text(st, 25));
	str_copy(c->company_id, sizeof(c->company_id), db_col_text(st, 26));
	str_copy(c->location_id, sizeof(c->location_id), db_col_text(st, 27));
	str_copy(c->mail_reference, sizeof(c->mail_reference), db_col_text(st, 28));
}

static void charge_read(struct db_stmt *st, void *elem)
{
	charge_from_row(st, elem);
}

/* Steps st to the end into a new array (see db_collect). Finalizes st. 0 or -1. */
static int charge_collect(struct db_stmt *st, struct charge **items, size_t *n)
{
	int failed;
	*items = db_collect(st, sizeof(**items), charge_read, n, &failed);
	return failed ? -1 : 0;
}

int64_t charge_create(struct db *db, int64_t operator_id, const struct charge_new *c, int64_t now, int *duplicate)
{
	if (duplicate)
		*duplicate = 0;
	if (c->quantity < 1 || c->unit_amount < 0 || c->unit_amount > INT64_MAX / c->quantity)
		return -1;
	/* The reference carries the id in the same write, so the id is taken first, from the
	 * engine (db_next_id): two workers or hosts never take the same one. */
	int own;
	if (db_begin_unless_open(db, &own) < 0)
		return -1;
	int64_t id = db_next_id(db, "charges");
	struct db_stmt *st = id < 0 ? NULL : db_prepare(
		db, "INSERT INTO charges(id, operator_id, mailbox_id, mail_item_id, action_request_id, kind, "
		    "description, quantity, unit_amount, amount, currency, charge_date, storage_day, reference, "
		    "billing_state, created_at) "
		    "SELECT ?15, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ('pm-' || ?1 || '-' || ?15), ?13, ?14 "
		    "WHERE EXISTS (SELECT 1 FROM mailboxes WHERE id = ?2 AND operator_id = ?1) RETURNING id");
	db_bind_int64(st, 1, operator_id);
	db_bind_int64(st, 2, c->mailbox_id);
	if (c->mail_item_id)
		db_bind_int64(st, 3, c->mail_item_id);
	if (c->action_request_id)
		db_bind_int64(st, 4, c->action_request_id);
	db_bind_text(st, 5, c->kind);
	db_bind_text(st, 6, c->description);
	db_bind_int64(st, 7, c->quantity);
	db_bind_int64(st, 8, c->unit_amount);
	db_bind_int64(st, 9, c->quantity * c->unit_amount);
	db_bind_text(st, 10, c->currency);
	db_bind_text(st, 11, c->charge_date);
	db_bind_text(st, 12, c->storage_day);
	db_bind_text(st, 13, c->billing_state ? c->billing_state : "not_billed");
	db_bind_int64(st, 14, now);
	db_bind_int64(st, 15, id);
	int64_t made = st ? db_insert_returning(st, duplicate) : -1;
	if (db_end_own(db, own, made >= 0) < 0)
		return -1;
	return made;
}

int charge_officernd_billing_on(struct db *db, int64_t operator_id)
{
	struct db_stmt *st = db_prepare_cached(db, "SELECT coalesce((SELECT bill_renters FROM officernd_settings "
						 "WHERE operator_id = ?1), 0), "
						 "coalesce((SELECT bill_renters FROM stripe_settings WHERE operator_id = ?1), 0)");
	db_bind_int64(st, 1, operator_id);
	int on = 0;
	if (db_step(st) == DB_ROW)
		on = db_col_int64(st, 0) != 0 && db_col_int64(st, 1) == 0;
	db_finish(st);
	return on;
}

const char *charge_initial_state(struct db *db, int64_t operator_id, int64_t mailbox_id, int64_t amount)
{
	struct db_stmt *st = db_prepare(db, "SELECT coalesce(r.officernd_member_id, '') FROM mailboxes m "
					  "JOIN renters r ON r.id = m.renter_id "
					  "WHERE m.id = ? AND m.operator_id = ?");
	db_bind_int64(st, 1, mailbox_id);
	db_bind_int64(st, 2, operator_id);
	int found = 0, linked = 0;
	if (db_step(st) == DB_ROW) {
		found = 1;
		linked = db_col_text(st, 0)[0] != '\0';
	}
	db_finalize(st);
	if (!found)
		return NULL;
	if (amount > 0 && linked && charge_officernd_billing_on(db, operator_id))
		return "queued";
	return "not_billed";
}

/* Newest first, from the cursor (charge_date, id) down: ?1 operator, ?2 the filter's value,
 * ?3 ?4 the cursor, ?5 the limit. Each filter has its own statement, so that its index is used. */
#define CHARGE_LIST(where)                                                                         \
	"SELECT " CHARGE_COLUMNS "WHERE c.operator_id = ?1 " where                                 \
	"AND (c.charge_date, c.id) < (?3, ?4) ORDER BY c.charge_date DESC, c.id DESC LIMIT ?5"
const char charge_sql_list[] = CHARGE_LIST("");
const char charge_sql_list_state[] = CHARGE_LIST("AND c.billing_state = ?2 ");
/* An item's few charges: found by the item (UNIQUE (mail_item_id, ...)), then sorted (the
 * unary + keeps the planner from walking the operator's charges in list order instead). */
const char charge_sql_list_item[] = "SELECT " CHARGE_COLUMNS "WHERE c.mail_item_id = ?2 AND +c.operator_id = ?1 "
				    "AND (c.charge_date, c.id) < (?3, ?4) ORDER BY c.charge_date DESC, c.id DESC LIMIT ?5";

/* A mailbox's charges (its page), through charges_by_mailbox. */
const char charge_sql_list_mailbox[] = "SELECT " CHARGE_COLUMNS "WHERE c.mailbox_id = ?2 AND c.operator_id = ?1 "
				       "AND (c.charge_date, c.id) < (?3, ?4) ORDER BY c.charge_date DESC, c.id DESC LIMIT ?5";

int charge_list(struct db *db, int64_t operator_id, const struct charge_filter *f, struct charge **items, size_t *n)
{
	static const struct charge_filter every = { 0 };
	if (!f)
		f = &every;
	const char *sql = f->mail_item_id ? charge_sql_list_item : f->mailbox_id ? charge_sql_list_mailbox
			  : f->state && *f->state ? charge_sql_list_state : charge_sql_list;
	struct db_stmt *st = db_prepare_cached(db, sql);
	db_bind_int64(st, 1, operator_id);
	if (f->mail_item_id)
		db_bind_int64(st, 2, f->mail_item_id);
	else if (f->mailbox_id)
		db_bind_int64(st, 2, f->mailbox_id);
	else
		db_bind_text(st, 2, f->state);
	/* No cursor: above every date and id. */
	db_bind_text(st, 3, f->before_id ? f->before_date : "9999-12-31");
	db_bind_int64(st, 4, f->before_id ? f->before_id : INT64_MAX);
	db_bind_int64(st, 5, f->limit ? (int64_t)f->limit : 1000);
	return charge_collect(st, items, n);
}

int charge_get(struct db *db, int64_t operator_id, int64_t id, struct charge *out)
{
	struct db_stmt *st = db_prepare(db, "SELECT " CHARGE_COLUMNS "WHERE c.id = ? AND c.operator_id = ?");
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, operator_id);
	int rc = -1;
	if (db_step(st) == DB_ROW) {
		charge_from_row(st, out);
		rc = 0;
	}
	db_finalize(st);
	return rc;
}

int64_t charge_count_in_period(struct db *db, int64_t operator_id, int64_t mailbox_id, const char *kind,
			       const char *first, const char *next_first)
{
	struct db_stmt *st = db_prepare(db, "SELECT COUNT(*) FROM charges WHERE operator_id = ? AND mailbox_id = ? "
					  "AND kind = ? AND charge_date >= ? AND charge_date < ?");
	db_bind_int64(st, 1, operator_id);
	db_bind_int64(st, 2, mailbox_id);
	db_bind_text(st, 3, kind);
	db_bind_text(st, 4, first);
	db_bind_text(st, 5, next_first);
	return db_count(st);
}

int charge_retry(struct db *db, int64_t operator_id, int64_t id)
{
	/* An uncertain charge keeps its due time: a POST we gave up on may still land, and the
	 * lookup that comes first must not run before it can have. */
	struct db_stmt *st = db_prepare(db, "UPDATE charges SET billing_state = 'queued', attempts = 0, "
					  "next_attempt_at = CASE WHEN fee_uncertain = 1 THEN next_attempt_at ELSE 0 END, "
					  "last_error = '', claimed_by = NULL, claimed_until = 0 "
					  "WHERE id = ? AND operator_id = ? AND billing_state = 'failed'");
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, operator_id);
	return db_update_one(st);
}

/* The WHERE clause shared by the count of earlier charges and their queueing. ?1 = operator. */
#define EARLIER_WHERE                                                                              \
	"c.operator_id = ?1 AND c.billing_state = 'not_billed' AND c.amount > 0 "                  \
	"AND c.id <= (SELECT coalesce(max(billing_on_after_charge_id), 0) FROM officernd_settings "  \
	"             WHERE operator_id = ?1) "                                                    \
	"AND EXISTS (SELECT 1 FROM mailboxes m JOIN renters r ON r.id = m.renter_id "              \
	"            WHERE m.id = c.mailbox_id AND m.operator_id = ?1 "                            \
	"            AND coalesce(r.officernd_member_id, '') <> '')"

/* Reads at most ?2 of them (-1: all): a page shows "more than N" rather than walking them all. */
const char charge_sql_earlier[] = "SELECT COUNT(*), coalesce(sum(amount), 0) FROM "
				  "(SELECT c.amount FROM charges c WHERE " EARLIER_WHERE " LIMIT ?2) AS earlier";

int charge_earlier_unbilled_upto(struct db *db, int64_t operator_id, int64_t limit, int64_t *count, int64_t *total)
{
	*count = *total = 0;
	struct db_stmt *st = db_prepare(db, charge_sql_earlier);
	db_bind_int64(st, 1, operator_id);
	db_bind_int64(st, 2, limit < 0 ? INT64_MAX : limit); /* PostgreSQL refuses LIMIT -1 */
	int rc = -1;
	if (db_step(st) == DB_ROW) {
		*count = db_col_int64(st, 0);
		*total = db_col_int64(st, 1);
		rc = 0;
	}
	db_finalize(st);
	return rc;
}

int charge_earlier_unbilled(struct db *db, int64_t operator_id, int64_t *count, int64_t *total)
{
	return charge_earlier_unbilled_upto(db, operator_id, -1, count, total);
}

int charge_bill_earlier(struct db *db, int64_t operator_id, int64_t *queued)
{
	*queued = 0;
	if (db_begin(db) < 0)
		return -1;
	if (!charge_officernd_billing_on(db, operator_id)) {
		db_rollback(db);
		return -1;
	}
	struct db_stmt *st = db_prepare(db, "UPDATE charges AS c SET billing_state = 'queued', attempts = 0, "
					  "next_attempt_at = 0, last_error = '' WHERE " EARLIER_WHERE);
	db_bind_int64(st, 1, operator_id);
	if (db_step_done(st) < 0) {
		db_rollback(db);
		return -1;
	}
	*queued = db_changes(db);
	return db_commit(db);
}

/* The due ids come from charges_billing in (next_attempt_at, id) order, queued and sending
 * merged; only those (at most ?2) are then sorted with their columns. */
const char charge_sql_claim_due[] =
	"SELECT " CHARGE_COLUMNS "WHERE c.id IN (SELECT id FROM ("
	" SELECT id, next_attempt_at AS due FROM charges WHERE billing_state = 'queued' AND next_attempt_at <= ?1"
	" UNION ALL SELECT id, next_attempt_at FROM charges WHERE billing_state = 'sending' AND claimed_until <= ?1"
	" ORDER BY due, id LIMIT ?2) AS due_ids) "
	"AND ((c.billing_state = 'queued' AND c.next_attempt_at <= ?1) "
	"  OR (c.billing_state = 'sending' AND c.claimed_until <= ?1)) "
	"ORDER BY c.next_attempt_at, c.id";

int charge_claim_due(struct db *db, const char *worker_id, int64_t now, int64_t lease_s, size_t limit,
		     struct charge **items, size_t *n)
{
	*items = NULL;
	*n = 0;
	if (limit == 0)
		return 0;
	if (db_begin_claim(db) < 0)
		return -1;
	struct db_stmt *st = db_prepare_claim(db, charge_sql_claim_due, "c");
	db_bind_int64(st, 1, now);
	db_bind_int64(st, 2, (int64_t)limit);
	if (charge_collect(st, items, n) < 0) {
		db_rollback(db);
		return -1;
	}
	for (size_t i = 0; i < *n; i++) {
		struct charge *c = &(*items)[i];
		struct db_stmt *up = db_prepare(db, "UPDATE charges SET billing_state = 'sending', claimed_by = ?, "
						  "claimed_until = ?, attempts = attempts + 1 WHERE id = ?");
		db_bind_text(up, 1, worker_id);
		db_bind_int64(up, 2, now + lease_s);
		db_bind_int64(up, 3, c->id);
		if (db_step_done(up) < 0) {
			db_rollback(db);
			free(*items);
			*items = NULL;
			*n = 0;
			return -1;
		}
		memcpy(c->prior_state, c->billing_state, sizeof(c->prior_state));
		str_copy(c->billing_state, sizeof(c->billing_state), "sending");
		c->attempts++;
	}
	if (db_commit(db) < 0) {
		free(*items);
		*items = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}

/* Nothing written unless the row is still sending under owner's claim: 0, 1 (not ours), -1. */
static int claim_update(struct db_stmt *st)
{
	struct db *db = db_stmt_db(st);
	if (db_step_done(st) < 0)
		return -1;
	return db_changes(db) == 1 ? 0 : 1;
}

int charge_claim_end(struct db *db, int64_t id, const char *owner, const struct charge_claim_end *end, int64_t now)
{
	int sent = strcmp(end->state, "sent") == 0;
	struct db_stmt *st = db_prepare(
		db, "UPDATE charges SET billing_state = ?1, "
		    "officernd_fee_id = CASE WHEN ?1 = 'sent' THEN ?2 ELSE officernd_fee_id END, "
		    "sent_at = CASE WHEN ?1 = 'sent' THEN ?3 ELSE sent_at END, "
		    "next_attempt_at = ?4, last_error = coalesce(?5, last_error), fee_uncertain = ?6, "
		    "attempts = max(attempts - ?7, 0), claimed_by = NULL, claimed_until = 0 "
		    "WHERE id = ?8 AND billing_state = 'sending' AND claimed_by = ?9");
	db_bind_text(st, 1, end->state);
	db_bind_text(st, 2, sent ? end->fee_id : NULL);
	db_bind_int64(st, 3, now);
	db_bind_int64(st, 4, sent ? 0 : end->next_attempt_at);
	db_bind_text(st, 5, sent ? "" : end->error);
	db_bind_int64(st, 6, !sent && end->uncertain);
	db_bind_int64(st, 7, end->refund_attempt ? 1 : 0);
	db_bind_int64(st, 8, id);
	db_bind_text(st, 9, owner);
	return claim_update(st);
}

int charge_record_fee_dest(struct db *db, int64_t id, const char *owner, const struct charge_fee_dest *dest)
{
	struct db_stmt *st = db_prepare(db, "UPDATE charges SET fee_member = ?1, fee_company = ?2, fee_location = ?3, "
					  "fee_plan = ?4 WHERE id = ?5 AND billing_state = 'sending' AND claimed_by = ?6");
	db_bind_text(st, 1, dest->member);
	db_bind_text(st, 2, dest->company);
	db_bind_text(st, 3, dest->location);
	db_bind_text(st, 4, dest->plan);
	db_bind_int64(st, 5, id);
	db_bind_text(st, 6, owner);
	return claim_update(st);
}
