/* fcgi_loop.c: see fcgi_loop.h. */
#include "http/fcgi_loop.h"
#include "util/log.h"
#include "util/timeutil.h"

#include <signal.h>
#include <stdlib.h>
#ifdef PILOTOMAIL_LEAK_CHECK
#include <sanitizer/lsan_interface.h>
#endif
#include <string.h>

static void on_sigterm(int sig)
{
	(void)sig;
	FCGX_ShutdownPending();
}

static void install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigterm;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void serve_one(FCGX_Request *fcgx, size_t max_body, fcgi_handler handler,
		      fcgi_bad_request bad, void *data)
{
	struct http_request req;
	struct http_response resp;
	int64_t start = time_mono_ms();
	http_response_init(&resp);
	int status = http_request_read(&req, fcgx, max_body);
	log_set_request_id(req.id);
	if (status)
		bad(data, status, &resp);
	else
		handler(data, &req, &resp);
	http_response_send(&resp, fcgx->out);
	char path[128];
	log_info("http", "%s %s status=%d ms=%lld", req.method ? req.method : "-",
		 http_path_for_log(req.path, path, sizeof(path)), resp.status,
		 (long long)(time_mono_ms() - start));
	log_set_request_id(NULL);
	http_response_free(&resp);
	http_request_free(&req);
#ifdef PILOTOMAIL_LEAK_CHECK
	/* The sanitizer build checks for leaks after every request: a FastCGI program is killed
	 * by its web server, so the usual check at exit would never run. A leak fails the test. */
	if (__lsan_do_recoverable_leak_check()) {
		log_error("http", "memory leaked while serving a request");
		abort();
	}
#endif
}

int fcgi_serve(size_t max_body, fcgi_handler handler, fcgi_bad_request bad, void *data)
{
	FCGX_Request fcgx;
	if (FCGX_Init() != 0 || FCGX_InitRequest(&fcgx, 0, 0) != 0) {
		log_error("http", "FastCGI initialisation failed");
		return -1;
	}
	install_signals();
	while (FCGX_Accept_r(&fcgx) >= 0) {
		serve_one(&fcgx, max_body, handler, bad, data);
		FCGX_Finish_r(&fcgx);
	}
	FCGX_Free(&fcgx, 1);
	return 0;
}
