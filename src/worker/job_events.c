/*
 * job_events.c: applies the OfficeRnD membership events stored by the webhook receiver.
 *
 * For each event: claim it under a lease (the oldest pending event of its membership only, so a
 * membership's events are applied one at a time, in arrival order), read it, ask OfficeRnD for
 * the member when a mailbox is to be created (no transaction open meanwhile), then in ONE
 * transaction re-check the state, change the mailbox and record the outcome on the event row.
 * A worker killed at any point leaves either everything of an event committed or nothing; its
 * lease runs out (or is released at once when this host sees the process is gone) and the event
 * is done again from the start. OfficeRnD errors worth retrying leave the event pending with
 * backoff; after EVENTS_MAX_ATTEMPTS, or on a permanent error, it is failed with the reason, and
 * the activity page can put it back.
 */
#include "domain/membership_sync.h"
#include "officernd/event.h"
#include "officernd/officernd.h"
#include "store/db.h"
#include "store/webhook_events.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "worker/claims.h"
#include "worker/jobs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EVENTS_PER_RUN 50
#define EVENTS_MAX_ATTEMPTS 8

/* The OfficeRnD client of one event's operator, opened on first use. */
struct fetch_ctx {
	sqlite3 *db;
	int64_t operator_id;
	struct orn_client *client;
	int open_failed;
	struct orn_error open_err;
};

static int fetch_client(struct fetch_ctx *fc, struct orn_error *err)
{
	if (!fc->client && !fc->open_failed) {
		memset(&fc->open_err, 0, sizeof(fc->open_err));
		fc->client = orn_client_open(fc->db, fc->operator_id, &fc->open_err);
		fc->open_failed = fc->client == NULL;
	}
	if (!fc->client) {
		*err = fc->open_err;
		return -1;
	}
	return 0;
}

static int fetch_member(void *ctx, const char *id, struct orn_member *out, struct orn_error *err)
{
	struct fetch_ctx *fc = ctx;
	if (fetch_client(fc, err) < 0)
		return -1;
	return orn_get_member(fc->client, id, out, err);
}

static int fetch_company(void *ctx, const char *id, struct orn_company *out, struct orn_error *err)
{
	struct fetch_ctx *fc = ctx;
	if (fetch_client(fc, err) < 0)
		return -1;
	return orn_get_company(fc->client, id, out, err);
}

static const struct worker_claims event_claims = {
	"events", webhook_event_claimants, webhook_event_release_claims,
};

/* Records a final state with the outcome, in its own transaction. */
static void event_finish(struct worker *w, const struct webhook_event_claimed *c, const char *state,
			 const char *outcome)
{
	if (db_begin(w->db) < 0)
		return;
	int rc = webhook_event_finish(w->db, c->operator_id, c->id, w->id, state, outcome, time_now());
	if (rc != 0) {
		db_rollback(w->db);
		if (rc > 0)
			log_warn("events", "claim lost event=%lld", (long long)c->id);
		return;
	}
	if (db_commit(w->db) == 0)
		log_info("events", "done event=%lld operator=%lld state=%s", (long long)c->id,
			 (long long)c->operator_id, state);
}

/* A RETRY outcome: pending again after a backoff, or failed once the attempts are used up. */
static void event_retry_later(struct worker *w, const struct webhook_event_claimed *c,
			      const struct sync_outcome *out)
{
	int attempt = c->attempts + 1;
	char msg[700];
	if (attempt >= EVENTS_MAX_ATTEMPTS) {
		snprintf(msg, sizeof(msg), "gave up after %d attempts: %s", attempt, out->message);
		event_finish(w, c, "failed", msg);
		return;
	}
	int64_t delay_ms = out->error.status == ORN_OK ? 0 : orn_retry_delay_ms(&out->error, c->attempts);
	int64_t delay_s = (delay_ms + 999) / 1000;
	snprintf(msg, sizeof(msg), "%s; trying again in %lld s (attempt %d of %d)", out->message,
		 (long long)delay_s, attempt, EVENTS_MAX_ATTEMPTS);
	if (webhook_event_defer(w->db, c->operator_id, c->id, w->id, time_now() + delay_s, 1, msg) == 0)
		log_info("events", "retry later event=%lld operator=%lld attempt=%d delay_s=%lld err=%s",
			 (long long)c->id, (long long)c->operator_id, attempt, (long long)delay_s,
			 orn_status_name(out->error.status));
}

/* Step 2: the changes and the event's outcome, committed together or not at all. */
static void event_apply(struct worker *w, const struct webhook_event_claimed *c, const struct event *ev,
			const struct sync_prepared *prep, int64_t now_ms)
{
	struct sync_outcome out;
	memset(&out, 0, sizeof(out));
	if (db_begin(w->db) < 0) {
		snprintf(out.message, sizeof(out.message), "the store was busy");
		out.result = SYNC_RETRY;
		event_retry_later(w, c, &out);
		return;
	}
	int rc = membership_sync_apply(w->db, c->operator_id, ev, prep, now_ms, &out);
	if (rc < 0 || out.result == SYNC_RETRY) {
		db_rollback(w->db);
		if (rc < 0) {
			memset(&out, 0, sizeof(out));
			out.result = SYNC_RETRY;
			snprintf(out.message, sizeof(out.message), "the changes could not be saved");
		}
		event_retry_later(w, c, &out);
		return;
	}
	const char *state = out.result == SYNC_APPLIED ? "applied" : "skipped";
	rc = webhook_event_finish(w->db, c->operator_id, c->id, w->id, state, out.message, now_ms / 1000);
	if (rc != 0) {
		db_rollback(w->db);
		if (rc > 0)
			log_warn("events", "claim lost event=%lld: another worker took it", (long long)c->id);
		return;
	}
	if (db_commit(w->db) == 0)
		log_info("events", "done event=%lld operator=%lld type=%s state=%s", (long long)c->id,
			 (long long)c->operator_id, ev->type, state);
}

static void event_process(struct worker *w, const struct webhook_event_claimed *c)
{
	struct event ev;
	char err[256], msg[400];
	if (event_parse(c->body, c->body_len, &ev, err, sizeof(err)) < 0) {
		snprintf(msg, sizeof(msg), "the event could not be read: %s", err);
		event_finish(w, c, "failed", msg);
		return;
	}
	struct fetch_ctx fc = { .db = w->db, .operator_id = c->operator_id };
	struct sync_fetch fetch = { fetch_member, fetch_company, &fc };
	struct sync_prepared prep;
	struct sync_outcome out;
	memset(&prep, 0, sizeof(prep));
	int64_t now_ms = time_now() * 1000;
	if (membership_sync_prepare(w->db, c->operator_id, &ev, &fetch, now_ms, &prep, &out) == 0)
		event_apply(w, c, &ev, &prep, now_ms);
	else if (out.result == SYNC_FAILED)
		event_finish(w, c, "failed", out.message);
	else
		event_retry_later(w, c, &out);
	sync_prepared_clear(&prep);
	orn_client_free(fc.client);
	event_clear(&ev);
}

int job_events_run(struct worker *w)
{
	int handled = 0;
	static int64_t last_dead_check;
	worker_release_dead_claims(w, &event_claims, &last_dead_check);
	while (handled < EVENTS_PER_RUN && !*w->stopping) {
		struct webhook_event_claimed c;
		int r = webhook_event_claim_next(w->db, w->id, time_now(), WORKER_LEASE_S, &c);
		if (r < 0)
			return handled ? handled : -1;
		if (r == 0)
			break;
		char rid[32];
		snprintf(rid, sizeof(rid), "event-%lld", (long long)c.id);
		log_set_request_id(rid);
		event_process(w, &c);
		log_set_request_id(NULL);
		webhook_event_claimed_clear(&c);
		handled++;
	}
	return handled;
}
