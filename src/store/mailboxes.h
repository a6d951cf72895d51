/*
 * mailboxes.h: renters, their mailboxes and invitations. Every call is scoped by operator_id.
 * Writes that belong together (mailbox + invitation + queued email) are made by the caller
 * inside one db_begin()/db_commit(); these functions do not open transactions themselves.
 */
#ifndef PILOTOMAIL_STORE_MAILBOXES_H
#define PILOTOMAIL_STORE_MAILBOXES_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#define INVITATION_LIFETIME_S (14 * 24 * 3600)

struct renter_fields {
	const char *name;
	const char *email;
	const char *company_name;
	const char *officernd_member_id;  /* NULL for a manual renter */
	const char *officernd_company_id; /* NULL unless the membership is a company's */
};

/* Finds the renter by OfficeRnD member id (when given) or creates it; updates name, email and
 * company from fields. Returns the renter id or -1. */
int64_t renter_upsert(sqlite3 *db, int64_t operator_id, const struct renter_fields *fields);

struct mailbox_fields {
	int64_t renter_id;
	int64_t space_id;    /* 0 = none yet (location not linked) */
	int64_t offering_id;
	const char *source;  /* "manual" or "officernd" */
	const char *officernd_membership_id; /* NULL for manual */
	const char *officernd_location_id;
	const char *needs_attention;         /* "" when all is well */
};

/* Creates an active mailbox with the next free PMB number of the operator. Returns its id,
 * or -1 (a second mailbox for the same membership is refused by the schema: *exists set). */
int64_t mailbox_create(sqlite3 *db, int64_t operator_id, const struct mailbox_fields *f, int *exists);
/* The mailbox of an OfficeRnD membership, or 0 when there is none. */
int64_t mailbox_find_by_membership(sqlite3 *db, int64_t operator_id, const char *membership_id);
/* Changes: status is "active", "on_hold" or "cancelled". 0 or -1. */
int mailbox_set_status(sqlite3 *db, int64_t operator_id, int64_t mailbox_id, const char *status);
int mailbox_set_offering(sqlite3 *db, int64_t operator_id, int64_t mailbox_id, int64_t offering_id);
int mailbox_set_space(sqlite3 *db, int64_t operator_id, int64_t mailbox_id, int64_t space_id,
		      const char *officernd_location_id, const char *needs_attention);

struct mailbox_view {
	int64_t id;
	char pmb[16];
	char status[16];
	char source[16];
	char membership_id[64];
	char needs_attention[256];
	int64_t renter_id;
	char renter_name[256];
	char renter_email[256];
	char company_name[256];
	int64_t space_id;
	char space_name[128];
	int64_t offering_id;
	char offering_name[128];
	char invitation_state[16]; /* "", "pending", "accepted", "revoked", "expired" */
	int64_t created_at;
};

/* One mailbox with its renter, space, offering and invitation state. 0 or -1. */
int mailbox_get(sqlite3 *db, int64_t operator_id, int64_t mailbox_id, struct mailbox_view *out);
/* All mailboxes, newest first; status filter NULL or "" for all. *items free(). 0 or -1. */
int mailbox_list(sqlite3 *db, int64_t operator_id, const char *status, struct mailbox_view **items, size_t *n);

/* Creates a pending invitation; *token (free()) is the secret for the link, only its hash is
 * stored. Returns the invitation id or -1. */
int64_t invitation_create(sqlite3 *db, int64_t operator_id, int64_t mailbox_id, int64_t now, char **token);
/* Revokes the mailbox's pending invitations (and cancels their queued emails). 0 or -1. */
int invitation_revoke_pending(sqlite3 *db, int64_t operator_id, int64_t mailbox_id);

struct invitation_view {
	int64_t id;
	int64_t operator_id;
	int64_t mailbox_id;
	int64_t renter_id;
	char state[16]; /* pending, accepted, revoked, expired (derived from expires_at) */
	int64_t expires_at;
};
/* Looks an invitation up by its link token (any operator: the token is the key). 0 or -1. */
int invitation_find_by_token(sqlite3 *db, const char *token, int64_t now, struct invitation_view *out);
/* Marks it accepted and sets the renter's password. 0 or -1. */
int invitation_accept(sqlite3 *db, int64_t invitation_id, int64_t renter_id, const char *password, int64_t now);

struct outbox_message {
	const char *kind;      /* "invitation" */
	int64_t invitation_id; /* 0 when none */
	const char *to;
	const char *subject;
	const char *text;
	const char *html;
};
/* Queues an email for the worker. Returns the outbox id or -1. */
int64_t outbox_enqueue(sqlite3 *db, int64_t operator_id, const struct outbox_message *m);

#endif
