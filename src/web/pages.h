/*
 * pages.h: the page handlers, one source file per page (web/page_*.c), listed in web/routes.c.
 */
#ifndef PILOTOMAIL_PAGES_H
#define PILOTOMAIL_PAGES_H

#include "web/web.h"

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

/* page_settings_zone.c */
void page_settings_zone(struct web_ctx *ctx);
void page_settings_zone_save(struct web_ctx *ctx);

/* page_integrations.c */
void page_integrations(struct web_ctx *ctx);
void page_integrations_stripe(struct web_ctx *ctx);
void page_officernd_form(struct web_ctx *ctx);
void page_officernd_save(struct web_ctx *ctx);
void page_officernd_test(struct web_ctx *ctx);
void page_officernd_webhook_token(struct web_ctx *ctx);

/* page_officernd_lists.c: the card's cached OfficeRnD lists. page_officernd_lists_status sets
 * Lists.{configured, loaded, fetched, n_plans, n_locations, refreshing, error, error_at}. */
struct officernd_lists;
void page_officernd_lists_status(struct web_ctx *ctx, const struct officernd_lists *l, int configured);
void page_officernd_refresh_lists(struct web_ctx *ctx);

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

/* page_invite.c */
void page_invite_show(struct web_ctx *ctx);
void page_invite_accept(struct web_ctx *ctx);

/* page_renter.c */
void page_renter_login_form(struct web_ctx *ctx);
void page_renter_login_submit(struct web_ctx *ctx);
void page_renter_logout(struct web_ctx *ctx);
void page_renter_home(struct web_ctx *ctx);

#endif
