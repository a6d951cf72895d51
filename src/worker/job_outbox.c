/*
 * job_outbox.c: sends the queued emails of the outbox table.
 *
 * Each row is claimed under a lease (claimed_by, claimed_until = now + WORKER_LEASE_S) in its own
 * transaction, sent with no transaction open, and then marked sent, queued again for later
 * (exponential backoff with jitter) or failed after OUTBOX_MAX_ATTEMPTS or a permanent refusal.
 * A worker killed mid-send leaves the row "sending" with a lease that runs out; the next claim
 * takes it up again.
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
#include "store/mailboxes.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "worker/claims.h"
#include "worker/jobs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OUTBOX_BATCH 20
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

/* Composes and delivers one claimed row; error gets the reason when it was not delivered. */
static enum mail_delivery outbox_send(struct worker *w, const struct outbox_item *item, char *error,
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
	size_t len = 0;
	char *data = mail_message_compose(&m, &len, &why);
	if (!data) {
		snprintf(error, size, "the message could not be composed: %s", why ? why : "unknown reason");
		return MAIL_PERMANENT;
	}
	struct mail_envelope env = { item->id, m.from_addr, item->to_addr, data, len };
	enum mail_delivery result = mail_deliver(w->cfg, &env, error, size);
	free(data);
	return result;
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

/* Claims, sends and records one row. 1 when a row was handled, 0 when none is due, -1 on error. */
static int outbox_step(struct worker *w)
{
	struct outbox_item item;
	int claimed = outbox_claim(w->db, w->id, time_now(), WORKER_LEASE_S, &item);
	if (claimed <= 0)
		return claimed;
	char rid[32];
	snprintf(rid, sizeof(rid), "outbox-%lld", (long long)item.id);
	log_set_request_id(rid);
	char error[256] = "";
	enum mail_delivery result = outbox_send(w, &item, error, sizeof(error));
	int rc = outbox_record(w, &item, result, error);
	log_set_request_id(NULL);
	outbox_item_clear(&item);
	return rc < 0 ? -1 : 1;
}

static const struct worker_claims outbox_claims = {
	"outbox", outbox_claimants, outbox_release_claims,
};

int job_outbox_run(struct worker *w)
{
	static int64_t last_dead_check;
	worker_release_dead_claims(w, &outbox_claims, &last_dead_check);
	int handled = 0;
	while (handled < OUTBOX_BATCH && !*w->stopping) {
		int rc = outbox_step(w);
		if (rc < 0)
			return handled ? handled : -1;
		if (rc == 0)
			break;
		handled++;
	}
	return handled;
}
