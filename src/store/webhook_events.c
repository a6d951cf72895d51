/* webhook_events.c: see webhook_events.h. */
#include "store/webhook_events.h"
#include "store/db.h"
#include "store/statements.h"
#include "util/log.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

const char *const webhook_event_states[5] = { "pending", "applied", "skipped", "ignored", "failed" };

struct db_stmt *webhook_endpoint_prepare(struct db *db)
{
	return db_prepare(db, "SELECT operator_id, signing_secret_enc FROM officernd_settings "
			      "WHERE webhook_token = ?");
}

int webhook_endpoint_find_with(struct db_stmt *st, const char *token, struct webhook_endpoint *out)
{
	memset(out, 0, sizeof(*out));
	if (!st)
		return -1; /* db_prepare logged why */
	db_bind_text(st, 1, token);
	int rc = db_step(st);
	if (rc == DB_ROW) {
		out->operator_id = db_col_int64(st, 0);
		const void *blob = db_col_blob(st, 1);
		int len = db_col_bytes(st, 1);
		if (blob && len > 0) {
			out->secret_blob = xmalloc((size_t)len);
			memcpy(out->secret_blob, blob, (size_t)len);
			out->secret_len = (size_t)len;
		}
	} else if (rc != DB_DONE) {
		log_error("store", "webhook endpoint lookup failed err=\"%s\"",
			  db_errmsg(db_stmt_db(st)));
	}
	/* Reset at once: a statement left mid-step would hold its read snapshot. */
	db_reset(st);
	db_clear_bindings(st);
	return rc == DB_ROW ? 0 : rc == DB_DONE ? 1 : -1;
}

int webhook_endpoint_find(struct db *db, const char *token, struct webhook_endpoint *out)
{
	struct db_stmt *st = webhook_endpoint_prepare(db);
	int rc = webhook_endpoint_find_with(st, token, out);
	db_finalize(st);
	return rc;
}

void webhook_endpoint_clear(struct webhook_endpoint *e)
{
	free(e->secret_blob);
	memset(e, 0, sizeof(*e));
}

struct db_stmt *webhook_event_insert_prepare(struct db *db)
{
	return db_prepare(db,
		"INSERT INTO webhook_events(operator_id, dedupe_key, event_type, membership_id, body, "
		"received_at, state, outcome, processed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
		"ON CONFLICT(operator_id, dedupe_key) DO NOTHING RETURNING id");
}

int webhook_event_insert_with(struct db_stmt *st, int64_t operator_id, const struct webhook_event_new *e,
			      int64_t *id)
{
	if (!st)
		return -1; /* db_prepare logged why */
	struct db *db = db_stmt_db(st);
	int ignored = strcmp(e->state, "ignored") == 0;
	db_bind_int64(st, 1, operator_id);
	db_bind_text(st, 2, e->dedupe_key);
	db_bind_text(st, 3, e->event_type ? e->event_type : "");
	db_bind_text(st, 4, e->membership_id ? e->membership_id : "");
	db_bind_blob(st, 5, e->body ? e->body : "", e->body_len);
	db_bind_int64(st, 6, e->received_at);
	db_bind_text(st, 7, e->state);
	db_bind_text(st, 8, e->outcome ? e->outcome : "");
	if (ignored)
		db_bind_int64(st, 9, e->received_at);
	else
		db_bind_null(st, 9);
	/* A row is the new event's id; none is a duplicate (ON CONFLICT DO NOTHING). */
	int rc = db_step(st);
	if (rc == DB_ROW)
		*id = db_col_int64(st, 0);
	else if (rc != DB_DONE)
		log_error("store", "webhook event insert failed err=\"%s\"", db_errmsg(db));
	db_reset(st);
	db_clear_bindings(st); /* the body was bound without a copy */
	return rc == DB_ROW ? 0 : rc == DB_DONE ? 1 : -1;
}

/* Only the oldest pending event of each membership is a candidate: the next one waits until it
 * is applied, skipped or failed, whatever other workers do meanwhile. The partial index on
 * pending events (migration 010) walks them in id order without sorting. */
const char webhook_event_sql_claim[] =
	"SELECT e.id, e.operator_id, e.body, e.attempts FROM webhook_events AS e "
	"WHERE e.state = 'pending' AND e.next_attempt_at <= ?1 AND e.claimed_until <= ?1 "
	"AND NOT EXISTS (SELECT 1 FROM webhook_events AS o WHERE o.operator_id = e.operator_id "
	"AND o.membership_id = e.membership_id AND o.state = 'pending' AND o.id < e.id) "
	"ORDER BY e.id LIMIT ?2";

int64_t webhook_event_last_id(struct db *db)
{
	/* max() of the primary key reads one path of its b-tree, however many events there are. */
	return db_count(db_prepare_cached(db, "SELECT coalesce(max(id), 0) FROM webhook_events"));
}

int webhook_event_insert(struct db *db, int64_t operator_id, const struct webhook_event_new *e, int64_t *id)
{
	struct db_stmt *st = webhook_event_insert_prepare(db);
	int rc = webhook_event_insert_with(st, operator_id, e, id);
	db_finalize(st);
	return rc;
}

static void claimed_read(struct db_stmt *st, void *elem)
{
	struct webhook_event_claimed *out = elem;
	out->id = db_col_int64(st, 0);
	out->operator_id = db_col_int64(st, 1);
	const void *body = db_col_blob(st, 2);
	int len = db_col_bytes(st, 2);
	out->body_len = len > 0 ? (size_t)len : 0;
	out->body = xmalloc(out->body_len + 1);
	if (out->body_len)
		memcpy(out->body, body, out->body_len);
	out->body[out->body_len] = '\0';
	out->attempts = db_col_int(st, 3);
}

/* The claimable rows, oldest first, at most max. Inside the claim transaction. */
static struct webhook_event_claimed *claim_find(struct db *db, int64_t now, size_t max, size_t *n, int *failed)
{
	struct db_stmt *st = db_prepare_claim(db, webhook_event_sql_claim, "e");
	if (st) {
		db_bind_int64(st, 1, now);
		db_bind_int64(st, 2, (int64_t)max);
	}
	return db_collect(st, sizeof(struct webhook_event_claimed), claimed_read, n, failed);
}

static void claimed_free(struct webhook_event_claimed *items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		webhook_event_claimed_clear(&items[i]);
	free(items);
}

int webhook_event_claim_batch(struct db *db, const char *worker_id, int64_t now, int64_t lease_s, size_t max,
			      struct webhook_event_claimed **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (db_begin_claim(db) < 0)
		return -1;
	int failed;
	size_t found;
	struct webhook_event_claimed *items = claim_find(db, now, max, &found, &failed);
	if (failed || found == 0) {
		db_rollback(db);
		return failed ? -1 : 0;
	}
	struct db_stmt *st = db_prepare_cached(db, "UPDATE webhook_events SET claimed_by = ?, claimed_until = ? "
					  "WHERE id = ? AND operator_id = ?");
	int ok = st != NULL;
	for (size_t i = 0; ok && i < found; i++) {
		db_bind_text(st, 1, worker_id);
		db_bind_int64(st, 2, now + lease_s);
		db_bind_int64(st, 3, items[i].id);
		db_bind_int64(st, 4, items[i].operator_id);
		ok = db_step(st) == DB_DONE;
		db_reset(st);
	}
	db_finish(st);
	if (!ok || db_commit(db) < 0) {
		db_rollback(db);
		claimed_free(items, found);
		return -1;
	}
	*out = items;
	*n = found;
	return 0;
}

int webhook_event_claim_next(struct db *db, const char *worker_id, int64_t now, int64_t lease_s,
			     struct webhook_event_claimed *out)
{
	memset(out, 0, sizeof(*out));
	struct webhook_event_claimed *items;
	size_t n;
	if (webhook_event_claim_batch(db, worker_id, now, lease_s, 1, &items, &n) < 0)
		return -1;
	if (n == 0)
		return 0;
	*out = items[0];
	free(items);
	return 1;
}

void webhook_event_claimed_clear(struct webhook_event_claimed *c)
{
	free(c->body);
	memset(c, 0, sizeof(*c));
}

int webhook_event_finish(struct db *db, int64_t operator_id, int64_t id, const char *worker_id,
			 const char *state, const char *outcome, int64_t now)
{
	struct db_stmt *st = db_prepare_cached(db,
		"UPDATE webhook_events SET state = ?1, outcome = ?2, processed_at = ?3, claimed_by = NULL, "
		"claimed_until = 0, attempts = attempts + CASE WHEN ?1 = 'failed' THEN 1 ELSE 0 END "
		"WHERE id = ?4 AND operator_id = ?5 AND claimed_by = ?6 AND state = 'pending'");
	db_bind_text(st, 1, state);
	db_bind_text(st, 2, outcome);
	db_bind_int64(st, 3, now);
	db_bind_int64(st, 4, id);
	db_bind_int64(st, 5, operator_id);
	db_bind_text(st, 6, worker_id);
	if (db_step_done(st) < 0)
		return -1;
	return db_changes(db) == 1 ? 0 : 1;
}

int webhook_event_defer(struct db *db, int64_t operator_id, int64_t id, const char *worker_id,
			int64_t next_attempt_at, int add_attempt, const char *outcome)
{
	struct db_stmt *st = db_prepare(db,
		"UPDATE webhook_events SET attempts = attempts + ?, next_attempt_at = ?, outcome = ?, "
		"claimed_by = NULL, claimed_until = 0 "
		"WHERE id = ? AND operator_id = ? AND claimed_by = ? AND state = 'pending'");
	db_bind_int64(st, 1, add_attempt);
	db_bind_int64(st, 2, next_attempt_at);
	db_bind_text(st, 3, outcome);
	db_bind_int64(st, 4, id);
	db_bind_int64(st, 5, operator_id);
	db_bind_text(st, 6, worker_id);
	if (db_step_done(st) < 0)
		return -1;
	return db_changes(db) == 1 ? 0 : 1;
}

int webhook_event_claimants(struct db *db, int64_t now, char ***ids, size_t *n)
{
	struct db_stmt *st = db_prepare(db, "SELECT DISTINCT claimed_by FROM webhook_events "
					  "WHERE state = 'pending' AND claimed_until > ? AND claimed_by IS NOT NULL");
	db_bind_int64(st, 1, now);
	return db_collect_texts(st, ids, n);
}

int webhook_event_release_claims(struct db *db, const char *worker_id)
{
	struct db_stmt *st = db_prepare(db, "UPDATE webhook_events SET claimed_by = NULL, claimed_until = 0 "
					  "WHERE state = 'pending' AND claimed_by = ?");
	db_bind_text(st, 1, worker_id);
	if (db_step_done(st) < 0)
		return -1;
	return db_changes(db);
}

static void view_read(struct db_stmt *st, struct webhook_event_view *v)
{
	memset(v, 0, sizeof(*v));
	v->id = db_col_int64(st, 0);
	v->received_at = db_col_int64(st, 1);
	v->processed_at = db_col_int64(st, 2);
	v->next_attempt_at = db_col_int64(st, 3);
	v->attempts = db_col_int(st, 4);
	str_copy(v->event_type, sizeof(v->event_type), db_col_text(st, 5));
	str_copy(v->membership_id, sizeof(v->membership_id), db_col_text(st, 6));
	str_copy(v->state, sizeof(v->state), db_col_text(st, 7));
	str_copy(v->outcome, sizeof(v->outcome), db_col_text(st, 8));
}

static void view_read_row(struct db_stmt *st, void *elem)
{
	view_read(st, elem);
}

/* Newest first, below the cursor ?4: ?1 operator, ?2 state, ?3 membership id part, ?5 limit. */
#define EVENT_LIST(where)                                                                          \
	"SELECT id, received_at, coalesce(processed_at, 0), next_attempt_at, attempts, event_type, " \
	"membership_id, state, outcome FROM webhook_events WHERE operator_id = ?1 " where          \
	"AND (?3 = '' OR instr(membership_id, ?3) > 0) AND id < ?4 ORDER BY id DESC LIMIT ?5"
const char webhook_event_sql_list[] = EVENT_LIST("");
const char webhook_event_sql_list_state[] = EVENT_LIST("AND state = ?2 ");

int webhook_event_list(struct db *db, int64_t operator_id, const struct webhook_event_filter *f,
		       struct webhook_event_view **items, size_t *n)
{
	*items = NULL;
	*n = 0;
	struct db_stmt *st = db_prepare_cached(db, f->state && *f->state ? webhook_event_sql_list_state
									: webhook_event_sql_list);
	db_bind_int64(st, 1, operator_id);
	db_bind_text(st, 2, f->state ? f->state : "");
	db_bind_text(st, 3, f->q ? f->q : "");
	db_bind_int64(st, 4, f->before_id ? f->before_id : INT64_MAX);
	db_bind_int64(st, 5, (int64_t)f->limit);
	int failed;
	*items = db_collect(st, sizeof(**items), view_read_row, n, &failed);
	return failed ? -1 : 0;
}

/* Kept by triggers in every write of an event: see migrations/010. */
const char webhook_event_sql_counts[] = "SELECT state, n FROM webhook_event_counts WHERE operator_id = ?";

int webhook_event_counts(struct db *db, int64_t operator_id, int64_t counts[5])
{
	memset(counts, 0, 5 * sizeof(counts[0]));
	struct db_stmt *st = db_prepare_cached(db, webhook_event_sql_counts);
	db_bind_int64(st, 1, operator_id);
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		const char *state = db_col_text(st, 0);
		for (size_t i = 0; i < ARRAY_SIZE(webhook_event_states); i++)
			if (strcmp(state, webhook_event_states[i]) == 0)
				counts[i] = db_col_int64(st, 1);
	}
	db_finish(st);
	return rc == DB_DONE ? 0 : -1;
}

int webhook_event_retry(struct db *db, int64_t operator_id, int64_t id)
{
	if (db_begin(db) < 0)
		return -1;
	struct db_stmt *st = db_prepare(db, "SELECT state FROM webhook_events WHERE id = ? AND operator_id = ?");
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, operator_id);
	int rc = db_step(st);
	int failed = rc == DB_ROW && strcmp(db_col_text(st, 0), "failed") == 0;
	db_finalize(st);
	if (rc != DB_ROW || !failed) {
		db_rollback(db);
		return rc == DB_ROW ? 1 : -1;
	}
	st = db_prepare(db, "UPDATE webhook_events SET state = 'pending', attempts = 0, next_attempt_at = 0, "
			    "claimed_by = NULL, claimed_until = 0, processed_at = NULL, "
			    "outcome = 'Retry asked for: waiting for the worker.' "
			    "WHERE id = ? AND operator_id = ? AND state = 'failed'");
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, operator_id);
	if (db_step_done(st) < 0 || db_commit(db) < 0) {
		db_rollback(db);
		return -1;
	}
	return 0;
}
