/*
 * page_renter_mail.c: a signed-in renter's mail (/my/mail): their items, what happened to each,
 * and a button for each action their offering enables. Asking creates a request the operator
 * completes (and charges) later; only the renter's own items of an active mailbox qualify.
 */
#include "domain/charging.h"
#include "store/mail.h"
#include "store/offerings.h"
#include "util/log.h"
#include "util/money.h"
#include "util/timeutil.h"
#include "web/format.h"
#include "web/pages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
			       int taken[ACTION_COUNT])
{
	struct action_request *reqs = NULL;
	size_t count = 0;
	if (action_request_list(ctx->db, ctx->operator_id, it->id, &reqs, &count) < 0)
		return -1;
	for (size_t i = 0; i < count; i++) {
		const struct action_request *a = &reqs[i];
		char key[96];
		int idx = mail_action_parse(a->action);
		if (idx >= 0 && idx < ACTION_COUNT && strcmp(a->state, "cancelled") != 0)
			taken[idx] = 1;
		snprintf(key, sizeof(key), "Mail.items.%zu.requests.%zu.label", n, i);
		web_set(ctx, key, charging_action_label(a->action));
		snprintf(key, sizeof(key), "Mail.items.%zu.requests.%zu.state", n, i);
		web_set(ctx, key, a->state);
		snprintf(key, sizeof(key), "Mail.items.%zu.requests.%zu.tracking", n, i);
		web_set(ctx, key, a->tracking);
		snprintf(key, sizeof(key), "Mail.items.%zu.requests.%zu.carrier", n, i);
		web_set(ctx, key, a->carrier);
	}
	free(reqs);
	return 0;
}

/* The action buttons of item N: every action the offering enables and nobody asked for yet. */
static void renter_set_buttons(struct web_ctx *ctx, size_t n, const struct mail_item *it,
			       const struct offering *off, const int taken[ACTION_COUNT])
{
	if (strcmp(it->mailbox_status, "active") != 0 || mail_status_left_storage(it->status))
		return;
	size_t shown = 0;
	for (int a = 0; a < ACTION_COUNT; a++) {
		const char *name = mail_action_name((enum mail_action)a);
		if (!off->actions[a].enabled || taken[a] || (a == ACTION_SCAN && strcmp(it->status, "scanned") == 0))
			continue;
		char key[96];
		snprintf(key, sizeof(key), "Mail.items.%zu.buttons.%zu.action", n, shown);
		web_set(ctx, key, name);
		snprintf(key, sizeof(key), "Mail.items.%zu.buttons.%zu.label", n, shown);
		web_set(ctx, key, charging_action_noun(name));
		shown++;
	}
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
		int taken[ACTION_COUNT] = { 0 };
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
		if (renter_set_requests(ctx, i, it, taken) < 0 ||
		    (loaded != it->offering_id && offering_get(ctx->db, ctx->operator_id, it->offering_id, &off) < 0)) {
			free(items);
			web_error(ctx, 500, "Your mail could not be loaded. Please try again.");
			return;
		}
		loaded = it->offering_id;
		renter_set_buttons(ctx, i, it, &off, taken);
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
	struct charging_result res;
	enum charging_status st = charging_request_action(ctx->db, ctx->operator_id, ctx->renter_id,
							  web_arg_id(ctx, 0), web_form(ctx, "action"), time_now(), &res);
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
