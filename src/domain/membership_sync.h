/*
 * membership_sync.h: the rules that turn an OfficeRnD membership event into mailbox changes
 * (DESIGN.md, "Membership events").
 *
 *   created / updated, linked plan, approved, not ended  -> one active mailbox with the linked
 *       offering, in the space linked to the location (an unlinked location: no space and
 *       needs_attention); created with an invitation when there was none
 *   plan not linked, endDate passed, calculatedStatus expired -> mailbox cancelled (none made)
 *   status not_approved                                  -> mailbox on hold (none made)
 *   removed -> mailbox cancelled, unaccepted invitation revoked; the membership stays removed
 *   any of these on a mailbox the OPERATOR cancelled -> it stays cancelled (no invitation, no
 *       storage charges); when the membership would have an active mailbox, the mailbox is marked
 *       needs_attention so the operator can reopen it (membership_sync_reopen)
 *
 * An event older (by modifiedAt, else createdAt) than the state already applied changes nothing.
 * One mailbox per membership, however events repeat or cross.
 *
 * In two steps, so that no transaction is open while OfficeRnD is asked anything:
 *   membership_sync_prepare()  outside any transaction: fetches the member (and company) when a
 *                              mailbox will probably have to be created
 *   membership_sync_apply()    inside the caller's transaction: re-reads the state and writes
 * The caller records the outcome on the event row in that same transaction.
 */
#ifndef PILOTOMAIL_DOMAIN_MEMBERSHIP_SYNC_H
#define PILOTOMAIL_DOMAIN_MEMBERSHIP_SYNC_H

#include "store/db.h"
#include <stdint.h>

#include "officernd/event.h"
#include "officernd/officernd.h"

/* How the sync reaches OfficeRnD (the worker passes the real client; tests pass their own). */
struct sync_fetch {
	/* Both return 0, or -1 with *err filled. */
	int (*get_member)(void *ctx, const char *id, struct orn_member *out, struct orn_error *err);
	int (*get_company)(void *ctx, const char *id, struct orn_company *out, struct orn_error *err);
	void *ctx;
};

enum sync_result {
	SYNC_APPLIED, /* the event's state is applied (message says what changed, or "no change") */
	SYNC_SKIPPED, /* nothing to do, and why (older event, removed membership, plan not linked) */
	SYNC_RETRY,   /* try again later: error says what OfficeRnD answered (ORN_OK: right away) */
	SYNC_FAILED,  /* will not work by retrying alone: message says what to fix */
};

struct sync_outcome {
	enum sync_result result;
	char message[512];     /* in the operator's words; never a secret */
	struct orn_error error; /* for SYNC_RETRY and SYNC_FAILED from OfficeRnD */
};

/* What prepare fetched for apply. Zero-initialise; sync_prepared_clear() releases it. */
struct sync_prepared {
	int have_member;
	struct orn_member member;
	int have_company;
	struct orn_company company;
	int no_invitation; /* a mailbox created by apply gets no invitation (the import's "create
			      without inviting"); 0 for every webhook */
};

/*
 * Step 1, outside any transaction. 0: go on with membership_sync_apply(). -1: out says why not
 * (SYNC_RETRY or SYNC_FAILED, from OfficeRnD or from the store).
 */
int membership_sync_prepare(struct db *db, int64_t operator_id, const struct event *ev,
			    const struct sync_fetch *fetch, int64_t now_ms, struct sync_prepared *prep,
			    struct sync_outcome *out);

/*
 * What step 1 would ask OfficeRnD, without asking: 1 when membership_sync_prepare() is to fetch
 * the event's member (ev->membership.member), 0 when not, -1 on a store error. A worker with a
 * batch of events fetches those members together first, then hands each to prepare through
 * its sync_fetch.
 */
int membership_sync_wants_member(struct db *db, int64_t operator_id, const struct event *ev, int64_t now_ms);

/*
 * Step 2, inside the caller's transaction (db_begin() done). 0 with out filled (APPLIED,
 * SKIPPED, or RETRY when the state moved since step 1); -1 on a store error (roll back).
 * now_ms decides whether an endDate has passed.
 */
int membership_sync_apply(struct db *db, int64_t operator_id, const struct event *ev,
			  const struct sync_prepared *prep, int64_t now_ms, struct sync_outcome *out);

void sync_prepared_clear(struct sync_prepared *prep);

/*
 * "Reopen mailbox" on a mailbox the operator cancelled (an operator's cancel sticks through every
 * later OfficeRnD change, which only marks the mailbox as needing attention). Inside the caller's
 * transaction. The mailbox takes the state the membership last applied asks for: active with the
 * linked plan's offering and the linked location's space (a new invitation unless one was
 * accepted), or on hold when not approved. Refused (SYNC_SKIPPED, message says why) when the
 * mailbox is not one the operator cancelled, the membership was removed, or it would have no
 * mailbox (plan not linked, ended). A manual mailbox is simply made active again.
 * 0 with out filled (APPLIED or SKIPPED), -1 on a store error (roll back).
 */
int membership_sync_reopen(struct db *db, int64_t operator_id, int64_t mailbox_id, int64_t now_ms,
			   struct sync_outcome *out);

/* 1 when the membership has ended at now_ms: endDate passed (a date alone counts to its end) or
 * calculatedStatus "expired". */
int membership_sync_ended(const struct event_membership *m, int64_t now_ms);
/* 1 when an OfficeRnD endDate (date-time, or a day that runs to its end) is at or before now. */
int membership_end_passed(const char *end_date, int64_t now_ms);

#endif
