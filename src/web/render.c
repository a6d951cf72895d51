/* render.c: ClearSilver rendering with HTML escaping on by default, and the page helpers. */
#include "web/web.h"
#include "store/operators.h"
#include "web/pages.h"
#include "store/db.h"
#include "util/log.h"
#include "util/money.h"
#include "util/timeutil.h"

#include <cgi/cgi.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void web_set(struct web_ctx *ctx, const char *name, const char *value)
{
	NEOERR *err = hdf_set_value(ctx->hdf, name, value ? value : "");
	nerr_ignore(&err);
}

void web_setf(struct web_ctx *ctx, const char *name, const char *fmt, ...)
{
	struct strbuf sb = { 0 };
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	web_set(ctx, name, sb.buf ? sb.buf : "");
	strbuf_free(&sb);
}

void web_set_int(struct web_ctx *ctx, const char *name, int64_t value)
{
	web_setf(ctx, name, "%lld", (long long)value);
}

int web_money_digits(struct web_ctx *ctx)
{
	if (!ctx->money_digits_known) {
		ctx->money_digits = operator_money_digits(ctx->db, ctx->operator_id);
		ctx->money_digits_known = 1;
	}
	return ctx->money_digits;
}

void web_set_money(struct web_ctx *ctx, const char *name, int64_t minor)
{
	char buf[32];
	web_set(ctx, name, money_format(minor, web_money_digits(ctx), buf, sizeof(buf)));
}

void web_set_time(struct web_ctx *ctx, const char *name, int64_t t)
{
	char buf[32];
	web_set(ctx, name, t ? time_format_iso(t, buf, sizeof(buf)) : "");
}

static NEOERR *render_append(void *data, char *s)
{
	strbuf_adds(data, s);
	return STATUS_OK;
}

/* Who is signed in, for the navigation bar. */
static void set_nav_data(struct web_ctx *ctx)
{
	const char *sql = ctx->renter_id ? "SELECT email FROM renters WHERE id = ?"
					 : "SELECT email FROM operators WHERE id = ?";
	struct db_stmt *st = db_prepare(ctx->db, sql);
	db_bind_int64(st, 1, ctx->renter_id ? ctx->renter_id : ctx->operator_id);
	if (db_step(st) == DB_ROW)
		web_set(ctx, "Nav.email", db_col_text(st, 0));
	db_finalize(st);
	web_set(ctx, ctx->renter_id ? "Nav.renter" : "Nav.operator", "1");
	if (!ctx->renter_id)
		page_officernd_notice(ctx); /* the red notice while OfficeRnD has our webhook off */
}

/* The data every page's layout uses. */
static void set_page_data(struct web_ctx *ctx, const char *title)
{
	web_set(ctx, "Page.title", title);
	web_set(ctx, "Page.path", ctx->req->path);
	web_set(ctx, "CSRF", ctx->csrf_token);
	web_set(ctx, "Version", PILOTOMAIL_VERSION);
	if (ctx->has_session) {
		set_nav_data(ctx);
		char *kind = NULL, *message = NULL;
		session_flash_take(ctx->db, ctx->session.id_hash, &kind, &message);
		if (message) {
			web_set(ctx, "Flash.kind", kind ? kind : "ok");
			web_set(ctx, "Flash.message", message);
		}
		free(kind);
		free(message);
	}
}

static void log_neoerr(const char *what, NEOERR *err)
{
	STRING msg;
	string_init(&msg);
	nerr_error_string(err, &msg);
	log_error("web", "%s failed err=\"%s\"", what, msg.buf ? msg.buf : "");
	string_clear(&msg);
	nerr_ignore(&err);
}

/* Renders into body; 0 or -1 (logged, body unspecified). */
static int render_template(struct web_ctx *ctx, const char *template_name, struct strbuf *body)
{
	CSPARSE *cs = NULL;
	NEOERR *err = hdf_set_value(ctx->hdf, "hdf.loadpaths.0", ctx->cfg->template_dir);
	/* Escaping must be configured before cs_init, or it silently does nothing. */
	if (!err)
		err = hdf_set_value(ctx->hdf, "Config.VarEscapeMode", "html");
	if (!err)
		err = cs_init(&cs, ctx->hdf);
	if (!err)
		err = cgi_register_strfuncs(cs);
	if (!err)
		err = cs_parse_file(cs, template_name);
	if (!err)
		err = cs_render(cs, body, render_append);
	cs_destroy(&cs);
	if (err) {
		log_neoerr(template_name, err);
		return -1;
	}
	return 0;
}

void web_render(struct web_ctx *ctx, const char *template_name, const char *title)
{
	set_page_data(ctx, title);
	strbuf_reset(&ctx->resp->body);
	if (render_template(ctx, template_name, &ctx->resp->body) == 0)
		return;
	ctx->resp->status = 500;
	strbuf_reset(&ctx->resp->body);
	strbuf_adds(&ctx->resp->body, "<!doctype html><title>Error</title><h1>Something went wrong</h1>"
				      "<p>The page could not be shown. The error has been logged.</p>");
}

void web_redirect(struct web_ctx *ctx, const char *path, const char *flash_kind, const char *flash)
{
	if (flash && ctx->has_session)
		session_flash_set(ctx->db, ctx->session.id_hash, flash_kind ? flash_kind : "ok", flash);
	http_response_redirect(ctx->resp, path);
}

void web_error(struct web_ctx *ctx, int status, const char *message)
{
	ctx->resp->status = status;
	web_set_int(ctx, "Error.status", status);
	web_set(ctx, "Error.title", http_status_text(status));
	web_set(ctx, "Error.message", message);
	web_render(ctx, "error.cs", http_status_text(status));
	if (ctx->resp->status == 500 && status != 500)
		return;
	ctx->resp->status = status;
}

void web_not_found(struct web_ctx *ctx)
{
	web_error(ctx, 404, "There is nothing at this address.");
}

const char *web_form(struct web_ctx *ctx, const char *name)
{
	const char *v = kvlist_get(&ctx->req->form, name);
	return v ? v : "";
}

int64_t web_arg_id(struct web_ctx *ctx, int i)
{
	int64_t id;
	if (i < 0 || i >= 3 || !ctx->args[i] || parse_int64(ctx->args[i], 1, INT64_MAX, &id) < 0)
		return 0;
	return id;
}
