/*
 * paging.h: keyset pagination of the list pages. A page shows at most its page size of rows; its
 * "Older" link carries the last row's key (?before=2026-11-30:1234, a day and an id, or
 * ?before=1234) with the page's filters and search, and the next page reads the rows after that
 * key through an index, so a deep page costs what the first one does. A malformed key is a 400.
 */
#ifndef PAGING_H
#define PAGING_H

#include "web/web.h"

#include <stdint.h>

/* The query's "before" as an id: 0 when absent (the first page), 1 when read, -1 when malformed
 * (a 400 page was sent). */
int paging_before_id(struct web_ctx *ctx, int64_t *id);
/* The query's "before" as "YYYY-MM-DD:ID" into day (11 bytes) and *id; as paging_before_id. */
int paging_before_day_id(struct web_ctx *ctx, char *day, int64_t *id);
/* The same from the query parameter param (a page with two lists pages each by its own key). */
int paging_key_day_id(struct web_ctx *ctx, const char *param, char *day, int64_t *id);

/*
 * path with the pairs (name, value, ..., NULL) that have a non-empty value as its query string,
 * values URL-encoded, e.g. "/mail?tab=all&q=ada&before=2026-11-30%3A12". free() it.
 */
char *paging_href(const char *path, ...);

#endif
