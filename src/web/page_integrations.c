/*
 * page_integrations.c: Settings -> Integrations. The cards page (OfficeRnD status, Stripe
 * billing), and the OfficeRnD card: its form in the order of the operator's steps in OfficeRnD,
 * the plan and location lists as the worker last loaded them from the operator's OfficeRnD
 * account (store/officernd_lists.h: showing or saving the card never asks OfficeRnD), Save,
 * Test connection (the one live call) and a new webhook URL.
 *
 * Secrets are write-only: no handler here ever puts a client or signing secret into the HDF, a
 * redirect, a flash or a log line. A typed secret only travels from the form to secretbox_seal
 * (save) or to the OfficeRnD client (test).
 */
#include "domain/org_slug.h"
#include "officernd/officernd.h"
#include "store/integrations.h"
#include "store/officernd_account.h"
#include "store/officernd_lists.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "web/pages.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CARDS_PATH "/settings/integrations"
#define FORM_PATH "/settings/integrations/officernd"
#define CLIENT_ID_MAX 255
#define SECRET_MAX 1024

#define MSG_STRIPE_ON "\xe2\x80\x9c" "Bill mailbox renters with OfficeRnD?\xe2\x80\x9d cannot be on while Stripe " \
		      "billing is on: renters would be billed twice. Turn Stripe billing off first: on Settings " \
		      "\xe2\x86\x92 Integrations, untick \xe2\x80\x9c" "Bill mailbox renters with Stripe?\xe2\x80\x9d " \
		      "on the Stripe card and save it. Nothing was saved."
#define MSG_ORN_ON "Stripe billing cannot be turned on while \xe2\x80\x9c" "Bill mailbox renters with " \
		   "OfficeRnD?\xe2\x80\x9d is on: renters would be billed twice. Turn it off on the OfficeRnD card " \
		   "(step 3) and save that first. Nothing was changed."

/* One mapping row as the form shows it (owned copies: typed values may be anything). */
struct form_row {
	char *orn_id;
	char *local_id;
};

/* A choice in a select: borrowed strings. */
struct option {
	const char *id;
	const char *name;
	int missing; /* saved, but not in the lists loaded from OfficeRnD */
};

/* Everything one OfficeRnD card page needs; freed by card_free(). */
struct card {
	struct officernd_card stored;
	int stripe_on;
	struct integration_link *saved_plans, *saved_locations;
	size_t n_saved_plans, n_saved_locations;
	struct integration_choice *offerings, *spaces;
	size_t n_offerings, n_spaces;
	struct officernd_lists lists; /* as the worker last loaded them */
	int loaded;                   /* the lists were loaded at least once */
	/* The values shown: stored ones, or the typed ones after a refused save or a test. */
	char *org_slug, *client_id, *charge_plan_id;
	int bill_renters;
	struct form_row *plan_rows, *location_rows;
	size_t n_plan_rows, n_location_rows;
	int secret_typed; /* a typed secret was not saved: ask for it again */
	int n_errors;
	/* Options built from the loaded and the saved lists (options_build). */
	int options_built;
	struct option *plan_options, *location_options;
	size_t n_plan_options, n_location_options;
};

/* Sets an HDF value whose name is formatted (the value is copied and escaped when rendered). */
static void PRINTF_LIKE(3, 4) set_named(struct web_ctx *ctx, const char *value, const char *fmt, ...)
{
	char name[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	web_set(ctx, name, value);
}

static void rows_free(struct form_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].orn_id);
		free(rows[i].local_id);
	}
	free(rows);
}

static void card_free(struct card *c)
{
	free(c->saved_plans);
	free(c->saved_locations);
	free(c->offerings);
	free(c->spaces);
	officernd_lists_free(&c->lists);
	free(c->org_slug);
	free(c->client_id);
	free(c->charge_plan_id);
	rows_free(c->plan_rows, c->n_plan_rows);
	rows_free(c->location_rows, c->n_location_rows);
	free(c->plan_options);
	free(c->location_options);
	memset(c, 0, sizeof(*c));
}

/* The stored card, the saved mapping, the cached OfficeRnD lists and the operator's offerings
 * and spaces: the store only. 0 or -1. */
static int card_load(struct web_ctx *ctx, struct card *c)
{
	memset(c, 0, sizeof(*c));
	if (integrations_officernd_get(ctx->db, ctx->operator_id, &c->stored) ||
	    officernd_lists_get(ctx->db, ctx->operator_id, &c->lists) ||
	    integrations_stripe_get(ctx->db, ctx->operator_id, &c->stripe_on) ||
	    integrations_plan_links(ctx->db, ctx->operator_id, &c->saved_plans, &c->n_saved_plans) ||
	    integrations_location_links(ctx->db, ctx->operator_id, &c->saved_locations, &c->n_saved_locations) ||
	    integrations_offering_choices(ctx->db, ctx->operator_id, &c->offerings, &c->n_offerings) ||
	    integrations_space_choices(ctx->db, ctx->operator_id, &c->spaces, &c->n_spaces))
		return -1;
	c->loaded = c->lists.fetched_at > 0;
	return 0;
}

static struct form_row *rows_from_links(const struct integration_link *links, size_t n)
{
	struct form_row *rows = xcalloc(n ? n : 1, sizeof(*rows));
	for (size_t i = 0; i < n; i++) {
		rows[i].orn_id = xstrdup(links[i].orn_id);
		rows[i].local_id = xasprintf("%lld", (long long)links[i].local_id);
	}
	return rows;
}

/* Shows the stored values (GET). */
static void card_values_stored(struct card *c)
{
	c->org_slug = xstrdup(c->stored.org_slug);
	c->client_id = xstrdup(c->stored.client_id);
	c->charge_plan_id = xstrdup(c->stored.charge_plan_id);
	c->bill_renters = c->stored.bill_renters;
	c->plan_rows = rows_from_links(c->saved_plans, c->n_saved_plans);
	c->n_plan_rows = c->n_saved_plans;
	c->location_rows = rows_from_links(c->saved_locations, c->n_saved_locations);
	c->n_location_rows = c->n_saved_locations;
}

/* The repeated pairs orn_key + local_key of the form, paired by order. */
static struct form_row *rows_from_form(struct web_ctx *ctx, const char *orn_key, const char *local_key, size_t *n)
{
	const struct kvlist *form = &ctx->req->form;
	size_t a = kvlist_count(form, orn_key), b = kvlist_count(form, local_key);
	*n = a > b ? a : b;
	struct form_row *rows = xcalloc(*n ? *n : 1, sizeof(*rows));
	for (size_t i = 0; i < *n; i++) {
		const char *o = kvlist_get_nth(form, orn_key, i);
		const char *l = kvlist_get_nth(form, local_key, i);
		rows[i].orn_id = xstrdup(o ? o : "");
		rows[i].local_id = xstrdup(l ? l : "");
		str_trim(rows[i].orn_id);
		str_trim(rows[i].local_id);
	}
	return rows;
}

/* Shows the typed values (after a refused save, or a test); secrets are never shown. */
static void card_values_typed(struct web_ctx *ctx, struct card *c)
{
	c->org_slug = str_trim(xstrdup(web_form(ctx, "org_slug")));
	c->client_id = str_trim(xstrdup(web_form(ctx, "client_id")));
	c->charge_plan_id = str_trim(xstrdup(web_form(ctx, "charge_plan_id")));
	c->bill_renters = str_eq(web_form(ctx, "bill_renters"), "1");
	c->plan_rows = rows_from_form(ctx, "plan_id", "offering_id", &c->n_plan_rows);
	c->location_rows = rows_from_form(ctx, "location_id", "space_id", &c->n_location_rows);
	c->secret_typed = *web_form(ctx, "client_secret") || *web_form(ctx, "signing_secret");
}

static int options_has(const struct option *o, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(o[i].id, id) == 0)
			return 1;
	return 0;
}

static void option_push(struct option **o, size_t *n, const char *id, const char *name, int missing)
{
	if (!*id || options_has(*o, *n, id))
		return;
	*o = xrealloc(*o, (*n + 1) * sizeof(**o));
	(*o)[*n] = (struct option){ .id = id, .name = *name ? name : id, .missing = missing };
	(*n)++;
}

/*
 * The plan and location choices: the lists loaded from OfficeRnD, plus saved ids they do not
 * hold (marked: removed in OfficeRnD, or not loaded yet), so a saved row still shows and saves.
 */
static void options_build(struct card *c)
{
	const struct officernd_lists *l = &c->lists;
	if (c->options_built)
		return;
	c->options_built = 1;
	for (size_t i = 0; i < l->n_plans; i++)
		option_push(&c->plan_options, &c->n_plan_options, l->plans[i].id, l->plans[i].name, 0);
	for (size_t i = 0; i < c->n_saved_plans; i++)
		option_push(&c->plan_options, &c->n_plan_options, c->saved_plans[i].orn_id,
			    c->saved_plans[i].orn_name, 1);
	option_push(&c->plan_options, &c->n_plan_options, c->stored.charge_plan_id, c->stored.charge_plan_name, 1);
	for (size_t i = 0; i < l->n_locations; i++)
		option_push(&c->location_options, &c->n_location_options, l->locations[i].id,
			    l->locations[i].name, 0);
	for (size_t i = 0; i < c->n_saved_locations; i++)
		option_push(&c->location_options, &c->n_location_options, c->saved_locations[i].orn_id,
			    c->saved_locations[i].orn_name, 1);
}

static const struct option *option_find(const struct option *o, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(o[i].id, id) == 0)
			return &o[i];
	return NULL;
}

/* A plan suits mail charges when it is a one-off or a service: those are listed first. */
static int plan_for_charges(const struct card *c, const char *id)
{
	for (size_t i = 0; i < c->lists.n_plans; i++)
		if (strcmp(c->lists.plans[i].id, id) == 0)
			return str_eq(c->lists.plans[i].interval_length, "once") || str_eq(c->lists.plans[i].type, "service");
	return 0;
}

/* A saved id the loaded lists do not hold shows with its id and why it is marked. */
static void set_option(struct web_ctx *ctx, const char *prefix, size_t j, const struct option *o, int selected,
		       int loaded)
{
	char label[INTEGRATIONS_NAME_MAX + INTEGRATIONS_ID_MAX + 64];
	const char *why = loaded ? "not in the lists loaded from OfficeRnD" : "lists not loaded from OfficeRnD yet";
	if (!o->missing)
		snprintf(label, sizeof(label), "%s", o->name);
	else if (strcmp(o->name, o->id) == 0)
		snprintf(label, sizeof(label), "%s \xe2\x80\x94 %s", o->id, why);
	else
		snprintf(label, sizeof(label), "%s (%s) \xe2\x80\x94 %s", o->name, o->id, why);
	set_named(ctx, o->id, "%s.%zu.id", prefix, j);
	set_named(ctx, label, "%s.%zu.name", prefix, j);
	if (selected)
		set_named(ctx, "1", "%s.%zu.selected", prefix, j);
}

static void set_choice(struct web_ctx *ctx, const char *prefix, size_t j, const struct integration_choice *ch,
		       const char *selected_id)
{
	char id[24];
	snprintf(id, sizeof(id), "%lld", (long long)ch->id);
	set_named(ctx, id, "%s.%zu.id", prefix, j);
	set_named(ctx, ch->name, "%s.%zu.name", prefix, j);
	if (selected_id && strcmp(selected_id, id) == 0)
		set_named(ctx, "1", "%s.%zu.selected", prefix, j);
}

/*
 * The rows of one mapping section, each with only its chosen options: the full lists are in the
 * row template once, and app.js copies them into a row's select when it is first used. So the
 * page grows with rows plus choices, not rows times choices.
 */
static void set_rows(struct web_ctx *ctx, const char *name, const struct form_row *rows, size_t n,
		     const struct option *opts, size_t n_opts, const struct integration_choice *choices,
		     size_t n_choices, int loaded)
{
	char prefix[64], id[24];
	for (size_t i = 0; i < n; i++) {
		const struct option *o = option_find(opts, n_opts, rows[i].orn_id);
		snprintf(prefix, sizeof(prefix), "%s.%zu.orn", name, i);
		if (o)
			set_option(ctx, prefix, 0, o, 1, loaded);
		snprintf(prefix, sizeof(prefix), "%s.%zu.local", name, i);
		for (size_t j = 0; j < n_choices; j++) {
			snprintf(id, sizeof(id), "%lld", (long long)choices[j].id);
			if (strcmp(id, rows[i].local_id) == 0) {
				set_choice(ctx, prefix, 0, &choices[j], rows[i].local_id);
				break;
			}
		}
	}
	set_named(ctx, n ? "1" : "", "%sAny", name);
}

/* The Mail charges plan choices: one-off and service plans first. */
static void set_charge_plans(struct web_ctx *ctx, const struct card *c)
{
	size_t j = 0;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < c->n_plan_options; i++) {
			const struct option *o = &c->plan_options[i];
			if (plan_for_charges(c, o->id) != (pass == 0))
				continue;
			set_option(ctx, "ChargePlans", j++, o, strcmp(o->id, c->charge_plan_id) == 0, c->loaded);
		}
	}
}

static void set_webhook_url(struct web_ctx *ctx, const struct card *c)
{
	web_setf(ctx, "Card.webhook_url", "%s/webhooks/officernd/%s", ctx->cfg->base_url, c->stored.webhook_token);
}

/* Renders the OfficeRnD card with status (200, or 422 after a refused save). */
static void card_render(struct web_ctx *ctx, struct card *c, int status)
{
	options_build(c);
	web_set(ctx, "Nav.section", "settings");
	web_set(ctx, "Card.org_slug", c->org_slug);
	web_set(ctx, "Card.client_id", c->client_id);
	web_set(ctx, "Card.bill_renters", c->bill_renters ? "1" : "");
	web_set(ctx, "Card.client_secret_stored", c->stored.has_client_secret ? "1" : "");
	web_set(ctx, "Card.signing_secret_stored", c->stored.has_signing_secret ? "1" : "");
	web_set(ctx, "Card.secret_typed", c->secret_typed ? "1" : "");
	web_set(ctx, "Card.configured", integrations_officernd_configured(&c->stored) ? "1" : "");
	web_set(ctx, "Card.stripe_on", c->stripe_on ? "1" : "");
	set_webhook_url(ctx, c);
	page_officernd_lists_status(ctx, &c->lists, integrations_officernd_configured(&c->stored));
	for (size_t j = 0; j < c->n_plan_options; j++)
		set_option(ctx, "Plans", j, &c->plan_options[j], 0, c->loaded);
	for (size_t j = 0; j < c->n_location_options; j++)
		set_option(ctx, "Locations", j, &c->location_options[j], 0, c->loaded);
	for (size_t j = 0; j < c->n_offerings; j++)
		set_choice(ctx, "Offerings", j, &c->offerings[j], NULL);
	for (size_t j = 0; j < c->n_spaces; j++)
		set_choice(ctx, "Spaces", j, &c->spaces[j], NULL);
	set_rows(ctx, "PlanRows", c->plan_rows, c->n_plan_rows, c->plan_options, c->n_plan_options, c->offerings,
		 c->n_offerings, c->loaded);
	set_rows(ctx, "LocationRows", c->location_rows, c->n_location_rows, c->location_options,
		 c->n_location_options, c->spaces, c->n_spaces, c->loaded);
	set_charge_plans(ctx, c);
	ctx->resp->status = status;
	web_render(ctx, "integration_officernd.cs", "OfficeRnD integration");
	if (ctx->resp->status != 500)
		ctx->resp->status = status;
}

/* Adds a message for the operator; field names the step it belongs to. */
static void card_error(struct web_ctx *ctx, struct card *c, const char *field, const char *message)
{
	set_named(ctx, message, "Errors.%d", c->n_errors++);
	char name[64];
	snprintf(name, sizeof(name), "Err.%s", field);
	if (!hdf_get_value(ctx->hdf, name, NULL))
		web_set(ctx, name, message);
}

/* OfficeRnD ids are short and plain (24 hex digits in practice): anything else is not one. */
static int orn_id_ok(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > INTEGRATIONS_ID_MAX)
		return 0;
	for (const char *p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '-' || *p == '_'))
			return 0;
	return 1;
}

/* Printable text without control characters, at most max bytes. */
static int text_ok(const char *s, size_t max)
{
	if (strlen(s) > max)
		return 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/* The name OfficeRnD (or the saved mapping) gives an id, for messages; the id itself otherwise. */
static const char *plan_label(const struct card *c, const char *id)
{
	const struct option *o = option_find(c->plan_options, c->n_plan_options, id);
	return o ? o->name : id;
}

static const char *location_label(const struct card *c, const char *id)
{
	const struct option *o = option_find(c->location_options, c->n_location_options, id);
	return o ? o->name : id;
}

/* An OfficeRnD id the form may use: in the loaded lists, or already saved (or no list loaded yet). */
static int orn_id_known(const struct card *c, const struct option *opts, size_t n, const char *id)
{
	return !c->loaded || option_find(opts, n, id) != NULL;
}

/* The loaded name of an OfficeRnD plan or location, "" when the lists do not hold it (the store
 * then keeps the name saved before). */
static const char *cached_name(const struct officernd_lists *l, const char *id, int plan)
{
	if (plan) {
		for (size_t i = 0; i < l->n_plans; i++)
			if (strcmp(l->plans[i].id, id) == 0)
				return l->plans[i].name;
	} else {
		for (size_t i = 0; i < l->n_locations; i++)
			if (strcmp(l->locations[i].id, id) == 0)
				return l->locations[i].name;
	}
	return "";
}

/*
 * Checks one mapping section and fills links with the complete rows (a row with an empty side
 * is ignored). plan: 1 for Plans -> Offerings, 0 for Locations -> Spaces.
 */
static void mapping_check(struct web_ctx *ctx, struct card *c, int plan, struct integration_link **links,
			  size_t *n_links)
{
	const struct form_row *rows = plan ? c->plan_rows : c->location_rows;
	size_t n = plan ? c->n_plan_rows : c->n_location_rows;
	const char *field = plan ? "plans" : "locations";
	char msg[700];
	*links = xcalloc(n ? n : 1, sizeof(**links));
	*n_links = 0;
	for (size_t i = 0; i < n; i++) {
		const char *orn = rows[i].orn_id, *local = rows[i].local_id;
		const char *label = plan ? plan_label(c, orn) : location_label(c, orn);
		int64_t local_id = 0;
		if (!*orn || !*local)
			continue;
		if (!orn_id_ok(orn) ||
		    !orn_id_known(c, plan ? c->plan_options : c->location_options,
				  plan ? c->n_plan_options : c->n_location_options, orn)) {
			snprintf(msg, sizeof(msg), "Row %zu of %s: that %s is not in your OfficeRnD account. Choose one "
				 "from the list.", i + 1, plan ? "Plans \xe2\x86\x92 Mailbox Offerings" :
				 "Locations \xe2\x86\x92 Spaces", plan ? "plan" : "location");
			card_error(ctx, c, field, msg);
			continue;
		}
		if (parse_int64(local, 1, INT64_MAX, &local_id)) {
			snprintf(msg, sizeof(msg), "Choose the %s for %s \xe2\x80\x9c%.200s\xe2\x80\x9d.",
				 plan ? "mailbox offering" : "space", plan ? "plan" : "location", label);
			card_error(ctx, c, field, msg);
			continue;
		}
		int twice = 0;
		for (size_t k = 0; k < *n_links; k++)
			twice |= strcmp((*links)[k].orn_id, orn) == 0;
		if (twice) {
			snprintf(msg, sizeof(msg), "The %s \xe2\x80\x9c%.200s\xe2\x80\x9d is mapped twice: each OfficeRnD "
				 "%s links to one %s. Remove one of the rows.", plan ? "plan" : "location", label,
				 plan ? "plan" : "location", plan ? "offering" : "space");
			card_error(ctx, c, field, msg);
			continue;
		}
		struct integration_link *l = &(*links)[(*n_links)++];
		str_copy(l->orn_id, sizeof(l->orn_id), orn);
		str_copy(l->orn_name, sizeof(l->orn_name), cached_name(&c->lists, orn, plan));
		l->local_id = local_id;
	}
}

/* The stored client secret (free() after wiping), or NULL. */
static char *stored_client_secret(struct web_ctx *ctx)
{
	struct officernd_account a;
	char *secret = NULL;
	if (officernd_account_load(ctx->db, ctx->operator_id, &a) == 0 && a.client_secret && *a.client_secret)
		secret = xstrdup(a.client_secret);
	officernd_account_clear(&a);
	return secret;
}

static void secret_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/*
 * A client for what the form says, not what is stored: the typed slug and client ID (the
 * stored ones where blank) and the typed secret (the stored one where blank). NULL when one of
 * them is missing.
 */
static struct orn_client *client_for_form(struct web_ctx *ctx, const struct card *c, const char *slug)
{
	const char *id = *c->client_id ? c->client_id : c->stored.client_id;
	if (!*slug)
		slug = c->stored.org_slug;
	char *secret = str_trim(xstrdup(web_form(ctx, "client_secret")));
	if (!*secret) {
		free(secret);
		secret = stored_client_secret(ctx);
	}
	struct orn_client *client = NULL;
	if (*slug && *id && secret && *secret)
		client = orn_client_new(slug, id, secret);
	secret_free(secret);
	return client;
}

/* Step 1, 2, 3, 5 and the charges plan; slug (ORG_SLUG_MAX + 1) gets the reduced slug. */
static void fields_check(struct web_ctx *ctx, struct card *c, char *slug)
{
	const char *error = NULL;
	slug[0] = '\0';
	if (*c->org_slug || *c->client_id) {
		if (org_slug_parse(c->org_slug, slug, ORG_SLUG_MAX + 1, &error) == 0) {
			free(c->org_slug);
			c->org_slug = xstrdup(slug);
		} else {
			card_error(ctx, c, "org_slug", error);
		}
	}
	if (!text_ok(c->client_id, CLIENT_ID_MAX) || strchr(c->client_id, ' '))
		card_error(ctx, c, "client_id", "The client ID is the single word OfficeRnD shows under Developer "
			   "Tools for the application: copy it again.");
	if (!text_ok(web_form(ctx, "client_secret"), SECRET_MAX))
		card_error(ctx, c, "client_secret", "The client secret has characters a secret cannot have: copy it "
			   "again from OfficeRnD.");
	if (!text_ok(web_form(ctx, "signing_secret"), SECRET_MAX))
		card_error(ctx, c, "signing_secret", "The signing secret has characters a secret cannot have: copy it "
			   "again from the webhook in OfficeRnD.");
	if (*c->charge_plan_id && !orn_id_ok(c->charge_plan_id))
		card_error(ctx, c, "charge_plan_id", "Choose the Mail charges plan from the list.");
	else if (*c->charge_plan_id &&
		 !orn_id_known(c, c->plan_options, c->n_plan_options, c->charge_plan_id))
		card_error(ctx, c, "charge_plan_id", "The Mail charges plan is not in your OfficeRnD account: choose "
			   "one from the list.");
}

/* Step 3's conditions: billing needs a connection and a charges plan, and excludes Stripe. */
static void billing_check(struct web_ctx *ctx, struct card *c, const char *slug)
{
	if (!c->bill_renters)
		return;
	if (c->stripe_on) {
		card_error(ctx, c, "bill_renters", MSG_STRIPE_ON);
		return;
	}
	int has_secret = c->stored.has_client_secret || *web_form(ctx, "client_secret");
	if (!*slug || !*c->client_id || !has_secret)
		card_error(ctx, c, "bill_renters", "To bill renters with OfficeRnD, fill in the organization name, "
			   "client ID and client secret (steps 1\xe2\x80\x93" "2) first.");
	else if (!*c->charge_plan_id)
		card_error(ctx, c, "charge_plan_id", "Choose the Mail charges plan (step 6): OfficeRnD books every "
			   "mail charge against that plan.");
}

/* The store's refusal in the operator's words. */
static void save_refused(struct web_ctx *ctx, struct card *c, enum integrations_result r, size_t bad,
			 const struct integration_link *plans, const struct integration_link *locations)
{
	char msg[600];
	switch (r) {
	case INTEGRATIONS_BILLING_CONFLICT:
		card_error(ctx, c, "bill_renters", MSG_STRIPE_ON);
		break;
	case INTEGRATIONS_BAD_OFFERING:
		snprintf(msg, sizeof(msg), "The offering chosen for plan \xe2\x80\x9c%.200s\xe2\x80\x9d is not one of "
			 "your mailbox offerings. Choose one from the list.", plan_label(c, plans[bad].orn_id));
		card_error(ctx, c, "plans", msg);
		break;
	case INTEGRATIONS_BAD_SPACE:
		snprintf(msg, sizeof(msg), "The space chosen for location \xe2\x80\x9c%.200s\xe2\x80\x9d is not one of "
			 "your spaces. Choose one from the list.", location_label(c, locations[bad].orn_id));
		card_error(ctx, c, "locations", msg);
		break;
	default:
		break;
	}
}

void page_integrations(struct web_ctx *ctx)
{
	struct officernd_card card;
	int stripe_on = 0;
	struct integration_link *plans = NULL, *locations = NULL;
	size_t n_plans = 0, n_locations = 0;
	if (integrations_officernd_get(ctx->db, ctx->operator_id, &card) ||
	    integrations_stripe_get(ctx->db, ctx->operator_id, &stripe_on) ||
	    integrations_plan_links(ctx->db, ctx->operator_id, &plans, &n_plans) ||
	    integrations_location_links(ctx->db, ctx->operator_id, &locations, &n_locations)) {
		free(plans);
		web_error(ctx, 500, "The integrations could not be loaded. Please try again.");
		return;
	}
	free(plans);
	free(locations);
	web_set(ctx, "Nav.section", "settings");
	web_set(ctx, "ORN.configured", integrations_officernd_configured(&card) ? "1" : "");
	web_set(ctx, "ORN.org_slug", card.org_slug);
	web_set(ctx, "ORN.bill_renters", card.bill_renters ? "1" : "");
	web_set_int(ctx, "ORN.plan_links", (int64_t)n_plans);
	web_set_int(ctx, "ORN.location_links", (int64_t)n_locations);
	web_set(ctx, "Stripe.bill_renters", stripe_on ? "1" : "");
	int status = 200;
	if (hdf_get_value(ctx->hdf, "Stripe.error", NULL))
		status = 422;
	ctx->resp->status = status;
	web_render(ctx, "integrations.cs", "Integrations");
	if (ctx->resp->status != 500)
		ctx->resp->status = status;
}

void page_integrations_stripe(struct web_ctx *ctx)
{
	int on = str_eq(web_form(ctx, "bill_renters"), "1");
	enum integrations_result r = integrations_stripe_save(ctx->db, ctx->operator_id, on, time_now());
	if (r == INTEGRATIONS_BILLING_CONFLICT) {
		web_set(ctx, "Stripe.error", MSG_ORN_ON);
		page_integrations(ctx);
		return;
	}
	if (r != INTEGRATIONS_OK) {
		web_error(ctx, 500, "Stripe billing could not be changed. Please try again.");
		return;
	}
	web_redirect(ctx, CARDS_PATH, "ok", on ? "Stripe billing turned on." : "Stripe billing turned off.");
}

void page_officernd_form(struct web_ctx *ctx)
{
	struct card c;
	if (card_load(ctx, &c)) {
		card_free(&c);
		web_error(ctx, 500, "The OfficeRnD settings could not be loaded. Please try again.");
		return;
	}
	card_values_stored(&c);
	card_render(ctx, &c, 200);
	card_free(&c);
}

/*
 * Stores the checked card with its complete mapping rows. Returns the store's answer; on a
 * refusal the reason is added to the card's errors.
 */
static enum integrations_result card_store(struct web_ctx *ctx, struct card *c, const char *slug,
					   const struct integration_link *plans, size_t n_plans,
					   const struct integration_link *locations, size_t n_locations)
{
	char *secret = str_trim(xstrdup(web_form(ctx, "client_secret")));
	char *signing = str_trim(xstrdup(web_form(ctx, "signing_secret")));
	const char *charge = c->charge_plan_id;
	struct officernd_card_update u = {
		.org_slug = slug,
		.client_id = c->client_id,
		.client_secret = secret,
		.signing_secret = signing,
		.bill_renters = c->bill_renters,
		.charge_plan_id = charge,
		.charge_plan_name = *charge ? cached_name(&c->lists, charge, 1) : "",
		.plans = plans,
		.n_plans = n_plans,
		.locations = locations,
		.n_locations = n_locations,
	};
	size_t bad = 0;
	enum integrations_result r = integrations_officernd_save(ctx->db, ctx->operator_id, &u, time_now(), &bad);
	secret_free(secret);
	secret_free(signing);
	save_refused(ctx, c, r, bad, plans, locations);
	return r;
}

/* Validates the typed card and saves it, or re-renders it with the reasons (422). */
void page_officernd_save(struct web_ctx *ctx)
{
	struct card c;
	char slug[ORG_SLUG_MAX + 1] = "";
	if (card_load(ctx, &c)) {
		card_free(&c);
		web_error(ctx, 500, "The OfficeRnD settings could not be loaded. Please try again.");
		return;
	}
	card_values_typed(ctx, &c);
	/* The ids are checked against the lists loaded before, unless the typed organization is
	 * another one: its lists are loaded by the worker after the save. */
	if (org_slug_parse(c.org_slug, slug, sizeof(slug), NULL) == 0 && *slug && !str_eq(slug, c.stored.org_slug))
		c.loaded = 0;
	options_build(&c);
	fields_check(ctx, &c, slug);
	billing_check(ctx, &c, slug);
	struct integration_link *plans = NULL, *locations = NULL;
	size_t n_plans = 0, n_locations = 0;
	mapping_check(ctx, &c, 1, &plans, &n_plans);
	mapping_check(ctx, &c, 0, &locations, &n_locations);
	/* A refusal by the store adds its reason to the card's errors like the checks above. */
	int failed = 0;
	if (c.n_errors == 0)
		failed = card_store(ctx, &c, slug, plans, n_plans, locations, n_locations) == INTEGRATIONS_FAILED;
	free(plans);
	free(locations);
	if (failed)
		web_error(ctx, 500, "The OfficeRnD settings could not be saved. Please try again.");
	else if (c.n_errors)
		card_render(ctx, &c, 422);
	else
		web_redirect(ctx, FORM_PATH, "ok", "OfficeRnD settings saved.");
	card_free(&c);
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
	if (*c->org_slug && org_slug_parse(c->org_slug, slug, ORG_SLUG_MAX + 1, &error)) {
		snprintf(msg, size, "%s", error);
		return 0;
	}
	struct orn_client *client = client_for_form(ctx, c, slug);
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
		 *slug ? slug : c->stored.org_slug, nl, plural(nl, "location", "locations"), np,
		 plural(np, "plan", "plans"));
	return 1;
}

/* Test connection: proves the typed (or stored) credentials without saving anything. The card
 * below shows the lists as loaded by the worker, like a GET. */
void page_officernd_test(struct web_ctx *ctx)
{
	struct card c;
	char slug[ORG_SLUG_MAX + 1] = "";
	char msg[800];
	if (card_load(ctx, &c)) {
		card_free(&c);
		web_error(ctx, 500, "The OfficeRnD settings could not be loaded. Please try again.");
		return;
	}
	card_values_typed(ctx, &c);
	int ok = test_run(ctx, &c, slug, msg, sizeof(msg));
	if (*slug) {
		free(c.org_slug);
		c.org_slug = xstrdup(slug);
	}
	log_info("integrations", "test connection operator=%lld ok=%d", (long long)ctx->operator_id, ok);
	web_set(ctx, "Test.ok", ok ? "1" : "");
	web_set(ctx, "Test.message", msg);
	card_render(ctx, &c, 200);
	card_free(&c);
}

void page_officernd_webhook_token(struct web_ctx *ctx)
{
	if (integrations_webhook_token_regenerate(ctx->db, ctx->operator_id, time_now())) {
		web_error(ctx, 500, "A new webhook URL could not be made. Please try again.");
		return;
	}
	web_redirect(ctx, FORM_PATH, "ok", "A new webhook URL was made and the old one no longer works: paste the "
		     "new one into OfficeRnD (step 4).");
}
