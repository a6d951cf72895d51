/*
 * job_events.c: applies the OfficeRnD membership events stored by the webhook receiver.
 *
 * In batches of up to EVENTS_BATCH: claim them under a lease in one transaction (the oldest
 * pending event of each membership only, so a membership's events are applied one at a time, in
 * arrival order), read them, ask OfficeRnD for the members whose mailboxes are to be created (no
 * transaction open meanwhile, one client per operator for the batch, the members fetched
 * together: PILOTOMAIL_FETCH_CONCURRENCY requests in flight), then in ONE transaction
 * re-check the state, change the mailboxes and record each outcome on its event row (each event
 * in its own savepoint, so one event's store error leaves the others). None of these commits waits
 * for the disk (see job_events_run). A worker killed at any point leaves either everything of a batch
 * committed or nothing; its lease runs out (or is released at once when this host sees the
 * process is gone) and the events are done again from the start. OfficeRnD errors worth retrying leave the event pending with
 * backoff; after EVENTS_MAX_ATTEMPTS, or on a permanent error, it is failed with the reason, and
 * the activity page can put it back.
 */
#include "domain/membership_sync.h"
#include "officernd/event.h"
#include "officernd/officernd.h"
#include "store/db.h"
#include "store/webhook_events.h"
#include "util/log.h"
#include "util/util.h"
#include "util/timeutil.h"
#include "worker/claims.h"
#include "worker/jobs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EVENTS_PER_RUN 256
#define EVENTS_BATCH 64
#define EVENTS_TXN_MS 5
#define EVENTS_PAUSE_US 300
#define EVENTS_PAUSE_MAX_US 20000
#define EVENTS_MAX_ATTEMPTS 8

/* The OfficeRnD client of one event's operator, opened on first use. */
struct fetch_ctx {
	struct db *db;
	int64_t operator_id;
	struct orn_client *client;
	int members_asked; /* the batch's members of this operator were fetched together */
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

/* What one event's prepare step may ask: its member fetched with the batch's, else OfficeRnD. */
struct item_fetch {
	struct fetch_ctx *fc;
	int prefetched; /* member / member_err hold the batch fetch's answer for member_id */
	const char *member_id;
	struct orn_member member;
	struct orn_error member_err;
};

static int fetch_member(void *ctx, const char *id, struct orn_member *out, struct orn_error *err)
{
	struct item_fetch *f = ctx;
	if (f->prefetched && str_eq(id, f->member_id)) {
		f->prefetched = 0; /* handed over: out owns the strings now */
		if (f->member_err.status != ORN_OK) {
			*err = f->member_err;
			return -1;
		}
		*out = f->member;
		memset(&f->member, 0, sizeof(f->member));
		return 0;
	}
	if (fetch_client(f->fc, err) < 0)
		return -1;
	return orn_get_member(f->fc->client, id, out, err);
}

static int fetch_company(void *ctx, const char *id, struct orn_company *out, struct orn_error *err)
{
	struct item_fetch *f = ctx;
	if (fetch_client(f->fc, err) < 0)
		return -1;
	return orn_get_company(f->fc->client, id, out, err);
}

static const struct worker_claims event_claims = {
	"events", webhook_event_claimants, webhook_event_release_claims,
};

/* Records a final state with the outcome: in the batch's transaction, or else its own. */
static void event_finish(struct worker *w, const struct webhook_event_claimed *c, const char *state,
			 const char *outcome)
{
	int own;
	if (db_begin_unless_open(w->db, &own) < 0)
		return;
	int rc = webhook_event_finish(w->db, c->operator_id, c->id, w->id, state, outcome, time_now());
	if (rc > 0)
		log_warn("events", "claim lost event=%lld", (long long)c->id);
	if (db_end_own(w->db, own, rc == 0) == 0 && own)
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

/* One claimed event of a batch, from parse to outcome. */
struct batch_item {
	struct webhook_event_claimed c;
	struct event ev;
	int parsed;
	int prepared; /* membership_sync_prepare succeeded: apply it in the batch transaction */
	struct sync_prepared prep;
	struct sync_outcome out;
	struct item_fetch fetch;
	char err[256];
};

/* The OfficeRnD clients of a batch: one per operator, opened on first use. Each is allocated on
 * its own, so the items can keep pointers to theirs while others are added. */
struct batch_clients {
	struct fetch_ctx **ctx;
	size_t n, cap;
};

static struct fetch_ctx *batch_client(struct batch_clients *bc, struct db *db, int64_t operator_id)
{
	for (size_t i = 0; i < bc->n; i++)
		if (bc->ctx[i]->operator_id == operator_id)
			return bc->ctx[i];
	bc->ctx = array_grow(bc->ctx, bc->n, &bc->cap, sizeof(*bc->ctx));
	struct fetch_ctx *fc = xcalloc(1, sizeof(*fc));
	fc->db = db;
	fc->operator_id = operator_id;
	bc->ctx[bc->n++] = fc;
	return fc;
}

static void batch_clients_free(struct batch_clients *bc)
{
	for (size_t i = 0; i < bc->n; i++) {
		orn_client_free(bc->ctx[i]->client);
		free(bc->ctx[i]);
	}
	free(bc->ctx);
}

/* Fetches together the members that the prepare step of items[from..n) of this operator will
 * want (fetch.prefetched set on each, with the member or the error). */
static void batch_prefetch_operator(struct worker *w, struct batch_item *items, size_t from, size_t n,
				    struct fetch_ctx *fc, int64_t now_ms)
{
	const char **ids = xcalloc(n - from, sizeof(*ids));
	struct batch_item **who = xcalloc(n - from, sizeof(*who));
	size_t k = 0;
	for (size_t i = from; i < n; i++) {
		struct batch_item *it = &items[i];
		if (it->parsed && it->fetch.fc == fc &&
		    membership_sync_wants_member(w->db, it->c.operator_id, &it->ev, now_ms) == 1) {
			ids[k] = it->ev.membership.member;
			who[k++] = it;
		}
	}
	struct orn_member *members = xcalloc(k ? k : 1, sizeof(*members));
	struct orn_error *errs = xcalloc(k ? k : 1, sizeof(*errs));
	struct orn_error open_err;
	if (k && fetch_client(fc, &open_err) < 0) {
		for (size_t j = 0; j < k; j++)
			errs[j] = open_err;
	} else if (k) {
		orn_get_members(fc->client, ids, k, (int)w->cfg->fetch_concurrency, members, errs);
	}
	for (size_t j = 0; j < k; j++) {
		who[j]->fetch.prefetched = 1;
		who[j]->fetch.member_id = ids[j];
		who[j]->fetch.member = members[j];
		who[j]->fetch.member_err = errs[j];
	}
	free(members);
	free(errs);
	free(who);
	free(ids);
}

/* Step 1a, no transaction open: parse every event, then fetch their members together. */
static void batch_parse_and_fetch(struct worker *w, struct batch_item *items, size_t n, struct batch_clients *bc,
				  int64_t now_ms)
{
	for (size_t i = 0; i < n; i++) {
		struct batch_item *it = &items[i];
		it->parsed = event_parse(it->c.body, it->c.body_len, &it->ev, it->err, sizeof(it->err)) == 0;
		it->fetch.fc = batch_client(bc, w->db, it->c.operator_id);
	}
	for (size_t i = 0; i < n; i++) {
		struct fetch_ctx *fc = items[i].fetch.fc;
		if (items[i].parsed && !fc->members_asked) {
			fc->members_asked = 1;
			batch_prefetch_operator(w, items, i, n, fc, now_ms);
		}
	}
}

/* Step 1b, no transaction open: what the apply step needs (OfficeRnD asked only for what the
 * batch fetch did not bring). */
static void item_prepare(struct worker *w, struct batch_item *it, int64_t now_ms)
{
	if (!it->parsed)
		return;
	struct sync_fetch fetch = { fetch_member, fetch_company, &it->fetch };
	it->prepared = membership_sync_prepare(w->db, it->c.operator_id, &it->ev, &fetch, now_ms, &it->prep,
					       &it->out) == 0;
	if (it->fetch.prefetched && it->fetch.member_err.status == ORN_OK)
		orn_member_clear(&it->fetch.member); /* fetched, then not needed after all */
	it->fetch.prefetched = 0;
}

/* Step 2 for one event, inside the batch transaction and its own savepoint. */
static void item_apply(struct worker *w, struct batch_item *it, int64_t now_ms)
{
	if (db_exec(w->db, "SAVEPOINT event") < 0) {
		it->prepared = 0;
		it->out.result = SYNC_RETRY;
		snprintf(it->out.message, sizeof(it->out.message), "the store was busy");
		return;
	}
	int rc = membership_sync_apply(w->db, it->c.operator_id, &it->ev, &it->prep, now_ms, &it->out);
	if (rc == 0 && it->out.result != SYNC_RETRY) {
		const char *state = it->out.result == SYNC_APPLIED ? "applied" : "skipped";
		rc = webhook_event_finish(w->db, it->c.operator_id, it->c.id, w->id, state, it->out.message,
					  now_ms / 1000);
		if (rc > 0)
			log_warn("events", "claim lost event=%lld: another worker took it", (long long)it->c.id);
		if (rc == 0) {
			db_exec(w->db, "RELEASE event");
			return;
		}
		it->out.result = SYNC_SKIPPED; /* nothing more to record: the claim is not ours */
	}
	db_exec(w->db, "ROLLBACK TO event");
	db_exec(w->db, "RELEASE event");
	it->prepared = 0;
	if (rc < 0) {
		memset(&it->out, 0, sizeof(it->out));
		it->out.result = SYNC_RETRY;
		snprintf(it->out.message, sizeof(it->out.message), "the changes could not be saved");
	}
}

/* An event that was not applied: failed, or pending again later. Inside the batch transaction. */
static void item_settle(struct worker *w, struct batch_item *it)
{
	char msg[400];
	if (!it->parsed) {
		snprintf(msg, sizeof(msg), "the event could not be read: %s", it->err);
		event_finish(w, &it->c, "failed", msg);
	} else if (it->out.result == SYNC_FAILED) {
		event_finish(w, &it->c, "failed", it->out.message);
	} else if (it->out.result == SYNC_RETRY) {
		event_retry_later(w, &it->c, &it->out);
	}
}

static void batch_log(const struct batch_item *items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (items[i].prepared)
			log_info("events", "done event=%lld operator=%lld type=%s state=%s", (long long)items[i].c.id,
				 (long long)items[i].c.operator_id, items[i].ev.type,
				 items[i].out.result == SYNC_APPLIED ? "applied" : "skipped");
}

/*
 * After a transaction that held the write lock for held_us: webhook.fcgi may be waiting for that
 * lock before it can answer anyone. When it stored events since the last look (it is under
 * load), the worker stays away as long as it held the lock, so that it takes at most half of the
 * lock and of a CPU while a burst comes in; otherwise it leaves only a moment (EVENTS_PAUSE_US).
 * The events wait in the store meanwhile; the worker catches up when the burst is over.
 */
static void pace(struct worker *w, int64_t held_us, int64_t *last_id)
{
	int64_t id = webhook_event_last_id(w->db);
	int64_t us = EVENTS_PAUSE_US;
	if (id > *last_id && held_us > us)
		us = held_us < EVENTS_PAUSE_MAX_US ? held_us : EVENTS_PAUSE_MAX_US;
	*last_id = id;
	struct timespec ts = { (time_t)(us / 1000000), (long)(us % 1000000) * 1000 };
	nanosleep(&ts, NULL);
}

/*
 * Records the outcomes of items[from..] in one transaction, stopping once it has held the write
 * lock for EVENTS_TXN_MS, then paces (pace). Returns where the next transaction starts (n when
 * all are done, or when the store failed: then the claims run out and those events are done
 * again from the start).
 */
static size_t batch_commit_some(struct worker *w, struct batch_item *items, size_t from, size_t n,
				int64_t now_ms, int64_t *last_id)
{
	if (db_begin(w->db) < 0)
		return n;
	int64_t start = time_mono_us();
	size_t i = from;
	while (i < n) {
		if (items[i].prepared)
			item_apply(w, &items[i], now_ms);
		if (!items[i].prepared)
			item_settle(w, &items[i]);
		i++;
		if (time_mono_us() - start >= EVENTS_TXN_MS * 1000)
			break;
	}
	if (db_commit(w->db) < 0)
		return n;
	int64_t held_us = time_mono_us() - start;
	batch_log(items + from, i - from);
	pace(w, held_us, last_id);
	return i;
}

/* Applies a claimed batch: fetches first, then as few short transactions as will do. */
static void batch_process(struct worker *w, struct webhook_event_claimed *claimed, size_t n)
{
	struct batch_item *items = xcalloc(n, sizeof(*items));
	struct batch_clients bc = { 0 };
	int64_t now_ms = time_now() * 1000;
	for (size_t i = 0; i < n; i++)
		items[i].c = claimed[i];
	batch_parse_and_fetch(w, items, n, &bc, now_ms);
	for (size_t i = 0; i < n; i++)
		item_prepare(w, &items[i], now_ms);
	batch_clients_free(&bc);
	int64_t last_id = webhook_event_last_id(w->db);
	for (size_t done = 0; done < n;)
		done = batch_commit_some(w, items, done, n, now_ms, &last_id);
	/* Not committed: the claims run out and the events are done again from the start. */
	for (size_t i = 0; i < n; i++) {
		sync_prepared_clear(&items[i].prep);
		if (items[i].parsed)
			event_clear(&items[i].ev);
		webhook_event_claimed_clear(&items[i].c);
	}
	free(items);
}

static int events_run(struct worker *w)
{
	int handled = 0;
	static int64_t last_dead_check;
	worker_release_dead_claims(w, &event_claims, &last_dead_check);
	while (handled < EVENTS_PER_RUN && !*w->stopping) {
		struct webhook_event_claimed *claimed;
		size_t n;
		if (webhook_event_claim_batch(w->db, w->id, time_now(), WORKER_LEASE_S, EVENTS_BATCH, &claimed, &n) < 0)
			return handled ? handled : -1;
		if (n == 0)
			break;
		log_set_request_id("events-batch");
		batch_process(w, claimed, n);
		log_set_request_id(NULL);
		free(claimed); /* the items took the contents */
		handled += (int)n;
	}
	return handled;
}

/*
 * The claims and outcomes of this job commit without waiting for the disk (db_flush_on_commit):
 * an fsync held the write lock 5-15 ms per commit, and webhook.fcgi, which must answer only
 * after its own durable commit, waited behind each one. Losing them to a power failure is safe:
 * the events are pending again and applying one twice changes nothing, and nothing leaves the
 * store before a durable commit (the outbox and fee jobs claim first), which takes these along.
 */
int job_events_run(struct worker *w)
{
	if (db_flush_on_commit(w->db, 0) < 0)
		return -1;
	int handled = events_run(w);
	/* SQLite refuses the change inside a transaction: none may be left open here. */
	db_rollback(w->db);
	if (db_flush_on_commit(w->db, 1) < 0) {
		/* The other jobs must not send anything on a commit that may be lost: stop here; a
		 * worker may be killed at any instant, and its supervisor starts it again. */
		log_error("events", "commits could not be made durable again: exiting");
		exit(1);
	}
	return handled;
}
