/*
 * mailboxes.h: renters, their mailboxes and invitations. Every call is scoped by operator_id.
 * Writes that belong together (mailbox + invitation + queued email) are made by the caller
 * inside one db_begin()/db_commit(); these functions do not open transactions themselves.
 */
#ifndef PILOTOMAIL_STORE_MAILBOXES_H
#define PILOTOMAIL_STORE_MAILBOXES_H

#include "store/db.h"
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
int64_t renter_upsert(struct db *db, int64_t operator_id, const struct renter_fields *fields);

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
int64_t mailbox_create(struct db *db, int64_t operator_id, const struct mailbox_fields *f, int *exists);
/* The operator's mailbox with that PMB, or 0 when there is none. */
int64_t mailbox_find_by_pmb(struct db *db, int64_t operator_id, const char *pmb);
/* The mailbox of an OfficeRnD membership, or 0 when there is none. */
int64_t mailbox_find_by_membership(struct db *db, int64_t operator_id, const char *membership_id);
/* Changes: status is "active", "on_hold" or "cancelled" (leaving cancelled clears cancelled_by).
 * 0 or -1. */
int mailbox_set_status(struct db *db, int64_t operator_id, int64_t mailbox_id, const char *status);
/* Who cancelled the (cancelled) mailbox: "operator" or "officernd". 0 or -1. */
int mailbox_set_cancelled_by(struct db *db, int64_t operator_id, int64_t mailbox_id, const char *by);
/* Sets the "needs attention" note alone ("" clears it). 0 or -1. */
int mailbox_set_attention(struct db *db, int64_t operator_id, int64_t mailbox_id, const char *needs_attention);
int mailbox_set_offering(struct db *db, int64_t operator_id, int64_t mailbox_id, int64_t offering_id);
int mailbox_set_space(struct db *db, int64_t operator_id, int64_t mailbox_id, int64_t space_id,
		      const char *officernd_location_id, const char *needs_attention);

/*
 * Gives the OfficeRnD mailboxes that were waiting for their location to be linked (no space,
 * not cancelled) the space now linked to that location, and clears their "needs attention".
 * Runs in the caller's transaction, after the links are saved. Returns how many, or -1.
 */
int mailbox_assign_linked_spaces(struct db *db, int64_t operator_id, int64_t now);

struct mailbox_view {
	int64_t id;
	char pmb[16];
	char status[16];
	char source[16];
	char membership_id[64];
	char needs_attention[256];
	int64_t renter_id;
	char renter_name[404];     /* names: room for 100 characters of UTF-8 */
	char renter_email[256];
	char company_name[404];
	int64_t space_id;
	char space_name[404];
	int64_t offering_id;
	char offering_name[404];
	char invitation_state[16]; /* "", "pending", "accepted", "revoked", "expired" */
	int64_t created_at;
	char email_state[16];      /* the latest invitation email: "", queued, sending, sent, failed, cancelled */
	char officernd_location_id[64];
	int64_t cancelled_at;      /* 0 unless cancelled */
	char cancelled_by[16];     /* "operator", "officernd", or "" (open, or cancelled before 008) */
};

/* One mailbox with its renter, space, offering and invitation state. 0 or -1. */
int mailbox_get(struct db *db, int64_t operator_id, int64_t mailbox_id, struct mailbox_view *out);
struct mailbox_filter {
	const char *status;  /* NULL or "" for all */
	int64_t renter_id;   /* 0 for all; else the renter's (status is then ignored) */
	size_t limit;        /* at most this many (0 = all) */
	int64_t before_id;   /* keyset paging: only ids below it; 0 starts from the newest */
};
/* Mailboxes, newest first. *items free(). 0 or -1. */
int mailbox_list(struct db *db, int64_t operator_id, const struct mailbox_filter *f, struct mailbox_view **items,
		 size_t *n);
/* What a mailbox picker shows of each open (not cancelled) mailbox, newest first. */
struct mailbox_choice {
	int64_t id;
	char pmb[16];
	char renter_name[404];
	char renter_email[256];
	char company_name[404];
};
/* At most limit of them. *items free(). 0 or -1. */
int mailbox_choices(struct db *db, int64_t operator_id, size_t limit, struct mailbox_choice **items, size_t *n);
/* The mailboxes of one renter of the operator (the renter's own page), newest first. *items
 * free(). 0 or -1. */
int mailbox_list_for_renter(struct db *db, int64_t operator_id, int64_t renter_id,
			    struct mailbox_view **items, size_t *n);

/* Renter sign-in: the renter whose email and password match (renters of every operator are
 * tried; a renter without a password never matches), or 0. Takes the time of a password check
 * even when no renter has that email, so timing does not reveal accounts. */
int64_t renter_authenticate(struct db *db, const char *email, const char *password);

/* Creates a pending invitation; *token (free()) is the secret for the link, only its hash is
 * stored. Returns the invitation id or -1. */
int64_t invitation_create(struct db *db, int64_t operator_id, int64_t mailbox_id, int64_t now, char **token);
/* Revokes the mailbox's pending invitations (and cancels their queued emails). 0 or -1. */
int invitation_revoke_pending(struct db *db, int64_t operator_id, int64_t mailbox_id);

struct invitation_view {
	int64_t id;
	int64_t operator_id;
	int64_t mailbox_id;
	int64_t renter_id;
	char state[16]; /* pending, accepted, revoked, expired (derived from expires_at) */
	int64_t expires_at;
};
/* The latest invitation of a mailbox and the delivery of its email, for the mailbox page. */
struct invitation_status {
	int64_t id;              /* 0 when the mailbox never had an invitation */
	char state[16];          /* pending, accepted, revoked, expired */
	int64_t created_at;
	int64_t expires_at;
	int64_t accepted_at;     /* 0 unless accepted */
	int64_t outbox_id;       /* its email, 0 when none was queued (renter without email) */
	char email_state[16];    /* queued, sending, sent, failed, cancelled */
	char to_addr[256];
	int64_t attempts;
	int64_t next_attempt_at;
	int64_t sent_at;         /* 0 unless sent */
	char last_error[256];
};
/* 0 (out->id == 0 when there is no invitation) or -1. */
int invitation_latest(struct db *db, int64_t operator_id, int64_t mailbox_id, int64_t now,
		      struct invitation_status *out);
/* Looks an invitation up by its link token (any operator: the token is the key). 0 or -1. */
int invitation_find_by_token(struct db *db, const char *token, int64_t now, struct invitation_view *out);
/* Marks it accepted and sets the renter's password hash (password_hash(), computed before the
 * caller's transaction began: scrypt must never run under the write lock). 0 or -1. */
int invitation_accept(struct db *db, int64_t invitation_id, int64_t renter_id, const char *hash, int64_t now);

struct outbox_message {
	const char *kind;      /* "invitation" */
	int64_t invitation_id; /* 0 when none */
	const char *to;
	const char *subject;
	const char *text;
	const char *html;
	const char *message_id; /* NULL: a new "<random@mail-from-domain>" is made */
};
/* Queues an email for the worker. Returns the outbox id or -1. */
int64_t outbox_enqueue(struct db *db, int64_t operator_id, const struct outbox_message *m);

/*
 * The worker's side of the outbox. The queue is shared by every operator: these calls work on
 * one row by id, claimed under a lease (claimed_by, claimed_until) so that a killed worker's row
 * becomes claimable again once the lease ends. Strings in struct outbox_item are owned by it:
 * outbox_item_clear() frees them.
 */
#define OUTBOX_MAX_ATTEMPTS 8

struct outbox_item {
	int64_t id;
	int64_t operator_id;
	char *operator_name;
	char *kind;
	char *to_addr;
	char *subject;
	char *body_text;
	char *body_html;
	char *message_id;
	int64_t attempts;   /* including this one */
	int64_t created_at; /* the message's Date: a resend is the same message */
};

/* Claims the oldest due row (queued and due, or sending with an expired lease) in its own
 * transaction: state sending, lease until now + lease_s, attempts + 1.
 * Returns 1 with *out filled, 0 when nothing is due, -1 on a store error. */
int outbox_claim(struct db *db, const char *worker_id, int64_t now, int64_t lease_s, struct outbox_item *out);
/* The workers holding unexpired outbox claims (see worker/claims.h), and releasing a dead one's. */
int outbox_claimants(struct db *db, int64_t now, char ***ids, size_t *n);
int outbox_release_claims(struct db *db, const char *worker_id);
void outbox_item_clear(struct outbox_item *item);
/* Ends a claim, unless the row was cancelled or re-claimed meanwhile (then a no-op returning 0).
 * sent and failed clear the bodies, which hold the invitation link. 0 or -1. */
int outbox_mark_sent(struct db *db, int64_t id, const char *worker_id, int64_t now);
int outbox_mark_retry(struct db *db, int64_t id, const char *worker_id, int64_t next_attempt_at,
		      const char *error);
int outbox_mark_failed(struct db *db, int64_t id, const char *worker_id, const char *error);

#endif
