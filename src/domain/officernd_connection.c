/* officernd_connection.c: see officernd_connection.h. */
#include "domain/officernd_connection.h"
#include "store/officernd_connection.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WEBHOOK_DESCRIPTION "pilotomail: membership events for mailboxes"

/* A failure of ours (the store), worded for the operator. */
static void fail_here(struct orn_error *err, const char *message)
{
	memset(err, 0, sizeof(*err));
	err->status = ORN_ERR_INVALID;
	str_copy(err->message, sizeof(err->message), message);
}

char *connection_webhook_url(const char *base_url, const char *token)
{
	return xasprintf("%s/webhooks/officernd/%s", base_url, token);
}

long connection_find(const struct orn_webhook *hooks, size_t n, const char *stored_id, const char *url)
{
	for (size_t i = 0; stored_id && *stored_id && i < n; i++)
		if (strcmp(hooks[i].id, stored_id) == 0)
			return (long)i;
	for (size_t i = 0; i < n; i++)
		if (strcmp(hooks[i].url, url) == 0)
			return (long)i;
	return -1;
}

static int has_event(const struct orn_webhook *w, const char *event)
{
	for (size_t j = 0; j < w->n_event_types; j++)
		if (strcmp(w->event_types[j], event) == 0)
			return 1;
	return 0;
}

const char *connection_state(const struct orn_webhook *hook, const char *url, char *missing, size_t size)
{
	missing[0] = '\0';
	if (!hook)
		return "missing";
	for (size_t i = 0; i < ORN_WEBHOOK_EVENT_COUNT; i++) {
		if (has_event(hook, orn_webhook_events[i]))
			continue;
		size_t used = strlen(missing);
		snprintf(missing + used, size - used, "%s%s", used ? ", " : "", orn_webhook_events[i]);
	}
	if (!hook->is_enabled)
		return "disabled";
	if (missing[0])
		return "events";
	if (strcmp(hook->url, url) != 0)
		return "url";
	return "ok";
}

/* 404 or 405 on a PATCH: this account cannot update in place. */
static int patch_unsupported(const struct orn_error *err)
{
	return err->http_status == 404 || err->http_status == 405;
}

/* Creates ours. 0 or -1. */
static int create(struct orn_client *c, const char *url, struct orn_webhook *out, struct orn_error *err)
{
	return orn_create_webhook(c, url, WEBHOOK_DESCRIPTION, out, err);
}

/* Makes hook right (enabled, events, url): PATCH, or delete and create again. *fresh gets the
 * webhook as it is now when it was made anew (else it is left empty). 0 or -1. */
static int repair(struct orn_client *c, const struct orn_webhook *hook, const char *url, struct orn_webhook *fresh,
		  struct orn_error *err)
{
	struct orn_webhook_change ch = { .url = url, .set_events = 1, .enable = 1 };
	memset(fresh, 0, sizeof(*fresh));
	if (orn_update_webhook(c, hook->id, &ch, fresh, err) == 0)
		return 0;
	if (!patch_unsupported(err))
		return -1;
	log_info("officernd", "webhook update not supported, made anew id=%s http=%d", hook->id, err->http_status);
	if (orn_delete_webhook(c, hook->id, err))
		return -1;
	return create(c, url, fresh, err);
}

/* Deletes every webhook posting to url except keep (they would deliver each event twice). */
static int drop_duplicates(struct orn_client *c, const struct orn_webhook *hooks, size_t n, const char *keep,
			   const char *url, struct orn_error *err)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(hooks[i].url, url) == 0 && strcmp(hooks[i].id, keep) != 0 && orn_delete_webhook(c, hooks[i].id, err))
			return -1;
	return 0;
}

/* The secret to store: the freshest OfficeRnD showed, or NULL (keep the stored one). */
static const char *secret_of(const struct orn_webhook *fresh, const struct orn_webhook *listed)
{
	if (fresh && fresh->secret && *fresh->secret)
		return fresh->secret;
	return listed && listed->secret && *listed->secret ? listed->secret : NULL;
}

int connection_ensure(struct db *db, int64_t operator_id, struct orn_client *c, const char *url,
		      enum connection_done *done, struct orn_error *err)
{
	struct orn_webhook *hooks = NULL, fresh = { 0 };
	size_t n = 0;
	char stored[OFFICERND_WEBHOOK_ID_MAX], missing[160];
	if (officernd_webhook_id_get(db, operator_id, stored)) {
		fail_here(err, "The OfficeRnD settings could not be read. Please try again.");
		return -1;
	}
	if (orn_list_webhooks(c, &hooks, &n, err)) {
		orn_webhook_explain(err);
		return -1;
	}
	long at = connection_find(hooks, n, stored, url);
	const struct orn_webhook *ours = at >= 0 ? &hooks[at] : NULL;
	int rc = 0;
	if (!ours) {
		rc = create(c, url, &fresh, err);
		*done = CONNECTION_CREATED;
	} else if (strcmp(connection_state(ours, url, missing, sizeof(missing)), "ok") != 0) {
		rc = repair(c, ours, url, &fresh, err);
		*done = strcmp(ours->id, stored) != 0 ? CONNECTION_ADOPTED : CONNECTION_REPAIRED;
	} else {
		*done = strcmp(ours->id, stored) != 0 ? CONNECTION_ADOPTED : CONNECTION_UNCHANGED;
	}
	const char *id = fresh.id ? fresh.id : ours ? ours->id : "";
	if (rc == 0)
		rc = drop_duplicates(c, hooks, n, id, url, err);
	if (rc == 0 && officernd_webhook_id_set(db, operator_id, id, secret_of(&fresh, ours), time_now())) {
		fail_here(err, "The webhook was set up in OfficeRnD but pilotomail could not store it: press the "
			  "button again.");
		rc = -1;
	}
	if (rc)
		orn_webhook_explain(err);
	else
		log_info("officernd", "webhook ensured operator=%lld id=%s done=%d", (long long)operator_id, id, (int)*done);
	orn_webhook_clear(&fresh);
	orn_webhooks_free(hooks, n);
	return rc;
}

int connection_remove(struct db *db, int64_t operator_id, struct orn_client *c, const char *url, struct orn_error *err)
{
	struct orn_webhook *hooks = NULL;
	size_t n = 0;
	char stored[OFFICERND_WEBHOOK_ID_MAX];
	if (officernd_webhook_id_get(db, operator_id, stored))
		stored[0] = '\0';
	int rc = orn_list_webhooks(c, &hooks, &n, err);
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (strcmp(hooks[i].id, stored) == 0 || strcmp(hooks[i].url, url) == 0)
			rc = orn_delete_webhook(c, hooks[i].id, err);
	/* The list may not be readable (no read scope) while deleting by id still works. */
	if (rc && *stored && err->status == ORN_ERR_FORBIDDEN)
		rc = orn_delete_webhook(c, stored, err);
	orn_webhooks_free(hooks, n);
	if (rc) {
		orn_webhook_explain(err);
		return -1;
	}
	if (*stored)
		officernd_webhook_id_set(db, operator_id, "", NULL, time_now());
	return 0;
}
