/* integrations.c: see integrations.h. */
#include "store/integrations.h"
#include "crypto/crypto.h"
#include "store/db.h"
#include "store/mailboxes.h"
#include "store/officernd_lists.h"
#include "util/log.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

/* A blob column holds a stored secret when it is present and not empty. */
static int column_has_blob(struct db_stmt *st, int i)
{
	return !db_col_is_null(st, i) && db_col_bytes(st, i) > 0;
}

int integrations_officernd_get(struct db *db, int64_t operator_id, struct officernd_card *out)
{
	memset(out, 0, sizeof(*out));
	struct db_stmt *st = db_prepare(db, "SELECT org_slug, client_id, client_secret_enc, signing_secret_enc, "
					  "bill_renters, charge_plan_id, charge_plan_name, webhook_token, updated_at "
					  "FROM officernd_settings WHERE operator_id = ?");
	db_bind_int64(st, 1, operator_id);
	if (db_step(st) != DB_ROW) {
		db_finalize(st);
		return -1;
	}
	str_copy(out->org_slug, sizeof(out->org_slug), db_col_text(st, 0));
	str_copy(out->client_id, sizeof(out->client_id), db_col_text(st, 1));
	out->has_client_secret = column_has_blob(st, 2);
	out->has_signing_secret = column_has_blob(st, 3);
	out->bill_renters = db_col_int(st, 4) != 0;
	str_copy(out->charge_plan_id, sizeof(out->charge_plan_id), db_col_text(st, 5));
	str_copy(out->charge_plan_name, sizeof(out->charge_plan_name), db_col_text(st, 6));
	str_copy(out->webhook_token, sizeof(out->webhook_token), db_col_text(st, 7));
	out->updated_at = db_col_int64(st, 8);
	db_finalize(st);
	return 0;
}

int integrations_officernd_configured(const struct officernd_card *card)
{
	return card->org_slug[0] && card->client_id[0] && card->has_client_secret;
}

int integrations_stripe_get(struct db *db, int64_t operator_id, int *bill_renters)
{
	*bill_renters = 0;
	struct db_stmt *st = db_prepare(db, "SELECT bill_renters FROM stripe_settings WHERE operator_id = ?");
	db_bind_int64(st, 1, operator_id);
	int rc = db_step(st);
	if (rc == DB_ROW)
		*bill_renters = db_col_int(st, 0) != 0;
	db_finalize(st);
	/* No row yet reads as "off": the row is created with the operator. */
	return rc == DB_ROW || rc == DB_DONE ? 0 : -1;
}

/* Runs a prepared link query (columns: orn id, orn name, local id, local name) into an array. */
static int links_read(struct db_stmt *st, struct integration_link **items, size_t *n)
{
	size_t cap = 0;
	int rc;
	*items = NULL;
	*n = 0;
	while ((rc = db_step(st)) == DB_ROW) {
		*items = array_grow(*items, *n, &cap, sizeof(**items));
		struct integration_link *l = &(*items)[(*n)++];
		memset(l, 0, sizeof(*l));
		str_copy(l->orn_id, sizeof(l->orn_id), db_col_text(st, 0));
		str_copy(l->orn_name, sizeof(l->orn_name), db_col_text(st, 1));
		l->local_id = db_col_int64(st, 2);
		str_copy(l->local_name, sizeof(l->local_name), db_col_text(st, 3));
	}
	db_finalize(st);
	if (rc != DB_DONE) {
		free(*items);
		*items = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}

int integrations_plan_links(struct db *db, int64_t operator_id, struct integration_link **items, size_t *n)
{
	struct db_stmt *st = db_prepare(db, "SELECT l.plan_id, l.plan_name, l.offering_id, COALESCE(o.name, '') "
					  "FROM plan_links l LEFT JOIN offerings o "
					  "ON o.id = l.offering_id AND o.operator_id = l.operator_id "
					  "WHERE l.operator_id = ? ORDER BY l.position, l.plan_id");
	db_bind_int64(st, 1, operator_id);
	return links_read(st, items, n);
}

int integrations_location_links(struct db *db, int64_t operator_id, struct integration_link **items, size_t *n)
{
	struct db_stmt *st = db_prepare(db, "SELECT l.location_id, l.location_name, l.space_id, COALESCE(s.name, '') "
					  "FROM location_links l LEFT JOIN spaces s "
					  "ON s.id = l.space_id AND s.operator_id = l.operator_id "
					  "WHERE l.operator_id = ? ORDER BY l.position, l.location_id");
	db_bind_int64(st, 1, operator_id);
	return links_read(st, items, n);
}

static int choices_read(struct db_stmt *st, struct integration_choice **items, size_t *n)
{
	size_t cap = 0;
	int rc;
	*items = NULL;
	*n = 0;
	while ((rc = db_step(st)) == DB_ROW) {
		*items = array_grow(*items, *n, &cap, sizeof(**items));
		struct integration_choice *c = &(*items)[(*n)++];
		c->id = db_col_int64(st, 0);
		str_copy(c->name, sizeof(c->name), db_col_text(st, 1));
	}
	db_finalize(st);
	if (rc != DB_DONE) {
		free(*items);
		*items = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}

int integrations_offering_choices(struct db *db, int64_t operator_id, struct integration_choice **items, size_t *n)
{
	struct db_stmt *st = db_prepare(db, "SELECT id, name FROM offerings WHERE operator_id = ? "
					  "ORDER BY name COLLATE NOCASE, id");
	db_bind_int64(st, 1, operator_id);
	return choices_read(st, items, n);
}

int integrations_space_choices(struct db *db, int64_t operator_id, struct integration_choice **items, size_t *n)
{
	struct db_stmt *st = db_prepare(db, "SELECT id, name FROM spaces WHERE operator_id = ? "
					  "ORDER BY name COLLATE NOCASE, id");
	db_bind_int64(st, 1, operator_id);
	return choices_read(st, items, n);
}

/* 1 when the row id exists in table (offerings or spaces: fixed by the caller) for the operator. */
static int owned_by(struct db *db, const char *sql, int64_t operator_id, int64_t id)
{
	struct db_stmt *st = db_prepare(db, sql);
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, operator_id);
	int found = db_step(st) == DB_ROW;
	db_finalize(st);
	return found;
}

/* Every offering and space the mapping names must be the operator's own. */
static enum integrations_result check_ownership(struct db *db, int64_t operator_id,
						const struct officernd_card_update *u, size_t *bad_index)
{
	for (size_t i = 0; i < u->n_plans; i++) {
		if (!owned_by(db, "SELECT 1 FROM offerings WHERE id = ? AND operator_id = ?", operator_id,
			      u->plans[i].local_id)) {
			*bad_index = i;
			return INTEGRATIONS_BAD_OFFERING;
		}
	}
	for (size_t i = 0; i < u->n_locations; i++) {
		if (!owned_by(db, "SELECT 1 FROM spaces WHERE id = ? AND operator_id = ?", operator_id,
			      u->locations[i].local_id)) {
			*bad_index = i;
			return INTEGRATIONS_BAD_SPACE;
		}
	}
	return INTEGRATIONS_OK;
}

/* The names stored before this save, so a row whose name is unknown now keeps its old one. */
struct known_names {
	struct integration_link *plans, *locations;
	size_t n_plans, n_locations;
	struct officernd_card card;
};

static const char *name_in(const struct integration_link *links, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(links[i].orn_id, id) == 0 && links[i].orn_name[0])
			return links[i].orn_name;
	return "";
}

static const char *plan_name_known(const struct known_names *k, const char *id, const char *given)
{
	if (given && *given)
		return given;
	const char *name = name_in(k->plans, k->n_plans, id);
	if (!*name && strcmp(k->card.charge_plan_id, id) == 0)
		name = k->card.charge_plan_name;
	return name;
}

static void known_names_free(struct known_names *k)
{
	free(k->plans);
	free(k->locations);
}

/* Seals a secret given on the form; *blob stays NULL for "keep the stored one". 0 or -1. */
static int seal_if_given(const char *secret, unsigned char **blob, size_t *len)
{
	*blob = NULL;
	*len = 0;
	if (!secret || !*secret)
		return 0;
	return secretbox_seal(secret, strlen(secret), blob, len);
}

static void bind_blob_or_null(struct db_stmt *st, int i, const unsigned char *blob, size_t len)
{
	if (blob)
		db_bind_blob(st, i, blob, len);
	else
		db_bind_null(st, i);
}

/* The officernd_settings row; a NULL blob keeps the stored secret. 0 or -1. */
static int settings_update(struct db *db, int64_t operator_id, const struct officernd_card_update *u,
			   const struct known_names *k, int64_t now)
{
	unsigned char *client_blob = NULL, *signing_blob = NULL;
	size_t client_len = 0, signing_len = 0;
	if (seal_if_given(u->client_secret, &client_blob, &client_len) ||
	    seal_if_given(u->signing_secret, &signing_blob, &signing_len)) {
		free(client_blob);
		return -1;
	}
	/* A cached access token belongs to the credentials it was issued for. */
	int new_credentials = !str_eq(k->card.org_slug, u->org_slug) || !str_eq(k->card.client_id, u->client_id) ||
			      client_blob != NULL;
	struct db_stmt *st = db_prepare(db,
		"UPDATE officernd_settings SET org_slug = ?1, client_id = ?2, "
		"client_secret_enc = COALESCE(?3, client_secret_enc), "
		"signing_secret_enc = COALESCE(?4, signing_secret_enc), bill_renters = ?5, "
		"charge_plan_id = ?6, charge_plan_name = ?7, updated_at = ?8, "
		"access_token_enc = CASE WHEN ?9 <> 0 THEN NULL ELSE access_token_enc END, "
		"access_token_expires_at = CASE WHEN ?9 <> 0 THEN 0 ELSE access_token_expires_at END, "
		"reconciled_through = CASE WHEN ?11 <> 0 THEN '' ELSE reconciled_through END, "
		"reconcile_since = CASE WHEN ?11 <> 0 THEN ?8 ELSE reconcile_since END "
		"WHERE operator_id = ?10");
	db_bind_text(st, 1, u->org_slug ? u->org_slug : "");
	db_bind_text(st, 2, u->client_id ? u->client_id : "");
	bind_blob_or_null(st, 3, client_blob, client_len);
	bind_blob_or_null(st, 4, signing_blob, signing_len);
	db_bind_int64(st, 5, u->bill_renters ? 1 : 0);
	const char *plan = u->charge_plan_id ? u->charge_plan_id : "";
	db_bind_text(st, 6, plan);
	db_bind_text(st, 7, *plan ? plan_name_known(k, plan, u->charge_plan_name) : "");
	db_bind_int64(st, 8, now);
	db_bind_int64(st, 9, new_credentials);
	db_bind_int64(st, 10, operator_id);
	/* Another organization: the reconciliation position of the old one means nothing there. */
	db_bind_int64(st, 11, !str_eq(k->card.org_slug, u->org_slug));
	free(client_blob);
	free(signing_blob);
	if (db_step_done(st) || db_changes(db) != 1)
		return -1;
	/* The worker loads the plan and location lists with the new credentials right away. */
	if (new_credentials && officernd_lists_credentials_saved(db, operator_id, !str_eq(k->card.org_slug, u->org_slug)))
		return -1;
	return 0;
}

/* Replaces the plan and location links with the ones of the update. 0 or -1. */
static int links_replace(struct db *db, int64_t operator_id, const struct officernd_card_update *u,
			 const struct known_names *k)
{
	struct db_stmt *st = db_prepare(db, "DELETE FROM plan_links WHERE operator_id = ?");
	db_bind_int64(st, 1, operator_id);
	if (db_step_done(st))
		return -1;
	st = db_prepare(db, "DELETE FROM location_links WHERE operator_id = ?");
	db_bind_int64(st, 1, operator_id);
	if (db_step_done(st))
		return -1;
	for (size_t i = 0; i < u->n_plans; i++) {
		const struct integration_link *l = &u->plans[i];
		st = db_prepare(db, "INSERT INTO plan_links(operator_id, plan_id, plan_name, offering_id, position) "
				    "VALUES (?, ?, ?, ?, ?)");
		db_bind_int64(st, 1, operator_id);
		db_bind_text(st, 2, l->orn_id);
		db_bind_text(st, 3, plan_name_known(k, l->orn_id, l->orn_name));
		db_bind_int64(st, 4, l->local_id);
		db_bind_int64(st, 5, (int64_t)i);
		if (db_step_done(st))
			return -1;
	}
	for (size_t i = 0; i < u->n_locations; i++) {
		const struct integration_link *l = &u->locations[i];
		const char *name = l->orn_name[0] ? l->orn_name : name_in(k->locations, k->n_locations, l->orn_id);
		st = db_prepare(db, "INSERT INTO location_links(operator_id, location_id, location_name, space_id, "
				    "position) VALUES (?, ?, ?, ?, ?)");
		db_bind_int64(st, 1, operator_id);
		db_bind_text(st, 2, l->orn_id);
		db_bind_text(st, 3, name);
		db_bind_int64(st, 4, l->local_id);
		db_bind_int64(st, 5, (int64_t)i);
		if (db_step_done(st))
			return -1;
	}
	return 0;
}

/* Everything of the save that runs inside the transaction. */
static enum integrations_result save_locked(struct db *db, int64_t operator_id, const struct officernd_card_update *u,
					    int64_t now, size_t *bad_index)
{
	int stripe_on = 0;
	if (integrations_stripe_get(db, operator_id, &stripe_on))
		return INTEGRATIONS_FAILED;
	if (u->bill_renters && stripe_on)
		return INTEGRATIONS_BILLING_CONFLICT;
	enum integrations_result r = check_ownership(db, operator_id, u, bad_index);
	if (r != INTEGRATIONS_OK)
		return r;
	struct known_names k;
	memset(&k, 0, sizeof(k));
	if (integrations_officernd_get(db, operator_id, &k.card) ||
	    integrations_plan_links(db, operator_id, &k.plans, &k.n_plans) ||
	    integrations_location_links(db, operator_id, &k.locations, &k.n_locations)) {
		known_names_free(&k);
		return INTEGRATIONS_FAILED;
	}
	int rc = settings_update(db, operator_id, u, &k, now) || links_replace(db, operator_id, u, &k);
	known_names_free(&k);
	/* Mailboxes created while their location was unlinked get the space linked now. */
	int assigned = rc ? 0 : mailbox_assign_linked_spaces(db, operator_id, now);
	if (assigned < 0)
		return INTEGRATIONS_FAILED;
	if (assigned > 0)
		log_info("integrations", "mailboxes given the space of their newly linked location operator=%lld count=%d",
			 (long long)operator_id, assigned);
	return rc ? INTEGRATIONS_FAILED : INTEGRATIONS_OK;
}

enum integrations_result integrations_officernd_save(struct db *db, int64_t operator_id,
						     const struct officernd_card_update *u, int64_t now,
						     size_t *bad_index)
{
	size_t dummy;
	if (!bad_index)
		bad_index = &dummy;
	*bad_index = 0;
	if (db_begin(db))
		return INTEGRATIONS_FAILED;
	enum integrations_result r = save_locked(db, operator_id, u, now, bad_index);
	if (r != INTEGRATIONS_OK || db_commit(db)) {
		db_rollback(db);
		return r != INTEGRATIONS_OK ? r : INTEGRATIONS_FAILED;
	}
	log_info("integrations", "officernd settings saved operator=%lld plans=%zu locations=%zu bill_renters=%d",
		 (long long)operator_id, u->n_plans, u->n_locations, u->bill_renters ? 1 : 0);
	return INTEGRATIONS_OK;
}

/* OfficeRnD billing as stored: 1 on, 0 off, -1 no row. */
static int officernd_billing_on(struct db *db, int64_t operator_id)
{
	struct db_stmt *st = db_prepare(db, "SELECT bill_renters FROM officernd_settings WHERE operator_id = ?");
	db_bind_int64(st, 1, operator_id);
	int on = db_step(st) == DB_ROW ? db_col_int(st, 0) != 0 : -1;
	db_finalize(st);
	return on;
}

enum integrations_result integrations_stripe_save(struct db *db, int64_t operator_id, int bill_renters, int64_t now)
{
	if (db_begin(db))
		return INTEGRATIONS_FAILED;
	if (bill_renters && officernd_billing_on(db, operator_id) == 1) {
		db_rollback(db);
		return INTEGRATIONS_BILLING_CONFLICT;
	}
	struct db_stmt *st = db_prepare(db, "INSERT INTO stripe_settings(operator_id, bill_renters, updated_at) "
					  "VALUES (?1, ?2, ?3) ON CONFLICT(operator_id) DO UPDATE SET "
					  "bill_renters = excluded.bill_renters, updated_at = excluded.updated_at");
	db_bind_int64(st, 1, operator_id);
	db_bind_int64(st, 2, bill_renters ? 1 : 0);
	db_bind_int64(st, 3, now);
	if (db_step_done(st) || db_commit(db)) {
		db_rollback(db);
		return INTEGRATIONS_FAILED;
	}
	log_info("integrations", "stripe billing set operator=%lld bill_renters=%d", (long long)operator_id,
		 bill_renters ? 1 : 0);
	return INTEGRATIONS_OK;
}

int integrations_webhook_token_regenerate(struct db *db, int64_t operator_id, int64_t now)
{
	char *token = random_token(32);
	struct db_stmt *st = db_prepare(db, "UPDATE officernd_settings SET webhook_token = ?, updated_at = ? "
					  "WHERE operator_id = ?");
	db_bind_text(st, 1, token);
	db_bind_int64(st, 2, now);
	db_bind_int64(st, 3, operator_id);
	explicit_bzero(token, strlen(token));
	free(token);
	if (db_step_done(st) || db_changes(db) != 1)
		return -1;
	log_info("integrations", "webhook token regenerated operator=%lld", (long long)operator_id);
	return 0;
}
