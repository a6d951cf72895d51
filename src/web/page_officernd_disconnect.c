/*
 * page_officernd_disconnect.c: Disconnect OfficeRnD, behind a confirmation page that lists what
 * it does (GET and POST /settings/integrations/officernd/disconnect):
 *   - deletes pilotomail's webhook in OfficeRnD (when OfficeRnD cannot be asked, the operator is
 *     told to delete it by hand: disconnecting never waits on OfficeRnD's consent);
 *   - erases the organization, client ID and every stored secret;
 *   - stops fee booking: queued charges stay queued and visible, and are booked once OfficeRnD is
 *     connected again (store/officernd_connection.h, job_fees.c);
 *   - leaves mailboxes, the mapping and the webhook URL as they are.
 */
#include "domain/officernd_connection.h"
#include "store/officernd_connection.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "web/officernd_card.h"

#include <stdio.h>
#include <stdlib.h>

void page_officernd_disconnect_confirm(struct web_ctx *ctx)
{
	struct officernd_card card;
	char id[OFFICERND_WEBHOOK_ID_MAX] = "";
	if (integrations_officernd_get(ctx->db, ctx->operator_id, &card) ||
	    officernd_webhook_id_get(ctx->db, ctx->operator_id, id)) {
		web_error(ctx, 500, "The OfficeRnD settings could not be loaded. Please try again.");
		return;
	}
	web_set(ctx, "Nav.section", "settings");
	web_set(ctx, "Disconnect.org_slug", card.org_slug);
	web_set(ctx, "Disconnect.configured", integrations_officernd_configured(&card) ? "1" : "");
	web_set(ctx, "Disconnect.registered", *id ? "1" : "");
	web_set(ctx, "Disconnect.bill_renters", card.bill_renters ? "1" : "");
	web_render(ctx, "officernd_disconnect.cs", "Disconnect OfficeRnD");
}

/* Deletes our webhook in OfficeRnD; "" in note on success, else what the operator must do. */
static void webhook_remove(struct web_ctx *ctx, const struct officernd_card *card, char *note, size_t size)
{
	struct orn_error err;
	note[0] = '\0';
	struct orn_client *client = orn_client_open(ctx->db, ctx->operator_id, &err);
	if (!client)
		return; /* nothing to sign in with: nothing pilotomail can delete */
	char *url = connection_webhook_url(ctx->cfg->base_url, card->webhook_token);
	if (connection_remove(ctx->db, ctx->operator_id, client, url, &err))
		snprintf(note, size, " pilotomail could not delete its webhook in OfficeRnD (%s): delete it under Settings "
			 "\xe2\x86\x92 Developer Tools \xe2\x86\x92 Webhooks in OfficeRnD.", err.message);
	free(url);
	orn_client_free(client);
}

void page_officernd_disconnect(struct web_ctx *ctx)
{
	struct officernd_card card;
	char note[700], flash[1000];
	if (integrations_officernd_get(ctx->db, ctx->operator_id, &card)) {
		web_error(ctx, 500, "The OfficeRnD settings could not be loaded. Please try again.");
		return;
	}
	webhook_remove(ctx, &card, note, sizeof(note));
	if (officernd_disconnect(ctx->db, ctx->operator_id, time_now())) {
		web_error(ctx, 500, "OfficeRnD could not be disconnected. Please try again.");
		return;
	}
	log_info("integrations", "officernd disconnected operator=%lld webhook_left=%d", (long long)ctx->operator_id,
		 note[0] != 0);
	snprintf(flash, sizeof(flash), "OfficeRnD is disconnected: the credentials and secrets are erased and no fee is "
		 "booked; queued charges stay queued until you connect again.%s", note);
	web_redirect(ctx, CARD_FORM_PATH, note[0] ? "error" : "ok", flash);
}
