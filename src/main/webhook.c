/*
 * webhook.fcgi: receives OfficeRnD's webhooks at /webhooks/officernd/TOKEN.
 * It verifies, stores the raw event durably and answers; the worker does the rest.
 *
 * PILOTOMAIL_WEBHOOK_THREADS request threads each verify and parse on their own (with their own
 * read-only use of a connection for the endpoint lookup); one committer thread owns the only
 * write connection and stores whatever events are waiting in one transaction, then answers them
 * (store/webhook_committer.h).
 */
#include "core/app.h"
#include "http/fcgi_loop.h"
#include "officernd/webhook_receiver.h"
#include "store/db.h"
#include "store/webhook_committer.h"
#include "store/webhook_events.h"
#include "util/log.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

struct shared {
	const struct config *cfg;
	struct webhook_committer *committer;
};

struct thread_ctx {
	struct db *db;
	struct webhook_receiver receiver;
};

static void *thread_open(void *data)
{
	struct shared *sh = data;
	struct db *db = db_open(sh->cfg->db_path);
	struct db_stmt *st = db ? webhook_endpoint_prepare(db) : NULL;
	/* This connection only reads one settings row per request: a small cache will do. */
	if (!st || db_set_read_only(db) < 0) {
		db_finalize(st);
		db_close(db);
		return NULL;
	}
	db_cache_kib(db, 256);
	struct thread_ctx *t = xcalloc(1, sizeof(*t));
	t->db = db;
	t->receiver = (struct webhook_receiver){ sh->cfg, st, sh->committer };
	return t;
}

static void thread_close(void *ctx)
{
	struct thread_ctx *t = ctx;
	db_finalize(t->receiver.find_endpoint);
	db_close(t->db);
	free(t);
}

static void handle(void *ctx, struct http_request *req, struct http_response *resp)
{
	struct thread_ctx *t = ctx;
	webhook_receive(&t->receiver, req, resp);
	/* An event is acknowledged only once committed: OfficeRnD must send it again. */
	if (db_rollback_leftover(t->db, "webhook.fcgi"))
		webhook_reply_error(resp, 500, "the event could not be stored; send it again");
}

static void bad_request(void *data, int status, struct http_response *resp)
{
	(void)data;
	webhook_reply_error(resp, status, status == 413 ? "body too large" : "unreadable request");
}

int main(void)
{
	struct app app;
	if (app_open(&app, "webhook.fcgi", APP_SCHEMA_REQUIRE_CURRENT) < 0)
		return 1;
	/* The committer takes the app's connection: it is the program's only writer. */
	struct shared sh = { app.cfg, webhook_committer_start(app.db) };
	app.db = NULL;
	if (!sh.committer) {
		app_close(&app);
		return 1;
	}
	struct fcgi_threads conf = {
		.count = (int)app.cfg->webhook_threads,
		.max_body = WEBHOOK_BODY_MAX,
		.thread_open = thread_open,
		.thread_close = thread_close,
		.handler = handle,
		.bad = bad_request,
		.data = &sh,
	};
	log_info("webhook", "serving threads=%d", conf.count);
	int rc = fcgi_serve_threads(&conf);
	/* Every request thread has answered: nothing is left waiting for a commit. */
	webhook_committer_stop(sh.committer);
	app_close(&app);
	return rc ? 1 : 0;
}
