/*
 * api.c: the OfficeRnD v2 calls pilotomail makes, and Test connection.
 *
 * Every call goes through orn_api_call(): bearer token, one refresh after a 401, and for GETs up to
 * two quick retries (under 1 s in all) after a network error or a 5xx. Lists follow cursorNext.
 */
#include "officernd/internal.h"
#include "util/config.h"
#include "util/log.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_PAGES 10000

char *orn_api_url(const struct orn_client *c, const char *path)
{
	char *slug = orn_url_escape(c->slug);
	char *url = xasprintf("%s/organizations/%s%s", config_get()->officernd_api_url, slug, path);
	free(slug);
	return url;
}

void orn_sleep_ms(int64_t ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0)
		;
}

/* One request, with a fresh token and one more try if the API refuses the cached one. */
static int api_once(struct orn_client *c, const char *method, const char *path, const char *body,
		    json_t **out, struct orn_error *err)
{
	char *url = orn_api_url(c, path);
	char *log_path = xstrndup(path, strcspn(path, "?"));
	int rc = -1;
	for (int refreshed = 0;; refreshed = 1) {
		const char *token;
		if (orn_token_get(c, 0, &token, err))
			break;
		struct orn_http_request rq = {
			.method = method, .url = url, .log_path = log_path, .bearer = token,
			.content_type = "application/json", .body = body, .body_len = body ? strlen(body) : 0,
			.fresh_connection = body != NULL, .deadline_ms = c->deadline_ms,
		};
		struct orn_http_response rs;
		if (orn_transport_perform(&rq, &rs, err))
			break;
		if (rs.status == 401 && !refreshed) {
			/* Expired or revoked early: the request was refused, so sending it again is safe. */
			strbuf_free(&rs.body);
			orn_token_drop(c);
			continue;
		}
		if (rs.status < 200 || rs.status > 299)
			orn_error_from_http(err, rs.status, rs.body.buf, rs.body.len, rs.retry_after_s);
		else if (rs.body.len == 0) /* 204, or a DELETE answered without a body */
			*out = json_object(), rc = 0;
		else if (orn_parse_json(rs.body.buf, rs.body.len, out, err) == 0)
			rc = 0;
		if (rc) {
			err->http_status = rs.status;
			err->request_sent = 1;
		}
		strbuf_free(&rs.body);
		break;
	}
	free(url);
	free(log_path);
	return rc;
}

int orn_api_quick_retryable(const struct orn_error *e)
{
	return (e->status == ORN_ERR_NETWORK || e->status == ORN_ERR_SERVER) && e->retry_after_s == 0;
}

/* body NULL: an idempotent GET. *out (json_decref) holds the parsed 2xx answer. */
int orn_api_call(struct orn_client *c, const char *method, const char *path, const char *body,
		    json_t **out, struct orn_error *err)
{
	*out = NULL;
	for (int attempt = 0;; attempt++) {
		orn_error_reset(err);
		if (api_once(c, method, path, body, out, err) == 0)
			return 0;
		if (body || attempt >= ORN_QUICK_RETRIES || !orn_api_quick_retryable(err))
			return -1;
		orn_sleep_ms(orn_backoff_ms(attempt, ORN_QUICK_BASE_MS, ORN_QUICK_CAP_MS, NULL));
	}
}

static int list_add_page(struct orn_list *l, const json_t *results, struct orn_error *err)
{
	size_t i;
	const json_t *o;
	json_array_foreach(results, i, o) {
		if (l->n == l->cap) {
			l->cap = l->cap ? l->cap * 2 : 64;
			l->items = xrealloc(l->items, l->cap * l->size);
		}
		if (l->parse(o, l->items + l->n * l->size, err))
			return -1;
		l->n++;
	}
	return 0;
}

static void list_free(struct orn_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		l->clear(l->items + i * l->size);
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

/* GET path?filter&$limit=50, then &$cursorNext=… until OfficeRnD says there is no next page. */
int orn_api_list(struct orn_client *c, const char *path, const char *filter, struct orn_list *l,
		    struct orn_error *err)
{
	char *cursor = NULL;
	int rc = -1;
	for (int page = 0;; page++) {
		if (page == MAX_PAGES) {
			orn_error_set(err, ORN_ERR_BAD_RESPONSE, "OfficeRnD's list %s does not end", path);
			break;
		}
		char *esc = cursor ? orn_url_escape(cursor) : NULL;
		char *p = xasprintf("%s?%s%s$limit=%d%s%s", path, filter ? filter : "", filter ? "&" : "",
				    ORN_PAGE_LIMIT, esc ? "&$cursorNext=" : "", esc ? esc : "");
		free(esc);
		json_t *root;
		const json_t *results;
		const char *next;
		int failed = orn_api_call(c, "GET", p, NULL, &root, err) ||
			     orn_parse_page(root, &results, &next, err) || list_add_page(l, results, err);
		free(p);
		if (!failed && next && cursor && strcmp(next, cursor) == 0) {
			orn_error_set(err, ORN_ERR_BAD_RESPONSE, "OfficeRnD repeated a page of %s", path);
			failed = 1;
		}
		if (!failed && next) {
			free(cursor);
			cursor = xstrdup(next);
		}
		json_decref(root);
		if (failed)
			break;
		if (!next) {
			rc = 0;
			break;
		}
	}
	free(cursor);
	if (rc)
		list_free(l);
	return rc;
}

static int parse_location(const json_t *o, void *item, struct orn_error *err)
{
	return orn_parse_location(o, item, err);
}
static void clear_location(void *item)
{
	orn_location_clear(item);
}
static int parse_plan(const json_t *o, void *item, struct orn_error *err)
{
	return orn_parse_plan(o, item, err);
}
static void clear_plan(void *item)
{
	orn_plan_clear(item);
}
static int parse_fee(const json_t *o, void *item, struct orn_error *err)
{
	return orn_parse_fee(o, item, err);
}
static void clear_fee(void *item)
{
	orn_fee_clear(item);
}

int orn_list_locations(struct orn_client *c, struct orn_location **items, size_t *n, struct orn_error *err)
{
	struct orn_list l = { .size = sizeof(**items), .parse = parse_location, .clear = clear_location };
	int rc = orn_api_list(c, "/locations", NULL, &l, err);
	*items = (struct orn_location *)(void *)l.items;
	*n = l.n;
	return rc;
}

int orn_list_plans(struct orn_client *c, struct orn_plan **items, size_t *n, struct orn_error *err)
{
	struct orn_list l = { .size = sizeof(**items), .parse = parse_plan, .clear = clear_plan };
	int rc = orn_api_list(c, "/plans", NULL, &l, err);
	*items = (struct orn_plan *)(void *)l.items;
	*n = l.n;
	return rc;
}

int orn_list_fees(struct orn_client *c, const char *member, const char *company, struct orn_fee **items,
		  size_t *n, struct orn_error *err)
{
	struct orn_list l = { .size = sizeof(**items), .parse = parse_fee, .clear = clear_fee };
	char *filter = NULL;
	if (member || company) {
		char *esc = orn_url_escape(member ? member : company);
		filter = xasprintf("%s=%s", member ? "member" : "company", esc);
		free(esc);
	}
	int rc = orn_api_list(c, "/fees", filter, &l, err);
	free(filter);
	*items = (struct orn_fee *)(void *)l.items;
	*n = l.n;
	return rc;
}

/* The fee refs of one page; an entry without a readable _id is left out (counted in *skipped). */
static void fee_refs_add_page(const json_t *results, struct orn_fee_ref **items, size_t *n, size_t *cap,
			      size_t *skipped)
{
	size_t i;
	const json_t *o;
	json_array_foreach(results, i, o) {
		const char *id = json_string_value(json_object_get(o, "_id"));
		if (!id || !*id) {
			(*skipped)++;
			continue;
		}
		const char *ref = json_string_value(json_object_get(json_object_get(o, "properties"),
								    "pilotomailChargeId"));
		*items = array_grow(*items, *n, cap, sizeof(**items));
		(*items)[*n].id = xstrdup(id);
		(*items)[*n].reference = ref ? xstrdup(ref) : NULL;
		(*n)++;
	}
}

int orn_list_fee_refs(struct orn_client *c, const char *member, const char *company, const char *plan,
		      struct orn_fee_ref **items, size_t *n, size_t *skipped, struct orn_error *err)
{
	*items = NULL;
	*n = 0;
	size_t cap = 0, left_out = 0;
	char *payer = orn_url_escape(member ? member : company ? company : "");
	char *plan_esc = plan ? orn_url_escape(plan) : NULL;
	char *filter = xasprintf("%s=%s%s%s", member ? "member" : "company", payer, plan_esc ? "&plan=" : "",
				 plan_esc ? plan_esc : "");
	free(payer);
	free(plan_esc);
	char *cursor = NULL;
	int rc = -1;
	for (int page = 0; page < MAX_PAGES; page++) {
		char *esc = cursor ? orn_url_escape(cursor) : NULL;
		char *p = xasprintf("/fees?%s&$limit=%d%s%s", filter, ORN_PAGE_LIMIT, esc ? "&$cursorNext=" : "",
				    esc ? esc : "");
		free(esc);
		json_t *root;
		const json_t *results;
		const char *next;
		int failed = orn_api_call(c, "GET", p, NULL, &root, err) || orn_parse_page(root, &results, &next, err);
		free(p);
		if (!failed) {
			fee_refs_add_page(results, items, n, &cap, &left_out);
			if (next && cursor && strcmp(next, cursor) == 0) {
				orn_error_set(err, ORN_ERR_BAD_RESPONSE, "OfficeRnD repeated a page of /fees");
				failed = 1;
			}
		}
		free(cursor);
		cursor = !failed && next ? xstrdup(next) : NULL;
		json_decref(root);
		if (failed || !cursor) {
			rc = failed ? -1 : 0;
			break;
		}
	}
	if (cursor) {
		orn_error_set(err, ORN_ERR_BAD_RESPONSE, "OfficeRnD's list /fees does not end");
		free(cursor);
	}
	free(filter);
	if (left_out)
		log_warn("officernd", "fees without a readable _id left out of a lookup count=%zu", left_out);
	if (skipped)
		*skipped = left_out;
	if (rc) {
		orn_fee_refs_free(*items, *n);
		*items = NULL;
		*n = 0;
	}
	return rc;
}

void orn_fee_refs_free(struct orn_fee_ref *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(items[i].id);
		free(items[i].reference);
	}
	free(items);
}

/* The memberships of one page; an unreadable one is logged and left out (counted in *skipped). */
static void memberships_add_page(const json_t *results, struct orn_membership **items, size_t *n,
				 size_t *cap, size_t *skipped)
{
	size_t i;
	const json_t *o;
	json_array_foreach(results, i, o) {
		struct orn_error perr;
		orn_error_reset(&perr);
		*items = array_grow(*items, *n, cap, sizeof(**items));
		if (orn_parse_membership(o, &(*items)[*n], &perr) == 0) {
			(*n)++;
			continue;
		}
		const char *id = json_string_value(json_object_get(o, "_id"));
		log_warn("officernd", "membership left out id=%.64s err=\"%s\"", id ? id : "?", perr.message);
		(*skipped)++;
	}
}

int orn_list_memberships_page(struct orn_client *c, const char *modified_after, const char *cursor,
			      struct orn_membership **items, size_t *n, char **next, size_t *skipped,
			      struct orn_error *err)
{
	struct strbuf path = { 0 };
	size_t cap = 0, left_out = 0;
	*items = NULL;
	*n = 0;
	*next = NULL;
	strbuf_adds(&path, "/memberships?");
	if (modified_after) {
		/* The bracketed operator is part of the name: escaped like any other character. */
		char *name = orn_url_escape("modifiedAt[$gt]"), *value = orn_url_escape(modified_after);
		strbuf_addf(&path, "%s=%s&", name, value);
		free(name);
		free(value);
	}
	strbuf_addf(&path, "$limit=%d", ORN_PAGE_LIMIT);
	if (cursor) {
		char *esc = orn_url_escape(cursor);
		strbuf_addf(&path, "&$cursorNext=%s", esc);
		free(esc);
	}
	json_t *root;
	const json_t *results;
	const char *cursor_next;
	int rc = orn_api_call(c, "GET", path.buf, NULL, &root, err) || orn_parse_page(root, &results, &cursor_next, err)
			 ? -1 : 0;
	if (rc == 0) {
		memberships_add_page(results, items, n, &cap, &left_out);
		*next = cursor_next ? xstrdup(cursor_next) : NULL;
	}
	json_decref(root);
	strbuf_free(&path);
	if (skipped)
		*skipped = left_out;
	return rc;
}

int orn_list_memberships(struct orn_client *c, const char *modified_after, struct orn_membership **items,
			 size_t *n, struct orn_error *err)
{
	struct orn_membership *all = NULL;
	size_t count = 0, cap = 0;
	char *cursor = NULL;
	int rc = -1;
	*items = NULL;
	*n = 0;
	for (int page = 0;; page++) {
		struct orn_membership *part;
		size_t m;
		char *next;
		if (page == MAX_PAGES) {
			orn_error_set(err, ORN_ERR_BAD_RESPONSE, "OfficeRnD's list /memberships does not end");
			break;
		}
		if (orn_list_memberships_page(c, modified_after, cursor, &part, &m, &next, NULL, err))
			break;
		for (size_t i = 0; i < m; i++) {
			all = array_grow(all, count, &cap, sizeof(*all));
			all[count++] = part[i];
		}
		free(part);
		if (next && cursor && strcmp(next, cursor) == 0) {
			free(next);
			orn_error_set(err, ORN_ERR_BAD_RESPONSE, "OfficeRnD repeated a page of /memberships");
			break;
		}
		free(cursor);
		cursor = next;
		if (!cursor) {
			rc = 0;
			break;
		}
	}
	free(cursor);
	if (rc) {
		orn_memberships_free(all, count);
		return -1;
	}
	*items = all;
	*n = count;
	return 0;
}

void orn_memberships_free(struct orn_membership *items, size_t n)
{
	for (size_t i = 0; items && i < n; i++)
		orn_membership_clear(&items[i]);
	free(items);
}

/* GET /collection/{id} into *root. */
static int api_get_one(struct orn_client *c, const char *collection, const char *id, json_t **root,
		       struct orn_error *err)
{
	*root = NULL;
	if (!id || !*id) {
		orn_error_reset(err);
		orn_error_set(err, ORN_ERR_INVALID, "No OfficeRnD %s id given", collection);
		return -1;
	}
	char *esc = orn_url_escape(id);
	char *path = xasprintf("/%s/%s", collection, esc);
	int rc = orn_api_call(c, "GET", path, NULL, root, err);
	free(esc);
	free(path);
	return rc;
}

int orn_get_membership(struct orn_client *c, const char *id, struct orn_membership *out, struct orn_error *err)
{
	json_t *root;
	memset(out, 0, sizeof(*out));
	int rc = api_get_one(c, "memberships", id, &root, err) || orn_parse_membership(root, out, err) ? -1 : 0;
	json_decref(root);
	return rc;
}

int orn_get_member(struct orn_client *c, const char *id, struct orn_member *out, struct orn_error *err)
{
	json_t *root;
	memset(out, 0, sizeof(*out));
	int rc = api_get_one(c, "members", id, &root, err) || orn_parse_member(root, out, err) ? -1 : 0;
	json_decref(root);
	return rc;
}

int orn_get_company(struct orn_client *c, const char *id, struct orn_company *out, struct orn_error *err)
{
	json_t *root;
	memset(out, 0, sizeof(*out));
	int rc = api_get_one(c, "companies", id, &root, err) || orn_parse_company(root, out, err) ? -1 : 0;
	json_decref(root);
	return rc;
}

int orn_create_fee(struct orn_client *c, const struct orn_fee_request *rq, struct orn_fee *out,
		   struct orn_error *err)
{
	struct orn_fee fee;
	json_t *root = NULL;
	json_t *body = orn_fee_request_json(rq);
	if (out)
		memset(out, 0, sizeof(*out));
	orn_error_reset(err);
	if (!body) {
		orn_error_set(err, ORN_ERR_INVALID,
			      "The fee lacks a name, date, location, plan, payer or reference, or is not UTF-8");
		return -1;
	}
	char *text = orn_json_dump(body);
	json_decref(body);
	int rc = orn_api_call(c, "POST", "/fees", text, &root, err);
	free(text);
	if (rc == 0 && orn_parse_fee(root, &fee, err)) {
		/* The fee exists but its answer is unreadable: the caller reconciles by reference. */
		err->request_sent = 1;
		rc = -1;
	}
	json_decref(root);
	if (rc) {
		log_warn("officernd", "fee not created reference=%s kind=%s http=%d sent=%d", rq->reference,
			 orn_status_name(err->status), err->http_status, err->request_sent);
		return -1;
	}
	log_info("officernd", "fee created id=%s reference=%s", fee.id, rq->reference);
	if (out)
		*out = fee;
	else
		orn_fee_clear(&fee);
	return 0;
}

/* Rewrites err->message for the settings card, by what failed and at which step. */
static void test_explain(const struct orn_client *c, int at_token, struct orn_error *err)
{
	char detail[sizeof(err->message)];
	str_copy(detail, sizeof(detail), err->message);
	switch (err->status) {
	case ORN_ERR_NOT_FOUND:
		if (at_token)
			orn_error_set(err, err->status, "OfficeRnD's sign-in service was not found (HTTP 404)");
		else
			orn_error_set(err, err->status,
				      "Organization '%.100s' was not found in OfficeRnD: check the organization name",
				      c->slug);
		break;
	case ORN_ERR_AUTH:
		if (at_token)
			orn_error_set(err, err->status, "OfficeRnD refused the client ID or secret");
		else
			orn_error_set(err, err->status,
				      "OfficeRnD refused access to organization '%.100s': check the organization "
				      "name and that the application belongs to it", c->slug);
		break;
	case ORN_ERR_FORBIDDEN:
		/* Without a named scope, the usual cause is credentials of another organization. */
		if (!err->missing_scope[0])
			orn_error_set(err, err->status,
				      "OfficeRnD refused access to organization '%.100s': check the organization name "
				      "and that the application belongs to it (%.200s)", c->slug, detail);
		break;
	case ORN_ERR_RATE_LIMITED:
		orn_error_set(err, err->status, "OfficeRnD is limiting requests: try again in %d s",
			      err->retry_after_s > 0 ? err->retry_after_s : 60);
		break;
	case ORN_ERR_SERVER:
		orn_error_set(err, err->status, "OfficeRnD is having trouble (HTTP %d): try again in a few minutes",
			      err->http_status);
		break;
	case ORN_ERR_BAD_RESPONSE:
		orn_error_set(err, err->status, "OfficeRnD sent an answer pilotomail could not read (%s)", detail);
		break;
	default: /* timeout, network, not configured, invalid: already in the operator's words */
		break;
	}
}

int orn_test_connection(struct orn_client *c, size_t *n_locations, size_t *n_plans, struct orn_error *err)
{
	struct orn_location *locations = NULL;
	struct orn_plan *plans = NULL;
	size_t nl = 0, np = 0;
	const char *token;
	*n_locations = *n_plans = 0;
	orn_error_reset(err);
	if (!*c->slug) {
		orn_error_set(err, ORN_ERR_NOT_CONFIGURED, "Enter the OfficeRnD organization name");
		return -1;
	}
	/* A fresh token: the point is to prove the credentials, not an old cache. */
	if (orn_token_get(c, 1, &token, err)) {
		test_explain(c, 1, err);
		return -1;
	}
	if (orn_list_locations(c, &locations, &nl, err) || orn_list_plans(c, &plans, &np, err)) {
		orn_locations_free(locations, nl);
		test_explain(c, 0, err);
		return -1;
	}
	orn_locations_free(locations, nl);
	orn_plans_free(plans, np);
	*n_locations = nl;
	*n_plans = np;
	log_info("officernd", "test connection ok locations=%zu plans=%zu", nl, np);
	return 0;
}

int orn_list_catalog(struct orn_client *c, struct orn_plan **plans, size_t *n_plans, struct orn_location **locations,
		     size_t *n_locations, struct orn_error *err)
{
	const char *token;
	*plans = NULL;
	*locations = NULL;
	*n_plans = *n_locations = 0;
	orn_error_reset(err);
	if (orn_token_get(c, 0, &token, err)) {
		test_explain(c, 1, err);
		return -1;
	}
	if (orn_list_locations(c, locations, n_locations, err) || orn_list_plans(c, plans, n_plans, err)) {
		orn_locations_free(*locations, *n_locations);
		*locations = NULL;
		*n_locations = 0;
		test_explain(c, 0, err);
		return -1;
	}
	return 0;
}

/* ---- Existing members (issue 10): one page of members or companies ------------------------------
 * The import's load walks these lists a page at a time and stores each page before asking for the
 * next (worker/job_member_import.c), so these return one page and its cursor. */

typedef int (*page_item_parser)(const json_t *o, void *item, struct orn_error *err);

/* GET path?$limit=50[&$cursorNext=cursor]; items that do not parse are logged and counted. */
static int api_one_page(struct orn_client *c, const char *collection, const char *cursor, size_t size,
			page_item_parser parse, void **items, size_t *n, char **next, size_t *skipped,
			struct orn_error *err)
{
	char *esc = cursor ? orn_url_escape(cursor) : NULL;
	char *path = xasprintf("/%s?$limit=%d%s%s", collection, ORN_PAGE_LIMIT, esc ? "&$cursorNext=" : "",
			       esc ? esc : "");
	size_t cap = 0, left_out = 0;
	json_t *root;
	const json_t *results, *o;
	const char *cursor_next;
	*items = NULL;
	*n = 0;
	*next = NULL;
	int rc = orn_api_call(c, "GET", path, NULL, &root, err) || orn_parse_page(root, &results, &cursor_next, err) ? -1 : 0;
	if (rc == 0) {
		size_t i;
		json_array_foreach(results, i, o) {
			struct orn_error perr;
			orn_error_reset(&perr);
			*items = array_grow(*items, *n, &cap, size);
			if (parse(o, (char *)*items + *n * size, &perr) == 0) {
				(*n)++;
				continue;
			}
			const char *id = json_string_value(json_object_get(o, "_id"));
			log_warn("officernd", "%s entry left out id=%.64s err=\"%s\"", collection, id ? id : "?", perr.message);
			left_out++;
		}
		*next = cursor_next ? xstrdup(cursor_next) : NULL;
	}
	json_decref(root);
	free(path);
	free(esc);
	if (skipped)
		*skipped = left_out;
	return rc;
}

static int parse_member_item(const json_t *o, void *item, struct orn_error *err)
{
	return orn_parse_member(o, item, err);
}

static int parse_company_item(const json_t *o, void *item, struct orn_error *err)
{
	return orn_parse_company(o, item, err);
}

int orn_list_members_page(struct orn_client *c, const char *cursor, struct orn_member **items, size_t *n,
			  char **next, size_t *skipped, struct orn_error *err)
{
	void *p;
	int rc = api_one_page(c, "members", cursor, sizeof(**items), parse_member_item, &p, n, next, skipped, err);
	*items = p;
	if (rc) {
		orn_members_free(*items, *n);
		*items = NULL;
		*n = 0;
	}
	return rc;
}

int orn_list_companies_page(struct orn_client *c, const char *cursor, struct orn_company **items, size_t *n,
			    char **next, size_t *skipped, struct orn_error *err)
{
	void *p;
	int rc = api_one_page(c, "companies", cursor, sizeof(**items), parse_company_item, &p, n, next, skipped, err);
	*items = p;
	if (rc) {
		orn_companies_free(*items, *n);
		*items = NULL;
		*n = 0;
	}
	return rc;
}

void orn_members_free(struct orn_member *items, size_t n)
{
	for (size_t i = 0; items && i < n; i++)
		orn_member_clear(&items[i]);
	free(items);
}

void orn_companies_free(struct orn_company *items, size_t n)
{
	for (size_t i = 0; items && i < n; i++)
		orn_company_clear(&items[i]);
	free(items);
}
