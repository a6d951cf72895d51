/*
 * fcgi_loop.h: the accept loop shared by both FastCGI programs. It reads each request (body
 * capped at max_body), hands it to the program's handler, sends the response, and stops
 * cleanly on SIGTERM after the request in hand.
 */
#ifndef PILOTOMAIL_FCGI_LOOP_H
#define PILOTOMAIL_FCGI_LOOP_H

#include "http/http.h"

typedef void (*fcgi_handler)(void *data, struct http_request *req, struct http_response *resp);
/* A request that could not be read (bad length, too large, hung up) gets this answer. */
typedef void (*fcgi_bad_request)(void *data, int status, struct http_response *resp);

int fcgi_serve(size_t max_body, fcgi_handler handler, fcgi_bad_request bad, void *data);

/*
 * The same loop on several threads, each accepting in turn (libfcgi wants FCGX_Accept_r
 * serialised) and then serving its request while the others accept. The handler gets the
 * thread's own context (thread_open(data); thread_close at the end; NULL from thread_open
 * stops that thread). SIGTERM or SIGINT: no more accepting; each thread finishes the request in
 * hand, then fcgi_serve_threads returns.
 */
struct fcgi_threads {
	int count;
	size_t max_body;
	void *(*thread_open)(void *data);
	void (*thread_close)(void *ctx);
	fcgi_handler handler;
	fcgi_bad_request bad;
	void *data;
};
int fcgi_serve_threads(struct fcgi_threads *conf);

#endif
