/*
 * errors.c: turning curl results and OfficeRnD answers into struct orn_error, and backoff.
 *
 * OfficeRnD's error body is unverified: we read "message" (a string, or a list of strings as
 * NestJS validation errors have it), then OAuth's "error_description" and "error".
 */
#include "officernd/internal.h"
#include "crypto/crypto.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const status_names[] = {
	[ORN_OK] = "ok",
	[ORN_ERR_NETWORK] = "network",
	[ORN_ERR_TIMEOUT] = "timeout",
	[ORN_ERR_RATE_LIMITED] = "rate_limited",
	[ORN_ERR_SERVER] = "server",
	[ORN_ERR_AUTH] = "auth",
	[ORN_ERR_FORBIDDEN] = "forbidden",
	[ORN_ERR_NOT_FOUND] = "not_found",
	[ORN_ERR_INVALID] = "invalid",
	[ORN_ERR_BAD_RESPONSE] = "bad_response",
	[ORN_ERR_NOT_CONFIGURED] = "not_configured",
	[ORN_ERR_DEADLINE] = "deadline",
};

const char *orn_status_name(enum orn_status status)
{
	if ((size_t)status >= ARRAY_SIZE(status_names) || !status_names[status])
		return "unknown";
	return status_names[status];
}

void orn_error_reset(struct orn_error *e)
{
	memset(e, 0, sizeof(*e));
}

/* Keeps what it is given to one printable line: OfficeRnD's text ends up in pages and logs. */
static void message_clean(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

void orn_error_set(struct orn_error *e, enum orn_status status, const char *fmt, ...)
{
	e->status = status;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	message_clean(e->message);
}

int orn_error_retryable(const struct orn_error *e)
{
	switch (e->status) {
	case ORN_ERR_NETWORK:
	case ORN_ERR_TIMEOUT:
	case ORN_ERR_RATE_LIMITED:
	case ORN_ERR_SERVER:
	case ORN_ERR_DEADLINE:
		return 1;
	default:
		return 0;
	}
}

static void format_seconds(int64_t ms, char *buf, size_t size)
{
	if (ms % 1000 == 0)
		snprintf(buf, size, "%lld s", (long long)(ms / 1000));
	else
		snprintf(buf, size, "%.1f s", (double)ms / 1000.0);
}

void orn_error_from_curl(struct orn_error *e, int curl_code, const char *detail, int request_sent,
			 int64_t timeout_ms)
{
	const char *d = (detail && *detail) ? detail : curl_easy_strerror((CURLcode)curl_code);
	char secs[32];
	e->http_status = 0;
	e->retry_after_s = 0;
	e->request_sent = request_sent;
	switch (curl_code) {
	case CURLE_OPERATION_TIMEDOUT:
		format_seconds(timeout_ms, secs, sizeof(secs));
		orn_error_set(e, ORN_ERR_TIMEOUT, "OfficeRnD could not be reached (timeout after %s)", secs);
		break;
	/* These fail before a request exists: nothing can have reached OfficeRnD. */
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
		e->request_sent = 0;
		orn_error_set(e, ORN_ERR_NETWORK, "OfficeRnD could not be reached (%s)", d);
		break;
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		e->request_sent = 0;
		orn_error_set(e, ORN_ERR_NOT_CONFIGURED, "The OfficeRnD address is not valid (%s)", d);
		break;
	case CURLE_WRITE_ERROR: /* our body cap */
		orn_error_set(e, ORN_ERR_BAD_RESPONSE, "OfficeRnD sent an answer larger than %zu MiB",
			      ORN_BODY_MAX >> 20);
		break;
	default:
		orn_error_set(e, ORN_ERR_NETWORK, "OfficeRnD could not be reached (%s)", d);
		break;
	}
}

/* OfficeRnD's own words from an error body into out; "" when it has none we can read. */
static void message_from_body(const char *body, size_t len, char *out, size_t size, char *oauth_error,
			      size_t oauth_size)
{
	out[0] = '\0';
	if (oauth_error)
		oauth_error[0] = '\0';
	if (!body || !len)
		return;
	json_t *root = json_loadb(body, len, 0, NULL);
	if (!json_is_object(root)) {
		json_decref(root);
		return;
	}
	const json_t *msg = json_object_get(root, "message");
	const json_t *err = json_object_get(root, "error");
	if (json_is_object(err) && !msg)
		msg = json_object_get(err, "message");
	if (oauth_error && json_is_string(err))
		str_copy(oauth_error, oauth_size, json_string_value(err));
	if (json_is_string(msg)) {
		str_copy(out, size, json_string_value(msg));
	} else if (json_is_array(msg)) {
		struct strbuf sb = { 0 };
		size_t i;
		const json_t *item;
		json_array_foreach(msg, i, item) {
			if (!json_is_string(item))
				continue;
			if (sb.len)
				strbuf_adds(&sb, "; ");
			strbuf_adds(&sb, json_string_value(item));
		}
		str_copy(out, size, sb.buf ? sb.buf : "");
		strbuf_free(&sb);
	}
	if (!out[0] && json_is_string(json_object_get(root, "error_description")))
		str_copy(out, size, json_string_value(json_object_get(root, "error_description")));
	if (!out[0] && json_is_string(err))
		str_copy(out, size, json_string_value(err));
	json_decref(root);
	message_clean(out);
}

static int scope_char(int ch)
{
	return isalnum(ch) || ch == '.' || ch == '_' || ch == '-' || ch == ':';
}

int orn_scope_from_message(const char *msg, char *out, size_t size)
{
	if (!msg || !size)
		return -1;
	out[0] = '\0';
	char *lower = xstrdup(msg);
	for (char *p = lower; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	int found = -1;
	/* "Missing required scope: X" (and "scopes: X"). */
	const char *p = strstr(lower, "scope");
	while (p && found < 0) {
		const char *q = p + 5;
		if (*q == 's')
			q++;
		if (*q == ':') {
			q++;
			while (*q == ' ' || *q == '\'' || *q == '"')
				q++;
			size_t n = 0;
			while (scope_char((unsigned char)q[n]))
				n++;
			while (n && q[n - 1] == '.')
				n--;  /* a full stop ending the sentence */
			if (n && n < size) {
				memcpy(out, msg + (q - lower), n);
				out[n] = '\0';
				found = 0;
			}
		}
		p = strstr(p + 5, "scope");
	}
	/* Else one of ours named anywhere in the text. */
	if (found < 0) {
		static const char scopes[] = ORN_SCOPES;
		const char *s = scopes;
		while (*s && found < 0) {
			size_t n = strcspn(s, " ");
			char name[96];
			if (n < sizeof(name)) {
				memcpy(name, s, n);
				name[n] = '\0';
				if (strstr(lower, name) && n < size) {
					memcpy(out, name, n + 1);
					found = 0;
				}
			}
			s += n;
			while (*s == ' ')
				s++;
		}
	}
	free(lower);
	return found;
}

static void http_error(struct orn_error *e, int http_status, const char *body, size_t len,
		       int retry_after_s, char *oauth_error, size_t oauth_size)
{
	char msg[400];
	message_from_body(body, len, msg, sizeof(msg), oauth_error, oauth_size);
	const char *sep = msg[0] ? ": " : "";
	e->http_status = http_status;
	e->retry_after_s = retry_after_s < 0 ? 0 : retry_after_s > ORN_RETRY_AFTER_MAX ? ORN_RETRY_AFTER_MAX
										    : retry_after_s;
	e->request_sent = 1;
	e->missing_scope[0] = '\0';
	if (http_status == 401) {
		orn_error_set(e, ORN_ERR_AUTH, "OfficeRnD refused the access token (HTTP 401)%s%s", sep, msg);
	} else if (http_status == 403) {
		if (orn_scope_from_message(msg, e->missing_scope, sizeof(e->missing_scope)) == 0)
			orn_error_set(e, ORN_ERR_FORBIDDEN,
				      "The OfficeRnD application lacks the scope %s: enable it under "
				      "Settings \xe2\x86\x92 Developer Tools", e->missing_scope);
		else
			orn_error_set(e, ORN_ERR_FORBIDDEN, "OfficeRnD refused access (HTTP 403)%s%s", sep, msg);
	} else if (http_status == 404) {
		orn_error_set(e, ORN_ERR_NOT_FOUND, "OfficeRnD found nothing there (HTTP 404)%s%s", sep, msg);
	} else if (http_status == 408) {
		orn_error_set(e, ORN_ERR_SERVER, "OfficeRnD timed out (HTTP 408)%s%s", sep, msg);
	} else if (http_status == 429) {
		if (e->retry_after_s > 0)
			orn_error_set(e, ORN_ERR_RATE_LIMITED,
				      "OfficeRnD is limiting requests (HTTP 429): retry in %d s", e->retry_after_s);
		else
			orn_error_set(e, ORN_ERR_RATE_LIMITED, "OfficeRnD is limiting requests (HTTP 429)%s%s",
				      sep, msg);
	} else if (http_status >= 500 && http_status <= 599) {
		orn_error_set(e, ORN_ERR_SERVER, "OfficeRnD had an error (HTTP %d)%s%s", http_status, sep, msg);
	} else if (http_status >= 400 && http_status <= 499) {
		orn_error_set(e, ORN_ERR_INVALID, "OfficeRnD refused the request (HTTP %d)%s%s", http_status,
			      sep, msg);
	} else {
		orn_error_set(e, ORN_ERR_BAD_RESPONSE, "OfficeRnD sent an unexpected answer (HTTP %d)",
			      http_status);
	}
}

void orn_error_from_http(struct orn_error *e, int http_status, const char *body, size_t len,
			 int retry_after_s)
{
	http_error(e, http_status, body, len, retry_after_s, NULL, 0);
}

void orn_error_from_token_http(struct orn_error *e, int http_status, const char *body, size_t len,
			       int retry_after_s)
{
	char oauth[64];
	http_error(e, http_status, body, len, retry_after_s, oauth, sizeof(oauth));
	/* RFC 6749 5.2: invalid_client may come as 400 or 401; invalid_scope names what is missing. */
	if (http_status == 401 || str_eq(oauth, "invalid_client") || str_eq(oauth, "unauthorized_client")) {
		orn_error_set(e, ORN_ERR_AUTH, "OfficeRnD refused the client ID or secret");
	} else if (str_eq(oauth, "invalid_scope")) {
		char msg[400];
		message_from_body(body, len, msg, sizeof(msg), NULL, 0);
		if (orn_scope_from_message(msg, e->missing_scope, sizeof(e->missing_scope)) == 0)
			orn_error_set(e, ORN_ERR_FORBIDDEN,
				      "The OfficeRnD application lacks the scope %s: enable it under "
				      "Settings \xe2\x86\x92 Developer Tools", e->missing_scope);
		else
			orn_error_set(e, ORN_ERR_FORBIDDEN,
				      "The OfficeRnD application lacks a required scope (%s): enable them under "
				      "Settings \xe2\x86\x92 Developer Tools", msg);
	}
}

int64_t orn_backoff_ms(int attempt, int64_t base_ms, int64_t cap_ms, uint64_t (*rnd)(uint64_t bound))
{
	if (base_ms <= 0 || cap_ms <= 0)
		return 0;
	int64_t upper = base_ms < cap_ms ? base_ms : cap_ms;
	/* Doubling stops at the cap, so a huge attempt costs at most 63 rounds and never overflows. */
	for (int i = 0; i < attempt && upper < cap_ms; i++)
		upper = upper > cap_ms / 2 ? cap_ms : upper * 2;
	uint64_t r = (rnd ? rnd : random_below)((uint64_t)upper + 1);
	return r > (uint64_t)upper ? upper : (int64_t)r;
}

int64_t orn_retry_delay_ms(const struct orn_error *e, int attempt)
{
	if (e && e->retry_after_s > 0) {
		int s = e->retry_after_s > ORN_RETRY_AFTER_MAX ? ORN_RETRY_AFTER_MAX : e->retry_after_s;
		return (int64_t)s * 1000;
	}
	return orn_backoff_ms(attempt, 1000, (int64_t)ORN_RETRY_AFTER_MAX * 1000, NULL);
}
