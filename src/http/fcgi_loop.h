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

#endif
