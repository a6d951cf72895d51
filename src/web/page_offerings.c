/*
 * page_offerings.c: Mailbox Offerings: the list with a summary of each one's terms, the form to
 * create or edit one (price, per-action allowance and fee, storage), and removal when unused.
 *
 * The form's template data: Form.id (0 = new), Form.name, Form.monthly_price,
 * Form.storage_free_days, Form.storage_fee_per_day, Form.actions.N.{key,label,enabled,free,fee}
 * and, for a bad value, a message in the same name with "_error" appended.
 */
#include "store/offerings.h"
#include "store/operators.h"
#include "store/spaces.h"
#include "util/money.h"
#include "web/pages.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const action_labels[ACTION_COUNT] = { "Scan", "Forward", "Shred", "Recycle", "Pickup" };

/* The operator's currency code ("USD") into buf; amounts are shown with it. */
static void offerings_currency(struct web_ctx *ctx, char *buf, size_t size)
{
	struct operator op = { 0 };
	if (operator_get(ctx->db, ctx->operator_id, &op) == 0 && op.currency && *op.currency)
		str_copy(buf, size, op.currency);
	else
		str_copy(buf, size, "USD");
	operator_clear(&op);
}

/* "12.50 USD" (in the currency's own decimals) into buf; returns buf. */
static char *offerings_amount(struct web_ctx *ctx, int64_t minor, const char *currency, char *buf, size_t size)
{
	char num[32];
	snprintf(buf, size, "%s %s", money_format(minor, web_money_digits(ctx), num, sizeof(num)), currency);
	return buf;
}

/* ---- list ------------------------------------------------------------------------------- */

/* One line per enabled action ("Scan: 5 free, then 2.00 USD") and one for storage. */
static void offerings_set_summary(struct web_ctx *ctx, const char *prefix, const struct offering *o,
				  const char *currency)
{
	char key[96], amount[64], line[192];
	int lines = 0;
	for (int a = 0; a < ACTION_COUNT; a++) {
		const struct offering_action *act = &o->actions[a];
		if (!act->enabled)
			continue;
		offerings_amount(ctx, act->fee, currency, amount, sizeof(amount));
		if (act->fee == 0)
			snprintf(line, sizeof(line), "%s: included", action_labels[a]);
		else if (act->free_per_month == 0)
			snprintf(line, sizeof(line), "%s: %s each", action_labels[a], amount);
		else
			snprintf(line, sizeof(line), "%s: %lld free, then %s", action_labels[a],
				 (long long)act->free_per_month, amount);
		snprintf(key, sizeof(key), "%s.summary.%d", prefix, lines++);
		web_set(ctx, key, line);
	}
	if (lines == 0) {
		snprintf(key, sizeof(key), "%s.summary.0", prefix);
		web_set(ctx, key, "No mail actions enabled");
	}
	offerings_amount(ctx, o->storage_fee_per_day, currency, amount, sizeof(amount));
	if (o->storage_fee_per_day == 0)
		snprintf(line, sizeof(line), "Storage: no charge");
	else if (o->storage_free_days == 0)
		snprintf(line, sizeof(line), "Storage: %s/day", amount);
	else
		snprintf(line, sizeof(line), "Storage: %lld days free, then %s/day",
			 (long long)o->storage_free_days, amount);
	snprintf(key, sizeof(key), "%s.storage", prefix);
	web_set(ctx, key, line);
}

static void offerings_set_item(struct web_ctx *ctx, size_t i, const struct offering *o, const char *currency)
{
	char prefix[48], key[96], amount[64];
	snprintf(prefix, sizeof(prefix), "Offerings.items.%zu", i);
	snprintf(key, sizeof(key), "%s.id", prefix);
	web_set_int(ctx, key, o->id);
	snprintf(key, sizeof(key), "%s.name", prefix);
	web_set(ctx, key, o->name);
	snprintf(key, sizeof(key), "%s.price", prefix);
	web_set(ctx, key, offerings_amount(ctx, o->monthly_price, currency, amount, sizeof(amount)));
	snprintf(key, sizeof(key), "%s.mailboxes", prefix);
	web_set_int(ctx, key, o->mailboxes);
	if (o->plan_links > 0) {
		snprintf(key, sizeof(key), "%s.linked", prefix);
		web_set(ctx, key, "1");
	}
	offerings_set_summary(ctx, prefix, o, currency);
}

/* The list page with status (200, or 409 with Offerings.error set). */
static void offerings_render_list(struct web_ctx *ctx, int status)
{
	struct offering *items = NULL;
	size_t n = 0;
	if (offering_list(ctx->db, ctx->operator_id, &items, &n) < 0) {
		web_error(ctx, 500, "The offerings could not be loaded. Please try again.");
		return;
	}
	char currency[16];
	offerings_currency(ctx, currency, sizeof(currency));
	for (size_t i = 0; i < n; i++)
		offerings_set_item(ctx, i, &items[i], currency);
	if (n > 0)
		web_set(ctx, "Offerings.any", "1");
	free(items);
	web_set(ctx, "Nav.section", "offerings");
	ctx->resp->status = status;
	web_render(ctx, "offerings.cs", "Offerings");
}

void page_offerings_list(struct web_ctx *ctx)
{
	offerings_render_list(ctx, 200);
}

/* ---- form ------------------------------------------------------------------------------- */

/* Sets Form.actions.N.<name> (or Form.<name> when action < 0). */
static void form_set(struct web_ctx *ctx, int action, const char *name, const char *value)
{
	char key[96];
	if (action < 0)
		snprintf(key, sizeof(key), "Form.%s", name);
	else
		snprintf(key, sizeof(key), "Form.actions.%d.%s", action, name);
	web_set(ctx, key, value);
}

/* Sets the value of a field and, when problem is not NULL, its message ("<name>_error"). */
static void form_set_field(struct web_ctx *ctx, int action, const char *name, const char *value,
			   const char *problem)
{
	form_set(ctx, action, name, value);
	if (problem) {
		char err_name[48];
		snprintf(err_name, sizeof(err_name), "%s_error", name);
		form_set(ctx, action, err_name, problem);
		web_set(ctx, "Form.invalid", "1");
	}
}

/*
 * Why text is not an acceptable amount in a currency of digits decimals (NULL when it is: *out
 * set). Blank is 0 unless required. The message may be in too_large (its size: 96).
 */
static const char *money_problem(const char *text, int digits, int required, int64_t *out, char *too_large)
{
	*out = 0;
	if (!*text)
		return required ? "Enter an amount (0 for none)." : NULL;
	if (text[0] == '-')
		return "Enter an amount of 0 or more, without a minus sign.";
	int dots = 0;
	for (const char *p = text; *p; p++) {
		if (*p == '.')
			dots++;
		else if (!isdigit((unsigned char)*p))
			return "Enter an amount like 12.50: digits and a decimal point only, "
			       "no letters, commas or currency signs.";
	}
	if (dots > 1)
		return "Enter an amount like 12.50, with a single decimal point.";
	if (text[strlen(text) - 1] == '.')
		return "Enter the cents after the decimal point, like 12.50.";
	/* Well formed by now: money_parse only refuses it for its size. */
	if (money_parse(text, digits, out) < 0 || *out > OFFERING_AMOUNT_MAX) {
		char max[32];
		*out = 0;
		snprintf(too_large, 96, "The amount is too large: at most %s.",
			 money_format(OFFERING_AMOUNT_MAX, digits, max, sizeof(max)));
		return too_large;
	}
	return NULL;
}

/* Why text is not an acceptable whole number (NULL when it is: *out set). Blank is 0. */
static const char *count_problem(const char *text, int64_t *out)
{
	*out = 0;
	if (!*text)
		return NULL;
	for (const char *p = text; *p; p++)
		if (!isdigit((unsigned char)*p))
			return "Enter a whole number of 0 or more, like 5.";
	if (parse_int64(text, 0, OFFERING_COUNT_MAX, out) < 0) /* digits only: too large */
		return "The number is too large: at most 100000.";
	return NULL;
}

/* Reads a money field (trimmed) into *out, keeping what was typed for the form. 1 when good. */
static int form_read_money(struct web_ctx *ctx, int action, const char *field, const char *name,
			   int required, int64_t *out)
{
	char *text = str_trim(xstrdup(web_form(ctx, field)));
	char too_large[96];
	const char *problem = money_problem(text, web_money_digits(ctx), required, out, too_large);
	form_set_field(ctx, action, name, text, problem);
	free(text);
	return problem == NULL;
}

static int form_read_count(struct web_ctx *ctx, int action, const char *field, const char *name, int64_t *out)
{
	char *text = str_trim(xstrdup(web_form(ctx, field)));
	const char *problem = count_problem(text, out);
	form_set_field(ctx, action, name, text, problem);
	free(text);
	return problem == NULL;
}

/* A checkbox sends "1" when ticked and nothing otherwise; anything else is not ours. */
static int form_read_enabled(struct web_ctx *ctx, int action, const char *field, int *out)
{
	const char *v = web_form(ctx, field);
	*out = strcmp(v, "1") == 0;
	int ok = *out || !*v;
	form_set_field(ctx, action, "enabled", *out ? "1" : "",
		       ok ? NULL : "This box can only be ticked (value 1) or left empty.");
	return ok;
}

/* Every action row's fixed labels. */
static void form_set_action_labels(struct web_ctx *ctx)
{
	for (int a = 0; a < ACTION_COUNT; a++) {
		form_set(ctx, a, "key", mail_action_name((enum mail_action)a));
		form_set(ctx, a, "label", action_labels[a]);
	}
}

/* Reads the whole form into o, setting every typed value and a message per bad field.
 * Returns 1 when every value is good. */
static int form_read(struct web_ctx *ctx, struct offering *o)
{
	int good = 1;
	char *name = xstrdup(web_form(ctx, "name"));
	const char *problem = catalog_name_check(name);
	form_set_field(ctx, -1, "name", name, problem);
	good &= problem == NULL;
	str_copy(o->name, sizeof(o->name), name);
	free(name);
	good &= form_read_money(ctx, -1, "monthly_price", "monthly_price", 1, &o->monthly_price);
	for (int a = 0; a < ACTION_COUNT; a++) {
		const char *key = mail_action_name((enum mail_action)a);
		char field[32];
		snprintf(field, sizeof(field), "%s_enabled", key);
		good &= form_read_enabled(ctx, a, field, &o->actions[a].enabled);
		snprintf(field, sizeof(field), "%s_free", key);
		good &= form_read_count(ctx, a, field, "free", &o->actions[a].free_per_month);
		snprintf(field, sizeof(field), "%s_fee", key);
		good &= form_read_money(ctx, a, field, "fee", 0, &o->actions[a].fee);
	}
	good &= form_read_count(ctx, -1, "storage_free_days", "storage_free_days", &o->storage_free_days);
	good &= form_read_money(ctx, -1, "storage_fee_per_day", "storage_fee_per_day", 0,
				&o->storage_fee_per_day);
	return good;
}

/* The form filled from a stored offering (for editing) or with a new one's defaults. */
static void form_fill(struct web_ctx *ctx, const struct offering *o)
{
	char buf[32];
	form_set(ctx, -1, "name", o->name);
	form_set(ctx, -1, "monthly_price", money_format(o->monthly_price, web_money_digits(ctx), buf, sizeof(buf)));
	for (int a = 0; a < ACTION_COUNT; a++) {
		form_set(ctx, a, "enabled", o->actions[a].enabled ? "1" : "");
		snprintf(buf, sizeof(buf), "%lld", (long long)o->actions[a].free_per_month);
		form_set(ctx, a, "free", buf);
		form_set(ctx, a, "fee", money_format(o->actions[a].fee, web_money_digits(ctx), buf, sizeof(buf)));
	}
	snprintf(buf, sizeof(buf), "%lld", (long long)o->storage_free_days);
	form_set(ctx, -1, "storage_free_days", buf);
	form_set(ctx, -1, "storage_fee_per_day", money_format(o->storage_fee_per_day, web_money_digits(ctx), buf, sizeof(buf)));
}

static void form_render(struct web_ctx *ctx, int64_t id, int status)
{
	char currency[16];
	offerings_currency(ctx, currency, sizeof(currency));
	web_set(ctx, "Currency", currency);
	web_set(ctx, "Nav.section", "offerings");
	web_set_int(ctx, "Form.id", id);
	form_set_action_labels(ctx);
	ctx->resp->status = status;
	web_render(ctx, "offering_form.cs", id ? "Edit offering" : "New offering");
}

void page_offerings_new(struct web_ctx *ctx)
{
	struct offering o;
	memset(&o, 0, sizeof(o));
	form_fill(ctx, &o);
	form_set(ctx, -1, "name", "");
	form_render(ctx, 0, 200);
}

void page_offerings_edit(struct web_ctx *ctx)
{
	struct offering o;
	if (offering_get(ctx->db, ctx->operator_id, web_arg_id(ctx, 0), &o) < 0) {
		web_not_found(ctx);
		return;
	}
	form_fill(ctx, &o);
	form_render(ctx, o.id, 200);
}

/* Validates and saves the form as offering id (0 = a new one). */
static void offerings_save(struct web_ctx *ctx, int64_t id)
{
	struct offering o;
	memset(&o, 0, sizeof(o));
	o.id = id;
	if (!form_read(ctx, &o)) {
		form_render(ctx, id, 422);
		return;
	}
	int duplicate = 0;
	if (offering_save(ctx->db, ctx->operator_id, &o, &duplicate) > 0) {
		web_redirect(ctx, "/offerings", "ok", "Offering saved.");
		return;
	}
	if (!duplicate) {
		web_error(ctx, 500, "The offering could not be saved. Please try again.");
		return;
	}
	form_set_field(ctx, -1, "name", o.name, "Another offering already has this name: choose another name.");
	form_render(ctx, id, 422);
}

void page_offerings_create(struct web_ctx *ctx)
{
	offerings_save(ctx, 0);
}

void page_offerings_update(struct web_ctx *ctx)
{
	struct offering o;
	if (offering_get(ctx->db, ctx->operator_id, web_arg_id(ctx, 0), &o) < 0) {
		web_not_found(ctx);
		return;
	}
	offerings_save(ctx, o.id);
}

/* ---- remove ----------------------------------------------------------------------------- */

/* Why o cannot be removed, and what to do about it, into buf. */
static void offerings_in_use_message(const struct offering *o, char *buf, size_t size)
{
	char boxes[64], links[80];
	snprintf(boxes, sizeof(boxes), "%lld %s", (long long)o->mailboxes,
		 o->mailboxes == 1 ? "mailbox" : "mailboxes");
	snprintf(links, sizeof(links), "%lld OfficeRnD plan %s", (long long)o->plan_links,
		 o->plan_links == 1 ? "link" : "links");
	snprintf(buf, size, "\xe2\x80\x9c%s\xe2\x80\x9d cannot be removed: it is used by %s%s%s.%s%s", o->name,
		 o->mailboxes > 0 ? boxes : "", o->mailboxes > 0 && o->plan_links > 0 ? " and " : "",
		 o->plan_links > 0 ? links : "",
		 o->plan_links > 0 ? " Remove the plan link in Settings \xe2\x86\x92 Integrations \xe2\x86\x92 "
				     "OfficeRnD first." : "",
		 o->mailboxes > 0 ? " Mailboxes keep their offering, cancelled ones included, so that their "
				    "charges stay explained: rename it or change its terms instead." : "");
}

void page_offerings_delete(struct web_ctx *ctx)
{
	struct offering o;
	int64_t id = web_arg_id(ctx, 0);
	int rc = offering_delete(ctx->db, ctx->operator_id, id);
	if (rc == 0) {
		web_redirect(ctx, "/offerings", "ok", "Offering removed.");
		return;
	}
	if (offering_get(ctx->db, ctx->operator_id, id, &o) < 0) {
		web_not_found(ctx);
		return;
	}
	if (rc < 0) {
		web_error(ctx, 500, "The offering could not be removed. Please try again.");
		return;
	}
	char message[1024];
	offerings_in_use_message(&o, message, sizeof(message));
	web_set(ctx, "Offerings.error", message);
	offerings_render_list(ctx, 409);
}
