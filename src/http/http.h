/*
 * http.h: one FastCGI request and its response.
 *
 * http_request_read() copies what the handlers need out of the FastCGI environment, reads the
 * body up to a cap, and parses query, form and cookies. The response is built in memory and
 * written in one go by http_response_send(), with the security headers every page carries.
 */
#ifndef PILOTOMAIL_HTTP_H
#define PILOTOMAIL_HTTP_H

#include <fcgiapp.h>
#include <stddef.h>

#include "http/form.h"
#include "http/multipart.h"
#include "util/util.h"

struct http_request {
	FCGX_Request *fcgx;
	char *method;       /* "GET", "POST", ... */
	char *path;         /* decoded path, without the query string */
	char *query_string;
	char *content_type;
	char *body;         /* raw bytes, NUL-terminated for convenience */
	size_t body_len;
	struct kvlist query;
	struct kvlist form; /* urlencoded POST bodies, and the text parts of multipart ones */
	struct multipart_files files; /* the file parts of a multipart/form-data POST (into body) */
	struct kvlist cookies;
	char id[17];        /* request id for logs */
};

struct http_response {
	int status;
	const char *content_type; /* static string; default text/html; charset=utf-8 */
	struct strbuf headers;    /* extra "Name: value\r\n" lines */
	struct strbuf body;
	const char *csp;          /* static string; NULL: the pages' Content-Security-Policy */
	int file_fd;              /* > 0: the body is this file's file_size bytes (closed by free) */
	int64_t file_size;
};

/*
 * Reads the request from fcgx. Returns 0, or an HTTP status (400, 411, 413) when the request is
 * malformed or its body exceeds max_body; the request is then only good for http_request_free().
 */
int http_request_read(struct http_request *req, FCGX_Request *fcgx, size_t max_body);
/*
 * Bodies up to cap (instead of the loop's max_body) for the multipart/form-data POSTs that match
 * accepts (a scan upload): every other request keeps the small cap. Set once before serving.
 */
void http_allow_uploads(size_t cap, int (*accepts)(const char *method, const char *path));
/* The cap set above (0 when none). */
size_t http_upload_cap(void);
/* A FastCGI parameter such as "HTTP_OFFICERND_SIGNATURE", or NULL. Owned by libfcgi. */
const char *http_request_param(const struct http_request *req, const char *name);
void http_request_free(struct http_request *req);

void http_response_init(struct http_response *resp);
void http_response_header(struct http_response *resp, const char *name, const char *value);
/* Set-Cookie with HttpOnly, SameSite=Lax, Path=/, Secure when secure; max_age 0 deletes. */
void http_response_cookie(struct http_response *resp, const char *name, const char *value,
			  long max_age, int secure);
/* The body is the open file fd of size bytes, sent as it is read (the response owns fd). */
void http_response_file(struct http_response *resp, int fd, int64_t size);
void http_response_redirect(struct http_response *resp, const char *location);
void http_response_send(const struct http_response *resp, FCGX_Stream *out);
void http_response_free(struct http_response *resp);
/* Throws away what was prepared (headers, cookies, body) and answers 500 with a plain text
 * saying nothing was saved: for a request whose writes were rolled back behind its handler. */
void http_response_fail(struct http_response *resp);
const char *http_status_text(int status);
/*
 * The path as it may be logged: the secret last segment of token-bearing addresses
 * (/invite/TOKEN, /webhooks/officernd/TOKEN) is replaced by "…". Returns out.
 */
char *http_path_for_log(const char *path, char *out, size_t size);

#endif
