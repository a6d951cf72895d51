/* mail.c: see mail.h. */
#include "store/mail.h"
#include "store/db.h"
#include "store/statements.h"
#include "util/log.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ITEM_COLUMNS ITEM_COLUMNS_FROM("mail_items i")
#define ITEM_COLUMNS_FROM(items)                                                                   \
	"i.id, coalesce(i.mailbox_id, 0), i.reference, i.kind, i.sender, i.received_on, i.status, " \
	"coalesce(i.left_on, ''), coalesce(i.storage_charged_through, ''), i.created_at, "         \
	"coalesce(m.pmb, ''), coalesce(m.status, ''), coalesce(r.id, 0), coalesce(r.name, ''), "   \
	"coalesce(r.email, ''), coalesce(m.offering_id, 0), "                                      \
	"(SELECT COUNT(*) FROM action_requests a WHERE a.mail_item_id = i.id "                     \
	" AND a.state = 'requested'), "                                                            \
	"coalesce((SELECT s.id FROM scans s WHERE s.mail_item_id = i.id), 0) "                     \
	"FROM " items " LEFT JOIN mailboxes m ON m.id = i.mailbox_id "                             \
	"LEFT JOIN renters r ON r.id = m.renter_id "

int mail_status_left_storage(const char *status)
{
	return str_eq(status, "forwarded") || str_eq(status, "shredded") || str_eq(status, "recycled") ||
	       str_eq(status, "picked_up");
}

static void item_from_row(struct db_stmt *st, struct mail_item *it)
{
	memset(it, 0, sizeof(*it));
	it->id = db_col_int64(st, 0);
	it->mailbox_id = db_col_int64(st, 1);
	str_copy(it->reference, sizeof(it->reference), db_col_text(st, 2));
	str_copy(it->kind, sizeof(it->kind), db_col_text(st, 3));
	str_copy(it->sender, sizeof(it->sender), db_col_text(st, 4));
	str_copy(it->received_on, sizeof(it->received_on), db_col_text(st, 5));
	str_copy(it->status, sizeof(it->status), db_col_text(st, 6));
	str_copy(it->left_on, sizeof(it->left_on), db_col_text(st, 7));
	str_copy(it->storage_charged_through, sizeof(it->storage_charged_through), db_col_text(st, 8));
	it->created_at = db_col_int64(st, 9);
	str_copy(it->pmb, sizeof(it->pmb), db_col_text(st, 10));
	str_copy(it->mailbox_status, sizeof(it->mailbox_status), db_col_text(st, 11));
	it->renter_id = db_col_int64(st, 12);
	str_copy(it->renter_name, sizeof(it->renter_name), db_col_text(st, 13));
	str_copy(it->renter_email, sizeof(it->renter_email), db_col_text(st, 14));
	it->offering_id = db_col_int64(st, 15);
	it->open_requests = db_col_int64(st, 16);
	it->scan_id = db_col_int64(st, 17);
}

static void item_read(struct db_stmt *st, void *elem)
{
	item_from_row(st, elem);
}

/* Steps st to the end into a new array of items (see db_collect). Finishes st. 0 or -1. */
static int item_collect(struct db_stmt *st, struct mail_item **items, size_t *n)
{
	int failed;
	*items = db_collect(st, sizeof(**items), item_read, n, &failed);
	return failed ? -1 : 0;
}

int64_t mail_item_create(struct db *db, int64_t operator_id, int64_t mailbox_id, const char *kind,
			 const char *sender, const char *received_on, int64_t now, char *ref_out)
{
	/* The next number is read and used in one statement, inside a write transaction: on SQLite
	 * the statement alone is serialized, on PostgreSQL only db_begin's lock keeps two clerks on
	 * two hosts from reading the same max. The cast types ?2 on PostgreSQL when it is NULL (a
	 * loose item), where nothing else would. */
	int own;
	if (db_begin_unless_open(db, &own) < 0)
		return -1;
	struct db_stmt *st = db_prepare(
		db, "INSERT INTO mail_items(operator_id, mailbox_id, reference, kind, sender, received_on, created_at) "
		    "SELECT ?1, CAST(?2 AS BIGINT), printf('M-%06d', n), ?3, ?4, ?5, ?6 FROM "
		    "(SELECT coalesce(max(CAST(substr(reference, 3) AS INTEGER)), 0) + 1 AS n "
		    " FROM mail_items WHERE operator_id = ?1) AS next_ref "
		    "WHERE CAST(?2 AS BIGINT) IS NULL OR EXISTS (SELECT 1 FROM mailboxes WHERE id = ?2 AND operator_id = ?1) "
		    "RETURNING id, reference");
	db_bind_int64(st, 1, operator_id);
	if (mailbox_id)
		db_bind_int64(st, 2, mailbox_id);
	db_bind_text(st, 3, kind);
	db_bind_text(st, 4, sender ? sender : "");
	db_bind_text(st, 5, received_on);
	db_bind_int64(st, 6, now);
	int64_t id = -1;
	int rc = db_step(st);
	if (rc == DB_ROW) {
		id = db_col_int64(st, 0);
		if (ref_out)
			str_copy(ref_out, 16, db_col_text(st, 1));
		rc = db_step(st);
	}
	if (rc != DB_DONE) {
		log_error("store", "mail item insert failed err=\"%s\"", db_errmsg(db));
		id = -1;
	}
	db_finalize(st);
	return db_end_own(db, own, id > 0) < 0 ? -1 : id;
}

int mail_item_get(struct db *db, int64_t operator_id, int64_t id, struct mail_item *out)
{
	struct db_stmt *st = db_prepare(db, "SELECT " ITEM_COLUMNS "WHERE i.id = ? AND i.operator_id = ?");
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, operator_id);
	int rc = -1;
	if (db_step(st) == DB_ROW) {
		item_from_row(st, out);
		rc = 0;
	}
	db_finalize(st);
	return rc;
}

/* q as a LIKE pattern matching it anywhere, with %, _ and \ taken literally (free()). */
static char *like_pattern(const char *q)
{
	struct strbuf sb = { 0 };
	strbuf_adds(&sb, "%");
	for (const char *p = q; *p; p++) {
		if (*p == '%' || *p == '_' || *p == '\\')
			strbuf_adds(&sb, "\\");
		strbuf_add(&sb, p, 1);
	}
	strbuf_adds(&sb, "%");
	return strbuf_detach(&sb, NULL);
}

/* Newest received first, from the cursor (received_on, id) down: ?1 operator, ?2 the LIKE
 * pattern or NULL, ?3 ?4 the cursor, ?5 the limit. One statement per tab, each with its index. */
#define MAIL_LIST(where) MAIL_LIST_FROM(ITEM_COLUMNS, where)
#define MAIL_LIST_FROM(columns, where)                                                             \
	"SELECT " columns "WHERE i.operator_id = ?1 " where                                        \
	"AND (?2 IS NULL OR i.reference LIKE ?2 ESCAPE '\\' OR i.sender LIKE ?2 ESCAPE '\\' "       \
	"     OR i.mailbox_id IN " MAIL_SEARCH_MAILBOXES ") "                                        \
	"AND (i.received_on, i.id) < (?3, ?4) ORDER BY i.received_on DESC, i.id DESC LIMIT ?5"
/* The operator's mailboxes whose PMB or renter matches ?2: found once per search, so that each
 * item is tested on its index entry (reference, sender, mailbox) without joining its row. */
#define MAIL_SEARCH_MAILBOXES                                                                      \
	"(SELECT ms.id FROM mailboxes ms JOIN renters rs ON rs.id = ms.renter_id "                 \
	" WHERE ms.operator_id = ?1 AND (ms.pmb LIKE ?2 ESCAPE '\\' OR rs.name LIKE ?2 ESCAPE '\\' " \
	" OR rs.email LIKE ?2 ESCAPE '\\'))"
const char mail_sql_list[] = MAIL_LIST("");
const char mail_sql_list_assigned[] = MAIL_LIST("AND i.mailbox_id IS NOT NULL ");
/* INDEXED BY: mail_items_list holds mailbox_id too, and without statistics the planner would
 * walk all of the operator's items in it rather than the unassigned ones only. */
const char mail_sql_list_unassigned[] =
	MAIL_LIST_FROM(ITEM_COLUMNS_FROM("mail_items i INDEXED BY mail_items_unassigned"), "AND i.mailbox_id IS NULL ");

/* One mailbox's items (its page), in the same order, through mail_items_by_mailbox. */
const char mail_sql_list_mailbox[] = "SELECT " ITEM_COLUMNS "WHERE i.mailbox_id = ?2 AND i.operator_id = ?1 "
				     "AND (i.received_on, i.id) < (?3, ?4) ORDER BY i.received_on DESC, i.id DESC LIMIT ?5";

int mail_item_list(struct db *db, int64_t operator_id, const struct mail_filter *f, struct mail_item **items,
		   size_t *n)
{
	struct db_stmt *st = db_prepare_cached(db, f->mailbox_id > 0 ? mail_sql_list_mailbox
					  : f->tab == MAIL_TAB_UNASSIGNED ? mail_sql_list_unassigned
					  : f->tab == MAIL_TAB_ASSIGNED ? mail_sql_list_assigned
									: mail_sql_list);
	db_bind_int64(st, 1, operator_id);
	if (f->mailbox_id > 0) {
		db_bind_int64(st, 2, f->mailbox_id);
	} else {
		char *pattern = f->q && *f->q ? like_pattern(f->q) : NULL;
		db_bind_text(st, 2, pattern);
		free(pattern);
	}
	/* No cursor: above every day and id. */
	db_bind_text(st, 3, f->before_id ? f->before_day : "9999-12-31");
	db_bind_int64(st, 4, f->before_id ? f->before_id : INT64_MAX);
	db_bind_int64(st, 5, f->limit ? (int64_t)f->limit : 500);
	return item_collect(st, items, n);
}

/* Found through the renter's mailboxes (a few), then sorted; the unary + keeps the planner from
 * walking all the operator's mail in list order instead. */
const char mail_sql_list_for_renter[] = "SELECT " ITEM_COLUMNS "WHERE +i.operator_id = ?1 AND i.mailbox_id IN "
					"(SELECT id FROM mailboxes WHERE renter_id = ?2 AND +operator_id = ?1) "
					"ORDER BY i.received_on DESC, i.id DESC LIMIT 500";

int mail_item_list_for_renter(struct db *db, int64_t operator_id, int64_t renter_id, struct mail_item **items,
			      size_t *n)
{
	struct db_stmt *st = db_prepare_cached(db, mail_sql_list_for_renter);
	db_bind_int64(st, 1, operator_id);
	db_bind_int64(st, 2, renter_id);
	return item_collect(st, items, n);
}

/* Kept by triggers (migrations/018_page_counts.sql). */
const char mail_sql_count_unassigned[] = "SELECT coalesce((SELECT unassigned FROM mail_item_counts "
					 "WHERE operator_id = ?), 0)";

int64_t mail_item_count_unassigned(struct db *db, int64_t operator_id)
{
	struct db_stmt *st = db_prepare_cached(db, mail_sql_count_unassigned);
	db_bind_int64(st, 1, operator_id);
	return db_count(st);
}

int mail_item_assign(struct db *db, int64_t operator_id, int64_t id, int64_t mailbox_id)
{
	struct db_stmt *st = db_prepare(db, "UPDATE mail_items SET mailbox_id = ?1 WHERE id = ?2 AND operator_id = ?3 "
					  "AND EXISTS (SELECT 1 FROM mailboxes WHERE id = ?1 AND operator_id = ?3)");
	db_bind_int64(st, 1, mailbox_id);
	db_bind_int64(st, 2, id);
	db_bind_int64(st, 3, operator_id);
	return db_update_one(st);
}

int mail_item_set_status(struct db *db, int64_t operator_id, int64_t id, const char *status, const char *left_on)
{
	struct db_stmt *st = db_prepare(db, "UPDATE mail_items SET status = ?, left_on = coalesce(?, left_on) "
					  "WHERE id = ? AND operator_id = ?");
	db_bind_text(st, 1, status);
	db_bind_text(st, 2, left_on);
	db_bind_int64(st, 3, id);
	db_bind_int64(st, 4, operator_id);
	return db_update_one(st);
}

int mail_item_set_storage_charged_through(struct db *db, int64_t operator_id, int64_t id, const char *day)
{
	struct db_stmt *st = db_prepare(db, "UPDATE mail_items SET storage_charged_through = ? "
					  "WHERE id = ? AND operator_id = ?");
	db_bind_text(st, 1, day);
	db_bind_int64(st, 2, id);
	db_bind_int64(st, 3, operator_id);
	return db_update_one(st);
}

#define REQUEST_COLUMNS                                                                            \
	"a.id, a.mail_item_id, a.action, a.state, a.requested_by, a.carrier, a.tracking, a.postage, " \
	"a.note, a.created_at, coalesce(a.completed_at, 0), a.forward_address FROM action_requests a "

static void request_from_row(struct db_stmt *st, struct action_request *a)
{
	memset(a, 0, sizeof(*a));
	a->id = db_col_int64(st, 0);
	a->mail_item_id = db_col_int64(st, 1);
	str_copy(a->action, sizeof(a->action), db_col_text(st, 2));
	str_copy(a->state, sizeof(a->state), db_col_text(st, 3));
	str_copy(a->requested_by, sizeof(a->requested_by), db_col_text(st, 4));
	str_copy(a->carrier, sizeof(a->carrier), db_col_text(st, 5));
	str_copy(a->tracking, sizeof(a->tracking), db_col_text(st, 6));
	a->postage = db_col_int64(st, 7);
	str_copy(a->note, sizeof(a->note), db_col_text(st, 8));
	a->created_at = db_col_int64(st, 9);
	a->completed_at = db_col_int64(st, 10);
	str_copy(a->forward_address, sizeof(a->forward_address), db_col_text(st, 11));
}

int64_t action_request_create(struct db *db, int64_t operator_id, int64_t mail_item_id, const char *action,
			      const char *requested_by, int64_t now)
{
	struct db_stmt *st = db_prepare(db, "INSERT INTO action_requests(operator_id, mail_item_id, action, "
					  "requested_by, created_at) SELECT ?1, ?2, ?3, ?4, ?5 "
					  "WHERE EXISTS (SELECT 1 FROM mail_items WHERE id = ?2 AND operator_id = ?1) "
					  "RETURNING id");
	db_bind_int64(st, 1, operator_id);
	db_bind_int64(st, 2, mail_item_id);
	db_bind_text(st, 3, action);
	db_bind_text(st, 4, requested_by);
	db_bind_int64(st, 5, now);
	return db_insert_returning(st, NULL);
}

int action_request_set_forward_address(struct db *db, int64_t operator_id, int64_t id, const char *address)
{
	struct db_stmt *st = db_prepare(db, "UPDATE action_requests SET forward_address = ? WHERE id = ? AND operator_id = ?");
	db_bind_text(st, 1, address);
	db_bind_int64(st, 2, id);
	db_bind_int64(st, 3, operator_id);
	return db_update_one(st);
}

int action_request_get(struct db *db, int64_t operator_id, int64_t id, struct action_request *out)
{
	struct db_stmt *st = db_prepare(db, "SELECT " REQUEST_COLUMNS "WHERE a.id = ? AND a.operator_id = ?");
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, operator_id);
	int rc = -1;
	if (db_step(st) == DB_ROW) {
		request_from_row(st, out);
		rc = 0;
	}
	db_finalize(st);
	return rc;
}

static void request_read(struct db_stmt *st, void *elem)
{
	request_from_row(st, elem);
}

int action_request_list(struct db *db, int64_t operator_id, int64_t mail_item_id, struct action_request **items,
			size_t *n)
{
	struct db_stmt *st = db_prepare(db, "SELECT " REQUEST_COLUMNS "WHERE a.mail_item_id = ? AND a.operator_id = ? "
					  "ORDER BY a.id");
	db_bind_int64(st, 1, mail_item_id);
	db_bind_int64(st, 2, operator_id);
	int failed;
	*items = db_collect(st, sizeof(**items), request_read, n, &failed);
	return failed ? -1 : 0;
}

int64_t action_request_find(struct db *db, int64_t operator_id, int64_t mail_item_id, const char *action,
			    const char *state)
{
	struct db_stmt *st = db_prepare(db, "SELECT id FROM action_requests WHERE operator_id = ?1 AND mail_item_id = ?2 "
					  "AND action = ?3 AND (?4 IS NULL AND state IN ('requested', 'completed') "
					  "OR state = ?4) ORDER BY id LIMIT 1");
	db_bind_int64(st, 1, operator_id);
	db_bind_int64(st, 2, mail_item_id);
	db_bind_text(st, 3, action);
	db_bind_text(st, 4, state);
	int64_t id = 0;
	int rc = db_step(st);
	if (rc == DB_ROW)
		id = db_col_int64(st, 0);
	else if (rc != DB_DONE)
		id = -1;
	db_finalize(st);
	return id;
}

int action_request_complete(struct db *db, int64_t operator_id, int64_t id, const char *carrier,
			    const char *tracking, int64_t postage, int64_t now)
{
	struct db_stmt *st = db_prepare(db, "UPDATE action_requests SET state = 'completed', carrier = ?, tracking = ?, "
					  "postage = ?, completed_at = ? "
					  "WHERE id = ? AND operator_id = ? AND state = 'requested'");
	db_bind_text(st, 1, carrier ? carrier : "");
	db_bind_text(st, 2, tracking ? tracking : "");
	db_bind_int64(st, 3, postage);
	db_bind_int64(st, 4, now);
	db_bind_int64(st, 5, id);
	db_bind_int64(st, 6, operator_id);
	return db_update_one(st);
}

int action_request_cancel(struct db *db, int64_t operator_id, int64_t id, const char *note)
{
	struct db_stmt *st = db_prepare(db, "UPDATE action_requests SET state = 'cancelled', note = ? "
					  "WHERE id = ? AND operator_id = ? AND state = 'requested'");
	db_bind_text(st, 1, note ? note : "");
	db_bind_int64(st, 2, id);
	db_bind_int64(st, 3, operator_id);
	return db_update_one(st);
}

int action_request_cancel_open(struct db *db, int64_t operator_id, int64_t mail_item_id, const char *note)
{
	struct db_stmt *st = db_prepare(db, "UPDATE action_requests SET state = 'cancelled', note = ? "
					  "WHERE mail_item_id = ? AND operator_id = ? AND state = 'requested'");
	db_bind_text(st, 1, note ? note : "");
	db_bind_int64(st, 2, mail_item_id);
	db_bind_int64(st, 3, operator_id);
	return db_step_done(st);
}

const char action_request_sql_count_open[] =
	"SELECT COUNT(*) FROM mail_items i JOIN action_requests a ON a.mail_item_id = i.id "
	"WHERE i.mailbox_id = ?2 AND i.operator_id = ?1 AND a.operator_id = ?1 AND a.action = ?3 "
	"AND a.state = 'requested'";

int64_t action_request_count_open(struct db *db, int64_t operator_id, int64_t mailbox_id, const char *action)
{
	struct db_stmt *st = db_prepare(db, action_request_sql_count_open);
	db_bind_int64(st, 1, operator_id);
	db_bind_int64(st, 2, mailbox_id);
	db_bind_text(st, 3, action);
	return db_count(st);
}
