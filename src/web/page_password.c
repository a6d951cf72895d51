/*
 * page_password.c: "Forgot your password?" for operators (/password/forgot,
 * /password/reset/TOKEN) and renters (/my/password/forgot, /my/password/reset/TOKEN).
 *
 * A request answers the same page whether or not the email has an account, and does the same
 * work both ways as far as it can: one transaction that counts the request against the email
 * and the address it came from (the sign-in throttle, store/operators.h), which for a known
 * account also stores the link (hashed) and queues its email for the worker. Following the link
 * shows a form; choosing a password spends the link, sets the password and ends every session
 * of the account (store/accounts.h), then signs the person in afresh.
 *
 * The token is never written into the page (the form posts back to its own address) nor logged.
 */
#include "crypto/crypto.h"
#include "http/http.h"
#include "mail/message.h"
#include "mail/reset_email.h"
#include "store/accounts.h"
#include "store/db.h"
#include "store/mailboxes.h"
#include "store/operators.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "web/pages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PASSWORD_MIN_CHARS 8
#define PASSWORD_MAX_BYTES 1024
/* One email may hold mailboxes at several operators: one link each, within reason. */
#define RESET_MAX_RENTERS 5

struct reset_side {
	int renter;
	const char *prefix;   /* "" or "/my": the side's addresses start with it */
	const char *home;     /* where a reset person lands, signed in */
	const char *throttle; /* the sign-in throttle's key prefix for reset requests */
};

static const struct reset_side operator_side = { 0, "", "/mail", "reset:" };
static const struct reset_side renter_side = { 1, "/my", "/my", "renter-reset:" };

/* Counts UTF-8 characters (not bytes): "8 characters" is what a person counts. */
static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

const char *web_password_problem(const char *password, const char *confirm)
{
	if (utf8_chars(password) < PASSWORD_MIN_CHARS)
		return "Choose a password of at least 8 characters.";
	if (strlen(password) > PASSWORD_MAX_BYTES)
		return "That password is too long: at most 1024 characters.";
	if (strcmp(password, confirm) != 0)
		return "The two passwords do not match. Type the same password twice.";
	return NULL;
}

static void forgot_render(struct web_ctx *ctx, const struct reset_side *side, const char *state,
			  const char *email, const char *error, int status)
{
	web_set(ctx, "Reset.prefix", side->prefix);
	web_set(ctx, "Reset.state", state);
	web_set(ctx, "Reset.email", email);
	if (side->renter)
		web_set(ctx, "Reset.renter", "1");
	if (error)
		web_set(ctx, "Reset.error", error);
	web_set_int(ctx, "Reset.minutes", PASSWORD_RESET_LIFETIME_S / 60);
	ctx->resp->status = status;
	web_render(ctx, "password_forgot.cs", "Reset your password");
	if (ctx->resp->status != 500)
		ctx->resp->status = status;
}

/* Queues one reset email for the account; site names what the account is for. 0 or -1. */
static int queue_link(struct web_ctx *ctx, const struct reset_side *side, struct account_ref who,
		      int64_t operator_id, const char *email, int64_t now)
{
	struct operator op = { 0 };
	char *token = NULL;
	if (operator_get(ctx->db, operator_id, &op) < 0 || password_reset_create(ctx->db, who, now, &token) < 0) {
		operator_clear(&op);
		return -1;
	}
	char *link = xasprintf("%s%s/password/reset/%s", ctx->cfg->base_url, side->prefix, token);
	struct reset_email e = { side->renter ? op.name : "pilotomail", link, PASSWORD_RESET_LIFETIME_S };
	char *subject, *text, *html;
	reset_email_build(&e, &subject, &text, &html);
	struct outbox_message m = { .kind = "password_reset", .to = email, .subject = subject,
				    .text = text, .html = html };
	int64_t outbox_id = outbox_enqueue(ctx->db, operator_id, &m);
	/* The link is a secret from here on: only the outbox row holds it, until it is sent. */
	memset(link, 0, strlen(link));
	memset(token, 0, strlen(token));
	free(link);
	free(token);
	free(subject);
	free(text);
	free(html);
	operator_clear(&op);
	return outbox_id > 0 ? 0 : -1;
}

/* The links for every account with this email on this side (none is fine). 0 or -1. */
static int queue_links(struct web_ctx *ctx, const struct reset_side *side, const char *email, int64_t now)
{
	if (!side->renter) {
		struct operator op = { 0 };
		if (operator_find_by_email(ctx->db, email, &op) < 0)
			return 0;
		struct account_ref who = { op.id, 0 };
		int rc = queue_link(ctx, side, who, op.id, op.email, now);
		operator_clear(&op);
		return rc;
	}
	int64_t ids[RESET_MAX_RENTERS];
	int n = account_renters_by_email(ctx->db, email, ids, RESET_MAX_RENTERS);
	for (int i = 0; i < n; i++) {
		struct account_ref who = { 0, ids[i] };
		struct db_stmt *st = db_prepare(ctx->db, "SELECT operator_id, email FROM renters WHERE id = ?");
		db_bind_int64(st, 1, ids[i]);
		int rc = db_step(st) == DB_ROW
			? queue_link(ctx, side, who, db_col_int64(st, 0), db_col_text(st, 1), now) : -1;
		db_finalize(st);
		if (rc < 0)
			return -1;
	}
	return n < 0 ? -1 : 0;
}

/* Seconds before another request for this email from this address may be made (0 = go). */
static int64_t forgot_wait(struct web_ctx *ctx, const char *email_key, const char *ip_key, int64_t now)
{
	int64_t a = login_throttle_wait(ctx->db, email_key, now);
	int64_t b = login_throttle_wait(ctx->db, ip_key, now);
	return a > b ? a : b;
}

static void forgot_submit(struct web_ctx *ctx, const struct reset_side *side)
{
	const char *email = web_form(ctx, "email");
	if (!mail_address_valid(email)) {
		forgot_render(ctx, side, "form", email, "Enter the email address of your account.", 422);
		return;
	}
	const char *ip = http_request_param(ctx->req, "REMOTE_ADDR");
	char *email_key = xasprintf("%s%s", side->throttle, email);
	char *ip_key = xasprintf("%sip:%s", side->throttle, ip ? ip : "-");
	int64_t now = time_now();
	int64_t wait = forgot_wait(ctx, email_key, ip_key, now);
	int ok = 0;
	if (wait == 0 && db_begin(ctx->db) == 0) {
		login_throttle_fail(ctx->db, email_key, now);
		login_throttle_fail(ctx->db, ip_key, now);
		ok = queue_links(ctx, side, email, now) == 0 && db_commit(ctx->db) == 0;
		if (!ok)
			db_rollback(ctx->db);
	}
	free(email_key);
	free(ip_key);
	if (wait > 0) {
		char msg[160];
		snprintf(msg, sizeof(msg), "Too many reset requests. Try again in %lld seconds.", (long long)wait);
		forgot_render(ctx, side, "form", email, msg, 429);
		return;
	}
	if (!ok) {
		web_error(ctx, 500, "Your request could not be saved. Nothing was sent; please try again.");
		return;
	}
	log_info("auth", "password reset requested side=%s", side->renter ? "renter" : "operator");
	forgot_render(ctx, side, "sent", email, NULL, 200);
}

static const char *state_name(enum reset_state s)
{
	switch (s) {
	case RESET_VALID: return "valid";
	case RESET_USED: return "used";
	case RESET_EXPIRED: return "expired";
	case RESET_UNKNOWN: break;
	}
	return "unknown";
}

static void reset_render(struct web_ctx *ctx, const struct reset_side *side, enum reset_state state,
			 const char *error, int status)
{
	/* The address holds the token: no Referer may carry it anywhere, not even to our own CSS. */
	http_response_header(ctx->resp, "Referrer-Policy", "no-referrer");
	web_set(ctx, "Reset.prefix", side->prefix);
	web_set(ctx, "Reset.state", state_name(state));
	if (error)
		web_set(ctx, "Reset.error", error);
	if (state != RESET_VALID)
		status = state == RESET_UNKNOWN ? 404 : 410;
	ctx->resp->status = status;
	web_render(ctx, "password_reset.cs", state == RESET_VALID ? "Choose a new password" : "Reset link not valid");
	if (ctx->resp->status != 500)
		ctx->resp->status = status;
}

static void reset_show(struct web_ctx *ctx, const struct reset_side *side)
{
	struct account_ref who;
	enum reset_state state = password_reset_find(ctx->db, ctx->args[0], time_now(), &who);
	/* A renter's link on the operators' address (or the reverse) is not a link here. */
	if (state != RESET_UNKNOWN && (who.renter_id > 0) != side->renter)
		state = RESET_UNKNOWN;
	reset_render(ctx, side, state, NULL, 200);
}

static void reset_submit(struct web_ctx *ctx, const struct reset_side *side)
{
	struct account_ref who;
	enum reset_state state = password_reset_find(ctx->db, ctx->args[0], time_now(), &who);
	if (state != RESET_UNKNOWN && (who.renter_id > 0) != side->renter)
		state = RESET_UNKNOWN;
	if (state != RESET_VALID) {
		reset_render(ctx, side, state, NULL, 410);
		return;
	}
	const char *password = web_form(ctx, "password");
	const char *problem = web_password_problem(password, web_form(ctx, "password_confirm"));
	if (problem) {
		reset_render(ctx, side, RESET_VALID, problem, 422);
		return;
	}
	char *hash = password_hash(password);
	state = password_reset_use(ctx->db, ctx->args[0], hash, time_now(), &who);
	free(hash);
	if (state != RESET_VALID) {
		/* Spent between the page and the click (a double submit): say so plainly. */
		if (state == RESET_UNKNOWN && password_reset_find(ctx->db, ctx->args[0], time_now(), &who) == RESET_VALID)
			web_error(ctx, 500, "Your password could not be saved. Nothing was changed; please try again.");
		else
			reset_render(ctx, side, state, NULL, 410);
		return;
	}
	log_info("auth", "password reset operator=%lld renter=%lld", (long long)who.operator_id,
		 (long long)who.renter_id);
	if (web_session_start(ctx, who.operator_id, who.renter_id) < 0) {
		web_redirect(ctx, side->renter ? "/my/login" : "/login", NULL, NULL);
		return;
	}
	web_redirect(ctx, side->home, "ok", "Your password is changed, and every other session is signed out.");
}

static void forgot_form(struct web_ctx *ctx, const struct reset_side *side)
{
	forgot_render(ctx, side, "form", kvlist_get(&ctx->req->query, "email"), NULL, 200);
}

void page_password_forgot_form(struct web_ctx *ctx) { forgot_form(ctx, &operator_side); }
void page_password_forgot_submit(struct web_ctx *ctx) { forgot_submit(ctx, &operator_side); }
void page_password_reset_form(struct web_ctx *ctx) { reset_show(ctx, &operator_side); }
void page_password_reset_submit(struct web_ctx *ctx) { reset_submit(ctx, &operator_side); }
void page_renter_password_forgot_form(struct web_ctx *ctx) { forgot_form(ctx, &renter_side); }
void page_renter_password_forgot_submit(struct web_ctx *ctx) { forgot_submit(ctx, &renter_side); }
void page_renter_password_reset_form(struct web_ctx *ctx) { reset_show(ctx, &renter_side); }
void page_renter_password_reset_submit(struct web_ctx *ctx) { reset_submit(ctx, &renter_side); }
