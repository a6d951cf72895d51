/* fcgi_loop.c: see fcgi_loop.h. */
#include "http/fcgi_loop.h"
#include "util/log.h"
#include "util/timeutil.h"

#include "util/util.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#ifdef PILOTOMAIL_LEAK_CHECK
#include <sanitizer/lsan_interface.h>
#endif
#include <string.h>
#include <unistd.h>

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

/* -- several threads ------------------------------------------------------------------------- */

/* Written once by the signal handler; every accepting thread polls it with the socket. */
static int stop_pipe[2] = { -1, -1 };
static pthread_mutex_t accept_lock = PTHREAD_MUTEX_INITIALIZER;

static void on_sigterm_threads(int sig)
{
	(void)sig;
	FCGX_ShutdownPending();
	char b = 1;
	ssize_t ignored = write(stop_pipe[1], &b, 1);
	(void)ignored;
}

/* 1 when the listening socket (fd 0) has a connection waiting, 0 once we are stopping. */
static int wait_for_connection(void)
{
	struct pollfd fds[2] = { { .fd = 0, .events = POLLIN }, { .fd = stop_pipe[0], .events = POLLIN } };
	for (;;) {
		int n = poll(fds, 2, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || fds[1].revents)
			return 0;
		if (fds[0].revents & POLLIN)
			return 1;
		if (fds[0].revents)
			return 0; /* the socket is gone */
	}
}

static void *accept_thread(void *arg)
{
	const struct fcgi_threads *conf = arg;
	void *ctx = conf->thread_open(conf->data);
	FCGX_Request fcgx;
	if (!ctx || FCGX_InitRequest(&fcgx, 0, 0) != 0) {
		log_error("http", "a FastCGI thread could not start");
		if (ctx)
			conf->thread_close(ctx);
		return NULL;
	}
	for (;;) {
		pthread_mutex_lock(&accept_lock);
		/* Poll first: FCGX_Accept_r itself cannot be woken when SIGTERM lands elsewhere. */
		int rc = wait_for_connection() ? FCGX_Accept_r(&fcgx) : -1;
		pthread_mutex_unlock(&accept_lock);
		if (rc < 0)
			break;
		serve_one(&fcgx, conf->max_body, conf->handler, conf->bad, ctx);
		FCGX_Finish_r(&fcgx);
	}
	FCGX_Free(&fcgx, 1);
	conf->thread_close(ctx);
	return NULL;
}

/* Starts the threads with SIGTERM/SIGINT blocked in them: the main thread takes the signal. */
static int start_threads(struct fcgi_threads *conf, pthread_t *threads)
{
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 512 * 1024);
	int started = 0;
	for (; started < conf->count; started++)
		if (pthread_create(&threads[started], &attr, accept_thread, conf) != 0)
			break;
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (started < conf->count)
		log_error("http", "only %d of %d FastCGI threads started", started, conf->count);
	return started;
}

int fcgi_serve_threads(struct fcgi_threads *conf)
{
	if (FCGX_Init() != 0 || pipe(stop_pipe) < 0) {
		log_error("http", "FastCGI initialisation failed");
		return -1;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigterm_threads;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	pthread_t *threads = xcalloc((size_t)conf->count, sizeof(*threads));
	int started = start_threads(conf, threads);
	for (int i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	free(threads);
	return started == conf->count ? 0 : -1;
}
