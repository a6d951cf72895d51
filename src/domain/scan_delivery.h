/*
 * scan_delivery.h: attaching an uploaded scan file to a mail item and telling the renter.
 *
 * 1. scan_delivery_stage(), before any transaction: the bytes are checked by content (PDF, PNG,
 *    JPEG, WebP; util/filetype.h) and size, then written to a temporary file (fsynced) and hashed.
 * 2. Inside the transaction that completes the scan: scan_delivery_attach() (or the charging hook
 *    from scan_delivery_hook()) renames the file to its hash, records the scans row and queues
 *    the renter's "scan ready" email. A kill before the commit leaves a file no row references.
 * 3. After the commit or rollback: scan_delivery_finish() removes the temporary file, and when
 *    the transaction did not commit, the published file unless another row uses the same bytes.
 */
#ifndef PILOTOMAIL_DOMAIN_SCAN_DELIVERY_H
#define PILOTOMAIL_DOMAIN_SCAN_DELIVERY_H

#include "store/db.h"
#include <stddef.h>
#include <stdint.h>

#include "domain/charging.h"
#include "util/config.h"
#include "util/filetype.h"

struct scan_delivery {
	const struct config *cfg;
	const struct filetype *type;
	int64_t size;
	char sha256[65];
	char *tmp_path;   /* the staged file until published */
	int published;    /* renamed to its hash inside the transaction */
};

enum scan_stage {
	SCAN_STAGED = 0,
	SCAN_TOO_LARGE = 1,   /* over cfg->scan_max_bytes */
	SCAN_EMPTY = 2,       /* no file was chosen */
	SCAN_BAD_TYPE = 3,    /* not PDF, PNG, JPEG or WebP by content */
	SCAN_STAGE_ERROR = -1 /* the file could not be written (logged) */
};

/* Checks and stages data[0..len) for operator_id. msg gets the person's sentence for anything
 * but SCAN_STAGED. */
enum scan_stage scan_delivery_stage(struct scan_delivery *d, const struct config *cfg, int64_t operator_id,
				    const void *data, size_t len, char *msg, size_t size);
/* Inside the caller's transaction: publishes the file, records the row for item_id (request_id
 * may be 0) and queues the email to the item's renter (when they have an address). 0 or -1. */
struct mail_item;
int scan_delivery_attach(struct scan_delivery *d, struct db *db, int64_t operator_id, const struct mail_item *it,
			 int64_t request_id, int64_t now);
/* A charging hook doing scan_delivery_attach() for the completed scan. */
void scan_delivery_hook(struct scan_delivery *d, struct charging_hook *hook);
/* After the transaction (committed or not); d is then empty. */
void scan_delivery_finish(struct scan_delivery *d, struct db *db, int64_t operator_id, int committed);

#endif
