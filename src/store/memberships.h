/*
 * memberships.h: the newest OfficeRnD membership state the worker has applied (table
 * memberships), and the operator's plan and location links as the sync reads them.
 * Every call is scoped by operator_id; none opens a transaction (the membership sync calls them
 * inside its own).
 */
#ifndef PILOTOMAIL_STORE_MEMBERSHIPS_H
#define PILOTOMAIL_STORE_MEMBERSHIPS_H

#include "store/db.h"
#include <stddef.h>
#include <stdint.h>

struct membership_row {
	int64_t version_ms; /* modifiedAt (else createdAt) of the state applied, in ms */
	int removed;        /* 1: removed in OfficeRnD, later events change nothing */
};

/* 0 found, 1 when the membership was never seen, -1 on a store error. */
int membership_row_get(struct db *db, int64_t operator_id, const char *membership_id, struct membership_row *out);

/* The state last applied, as stored (strings "" when absent; end_date "" when open ended). */
struct membership_state {
	char member_id[64], company_id[64], plan_id[64], location_id[64];
	char status[32], end_date[40];
	int is_personal;
	int64_t version_ms;
	int removed;
};
/* 0 found, 1 when the membership was never seen, -1 on a store error. */
int membership_state_get(struct db *db, int64_t operator_id, const char *membership_id, struct membership_state *out);

struct membership_put {
	const char *membership_id;
	const char *member_id;   /* "" when unknown */
	const char *company_id;  /* NULL: none */
	const char *plan_id;
	const char *location_id; /* "" when none */
	const char *status;
	const char *end_date;    /* NULL: open ended */
	int is_personal;
	int64_t version_ms;
	int removed;
	int64_t now;
};

/*
 * Inserts or replaces the membership's state. A removed membership stays removed and the
 * stored version never goes down, whatever is passed. 0 or -1.
 */
int membership_row_put(struct db *db, int64_t operator_id, const struct membership_put *p);

struct membership_ending {
	int64_t operator_id;
	int64_t mailbox_id;
	char membership_id[64];
	char end_date[40];
};
/*
 * Mailboxes still open (active or on hold) whose membership has an end date and was not
 * removed: the candidates for cancelling once that date passes. At most max, after mailbox
 * id after_id (for paging); *n is how many were filled. 0 or -1.
 */
int membership_endings_list(struct db *db, int64_t after_id, struct membership_ending *out, size_t max, size_t *n);

/* The offering linked to an OfficeRnD plan, 0 when the plan is not linked, -1 on an error. */
int64_t membership_plan_offering(struct db *db, int64_t operator_id, const char *plan_id);
/* The space linked to an OfficeRnD location, 0 when not linked (or NULL), -1 on an error. */
int64_t membership_location_space(struct db *db, int64_t operator_id, const char *location_id);

#endif
