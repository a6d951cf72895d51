/* paging.c: see paging.h. */
#include "web/paging.h"
#include "http/form.h"
#include "util/timeutil.h"
#include "util/util.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static int paging_bad(struct web_ctx *ctx)
{
	web_error(ctx, 400, "This page link is not valid: its \xe2\x80\x9c" "before\xe2\x80\x9d value is not a "
			    "position in the list. Open the list again from its first page.");
	return -1;
}

int paging_before_id(struct web_ctx *ctx, int64_t *id)
{
	const char *raw = kvlist_get(&ctx->req->query, "before");
	*id = 0;
	if (!raw)
		return 0;
	return parse_int64(raw, 1, INT64_MAX, id) == 0 ? 1 : paging_bad(ctx);
}

int paging_before_day_id(struct web_ctx *ctx, char *day, int64_t *id)
{
	return paging_key_day_id(ctx, "before", day, id);
}

int paging_key_day_id(struct web_ctx *ctx, const char *param, char *day, int64_t *id)
{
	const char *raw = kvlist_get(&ctx->req->query, param);
	int64_t ms;
	*id = 0;
	day[0] = '\0';
	if (!raw)
		return 0;
	/* "YYYY-MM-DD:" then the id; the day must be a real one. */
	if (strlen(raw) < 12 || raw[10] != ':' || raw[4] != '-' || raw[7] != '-')
		return paging_bad(ctx);
	memcpy(day, raw, 10);
	day[10] = '\0';
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (day[i] < '0' || day[i] > '9'))
			return paging_bad(ctx);
	if (time_parse_iso_ms(day, &ms) < 0 || parse_int64(raw + 11, 1, INT64_MAX, id) < 0) {
		day[0] = '\0';
		*id = 0;
		return paging_bad(ctx);
	}
	return 1;
}

char *paging_href(const char *path, ...)
{
	struct strbuf sb = { 0 };
	char sep = '?';
	va_list ap;
	strbuf_adds(&sb, path);
	va_start(ap, path);
	for (const char *name = va_arg(ap, const char *); name; name = va_arg(ap, const char *)) {
		const char *value = va_arg(ap, const char *);
		if (!value || !*value)
			continue;
		char *enc = url_encode(value);
		strbuf_addf(&sb, "%c%s=%s", sep, name, enc);
		free(enc);
		sep = '&';
	}
	va_end(ap);
	return strbuf_detach(&sb, NULL);
}
