/*
 * officernd_card_form.c: Save on the OfficeRnD card (POST /settings/integrations/officernd):
 * checks every step of the typed card, then stores it in one transaction, or re-renders it
 * with the reasons (422) and stores nothing. A typed secret only travels from the form to
 * secretbox_seal.
 */
#include "domain/org_slug.h"
#include "store/officernd_connection.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/util.h"
#include "web/officernd_card.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* An OfficeRnD id the form may use: in the loaded lists, or already saved (or no list loaded yet). */
static int orn_id_known(const struct card *c, const struct option_list *opts, const char *id)
{
	return !c->d.loaded || card_option_find(opts, id) != NULL;
}

/* A mapping section's words and fields. */
struct section {
	int plan; /* 1: Plans -> Offerings, 0: Locations -> Spaces */
	const char *field, *title, *orn_word, *local_word, *local_long;
};

static const struct section PLAN_SECTION = { 1, "plans", "Plans \xe2\x86\x92 Mailbox Offerings", "plan",
					     "offering", "mailbox offering" };
static const struct section LOCATION_SECTION = { 0, "locations", "Locations \xe2\x86\x92 Spaces", "location",
						 "space", "space" };

/* Checks one row; 0 with *local_id when it may be saved, -1 after adding the reason. */
static int row_check(struct web_ctx *ctx, struct card *c, const struct section *s, size_t i,
		     const struct form_row *row, int64_t *local_id)
{
	char msg[700];
	const struct option_list *opts = s->plan ? &c->o.plans : &c->o.locations;
	const char *label = s->plan ? card_plan_label(c, row->orn_id) : card_location_label(c, row->orn_id);
	if (!orn_id_ok(row->orn_id) || !orn_id_known(c, opts, row->orn_id)) {
		snprintf(msg, sizeof(msg), "Row %zu of %s: that %s is not in your OfficeRnD account. Choose one "
			 "from the list.", i + 1, s->title, s->orn_word);
		card_error(ctx, c, s->field, msg);
		return -1;
	}
	if (parse_int64(row->local_id, 1, INT64_MAX, local_id)) {
		snprintf(msg, sizeof(msg), "Choose the %s for %s \xe2\x80\x9c%.200s\xe2\x80\x9d.", s->local_long,
			 s->orn_word, label);
		card_error(ctx, c, s->field, msg);
		return -1;
	}
	return 0;
}

/*
 * Checks one mapping section and fills links with the complete rows (a row with an empty side
 * is ignored).
 */
static void mapping_check(struct web_ctx *ctx, struct card *c, const struct section *s, struct integration_link **links,
			  size_t *n_links)
{
	const struct form_rows *rows = s->plan ? &c->v.plans : &c->v.locations;
	char msg[700];
	*links = xcalloc(rows->n ? rows->n : 1, sizeof(**links));
	*n_links = 0;
	for (size_t i = 0; i < rows->n; i++) {
		const struct form_row *row = &rows->rows[i];
		int64_t local_id = 0;
		if (!*row->orn_id || !*row->local_id || row_check(ctx, c, s, i, row, &local_id))
			continue;
		int twice = 0;
		for (size_t k = 0; k < *n_links; k++)
			twice |= strcmp((*links)[k].orn_id, row->orn_id) == 0;
		if (twice) {
			const char *label = s->plan ? card_plan_label(c, row->orn_id) :
						      card_location_label(c, row->orn_id);
			snprintf(msg, sizeof(msg), "The %s \xe2\x80\x9c%.200s\xe2\x80\x9d is mapped twice: each OfficeRnD "
				 "%s links to one %s. Remove one of the rows.", s->orn_word, label, s->orn_word,
				 s->local_word);
			card_error(ctx, c, s->field, msg);
			continue;
		}
		struct integration_link *l = &(*links)[(*n_links)++];
		str_copy(l->orn_id, sizeof(l->orn_id), row->orn_id);
		str_copy(l->orn_name, sizeof(l->orn_name), card_cached_name(&c->d.lists, row->orn_id, s->plan));
		l->local_id = local_id;
	}
}

/* Step 1, 2, 3, 5 and the charges plan; slug (ORG_SLUG_MAX + 1) gets the reduced slug. */
static void fields_check(struct web_ctx *ctx, struct card *c, char *slug)
{
	const char *error = NULL;
	struct card_values *v = &c->v;
	slug[0] = '\0';
	if (*v->org_slug || *v->client_id) {
		if (org_slug_parse(v->org_slug, slug, ORG_SLUG_MAX + 1, &error) == 0) {
			free(v->org_slug);
			v->org_slug = xstrdup(slug);
		} else {
			card_error(ctx, c, "org_slug", error);
		}
	}
	if (!text_ok(v->client_id, CARD_CLIENT_ID_MAX) || strchr(v->client_id, ' '))
		card_error(ctx, c, "client_id", "The client ID is the single word OfficeRnD shows under Developer "
			   "Tools for the application: copy it again.");
	if (!text_ok(web_form(ctx, "client_secret"), CARD_SECRET_MAX))
		card_error(ctx, c, "client_secret", "The client secret has characters a secret cannot have: copy it "
			   "again from OfficeRnD.");
	if (!text_ok(web_form(ctx, "signing_secret"), CARD_SECRET_MAX))
		card_error(ctx, c, "signing_secret", "The signing secret has characters a secret cannot have: copy it "
			   "again from the webhook in OfficeRnD.");
	if (*v->charge_plan_id && !orn_id_ok(v->charge_plan_id))
		card_error(ctx, c, "charge_plan_id", "Choose the Mail charges plan from the list.");
	else if (*v->charge_plan_id && !orn_id_known(c, &c->o.plans, v->charge_plan_id))
		card_error(ctx, c, "charge_plan_id", "The Mail charges plan is not in your OfficeRnD account: choose "
			   "one from the list.");
}

/* Step 3's conditions: billing needs a connection and a charges plan, and excludes Stripe. */
static void billing_check(struct web_ctx *ctx, struct card *c, const char *slug)
{
	if (!c->v.bill_renters)
		return;
	if (c->d.stripe_on) {
		card_error(ctx, c, "bill_renters", CARD_MSG_STRIPE_ON);
		return;
	}
	int has_secret = c->d.stored.has_client_secret || *web_form(ctx, "client_secret");
	if (!*slug || !*c->v.client_id || !has_secret)
		card_error(ctx, c, "bill_renters", "To bill renters with OfficeRnD, fill in the organization name, "
			   "client ID and client secret (steps 1\xe2\x80\x93" "2) first.");
	else if (!*c->v.charge_plan_id)
		card_error(ctx, c, "charge_plan_id", "Choose the Mail charges plan (step 6): OfficeRnD books every "
			   "mail charge against that plan.");
}

/* The saved mapping rows: complete rows only. */
struct mapping {
	struct integration_link *plans, *locations;
	size_t n_plans, n_locations;
};

/* The store's refusal in the operator's words. */
static void save_refused(struct web_ctx *ctx, struct card *c, enum integrations_result r, size_t bad,
			 const struct mapping *m)
{
	char msg[600];
	switch (r) {
	case INTEGRATIONS_BILLING_CONFLICT:
		card_error(ctx, c, "bill_renters", CARD_MSG_STRIPE_ON);
		break;
	case INTEGRATIONS_BAD_OFFERING:
		snprintf(msg, sizeof(msg), "The offering chosen for plan \xe2\x80\x9c%.200s\xe2\x80\x9d is not one of "
			 "your mailbox offerings. Choose one from the list.", card_plan_label(c, m->plans[bad].orn_id));
		card_error(ctx, c, "plans", msg);
		break;
	case INTEGRATIONS_BAD_SPACE:
		snprintf(msg, sizeof(msg), "The space chosen for location \xe2\x80\x9c%.200s\xe2\x80\x9d is not one of "
			 "your spaces. Choose one from the list.", card_location_label(c, m->locations[bad].orn_id));
		card_error(ctx, c, "locations", msg);
		break;
	default:
		break;
	}
}

/*
 * Stores the checked card with its complete mapping rows. Returns the store's answer; on a
 * refusal the reason is added to the card's errors.
 */
static enum integrations_result card_store(struct web_ctx *ctx, struct card *c, const char *slug,
					   const struct mapping *m)
{
	char *secret = str_trim(xstrdup(web_form(ctx, "client_secret")));
	char *signing = str_trim(xstrdup(web_form(ctx, "signing_secret")));
	const char *charge = c->v.charge_plan_id;
	struct officernd_card_update u = {
		.org_slug = slug,
		.client_id = c->v.client_id,
		.client_secret = secret,
		.signing_secret = signing,
		.bill_renters = c->v.bill_renters,
		.charge_plan_id = charge,
		.charge_plan_name = *charge ? card_cached_name(&c->d.lists, charge, 1) : "",
		.plans = m->plans,
		.n_plans = m->n_plans,
		.locations = m->locations,
		.n_locations = m->n_locations,
	};
	size_t bad = 0;
	enum integrations_result r = integrations_officernd_save(ctx->db, ctx->operator_id, &u, time_now(), &bad);
	card_secret_free(secret);
	card_secret_free(signing);
	save_refused(ctx, c, r, bad, m);
	return r;
}

/* What Save does after the checks: Save's check of the credentials and what it says. */
struct save_outcome {
	enum card_verdict verdict;
	char why[600];       /* OfficeRnD's reason when it refused or could not be asked */
	int anyway;          /* the operator chose to store refused credentials */
};

/* Records the verdict and what connecting again resumes. */
static void save_after(struct web_ctx *ctx, const struct card *c, const char *slug, const struct save_outcome *o)
{
	static const char *const state[] = { [CARD_WORKS] = "ok", [CARD_REFUSED] = "failing",
					     [CARD_UNREACHABLE] = "unchecked" };
	if (o->verdict != CARD_NOT_TRIED)
		officernd_health_credentials(ctx->db, ctx->operator_id, state[o->verdict], o->why, time_now());
	if (*slug && c->v.bill_renters && officernd_reconnected(ctx->db, ctx->operator_id, time_now()) < 0)
		log_warn("integrations", "waiting charges not made due operator=%lld", (long long)ctx->operator_id);
	officernd_health_request(ctx->db, ctx->operator_id);
	if (str_eq(web_form(ctx, "then"), "lists"))
		officernd_lists_request(ctx->db, ctx->operator_id);
}

/* The redirect after a save, with what the check found. */
static void save_redirect(struct web_ctx *ctx, const struct save_outcome *o)
{
	char flash[900];
	int lists = str_eq(web_form(ctx, "then"), "lists");
	const char *path = lists ? CARD_FORM_PATH "#step-6" : CARD_FORM_PATH;
	if (o->verdict == CARD_REFUSED) {
		snprintf(flash, sizeof(flash), "OfficeRnD settings saved as you asked, although OfficeRnD refused them: %s. "
			 "Nothing reaches OfficeRnD until they are fixed.", o->why);
		web_redirect(ctx, path, "error", flash);
	} else if (o->verdict == CARD_UNREACHABLE) {
		snprintf(flash, sizeof(flash), "OfficeRnD settings saved, but not checked: OfficeRnD could not be reached "
			 "(%s). Press Test connection once it is back.", o->why);
		web_redirect(ctx, path, "error", flash);
	} else {
		web_redirect(ctx, path, "ok", lists ? "OfficeRnD settings saved. pilotomail is loading the plans and "
			     "locations from OfficeRnD: they appear in step 6 within seconds." : "OfficeRnD settings saved.");
	}
}

/* Refused credentials, not stored: the card again with the reason at the top and a way to store
 * them on purpose. */
static void save_refused_credentials(struct web_ctx *ctx, struct card *c, const struct save_outcome *o)
{
	web_set(ctx, "Refused.message", o->why);
	web_set(ctx, "Card.failing", "1");
	card_render(ctx, c, 422);
}

/* Validates the typed card and saves it, or re-renders it with the reasons (422). */
void page_officernd_save(struct web_ctx *ctx)
{
	struct card c;
	char slug[ORG_SLUG_MAX + 1] = "";
	if (card_load_or_fail(ctx, &c))
		return;
	card_values_typed(ctx, &c);
	/* The ids are checked against the lists loaded before, unless the typed organization is
	 * another one: its lists are loaded by the worker after the save. */
	if (org_slug_parse(c.v.org_slug, slug, sizeof(slug), NULL) == 0 && *slug &&
	    !str_eq(slug, c.d.stored.org_slug))
		c.d.loaded = 0;
	card_options_build(&c);
	fields_check(ctx, &c, slug);
	billing_check(ctx, &c, slug);
	struct mapping m = { 0 };
	mapping_check(ctx, &c, &PLAN_SECTION, &m.plans, &m.n_plans);
	mapping_check(ctx, &c, &LOCATION_SECTION, &m.locations, &m.n_locations);
	struct save_outcome o = { .anyway = str_eq(web_form(ctx, "save_anyway"), "1") };
	/* The one wait on OfficeRnD of a save, bounded like Test connection: broken credentials are
	 * never stored without the operator being told. */
	if (c.n_errors == 0)
		o.verdict = card_credentials_try(ctx, &c, slug, o.why, sizeof(o.why));
	int refused = o.verdict == CARD_REFUSED && !o.anyway;
	/* A refusal by the store adds its reason to the card's errors like the checks above. */
	int failed = 0;
	if (c.n_errors == 0 && !refused)
		failed = card_store(ctx, &c, slug, &m) == INTEGRATIONS_FAILED;
	free(m.plans);
	free(m.locations);
	if (failed) {
		web_error(ctx, 500, "The OfficeRnD settings could not be saved. Please try again.");
	} else if (c.n_errors) {
		card_render(ctx, &c, 422);
	} else if (refused) {
		save_refused_credentials(ctx, &c, &o);
	} else {
		save_after(ctx, &c, slug, &o);
		save_redirect(ctx, &o);
	}
	card_free(&c);
}
