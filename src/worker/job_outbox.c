/*
 * job_outbox.c: sends the queued emails of the outbox table.
 *
 * In batches of up to OUTBOX_BATCH rows: claimed under a lease (claimed_by, claimed_until = now +
 * WORKER_LEASE_S) in one claim transaction (db_begin_claim: on PostgreSQL workers on several hosts
 * take different rows at once, FOR UPDATE SKIP LOCKED), sent with no transaction open (mail_deliver_batch: .eml
 * files all written, then flushed together; SMTP over one connection), then each marked sent,
 * queued again for later (exponential backoff with jitter) or failed after OUTBOX_MAX_ATTEMPTS
 * or a permanent refusal, all in one transaction. So a burst of invitations costs two commits
 * per batch instead of two per message. No SMTP transaction starts in the last half of the
 * lease; rows not tried by then are given back. A worker killed mid-batch leaves its rows
 * "sending" with a lease that runs out; the next claim takes them up again.
 *
 * Exactly-once is not possible with SMTP: if the server accepted the message and the worker was
 * killed before it recorded "sent", the message goes out a second time after the lease ends
 * (at-least-once). The resend is byte for byte the same message, with the same Message-ID and
 * Date (composed from the stored row), so mail clients and servers that de-duplicate by
 * Message-ID show it once. An .eml file is simply overwritten.
 */
#include "crypto/crypto.h"
#include "mail/deliver.h"
#include "mail/message.h"
#include "store/db.h"
#include "store/mailboxes.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/util.h"
#include "worker/claims.h"
#include "worker/jobs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OUTBOX_BATCH 64
/* One batch per pass of the worker: in a burst the events job (256 a pass) makes the mailboxes
 * first and the invitations follow, rather than every new file holding up the next mailboxes. */
#define OUTBOX_PER_RUN OUTBOX_BATCH
#define OUTBOX_BACKOFF_BASE_S 30
#define OUTBOX_BACKOFF_MAX_S 3600

/* When to try again after attempt number `attempts` failed: 30 s, 1 min, 2 min, ... up to an
 * hour, plus up to a quarter more at random so many failed rows do not retry in step. */
static int64_t outbox_next_attempt(int64_t now, int64_t attempts)
{
	int64_t shift = attempts > 1 ? attempts - 1 : 0;
	int64_t delay = shift >= 7 ? OUTBOX_BACKOFF_MAX_S : (int64_t)OUTBOX_BACKOFF_BASE_S << shift;
	if (delay > OUTBOX_BACKOFF_MAX_S)
		delay = OUTBOX_BACKOFF_MAX_S;
	return now + delay + (int64_t)random_below((uint64_t)delay / 4 + 1);
}

/* The message of a claimed row; NULL with error set when it cannot be composed. */
static char *outbox_compose(struct worker *w, const struct outbox_item *item, size_t *len, char *error,
			    size_t size)
{
	struct mail_message m = {
		.from_addr = w->cfg->mail_from,
		.from_name = item->operator_name,
		.to_addr = item->to_addr,
		.subject = item->subject,
		.text = item->body_text,
		.html = item->body_html,
		.message_id = item->message_id,
		.date = item->created_at,
	};
	const char *why = NULL;
	char *data = mail_message_compose(&m, len, &why);
	if (!data)
		snprintf(error, size, "the message could not be composed: %s", why ? why : "unknown reason");
	return data;
}

/* Records the outcome of one attempt. 0 or -1. */
static int outbox_record(struct worker *w, const struct outbox_item *item, enum mail_delivery result,
			 const char *error)
{
	int64_t now = time_now();
	if (result == MAIL_DELIVERED) {
		log_info("outbox", "sent outbox=%lld kind=%s attempt=%lld", (long long)item->id, item->kind,
			 (long long)item->attempts);
		return outbox_mark_sent(w->db, item->id, w->id, now);
	}
	if (result == MAIL_PERMANENT || item->attempts >= OUTBOX_MAX_ATTEMPTS) {
		log_warn("outbox", "failed outbox=%lld attempt=%lld err=\"%s\"", (long long)item->id,
			 (long long)item->attempts, error);
		return outbox_mark_failed(w->db, item->id, w->id, error);
	}
	int64_t next = outbox_next_attempt(now, item->attempts);
	log_warn("outbox", "deferred outbox=%lld attempt=%lld retry_in=%llds err=\"%s\"", (long long)item->id,
		 (long long)item->attempts, (long long)(next - now), error);
	return outbox_mark_retry(w->db, item->id, w->id, next, error);
}

/* Composes and delivers the claimed rows, one outcome each. */
static void outbox_send_all(struct worker *w, const struct outbox_item *items, size_t n,
			    struct mail_outcome *out)
{
	struct mail_envelope *envs = xcalloc(n, sizeof(*envs));
	struct mail_outcome *sent = xcalloc(n, sizeof(*sent));
	char **data = xcalloc(n, sizeof(*data));
	size_t *row = xcalloc(n, sizeof(*row)), k = 0;
	for (size_t i = 0; i < n; i++) {
		size_t len = 0;
		data[k] = outbox_compose(w, &items[i], &len, out[i].error, sizeof(out[i].error));
		if (!data[k]) {
			out[i].result = MAIL_PERMANENT;
			continue;
		}
		envs[k] = (struct mail_envelope){ items[i].id, w->cfg->mail_from, items[i].to_addr, data[k], len };
		row[k++] = i;
	}
	mail_deliver_batch(w->cfg, envs, k, time_mono_ms() + WORKER_LEASE_S * 1000 / 2, sent);
	for (size_t j = 0; j < k; j++) {
		out[row[j]] = sent[j];
		free(data[j]);
	}
	free(row);
	free(data);
	free(sent);
	free(envs);
}

/* Claims, sends and records one batch. How many rows it handled (0 when none is due), or -1. */
static int outbox_batch(struct worker *w)
{
	struct outbox_item *items;
	size_t n;
	if (outbox_claim_batch(w->db, w->id, time_now(), WORKER_LEASE_S, OUTBOX_BATCH, &items, &n) < 0)
		return -1;
	if (n == 0) {
		free(items);
		return 0;
	}
	log_set_request_id("outbox-batch");
	struct mail_outcome *out = xcalloc(n, sizeof(*out));
	outbox_send_all(w, items, n, out);
	int ok = db_begin(w->db) == 0;
	for (size_t i = 0; ok && i < n; i++)
		ok = (out[i].result == MAIL_NOT_TRIED ? outbox_give_back(w->db, items[i].id, w->id)
						      : outbox_record(w, &items[i], out[i].result, out[i].error)) == 0;
	/* Not recorded: the rows stay claimed until the lease runs out, then go out again. */
	if (!ok || db_commit(w->db) < 0)
		db_rollback(w->db);
	log_set_request_id(NULL);
	for (size_t i = 0; i < n; i++)
		outbox_item_clear(&items[i]);
	free(items);
	free(out);
	return ok ? (int)n : -1;
}

static const struct worker_claims outbox_claims = {
	"outbox", outbox_claimants, outbox_release_claims,
};

int job_outbox_run(struct worker *w)
{
	static int64_t last_dead_check;
	worker_release_dead_claims(w, &outbox_claims, &last_dead_check);
	int handled = 0;
	while (handled < OUTBOX_PER_RUN && !*w->stopping) {
		int rc = outbox_batch(w);
		if (rc < 0)
			return handled ? handled : -1;
		if (rc == 0)
			break;
		handled += rc;
	}
	return handled;
}
