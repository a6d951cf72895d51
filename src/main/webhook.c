/*
 * webhook.fcgi: receives OfficeRnD's webhooks at /webhooks/officernd/TOKEN.
 * It verifies, stores the raw event durably and answers; the worker does the rest.
 */
#include "core/app.h"
#include "http/fcgi_loop.h"
#include "officernd/webhook_receiver.h"
#include "store/db.h"

#include <string.h>

static void handle(void *data, struct http_request *req, struct http_response *resp)
{
	struct app *app = data;
	webhook_receive(app->db, app->cfg, req, resp);
	/* An event is acknowledged only once committed: OfficeRnD must send it again. */
	if (db_rollback_leftover(app->db, "webhook.fcgi"))
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
	int rc = fcgi_serve(WEBHOOK_BODY_MAX, handle, bad_request, &app);
	app_close(&app);
	return rc ? 1 : 0;
}
