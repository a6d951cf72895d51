/*
 * spaces.h: the operator's spaces (locations where mailboxes live). Every call is scoped by
 * operator_id: an id of another operator's space behaves as if it did not exist.
 */
#ifndef PILOTOMAIL_STORE_SPACES_H
#define PILOTOMAIL_STORE_SPACES_H

#include "store/db.h"
#include <stddef.h>
#include <stdint.h>

/* Names of spaces and offerings: at most this many characters (UTF-8 code points). */
#define CATALOG_NAME_MAX_CHARS 100

struct space {
	int64_t id;
	char name[4 * CATALOG_NAME_MAX_CHARS + 4]; /* room for 100 characters of UTF-8 */
	int64_t mailbox_count; /* mailboxes not cancelled, plus links: a used space cannot be removed */
	int64_t mailboxes;     /* of which: mailboxes not cancelled */
	int64_t links;         /* of which: OfficeRnD location links (location_links) */
};

/* All spaces of the operator by name; *items (free()) and *n. 0 or -1. */
int space_list(struct db *db, int64_t operator_id, struct space **items, size_t *n);
/* 0 when found, -1 when not (or another operator's). */
int space_get(struct db *db, int64_t operator_id, int64_t id, struct space *out);
/* Returns the new id, or -1; *duplicate set when the name exists. */
int64_t space_create(struct db *db, int64_t operator_id, const char *name, int *duplicate);
/* 0, or -1 (not found, or duplicate name: *duplicate set). */
int space_rename(struct db *db, int64_t operator_id, int64_t id, const char *name, int *duplicate);
/* 0; -1 when not found; 1 when in use (mailboxes or an OfficeRnD location link).
 * Cancelled mailboxes that were in the space keep their history but lose the space (NULL). */
int space_delete(struct db *db, int64_t operator_id, int64_t id);

/*
 * The rules every catalogue name (space or offering) follows: trims name in place, then returns
 * NULL when it is acceptable, else a message for the operator (a static string): required, at
 * most CATALOG_NAME_MAX_CHARS characters, valid UTF-8 without control characters.
 */
const char *catalog_name_check(char *name);

#endif
