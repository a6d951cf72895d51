/*
 * page_officernd_lists.c: the OfficeRnD card's plan and location lists as the worker loads them
 * (worker/job_officernd_lists.c): what the card says about them (loaded when, refreshing, the
 * last failure) and the "Refresh lists" button, which only asks the worker: no request here
 * ever waits on OfficeRnD.
 */
#include "store/officernd_lists.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "web/format.h"
#include "web/pages.h"

#include <stdio.h>
#include <time.h>

#define FORM_PATH "/settings/integrations/officernd"


void page_officernd_lists_status(struct web_ctx *ctx, const struct officernd_lists *l, int configured)
{
	char when[64];
	web_set(ctx, "Lists.configured", configured ? "1" : "");
	web_set(ctx, "Lists.loaded", l->fetched_at > 0 ? "1" : "");
	web_format_time(ctx, l->fetched_at > 0 ? l->fetched_at : 0, when, sizeof(when));
	web_set(ctx, "Lists.fetched", when);
	web_set_int(ctx, "Lists.n_plans", (int64_t)l->n_plans);
	web_set_int(ctx, "Lists.n_locations", (int64_t)l->n_locations);
	web_set(ctx, "Lists.refreshing", configured && (l->requested > 0 || l->claimed_until > time_now()) ? "1" : "");
	web_set(ctx, "Lists.error", l->error);
	web_format_time(ctx, l->error_at > 0 ? l->error_at : 0, when, sizeof(when));
	web_set(ctx, "Lists.error_at", when);
}

void page_officernd_refresh_lists(struct web_ctx *ctx)
{
	int rc = officernd_lists_request(ctx->db, ctx->operator_id);
	if (rc < 0) {
		web_error(ctx, 500, "The lists could not be asked for. Please try again.");
		return;
	}
	if (rc > 0) {
		web_redirect(ctx, FORM_PATH, "error", "Fill in steps 1\xe2\x80\x93" "2 (organization name, client ID and "
			     "client secret) and save first: the plans and locations are then loaded from your OfficeRnD "
			     "account.");
		return;
	}
	log_info("integrations", "officernd lists refresh asked operator=%lld", (long long)ctx->operator_id);
	web_redirect(ctx, FORM_PATH, "ok", "Refreshing\xe2\x80\xa6 pilotomail is loading the plans and locations from "
		     "OfficeRnD: reload this page in a few seconds.");
}
