/*
 * offerings.h: Mailbox Offerings: the monthly price, per-action allowance and fee, and storage
 * terms. Money in minor units. Every call is scoped by operator_id.
 */
#ifndef PILOTOMAIL_STORE_OFFERINGS_H
#define PILOTOMAIL_STORE_OFFERINGS_H

#include "store/db.h"
#include <stddef.h>
#include <stdint.h>

enum mail_action { ACTION_SCAN, ACTION_FORWARD, ACTION_SHRED, ACTION_RECYCLE, ACTION_PICKUP, ACTION_COUNT };

/* "scan", "forward", ... and back; -1 for an unknown name. */
const char *mail_action_name(enum mail_action a);
int mail_action_parse(const char *name);

struct offering_action {
	int enabled;
	int64_t free_per_month;
	int64_t fee;
};

/* The largest price or fee an offering may hold: 1,000,000.00 in minor units. */
#define OFFERING_AMOUNT_MAX ((int64_t)100000000)
/* The largest allowance (free actions per month) and free storage days. */
#define OFFERING_COUNT_MAX ((int64_t)100000)

struct offering {
	int64_t id;
	char name[4 * 100 + 4]; /* room for CATALOG_NAME_MAX_CHARS (spaces.h) characters of UTF-8 */
	int64_t monthly_price;
	struct offering_action actions[ACTION_COUNT];
	int64_t storage_free_days;
	int64_t storage_fee_per_day;
	int64_t use_count; /* mailboxes and plan links using it: a used offering cannot be removed */
	int64_t mailboxes; /* of which: mailboxes (any status: they keep their offering for history) */
	int64_t plan_links; /* of which: OfficeRnD plan links (plan_links) */
};

/* All offerings of the operator by name, with actions and use counts; *items (free()) and *n.
 * 0 or -1. */
int offering_list(struct db *db, int64_t operator_id, struct offering **items, size_t *n);
/* 0 when found, -1 when not (or another operator's). Actions without a row read as disabled. */
int offering_get(struct db *db, int64_t operator_id, int64_t id, struct offering *out);
/* Creates (o->id == 0) or updates o with its five actions, in one transaction (or inside the
 * caller's); returns the id, or -1 (*duplicate set for a taken name, compared ignoring case;
 * an amount or count outside 0..OFFERING_*_MAX, or another operator's id, is refused). */
int64_t offering_save(struct db *db, int64_t operator_id, const struct offering *o, int *duplicate);
/* 0; -1 when not found; 1 when in use. */
int offering_delete(struct db *db, int64_t operator_id, int64_t id);

#endif
