/*
 * page_integrations.c: Settings -> Integrations, the cards page (OfficeRnD status, Stripe
 * billing) and the Stripe card's save. The OfficeRnD card has files of its own, one per
 * section: officernd_card.c (model), officernd_card_view.c (the form), officernd_card_form.c
 * (Save), officernd_card_test.c (Test connection), officernd_webhook.c (webhook actions).
 */
#include "store/integrations.h"
#include "util/timeutil.h"
#include "util/util.h"
#include "web/pages.h"

#include <stdlib.h>

#define CARDS_PATH "/settings/integrations"

#define MSG_ORN_ON "Stripe billing cannot be turned on while \xe2\x80\x9c" "Bill mailbox renters with " \
		   "OfficeRnD?\xe2\x80\x9d is on: renters would be billed twice. Turn it off on the OfficeRnD card " \
		   "(step 3) and save that first. Nothing was changed."

void page_integrations(struct web_ctx *ctx)
{
	struct officernd_card card;
	int stripe_on = 0;
	struct integration_link *plans = NULL, *locations = NULL;
	size_t n_plans = 0, n_locations = 0;
	if (integrations_officernd_get(ctx->db, ctx->operator_id, &card) ||
	    integrations_stripe_get(ctx->db, ctx->operator_id, &stripe_on) ||
	    integrations_plan_links(ctx->db, ctx->operator_id, &plans, &n_plans) ||
	    integrations_location_links(ctx->db, ctx->operator_id, &locations, &n_locations)) {
		free(plans);
		web_error(ctx, 500, "The integrations could not be loaded. Please try again.");
		return;
	}
	free(plans);
	free(locations);
	web_set(ctx, "Nav.section", "settings");
	web_set(ctx, "ORN.configured", integrations_officernd_configured(&card) ? "1" : "");
	web_set(ctx, "ORN.org_slug", card.org_slug);
	web_set(ctx, "ORN.bill_renters", card.bill_renters ? "1" : "");
	web_set_int(ctx, "ORN.plan_links", (int64_t)n_plans);
	web_set_int(ctx, "ORN.location_links", (int64_t)n_locations);
	web_set(ctx, "Stripe.bill_renters", stripe_on ? "1" : "");
	page_officernd_health_set(ctx, "Health");
	int status = 200;
	if (hdf_get_value(ctx->hdf, "Stripe.error", NULL))
		status = 422;
	ctx->resp->status = status;
	web_render(ctx, "integrations.cs", "Integrations");
	if (ctx->resp->status != 500)
		ctx->resp->status = status;
}

void page_integrations_stripe(struct web_ctx *ctx)
{
	int on = str_eq(web_form(ctx, "bill_renters"), "1");
	enum integrations_result r = integrations_stripe_save(ctx->db, ctx->operator_id, on, time_now());
	if (r == INTEGRATIONS_BILLING_CONFLICT) {
		web_set(ctx, "Stripe.error", MSG_ORN_ON);
		page_integrations(ctx);
		return;
	}
	if (r != INTEGRATIONS_OK) {
		web_error(ctx, 500, "Stripe billing could not be changed. Please try again.");
		return;
	}
	web_redirect(ctx, CARDS_PATH, "ok", on ? "Stripe billing turned on." : "Stripe billing turned off.");
}
