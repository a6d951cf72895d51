/*
 * integrations.h: the Settings -> Integrations cards as stored: the OfficeRnD card
 * (officernd_settings, plan_links, location_links) and the Stripe card (stripe_settings).
 *
 * Secrets (client secret, signing secret) are written sealed with secretbox_seal and never read
 * back here: the card only learns whether one is stored. secretbox_init() must have run.
 * Every function is scoped by operator_id; another operator's row behaves as absent.
 */
#ifndef PILOTOMAIL_STORE_INTEGRATIONS_H
#define PILOTOMAIL_STORE_INTEGRATIONS_H

#include "store/db.h"
#include <stddef.h>
#include <stdint.h>

#define INTEGRATIONS_ID_MAX 64   /* OfficeRnD ids we accept (theirs are 24 hex digits) */
#define INTEGRATIONS_NAME_MAX 256

/* The OfficeRnD card as stored, secrets reduced to "is one stored". */
struct officernd_card {
	char org_slug[72];
	char client_id[256];
	int has_client_secret;
	int has_signing_secret;
	int bill_renters;
	char charge_plan_id[INTEGRATIONS_ID_MAX + 1];
	char charge_plan_name[INTEGRATIONS_NAME_MAX];
	char webhook_token[64];
	int64_t updated_at;
};

/* 0, or -1 when the operator has no settings row. */
int integrations_officernd_get(struct db *db, int64_t operator_id, struct officernd_card *out);
/* 1 when slug, client id and client secret are all stored. */
int integrations_officernd_configured(const struct officernd_card *card);
/* Stripe billing: 0 with *bill_renters set, or -1. */
int integrations_stripe_get(struct db *db, int64_t operator_id, int *bill_renters);

/* One mapping row: an OfficeRnD plan to an offering, or an OfficeRnD location to a space. */
struct integration_link {
	char orn_id[INTEGRATIONS_ID_MAX + 1];   /* plan_id or location_id */
	char orn_name[INTEGRATIONS_NAME_MAX];   /* plan_name or location_name; "" when unknown */
	int64_t local_id;                       /* offering_id or space_id */
	char local_name[128];                   /* the offering's or space's name (read only) */
};

/* The saved mapping in the operator's order; *items (free()) and *n. 0 or -1. */
int integrations_plan_links(struct db *db, int64_t operator_id, struct integration_link **items, size_t *n);
int integrations_location_links(struct db *db, int64_t operator_id, struct integration_link **items, size_t *n);

/* An id and a name, for the offering and space choices of the mapping. */
struct integration_choice {
	int64_t id;
	char name[128];
};
/* The operator's offerings / spaces by name; *items (free()) and *n. 0 or -1. */
int integrations_offering_choices(struct db *db, int64_t operator_id, struct integration_choice **items, size_t *n);
int integrations_space_choices(struct db *db, int64_t operator_id, struct integration_choice **items, size_t *n);

/*
 * A save of the whole OfficeRnD card. Borrowed strings. A secret that is NULL or "" keeps the
 * stored one. A name that is "" keeps the name stored for the same id (so the mapping still
 * reads well when OfficeRnD could not be asked).
 */
struct officernd_card_update {
	const char *org_slug;
	const char *client_id;
	const char *client_secret;
	const char *signing_secret;
	int bill_renters;
	const char *charge_plan_id;
	const char *charge_plan_name;
	const struct integration_link *plans;     /* orn_id, orn_name, local_id = offering */
	size_t n_plans;
	const struct integration_link *locations; /* orn_id, orn_name, local_id = space */
	size_t n_locations;
};

enum integrations_result {
	INTEGRATIONS_OK = 0,
	INTEGRATIONS_FAILED = -1,      /* store error (logged) */
	INTEGRATIONS_BILLING_CONFLICT = 1, /* the other card's billing is on: nothing saved */
	INTEGRATIONS_BAD_OFFERING = 2, /* plans[*bad_index].local_id is not the operator's offering */
	INTEGRATIONS_BAD_SPACE = 3,    /* locations[*bad_index].local_id is not the operator's space */
};

/*
 * Saves the card in one transaction, or nothing at all. Replaces the mapping rows. When the
 * slug, client id or client secret change, the cached access token is dropped (it belongs to
 * the old credentials) and the worker is asked to load the plan and location lists again
 * (officernd_lists_credentials_saved: another organization also drops the cached lists).
 * bad_index may be NULL.
 */
enum integrations_result integrations_officernd_save(struct db *db, int64_t operator_id,
						     const struct officernd_card_update *u, int64_t now,
						     size_t *bad_index);

/* Turns Stripe billing on or off; refused (BILLING_CONFLICT) turning it on while OfficeRnD billing is on. */
enum integrations_result integrations_stripe_save(struct db *db, int64_t operator_id, int bill_renters, int64_t now);

/* A new random webhook token: the old webhook URL stops working at once. 0 or -1. */
int integrations_webhook_token_regenerate(struct db *db, int64_t operator_id, int64_t now);

#endif
