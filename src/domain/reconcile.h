/*
 * reconcile.h: the rules of the check for OfficeRnD membership changes whose webhook never came.
 *
 * The worker (worker/job_reconcile.c) lists memberships from OfficeRnD and, for each one that
 * pilotomail has not applied in that version, puts a synthesized event into the webhook inbox,
 * shaped exactly like OfficeRnD's own, so that the usual path applies it with every rule of the
 * membership sync (order by version, removed stays removed, one mailbox per membership, activity
 * line, retries). The event id is "reconcile:<membership id>:<modifiedAt>" (or ":removed"), and it
 * is also the inbox's dedupe key: a change is never inserted twice, however often passes run.
 *
 * Which listed memberships get an event (reconcile_need):
 *   known, not removed, listed version newer than the applied one      -> membership.updated
 *   never seen, changed since pilotomail started watching the account,
 *   and it would get a mailbox (linked plan, approved, not ended):
 *   a membership.created webhook that never came                       -> membership.created
 *   anything else (same or older version, removed, a never-seen one
 *   that would get no mailbox anyway, or the change already waiting in
 *   the inbox, pending or failed)                                        -> nothing
 * A never-seen membership that would get no mailbox is left out so that the first pass over a
 * whole OfficeRnD account does not fill the Activity page with one skipped line per desk or office
 * membership; if it changes later, its new version is listed again.
 *
 * Nothing here touches the store or the network. Strings returned are the caller's to free().
 */
#ifndef PILOTOMAIL_DOMAIN_RECONCILE_H
#define PILOTOMAIL_DOMAIN_RECONCILE_H

#include <stddef.h>
#include <stdint.h>

#include "officernd/event.h"
#include "officernd/officernd.h"

/* How far before the last pass's newest modifiedAt the next pass starts (clock skew, writes
 * that land in OfficeRnD while a pass pages through). */
#define RECONCILE_OVERLAP_MS ((int64_t)5 * 60 * 1000)

/*
 * The mass-cancel guard: a pass that would cancel more than RECONCILE_CONFIRM_MIN mailboxes AND
 * more than RECONCILE_CONFIRM_PERCENT percent of the operator's open mailboxes at once cancels
 * nothing; it holds those cancellations for the operator to confirm on the Activity page. An
 * emptied, reset or wrong OfficeRnD account looks exactly like every membership deleted; real
 * departures come a few at a time. The minimum keeps a small operator (a dozen mailboxes) from
 * being asked about two members leaving in the same hour.
 */
#define RECONCILE_CONFIRM_MIN 3
#define RECONCILE_CONFIRM_PERCENT 10

/* 1 when cancelling n of open open mailboxes at once needs the operator's confirmation. */
int reconcile_needs_confirm(size_t n, size_t open);

/*
 * 1 when the listed state ends a mailbox (plan not linked, ended: membership_sync's "cancelled"),
 * with why in reason (the operator's words); 0 when it does not (on hold is not a cancel).
 */
int reconcile_would_cancel(const struct orn_membership *m, int plan_linked, int64_t now_ms, char *reason,
			   size_t size);

/* The prefix of the event ids (and dedupe keys) of synthesized events. */
#define RECONCILE_EVENT_PREFIX "reconcile:"

/* A listed membership's version: modifiedAt, else createdAt, in Unix ms. 0, or -1 when neither
 * is an ISO-8601 time (such a membership cannot be ordered and is left out). */
int reconcile_version_ms(const struct orn_membership *m, int64_t *ms);

/* What pilotomail knows about a listed membership. */
struct reconcile_known {
	int seen;                 /* a memberships row exists (an event was applied) */
	int removed;              /* ... and it says removed */
	int64_t version_ms;       /* ... and the version applied */
	int plan_linked;          /* the listed plan is linked to a mailbox offering */
	int64_t inbox_version_ms; /* newest version among its pending or failed events, 0: none */
	int inbox_removed;        /* a pending or failed membership.removed is among them */
	int64_t since_ms;         /* when pilotomail started watching the account (0: always) */
};

/* EVENT_CREATED or EVENT_UPDATED when the membership needs an event, EVENT_OTHER when not. */
enum event_kind reconcile_need(const struct orn_membership *m, int64_t version_ms,
			       const struct reconcile_known *k, int64_t now_ms);

/* Reads the newest version and whether a removal is among the given inbox bodies (unreadable
 * ones are ignored) into k->inbox_version_ms and k->inbox_removed. */
void reconcile_inbox_scan(char *const *bodies, size_t n, struct reconcile_known *k);

/*
 * The event for m, as OfficeRnD would send it: {"event":"reconcile:<id>:<modifiedAt>" (or
 * ":removed" for EVENT_REMOVED), "eventType":"membership.<kind>", "data":{"object":{...m as
 * OfficeRnD returns it...},"previousAttributes":{}},"createdAt":"<now ISO>"}. Returns the
 * compact JSON body; *event_id gets the event id (both free()). kind is EVENT_CREATED,
 * EVENT_UPDATED or EVENT_REMOVED. event_parse() reads the body back to the same fields.
 */
char *reconcile_event_body(const struct orn_membership *m, enum event_kind kind, int64_t now_ms,
			   char **event_id);

/* "YYYY-MM-DDTHH:MM:SS.mmmZ" of Unix ms into buf (at least 25 bytes); returns buf. */
char *reconcile_format_ms(int64_t ms, char *buf, size_t size);

/*
 * The modifiedAt filter of an incremental pass: RECONCILE_OVERLAP_MS before through (the last
 * pass's newest modifiedAt), into buf. 0, or -1 when through is empty or not a time (then the
 * pass lists every membership).
 */
int reconcile_filter_after(const char *through, char *buf, size_t size);

#endif
