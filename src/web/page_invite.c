/*
 * page_invite.c: the renter's invitation link, /invite/TOKEN. A pending link shows the
 * operator, the space and the PMB with a form to choose a password; accepting it sets the
 * password, marks the invitation accepted and signs the renter in. An expired, revoked or used
 * link answers 410 and an unknown one 404, and neither changes anything.
 *
 * The token is never written into the page (the form posts back to its own address) nor logged.
 */
#include "crypto/crypto.h"
#include "store/db.h"
#include "store/mailboxes.h"
#include "store/operator_zone.h"
#include "store/operators.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "web/pages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Renders invite.cs for a link that cannot be used: 404 unknown, 410 for the rest. */
static void invite_refuse(struct web_ctx *ctx, const char *state, const char *operator_name)
{
	int status = str_eq(state, "unknown") ? 404 : 410;
	web_set(ctx, "Invite.state", state);
	web_set(ctx, "Invite.operator", operator_name && *operator_name ? operator_name : "your workspace");
	ctx->resp->status = status;
	web_render(ctx, "invite.cs", status == 404 ? "Invitation not found" : "Invitation no longer valid");
	if (ctx->resp->status != 500)
		ctx->resp->status = status;
}

/* When the link stops working, in the time zone of the operator who sent it. */
static void set_expiry(struct web_ctx *ctx, int64_t operator_id, int64_t t)
{
	char zone[TIME_ZONE_MAX], buf[64];
	operator_time_zone(ctx->db, operator_id, zone, sizeof(zone));
	web_set(ctx, "Invite.expires", time_format_local(t, zone, buf, sizeof(buf)));
}

/*
 * Looks the route's token up. Returns 0 with *inv, *m and *op filled for a pending invitation;
 * otherwise renders the refusal page and returns -1. op is cleared by the caller on 0.
 */
static int invite_load(struct web_ctx *ctx, struct invitation_view *inv, struct mailbox_view *m, struct operator *op)
{
	memset(op, 0, sizeof(*op));
	if (invitation_find_by_token(ctx->db, ctx->args[0], time_now(), inv) < 0 ||
	    mailbox_get(ctx->db, inv->operator_id, inv->mailbox_id, m) < 0 ||
	    operator_get(ctx->db, inv->operator_id, op) < 0) {
		operator_clear(op);
		invite_refuse(ctx, "unknown", NULL);
		return -1;
	}
	if (!str_eq(inv->state, "pending")) {
		invite_refuse(ctx, inv->state, op->name);
		operator_clear(op);
		return -1;
	}
	return 0;
}

static void invite_render_form(struct web_ctx *ctx, const struct invitation_view *inv,
			       const struct mailbox_view *m, const struct operator *op, const char *error, int status)
{
	web_set(ctx, "Invite.state", "pending");
	web_set(ctx, "Invite.operator", op->name && *op->name ? op->name : "your workspace");
	web_set(ctx, "Invite.space", m->space_name);
	web_set(ctx, "Invite.pmb", m->pmb);
	web_set(ctx, "Invite.offering", m->offering_name);
	web_set(ctx, "Invite.renter_name", m->renter_name);
	web_set(ctx, "Invite.email", m->renter_email);
	set_expiry(ctx, inv->operator_id, inv->expires_at);
	if (error)
		web_set(ctx, "Invite.error", error);
	ctx->resp->status = status;
	web_render(ctx, "invite.cs", "Set up your mailbox");
	if (ctx->resp->status != 500)
		ctx->resp->status = status;
}

void page_invite_show(struct web_ctx *ctx)
{
	struct invitation_view inv;
	struct mailbox_view m;
	struct operator op;
	if (invite_load(ctx, &inv, &m, &op) < 0)
		return;
	invite_render_form(ctx, &inv, &m, &op, NULL, 200);
	operator_clear(&op);
}

/* Accepts in one transaction; the UPDATE re-checks pending and unexpired. The password is
 * hashed first: half a second of scrypt under the write lock would stall every writer. 0 or -1. */
static int invite_accept(struct web_ctx *ctx, const struct invitation_view *inv, const char *password)
{
	char *hash = password_hash(password);
	int rc = -1;
	if (db_begin(ctx->db) < 0)
		goto out;
	if (invitation_accept(ctx->db, inv->id, inv->renter_id, hash, time_now()) < 0 || db_commit(ctx->db) < 0) {
		db_rollback(ctx->db);
		goto out;
	}
	rc = 0;
out:
	free(hash);
	return rc;
}

void page_invite_accept(struct web_ctx *ctx)
{
	struct invitation_view inv;
	struct mailbox_view m;
	struct operator op;
	if (invite_load(ctx, &inv, &m, &op) < 0)
		return;
	const char *password = web_form(ctx, "password");
	const char *problem = web_password_problem(password, web_form(ctx, "password_confirm"));
	if (problem) {
		invite_render_form(ctx, &inv, &m, &op, problem, 422);
		operator_clear(&op);
		return;
	}
	if (invite_accept(ctx, &inv, password) < 0) {
		/* Used or expired between the page and the click (a double submit): say so plainly. */
		struct invitation_view now;
		if (invitation_find_by_token(ctx->db, ctx->args[0], time_now(), &now) == 0 &&
		    !str_eq(now.state, "pending"))
			invite_refuse(ctx, now.state, op.name);
		else
			web_error(ctx, 500, "Your password could not be saved. Nothing was changed; please try again.");
		operator_clear(&op);
		return;
	}
	operator_clear(&op);
	log_info("invite", "invitation accepted mailbox=%lld renter=%lld", (long long)inv.mailbox_id,
		 (long long)inv.renter_id);
	if (web_session_start(ctx, 0, inv.renter_id) < 0) {
		web_redirect(ctx, "/my/login", NULL, NULL);
		return;
	}
	web_redirect(ctx, "/my", "ok", "Your password is set and your mailbox is ready.");
}
