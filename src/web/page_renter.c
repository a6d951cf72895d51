/*
 * page_renter.c: the renters' side: sign-in at /my/login (separate from operators, same
 * throttling keyed "renter:EMAIL"), sign-out, and /my with the renter's own mailboxes.
 *
 * Template data of /my: My.operator, My.mailboxes.N.{id, pmb, space, offering, status,
 * status_label, status_class}, My.count. Other renter sections (mail items, requests) add
 * their own data and a block in renter_home.cs.
 */
#include "http/local_path.h"
#include "store/mailboxes.h"
#include "store/operators.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "web/pages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Only the renter's own pages are followed after sign-in. */
static const char *renter_next(const char *next)
{
	if (!http_is_local_path(next) || (strcmp(next, "/my") != 0 && !str_starts_with(next, "/my/")) ||
	    str_starts_with(next, "/my/login"))
		return "/my";
	return next;
}

static void renter_login_render(struct web_ctx *ctx, const char *email, const char *next, const char *error,
				int status)
{
	web_set(ctx, "Login.email", email);
	web_set(ctx, "Login.next", renter_next(next));
	if (error)
		web_set(ctx, "Login.error", error);
	ctx->resp->status = status;
	web_render(ctx, "renter_login.cs", "Sign in to your mailbox");
	if (ctx->resp->status != 500)
		ctx->resp->status = status;
}

void page_renter_login_form(struct web_ctx *ctx)
{
	if (ctx->has_session && ctx->renter_id) {
		web_redirect(ctx, "/my", NULL, NULL);
		return;
	}
	renter_login_render(ctx, "", kvlist_get(&ctx->req->query, "next"), NULL, 200);
}

void page_renter_login_submit(struct web_ctx *ctx)
{
	const char *email = web_form(ctx, "email");
	const char *next = web_form(ctx, "next");
	int64_t now = time_now();
	char *key = xasprintf("renter:%s", email);
	int64_t wait = login_throttle_wait(ctx->db, key, now);
	if (wait > 0) {
		char msg[160];
		snprintf(msg, sizeof(msg), "Too many failed attempts. Try again in %lld seconds.", (long long)wait);
		renter_login_render(ctx, email, next, msg, 429);
		free(key);
		return;
	}
	int64_t renter_id = renter_authenticate(ctx->db, email, web_form(ctx, "password"));
	if (renter_id <= 0) {
		login_throttle_fail(ctx->db, key, now);
		log_warn("auth", "renter sign-in failed");
		renter_login_render(ctx, email, next, "That email and password do not match a mailbox account.", 401);
		free(key);
		return;
	}
	login_throttle_clear(ctx->db, key);
	free(key);
	if (web_session_start(ctx, 0, renter_id) < 0) {
		web_error(ctx, 500, "Could not sign you in. Please try again.");
		return;
	}
	log_info("auth", "signed in renter=%lld", (long long)renter_id);
	web_redirect(ctx, renter_next(next), NULL, NULL);
}

void page_renter_logout(struct web_ctx *ctx)
{
	web_session_end(ctx);
	http_response_redirect(ctx->resp, "/my/login");
}

static const char *renter_status_label(const char *status, const char **css)
{
	if (str_eq(status, "active")) {
		*css = "ok";
		return "Active";
	}
	if (str_eq(status, "on_hold")) {
		*css = "warn";
		return "On hold";
	}
	*css = "mailboxes-muted";
	return "Cancelled";
}

/* Puts the renter's mailboxes (and nobody else's) into My.mailboxes. 0 or -1. */
static int renter_set_mailboxes(struct web_ctx *ctx)
{
	struct mailbox_view *items = NULL;
	size_t n = 0;
	if (mailbox_list_for_renter(ctx->db, ctx->operator_id, ctx->renter_id, &items, &n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char key[64];
		const char *css = "";
		const char *label = renter_status_label(items[i].status, &css);
		snprintf(key, sizeof(key), "My.mailboxes.%zu.id", i);
		web_set_int(ctx, key, items[i].id);
		snprintf(key, sizeof(key), "My.mailboxes.%zu.pmb", i);
		web_set(ctx, key, items[i].pmb);
		snprintf(key, sizeof(key), "My.mailboxes.%zu.space", i);
		web_set(ctx, key, items[i].space_name);
		snprintf(key, sizeof(key), "My.mailboxes.%zu.offering", i);
		web_set(ctx, key, items[i].offering_name);
		snprintf(key, sizeof(key), "My.mailboxes.%zu.status", i);
		web_set(ctx, key, items[i].status);
		snprintf(key, sizeof(key), "My.mailboxes.%zu.status_label", i);
		web_set(ctx, key, label);
		snprintf(key, sizeof(key), "My.mailboxes.%zu.status_class", i);
		web_set(ctx, key, css);
	}
	web_set_int(ctx, "My.count", (int64_t)n);
	free(items);
	return 0;
}

void page_renter_home(struct web_ctx *ctx)
{
	if (renter_set_mailboxes(ctx) < 0) {
		web_error(ctx, 500, "Your mailbox could not be loaded. Please try again.");
		return;
	}
	struct operator op = { 0 };
	if (operator_get(ctx->db, ctx->operator_id, &op) == 0 && op.name && *op.name)
		web_set(ctx, "My.operator", op.name);
	operator_clear(&op);
	web_set(ctx, "Nav.section", "my");
	web_render(ctx, "renter_home.cs", "My mailbox");
}
