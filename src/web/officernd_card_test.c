/*
 * officernd_card_test.c: Test connection on the OfficeRnD card (POST
 * /settings/integrations/officernd/test): proves the typed (or stored) credentials against
 * OfficeRnD without saving anything. One of the few requests that waits on OfficeRnD, because
 * the operator asks for it. A typed secret only travels from the form to the client.
 */
#include "domain/org_slug.h"
#include "officernd/officernd.h"
#include "store/officernd_account.h"
#include "store/officernd_connection.h"
#include "util/log.h"
#include "util/util.h"
#include "web/officernd_card.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The stored client secret (card_secret_free()), or NULL. */
static char *stored_client_secret(struct web_ctx *ctx)
{
	struct officernd_account a;
	char *secret = NULL;
	if (officernd_account_load(ctx->db, ctx->operator_id, &a) == 0 && a.client_secret && *a.client_secret)
		secret = xstrdup(a.client_secret);
	officernd_account_clear(&a);
	return secret;
}

struct orn_client *card_client_for_form(struct web_ctx *ctx, const struct card *c, const char *slug)
{
	const char *id = *c->v.client_id ? c->v.client_id : c->d.stored.client_id;
	if (!*slug)
		slug = c->d.stored.org_slug;
	char *secret = str_trim(xstrdup(web_form(ctx, "client_secret")));
	if (!*secret) {
		free(secret);
		secret = stored_client_secret(ctx);
	}
	struct orn_client *client = NULL;
	if (*slug && *id && secret && *secret)
		client = orn_client_new(slug, id, secret);
	card_secret_free(secret);
	return client;
}

/* 1 when the form changes what signs in to OfficeRnD. */
static int credentials_changed(struct web_ctx *ctx, const struct card *c, const char *slug)
{
	return *web_form(ctx, "client_secret") || !str_eq(slug, c->d.stored.org_slug) ||
	       !str_eq(c->v.client_id, c->d.stored.client_id);
}

enum card_verdict card_credentials_try(struct web_ctx *ctx, const struct card *c, const char *slug, char *msg,
				       size_t size)
{
	struct officernd_health h;
	size_t nl = 0, np = 0;
	struct orn_error err;
	msg[0] = '\0';
	if (!*slug || !*c->v.client_id)
		return CARD_NOT_TRIED;
	if (!credentials_changed(ctx, c, slug) &&
	    (officernd_health_get(ctx->db, ctx->operator_id, &h) || str_eq(h.credentials, "ok")))
		return CARD_NOT_TRIED;
	struct orn_client *client = card_client_for_form(ctx, c, slug);
	if (!client)
		return CARD_NOT_TRIED;
	int failed = orn_test_connection(client, &nl, &np, &err);
	orn_client_free(client);
	log_info("integrations", "save checked credentials operator=%lld ok=%d kind=%s", (long long)ctx->operator_id,
		 !failed, failed ? orn_status_name(err.status) : "ok");
	if (!failed)
		return CARD_WORKS;
	snprintf(msg, size, "%s", err.message);
	switch (err.status) {
	case ORN_ERR_AUTH:
	case ORN_ERR_FORBIDDEN:
	case ORN_ERR_NOT_FOUND:
	case ORN_ERR_INVALID:
		return CARD_REFUSED;
	default: /* network, timeout, 5xx, 429, an unreadable answer: nothing learnt */
		return CARD_UNREACHABLE;
	}
}

static const char *plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* Runs the test for what the form says; msg gets the result in the operator's words. 1 on success. */
static int test_run(struct web_ctx *ctx, struct card *c, char *slug, char *msg, size_t size)
{
	const char *error = NULL;
	size_t nl = 0, np = 0;
	struct orn_error err;
	if (*c->v.org_slug && org_slug_parse(c->v.org_slug, slug, ORG_SLUG_MAX + 1, &error)) {
		snprintf(msg, size, "%s", error);
		return 0;
	}
	struct orn_client *client = card_client_for_form(ctx, c, slug);
	if (!client) {
		snprintf(msg, size, "Enter the organization name, client ID and client secret (steps 1\xe2\x80\x93"
			 "2) to test the connection.");
		return 0;
	}
	int failed = orn_test_connection(client, &nl, &np, &err);
	orn_client_free(client);
	if (failed) {
		snprintf(msg, size, "%s", err.message);
		return 0;
	}
	snprintf(msg, size, "Connected to OfficeRnD organization %s: %zu %s and %zu %s found.",
		 *slug ? slug : c->d.stored.org_slug, nl, plural(nl, "location", "locations"), np,
		 plural(np, "plan", "plans"));
	return 1;
}

/* The card below shows the lists as loaded by the worker, like a GET. */
void page_officernd_test(struct web_ctx *ctx)
{
	struct card c;
	char slug[ORG_SLUG_MAX + 1] = "";
	char msg[800];
	if (card_load_or_fail(ctx, &c))
		return;
	card_values_typed(ctx, &c);
	int ok = test_run(ctx, &c, slug, msg, sizeof(msg));
	if (*slug) {
		free(c.v.org_slug);
		c.v.org_slug = xstrdup(slug);
	}
	log_info("integrations", "test connection operator=%lld ok=%d", (long long)ctx->operator_id, ok);
	web_set(ctx, "Test.ok", ok ? "1" : "");
	web_set(ctx, "Test.message", msg);
	card_render(ctx, &c, 200);
	card_free(&c);
}
