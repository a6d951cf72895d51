/* http.c: see http.h. */
#include "http/http.h"
#include "crypto/crypto.h"
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Written once at start-up, before any request (see http_allow_uploads). */
static size_t upload_cap;
static int (*upload_accepts)(const char *method, const char *path);

void http_allow_uploads(size_t cap, int (*accepts)(const char *method, const char *path))
{
	upload_cap = cap;
	upload_accepts = accepts;
}

size_t http_upload_cap(void)
{
	return upload_cap;
}

/* The body cap of this request: the upload cap only for a multipart POST to an upload route. */
static size_t body_cap(const struct http_request *req, size_t max_body)
{
	if (upload_accepts && upload_cap > max_body && str_starts_with(req->content_type, "multipart/form-data") &&
	    upload_accepts(req->method, req->path))
		return upload_cap;
	return max_body;
}

/* Text parts into req->form, file parts into req->files. 0, or 400. */
static int read_multipart(struct http_request *req)
{
	char boundary[80];
	if (multipart_boundary(req->content_type, boundary, sizeof(boundary)) < 0 ||
	    multipart_parse(req->body, req->body_len, boundary, &req->form, &req->files) < 0)
		return 400;
	return 0;
}

static char *param_copy(FCGX_Request *fcgx, const char *name)
{
	const char *v = FCGX_GetParam(name, fcgx->envp);
	return xstrdup(v ? v : "");
}

/* Reads exactly len bytes of body; a short read means the client hung up: a 400. */
static int read_body(struct http_request *req, size_t len)
{
	req->body = xmalloc(len + 1);
	size_t got = 0;
	while (got < len) {
		int n = FCGX_GetStr(req->body + got, (int)(len - got), req->fcgx->in);
		if (n <= 0)
			return 400;
		got += (size_t)n;
	}
	req->body[len] = '\0';
	req->body_len = len;
	return 0;
}

static int read_content_length(struct http_request *req, size_t max_body, size_t *len)
{
	const char *cl = FCGX_GetParam("CONTENT_LENGTH", req->fcgx->envp);
	int64_t v = 0;
	if (!cl || !*cl) {
		*len = 0;
		return 0;
	}
	if (parse_int64(cl, 0, INT64_MAX, &v) < 0)
		return 400;
	if ((uint64_t)v > max_body)
		return 413;
	*len = (size_t)v;
	return 0;
}

/*
 * A request id for the logs: a random start per thread, then counting. It only has to tell
 * requests apart in the logs; drawing 8 random bytes per request cost more than the rest of
 * reading the request.
 */
static void request_id_next(char out[17])
{
	static _Thread_local uint64_t next;
	if (!next)
		random_bytes((unsigned char *)&next, sizeof(next));
	uint64_t id = next++;
	unsigned char rid[8];
	for (int i = 0; i < 8; i++)
		rid[i] = (unsigned char)(id >> (56 - 8 * i));
	hex_encode(rid, sizeof(rid), out);
}

int http_request_read(struct http_request *req, FCGX_Request *fcgx, size_t max_body)
{
	memset(req, 0, sizeof(*req));
	req->fcgx = fcgx;
	request_id_next(req->id);
	req->method = param_copy(fcgx, "REQUEST_METHOD");
	req->query_string = param_copy(fcgx, "QUERY_STRING");
	req->content_type = param_copy(fcgx, "CONTENT_TYPE");
	/* REQUEST_URI is what the client sent; the path part is decoded once, here. */
	const char *uri = FCGX_GetParam("REQUEST_URI", fcgx->envp);
	if (!uri || !*uri)
		uri = "/";
	size_t path_len = strcspn(uri, "?");
	req->path = url_decode(uri, path_len);
	if (!req->path || req->path[0] != '/')
		return 400;
	if (form_parse(req->query_string, strlen(req->query_string), &req->query) < 0)
		return 400;
	const char *cookie = FCGX_GetParam("HTTP_COOKIE", fcgx->envp);
	if (cookie && cookies_parse(cookie, &req->cookies) < 0)
		return 400;
	size_t len = 0;
	int status = read_content_length(req, body_cap(req, max_body), &len);
	if (status)
		return status;
	if ((status = read_body(req, len)) != 0)
		return status;
	if (strcmp(req->method, "POST") == 0 &&
	    str_starts_with(req->content_type, "application/x-www-form-urlencoded") &&
	    form_parse(req->body, req->body_len, &req->form) < 0)
		return 400;
	if (strcmp(req->method, "POST") == 0 && str_starts_with(req->content_type, "multipart/form-data"))
		return read_multipart(req);
	return 0;
}

const char *http_request_param(const struct http_request *req, const char *name)
{
	return FCGX_GetParam(name, req->fcgx->envp);
}

void http_request_free(struct http_request *req)
{
	free(req->method);
	free(req->path);
	free(req->query_string);
	free(req->content_type);
	free(req->body);
	kvlist_free(&req->query);
	kvlist_free(&req->form);
	kvlist_free(&req->cookies);
	multipart_files_free(&req->files);
	memset(req, 0, sizeof(*req));
}

void http_response_init(struct http_response *resp)
{
	memset(resp, 0, sizeof(*resp));
	resp->status = 200;
	resp->content_type = "text/html; charset=utf-8";
}

void http_response_header(struct http_response *resp, const char *name, const char *value)
{
	/* A header value never carries a line break: that would be response splitting. */
	if (strpbrk(value, "\r\n") || strpbrk(name, "\r\n:"))
		return;
	strbuf_addf(&resp->headers, "%s: %s\r\n", name, value);
}

void http_response_cookie(struct http_response *resp, const char *name, const char *value,
			  long max_age, int secure)
{
	char *line = xasprintf("%s=%s; Path=/; Max-Age=%ld; HttpOnly; SameSite=Lax%s", name, value,
			       max_age, secure ? "; Secure" : "");
	http_response_header(resp, "Set-Cookie", line);
	free(line);
}

void http_response_file(struct http_response *resp, int fd, int64_t size)
{
	strbuf_reset(&resp->body);
	resp->file_fd = fd;
	resp->file_size = size;
}

void http_response_redirect(struct http_response *resp, const char *location)
{
	resp->status = 303;
	http_response_header(resp, "Location", location);
	strbuf_reset(&resp->body);
}

const char *http_status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 303: return "See Other";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

/* The rest of a file response: its length, then its bytes in chunks as read. A file that
 * shrank meanwhile ends the response short (the client sees a truncated download). */
static void send_file(const struct http_response *resp, FCGX_Stream *out)
{
	char buf[64 * 1024];
	snprintf(buf, sizeof(buf), "Content-Length: %lld\r\n\r\n", (long long)resp->file_size);
	FCGX_PutS(buf, out);
	int64_t left = resp->file_size;
	while (left > 0) {
		ssize_t n = read(resp->file_fd, buf, left < (int64_t)sizeof(buf) ? (size_t)left : sizeof(buf));
		if (n <= 0 || FCGX_PutStr(buf, (int)n, out) < 0)
			break;
		left -= n;
	}
}

void http_response_send(const struct http_response *resp, FCGX_Stream *out)
{
	FCGX_FPrintF(out, "Status: %d %s\r\n", resp->status, http_status_text(resp->status));
	FCGX_FPrintF(out, "Content-Type: %s\r\n", resp->content_type);
	FCGX_FPrintF(out, "Content-Security-Policy: %s\r\n",
		     resp->csp ? resp->csp
			       : "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
				 "form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
	FCGX_PutS("X-Content-Type-Options: nosniff\r\n"
		  "X-Frame-Options: DENY\r\n"
		  "Referrer-Policy: same-origin\r\n"
		  "Cache-Control: no-store\r\n", out);
	if (resp->headers.len)
		FCGX_PutStr(resp->headers.buf, (int)resp->headers.len, out);
	if (resp->file_fd > 0) {
		send_file(resp, out);
		return;
	}
	FCGX_FPrintF(out, "Content-Length: %lu\r\n\r\n", (unsigned long)resp->body.len); /* libfcgi knows no %zu */
	if (resp->body.len)
		FCGX_PutStr(resp->body.buf, (int)resp->body.len, out);
}

char *http_path_for_log(const char *path, char *out, size_t size)
{
	static const char *secret_prefixes[] = { "/invite/", "/webhooks/officernd/", "/password/reset/",
						      "/my/password/reset/" };
	for (size_t i = 0; i < ARRAY_SIZE(secret_prefixes); i++) {
		size_t len = strlen(secret_prefixes[i]);
		if (path && strncmp(path, secret_prefixes[i], len) == 0) {
			snprintf(out, size, "%s...", secret_prefixes[i]);
			return out;
		}
	}
	str_copy(out, size, path ? path : "-");
	return out;
}

void http_response_free(struct http_response *resp)
{
	if (resp->file_fd > 0)
		close(resp->file_fd);
	resp->file_fd = 0;
	strbuf_free(&resp->headers);
	strbuf_free(&resp->body);
}

void http_response_fail(struct http_response *resp)
{
	http_response_free(resp);
	http_response_init(resp);
	resp->status = 500;
	resp->content_type = "text/plain; charset=utf-8";
	strbuf_adds(&resp->body, "500 Internal Server Error: the request could not be completed and "
				 "nothing was saved. Please try again.\n");
}
