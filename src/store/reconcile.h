/*
 * reconcile.h: the bookkeeping of the worker's check of OfficeRnD for membership changes whose
 * webhook never came (officernd_settings.reconcile_* columns, migration 006), and the reads the
 * check needs from the inbox and the mailboxes.
 *
 * A pass is claimed under a lease (reconcile_claimed_until) so that two workers never run one
 * operator's pass at once; a worker killed mid-pass loses nothing (the events it inserted are
 * deduplicated on the next pass) and its lease runs out. Every call is scoped by operator_id
 * except reconcile_clocks_start() and reconcile_due_list(), which serve the worker across
 * operators. None is called inside a caller's transaction unless it says so.
 */
#ifndef PILOTOMAIL_STORE_RECONCILE_H
#define PILOTOMAIL_STORE_RECONCILE_H

#include "store/db.h"
#include <stddef.h>
#include <stdint.h>

/*
 * Starts the clock of every operator whose OfficeRnD card is configured (slug, client id and
 * secret) but never checked: its first automatic pass is due one interval after now. Returns
 * how many clocks it started, or -1.
 */
int reconcile_clocks_start(struct db *db, int64_t now);

/*
 * The operators whose pass is due at now: configured, not under a live lease, and either asked
 * for (reconcile_requested > 0) or interval_s past the last pass or attempt (or the clock moved
 * back by more than that). Asked-for ones first. *ids (free()) and *n. 0 or -1.
 */
int reconcile_due_list(struct db *db, int64_t now, int64_t interval_s, int64_t **ids, size_t *n);

/* A claimed pass: what the worker needs to run it. */
struct reconcile_claim {
	int64_t requested;  /* the presses this pass serves (0: an automatic pass) */
	char through[64];   /* reconciled_through, "" before the first complete pass */
	int64_t since;      /* reconcile_since: when pilotomail started watching the account */
};

/*
 * Claims the operator's pass until now + lease_s when it is still due (same rule as the list),
 * stamping reconcile_attempted_at = now; in its own transaction. 1 claimed (*out filled),
 * 0 not due (any more), -1 on a store error.
 */
int reconcile_claim(struct db *db, int64_t operator_id, int64_t now, int64_t interval_s, int64_t lease_s,
		    struct reconcile_claim *out);
/* Extends a pass's lease to until (between pages). 0 or -1. */
int reconcile_renew(struct db *db, int64_t operator_id, int64_t until);

/*
 * A complete pass: reconciled_through = through (NULL or "" keeps the stored one),
 * reconciled_at = now, the error cleared, the lease released, and the requested presses it
 * served subtracted (a press during the pass asks for another). 0 or -1.
 */
int reconcile_done(struct db *db, int64_t operator_id, const char *through, int64_t now, int64_t requested);
/*
 * A pass that failed: reconciled_through and reconciled_at are kept, error is recorded, the
 * lease released and the served presses cleared (the next automatic pass comes an interval
 * after the attempt: no tight loop on a failing OfficeRnD). error NULL (a pass stopped by
 * SIGTERM): nothing recorded and the presses kept, so the next worker runs it. 0 or -1.
 */
int reconcile_failed(struct db *db, int64_t operator_id, const char *error, int64_t requested);

/* The operator asks for a pass now. 0 done, 1 when OfficeRnD is not configured, -1 on error. */
int reconcile_request(struct db *db, int64_t operator_id);

/* What the Activity page shows about the checks. */
struct reconcile_status {
	int configured;           /* slug, client id and secret are set */
	int64_t reconciled_at;    /* the last complete pass, 0: never */
	int64_t attempted_at;     /* the last pass started (or the clock started), 0: never */
	int64_t requested;        /* presses not yet served */
	int64_t claimed_until;    /* > now while a pass runs */
	char error[512];          /* why the last pass failed, "" when it did not */
};
/* 0 (a missing settings row reads as not configured) or -1. */
int reconcile_status_get(struct db *db, int64_t operator_id, struct reconcile_status *out);

/*
 * The bodies of the membership's events still waiting in the inbox (pending) or given up on
 * (failed): a change already there is not inserted again. *bodies is an array of n
 * NUL-terminated strings; free each and the array. 0 or -1. Usable inside a transaction.
 */
int reconcile_inbox_bodies(struct db *db, int64_t operator_id, const char *membership_id, char ***bodies,
			   size_t *n);

/* An open mailbox of an OfficeRnD membership not known as removed, with the stored state. */
struct reconcile_open {
	char *membership_id;
	char *member_id, *plan_id, *status;  /* "" when unknown */
	char *company_id, *location_id;      /* NULL when none */
	char *end_date;                      /* NULL: open ended */
	int is_personal;
	int64_t version_ms;                  /* 0 when the membership row is missing */
};
/* Every such mailbox of the operator (*items: reconcile_opens_free). 0 or -1. */
int reconcile_open_list(struct db *db, int64_t operator_id, struct reconcile_open **items, size_t *n);
void reconcile_opens_free(struct reconcile_open *items, size_t n);

/* The ids, between lo and hi, of the operator's events found by reconciliation (dedupe key
 * "reconcile:..."), ascending: for labelling the Activity rows. *ids (free()). 0 or -1. */
int reconcile_event_ids(struct db *db, int64_t operator_id, int64_t lo, int64_t hi, int64_t **ids, size_t *n);

/*
 * Cancellations held back for the operator's confirmation (table reconcile_held, migration 008;
 * see domain/reconcile.h, RECONCILE_CONFIRM_*). Each is the synthesized event, ready for the
 * webhook inbox. Only rows whose mailbox is still open count, are listed or are released.
 */
struct reconcile_held_new {
	const char *membership_id;
	int64_t mailbox_id;
	const char *dedupe_key, *event_type, *body;
	const char *reason;
	int64_t found_at;
};
/* Holds one (replacing the membership's earlier one). Usable inside a transaction. 0 or -1. */
int reconcile_held_put(struct db *db, int64_t operator_id, const struct reconcile_held_new *h);
/* Drops the membership's held cancellation (OfficeRnD listed it again). Inside a transaction. */
int reconcile_held_drop(struct db *db, int64_t operator_id, const char *membership_id);
/* How many are held (open mailboxes only), or -1. */
int64_t reconcile_held_count(struct db *db, int64_t operator_id);
/* The operator's open mailboxes (active or on hold), or -1. */
int64_t reconcile_open_count(struct db *db, int64_t operator_id);

struct reconcile_held_view {
	int64_t id;
	int64_t mailbox_id;
	char pmb[16];
	char renter_name[404];
	char membership_id[64];
	char event_type[32];
	char reason[256];
	int64_t found_at;
};
/* Every held cancellation of an open mailbox, by PMB. *items free(). 0 or -1. */
int reconcile_held_list(struct db *db, int64_t operator_id, struct reconcile_held_view **items, size_t *n);
/*
 * The operator's answer about the held rows ids[0..n): confirm moves each one still held (and
 * whose mailbox is still open) into the webhook inbox as a pending event, so the membership sync
 * cancels the mailbox by its usual rules; keep only forgets them. Either way those rows are
 * deleted. One transaction. Returns how many events were put in the inbox (confirm) or rows
 * forgotten (keep), or -1 (nothing changed).
 */
int reconcile_held_answer(struct db *db, int64_t operator_id, const int64_t *ids, size_t n, int confirm, int64_t now);

#endif
