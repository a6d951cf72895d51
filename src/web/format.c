/* format.c: see format.h. */
#include "web/format.h"
#include "store/operator_zone.h"
#include "store/operators.h"
#include "util/money.h"
#include "util/timeutil.h"
#include "util/util.h"

#include <stdio.h>

#define NBSP "\xc2\xa0"

const char *web_time_zone(struct web_ctx *ctx)
{
	if (!ctx->time_zone[0]) {
		if (ctx->operator_id)
			operator_time_zone(ctx->db, ctx->operator_id, ctx->time_zone, sizeof(ctx->time_zone));
		else
			str_copy(ctx->time_zone, sizeof(ctx->time_zone), TIME_ZONE_DEFAULT);
	}
	return ctx->time_zone;
}

const char *web_currency(struct web_ctx *ctx)
{
	if (!ctx->currency[0]) {
		struct operator op = { 0 };
		if (ctx->operator_id && operator_get(ctx->db, ctx->operator_id, &op) == 0 && op.currency &&
		    *op.currency)
			str_copy(ctx->currency, sizeof(ctx->currency), op.currency);
		else
			str_copy(ctx->currency, sizeof(ctx->currency), "USD");
		operator_clear(&op);
	}
	return ctx->currency;
}

char *web_format_time(struct web_ctx *ctx, int64_t t, char *buf, size_t size)
{
	if (!t) {
		str_copy(buf, size, "");
		return buf;
	}
	return time_format_local(t, web_time_zone(ctx), buf, size);
}

void web_set_day(struct web_ctx *ctx, const char *name, const char *day)
{
	char buf[32];
	web_set(ctx, name, time_format_day_long(day, buf, sizeof(buf)));
}

char *web_format_amount(struct web_ctx *ctx, int64_t minor, char *buf, size_t size)
{
	char num[32];
	if (minor == 0)
		str_copy(buf, size, "included");
	else
		snprintf(buf, size, "%s" NBSP "%s", money_format(minor, web_money_digits(ctx), num, sizeof(num)),
			 web_currency(ctx));
	return buf;
}

void web_set_amount(struct web_ctx *ctx, const char *name, int64_t minor)
{
	char buf[48];
	web_set(ctx, name, web_format_amount(ctx, minor, buf, sizeof(buf)));
}
