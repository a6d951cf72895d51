/*
 * officernd_card.c: the OfficeRnD card's model: what the store holds for it, the values shown
 * (stored or typed) and the plan and location choices (see officernd_card.h).
 */
#include "web/officernd_card.h"
#include "util/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void card_set_named(struct web_ctx *ctx, const char *value, const char *fmt, ...)
{
	char name[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	web_set(ctx, name, value);
}

void card_secret_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

static void rows_free(struct form_rows *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->rows[i].orn_id);
		free(r->rows[i].local_id);
	}
	free(r->rows);
}

void card_free(struct card *c)
{
	free(c->d.saved_plans);
	free(c->d.saved_locations);
	free(c->d.offerings);
	free(c->d.spaces);
	officernd_lists_free(&c->d.lists);
	free(c->v.org_slug);
	free(c->v.client_id);
	free(c->v.charge_plan_id);
	rows_free(&c->v.plans);
	rows_free(&c->v.locations);
	free(c->o.plans.items);
	free(c->o.locations.items);
	memset(c, 0, sizeof(*c));
}

int card_load(struct web_ctx *ctx, struct card *c)
{
	struct card_data *d = &c->d;
	memset(c, 0, sizeof(*c));
	if (integrations_officernd_get(ctx->db, ctx->operator_id, &d->stored) ||
	    officernd_lists_get(ctx->db, ctx->operator_id, &d->lists) ||
	    integrations_stripe_get(ctx->db, ctx->operator_id, &d->stripe_on) ||
	    integrations_plan_links(ctx->db, ctx->operator_id, &d->saved_plans, &d->n_saved_plans) ||
	    integrations_location_links(ctx->db, ctx->operator_id, &d->saved_locations, &d->n_saved_locations) ||
	    integrations_offering_choices(ctx->db, ctx->operator_id, &d->offerings, &d->n_offerings) ||
	    integrations_space_choices(ctx->db, ctx->operator_id, &d->spaces, &d->n_spaces))
		return -1;
	d->loaded = d->lists.fetched_at > 0;
	return 0;
}

int card_load_or_fail(struct web_ctx *ctx, struct card *c)
{
	if (card_load(ctx, c) == 0)
		return 0;
	card_free(c);
	web_error(ctx, 500, "The OfficeRnD settings could not be loaded. Please try again.");
	return 1;
}

static struct form_rows rows_from_links(const struct integration_link *links, size_t n)
{
	struct form_rows r = { .rows = xcalloc(n ? n : 1, sizeof(*r.rows)), .n = n };
	for (size_t i = 0; i < n; i++) {
		r.rows[i].orn_id = xstrdup(links[i].orn_id);
		r.rows[i].local_id = xasprintf("%lld", (long long)links[i].local_id);
	}
	return r;
}

void card_values_stored(struct card *c)
{
	const struct card_data *d = &c->d;
	c->v.org_slug = xstrdup(d->stored.org_slug);
	c->v.client_id = xstrdup(d->stored.client_id);
	c->v.charge_plan_id = xstrdup(d->stored.charge_plan_id);
	c->v.bill_renters = d->stored.bill_renters;
	c->v.plans = rows_from_links(d->saved_plans, d->n_saved_plans);
	c->v.locations = rows_from_links(d->saved_locations, d->n_saved_locations);
}

/* The repeated pairs orn_key + local_key of the form, paired by order. */
static struct form_rows rows_from_form(struct web_ctx *ctx, const char *orn_key, const char *local_key)
{
	const struct kvlist *form = &ctx->req->form;
	size_t a = kvlist_count(form, orn_key), b = kvlist_count(form, local_key);
	struct form_rows r = { .n = a > b ? a : b };
	r.rows = xcalloc(r.n ? r.n : 1, sizeof(*r.rows));
	for (size_t i = 0; i < r.n; i++) {
		const char *o = kvlist_get_nth(form, orn_key, i);
		const char *l = kvlist_get_nth(form, local_key, i);
		r.rows[i].orn_id = str_trim(xstrdup(o ? o : ""));
		r.rows[i].local_id = str_trim(xstrdup(l ? l : ""));
	}
	return r;
}

void card_values_typed(struct web_ctx *ctx, struct card *c)
{
	c->v.org_slug = str_trim(xstrdup(web_form(ctx, "org_slug")));
	c->v.client_id = str_trim(xstrdup(web_form(ctx, "client_id")));
	c->v.charge_plan_id = str_trim(xstrdup(web_form(ctx, "charge_plan_id")));
	c->v.bill_renters = str_eq(web_form(ctx, "bill_renters"), "1");
	c->v.plans = rows_from_form(ctx, "plan_id", "offering_id");
	c->v.locations = rows_from_form(ctx, "location_id", "space_id");
	c->v.secret_typed = *web_form(ctx, "client_secret") || *web_form(ctx, "signing_secret");
}

const struct option *card_option_find(const struct option_list *l, const char *id)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->items[i].id, id) == 0)
			return &l->items[i];
	return NULL;
}

static void option_push(struct option_list *l, const char *id, const char *name, int missing)
{
	if (!*id || card_option_find(l, id))
		return;
	l->items = xrealloc(l->items, (l->n + 1) * sizeof(*l->items));
	l->items[l->n++] = (struct option){ .id = id, .name = *name ? name : id, .missing = missing };
}

/*
 * The plan and location choices: the lists loaded from OfficeRnD, plus saved ids they do not
 * hold (marked: removed in OfficeRnD, or not loaded yet), so a saved row still shows and saves.
 */
void card_options_build(struct card *c)
{
	const struct card_data *d = &c->d;
	const struct officernd_lists *l = &d->lists;
	if (c->o.built)
		return;
	c->o.built = 1;
	for (size_t i = 0; i < l->n_plans; i++)
		option_push(&c->o.plans, l->plans[i].id, l->plans[i].name, 0);
	for (size_t i = 0; i < d->n_saved_plans; i++)
		option_push(&c->o.plans, d->saved_plans[i].orn_id, d->saved_plans[i].orn_name, 1);
	option_push(&c->o.plans, d->stored.charge_plan_id, d->stored.charge_plan_name, 1);
	for (size_t i = 0; i < l->n_locations; i++)
		option_push(&c->o.locations, l->locations[i].id, l->locations[i].name, 0);
	for (size_t i = 0; i < d->n_saved_locations; i++)
		option_push(&c->o.locations, d->saved_locations[i].orn_id, d->saved_locations[i].orn_name, 1);
}

const char *card_plan_label(const struct card *c, const char *id)
{
	const struct option *o = card_option_find(&c->o.plans, id);
	return o ? o->name : id;
}

const char *card_location_label(const struct card *c, const char *id)
{
	const struct option *o = card_option_find(&c->o.locations, id);
	return o ? o->name : id;
}

const char *card_cached_name(const struct officernd_lists *l, const char *id, int plan)
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

void card_error(struct web_ctx *ctx, struct card *c, const char *field, const char *message)
{
	card_set_named(ctx, message, "Errors.%d", c->n_errors++);
	char name[64];
	snprintf(name, sizeof(name), "Err.%s", field);
	if (!hdf_get_value(ctx->hdf, name, NULL))
		web_set(ctx, name, message);
}
