/*
 * page_mailboxes.c: the operator's mailboxes: the list (filtered by status), the manual "New
 * mailbox" form, one mailbox's page with its invitation and the delivery of its email, and the
 * actions on it: resend or revoke the invitation, cancel the mailbox, and reopen a mailbox the
 * operator cancelled (an operator's cancel sticks through OfficeRnD's later changes).
 *
 * Template data: Mailboxes.items.N.* (list), Mailbox.* and Invitation.* (one mailbox),
 * Form.* with Form.errors.<field> (the form). Form fields: name, email, company_name, space_id,
 * offering_id.
 */
#include "domain/membership_sync.h"
#include "domain/provision.h"
#include "mail/message.h"
#include "store/db.h"
#include "store/mailboxes.h"
#include "store/offerings.h"
#include "store/spaces.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "web/names.h"
#include "web/format.h"
#include "web/pages.h"
#include "web/paging.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAILBOXES_PER_PAGE 100

/* ---- labels ----------------------------------------------------------------------------- */

struct label {
	const char *key;
	const char *text;
	const char *css; /* badge class */
};

static const struct label status_labels[] = {
	{ "active", "Active", "ok" },
	{ "on_hold", "On hold", "warn" },
	{ "cancelled", "Cancelled", "mailboxes-muted" },
};

static const struct label invitation_labels[] = {
	{ "", "Not invited", "mailboxes-muted" },
	{ "pending", "Invited", "" },
	{ "accepted", "Accepted", "ok" },
	{ "revoked", "Revoked", "mailboxes-muted" },
	{ "expired", "Expired", "warn" },
};

static const struct label email_labels[] = {
	{ "queued", "Email queued", "warn" },
	{ "sending", "Email sending", "warn" },
	{ "sent", "Email sent", "ok" },
	{ "failed", "Email failed", "err" },
	{ "cancelled", "Email cancelled", "mailboxes-muted" },
};

static const struct label *label_find(const struct label *labels, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (str_eq(labels[i].key, key))
			return &labels[i];
	return NULL;
}

/* Sets prefix.<field>_label and prefix.<field>_class from the table (nothing when unknown). */
static void set_label(struct web_ctx *ctx, const char *prefix, const char *field, const struct label *labels,
		      size_t n, const char *key)
{
	const struct label *l = label_find(labels, n, key);
	if (!l)
		return;
	char name[96];
	snprintf(name, sizeof(name), "%s.%s_label", prefix, field);
	web_set(ctx, name, l->text);
	snprintf(name, sizeof(name), "%s.%s_class", prefix, field);
	web_set(ctx, name, l->css);
}

/* In the operator's time zone (web/format.h); "" for none. */
static void set_when(struct web_ctx *ctx, const char *name, int64_t t)
{
	web_set_time(ctx, name, t > 0 ? t : 0);
}

/* Sets prefix.name = value. */
static void set_field(struct web_ctx *ctx, const char *prefix, const char *name, const char *value)
{
	char key[96];
	snprintf(key, sizeof(key), "%s.%s", prefix, name);
	web_set(ctx, key, value);
}

/* Everything the list and the mailbox page show about one mailbox, under prefix. */
static void set_mailbox(struct web_ctx *ctx, const char *prefix, const struct mailbox_view *m)
{
	char key[96];
	snprintf(key, sizeof(key), "%s.id", prefix);
	web_set_int(ctx, key, m->id);
	set_field(ctx, prefix, "pmb", m->pmb);
	set_field(ctx, prefix, "status", m->status);
	set_label(ctx, prefix, "status", status_labels, ARRAY_SIZE(status_labels), m->status);
	set_field(ctx, prefix, "source", m->source);
	set_field(ctx, prefix, "source_label", str_eq(m->source, "officernd") ? "OfficeRnD membership" : "Manual");
	set_field(ctx, prefix, "membership_id", m->membership_id);
	set_field(ctx, prefix, "location_id", m->officernd_location_id);
	snprintf(key, sizeof(key), "%s.needs_attention", prefix);
	web_set_named_text(ctx, key, m->needs_attention);
	snprintf(key, sizeof(key), "%s.location_name", prefix);
	web_set_officernd_name(ctx, key, ORN_NAME_LOCATION, m->officernd_location_id);
	set_field(ctx, prefix, "renter_name", m->renter_name);
	set_field(ctx, prefix, "renter_email", m->renter_email);
	set_field(ctx, prefix, "company_name", m->company_name);
	set_field(ctx, prefix, "space_name", m->space_name);
	set_field(ctx, prefix, "offering_name", m->offering_name);
	set_field(ctx, prefix, "invitation", m->invitation_state);
	set_label(ctx, prefix, "invitation", invitation_labels, ARRAY_SIZE(invitation_labels), m->invitation_state);
	/* The email only matters while the invitation is waiting for the renter. */
	if (str_eq(m->invitation_state, "pending") && !str_eq(m->email_state, "sent"))
		set_label(ctx, prefix, "email", email_labels, ARRAY_SIZE(email_labels), m->email_state);
	snprintf(key, sizeof(key), "%s.created", prefix);
	set_when(ctx, key, m->created_at);
	snprintf(key, sizeof(key), "%s.cancelled", prefix);
	set_when(ctx, key, m->cancelled_at);
	set_field(ctx, prefix, "cancelled_by", str_eq(m->cancelled_by, "operator") ? "by you"
				 : str_eq(m->cancelled_by, "officernd") ? "by OfficeRnD" : "");
}

/* ---- list ------------------------------------------------------------------------------- */

static const char *status_filter(struct web_ctx *ctx)
{
	const char *s = kvlist_get(&ctx->req->query, "status");
	return s && label_find(status_labels, ARRAY_SIZE(status_labels), s) ? s : "";
}

void page_mailboxes_list(struct web_ctx *ctx)
{
	const char *status = status_filter(ctx);
	/* One more than a page is read to know whether an older page exists. */
	struct mailbox_filter f = { .status = status, .limit = MAILBOXES_PER_PAGE + 1 };
	int paged = paging_before_id(ctx, &f.before_id);
	if (paged < 0)
		return;
	struct mailbox_view *items = NULL;
	size_t n = 0;
	if (mailbox_list(ctx->db, ctx->operator_id, &f, &items, &n) < 0) {
		web_error(ctx, 500, "The mailboxes could not be loaded. Please try again.");
		return;
	}
	if (n > MAILBOXES_PER_PAGE) {
		n = MAILBOXES_PER_PAGE;
		char before[24];
		snprintf(before, sizeof(before), "%lld", (long long)items[n - 1].id);
		char *href = paging_href("/mailboxes", "status", status, "before", before, NULL);
		web_set(ctx, "Mailboxes.older", href);
		free(href);
	}
	if (paged) {
		char *href = paging_href("/mailboxes", "status", status, NULL);
		web_set(ctx, "Mailboxes.newest", href);
		free(href);
	}
	for (size_t i = 0; i < n; i++) {
		char prefix[48];
		snprintf(prefix, sizeof(prefix), "Mailboxes.items.%zu", i);
		set_mailbox(ctx, prefix, &items[i]);
	}
	web_set_int(ctx, "Mailboxes.count", (int64_t)n);
	web_set(ctx, "Mailboxes.filter", status);
	const struct label *l = label_find(status_labels, ARRAY_SIZE(status_labels), status);
	web_set(ctx, "Mailboxes.filter_label", l ? l->text : "");
	/* The same in the middle of a sentence, in lower case: "No on hold mailboxes." */
	char word[16];
	str_copy(word, sizeof(word), l ? l->key : "");
	for (char *p = word; *p; p++)
		*p = *p == '_' ? ' ' : *p;
	web_set(ctx, "Mailboxes.filter_word", word);
	free(items);
	web_set(ctx, "Nav.section", "mailboxes");
	web_render(ctx, "mailboxes.cs", "Mailboxes");
}

/* ---- new mailbox ------------------------------------------------------------------------ */

struct mailbox_form {
	char *name;
	char *email;
	char *company;
	int64_t space_id;
	int64_t offering_id;
	int errors;
};

int page_mailboxes_set_choices(struct web_ctx *ctx, int64_t space_id, int64_t offering_id)
{
	struct space *spaces = NULL;
	struct offering *offerings = NULL;
	size_t ns = 0, no = 0;
	if (space_list(ctx->db, ctx->operator_id, &spaces, &ns) < 0)
		return -1;
	if (offering_list(ctx->db, ctx->operator_id, &offerings, &no) < 0) {
		free(spaces);
		return -1;
	}
	char key[64];
	for (size_t i = 0; i < ns; i++) {
		snprintf(key, sizeof(key), "Form.spaces.%zu.id", i);
		web_set_int(ctx, key, spaces[i].id);
		snprintf(key, sizeof(key), "Form.spaces.%zu.name", i);
		web_set(ctx, key, spaces[i].name);
		if (spaces[i].id == space_id || (ns == 1 && space_id == 0)) {
			snprintf(key, sizeof(key), "Form.spaces.%zu.selected", i);
			web_set(ctx, key, "1");
		}
	}
	for (size_t i = 0; i < no; i++) {
		snprintf(key, sizeof(key), "Form.offerings.%zu.id", i);
		web_set_int(ctx, key, offerings[i].id);
		snprintf(key, sizeof(key), "Form.offerings.%zu.name", i);
		web_set(ctx, key, offerings[i].name);
		if (offerings[i].id == offering_id || (no == 1 && offering_id == 0)) {
			snprintf(key, sizeof(key), "Form.offerings.%zu.selected", i);
			web_set(ctx, key, "1");
		}
	}
	web_set_int(ctx, "Form.space_count", (int64_t)ns);
	web_set_int(ctx, "Form.offering_count", (int64_t)no);
	free(spaces);
	free(offerings);
	return 0;
}

static void form_render(struct web_ctx *ctx, const struct mailbox_form *f, int status)
{
	if (page_mailboxes_set_choices(ctx, f ? f->space_id : 0, f ? f->offering_id : 0) < 0) {
		web_error(ctx, 500, "The form could not be loaded. Please try again.");
		return;
	}
	if (f) {
		web_set(ctx, "Form.name", f->name);
		web_set(ctx, "Form.email", f->email);
		web_set(ctx, "Form.company_name", f->company);
	}
	web_set(ctx, "Nav.section", "mailboxes");
	ctx->resp->status = status;
	web_render(ctx, "mailbox_form.cs", "New mailbox");
	if (ctx->resp->status != 500)
		ctx->resp->status = status;
}

void page_mailboxes_new(struct web_ctx *ctx)
{
	form_render(ctx, NULL, 200);
}

static void form_error(struct web_ctx *ctx, struct mailbox_form *f, const char *field, const char *message)
{
	char key[64];
	snprintf(key, sizeof(key), "Form.errors.%s", field);
	web_set(ctx, key, message);
	f->errors++;
}

/* A positive id from a select, or 0. */
static int64_t form_id(struct web_ctx *ctx, const char *name)
{
	int64_t id;
	return parse_int64(web_form(ctx, name), 1, INT64_MAX, &id) == 0 ? id : 0;
}

/* Reads and checks every field; the messages go to Form.errors.*. */
static void form_read(struct web_ctx *ctx, struct mailbox_form *f)
{
	f->name = xstrdup(web_form(ctx, "name"));
	f->email = str_trim(xstrdup(web_form(ctx, "email")));
	f->company = xstrdup(web_form(ctx, "company_name"));
	f->space_id = form_id(ctx, "space_id");
	f->offering_id = form_id(ctx, "offering_id");
	const char *problem = catalog_name_check(f->name);
	if (problem)
		form_error(ctx, f, "name", str_eq(problem, "Enter a name.") ? "Enter the renter's name." : problem);
	if (!*f->email)
		form_error(ctx, f, "email", "Enter the renter's email address: the invitation goes there.");
	else if (!mail_address_valid(f->email))
		form_error(ctx, f, "email", "This is not an email address we can send to (like name@example.com).");
	str_trim(f->company);
	if (*f->company && (problem = catalog_name_check(f->company)))
		form_error(ctx, f, "company_name", problem);
	struct space s;
	if (!f->space_id || space_get(ctx->db, ctx->operator_id, f->space_id, &s) < 0)
		form_error(ctx, f, "space_id", "Choose one of your spaces.");
	struct offering o;
	if (!f->offering_id || offering_get(ctx->db, ctx->operator_id, f->offering_id, &o) < 0)
		form_error(ctx, f, "offering_id", "Choose one of your offerings.");
}

static void form_free(struct mailbox_form *f)
{
	free(f->name);
	free(f->email);
	free(f->company);
}

/* Creates the mailbox, its invitation and the queued email in one transaction. Id or -1. */
static int64_t form_provision(struct web_ctx *ctx, const struct mailbox_form *f)
{
	struct renter_fields renter = { .name = f->name, .email = f->email, .company_name = f->company };
	struct mailbox_fields mailbox = {
		.space_id = f->space_id,
		.offering_id = f->offering_id,
		.source = "manual",
		.needs_attention = "",
	};
	if (db_begin(ctx->db) < 0)
		return -1;
	int exists = 0;
	int64_t id = provision_mailbox(ctx->db, ctx->operator_id, &renter, &mailbox, time_now(), &exists);
	if (id < 0 || db_commit(ctx->db) < 0) {
		db_rollback(ctx->db);
		return -1;
	}
	return id;
}

void page_mailboxes_create(struct web_ctx *ctx)
{
	struct mailbox_form f = { 0 };
	form_read(ctx, &f);
	if (f.errors) {
		web_set(ctx, "Form.error", "Please correct the fields marked below: nothing was saved.");
		form_render(ctx, &f, 422);
		form_free(&f);
		return;
	}
	int64_t id = form_provision(ctx, &f);
	if (id < 0) {
		form_free(&f);
		web_error(ctx, 500, "The mailbox could not be created. Nothing was saved; please try again.");
		return;
	}
	struct mailbox_view m;
	char flash[512] = "Mailbox created.";
	if (mailbox_get(ctx->db, ctx->operator_id, id, &m) == 0)
		snprintf(flash, sizeof(flash), "Mailbox PMB %s created. The invitation email to %s is queued.", m.pmb,
			 m.renter_email);
	log_info("mailboxes", "manual mailbox created mailbox=%lld", (long long)id);
	char *location = xasprintf("/mailboxes/%lld", (long long)id);
	web_redirect(ctx, location, "ok", flash);
	free(location);
	form_free(&f);
}

/* ---- one mailbox ------------------------------------------------------------------------ */

static void set_invitation(struct web_ctx *ctx, const struct invitation_status *inv)
{
	if (inv->id == 0)
		return;
	web_set(ctx, "Invitation.any", "1");
	web_set(ctx, "Invitation.state", inv->state);
	set_label(ctx, "Invitation", "state", invitation_labels, ARRAY_SIZE(invitation_labels), inv->state);
	set_when(ctx, "Invitation.created", inv->created_at);
	set_when(ctx, "Invitation.expires", inv->expires_at);
	set_when(ctx, "Invitation.accepted", inv->accepted_at);
	if (inv->outbox_id == 0)
		return;
	web_set(ctx, "Invitation.email.any", "1");
	web_set(ctx, "Invitation.email.state", inv->email_state);
	set_label(ctx, "Invitation", "email", email_labels, ARRAY_SIZE(email_labels), inv->email_state);
	web_set(ctx, "Invitation.email.to", inv->to_addr);
	web_set_int(ctx, "Invitation.email.attempts", inv->attempts);
	set_when(ctx, "Invitation.email.sent", inv->sent_at);
	if (str_eq(inv->email_state, "queued") && inv->attempts > 0)
		set_when(ctx, "Invitation.email.next_attempt", inv->next_attempt_at);
	web_set(ctx, "Invitation.email.error", inv->last_error);
}

void page_mailbox_show(struct web_ctx *ctx)
{
	page_mailbox_render(ctx, web_arg_id(ctx, 0), NULL, 200);
}

void page_mailbox_render(struct web_ctx *ctx, int64_t id, const char *error, int status)
{
	struct mailbox_view m;
	struct invitation_status inv;
	if (mailbox_get(ctx->db, ctx->operator_id, id, &m) < 0) {
		web_not_found(ctx);
		return;
	}
	if (invitation_latest(ctx->db, ctx->operator_id, m.id, time_now(), &inv) < 0) {
		web_error(ctx, 500, "The mailbox could not be loaded. Please try again.");
		return;
	}
	/* Its mail, charges, OfficeRnD names and the edit form (page_mailbox_details.c). */
	if (page_mailbox_details(ctx, &m, error) < 0)
		return;
	set_mailbox(ctx, "Mailbox", &m);
	set_invitation(ctx, &inv);
	int cancelled = str_eq(m.status, "cancelled");
	if (!cancelled && !str_eq(inv.state, "accepted"))
		web_set(ctx, "Mailbox.can_resend", "1");
	if (str_eq(inv.state, "pending"))
		web_set(ctx, "Mailbox.can_revoke", "1");
	if (!cancelled)
		web_set(ctx, "Mailbox.can_cancel", "1");
	else if (str_eq(m.cancelled_by, "operator"))
		web_set(ctx, "Mailbox.can_reopen", "1");
	web_set(ctx, "Nav.section", "mailboxes");
	char title[64];
	snprintf(title, sizeof(title), "Mailbox PMB %s", m.pmb);
	ctx->resp->status = status;
	web_render(ctx, "mailbox.cs", title);
	if (ctx->resp->status != 500)
		ctx->resp->status = status;
}

/* The mailbox of the route, or 404 (another operator's mailbox included). 0 or -1. */
static int action_mailbox(struct web_ctx *ctx, struct mailbox_view *m, char **back)
{
	if (mailbox_get(ctx->db, ctx->operator_id, web_arg_id(ctx, 0), m) < 0) {
		web_not_found(ctx);
		return -1;
	}
	*back = xasprintf("/mailboxes/%lld", (long long)m->id);
	return 0;
}

/* Runs fn in one transaction. 0 or -1 (rolled back). */
static int in_transaction(struct web_ctx *ctx, int (*fn)(struct web_ctx *, const struct mailbox_view *),
			  const struct mailbox_view *m)
{
	if (db_begin(ctx->db) < 0)
		return -1;
	if (fn(ctx, m) < 0 || db_commit(ctx->db) < 0) {
		db_rollback(ctx->db);
		return -1;
	}
	return 0;
}

static int do_reinvite(struct web_ctx *ctx, const struct mailbox_view *m)
{
	return provision_reinvite(ctx->db, ctx->operator_id, m->id, time_now());
}

static int do_revoke(struct web_ctx *ctx, const struct mailbox_view *m)
{
	return invitation_revoke_pending(ctx->db, ctx->operator_id, m->id);
}

static int do_cancel(struct web_ctx *ctx, const struct mailbox_view *m)
{
	return provision_cancel(ctx->db, ctx->operator_id, m->id, "operator");
}

void page_mailbox_resend(struct web_ctx *ctx)
{
	struct mailbox_view m;
	char *back = NULL;
	if (action_mailbox(ctx, &m, &back) < 0)
		return;
	if (str_eq(m.status, "cancelled"))
		web_redirect(ctx, back, "error", "This mailbox is cancelled: no invitation can be sent.");
	else if (str_eq(m.invitation_state, "accepted"))
		web_redirect(ctx, back, "error", "The renter has already accepted the invitation and can sign in.");
	else if (in_transaction(ctx, do_reinvite, &m) < 0)
		web_error(ctx, 500, "The invitation could not be sent. Nothing was changed; please try again.");
	else
		web_redirect(ctx, back, "ok", "A new invitation is on its way. The earlier link no longer works.");
	free(back);
}

void page_mailbox_revoke(struct web_ctx *ctx)
{
	struct mailbox_view m;
	char *back = NULL;
	if (action_mailbox(ctx, &m, &back) < 0)
		return;
	if (!str_eq(m.invitation_state, "pending"))
		web_redirect(ctx, back, "error", "There is no pending invitation to revoke.");
	else if (in_transaction(ctx, do_revoke, &m) < 0)
		web_error(ctx, 500, "The invitation could not be revoked. Please try again.");
	else
		web_redirect(ctx, back, "ok", "Invitation revoked: its link no longer works.");
	free(back);
}

void page_mailbox_cancel(struct web_ctx *ctx)
{
	struct mailbox_view m;
	char *back = NULL;
	if (action_mailbox(ctx, &m, &back) < 0)
		return;
	if (str_eq(m.status, "cancelled"))
		web_redirect(ctx, back, "ok", "This mailbox was already cancelled.");
	else if (in_transaction(ctx, do_cancel, &m) < 0)
		web_error(ctx, 500, "The mailbox could not be cancelled. Please try again.");
	else
		web_redirect(ctx, back, "ok", "Mailbox cancelled. Charges already made are still billed.");
	free(back);
}

void page_mailbox_reopen(struct web_ctx *ctx)
{
	struct mailbox_view m;
	struct sync_outcome out;
	char *back = NULL;
	if (action_mailbox(ctx, &m, &back) < 0)
		return;
	if (db_begin(ctx->db) < 0) {
		web_error(ctx, 500, "The mailbox could not be reopened. Nothing was changed; please try again.");
		free(back);
		return;
	}
	int rc = membership_sync_reopen(ctx->db, ctx->operator_id, m.id, time_now() * 1000, &out);
	if (rc < 0 || out.result != SYNC_APPLIED || db_commit(ctx->db) < 0) {
		db_rollback(ctx->db);
		if (rc < 0 || out.result == SYNC_APPLIED)
			web_error(ctx, 500, "The mailbox could not be reopened. Nothing was changed; please try again.");
		else
			web_redirect(ctx, back, "error", out.message);
		free(back);
		return;
	}
	log_info("mailboxes", "mailbox reopened mailbox=%lld", (long long)m.id);
	web_redirect(ctx, back, "ok", out.message);
	free(back);
}
