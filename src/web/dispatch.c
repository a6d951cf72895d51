/*
 * dispatch.c: who is asking (session cookie), may they (route access), is the form genuine
 * (CSRF), and which handler answers. Handlers never repeat these checks.
 */
#include "crypto/crypto.h"
#include "store/db.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "web/web.h"

#include <stdlib.h>
#include <string.h>

#define MAX_SEGMENTS 16

/* Splits path (modified in place) into segments; returns how many, or -1 if too many. */
static int split_path(char *path, char **segments)
{
	int n = 0;
	for (char *save = NULL, *s = strtok_r(path, "/", &save); s; s = strtok_r(NULL, "/", &save)) {
		if (n == MAX_SEGMENTS)
			return -1;
		segments[n++] = s;
	}
	return n;
}

/* Matches one route pattern against the path segments, capturing '*' segments into args. */
static int route_matches(const char *pattern, char **segments, int n, const char **args)
{
	char buf[256];
	char *pat[MAX_SEGMENTS];
	if (str_copy(buf, sizeof(buf), pattern))
		return 0;
	int np = split_path(buf, pat);
	if (np != n)
		return 0;
	int captured = 0;
	const char *found[3] = { NULL, NULL, NULL };
	for (int i = 0; i < n; i++) {
		if (strcmp(pat[i], "*") == 0) {
			if (captured < 3)
				found[captured++] = segments[i];
		} else if (strcmp(pat[i], segments[i]) != 0) {
			return 0;
		}
	}
	/* pat points into buf; the captures point into the path copy, which outlives the handler. */
	memcpy(args, found, sizeof(found));
	return 1;
}

static void load_session(struct web_ctx *ctx)
{
	const char *cookie = kvlist_get(&ctx->req->cookies, WEB_SESSION_COOKIE);
	if (!cookie || session_find(ctx->db, cookie, time_now(), &ctx->session) < 0)
		return;
	ctx->has_session = 1;
	ctx->operator_id = ctx->session.operator_id;
	ctx->renter_id = ctx->session.renter_id;
	str_copy(ctx->csrf_token, sizeof(ctx->csrf_token), ctx->session.csrf_token);
	if (ctx->renter_id) {
		/* A renter's pages are scoped by the renter's operator. */
		struct db_stmt *st = db_prepare(ctx->db, "SELECT operator_id FROM renters WHERE id = ?");
		db_bind_int64(st, 1, ctx->renter_id);
		ctx->operator_id = db_step(st) == DB_ROW ? db_col_int64(st, 0) : 0;
		db_finalize(st);
	}
}

/* Without a session, forms are protected by a double-submit token kept in its own cookie. */
static void ensure_pre_session_csrf(struct web_ctx *ctx)
{
	const char *cookie = kvlist_get(&ctx->req->cookies, WEB_CSRF_COOKIE);
	if (cookie && strlen(cookie) == 43) {
		str_copy(ctx->csrf_token, sizeof(ctx->csrf_token), cookie);
		return;
	}
	char *token = random_token(32);
	str_copy(ctx->csrf_token, sizeof(ctx->csrf_token), token);
	http_response_cookie(ctx->resp, WEB_CSRF_COOKIE, token, 12 * 3600, ctx->cfg->secure_cookies);
	free(token);
}

static int csrf_ok(struct web_ctx *ctx)
{
	const char *sent = kvlist_get(&ctx->req->form, "csrf_token");
	size_t len = strlen(ctx->csrf_token);
	return sent && len > 0 && strlen(sent) == len && crypto_equal(sent, ctx->csrf_token, len);
}

static int access_allowed(struct web_ctx *ctx, enum web_access access)
{
	switch (access) {
	case WEB_PUBLIC:
		return 1;
	case WEB_OPERATOR:
		return ctx->has_session && ctx->session.operator_id > 0;
	case WEB_RENTER:
		return ctx->has_session && ctx->renter_id > 0 && ctx->operator_id > 0;
	}
	return 0;
}

static void deny_access(struct web_ctx *ctx, enum web_access access)
{
	const char *login = access == WEB_RENTER ? "/my/login" : "/login";
	if (strcmp(ctx->req->method, "GET") != 0) {
		web_error(ctx, 403, "Please sign in again: your session has ended.");
		return;
	}
	char *next = url_encode(ctx->req->path);
	char *location = xasprintf("%s?next=%s", login, next);
	http_response_redirect(ctx->resp, location);
	free(location);
	free(next);
}

static void run_route(struct web_ctx *ctx, const struct web_route *route)
{
	if (!access_allowed(ctx, route->access)) {
		deny_access(ctx, route->access);
		return;
	}
	if (strcmp(ctx->req->method, "POST") == 0 && !csrf_ok(ctx)) {
		char path[128];
		log_warn("web", "csrf rejected path=%s", http_path_for_log(ctx->req->path, path, sizeof(path)));
		web_error(ctx, 403, "This form has expired or did not come from this site. "
				    "Reload the page and try again; nothing was changed.");
		return;
	}
	route->handler(ctx);
}

void web_dispatch(struct web_ctx *ctx, const struct web_route *routes)
{
	load_session(ctx);
	if (!ctx->has_session)
		ensure_pre_session_csrf(ctx);
	char *path = xstrdup(ctx->req->path);
	char *segments[MAX_SEGMENTS];
	int n = split_path(path, segments);
	int path_known = 0;
	const struct web_route *match = NULL;
	for (const struct web_route *r = routes; n >= 0 && r->pattern; r++) {
		if (!route_matches(r->pattern, segments, n, ctx->args))
			continue;
		path_known = 1;
		if (strcmp(r->method, ctx->req->method) == 0) {
			match = r;
			break;
		}
	}
	if (match)
		run_route(ctx, match);
	else if (path_known)
		web_error(ctx, 405, "This address does not accept that kind of request.");
	else
		web_not_found(ctx);
	free(path);
}

int web_session_start(struct web_ctx *ctx, int64_t operator_id, int64_t renter_id)
{
	char *cookie = NULL;
	if (ctx->has_session)
		session_delete(ctx->db, ctx->session.id_hash);
	if (session_create(ctx->db, operator_id, renter_id, &cookie, &ctx->session) < 0)
		return -1;
	ctx->has_session = 1;
	ctx->operator_id = operator_id;
	ctx->renter_id = renter_id;
	str_copy(ctx->csrf_token, sizeof(ctx->csrf_token), ctx->session.csrf_token);
	http_response_cookie(ctx->resp, WEB_SESSION_COOKIE, cookie, SESSION_LIFETIME_S,
			     ctx->cfg->secure_cookies);
	free(cookie);
	return 0;
}

void web_session_end(struct web_ctx *ctx)
{
	if (ctx->has_session)
		session_delete(ctx->db, ctx->session.id_hash);
	memset(&ctx->session, 0, sizeof(ctx->session));
	ctx->has_session = 0;
	ctx->operator_id = ctx->renter_id = 0;
	http_response_cookie(ctx->resp, WEB_SESSION_COOKIE, "", 0, ctx->cfg->secure_cookies);
}
