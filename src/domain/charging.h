/*
 * charging.h: the rules of mail actions and their charges.
 *
 * A renter asks for an action on their item; the operator records it done (completing the
 * renter's request, or recording one directly). Completing is one transaction: the request is
 * completed, the item's status changes (and left_on is set when it left storage), the action is
 * priced from the mailbox's offering (the free allowance of the calendar month first, then the
 * fee; forwarding adds postage) and the charge is written — queued for OfficeRnD when the
 * operator bills through OfficeRnD and the renter is an OfficeRnD member, else not_billed. A
 * free (zero) charge is recorded too, never billed.
 */
#ifndef PILOTOMAIL_DOMAIN_CHARGING_H
#define PILOTOMAIL_DOMAIN_CHARGING_H

#include "store/db.h"
#include <stddef.h>
#include <stdint.h>

enum charging_status {
	CHARGING_OK = 0,
	CHARGING_ERROR = -1,     /* store failure (logged); nothing changed */
	CHARGING_NOT_FOUND = 1,  /* no such item or request for this operator (or renter) */
	CHARGING_CONFLICT = 2,   /* not possible in the current state: message says why */
	CHARGING_INVALID = 3,    /* a bad or not allowed value (disabled action, ...): message says why */
};

struct charging_result {
	int64_t action_request_id;
	int64_t charge_id;       /* 0 when no charge was made (a request only) */
	int64_t amount;          /* minor units */
	int free_allowance;      /* 1 when the month's free allowance covered the action fee */
	char billing_state[16];
	char message[320];       /* for the person: what happened or why not */
	/* A shred removed the item's scan row: its hash, for scan_release_file() after the commit
	 * ("" when none). */
	char released_scan[65];
};

/* The forwarding details the operator enters when completing a forward. */
struct forward_details {
	const char *carrier;
	const char *tracking;
	int64_t postage;         /* minor units, >= 0 */
};

/*
 * Extra work done inside the completing transaction, once the action is completed and charged
 * (attaching a scan file, queueing its email): run returns 0, or -1 to roll everything back
 * (with out->message set to say why).
 */
struct mail_item;
struct action_request;
struct charging_result;
struct charging_hook {
	int (*run)(struct db *db, int64_t operator_id, const struct action_request *req, const struct mail_item *it,
		   int64_t now, void *data, struct charging_result *out);
	void *data;
};

/*
 * Completes a requested action (see above). fwd may be NULL (no carrier, no postage).
 * now gives completed_at, created_at and, as a UTC day, the charge date and the month of the
 * allowance.
 */
enum charging_status charging_complete_action(struct db *db, int64_t operator_id, int64_t action_request_id,
					      const struct forward_details *fwd, int64_t now,
					      struct charging_result *out);
/* The same with a hook (NULL: none), run only when the completed action is a scan. */
enum charging_status charging_complete_action_hooked(struct db *db, int64_t operator_id, int64_t action_request_id,
						     const struct forward_details *fwd,
						     const struct charging_hook *hook, int64_t now,
						     struct charging_result *out);

/*
 * The operator records an action done on an item directly: an open request for the same action
 * is completed, otherwise an operator request is created and completed, in one transaction.
 */
enum charging_status charging_record_action(struct db *db, int64_t operator_id, int64_t mail_item_id,
					    const char *action, const struct forward_details *fwd, int64_t now,
					    struct charging_result *out);
enum charging_status charging_record_action_hooked(struct db *db, int64_t operator_id, int64_t mail_item_id,
						   const char *action, const struct forward_details *fwd,
						   const struct charging_hook *hook, int64_t now,
						   struct charging_result *out);

/*
 * A renter asks for action on one of their items: the item must be theirs (else NOT_FOUND), its
 * mailbox active, the item still in storage, the action enabled by the offering, and not in
 * conflict with the item's other requests (charging_request_conflict). A forward needs the
 * address (forward_address, ignored for other actions), which is kept on the request and as the
 * renter's last used address. Creates the request; no charge yet.
 */
enum charging_status charging_request_action(struct db *db, int64_t operator_id, int64_t renter_id,
					     int64_t mail_item_id, const char *action, const char *forward_address,
					     int64_t now, struct charging_result *out);

/*
 * The checks of charging_request_action() without asking (for the page before the request):
 * CHARGING_OK when the renter may ask for action on the item now, else why not in out->message.
 * Loads the item into *it (when found).
 */
enum charging_status charging_request_allowed(struct db *db, int64_t operator_id, int64_t renter_id,
					      int64_t mail_item_id, const char *action, struct mail_item *it,
					      struct charging_result *out);

/*
 * Whether a renter may ask for action on item `reference` given its requests reqs[0..n): not the
 * same action twice (requested or done), never two actions that take the item out of storage
 * (forward, shred, recycle, pickup) at once, nothing after a shred was asked for, and no shred
 * while another request is still open (the shred would destroy the item first). 0 when fine,
 * else 1 with a plain sentence in msg.
 */
int charging_request_conflict(const char *action, const struct action_request *reqs, size_t n,
			      const char *reference, char *msg, size_t size);

/* A forwarding address as typed: trimmed, 5 to 500 characters, lines kept, no other control
 * characters. NULL when fine (clean copied into out, size > 500), else why not. */
const char *charging_forward_address_check(const char *typed, char *out, size_t size);

/* Cancels a requested action of the item. */
enum charging_status charging_cancel_action(struct db *db, int64_t operator_id, int64_t mail_item_id,
					    int64_t action_request_id, struct charging_result *out);

/* "Scan", "Forwarding", ... for an action name; "" for an unknown one. */
const char *charging_action_label(const char *action);
/* "scanning", "forwarding", ... (for "Request scanning"); "" for an unknown one. */
const char *charging_action_noun(const char *action);
/* "Record scan", ... : the operator's button; "" for an unknown one. */
const char *charging_action_button(const char *action);
/* The item status an action leads to: "scanned", "forwarded", ...; NULL for an unknown one. */
const char *charging_action_status(const char *action);

#endif
