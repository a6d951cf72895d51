/*
 * page_mailbox_details.c: the parts of the mailbox page (/mailboxes/ID) beyond its status and
 * invitation: the mailbox's mail and its charges, each paged by key on its own
 * (?mail_before=DAY:ID, ?charges_before=DAY:ID), the OfficeRnD member, plan and location by
 * name (the member's name as the worker last fetched it, plan and location from the lists the
 * worker caches; the id when a name is not known), and the form that edits the renter's name,
 * the space and the offering (POST /mailboxes/ID/edit).
 *
 * Template data: Box.mail.N (as the mail list), Box.mail_older / Box.mail_newest, Box.charges.N
 * (as the charges list), Box.charges_older / Box.charges_newest, Box.officernd.{member, member_id,
 * plan, plan_id, location, location_id, admin_url}, Form.* (the edit form), Box.error.
 */
#include "store/charges.h"
#include "store/db.h"
#include "store/mail.h"
#include "store/mailboxes.h"
#include "store/officernd_lists.h"
#include "store/offerings.h"
#include "store/spaces.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "web/format.h"
#include "web/pages.h"
#include "web/paging.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BOX_PER_PAGE 25

/* A positive id from a select, or 0. */
static int64_t box_form_id(struct web_ctx *ctx, const char *name)
{
	int64_t id;
	return parse_int64(web_form(ctx, name), 1, INT64_MAX, &id) == 0 ? id : 0;
}

static const char *item_status_label(const char *status)
{
	static const char *const map[][2] = {
		{ "stored", "In storage" }, { "scanned", "Scanned, in storage" }, { "forwarded", "Forwarded" },
		{ "shredded", "Shredded" }, { "recycled", "Recycled" },           { "picked_up", "Picked up" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (str_eq(status, map[i][0]))
			return map[i][1];
	return status;
}

/* Older / newest links of one list: param is its key's query name. */
static void box_set_pages(struct web_ctx *ctx, const char *list, const char *param, const char *last_day,
			  int64_t last_id, int paged)
{
	char path[48], key[64], cursor[40];
	snprintf(path, sizeof(path), "/mailboxes/%s", ctx->args[0]);
	if (last_day) {
		snprintf(cursor, sizeof(cursor), "%s:%lld", last_day, (long long)last_id);
		char *href = paging_href(path, param, cursor, NULL);
		snprintf(key, sizeof(key), "Box.%s_older", list);
		web_set(ctx, key, href);
		free(href);
	}
	if (paged) {
		snprintf(key, sizeof(key), "Box.%s_newest", list);
		web_setf(ctx, key, "%s#%s", path, list);
	}
}

/* The mailbox's mail as Box.mail.N. 0, or -1 (answered). */
static int box_set_mail(struct web_ctx *ctx, int64_t mailbox_id)
{
	struct mail_filter f = { .mailbox_id = mailbox_id, .limit = BOX_PER_PAGE + 1 };
	int paged = paging_key_day_id(ctx, "mail_before", f.before_day, &f.before_id);
	if (paged < 0)
		return -1;
	struct mail_item *items = NULL;
	size_t n = 0;
	if (mail_item_list(ctx->db, ctx->operator_id, &f, &items, &n) < 0) {
		web_error(ctx, 500, "The mailbox could not be loaded. Please try again.");
		return -1;
	}
	int more = n > BOX_PER_PAGE;
	if (more)
		n = BOX_PER_PAGE;
	for (size_t i = 0; i < n; i++) {
		char key[64];
#define SETKEY(field) (snprintf(key, sizeof(key), "Box.mail.%zu.%s", i, field), key)
		web_set_int(ctx, SETKEY("id"), items[i].id);
		web_set(ctx, SETKEY("reference"), items[i].reference);
		web_set(ctx, SETKEY("kind"), items[i].kind);
		web_set(ctx, SETKEY("sender"), items[i].sender);
		web_set_day(ctx, SETKEY("received_on"), items[i].received_on);
		web_set(ctx, SETKEY("status"), item_status_label(items[i].status));
		web_set_int(ctx, SETKEY("open_requests"), items[i].open_requests);
		if (items[i].scan_id)
			web_set(ctx, SETKEY("scan"), "1");
#undef SETKEY
	}
	box_set_pages(ctx, "mail", "mail_before", more ? items[n - 1].received_on : NULL, more ? items[n - 1].id : 0,
		      paged);
	free(items);
	return 0;
}

/* The mailbox's charges as Box.charges.N. 0, or -1 (answered). */
static int box_set_charges(struct web_ctx *ctx, int64_t mailbox_id)
{
	struct charge_filter f = { .mailbox_id = mailbox_id, .limit = BOX_PER_PAGE + 1 };
	int paged = paging_key_day_id(ctx, "charges_before", f.before_date, &f.before_id);
	if (paged < 0)
		return -1;
	struct charge *items = NULL;
	size_t n = 0;
	if (charge_list(ctx->db, ctx->operator_id, &f, &items, &n) < 0) {
		web_error(ctx, 500, "The mailbox could not be loaded. Please try again.");
		return -1;
	}
	int more = n > BOX_PER_PAGE;
	if (more)
		n = BOX_PER_PAGE;
	page_charges_set_rows(ctx, "Box.charges", items, n);
	box_set_pages(ctx, "charges", "charges_before", more ? items[n - 1].charge_date : NULL,
		      more ? items[n - 1].id : 0, paged);
	free(items);
	return 0;
}

/* Box.officernd.*: names where they are known, else the ids. 0 or -1. */
static int box_set_officernd(struct web_ctx *ctx, const struct mailbox_view *m)
{
	struct mailbox_officernd o;
	char name[INTEGRATIONS_NAME_MAX];
	if (mailbox_officernd_get(ctx->db, ctx->operator_id, m->id, &o) < 0)
		return -1;
	if (!o.member_id[0] && !m->membership_id[0])
		return 0;
	web_set(ctx, "Box.officernd.any", "1");
	web_set(ctx, "Box.officernd.member_id", o.member_id);
	web_set(ctx, "Box.officernd.member", o.member_name[0] ? o.member_name : o.member_id);
	if (o.plan_id[0]) {
		int found = officernd_plan_name(ctx->db, ctx->operator_id, o.plan_id, name, sizeof(name));
		web_set(ctx, "Box.officernd.plan_id", o.plan_id);
		web_set(ctx, "Box.officernd.plan", found == 1 ? name : o.plan_id);
	}
	if (o.location_id[0]) {
		int found = officernd_location_name(ctx->db, ctx->operator_id, o.location_id, name, sizeof(name));
		web_set(ctx, "Box.officernd.location_id", o.location_id);
		web_set(ctx, "Box.officernd.location", found == 1 ? name : o.location_id);
	}
	/* OfficeRnD's admin site of the organization: the one address form the facts sheet gives. */
	if (o.org_slug[0]) {
		char *enc = url_encode(o.org_slug);
		web_setf(ctx, "Box.officernd.admin_url", "https://app.officernd.com/admin/%s", enc);
		free(enc);
	}
	return 0;
}

int page_mailbox_details(struct web_ctx *ctx, const struct mailbox_view *m, const char *error)
{
	if (box_set_mail(ctx, m->id) < 0 || box_set_charges(ctx, m->id) < 0)
		return -1;
	int is_post = str_eq(ctx->req->method, "POST");
	if (box_set_officernd(ctx, m) < 0 ||
	    page_mailboxes_set_choices(ctx, is_post ? box_form_id(ctx, "space_id") : m->space_id,
				       is_post ? box_form_id(ctx, "offering_id") : m->offering_id) < 0) {
		web_error(ctx, 500, "The mailbox could not be loaded. Please try again.");
		return -1;
	}
	web_set(ctx, "Form.renter_name", is_post ? web_form(ctx, "renter_name") : m->renter_name);
	if (error)
		web_set(ctx, "Box.error", error);
	return 0;
}

/* Checks the edit form. NULL when fine (name trimmed into name), else why not. */
static const char *box_edit_check(struct web_ctx *ctx, char *name, size_t size, int64_t *space_id,
				  int64_t *offering_id)
{
	struct space s;
	struct offering o;
	if (strlen(web_form(ctx, "renter_name")) >= size)
		return "The renter's name is too long (at most 100 characters).";
	str_copy(name, size, web_form(ctx, "renter_name"));
	const char *problem = catalog_name_check(name);
	if (problem)
		return str_eq(problem, "Enter a name.") ? "Enter the renter's name." : problem;
	*space_id = box_form_id(ctx, "space_id");
	*offering_id = box_form_id(ctx, "offering_id");
	if (!*space_id || space_get(ctx->db, ctx->operator_id, *space_id, &s) < 0)
		return "Choose one of your spaces.";
	if (!*offering_id || offering_get(ctx->db, ctx->operator_id, *offering_id, &o) < 0)
		return "Choose one of your offerings.";
	return NULL;
}

void page_mailbox_edit(struct web_ctx *ctx)
{
	struct mailbox_view m;
	if (mailbox_get(ctx->db, ctx->operator_id, web_arg_id(ctx, 0), &m) < 0) {
		web_not_found(ctx);
		return;
	}
	char name[404];
	int64_t space_id = 0, offering_id = 0;
	const char *problem = box_edit_check(ctx, name, sizeof(name), &space_id, &offering_id);
	if (problem) {
		page_mailbox_render(ctx, m.id, problem, 422);
		return;
	}
	int rc = db_begin(ctx->db);
	if (rc == 0 && (renter_rename(ctx->db, ctx->operator_id, m.renter_id, name) < 0 ||
			mailbox_set_space_offering(ctx->db, ctx->operator_id, m.id, space_id, offering_id, time_now()) < 0))
		rc = -1;
	if (rc == 0)
		rc = db_commit(ctx->db);
	else
		db_rollback(ctx->db);
	if (rc < 0) {
		web_error(ctx, 500, "The mailbox could not be saved. Nothing was changed; please try again.");
		return;
	}
	log_info("mailboxes", "mailbox edited operator=%lld mailbox=%lld", (long long)ctx->operator_id, (long long)m.id);
	char path[48], msg[64];
	snprintf(path, sizeof(path), "/mailboxes/%lld", (long long)m.id);
	snprintf(msg, sizeof(msg), "Mailbox PMB %s saved.", m.pmb);
	web_redirect(ctx, path, "ok", msg);
}
