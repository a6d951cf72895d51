/*
 * pages.h: the page handlers, one source file per page (web/page_*.c), listed in web/routes.c.
 */
#ifndef PILOTOMAIL_PAGES_H
#define PILOTOMAIL_PAGES_H

#include "web/web.h"

struct mail_item;
struct offering;
struct scan_delivery;

/* page_login.c */
void page_login_form(struct web_ctx *ctx);
void page_login_submit(struct web_ctx *ctx);
void page_logout(struct web_ctx *ctx);
void page_home(struct web_ctx *ctx);

/* page_spaces.c */
void page_spaces_list(struct web_ctx *ctx);
void page_spaces_create(struct web_ctx *ctx);
void page_spaces_edit(struct web_ctx *ctx);
void page_spaces_rename(struct web_ctx *ctx);
void page_spaces_delete(struct web_ctx *ctx);

/* page_offerings.c */
void page_offerings_list(struct web_ctx *ctx);
void page_offerings_new(struct web_ctx *ctx);
void page_offerings_create(struct web_ctx *ctx);
void page_offerings_edit(struct web_ctx *ctx);
void page_offerings_update(struct web_ctx *ctx);
void page_offerings_delete(struct web_ctx *ctx);

/* page_mail.c */
void page_mail_list(struct web_ctx *ctx);
void page_mail_new(struct web_ctx *ctx);
void page_mail_create(struct web_ctx *ctx);
void page_mail_item(struct web_ctx *ctx);
void page_mail_assign(struct web_ctx *ctx);
void page_mail_action_record(struct web_ctx *ctx);
void page_mail_action_complete(struct web_ctx *ctx);
void page_mail_action_cancel(struct web_ctx *ctx);
/* The item page with a refusal (message) and its status. */
void page_mail_item_refused(struct web_ctx *ctx, int64_t id, const char *message, int status);

/* page_scans.c */
void page_mail_scan_view(struct web_ctx *ctx);
void page_mail_scan_download(struct web_ctx *ctx);
void page_mail_scan_attach(struct web_ctx *ctx);
void page_mail_scan_remove(struct web_ctx *ctx);
void page_renter_scan_view(struct web_ctx *ctx);
void page_renter_scan_download(struct web_ctx *ctx);
/* 1 when a scan file may be attached to the item now: it was scanned and not shredded. */
int page_scan_attachable(struct web_ctx *ctx, const struct mail_item *it);
/* The request's `scan_file` part, checked and staged into d: 1 staged, 0 the form is not
 * multipart (a script's urlencoded POST: no file), -1 refused (msg and *status say why). */
int page_scan_stage(struct web_ctx *ctx, struct scan_delivery *d, char *msg, size_t size, int *status);

/* page_charges.c */
void page_charges_list(struct web_ctx *ctx);
void page_charges_bill_earlier(struct web_ctx *ctx);
void page_charges_retry(struct web_ctx *ctx);
/* Puts charges into the HDF as prefix.N.{id, reference, pmb, renter, kind, description, amount,
 * currency, date, state, state_label, state_class, fee_id, error, mail_id, free} (for mail pages). */
struct charge;
void page_charges_set_rows(struct web_ctx *ctx, const char *prefix, const struct charge *items, size_t n);

/* page_renter_mail.c */
void page_renter_mail(struct web_ctx *ctx);
void page_renter_mail_request(struct web_ctx *ctx);
/* The price of one more action A on the item, for the renter: "Included in your plan.",
 * "Free: 2 of your 3 free this month left, then 1.50 USD." ... 0 or -1. */
int page_renter_price_words(struct web_ctx *ctx, const struct mail_item *it, const struct offering *off,
			    const char *action, char *buf, size_t size);

/* page_renter_request.c: GET /my/mail/ID/request?action=A, the step before asking: the price
 * and the free ones left, the forwarding address (the last one used prefilled), the shred's
 * confirmation. page_renter_ask_render shows it with an error and status (a refused POST). */
void page_renter_mail_ask(struct web_ctx *ctx);
void page_renter_ask_render(struct web_ctx *ctx, int64_t item_id, const char *action, const char *error, int status);

/* page_settings_zone.c */
void page_settings_zone(struct web_ctx *ctx);
void page_settings_zone_save(struct web_ctx *ctx);

/* page_integrations.c */
void page_integrations(struct web_ctx *ctx);
void page_integrations_stripe(struct web_ctx *ctx);
/* The OfficeRnD card: officernd_card_view.c, officernd_card_form.c, officernd_card_test.c,
 * officernd_webhook.c (shared: web/officernd_card.h). */
void page_officernd_form(struct web_ctx *ctx);
void page_officernd_save(struct web_ctx *ctx);
void page_officernd_test(struct web_ctx *ctx);
void page_officernd_webhook_token(struct web_ctx *ctx);

/* page_officernd_lists.c: the card's cached OfficeRnD lists. page_officernd_lists_status sets
 * Lists.{configured, loaded, fetched, n_plans, n_locations, refreshing, error, error_at}. */
struct officernd_lists;
void page_officernd_lists_status(struct web_ctx *ctx, const struct officernd_lists *l, int configured);
void page_officernd_refresh_lists(struct web_ctx *ctx);

/* page_existing_members.c: OfficeRnD members who had no mailbox, loaded and imported by the worker. */
void page_existing_members(struct web_ctx *ctx);
void page_existing_members_load(struct web_ctx *ctx);
void page_existing_members_import(struct web_ctx *ctx);
/* officernd_webhook.c: Register webhook in OfficeRnD, and the red notice's one-click fix. */
void page_officernd_register(struct web_ctx *ctx);
void page_officernd_fix(struct web_ctx *ctx);

/* page_officernd_disconnect.c: the confirmation page and Disconnect OfficeRnD. */
void page_officernd_disconnect_confirm(struct web_ctx *ctx);
void page_officernd_disconnect(struct web_ctx *ctx);

/* officernd_health.c: the connection's health in plain words. page_officernd_health_set sets
 * prefix.{webhook, webhook_words, webhook_error, missing_events, registered, credentials,
 * credentials_words, credentials_error, bad, checked, last_event}; page_officernd_notice sets
 * Conn.{notice, fix, missing_events, credentials_error} for the layout's red notice. */
void page_officernd_health_set(struct web_ctx *ctx, const char *prefix);
void page_officernd_notice(struct web_ctx *ctx);

/* page_activity.c */
void page_activity(struct web_ctx *ctx);
void page_activity_retry(struct web_ctx *ctx);
void page_activity_reconcile(struct web_ctx *ctx);
void page_activity_held_confirm(struct web_ctx *ctx);
void page_activity_held_keep(struct web_ctx *ctx);

/* page_mailboxes.c */
void page_mailboxes_list(struct web_ctx *ctx);
void page_mailboxes_new(struct web_ctx *ctx);
void page_mailboxes_create(struct web_ctx *ctx);
void page_mailbox_show(struct web_ctx *ctx);
void page_mailbox_resend(struct web_ctx *ctx);
void page_mailbox_revoke(struct web_ctx *ctx);
void page_mailbox_cancel(struct web_ctx *ctx);
void page_mailbox_reopen(struct web_ctx *ctx);
/* The mailbox page with an error about a refused edit (NULL: none) and its status. */
void page_mailbox_render(struct web_ctx *ctx, int64_t id, const char *error, int status);
/* The operator's spaces and offerings as Form.spaces / Form.offerings (selected marked). 0 or -1. */
int page_mailboxes_set_choices(struct web_ctx *ctx, int64_t space_id, int64_t offering_id);

/* page_mailbox_details.c: the rest of the mailbox page (its mail and charges, paged by key; the
 * OfficeRnD member, plan and location by name; the edit form), and the edit itself. Returns 0,
 * or -1 when it answered already (a bad page link: 400; a store error: 500). */
struct mailbox_view;
int page_mailbox_details(struct web_ctx *ctx, const struct mailbox_view *m, const char *error);
void page_mailbox_edit(struct web_ctx *ctx);

/* page_invite.c */
void page_invite_show(struct web_ctx *ctx);
void page_invite_accept(struct web_ctx *ctx);

/* page_renter.c */
void page_renter_login_form(struct web_ctx *ctx);
void page_renter_login_submit(struct web_ctx *ctx);
void page_renter_logout(struct web_ctx *ctx);
void page_renter_home(struct web_ctx *ctx);

/* page_password.c: password reset by an emailed one-time link, for operators and renters. */
void page_password_forgot_form(struct web_ctx *ctx);
void page_password_forgot_submit(struct web_ctx *ctx);
void page_password_reset_form(struct web_ctx *ctx);
void page_password_reset_submit(struct web_ctx *ctx);
void page_renter_password_forgot_form(struct web_ctx *ctx);
void page_renter_password_forgot_submit(struct web_ctx *ctx);
void page_renter_password_reset_form(struct web_ctx *ctx);
void page_renter_password_reset_submit(struct web_ctx *ctx);
/* Why a new password (typed twice) cannot be used, in words for the person; NULL when it can. */
const char *web_password_problem(const char *password, const char *confirm);

/* page_account.c */
void page_account(struct web_ctx *ctx);
void page_account_name(struct web_ctx *ctx);
void page_account_password(struct web_ctx *ctx);

#endif
