/* config.c: see config.h. Defaults are the stable interface documented in DESIGN.md and the README. */
#include "util/config.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef PILOTOMAIL_DATADIR
#define PILOTOMAIL_DATADIR "."
#endif

static struct config current;
static int loaded;

static const char *env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);
	return (v && *v) ? v : fallback;
}

static int64_t env_int(const char *name, int64_t fallback, int64_t min, int64_t max)
{
	int64_t v;
	if (parse_int64(getenv(name), min, max, &v) < 0)
		return fallback;
	return v;
}

static char *without_trailing_slash(const char *s)
{
	char *copy = xstrdup(s);
	size_t len = strlen(copy);
	while (len && copy[len - 1] == '/')
		copy[--len] = '\0';
	return copy;
}

/* The strings this file allocated (the rest point into the environment). */
static char *owned[3];

static void config_free_strings(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(owned); i++) {
		free(owned[i]);
		owned[i] = NULL;
	}
}

void config_reload(void)
{
	if (loaded)
		config_free_strings();
	char port_url[64];
	snprintf(port_url, sizeof(port_url), "http://127.0.0.1:%s", env_or("PORT", "8080"));
	current.db_path = env_or("PILOTOMAIL_DB", "var/pilotomail.db");
	current.base_url = owned[0] = without_trailing_slash(env_or("PILOTOMAIL_BASE_URL", port_url));
	current.key_file = env_or("PILOTOMAIL_KEY_FILE", "var/secret.key");
	current.template_dir = env_or("PILOTOMAIL_TEMPLATE_DIR", PILOTOMAIL_DATADIR "/templates");
	current.officernd_identity_url = owned[1] = without_trailing_slash(
		env_or("PILOTOMAIL_OFFICERND_IDENTITY_URL", "https://identity.officernd.com"));
	current.officernd_api_url = owned[2] = without_trailing_slash(
		env_or("PILOTOMAIL_OFFICERND_API_URL", "https://app.officernd.com/api/v2"));
	current.smtp_url = env_or("PILOTOMAIL_SMTP_URL", NULL);
	current.smtp_allow_plain = str_eq(env_or("PILOTOMAIL_SMTP_ALLOW_PLAIN", ""), "1");
	current.mail_dir = env_or("PILOTOMAIL_MAIL_DIR", "var/mail");
	current.scan_dir = env_or("PILOTOMAIL_SCAN_DIR", "var/scans");
	current.scan_max_bytes = env_int("PILOTOMAIL_SCAN_MAX_BYTES", 20 * 1024 * 1024, 1024, 1024 * 1024 * 1024);
	current.mail_from = env_or("PILOTOMAIL_MAIL_FROM", "pilotomail@localhost");
	current.webhook_tolerance_s = env_int("PILOTOMAIL_WEBHOOK_TOLERANCE_S", 300, 1, 86400);
	current.webhook_threads = env_int("PILOTOMAIL_WEBHOOK_THREADS", 32, 1, 128);
	current.http_timeout_ms = env_int("PILOTOMAIL_HTTP_TIMEOUT_MS", 10000, 100, 120000);
	current.fee_rate_per_minute = env_int("PILOTOMAIL_FEE_RATE_PER_MINUTE", 600, 1, 100000);
	current.fee_concurrency = env_int("PILOTOMAIL_FEE_CONCURRENCY", 4, 1, 32);
	current.fetch_concurrency = env_int("PILOTOMAIL_FETCH_CONCURRENCY", 8, 1, 32);
	current.fee_settle_s = env_int("PILOTOMAIL_FEE_SETTLE_S", 60, 1, 3600);
	current.fee_max_attempts = env_int("PILOTOMAIL_FEE_MAX_ATTEMPTS", 10, 1, 100);
	current.reconcile_interval_s = env_int("PILOTOMAIL_RECONCILE_INTERVAL_S", 3600, 60, 7 * 86400);
	current.officernd_lists_interval_s = env_int("PILOTOMAIL_OFFICERND_LISTS_INTERVAL_S", 3600, 60, 7 * 86400);
	current.officernd_health_interval_s = env_int("PILOTOMAIL_OFFICERND_HEALTH_INTERVAL_S", 900, 1, 86400);
	current.secure_cookies = str_starts_with(current.base_url, "https://");
	loaded = 1;
}

const struct config *config_get(void)
{
	if (!loaded)
		config_reload();
	return &current;
}
