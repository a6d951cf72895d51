/*
 * fee_booking.h: the rules of booking a charge as an OfficeRnD fee exactly once, without the
 * worker loop, the store or the network (worker/job_fees.c puts them together):
 *
 *  - fee_booking_build: the POST /fees request of a charge, or why it cannot be made (a missing
 *    mapping: a permanent error in the operator's words).
 *  - fee_booking_classify: what an OfficeRnD error means for the charge: try again later (and
 *    when), or fail until the operator retries; and whether the fee may exist anyway.
 *  - fee_booking_find: the fee carrying our reference in a list from OfficeRnD.
 *  - fee_timing_derive: how long a worker may start requests for a claimed charge, and how long
 *    the claim must then last.
 *  - fee_bucket: the per-operator request budget (a token bucket on a caller-given clock).
 *
 * Exactly once: a charge is marked sending and committed before its POST. When a POST ends
 * without a definite answer (timeout, dropped connection, 5xx, unreadable answer) or a worker
 * died mid-request, the fee may exist: the charge is "uncertain" and, before it is posted again,
 * the payer's fees are listed and searched for its reference.
 */
#ifndef PILOTOMAIL_DOMAIN_FEE_BOOKING_H
#define PILOTOMAIL_DOMAIN_FEE_BOOKING_H

#include <stddef.h>
#include <stdint.h>

#include "officernd/officernd.h"
#include "store/charge_jobs.h"
#include "store/charges.h"

/* Retries wait at most this long, whatever the attempt count. */
#define FEE_RETRY_CAP_S (15 * 60)
/*
 * The settle time (PILOTOMAIL_FEE_SETTLE_S, 60 s by default): after a POST that may have created
 * the fee, the next attempt (which first looks the fee up) waits at least this long, because a
 * request we gave up on may still be completing at OfficeRnD and a lookup made before it
 * completes would not see the fee.
 */

/*
 * A claimed charge's timing. Requests start only within window_ms of the claim (the deadline
 * every OfficeRnD request is checked against, lookups included) and each ends, timeout included,
 * within http_timeout_ms; a request we gave up on lands within the settle time. So the claim
 * lasts lease_s = window + timeout + settle + a margin, and a worker that takes over an expired
 * claim never looks a fee up before the previous owner's last POST could have landed.
 */
struct fee_timing {
	int64_t window_ms;
	int64_t lease_s;
};
#define FEE_WORK_WINDOW_MS 30000
#define FEE_LEASE_MARGIN_MS 5000
void fee_timing_derive(int64_t http_timeout_ms, int64_t settle_s, struct fee_timing *out);

/*
 * The request of one charge. rq points into the draft itself: use the draft where it was built
 * (never copy it by value).
 */
struct fee_draft {
	char name[256];
	char description[768];
	char issue_date[11];
	char location[65];
	char plan[65];
	char payer[65];          /* the member's id, or the company's */
	int company_payer;       /* 1: payer is a company */
	char reference[48];
	struct orn_fee_request rq;
};

/* Where to look a fee up: the payer, plan (and location) of the charge's last POST when one was
 * recorded, else where the fee would go now (d). Pointers into t or d. */
struct fee_lookup_key {
	const char *member;      /* exactly one of member and company is set */
	const char *company;
	const char *plan;        /* NULL: every plan */
};
void fee_booking_lookup_key(const struct fee_target *t, const struct fee_draft *d, struct fee_lookup_key *out);

/*
 * Builds the fee of charge c going to t (see fee_target): name "<Action> – <item reference>
 * (<date>)" with the item's receipt day (a storage charge: the day it charges), the charge's
 * description with its reference, issueDate = the charge date, price = unit amount, quantity,
 * the company as payer when the membership is a company's (else the member), the linked location,
 * the Mail charges plan, and the charge reference as properties.pilotomailChargeId; the price in
 * the charge currency's own decimals.
 * Returns 0, or -1 with why (in the operator's words) when the charge cannot be billed until the
 * operator fixes something: no Mail charges plan, no location, no OfficeRnD member, a currency
 * that is not an ISO 4217 code.
 */
int fee_booking_build(const struct charge *c, const struct fee_target *t, struct fee_draft *out, char *why,
		      size_t why_size);

enum fee_next {
	FEE_NEXT_RETRY,          /* back to queued, due at next_attempt_at */
	FEE_NEXT_FAILED,         /* failed until the operator presses Retry */
};

struct fee_outcome {
	enum fee_next next;
	int64_t next_attempt_at; /* FEE_NEXT_RETRY: Unix seconds */
	int uncertain;           /* the fee may exist: look it up before posting again */
	char error[512];         /* in the operator's words: shown on the charge */
};

/* What classifying a failure needs besides the error. */
struct fee_attempt {
	int64_t attempts;        /* this one included (>= 1) */
	int64_t max_attempts;    /* PILOTOMAIL_FEE_MAX_ATTEMPTS */
	int64_t settle_s;        /* PILOTOMAIL_FEE_SETTLE_S */
	int64_t now;
	int posted;              /* the failed call was the POST /fees (else the lookup of an
				    uncertain charge, which stays uncertain) */
};

/*
 * Classifies a failed call. Retryable (network, timeout, 408, 429, 5xx, an unreadable answer):
 * again after Retry-After when given, else a jittered backoff, capped at FEE_RETRY_CAP_S, and
 * at least the settle time when the fee may exist; after max_attempts, failed with the last
 * reason. Anything else (400/403/404/422, credentials, not configured) fails at once. A failed
 * charge whose fee may exist is not due before the settle time (next_attempt_at), so that the
 * operator's Retry cannot look it up too early.
 */
void fee_booking_classify(const struct orn_error *e, const struct fee_attempt *a, struct fee_outcome *out);

/* The index of the first fee whose reference is reference, or -1. */
long fee_booking_find(const struct orn_fee_ref *fees, size_t n, const char *reference);

/*
 * A token bucket: rate_per_minute requests per minute, bursts of at most burst, in integer
 * arithmetic on a millisecond clock the caller passes (monotonic in the worker, made up in
 * tests). One token is 60000 units; every millisecond adds rate_per_minute units.
 */
struct fee_bucket {
	int64_t units;           /* available, <= capacity */
	int64_t capacity;        /* burst * 60000 */
	int64_t rate_per_minute;
	int64_t last_ms;         /* the clock at the last refill */
	int64_t paused_until_ms; /* no token before this (OfficeRnD answered 429) */
};

/* Starts full. rate_per_minute and burst are raised to at least 1. */
void fee_bucket_init(struct fee_bucket *b, int64_t rate_per_minute, int64_t burst, int64_t now_ms);
/* Takes a token and returns 0, or takes nothing and returns the milliseconds until one is due. */
int64_t fee_bucket_take(struct fee_bucket *b, int64_t now_ms);
/* OfficeRnD said to wait: no token before until_ms, and the bucket restarts empty from there. */
void fee_bucket_pause(struct fee_bucket *b, int64_t until_ms);

#endif
