/*
 * charges.h: what pilotomail charged for mail work, and its OfficeRnD billing state.
 *
 * billing_state (see migrations/003): not_billed, queued, sending, sent, failed.
 * Operator-facing calls are scoped by operator_id: another operator's charge is "not found".
 * The worker calls (charge_claim_due, charge_mark_*) run across operators on rows they claimed;
 * each claimed row carries its operator_id.
 * These functions open no transaction except where the comment says so: a charge is written in
 * the caller's transaction, together with the work it prices.
 */
#ifndef PILOTOMAIL_STORE_CHARGES_H
#define PILOTOMAIL_STORE_CHARGES_H

#include "store/db.h"
#include <stddef.h>
#include <stdint.h>

struct charge {
	int64_t id;
	int64_t operator_id;
	int64_t mailbox_id;
	int64_t mail_item_id;      /* 0 when none */
	int64_t action_request_id; /* 0 when none */
	char kind[16];             /* scan forward shred recycle pickup storage */
	char description[512];
	int64_t quantity;
	int64_t unit_amount;       /* minor units */
	int64_t amount;            /* minor units */
	char currency[8];
	char charge_date[11];      /* YYYY-MM-DD: the fee's issueDate */
	char storage_day[11];      /* "" unless kind is storage */
	char reference[48];        /* "pm-<operator>-<id>" */
	char billing_state[16];
	char prior_state[16];      /* charge_claim_due only: the state before the claim */
	char officernd_fee_id[64];
	int64_t attempts;
	int64_t next_attempt_at;
	char last_error[512];
	int64_t sent_at;           /* 0 until sent */
	int64_t created_at;
	/* Joined from the mailbox, its renter and the mail item. */
	char pmb[16];
	int64_t renter_id;
	char renter_name[256];
	char renter_email[256];
	char member_id[64];        /* renters.officernd_member_id, "" when not linked */
	char company_id[64];       /* renters.officernd_company_id, "" unless a company's */
	char location_id[64];      /* mailboxes.officernd_location_id, "" when none */
	char mail_reference[16];   /* "M-000123", "" when none */
};

struct charge_new {
	int64_t mailbox_id;
	int64_t mail_item_id;      /* 0 when none */
	int64_t action_request_id; /* 0 when none */
	const char *kind;
	const char *description;
	int64_t quantity;          /* >= 1 */
	int64_t unit_amount;       /* amount = quantity * unit_amount */
	const char *currency;
	const char *charge_date;   /* YYYY-MM-DD */
	const char *storage_day;   /* NULL unless kind is storage */
	const char *billing_state; /* from charge_initial_state() */
};

/*
 * Inserts the charge with its reference "pm-<operator_id>-<id>" in one write, its id taken from
 * the engine (db_next_id), in the caller's transaction or one of its own. Returns the id, or -1;
 * *duplicate (may be NULL) is set when the item already has a charge of that kind for that
 * storage day (UNIQUE (mail_item_id, kind, storage_day)).
 */
int64_t charge_create(struct db *db, int64_t operator_id, const struct charge_new *c, int64_t now, int *duplicate);

/*
 * The billing state a new charge starts in: "queued" when the operator bills renters through
 * OfficeRnD, does not bill through Stripe, the mailbox's renter is linked to an OfficeRnD
 * member and amount > 0; otherwise "not_billed". Returns a static string; NULL when the
 * mailbox is not the operator's.
 */
const char *charge_initial_state(struct db *db, int64_t operator_id, int64_t mailbox_id, int64_t amount);

/* 1 when OfficeRnD billing is on and Stripe billing is off for the operator, else 0. */
int charge_officernd_billing_on(struct db *db, int64_t operator_id);

struct charge_filter {
	const char *state;         /* NULL or "" for all billing states */
	int64_t mail_item_id;      /* 0 for all; else the item's charges (state is then ignored) */
	int64_t mailbox_id;        /* 0 for all; else the mailbox's charges (state is then ignored) */
	size_t limit;              /* at most this many (0 = 1000) */
	/* Keyset paging: only charges older than (before_date, before_id) in the list's order;
	 * before_id 0 starts from the newest. */
	char before_date[11];
	int64_t before_id;
};

/* Charges, newest first (by charge date, then id); f NULL for all. *items is free()d by the caller.
 * 0 or -1. */
int charge_list(struct db *db, int64_t operator_id, const struct charge_filter *f, struct charge **items, size_t *n);
/* 0, or -1 when not found (or another operator's). */
int charge_get(struct db *db, int64_t operator_id, int64_t id, struct charge *out);
/* Number of completed, charged actions of kind for the mailbox with charge_date in
 * [first, next_first): the month's usage for the free allowance. -1 on error. */
int64_t charge_count_in_period(struct db *db, int64_t operator_id, int64_t mailbox_id, const char *kind,
			       const char *first, const char *next_first);

/* Operator's retry of a failed charge: back to queued, attempts 0, error cleared, due at once
 * (or, when its fee may exist, when the lookup may first run). 0; -1 when not found or not failed. */
int charge_retry(struct db *db, int64_t operator_id, int64_t id);

/*
 * "Earlier" charges: not_billed, amount > 0, of a mailbox whose renter is linked to an
 * OfficeRnD member, created before OfficeRnD billing was last turned on (migration
 * 004_billing_switch records the highest charge id at that moment). Turning billing on never
 * queues them by itself; the operator does it with charge_bill_earlier().
 * charge_earlier_unbilled: their count and total (minor units). 0 or -1.
 */
int charge_earlier_unbilled(struct db *db, int64_t operator_id, int64_t *count, int64_t *total);
/* The same over at most limit of them (the first by id), so that a page's cost stays bounded:
 * *count == limit means "limit or more". */
int charge_earlier_unbilled_upto(struct db *db, int64_t operator_id, int64_t limit, int64_t *count, int64_t *total);
/* Queues exactly the earlier charges (only while OfficeRnD billing is on), in its own
 * transaction. *queued gets how many. 0, or -1 (nothing changed). */
int charge_bill_earlier(struct db *db, int64_t operator_id, int64_t *queued);

/*
 * Worker: claims up to limit charges that are due — queued with next_attempt_at <= now, or
 * sending whose claim expired (claimed_until <= now: a worker died mid-send) — for worker_id
 * until now + lease_s, in its own transaction: each becomes sending with attempts + 1.
 * prior_state tells which it was: a "sending" one (or any with attempts > 1) may already have
 * been booked, so the fee job must look it up in OfficeRnD before posting again.
 * *items is free()d by the caller. 0 or -1.
 */
int charge_claim_due(struct db *db, const char *worker_id, int64_t now, int64_t lease_s, size_t limit,
		     struct charge **items, size_t *n);
/*
 * How a worker's claim on a charge ends. Every end names its owner: nothing changes unless the
 * charge is still "sending" under that worker's claim, so a worker whose lease ran out (while a
 * slow request was in flight) can never overwrite the work of the worker that took over.
 */
struct charge_claim_end {
	const char *state;         /* "sent", "queued" (try again) or "failed" */
	const char *fee_id;        /* sent: the OfficeRnD fee */
	int64_t next_attempt_at;   /* queued: when it is due again; failed: the earliest time the
				      operator's Retry may look the fee up (0 = at once) */
	const char *error;         /* shown to the operator; NULL keeps the last one */
	int uncertain;             /* the fee may exist: look it up before any new POST */
	int refund_attempt;        /* queued without an attempt having been made */
};
/* 0; 1 when the claim is no longer owner's (nothing changed); -1 on a store error. */
int charge_claim_end(struct db *db, int64_t id, const char *owner, const struct charge_claim_end *end, int64_t now);

/* Where a POST /fees is about to go; see migrations/007_fee_claims.sql. */
struct charge_fee_dest {
	const char *member;        /* one of member and company is set */
	const char *company;
	const char *location;
	const char *plan;
};
/* Records it, while owner's claim holds. 0; 1 when the claim is no longer owner's; -1. */
int charge_record_fee_dest(struct db *db, int64_t id, const char *owner, const struct charge_fee_dest *dest);

#endif
