/*
 * officernd_webhook.c: the OfficeRnD card's webhook actions, each a POST the operator asks for
 * and one of the few requests that waits on OfficeRnD (domain/officernd_connection.h):
 *   - Register webhook in OfficeRnD: registers ours, or adopts the one posting to our URL;
 *   - Regenerate: a new webhook URL, and ours in OfficeRnD moved to it when pilotomail manages it;
 *   - the one-click fix of the red notice (layout): enable ours again, add the missing events,
 *     and queue a reconciliation check for what changed while it was off.
 * Nothing here shows or logs the webhook's secret.
 */
#include "domain/officernd_connection.h"
#include "http/local_path.h"
#include "store/officernd_connection.h"
#include "store/reconcile.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/util.h"
#include "web/officernd_card.h"

#include <stdio.h>
#include <stdlib.h>

/* Our webhook URL (free()), or NULL when the settings cannot be read. */
static char *our_url(struct web_ctx *ctx)
{
	struct officernd_card card;
	if (integrations_officernd_get(ctx->db, ctx->operator_id, &card))
		return NULL;
	return connection_webhook_url(ctx->cfg->base_url, card.webhook_token);
}

/* Makes ours right in OfficeRnD: 0 with *done, or -1 with msg for the operator. */
static int ensure(struct web_ctx *ctx, enum connection_done *done, char *msg, size_t size)
{
	struct orn_error err;
	struct orn_client *client = orn_client_open(ctx->db, ctx->operator_id, &err);
	char *url = client ? our_url(ctx) : NULL;
	int rc = -1;
	if (client && url)
		rc = connection_ensure(ctx->db, ctx->operator_id, client, url, done, &err);
	else if (client)
		snprintf(err.message, sizeof(err.message), "The OfficeRnD settings could not be read. Please try again.");
	orn_client_free(client);
	free(url);
	if (rc)
		snprintf(msg, size, "%s", err.message);
	log_info("integrations", "webhook ensure operator=%lld ok=%d", (long long)ctx->operator_id, rc == 0);
	/* Whatever happened, the health shown should say so soon. */
	officernd_health_request(ctx->db, ctx->operator_id);
	return rc;
}

static const char *done_message(enum connection_done done)
{
	switch (done) {
	case CONNECTION_CREATED:
		return "pilotomail registered its webhook in OfficeRnD with the three membership events and stored its "
		       "signing secret: nothing to copy.";
	case CONNECTION_ADOPTED:
		return "OfficeRnD already had a webhook posting to this URL (set up by hand): pilotomail now manages it, "
		       "so no second one was made and no event arrives twice.";
	case CONNECTION_REPAIRED:
		return "pilotomail's webhook in OfficeRnD is enabled again, with the three membership events.";
	default:
		return "pilotomail's webhook in OfficeRnD is registered, enabled and sends the three membership events.";
	}
}

void page_officernd_register(struct web_ctx *ctx)
{
	struct officernd_card card;
	enum connection_done done = CONNECTION_UNCHANGED;
	char msg[600];
	if (integrations_officernd_get(ctx->db, ctx->operator_id, &card) || !integrations_officernd_configured(&card)) {
		web_redirect(ctx, CARD_FORM_PATH, "error", "Save the organization name, client ID and client secret "
			     "(steps 1\xe2\x80\x93" "2) first: pilotomail registers the webhook with them.");
		return;
	}
	if (ensure(ctx, &done, msg, sizeof(msg))) {
		web_redirect(ctx, CARD_FORM_PATH, "error", msg);
		return;
	}
	web_redirect(ctx, CARD_FORM_PATH, "ok", done_message(done));
}

void page_officernd_webhook_token(struct web_ctx *ctx)
{
	char id[OFFICERND_WEBHOOK_ID_MAX] = "", msg[600], flash[900];
	enum connection_done done;
	if (integrations_webhook_token_regenerate(ctx->db, ctx->operator_id, time_now()) ||
	    officernd_webhook_id_get(ctx->db, ctx->operator_id, id)) {
		web_error(ctx, 500, "A new webhook URL could not be made. Please try again.");
		return;
	}
	if (!*id) {
		web_redirect(ctx, CARD_FORM_PATH, "ok", "A new webhook URL was made and the old one no longer works: paste "
			     "the new one into OfficeRnD (step 4).");
		return;
	}
	/* OfficeRnD must never post to a dead URL: move ours there at once. */
	if (ensure(ctx, &done, msg, sizeof(msg))) {
		snprintf(flash, sizeof(flash), "A new webhook URL was made, but pilotomail could not update its webhook "
			 "in OfficeRnD: %s Press \xe2\x80\x9cRegister webhook in OfficeRnD\xe2\x80\x9d to try again.", msg);
		web_redirect(ctx, CARD_FORM_PATH, "error", flash);
		return;
	}
	web_redirect(ctx, CARD_FORM_PATH, "ok", "A new webhook URL was made and pilotomail moved its webhook in OfficeRnD "
		     "to it: nothing to paste.");
}

/* Where the fix was pressed (a local path), else the card. */
static const char *back_path(struct web_ctx *ctx)
{
	const char *back = web_form(ctx, "back");
	return http_is_local_path(back) ? back : CARD_FORM_PATH;
}

void page_officernd_fix(struct web_ctx *ctx)
{
	enum connection_done done = CONNECTION_UNCHANGED;
	char msg[600];
	if (ensure(ctx, &done, msg, sizeof(msg))) {
		web_redirect(ctx, back_path(ctx), "error", msg);
		return;
	}
	/* Whatever changed in OfficeRnD while the endpoint was off never came: look for it now. */
	if (reconcile_request(ctx->db, ctx->operator_id) < 0) {
		web_redirect(ctx, back_path(ctx), "error", "The webhook is fixed, but the check for missed membership "
			     "changes could not be asked for: press \xe2\x80\x9c" "Check now\xe2\x80\x9d on the Activity page.");
		return;
	}
	web_redirect(ctx, back_path(ctx), "ok", "Fixed: pilotomail's webhook in OfficeRnD is enabled with the three "
		     "membership events. pilotomail is now checking OfficeRnD for membership changes missed while it was "
		     "off (see Activity).");
}
