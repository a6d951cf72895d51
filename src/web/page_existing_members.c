/*
 * page_existing_members.c: Settings -> Integrations -> OfficeRnD -> Existing members (issue 10).
 *
 * The OfficeRnD memberships on linked plans that had no mailbox, as the worker last loaded them
 * (worker/job_member_import.c): counts per plan and location, and one group at a time (match, new,
 * skip), 100 rows a page by key. "Load existing members" and "Import" only ask the worker: no
 * request here ever waits on OfficeRnD, and the page shows how far the worker got.
 */
#include "store/member_import.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "web/pages.h"
#include "web/paging.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PAGE_PATH "/settings/integrations/officernd/members"
#define PAGE_SIZE 100
#define TICKS_MAX 1000 /* a page shows 100 rows: more ticks are not a form of ours */

static const char *const groups[3] = { "match", "new", "skip" };
static const char *const group_labels[3] = { "Match", "New", "Skip" };

/* "2026-12-01 23:40 UTC", or "" for 0. */
static void when_format(int64_t t, char *buf, size_t size)
{
	struct tm tm;
	buf[0] = '\0';
	if (t > 0 && time_utc(t, &tm) == 0 && !strftime(buf, size, "%Y-%m-%d %H:%M UTC", &tm))
		buf[0] = '\0';
}

static int group_index(const char *g)
{
	for (int i = 0; i < 3; i++)
		if (g && strcmp(g, groups[i]) == 0)
			return i;
	return -1;
}

/* What the worker is doing, in the operator's words. */
static const char *phase_words(const char *phase)
{
	if (str_eq(phase, MEMBER_IMPORT_PHASE_MEMBERS))
		return "reading the members' names and emails";
	if (str_eq(phase, MEMBER_IMPORT_PHASE_COMPANIES))
		return "reading the companies' names";
	if (str_eq(phase, MEMBER_IMPORT_PHASE_GROUP))
		return "sorting the memberships into groups";
	return "reading the memberships";
}

static void set_status(struct web_ctx *ctx, const struct member_import_status *s)
{
	char when[40];
	web_set(ctx, "Import.state", s->load_state);
	web_set(ctx, "Import.loading", str_eq(s->load_state, "queued") || str_eq(s->load_state, "loading") ? "1" : "");
	web_set(ctx, "Import.loaded", str_eq(s->load_state, "loaded") ? "1" : "");
	web_set(ctx, "Import.phase", phase_words(s->phase));
	web_set_int(ctx, "Import.listed", s->listed);
	web_set_int(ctx, "Import.members_read", s->members_read);
	web_set(ctx, "Import.error", s->error);
	when_format(s->loaded_at, when, sizeof(when));
	web_set(ctx, "Import.loaded_at", when);
	web_set_int(ctx, "Import.rows", s->rows);
	web_set_int(ctx, "Import.queued", s->queued);
	web_set_int(ctx, "Import.imported", s->imported);
	web_set_int(ctx, "Import.not_imported", s->not_imported);
	web_set_int(ctx, "Import.asked", s->queued + s->imported + s->not_imported);
	web_set(ctx, "Import.importing", s->queued > 0 ? "1" : "");
}

static void set_counts(struct web_ctx *ctx, const char *prefix, const struct member_import_count *c, size_t n)
{
	char key[64];
	for (size_t i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "%s.%zu.name", prefix, i);
		web_set(ctx, key, *c[i].name ? c[i].name : *c[i].id ? c[i].id : "(none)");
		snprintf(key, sizeof(key), "%s.%zu.match", prefix, i);
		web_set_int(ctx, key, c[i].n_match);
		snprintf(key, sizeof(key), "%s.%zu.new", prefix, i);
		web_set_int(ctx, key, c[i].n_new);
		snprintf(key, sizeof(key), "%s.%zu.skip", prefix, i);
		web_set_int(ctx, key, c[i].n_skip);
		snprintf(key, sizeof(key), "%s.%zu.imported", prefix, i);
		web_set_int(ctx, key, c[i].imported);
	}
}

static int load_counts(struct web_ctx *ctx)
{
	struct member_import_count *plans = NULL, *locations = NULL;
	size_t np = 0, nl = 0;
	int rc = member_import_counts_by_plan(ctx->db, ctx->operator_id, &plans, &np) < 0 ||
			 member_import_counts_by_location(ctx->db, ctx->operator_id, &locations, &nl) < 0
		 ? -1 : 0;
	if (rc == 0) {
		set_counts(ctx, "ByPlan", plans, np);
		set_counts(ctx, "ByLocation", locations, nl);
	}
	free(plans);
	free(locations);
	return rc;
}

static void set_tabs(struct web_ctx *ctx, const struct member_import_status *s, int active)
{
	const int64_t counts[3] = { s->n_match, s->n_new, s->n_skip };
	char key[64];
	for (int i = 0; i < 3; i++) {
		snprintf(key, sizeof(key), "Tabs.%d.label", i);
		web_set(ctx, key, group_labels[i]);
		snprintf(key, sizeof(key), "Tabs.%d.count", i);
		web_set_int(ctx, key, counts[i]);
		snprintf(key, sizeof(key), "Tabs.%d.href", i);
		web_setf(ctx, key, PAGE_PATH "?group=%s", groups[i]);
		if (i == active) {
			snprintf(key, sizeof(key), "Tabs.%d.active", i);
			web_set(ctx, key, "1");
		}
	}
	const int64_t open[3] = { s->open_match, s->open_new, 0 };
	web_set_int(ctx, "Group.open", open[active]);
	web_set(ctx, "Group.name", groups[active]);
	web_set(ctx, "Group.label", group_labels[active]);
	web_set_int(ctx, "Group.count", counts[active]);
}

/* What the state column says of a row. */
static const char *row_state_label(const struct member_import_row *r)
{
	if (str_eq(r->import_state, "queued"))
		return "Queued";
	if (str_eq(r->import_state, "imported"))
		return "Imported";
	if (str_eq(r->import_state, "not_imported"))
		return "Not imported";
	return "";
}

static void set_row(struct web_ctx *ctx, size_t i, const struct member_import_row *r)
{
	char key[64];
#define ROW_SET(field, value)                                        \
	do {                                                         \
		snprintf(key, sizeof(key), "Rows.%zu." field, i);    \
		web_set(ctx, key, value);                            \
	} while (0)
	snprintf(key, sizeof(key), "Rows.%zu.id", i);
	web_set_int(ctx, key, r->id);
	ROW_SET("membership", r->membership_id);
	ROW_SET("name", *r->name ? r->name : "(unknown member)");
	ROW_SET("email", r->email);
	ROW_SET("company", r->company_name);
	ROW_SET("plan", *r->plan_name ? r->plan_name : r->plan_id);
	ROW_SET("location", *r->location_name ? r->location_name : r->location_id);
	char day[11];
	str_copy(day, sizeof(day), r->start_date);
	ROW_SET("start", day);
	ROW_SET("reason", r->reason);
	ROW_SET("state", r->import_state);
	ROW_SET("state_label", row_state_label(r));
	ROW_SET("outcome", r->outcome);
	ROW_SET("tickable", (str_eq(r->grp, "match") || str_eq(r->grp, "new")) &&
				    (str_eq(r->import_state, "") || str_eq(r->import_state, "not_imported"))
			    ? "1" : "");
	if (r->mailbox_id) {
		snprintf(key, sizeof(key), "Rows.%zu.mailbox_id", i);
		web_set_int(ctx, key, r->mailbox_id);
	}
#undef ROW_SET
}

/* The group's rows after `after`, and the link to the next ones. 0 or -1. */
static int load_rows(struct web_ctx *ctx, const char *grp, int64_t after)
{
	struct member_import_row *rows = NULL;
	size_t n = 0;
	if (member_import_list(ctx->db, ctx->operator_id, grp, after, PAGE_SIZE + 1, &rows, &n) < 0)
		return -1;
	size_t shown = n > PAGE_SIZE ? PAGE_SIZE : n;
	for (size_t i = 0; i < shown; i++)
		set_row(ctx, i, &rows[i]);
	web_set(ctx, "RowsAny", shown ? "1" : "");
	if (n > PAGE_SIZE) {
		char after_s[24];
		snprintf(after_s, sizeof(after_s), "%lld", (long long)rows[shown - 1].id);
		char *href = paging_href(PAGE_PATH, "group", grp, "after", after_s, NULL);
		web_set(ctx, "RowsNext", href);
		free(href);
	}
	if (after) {
		char *href = paging_href(PAGE_PATH, "group", grp, NULL);
		web_set(ctx, "RowsFirst", href);
		free(href);
	}
	free(rows);
	return 0;
}

/* The query's "after" (a row id): 0 absent, 1 read, -1 malformed (a 400 was sent). */
static int query_after(struct web_ctx *ctx, int64_t *after)
{
	const char *raw = kvlist_get(&ctx->req->query, "after");
	*after = 0;
	if (!raw)
		return 0;
	if (parse_int64(raw, 1, INT64_MAX, after) == 0)
		return 1;
	web_error(ctx, 400, "This page link is not valid: its \xe2\x80\x9c" "after\xe2\x80\x9d value is not a row of the "
			    "list. Open the list again from its first page.");
	return -1;
}

/* The tab shown: the one asked for, else the first group with rows (match, then new). */
static int active_group(struct web_ctx *ctx, const struct member_import_status *s)
{
	int g = group_index(kvlist_get(&ctx->req->query, "group"));
	if (g >= 0)
		return g;
	return s->n_match ? 0 : s->n_new ? 1 : s->n_skip ? 2 : 1;
}

void page_existing_members(struct web_ctx *ctx)
{
	struct member_import_status s;
	int64_t after;
	if (query_after(ctx, &after) < 0)
		return;
	if (member_import_status_get(ctx->db, ctx->operator_id, &s) < 0) {
		web_error(ctx, 500, "The existing members could not be read. Please try again.");
		return;
	}
	set_status(ctx, &s);
	int g = active_group(ctx, &s);
	set_tabs(ctx, &s, g);
	if (str_eq(s.load_state, "loaded") && (load_counts(ctx) < 0 || load_rows(ctx, groups[g], after) < 0)) {
		web_error(ctx, 500, "The existing members could not be read. Please try again.");
		return;
	}
	web_set(ctx, "Nav.section", "settings");
	web_render(ctx, "existing_members.cs", "Existing members");
}

void page_existing_members_load(struct web_ctx *ctx)
{
	switch (member_import_request(ctx->db, ctx->operator_id, time_now())) {
	case MEMBER_IMPORT_ASKED:
		log_info("member-import", "load asked operator=%lld", (long long)ctx->operator_id);
		web_redirect(ctx, PAGE_PATH, "ok", "Loading\xe2\x80\xa6 pilotomail's worker is reading your memberships from "
			     "OfficeRnD, 50 at a time. This page shows how far it got: reload it in a few seconds.");
		return;
	case MEMBER_IMPORT_NOT_CONFIGURED:
		web_redirect(ctx, PAGE_PATH, "error", "Connect OfficeRnD first: fill in the organization, Client ID and Client "
			     "Secret on the OfficeRnD card and save.");
		return;
	case MEMBER_IMPORT_NO_PLANS:
		web_redirect(ctx, PAGE_PATH, "error", "Link at least one OfficeRnD plan to a mailbox offering on the OfficeRnD "
			     "card first: only memberships on linked plans get mailboxes.");
		return;
	case MEMBER_IMPORT_IMPORTING:
		web_redirect(ctx, PAGE_PATH, "error", "An import is under way: load again once it has finished, so that no "
			     "ticked member is lost. Nothing was changed.");
		return;
	case MEMBER_IMPORT_FAILED:
		break;
	}
	web_error(ctx, 500, "The load could not be asked for. Nothing was changed; please try again.");
}

/* The ticked rows (field "row"): *ids (free()); -1 when one is not a row id (nothing kept). */
static int ticked_rows(struct web_ctx *ctx, int64_t **ids, size_t *n)
{
	const struct kvlist *form = &ctx->req->form;
	*n = kvlist_count(form, "row");
	*ids = xcalloc(*n ? *n : 1, sizeof(**ids));
	if (*n > TICKS_MAX)
		return -1;
	for (size_t i = 0; i < *n; i++)
		if (parse_int64(kvlist_get_nth(form, "row", i), 1, INT64_MAX, &(*ids)[i]) < 0)
			return -1;
	return 0;
}

/* The whole-group ticks (field "all": match, new). -1 for anything else, such as skip. */
static int ticked_groups(struct web_ctx *ctx, struct member_import_ticks *t)
{
	const struct kvlist *form = &ctx->req->form;
	for (size_t i = 0; i < kvlist_count(form, "all"); i++) {
		const char *g = kvlist_get_nth(form, "all", i);
		if (str_eq(g, "match"))
			t->all_match = 1;
		else if (str_eq(g, "new"))
			t->all_new = 1;
		else
			return -1;
	}
	return 0;
}

static void queue_refused(struct web_ctx *ctx, enum member_import_queue_result r, const struct member_import_row *bad)
{
	char msg[700];
	switch (r) {
	case MEMBER_IMPORT_UNKNOWN_ROW:
		snprintf(msg, sizeof(msg), "Row %lld is not one of your existing members: reload the page and tick again. "
			 "Nothing was imported.", (long long)bad->id);
		web_error(ctx, 400, msg);
		return;
	case MEMBER_IMPORT_SKIP_ROW:
		snprintf(msg, sizeof(msg), "%.100s cannot be imported: %.256s. Nothing was imported.",
			 *bad->name ? bad->name : bad->membership_id, *bad->reason ? bad->reason : "not grouped yet");
		web_error(ctx, 422, msg);
		return;
	case MEMBER_IMPORT_NOT_LOADED:
		web_redirect(ctx, PAGE_PATH, "error", "Load the existing members first (or wait for the load to finish). "
			     "Nothing was imported.");
		return;
	default:
		web_error(ctx, 500, "The import could not be queued. Nothing was imported; please try again.");
	}
}

void page_existing_members_import(struct web_ctx *ctx)
{
	struct member_import_ticks t = { 0 };
	int64_t *ids = NULL;
	size_t n = 0, queued = 0;
	const char *invite = web_form(ctx, "invite");
	if (!str_eq(invite, "now") && !str_eq(invite, "later")) {
		web_error(ctx, 400, "Choose \xe2\x80\x9cinvite now\xe2\x80\x9d or \xe2\x80\x9c" "create without inviting\xe2\x80\x9d. "
				    "Nothing was imported.");
		return;
	}
	if (ticked_rows(ctx, &ids, &n) < 0 || ticked_groups(ctx, &t) < 0) {
		free(ids);
		web_error(ctx, 400, "This form is not one of this page's: tick members of the match and new groups only, "
				    "at most 1,000 at a time. Nothing was imported.");
		return;
	}
	if (!n && !t.all_match && !t.all_new) {
		free(ids);
		web_redirect(ctx, PAGE_PATH, "error", "Tick the members to import first. Nothing was imported.");
		return;
	}
	t.row_ids = ids;
	t.n_rows = n;
	t.invite = str_eq(invite, "now");
	struct member_import_row bad;
	enum member_import_queue_result r = member_import_queue(ctx->db, ctx->operator_id, &t, &queued, &bad);
	free(ids);
	if (r != MEMBER_IMPORT_QUEUED) {
		queue_refused(ctx, r, &bad);
		return;
	}
	log_info("member-import", "import queued operator=%lld rows=%zu invite=%d", (long long)ctx->operator_id, queued,
		 t.invite);
	char msg[300];
	if (queued)
		snprintf(msg, sizeof(msg), "%zu %s queued for import%s. The worker imports them in the background: this page "
			 "shows its progress.", queued, queued == 1 ? "member" : "members",
			 t.invite ? "; each gets an invitation email" : ", without invitations");
	else
		snprintf(msg, sizeof(msg), "Nothing new to import: the ticked members are imported or queued already.");
	web_redirect(ctx, PAGE_PATH, "ok", msg);
}
