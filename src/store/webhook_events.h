/*
 * webhook_events.h: the webhook inbox (table webhook_events) and the webhook endpoint lookup.
 *
 * The receiver stores each verified event here before answering; the worker claims them with a
 * lease (claimed_by / claimed_until), one membership at a time and in arrival order, and records
 * the outcome in the same transaction as the changes it made. Every call but the endpoint
 * lookup (the URL token is the key) and the worker's claim (it serves every operator) is
 * scoped by operator_id.
 */
#ifndef PILOTOMAIL_STORE_WEBHOOK_EVENTS_H
#define PILOTOMAIL_STORE_WEBHOOK_EVENTS_H

#include "store/db.h"
#include <stddef.h>
#include <stdint.h>

/* The operator a webhook URL token belongs to, and its sealed signing secret. */
struct webhook_endpoint {
	int64_t operator_id;
	unsigned char *secret_blob; /* secretbox blob (free()); NULL when none is configured */
	size_t secret_len;
};

/* 0 when found, 1 when no operator has that token, -1 on a store error. */
int webhook_endpoint_find(struct db *db, const char *token, struct webhook_endpoint *out);
/* The same lookup with a statement prepared once and kept (finalize it when done); the
 * statement is reset before returning, so no read snapshot stays open between requests. */
struct db_stmt *webhook_endpoint_prepare(struct db *db);
int webhook_endpoint_find_with(struct db_stmt *st, const char *token, struct webhook_endpoint *out);
void webhook_endpoint_clear(struct webhook_endpoint *e);

struct webhook_event_new {
	const char *dedupe_key;
	const char *event_type;    /* "" when unknown */
	const char *membership_id; /* "" when unknown */
	const void *body;
	size_t body_len;
	const char *state;         /* "pending" or "ignored" */
	const char *outcome;       /* "" or why it is ignored */
	int64_t received_at;
};

/*
 * Stores one event (one statement: committed durably when it returns). 0 stored (*id set),
 * 1 a duplicate of a stored event (nothing written), -1 on a store error.
 */
int webhook_event_insert(struct db *db, int64_t operator_id, const struct webhook_event_new *e, int64_t *id);
/* The same insert with a statement prepared once and kept; inside the caller's transaction it
 * is durable only once the caller commits. */
struct db_stmt *webhook_event_insert_prepare(struct db *db);
int webhook_event_insert_with(struct db_stmt *st, int64_t operator_id, const struct webhook_event_new *e,
			      int64_t *id);

/* The newest event's id (0 when there is none, -1 on a store error): the worker compares two
 * readings to tell whether webhook.fcgi is storing events right now. */
int64_t webhook_event_last_id(struct db *db);

/* An event the worker has claimed. body (free()) is NUL-terminated. */
struct webhook_event_claimed {
	int64_t id;
	int64_t operator_id;
	char *body;
	size_t body_len;
	int attempts;
};

/*
 * Claims the next due event for worker_id until now + lease_s, in its own transaction: the
 * oldest pending event of its membership only, so two events of one membership are never
 * worked on at once, and each membership's events are applied in arrival order.
 * 1 claimed (*out filled), 0 nothing due, -1 on a store error.
 */
int webhook_event_claim_next(struct db *db, const char *worker_id, int64_t now, int64_t lease_s,
			     struct webhook_event_claimed *out);
void webhook_event_claimed_clear(struct webhook_event_claimed *c);
/*
 * The same for up to max events at once, in one transaction: at most one per membership (its
 * oldest pending one), oldest first. 0 with *out (free each with webhook_event_claimed_clear,
 * then free()) and *n (0 when nothing is due), -1 on a store error.
 */
int webhook_event_claim_batch(struct db *db, const char *worker_id, int64_t now, int64_t lease_s, size_t max,
			      struct webhook_event_claimed **out, size_t *n);

/*
 * Records the outcome (state "applied", "skipped" or "failed"; a failure counts as one more
 * attempt) and releases the claim, inside the caller's transaction. 0 done; 1 when the claim is no longer worker_id's (its lease ran out
 * and another worker took the event: the caller rolls back); -1 on a store error.
 */
int webhook_event_finish(struct db *db, int64_t operator_id, int64_t id, const char *worker_id,
			 const char *state, const char *outcome, int64_t now);
/*
 * Leaves the event pending for a later attempt: next_attempt_at, attempts + add_attempt, the
 * outcome shown meanwhile, and the claim released. Same return values as webhook_event_finish.
 */
int webhook_event_defer(struct db *db, int64_t operator_id, int64_t id, const char *worker_id,
			int64_t next_attempt_at, int add_attempt, const char *outcome);

/* The distinct holders of unexpired claims on pending events (for finding dead workers).
 * *ids is an array of n strings; free each and the array. 0 or -1. */
int webhook_event_claimants(struct db *db, int64_t now, char ***ids, size_t *n);
/* Releases every claim worker_id holds (a worker known to be dead). Returns how many, or -1. */
int webhook_event_release_claims(struct db *db, const char *worker_id);

/* For the activity page. */
struct webhook_event_view {
	int64_t id;
	int64_t received_at;
	int64_t processed_at;    /* 0 while pending or when ignored on arrival */
	int64_t next_attempt_at;
	int attempts;
	char event_type[64];
	char membership_id[128];
	char state[16];
	char outcome[512];
};

struct webhook_event_filter {
	const char *state;  /* NULL or "" for every state */
	const char *q;      /* NULL or "": else events whose membership id contains it */
	int64_t before_id;  /* 0: the newest; else only ids below it (paging) */
	size_t limit;
};

/* Newest first. *items (free()) and *n. 0 or -1. */
int webhook_event_list(struct db *db, int64_t operator_id, const struct webhook_event_filter *f,
		       struct webhook_event_view **items, size_t *n);

/* Events per state for the operator: counts[i] for states[i] of webhook_event_states. 0 or -1. */
extern const char *const webhook_event_states[5];
int webhook_event_counts(struct db *db, int64_t operator_id, int64_t counts[5]);

/* Puts a failed event back to pending with attempts 0, due now. 0 done, 1 when the event is
 * not failed (nothing changed), -1 when there is no such event of the operator (or an error). */
int webhook_event_retry(struct db *db, int64_t operator_id, int64_t id);

#endif
