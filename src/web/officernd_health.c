/*
 * officernd_health.c: the OfficeRnD connection's health in plain words, as the worker's check
 * (worker/job_officernd_health.c) and Save last found it: for the card, the Activity page, and
 * the red notice with its one-click fix that every operator page shows (layout_head.cs) while
 * OfficeRnD has our webhook off, short of events, or refuses the credentials.
 */
#include "store/integrations.h"
#include "store/officernd_connection.h"
#include "util/util.h"
#include "web/pages.h"

#include <stdio.h>
#include <string.h>

/* The webhook's state in plain words. */
static const char *webhook_words(const char *state, int registered)
{
	if (str_eq(state, "ok"))
		return "Registered in OfficeRnD, enabled, and subscribed to membership.created, membership.updated and "
		       "membership.removed.";
	if (str_eq(state, "disabled"))
		return "OfficeRnD has turned the webhook off (usually after deliveries failed): membership changes are "
		       "not reaching pilotomail.";
	if (str_eq(state, "events"))
		return "Registered and enabled, but not subscribed to every membership event: some changes are not "
		       "reaching pilotomail.";
	if (str_eq(state, "url"))
		return "Registered, but it posts to an old webhook URL: membership changes are not reaching pilotomail.";
	if (str_eq(state, "missing"))
		return registered ? "The webhook pilotomail registered is gone from OfficeRnD: membership changes are not "
				    "reaching pilotomail."
				  : "No OfficeRnD webhook posts to this webhook URL yet: register it (one click) or add "
				    "it by hand (steps 4 and 5).";
	if (str_eq(state, "unknown"))
		return "Could not be checked.";
	return "Not checked yet: pilotomail checks within a minute of saving.";
}

static const char *credentials_words(const char *state)
{
	if (str_eq(state, "ok"))
		return "Work: OfficeRnD accepted them.";
	if (str_eq(state, "failing"))
		return "Failing: OfficeRnD refuses them.";
	if (str_eq(state, "unchecked"))
		return "Not checked: OfficeRnD could not be reached when they were saved.";
	return "Not checked yet.";
}

void page_officernd_health_set(struct web_ctx *ctx, const char *prefix)
{
	struct officernd_health h;
	char id[OFFICERND_WEBHOOK_ID_MAX] = "", name[64];
	if (officernd_health_get(ctx->db, ctx->operator_id, &h) || officernd_webhook_id_get(ctx->db, ctx->operator_id, id))
		return;
#define SET(field, value) (snprintf(name, sizeof(name), "%s.%s", prefix, field), web_set(ctx, name, value))
	SET("webhook", h.webhook);
	SET("webhook_words", webhook_words(h.webhook, *id != 0));
	SET("webhook_error", h.webhook_error);
	SET("missing_events", h.missing_events);
	SET("registered", *id ? "1" : "");
	SET("credentials", h.credentials);
	SET("credentials_words", credentials_words(h.credentials));
	SET("credentials_error", h.credentials_error);
	SET("bad", str_eq(h.webhook, "disabled") || str_eq(h.webhook, "events") || str_eq(h.webhook, "url") ||
			   (str_eq(h.webhook, "missing") && *id) || str_eq(h.credentials, "failing") ? "1" : "");
	snprintf(name, sizeof(name), "%s.checked", prefix);
	web_set_time(ctx, name, h.checked_at);
	snprintf(name, sizeof(name), "%s.last_event", prefix);
	web_set_time(ctx, name, h.last_event_at);
#undef SET
}

/* The fix the red notice offers for a webhook state, or NULL when there is none to click. */
static const char *fix_label(const char *state, int registered)
{
	if (str_eq(state, "disabled"))
		return "Turn the webhook on again";
	if (str_eq(state, "events"))
		return "Add the missing events";
	if (str_eq(state, "url"))
		return "Update the webhook URL in OfficeRnD";
	if (str_eq(state, "missing") && registered)
		return "Register the webhook again";
	return NULL;
}

void page_officernd_notice(struct web_ctx *ctx)
{
	struct officernd_health h;
	char id[OFFICERND_WEBHOOK_ID_MAX] = "";
	/* One primary-key read on every page; the webhook id only when it matters. */
	if (officernd_health_get(ctx->db, ctx->operator_id, &h) || (!h.webhook[0] && !h.credentials[0]))
		return;
	if (str_eq(h.webhook, "missing") && officernd_webhook_id_get(ctx->db, ctx->operator_id, id))
		return;
	const char *fix = fix_label(h.webhook, *id != 0);
	if (fix) {
		web_set(ctx, "Conn.notice", webhook_words(h.webhook, *id != 0));
		web_set(ctx, "Conn.missing_events", h.missing_events);
		web_set(ctx, "Conn.fix", fix);
	} else if (str_eq(h.credentials, "failing")) {
		web_set(ctx, "Conn.notice", "OfficeRnD refuses pilotomail's credentials, so no mailbox is made and no fee "
			"is booked.");
		web_set(ctx, "Conn.credentials_error", h.credentials_error);
	}
}
