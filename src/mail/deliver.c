/* deliver.c: see deliver.h. */
#define _GNU_SOURCE /* sync_file_range: start every file's write-back before waiting on any */
#include "mail/deliver.h"
#include "mail/message.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/util.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define SMTP_CONNECT_TIMEOUT_MS 10000L
#define SMTP_TIMEOUT_MS 60000L
/* Threads writing one batch of .eml files (each flushes its own files). */
#define MAIL_FILE_THREADS 8

struct upload {
	const char *data;
	size_t len;
	size_t pos;
};

static size_t upload_read(char *buf, size_t size, size_t nmemb, void *arg)
{
	struct upload *u = arg;
	size_t room = size * nmemb, left = u->len - u->pos;
	size_t n = left < room ? left : room;
	memcpy(buf, u->data + u->pos, n);
	u->pos += n;
	return n;
}

/* host as libcurl's URL parser gives it: "localhost", "127.0.0.5", "[::1]". */
static int host_is_loopback(const char *host)
{
	struct in_addr v4;
	struct in6_addr v6;
	size_t len = strlen(host);
	if (strcasecmp(host, "localhost") == 0 || strcasecmp(host, "localhost.") == 0)
		return 1;
	if (inet_pton(AF_INET, host, &v4) == 1)
		return (ntohl(v4.s_addr) >> 24) == 127;
	if (len > 2 && host[0] == '[' && host[len - 1] == ']') {
		char *inner = xstrdup(host + 1);
		inner[len - 2] = '\0';
		int ok = inet_pton(AF_INET6, inner, &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
		free(inner);
		return ok;
	}
	return 0;
}

/* The URL is read with libcurl's own parser, so the host judged is the host connected to. */
enum smtp_tls mail_smtp_tls(const char *url, int allow_plain)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL;
	enum smtp_tls tls = SMTP_TLS_BAD_URL;
	if (u && url && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && *host) {
		if (strcasecmp(scheme, "smtps") == 0)
			tls = SMTP_TLS_IMPLICIT;
		else if (strcasecmp(scheme, "smtp") == 0)
			tls = allow_plain || host_is_loopback(host) ? SMTP_TLS_OPTIONAL : SMTP_TLS_REQUIRED;
	}
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return tls;
}

/* Sorts a failed transfer into transient or permanent, with words for the operator. */
static enum mail_delivery smtp_classify(CURLcode rc, long code, char *error, size_t size)
{
	if (rc == CURLE_LOGIN_DENIED) {
		snprintf(error, size, "the mail server refused pilotomail's sign-in (check PILOTOMAIL_SMTP_URL)");
		return MAIL_TRANSIENT;
	}
	if (code >= 500 && code < 600) {
		snprintf(error, size, "the mail server refused the message (SMTP %ld)", code);
		return MAIL_PERMANENT;
	}
	if (code >= 400 && code < 500) {
		snprintf(error, size, "the mail server deferred the message (SMTP %ld)", code);
		return MAIL_TRANSIENT;
	}
	switch (rc) {
	case CURLE_USE_SSL_FAILED:
		snprintf(error, size, "the mail server does not offer TLS (STARTTLS), so nothing was sent "
				      "(PILOTOMAIL_SMTP_ALLOW_PLAIN=1 allows unencrypted SMTP)");
		break;
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
		snprintf(error, size, "could not connect to the mail server");
		break;
	case CURLE_OPERATION_TIMEDOUT:
		snprintf(error, size, "the mail server did not answer in time");
		break;
	default:
		snprintf(error, size, "mail delivery failed: %s", curl_easy_strerror(rc));
	}
	return MAIL_TRANSIENT;
}

static void smtp_setup(CURL *curl, const struct config *cfg, const struct mail_envelope *env,
		       struct curl_slist *rcpt, struct upload *u, char *from)
{
	enum smtp_tls tls = mail_smtp_tls(cfg->smtp_url, cfg->smtp_allow_plain);
	curl_easy_setopt(curl, CURLOPT_URL, cfg->smtp_url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(curl, CURLOPT_USE_SSL, tls == SMTP_TLS_OPTIONAL ? (long)CURLUSESSL_TRY : (long)CURLUSESSL_ALL);
	curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(curl, CURLOPT_READFUNCTION, upload_read);
	curl_easy_setopt(curl, CURLOPT_READDATA, u);
	curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)env->len);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, SMTP_CONNECT_TIMEOUT_MS);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, SMTP_TIMEOUT_MS);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
}

/* One SMTP transaction on curl (reset first: a live connection to the server is kept and reused);
 * libcurl dot-stuffs the data and ends it with CRLF.CRLF. */
static enum mail_delivery smtp_send(CURL *curl, const struct config *cfg, const struct mail_envelope *env,
				    char *error, size_t size)
{
	curl_easy_reset(curl);
	char *from = xasprintf("<%s>", env->from_addr);
	char *to = xasprintf("<%s>", env->to_addr);
	struct curl_slist *rcpt = curl_slist_append(NULL, to);
	struct upload u = { env->data, env->len, 0 };
	smtp_setup(curl, cfg, env, rcpt, &u, from);
	CURLcode rc = curl_easy_perform(curl);
	long code = 0;
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
	enum mail_delivery result = MAIL_DELIVERED;
	if (rc != CURLE_OK)
		result = smtp_classify(rc, code, error, size);
	curl_slist_free_all(rcpt);
	free(from);
	free(to);
	return result;
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Makes the renames into dir durable. 0, or -1 (errno set). */
static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	int saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

/* Creates the folder if needed. 0, or -1 with error set. */
static int mail_dir_ready(const char *dir, char *error, size_t size)
{
	if (mkdir(dir, 0750) < 0 && errno != EEXIST) {
		snprintf(error, size, "cannot create the mail folder %s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

static char *eml_path(const char *dir, int64_t outbox_id, int tmp)
{
	return tmp ? xasprintf("%s/.outbox-%lld.eml.tmp", dir, (long long)outbox_id)
		   : xasprintf("%s/outbox-%lld.eml", dir, (long long)outbox_id);
}

/* Writes the message to its temporary file and starts its write-back without waiting for it.
 * The open descriptor, or -1 with error set (nothing left behind). */
static int eml_start(const char *dir, const struct mail_envelope *env, char *error, size_t size)
{
	char *tmp = eml_path(dir, env->outbox_id, 1);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd >= 0 && write_all(fd, env->data, env->len) == 0) {
#ifdef SYNC_FILE_RANGE_WRITE
		sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
#endif
		free(tmp);
		return fd;
	}
	snprintf(error, size, "cannot write the message to %s: %s", dir, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	return -1;
}

/* Waits for the file's data, closes fd and gives the message its name: complete or not at all.
 * The name is durable once the folder is flushed (fsync_dir). */
static enum mail_delivery eml_finish(const char *dir, const struct mail_envelope *env, int fd, char *error,
				     size_t size)
{
	char *tmp = eml_path(dir, env->outbox_id, 1);
	char *path = eml_path(dir, env->outbox_id, 0);
	int ok = fdatasync(fd) == 0;
	int saved = errno;
	ok = close(fd) == 0 && ok;
	if (ok && rename(tmp, path) == 0) {
		free(tmp);
		free(path);
		return MAIL_DELIVERED;
	}
	snprintf(error, size, "cannot write the message to %s: %s", dir, strerror(ok ? errno : saved));
	unlink(tmp);
	free(tmp);
	free(path);
	return MAIL_TRANSIENT;
}

/* Writes the message as DIR/outbox-ID.eml: complete or not at all, never half a file. */
static enum mail_delivery deliver_file(const struct config *cfg, const struct mail_envelope *env,
				       char *error, size_t size)
{
	if (mail_dir_ready(cfg->mail_dir, error, size) < 0)
		return MAIL_TRANSIENT;
	int fd = eml_start(cfg->mail_dir, env, error, size);
	if (fd < 0)
		return MAIL_TRANSIENT;
	enum mail_delivery result = eml_finish(cfg->mail_dir, env, fd, error, size);
	if (result == MAIL_DELIVERED && fsync_dir(cfg->mail_dir) < 0) {
		snprintf(error, size, "cannot flush the mail folder %s: %s", cfg->mail_dir, strerror(errno));
		return MAIL_TRANSIENT; /* the name may not last: written again next time */
	}
	return result;
}

/* One SMTP transaction on a handle of its own. */
static enum mail_delivery deliver_smtp(const struct config *cfg, const struct mail_envelope *env,
				       char *error, size_t size)
{
	CURL *curl = curl_easy_init();
	if (!curl) {
		snprintf(error, size, "mail delivery failed: out of resources");
		return MAIL_TRANSIENT;
	}
	enum mail_delivery result = smtp_send(curl, cfg, env, error, size);
	curl_easy_cleanup(curl);
	return result;
}

enum mail_delivery mail_deliver(const struct config *cfg, const struct mail_envelope *env, char *error,
				size_t error_size)
{
	error[0] = '\0';
	if (!mail_address_valid(env->to_addr)) {
		snprintf(error, error_size, "the recipient address is not a valid email address");
		return MAIL_PERMANENT;
	}
	if (cfg->smtp_url && *cfg->smtp_url)
		return deliver_smtp(cfg, env, error, error_size);
	return deliver_file(cfg, env, error, error_size);
}

/* The files of a batch, shared by the threads that write them. */
struct file_batch {
	const struct config *cfg;
	const struct mail_envelope *envs;
	struct mail_outcome *out;
	size_t n, threads;
	size_t part;      /* the thread's share: messages part, part + threads, ... */
};

/* One thread's share: each file written and its write-back started, then each waited on and
 * renamed. A thread blocked creating or flushing one file leaves the others going. */
static void *file_share(void *arg)
{
	const struct file_batch *b = arg;
	size_t cap = b->n / b->threads + 1, k = 0;
	int *fds = xcalloc(cap, sizeof(*fds));
	for (size_t i = b->part; i < b->n; i += b->threads) {
		fds[k] = -1;
		if (b->out[i].result == MAIL_NOT_TRIED) {
			fds[k] = eml_start(b->cfg->mail_dir, &b->envs[i], b->out[i].error, sizeof(b->out[i].error));
			if (fds[k] < 0)
				b->out[i].result = MAIL_TRANSIENT;
		}
		k++;
	}
	k = 0;
	for (size_t i = b->part; i < b->n; i += b->threads, k++)
		if (fds[k] >= 0)
			b->out[i].result = eml_finish(b->cfg->mail_dir, &b->envs[i], fds[k], b->out[i].error,
						      sizeof(b->out[i].error));
	free(fds);
	return NULL;
}

/*
 * Every file of the batch is written and flushed (fdatasync) before its rename, then the folder
 * is flushed once after all the renames: each name is durable before any outcome is recorded.
 * Up to MAIL_FILE_THREADS threads share the batch, so the disk is given several flushes at once
 * (it completes them together) instead of one after another, and creating a file (slow on a
 * disk where many files were recently deleted) runs on both cores.
 */
static void deliver_files(const struct config *cfg, const struct mail_envelope *envs, size_t n,
			  struct mail_outcome *out)
{
	char why[sizeof(out->error)] = "";
	if (mail_dir_ready(cfg->mail_dir, why, sizeof(why)) < 0) {
		for (size_t i = 0; i < n; i++)
			if (out[i].result == MAIL_NOT_TRIED) {
				out[i].result = MAIL_TRANSIENT;
				str_copy(out[i].error, sizeof(out[i].error), why);
			}
		return;
	}
	size_t threads = n < MAIL_FILE_THREADS ? n : MAIL_FILE_THREADS;
	struct file_batch b[MAIL_FILE_THREADS];
	pthread_t tid[MAIL_FILE_THREADS];
	int started[MAIL_FILE_THREADS] = { 0 };
	for (size_t t = 0; t < threads; t++) {
		b[t] = (struct file_batch){ cfg, envs, out, n, threads, t };
		/* The first share runs here; a thread that cannot start leaves its share to us too. */
		started[t] = t > 0 && pthread_create(&tid[t], NULL, file_share, &b[t]) == 0;
	}
	for (size_t t = 0; t < threads; t++)
		if (!started[t])
			file_share(&b[t]);
	for (size_t t = 0; t < threads; t++)
		if (started[t])
			pthread_join(tid[t], NULL);
	int renamed = 0;
	for (size_t i = 0; i < n; i++)
		renamed |= out[i].result == MAIL_DELIVERED;
	if (!renamed || fsync_dir(cfg->mail_dir) == 0)
		return;
	/* The names may not last a crash: not delivered, so each is written again next time. */
	snprintf(why, sizeof(why), "cannot flush the mail folder %s: %s", cfg->mail_dir, strerror(errno));
	for (size_t i = 0; i < n; i++)
		if (out[i].result == MAIL_DELIVERED) {
			out[i].result = MAIL_TRANSIENT;
			str_copy(out[i].error, sizeof(out[i].error), why);
		}
}

/* One handle for the batch, so its connection to the server is reused from message to message. */
static void deliver_smtp_all(const struct config *cfg, const struct mail_envelope *envs, size_t n,
			     int64_t deadline_ms, struct mail_outcome *out)
{
	CURL *curl = curl_easy_init();
	for (size_t i = 0; i < n; i++) {
		if (out[i].result != MAIL_NOT_TRIED)
			continue;
		if (time_mono_ms() >= deadline_ms)
			break; /* the rest stay MAIL_NOT_TRIED */
		if (!curl) {
			out[i].result = MAIL_TRANSIENT;
			snprintf(out[i].error, sizeof(out[i].error), "mail delivery failed: out of resources");
			continue;
		}
		out[i].result = smtp_send(curl, cfg, &envs[i], out[i].error, sizeof(out[i].error));
	}
	if (curl)
		curl_easy_cleanup(curl);
}

void mail_deliver_batch(const struct config *cfg, const struct mail_envelope *envs, size_t n,
			int64_t deadline_ms, struct mail_outcome *out)
{
	for (size_t i = 0; i < n; i++) {
		out[i].result = MAIL_NOT_TRIED;
		out[i].error[0] = '\0';
		if (!mail_address_valid(envs[i].to_addr)) {
			out[i].result = MAIL_PERMANENT;
			snprintf(out[i].error, sizeof(out[i].error),
				 "the recipient address is not a valid email address");
		}
	}
	if (cfg->smtp_url && *cfg->smtp_url)
		deliver_smtp_all(cfg, envs, n, deadline_ms, out);
	else
		deliver_files(cfg, envs, n, out);
}
