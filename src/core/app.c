/* app.c: see app.h. */
#include "core/app.h"
#include "crypto/crypto.h"
#include "store/db.h"
#include "util/log.h"

#include <ClearSilver.h>
#include <curl/curl.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

/* Creates the parent folder of path (one level: var/ in a checkout) if it is missing. */
static void ensure_parent_dir(const char *path)
{
	char dir[4096];
	if (str_copy(dir, sizeof(dir), path))
		return;
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return;
	*slash = '\0';
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		log_warn("app", "cannot create folder path=%s err=\"%s\"", dir, strerror(errno));
}

int app_open(struct app *app, const char *program, enum app_schema schema)
{
	memset(app, 0, sizeof(*app));
	app->cfg = config_get();
	nerr_init();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	ensure_parent_dir(app->cfg->key_file);
	if (!db_conninfo_is_postgres(app->cfg->db_path))
		ensure_parent_dir(app->cfg->db_path);
	if (secretbox_init(app->cfg->key_file) < 0)
		return -1;
	app->db = db_open(app->cfg->db_path);
	if (!app->db)
		return -1;
	if (schema == APP_SCHEMA_MIGRATE && db_migrate(app->db) < 0)
		return -1;
	int have = db_schema_version(app->db), want = db_schema_version_latest();
	if (have != want) {
		log_error("app", "database schema is at version %d, %s needs %d: run pilotomail-admin migrate",
			  have, program, want);
		return -1;
	}
	return 0;
}

void app_close(struct app *app)
{
	db_close(app->db);
	app->db = NULL;
	curl_global_cleanup();
}
