/*
 * page_mail.c: the mail room. Received items (unassigned / assigned / all, with search), the
 * form to record one, and an item's page where the operator assigns it, records actions done
 * (a scan, a forward with postage, ...) and completes or cancels the renter's requests. Every
 * completed action is priced and charged in the same transaction (domain/charging.c).
 */
#include "domain/charging.h"
#include "domain/scan_delivery.h"
#include "store/charges.h"
#include "store/db.h"
#include "store/mail.h"
#include "store/mailboxes.h"
#include "store/offerings.h"
#include "store/scans.h"
#include "store/spaces.h"
#include "util/filetype.h"
#include "util/log.h"
#include "util/money.h"
#include "util/timeutil.h"
#include "web/format.h"
#include "web/pages.h"
#include "web/paging.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAIL_PER_PAGE 100
#define MAIL_CHOICES_MAX 200 /* mailboxes a picker lists; more are chosen by PMB */

/* The words and badge class for an item status. */
static void mail_status_badge(const char *status, const char **label, const char **cls)
{
	static const char *const map[][3] = {
		{ "stored", "In storage", "" },     { "scanned", "Scanned, in storage", "ok" },
		{ "forwarded", "Forwarded", "warn" }, { "shredded", "Shredded", "warn" },
		{ "recycled", "Recycled", "warn" }, { "picked_up", "Picked up", "warn" },
	};
	*label = status;
	*cls = "";
	for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
		if (strcmp(status, map[i][0]) == 0) {
			*label = map[i][1];
			*cls = map[i][2];
		}
	}
}

/* One item as prefix.{id, reference, kind, sender, received_on, status, ...}. */
static void mail_set_item(struct web_ctx *ctx, const char *prefix, const struct mail_item *it)
{
	char key[128];
	const char *label, *cls;
#define SETKEY(field) (snprintf(key, sizeof(key), "%s.%s", prefix, field), key)
	mail_status_badge(it->status, &label, &cls);
	web_set_int(ctx, SETKEY("id"), it->id);
	web_set(ctx, SETKEY("reference"), it->reference);
	web_set(ctx, SETKEY("kind"), it->kind);
	web_set(ctx, SETKEY("sender"), it->sender);
	web_set_day(ctx, SETKEY("received_on"), it->received_on);
	web_set(ctx, SETKEY("status"), it->status);
	web_set(ctx, SETKEY("status_label"), label);
	web_set(ctx, SETKEY("status_class"), cls);
	web_set_day(ctx, SETKEY("left_on"), it->left_on);
	web_set_int(ctx, SETKEY("open_requests"), it->open_requests);
	if (it->mailbox_id) {
		web_set_int(ctx, SETKEY("mailbox_id"), it->mailbox_id);
		web_set(ctx, SETKEY("pmb"), it->pmb);
		web_set(ctx, SETKEY("mailbox_status"), it->mailbox_status);
		web_set(ctx, SETKEY("renter_name"), it->renter_name);
		web_set(ctx, SETKEY("renter_email"), it->renter_email);
	}
	if (mail_status_left_storage(it->status))
		web_set(ctx, SETKEY("left"), "1");
#undef SETKEY
}

/*
 * The mailboxes an item can be assigned to (not cancelled) as Mailboxes.N.{id, label}; past
 * MAIL_CHOICES_MAX of them the forms ask for the PMB instead (Mail.by_pmb, with the selected
 * mailbox's PMB in Mail.pmb), so that a page never lists thousands of mailboxes. 0 or -1.
 */
static int mail_set_mailbox_choices(struct web_ctx *ctx, int64_t selected)
{
	struct mailbox_choice *boxes = NULL;
	size_t n = 0;
	if (mailbox_choices(ctx->db, ctx->operator_id, MAIL_CHOICES_MAX + 1, &boxes, &n) < 0)
		return -1;
	if (n > MAIL_CHOICES_MAX) {
		struct mailbox_view m;
		web_set(ctx, "Mail.by_pmb", "1");
		if (selected && mailbox_get(ctx->db, ctx->operator_id, selected, &m) == 0)
			web_set(ctx, "Mail.pmb", m.pmb);
		n = 0;
	}
	for (size_t i = 0; i < n; i++) {
		const struct mailbox_choice *m = &boxes[i];
		char key[64];
		snprintf(key, sizeof(key), "Mailboxes.%zu.id", i);
		web_set_int(ctx, key, m->id);
		snprintf(key, sizeof(key), "Mailboxes.%zu.label", i);
		web_setf(ctx, key, "PMB %s \xe2\x80\x94 %s%s%s%s", m->pmb, m->renter_name[0] ? m->renter_name : m->renter_email,
			 m->company_name[0] ? " (" : "", m->company_name, m->company_name[0] ? ")" : "");
		if (m->id == selected) {
			snprintf(key, sizeof(key), "Mailboxes.%zu.selected", i);
			web_set(ctx, key, "1");
		}
	}
	free(boxes);
	return 0;
}

static enum mail_tab mail_tab_parse(const char *tab)
{
	if (tab && strcmp(tab, "unassigned") == 0)
		return MAIL_TAB_UNASSIGNED;
	if (tab && strcmp(tab, "assigned") == 0)
		return MAIL_TAB_ASSIGNED;
	return MAIL_TAB_ALL;
}

/* The Older link after the page's last item, and the link back to the newest. */
static void mail_set_pages(struct web_ctx *ctx, const char *tab, const char *q, const struct mail_item *last,
			   int paged)
{
	if (last) {
		char key[40];
		snprintf(key, sizeof(key), "%s:%lld", last->received_on, (long long)last->id);
		char *href = paging_href("/mail", "tab", tab, "q", q, "before", key, NULL);
		web_set(ctx, "Mail.older", href);
		free(href);
	}
	if (paged) {
		char *href = paging_href("/mail", "tab", tab, "q", q, NULL);
		web_set(ctx, "Mail.newest", href);
		free(href);
	}
}

void page_mail_list(struct web_ctx *ctx)
{
	const char *q_raw = kvlist_get(&ctx->req->query, "q");
	char q[200] = "";
	if (q_raw)
		str_copy(q, sizeof(q), q_raw);
	str_trim(q);
	/* One more than a page is read to know whether an older page exists. */
	struct mail_filter f = { .tab = mail_tab_parse(kvlist_get(&ctx->req->query, "tab")), .q = q,
				 .limit = MAIL_PER_PAGE + 1 };
	int paged = paging_before_day_id(ctx, f.before_day, &f.before_id);
	if (paged < 0)
		return;
	struct mail_item *items = NULL;
	size_t n = 0;
	if (mail_item_list(ctx->db, ctx->operator_id, &f, &items, &n) < 0) {
		web_error(ctx, 500, "The mail could not be loaded. Please try again.");
		return;
	}
	int more = n > MAIL_PER_PAGE;
	if (more)
		n = MAIL_PER_PAGE;
	for (size_t i = 0; i < n; i++) {
		char prefix[48];
		snprintf(prefix, sizeof(prefix), "Mail.items.%zu", i);
		mail_set_item(ctx, prefix, &items[i]);
	}
	const char *tab = f.tab == MAIL_TAB_UNASSIGNED ? "unassigned" : f.tab == MAIL_TAB_ASSIGNED ? "assigned" : "all";
	mail_set_pages(ctx, tab, q, more ? &items[n - 1] : NULL, paged);
	free(items);
	web_set_int(ctx, "Mail.count", (int64_t)n);
	web_set(ctx, "Mail.tab", tab);
	web_set(ctx, "Mail.q", q);
	web_set_int(ctx, "Mail.unassigned", mail_item_count_unassigned(ctx->db, ctx->operator_id));
	web_set(ctx, "Nav.section", "mail");
	web_render(ctx, "mail.cs", "Mail");
}

/* The "record received mail" form with the typed values, an optional message and a status. */
static void mail_render_form(struct web_ctx *ctx, int64_t mailbox_id, const char *kind, const char *sender,
			     const char *received_on, const char *error, int status)
{
	if (mail_set_mailbox_choices(ctx, mailbox_id) < 0) {
		web_error(ctx, 500, "The mailboxes could not be loaded. Please try again.");
		return;
	}
	char today[11];
	time_format_day(time_now(), today, sizeof(today));
	web_set(ctx, "Form.kind", kind && *kind ? kind : "letter");
	web_set(ctx, "Form.sender", sender);
	web_set(ctx, "Form.received_on", received_on && *received_on ? received_on : today);
	web_set(ctx, "Form.today", today);
	if (error)
		web_set(ctx, "Form.error", error);
	web_set(ctx, "Nav.section", "mail");
	ctx->resp->status = status;
	web_render(ctx, "mail_form.cs", "Record mail");
	if (ctx->resp->status != 500)
		ctx->resp->status = status;
}

void page_mail_new(struct web_ctx *ctx)
{
	int64_t mailbox_id = 0;
	parse_int64(kvlist_get(&ctx->req->query, "mailbox_id"), 1, INT64_MAX, &mailbox_id);
	mail_render_form(ctx, mailbox_id, "letter", "", "", NULL, 200);
}

/* The mailbox fields: mailbox_id (the list) or else pmb (typed, when the list would be too long);
 * none ("" or "0") is no mailbox; else one of the operator's mailboxes that is not cancelled.
 * Returns NULL when fine (with *id set), else a message. */
static const char *mail_mailbox_check(struct web_ctx *ctx, int64_t *id)
{
	const char *text = web_form(ctx, "mailbox_id");
	char pmb[16];
	struct mailbox_view m;
	*id = 0;
	if (!*text && *web_form(ctx, "pmb")) {
		str_copy(pmb, sizeof(pmb), web_form(ctx, "pmb"));
		str_trim(pmb);
		if (strlen(web_form(ctx, "pmb")) >= sizeof(pmb) || !(*id = mailbox_find_by_pmb(ctx->db, ctx->operator_id, pmb)))
			return "No mailbox has that PMB: check the number, or leave the item unassigned.";
		text = "";
	}
	if (*id == 0 && (!*text || strcmp(text, "0") == 0))
		return NULL;
	if ((*id == 0 && parse_int64(text, 1, INT64_MAX, id) < 0) || mailbox_get(ctx->db, ctx->operator_id, *id, &m) < 0)
		return "Choose a mailbox from the list, or leave the item unassigned.";
	if (strcmp(m.status, "cancelled") == 0)
		return "That mailbox is cancelled: choose another one, or leave the item unassigned.";
	return NULL;
}

/* The received-on field: a real day, not in the future. NULL when fine, else a message. */
static const char *mail_day_check(const char *day)
{
	char today[11];
	int ok = 0;
	time_format_day(time_now(), today, sizeof(today));
	if (strlen(day) != 10 || (time_days_between(day, today, &ok), !ok))
		return "Enter the day the item arrived as YYYY-MM-DD, for example 2026-11-20.";
	if (strcmp(day, today) > 0)
		return "The day the item arrived cannot be in the future.";
	return NULL;
}

void page_mail_create(struct web_ctx *ctx)
{
	const char *kind = web_form(ctx, "kind");
	char *sender = xstrdup(web_form(ctx, "sender"));
	char *day = xstrdup(web_form(ctx, "received_on"));
	str_trim(day);
	str_trim(sender);
	int64_t mailbox_id = 0;
	const char *problem = mail_mailbox_check(ctx, &mailbox_id);
	if (!problem && strcmp(kind, "letter") != 0 && strcmp(kind, "package") != 0)
		problem = "Choose whether the item is a letter or a package.";
	if (!problem && *sender && catalog_name_check(sender))
		problem = "The sender is too long or contains characters that are not allowed (at most 100 characters).";
	if (!problem && !*day) {
		char today[11];
		free(day);
		day = xstrdup(time_format_day(time_now(), today, sizeof(today)));
	}
	if (!problem)
		problem = mail_day_check(day);
	if (problem) {
		mail_render_form(ctx, mailbox_id, kind, sender, day, problem, 422);
		free(sender);
		free(day);
		return;
	}
	char ref[16];
	int64_t id = mail_item_create(ctx->db, ctx->operator_id, mailbox_id, kind, sender, day, time_now(), ref);
	free(sender);
	free(day);
	if (id < 0) {
		web_error(ctx, 500, "The item could not be recorded. Nothing was saved; please try again.");
		return;
	}
	log_info("mail", "item recorded operator=%lld item=%lld", (long long)ctx->operator_id, (long long)id);
	char path[48], msg[96];
	snprintf(path, sizeof(path), "/mail/%lld", (long long)id);
	snprintf(msg, sizeof(msg), "%s %s recorded.", strcmp(kind, "letter") == 0 ? "Letter" : "Package", ref);
	web_redirect(ctx, path, "ok", msg);
}

/* The item's requests as Item.requests.N, and whether any is still open. */
static int mail_set_requests(struct web_ctx *ctx, const struct mail_item *it)
{
	struct action_request *reqs = NULL;
	size_t n = 0;
	if (action_request_list(ctx->db, ctx->operator_id, it->id, &reqs, &n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct action_request *a = &reqs[i];
		char key[64];
#define SETKEY(field) (snprintf(key, sizeof(key), "Item.requests.%zu.%s", i, field), key)
		web_set_int(ctx, SETKEY("id"), a->id);
		web_set(ctx, SETKEY("action"), a->action);
		web_set(ctx, SETKEY("label"), charging_action_label(a->action));
		web_set(ctx, SETKEY("noun"), charging_action_noun(a->action));
		web_set(ctx, SETKEY("state"), a->state);
		web_set(ctx, SETKEY("by"), a->requested_by);
		web_set(ctx, SETKEY("carrier"), a->carrier);
		web_set(ctx, SETKEY("tracking"), a->tracking);
		web_set(ctx, SETKEY("note"), a->note);
		web_set_time(ctx, SETKEY("created_at"), a->created_at);
		web_set_time(ctx, SETKEY("completed_at"), a->completed_at);
		if (a->postage > 0)
			web_set_amount(ctx, SETKEY("postage"), a->postage);
		web_set(ctx, SETKEY("forward_address"), a->forward_address);
		if (str_eq(a->action, "scan") && str_eq(a->state, "requested"))
			web_set(ctx, "Item.scan_requested", "1");
#undef SETKEY
	}
	if (n > 0)
		web_set(ctx, "Item.has_requests", "1");
	free(reqs);
	return 0;
}

/* What the offering of the item's mailbox allows, as Item.offer.<action>.{enabled, free, fee}. */
static int mail_set_offer(struct web_ctx *ctx, const struct mail_item *it)
{
	struct offering off;
	if (!it->mailbox_id)
		return 0;
	if (offering_get(ctx->db, ctx->operator_id, it->offering_id, &off) < 0)
		return -1;
	web_set(ctx, "Item.offering", off.name);
	int any = 0;
	for (int a = 0; a < ACTION_COUNT; a++) {
		const char *name = mail_action_name((enum mail_action)a);
		char key[64];
		snprintf(key, sizeof(key), "Item.offer.%s.label", name);
		web_set(ctx, key, charging_action_label(name));
		snprintf(key, sizeof(key), "Item.offer.%s.button", name);
		web_set(ctx, key, charging_action_button(name));
		/* A scanned item is not scanned twice (charging refuses it): no button for that. */
		if (!off.actions[a].enabled || (a == ACTION_SCAN && str_eq(it->status, "scanned")))
			continue;
		any = 1;
		snprintf(key, sizeof(key), "Item.offer.%s.enabled", name);
		web_set(ctx, key, "1");
		snprintf(key, sizeof(key), "Item.offer.%s.free", name);
		web_set_int(ctx, key, off.actions[a].free_per_month);
		snprintf(key, sizeof(key), "Item.offer.%s.fee", name);
		web_set_amount(ctx, key, off.actions[a].fee);
	}
	if (any)
		web_set(ctx, "Item.offer_any", "1");
	return 0;
}

/* The item's scan file as Item.scan.{type, size, created}, or Item.can_attach when it was
 * scanned without one; Item.scan_max for the upload hint. 0 or -1. */
static int mail_set_scan(struct web_ctx *ctx, const struct mail_item *it)
{
	struct scan s;
	char size[32];
	int found = scan_get(ctx->db, ctx->operator_id, it->id, &s);
	if (found < 0)
		return -1;
	web_set(ctx, "Item.scan_max", filetype_size_words(ctx->cfg->scan_max_bytes, size, sizeof(size)));
	if (found) {
		const struct filetype *t = filetype_by_mime(s.content_type);
		web_set(ctx, "Item.scan.type", t ? t->label : s.content_type);
		web_set(ctx, "Item.scan.size", filetype_size_words(s.size, size, sizeof(size)));
		web_set_time(ctx, "Item.scan.created", s.created_at);
	} else if (page_scan_attachable(ctx, it)) {
		web_set(ctx, "Item.can_attach", "1");
	}
	return 0;
}

/* The item page with status and an optional error (a refused action or assignment). */
static void mail_render_item(struct web_ctx *ctx, int64_t id, const char *error, int status)
{
	struct mail_item it;
	if (mail_item_get(ctx->db, ctx->operator_id, id, &it) < 0) {
		web_not_found(ctx);
		return;
	}
	mail_set_item(ctx, "Item", &it);
	struct charge_filter f = { .mail_item_id = it.id };
	struct charge *charges = NULL;
	size_t nc = 0;
	if (mail_set_requests(ctx, &it) < 0 || mail_set_offer(ctx, &it) < 0 ||
	    charge_list(ctx->db, ctx->operator_id, &f, &charges, &nc) < 0 ||
	    mail_set_mailbox_choices(ctx, it.mailbox_id) < 0) {
		web_error(ctx, 500, "The item could not be loaded. Please try again.");
		return;
	}
	page_charges_set_rows(ctx, "Item.charges", charges, nc);
	free(charges);
	if (mail_set_scan(ctx, &it) < 0) {
		web_error(ctx, 500, "The item could not be loaded. Please try again.");
		return;
	}
	/* An item may move to another mailbox only while nothing was done or asked on it. */
	if (!it.mailbox_id || (!hdf_get_value(ctx->hdf, "Item.has_requests", NULL) && nc == 0))
		web_set(ctx, "Item.can_assign", "1");
	if (it.mailbox_id && strcmp(it.mailbox_status, "cancelled") != 0 && !mail_status_left_storage(it.status))
		web_set(ctx, "Item.can_act", "1");
	if (error)
		web_set(ctx, "Item.error", error);
	web_set(ctx, "Nav.section", "mail");
	ctx->resp->status = status;
	char title[48];
	snprintf(title, sizeof(title), "Mail %s", it.reference);
	web_render(ctx, "mail_item.cs", title);
	if (ctx->resp->status != 500)
		ctx->resp->status = status;
}

void page_mail_item_refused(struct web_ctx *ctx, int64_t id, const char *message, int status)
{
	mail_render_item(ctx, id, message, status);
}

void page_mail_item(struct web_ctx *ctx)
{
	mail_render_item(ctx, web_arg_id(ctx, 0), NULL, 200);
}

/*
 * Inside a transaction: assigns item id to mailbox_id unless the item already belongs to a
 * mailbox and something was asked for or done on it. 0 done, 1 refused (it stays), -1 error;
 * *it gets the item as it was.
 */
static int mail_assign_locked(struct web_ctx *ctx, int64_t id, int64_t mailbox_id, struct mail_item *it)
{
	struct action_request *reqs = NULL;
	struct charge *charges = NULL;
	size_t nreq = 0, nc = 0;
	struct charge_filter f = { .mail_item_id = id, .limit = 1 };
	if (mail_item_get(ctx->db, ctx->operator_id, id, it) < 0 ||
	    action_request_list(ctx->db, ctx->operator_id, id, &reqs, &nreq) < 0 ||
	    charge_list(ctx->db, ctx->operator_id, &f, &charges, &nc) < 0)
		return -1;
	free(reqs);
	free(charges);
	if (it->mailbox_id && (nreq > 0 || nc > 0))
		return 1;
	return mail_item_assign(ctx->db, ctx->operator_id, id, mailbox_id);
}

/* Assigns (or moves, while nothing was done on it) the item to a mailbox, in one transaction. */
void page_mail_assign(struct web_ctx *ctx)
{
	int64_t id = web_arg_id(ctx, 0);
	struct mail_item it;
	if (mail_item_get(ctx->db, ctx->operator_id, id, &it) < 0) {
		web_not_found(ctx);
		return;
	}
	int64_t mailbox_id = 0;
	const char *problem = mail_mailbox_check(ctx, &mailbox_id);
	if (!problem && mailbox_id == 0)
		problem = "Choose the mailbox this item belongs to.";
	if (problem) {
		mail_render_item(ctx, id, problem, 422);
		return;
	}
	int rc = db_begin(ctx->db);
	if (rc == 0)
		rc = mail_assign_locked(ctx, id, mailbox_id, &it);
	if (rc == 0) {
		rc = db_commit(ctx->db);
	} else {
		db_rollback(ctx->db);
	}
	if (rc == 1) {
		mail_render_item(ctx, id, "This item cannot move to another mailbox: actions were already asked for "
					  "or done on it.", 409);
		return;
	}
	if (rc < 0) {
		web_error(ctx, 500, "The item could not be assigned. Nothing was changed; please try again.");
		return;
	}
	struct mailbox_view m;
	char path[48], msg[96];
	snprintf(path, sizeof(path), "/mail/%lld", (long long)id);
	if (mailbox_get(ctx->db, ctx->operator_id, mailbox_id, &m) == 0)
		snprintf(msg, sizeof(msg), "%s assigned to PMB %s.", it.reference, m.pmb);
	else
		snprintf(msg, sizeof(msg), "%s assigned.", it.reference);
	log_info("mail", "item assigned operator=%lld item=%lld mailbox=%lld", (long long)ctx->operator_id,
		 (long long)id, (long long)mailbox_id);
	web_redirect(ctx, path, "ok", msg);
}

/* The forwarding fields of the form. NULL when fine, else a message. */
static const char *mail_forward_fields(struct web_ctx *ctx, struct forward_details *fwd, char *carrier,
				       size_t carrier_size, char *tracking, size_t tracking_size)
{
	const char *postage = web_form(ctx, "postage");
	str_copy(carrier, carrier_size, web_form(ctx, "carrier"));
	str_copy(tracking, tracking_size, web_form(ctx, "tracking"));
	str_trim(carrier);
	str_trim(tracking);
	fwd->carrier = carrier;
	fwd->tracking = tracking;
	fwd->postage = 0;
	if (strlen(web_form(ctx, "carrier")) >= carrier_size || strlen(web_form(ctx, "tracking")) >= tracking_size)
		return "The carrier or tracking number is too long.";
	for (const char *p = carrier; *p; p++)
		if ((unsigned char)*p < 0x20)
			return "The carrier contains characters that are not allowed.";
	for (const char *p = tracking; *p; p++)
		if ((unsigned char)*p < 0x20)
			return "The tracking number contains characters that are not allowed.";
	if (*postage && money_parse(postage, web_money_digits(ctx), &fwd->postage) < 0)
		return "Enter the postage as an amount like 4.20 (or leave it empty for none).";
	return NULL;
}

/* Shows the outcome of a charging call: back to the item, or the item with the refusal. */
static void mail_after_charging(struct web_ctx *ctx, int64_t item_id, enum charging_status st,
				const struct charging_result *res)
{
	char path[48];
	snprintf(path, sizeof(path), "/mail/%lld", (long long)item_id);
	switch (st) {
	case CHARGING_OK:
		if (res->released_scan[0])
			scan_release_file(ctx->db, ctx->cfg->scan_dir, ctx->operator_id, res->released_scan);
		log_info("mail", "action done operator=%lld item=%lld charge=%lld amount=%lld state=%s",
			 (long long)ctx->operator_id, (long long)item_id, (long long)res->charge_id,
			 (long long)res->amount, res->billing_state);
		web_redirect(ctx, path, "ok", res->message);
		return;
	case CHARGING_NOT_FOUND:
		web_not_found(ctx);
		return;
	case CHARGING_CONFLICT:
		mail_render_item(ctx, item_id, res->message, 409);
		return;
	case CHARGING_INVALID:
		mail_render_item(ctx, item_id, res->message, 422);
		return;
	case CHARGING_ERROR:
		break;
	}
	web_error(ctx, 500, res->message[0] ? res->message : "The action could not be saved. Please try again.");
}

/*
 * Records action on item id (request_id 0), or completes request request_id, and shows the
 * outcome. A scan takes the form's scan file with it, attached in the same transaction; a file
 * the form sent but that is refused (type, size) stops everything before any change.
 */
static void mail_charge(struct web_ctx *ctx, int64_t id, int64_t request_id, const char *action,
			const struct forward_details *fwd)
{
	struct scan_delivery d;
	struct charging_hook hook;
	int status = 422;
	char msg[256];
	int staged = str_eq(action, "scan") ? page_scan_stage(ctx, &d, msg, sizeof(msg), &status) : 0;
	if (staged < 0) {
		mail_render_item(ctx, id, msg, status);
		return;
	}
	if (staged)
		scan_delivery_hook(&d, &hook);
	const struct charging_hook *h = staged ? &hook : NULL;
	struct charging_result res;
	enum charging_status st =
		request_id ? charging_complete_action_hooked(ctx->db, ctx->operator_id, request_id, fwd, h, time_now(), &res)
			   : charging_record_action_hooked(ctx->db, ctx->operator_id, id, action, fwd, h, time_now(), &res);
	if (staged)
		scan_delivery_finish(&d, ctx->db, ctx->operator_id, st == CHARGING_OK);
	mail_after_charging(ctx, id, st, &res);
}

void page_mail_action_record(struct web_ctx *ctx)
{
	int64_t id = web_arg_id(ctx, 0);
	struct mail_item it;
	if (mail_item_get(ctx->db, ctx->operator_id, id, &it) < 0) {
		web_not_found(ctx);
		return;
	}
	const char *action = web_form(ctx, "action");
	if (!charging_action_status(action)) {
		mail_render_item(ctx, id, "Choose an action: scan, forward, shred, recycle or pickup.", 422);
		return;
	}
	struct forward_details fwd;
	char carrier[64], tracking[128];
	const char *problem = mail_forward_fields(ctx, &fwd, carrier, sizeof(carrier), tracking, sizeof(tracking));
	if (problem) {
		mail_render_item(ctx, id, problem, 422);
		return;
	}
	mail_charge(ctx, id, 0, action, &fwd);
}

/* The request route argument 1, when it belongs to the item of argument 0. */
static int mail_request_of_item(struct web_ctx *ctx, int64_t item_id, struct action_request *req)
{
	return action_request_get(ctx->db, ctx->operator_id, web_arg_id(ctx, 1), req) == 0 &&
	       req->mail_item_id == item_id;
}

void page_mail_action_complete(struct web_ctx *ctx)
{
	int64_t id = web_arg_id(ctx, 0);
	struct action_request req;
	if (!mail_request_of_item(ctx, id, &req)) {
		web_not_found(ctx);
		return;
	}
	struct forward_details fwd;
	char carrier[64], tracking[128];
	const char *problem = mail_forward_fields(ctx, &fwd, carrier, sizeof(carrier), tracking, sizeof(tracking));
	if (problem) {
		mail_render_item(ctx, id, problem, 422);
		return;
	}
	mail_charge(ctx, id, req.id, req.action, &fwd);
}

void page_mail_action_cancel(struct web_ctx *ctx)
{
	int64_t id = web_arg_id(ctx, 0);
	struct action_request req;
	if (!mail_request_of_item(ctx, id, &req)) {
		web_not_found(ctx);
		return;
	}
	struct charging_result res;
	enum charging_status st = charging_cancel_action(ctx->db, ctx->operator_id, id, req.id, &res);
	mail_after_charging(ctx, id, st, &res);
}
