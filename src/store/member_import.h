/*
 * member_import.h: "Existing members" as stored (tables member_imports, member_import_rows;
 * migration 014): a snapshot of the operator's OfficeRnD memberships on linked plans that had no
 * mailbox, loaded by the worker a page at a time (worker/job_member_import.c), and the queue of
 * the rows the operator ticked for import. The rules (which group a row is in, what importing it
 * does) are domain/existing_members.h's; this file only reads and writes rows.
 *
 * A load is claimed per operator under a lease (claimed_by, claimed_until); every page is stored
 * in one transaction with the position of the next one, and only by the claim's holder, so a load
 * taken over from a killed worker goes on from the last page stored. Every function is scoped by
 * operator_id except the worker's *_due lists. None opens a transaction when it says it runs in
 * the caller's.
 */
#ifndef PILOTOMAIL_STORE_MEMBER_IMPORT_H
#define PILOTOMAIL_STORE_MEMBER_IMPORT_H

#include "store/db.h"
#include <stddef.h>
#include <stdint.h>

#include "officernd/officernd.h"

#define MEMBER_IMPORT_ID_MAX 64

/* The load phases, in order. */
#define MEMBER_IMPORT_PHASE_MEMBERSHIPS "memberships"
#define MEMBER_IMPORT_PHASE_MEMBERS "members"
#define MEMBER_IMPORT_PHASE_COMPANIES "companies"
#define MEMBER_IMPORT_PHASE_GROUP "group"

/* Where the operator's load and import stand, and the snapshot's counts. */
struct member_import_status {
	char load_state[16];  /* "", queued, loading, loaded, failed */
	char phase[16];
	int64_t listed;       /* memberships read from OfficeRnD so far */
	int64_t members_read;
	int64_t requested_at, loaded_at, claimed_until;
	char error[512];      /* why the last load failed */
	int64_t rows;         /* memberships in the snapshot */
	int64_t n_match, n_new, n_skip, n_ungrouped;
	int64_t open_match, open_new; /* of those, not imported or queued (what a tick can still import) */
	int64_t queued, imported, not_imported;
};
/* 0 (all zero and "" when never loaded) or -1. */
int member_import_status_get(struct db *db, int64_t operator_id, struct member_import_status *out);

enum member_import_ask {
	MEMBER_IMPORT_ASKED = 0,
	MEMBER_IMPORT_NOT_CONFIGURED = 1, /* no slug, client id or client secret */
	MEMBER_IMPORT_NO_PLANS = 2,       /* no plan linked to an offering */
	MEMBER_IMPORT_IMPORTING = 3,      /* rows are queued for import: a new load would drop them */
	MEMBER_IMPORT_FAILED = -1,
};
/* "Load existing members": asks the worker for a new snapshot (one under way starts over). */
enum member_import_ask member_import_request(struct db *db, int64_t operator_id, int64_t now);

/* The operators whose load is queued or under way and not under a live lease: *ids (free()). 0 or -1. */
int member_import_load_due(struct db *db, int64_t now, int64_t **ids, size_t *n);

/* A claimed load: where it stands. cursor: free(). */
struct member_import_load {
	char phase[16];
	char *cursor; /* NULL: the phase's first page */
};
/*
 * Claims the operator's load until now + lease_s when it is queued or loading and its lease ran
 * out or its holder (another worker) is dead (holder_dead(worker, holder) == 1; may be NULL). A queued load starts
 * over: the snapshot is emptied and the phase is memberships. One transaction. 1 claimed (*out
 * filled), 0 not, -1 on a store error.
 */
int member_import_load_claim(struct db *db, int64_t operator_id, const char *worker, int64_t now, int64_t lease_s,
			     int (*holder_dead)(const char *mine, const char *holder), struct member_import_load *out);
void member_import_load_clear(struct member_import_load *l);

/* What a page of the load needs to know of the store, per membership (the caller's rules). */
typedef int (*member_import_keep_fn)(struct db *db, int64_t operator_id, const struct orn_membership *m, void *ctx);

/*
 * One page of each phase, by the claim's holder, in one transaction with the phase's next position
 * (next NULL ends the phase; the lease is extended to now + lease_s). Memberships: those keep()
 * returns 1 for are added (a repeated one replaced). Members and companies: their names and emails
 * go onto the rows that name them. 0, 1 when the claim is no longer worker's (nothing written), -1.
 */
struct member_import_page {
	const char *worker;
	const char *next;
	int64_t now, lease_s;
};
int member_import_put_memberships(struct db *db, int64_t operator_id, const struct member_import_page *pg,
				  const struct orn_membership *items, size_t n, member_import_keep_fn keep, void *ctx);
int member_import_put_members(struct db *db, int64_t operator_id, const struct member_import_page *pg,
			      const struct orn_member *items, size_t n);
int member_import_put_companies(struct db *db, int64_t operator_id, const struct member_import_page *pg,
				const struct orn_company *items, size_t n);

/* Where the load held by worker stands: 1 (out filled; member_import_load_clear), 0 when worker
 * does not hold it any more (the operator asked again, or another worker took it over), -1. */
int member_import_load_position(struct db *db, int64_t operator_id, const char *worker, struct member_import_load *out);
/* The holder lets its claim run out at until (now: any worker may go on at once; later: wait, as
 * after OfficeRnD's Retry-After). 0 or -1. */
int member_import_load_pause(struct db *db, int64_t operator_id, const char *worker, int64_t until);
/* The load failed (error in the operator's words): state failed, claim released. 0, 1 (not the holder), -1. */
int member_import_load_failed(struct db *db, int64_t operator_id, const char *worker, const char *error, int64_t now);

/* One membership of the snapshot. */
struct member_import_row {
	int64_t id;
	char membership_id[MEMBER_IMPORT_ID_MAX + 1];
	char member_id[MEMBER_IMPORT_ID_MAX + 1];
	int member_found;
	char name[404];
	char email[256];
	char company_id[MEMBER_IMPORT_ID_MAX + 1]; /* "" when none */
	char company_name[404];
	char plan_id[MEMBER_IMPORT_ID_MAX + 1];
	char plan_name[256];                       /* the saved or cached name; "" when unknown */
	char location_id[MEMBER_IMPORT_ID_MAX + 1]; /* "" when none */
	char location_name[256];
	char start_date[40], end_date[40];         /* end_date "" when open ended */
	char status[32], calculated_status[32];
	int is_personal;
	char created_at[40], modified_at[40];
	char grp[8];                               /* "", match, new, skip */
	char reason[256];
	int64_t match_mailbox_id;                  /* 0 when none */
	char import_state[16];                     /* "", queued, imported, not_imported */
	int invite;
	char outcome[512];
	int64_t mailbox_id;                        /* 0 when none */
};

/* Inside the group phase's transaction: the next rows after after_id (at most max). *rows free(). 0 or -1. */
int member_import_rows_after(struct db *db, int64_t operator_id, int64_t after_id, size_t max,
			     struct member_import_row **rows, size_t *n);
/* Inside the caller's transaction: the row's group, reason and offered mailbox (0: none). 0 or -1. */
int member_import_row_group_set(struct db *db, int64_t operator_id, int64_t row_id, const char *grp,
				const char *reason, int64_t match_mailbox_id);
/*
 * Inside the group phase's transaction, by the claim's holder: the phase went up to row last_id;
 * done ends the load (state loaded at now, claim released). 0, 1 (not the holder), -1.
 */
int member_import_group_advance(struct db *db, int64_t operator_id, const char *worker, int64_t last_id, int done,
				int64_t now, int64_t lease_s);
/* Begins the group phase's transaction: 1 when worker holds the claim (transaction open), 0 when
 * not (none open), -1 on error (none open). */
int member_import_group_begin(struct db *db, int64_t operator_id, const char *worker);

/* The page: rows of one group (match, new, skip) after after_id, in load order, at most limit.
 * *rows free(). 0 or -1. */
int member_import_list(struct db *db, int64_t operator_id, const char *grp, int64_t after_id, size_t limit,
		       struct member_import_row **rows, size_t *n);
/* One row (0 found, 1 not the operator's or unknown, -1). */
int member_import_row_get(struct db *db, int64_t operator_id, int64_t row_id, struct member_import_row *out);

/* Counts per plan or per location: how many rows in each group, and how many imported. */
struct member_import_count {
	char id[MEMBER_IMPORT_ID_MAX + 1];
	char name[256];
	int64_t n_match, n_new, n_skip, imported;
};
int member_import_counts_by_plan(struct db *db, int64_t operator_id, struct member_import_count **items, size_t *n);
int member_import_counts_by_location(struct db *db, int64_t operator_id, struct member_import_count **items,
				     size_t *n);

/* The operator's ticks: rows by id, and whole groups ("match", "new"). */
struct member_import_ticks {
	const int64_t *row_ids;
	size_t n_rows;
	int all_match, all_new;
	int invite;            /* 1: invite now; 0: create without inviting */
};
enum member_import_queue_result {
	MEMBER_IMPORT_QUEUED = 0,
	MEMBER_IMPORT_UNKNOWN_ROW = 1, /* *bad: an id that is not a row of the operator's snapshot */
	MEMBER_IMPORT_SKIP_ROW = 2,    /* *bad: a row of the skip group (or not grouped yet) */
	MEMBER_IMPORT_NOT_LOADED = 3,  /* no snapshot ready: none, or a load under way */
	MEMBER_IMPORT_QUEUE_FAILED = -1,
};
/*
 * Queues the ticked rows that are not imported or queued already (*queued: how many), in one
 * transaction: any bad tick refuses them all and nothing changes (*bad filled).
 */
enum member_import_queue_result member_import_queue(struct db *db, int64_t operator_id,
						    const struct member_import_ticks *t, size_t *queued,
						    struct member_import_row *bad);

/* The operators with queued rows: *ids (free()). 0 or -1. */
int member_import_queued_operators(struct db *db, int64_t **ids, size_t *n);
/* Claims up to max of the operator's queued rows that no live lease holds, oldest first, for
 * worker until now + lease_s, in one claim transaction (db_begin_claim: on PostgreSQL workers take
 * different rows at once): *ids (free()), NULL when none. 0 or -1. The lease only spreads the
 * work: a row is imported in one transaction that re-reads it (member_import_row_finish needs it
 * still queued), so a worker killed mid-row leaves it queued for the next claim after the lease. */
int member_import_claim_rows(struct db *db, int64_t operator_id, const char *worker, int64_t now, int64_t lease_s,
			     size_t max, int64_t **ids, size_t *n);
/* The workers holding unexpired row claims (see worker/claims.h), and releasing a dead one's. */
int member_import_claimants(struct db *db, int64_t now, char ***ids, size_t *n);
int member_import_release_claims(struct db *db, const char *worker_id);
/* Inside the caller's transaction: the queued row ends (imported or not_imported) with outcome
 * and mailbox (0: none). 0, or -1 (not queued any more, or a store error). */
int member_import_row_finish(struct db *db, int64_t operator_id, int64_t row_id, const char *state,
			     const char *outcome, int64_t mailbox_id);

/*
 * The mailbox a row can connect to: an open mailbox of the operator not yet linked to any OfficeRnD
 * membership whose renter has this email (case-insensitive), not offered to another row; the oldest
 * when several. 1 found (*id, pmb filled), 0 none, -1 on a store error.
 */
int member_import_match_find(struct db *db, int64_t operator_id, const char *email, int64_t row_id, int64_t *id,
			     char *pmb, size_t pmb_size);
/*
 * Inside the caller's transaction: links the open, unlinked mailbox to the membership (and its renter to
 * the OfficeRnD member when no other renter has that member). 0 done, 1 when the mailbox is no longer
 * open and unlinked (nothing changed), -1 on a store error.
 */
int member_import_connect(struct db *db, int64_t operator_id, int64_t mailbox_id, const char *membership_id,
			  const char *location_id, const char *member_id);

#endif
