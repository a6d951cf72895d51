/*
 * charge_jobs.h: what the worker's charge jobs (worker/job_fees.c, worker/job_storage.c) read
 * and write beyond store/charges.h and store/mail.h: where a charge's OfficeRnD fee goes, the
 * fee_uncertain flag (migrations/005_fee_booking.sql) and where the last POST went (007), and the items whose storage days are due.
 *
 * Every call takes the operator_id of the row it touches and matches it in SQL. None opens a
 * transaction: the caller wraps reads that lead to writes in db_begin()/db_commit().
 */
#ifndef PILOTOMAIL_STORE_CHARGE_JOBS_H
#define PILOTOMAIL_STORE_CHARGE_JOBS_H

#include "store/db.h"
#include <stddef.h>
#include <stdint.h>

/* Where the fee of one charge goes, as the store knows it now. Strings are "" when unknown. */
struct fee_target {
	int uncertain;              /* charges.fee_uncertain: look the fee up before posting */
	char member_id[65];         /* renters.officernd_member_id */
	char company_id[65];        /* the membership's company when the membership is a company's
				       (memberships.company_id set and is_personal = 0), else "" */
	char location_id[65];       /* the OfficeRnD location linked to the mailbox's space (the
				       membership's own location first when it is one of them), else
				       mailboxes.officernd_location_id */
	char charge_plan_id[65];    /* officernd_settings.charge_plan_id: the "Mail charges plan" */
	char received_on[11];       /* the mail item's receipt day, "" without an item */
	char renter_name[256];
	char space_name[404];       /* "" when the mailbox has no space */
	/* Where the last POST went (migrations/007_fee_claims.sql), "" when never posted. */
	char sent_member[65];
	char sent_company[65];
	char sent_location[65];
	char sent_plan[65];
};

/* 0, or -1 when the charge is not found for that operator (or on a store error, logged). */
int fee_target_load(struct db *db, int64_t operator_id, int64_t charge_id, struct fee_target *out);

/* An assigned item whose storage may have days left to charge (see storage_items_due). */
struct storage_item {
	int64_t operator_id;
	int64_t id;
	int64_t mailbox_id;
	char reference[16];
	char received_on[11];
	char left_on[11];                  /* "" while in storage */
	char storage_charged_through[11];  /* "" when no day was charged yet */
	int64_t free_days;                 /* the offering's storage_free_days */
	int64_t fee_per_day;               /* the offering's storage_fee_per_day, minor units */
	char currency[8];                  /* the operator's */
};

/*
 * Items across operators, by id above after_id, at most limit, that are in a mailbox that is not
 * cancelled, either still stored or gone with left_on set, and whose next uncharged day
 * (after storage_charged_through and past the free days) is on or before min(last_day, left_on).
 * A coarse filter: the caller decides the days with domain/pricing.h. *items free()d by the
 * caller. 0 or -1.
 */
int storage_items_due(struct db *db, const char *last_day, int64_t after_id, size_t limit,
		      struct storage_item **items, size_t *n);

/* The same item re-read inside the caller's transaction (another worker may have charged it). 0;
 * 1 when it no longer qualifies (moved to a cancelled mailbox, unassigned); -1 on error. */
int storage_item_reload(struct db *db, int64_t operator_id, int64_t item_id, struct storage_item *out);

#endif
