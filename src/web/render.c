/* render.c: ClearSilver rendering with HTML escaping on by default, and the page helpers. */
#include "web/format.h"
#include "web/web.h"
#include "store/operators.h"
#include "web/pages.h"
#include "store/db.h"
#include "util/currency.h"
#include "util/log.h"
#include "util/money.h"
#include "util/timeutil.h"

#include <cgi/cgi.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void web_set(struct web_ctx *ctx, const char *name, const char *value)
{
	NEOERR *err = hdf_set_value(ctx->hdf, name, value ? value : "");
	nerr_ignore(&err);
}

void web_setf(struct web_ctx *ctx, const char *name, const char *fmt, ...)
{
	/* Most values are short: formatted on the stack, and on the heap only when longer. */
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	int len = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (len >= 0 && (size_t)len < sizeof(buf)) {
		web_set(ctx, name, buf);
		return;
	}
	struct strbuf sb = { 0 };
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	web_set(ctx, name, sb.buf ? sb.buf : "");
	strbuf_free(&sb);
}

void web_set_int(struct web_ctx *ctx, const char *name, int64_t value)
{
	char buf[24], *p = buf + sizeof(buf);
	uint64_t v = value < 0 ? 0 - (uint64_t)value : (uint64_t)value;
	*--p = '\0';
	do
		*--p = (char)('0' + v % 10);
	while (v /= 10);
	if (value < 0)
		*--p = '-';
	web_set(ctx, name, p);
}

int web_money_digits(struct web_ctx *ctx)
{
	if (!ctx->money_digits_known) {
		/* The currency came with the session; a page without one asks the store. */
		int digits = ctx->has_session ? currency_minor_digits(ctx->session.currency) : -1;
		ctx->money_digits = digits >= 0 ? digits : operator_money_digits(ctx->db, ctx->operator_id);
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
	char buf[64];
	web_set(ctx, name, web_format_time(ctx, t, buf, sizeof(buf)));
}

static NEOERR *render_append(void *data, char *s)
{
	strbuf_adds(data, s);
	return STATUS_OK;
}

/* Who is signed in, for the navigation bar (read with the session). */
static void set_nav_data(struct web_ctx *ctx)
{
	if (ctx->session.email[0])
		web_set(ctx, "Nav.email", ctx->session.email);
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
		if (ctx->session.flash_pending)
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

/*
 * Templates are parsed once per process and kept: parsing a page and its layout cost more
 * than anything else a page does. A parse is bound to the HDF it was made with (its load path
 * and escaping, read by cs_init); each render lends it the request's HDF and takes it back.
 * Only our templates' commands are used (var, if, each, include, name): no "set", so a render
 * leaves the parse as it found it. A template edited on disk is seen after a restart.
 * pilotomail.fcgi renders on one thread; nothing here is locked.
 */
#define TEMPLATE_CACHE_SIZE 48

struct template {
	char *dir;
	char *name;
	HDF *conf; /* owns the strings cs_init kept pointers to */
	CSPARSE *cs;
};

static struct template templates[TEMPLATE_CACHE_SIZE];
static int templates_len;

static void template_free(struct template *t)
{
	cs_destroy(&t->cs);
	hdf_destroy(&t->conf);
	free(t->dir);
	free(t->name);
	memset(t, 0, sizeof(*t));
}

static NEOERR *template_parse(struct template *t, const char *dir, const char *name)
{
	memset(t, 0, sizeof(*t));
	NEOERR *err = hdf_init(&t->conf);
	if (!err)
		err = hdf_set_value(t->conf, "hdf.loadpaths.0", dir);
	/* Escaping must be configured before cs_init, or it silently does nothing. */
	if (!err)
		err = hdf_set_value(t->conf, "Config.VarEscapeMode", "html");
	if (!err)
		err = cs_init(&t->cs, t->conf);
	if (!err)
		err = cgi_register_strfuncs(t->cs);
	if (!err)
		err = cs_parse_file(t->cs, name);
	t->dir = xstrdup(dir);
	t->name = xstrdup(name);
	return err;
}

static void template_drop(struct template *t)
{
	template_free(t);
	*t = templates[--templates_len];
}

/* The parsed template, or NULL with *err. */
static struct template *template_get(const char *dir, const char *name, NEOERR **err)
{
	*err = STATUS_OK;
	for (int i = 0; i < templates_len; i++)
		if (strcmp(templates[i].name, name) == 0 && strcmp(templates[i].dir, dir) == 0)
			return &templates[i];
	struct template t;
	*err = template_parse(&t, dir, name);
	if (*err) {
		template_free(&t);
		return NULL;
	}
	if (templates_len == TEMPLATE_CACHE_SIZE)
		template_drop(&templates[0]); /* never with our templates; still bounded */
	templates[templates_len] = t;
	return &templates[templates_len++];
}

/* Renders into body; 0 or -1 (logged, body unspecified). */
static int render_template(struct web_ctx *ctx, const char *template_name, struct strbuf *body)
{
	NEOERR *err;
	struct template *t = template_get(ctx->cfg->template_dir, template_name, &err);
	if (t) {
		t->cs->hdf = ctx->hdf;
		err = cs_render(t->cs, body, render_append);
		t->cs->hdf = t->conf;
		if (err) /* a render that failed half-way may leave loop state behind: parse again */
			template_drop(t);
	}
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
	if (flash && ctx->has_session) {
		session_flash_set(ctx->db, ctx->session.id_hash, flash_kind ? flash_kind : "ok", flash);
		ctx->session.flash_pending = 1;
	}
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
