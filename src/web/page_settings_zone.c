/*
 * page_settings_zone.c: Settings -> Time zone. The operator picks the zone its pages (and its
 * renters' pages) show dates and times in; the choices are the tz database's zones.
 */
#include "store/operator_zone.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/util.h"
#include "web/format.h"
#include "web/pages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ZONE_TABLE "/usr/share/zoneinfo/zone1970.tab"
#define ZONES_MAX 600

static int zone_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The zones of zone1970.tab (third column), sorted, with UTC first. *n of them (free each). */
static char **zones_load(size_t *n)
{
	char **zones = xcalloc(ZONES_MAX, sizeof(*zones));
	char line[512];
	FILE *f = fopen(ZONE_TABLE, "r");
	*n = 0;
	zones[(*n)++] = xstrdup(TIME_ZONE_DEFAULT);
	while (f && *n < ZONES_MAX && fgets(line, sizeof(line), f)) {
		if (line[0] == '#')
			continue;
		char *save = NULL, *cols = strtok_r(line, "\t\n", &save);
		char *coords = cols ? strtok_r(NULL, "\t\n", &save) : NULL;
		char *zone = coords ? strtok_r(NULL, "\t\n", &save) : NULL;
		if (zone && time_zone_valid(zone))
			zones[(*n)++] = xstrdup(zone);
	}
	if (f)
		fclose(f);
	qsort(zones + 1, *n - 1, sizeof(*zones), zone_cmp);
	return zones;
}

static void zone_render(struct web_ctx *ctx, const char *chosen, const char *error, int status)
{
	size_t n = 0;
	char **zones = zones_load(&n);
	int listed = 0;
	for (size_t i = 0; i < n; i++) {
		char key[48];
		snprintf(key, sizeof(key), "Zones.%zu.name", i);
		web_set(ctx, key, zones[i]);
		if (strcmp(zones[i], chosen) == 0) {
			snprintf(key, sizeof(key), "Zones.%zu.selected", i);
			web_set(ctx, key, "1");
			listed = 1;
		}
		free(zones[i]);
	}
	free(zones);
	/* A zone set from the admin tool that zone1970.tab does not list (an alias) stays shown. */
	if (!listed)
		web_set(ctx, "Zone.extra", chosen);
	char now[64];
	web_set(ctx, "Zone.current", web_time_zone(ctx));
	web_set(ctx, "Zone.now", web_format_time(ctx, time_now(), now, sizeof(now)));
	if (error)
		web_set(ctx, "Zone.error", error);
	web_set(ctx, "Nav.section", "settings");
	ctx->resp->status = status;
	web_render(ctx, "settings_zone.cs", "Time zone");
}

void page_settings_zone(struct web_ctx *ctx)
{
	zone_render(ctx, web_time_zone(ctx), NULL, 200);
}

void page_settings_zone_save(struct web_ctx *ctx)
{
	const char *zone = web_form(ctx, "timezone");
	if (!time_zone_valid(zone)) {
		zone_render(ctx, web_time_zone(ctx),
			    "Choose a time zone from the list: that one is not in the time zone database. "
			    "Nothing was changed.", 422);
		return;
	}
	if (operator_set_time_zone(ctx->db, ctx->operator_id, zone) < 0) {
		web_error(ctx, 500, "The time zone could not be saved. Nothing was changed; please try again.");
		return;
	}
	log_info("settings", "time zone set operator=%lld zone=%s", (long long)ctx->operator_id, zone);
	char msg[128];
	snprintf(msg, sizeof(msg), "Dates and times now show in %s.", zone);
	web_redirect(ctx, "/settings/time-zone", "ok", msg);
}
