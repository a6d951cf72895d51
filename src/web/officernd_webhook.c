/*
 * officernd_webhook.c: the OfficeRnD card's webhook actions: a new webhook URL (Regenerate).
 */
#include "util/timeutil.h"
#include "web/officernd_card.h"

void page_officernd_webhook_token(struct web_ctx *ctx)
{
	if (integrations_webhook_token_regenerate(ctx->db, ctx->operator_id, time_now())) {
		web_error(ctx, 500, "A new webhook URL could not be made. Please try again.");
		return;
	}
	web_redirect(ctx, CARD_FORM_PATH, "ok", "A new webhook URL was made and the old one no longer works: paste the "
		     "new one into OfficeRnD (step 4).");
}
