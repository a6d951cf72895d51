/* existing_members.c: see existing_members.h. */
#include "domain/existing_members.h"
#include "domain/membership_sync.h"
#include "store/db.h"
#include "store/mailboxes.h"
#include "store/memberships.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *existing_group_name(enum existing_group g)
{
	return g == EXISTING_MATCH ? "match" : g == EXISTING_NEW ? "new" : "skip";
}

/* The skip reasons, first one that applies; 1 with reason set, 0 when none applies. */
static int skip_reason(const struct member_import_row *row, const struct existing_facts *f, int64_t now_ms,
		       char *reason, size_t size)
{
	const char *location = *row->location_name ? row->location_name : row->location_id;
	if (f->mailbox_id)
		snprintf(reason, size, "it has a mailbox already (PMB %s)", f->mailbox_pmb);
	else if (!f->offering_id)
		snprintf(reason, size, "its plan is no longer linked to a mailbox offering");
	else if (membership_end_passed(*row->end_date ? row->end_date : NULL, now_ms))
		snprintf(reason, size, "the membership ended on %.10s", row->end_date);
	else if (str_eq(row->calculated_status, "expired"))
		snprintf(reason, size, "the membership has expired");
	else if (str_eq(row->status, "not_approved") || str_eq(row->calculated_status, "not_approved"))
		snprintf(reason, size, "the membership is not approved in OfficeRnD");
	else if (!*row->location_id)
		snprintf(reason, size, "the membership has no location");
	else if (!f->space_id)
		snprintf(reason, size, "its location %.100s is not linked to a space", location);
	else if (!row->member_found)
		snprintf(reason, size, "its member %.64s was not found in OfficeRnD", row->member_id);
	else
		return 0;
	return 1;
}

enum existing_group existing_members_group(const struct member_import_row *row, const struct existing_facts *f,
					   int64_t now_ms, char *reason, size_t size)
{
	reason[0] = '\0';
	if (skip_reason(row, f, now_ms, reason, size))
		return EXISTING_SKIP;
	if (f->match_mailbox_id) {
		snprintf(reason, size, "connects mailbox PMB %s (same email)", f->match_pmb);
		return EXISTING_MATCH;
	}
	if (!*row->email)
		snprintf(reason, size, "no email address: the mailbox gets no invitation");
	return EXISTING_NEW;
}

int existing_members_facts(struct db *db, int64_t operator_id, const struct member_import_row *row,
			   struct existing_facts *f)
{
	memset(f, 0, sizeof(*f));
	f->mailbox_id = mailbox_find_by_membership(db, operator_id, row->membership_id);
	f->offering_id = membership_plan_offering(db, operator_id, row->plan_id);
	f->space_id = *row->location_id ? membership_location_space(db, operator_id, row->location_id) : 0;
	if (f->mailbox_id < 0 || f->offering_id < 0 || f->space_id < 0)
		return -1;
	if (f->mailbox_id > 0) {
		struct mailbox_view v;
		if (mailbox_get(db, operator_id, f->mailbox_id, &v) < 0)
			return -1;
		str_copy(f->mailbox_pmb, sizeof(f->mailbox_pmb), v.pmb);
		return 0;
	}
	return member_import_match_find(db, operator_id, row->email, row->id, &f->match_mailbox_id, f->match_pmb,
					sizeof(f->match_pmb)) < 0 ? -1 : 0;
}

int existing_members_keep(struct db *db, int64_t operator_id, const struct orn_membership *m, void *ctx)
{
	(void)ctx;
	int64_t offering = membership_plan_offering(db, operator_id, m->plan);
	if (offering <= 0)
		return offering < 0 ? -1 : 0;
	int64_t mb = mailbox_find_by_membership(db, operator_id, m->id);
	return mb < 0 ? -1 : mb == 0;
}

/* Groups one row in the open transaction. 0 or -1. */
static int group_one(struct db *db, int64_t operator_id, const struct member_import_row *row, int64_t now_ms)
{
	struct existing_facts f;
	char reason[256];
	if (existing_members_facts(db, operator_id, row, &f) < 0)
		return -1;
	enum existing_group g = existing_members_group(row, &f, now_ms, reason, sizeof(reason));
	return member_import_row_group_set(db, operator_id, row->id, existing_group_name(g), reason,
					   g == EXISTING_MATCH ? f.match_mailbox_id : 0);
}

int existing_members_group_batch(struct db *db, int64_t operator_id, const char *worker, int64_t after_id, size_t max,
				 int64_t now_ms, int64_t lease_s, int64_t *last)
{
	struct member_import_row *rows = NULL;
	size_t n = 0;
	*last = after_id;
	int held = member_import_group_begin(db, operator_id, worker);
	if (held <= 0)
		return held < 0 ? -1 : 2;
	int ok = member_import_rows_after(db, operator_id, after_id, max, &rows, &n) == 0;
	for (size_t i = 0; ok && i < n; i++) {
		ok = group_one(db, operator_id, &rows[i], now_ms) == 0;
		*last = rows[i].id;
	}
	int done = n < max;
	ok = ok && member_import_group_advance(db, operator_id, worker, *last, done, now_ms / 1000, lease_s) == 0;
	free(rows);
	if (!ok || db_commit(db) < 0) {
		db_rollback(db);
		return -1;
	}
	return done ? 0 : 1;
}

/* The row as the membership.created event OfficeRnD would send for it (pointing into row). */
static void event_from_row(struct member_import_row *row, struct event *ev)
{
	struct event_membership *m = &ev->membership;
	memset(ev, 0, sizeof(*ev));
	ev->kind = EVENT_CREATED;
	m->id = row->membership_id;
	m->member = row->member_id;
	m->plan = row->plan_id;
	m->company = *row->company_id ? row->company_id : NULL;
	m->location = *row->location_id ? row->location_id : NULL;
	m->start_date = row->start_date;
	m->end_date = *row->end_date ? row->end_date : NULL;
	m->status = row->status;
	m->calculated_status = row->calculated_status;
	m->created_at = row->created_at;
	m->modified_at = row->modified_at;
	m->is_personal = row->is_personal;
	const char *at = *row->modified_at ? row->modified_at : row->created_at;
	if (time_parse_iso_ms(at, &m->version_ms) < 0)
		m->version_ms = 0;
}

/* What the sync's prepare step would have fetched: the member and company, from the snapshot. */
static void prepared_from_row(struct member_import_row *row, char *empty, struct sync_prepared *prep)
{
	memset(prep, 0, sizeof(*prep));
	prep->have_member = 1;
	prep->member.id = row->member_id;
	prep->member.name = row->name;
	prep->member.email = row->email;
	prep->member.status = empty;
	prep->member.company = *row->company_id ? row->company_id : NULL;
	if (*row->company_id && *row->company_name) {
		prep->have_company = 1;
		prep->company.id = row->company_id;
		prep->company.name = row->company_name;
	}
	prep->no_invitation = !row->invite;
}

/* Applies the row through the membership sync; records the outcome on the row. 1, 0 or -1. */
static int import_apply(struct db *db, int64_t operator_id, struct member_import_row *row, const char *prefix,
			int64_t now_ms, char *message, size_t size)
{
	struct event ev;
	struct sync_prepared prep;
	struct sync_outcome out;
	char empty[1] = "";
	event_from_row(row, &ev);
	prepared_from_row(row, empty, &prep);
	if (membership_sync_apply(db, operator_id, &ev, &prep, now_ms, &out) < 0)
		return -1;
	int64_t mb = mailbox_find_by_membership(db, operator_id, row->membership_id);
	if (mb < 0)
		return -1;
	int imported = out.result == SYNC_APPLIED && mb > 0;
	snprintf(message, size, "%s%s", prefix, out.message);
	if (member_import_row_finish(db, operator_id, row->id, imported ? "imported" : "not_imported", message, mb) < 0)
		return -1;
	return imported;
}

int existing_members_import(struct db *db, int64_t operator_id, int64_t row_id, int64_t now_ms, char *message,
			    size_t size)
{
	struct member_import_row row;
	struct existing_facts f;
	char reason[256];
	message[0] = '\0';
	int rc = member_import_row_get(db, operator_id, row_id, &row);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (!str_eq(row.import_state, "queued")) {
		str_copy(message, size, "not queued any more");
		return 0;
	}
	if (existing_members_facts(db, operator_id, &row, &f) < 0)
		return -1;
	enum existing_group g = existing_members_group(&row, &f, now_ms, reason, sizeof(reason));
	if (g == EXISTING_SKIP) {
		snprintf(message, size, "Not imported: %s.", reason);
		return member_import_row_finish(db, operator_id, row.id, "not_imported", message, f.mailbox_id) < 0 ? -1 : 0;
	}
	char prefix[64] = "";
	if (g == EXISTING_MATCH) {
		if (member_import_connect(db, operator_id, f.match_mailbox_id, row.membership_id, row.location_id,
					  row.member_id) != 0)
			return -1; /* the facts were read in this transaction: the mailbox cannot have changed */
		snprintf(prefix, sizeof(prefix), "Connected mailbox PMB %s (same email); ", f.match_pmb);
	}
	return import_apply(db, operator_id, &row, prefix, now_ms, message, size);
}
