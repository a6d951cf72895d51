/* membership_sync.c: see membership_sync.h. */
#include "domain/membership_sync.h"
#include "domain/provision.h"
#include "store/mailboxes.h"
#include "store/memberships.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/util.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define DAY_MS ((int64_t)86400 * 1000)

enum want { WANT_NONE, WANT_HOLD, WANT_ACTIVE };

/* What the membership asks for, from its event and the operator's links. */
struct desired {
	enum want want;
	int64_t offering_id;
	int64_t space_id;     /* 0: no space (location not linked) */
	char reason[256];     /* why WANT_NONE or WANT_HOLD */
	char attention[256];  /* needs_attention of the mailbox, "" when all is well */
};

static void outcome_set(struct sync_outcome *out, enum sync_result r, const char *fmt, ...) PRINTF_LIKE(3, 4);

static void outcome_set(struct sync_outcome *out, enum sync_result r, const char *fmt, ...)
{
	va_list ap;
	out->result = r;
	va_start(ap, fmt);
	vsnprintf(out->message, sizeof(out->message), fmt, ap);
	va_end(ap);
}

int membership_end_passed(const char *end_date, int64_t now_ms)
{
	int64_t end_ms;
	if (!end_date || time_parse_iso_ms(end_date, &end_ms) < 0)
		return 0;
	if (strlen(end_date) == 10) /* "YYYY-MM-DD": the membership runs through that day */
		end_ms += DAY_MS;
	return end_ms <= now_ms;
}

int membership_sync_ended(const struct event_membership *m, int64_t now_ms)
{
	if (strcmp(m->calculated_status ? m->calculated_status : "", "expired") == 0)
		return 1;
	return membership_end_passed(m->end_date, now_ms);
}

static int not_approved(const struct event_membership *m)
{
	return str_eq(m->status, "not_approved") || str_eq(m->calculated_status, "not_approved");
}

/* Fills d from the membership and the links; 0 or -1 (store error). */
static int desire(struct db *db, int64_t operator_id, const struct event_membership *m, int64_t now_ms,
		  struct desired *d)
{
	memset(d, 0, sizeof(*d));
	d->offering_id = membership_plan_offering(db, operator_id, m->plan);
	d->space_id = membership_location_space(db, operator_id, m->location);
	if (d->offering_id < 0 || d->space_id < 0)
		return -1;
	if (!m->location)
		snprintf(d->attention, sizeof(d->attention),
			 "the OfficeRnD membership has no location: choose a space for this mailbox");
	else if (!d->space_id)
		snprintf(d->attention, sizeof(d->attention),
			 "OfficeRnD location %.64s is not linked to a space", m->location);
	d->want = WANT_ACTIVE;
	if (!d->offering_id) {
		d->want = WANT_NONE;
		snprintf(d->reason, sizeof(d->reason), "plan %.64s is not linked to a mailbox offering",
			 m->plan);
	} else if (membership_sync_ended(m, now_ms)) {
		d->want = WANT_NONE;
		if (m->end_date)
			snprintf(d->reason, sizeof(d->reason), "the membership ended (end date %.10s)",
				 m->end_date);
		else
			snprintf(d->reason, sizeof(d->reason), "the membership has expired");
	} else if (not_approved(m)) {
		d->want = WANT_HOLD;
		snprintf(d->reason, sizeof(d->reason), "the membership is not approved");
	}
	return 0;
}

/* Why OfficeRnD could not give us what and id, in the operator's words. */
static void fetch_failed(struct sync_outcome *out, const char *what, const char *id,
			 const struct orn_error *err)
{
	out->error = *err;
	if (orn_error_retryable(err)) {
		outcome_set(out, SYNC_RETRY, "OfficeRnD did not give the %s %.64s (%s): %s", what, id,
			    orn_status_name(err->status), err->message);
		return;
	}
	switch (err->status) {
	case ORN_ERR_NOT_FOUND:
		outcome_set(out, SYNC_FAILED, "the %s %.64s was not found in OfficeRnD: check it there, "
			    "then retry", what, id);
		break;
	case ORN_ERR_NOT_CONFIGURED:
		outcome_set(out, SYNC_FAILED, "OfficeRnD is not connected: enter the organization, Client "
			    "ID and Client Secret under Settings \xe2\x86\x92 Integrations, then retry");
		break;
	default:
		outcome_set(out, SYNC_FAILED, "OfficeRnD refused to give the %s %.64s (%s): %s", what,
			    id, orn_status_name(err->status), err->message);
		break;
	}
}

/* The member, and the company when the membership is a company's (an unknown company only
 * loses its name: the member and the membership are what matter). */
static int fetch_people(const struct event_membership *m, const struct sync_fetch *fetch,
			struct sync_prepared *prep, struct sync_outcome *out)
{
	struct orn_error err;
	memset(&err, 0, sizeof(err));
	if (fetch->get_member(fetch->ctx, m->member, &prep->member, &err) < 0) {
		fetch_failed(out, "member", m->member, &err);
		return -1;
	}
	prep->have_member = 1;
	if (!m->company)
		return 0;
	memset(&err, 0, sizeof(err));
	if (fetch->get_company(fetch->ctx, m->company, &prep->company, &err) == 0) {
		prep->have_company = 1;
		return 0;
	}
	if (err.status == ORN_ERR_NOT_FOUND) {
		log_warn("sync", "company not found company=%.64s", m->company);
		return 0;
	}
	fetch_failed(out, "company", m->company, &err);
	return -1;
}

/* 1 when prepare is to fetch the member (a mailbox will probably be created), 0 when not, -1 on
 * a store error (out says so). */
static int prepare_needs_people(struct db *db, int64_t operator_id, const struct event *ev, int64_t now_ms,
				struct sync_outcome *out)
{
	const struct event_membership *m = &ev->membership;
	struct membership_row row;
	struct desired d;
	if (ev->kind == EVENT_REMOVED)
		return 0;
	int seen = membership_row_get(db, operator_id, m->id, &row);
	if (seen < 0 || desire(db, operator_id, m, now_ms, &d) < 0) {
		outcome_set(out, SYNC_RETRY, "the store could not be read; trying again");
		return -1;
	}
	if (seen == 0 && (row.removed || event_is_older(m->version_ms, row.version_ms)))
		return 0; /* apply skips it */
	if (d.want != WANT_ACTIVE || mailbox_find_by_membership(db, operator_id, m->id) > 0)
		return 0;
	return 1;
}

int membership_sync_wants_member(struct db *db, int64_t operator_id, const struct event *ev, int64_t now_ms)
{
	struct sync_outcome out;
	memset(&out, 0, sizeof(out));
	return prepare_needs_people(db, operator_id, ev, now_ms, &out);
}

int membership_sync_prepare(struct db *db, int64_t operator_id, const struct event *ev,
			    const struct sync_fetch *fetch, int64_t now_ms, struct sync_prepared *prep,
			    struct sync_outcome *out)
{
	memset(out, 0, sizeof(*out));
	int need = prepare_needs_people(db, operator_id, ev, now_ms, out);
	if (need <= 0)
		return need;
	return fetch_people(&ev->membership, fetch, prep, out);
}

static void membership_record(struct db *db, int64_t operator_id, const struct event_membership *m,
			      int removed, int64_t now_ms, int *rc)
{
	struct membership_put p = {
		.membership_id = m->id,
		.member_id = m->member,
		.company_id = m->company,
		.plan_id = m->plan,
		.location_id = m->location ? m->location : "",
		.status = m->status,
		.end_date = m->end_date,
		.is_personal = m->is_personal,
		.version_ms = m->version_ms,
		.removed = removed,
		.now = now_ms / 1000,
	};
	if (*rc == 0 && membership_row_put(db, operator_id, &p) < 0)
		*rc = -1;
}

static int apply_removed(struct db *db, int64_t operator_id, const struct event *ev, struct sync_outcome *out)
{
	int64_t mb = mailbox_find_by_membership(db, operator_id, ev->membership.id);
	struct mailbox_view v;
	if (mb <= 0) {
		outcome_set(out, SYNC_APPLIED, "membership removed; it had no mailbox");
		return 0;
	}
	if (mailbox_get(db, operator_id, mb, &v) < 0)
		return -1;
	if (strcmp(v.status, "cancelled") == 0) {
		/* Nothing left to reopen it for: the note that offered it goes. */
		if (*v.needs_attention && mailbox_set_attention(db, operator_id, mb, "") < 0)
			return -1;
		outcome_set(out, SYNC_APPLIED, "membership removed; mailbox %s was already cancelled%s", v.pmb,
			    str_eq(v.cancelled_by, "operator") ? " (by you)" : "");
		return 0;
	}
	if (provision_cancel(db, operator_id, mb, "officernd") < 0)
		return -1;
	/* Only say what happened: an accepted invitation is not revoked. */
	int revoked = str_eq(v.invitation_state, "pending") || str_eq(v.invitation_state, "expired");
	outcome_set(out, SYNC_APPLIED, "membership removed: mailbox %s cancelled%s", v.pmb,
		    revoked ? ", its unaccepted invitation revoked" : "");
	return 0;
}

/* A cancelling or holding state on a membership that may have a mailbox. */
static int apply_inactive(struct db *db, int64_t operator_id, int64_t mb, const struct desired *d,
			  struct sync_outcome *out)
{
	struct mailbox_view v;
	if (mb <= 0) {
		if (d->want == WANT_HOLD)
			outcome_set(out, SYNC_SKIPPED, "%s: no mailbox until it is", d->reason);
		else
			outcome_set(out, SYNC_SKIPPED, "%s", d->reason);
		return 0;
	}
	if (mailbox_get(db, operator_id, mb, &v) < 0)
		return -1;
	if (strcmp(v.status, "cancelled") == 0) {
		outcome_set(out, SYNC_APPLIED, "no change: mailbox %s is cancelled (%s)", v.pmb, d->reason);
		return 0;
	}
	if (d->want == WANT_NONE) {
		if (provision_cancel(db, operator_id, mb, "officernd") < 0)
			return -1;
		outcome_set(out, SYNC_APPLIED, "mailbox %s cancelled: %s", v.pmb, d->reason);
		return 0;
	}
	if (strcmp(v.status, "on_hold") == 0) {
		outcome_set(out, SYNC_APPLIED, "no change: mailbox %s is on hold (%s)", v.pmb, d->reason);
		return 0;
	}
	if (mailbox_set_status(db, operator_id, mb, "on_hold") < 0)
		return -1;
	outcome_set(out, SYNC_APPLIED, "mailbox %s put on hold: %s", v.pmb, d->reason);
	return 0;
}

static void changes_add(struct strbuf *sb, const char *what)
{
	strbuf_adds(sb, sb->len ? "; " : "");
	strbuf_adds(sb, what);
}

/* Brings an existing mailbox to an active one matching d. */
static int apply_update(struct db *db, int64_t operator_id, int64_t mb, const struct event_membership *m,
			const struct desired *d, int64_t now_ms, struct sync_outcome *out)
{
	struct mailbox_view v;
	struct strbuf changes = { 0 };
	int rc = -1;
	if (mailbox_get(db, operator_id, mb, &v) < 0)
		return -1;
	if (strcmp(v.status, "active") != 0) {
		int was_cancelled = strcmp(v.status, "cancelled") == 0;
		if (mailbox_set_status(db, operator_id, mb, "active") < 0)
			goto done;
		if (was_cancelled && strcmp(v.invitation_state, "accepted") != 0) {
			if (provision_reinvite(db, operator_id, mb, now_ms / 1000) < 0)
				goto done;
			changes_add(&changes, "reactivated with a new invitation");
		} else {
			changes_add(&changes, was_cancelled ? "reactivated" : "active again");
		}
	}
	if (v.offering_id != d->offering_id) {
		if (mailbox_set_offering(db, operator_id, mb, d->offering_id) < 0)
			goto done;
		changes_add(&changes, "offering changed");
	}
	int64_t space = d->space_id ? d->space_id : v.space_id;
	if (space != v.space_id || strcmp(v.needs_attention, d->attention) != 0) {
		if (mailbox_set_space(db, operator_id, mb, space, m->location, d->attention) < 0)
			goto done;
		changes_add(&changes, space != v.space_id ? "space changed" : "attention note updated");
	}
	if (mailbox_get(db, operator_id, mb, &v) < 0)
		goto done;
	if (changes.len)
		outcome_set(out, SYNC_APPLIED, "mailbox %s: %s (offering %s, %s%s)%s%s", v.pmb,
			    changes.buf, v.offering_name, v.space_id ? "space " : "no space yet",
			    v.space_id ? v.space_name : "",
			    *d->attention ? "; needs attention: " : "", d->attention);
	else
		outcome_set(out, SYNC_APPLIED, "no change: mailbox %s already matches the membership", v.pmb);
	rc = 0;
done:
	strbuf_free(&changes);
	return rc;
}

/* Creates the mailbox; *mb gets its id, or the existing one's when the membership has one
 * already (then the caller applies the event as an update). */
static int apply_create(struct db *db, int64_t operator_id, const struct event_membership *m,
			const struct desired *d, const struct sync_prepared *prep, int64_t now_ms,
			int64_t *mb, struct sync_outcome *out)
{
	struct renter_fields renter = {
		.name = prep->member.name,
		.email = prep->member.email ? prep->member.email : "",
		.company_name = prep->have_company ? prep->company.name : "",
		.officernd_member_id = prep->member.id,
		.officernd_company_id = m->company,
	};
	struct mailbox_fields f = {
		.space_id = d->space_id,
		.offering_id = d->offering_id,
		.source = "officernd",
		.officernd_membership_id = m->id,
		.officernd_location_id = m->location,
		.needs_attention = d->attention,
	};
	int exists = 0;
	struct mailbox_view v;
	*mb = prep->no_invitation ? provision_mailbox_uninvited(db, operator_id, &renter, &f, now_ms / 1000, &exists)
				  : provision_mailbox(db, operator_id, &renter, &f, now_ms / 1000, &exists);
	if (*mb < 0 && exists) {
		*mb = mailbox_find_by_membership(db, operator_id, m->id);
		return *mb > 0 ? 1 : -1;
	}
	if (*mb < 0 || mailbox_get(db, operator_id, *mb, &v) < 0)
		return -1;
	/* Without a space: "... with offering Basic and no space yet", never "in space none". */
	outcome_set(out, SYNC_APPLIED, "mailbox %s created for %.100s%s%.100s%s with offering %s %s%s; "
		    "%s%s%s", v.pmb, renter.name, *renter.email ? " <" : "", renter.email,
		    *renter.email ? ">" : "", v.offering_name, v.space_id ? "in space " : "and no space yet",
		    v.space_id ? v.space_name : "",
		    prep->no_invitation ? "no invitation (created without inviting)"
		    : *renter.email ? "invitation email queued" : "no email address: no invitation sent",
		    *d->attention ? "; needs attention: " : "", d->attention);
	return 0;
}

/* The note on a mailbox the operator cancelled whose membership OfficeRnD would give a mailbox. */
#define REOPEN_NOTE "OfficeRnD changed this membership after you cancelled its mailbox: reopen it if the " \
		    "member should get mail again"

/*
 * A mailbox the operator cancelled stays cancelled whatever OfficeRnD says: no reactivation, no
 * invitation, no storage charges. When the membership would have a mailbox, the mailbox is
 * flagged so the operator can reopen it; when it would not, any such flag goes.
 */
static int apply_kept_cancelled(struct db *db, int64_t operator_id, const struct mailbox_view *v,
				const struct desired *d, struct sync_outcome *out)
{
	const char *note = d->want == WANT_ACTIVE ? REOPEN_NOTE : "";
	if (!str_eq(v->needs_attention, note) && mailbox_set_attention(db, operator_id, v->id, note) < 0)
		return -1;
	if (d->want == WANT_ACTIVE)
		outcome_set(out, SYNC_APPLIED, "mailbox %s stays cancelled: you cancelled it; marked as needing "
			    "attention (reopen it from its page if the member should get mail again)", v->pmb);
	else
		outcome_set(out, SYNC_APPLIED, "no change: mailbox %s stays cancelled (you cancelled it; %s)", v->pmb,
			    d->reason);
	return 0;
}

/* 1 when mb is a mailbox the operator cancelled (v filled), 0 when not, -1 on a store error. */
static int operator_cancelled(struct db *db, int64_t operator_id, int64_t mb, struct mailbox_view *v)
{
	if (mb <= 0)
		return 0;
	if (mailbox_get(db, operator_id, mb, v) < 0)
		return -1;
	return str_eq(v->status, "cancelled") && str_eq(v->cancelled_by, "operator");
}

static int apply_active(struct db *db, int64_t operator_id, int64_t mb, const struct event_membership *m,
			const struct desired *d, const struct sync_prepared *prep, int64_t now_ms,
			struct sync_outcome *out)
{
	if (mb <= 0) {
		if (!prep->have_member) {
			/* The mailbox went away since step 1 looked (an operator, another event). */
			outcome_set(out, SYNC_RETRY, "the member's details are needed first; trying again");
			return 0;
		}
		int rc = apply_create(db, operator_id, m, d, prep, now_ms, &mb, out);
		if (rc <= 0)
			return rc;
	}
	return apply_update(db, operator_id, mb, m, d, now_ms, out);
}

int membership_sync_apply(struct db *db, int64_t operator_id, const struct event *ev,
			  const struct sync_prepared *prep, int64_t now_ms, struct sync_outcome *out)
{
	const struct event_membership *m = &ev->membership;
	struct membership_row row;
	struct desired d;
	int rc;
	memset(out, 0, sizeof(*out));
	int seen = membership_row_get(db, operator_id, m->id, &row);
	if (seen < 0)
		return -1;
	if (seen == 0 && row.removed) {
		outcome_set(out, SYNC_SKIPPED, "the membership was removed in OfficeRnD: later events "
			    "change nothing");
		return 0;
	}
	if (ev->kind == EVENT_REMOVED) {
		rc = apply_removed(db, operator_id, ev, out);
		membership_record(db, operator_id, m, 1, now_ms, &rc);
		return rc;
	}
	if (seen == 0 && event_is_older(m->version_ms, row.version_ms)) {
		outcome_set(out, SYNC_SKIPPED, "older than the state already applied");
		return 0;
	}
	if (desire(db, operator_id, m, now_ms, &d) < 0)
		return -1;
	int64_t mb = mailbox_find_by_membership(db, operator_id, m->id);
	struct mailbox_view v;
	int kept = operator_cancelled(db, operator_id, mb, &v);
	if (kept < 0)
		return -1;
	if (kept)
		rc = apply_kept_cancelled(db, operator_id, &v, &d, out);
	else if (d.want == WANT_ACTIVE)
		rc = apply_active(db, operator_id, mb, m, &d, prep, now_ms, out);
	else
		rc = apply_inactive(db, operator_id, mb, &d, out);
	if (out->result != SYNC_RETRY)
		membership_record(db, operator_id, m, 0, now_ms, &rc);
	return rc;
}

/* Reopens a manual mailbox: active again, with a new invitation unless the renter accepted one. */
static int reopen_manual(struct db *db, int64_t operator_id, const struct mailbox_view *v, int64_t now_ms,
			 struct sync_outcome *out)
{
	int invite = !str_eq(v->invitation_state, "accepted");
	if (mailbox_set_status(db, operator_id, v->id, "active") < 0 || mailbox_set_attention(db, operator_id, v->id, "") < 0 ||
	    (invite && provision_reinvite(db, operator_id, v->id, now_ms / 1000) < 0))
		return -1;
	outcome_set(out, SYNC_APPLIED, "Mailbox PMB %s reopened%s.", v->pmb,
		    invite ? ": a new invitation email is on its way" : "");
	return 0;
}

/* The stored membership state as an event's membership (pointing into st). */
static void membership_from_state(const char *id, struct membership_state *st, struct event_membership *m)
{
	memset(m, 0, sizeof(*m));
	m->id = (char *)(uintptr_t)id;
	m->member = st->member_id;
	m->plan = st->plan_id;
	m->company = *st->company_id ? st->company_id : NULL;
	m->location = *st->location_id ? st->location_id : NULL;
	m->end_date = *st->end_date ? st->end_date : NULL;
	m->status = st->status;
	m->calculated_status = (char *)(uintptr_t)"";
	m->is_personal = st->is_personal;
	m->version_ms = st->version_ms;
}

int membership_sync_reopen(struct db *db, int64_t operator_id, int64_t mailbox_id, int64_t now_ms,
			   struct sync_outcome *out)
{
	struct mailbox_view v;
	struct membership_state st;
	struct event_membership m;
	struct desired d;
	memset(out, 0, sizeof(*out));
	if (mailbox_get(db, operator_id, mailbox_id, &v) < 0)
		return -1;
	if (!str_eq(v.status, "cancelled") || !str_eq(v.cancelled_by, "operator")) {
		outcome_set(out, SYNC_SKIPPED, str_eq(v.status, "cancelled")
			    ? "Only a mailbox you cancelled can be reopened here: OfficeRnD cancelled this one, "
			      "and reopens it when its membership asks for a mailbox again."
			    : "This mailbox is not cancelled.");
		return 0;
	}
	if (!*v.membership_id)
		return reopen_manual(db, operator_id, &v, now_ms, out);
	int rc = membership_state_get(db, operator_id, v.membership_id, &st);
	if (rc < 0)
		return -1;
	if (rc == 0 && st.removed) {
		outcome_set(out, SYNC_SKIPPED, "The membership was removed in OfficeRnD: this mailbox cannot be "
			    "reopened. Create a new mailbox for the renter if they should get mail.");
		return 0;
	}
	if (rc == 1) /* no state applied yet (cancelled before its first event): reopen as it was */
		return reopen_manual(db, operator_id, &v, now_ms, out);
	membership_from_state(v.membership_id, &st, &m);
	if (desire(db, operator_id, &m, now_ms, &d) < 0)
		return -1;
	if (d.want == WANT_NONE) {
		outcome_set(out, SYNC_SKIPPED, "Not reopened: in OfficeRnD, %s. Change the membership there first.",
			    d.reason);
		return 0;
	}
	if (d.want == WANT_HOLD) {
		if (mailbox_set_status(db, operator_id, v.id, "on_hold") < 0 ||
		    mailbox_set_attention(db, operator_id, v.id, d.attention) < 0)
			return -1;
		outcome_set(out, SYNC_APPLIED, "Mailbox PMB %s reopened on hold: %s.", v.pmb, d.reason);
		return 0;
	}
	if (mailbox_set_attention(db, operator_id, v.id, "") < 0 ||
	    apply_update(db, operator_id, v.id, &m, &d, now_ms, out) < 0)
		return -1;
	char done[sizeof(out->message)];
	str_copy(done, sizeof(done), out->message);
	const char *what = strstr(done, ": "); /* after apply_update's "mailbox PMB: " */
	outcome_set(out, SYNC_APPLIED, "Mailbox PMB %s reopened to match its membership in OfficeRnD: %s.", v.pmb,
		    what ? what + 2 : done);
	return 0;
}

void sync_prepared_clear(struct sync_prepared *prep)
{
	if (prep->have_member)
		orn_member_clear(&prep->member);
	if (prep->have_company)
		orn_company_clear(&prep->company);
	memset(prep, 0, sizeof(*prep));
}
