/*
 * job_membership_ends.c: cancels the mailbox of a membership whose end date has passed.
 *
 * OfficeRnD sends membership.updated when an end date is set, usually before that date: the
 * sync then leaves the mailbox open. Nothing may arrive on the day itself, and a mailbox that
 * stays open after its membership ended keeps billing, so the worker looks for such mailboxes
 * itself, once a minute.
 */
#include "domain/membership_sync.h"
#include "domain/provision.h"
#include "store/db.h"
#include "store/memberships.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "worker/jobs.h"

#define ENDINGS_PAGE 100
#define ENDINGS_INTERVAL_S 60

/* Cancels one mailbox if it is still open; 1 when cancelled, 0 when not, -1 on error. */
static int cancel_ended(struct worker *w, const struct membership_ending *e)
{
	if (db_begin(w->db))
		return -1;
	struct db_stmt *st = db_prepare(w->db, "SELECT status FROM mailboxes WHERE id = ? AND operator_id = ?");
	db_bind_int64(st, 1, e->mailbox_id);
	db_bind_int64(st, 2, e->operator_id);
	int open = db_step(st) == DB_ROW && !str_eq(db_col_text(st, 0), "cancelled");
	db_finalize(st);
	if (!open) {
		db_rollback(w->db);
		return 0;
	}
	if (provision_cancel(w->db, e->operator_id, e->mailbox_id, "officernd") < 0 || db_commit(w->db)) {
		db_rollback(w->db);
		return -1;
	}
	log_info("worker", "mailbox cancelled: membership ended operator=%lld mailbox=%lld membership=%s end=%s",
		 (long long)e->operator_id, (long long)e->mailbox_id, e->membership_id, e->end_date);
	return 1;
}

int job_membership_ends_run(struct worker *w)
{
	static int64_t last_run;
	int64_t now = time_now();
	if (last_run && now - last_run < ENDINGS_INTERVAL_S && now >= last_run)
		return 0;
	last_run = now;
	struct membership_ending page[ENDINGS_PAGE];
	int64_t after = 0;
	int cancelled = 0;
	size_t n;
	do {
		if (membership_endings_list(w->db, after, page, ENDINGS_PAGE, &n) < 0)
			return -1;
		for (size_t i = 0; i < n && !*w->stopping; i++) {
			after = page[i].mailbox_id;
			if (membership_end_passed(page[i].end_date, now * 1000) && cancel_ended(w, &page[i]) > 0)
				cancelled++;
		}
	} while (n == ENDINGS_PAGE && !*w->stopping);
	return cancelled;
}
