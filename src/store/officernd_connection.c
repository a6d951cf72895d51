/* officernd_connection.c: see officernd_connection.h. */
#include "store/officernd_connection.h"
#include "crypto/crypto.h"
#include "store/db.h"
#include "store/statements.h"
#include "util/log.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

/* The card holds what a client needs: organization, client id and an encrypted secret. */
#define CONFIGURED "(s.org_slug <> '' AND s.client_id <> '' AND length(s.client_secret_enc) > 0)"
/* The last check or attempt of h (a missing row reads as never). */
#define LAST "max(coalesce(h.checked_at, 0), coalesce(h.attempted_at, 0))"
/* Due at ?1 (now) with ?2 (interval): asked for, never tried, an interval past the last one, or
 * the clock moved back by more than that. Not while a claim lives. */
#define DUE                                                                                    \
	"coalesce(h.claimed_until, 0) <= ?1 AND (coalesce(h.requested, 0) > 0 OR " LAST " = 0 OR " \
	"?1 - " LAST " >= ?2 OR " LAST " - ?1 > ?2)"
#define FROM "FROM officernd_settings AS s LEFT JOIN officernd_health AS h ON h.operator_id = s.operator_id "

static int exec_op(struct db *db, const char *sql, int64_t operator_id)
{
	struct db_stmt *st = db_prepare(db, sql);
	db_bind_int64(st, 1, operator_id);
	return db_step_done(st);
}

/* The operator's health row exists afterwards. */
static int health_row(struct db *db, int64_t operator_id)
{
	return exec_op(db, "INSERT INTO officernd_health(operator_id) VALUES (?) ON CONFLICT DO NOTHING", operator_id);
}

int officernd_webhook_id_get(struct db *db, int64_t operator_id, char id[OFFICERND_WEBHOOK_ID_MAX])
{
	struct db_stmt *st = db_prepare(db, "SELECT webhook_id FROM officernd_settings WHERE operator_id = ?");
	db_bind_int64(st, 1, operator_id);
	int rc = db_step(st);
	id[0] = '\0';
	if (rc == DB_ROW)
		str_copy(id, OFFICERND_WEBHOOK_ID_MAX, db_col_text(st, 0));
	db_finalize(st);
	return rc == DB_ROW ? 0 : -1;
}

int officernd_webhook_id_set(struct db *db, int64_t operator_id, const char *id, const char *secret, int64_t now)
{
	unsigned char *blob = NULL;
	size_t len = 0;
	int with_secret = secret && *secret;
	if (with_secret && secretbox_seal(secret, strlen(secret), &blob, &len))
		return -1;
	struct db_stmt *st = db_prepare(db, with_secret ?
		"UPDATE officernd_settings SET webhook_id = ?1, updated_at = ?2, signing_secret_enc = ?4 WHERE operator_id = ?3" :
		"UPDATE officernd_settings SET webhook_id = ?1, updated_at = ?2 WHERE operator_id = ?3");
	db_bind_text(st, 1, id ? id : "");
	db_bind_int64(st, 2, now);
	db_bind_int64(st, 3, operator_id);
	if (with_secret)
		db_bind_blob(st, 4, blob, len);
	free(blob);
	if (db_step_done(st) || db_changes(db) != 1)
		return -1;
	log_info("store", "officernd webhook recorded operator=%lld id=%s secret=%d", (long long)operator_id,
		 id ? id : "", with_secret);
	return 0;
}

int officernd_disconnect(struct db *db, int64_t operator_id, int64_t now)
{
	if (db_begin(db))
		return -1;
	struct db_stmt *st = db_prepare(db, "UPDATE officernd_settings SET org_slug = '', client_id = '', "
					  "client_secret_enc = NULL, signing_secret_enc = NULL, access_token_enc = NULL, "
					  "access_token_expires_at = 0, webhook_id = '', bill_renters = 0, "
					  "disconnected_at = ?2, updated_at = ?2 WHERE operator_id = ?1");
	db_bind_int64(st, 1, operator_id);
	db_bind_int64(st, 2, now);
	int ok = db_step_done(st) == 0 && db_changes(db) == 1 &&
		 exec_op(db, "DELETE FROM officernd_health WHERE operator_id = ?", operator_id) == 0;
	if (!ok || db_commit(db)) {
		db_rollback(db);
		return -1;
	}
	log_info("store", "officernd disconnected operator=%lld", (long long)operator_id);
	return 0;
}

int officernd_disconnected(struct db *db, int64_t operator_id)
{
	struct db_stmt *st = db_prepare(db, "SELECT count(*) FROM officernd_settings WHERE operator_id = ? AND "
					  "disconnected_at > 0");
	db_bind_int64(st, 1, operator_id);
	int64_t n = db_count(st);
	return n < 0 ? -1 : n > 0;
}

int officernd_reconnected(struct db *db, int64_t operator_id, int64_t now)
{
	int own = 0;
	if (db_begin_unless_open(db, &own) < 0)
		return -1;
	struct db_stmt *st = db_prepare(db, "UPDATE officernd_settings SET disconnected_at = 0 "
					  "WHERE operator_id = ? AND disconnected_at > 0");
	db_bind_int64(st, 1, operator_id);
	int ok = db_step_done(st) == 0;
	int was = ok ? db_changes(db) : 0, requeued = 0;
	if (ok && was) {
		st = db_prepare(db, "UPDATE charges SET next_attempt_at = ?2 WHERE operator_id = ?1 AND "
				    "billing_state = 'queued' AND next_attempt_at > ?2");
		db_bind_int64(st, 1, operator_id);
		db_bind_int64(st, 2, now);
		ok = db_step_done(st) == 0;
		requeued = ok ? db_changes(db) : 0;
	}
	if (db_end_own(db, own, ok) < 0)
		return -1;
	if (was)
		log_info("store", "officernd connected again operator=%lld charges_due=%d", (long long)operator_id, requeued);
	return requeued;
}

int officernd_health_get(struct db *db, int64_t operator_id, struct officernd_health *out)
{
	memset(out, 0, sizeof(*out));
	struct db_stmt *st = db_prepare(db, "SELECT credentials, credentials_error, credentials_at, webhook, webhook_found, "
					  "missing_events, webhook_error, last_event_at, checked_at, attempted_at, "
					  "requested, claimed_until FROM officernd_health WHERE operator_id = ?");
	db_bind_int64(st, 1, operator_id);
	int rc = db_step(st);
	if (rc == DB_ROW) {
		str_copy(out->credentials, sizeof(out->credentials), db_col_text(st, 0));
		str_copy(out->credentials_error, sizeof(out->credentials_error), db_col_text(st, 1));
		out->credentials_at = db_col_int64(st, 2);
		str_copy(out->webhook, sizeof(out->webhook), db_col_text(st, 3));
		str_copy(out->webhook_found, sizeof(out->webhook_found), db_col_text(st, 4));
		str_copy(out->missing_events, sizeof(out->missing_events), db_col_text(st, 5));
		str_copy(out->webhook_error, sizeof(out->webhook_error), db_col_text(st, 6));
		out->last_event_at = db_col_int64(st, 7);
		out->checked_at = db_col_int64(st, 8);
		out->attempted_at = db_col_int64(st, 9);
		out->requested = db_col_int64(st, 10);
		out->claimed_until = db_col_int64(st, 11);
	}
	db_finalize(st);
	if (rc == DB_ROW || rc == DB_DONE)
		return 0;
	log_error("store", "officernd health read failed err=\"%s\"", db_errmsg(db));
	return -1;
}

int officernd_health_credentials(struct db *db, int64_t operator_id, const char *state, const char *error, int64_t now)
{
	int own = 0;
	if (db_begin_unless_open(db, &own) < 0)
		return -1;
	int ok = health_row(db, operator_id) == 0;
	if (ok) {
		struct db_stmt *st = db_prepare(db, "UPDATE officernd_health SET credentials = ?2, credentials_error = ?3, "
						  "credentials_at = ?4 WHERE operator_id = ?1");
		db_bind_int64(st, 1, operator_id);
		db_bind_text(st, 2, state);
		db_bind_text(st, 3, error ? error : "");
		db_bind_int64(st, 4, now);
		ok = db_step_done(st) == 0;
	}
	return db_end_own(db, own, ok);
}

int officernd_health_request(struct db *db, int64_t operator_id)
{
	int own = 0;
	if (db_begin_unless_open(db, &own) < 0)
		return -1;
	int ok = health_row(db, operator_id) == 0 &&
		 exec_op(db, "UPDATE officernd_health SET requested = requested + 1 WHERE operator_id = ?",
			 operator_id) == 0;
	return db_end_own(db, own, ok);
}

static void id_read(struct db_stmt *st, void *elem)
{
	*(int64_t *)elem = db_col_int64(st, 0);
}

const char officernd_health_sql_due[] = "SELECT s.operator_id " FROM "WHERE " CONFIGURED " AND " DUE
					 " ORDER BY coalesce(h.requested, 0) > 0 DESC, s.operator_id";

int officernd_health_due(struct db *db, int64_t now, int64_t interval_s, int64_t **ids, size_t *n)
{
	struct db_stmt *st = db_prepare(db, officernd_health_sql_due);
	db_bind_int64(st, 1, now);
	db_bind_int64(st, 2, interval_s);
	int failed = 0;
	*ids = db_collect(st, sizeof(**ids), id_read, n, &failed);
	return failed ? -1 : 0;
}

int officernd_health_claim(struct db *db, int64_t operator_id, const char *worker, int64_t now, int64_t interval_s,
			   int64_t lease_s, int64_t *requested)
{
	*requested = 0;
	if (db_begin(db) < 0)
		return -1;
	struct db_stmt *st = db_prepare(db, "SELECT coalesce(h.requested, 0) " FROM "WHERE s.operator_id = ?3 AND "
					  CONFIGURED " AND " DUE);
	db_bind_int64(st, 1, now);
	db_bind_int64(st, 2, interval_s);
	db_bind_int64(st, 3, operator_id);
	int rc = db_step(st);
	int64_t asked = rc == DB_ROW ? db_col_int64(st, 0) : -1;
	db_finalize(st);
	if (asked < 0) {
		db_rollback(db);
		return rc == DB_DONE ? 0 : -1;
	}
	if (health_row(db, operator_id)) {
		db_rollback(db);
		return -1;
	}
	st = db_prepare(db, "UPDATE officernd_health SET attempted_at = ?2, claimed_by = ?3, claimed_until = ?4 "
			    "WHERE operator_id = ?1");
	db_bind_int64(st, 1, operator_id);
	db_bind_int64(st, 2, now);
	db_bind_text(st, 3, worker);
	db_bind_int64(st, 4, now + lease_s);
	if (db_step_done(st) || db_commit(db)) {
		db_rollback(db);
		return -1;
	}
	*requested = asked;
	return 1;
}

int officernd_health_store(struct db *db, int64_t operator_id, const char *worker, const struct officernd_health *h,
			   int64_t now, int64_t requested)
{
	struct db_stmt *st = db_prepare(db, "UPDATE officernd_health SET credentials = ?3, credentials_error = ?4, "
					  "credentials_at = ?5, webhook = ?6, webhook_found = ?7, missing_events = ?8, "
					  "webhook_error = ?9, last_event_at = ?10, checked_at = ?5, "
					  "requested = max(requested - ?11, 0), claimed_by = '', claimed_until = 0 "
					  "WHERE operator_id = ?1 AND claimed_by = ?2");
	db_bind_int64(st, 1, operator_id);
	db_bind_text(st, 2, worker);
	db_bind_text(st, 3, h->credentials);
	db_bind_text(st, 4, h->credentials_error);
	db_bind_int64(st, 5, now);
	db_bind_text(st, 6, h->webhook);
	db_bind_text(st, 7, h->webhook_found);
	db_bind_text(st, 8, h->missing_events);
	db_bind_text(st, 9, h->webhook_error);
	db_bind_int64(st, 10, h->last_event_at);
	db_bind_int64(st, 11, requested);
	if (db_step_done(st))
		return -1;
	return db_changes(db) == 1 ? 0 : 1;
}

/* Reconciliation's own events carry "reconcile:" keys: they say nothing about the webhook. The
 * newest first on the (operator_id, id) index stops at the first real one instead of reading every
 * event the operator ever had; ids follow arrival, so it is the last received. */
const char officernd_health_sql_last_event[] = "SELECT received_at FROM webhook_events "
					       "WHERE operator_id = ?1 AND dedupe_key NOT LIKE 'reconcile:%' "
					       "ORDER BY id DESC LIMIT 1";

int64_t officernd_last_webhook_at(struct db *db, int64_t operator_id)
{
	struct db_stmt *st = db_prepare(db, officernd_health_sql_last_event);
	if (!st)
		return -1;
	db_bind_int64(st, 1, operator_id);
	int rc = db_step(st);
	int64_t at = rc == DB_ROW ? db_col_int64(st, 0) : rc == DB_DONE ? 0 : -1;
	db_finish(st);
	return at;
}
