/*
 * app.h: what every pilotomail program does first: read the configuration, load the secret
 * key, open the store and make sure its schema is current.
 */
#ifndef PILOTOMAIL_APP_H
#define PILOTOMAIL_APP_H

#include "store/db.h"

#include "util/config.h"

struct app {
	const struct config *cfg;
	struct db *db; /* owned; app_close() closes it */
};

enum app_schema { APP_SCHEMA_REQUIRE_CURRENT, APP_SCHEMA_MIGRATE };

/* 0, or -1 with the reason logged (the program should exit 1). */
int app_open(struct app *app, const char *program, enum app_schema schema);
void app_close(struct app *app);

#endif
