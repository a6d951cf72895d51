/*
 * page_renter_mail.c: a signed-in renter's mail (/my/mail): their items, what happened to each,
 * and a button for each action their offering enables. Asking creates a request the operator
 * completes (and charges) later; only the renter's own items of an active mailbox qualify.
 */
#include "domain/charging.h"
#include "domain/pricing.h"
#include "store/charges.h"
#include "store/mail.h"
#include "store/offerings.h"
#include "store/operators.h"
#include "util/log.h"
#include "util/money.h"
#include "util/timeutil.h"
#include "web/format.h"
#include "web/pages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The operator's currency code, read once per request. */
static const char *renter_currency(struct web_ctx *ctx)
{
	const char *cached = hdf_get_value(ctx->hdf, "Renter.currency", NULL);
	if (cached)
		return cached;
	struct operator op = { 0 };
	web_set(ctx, "Renter.currency", operator_get(ctx->db, ctx->operator_id, &op) == 0 && op.currency ? op.currency : "");
	operator_clear(&op);
	return hdf_get_value(ctx->hdf, "Renter.currency", "");
}

static const char *renter_status_label(const char *status)
{
	static const char *const map[][2] = {
		{ "stored", "Waiting in storage" }, { "scanned", "Scanned, in storage" },
		{ "forwarded", "Forwarded" },       { "shredded", "Shredded" },
		{ "recycled", "Recycled" },         { "picked_up", "Picked up" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (strcmp(status, map[i][0]) == 0)
			return map[i][1];
	return status;
}

/* The requests of item N as Mail.items.N.requests.M, and which actions are taken. */
static int renter_set_requests(struct web_ctx *ctx, size_t n, const struct mail_item *it,
			       struct action_request **out, size_t *out_n)
{
	struct action_request *reqs = NULL;
	size_t count = 0;
	if (action_request_list(ctx->db, ctx->operator_id, it->id, &reqs, &count) < 0)
		return -1;
	for (size_t i = 0; i < count; i++) {
		const struct action_request *a = &reqs[i];
		char key[96];
		snprintf(key, sizeof(key), "Mail.items.%zu.requests.%zu.label", n, i);
		web_set(ctx, key, charging_action_label(a->action));
		snprintf(key, sizeof(key), "Mail.items.%zu.requests.%zu.state", n, i);
		web_set(ctx, key, a->state);
		snprintf(key, sizeof(key), "Mail.items.%zu.requests.%zu.tracking", n, i);
		web_set(ctx, key, a->tracking);
		snprintf(key, sizeof(key), "Mail.items.%zu.requests.%zu.carrier", n, i);
		web_set(ctx, key, a->carrier);
		snprintf(key, sizeof(key), "Mail.items.%zu.requests.%zu.forward_address", n, i);
		web_set(ctx, key, a->forward_address);
	}
	*out = reqs;
	*out_n = count;
	return 0;
}

int page_renter_price_words(struct web_ctx *ctx, const struct mail_item *it, const struct offering *off,
			    const char *action, char *buf, size_t size)
{
	int idx = mail_action_parse(action);
	if (idx < 0 || idx >= ACTION_COUNT)
		return -1;
	/* Once per mailbox and action: a renter's page lists many items of the same mailbox. */
	char cache[96];
	snprintf(cache, sizeof(cache), "Renter.price.%lld.%s", (long long)it->mailbox_id, action);
	const char *known = hdf_get_value(ctx->hdf, cache, NULL);
	if (known) {
		str_copy(buf, size, known);
		return 0;
	}
	const struct offering_action *oa = &off->actions[idx];
	char today[11], first[11], next_first[11], fee[32];
	time_format_day(time_now(), today, sizeof(today));
	pricing_month_bounds(today, first, next_first);
	int64_t used = charge_count_in_period(ctx->db, ctx->operator_id, it->mailbox_id, action, first, next_first);
	int64_t asked = action_request_count_open(ctx->db, ctx->operator_id, it->mailbox_id, action);
	if (used < 0 || asked < 0)
		return -1;
	int64_t left = oa->free_per_month - used - asked;
	const char *postage = idx == ACTION_FORWARD ? " plus postage" : "";
	money_format(oa->fee, web_money_digits(ctx), fee, sizeof(fee));
	if (oa->fee == 0)
		snprintf(buf, size, "Included in your plan%s.", postage);
	else if (left > 0)
		snprintf(buf, size, "Free: %lld of your %lld free this month left, then %s %s%s.", (long long)left,
			 (long long)oa->free_per_month, fee, renter_currency(ctx), postage);
	else if (oa->free_per_month > 0)
		snprintf(buf, size, "%s %s%s: your %lld free this month are used.", fee, renter_currency(ctx), postage,
			 (long long)oa->free_per_month);
	else
		snprintf(buf, size, "%s %s%s.", fee, renter_currency(ctx), postage);
	web_set(ctx, cache, buf);
	return 0;
}

/* The action buttons of item N: every action the offering enables and the rules allow now,
 * each with its price. Forward and shred go to the step that asks the address or confirms. */
static int renter_set_buttons(struct web_ctx *ctx, size_t n, const struct mail_item *it,
			      const struct offering *off, const struct action_request *reqs, size_t nreqs)
{
	if (strcmp(it->mailbox_status, "active") != 0 || mail_status_left_storage(it->status))
		return 0;
	size_t shown = 0;
	for (int a = 0; a < ACTION_COUNT; a++) {
		const char *name = mail_action_name((enum mail_action)a);
		char key[96], price[160];
		if (!off->actions[a].enabled || (a == ACTION_SCAN && strcmp(it->status, "scanned") == 0) ||
		    charging_request_conflict(name, reqs, nreqs, it->reference, price, sizeof(price)))
			continue;
		if (page_renter_price_words(ctx, it, off, name, price, sizeof(price)) < 0)
			return -1;
		snprintf(key, sizeof(key), "Mail.items.%zu.buttons.%zu.action", n, shown);
		web_set(ctx, key, name);
		snprintf(key, sizeof(key), "Mail.items.%zu.buttons.%zu.label", n, shown);
		web_set(ctx, key, charging_action_noun(name));
		snprintf(key, sizeof(key), "Mail.items.%zu.buttons.%zu.price", n, shown);
		web_set(ctx, key, price);
		if (a == ACTION_FORWARD || a == ACTION_SHRED) {
			snprintf(key, sizeof(key), "Mail.items.%zu.buttons.%zu.step", n, shown);
			web_set(ctx, key, "1");
		}
		shown++;
	}
	return 0;
}

/* The page, with status and an optional error about the last request. */
static void renter_mail_render(struct web_ctx *ctx, const char *error, int status)
{
	struct mail_item *items = NULL;
	size_t n = 0;
	if (mail_item_list_for_renter(ctx->db, ctx->operator_id, ctx->renter_id, &items, &n) < 0) {
		web_error(ctx, 500, "Your mail could not be loaded. Please try again.");
		return;
	}
	struct offering off;
	int64_t loaded = 0;
	for (size_t i = 0; i < n; i++) {
		const struct mail_item *it = &items[i];
		struct action_request *reqs = NULL;
		size_t nreqs = 0;
		char key[64];
		snprintf(key, sizeof(key), "Mail.items.%zu.id", i);
		web_set_int(ctx, key, it->id);
		snprintf(key, sizeof(key), "Mail.items.%zu.reference", i);
		web_set(ctx, key, it->reference);
		snprintf(key, sizeof(key), "Mail.items.%zu.kind", i);
		web_set(ctx, key, it->kind);
		snprintf(key, sizeof(key), "Mail.items.%zu.sender", i);
		web_set(ctx, key, it->sender);
		snprintf(key, sizeof(key), "Mail.items.%zu.received_on", i);
		web_set_day(ctx, key, it->received_on);
		snprintf(key, sizeof(key), "Mail.items.%zu.pmb", i);
		web_set(ctx, key, it->pmb);
		snprintf(key, sizeof(key), "Mail.items.%zu.status", i);
		web_set(ctx, key, renter_status_label(it->status));
		if (mail_status_left_storage(it->status)) {
			snprintf(key, sizeof(key), "Mail.items.%zu.left", i);
			web_set(ctx, key, "1");
		}
		if (strcmp(it->mailbox_status, "active") != 0) {
			snprintf(key, sizeof(key), "Mail.items.%zu.inactive", i);
			web_set(ctx, key, strcmp(it->mailbox_status, "cancelled") == 0 ? "cancelled" : "on hold");
		}
		if (renter_set_requests(ctx, i, it, &reqs, &nreqs) < 0 ||
		    (loaded != it->offering_id && offering_get(ctx->db, ctx->operator_id, it->offering_id, &off) < 0)) {
			free(reqs);
			free(items);
			web_error(ctx, 500, "Your mail could not be loaded. Please try again.");
			return;
		}
		loaded = it->offering_id;
		if (it->scan_id) {
			snprintf(key, sizeof(key), "Mail.items.%zu.scan", i);
			web_set(ctx, key, "1");
		}
		int rc = renter_set_buttons(ctx, i, it, &off, reqs, nreqs);
		free(reqs);
		if (rc < 0) {
			free(items);
			web_error(ctx, 500, "Your mail could not be loaded. Please try again.");
			return;
		}
	}
	free(items);
	web_set_int(ctx, "Mail.count", (int64_t)n);
	if (error)
		web_set(ctx, "Mail.error", error);
	ctx->resp->status = status;
	web_render(ctx, "renter_mail.cs", "My mail");
	if (ctx->resp->status != 500)
		ctx->resp->status = status;
}

void page_renter_mail(struct web_ctx *ctx)
{
	renter_mail_render(ctx, NULL, 200);
}

void page_renter_mail_request(struct web_ctx *ctx)
{
	const char *action = web_form(ctx, "action");
	char address[512];
	const char *step_error = NULL;
	/* A shred cannot be undone: it needs the confirmation step's explicit yes. A forward needs
	 * its address. Either goes back to the step page (which shows a refusal first, if any). */
	if (str_eq(action, "shred") && !str_eq(web_form(ctx, "confirm"), "yes"))
		step_error = "Confirm the shredding below: nothing was changed yet.";
	else if (str_eq(action, "forward"))
		step_error = charging_forward_address_check(web_form(ctx, "forward_address"), address, sizeof(address));
	if (step_error) {
		page_renter_ask_render(ctx, web_arg_id(ctx, 0), action, step_error, 422);
		return;
	}
	struct charging_result res;
	enum charging_status st = charging_request_action(ctx->db, ctx->operator_id, ctx->renter_id,
							  web_arg_id(ctx, 0), action, web_form(ctx, "forward_address"),
							  time_now(), &res);
	switch (st) {
	case CHARGING_OK:
		web_redirect(ctx, "/my/mail", "ok", res.message);
		return;
	case CHARGING_NOT_FOUND:
		web_not_found(ctx);
		return;
	case CHARGING_CONFLICT:
		renter_mail_render(ctx, res.message, 409);
		return;
	case CHARGING_INVALID:
		renter_mail_render(ctx, res.message, 422);
		return;
	case CHARGING_ERROR:
		break;
	}
	web_error(ctx, 500, "Your request could not be saved. Please try again.");
}
