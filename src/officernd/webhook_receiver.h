/*
 * webhook_receiver.h: POST /webhooks/officernd/TOKEN, OfficeRnD's webhook deliveries.
 *
 * Verifies the officernd-signature header against the operator's signing secret, stores the raw
 * event durably in the webhook inbox (deduplicated by event id, else by the body's SHA-256) and
 * answers with a small JSON body. It never calls OfficeRnD or a mail server: the worker applies
 * the event later.
 *
 *   200 {"status":"accepted"}  stored, to be applied
 *   200 {"status":"duplicate"} already stored: nothing new written
 *   200 {"status":"ignored","reason":...}  stored as ignored (not JSON, not a membership event),
 *                              so OfficeRnD does not send it again and again
 *   401 bad, stale, future or missing signature, or no signing secret configured: nothing stored
 *   404 unknown path or token; 405 another method; 413 body over WEBHOOK_BODY_MAX
 *   500 the store failed: OfficeRnD should send it again
 */
#ifndef PILOTOMAIL_WEBHOOK_RECEIVER_H
#define PILOTOMAIL_WEBHOOK_RECEIVER_H

#include "store/db.h"

#include "http/http.h"
#include "util/config.h"

#define WEBHOOK_BODY_MAX (1024 * 1024)
#define WEBHOOK_PATH_PREFIX "/webhooks/officernd/"

struct webhook_committer;

/* What one request thread of webhook.fcgi works with. */
struct webhook_receiver {
	const struct config *cfg;
	/* webhook_endpoint_prepare() on the thread's own read connection: each request reads the
	 * token's operator and secret afresh, so a new URL or secret counts from the next request. */
	struct db_stmt *find_endpoint;
	struct webhook_committer *committer; /* shared: stores the events, one batch at a time */
};

/* Handles one request of webhook.fcgi; fills resp. Thread safe with one receiver per thread. */
void webhook_receive(const struct webhook_receiver *r, struct http_request *req, struct http_response *resp);

/* An error answer: status and {"error": message}. message is fixed text, never a secret. */
void webhook_reply_error(struct http_response *resp, int status, const char *message);

#endif
