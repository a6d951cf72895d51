/* scan_delivery.c: see scan_delivery.h. */
#include "domain/scan_delivery.h"
#include "mail/scan_email.h"
#include "store/mail.h"
#include "store/mailboxes.h"
#include "store/operators.h"
#include "store/scan_files.h"
#include "store/scans.h"
#include "util/log.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum scan_stage scan_delivery_stage(struct scan_delivery *d, const struct config *cfg, int64_t operator_id,
				    const void *data, size_t len, char *msg, size_t size)
{
	char max[32], got[32];
	memset(d, 0, sizeof(*d));
	d->cfg = cfg;
	if (len == 0) {
		snprintf(msg, size, "Choose the scan file (a PDF or an image) to attach. Nothing was saved.");
		return SCAN_EMPTY;
	}
	if ((int64_t)len > cfg->scan_max_bytes) {
		snprintf(msg, size, "The file is %s: a scan may have at most %s. Nothing was saved.",
			 filetype_size_words((int64_t)len, got, sizeof(got)),
			 filetype_size_words(cfg->scan_max_bytes, max, sizeof(max)));
		return SCAN_TOO_LARGE;
	}
	if (!(d->type = filetype_sniff(data, len))) {
		snprintf(msg, size, "This file is not a PDF, PNG, JPEG or WebP image (its content was checked, not its "
				    "name). Nothing was saved.");
		return SCAN_BAD_TYPE;
	}
	d->size = (int64_t)len;
	if (scan_file_stage(cfg->scan_dir, operator_id, data, len, d->sha256, &d->tmp_path) < 0) {
		snprintf(msg, size, "The scan file could not be stored. Nothing was saved; please try again.");
		return SCAN_STAGE_ERROR;
	}
	return SCAN_STAGED;
}

/* Queues "your scan is ready" to the item's renter, inside the transaction. 0 or -1. */
static int scan_email_queue(struct scan_delivery *d, struct db *db, int64_t operator_id, const struct mail_item *it)
{
	if (!it->renter_email[0])
		return 0;
	struct operator op = { 0 };
	int have_op = operator_get(db, operator_id, &op) == 0;
	char *link = xasprintf("%s/my/mail/%lld/scan", d->cfg->base_url, (long long)it->id);
	struct scan_email e = { have_op && op.name ? op.name : "", it->renter_name, it->kind, it->reference,
				it->sender, it->received_on, link };
	char *subject, *text, *html;
	scan_email_build(&e, &subject, &text, &html);
	struct outbox_message m = { .kind = "scan_ready", .to = it->renter_email, .subject = subject,
				    .text = text, .html = html };
	int64_t id = outbox_enqueue(db, operator_id, &m);
	free(subject);
	free(text);
	free(html);
	free(link);
	if (have_op)
		operator_clear(&op);
	return id < 0 ? -1 : 0;
}

int scan_delivery_attach(struct scan_delivery *d, struct db *db, int64_t operator_id, const struct mail_item *it,
			 int64_t request_id, int64_t now)
{
	if (!d->tmp_path || scan_file_publish(d->tmp_path, d->cfg->scan_dir, operator_id, d->sha256) < 0)
		return -1;
	d->published = 1;
	free(d->tmp_path);
	d->tmp_path = NULL;
	if (scan_insert(db, operator_id, it->id, request_id, d->sha256, d->size, d->type->mime, now) < 0 ||
	    scan_email_queue(d, db, operator_id, it) < 0)
		return -1;
	log_info("scans", "scan attached operator=%lld item=%lld bytes=%lld type=%s", (long long)operator_id,
		 (long long)it->id, (long long)d->size, d->type->mime);
	return 0;
}

static int scan_hook_run(struct db *db, int64_t operator_id, const struct action_request *req,
			 const struct mail_item *it, int64_t now, void *data, struct charging_result *out)
{
	(void)out;
	return scan_delivery_attach(data, db, operator_id, it, req->id, now);
}

void scan_delivery_hook(struct scan_delivery *d, struct charging_hook *hook)
{
	hook->run = scan_hook_run;
	hook->data = d;
}

void scan_delivery_finish(struct scan_delivery *d, struct db *db, int64_t operator_id, int committed)
{
	if (d->tmp_path)
		scan_file_discard(d->tmp_path);
	if (d->published && !committed)
		scan_release_file(db, d->cfg->scan_dir, operator_id, d->sha256);
	free(d->tmp_path);
	memset(d, 0, sizeof(*d));
}
