/*
 * offerings.h: Mailbox Offerings: the monthly price, per-action allowance and fee, and storage
 * terms. Money in minor units. Every call is scoped by operator_id.
 */
#ifndef PILOTOMAIL_STORE_OFFERINGS_H
#define PILOTOMAIL_STORE_OFFERINGS_H

#include <sqlite3.h>
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

struct offering {
	int64_t id;
	char name[128];
	int64_t monthly_price;
	struct offering_action actions[ACTION_COUNT];
	int64_t storage_free_days;
	int64_t storage_fee_per_day;
	int64_t use_count; /* mailboxes and plan links using it: a used offering cannot be removed */
};

int offering_list(sqlite3 *db, int64_t operator_id, struct offering **items, size_t *n);
int offering_get(sqlite3 *db, int64_t operator_id, int64_t id, struct offering *out);
/* Creates (o->id == 0) or updates o; returns the id, or -1 (*duplicate set for a taken name). */
int64_t offering_save(sqlite3 *db, int64_t operator_id, const struct offering *o, int *duplicate);
/* 0; -1 when not found; 1 when in use. */
int offering_delete(sqlite3 *db, int64_t operator_id, int64_t id);

#endif
