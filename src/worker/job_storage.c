/*
 * job_storage.c: charges storage by the day. An item assigned to a mailbox that is not cancelled
 * costs its offering's storage fee for every UTC day it is stored beyond the free days (the day
 * of receipt is day 1), up to yesterday, and up to the day it left storage (left_on) when it has.
 *
 * Each item is charged in one transaction that re-reads it, writes one charge per day not yet
 * charged and advances mail_items.storage_charged_through. The charges' UNIQUE (mail_item_id,
 * kind, storage_day) makes a rerun, or a second worker racing this one, harmless. A day whose fee
 * is zero is not charged but is counted as done, so a later price change is never retroactive.
 * The billing state (queued for OfficeRnD or not billed) is decided by charge_initial_state().
 *
 * Items are swept in id order, a batch per run; an empty sweep rests the job for a minute.
 */
#include "domain/pricing.h"
#include "store/charge_jobs.h"
#include "store/charges.h"
#include "store/db.h"
#include "store/mail.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/util.h"
#include "worker/jobs.h"
#include "worker/worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STORAGE_BATCH 200
#define STORAGE_MAX_DAYS 366      /* per item and transaction; the next run goes on */
#define STORAGE_REST_MS 60000

static int64_t sweep_after_id;    /* the sweep's position */
static int64_t rest_until_ms;     /* monotonic: the job sleeps until then */
static int64_t rest_started;

static void storage_description(const struct storage_item *it, const char *day, char *out, size_t size)
{
	int ok = 0;
	int64_t nth = time_days_between(it->received_on, day, &ok) + 1;
	if (ok)
		snprintf(out, size, "Storage of %s on %s (day %lld; %lld day%s free)", it->reference, day,
			 (long long)nth, (long long)it->free_days, it->free_days == 1 ? "" : "s");
	else
		snprintf(out, size, "Storage of %s on %s", it->reference, day);
}

/* Writes one day's charge; a day already charged (by another worker) is fine. 0 or -1. */
static int storage_charge_day(struct db *db, const struct storage_item *it, const char *day, const char *state,
			      int64_t now)
{
	char description[256];
	storage_description(it, day, description, sizeof(description));
	struct charge_new c = {
		.mailbox_id = it->mailbox_id,
		.mail_item_id = it->id,
		.kind = "storage",
		.description = description,
		.quantity = 1,
		.unit_amount = it->fee_per_day,
		.currency = it->currency,
		.charge_date = day,
		.storage_day = day,
		.billing_state = state,
	};
	int duplicate = 0;
	if (charge_create(db, it->operator_id, &c, now, &duplicate) >= 0 || duplicate)
		return 0;
	return -1;
}

/*
 * Charges the item's due days through last_day (yesterday) in one transaction.
 * Returns how many days were settled (0: none were due), or -1.
 */
static int storage_charge_item(struct db *db, int64_t operator_id, int64_t item_id, const char *yesterday, int64_t now)
{
	struct storage_item it;
	if (db_begin(db) < 0)
		return -1;
	int r = storage_item_reload(db, operator_id, item_id, &it);
	if (r != 0) {
		db_rollback(db);
		return r > 0 ? 0 : -1;
	}
	const char *last = *it.left_on && strcmp(it.left_on, yesterday) < 0 ? it.left_on : yesterday;
	char day[11], through[11] = "";
	if (pricing_storage_next_day(it.received_on, it.free_days, it.storage_charged_through, day) < 0) {
		db_rollback(db);
		log_warn("storage", "item skipped item=%lld reason=bad_day received_on=%s", (long long)it.id,
			 it.received_on);
		return -1;
	}
	const char *state = NULL;
	if (it.fee_per_day > 0 && !(state = charge_initial_state(db, operator_id, it.mailbox_id, it.fee_per_day))) {
		db_rollback(db);
		return -1;
	}
	int days = 0;
	while (strcmp(day, last) <= 0 && days < STORAGE_MAX_DAYS) {
		if (state && storage_charge_day(db, &it, day, state, now) < 0) {
			db_rollback(db);
			return -1;
		}
		str_copy(through, sizeof(through), day);
		days++;
		if (time_next_day(day, day, sizeof(day)) < 0)
			break;
	}
	if (days == 0) {
		db_rollback(db);
		return 0;
	}
	if (mail_item_set_storage_charged_through(db, operator_id, it.id, through) < 0 || db_commit(db) < 0) {
		db_rollback(db);
		return -1;
	}
	log_info("storage", "charged item=%lld reference=%s days=%d through=%s fee=%lld state=%s", (long long)it.id,
		 it.reference, days, through, (long long)it.fee_per_day, state ? state : "none");
	return days;
}

int job_storage_run(struct worker *w)
{
	int64_t mono = time_mono_ms();
	if (rest_started && mono < rest_until_ms)
		return 0;
	int64_t now = time_now();
	char yesterday[11];
	time_format_day(now - 86400, yesterday, sizeof(yesterday));

	struct storage_item *items = NULL;
	size_t n = 0;
	if (storage_items_due(w->db, yesterday, sweep_after_id, STORAGE_BATCH, &items, &n) < 0)
		return -1;
	if (n == 0) {
		/* The sweep is over: rest, then start again from the first item. */
		sweep_after_id = 0;
		rest_started = 1;
		rest_until_ms = mono + STORAGE_REST_MS;
		free(items);
		return 0;
	}
	int handled = 0;
	for (size_t i = 0; i < n && !*w->stopping; i++) {
		if (storage_charge_item(w->db, items[i].operator_id, items[i].id, yesterday, now) < 0)
			log_warn("storage", "item not charged item=%lld", (long long)items[i].id);
		sweep_after_id = items[i].id;
		handled++;
	}
	free(items);
	return handled;
}
