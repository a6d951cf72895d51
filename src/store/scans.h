/*
 * scans.h: the scan of a mail item (table scans, migration 015): the file's SHA-256, size and
 * type; the bytes are on disk (store/scan_files.h). Every call is scoped by operator_id, and
 * the renter's by renter_id too: another renter's or operator's scan is "none".
 *
 * Rows are written and deleted inside the caller's transaction (the one that completes or
 * shreds the item). Deleting a row never deletes the file directly: after the commit the caller
 * calls scan_release_file(), which deletes it only when no row names that hash any more.
 */
#ifndef PILOTOMAIL_STORE_SCANS_H
#define PILOTOMAIL_STORE_SCANS_H

#include "store/db.h"
#include <stddef.h>
#include <stdint.h>

struct scan {
	int64_t id;
	int64_t mail_item_id;
	char reference[16];     /* the item's "M-000123" */
	char sha256[65];
	int64_t size;
	char content_type[32];
	int64_t created_at;
};

/* Records the item's scan (inside the caller's transaction). The id, or -1 (also when the item
 * has one already, or is not the operator's). */
int64_t scan_insert(struct db *db, int64_t operator_id, int64_t mail_item_id, int64_t action_request_id,
		    const char *sha256, int64_t size, const char *content_type, int64_t now);
/* The item's scan: 1 found, 0 none, -1 on a store error. */
int scan_get(struct db *db, int64_t operator_id, int64_t mail_item_id, struct scan *out);
/* The same, only when the item is in one of renter_id's mailboxes. */
int scan_get_for_renter(struct db *db, int64_t operator_id, int64_t renter_id, int64_t mail_item_id,
			struct scan *out);
/* Deletes the item's scan row (inside the caller's transaction); its hash into sha256 (65
 * bytes). 1 deleted, 0 there was none, -1 on a store error. */
int scan_delete(struct db *db, int64_t operator_id, int64_t mail_item_id, char sha256[65]);
/* How many of the operator's rows name this hash; -1 on error. */
int64_t scan_hash_refs(struct db *db, int64_t operator_id, const char *sha256);
/*
 * Deletes dir/<operator>/<sha256> when no row names it, holding the write lock while it checks
 * and deletes (so a concurrent upload of the same bytes either sees the file go first and
 * writes it again, or is seen referencing it). Not inside a caller's transaction. 0 or -1.
 */
int scan_release_file(struct db *db, const char *dir, int64_t operator_id, const char *sha256);

/*
 * Deletes what a killed request can leave in dir: temporary files, and files no row names (a
 * kill between the rename and the commit), when last modified at least min_age_s before now.
 * Each file is checked under the write lock, as scan_release_file() does. How many it deleted,
 * or -1 when dir cannot be read (a missing dir is 0).
 */
int scan_files_sweep(struct db *db, const char *dir, int64_t now, int64_t min_age_s);

#endif
