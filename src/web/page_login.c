/* page_login.c: operator sign-in and sign-out. */
#include "crypto/crypto.h"
#include "http/local_path.h"
#include "store/operators.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "web/pages.h"

#include <string.h>

/* Only local paths are followed after sign-in: "next" must not send anyone off-site. */
static const char *safe_next(const char *next)
{
	return http_is_local_path(next) ? next : "/mail";
}

void page_login_form(struct web_ctx *ctx)
{
	if (ctx->has_session && ctx->session.operator_id) {
		web_redirect(ctx, "/mail", NULL, NULL);
		return;
	}
	web_set(ctx, "Login.next", safe_next(kvlist_get(&ctx->req->query, "next")));
	web_render(ctx, "login.cs", "Sign in");
}

static void login_refuse(struct web_ctx *ctx, int status, const char *message)
{
	ctx->resp->status = status;
	web_set(ctx, "Login.error", message);
	web_set(ctx, "Login.email", web_form(ctx, "email"));
	web_set(ctx, "Login.next", safe_next(web_form(ctx, "next")));
	web_render(ctx, "login.cs", "Sign in");
	ctx->resp->status = status;
}

void page_login_submit(struct web_ctx *ctx)
{
	const char *email = web_form(ctx, "email");
	const char *password = web_form(ctx, "password");
	int64_t now = time_now();
	int64_t wait = login_throttle_wait(ctx->db, email, now);
	if (wait > 0) {
		char msg[160];
		snprintf(msg, sizeof(msg), "Too many failed attempts. Try again in %lld seconds.", (long long)wait);
		login_refuse(ctx, 429, msg);
		return;
	}
	struct operator op = { 0 };
	int found = operator_find_by_email(ctx->db, email, &op) == 0;
	/* Verify against a real hash even for unknown emails so timing does not reveal accounts. */
	int ok = password_verify(password, found ? op.password_hash : password_dummy_hash()) && found;
	if (!ok) {
		login_throttle_fail(ctx->db, email, now);
		log_warn("auth", "sign-in failed");
		operator_clear(&op);
		login_refuse(ctx, 401, "That email and password do not match an operator account.");
		return;
	}
	login_throttle_clear(ctx->db, email);
	operator_password_upgrade(ctx->db, &op, password);
	if (web_session_start(ctx, op.id, 0) < 0) {
		operator_clear(&op);
		web_error(ctx, 500, "Could not sign you in. Please try again.");
		return;
	}
	log_info("auth", "signed in operator=%lld", (long long)op.id);
	operator_clear(&op);
	web_redirect(ctx, safe_next(web_form(ctx, "next")), NULL, NULL);
}

void page_logout(struct web_ctx *ctx)
{
	web_session_end(ctx);
	http_response_redirect(ctx->resp, "/login");
}

void page_home(struct web_ctx *ctx)
{
	web_redirect(ctx, "/mail", NULL, NULL);
}
