/*
 * job_member_import.c: "Existing members" (issue 10), the worker's two halves.
 *
 * The load (job_member_import_load_run): when the operator presses "Load existing members", the
 * memberships, then the members (names, emails), then the companies are listed from OfficeRnD 50 a
 * page, each page stored with the position of the next one (store/member_import.h), then the rows
 * are grouped (domain/existing_members.h) a batch at a time. The load is claimed per operator under
 * a lease, its requests bounded by the lease; a load whose worker was killed goes on from the last
 * page stored, at once when that worker ran on this host (worker_id_dead). A run does at most
 * LOAD_STEPS_PER_RUN pages, so other jobs get their turn on a 5,000-membership account. OfficeRnD
 * asking to wait (429, 5xx, timeouts) pauses the load; anything else fails it with the reason.
 *
 * The import (job_member_import_run): each queued row in its own transaction, which holds the
 * mailbox, its invitation and queued email, and the row's outcome together. A worker killed
 * mid-row leaves the row queued and nothing else; one killed after the commit leaves it imported.
 * Rows are claimed IMPORT_BATCH at a time under a lease (member_import_claim_rows), so several
 * workers share an import; the transaction re-reads the row, so even a worker whose lease ran out
 * never imports a row twice, and the mailbox table allows one mailbox per membership. No
 * OfficeRnD request is made here: everything the membership sync needs is in the snapshot.
 */
#include "domain/existing_members.h"
#include "officernd/officernd.h"
#include "store/db.h"
#include "store/member_import.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/util.h"
#include "worker/claims.h"
#include "worker/jobs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOAD_LOOK_S 1         /* how often the worker looks for loads to run */
#define LOAD_LEASE_S 120      /* a load's claim; its requests must end 10 s before */
#define LOAD_STEPS_PER_RUN 20 /* pages (or group batches) per run */
#define GROUP_BATCH 250
#define IMPORT_BATCH 25       /* rows per run: the outbox sends the first invitations meanwhile */

/* ---- the load ----------------------------------------------------------------------------- */

struct load_run {
	struct worker *w;
	int64_t op;
	struct orn_client *client;
	struct orn_error err;
};

static struct member_import_page page_of(const struct load_run *r, const char *next)
{
	struct member_import_page pg = { r->w->id, next, time_now(), LOAD_LEASE_S };
	return pg;
}

static int step_memberships(struct load_run *r, const char *cursor)
{
	struct orn_membership *items;
	size_t n;
	char *next;
	if (orn_list_memberships_page(r->client, NULL, cursor, &items, &n, &next, NULL, &r->err) < 0)
		return -2;
	struct member_import_page pg = page_of(r, next);
	int rc = member_import_put_memberships(r->w->db, r->op, &pg, items, n, existing_members_keep, NULL);
	orn_memberships_free(items, n);
	free(next);
	return rc;
}

static int step_members(struct load_run *r, const char *cursor)
{
	struct orn_member *items;
	size_t n;
	char *next;
	if (orn_list_members_page(r->client, cursor, &items, &n, &next, NULL, &r->err) < 0)
		return -2;
	struct member_import_page pg = page_of(r, next);
	int rc = member_import_put_members(r->w->db, r->op, &pg, items, n);
	orn_members_free(items, n);
	free(next);
	return rc;
}

static int step_companies(struct load_run *r, const char *cursor)
{
	struct orn_company *items;
	size_t n;
	char *next;
	if (orn_list_companies_page(r->client, cursor, &items, &n, &next, NULL, &r->err) < 0)
		return -2;
	struct member_import_page pg = page_of(r, next);
	int rc = member_import_put_companies(r->w->db, r->op, &pg, items, n);
	orn_companies_free(items, n);
	free(next);
	return rc;
}

static int step_group(struct load_run *r, const char *cursor)
{
	int64_t after = 0, last;
	if (cursor && parse_int64(cursor, 0, INT64_MAX, &after) < 0)
		after = 0; /* grouping again from the start is harmless */
	int rc = existing_members_group_batch(r->w->db, r->op, r->w->id, after, GROUP_BATCH, time_now() * 1000, LOAD_LEASE_S,
					      &last);
	if (rc == 0)
		log_info("member-import", "load done operator=%lld", (long long)r->op);
	return rc == 2 ? 1 : rc < 0 ? -1 : 0;
}

/*
 * One step of the load where it stands: 0 done (go on), 1 the claim is gone (stop), -1 store
 * error, -2 OfficeRnD failed (r->err), 2 the load is finished.
 */
static int load_step(struct load_run *r)
{
	struct member_import_load at;
	int held = member_import_load_position(r->w->db, r->op, r->w->id, &at);
	if (held <= 0)
		return held < 0 ? -1 : (member_import_load_clear(&at), 1);
	int rc;
	if (str_eq(at.phase, MEMBER_IMPORT_PHASE_MEMBERSHIPS))
		rc = step_memberships(r, at.cursor);
	else if (str_eq(at.phase, MEMBER_IMPORT_PHASE_MEMBERS))
		rc = step_members(r, at.cursor);
	else if (str_eq(at.phase, MEMBER_IMPORT_PHASE_COMPANIES))
		rc = step_companies(r, at.cursor);
	else
		rc = step_group(r, at.cursor);
	if (rc == 0 && str_eq(at.phase, MEMBER_IMPORT_PHASE_GROUP)) {
		struct member_import_load now_at;
		held = member_import_load_position(r->w->db, r->op, r->w->id, &now_at);
		member_import_load_clear(&now_at);
		rc = held == 0 ? 2 : held < 0 ? -1 : 0;
	}
	member_import_load_clear(&at);
	return rc;
}

/* OfficeRnD failed: wait and go on when it asks to wait, else record why. */
static void load_officernd_failed(struct load_run *r)
{
	int64_t now = time_now();
	log_warn("member-import", "load page failed operator=%lld kind=%s http=%d", (long long)r->op,
		 orn_status_name(r->err.status), r->err.http_status);
	if (orn_error_retryable(&r->err)) {
		member_import_load_pause(r->w->db, r->op, r->w->id, now + orn_retry_delay_ms(&r->err, 0) / 1000 + 1);
		return;
	}
	char why[600];
	snprintf(why, sizeof(why), "OfficeRnD refused the list (%s): %s", orn_status_name(r->err.status),
		 r->err.message);
	member_import_load_failed(r->w->db, r->op, r->w->id, why, now);
}

/* Runs up to LOAD_STEPS_PER_RUN steps of a claimed load. */
static void load_run(struct worker *w, int64_t op)
{
	struct load_run r = { .w = w, .op = op };
	r.client = orn_client_open(w->db, op, &r.err);
	if (!r.client) {
		member_import_load_failed(w->db, op, w->id, r.err.message, time_now());
		return;
	}
	orn_client_set_deadline(r.client, time_mono_ms() + (LOAD_LEASE_S - 10) * 1000);
	int rc = 0;
	for (int step = 0; step < LOAD_STEPS_PER_RUN && rc == 0 && !*w->stopping; step++)
		rc = load_step(&r);
	orn_client_free(r.client);
	if (rc == -2)
		load_officernd_failed(&r);
	else if (rc == 0)
		member_import_load_pause(w->db, op, w->id, time_now()); /* the next run goes on at once */
}

int job_member_import_load_run(struct worker *w)
{
	static int64_t last_look;
	int64_t now = time_now();
	if (last_look && now >= last_look && now - last_look < LOAD_LOOK_S)
		return 0;
	last_look = now;
	int64_t *ids;
	size_t n;
	if (member_import_load_due(w->db, now, &ids, &n) < 0)
		return -1;
	int handled = 0;
	for (size_t i = 0; i < n && !*w->stopping; i++) {
		struct member_import_load at;
		if (member_import_load_claim(w->db, ids[i], w->id, time_now(), LOAD_LEASE_S, worker_id_dead, &at) != 1)
			continue;
		member_import_load_clear(&at);
		char rid[48];
		snprintf(rid, sizeof(rid), "member-import-%lld", (long long)ids[i]);
		log_set_request_id(rid);
		load_run(w, ids[i]);
		log_set_request_id(NULL);
		handled++;
	}
	free(ids);
	if (handled)
		last_look = 0; /* a load under way goes on at the next pass */
	return handled;
}

/* ---- the import ---------------------------------------------------------------------------- */

/* One row in its own transaction. 1 handled, 0 nothing to do, -1 on a store error. */
static int import_row(struct worker *w, int64_t op, int64_t row_id)
{
	char message[600];
	if (db_begin(w->db) < 0)
		return -1;
	int rc = existing_members_import(w->db, op, row_id, time_now() * 1000, message, sizeof(message));
	if (rc < 0 || db_commit(w->db) < 0) {
		db_rollback(w->db);
		log_warn("member-import", "row failed operator=%lld row=%lld", (long long)op, (long long)row_id);
		return -1;
	}
	/* The outcome names the member: it stays on the row, for the operator, not in the log. */
	log_info("member-import", "row done operator=%lld row=%lld imported=%d", (long long)op, (long long)row_id, rc);
	return 1;
}

/* A killed worker's rows wait for no lease when it ran on this host (worker_id_dead). */
static const struct worker_claims import_claims = {
	"member-import", member_import_claimants, member_import_release_claims,
};

int job_member_import_run(struct worker *w)
{
	static int64_t last_dead_check;
	int64_t *ops;
	size_t n_ops;
	int handled = 0, failed = 0;
	worker_release_dead_claims(w, &import_claims, &last_dead_check);
	if (member_import_queued_operators(w->db, &ops, &n_ops) < 0)
		return -1;
	for (size_t i = 0; i < n_ops && !*w->stopping; i++) {
		int64_t *rows;
		size_t n;
		if (member_import_claim_rows(w->db, ops[i], w->id, time_now(), WORKER_LEASE_S, IMPORT_BATCH, &rows, &n) < 0) {
			failed = 1;
			continue;
		}
		for (size_t k = 0; k < n && !*w->stopping; k++) {
			int rc = import_row(w, ops[i], rows[k]);
			if (rc < 0)
				failed = 1;
			else
				handled += rc;
		}
		free(rows);
	}
	free(ops);
	return failed && !handled ? -1 : handled;
}
