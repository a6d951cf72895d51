/*
 * existing_members.h: the rules of "Existing members" (issue 10): which OfficeRnD memberships the
 * snapshot keeps, which group each falls in, and what importing one does.
 *
 * Kept: memberships on a plan linked to an offering that have no mailbox. Groups, in this order:
 *   skip   the membership has a mailbox now, its plan is no longer linked, it ended (endDate
 *          passed, or expired), it is not approved, it has no location or its location is not
 *          linked to a space, or its member is not in OfficeRnD: reason says which
 *   match  an open mailbox of the operator that no membership owns (made by hand) belongs to a
 *          renter with the member's email: importing connects that mailbox to the membership
 *   new    importing creates a mailbox, with an invitation unless the operator chose not to
 *
 * Importing a row re-reads the store and groups it again (the mapping or the mailboxes may have
 * changed since the load), then goes through the membership sync (domain/membership_sync.h) as a
 * membership.created event would, so every rule of the sync holds: one mailbox per membership, an
 * older snapshot never overrides a newer state, a removed membership stays removed.
 */
#ifndef PILOTOMAIL_DOMAIN_EXISTING_MEMBERS_H
#define PILOTOMAIL_DOMAIN_EXISTING_MEMBERS_H

#include "store/db.h"
#include <stddef.h>
#include <stdint.h>

#include "officernd/officernd.h"
#include "store/member_import.h"

enum existing_group { EXISTING_MATCH, EXISTING_NEW, EXISTING_SKIP };

/* What the store says about a row's membership now. */
struct existing_facts {
	int64_t mailbox_id;       /* the membership's mailbox, 0: none */
	int64_t offering_id;      /* the offering linked to its plan, 0: not linked */
	int64_t space_id;         /* the space linked to its location, 0: not linked */
	int64_t match_mailbox_id; /* a hand-made mailbox with the member's email, 0: none */
	char match_pmb[16];
	char mailbox_pmb[16];
};

/* The group of row given facts at now_ms; reason (the operator's words) says why a skip, which
 * mailbox a match connects, or what a new row lacks ("" when nothing). Touches nothing. */
enum existing_group existing_members_group(const struct member_import_row *row, const struct existing_facts *f,
					   int64_t now_ms, char *reason, size_t size);
/* "match", "new", "skip". */
const char *existing_group_name(enum existing_group g);

/* Reads the facts of row (its mailbox, links, a mailbox to match). 0 or -1. */
int existing_members_facts(struct db *db, int64_t operator_id, const struct member_import_row *row,
			   struct existing_facts *f);

/* The load's filter (a member_import_keep_fn): 1 to keep m, 0 to leave it out, -1 on error. */
int existing_members_keep(struct db *db, int64_t operator_id, const struct orn_membership *m, void *ctx);

/*
 * The load's group phase: groups up to max rows after after_id in one transaction, by the holder of
 * the load's claim; *last gets the last row grouped. 1 more rows remain, 0 the load is done
 * (state loaded), 2 the claim is no longer worker's (nothing written), -1 on a store error.
 */
int existing_members_group_batch(struct db *db, int64_t operator_id, const char *worker, int64_t after_id, size_t max,
				 int64_t now_ms, int64_t lease_s, int64_t *last);

/*
 * Imports one queued row, in the caller's transaction: connects its matched mailbox or creates the
 * mailbox (invited as the operator chose), and records on the row what happened. A row not queued
 * any more (imported by another worker) changes nothing. 1 imported, 0 not imported or not queued
 * (message says why), -1 on a store error (roll back).
 */
int existing_members_import(struct db *db, int64_t operator_id, int64_t row_id, int64_t now_ms, char *message,
			    size_t size);

#endif
