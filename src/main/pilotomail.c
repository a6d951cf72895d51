/*
 * pilotomail.fcgi: the operator application and the renters' pages, as a FastCGI program
 * started by the web server (lighttpd bin-path, spawn-fcgi for Apache).
 */
#include "core/app.h"
#include "http/fcgi_loop.h"
#include "store/db.h"
#include "util/filetype.h"
#include "web/web.h"

#include <string.h>

#define FORM_BODY_MAX (256 * 1024)
/* Room for a scan upload's other fields and multipart headers, beyond the file itself. */
#define UPLOAD_OVERHEAD (64 * 1024)

static void handle(void *data, struct http_request *req, struct http_response *resp)
{
	struct app *app = data;
	struct web_ctx ctx;
	memset(&ctx, 0, sizeof(ctx));
	ctx.req = req;
	ctx.resp = resp;
	ctx.db = app->db;
	ctx.cfg = app->cfg;
	NEOERR *err = hdf_init(&ctx.hdf);
	if (err) {
		nerr_ignore(&err);
		resp->status = 500;
		return;
	}
	web_dispatch(&ctx, web_routes);
	hdf_destroy(&ctx.hdf);
	if (db_rollback_leftover(app->db, "pilotomail.fcgi"))
		http_response_fail(resp);
}

static void bad_request(void *data, int status, struct http_response *resp)
{
	(void)data;
	resp->status = status;
	resp->content_type = "text/plain; charset=utf-8";
	if (status == 413) {
		char max[32];
		strbuf_addf(&resp->body, "413 Payload Too Large: a scan file may have at most %s (other forms "
					 "much less). Nothing was saved.\n",
			    filetype_size_words(config_get()->scan_max_bytes, max, sizeof(max)));
		return;
	}
	strbuf_addf(&resp->body, "%d %s: the request could not be read.\n", status, http_status_text(status));
}

int main(void)
{
	struct app app;
	if (app_open(&app, "pilotomail.fcgi", APP_SCHEMA_REQUIRE_CURRENT) < 0)
		return 1;
	http_allow_uploads((size_t)app.cfg->scan_max_bytes + UPLOAD_OVERHEAD, web_upload_route);
	/* A list page of a big operator reads 300 to 600 pages of a big store (its rows lie among
	 * every other operator's): past SQLite's default 2 MB cache each load read them all from
	 * the file again. Filled only as pages are read. */
	db_cache_mib(app.db, 8);
	int rc = fcgi_serve(FORM_BODY_MAX, handle, bad_request, &app);
	app_close(&app);
	return rc ? 1 : 0;
}
