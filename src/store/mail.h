/*
 * mail.h: received mail items and the actions asked for and done on them.
 *
 * Every call is scoped by operator_id: another operator's item or request is "not found".
 * None of these opens a transaction: a caller that reads then writes (domain/charging.c, the
 * pages) wraps them in db_begin()/db_commit(). Structs are plain values; lists are arrays the
 * caller free()s.
 */
#ifndef PILOTOMAIL_STORE_MAIL_H
#define PILOTOMAIL_STORE_MAIL_H

#include "store/db.h"
#include <stddef.h>
#include <stdint.h>

struct mail_item {
	int64_t id;
	int64_t mailbox_id;            /* 0 = not yet assigned */
	char reference[16];            /* "M-000123" */
	char kind[16];                 /* letter, package */
	char sender[256];
	char received_on[11];          /* YYYY-MM-DD */
	char status[16];               /* stored scanned forwarded shredded recycled picked_up */
	char left_on[11];              /* "" while in storage */
	char storage_charged_through[11]; /* "" until a storage day was charged */
	int64_t created_at;
	/* Joined from the mailbox and its renter ("" / 0 when unassigned). */
	char pmb[16];
	char mailbox_status[16];       /* active on_hold cancelled */
	int64_t renter_id;
	char renter_name[256];
	char renter_email[256];
	int64_t offering_id;
	int64_t open_requests;         /* action requests still "requested" */
	int64_t scan_id;               /* its scan file (store/scans.h), 0 when none */
};

/* Which items a list shows. */
enum mail_tab { MAIL_TAB_UNASSIGNED, MAIL_TAB_ASSIGNED, MAIL_TAB_ALL };

/* 1 when status means the item has left storage (forwarded, shredded, recycled, picked_up). */
int mail_status_left_storage(const char *status);

/*
 * Records a received item with the operator's next reference "M-000001", in one statement
 * (inside the caller's write transaction or one of its own).
 * mailbox_id 0 leaves it unassigned. Returns the id (and the reference into ref_out, 16 bytes,
 * may be NULL) or -1.
 */
int64_t mail_item_create(struct db *db, int64_t operator_id, int64_t mailbox_id, const char *kind,
			 const char *sender, const char *received_on, int64_t now, char *ref_out);
/* 0, or -1 when not found. */
int mail_item_get(struct db *db, int64_t operator_id, int64_t id, struct mail_item *out);
struct mail_filter {
	enum mail_tab tab;
	int64_t mailbox_id;   /* > 0: that mailbox's items only (tab and q are then ignored) */
	const char *q;        /* NULL or "": else the PMB, the renter's name or email, the item
				 reference or the sender contains it (any case) */
	size_t limit;         /* at most this many (0 = 500) */
	/* Keyset paging: only items older than (before_day, before_id) in the list's order;
	 * before_id 0 starts from the newest. */
	char before_day[11];
	int64_t before_id;
};
/* Items of a tab, newest received first (by day, then id). 0 or -1. */
int mail_item_list(struct db *db, int64_t operator_id, const struct mail_filter *f, struct mail_item **items,
		   size_t *n);
/* The renter's items across their mailboxes, newest first. 0 or -1. */
int mail_item_list_for_renter(struct db *db, int64_t operator_id, int64_t renter_id, struct mail_item **items,
			      size_t *n);
/* How many items are not yet assigned (for the tab's count). -1 on error. */
int64_t mail_item_count_unassigned(struct db *db, int64_t operator_id);
/* Sets the item's mailbox. 0 or -1. */
int mail_item_assign(struct db *db, int64_t operator_id, int64_t id, int64_t mailbox_id);
/* Sets the status, and left_on when the item left storage (NULL keeps it). 0 or -1. */
int mail_item_set_status(struct db *db, int64_t operator_id, int64_t id, const char *status, const char *left_on);
/* Records the last storage day charged. 0 or -1. */
int mail_item_set_storage_charged_through(struct db *db, int64_t operator_id, int64_t id, const char *day);

struct action_request {
	int64_t id;
	int64_t mail_item_id;
	char action[16];               /* scan forward shred recycle pickup */
	char state[16];                /* requested completed cancelled */
	char requested_by[16];         /* renter operator */
	char carrier[64];
	char tracking[128];
	int64_t postage;               /* minor units */
	char note[256];
	int64_t created_at;
	int64_t completed_at;          /* 0 unless completed */
	char forward_address[512];     /* a forward's address as the renter asked, "" otherwise */
};

/* A new request in state "requested". Returns its id or -1. */
int64_t action_request_create(struct db *db, int64_t operator_id, int64_t mail_item_id, const char *action,
			      const char *requested_by, int64_t now);
/* Keeps the address a forward was asked to. 0 or -1. */
int action_request_set_forward_address(struct db *db, int64_t operator_id, int64_t id, const char *address);
/* 0, or -1 when not found. */
int action_request_get(struct db *db, int64_t operator_id, int64_t id, struct action_request *out);
/* The item's requests, oldest first. 0 or -1. */
int action_request_list(struct db *db, int64_t operator_id, int64_t mail_item_id, struct action_request **items,
			size_t *n);
/* The id of the item's request for action in state (NULL = requested or completed), 0 if none,
 * -1 on error. */
int64_t action_request_find(struct db *db, int64_t operator_id, int64_t mail_item_id, const char *action,
			    const char *state);
/* requested -> completed with the forwarding details. 0; -1 if it was not requested. */
int action_request_complete(struct db *db, int64_t operator_id, int64_t id, const char *carrier,
			    const char *tracking, int64_t postage, int64_t now);
/* requested -> cancelled with a note. 0; -1 if it was not requested. */
int action_request_cancel(struct db *db, int64_t operator_id, int64_t id, const char *note);
/* How many requests for action are still "requested" on the mailbox's items. -1 on error. */
int64_t action_request_count_open(struct db *db, int64_t operator_id, int64_t mailbox_id, const char *action);
/* Cancels every still-requested action of the item (it left storage). 0 or -1. */
int action_request_cancel_open(struct db *db, int64_t operator_id, int64_t mail_item_id, const char *note);

#endif
