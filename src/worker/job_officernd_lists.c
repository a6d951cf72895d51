/*
 * job_officernd_lists.c: loads each operator's OfficeRnD plans and locations into the store
 * (store/officernd_lists.h), so the settings card shows them without ever waiting on OfficeRnD.
 *
 * A refresh per operator whose OfficeRnD card is configured: as soon as the worker sees the card
 * configured, when the operator presses "Refresh lists" or saves new credentials, and every
 * PILOTOMAIL_OFFICERND_LISTS_INTERVAL_S after the last refresh or attempt. Each is claimed under
 * a lease so two workers never run one operator's refresh at once, and its requests are bounded
 * by the lease (a client deadline), so a slow OfficeRnD cannot outlive the claim. A failure
 * keeps the lists already loaded and records the reason in the operator's words, as Test
 * connection words it; the next automatic try comes an interval later (no tight loop on a
 * failing account). A run refreshes at most LISTS_PER_RUN operators, so other jobs get their turn.
 */
#include "officernd/officernd.h"
#include "store/officernd_lists.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/util.h"
#include "worker/jobs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LISTS_LOOK_S 2    /* how often the worker looks for due refreshes */
#define LISTS_LEASE_S 120 /* a refresh's claim; its requests must end 10 s before */
#define LISTS_PER_RUN 4

static void plans_copy(const struct orn_plan *src, size_t n, struct officernd_cached_plan *dst)
{
	for (size_t i = 0; i < n; i++) {
		memset(&dst[i], 0, sizeof(dst[i]));
		str_copy(dst[i].id, sizeof(dst[i].id), src[i].id);
		str_copy(dst[i].name, sizeof(dst[i].name), src[i].name);
		str_copy(dst[i].code, sizeof(dst[i].code), src[i].code);
		str_copy(dst[i].type, sizeof(dst[i].type), src[i].type);
		str_copy(dst[i].interval_length, sizeof(dst[i].interval_length), src[i].interval_length);
	}
}

static void locations_copy(const struct orn_location *src, size_t n, struct officernd_cached_location *dst)
{
	for (size_t i = 0; i < n; i++) {
		memset(&dst[i], 0, sizeof(dst[i]));
		str_copy(dst[i].id, sizeof(dst[i].id), src[i].id);
		str_copy(dst[i].name, sizeof(dst[i].name), src[i].name);
	}
}

/* Stores what OfficeRnD listed. 0, 1 (claim lost), -1. */
static int lists_save(struct worker *w, int64_t op, const struct orn_plan *plans, size_t np,
		      const struct orn_location *locations, size_t nl, int64_t requested)
{
	struct officernd_cached_plan *p = xcalloc(np ? np : 1, sizeof(*p));
	struct officernd_cached_location *l = xcalloc(nl ? nl : 1, sizeof(*l));
	plans_copy(plans, np, p);
	locations_copy(locations, nl, l);
	int rc = officernd_lists_store(w->db, op, w->id, p, np, l, nl, time_now(), requested);
	free(p);
	free(l);
	return rc;
}

/* One claimed refresh, run to its end and recorded. */
static void refresh_run(struct worker *w, int64_t op, int64_t requested)
{
	struct orn_error err;
	struct orn_plan *plans = NULL;
	struct orn_location *locations = NULL;
	size_t np = 0, nl = 0;
	struct orn_client *client = orn_client_open(w->db, op, &err);
	int rc = -1;
	if (client) {
		orn_client_set_deadline(client, time_mono_ms() + (LISTS_LEASE_S - 10) * 1000);
		rc = orn_list_catalog(client, &plans, &np, &locations, &nl, &err);
	}
	orn_client_free(client);
	int stored;
	if (rc == 0) {
		stored = lists_save(w, op, plans, np, locations, nl, requested);
		log_info("officernd-lists", "refreshed operator=%lld plans=%zu locations=%zu stored=%d", (long long)op, np,
			 nl, stored);
	} else {
		stored = officernd_lists_failed(w->db, op, w->id, err.message, time_now(), requested);
		log_warn("officernd-lists", "refresh failed operator=%lld kind=%s http=%d stored=%d", (long long)op,
			 orn_status_name(err.status), err.http_status, stored);
	}
	orn_plans_free(plans, np);
	orn_locations_free(locations, nl);
}

int job_officernd_lists_run(struct worker *w)
{
	static int64_t last_look;
	int64_t now = time_now();
	if (last_look && now >= last_look && now - last_look < LISTS_LOOK_S)
		return 0;
	last_look = now;
	int64_t interval = w->cfg->officernd_lists_interval_s;
	int64_t *ids;
	size_t n;
	if (officernd_lists_due(w->db, now, interval, &ids, &n) < 0)
		return -1;
	int handled = 0;
	for (size_t i = 0; i < n && handled < LISTS_PER_RUN && !*w->stopping; i++) {
		int64_t requested;
		if (officernd_lists_claim(w->db, ids[i], w->id, time_now(), interval, LISTS_LEASE_S, &requested) != 1)
			continue;
		char rid[48];
		snprintf(rid, sizeof(rid), "officernd-lists-%lld", (long long)ids[i]);
		log_set_request_id(rid);
		refresh_run(w, ids[i], requested);
		log_set_request_id(NULL);
		handled++;
	}
	free(ids);
	/* More were due than one run takes: look again at once, not after LISTS_LOOK_S. */
	if (handled == LISTS_PER_RUN)
		last_look = 0;
	return handled;
}
