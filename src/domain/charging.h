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
};

/* The forwarding details the operator enters when completing a forward. */
struct forward_details {
	const char *carrier;
	const char *tracking;
	int64_t postage;         /* minor units, >= 0 */
};

/*
 * Completes a requested action (see above). fwd may be NULL (no carrier, no postage).
 * now gives completed_at, created_at and, as a UTC day, the charge date and the month of the
 * allowance.
 */
enum charging_status charging_complete_action(struct db *db, int64_t operator_id, int64_t action_request_id,
					      const struct forward_details *fwd, int64_t now,
					      struct charging_result *out);

/*
 * The operator records an action done on an item directly: an open request for the same action
 * is completed, otherwise an operator request is created and completed, in one transaction.
 */
enum charging_status charging_record_action(struct db *db, int64_t operator_id, int64_t mail_item_id,
					    const char *action, const struct forward_details *fwd, int64_t now,
					    struct charging_result *out);

/*
 * A renter asks for action on one of their items: the item must be theirs (else NOT_FOUND), its
 * mailbox active, the item still in storage, the action enabled by the offering, and not
 * already requested or done. Creates the request; no charge yet.
 */
enum charging_status charging_request_action(struct db *db, int64_t operator_id, int64_t renter_id,
					     int64_t mail_item_id, const char *action, int64_t now,
					     struct charging_result *out);

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
