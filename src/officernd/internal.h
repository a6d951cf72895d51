/*
 * internal.h: what the files of src/officernd/ share, and what the unit tests reach into.
 * Not for the rest of the program: use officernd.h.
 */
#ifndef PILOTOMAIL_OFFICERND_INTERNAL_H
#define PILOTOMAIL_OFFICERND_INTERNAL_H

#include "officernd/officernd.h"
#include "util/util.h"

#include <curl/curl.h>
#include <jansson.h>

/* The scopes this project needs (facts sheet), as sent in the token request. */
#define ORN_SCOPES                                                                            \
	"flex.community.members.read flex.community.memberships.read "                        \
	"flex.community.companies.read flex.space.locations.read flex.billing.plans.read "    \
	"flex.community.fees.create flex.community.fees.read"
/* Asked for too, for one-click webhook registration and the health check; an application
 * without them still works (token.c asks again without them if OfficeRnD refuses the scope). */
#define ORN_WEBHOOK_SCOPES                                                                    \
	"flex.settings.webhooks.read flex.settings.webhooks.create "                          \
	"flex.settings.webhooks.update flex.settings.webhooks.delete"

#define ORN_PAGE_LIMIT 50
#define ORN_BODY_MAX ((size_t)8 << 20)  /* answers above 8 MiB are refused */
#define ORN_RETRY_AFTER_MAX 300
#define ORN_TOKEN_MARGIN_S 60           /* a token is replaced this long before it expires */
#define ORN_TOKEN_LEASE_S 15            /* one process asks for the token; the others wait this long at most */
#define ORN_TOKEN_POLL_MS 100           /* how often a waiting process looks for the token stored */

struct orn_client {
	struct db *db;          /* NULL: the token lives in memory only */
	int64_t operator_id;
	char *slug, *client_id, *client_secret;
	char *token;          /* NULL when none is cached in memory */
	int64_t token_expires_at;
	int64_t deadline_ms;  /* 0, or no request starts that could end after it (time_mono_ms) */
};

/* transport.c ----------------------------------------------------------------------------- */

struct orn_http_request {
	const char *method;       /* "GET", "POST", "PATCH" or "DELETE" */
	const char *url;
	const char *log_path;     /* what the log line shows as path= */
	const char *bearer;       /* NULL: no Authorization header */
	const char *content_type; /* with body */
	const char *body;         /* NULL: none */
	size_t body_len;
	int fresh_connection;     /* never reuse a connection: see orn_create_fee */
	int64_t deadline_ms;      /* 0, or refused unless sure to end by then (orn_client_set_deadline) */
};

struct orn_http_response {
	int status;               /* HTTP status, 0 when none */
	struct strbuf body;       /* free with strbuf_free() */
	int retry_after_s;        /* clamped to [0, ORN_RETRY_AFTER_MAX] */
};

/*
 * One request on a handle the caller drives: orn_transfer_begin sets the handle up (or fails with
 * ORN_ERR_DEADLINE, nothing to end), the caller performs it (curl_easy_perform, or curl_multi for
 * several at once), and orn_transfer_end classifies and logs it with the same rules as
 * orn_transport_perform (0 when an HTTP answer came, -1 with *err filled), and frees the headers.
 */
struct orn_transfer {
	const struct orn_http_request *rq;
	struct orn_http_response *rs;
	struct curl_slist *headers;
	char *auth;
	char errbuf[CURL_ERROR_SIZE];
	int64_t start_ms, timeout_ms;
};
int orn_transfer_begin(CURL *h, const struct orn_http_request *rq, struct orn_http_response *rs,
		       struct orn_transfer *t, struct orn_error *err);
int orn_transfer_end(CURL *h, struct orn_transfer *t, int curl_code, struct orn_error *err);

/*
 * Performs one request on the process's shared handle. Returns 0 when an HTTP answer came (any
 * status: the caller classifies it), or -1 with *err filled for transport failures.
 */
int orn_transport_perform(const struct orn_http_request *rq, struct orn_http_response *rs,
			  struct orn_error *err);
/* Frees the thread's handles of orn_get_members (fetch_many.c); orn_global_cleanup calls it. */
void orn_fetch_cleanup(void);
/* URL-escapes s (free()). */
char *orn_url_escape(const char *s);

/* errors.c -------------------------------------------------------------------------------- */

void orn_error_reset(struct orn_error *e);
void orn_error_set(struct orn_error *e, enum orn_status status, const char *fmt, ...) PRINTF_LIKE(3, 4);
/* Classifies a libcurl result (a CURLcode); request_sent as the transport found it. */
void orn_error_from_curl(struct orn_error *e, int curl_code, const char *detail, int request_sent,
			 int64_t timeout_ms);
/* Classifies a non-2xx HTTP answer of the API, keeping OfficeRnD's message and missing scope. */
void orn_error_from_http(struct orn_error *e, int http_status, const char *body, size_t len,
			 int retry_after_s);
/* Same for the token endpoint: 401 and invalid_client are ORN_ERR_AUTH. */
void orn_error_from_token_http(struct orn_error *e, int http_status, const char *body, size_t len,
			       int retry_after_s);
/* The scope named in msg ("Missing required scope: X", or one of ORN_SCOPES) into out. */
int orn_scope_from_message(const char *msg, char *out, size_t size);

/* parse.c --------------------------------------------------------------------------------- */

/* Parses a JSON text; *root (json_decref) on success, ORN_ERR_BAD_RESPONSE otherwise. */
int orn_parse_json(const char *text, size_t len, json_t **root, struct orn_error *err);
/* A list page: results array and cursorNext (NULL at the end); both borrowed from root. */
int orn_parse_page(const json_t *root, const json_t **results, const char **cursor_next,
		   struct orn_error *err);
int orn_parse_token(const json_t *root, char **token, int64_t *expires_in, struct orn_error *err);
int orn_parse_location(const json_t *o, struct orn_location *out, struct orn_error *err);
int orn_parse_plan(const json_t *o, struct orn_plan *out, struct orn_error *err);
int orn_parse_membership(const json_t *o, struct orn_membership *out, struct orn_error *err);
int orn_parse_member(const json_t *o, struct orn_member *out, struct orn_error *err);
int orn_parse_company(const json_t *o, struct orn_company *out, struct orn_error *err);
int orn_parse_fee(const json_t *o, struct orn_fee *out, struct orn_error *err);
/* A webhook: _id and url required; eventTypes a list of strings (absent: none); isEnabled
 * (absent: enabled); secret NULL when absent. */
int orn_parse_webhook(const json_t *o, struct orn_webhook *out, struct orn_error *err);
/*
 * A JSON price (integer or real) into minor units, rounded half away from zero on its decimal
 * text (12.345 -> 1235, 0.1+0.2 -> 30). 0, or -1 when not a number or out of range.
 */
int orn_price_to_minor(const json_t *v, int64_t *minor);
/* The POST /fees body (json_decref). */
json_t *orn_fee_request_json(const struct orn_fee_request *rq);
/* Serialises a request body: compact, reals with 15 significant digits (19.99, not 19.989…). */
char *orn_json_dump(const json_t *v);

/* api.c ----------------------------------------------------------------------------------- */

/* Quick retries of an idempotent GET after a blip: at most this many, under 1 s in all. */
#define ORN_QUICK_RETRIES 2
#define ORN_QUICK_BASE_MS 150
#define ORN_QUICK_CAP_MS 500
/* Worth a quick second try: a blip (network, 5xx), not a server asking us to wait. */
int orn_api_quick_retryable(const struct orn_error *e);
/* The URL of path under /organizations/{slug} (free()). */
char *orn_api_url(const struct orn_client *c, const char *path);
void orn_sleep_ms(int64_t ms);

/*
 * One API call (path under /organizations/{slug}): bearer token, one refresh after a 401, and
 * with body NULL (GET, DELETE: idempotent) up to two quick retries after a blip. *out
 * (json_decref) holds the parsed 2xx answer ({} when it had no body).
 */
int orn_api_call(struct orn_client *c, const char *method, const char *path, const char *body,
		 json_t **out, struct orn_error *err);

typedef int (*item_parser)(const json_t *o, void *item, struct orn_error *err);
typedef void (*item_clearer)(void *item);

/* A list being read: items of size bytes each, parsed and cleared by the callbacks. */
struct orn_list {
	char *items;
	size_t n, cap, size;
	item_parser parse;
	item_clearer clear;
};
/* GET path?filter&$limit=50, following $cursorNext to the end; on failure l is emptied. */
int orn_api_list(struct orn_client *c, const char *path, const char *filter, struct orn_list *l,
		 struct orn_error *err);

/* token.c --------------------------------------------------------------------------------- */

/*
 * A valid access token for c (borrowed: valid until the next token call): the memory cache,
 * then the store, then the identity server. force skips both caches.
 */
int orn_token_get(struct orn_client *c, int force, const char **token, struct orn_error *err);
/* Forgets the token just refused by the API, in memory and in the store. */
void orn_token_drop(struct orn_client *c);

#endif
