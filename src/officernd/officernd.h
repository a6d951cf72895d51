/*
 * officernd.h: the OfficeRnD API v2 client (see ../shared/officernd-api.md for the facts).
 *
 * One struct orn_client per operator and process. Calls are synchronous and bounded by
 * PILOTOMAIL_HTTP_TIMEOUT_MS; they never sleep for long: the only retries inside are the
 * one-time token refresh after a 401, and up to two quick retries (under 1 s in all) of an
 * idempotent GET after a network error or a 5xx. Longer schedules belong to the worker
 * (orn_error_retryable, orn_retry_delay_ms). POST /fees is never retried here.
 *
 * Threads: each thread has its own libcurl handle (freed when the thread ends); a client is
 * used by one thread at a time; call orn_global_init() before starting threads.
 * Every call returns 0, or -1 with *err filled (err may not be NULL).
 * A client opened on a store writes the token cache to it: hold no transaction across calls.
 *
 * Ownership: arrays returned through `T **items, size_t *n` are freed with
 * orn_<type>s_free(items, n); single structs are emptied with orn_<type>_clear(). Strings in
 * the structs are owned by them. Ids (`id`) are never NULL; fields marked NULL may be.
 */
#ifndef PILOTOMAIL_OFFICERND_H
#define PILOTOMAIL_OFFICERND_H

#include "store/db.h"
#include <stddef.h>
#include <stdint.h>

enum orn_status {
	ORN_OK,
	ORN_ERR_NETWORK,        /* could not connect, connection dropped */
	ORN_ERR_TIMEOUT,        /* PILOTOMAIL_HTTP_TIMEOUT_MS elapsed */
	ORN_ERR_RATE_LIMITED,   /* 429 */
	ORN_ERR_SERVER,         /* 5xx, 408 */
	ORN_ERR_AUTH,           /* client id/secret refused (token endpoint 401, invalid_client) */
	ORN_ERR_FORBIDDEN,      /* 403, e.g. a missing scope (see missing_scope) */
	ORN_ERR_NOT_FOUND,      /* 404: unknown organization slug or object */
	ORN_ERR_INVALID,        /* 400, 422 and other 4xx: OfficeRnD refused what we sent */
	ORN_ERR_BAD_RESPONSE,   /* an answer we cannot read */
	ORN_ERR_NOT_CONFIGURED, /* the operator has no slug, client id or client secret */
	ORN_ERR_DEADLINE,       /* not sent: it could not have ended before the caller's deadline */
};

struct orn_error {
	enum orn_status status;
	int http_status;     /* 0 when no HTTP answer came */
	int retry_after_s;   /* Retry-After, clamped to [0, 300]; 0 when absent */
	char message[512];   /* OfficeRnD's message or ours: safe to show, never a secret */
	char missing_scope[96]; /* for ORN_ERR_FORBIDDEN when OfficeRnD named it, else "" */
	/*
	 * 1 when the request may have reached OfficeRnD: any HTTP answer, and a timeout or a
	 * dropped connection after sending. A POST /fees failing with request_sent=1 may have
	 * created the fee: look it up by reference (orn_list_fee_refs) before sending it again.
	 */
	int request_sent;
};

/* 1 for errors worth retrying later: network, timeout, 408, 429, 5xx. */
int orn_error_retryable(const struct orn_error *e);
/* A short name of the status ("timeout", "rate_limited", ...) for logs and the activity page. */
const char *orn_status_name(enum orn_status status);
/*
 * Full-jitter backoff: uniform in [0, min(cap_ms, base_ms * 2^attempt)] (attempt counts from 0).
 * rnd(bound) must return a value in [0, bound); NULL uses crypto's random_below.
 * Never negative, never overflows.
 */
int64_t orn_backoff_ms(int attempt, int64_t base_ms, int64_t cap_ms, uint64_t (*rnd)(uint64_t bound));
/* The wait before retry number attempt: Retry-After when given, else backoff (1 s base, 5 min cap). */
int64_t orn_retry_delay_ms(const struct orn_error *e, int attempt);

/* Optional: initialises libcurl before threads are started (done lazily otherwise). */
void orn_global_init(void);
/* Frees the shared curl handle and libcurl's globals; for tests and clean exits. */
void orn_global_cleanup(void);

struct orn_client;
/*
 * A client with the operator's stored credentials; the access token is cached encrypted in the
 * store (officernd_settings) so every process shares it. db must outlive the client.
 * NULL with ORN_ERR_NOT_CONFIGURED when the slug, client id or secret is missing.
 */
struct orn_client *orn_client_open(struct db *db, int64_t operator_id, struct orn_error *err);
/* A client without store: the token is cached in memory only (Test connection, tests). */
struct orn_client *orn_client_new(const char *slug, const char *client_id, const char *client_secret);
void orn_client_free(struct orn_client *c);
/*
 * From now on no request (token or API) starts unless it is sure to end, timeout included,
 * before deadline_ms on time_mono_ms()'s clock; such a request fails with ORN_ERR_DEADLINE and
 * request_sent 0. 0 lifts the limit. The fee job bounds every request by its claim this way.
 */
void orn_client_set_deadline(struct orn_client *c, int64_t deadline_ms);

struct orn_location {
	char *id, *name;
	int is_open;
};
struct orn_plan {
	char *id, *name;
	char *code, *type, *interval_length; /* "" when absent */
	int64_t price_minor;                 /* 0 when absent */
};
struct orn_membership {
	char *id, *member, *plan, *start_date;  /* required */
	char *company;                          /* NULL: none */
	char *location;                         /* NULL when absent */
	char *end_date;                         /* NULL when open ended */
	char *name, *status, *calculated_status, *created_at, *modified_at; /* "" when absent */
	int is_personal;
};
struct orn_member {
	char *id, *name;
	char *email, *status; /* "" when absent */
	char *company;        /* NULL: none */
};
struct orn_company {
	char *id, *name;
};

/* A one-off charge on the member's (or company's) next invoice. */
struct orn_fee_request {
	const char *name;
	const char *issue_date; /* "YYYY-MM-DD" (or ISO-8601) */
	const char *location, *plan;
	const char *member;     /* the payer when set... */
	const char *company;    /* ...else the company */
	const char *description; /* NULL: not sent */
	const char *reference;  /* our charge reference: properties.pilotomailChargeId */
	int64_t price_minor;    /* in the currency's minor units... */
	int minor_digits;       /* ...of which a major unit has this many decimals (ISO 4217: USD 2,
				   JPY 0, KWD 3): 1999 with 2 is sent as 19.99 */
	int quantity;           /* < 1 is sent as 1 */
	int is_personal;
};
struct orn_fee {
	char *id, *name;
	char *issue_date, *status; /* "" when absent */
	char *member, *company;    /* NULL when absent */
	char *reference;           /* properties.pilotomailChargeId, NULL when absent */
	int64_t price_minor;
	int quantity;              /* 1 when absent */
};

/*
 * What a lookup of our own fees needs, and no more: a fee whose other fields are odd must never
 * hide the one we look for. reference is properties.pilotomailChargeId, NULL when absent.
 */
struct orn_fee_ref {
	char *id;
	char *reference;
};

/* An OfficeRnD webhook endpoint (Webhooks API). secret: never log or show it. */
struct orn_webhook {
	char *id, *url;
	char *description;     /* "" when absent */
	char *secret;          /* NULL when absent */
	char **event_types;    /* n_event_types strings */
	size_t n_event_types;
	int is_enabled;        /* 1 when absent */
};

/* The events pilotomail needs, in OfficeRnD's names. */
#define ORN_WEBHOOK_EVENT_COUNT 3
extern const char *const orn_webhook_events[ORN_WEBHOOK_EVENT_COUNT];

/* Lists, following $cursorNext with $limit=50 to the end. On failure *items is NULL, *n 0. */
int orn_list_locations(struct orn_client *c, struct orn_location **items, size_t *n, struct orn_error *err);
int orn_list_plans(struct orn_client *c, struct orn_plan **items, size_t *n, struct orn_error *err);
/* Fees of a member, or of a company, or (both NULL) all fees. */
int orn_list_fees(struct orn_client *c, const char *member, const char *company, struct orn_fee **items,
		  size_t *n, struct orn_error *err);

/*
 * The fees of one payer (member or company; exactly one non-NULL), of plan when plan is not
 * NULL, read leniently: an entry without a readable _id is left out and counted in *skipped
 * (may be NULL). Free with orn_fee_refs_free. On failure *items is NULL, *n 0.
 */
int orn_list_fee_refs(struct orn_client *c, const char *member, const char *company, const char *plan,
		      struct orn_fee_ref **items, size_t *n, size_t *skipped, struct orn_error *err);
void orn_fee_refs_free(struct orn_fee_ref *items, size_t n);

/*
 * Memberships, following $cursorNext with $limit=50 to the end; with modified_after (an
 * ISO-8601 time, or NULL for every membership) only those whose modifiedAt is later
 * (modifiedAt[$gt]). A membership the parser cannot read is left out and logged, so one odd
 * record never hides the others. On failure *items is NULL, *n 0. Free with orn_memberships_free.
 */
int orn_list_memberships(struct orn_client *c, const char *modified_after, struct orn_membership **items,
			 size_t *n, struct orn_error *err);
/*
 * One page of the same list, for callers that stop between pages: cursor NULL for the first
 * page; *next (free()) is the cursor of the next page, NULL after the last. *skipped (may be
 * NULL) counts the memberships left out as unreadable. On failure *items is NULL, *n 0, *next NULL.
 */
int orn_list_memberships_page(struct orn_client *c, const char *modified_after, const char *cursor,
			      struct orn_membership **items, size_t *n, char **next, size_t *skipped,
			      struct orn_error *err);

/*
 * Existing members (issue 10): one page of GET /members or GET /companies ($limit=50), as
 * orn_list_memberships_page: cursor NULL for the first page, *next (free()) NULL after the last,
 * unreadable entries left out and counted in *skipped (may be NULL). On failure *items is NULL,
 * *n 0, *next NULL. Free with orn_members_free / orn_companies_free.
 */
int orn_list_members_page(struct orn_client *c, const char *cursor, struct orn_member **items, size_t *n,
			  char **next, size_t *skipped, struct orn_error *err);
int orn_list_companies_page(struct orn_client *c, const char *cursor, struct orn_company **items, size_t *n,
			    char **next, size_t *skipped, struct orn_error *err);
void orn_members_free(struct orn_member *items, size_t n);
void orn_companies_free(struct orn_company *items, size_t n);

int orn_get_membership(struct orn_client *c, const char *id, struct orn_membership *out, struct orn_error *err);
int orn_get_member(struct orn_client *c, const char *id, struct orn_member *out, struct orn_error *err);
int orn_get_company(struct orn_client *c, const char *id, struct orn_company *out, struct orn_error *err);
/*
 * The members ids[0..n) at once, for a batch of membership events: up to in_flight (1..32)
 * GET /members/{id} open together, each with orn_get_member's rules (one token refresh after a
 * 401, up to two quick retries after a blip). out[i] is filled (orn_member_clear) when
 * errs[i].status is ORN_OK, else errs[i] says why. After a 429 nothing more is sent: the members
 * not asked for fail with that 429 and request_sent 0, to be asked after its Retry-After.
 * Returns how many failed.
 */
size_t orn_get_members(struct orn_client *c, const char *const *ids, size_t n, int in_flight,
		       struct orn_member *out, struct orn_error *errs);

/*
 * POST /fees, once. On failure with err->request_sent set, the fee may exist: find it with
 * orn_list_fee_refs by reference before creating it again. out may be NULL.
 */
int orn_create_fee(struct orn_client *c, const struct orn_fee_request *rq, struct orn_fee *out,
		   struct orn_error *err);

/* GET /webhooks, every page (flex.settings.webhooks.read). Free with orn_webhooks_free. */
int orn_list_webhooks(struct orn_client *c, struct orn_webhook **items, size_t *n, struct orn_error *err);
/* POST /webhooks with url, the three membership events and description; out gets _id and the
 * secret (flex.settings.webhooks.create). Never retried here. */
int orn_create_webhook(struct orn_client *c, const char *url, const char *description, struct orn_webhook *out,
		       struct orn_error *err);
/* What a PATCH /webhooks/{id} changes: url when not NULL, the three events when set_events,
 * isEnabled when enable is 0 or 1 (-1 leaves it). */
struct orn_webhook_change {
	const char *url;
	int set_events;
	int enable;
};
/* PATCH /webhooks/{id} (flex.settings.webhooks.update); out may be NULL. An account that
 * answers 404 or 405 here fails with that status: the caller may delete and create again. */
int orn_update_webhook(struct orn_client *c, const char *id, const struct orn_webhook_change *ch,
		       struct orn_webhook *out, struct orn_error *err);
/* DELETE /webhooks/{id} (flex.settings.webhooks.delete); a webhook already gone (404) is success. */
int orn_delete_webhook(struct orn_client *c, const char *id, struct orn_error *err);
/* 1 when the webhook subscribes to every event of orn_webhook_events. */
int orn_webhook_has_events(const struct orn_webhook *w);
/* Rewrites err->message of a failed webhook call in the operator's words (a missing scope is
 * named, with where to enable it). */
void orn_webhook_explain(struct orn_error *err);
void orn_webhook_clear(struct orn_webhook *w);
void orn_webhooks_free(struct orn_webhook *items, size_t n);

/*
 * Test connection: a fresh token, then the locations and plans (counts filled on success).
 * On failure err->message says in the operator's words what is wrong and what to do.
 */
int orn_test_connection(struct orn_client *c, size_t *n_locations, size_t *n_plans, struct orn_error *err);
/*
 * The plans and locations for the settings card's lists (the worker's refresh): the cached
 * token, then both lists; on failure err->message names the problem as Test connection does, and
 * *plans and *locations are NULL with counts 0.
 */
int orn_list_catalog(struct orn_client *c, struct orn_plan **plans, size_t *n_plans, struct orn_location **locations,
		     size_t *n_locations, struct orn_error *err);

void orn_location_clear(struct orn_location *l);
void orn_plan_clear(struct orn_plan *p);
void orn_membership_clear(struct orn_membership *m);
void orn_member_clear(struct orn_member *m);
void orn_company_clear(struct orn_company *co);
void orn_fee_clear(struct orn_fee *f);
void orn_locations_free(struct orn_location *items, size_t n);
void orn_plans_free(struct orn_plan *items, size_t n);
void orn_fees_free(struct orn_fee *items, size_t n);
void orn_memberships_free(struct orn_membership *items, size_t n);

#endif
