/*
 * officernd_card.h: what the files of the OfficeRnD settings card share (web/officernd_card*.c,
 * web/officernd_webhook.c). Not for other pages.
 *
 * A card is read from the store only (card_load); what it shows is the stored values (GET) or
 * the typed ones (after a refused save, or a test). Secrets are write-only: nothing here ever
 * puts a client or signing secret into the HDF, a redirect, a flash or a log line.
 */
#ifndef PILOTOMAIL_WEB_OFFICERND_CARD_H
#define PILOTOMAIL_WEB_OFFICERND_CARD_H

#include "store/integrations.h"
#include "store/officernd_lists.h"
#include "web/pages.h"

#define CARD_FORM_PATH "/settings/integrations/officernd"
#define CARD_CLIENT_ID_MAX 255
#define CARD_SECRET_MAX 1024

#define CARD_MSG_STRIPE_ON "\xe2\x80\x9c" "Bill mailbox renters with OfficeRnD?\xe2\x80\x9d cannot be on while Stripe " \
		      "billing is on: renters would be billed twice. Turn Stripe billing off first: on Settings " \
		      "\xe2\x86\x92 Integrations, untick \xe2\x80\x9c" "Bill mailbox renters with Stripe?\xe2\x80\x9d " \
		      "on the Stripe card and save it. Nothing was saved."

/* One mapping row as the form shows it (owned copies: typed values may be anything). */
struct form_row {
	char *orn_id;
	char *local_id;
};
struct form_rows {
	struct form_row *rows;
	size_t n;
};

/* A choice in a select: borrowed strings. */
struct option {
	const char *id;
	const char *name;
	int missing; /* saved, but not in the lists loaded from OfficeRnD */
};
struct option_list {
	struct option *items;
	size_t n;
};

/* What the store holds for the card. */
struct card_data {
	struct officernd_card stored;
	int stripe_on;
	struct integration_link *saved_plans, *saved_locations;
	size_t n_saved_plans, n_saved_locations;
	struct integration_choice *offerings, *spaces;
	size_t n_offerings, n_spaces;
	struct officernd_lists lists; /* as the worker last loaded them */
	int loaded;                   /* the lists were loaded at least once */
};

/* The values shown: stored ones, or the typed ones after a refused save or a test. */
struct card_values {
	char *org_slug, *client_id, *charge_plan_id;
	int bill_renters;
	struct form_rows plans, locations;
	int secret_typed; /* a typed secret was not saved: ask for it again */
};

/* The plan and location choices (card_options_build). */
struct card_options {
	int built;
	struct option_list plans, locations;
};

/* One OfficeRnD card page; freed by card_free(). */
struct card {
	struct card_data d;
	struct card_values v;
	struct card_options o;
	int n_errors;
};

/* officernd_card.c: the model ----------------------------------------------------------------- */

/* The store's side of the card. 0 or -1 (then card_free() it all the same). */
int card_load(struct web_ctx *ctx, struct card *c);
void card_free(struct card *c);
/* card_load, or a 500 page and 1. */
int card_load_or_fail(struct web_ctx *ctx, struct card *c);
void card_values_stored(struct card *c);
void card_values_typed(struct web_ctx *ctx, struct card *c);
/* Builds the plan and location choices once: loaded lists plus saved ids they lack. */
void card_options_build(struct card *c);
const struct option *card_option_find(const struct option_list *l, const char *id);
/* The name OfficeRnD (or the saved mapping) gives an id, for messages; the id itself otherwise. */
const char *card_plan_label(const struct card *c, const char *id);
const char *card_location_label(const struct card *c, const char *id);
/* The loaded name of a plan (plan 1) or location, "" when the lists do not hold it. */
const char *card_cached_name(const struct officernd_lists *l, const char *id, int plan);
/* Sets an HDF value whose name is formatted. */
void card_set_named(struct web_ctx *ctx, const char *value, const char *fmt, ...) PRINTF_LIKE(3, 4);
/* Adds a message for the operator; field names the step it belongs to. */
void card_error(struct web_ctx *ctx, struct card *c, const char *field, const char *message);
/* Wipes and frees a secret (NULL is fine). */
void card_secret_free(char *s);

/* officernd_card_view.c --------------------------------------------------------------------- */

/* Renders the OfficeRnD card with status (200, or 422 after a refused save). */
void card_render(struct web_ctx *ctx, struct card *c, int status);

/* officernd_card_test.c --------------------------------------------------------------------- */

/*
 * A client for what the form says, not what is stored: the typed slug and client ID (the
 * stored ones where blank) and the typed secret (the stored one where blank). NULL when one of
 * them is missing.
 */
struct orn_client *card_client_for_form(struct web_ctx *ctx, const struct card *c, const char *slug);

/* What Save's check of the credentials found. */
enum card_verdict {
	CARD_NOT_TRIED,    /* nothing to try (incomplete), or unchanged and known to work */
	CARD_WORKS,
	CARD_REFUSED,      /* OfficeRnD refused them: msg says what is wrong */
	CARD_UNREACHABLE,  /* OfficeRnD could not be asked: msg says why */
};
/*
 * Save tries the credentials the form would store (slug: the reduced one) when they are new, or
 * were not known to work: a fresh token, then the locations and plans, as Test connection does.
 * msg gets the reason in the operator's words.
 */
enum card_verdict card_credentials_try(struct web_ctx *ctx, const struct card *c, const char *slug, char *msg,
				       size_t size);

#endif
