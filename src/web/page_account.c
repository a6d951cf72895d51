/*
 * page_account.c: the signed-in operator's own account, /account: the display name (shown to
 * renters and used as the sender's name of their emails) and the password. Changing the
 * password needs the current one, which is throttled like sign-in (the same key: guessing here
 * is no faster than at /login), and signs out every other session of the account.
 *
 * Template data: Account.{email, name, error, name_error}.
 */
#include "crypto/crypto.h"
#include "store/accounts.h"
#include "store/db.h"
#include "store/operators.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "web/pages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void account_render(struct web_ctx *ctx, const char *name, const char *error, const char *name_error,
			   int status)
{
	struct operator op = { 0 };
	if (operator_get(ctx->db, ctx->operator_id, &op) < 0) {
		web_error(ctx, 500, "Your account could not be loaded. Please try again.");
		return;
	}
	web_set(ctx, "Account.email", op.email);
	web_set(ctx, "Account.name", name ? name : op.name);
	if (error)
		web_set(ctx, "Account.error", error);
	if (name_error)
		web_set(ctx, "Account.name_error", name_error);
	operator_clear(&op);
	web_set(ctx, "Nav.section", "account");
	ctx->resp->status = status;
	web_render(ctx, "account.cs", "Your account");
	if (ctx->resp->status != 500)
		ctx->resp->status = status;
}

void page_account(struct web_ctx *ctx)
{
	account_render(ctx, NULL, NULL, NULL, 200);
}

/* Why name cannot be the display name, or NULL. */
static const char *name_problem(const char *name)
{
	if (!*name)
		return "Enter a name: renters see it on their pages and in the emails they get.";
	if (strlen(name) > OPERATOR_NAME_MAX)
		return "That name is too long: at most 200 characters.";
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return "A name cannot hold line breaks or control characters.";
	return NULL;
}

void page_account_name(struct web_ctx *ctx)
{
	char *name = str_trim(xstrdup(web_form(ctx, "name")));
	const char *problem = name_problem(name);
	if (problem) {
		account_render(ctx, name, NULL, problem, 422);
		free(name);
		return;
	}
	int rc = account_set_operator_name(ctx->db, ctx->operator_id, name);
	free(name);
	if (rc < 0) {
		web_error(ctx, 500, "Your name could not be saved. Nothing was changed; please try again.");
		return;
	}
	web_redirect(ctx, "/account", "ok", "Your name is saved.");
}

/* Sets the new password and ends the account's other sessions, in one transaction. 0 or -1. */
static int account_change_password(struct web_ctx *ctx, const char *password)
{
	char *hash = password_hash(password);
	struct account_ref who = { ctx->operator_id, 0 };
	int rc = -1;
	if (db_begin(ctx->db) == 0) {
		if (account_set_password(ctx->db, who, hash) == 0 &&
		    account_end_sessions(ctx->db, who, ctx->session.id_hash) == 0 && db_commit(ctx->db) == 0)
			rc = 0;
		else
			db_rollback(ctx->db);
	}
	free(hash);
	return rc;
}

void page_account_password(struct web_ctx *ctx)
{
	struct operator op = { 0 };
	if (operator_get(ctx->db, ctx->operator_id, &op) < 0) {
		web_error(ctx, 500, "Your account could not be loaded. Please try again.");
		return;
	}
	int64_t now = time_now();
	int64_t wait = login_throttle_wait(ctx->db, op.email, now);
	int current_ok = wait == 0 && password_verify(web_form(ctx, "current_password"), op.password_hash);
	if (wait == 0 && !current_ok)
		login_throttle_fail(ctx->db, op.email, now);
	operator_clear(&op);
	if (!current_ok) {
		char msg[160];
		if (wait > 0)
			snprintf(msg, sizeof(msg), "Too many wrong passwords. Try again in %lld seconds.", (long long)wait);
		else
			snprintf(msg, sizeof(msg), "Your current password is not correct. Nothing was changed.");
		account_render(ctx, NULL, msg, NULL, wait > 0 ? 429 : 422);
		return;
	}
	const char *password = web_form(ctx, "password");
	const char *problem = web_password_problem(password, web_form(ctx, "password_confirm"));
	if (problem) {
		account_render(ctx, NULL, problem, NULL, 422);
		return;
	}
	if (account_change_password(ctx, password) < 0) {
		web_error(ctx, 500, "Your password could not be saved. Nothing was changed; please try again.");
		return;
	}
	log_info("auth", "password changed operator=%lld", (long long)ctx->operator_id);
	web_redirect(ctx, "/account", "ok", "Your password is changed, and every other session is signed out.");
}
