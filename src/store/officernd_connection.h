/*
 * officernd_connection.h: the OfficeRnD connection beyond the card's fields (migration 013):
 * the webhook pilotomail registered through the Webhooks API, Disconnect and what connecting
 * again resumes, and the connection's health as Save and the worker's check found it.
 *
 * Secrets are sealed with secretbox_seal (secretbox_init() must have run) and never read back
 * here. Every function is scoped by operator_id, except the worker's officernd_health_due.
 */
#ifndef PILOTOMAIL_STORE_OFFICERND_CONNECTION_H
#define PILOTOMAIL_STORE_OFFICERND_CONNECTION_H

#include "store/db.h"
#include <stddef.h>
#include <stdint.h>

#define OFFICERND_WEBHOOK_ID_MAX 72

/* The OfficeRnD webhook pilotomail manages into id ("" when set up by hand). 0 or -1. */
int officernd_webhook_id_get(struct db *db, int64_t operator_id, char id[OFFICERND_WEBHOOK_ID_MAX]);
/*
 * Records the webhook registered or adopted: its id and, when secret is not NULL or "", its
 * signing secret (sealed, replacing the stored one). id "" forgets it. 0 or -1.
 */
int officernd_webhook_id_set(struct db *db, int64_t operator_id, const char *id, const char *secret, int64_t now);

/*
 * Disconnect, in one transaction: erases the organization, client ID and every secret (client,
 * signing, cached token), forgets the webhook id, turns OfficeRnD billing off and stamps
 * disconnected_at; the health row is reset. The mapping, the mailboxes and the charges are kept.
 * 0 or -1.
 */
int officernd_disconnect(struct db *db, int64_t operator_id, int64_t now);
/* 1 when the operator disconnected OfficeRnD and has not connected again (with billing on),
 * 0 not, -1 error. */
int officernd_disconnected(struct db *db, int64_t operator_id);
/*
 * Connected again (credentials saved with OfficeRnD billing on, after a Disconnect): clears
 * disconnected_at and makes the charges that waited in the queue due now. Returns how many
 * charges, or -1. No-op (0) when the operator never disconnected. Usable inside a transaction.
 */
int officernd_reconnected(struct db *db, int64_t operator_id, int64_t now);

/* The connection's health as last found. Strings as in migration 013. */
struct officernd_health {
	char credentials[16];       /* "ok", "failing", "unchecked" or "" */
	char credentials_error[512];
	int64_t credentials_at;
	char webhook[16];           /* "ok", "disabled", "events", "missing", "unknown" or "" */
	char webhook_found[OFFICERND_WEBHOOK_ID_MAX];
	char missing_events[160];   /* comma separated */
	char webhook_error[512];
	int64_t last_event_at;
	int64_t checked_at, attempted_at, requested, claimed_until;
};
/* 0 (a missing row reads as never checked) or -1. */
int officernd_health_get(struct db *db, int64_t operator_id, struct officernd_health *out);
/* Save's verdict on the credentials: state "ok", "failing" or "unchecked". 0 or -1. */
int officernd_health_credentials(struct db *db, int64_t operator_id, const char *state, const char *error, int64_t now);
/* Asks the worker for a check now (after Save, a repair, a registration). 0 or -1. */
int officernd_health_request(struct db *db, int64_t operator_id);

/*
 * The configured operators whose check is due at now: asked for, never checked, or interval_s
 * past the last check or attempt; not under a live lease. Asked-for first. *ids free(). 0 or -1.
 */
int officernd_health_due(struct db *db, int64_t now, int64_t interval_s, int64_t **ids, size_t *n);
/* Claims the check for worker until now + lease_s when still due. 1 claimed (*requested: the
 * asks it serves), 0 not due, -1 error. */
int officernd_health_claim(struct db *db, int64_t operator_id, const char *worker, int64_t now, int64_t interval_s,
			   int64_t lease_s, int64_t *requested);
/*
 * Records a check (the claim's outcome) while worker holds the claim: credentials, webhook,
 * webhook_found, missing_events, webhook_error and last_event_at of h; checked_at = now; the
 * served asks subtracted; the lease released. 0, 1 when the claim was lost, -1.
 */
int officernd_health_store(struct db *db, int64_t operator_id, const char *worker, const struct officernd_health *h,
			   int64_t now, int64_t requested);
/* When the last webhook of the operator arrived (reconciliation's events excluded), 0: never. -1 error. */
int64_t officernd_last_webhook_at(struct db *db, int64_t operator_id);

#endif
