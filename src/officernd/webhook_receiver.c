/* webhook_receiver.c: see webhook_receiver.h. */
#include "officernd/webhook_receiver.h"
#include "crypto/crypto.h"
#include "officernd/event.h"
#include "officernd/webhook_sig.h"
#include "store/webhook_committer.h"
#include "store/webhook_events.h"
#include "util/log.h"
#include "util/timeutil.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOKEN_MAX 128

/* Sets a small JSON answer {key: value} (and "reason" when given). */
static void reply_json(struct http_response *resp, int status, const char *key, const char *value,
		       const char *reason)
{
	json_t *o = json_object();
	json_object_set_new(o, key, json_string(value));
	if (reason)
		json_object_set_new(o, "reason", json_string(reason));
	char *text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	resp->status = status;
	resp->content_type = "application/json";
	strbuf_reset(&resp->body);
	strbuf_adds(&resp->body, text ? text : "{}");
	strbuf_adds(&resp->body, "\n");
	free(text);
}

void webhook_reply_error(struct http_response *resp, int status, const char *message)
{
	reply_json(resp, status, "error", message, NULL);
}

/* The TOKEN of /webhooks/officernd/TOKEN, or NULL when the path is not of that form. */
static const char *path_token(const char *path)
{
	size_t plen = strlen(WEBHOOK_PATH_PREFIX);
	if (!path || strncmp(path, WEBHOOK_PATH_PREFIX, plen) != 0)
		return NULL;
	const char *token = path + plen;
	size_t len = strlen(token);
	if (len == 0 || len > TOKEN_MAX)
		return NULL;
	for (const char *p = token; *p; p++) {
		char ch = *p;
		int ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
			 ch == '-' || ch == '_';
		if (!ok)
			return NULL;
	}
	return token;
}

/* Text from the sender, made safe for one log line: at most 64 plain characters. */
static const char *log_safe(const char *s, char *buf, size_t size)
{
	size_t i = 0;
	for (; s && s[i] && i < size - 1 && i < 64; i++) {
		char ch = s[i];
		int ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
			 ch == '.' || ch == '_' || ch == '-' || ch == ':';
		buf[i] = ok ? ch : '?';
	}
	buf[i] = '\0';
	return buf;
}

enum secret_state { SECRET_OK, SECRET_NONE, SECRET_UNREADABLE };

/* Checks the signature with the operator's secret, decrypted for this request only. */
static enum webhook_sig_result check_signature(const struct webhook_endpoint *ep, const struct config *cfg,
					       const struct http_request *req, enum secret_state *state)
{
	char *secret = NULL;
	size_t secret_len = 0;
	*state = SECRET_NONE;
	if (!ep->secret_blob)
		return WEBHOOK_SIG_MISMATCH;
	if (secretbox_open(ep->secret_blob, ep->secret_len, &secret, &secret_len) < 0) {
		*state = SECRET_UNREADABLE;
		return WEBHOOK_SIG_MISMATCH;
	}
	if (secret_len == 0) {
		free(secret);
		return WEBHOOK_SIG_MISMATCH;
	}
	*state = SECRET_OK;
	const char *header = http_request_param(req, "HTTP_OFFICERND_SIGNATURE");
	enum webhook_sig_result r = webhook_sig_verify(header, req->body, req->body_len, secret, time_now(),
						       cfg->webhook_tolerance_s);
	OPENSSL_cleanse(secret, secret_len);
	free(secret);
	return r;
}

/* Why a verified body is stored as ignored, or NULL when it is to be applied. */
static const char *ignore_reason(int parsed, const struct event_peek *p, char *buf, size_t size)
{
	if (!parsed)
		return "not valid JSON: the body is not an OfficeRnD event";
	if (p->kind != EVENT_OTHER)
		return NULL;
	if (!*p->type)
		return "the event has no eventType";
	snprintf(buf, size, "event type \"%.64s\" is not handled: only membership.created, "
		 "membership.updated and membership.removed are", p->type);
	return buf;
}

/* Stores the verified event and answers. */
static void store_event(struct webhook_committer *committer, int64_t operator_id, struct http_request *req, struct http_response *resp)
{
	struct event_peek peek;
	char why_buf[256], type_log[72], mid_log[72];
	int parsed = event_peek(req->body, req->body_len, &peek) == 0;
	const char *why = ignore_reason(parsed, &peek, why_buf, sizeof(why_buf));
	char *key = event_dedupe_key(parsed ? peek.id : NULL, req->body, req->body_len);
	struct webhook_event_new e = {
		.dedupe_key = key,
		.event_type = parsed ? peek.type : "",
		.membership_id = parsed ? peek.membership_id : "",
		.body = req->body,
		.body_len = req->body_len,
		.state = why ? "ignored" : "pending",
		.outcome = why ? why : "",
		.received_at = time_now(),
	};
	int64_t id = 0;
	int rc = webhook_committer_store(committer, operator_id, &e, &id);
	if (rc < 0) {
		webhook_reply_error(resp, 500, "the event could not be stored; send it again");
	} else if (rc == 1) {
		log_info("webhook", "duplicate operator=%lld type=%s", (long long)operator_id,
			 log_safe(e.event_type, type_log, sizeof(type_log)));
		reply_json(resp, 200, "status", "duplicate", NULL);
	} else {
		log_info("webhook", "stored operator=%lld event=%lld type=%s membership=%s state=%s",
			 (long long)operator_id, (long long)id, log_safe(e.event_type, type_log, sizeof(type_log)),
			 log_safe(e.membership_id, mid_log, sizeof(mid_log)), e.state);
		reply_json(resp, 200, "status", why ? "ignored" : "accepted", why);
	}
	free(key);
	if (parsed)
		event_peek_clear(&peek);
}

void webhook_receive(const struct webhook_receiver *r, struct http_request *req, struct http_response *resp)
{
	const char *token = path_token(req->path);
	if (!token) {
		webhook_reply_error(resp, 404, "not found");
		return;
	}
	if (strcmp(req->method, "POST") != 0) {
		http_response_header(resp, "Allow", "POST");
		webhook_reply_error(resp, 405, "only POST is accepted here");
		return;
	}
	struct webhook_endpoint ep;
	int found = webhook_endpoint_find_with(r->find_endpoint, token, &ep);
	if (found != 0) {
		if (found > 0)
			log_warn("webhook", "rejected reason=unknown_token");
		webhook_reply_error(resp, found > 0 ? 404 : 500, found > 0 ? "not found" : "store unavailable");
		return;
	}
	enum secret_state secret;
	enum webhook_sig_result sig = check_signature(&ep, r->cfg, req, &secret);
	if (secret == SECRET_NONE) {
		log_warn("webhook", "rejected operator=%lld reason=no_signing_secret", (long long)ep.operator_id);
		webhook_reply_error(resp, 401, "no signing secret is configured for this endpoint");
	} else if (secret == SECRET_UNREADABLE) {
		log_error("webhook", "signing secret cannot be decrypted operator=%lld", (long long)ep.operator_id);
		webhook_reply_error(resp, 500, "the signature cannot be checked now; send it again later");
	} else if (sig != WEBHOOK_SIG_OK) {
		log_warn("webhook", "rejected operator=%lld reason=%s", (long long)ep.operator_id,
			 webhook_sig_result_text(sig));
		webhook_reply_error(resp, 401, "signature check failed");
	} else {
		store_event(r->committer, ep.operator_id, req, resp);
	}
	webhook_endpoint_clear(&ep);
}
