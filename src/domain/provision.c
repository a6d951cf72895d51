/* provision.c: see provision.h. */
#include "domain/provision.h"
#include "mail/invitation_email.h"
#include "store/operators.h"
#include "util/config.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

/* Queues the invitation email of invitation_id with the link for token. 0 or -1. */
static int enqueue_invitation_email(struct db *db, int64_t operator_id, const struct mailbox_view *mb,
				    int64_t invitation_id, const char *token, int64_t expires_at)
{
	struct operator op = { 0 };
	if (operator_get(db, operator_id, &op) < 0)
		return -1;
	char *link = xasprintf("%s/invite/%s", config_get()->base_url, token);
	struct invitation_email e = {
		.operator_name = op.name,
		.space_name = mb->space_name,
		.pmb = mb->pmb,
		.renter_name = mb->renter_name,
		.link = link,
		.expires_at = expires_at,
	};
	char *subject, *text, *html;
	invitation_email_build(&e, &subject, &text, &html);
	struct outbox_message m = {
		.kind = "invitation",
		.invitation_id = invitation_id,
		.to = mb->renter_email,
		.subject = subject,
		.text = text,
		.html = html,
	};
	int64_t outbox_id = outbox_enqueue(db, operator_id, &m);
	/* The link is a secret from here on: only the outbox row holds it, until it is sent. */
	memset(link, 0, strlen(link));
	free(link);
	free(subject);
	free(text);
	free(html);
	operator_clear(&op);
	return outbox_id > 0 ? 0 : -1;
}

/* A new pending invitation for the mailbox, and its email when the renter has an address. */
static int invite(struct db *db, int64_t operator_id, int64_t mailbox_id, int64_t now)
{
	struct mailbox_view mb;
	if (mailbox_get(db, operator_id, mailbox_id, &mb) < 0)
		return -1;
	char *token = NULL;
	int64_t invitation_id = invitation_create(db, operator_id, mailbox_id, now, &token);
	if (invitation_id < 0)
		return -1;
	int rc = 0;
	if (mb.renter_email[0])
		rc = enqueue_invitation_email(db, operator_id, &mb, invitation_id, token, now + INVITATION_LIFETIME_S);
	else
		log_warn("provision", "renter has no email: invitation not sent mailbox=%lld", (long long)mailbox_id);
	memset(token, 0, strlen(token));
	free(token);
	return rc;
}

/* provision_mailbox, with or without the invitation. */
static int64_t provision_create(struct db *db, int64_t operator_id, const struct renter_fields *renter,
				struct mailbox_fields *mailbox, int64_t now, int *exists, int with_invitation)
{
	int dummy = 0;
	if (!exists)
		exists = &dummy;
	*exists = 0;
	/* Checked first so a repeated event changes nothing at all, not even the renter. */
	if (mailbox_find_by_membership(db, operator_id, mailbox->officernd_membership_id) > 0) {
		*exists = 1;
		return -1;
	}
	int64_t renter_id = renter_upsert(db, operator_id, renter);
	if (renter_id < 0)
		return -1;
	mailbox->renter_id = renter_id;
	int64_t mailbox_id = mailbox_create(db, operator_id, mailbox, exists);
	if (mailbox_id < 0)
		return -1;
	if (with_invitation && invite(db, operator_id, mailbox_id, now) < 0)
		return -1;
	log_info("provision", "mailbox provisioned mailbox=%lld operator=%lld source=%s invited=%d", (long long)mailbox_id,
		 (long long)operator_id, mailbox->source ? mailbox->source : "manual", with_invitation);
	return mailbox_id;
}

int64_t provision_mailbox(struct db *db, int64_t operator_id, const struct renter_fields *renter,
			  struct mailbox_fields *mailbox, int64_t now, int *exists)
{
	return provision_create(db, operator_id, renter, mailbox, now, exists, 1);
}

int64_t provision_mailbox_uninvited(struct db *db, int64_t operator_id, const struct renter_fields *renter,
				    struct mailbox_fields *mailbox, int64_t now, int *exists)
{
	return provision_create(db, operator_id, renter, mailbox, now, exists, 0);
}

int provision_reinvite(struct db *db, int64_t operator_id, int64_t mailbox_id, int64_t now)
{
	struct mailbox_view mb;
	struct invitation_status inv;
	if (mailbox_get(db, operator_id, mailbox_id, &mb) < 0 || str_eq(mb.status, "cancelled"))
		return -1;
	if (invitation_latest(db, operator_id, mailbox_id, now, &inv) < 0 || str_eq(inv.state, "accepted"))
		return -1;
	if (invitation_revoke_pending(db, operator_id, mailbox_id) < 0)
		return -1;
	if (invite(db, operator_id, mailbox_id, now) < 0)
		return -1;
	log_info("provision", "invitation re-sent mailbox=%lld", (long long)mailbox_id);
	return 0;
}

int provision_cancel(struct db *db, int64_t operator_id, int64_t mailbox_id, const char *by)
{
	struct mailbox_view mb;
	if (mailbox_get(db, operator_id, mailbox_id, &mb) < 0)
		return -1;
	if (str_eq(mb.status, "cancelled"))
		return 0;
	if (mailbox_set_status(db, operator_id, mailbox_id, "cancelled") < 0 ||
	    mailbox_set_cancelled_by(db, operator_id, mailbox_id, by) < 0 ||
	    invitation_revoke_pending(db, operator_id, mailbox_id) < 0)
		return -1;
	log_info("provision", "mailbox cancelled mailbox=%lld by=%s", (long long)mailbox_id, by);
	return 0;
}
