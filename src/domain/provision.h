/*
 * provision.h: the one place a mailbox is created with its invitation and invitation email,
 * and the one place an invitation is re-sent or a mailbox cancelled. Used by the OfficeRnD
 * membership sync (worker) and by the operator's manual "New mailbox" page.
 *
 * Every function runs inside the CALLER's transaction (db_begin()/db_commit()): the mailbox,
 * the invitation and the queued email are committed together or not at all. On -1 the caller
 * rolls back. None of these functions sends anything: the email is queued in the outbox and the
 * worker delivers it.
 */
#ifndef PILOTOMAIL_DOMAIN_PROVISION_H
#define PILOTOMAIL_DOMAIN_PROVISION_H

#include "store/db.h"
#include <stdint.h>

#include "store/mailboxes.h"

/*
 * Upserts the renter, creates an active mailbox with the operator's next PMB, a pending
 * invitation, and queues the invitation email (to renter->email, with the link
 * PILOTOMAIL_BASE_URL/invite/TOKEN). mailbox->renter_id is filled in by this function; the
 * other mailbox fields are the caller's (space_id 0 = no space yet).
 * Returns the mailbox id, or -1. When a mailbox for mailbox->officernd_membership_id exists
 * already, *exists is set to 1 and -1 is returned (nothing else is written by the failed
 * insert; the caller may look the mailbox up with mailbox_find_by_membership()).
 * A renter without an email address gets the mailbox and invitation but no queued email.
 */
int64_t provision_mailbox(struct db *db, int64_t operator_id, const struct renter_fields *renter,
			  struct mailbox_fields *mailbox, int64_t now, int *exists);

/*
 * The same without an invitation and without any email (the import's "create without inviting"):
 * the operator sends one later with "Resend invitation" (provision_reinvite).
 */
int64_t provision_mailbox_uninvited(struct db *db, int64_t operator_id, const struct renter_fields *renter,
				    struct mailbox_fields *mailbox, int64_t now, int *exists);

/*
 * "Resend invitation": revokes the mailbox's pending invitations (cancelling their queued
 * emails), creates a new invitation and queues its email. Refused (-1) for a cancelled
 * mailbox, a mailbox whose invitation was accepted, or an unknown mailbox. 0 or -1.
 */
int provision_reinvite(struct db *db, int64_t operator_id, int64_t mailbox_id, int64_t now);

/*
 * Cancels the mailbox: status "cancelled", cancelled_at set, cancelled_by = by ("operator": the
 * operator's Cancel button, which OfficeRnD's later changes never undo; "officernd": a membership
 * event), unaccepted invitations revoked and their queued emails cancelled. Charges already made stay and are still billed. Cancelling a
 * cancelled mailbox is a no-op returning 0. cancelled_at is time_now() (PILOTOMAIL_FAKE_NOW
 * honoured). 0, or -1 (unknown mailbox or a store error).
 */
int provision_cancel(struct db *db, int64_t operator_id, int64_t mailbox_id, const char *by);

#endif
