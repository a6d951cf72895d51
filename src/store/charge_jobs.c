/* charge_jobs.c: see charge_jobs.h. */
#include "store/charge_jobs.h"
#include "store/db.h"
#include "store/statements.h"
#include "util/log.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

/*
 * The location: among the locations linked to the mailbox's space, the membership's own one
 * first (a space may stand for several OfficeRnD locations), then the operator's order; without
 * any link, the location the membership came with.
 */
static const char fee_target_sql[] =
	"SELECT c.fee_uncertain, coalesce(r.officernd_member_id, ''), "
	"       CASE WHEN ms.company_id IS NOT NULL AND ms.company_id <> '' AND ms.is_personal = 0 "
	"            THEN ms.company_id ELSE '' END, "
	"       coalesce((SELECT ll.location_id FROM location_links ll "
	"                  WHERE ll.operator_id = c.operator_id AND ll.space_id = mb.space_id "
	"                    AND ll.location_id = mb.officernd_location_id), "
	"                (SELECT ll.location_id FROM location_links ll "
	"                  WHERE ll.operator_id = c.operator_id AND ll.space_id = mb.space_id "
	"                  ORDER BY ll.position, ll.location_id LIMIT 1), "
	"                nullif(mb.officernd_location_id, ''), ''), "
	"       coalesce(s.charge_plan_id, ''), coalesce(mi.received_on, ''), r.name, coalesce(sp.name, ''), "
	"       coalesce(c.fee_member, ''), coalesce(c.fee_company, ''), coalesce(c.fee_location, ''), "
	"       coalesce(c.fee_plan, '') "
	"  FROM charges c "
	"  JOIN mailboxes mb ON mb.id = c.mailbox_id AND mb.operator_id = c.operator_id "
	"  JOIN renters r ON r.id = mb.renter_id AND r.operator_id = c.operator_id "
	"  LEFT JOIN memberships ms ON ms.operator_id = c.operator_id "
	"       AND ms.membership_id = mb.officernd_membership_id "
	"  LEFT JOIN officernd_settings s ON s.operator_id = c.operator_id "
	"  LEFT JOIN mail_items mi ON mi.id = c.mail_item_id AND mi.operator_id = c.operator_id "
	"  LEFT JOIN spaces sp ON sp.id = mb.space_id AND sp.operator_id = c.operator_id "
	" WHERE c.operator_id = ?1 AND c.id = ?2";

int fee_target_load(struct db *db, int64_t operator_id, int64_t charge_id, struct fee_target *out)
{
	memset(out, 0, sizeof(*out));
	struct db_stmt *st = db_prepare(db, fee_target_sql);
	db_bind_int64(st, 1, operator_id);
	db_bind_int64(st, 2, charge_id);
	int rc = db_step(st);
	if (rc == DB_ROW) {
		out->uncertain = db_col_int(st, 0) != 0;
		str_copy(out->member_id, sizeof(out->member_id), db_col_text(st, 1));
		str_copy(out->company_id, sizeof(out->company_id), db_col_text(st, 2));
		str_copy(out->location_id, sizeof(out->location_id), db_col_text(st, 3));
		str_copy(out->charge_plan_id, sizeof(out->charge_plan_id), db_col_text(st, 4));
		str_copy(out->received_on, sizeof(out->received_on), db_col_text(st, 5));
		str_copy(out->renter_name, sizeof(out->renter_name), db_col_text(st, 6));
		str_copy(out->space_name, sizeof(out->space_name), db_col_text(st, 7));
		str_copy(out->sent_member, sizeof(out->sent_member), db_col_text(st, 8));
		str_copy(out->sent_company, sizeof(out->sent_company), db_col_text(st, 9));
		str_copy(out->sent_location, sizeof(out->sent_location), db_col_text(st, 10));
		str_copy(out->sent_plan, sizeof(out->sent_plan), db_col_text(st, 11));
	} else if (rc != DB_DONE) {
		log_error("store", "fee target failed charge=%lld err=\"%s\"", (long long)charge_id,
			  db_errmsg(db));
	}
	db_finalize(st);
	return rc == DB_ROW ? 0 : -1;
}

#define STORAGE_COLUMNS                                                                            \
	"SELECT mi.operator_id, mi.id, mi.mailbox_id, mi.reference, mi.received_on, "             \
	"       coalesce(mi.left_on, ''), coalesce(mi.storage_charged_through, ''), "             \
	"       o.storage_free_days, o.storage_fee_per_day, op.currency "                         \
	"  FROM mail_items mi "                                                                    \
	"  JOIN mailboxes mb ON mb.id = mi.mailbox_id AND mb.operator_id = mi.operator_id "        \
	"  JOIN offerings o ON o.id = mb.offering_id AND o.operator_id = mi.operator_id "          \
	"  JOIN operators op ON op.id = mi.operator_id "                                           \
	" WHERE mb.status <> 'cancelled' "                                                         \
	"   AND (mi.status = 'stored' OR coalesce(mi.left_on, '') <> '') "

static void storage_item_from_row(struct db_stmt *st, struct storage_item *it)
{
	memset(it, 0, sizeof(*it));
	it->operator_id = db_col_int64(st, 0);
	it->id = db_col_int64(st, 1);
	it->mailbox_id = db_col_int64(st, 2);
	str_copy(it->reference, sizeof(it->reference), db_col_text(st, 3));
	str_copy(it->received_on, sizeof(it->received_on), db_col_text(st, 4));
	str_copy(it->left_on, sizeof(it->left_on), db_col_text(st, 5));
	str_copy(it->storage_charged_through, sizeof(it->storage_charged_through), db_col_text(st, 6));
	it->free_days = db_col_int64(st, 7);
	it->fee_per_day = db_col_int64(st, 8);
	str_copy(it->currency, sizeof(it->currency), db_col_text(st, 9));
}

static void storage_item_read(struct db_stmt *st, void *elem)
{
	storage_item_from_row(st, elem);
}

/*
 * The next day to charge is the later of the day after charged_through and the first billable
 * day (receipt + free days, the receipt day being day 1); it is due while on or before the last
 * day (last_day, or left_on when earlier). Malformed days make date() NULL: never due.
 */
const char storage_sql_due[] =
	STORAGE_COLUMNS
	"   AND mi.id > ?1 "
	"   AND max(coalesce(date(nullif(mi.storage_charged_through, ''), '+1 day'), ''), "
	"           date(mi.received_on, '+' || o.storage_free_days || ' days')) "
	"       <= min(?2, coalesce(nullif(mi.left_on, ''), ?2)) "
	" ORDER BY mi.id LIMIT ?3";

int storage_items_due(struct db *db, const char *last_day, int64_t after_id, size_t limit,
		      struct storage_item **items, size_t *n)
{
	*items = NULL;
	*n = 0;
	struct db_stmt *st = db_prepare(db, storage_sql_due);
	db_bind_int64(st, 1, after_id);
	db_bind_text(st, 2, last_day);
	db_bind_int64(st, 3, (int64_t)limit);
	int failed;
	*items = db_collect(st, sizeof(**items), storage_item_read, n, &failed);
	return failed ? -1 : 0;
}

int storage_item_reload(struct db *db, int64_t operator_id, int64_t item_id, struct storage_item *out)
{
	struct db_stmt *st = db_prepare(db, STORAGE_COLUMNS " AND mi.operator_id = ?1 AND mi.id = ?2");
	db_bind_int64(st, 1, operator_id);
	db_bind_int64(st, 2, item_id);
	int rc = db_step(st);
	if (rc == DB_ROW)
		storage_item_from_row(st, out);
	else if (rc != DB_DONE)
		log_error("store", "storage item failed item=%lld err=\"%s\"", (long long)item_id, db_errmsg(db));
	db_finalize(st);
	return rc == DB_ROW ? 0 : rc == DB_DONE ? 1 : -1;
}
