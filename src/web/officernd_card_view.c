/*
 * officernd_card_view.c: the OfficeRnD card as a page: the form in the order of the operator's
 * steps in OfficeRnD, with the plan and location lists as the worker last loaded them (showing
 * the card never asks OfficeRnD). GET /settings/integrations/officernd.
 */
#include "web/officernd_card.h"
#include "util/util.h"

#include <stdio.h>
#include <string.h>

/* A plan suits mail charges when it is a one-off or a service: those are listed first. */
static int plan_for_charges(const struct card *c, const char *id)
{
	const struct officernd_lists *l = &c->d.lists;
	for (size_t i = 0; i < l->n_plans; i++)
		if (strcmp(l->plans[i].id, id) == 0)
			return str_eq(l->plans[i].interval_length, "once") || str_eq(l->plans[i].type, "service");
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
	card_set_named(ctx, o->id, "%s.%zu.id", prefix, j);
	card_set_named(ctx, label, "%s.%zu.name", prefix, j);
	if (selected)
		card_set_named(ctx, "1", "%s.%zu.selected", prefix, j);
}

static void set_choice(struct web_ctx *ctx, const char *prefix, size_t j, const struct integration_choice *ch,
		       const char *selected_id)
{
	char id[24];
	snprintf(id, sizeof(id), "%lld", (long long)ch->id);
	card_set_named(ctx, id, "%s.%zu.id", prefix, j);
	card_set_named(ctx, ch->name, "%s.%zu.name", prefix, j);
	if (selected_id && strcmp(selected_id, id) == 0)
		card_set_named(ctx, "1", "%s.%zu.selected", prefix, j);
}

/* One mapping section's local side (offerings or spaces). */
struct local_choices {
	const struct integration_choice *items;
	size_t n;
};

/*
 * The rows of one mapping section, each with only its chosen options: the full lists are in the
 * row template once, and app.js copies them into a row's select when it is first used. So the
 * page grows with rows plus choices, not rows times choices.
 */
static void set_rows(struct web_ctx *ctx, const char *name, const struct form_rows *rows,
		     const struct option_list *opts, struct local_choices choices, int loaded)
{
	char prefix[64], id[24];
	for (size_t i = 0; i < rows->n; i++) {
		const struct form_row *row = &rows->rows[i];
		const struct option *o = card_option_find(opts, row->orn_id);
		/* The row's anchor (#plan-ID, #location-ID) is where "not linked" reasons link to. */
		card_set_named(ctx, row->orn_id, "%s.%zu.orn_id", name, i);
		snprintf(prefix, sizeof(prefix), "%s.%zu.orn", name, i);
		if (o)
			set_option(ctx, prefix, 0, o, 1, loaded);
		snprintf(prefix, sizeof(prefix), "%s.%zu.local", name, i);
		for (size_t j = 0; j < choices.n; j++) {
			snprintf(id, sizeof(id), "%lld", (long long)choices.items[j].id);
			if (strcmp(id, row->local_id) == 0) {
				set_choice(ctx, prefix, 0, &choices.items[j], row->local_id);
				break;
			}
		}
	}
	card_set_named(ctx, rows->n ? "1" : "", "%sAny", name);
}

/* The Mail charges plan choices: one-off and service plans first. */
static void set_charge_plans(struct web_ctx *ctx, const struct card *c)
{
	size_t j = 0;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < c->o.plans.n; i++) {
			const struct option *o = &c->o.plans.items[i];
			if (plan_for_charges(c, o->id) != (pass == 0))
				continue;
			set_option(ctx, "ChargePlans", j++, o, strcmp(o->id, c->v.charge_plan_id) == 0, c->d.loaded);
		}
	}
}

static void set_webhook_url(struct web_ctx *ctx, const struct card *c)
{
	web_setf(ctx, "Card.webhook_url", "%s/webhooks/officernd/%s", ctx->cfg->base_url, c->d.stored.webhook_token);
}

/* Steps 1 to 5: the values and whether secrets are stored (never the secrets). */
static void set_fields(struct web_ctx *ctx, const struct card *c)
{
	const struct officernd_card *s = &c->d.stored;
	web_set(ctx, "Card.org_slug", c->v.org_slug);
	web_set(ctx, "Card.client_id", c->v.client_id);
	web_set(ctx, "Card.bill_renters", c->v.bill_renters ? "1" : "");
	web_set(ctx, "Card.client_secret_stored", s->has_client_secret ? "1" : "");
	web_set(ctx, "Card.signing_secret_stored", s->has_signing_secret ? "1" : "");
	web_set(ctx, "Card.secret_typed", c->v.secret_typed ? "1" : "");
	web_set(ctx, "Card.configured", integrations_officernd_configured(s) ? "1" : "");
	web_set(ctx, "Card.stripe_on", c->d.stripe_on ? "1" : "");
	set_webhook_url(ctx, c);
}

/* Step 6: the choices and the rows. */
static void set_mapping(struct web_ctx *ctx, const struct card *c)
{
	const struct card_data *d = &c->d;
	for (size_t j = 0; j < c->o.plans.n; j++)
		set_option(ctx, "Plans", j, &c->o.plans.items[j], 0, d->loaded);
	for (size_t j = 0; j < c->o.locations.n; j++)
		set_option(ctx, "Locations", j, &c->o.locations.items[j], 0, d->loaded);
	for (size_t j = 0; j < d->n_offerings; j++)
		set_choice(ctx, "Offerings", j, &d->offerings[j], NULL);
	for (size_t j = 0; j < d->n_spaces; j++)
		set_choice(ctx, "Spaces", j, &d->spaces[j], NULL);
	set_rows(ctx, "PlanRows", &c->v.plans, &c->o.plans,
		 (struct local_choices){ d->offerings, d->n_offerings }, d->loaded);
	set_rows(ctx, "LocationRows", &c->v.locations, &c->o.locations,
		 (struct local_choices){ d->spaces, d->n_spaces }, d->loaded);
	set_charge_plans(ctx, c);
}

void card_render(struct web_ctx *ctx, struct card *c, int status)
{
	card_options_build(c);
	web_set(ctx, "Nav.section", "settings");
	set_fields(ctx, c);
	page_officernd_lists_status(ctx, &c->d.lists, integrations_officernd_configured(&c->d.stored));
	page_officernd_health_set(ctx, "Health");
	if (str_eq(hdf_get_value(ctx->hdf, "Health.credentials", ""), "failing"))
		web_set(ctx, "Card.failing", "1");
	set_mapping(ctx, c);
	ctx->resp->status = status;
	web_render(ctx, "integration_officernd.cs", "OfficeRnD integration");
	if (ctx->resp->status != 500)
		ctx->resp->status = status;
}

void page_officernd_form(struct web_ctx *ctx)
{
	struct card c;
	if (card_load_or_fail(ctx, &c))
		return;
	card_values_stored(&c);
	card_render(ctx, &c, 200);
	card_free(&c);
}
