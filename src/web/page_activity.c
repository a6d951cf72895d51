/*
 * page_activity.c: every OfficeRnD webhook received and what became of it (applied, skipped,
 * ignored, failed, pending), filterable by state and membership id; a failed event can be
 * put back for the worker. A card tells when pilotomail last checked OfficeRnD for changes
 * whose webhook never came (worker/job_reconcile.c) and lets the operator ask for a check now;
 * the events such a check found are labelled on their rows. When a check would have cancelled
 * too many mailboxes at once (domain/reconcile.h, RECONCILE_CONFIRM_*), a notice lists them and
 * asks the operator to cancel them or keep them; nothing is cancelled before the answer.
 */
#include "store/reconcile.h"
#include "store/webhook_events.h"
#include "util/timeutil.h"
#include "web/names.h"
#include "web/format.h"
#include "web/pages.h"
#include "web/paging.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ACTIVITY_PAGE_SIZE 100
#define ACTIVITY_Q_MAX 128

/* Labels of the states, in webhook_event_states order. */
static const char *const state_labels[5] = { "Pending", "Applied", "Skipped", "Ignored", "Failed" };
static const char *const state_classes[5] = { "warn", "ok", "", "", "err" };

/* The index of state in webhook_event_states, or -1. */
static int state_index(const char *state)
{
	for (int i = 0; i < 5; i++)
		if (strcmp(state, webhook_event_states[i]) == 0)
			return i;
	return -1;
}


/* /activity with the given filter (and paging) in its query string (free()). */
static char *activity_href(const char *state, const char *q, int64_t before)
{
	struct strbuf sb = { 0 };
	char sep = '?';
	strbuf_adds(&sb, "/activity");
	if (state && *state) {
		strbuf_addf(&sb, "%cstate=%s", sep, state);
		sep = '&';
	}
	if (q && *q) {
		char *enc = url_encode(q);
		strbuf_addf(&sb, "%cq=%s", sep, enc);
		free(enc);
		sep = '&';
	}
	if (before > 0)
		strbuf_addf(&sb, "%cbefore=%lld", sep, (long long)before);
	return strbuf_detach(&sb, NULL);
}

/* The filter tabs: All and one per state, with their counts. */
static int activity_set_tabs(struct web_ctx *ctx, const char *state, const char *q)
{
	int64_t counts[5], all = 0;
	char key[64], *href;
	if (webhook_event_counts(ctx->db, ctx->operator_id, counts) < 0)
		return -1;
	for (int i = 0; i <= 5; i++) {
		const char *s = i == 0 ? "" : webhook_event_states[i - 1];
		int64_t count = i == 0 ? 0 : counts[i - 1];
		all += count;
		snprintf(key, sizeof(key), "Activity.tabs.%d.label", i);
		web_set(ctx, key, i == 0 ? "All" : state_labels[i - 1]);
		snprintf(key, sizeof(key), "Activity.tabs.%d.state", i);
		web_set(ctx, key, s);
		snprintf(key, sizeof(key), "Activity.tabs.%d.count", i);
		web_set_int(ctx, key, count);
		href = activity_href(s, q, 0);
		snprintf(key, sizeof(key), "Activity.tabs.%d.href", i);
		web_set(ctx, key, href);
		free(href);
		if (strcmp(s, state) == 0) {
			snprintf(key, sizeof(key), "Activity.tabs.%d.active", i);
			web_set(ctx, key, "1");
		}
	}
	web_set_int(ctx, "Activity.tabs.0.count", all);
	web_set_int(ctx, "Activity.total", all);
	return 0;
}

/* What the outcome column says. */
static const char *outcome_text(const struct webhook_event_view *v)
{
	if (strcmp(v->state, "pending") == 0 && !v->outcome[0])
		return "Waiting for the worker.";
	return v->outcome;
}

static void activity_set_row(struct web_ctx *ctx, size_t i, const struct webhook_event_view *v, int found)
{
	char key[64], when[40];
	int si = state_index(v->state);
#define ROW_SET(field, value)                                              \
	do {                                                               \
		snprintf(key, sizeof(key), "Activity.items.%zu." field, i); \
		web_set(ctx, key, value);                                  \
	} while (0)
	snprintf(key, sizeof(key), "Activity.items.%zu.id", i);
	web_set_int(ctx, key, v->id);
	web_format_time(ctx, v->received_at, when, sizeof(when));
	ROW_SET("received", when);
	web_format_time(ctx, v->processed_at, when, sizeof(when));
	ROW_SET("processed", when);
	ROW_SET("type", v->event_type[0] ? v->event_type : "(none)");
	ROW_SET("membership", v->membership_id);
	ROW_SET("state", v->state);
	ROW_SET("state_label", si >= 0 ? state_labels[si] : v->state);
	ROW_SET("state_class", si >= 0 ? state_classes[si] : "");
	snprintf(key, sizeof(key), "Activity.items.%zu.outcome", i);
	web_set_named_text(ctx, key, outcome_text(v));
	if (v->membership_id[0]) {
		char *href = activity_href("", v->membership_id, 0);
		ROW_SET("membership_href", href);
		free(href);
	}
	if (v->attempts > 0) {
		snprintf(key, sizeof(key), "Activity.items.%zu.attempts", i);
		web_set_int(ctx, key, v->attempts);
	}
	if (strcmp(v->state, "failed") == 0)
		ROW_SET("retry", "1");
	if (found)
		ROW_SET("reconciled", "1");
#undef ROW_SET
}

/* The rows of the page, and the link to older ones when there are more. 0 or -1. */
static int activity_set_rows(struct web_ctx *ctx, const struct webhook_event_filter *f)
{
	struct webhook_event_view *items = NULL;
	size_t n = 0;
	struct webhook_event_filter one_more = *f;
	one_more.limit = f->limit + 1;
	if (webhook_event_list(ctx->db, ctx->operator_id, &one_more, &items, &n) < 0)
		return -1;
	size_t shown = n > f->limit ? f->limit : n;
	int64_t *found = NULL;
	size_t n_found = 0, k;
	if (shown && reconcile_event_ids(ctx->db, ctx->operator_id, items[shown - 1].id, items[0].id, &found,
					 &n_found) < 0) {
		free(items);
		return -1;
	}
	/* The rows go into the page newest first (the template lists them in the order they were
	 * set), so the found ids, ascending, are walked from their end. */
	k = n_found;
	for (size_t i = 0; i < shown; i++) {
		while (k > 0 && found[k - 1] > items[i].id)
			k--;
		activity_set_row(ctx, i, &items[i], k > 0 && found[k - 1] == items[i].id);
	}
	free(found);
	if (shown)
		web_set(ctx, "Activity.any", "1");
	if (n > f->limit) {
		char *href = activity_href(f->state, f->q, items[shown - 1].id);
		web_set(ctx, "Activity.older", href);
		free(href);
	}
	free(items);
	return 0;
}

/* "every hour", "every 2 hours", "every 15 minutes", ... for an interval in seconds. */
static void interval_words(int64_t s, char *buf, size_t size)
{
	static const struct {
		int64_t seconds;
		const char *one, *many;
	} units[] = { { 86400, "day", "days" }, { 3600, "hour", "hours" }, { 60, "minute", "minutes" },
		      { 1, "second", "seconds" } };
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		if (s % units[i].seconds != 0 && units[i].seconds > 1)
			continue;
		int64_t count = s / units[i].seconds;
		if (count == 1)
			snprintf(buf, size, "every %s", units[i].one);
		else
			snprintf(buf, size, "every %lld %s", (long long)count, units[i].many);
		return;
	}
}

/* The "Missed a webhook?" card: the last check, a queued or running one, the last failure. 0 or -1. */
static int activity_set_reconcile(struct web_ctx *ctx)
{
	struct reconcile_status rs;
	char words[48], when[40];
	if (reconcile_status_get(ctx->db, ctx->operator_id, &rs) < 0)
		return -1;
	int64_t interval = ctx->cfg->reconcile_interval_s, now = time_now();
	interval_words(interval, words, sizeof(words));
	web_set(ctx, "Reconcile.every", words);
	if (!rs.configured)
		return 0;
	web_set(ctx, "Reconcile.configured", "1");
	page_officernd_health_set(ctx, "Health"); /* the connection, in plain words */
	web_format_time(ctx, rs.reconciled_at, when, sizeof(when));
	web_set(ctx, "Reconcile.last", rs.reconciled_at ? when : "never");
	int64_t last = rs.reconciled_at > rs.attempted_at ? rs.reconciled_at : rs.attempted_at;
	if (last > 0 && !rs.requested) {
		web_format_time(ctx, last + interval, when, sizeof(when));
		web_set(ctx, "Reconcile.next", when);
	}
	if (rs.claimed_until > now)
		web_set(ctx, "Reconcile.running", "1");
	else if (rs.requested)
		web_set(ctx, "Reconcile.queued", "1");
	if (rs.error[0])
		web_set(ctx, "Reconcile.error", rs.error);
	return 0;
}

/* The held cancellations, for the notice: Held.items.N.*, Held.count. 0 or -1. */
static int activity_set_held(struct web_ctx *ctx)
{
	struct reconcile_held_view *items = NULL;
	size_t n = 0;
	char key[64];
	if (reconcile_held_list(ctx->db, ctx->operator_id, &items, &n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
#define HELD_SET(field, value)                                          \
	do {                                                            \
		snprintf(key, sizeof(key), "Held.items.%zu." field, i); \
		web_set(ctx, key, value);                               \
	} while (0)
		snprintf(key, sizeof(key), "Held.items.%zu.id", i);
		web_set_int(ctx, key, items[i].id);
		snprintf(key, sizeof(key), "Held.items.%zu.mailbox_id", i);
		web_set_int(ctx, key, items[i].mailbox_id);
		HELD_SET("pmb", items[i].pmb);
		HELD_SET("renter_name", items[i].renter_name);
		HELD_SET("membership", items[i].membership_id);
		snprintf(key, sizeof(key), "Held.items.%zu.reason", i);
		web_set_named_text(ctx, key, items[i].reason);
#undef HELD_SET
	}
	web_set_int(ctx, "Held.count", (int64_t)n);
	free(items);
	return 0;
}

void page_activity(struct web_ctx *ctx)
{
	const char *state = kvlist_get(&ctx->req->query, "state");
	const char *q_raw = kvlist_get(&ctx->req->query, "q");
	char q[ACTIVITY_Q_MAX + 1];
	int64_t before = 0;
	if (!state || state_index(state) < 0)
		state = ""; /* an unknown filter shows everything rather than nothing */
	str_copy(q, sizeof(q), q_raw ? q_raw : "");
	str_trim(q);
	if (paging_before_id(ctx, &before) < 0)
		return;
	struct webhook_event_filter f = { state, q, before, ACTIVITY_PAGE_SIZE };
	if (activity_set_tabs(ctx, state, q) < 0 || activity_set_rows(ctx, &f) < 0 ||
	    activity_set_reconcile(ctx) < 0 || activity_set_held(ctx) < 0) {
		web_error(ctx, 500, "The activity could not be loaded. Please try again.");
		return;
	}
	web_set(ctx, "Activity.filter.state", state);
	web_set(ctx, "Activity.filter.q", q);
	if (*state || *q)
		web_set(ctx, "Activity.filtered", "1");
	if (before) {
		char *newest = activity_href(state, q, 0);
		web_set(ctx, "Activity.paged", "1");
		web_set(ctx, "Activity.newest", newest);
		free(newest);
	}
	web_set(ctx, "Nav.section", "activity");
	web_render(ctx, "activity.cs", "Activity");
}

void page_activity_retry(struct web_ctx *ctx)
{
	int64_t id = web_arg_id(ctx, 0);
	int rc = id ? webhook_event_retry(ctx->db, ctx->operator_id, id) : -1;
	char msg[160];
	if (rc < 0) {
		web_not_found(ctx);
		return;
	}
	if (rc > 0) {
		snprintf(msg, sizeof(msg), "Event %lld has not failed, so there is nothing to retry.", (long long)id);
		web_redirect(ctx, "/activity", "error", msg);
		return;
	}
	snprintf(msg, sizeof(msg), "Event %lld will be applied again in a moment.", (long long)id);
	web_redirect(ctx, "/activity", "ok", msg);
}

void page_activity_reconcile(struct web_ctx *ctx)
{
	int rc = reconcile_request(ctx->db, ctx->operator_id);
	if (rc < 0) {
		web_error(ctx, 500, "The check could not be asked for. Please try again.");
		return;
	}
	if (rc > 0) {
		web_redirect(ctx, "/activity", "error",
			     "OfficeRnD is not connected: enter the organization, Client ID and Client Secret under "
			     "Settings \xe2\x86\x92 Integrations \xe2\x86\x92 OfficeRnD first.");
		return;
	}
	web_redirect(ctx, "/activity", "ok", "pilotomail will check OfficeRnD for missed membership changes within a minute.");
}

/* The held_id fields of the form: the rows the operator saw. *n may be 0; free() the array.
 * -1 when one is not a number. */
static int held_ids(struct web_ctx *ctx, int64_t **ids, size_t *n)
{
	const struct kvlist *form = &ctx->req->form;
	*n = kvlist_count(form, "held_id");
	*ids = xcalloc(*n ? *n : 1, sizeof(**ids));
	for (size_t i = 0; i < *n; i++)
		if (parse_int64(kvlist_get_nth(form, "held_id", i), 1, INT64_MAX, &(*ids)[i]) < 0)
			return -1;
	return 0;
}

/* "Cancel these N mailboxes" (confirm) or "Keep them" on the held cancellations: only the rows
 * the page showed (held_id), so a check that ran meanwhile adds nothing unseen. */
static void held_answer(struct web_ctx *ctx, int confirm)
{
	int64_t *ids;
	size_t n;
	char msg[200];
	if (held_ids(ctx, &ids, &n) < 0 || n == 0) {
		free(ids);
		web_redirect(ctx, "/activity", "error", "Choose the mailboxes from the list on this page: nothing was changed.");
		return;
	}
	int done = reconcile_held_answer(ctx->db, ctx->operator_id, ids, n, confirm, time_now());
	free(ids);
	if (done < 0) {
		web_error(ctx, 500, "Your answer could not be recorded. Nothing was changed; please try again.");
		return;
	}
	if (confirm)
		snprintf(msg, sizeof(msg), "%d %s will be cancelled in a moment; their events are listed below.", done,
			 done == 1 ? "mailbox" : "mailboxes");
	else
		snprintf(msg, sizeof(msg), "Kept: nothing was cancelled. A later \"Check now\" asks again if "
			 "OfficeRnD still lacks these memberships.");
	web_redirect(ctx, "/activity", "ok", msg);
}

void page_activity_held_confirm(struct web_ctx *ctx)
{
	held_answer(ctx, 1);
}

void page_activity_held_keep(struct web_ctx *ctx)
{
	held_answer(ctx, 0);
}
