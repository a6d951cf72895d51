/*
 * webhooks.c: the Webhooks API (facts sheet, "Webhooks API"): list, create, update, delete the
 * operator's webhook endpoints in OfficeRnD. Every call goes through orn_api_call, so errors,
 * the 401 refresh and 429 handling are the client's usual ones. Create is a POST and is never
 * retried here: a lost answer may have made the webhook, and the caller adopts it by URL.
 */
#include "officernd/internal.h"
#include "util/log.h"

#include <stdlib.h>
#include <string.h>

const char *const orn_webhook_events[ORN_WEBHOOK_EVENT_COUNT] = {
	"membership.created",
	"membership.updated",
	"membership.removed",
};

static int parse_webhook(const json_t *o, void *item, struct orn_error *err)
{
	return orn_parse_webhook(o, item, err);
}

static void clear_webhook(void *item)
{
	orn_webhook_clear(item);
}

int orn_list_webhooks(struct orn_client *c, struct orn_webhook **items, size_t *n, struct orn_error *err)
{
	struct orn_list l = { .size = sizeof(**items), .parse = parse_webhook, .clear = clear_webhook };
	orn_error_reset(err);
	int rc = orn_api_list(c, "/webhooks", NULL, &l, err);
	*items = (struct orn_webhook *)(void *)l.items;
	*n = l.n;
	return rc;
}

static json_t *events_json(void)
{
	json_t *a = json_array();
	for (size_t i = 0; i < ORN_WEBHOOK_EVENT_COUNT; i++)
		json_array_append_new(a, json_string(orn_webhook_events[i]));
	return a;
}

/* Sends body (consumed) and parses the webhook answered into out (may be NULL). */
static int webhook_send(struct orn_client *c, const char *method, const char *path, json_t *body,
			struct orn_webhook *out, struct orn_error *err)
{
	char *text = orn_json_dump(body);
	json_t *root = NULL;
	struct orn_webhook w;
	json_decref(body);
	int rc = orn_api_call(c, method, path, text, &root, err);
	free(text);
	if (rc == 0 && out) {
		if (orn_parse_webhook(root, &w, err) == 0)
			*out = w;
		else
			rc = -1;
	}
	json_decref(root);
	return rc;
}

int orn_create_webhook(struct orn_client *c, const char *url, const char *description, struct orn_webhook *out,
		       struct orn_error *err)
{
	memset(out, 0, sizeof(*out));
	orn_error_reset(err);
	json_t *body = json_object();
	json_object_set_new(body, "url", json_string(url));
	json_object_set_new(body, "eventTypes", events_json());
	json_object_set_new(body, "description", json_string(description ? description : ""));
	if (webhook_send(c, "POST", "/webhooks", body, out, err))
		return -1;
	if (!out->secret || !*out->secret) {
		/* Without its secret nothing it sends can be verified: say so rather than store it. */
		orn_error_set(err, ORN_ERR_BAD_RESPONSE, "OfficeRnD made the webhook but did not send its signing secret");
		err->request_sent = 1;
		return -1;
	}
	log_info("officernd", "webhook created id=%s", out->id);
	return 0;
}

int orn_update_webhook(struct orn_client *c, const char *id, const struct orn_webhook_change *ch,
		       struct orn_webhook *out, struct orn_error *err)
{
	if (out)
		memset(out, 0, sizeof(*out));
	orn_error_reset(err);
	json_t *body = json_object();
	if (ch->url)
		json_object_set_new(body, "url", json_string(ch->url));
	if (ch->set_events)
		json_object_set_new(body, "eventTypes", events_json());
	if (ch->enable == 0 || ch->enable == 1)
		json_object_set_new(body, "isEnabled", json_boolean(ch->enable));
	char *esc = orn_url_escape(id);
	char *path = xasprintf("/webhooks/%s", esc);
	int rc = webhook_send(c, "PATCH", path, body, out, err);
	free(esc);
	free(path);
	if (rc == 0)
		log_info("officernd", "webhook updated id=%s", id);
	return rc;
}

int orn_delete_webhook(struct orn_client *c, const char *id, struct orn_error *err)
{
	json_t *root = NULL;
	orn_error_reset(err);
	char *esc = orn_url_escape(id);
	char *path = xasprintf("/webhooks/%s", esc);
	int rc = orn_api_call(c, "DELETE", path, NULL, &root, err);
	free(esc);
	free(path);
	json_decref(root);
	if (rc && err->status == ORN_ERR_NOT_FOUND && err->http_status == 404) {
		/* Gone already (deleted by hand in OfficeRnD): what we wanted. */
		orn_error_reset(err);
		rc = 0;
	}
	if (rc == 0)
		log_info("officernd", "webhook deleted id=%s", id);
	return rc;
}

int orn_webhook_has_events(const struct orn_webhook *w)
{
	for (size_t i = 0; i < ORN_WEBHOOK_EVENT_COUNT; i++) {
		int found = 0;
		for (size_t j = 0; j < w->n_event_types && !found; j++)
			found = strcmp(w->event_types[j], orn_webhook_events[i]) == 0;
		if (!found)
			return 0;
	}
	return 1;
}

void orn_webhook_explain(struct orn_error *err)
{
	char detail[sizeof(err->message)];
	str_copy(detail, sizeof(detail), err->message);
	switch (err->status) {
	case ORN_ERR_FORBIDDEN:
		if (err->missing_scope[0])
			orn_error_set(err, err->status,
				      "Your OfficeRnD application lacks the scope %s, so pilotomail cannot manage its "
				      "webhook. Enable flex.settings.webhooks.read, .create, .update and .delete for the "
				      "application under Settings \xe2\x86\x92 Developer Tools, or set the webhook up by "
				      "hand (steps 4 and 5).", err->missing_scope);
		else
			orn_error_set(err, err->status, "OfficeRnD refused to manage webhooks for this application "
				      "(%.200s): set the webhook up by hand (steps 4 and 5).", detail);
		break;
	case ORN_ERR_RATE_LIMITED:
		orn_error_set(err, err->status, "OfficeRnD is limiting requests: try again in %d s",
			      err->retry_after_s > 0 ? err->retry_after_s : 60);
		break;
	case ORN_ERR_SERVER:
		orn_error_set(err, err->status, "OfficeRnD is having trouble (HTTP %d): try again in a few minutes",
			      err->http_status);
		break;
	case ORN_ERR_AUTH:
		orn_error_set(err, err->status, "OfficeRnD refused the client ID or secret: check step 2");
		break;
	default:
		break;
	}
}
