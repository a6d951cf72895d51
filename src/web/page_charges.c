/*
 * page_charges.c: every charge with its OfficeRnD billing state, a retry for failed ones, and
 * the explicit "bill earlier charges" action (turning billing on never queues them silently).
 */
#include "store/charge_totals.h"
#include "store/charges.h"
#include "store/operators.h"
#include "util/log.h"
#include "util/money.h"
#include "util/timeutil.h"
#include "web/format.h"
#include "web/pages.h"
#include "web/paging.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHARGES_PER_PAGE 100
#define EARLIER_SHOWN_MAX 100

static const char *const charge_states[] = { "queued", "sending", "sent", "failed", "not_billed" };

/* The state filter from the query, or NULL for all (an unknown value shows all). */
static const char *charges_state_filter(struct web_ctx *ctx)
{
	const char *state = kvlist_get(&ctx->req->query, "state");
	for (size_t i = 0; state && i < ARRAY_SIZE(charge_states); i++)
		if (strcmp(state, charge_states[i]) == 0)
			return charge_states[i];
	return NULL;
}

static const char *charge_kind_label(const char *kind)
{
	static const char *const kinds[][2] = {
		{ "scan", "Scan" },         { "forward", "Forwarding" }, { "shred", "Shredding" },
		{ "recycle", "Recycling" }, { "pickup", "Pickup" },      { "storage", "Storage" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if (strcmp(kind, kinds[i][0]) == 0)
			return kinds[i][1];
	return kind;
}

/* The badge text and class for a charge's billing state. */
static void charge_state_badge(const struct charge *c, const char **label, const char **cls)
{
	*cls = "";
	if (strcmp(c->billing_state, "queued") == 0) {
		*label = "Queued for OfficeRnD";
		*cls = "warn";
	} else if (strcmp(c->billing_state, "sending") == 0) {
		*label = "Sending to OfficeRnD";
		*cls = "warn";
	} else if (strcmp(c->billing_state, "sent") == 0) {
		*label = "Sent to OfficeRnD";
		*cls = "ok";
	} else if (strcmp(c->billing_state, "failed") == 0) {
		*label = "Failed";
		*cls = "err";
	} else if (c->amount == 0) {
		*label = "Free allowance: nothing to bill";
	} else {
		*label = "Not billed through OfficeRnD";
	}
}

void page_charges_set_rows(struct web_ctx *ctx, const char *prefix, const struct charge *items, size_t n)
{
	char key[128];
#define SETKEY(field) (snprintf(key, sizeof(key), "%s.%zu.%s", prefix, i, field), key)
	for (size_t i = 0; i < n; i++) {
		const struct charge *c = &items[i];
		const char *label, *cls;
		charge_state_badge(c, &label, &cls);
		web_set_int(ctx, SETKEY("id"), c->id);
		web_set(ctx, SETKEY("reference"), c->reference);
		web_set(ctx, SETKEY("pmb"), c->pmb);
		web_set(ctx, SETKEY("renter"), c->renter_name[0] ? c->renter_name : c->renter_email);
		web_set(ctx, SETKEY("kind"), charge_kind_label(c->kind));
		web_set(ctx, SETKEY("description"), c->description);
		web_set_money(ctx, SETKEY("amount"), c->amount);
		web_set(ctx, SETKEY("currency"), c->currency);
		web_set_amount(ctx, SETKEY("amount_text"), c->amount);
		web_set_day(ctx, SETKEY("date"), c->charge_date);
		web_set(ctx, SETKEY("state"), c->billing_state);
		web_set(ctx, SETKEY("state_label"), label);
		web_set(ctx, SETKEY("state_class"), cls);
		web_set(ctx, SETKEY("fee_id"), c->officernd_fee_id);
		web_set(ctx, SETKEY("error"), c->last_error);
		web_set_int(ctx, SETKEY("attempts"), c->attempts);
		if (c->mail_item_id) {
			web_set_int(ctx, SETKEY("mail_id"), c->mail_item_id);
			web_set(ctx, SETKEY("mail_reference"), c->mail_reference);
		}
		if (c->amount == 0 && strcmp(c->kind, "storage") != 0)
			web_set(ctx, SETKEY("free"), "1");
	}
#undef SETKEY
}

/* The "N earlier charges were not billed" box, shown only while OfficeRnD billing is on. Past
 * EARLIER_SHOWN_MAX it says "more than" without a total: counting them all on every load would
 * walk every one (years of charges, for an operator who turned billing on late). */
static void charges_set_earlier(struct web_ctx *ctx)
{
	int64_t count = 0, total = 0;
	if (!charge_officernd_billing_on(ctx->db, ctx->operator_id) ||
	    charge_earlier_unbilled_upto(ctx->db, ctx->operator_id, EARLIER_SHOWN_MAX + 1, &count, &total) < 0 ||
	    count == 0)
		return;
	if (count > EARLIER_SHOWN_MAX) {
		web_set_int(ctx, "Charges.earlier.more_than", EARLIER_SHOWN_MAX);
		count = EARLIER_SHOWN_MAX;
	}
	web_set_int(ctx, "Charges.earlier.count", count);
	web_set_amount(ctx, "Charges.earlier.total", total);
}

/* The state as the filter above the list names it. */
static const char *charge_state_label(const char *state)
{
	static const char *const labels[][2] = {
		{ "queued", "Queued" }, { "sending", "Sending" },        { "sent", "Sent" },
		{ "failed", "Failed" }, { "not_billed", "Not billed" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(labels); i++)
		if (strcmp(state, labels[i][0]) == 0)
			return labels[i][1];
	return state;
}

/* Charges.totals.{states,months}.N.{key,label,count,amount}: from charge_totals, a few rows. */
static int charges_set_totals(struct web_ctx *ctx)
{
	struct charge_total *t = NULL;
	size_t n = 0;
	char key[96], month[24];
	if (charge_totals_by_state(ctx->db, ctx->operator_id, &t, &n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
#define SETKEY(group, field) (snprintf(key, sizeof(key), "Charges.totals.%s.%zu.%s", group, i, field), key)
		web_set(ctx, SETKEY("states", "key"), t[i].key);
		web_set(ctx, SETKEY("states", "label"), charge_state_label(t[i].key));
		web_set_int(ctx, SETKEY("states", "count"), t[i].count);
		web_set_amount(ctx, SETKEY("states", "amount"), t[i].amount);
	}
	free(t);
	if (charge_totals_by_month(ctx->db, ctx->operator_id, &t, &n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		web_set(ctx, SETKEY("months", "key"), t[i].key);
		web_set(ctx, SETKEY("months", "label"), time_format_month_long(t[i].key, month, sizeof(month)));
		web_set_int(ctx, SETKEY("months", "count"), t[i].count);
		web_set_amount(ctx, SETKEY("months", "amount"), t[i].amount);
#undef SETKEY
	}
	free(t);
	return 0;
}

/* "YYYY-MM-DD:ID": the key of a charge in the list's order, for the Older link. */
static void charges_set_older(struct web_ctx *ctx, const char *state, const struct charge *last)
{
	char key[40];
	snprintf(key, sizeof(key), "%s:%lld", last->charge_date, (long long)last->id);
	char *href = paging_href("/charges", "state", state, "before", key, NULL);
	web_set(ctx, "Charges.older", href);
	free(href);
}

void page_charges_list(struct web_ctx *ctx)
{
	struct charge_filter f = { .state = charges_state_filter(ctx), .limit = CHARGES_PER_PAGE + 1 };
	int paged = paging_before_day_id(ctx, f.before_date, &f.before_id);
	if (paged < 0)
		return;
	/* One more than a page is read to know whether an older page exists. */
	struct charge *items = NULL;
	size_t n = 0;
	if (charge_list(ctx->db, ctx->operator_id, &f, &items, &n) < 0) {
		web_error(ctx, 500, "The charges could not be loaded. Please try again.");
		return;
	}
	if (n > CHARGES_PER_PAGE) {
		n = CHARGES_PER_PAGE;
		charges_set_older(ctx, f.state, &items[n - 1]);
	}
	if (paged) {
		char *href = paging_href("/charges", "state", f.state, NULL);
		web_set(ctx, "Charges.newest", href);
		free(href);
	}
	page_charges_set_rows(ctx, "Charges.items", items, n);
	free(items);
	web_set_int(ctx, "Charges.count", (int64_t)n);
	web_set(ctx, "Charges.state", f.state ? f.state : "");
	web_set(ctx, "Charges.billing_on", charge_officernd_billing_on(ctx->db, ctx->operator_id) ? "1" : "");
	charges_set_earlier(ctx);
	if (charges_set_totals(ctx) < 0) {
		web_error(ctx, 500, "The charges could not be loaded. Please try again.");
		return;
	}
	web_set(ctx, "Nav.section", "charges");
	web_render(ctx, "charges.cs", "Charges");
}

void page_charges_bill_earlier(struct web_ctx *ctx)
{
	int64_t queued = 0;
	if (!charge_officernd_billing_on(ctx->db, ctx->operator_id)) {
		web_error(ctx, 409, "OfficeRnD billing is off: turn on \xe2\x80\x9c" "Bill mailbox renters with "
				    "OfficeRnD\xe2\x80\x9d in Settings \xe2\x86\x92 Integrations first. Nothing was queued.");
		return;
	}
	if (charge_bill_earlier(ctx->db, ctx->operator_id, &queued) < 0) {
		web_error(ctx, 500, "The charges could not be queued. Nothing was changed; please try again.");
		return;
	}
	log_info("charges", "earlier charges queued operator=%lld count=%lld", (long long)ctx->operator_id,
		 (long long)queued);
	char msg[160];
	if (queued == 0)
		snprintf(msg, sizeof(msg), "There were no earlier charges left to bill.");
	else
		snprintf(msg, sizeof(msg), "%lld earlier %s queued for OfficeRnD.", (long long)queued,
			 queued == 1 ? "charge" : "charges");
	web_redirect(ctx, "/charges", "ok", msg);
}

void page_charges_retry(struct web_ctx *ctx)
{
	struct charge c;
	if (charge_get(ctx->db, ctx->operator_id, web_arg_id(ctx, 0), &c) < 0) {
		web_not_found(ctx);
		return;
	}
	if (charge_retry(ctx->db, ctx->operator_id, c.id) < 0) {
		web_error(ctx, 409, "Only a failed charge can be retried: this one is not failed. Nothing was changed.");
		return;
	}
	log_info("charges", "charge retry operator=%lld charge=%lld", (long long)ctx->operator_id, (long long)c.id);
	char msg[160];
	snprintf(msg, sizeof(msg), "Charge %s is queued for OfficeRnD again.", c.reference);
	web_redirect(ctx, "/charges", "ok", msg);
}
