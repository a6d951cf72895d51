/*
 * transport.c: HTTP for the OfficeRnD client on one libcurl easy handle per thread (libcurl
 * forbids sharing a handle between threads; the fee job books fees from a pool of threads).
 *
 * Reusing the handle (curl_easy_reset keeps its connection cache) saves a TLS handshake per call.
 * A thread's handle is freed when the thread ends (a pthread key destructor); the main thread's
 * by orn_global_cleanup(). Call orn_global_init() before starting threads.
 * TLS verification is always on, redirects are never followed, answers are capped at 8 MiB.
 */
#include "officernd/internal.h"
#include "util/config.h"
#include "util/log.h"
#include "util/timeutil.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#ifndef PILOTOMAIL_VERSION
#define PILOTOMAIL_VERSION "dev"
#endif

static _Thread_local CURL *shared;
static int global_ready;
static pthread_key_t handle_key;
static pthread_once_t handle_key_once = PTHREAD_ONCE_INIT;

/* Runs when a thread that used the client ends. */
static void handle_free(void *h)
{
	curl_easy_cleanup(h);
}

static void handle_key_create(void)
{
	if (pthread_key_create(&handle_key, handle_free) != 0) {
		log_error("officernd", "pthread_key_create failed");
		abort();
	}
}

void orn_global_init(void)
{
	pthread_once(&handle_key_once, handle_key_create);
	if (global_ready)
		return;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_error("officernd", "curl_global_init failed");
		abort();
	}
	global_ready = 1;
}

void orn_global_cleanup(void)
{
	orn_fetch_cleanup();
	if (shared) {
		pthread_setspecific(handle_key, NULL);
		curl_easy_cleanup(shared);
	}
	shared = NULL;
	if (global_ready)
		curl_global_cleanup();
	global_ready = 0;
}

/* The thread's handle, reset to defaults but keeping its live connections. */
static CURL *transport_handle(void)
{
	orn_global_init();
	if (shared) {
		curl_easy_reset(shared);
		return shared;
	}
	shared = curl_easy_init();
	if (!shared) {
		log_error("officernd", "curl_easy_init failed");
		abort();
	}
	pthread_setspecific(handle_key, shared);
	return shared;
}

char *orn_url_escape(const char *s)
{
	char *e = curl_easy_escape(transport_handle(), s, (int)strlen(s));
	if (!e) {
		log_error("officernd", "curl_easy_escape failed");
		abort();
	}
	char *copy = xstrdup(e);
	curl_free(e);
	return copy;
}

static size_t transport_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct strbuf *body = arg;
	size_t len = size * nmemb;
	if (len > ORN_BODY_MAX - body->len)
		return 0; /* CURLE_WRITE_ERROR: classified as a bad response */
	strbuf_add(body, data, len);
	return len;
}

/* Could the request have left this machine? When unsure, yes: a fee might exist. */
static int transport_request_sent(CURL *h)
{
	long request_size = 0;
	curl_off_t pretransfer_us = 0;
	curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &request_size);
	curl_easy_getinfo(h, CURLINFO_PRETRANSFER_TIME_T, &pretransfer_us);
	return request_size > 0 || pretransfer_us > 0;
}

static struct curl_slist *transport_headers(const struct orn_http_request *rq, char **auth)
{
	struct curl_slist *headers = NULL;
	headers = curl_slist_append(headers, "Accept: application/json");
	/* No "Expect: 100-continue" round trip before a body. */
	headers = curl_slist_append(headers, "Expect:");
	if (rq->bearer) {
		*auth = xasprintf("Authorization: Bearer %s", rq->bearer);
		headers = curl_slist_append(headers, *auth);
	}
	if (rq->body && rq->content_type) {
		char *ct = xasprintf("Content-Type: %s", rq->content_type);
		headers = curl_slist_append(headers, ct);
		free(ct);
	}
	if (!headers) {
		log_error("officernd", "curl_slist_append failed");
		abort();
	}
	return headers;
}

static void transport_setup(CURL *h, const struct orn_http_request *rq, struct curl_slist *headers,
			    struct strbuf *body, char *errbuf, int64_t timeout_ms)
{
	int64_t connect_ms = timeout_ms < 5000 ? timeout_ms : 5000;
	curl_easy_setopt(h, CURLOPT_URL, rq->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)connect_ms);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "pilotomail/" PILOTOMAIL_VERSION);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, transport_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
	/*
	 * curl silently resends a request whose reused connection died before any answer. For a
	 * POST that may already have been applied that is a duplicate fee: use a fresh connection.
	 */
	if (rq->fresh_connection)
		curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
	if (rq->body) {
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, rq->body);
		if (strcmp(rq->method, "POST") != 0) /* PATCH with a body */
			curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, rq->method);
	} else if (strcmp(rq->method, "GET") != 0) {
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, rq->method);
	}
}

int orn_transfer_begin(CURL *handle, const struct orn_http_request *rq, struct orn_http_response *rs,
		       struct orn_transfer *t, struct orn_error *err)
{
	memset(t, 0, sizeof(*t));
	t->rq = rq;
	t->rs = rs;
	t->timeout_ms = config_get()->http_timeout_ms;
	strbuf_init(&rs->body);
	rs->status = 0;
	rs->retry_after_s = 0;
	if (rq->deadline_ms && time_mono_ms() + t->timeout_ms > rq->deadline_ms) {
		orn_error_set(err, ORN_ERR_DEADLINE, "Not sent: no time left to finish it within this attempt");
		log_info("officernd", "request method=%s path=%s not sent: deadline", rq->method, rq->log_path);
		return -1;
	}
	t->headers = transport_headers(rq, &t->auth);
	transport_setup(handle, rq, t->headers, &rs->body, t->errbuf, t->timeout_ms);
	t->start_ms = time_mono_ms();
	return 0;
}

int orn_transfer_end(CURL *h, struct orn_transfer *t, int curl_code, struct orn_error *err)
{
	const struct orn_http_request *rq = t->rq;
	struct orn_http_response *rs = t->rs;
	long long ms = (long long)(time_mono_ms() - t->start_ms);

	/* The handle keeps pointers to these until the next reset: make them harmless now. */
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
	curl_slist_free_all(t->headers);
	t->headers = NULL;
	if (t->auth) {
		explicit_bzero(t->auth, strlen(t->auth));
		free(t->auth);
		t->auth = NULL;
	}

	if (curl_code != CURLE_OK) {
		orn_error_from_curl(err, curl_code, t->errbuf, transport_request_sent(h), t->timeout_ms);
		log_warn("officernd", "request method=%s path=%s status=0 ms=%lld curl=%d err=\"%s\"",
			 rq->method, rq->log_path, ms, curl_code, err->message);
		strbuf_free(&rs->body);
		return -1;
	}
	long status = 0;
	curl_off_t retry_after = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &retry_after);
	rs->status = (int)status;
	/* Before curl 8.12 a Retry-After date in the past came back negative. */
	rs->retry_after_s = retry_after < 0 ? 0 : retry_after > ORN_RETRY_AFTER_MAX ? ORN_RETRY_AFTER_MAX
										  : (int)retry_after;
	log_info("officernd", "request method=%s path=%s status=%d ms=%lld", rq->method, rq->log_path,
		 rs->status, ms);
	return 0;
}

int orn_transport_perform(const struct orn_http_request *rq, struct orn_http_response *rs,
			  struct orn_error *err)
{
	CURL *h = transport_handle();
	struct orn_transfer t;
	if (orn_transfer_begin(h, rq, rs, &t, err) < 0)
		return -1;
	return orn_transfer_end(h, &t, (int)curl_easy_perform(h), err);
}
