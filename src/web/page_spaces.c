/* page_spaces.c: the operator's spaces: list with an add form, rename, remove when unused. */
#include "store/spaces.h"
#include "util/log.h"
#include "web/pages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void spaces_in_use_message(const struct space *s, char *buf, size_t size);
static const char *plural(int64_t n, const char *one, const char *many);

/* Puts every space of the operator into Spaces.items.N for the list. 0 or -1. A space in use
 * gets in_use (why Remove is disabled) and in_use_short (the same, in a few words). */
static int spaces_set_list(struct web_ctx *ctx)
{
	struct space *items = NULL;
	size_t n = 0;
	if (space_list(ctx->db, ctx->operator_id, &items, &n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char key[64];
		snprintf(key, sizeof(key), "Spaces.items.%zu.id", i);
		web_set_int(ctx, key, items[i].id);
		snprintf(key, sizeof(key), "Spaces.items.%zu.name", i);
		web_set(ctx, key, items[i].name);
		snprintf(key, sizeof(key), "Spaces.items.%zu.mailboxes", i);
		web_set_int(ctx, key, items[i].mailboxes);
		if (items[i].links > 0) {
			snprintf(key, sizeof(key), "Spaces.items.%zu.linked", i);
			web_set(ctx, key, "1");
		}
		if (items[i].mailboxes > 0 || items[i].links > 0) {
			char why[1024];
			spaces_in_use_message(&items[i], why, sizeof(why));
			snprintf(key, sizeof(key), "Spaces.items.%zu.in_use", i);
			web_set(ctx, key, why);
			snprintf(key, sizeof(key), "Spaces.items.%zu.in_use_short", i);
			if (items[i].mailboxes > 0)
				web_setf(ctx, key, "Used by %lld %s", (long long)items[i].mailboxes,
					 plural(items[i].mailboxes, "mailbox", "mailboxes"));
			else
				web_set(ctx, key, "Linked to an OfficeRnD location");
		}
	}
	if (n > 0)
		web_set(ctx, "Spaces.any", "1");
	free(items);
	return 0;
}

/* The list page with status (200, or 4xx with Spaces.error / Form.error already set). */
static void spaces_render_list(struct web_ctx *ctx, int status)
{
	if (spaces_set_list(ctx) < 0) {
		web_error(ctx, 500, "The spaces could not be loaded. Please try again.");
		return;
	}
	web_set(ctx, "Nav.section", "spaces");
	ctx->resp->status = status;
	web_render(ctx, "spaces.cs", "Spaces");
}

/* The rename form for space, with status and an optional message about the typed name. */
static void spaces_render_form(struct web_ctx *ctx, int64_t id, const char *name, const char *error,
			       int status)
{
	web_set(ctx, "Nav.section", "spaces");
	web_set_int(ctx, "Form.id", id);
	web_set(ctx, "Form.name", name);
	if (error)
		web_set(ctx, "Form.error", error);
	ctx->resp->status = status;
	web_render(ctx, "space_form.cs", "Rename space");
}

void page_spaces_list(struct web_ctx *ctx)
{
	spaces_render_list(ctx, 200);
}

void page_spaces_create(struct web_ctx *ctx)
{
	char *name = xstrdup(web_form(ctx, "name"));
	const char *problem = catalog_name_check(name);
	int duplicate = 0;
	if (!problem && space_create(ctx->db, ctx->operator_id, name, &duplicate) < 0)
		problem = duplicate ? "A space with this name already exists: choose another name." : "";
	if (problem && !*problem) {
		free(name);
		web_error(ctx, 500, "The space could not be saved. Please try again.");
		return;
	}
	if (problem) {
		web_set(ctx, "Form.name", name);
		web_set(ctx, "Form.error", problem);
		free(name);
		spaces_render_list(ctx, 422);
		return;
	}
	free(name);
	web_redirect(ctx, "/spaces", "ok", "Space added.");
}

void page_spaces_edit(struct web_ctx *ctx)
{
	struct space s;
	if (space_get(ctx->db, ctx->operator_id, web_arg_id(ctx, 0), &s) < 0) {
		web_not_found(ctx);
		return;
	}
	spaces_render_form(ctx, s.id, s.name, NULL, 200);
}

void page_spaces_rename(struct web_ctx *ctx)
{
	struct space s;
	if (space_get(ctx->db, ctx->operator_id, web_arg_id(ctx, 0), &s) < 0) {
		web_not_found(ctx);
		return;
	}
	char *name = xstrdup(web_form(ctx, "name"));
	const char *problem = catalog_name_check(name);
	int duplicate = 0;
	if (!problem && space_rename(ctx->db, ctx->operator_id, s.id, name, &duplicate) < 0)
		problem = duplicate ? "Another space already has this name: choose another name." : "";
	if (problem && !*problem)
		web_error(ctx, 500, "The space could not be saved. Please try again.");
	else if (problem)
		spaces_render_form(ctx, s.id, name, problem, 422);
	else
		web_redirect(ctx, "/spaces", "ok", "Space renamed.");
	free(name);
}

static const char *plural(int64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* Why space cannot be removed, and what to do about it, in the operator's words, into buf. */
static void spaces_in_use_message(const struct space *s, char *buf, size_t size)
{
	char boxes[64], links[80];
	snprintf(boxes, sizeof(boxes), "%lld %s", (long long)s->mailboxes,
		 plural(s->mailboxes, "mailbox", "mailboxes"));
	snprintf(links, sizeof(links), "%lld OfficeRnD location %s", (long long)s->links,
		 plural(s->links, "link", "links"));
	const char *fix = s->mailboxes > 0 && s->links > 0
				  ? "Move or cancel those mailboxes and remove the location links in "
				    "Settings \xe2\x86\x92 Integrations \xe2\x86\x92 OfficeRnD first."
			  : s->mailboxes > 0
				  ? "Move or cancel those mailboxes first."
				  : "Remove the location link in Settings \xe2\x86\x92 Integrations "
				    "\xe2\x86\x92 OfficeRnD first.";
	snprintf(buf, size, "\xe2\x80\x9c%s\xe2\x80\x9d cannot be removed: it is used by %s%s%s. %s", s->name,
		 s->mailboxes > 0 ? boxes : "", s->mailboxes > 0 && s->links > 0 ? " and " : "",
		 s->links > 0 ? links : "", fix);
}

void page_spaces_delete(struct web_ctx *ctx)
{
	struct space s;
	int64_t id = web_arg_id(ctx, 0);
	int rc = space_delete(ctx->db, ctx->operator_id, id);
	if (rc == 0) {
		web_redirect(ctx, "/spaces", "ok", "Space removed.");
		return;
	}
	if (space_get(ctx->db, ctx->operator_id, id, &s) < 0) {
		web_not_found(ctx);
		return;
	}
	if (rc < 0) {
		web_error(ctx, 500, "The space could not be removed. Please try again.");
		return;
	}
	char message[1024];
	spaces_in_use_message(&s, message, sizeof(message));
	web_set(ctx, "Spaces.error", message);
	spaces_render_list(ctx, 409);
}
