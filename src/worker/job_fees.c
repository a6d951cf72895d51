/*
 * job_fees.c: books queued charges as OfficeRnD fees, exactly once (the rules are in
 * domain/fee_booking.h), from a small pool of threads, within a per-operator request rate.
 *
 * One run works in batches. The calling thread (the dispatcher) claims a batch of due charges
 * (queued ones, and "sending" ones whose claim expired because a worker died mid-request): each
 * becomes "sending", committed before any POST. It works out every fee, fails those that cannot
 * be billed (a missing mapping), and looks up in OfficeRnD, by reference, those whose fee may
 * already exist, where their last POST went; it records where each remaining fee will go, then
 * the pool POSTs them. The next batch is claimed only when every charge of this one has its
 * outcome recorded, so a lookup never races a POST of the same charge.
 *
 * A claim's lease and the deadline of its requests come from fee_timing_derive(): no request
 * (lookup, token or POST) starts unless it ends, timeout included, within the batch's window,
 * and the lease outlasts that by the settle time. Every write that ends a claim names its owner,
 * so a worker that lost its claim can overwrite nothing.
 *
 * Each pool thread has its own store connection, its own OfficeRnD clients and (in the client's
 * transport) its own curl handle. Before each POST it takes a token from the operator's bucket
 * (PILOTOMAIL_FEE_RATE_PER_MINUTE, kept in the database and so shared by every thread, process
 * and host: store/fee_rate.h); a 429 pauses the whole operator until Retry-After. A charge that cannot get a token before the batch's deadline goes
 * back to the queue, due when the token will be: a claim never outlives its lease.
 *
 * PILOTOMAIL_FEE_CONCURRENCY (1..32, default 4) is the number of threads. SIGTERM: requests in
 * flight finish and their outcomes are recorded; charges not started yet go back to the queue.
 */
#include "domain/fee_booking.h"
#include "officernd/officernd.h"
#include "store/charge_jobs.h"
#include "store/charges.h"
#include "store/fee_rate.h"
#include "store/db.h"
#include "store/officernd_connection.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/util.h"
#include "worker/jobs.h"
#include "worker/worker.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FEE_THREADS_MAX 32
#define FEE_BATCH_PER_THREAD 8
#define FEE_RUN_BUDGET_MS 20000   /* one run returns after this, so other jobs get their turn */
#define FEE_STORE_RETRY_S 60      /* a charge the store could not read is tried again after this */
#define FEE_DISCONNECTED_WAIT_S 3600 /* a disconnected operator's charge looks again after this
					(connecting again makes it due at once) */

/* ------------------------------------------------------------------------------------------ */
/* The per-operator request budget, shared by every worker through the database. */

static int64_t rate_take(struct db *db, int64_t operator_id, int64_t per_minute, int64_t burst)
{
	return fee_rate_take(db, operator_id, per_minute, burst, time_wall_ms());
}

static void rate_pause(struct db *db, int64_t operator_id, int64_t per_minute, int64_t burst, int64_t wait_ms)
{
	int64_t now_ms = time_wall_ms();
	fee_rate_pause(db, operator_id, per_minute, burst, now_ms, now_ms + wait_ms);
}

/* ------------------------------------------------------------------------------------------ */
/* OfficeRnD clients of one thread, one per operator, opened on first use. */

struct client_slot {
	int64_t operator_id;
	struct orn_client *client; /* NULL: could not be opened (err says why) */
	struct orn_error err;
};

struct clients {
	struct db *db;
	const int64_t *deadline_ms; /* the batch's: set on every client handed out */
	struct client_slot *slots;
	size_t n, cap;
};

static struct orn_client *clients_get(struct clients *cs, int64_t operator_id, struct orn_error *err)
{
	for (size_t i = 0; i < cs->n; i++) {
		if (cs->slots[i].operator_id == operator_id) {
			*err = cs->slots[i].err;
			if (cs->slots[i].client)
				orn_client_set_deadline(cs->slots[i].client, *cs->deadline_ms);
			return cs->slots[i].client;
		}
	}
	if (cs->n == cs->cap) {
		cs->cap = cs->cap ? cs->cap * 2 : 4;
		cs->slots = xrealloc(cs->slots, cs->cap * sizeof(*cs->slots));
	}
	struct client_slot *s = &cs->slots[cs->n++];
	s->operator_id = operator_id;
	s->client = orn_client_open(cs->db, operator_id, &s->err);
	*err = s->err;
	if (s->client)
		orn_client_set_deadline(s->client, *cs->deadline_ms);
	return s->client;
}

static void clients_free(struct clients *cs)
{
	for (size_t i = 0; i < cs->n; i++)
		orn_client_free(cs->slots[i].client);
	free(cs->slots);
	cs->slots = NULL;
	cs->n = cs->cap = 0;
}

/* ------------------------------------------------------------------------------------------ */
/* One charge on its way. */

struct fee_work {
	struct charge c;
	const char *owner;       /* the worker id the claim is under */
	struct fee_target t;
	struct fee_draft d;      /* built in place: never copy a fee_work by value */
	int draft_ok;            /* d holds a fee that can be posted; else why says why not */
	char why[512];
	int uncertain;           /* the fee may exist (until a lookup found it absent) */
	int to_look_up;          /* uncertain, with somewhere to look */
	struct fee_lookup_key key;
	int to_post;             /* 1 once the dispatcher found nothing else to do */
};

/* What a run shares with its pool threads. */
struct fee_run {
	struct worker *w;
	int64_t per_minute;
	int64_t burst;
	struct fee_timing timing;
	int64_t deadline_ms;     /* monotonic: every request of the current batch ends before this */

	pthread_mutex_t mu;
	pthread_cond_t work_cond;
	pthread_cond_t done_cond;
	struct fee_work **items; /* the current batch's charges to post */
	size_t n, next, finished;
	int quit;
	pthread_t threads[FEE_THREADS_MAX];
	int n_threads;
	int started;
};

/* Writes how the claim on one charge ends, if it is still ours. fee_id: booked. */
static void fee_record(struct db *db, const struct fee_work *wk, const char *fee_id, const struct fee_outcome *o,
		       int refund_attempt)
{
	const struct charge *c = &wk->c;
	struct charge_claim_end end = { .state = "sent", .fee_id = fee_id };
	if (!fee_id) {
		end.state = o->next == FEE_NEXT_RETRY ? "queued" : "failed";
		end.next_attempt_at = o->next_attempt_at;
		end.error = o->error;
		end.uncertain = o->uncertain;
		end.refund_attempt = refund_attempt;
	}
	int rc = charge_claim_end(db, c->id, wk->owner, &end, time_now());
	if (rc < 0) {
		/* It stays "sending": once its claim expires it is looked up before any new POST. */
		log_error("fees", "outcome not recorded charge=%lld reference=%s", (long long)c->id, c->reference);
		return;
	}
	if (rc > 0) {
		log_error("fees", "claim lost before the outcome was recorded charge=%lld reference=%s fee=%s",
			  (long long)c->id, c->reference, fee_id ? fee_id : "-");
		return;
	}
	if (fee_id)
		log_info("fees", "booked charge=%lld reference=%s fee=%s attempts=%lld", (long long)c->id,
			 c->reference, fee_id, (long long)c->attempts);
	else if (!refund_attempt)
		log_warn("fees", "%s charge=%lld reference=%s attempts=%lld uncertain=%d retry_in=%llds err=\"%s\"",
			 o->next == FEE_NEXT_RETRY ? "retry" : "failed", (long long)c->id, c->reference,
			 (long long)c->attempts, o->uncertain,
			 (long long)(o->next == FEE_NEXT_RETRY ? o->next_attempt_at - time_now() : 0), o->error);
}

static void fee_fail(struct db *db, const struct fee_work *wk, const char *why)
{
	struct fee_outcome o = { .next = FEE_NEXT_FAILED, .uncertain = wk->uncertain };
	str_copy(o.error, sizeof(o.error), why);
	fee_record(db, wk, NULL, &o, 0);
}

/* Back to the queue without an attempt having been made (stopping, deadline, rate budget). */
static void fee_release(struct db *db, const struct fee_work *wk, int64_t next_at)
{
	struct fee_outcome o = { .next = FEE_NEXT_RETRY, .next_attempt_at = next_at, .uncertain = wk->uncertain };
	str_copy(o.error, sizeof(o.error), wk->c.last_error);
	fee_record(db, wk, NULL, &o, 1);
}

/* A failed call: released when it was never sent for lack of time, else classified. */
static void fee_failed_call(struct fee_run *run, struct db *db, const struct fee_work *wk, const struct orn_error *err,
			    int posted)
{
	if (err->status == ORN_ERR_DEADLINE) {
		fee_release(db, wk, time_now());
		return;
	}
	const struct config *cfg = run->w->cfg;
	struct fee_attempt a = { .attempts = wk->c.attempts, .max_attempts = cfg->fee_max_attempts,
				 .settle_s = cfg->fee_settle_s, .now = time_now(), .posted = posted };
	struct fee_outcome o;
	fee_booking_classify(err, &a, &o);
	if (posted && err->status == ORN_ERR_RATE_LIMITED) {
		int64_t pause_ms = err->retry_after_s > 0 ? (int64_t)err->retry_after_s * 1000
							  : (o.next_attempt_at - a.now) * 1000;
		rate_pause(db, wk->c.operator_id, run->per_minute, run->burst, pause_ms > 0 ? pause_ms : 1000);
	}
	fee_record(db, wk, NULL, &o, 0);
}

/* ------------------------------------------------------------------------------------------ */
/* The dispatcher: claim, prepare, look up. */

/*
 * Loads where the fee goes and builds it; decides whether it must be looked up first (its fee
 * may exist) and records the outcome itself when there is nothing to send.
 */
static void fee_prepare(struct fee_run *run, struct clients *cs, struct fee_work *wk)
{
	struct db *db = run->w->db;
	struct orn_error err;
	wk->owner = run->w->id;
	wk->uncertain = strcmp(wk->c.prior_state, "sending") == 0;
	if (fee_target_load(db, wk->c.operator_id, wk->c.id, &wk->t) < 0) {
		wk->uncertain = 1;
		struct fee_outcome o = { .next = FEE_NEXT_RETRY, .uncertain = 1,
					 .next_attempt_at = time_now() + FEE_STORE_RETRY_S };
		str_copy(o.error, sizeof(o.error), "pilotomail could not read this charge's mailbox: will try again");
		fee_record(db, wk, NULL, &o, 0);
		return;
	}
	wk->uncertain = wk->uncertain || wk->t.uncertain;
	if (officernd_disconnected(db, wk->c.operator_id) == 1) {
		/* Disconnect promised that queued charges stay queued: they wait for the next connection. */
		struct fee_outcome o = { .next = FEE_NEXT_RETRY, .uncertain = wk->uncertain,
					 .next_attempt_at = time_now() + FEE_DISCONNECTED_WAIT_S };
		str_copy(o.error, sizeof(o.error), "OfficeRnD is disconnected: this charge waits in the queue until "
			 "OfficeRnD is connected again");
		fee_record(db, wk, NULL, &o, 1);
		return;
	}
	if (!charge_officernd_billing_on(db, wk->c.operator_id)) {
		fee_fail(db, wk, "Billing through OfficeRnD is off (or Stripe billing is on): turn on \"Bill mailbox "
			 "renters with OfficeRnD?\" on the OfficeRnD card, then retry");
		return;
	}
	if (!clients_get(cs, wk->c.operator_id, &err)) {
		fee_fail(db, wk, err.message);
		return;
	}
	wk->draft_ok = fee_booking_build(&wk->c, &wk->t, &wk->d, wk->why, sizeof(wk->why)) == 0;
	/* An uncertain fee is looked up where its last POST went, even when it could not be built now. */
	int dest_known = *wk->t.sent_member || *wk->t.sent_company;
	if (wk->uncertain && (wk->draft_ok || dest_known)) {
		fee_booking_lookup_key(&wk->t, &wk->d, &wk->key);
		wk->to_look_up = 1;
	} else if (!wk->draft_ok) {
		fee_fail(db, wk, wk->why);
		return;
	}
	wk->to_post = wk->draft_ok;
}

static int opt_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int same_key(const struct fee_work *a, const struct fee_work *b)
{
	return a->c.operator_id == b->c.operator_id && opt_eq(a->key.member, b->key.member) &&
	       opt_eq(a->key.company, b->key.company) && opt_eq(a->key.plan, b->key.plan);
}

/* A lookup found no fee for wk: every earlier POST has ended, and none created it. */
static void fee_absent(struct db *db, struct fee_work *wk)
{
	wk->uncertain = 0;
	if (!wk->draft_ok) {
		fee_fail(db, wk, wk->why);
		wk->to_post = 0;
	}
}

/*
 * Looks up the uncertain charges that share items[from]'s key in a single listing of that
 * payer's fees. Found: booked, no POST. Absent: posted as usual.
 */
static void fee_lookup_key(struct fee_run *run, struct clients *cs, struct fee_work *items, size_t n, size_t from,
			   unsigned char *done)
{
	struct db *db = run->w->db;
	const struct fee_lookup_key *key = &items[from].key;
	struct orn_error err;
	struct orn_fee_ref *fees = NULL;
	size_t n_fees = 0;
	struct orn_client *client = clients_get(cs, items[from].c.operator_id, &err);
	int rc = client ? orn_list_fee_refs(client, key->member, key->company, key->plan, &fees, &n_fees, NULL, &err)
			: -1;
	for (size_t j = from; j < n; j++) {
		struct fee_work *wk = &items[j];
		if (done[j] || !wk->to_look_up || !same_key(&items[from], wk))
			continue;
		done[j] = 1;
		wk->to_look_up = 0;
		if (rc < 0) {
			fee_failed_call(run, db, wk, &err, 0);
			wk->to_post = 0;
			continue;
		}
		long at = fee_booking_find(fees, n_fees, wk->c.reference);
		if (at >= 0) {
			log_info("fees", "found in OfficeRnD charge=%lld reference=%s", (long long)wk->c.id,
				 wk->c.reference);
			fee_record(db, wk, fees[at].id, NULL, 0);
			wk->to_post = 0;
		} else {
			fee_absent(db, wk);
		}
	}
	orn_fee_refs_free(fees, n_fees);
}

static void fee_lookup(struct fee_run *run, struct clients *cs, struct fee_work *items, size_t n)
{
	unsigned char *done = xcalloc(n ? n : 1, 1);
	for (size_t i = 0; i < n && !*run->w->stopping; i++)
		if (!done[i] && items[i].to_look_up)
			fee_lookup_key(run, cs, items, n, i, done);
	/* Stopping before the lookup: no POST without it. */
	for (size_t i = 0; i < n; i++) {
		if (items[i].to_look_up) {
			fee_release(run->w->db, &items[i], time_now());
			items[i].to_look_up = items[i].to_post = 0;
		}
	}
	free(done);
}

/*
 * Records, in one transaction, where each fee about to be posted goes: a later lookup searches
 * exactly there. A charge whose claim is no longer ours is not posted; nothing is posted when
 * the record cannot be committed.
 */
static void fee_record_dests(struct fee_run *run, struct fee_work **items, size_t n)
{
	struct db *db = run->w->db;
	int ok = db_begin(db) == 0;
	for (size_t i = 0; ok && i < n; i++) {
		const struct fee_draft *d = &items[i]->d;
		struct charge_fee_dest dest = { .member = d->rq.member, .company = d->rq.company,
						.location = d->location, .plan = d->plan };
		int rc = charge_record_fee_dest(db, items[i]->c.id, run->w->id, &dest);
		if (rc > 0) {
			log_error("fees", "claim lost before posting charge=%lld", (long long)items[i]->c.id);
			items[i]->to_post = 0;
		}
		ok = rc >= 0;
	}
	if (ok && db_commit(db) == 0)
		return;
	db_rollback(db);
	log_error("fees", "fee destinations not recorded: batch left to its lease count=%zu", n);
	for (size_t i = 0; i < n; i++)
		items[i]->to_post = 0;
}

/* ------------------------------------------------------------------------------------------ */
/* The pool: POST one charge. */

static void sleep_ms(int64_t ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* Waits for a token while a request started then could still end before the batch's deadline.
 * 0 with a token, else the wait left (ms). */
static int64_t fee_token(struct fee_run *run, struct db *db, int64_t operator_id)
{
	for (;;) {
		int64_t wait = rate_take(db, operator_id, run->per_minute, run->burst);
		if (wait == 0)
			return 0;
		if (*run->w->stopping || time_mono_ms() + wait + run->w->cfg->http_timeout_ms > run->deadline_ms)
			return wait;
		sleep_ms(wait < 100 ? wait : 100);
	}
}

static void fee_post(struct fee_run *run, struct db *db, struct clients *cs, struct fee_work *wk)
{
	struct orn_error err;
	if (*run->w->stopping) {
		fee_release(db, wk, time_now());
		return;
	}
	struct orn_client *client = clients_get(cs, wk->c.operator_id, &err);
	if (!client) {
		fee_fail(db, wk, err.message);
		return;
	}
	int64_t wait = fee_token(run, db, wk->c.operator_id);
	if (wait > 0) {
		fee_release(db, wk, time_now() + (wait + 999) / 1000);
		return;
	}
	struct orn_fee fee;
	if (orn_create_fee(client, &wk->d.rq, &fee, &err) == 0) {
		fee_record(db, wk, fee.id, NULL, 0);
		orn_fee_clear(&fee);
		return;
	}
	fee_failed_call(run, db, wk, &err, 1);
}

static void *fee_thread(void *arg)
{
	struct fee_run *run = arg;
	struct db *db = db_open(run->w->cfg->db_path);
	struct clients cs = { .db = db, .deadline_ms = &run->deadline_ms };
	pthread_mutex_lock(&run->mu);
	for (;;) {
		while (!run->quit && run->next >= run->n)
			pthread_cond_wait(&run->work_cond, &run->mu);
		if (run->quit)
			break;
		struct fee_work *wk = run->items[run->next++];
		pthread_mutex_unlock(&run->mu);
		/* Without a connection no outcome could be recorded: leave it to the lease. */
		if (db)
			fee_post(run, db, &cs, wk);
		pthread_mutex_lock(&run->mu);
		if (++run->finished == run->n)
			pthread_cond_signal(&run->done_cond);
	}
	pthread_mutex_unlock(&run->mu);
	clients_free(&cs);
	db_close(db);
	return NULL;
}

/* Starts the threads on first need; with none, the dispatcher posts itself. */
static void fee_pool_start(struct fee_run *run, int want)
{
	if (run->started)
		return;
	run->started = 1;
	orn_global_init(); /* before any thread touches libcurl */
	for (int i = 0; i < want; i++) {
		if (pthread_create(&run->threads[run->n_threads], NULL, fee_thread, run) != 0) {
			log_warn("fees", "thread not started: %d of %d running", run->n_threads, want);
			break;
		}
		run->n_threads++;
	}
}

/* Posts the batch's charges on the pool and waits until each has its outcome. */
static void fee_pool_run(struct fee_run *run, struct clients *cs, struct fee_work **items, size_t n)
{
	if (!n)
		return;
	if (run->n_threads == 0) {
		for (size_t i = 0; i < n; i++)
			fee_post(run, run->w->db, cs, items[i]);
		return;
	}
	pthread_mutex_lock(&run->mu);
	run->items = items;
	run->n = n;
	run->next = run->finished = 0;
	pthread_cond_broadcast(&run->work_cond);
	while (run->finished < run->n)
		pthread_cond_wait(&run->done_cond, &run->mu);
	run->items = NULL;
	run->n = run->next = run->finished = 0;
	pthread_mutex_unlock(&run->mu);
}

static void fee_pool_stop(struct fee_run *run)
{
	pthread_mutex_lock(&run->mu);
	run->quit = 1;
	pthread_cond_broadcast(&run->work_cond);
	pthread_mutex_unlock(&run->mu);
	for (int i = 0; i < run->n_threads; i++)
		pthread_join(run->threads[i], NULL);
	run->n_threads = 0;
}

/* ------------------------------------------------------------------------------------------ */

/* One batch: how many charges were claimed (0 = none due), or -1. */
static int fee_batch(struct fee_run *run, struct clients *cs, int threads, size_t limit)
{
	struct worker *w = run->w;
	struct charge *claimed = NULL;
	size_t n = 0;
	/* Taken before the claim, so the deadline can only be earlier than the lease allows. */
	run->deadline_ms = time_mono_ms() + run->timing.window_ms + w->cfg->http_timeout_ms;
	if (charge_claim_due(w->db, w->id, time_now(), run->timing.lease_s, limit, &claimed, &n) < 0)
		return -1;
	if (n == 0) {
		free(claimed);
		return 0;
	}
	struct fee_work *items = xcalloc(n, sizeof(*items));
	struct fee_work **to_post = xcalloc(n, sizeof(*to_post));
	for (size_t i = 0; i < n; i++) {
		items[i].c = claimed[i];
		fee_prepare(run, cs, &items[i]);
	}
	free(claimed);
	fee_lookup(run, cs, items, n);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (items[i].to_post)
			to_post[k++] = &items[i];
	if (k)
		fee_record_dests(run, to_post, k);
	size_t m = 0;
	for (size_t i = 0; i < k; i++)
		if (to_post[i]->to_post)
			to_post[m++] = to_post[i];
	if (m)
		fee_pool_start(run, threads);
	fee_pool_run(run, cs, to_post, m);
	free(to_post);
	free(items);
	return (int)n;
}

int job_fees_run(struct worker *w)
{
	/* No early take-over of a dead worker's claims here (worker/claims.h): a POST it sent may
	 * still be completing at OfficeRnD, and only the lease's length lets it land before the
	 * next worker looks the fee up. */
	int threads = (int)(w->cfg->fee_concurrency < FEE_THREADS_MAX ? w->cfg->fee_concurrency : FEE_THREADS_MAX);
	int64_t per_minute = w->cfg->fee_rate_per_minute;
	/* Up to a second's worth at once, and never more than there are threads to send it. */
	int64_t burst = per_minute / 60 < threads ? per_minute / 60 : threads;
	struct fee_run run = {
		.w = w, .per_minute = per_minute, .burst = burst < 1 ? 1 : burst,
		.mu = PTHREAD_MUTEX_INITIALIZER, .work_cond = PTHREAD_COND_INITIALIZER,
		.done_cond = PTHREAD_COND_INITIALIZER,
	};
	fee_timing_derive(w->cfg->http_timeout_ms, w->cfg->fee_settle_s, &run.timing);
	/* A batch the rate lets through within one window, at most a few per thread. */
	int64_t affordable = per_minute * (run.timing.window_ms / 1000) / 60 + run.burst;
	size_t limit = (size_t)threads * FEE_BATCH_PER_THREAD;
	if ((int64_t)limit > affordable)
		limit = (size_t)(affordable < 1 ? 1 : affordable);

	struct clients cs = { .db = w->db, .deadline_ms = &run.deadline_ms };
	int64_t started = time_mono_ms();
	int handled = 0, failed = 0;
	while (!*w->stopping && time_mono_ms() - started < FEE_RUN_BUDGET_MS) {
		int n = fee_batch(&run, &cs, threads, limit);
		if (n < 0)
			failed = 1;
		if (n <= 0)
			break;
		handled += n;
	}
	fee_pool_stop(&run);
	clients_free(&cs);
	pthread_mutex_destroy(&run.mu);
	pthread_cond_destroy(&run.work_cond);
	pthread_cond_destroy(&run.done_cond);
	return failed && !handled ? -1 : handled;
}
