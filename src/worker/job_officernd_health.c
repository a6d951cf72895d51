/*
 * job_officernd_health.c: checks each connected operator's OfficeRnD connection and stores what
 * it found (store/officernd_connection.h), for the card, the Activity page and the red notice
 * every operator page shows when OfficeRnD disabled our webhook or dropped events from it.
 *
 * A check per operator whose card is configured: at once when asked (Save, a repair, a
 * registration), else every PILOTOMAIL_OFFICERND_HEALTH_INTERVAL_S. It lists OfficeRnD's
 * webhooks with the shared cached token (a new token only when the cached one expired, so the
 * identity server's 5-a-minute limit is never strained), finds ours (domain/officernd_connection.h)
 * and says what is wrong with it. The list proves the credentials too: a refused token is
 * "failing"; an application without the webhook read scope still has working credentials, and
 * its webhook is "unknown" with the reason. Claimed under a lease like the lists' refresh, its
 * requests bounded by the lease; OfficeRnD unreachable keeps the credentials' last verdict.
 */
#include "domain/officernd_connection.h"
#include "officernd/officernd.h"
#include "store/integrations.h"
#include "store/officernd_connection.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/util.h"
#include "worker/jobs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEALTH_LOOK_S 2    /* how often the worker looks for due checks */
#define HEALTH_LEASE_S 120 /* a check's claim; its requests must end 10 s before */
#define HEALTH_PER_RUN 4

/* 1 when err means OfficeRnD could not be asked (nothing learnt about credentials). */
static int unreachable(const struct orn_error *err)
{
	return err->status == ORN_ERR_NETWORK || err->status == ORN_ERR_TIMEOUT || err->status == ORN_ERR_SERVER ||
	       err->status == ORN_ERR_RATE_LIMITED || err->status == ORN_ERR_DEADLINE ||
	       err->status == ORN_ERR_BAD_RESPONSE;
}

/* What the list of webhooks says about ours. */
static void webhook_judge(struct worker *w, int64_t op, const struct orn_webhook *hooks, size_t n,
			  struct officernd_health *h)
{
	struct officernd_card card;
	char stored[OFFICERND_WEBHOOK_ID_MAX] = "";
	if (integrations_officernd_get(w->db, op, &card) || officernd_webhook_id_get(w->db, op, stored)) {
		str_copy(h->webhook, sizeof(h->webhook), "unknown");
		str_copy(h->webhook_error, sizeof(h->webhook_error), "pilotomail could not read its settings");
		return;
	}
	char *url = connection_webhook_url(w->cfg->base_url, card.webhook_token);
	long at = connection_find(hooks, n, stored, url);
	const struct orn_webhook *ours = at >= 0 ? &hooks[at] : NULL;
	str_copy(h->webhook, sizeof(h->webhook),
		 connection_state(ours, url, h->missing_events, sizeof(h->missing_events)));
	str_copy(h->webhook_found, sizeof(h->webhook_found), ours ? ours->id : "");
	free(url);
}

/* One claimed check: what OfficeRnD says, into h. */
static void check_run(struct worker *w, int64_t op, struct officernd_health *h)
{
	struct orn_error err;
	struct orn_webhook *hooks = NULL;
	size_t n = 0;
	struct orn_client *client = orn_client_open(w->db, op, &err);
	int rc = -1;
	if (client) {
		orn_client_set_deadline(client, time_mono_ms() + (HEALTH_LEASE_S - 10) * 1000);
		rc = orn_list_webhooks(client, &hooks, &n, &err);
	}
	orn_client_free(client);
	h->webhook_found[0] = h->missing_events[0] = h->webhook_error[0] = '\0';
	if (rc == 0) {
		str_copy(h->credentials, sizeof(h->credentials), "ok");
		h->credentials_error[0] = '\0';
		webhook_judge(w, op, hooks, n, h);
	} else {
		orn_webhook_explain(&err);
		str_copy(h->webhook, sizeof(h->webhook), "unknown");
		str_copy(h->webhook_error, sizeof(h->webhook_error), err.message);
		if (err.status == ORN_ERR_FORBIDDEN && err.missing_scope[0]) {
			str_copy(h->credentials, sizeof(h->credentials), "ok");
			h->credentials_error[0] = '\0';
		} else if (!unreachable(&err)) {
			str_copy(h->credentials, sizeof(h->credentials), "failing");
			str_copy(h->credentials_error, sizeof(h->credentials_error), err.message);
		}
	}
	orn_webhooks_free(hooks, n);
	h->last_event_at = officernd_last_webhook_at(w->db, op);
	if (h->last_event_at < 0)
		h->last_event_at = 0;
	log_info("officernd-health", "checked operator=%lld credentials=%s webhook=%s kind=%s", (long long)op,
		 h->credentials, h->webhook, rc ? orn_status_name(err.status) : "ok");
}

int job_officernd_health_run(struct worker *w)
{
	static int64_t last_look;
	int64_t now = time_now();
	if (last_look && now >= last_look && now - last_look < HEALTH_LOOK_S)
		return 0;
	last_look = now;
	int64_t interval = w->cfg->officernd_health_interval_s, *ids;
	size_t n;
	if (officernd_health_due(w->db, now, interval, &ids, &n) < 0)
		return -1;
	int handled = 0;
	for (size_t i = 0; i < n && handled < HEALTH_PER_RUN && !*w->stopping; i++) {
		int64_t requested;
		struct officernd_health h;
		if (officernd_health_claim(w->db, ids[i], w->id, time_now(), interval, HEALTH_LEASE_S, &requested) != 1 ||
		    officernd_health_get(w->db, ids[i], &h))
			continue;
		char rid[48];
		snprintf(rid, sizeof(rid), "officernd-health-%lld", (long long)ids[i]);
		log_set_request_id(rid);
		check_run(w, ids[i], &h);
		if (officernd_health_store(w->db, ids[i], w->id, &h, time_now(), requested) < 0)
			log_warn("officernd-health", "not stored operator=%lld", (long long)ids[i]);
		log_set_request_id(NULL);
		handled++;
	}
	free(ids);
	/* More were due than one run takes: look again at once. */
	if (handled == HEALTH_PER_RUN)
		last_look = 0;
	return handled;
}
