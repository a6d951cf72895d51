/*
 * job_reconcile.c: finds OfficeRnD membership changes whose webhook never came (lost, or the
 * endpoint disabled by OfficeRnD after repeated failures) and feeds them through the webhook
 * inbox, so that job_events applies them by the very same rules (domain/reconcile.h says which).
 *
 * A pass per operator whose OfficeRnD card is configured: every PILOTOMAIL_RECONCILE_INTERVAL_S
 * (the first one an interval after the worker first sees the card configured), or at once when
 * the operator presses "Check now" on the Activity page.
 *   - An automatic pass lists the memberships modified since the last complete pass (minus an
 *     overlap); the first one lists them all.
 *   - A pass the operator asked for lists them all and then looks for memberships deleted in
 *     OfficeRnD: an open mailbox whose membership is not listed is asked for by id, and a 404
 *     puts a membership.removed event in the inbox. (Only then: one unlisted membership is not
 *     enough reason to cancel a mailbox behind the operator's back every hour.)
 * A pass never cancels many mailboxes at once on its own: the events that would cancel an open
 * mailbox (a deleted membership, or one listed as ended or on an unlinked plan) are kept to the
 * end of the pass; too many at once (RECONCILE_CONFIRM_*) and they are held in reconcile_held for
 * the operator to confirm or refuse on the Activity page, and nothing is cancelled meanwhile.
 * Every OfficeRnD call is made outside any transaction; each page's inbox inserts are one
 * transaction that re-reads what it decides on. SIGTERM stops a pass between pages, keeping the
 * previous cursor. An OfficeRnD error ends the pass with the reason shown on the Activity page;
 * the next automatic try comes an interval later. Synthesized events carry the dedupe key
 * "reconcile:<membership>:<modifiedAt>", so a pass repeated or cut short inserts nothing twice.
 */
#include "domain/reconcile.h"
#include "officernd/event.h"
#include "officernd/officernd.h"
#include "store/db.h"
#include "store/mailboxes.h"
#include "store/memberships.h"
#include "store/reconcile.h"
#include "store/webhook_events.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/util.h"
#include "worker/jobs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RECONCILE_LOOK_S 5     /* how often the worker looks for due passes */
#define RECONCILE_LEASE_S 300  /* a pass's claim, renewed after every page */

/* A synthesized event that would cancel an open mailbox (all strings owned). */
struct cancel {
	char *membership_id, *event_id, *body, *reason;
	enum event_kind kind;
};

struct pass {
	struct worker *w;
	int64_t operator_id;
	struct orn_client *client;
	int64_t now_ms;
	int64_t since_ms;      /* when pilotomail started watching the account */
	int check_removed;     /* list everything, then look for deleted memberships */
	int64_t newest_ms;     /* the newest modifiedAt listed... */
	char newest[64];       /* ...as OfficeRnD wrote it ("" when none) */
	char **listed;         /* the ids listed (check_removed only) */
	size_t n_listed, cap_listed;
	size_t n_seen;         /* memberships listed */
	size_t n_unreadable;   /* memberships OfficeRnD listed that the parser could not read */
	int inserted;          /* events put into the inbox */
	struct cancel *cancels; /* events that would cancel a mailbox, put in or held at the end */
	size_t n_cancels, cap_cancels;
	size_t n_held;         /* of them, held for the operator's confirmation */
	char error[600];       /* why the pass failed, in the operator's words; "" while fine */
};

/* The error of an OfficeRnD call and what pilotomail was doing, for the Activity page (the
 * client's messages are in the operator's words and never hold a secret: see officernd.h). */
static void pass_fail_orn(struct pass *p, const char *what, const struct orn_error *err)
{
	snprintf(p->error, sizeof(p->error), "%s (%s)", err->message, what);
	log_warn("reconcile", "officernd error operator=%lld call=\"%s\" kind=%s http=%d", (long long)p->operator_id,
		 what, orn_status_name(err->status), err->http_status);
}

/* Fills k from the store: the applied state, the plan's link, what waits in the inbox. 0 or -1. */
static int known_fill(struct db *db, int64_t op, const struct orn_membership *m, struct reconcile_known *k)
{
	struct membership_row row;
	char **bodies;
	size_t n;
	memset(k, 0, sizeof(*k));
	int seen = membership_row_get(db, op, m->id, &row);
	int64_t offering = membership_plan_offering(db, op, m->plan);
	int rc = reconcile_inbox_bodies(db, op, m->id, &bodies, &n);
	if (rc == 0)
		reconcile_inbox_scan(bodies, n, k);
	for (size_t i = 0; i < n; i++)
		free(bodies[i]);
	free(bodies);
	if (seen < 0 || offering < 0 || rc < 0)
		return -1;
	k->seen = seen == 0;
	k->removed = k->seen && row.removed;
	k->version_ms = k->seen ? row.version_ms : 0;
	k->plan_linked = offering > 0;
	return 0;
}

static const char *kind_type(enum event_kind kind)
{
	return kind == EVENT_CREATED ? "membership.created"
	       : kind == EVENT_REMOVED ? "membership.removed" : "membership.updated";
}

/* Puts a synthesized event into the inbox, as the receiver stores a webhook. 0 or -1. */
static int event_put_body(struct pass *p, const char *membership_id, enum event_kind kind, const char *id,
			  const char *body)
{
	struct webhook_event_new e = {
		.dedupe_key = id,
		.event_type = kind_type(kind),
		.membership_id = membership_id,
		.body = body,
		.body_len = strlen(body),
		.state = "pending",
		.outcome = "Found by reconciliation: OfficeRnD's webhook for this change never arrived.",
		.received_at = p->now_ms / 1000,
	};
	int64_t row_id = 0;
	int rc = webhook_event_insert(p->w->db, p->operator_id, &e, &row_id);
	if (rc == 0) {
		p->inserted++;
		log_info("reconcile", "event found operator=%lld event=%lld type=%s membership=%.64s",
			 (long long)p->operator_id, (long long)row_id, e.event_type, membership_id);
	}
	return rc < 0 ? -1 : 0;
}

static int event_put(struct pass *p, const struct orn_membership *m, enum event_kind kind)
{
	char *id;
	char *body = reconcile_event_body(m, kind, p->now_ms, &id);
	int rc = event_put_body(p, m->id, kind, id, body);
	free(id);
	free(body);
	return rc;
}

/* Keeps an event that would cancel a mailbox for the end of the pass (pass_cancels). */
static void cancel_add(struct pass *p, const struct orn_membership *m, enum event_kind kind, const char *reason)
{
	p->cancels = array_grow(p->cancels, p->n_cancels, &p->cap_cancels, sizeof(*p->cancels));
	struct cancel *c = &p->cancels[p->n_cancels++];
	c->membership_id = xstrdup(m->id);
	c->body = reconcile_event_body(m, kind, p->now_ms, &c->event_id);
	c->reason = xstrdup(reason);
	c->kind = kind;
}

static void cancels_free(struct pass *p)
{
	for (size_t i = 0; i < p->n_cancels; i++) {
		free(p->cancels[i].membership_id);
		free(p->cancels[i].event_id);
		free(p->cancels[i].body);
		free(p->cancels[i].reason);
	}
	free(p->cancels);
	p->cancels = NULL;
	p->n_cancels = p->cap_cancels = 0;
}

/* 1 when the membership has a mailbox that is not cancelled, 0 when not, -1 on a store error. */
static int mailbox_open(struct db *db, int64_t op, const char *membership_id)
{
	int64_t mb = mailbox_find_by_membership(db, op, membership_id);
	struct mailbox_view v;
	if (mb <= 0)
		return 0;
	if (mailbox_get(db, op, mb, &v) < 0)
		return -1;
	return !str_eq(v.status, "cancelled");
}

/* Decides on one listed membership and inserts its event when it needs one. 0 or -1. */
static int membership_check(struct pass *p, const struct orn_membership *m)
{
	int64_t version;
	struct reconcile_known k;
	if (reconcile_version_ms(m, &version) < 0) {
		log_warn("reconcile", "membership without a usable modifiedAt or createdAt operator=%lld membership=%.64s",
			 (long long)p->operator_id, m->id);
		return 0;
	}
	/* Listed: a cancellation held for it earlier (as deleted, or ended) is decided afresh. */
	if (reconcile_held_drop(p->w->db, p->operator_id, m->id) < 0 || known_fill(p->w->db, p->operator_id, m, &k) < 0)
		return -1;
	k.since_ms = p->since_ms;
	enum event_kind kind = reconcile_need(m, version, &k, p->now_ms);
	if (kind == EVENT_OTHER)
		return 0;
	char reason[256];
	if (kind == EVENT_UPDATED && reconcile_would_cancel(m, k.plan_linked, p->now_ms, reason, sizeof(reason))) {
		int open = mailbox_open(p->w->db, p->operator_id, m->id);
		if (open < 0)
			return -1;
		if (open) {
			cancel_add(p, m, kind, reason);
			return 0;
		}
	}
	return event_put(p, m, kind);
}

/* One page's decisions and inserts, in one transaction. 0 or -1 (p->error set). */
static int page_apply(struct pass *p, const struct orn_membership *items, size_t n)
{
	if (n == 0)
		return 0;
	int inserted = p->inserted;
	if (db_begin(p->w->db) < 0) {
		snprintf(p->error, sizeof(p->error), "pilotomail's database was busy");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (membership_check(p, &items[i]) < 0) {
			db_rollback(p->w->db);
			p->inserted = inserted;
			snprintf(p->error, sizeof(p->error), "pilotomail could not record what it found");
			return -1;
		}
	}
	if (db_commit(p->w->db) < 0) {
		p->inserted = inserted;
		snprintf(p->error, sizeof(p->error), "pilotomail could not record what it found");
		return -1;
	}
	return 0;
}

/* Notes the page's newest modifiedAt and, for the removal check, its ids. */
static void page_note(struct pass *p, const struct orn_membership *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int64_t ms;
		p->n_seen++;
		if (*items[i].modified_at && time_parse_iso_ms(items[i].modified_at, &ms) == 0 && ms > p->newest_ms &&
		    str_copy(p->newest, sizeof(p->newest), items[i].modified_at) == 0)
			p->newest_ms = ms;
		if (p->check_removed) {
			p->listed = array_grow(p->listed, p->n_listed, &p->cap_listed, sizeof(*p->listed));
			p->listed[p->n_listed++] = xstrdup(items[i].id);
		}
	}
}

/* Pages through the list. 0 done, 1 stopped by SIGTERM, -1 failed (p->error set). */
static int pass_list(struct pass *p, const char *after)
{
	char *cursor = NULL;
	int rc = 0;
	for (;;) {
		if (*p->w->stopping) {
			rc = 1;
			break;
		}
		struct orn_membership *items;
		size_t n, skipped;
		char *next;
		struct orn_error err;
		if (orn_list_memberships_page(p->client, after, cursor, &items, &n, &next, &skipped, &err) < 0) {
			pass_fail_orn(p, "listing the memberships", &err);
			rc = -1;
			break;
		}
		p->n_unreadable += skipped;
		reconcile_renew(p->w->db, p->operator_id, time_now() + RECONCILE_LEASE_S);
		rc = page_apply(p, items, n);
		page_note(p, items, n);
		orn_memberships_free(items, n);
		int same = next && cursor && strcmp(next, cursor) == 0;
		free(cursor);
		cursor = next;
		if (rc < 0)
			break;
		if (same) {
			snprintf(p->error, sizeof(p->error), "OfficeRnD repeated a page of the memberships list");
			rc = -1;
			break;
		}
		if (!cursor)
			break;
	}
	free(cursor);
	return rc;
}

static int id_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A membership.removed for an open mailbox whose membership OfficeRnD no longer has, kept for
 * the end of the pass (pass_cancels). 0 or -1. */
static int removed_put(struct pass *p, const struct reconcile_open *o)
{
	char now[32];
	struct orn_membership m = {
		.id = o->membership_id, .member = o->member_id, .plan = o->plan_id, .start_date = "",
		.company = o->company_id, .location = o->location_id, .end_date = o->end_date,
		.name = "", .status = o->status, .calculated_status = "", .created_at = "",
		.modified_at = reconcile_format_ms(p->now_ms, now, sizeof(now)), .is_personal = o->is_personal,
	};
	struct membership_row row;
	struct reconcile_known k;
	char **bodies;
	size_t n;
	/* A removal applied or received meanwhile needs nothing (pass_cancels' inserts dedupe too). */
	int seen = membership_row_get(p->w->db, p->operator_id, o->membership_id, &row);
	int rc = reconcile_inbox_bodies(p->w->db, p->operator_id, o->membership_id, &bodies, &n);
	memset(&k, 0, sizeof(k));
	if (rc == 0)
		reconcile_inbox_scan(bodies, n, &k);
	for (size_t i = 0; i < n; i++)
		free(bodies[i]);
	free(bodies);
	if (seen < 0 || rc < 0)
		return -1;
	if (!(seen == 0 && row.removed) && !k.inbox_removed)
		cancel_add(p, &m, EVENT_REMOVED, "the membership is no longer in OfficeRnD");
	return 0;
}

/* Asks OfficeRnD about one open mailbox's membership that the list did not show. 0, 1 (stop), -1. */
static int unlisted_check(struct pass *p, const struct reconcile_open *o)
{
	struct orn_membership m;
	struct orn_error err;
	if (orn_get_membership(p->client, o->membership_id, &m, &err) == 0) {
		/* It exists after all (created or changed while the list was paged): as if listed. */
		int rc = page_apply(p, &m, 1);
		orn_membership_clear(&m);
		return rc;
	}
	if (err.status != ORN_ERR_NOT_FOUND) {
		pass_fail_orn(p, "looking up a membership", &err);
		return -1;
	}
	log_info("reconcile", "membership gone from OfficeRnD operator=%lld membership=%.64s",
		 (long long)p->operator_id, o->membership_id);
	if (removed_put(p, o) < 0) {
		snprintf(p->error, sizeof(p->error), "pilotomail could not record what it found");
		return -1;
	}
	return 0;
}

/* The removal check after a complete list. 0 done, 1 stopped by SIGTERM, -1 failed. */
static int pass_removed(struct pass *p)
{
	struct reconcile_open *open;
	size_t n;
	int rc = 0;
	if (reconcile_open_list(p->w->db, p->operator_id, &open, &n) < 0) {
		snprintf(p->error, sizeof(p->error), "pilotomail could not read its mailboxes");
		return -1;
	}
	if (p->n_listed)
		qsort(p->listed, p->n_listed, sizeof(*p->listed), id_cmp);
	for (size_t i = 0; i < n && rc == 0; i++) {
		const char *key = open[i].membership_id;
		if (p->n_listed && bsearch(&key, p->listed, p->n_listed, sizeof(*p->listed), id_cmp))
			continue;
		if (*p->w->stopping)
			rc = 1;
		else
			rc = unlisted_check(p, &open[i]);
	}
	reconcile_opens_free(open, n);
	return rc;
}

/* Whether the pass's cancellations go to the inbox or wait for the operator (domain/reconcile.h,
 * RECONCILE_CONFIRM_*), and one of them put or held. 0 or -1. */
static int cancel_settle(struct pass *p, const struct cancel *c, int hold)
{
	struct db *db = p->w->db;
	if (!hold)
		return event_put_body(p, c->membership_id, c->kind, c->event_id, c->body);
	int64_t mb = mailbox_find_by_membership(db, p->operator_id, c->membership_id);
	if (mb <= 0)
		return 0;
	struct reconcile_held_new h = {
		.membership_id = c->membership_id, .mailbox_id = mb, .dedupe_key = c->event_id,
		.event_type = kind_type(c->kind), .body = c->body, .reason = c->reason, .found_at = p->now_ms / 1000,
	};
	if (reconcile_held_put(db, p->operator_id, &h) < 0)
		return -1;
	p->n_held++;
	return 0;
}

/*
 * At the end of a complete pass: its cancellations go into the inbox, unless they are too many at
 * once, or others already wait for the operator's answer; then they are held with those. 0 or -1.
 */
static int pass_cancels(struct pass *p)
{
	struct db *db = p->w->db;
	if (p->n_cancels == 0)
		return 0;
	if (db_begin(db) < 0)
		return -1;
	int64_t open = reconcile_open_count(db, p->operator_id), waiting = reconcile_held_count(db, p->operator_id);
	int hold = waiting != 0 || open < 0 || reconcile_needs_confirm(p->n_cancels, (size_t)open);
	int inserted = p->inserted;
	for (size_t i = 0; i < p->n_cancels; i++) {
		if (cancel_settle(p, &p->cancels[i], hold) < 0) {
			db_rollback(db);
			p->inserted = inserted;
			p->n_held = 0;
			return -1;
		}
	}
	if (db_commit(db) < 0) {
		db_rollback(db);
		p->inserted = inserted;
		p->n_held = 0;
		return -1;
	}
	if (p->n_held)
		log_warn("reconcile", "cancellations held for the operator operator=%lld held=%zu open=%lld",
			 (long long)p->operator_id, p->n_held, (long long)open);
	return 0;
}

/* Runs one claimed pass to its end and records it. Returns the events it inserted. */
static int pass_run(struct worker *w, int64_t operator_id, const struct reconcile_claim *claim)
{
	struct pass p = { .w = w, .operator_id = operator_id, .now_ms = time_now() * 1000,
			  .since_ms = claim->since * 1000 };
	struct orn_error err;
	char after[40];
	int incremental = claim->requested == 0 && reconcile_filter_after(claim->through, after, sizeof(after)) == 0;
	p.check_removed = claim->requested > 0;
	int rc = -1;
	p.client = orn_client_open(w->db, operator_id, &err);
	if (!p.client)
		pass_fail_orn(&p, "reading the OfficeRnD settings", &err);
	else
		rc = pass_list(&p, incremental ? after : NULL);
	if (rc == 0 && p.check_removed)
		rc = pass_removed(&p);
	if (rc == 0 && pass_cancels(&p) < 0) {
		snprintf(p.error, sizeof(p.error), "pilotomail could not record what it found");
		rc = -1;
	}
	cancels_free(&p);
	orn_client_free(p.client);
	for (size_t i = 0; i < p.n_listed; i++)
		free(p.listed[i]);
	free(p.listed);

	int64_t now = time_now();
	if (rc == 0) {
		/* Never move the cursor back: an incremental pass that listed nothing keeps it. */
		int64_t prev_ms;
		int newer = p.newest[0] && (time_parse_iso_ms(claim->through, &prev_ms) < 0 || p.newest_ms > prev_ms);
		reconcile_done(w->db, operator_id, newer ? p.newest : NULL, now, claim->requested);
		log_info("reconcile", "pass done operator=%lld kind=%s listed=%zu events=%d held=%zu unreadable=%zu through=%s",
			 (long long)operator_id, p.check_removed ? "full+removed" : incremental ? "since" : "full",
			 p.n_seen, p.inserted, p.n_held, p.n_unreadable, newer ? p.newest : claim->through);
	} else if (rc > 0) {
		reconcile_failed(w->db, operator_id, NULL, claim->requested);
		log_info("reconcile", "pass stopped operator=%lld events=%d", (long long)operator_id, p.inserted);
	} else {
		reconcile_failed(w->db, operator_id, p.error, claim->requested);
		log_warn("reconcile", "pass failed operator=%lld events=%d", (long long)operator_id, p.inserted);
	}
	return p.inserted;
}

int job_reconcile_run(struct worker *w)
{
	static int64_t last_look;
	int64_t now = time_now();
	if (last_look && now >= last_look && now - last_look < RECONCILE_LOOK_S)
		return 0;
	last_look = now;
	int64_t interval = w->cfg->reconcile_interval_s;
	int64_t *ids;
	size_t n;
	if (reconcile_clocks_start(w->db, now) < 0 || reconcile_due_list(w->db, now, interval, &ids, &n) < 0)
		return -1;
	int handled = 0;
	for (size_t i = 0; i < n && !*w->stopping; i++) {
		struct reconcile_claim claim;
		if (reconcile_claim(w->db, ids[i], time_now(), interval, RECONCILE_LEASE_S, &claim) != 1)
			continue;
		char rid[40];
		snprintf(rid, sizeof(rid), "reconcile-%lld", (long long)ids[i]);
		log_set_request_id(rid);
		handled += 1 + pass_run(w, ids[i], &claim);
		log_set_request_id(NULL);
	}
	free(ids);
	return handled;
}
