/*
 * config.h: the process configuration, read once from the environment (see README, "Configuration").
 * config_get() returns a process-wide, read-only structure; strings are owned by it.
 */
#ifndef PILOTOMAIL_CONFIG_H
#define PILOTOMAIL_CONFIG_H

#include <stdint.h>

struct config {
	const char *db_path;              /* PILOTOMAIL_DB */
	const char *base_url;             /* PILOTOMAIL_BASE_URL, no trailing slash */
	const char *key_file;             /* PILOTOMAIL_KEY_FILE */
	const char *template_dir;         /* PILOTOMAIL_TEMPLATE_DIR */
	const char *officernd_identity_url; /* PILOTOMAIL_OFFICERND_IDENTITY_URL */
	const char *officernd_api_url;    /* PILOTOMAIL_OFFICERND_API_URL */
	const char *smtp_url;             /* PILOTOMAIL_SMTP_URL, NULL = write .eml files */
	int smtp_allow_plain;             /* PILOTOMAIL_SMTP_ALLOW_PLAIN=1: no TLS needed off-host */
	const char *mail_dir;             /* PILOTOMAIL_MAIL_DIR */
	const char *mail_from;            /* PILOTOMAIL_MAIL_FROM */
	int64_t webhook_tolerance_s;      /* PILOTOMAIL_WEBHOOK_TOLERANCE_S */
	int64_t webhook_threads;          /* PILOTOMAIL_WEBHOOK_THREADS: requests webhook.fcgi serves at once */
	int64_t http_timeout_ms;          /* PILOTOMAIL_HTTP_TIMEOUT_MS: OfficeRnD call budget */
	int64_t fee_rate_per_minute;      /* PILOTOMAIL_FEE_RATE_PER_MINUTE: per operator and worker */
	int64_t fee_concurrency;          /* PILOTOMAIL_FEE_CONCURRENCY: fee requests in flight */
	int64_t fetch_concurrency;        /* PILOTOMAIL_FETCH_CONCURRENCY: member fetches in flight */
	int64_t fee_settle_s;             /* PILOTOMAIL_FEE_SETTLE_S: how long a fee POST we gave up on
					     may still land at OfficeRnD */
	int64_t fee_max_attempts;         /* PILOTOMAIL_FEE_MAX_ATTEMPTS: then a charge shows as failed */
	int64_t reconcile_interval_s;     /* PILOTOMAIL_RECONCILE_INTERVAL_S: OfficeRnD checked this often */
	int64_t officernd_lists_interval_s; /* PILOTOMAIL_OFFICERND_LISTS_INTERVAL_S: plans and locations
					       reloaded this often */
	int64_t officernd_health_interval_s; /* PILOTOMAIL_OFFICERND_HEALTH_INTERVAL_S: the connection
						checked this often */
	const char *scan_dir;             /* PILOTOMAIL_SCAN_DIR: scan files, <dir>/<operator>/<sha256> */
	int64_t scan_max_bytes;           /* PILOTOMAIL_SCAN_MAX_BYTES: the largest scan file accepted */
	int secure_cookies;               /* base_url starts with https:// */
};

const struct config *config_get(void);
/* Re-reads the environment: for tests that change it. */
void config_reload(void);

#endif
