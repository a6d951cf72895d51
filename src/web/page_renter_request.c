/*
 * page_renter_request.c: the step before a renter's request (/my/mail/ID/request?action=A):
 * what it costs and how many free ones are left this month, the forwarding address (the last
 * one used, prefilled), and for a shred an explicit confirmation, since it cannot be undone.
 * The form posts to /my/mail/ID/request (page_renter_mail.c). A request the rules refuse
 * (conflict, disabled, on hold) shows why instead of the form.
 *
 * Template data: Ask.{item_id, reference, kind, sender, received_on, action, noun, label, price,
 * address, error, refused}.
 */
#include "domain/charging.h"
#include "store/mail.h"
#include "store/mailboxes.h"
#include "store/offerings.h"
#include "web/pages.h"

#include <stdio.h>
#include <string.h>

/* The address field: what was typed (a refused POST), else the last one used. */
static void ask_set_address(struct web_ctx *ctx, const struct mail_item *it)
{
	char last[512];
	if (strcmp(ctx->req->method, "POST") == 0) {
		web_set(ctx, "Ask.address", web_form(ctx, "forward_address"));
		return;
	}
	if (renter_forward_address(ctx->db, ctx->operator_id, ctx->renter_id, last, sizeof(last)) == 0 && last[0]) {
		web_set(ctx, "Ask.address", last);
		web_set(ctx, "Ask.address_kept", "1");
	}
}

void page_renter_ask_render(struct web_ctx *ctx, int64_t item_id, const char *action, const char *error, int status)
{
	struct mail_item it;
	struct charging_result res;
	struct offering off;
	enum charging_status st = charging_request_allowed(ctx->db, ctx->operator_id, ctx->renter_id, item_id, action,
							   &it, &res);
	if (st == CHARGING_NOT_FOUND) {
		web_not_found(ctx);
		return;
	}
	web_set_int(ctx, "Ask.item_id", item_id);
	web_set(ctx, "Ask.reference", it.reference);
	web_set(ctx, "Ask.kind", it.kind);
	web_set(ctx, "Ask.sender", it.sender);
	web_set(ctx, "Ask.received_on", it.received_on);
	web_set(ctx, "Ask.action", action);
	web_set(ctx, "Ask.noun", charging_action_noun(action));
	web_set(ctx, "Ask.label", charging_action_label(action));
	if (st != CHARGING_OK) {
		web_set(ctx, "Ask.refused", res.message);
		status = st == CHARGING_INVALID ? 422 : st == CHARGING_CONFLICT ? 409 : 500;
	} else {
		char price[160];
		if (offering_get(ctx->db, ctx->operator_id, it.offering_id, &off) < 0 ||
		    page_renter_price_words(ctx, &it, &off, action, price, sizeof(price)) < 0) {
			web_error(ctx, 500, "The price could not be loaded. Please try again.");
			return;
		}
		web_set(ctx, "Ask.price", price);
		if (it.scan_id)
			web_set(ctx, "Ask.scanned", "1");
		if (str_eq(action, "forward"))
			ask_set_address(ctx, &it);
	}
	if (error && st == CHARGING_OK)
		web_set(ctx, "Ask.error", error);
	char title[64];
	snprintf(title, sizeof(title), "%s of %s", charging_action_label(action), it.reference);
	ctx->resp->status = status;
	web_render(ctx, "renter_request.cs", title);
	if (ctx->resp->status != 500)
		ctx->resp->status = status;
}

void page_renter_mail_ask(struct web_ctx *ctx)
{
	const char *action = kvlist_get(&ctx->req->query, "action");
	if (!action || !charging_action_status(action)) {
		web_error(ctx, 400, "Choose an action from your mail page.");
		return;
	}
	page_renter_ask_render(ctx, web_arg_id(ctx, 0), action, NULL, 200);
}
