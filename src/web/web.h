/*
 * web.h: what every page handler gets and the helpers it uses.
 *
 * A handler receives a web_ctx for one request: the parsed request, the response being built,
 * the process's database connection, the session (already checked: a handler registered as
 * WEB_OPERATOR only runs for a signed-in operator, and every POST has passed the CSRF check),
 * and an HDF for the template. It ends with exactly one of web_render(), web_redirect(),
 * web_error() or web_not_found().
 */
#ifndef PILOTOMAIL_WEB_H
#define PILOTOMAIL_WEB_H

#include <ClearSilver.h>
#include "store/db.h"
#include <stdint.h>

#include "http/http.h"
#include "store/sessions.h"
#include "util/config.h"

enum web_access {
	WEB_PUBLIC,   /* sign-in, invitations: no session needed */
	WEB_OPERATOR, /* a signed-in operator */
	WEB_RENTER,   /* a signed-in renter */
};

struct web_ctx {
	struct http_request *req;
	struct http_response *resp;
	struct db *db;
	const struct config *cfg;
	HDF *hdf;
	struct session session;  /* zeroed when nobody is signed in */
	int has_session;
	int64_t operator_id;     /* the signed-in operator, or the renter's operator */
	int64_t renter_id;       /* the signed-in renter, 0 otherwise */
	char csrf_token[64];     /* the token forms must carry (session or pre-session cookie) */
	const char *args[3];     /* the '*' segments of the matched route, owned by the request */
	int money_digits;        /* the operator's currency decimals, once money_digits_known */
	int money_digits_known;
};

typedef void (*web_handler)(struct web_ctx *ctx);

struct web_route {
	const char *method;  /* "GET" or "POST" */
	const char *pattern; /* "/spaces/STAR/edit" with STAR = '*': matches one non-empty segment */
	web_handler handler;
	enum web_access access;
};

/* Runs the request through auth, CSRF and the route table; fills resp. */
void web_dispatch(struct web_ctx *ctx, const struct web_route *routes);
/* The operator application's routes (web/routes.c). */
extern const struct web_route web_routes[];

/* Template data. Values are copied into the HDF and escaped when rendered. */
void web_set(struct web_ctx *ctx, const char *name, const char *value);
void web_setf(struct web_ctx *ctx, const char *name, const char *fmt, ...) PRINTF_LIKE(3, 4);
void web_set_int(struct web_ctx *ctx, const char *name, int64_t value);
/* minor units of the operator's currency, written with its decimals ("12.50", JPY "1250"). */
void web_set_money(struct web_ctx *ctx, const char *name, int64_t minor);
/* The decimals of the signed-in operator's currency (read once per request). */
int web_money_digits(struct web_ctx *ctx);
void web_set_time(struct web_ctx *ctx, const char *name, int64_t unix_seconds);

/* Renders templates/<name> with the page data, the session, the flash and the CSRF token. */
void web_render(struct web_ctx *ctx, const char *template_name, const char *title);
/* 303 to path, with an optional flash shown on the next page ("ok" or "error"). */
void web_redirect(struct web_ctx *ctx, const char *path, const char *flash_kind, const char *flash);
/* A page with status and a message for a person: never internals. */
void web_error(struct web_ctx *ctx, int status, const char *message);
void web_not_found(struct web_ctx *ctx);
/* The form value or "" when absent. */
const char *web_form(struct web_ctx *ctx, const char *name);
/* Parses the route argument i as a positive id; 0 when it is not one. */
int64_t web_arg_id(struct web_ctx *ctx, int i);

/* Signs in: a new session and its cookie. 0 or -1. */
int web_session_start(struct web_ctx *ctx, int64_t operator_id, int64_t renter_id);
void web_session_end(struct web_ctx *ctx);

#define WEB_SESSION_COOKIE "pm_session"
#define WEB_CSRF_COOKIE "pm_csrf"

#endif
