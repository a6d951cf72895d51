/*
 * spaces.h: the operator's spaces (locations where mailboxes live). Every call is scoped by
 * operator_id: an id of another operator's space behaves as if it did not exist.
 */
#ifndef PILOTOMAIL_STORE_SPACES_H
#define PILOTOMAIL_STORE_SPACES_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

struct space {
	int64_t id;
	char name[128];
	int64_t mailbox_count; /* mailboxes not cancelled, plus links: a used space cannot be removed */
};

/* All spaces of the operator by name; *items (free()) and *n. 0 or -1. */
int space_list(sqlite3 *db, int64_t operator_id, struct space **items, size_t *n);
/* 0 when found, -1 when not (or another operator's). */
int space_get(sqlite3 *db, int64_t operator_id, int64_t id, struct space *out);
/* Returns the new id, or -1; *duplicate set when the name exists. */
int64_t space_create(sqlite3 *db, int64_t operator_id, const char *name, int *duplicate);
/* 0, or -1 (not found, or duplicate name: *duplicate set). */
int space_rename(sqlite3 *db, int64_t operator_id, int64_t id, const char *name, int *duplicate);
/* 0; -1 when not found; 1 when in use (mailboxes or an OfficeRnD location link). */
int space_delete(sqlite3 *db, int64_t operator_id, int64_t id);

#endif
