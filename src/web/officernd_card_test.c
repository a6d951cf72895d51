/*
 * officernd_card_test.c: Test connection on the OfficeRnD card (POST
 * /settings/integrations/officernd/test): proves the typed (or stored) credentials against
 * OfficeRnD without saving anything. One of the few requests that waits on OfficeRnD, because
 * the operator asks for it. A typed secret only travels from the form to the client.
 */
#include "domain/org_slug.h"
#include "officernd/officernd.h"
#include "store/officernd_account.h"
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
