/*
 * page_scans.c: scan files on the web. The operator attaches one when completing a scan (the
 * forms of the item page are multipart/form-data with a `scan_file` input), or later to a
 * scanned item without one, and can view, download or remove it; the renter views and downloads
 * their own from /my. Every read is scoped by operator, and the renter's by renter too: another
 * renter's item answers 404 exactly like an item that does not exist.
 *
 * Files are sent with their stored type (sniffed at upload), nosniff, and a Content-Security-
 * Policy that lets the browser show a PDF or an image and run nothing.
 */
#include "domain/scan_delivery.h"
#include "store/db.h"
#include "store/mail.h"
#include "store/scan_files.h"
#include "store/scans.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "web/pages.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SCAN_CSP "default-src 'none'; img-src 'self'; object-src 'self'; style-src 'unsafe-inline'; " \
		 "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

/* "/mail/<digits>" followed by rest exactly. */
static int mail_path_is(const char *path, const char *rest)
{
	if (strncmp(path, "/mail/", 6) != 0)
		return 0;
	const char *p = path + 6;
	if (*p < '0' || *p > '9')
		return 0;
	while (*p >= '0' && *p <= '9')
		p++;
	if (strcmp(rest, "/actions/*/complete") == 0) {
		if (strncmp(p, "/actions/", 9) != 0 || p[9] < '0' || p[9] > '9')
			return 0;
		for (p += 9; *p >= '0' && *p <= '9'; p++)
			;
		return strcmp(p, "/complete") == 0;
	}
	return strcmp(p, rest) == 0;
}

int web_upload_route(const char *method, const char *path)
{
	return strcmp(method, "POST") == 0 && (mail_path_is(path, "/actions") || mail_path_is(path, "/scan") ||
					       mail_path_is(path, "/actions/*/complete"));
}

int page_scan_stage(struct web_ctx *ctx, struct scan_delivery *d, char *msg, size_t size, int *status)
{
	const struct multipart_file *f = multipart_file_get(&ctx->req->files, "scan_file");
	int multipart = str_starts_with(ctx->req->content_type, "multipart/form-data");
	memset(d, 0, sizeof(*d));
	if (!multipart)
		return 0; /* a script's urlencoded form: the scan is recorded without a file, as before */
	enum scan_stage st = scan_delivery_stage(d, ctx->cfg, ctx->operator_id, f ? f->data : NULL, f ? f->len : 0,
						 msg, size);
	static const int statuses[] = { [SCAN_TOO_LARGE] = 413, [SCAN_EMPTY] = 422, [SCAN_BAD_TYPE] = 415 };
	if (st == SCAN_STAGED)
		return 1;
	*status = st == SCAN_STAGE_ERROR ? 500 : statuses[st];
	if (st == SCAN_BAD_TYPE)
		log_info("scans", "upload refused operator=%lld claimed=%s", (long long)ctx->operator_id,
			 f && f->content_type[0] ? f->content_type : "-");
	return -1;
}

/* Sends the scan file: inline (to view) or as an attachment (to download). */
static void scan_send(struct web_ctx *ctx, const struct scan *s, int download)
{
	const struct filetype *t = filetype_by_mime(s->content_type);
	char *path = scan_file_path(ctx->cfg->scan_dir, ctx->operator_id, s->sha256);
	int fd = t ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) < 0) {
		log_error("scans", "scan file unreadable operator=%lld item=%lld err=\"%s\"", (long long)ctx->operator_id,
			  (long long)s->mail_item_id, strerror(errno));
		if (fd >= 0)
			close(fd);
		free(path);
		web_error(ctx, 500, "The scan file could not be read. Please try again later.");
		return;
	}
	free(path);
	char value[96];
	snprintf(value, sizeof(value), "%s; filename=\"%s-scan.%s\"", download ? "attachment" : "inline", s->reference,
		 t->extension);
	ctx->resp->content_type = t->mime;
	ctx->resp->csp = SCAN_CSP;
	http_response_header(ctx->resp, "Content-Disposition", value);
	http_response_file(ctx->resp, fd, (int64_t)sb.st_size);
}

/* Answers a scan lookup (found: 1, 0 or -1 as scan_get returns): the file, a 404 or a 500. */
static void scan_answer(struct web_ctx *ctx, int found, const struct scan *s, int download)
{
	if (found < 0)
		web_error(ctx, 500, "The scan could not be loaded. Please try again.");
	else if (found == 0)
		web_not_found(ctx);
	else
		scan_send(ctx, s, download);
}

/* The operator's scan of the item in route argument 0. */
static void operator_scan(struct web_ctx *ctx, int download)
{
	struct scan s;
	scan_answer(ctx, scan_get(ctx->db, ctx->operator_id, web_arg_id(ctx, 0), &s), &s, download);
}

void page_mail_scan_view(struct web_ctx *ctx)
{
	operator_scan(ctx, 0);
}

void page_mail_scan_download(struct web_ctx *ctx)
{
	operator_scan(ctx, 1);
}

/* The renter's own scan only: any other id is a 404, like one that does not exist. */
static void renter_scan(struct web_ctx *ctx, int download)
{
	struct scan s;
	int found = scan_get_for_renter(ctx->db, ctx->operator_id, ctx->renter_id, web_arg_id(ctx, 0), &s);
	scan_answer(ctx, found, &s, download);
}

void page_renter_scan_view(struct web_ctx *ctx)
{
	renter_scan(ctx, 0);
}

void page_renter_scan_download(struct web_ctx *ctx)
{
	renter_scan(ctx, 1);
}

int page_scan_attachable(struct web_ctx *ctx, const struct mail_item *it)
{
	if (str_eq(it->status, "scanned"))
		return 1;
	return !str_eq(it->status, "shredded") &&
	       action_request_find(ctx->db, ctx->operator_id, it->id, "scan", "completed") > 0;
}

/* Back to the item page with msg as the flash. */
static void scan_redirect(struct web_ctx *ctx, int64_t id, const char *msg)
{
	char path[48];
	snprintf(path, sizeof(path), "/mail/%lld", (long long)id);
	web_redirect(ctx, path, "ok", msg);
}

/* Inside a transaction: attaches d to a scanned item that has no scan file yet. 0, 1 when the
 * item cannot take one (msg says why), -1 on error. */
static int scan_attach_locked(struct web_ctx *ctx, struct scan_delivery *d, int64_t id, char *msg, size_t size)
{
	struct mail_item it;
	struct scan s;
	if (mail_item_get(ctx->db, ctx->operator_id, id, &it) < 0)
		return -1;
	int has = scan_get(ctx->db, ctx->operator_id, id, &s);
	if (has != 0 || !page_scan_attachable(ctx, &it)) {
		snprintf(msg, size, has > 0 ? "Item %s has a scan file already: remove it first to attach another."
					    : "Record the scan of %s first: the file is attached with it.", it.reference);
		return has < 0 ? -1 : 1;
	}
	return scan_delivery_attach(d, ctx->db, ctx->operator_id, &it, 0, time_now());
}

/* POST /mail/ID/scan: the file of a scan recorded without one. */
void page_mail_scan_attach(struct web_ctx *ctx)
{
	int64_t id = web_arg_id(ctx, 0);
	struct mail_item it;
	if (mail_item_get(ctx->db, ctx->operator_id, id, &it) < 0) {
		web_not_found(ctx);
		return;
	}
	struct scan_delivery d;
	char msg[256] = "";
	int status = 422;
	int staged = page_scan_stage(ctx, &d, msg, sizeof(msg), &status);
	if (staged <= 0) {
		page_mail_item_refused(ctx, id, staged == 0 ? "Choose the scan file (a PDF or an image) to attach." : msg,
				       staged == 0 ? 422 : status);
		return;
	}
	int rc = db_begin(ctx->db) < 0 ? -1 : scan_attach_locked(ctx, &d, id, msg, sizeof(msg));
	if (rc == 0)
		rc = db_commit(ctx->db);
	else
		db_rollback(ctx->db);
	scan_delivery_finish(&d, ctx->db, ctx->operator_id, rc == 0);
	if (rc == 1)
		page_mail_item_refused(ctx, id, msg, 409);
	else if (rc < 0)
		web_error(ctx, 500, "The scan file could not be saved. Nothing was changed; please try again.");
	else {
		snprintf(msg, sizeof(msg), "Scan file attached to %s%s.", it.reference,
			 it.renter_email[0] ? "; the renter is told by email" : "");
		scan_redirect(ctx, id, msg);
	}
}

/* POST /mail/ID/scan/delete: the row now, the file once no row names its bytes. */
void page_mail_scan_remove(struct web_ctx *ctx)
{
	int64_t id = web_arg_id(ctx, 0);
	struct mail_item it;
	char sha256[65] = "";
	if (mail_item_get(ctx->db, ctx->operator_id, id, &it) < 0) {
		web_not_found(ctx);
		return;
	}
	int rc = db_begin(ctx->db) < 0 ? -1 : scan_delete(ctx->db, ctx->operator_id, id, sha256);
	if (rc == 1 && db_commit(ctx->db) < 0)
		rc = -1;
	else if (rc != 1)
		db_rollback(ctx->db);
	if (rc < 0) {
		web_error(ctx, 500, "The scan could not be removed. Nothing was changed; please try again.");
		return;
	}
	if (rc == 0) {
		web_not_found(ctx);
		return;
	}
	scan_release_file(ctx->db, ctx->cfg->scan_dir, ctx->operator_id, sha256);
	log_info("scans", "scan removed operator=%lld item=%lld", (long long)ctx->operator_id, (long long)id);
	char msg[96];
	snprintf(msg, sizeof(msg), "The scan file of %s was removed.", it.reference);
	scan_redirect(ctx, id, msg);
}
