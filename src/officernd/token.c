/*
 * token.c: the client and its access token (OAuth client-credentials grant).
 *
 * Tokens live an hour and OfficeRnD may rate-limit the identity server, so a token is fetched
 * once and shared: kept in memory, and for a stored operator also encrypted in
 * officernd_settings where every process finds it. It is replaced 60 s before it expires, or
 * when the API refuses it (orn_token_drop after a 401).
 */
#include "officernd/internal.h"
#include "store/officernd_account.h"
#include "util/config.h"
#include "util/log.h"
#include "util/timeutil.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static void secret_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

struct orn_client *orn_client_new(const char *slug, const char *client_id, const char *client_secret)
{
	struct orn_client *c = xcalloc(1, sizeof(*c));
	c->slug = xstrdup(slug ? slug : "");
	c->client_id = xstrdup(client_id ? client_id : "");
	c->client_secret = xstrdup(client_secret ? client_secret : "");
	return c;
}

struct orn_client *orn_client_open(struct db *db, int64_t operator_id, struct orn_error *err)
{
	struct officernd_account a;
	orn_error_reset(err);
	if (officernd_account_load(db, operator_id, &a) == 0 && *a.org_slug && *a.client_id &&
	    *a.client_secret) {
		struct orn_client *c = orn_client_new(a.org_slug, a.client_id, a.client_secret);
		c->db = db;
		c->operator_id = operator_id;
		officernd_account_clear(&a);
		return c;
	}
	officernd_account_clear(&a);
	orn_error_set(err, ORN_ERR_NOT_CONFIGURED,
		      "OfficeRnD is not connected: enter the organization name, client ID and client secret "
		      "under Settings \xe2\x86\x92 Integrations");
	return NULL;
}

void orn_client_set_deadline(struct orn_client *c, int64_t deadline_ms)
{
	c->deadline_ms = deadline_ms;
}

void orn_client_free(struct orn_client *c)
{
	if (!c)
		return;
	free(c->slug);
	free(c->client_id);
	secret_free(c->client_secret);
	secret_free(c->token);
	free(c);
}

static int token_usable(int64_t expires_at)
{
	return time_now() < expires_at - ORN_TOKEN_MARGIN_S;
}

/* Takes ownership of token. */
static void token_set(struct orn_client *c, char *token, int64_t expires_at)
{
	secret_free(c->token);
	c->token = token;
	c->token_expires_at = token ? expires_at : 0;
}

static char *token_form(const struct orn_client *c, const char *scopes)
{
	char *id = orn_url_escape(c->client_id);
	char *secret = orn_url_escape(c->client_secret);
	char *scope = orn_url_escape(scopes);
	char *form = xasprintf("grant_type=client_credentials&client_id=%s&client_secret=%s&scope=%s", id,
			       secret, scope);
	free(id);
	secret_free(secret);
	free(scope);
	return form;
}

/* Asks the identity server for a new token with scopes and caches it. */
static int token_fetch_scopes(struct orn_client *c, const char *scopes, struct orn_error *err)
{
	char *url = xasprintf("%s/oauth/token", config_get()->officernd_identity_url);
	char *form = token_form(c, scopes);
	struct orn_http_request rq = {
		.method = "POST", .url = url, .log_path = "/oauth/token",
		.content_type = "application/x-www-form-urlencoded", .body = form, .body_len = strlen(form),
		.deadline_ms = c->deadline_ms,
	};
	struct orn_http_response rs;
	int rc = orn_transport_perform(&rq, &rs, err);
	secret_free(form);
	free(url);
	if (rc)
		return -1;

	json_t *root = NULL;
	char *token = NULL;
	int64_t expires_in = 0;
	if (rs.status < 200 || rs.status > 299) {
		orn_error_from_token_http(err, rs.status, rs.body.buf, rs.body.len, rs.retry_after_s);
		rc = -1;
	} else if (orn_parse_json(rs.body.buf, rs.body.len, &root, err) ||
		   orn_parse_token(root, &token, &expires_in, err)) {
		err->http_status = rs.status;
		rc = -1;
	}
	json_decref(root);
	if (rs.body.buf)
		explicit_bzero(rs.body.buf, rs.body.len);
	strbuf_free(&rs.body);
	if (rc) {
		log_warn("officernd", "token refused status=%d kind=%s", err->http_status,
			 orn_status_name(err->status));
		return -1;
	}
	int64_t expires_at = time_now() + expires_in;
	token_set(c, token, expires_at);
	/* Not fatal when it fails: the token still works, only other processes cannot reuse it. */
	if (c->db && officernd_account_token_save(c->db, c->operator_id, token, expires_at))
		log_warn("officernd", "token not cached operator=%lld", (long long)c->operator_id);
	return 0;
}

/*
 * The webhook scopes are asked for too. Whether OfficeRnD grants the allowed subset or refuses
 * the whole request (invalid_scope) is unverified: on a scope refusal, ask once more with
 * only the scopes pilotomail cannot work without.
 */
static int token_fetch(struct orn_client *c, struct orn_error *err)
{
	if (token_fetch_scopes(c, ORN_SCOPES " " ORN_WEBHOOK_SCOPES, err) == 0)
		return 0;
	if (err->status != ORN_ERR_FORBIDDEN)
		return -1;
	orn_error_reset(err);
	return token_fetch_scopes(c, ORN_SCOPES, err);
}

/* A token another process stored, when it is still good. */
static int token_from_store(struct orn_client *c)
{
	char *token = NULL;
	int64_t expires_at = 0;
	if (!c->db || officernd_account_token_get(c->db, c->operator_id, &token, &expires_at) != 0)
		return -1;
	if (!token_usable(expires_at)) {
		secret_free(token);
		return -1;
	}
	token_set(c, token, expires_at);
	return 0;
}

/*
 * Fetches a token unless another process is fetching one already (its lease in the store): then
 * waits for the token it stores, within this client's deadline. OfficeRnD allows 5 token
 * requests a minute for all of pilotomail's workers together.
 */
static int token_fetch_shared(struct orn_client *c, struct orn_error *err)
{
	for (;;) {
		int64_t now = time_now();
		if (!c->db || officernd_account_token_lease(c->db, c->operator_id, now, now + ORN_TOKEN_LEASE_S) != 0) {
			int rc = token_fetch(c, err);
			if (c->db)
				officernd_account_token_lease_end(c->db, c->operator_id);
			return rc;
		}
		if (token_from_store(c) == 0)
			return 0;
		if (c->deadline_ms && time_mono_ms() + ORN_TOKEN_POLL_MS >= c->deadline_ms) {
			orn_error_set(err, ORN_ERR_DEADLINE, "Another worker is asking OfficeRnD for a token");
			return -1;
		}
		struct timespec ts = { 0, ORN_TOKEN_POLL_MS * 1000000L };
		nanosleep(&ts, NULL);
	}
}

int orn_token_get(struct orn_client *c, int force, const char **token, struct orn_error *err)
{
	*token = NULL;
	if (!*c->client_id || !*c->client_secret) {
		orn_error_set(err, ORN_ERR_NOT_CONFIGURED, "Enter the OfficeRnD client ID and client secret");
		return -1;
	}
	if (force || !c->token || !token_usable(c->token_expires_at)) {
		if ((force || token_from_store(c)) && (force ? token_fetch(c, err) : token_fetch_shared(c, err)))
			return -1;
	}
	*token = c->token;
	return 0;
}

void orn_token_drop(struct orn_client *c)
{
	if (c->db && c->token)
		officernd_account_token_clear(c->db, c->operator_id, c->token_expires_at);
	token_set(c, NULL, 0);
}
