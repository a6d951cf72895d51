/*
 * fetch_many.c: orn_get_members, many GET /members/{id} at once for a batch of membership events.
 *
 * One request after another cost a round trip each (about 1 ms on loopback, far more against
 * OfficeRnD itself) while the worker held nothing else to do. Here up to in_flight requests are
 * open together on one curl_multi handle, in rounds: a round sends what is left, and what failed
 * in a way worth a quick second try (a 401 once, with a new token; a blip up to
 * ORN_QUICK_RETRIES times, after the same backoff as orn_api_call) goes again in the next.
 * The multi handle and its easy handles are kept per thread, so connections are reused from
 * batch to batch; each request is set up, classified and logged by transport.c like any other.
 */
#include "officernd/internal.h"
#include "util/log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FETCH_MAX_IN_FLIGHT 32
#define FETCH_POLL_MS 100

/* The thread's multi handle and easy handles (easy[k] runs slot k). */
struct fetch_pool {
	CURLM *multi;
	CURL *easy[FETCH_MAX_IN_FLIGHT];
};

static _Thread_local struct fetch_pool *thread_pool;
static pthread_key_t pool_key;
static pthread_once_t pool_key_once = PTHREAD_ONCE_INIT;

static void pool_free(void *arg)
{
	struct fetch_pool *p = arg;
	if (!p)
		return;
	for (int k = 0; k < FETCH_MAX_IN_FLIGHT; k++)
		if (p->easy[k])
			curl_easy_cleanup(p->easy[k]);
	curl_multi_cleanup(p->multi);
	free(p);
}

static void pool_key_create(void)
{
	if (pthread_key_create(&pool_key, pool_free) != 0) {
		log_error("officernd", "pthread_key_create failed");
		abort();
	}
}

static struct fetch_pool *pool_get(void)
{
	orn_global_init();
	pthread_once(&pool_key_once, pool_key_create);
	if (thread_pool)
		return thread_pool;
	thread_pool = xcalloc(1, sizeof(*thread_pool));
	thread_pool->multi = curl_multi_init();
	if (!thread_pool->multi) {
		log_error("officernd", "curl_multi_init failed");
		abort();
	}
	pthread_setspecific(pool_key, thread_pool);
	return thread_pool;
}

void orn_fetch_cleanup(void)
{
	if (!thread_pool)
		return;
	pthread_once(&pool_key_once, pool_key_create);
	pthread_setspecific(pool_key, NULL);
	pool_free(thread_pool);
	thread_pool = NULL;
}

/* A handle of the pool, reset to defaults (the multi handle keeps the connections). */
static CURL *pool_easy(struct fetch_pool *p, int k)
{
	if (!p->easy[k]) {
		p->easy[k] = curl_easy_init();
		if (!p->easy[k]) {
			log_error("officernd", "curl_easy_init failed");
			abort();
		}
	} else {
		curl_easy_reset(p->easy[k]);
	}
	return p->easy[k];
}

/* The whole call: what each member has come to, and what the round in progress learnt. */
struct fetch_run {
	struct orn_client *c;
	const char *const *ids;
	struct orn_member *out;
	struct orn_error *errs;
	size_t n;
	char *send;       /* 1: to be sent in this round */
	char *again;      /* 1: to be sent in the next round */
	int *quick;       /* quick retries used */
	const char *token;
	int refreshed;    /* the token was replaced after a 401 (once per call, as orn_api_call) */
	int saw_401, saw_blip;
	int waiting;      /* a 429 came: nothing more is started */
	struct orn_error wait_err;
};

/* One request in flight. */
struct slot {
	int busy;
	size_t i;
	char *url, *path;
	struct orn_http_request rq;
	struct orn_http_response rs;
	struct orn_transfer t;
};

static void slot_free(struct slot *s)
{
	free(s->url);
	free(s->path);
	s->url = s->path = NULL;
	s->busy = 0;
}

/* Starts member i on slot k; 0, or -1 when it could not start (errs[i] says why). */
static int slot_start(struct fetch_run *r, struct fetch_pool *p, int k, struct slot *s, size_t i)
{
	char *esc = orn_url_escape(r->ids[i]);
	memset(s, 0, sizeof(*s));
	s->i = i;
	s->path = xasprintf("/members/%s", esc);
	s->url = orn_api_url(r->c, s->path);
	free(esc);
	s->rq = (struct orn_http_request){
		.method = "GET", .url = s->url, .log_path = s->path, .bearer = r->token,
		.deadline_ms = r->c->deadline_ms,
	};
	orn_error_reset(&r->errs[i]);
	CURL *h = pool_easy(p, k);
	if (orn_transfer_begin(h, &s->rq, &s->rs, &s->t, &r->errs[i]) < 0 ||
	    curl_multi_add_handle(p->multi, h) != CURLM_OK) {
		if (r->errs[i].status == ORN_OK) /* added to no multi handle: ends as never sent */
			orn_transfer_end(h, &s->t, CURLE_FAILED_INIT, &r->errs[i]);
		strbuf_free(&s->rs.body);
		slot_free(s);
		return -1;
	}
	s->busy = 1;
	return 0;
}

/* Reads a 2xx answer into out[i], or errs[i] as orn_api_call would. */
static void answer_read(struct fetch_run *r, size_t i, const struct orn_http_response *rs)
{
	struct orn_error *e = &r->errs[i];
	json_t *root = NULL;
	if (orn_parse_json(rs->body.buf, rs->body.len, &root, e) == 0 && orn_parse_member(root, &r->out[i], e) == 0) {
		json_decref(root);
		return;
	}
	json_decref(root);
	e->http_status = rs->status;
	e->request_sent = 1;
}

/* Sorts a finished request: done (out or errs filled), or to be sent again next round. */
static void slot_classify(struct fetch_run *r, size_t i, int transport_rc, const struct orn_http_response *rs)
{
	struct orn_error *e = &r->errs[i];
	if (transport_rc == 0 && rs->status == 401 && !r->refreshed) {
		/* Refused before it was served: sent again with a new token, unless a 429 stops us. */
		orn_error_from_http(e, rs->status, rs->body.buf, rs->body.len, rs->retry_after_s);
		e->http_status = rs->status;
		e->request_sent = 1;
		r->saw_401 = 1;
		r->again[i] = 1;
		return;
	}
	if (transport_rc == 0 && rs->status >= 200 && rs->status <= 299) {
		answer_read(r, i, rs);
		return;
	}
	if (transport_rc == 0) {
		orn_error_from_http(e, rs->status, rs->body.buf, rs->body.len, rs->retry_after_s);
		e->http_status = rs->status;
		e->request_sent = 1;
	}
	if (e->status == ORN_ERR_RATE_LIMITED && !r->waiting) {
		r->waiting = 1;
		r->wait_err = *e;
	}
	if (orn_api_quick_retryable(e) && r->quick[i] < ORN_QUICK_RETRIES) {
		r->quick[i]++;
		r->saw_blip = 1;
		r->again[i] = 1;
	}
}

static void slot_finish(struct fetch_run *r, struct fetch_pool *p, int k, struct slot *s, CURLcode code)
{
	curl_multi_remove_handle(p->multi, p->easy[k]);
	int rc = orn_transfer_end(p->easy[k], &s->t, (int)code, &r->errs[s->i]);
	slot_classify(r, s->i, rc, &s->rs);
	strbuf_free(&s->rs.body);
	slot_free(s);
}

/* Waits for the open requests to move, and finishes those that ended. How many ended. */
static int round_step(struct fetch_run *r, struct fetch_pool *p, struct slot *slots, int width)
{
	int running = 0, ended = 0, left;
	curl_multi_perform(p->multi, &running);
	CURLMsg *m;
	while ((m = curl_multi_info_read(p->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		for (int k = 0; k < width; k++) {
			if (slots[k].busy && p->easy[k] == m->easy_handle) {
				slot_finish(r, p, k, &slots[k], m->data.result);
				ended++;
				break;
			}
		}
	}
	if (!ended && running)
		curl_multi_poll(p->multi, NULL, 0, FETCH_POLL_MS, NULL);
	return ended;
}

static size_t next_to_send(const struct fetch_run *r, size_t from)
{
	while (from < r->n && !r->send[from])
		from++;
	return from;
}

/* Sends every member marked in r->send, width at a time. */
static void round_run(struct fetch_run *r, int width)
{
	struct fetch_pool *p = pool_get();
	struct slot slots[FETCH_MAX_IN_FLIGHT];
	memset(slots, 0, sizeof(slots));
	size_t next = 0;
	int active = 0;
	for (;;) {
		for (int k = 0; k < width && !r->waiting; k++) {
			next = next_to_send(r, next);
			if (slots[k].busy || next >= r->n)
				continue;
			if (slot_start(r, p, k, &slots[k], next++) == 0)
				active++;
		}
		if (active == 0 && (r->waiting || next_to_send(r, next) >= r->n))
			break;
		if (active > 0)
			active -= round_step(r, p, slots, width);
	}
	/* After a 429: what was not started waits for the Retry-After like the one refused. */
	for (; r->waiting && next < r->n; next++) {
		if (!r->send[next])
			continue;
		r->errs[next] = r->wait_err;
		r->errs[next].request_sent = 0;
		snprintf(r->errs[next].message, sizeof(r->errs[next].message),
			 "Not sent: OfficeRnD asked to wait (429) for another request of the same batch");
	}
}

/* Marks ids that cannot be asked for; returns how many are left to send. */
static size_t run_init(struct fetch_run *r)
{
	size_t unsent = 0;
	for (size_t i = 0; i < r->n; i++) {
		memset(&r->out[i], 0, sizeof(r->out[i]));
		orn_error_reset(&r->errs[i]);
		if (!r->ids[i] || !*r->ids[i]) {
			orn_error_set(&r->errs[i], ORN_ERR_INVALID, "No OfficeRnD members id given");
			continue;
		}
		r->send[i] = 1;
		unsent++;
	}
	return unsent;
}

size_t orn_get_members(struct orn_client *c, const char *const *ids, size_t n, int in_flight,
		       struct orn_member *out, struct orn_error *errs)
{
	struct fetch_run r = { .c = c, .ids = ids, .out = out, .errs = errs, .n = n };
	int width = in_flight < 1 ? 1 : in_flight > FETCH_MAX_IN_FLIGHT ? FETCH_MAX_IN_FLIGHT : in_flight;
	r.send = xcalloc(n ? n : 1, 1);
	r.again = xcalloc(n ? n : 1, 1);
	r.quick = xcalloc(n ? n : 1, sizeof(*r.quick));
	for (size_t unsent = run_init(&r), round = 0; unsent > 0; round++) {
		struct orn_error token_err;
		orn_error_reset(&token_err);
		if (orn_token_get(c, 0, &r.token, &token_err) < 0) {
			for (size_t i = 0; i < n; i++)
				if (r.send[i])
					errs[i] = token_err;
			break;
		}
		r.saw_401 = r.saw_blip = 0;
		round_run(&r, width);
		if (r.saw_401) {
			orn_token_drop(c);
			r.refreshed = 1;
		}
		for (size_t i = 0; r.waiting && i < n; i++) {
			/* OfficeRnD asked us to wait: what was to go again waits for its Retry-After too
			 * (a 401 among them is not a refusal of our credentials). */
			if (r.again[i]) {
				errs[i] = r.wait_err;
				snprintf(errs[i].message, sizeof(errs[i].message),
					 "Not sent again: OfficeRnD asked to wait (429) for another request of the same batch");
			}
			r.again[i] = 0;
		}
		unsent = 0;
		for (size_t i = 0; i < n; i++) {
			r.send[i] = r.again[i];
			r.again[i] = 0;
			unsent += r.send[i];
		}
		if (unsent && r.saw_blip)
			orn_sleep_ms(orn_backoff_ms((int)round, ORN_QUICK_BASE_MS, ORN_QUICK_CAP_MS, NULL));
	}
	size_t failed = 0;
	for (size_t i = 0; i < n; i++)
		failed += errs[i].status != ORN_OK;
	free(r.send);
	free(r.again);
	free(r.quick);
	return failed;
}
