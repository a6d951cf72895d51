/*
 * parse.c: OfficeRnD's JSON into C structs, and the fee we send.
 *
 * Strict about types: a required field that is missing, null or of another type is an error
 * naming it ("plan.name: missing", "membership.startDate: expected string"), never a crash.
 * Optional fields that are absent or null read as "" / NULL / 0 as officernd.h says: the
 * facts sheet is not complete about nulls, and a null `code` must not hide every plan.
 * References (member, plan, ...) are ids; a populated object {"_id": ...} is read as its id.
 */
#include "officernd/internal.h"
#include "util/money.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum field_kind {
	F_REQUIRED,   /* must be there as a string */
	F_EMPTY,      /* absent or null -> "" */
	F_NULL,       /* absent or null -> NULL */
};

static int field_error(struct orn_error *err, const char *obj, const char *key, const char *what)
{
	err->http_status = 0;
	orn_error_set(err, ORN_ERR_BAD_RESPONSE, "%s.%s: %s", obj, key, what);
	return -1;
}

static int field_string(const json_t *o, const char *obj, const char *key, enum field_kind kind,
			char **out, struct orn_error *err)
{
	const json_t *v = json_object_get(o, key);
	*out = NULL;
	if (!v || json_is_null(v)) {
		if (kind == F_REQUIRED)
			return field_error(err, obj, key, v ? "expected string, got null" : "missing");
		*out = kind == F_EMPTY ? xstrdup("") : NULL;
		return 0;
	}
	if (!json_is_string(v))
		return field_error(err, obj, key, "expected string");
	*out = xstrndup(json_string_value(v), json_string_length(v));
	return 0;
}

/* An id, or an object carrying it in _id (a populated reference). */
static int field_ref(const json_t *o, const char *obj, const char *key, enum field_kind kind, char **out,
		     struct orn_error *err)
{
	const json_t *v = json_object_get(o, key);
	if (json_is_object(v)) {
		const json_t *id = json_object_get(v, "_id");
		if (!json_is_string(id)) {
			*out = NULL;
			return field_error(err, obj, key, "expected string");
		}
		*out = xstrdup(json_string_value(id));
	} else if (field_string(o, obj, key, kind, out, err)) {
		return -1;
	}
	/* A required reference must name something: "" would link to nothing (the webhook event
	 * parser refuses it too). */
	if (kind == F_REQUIRED && *out && !**out) {
		free(*out);
		*out = NULL;
		return field_error(err, obj, key, "empty");
	}
	return 0;
}

static int field_id(const json_t *o, const char *obj, char **out, struct orn_error *err)
{
	if (field_string(o, obj, "_id", F_REQUIRED, out, err))
		return -1;
	if (!**out)
		return field_error(err, obj, "_id", "empty");
	return 0;
}

static int field_bool(const json_t *o, const char *obj, const char *key, int *out, struct orn_error *err)
{
	const json_t *v = json_object_get(o, key);
	*out = 0;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return field_error(err, obj, key, "expected boolean");
	*out = json_is_true(v);
	return 0;
}

static int field_price(const json_t *o, const char *obj, const char *key, int required, int64_t *out,
		       struct orn_error *err)
{
	const json_t *v = json_object_get(o, key);
	*out = 0;
	if (!v || json_is_null(v))
		return required ? field_error(err, obj, key, v ? "expected number, got null" : "missing") : 0;
	if (!json_is_number(v))
		return field_error(err, obj, key, "expected number");
	if (orn_price_to_minor(v, out))
		return field_error(err, obj, key, "price out of range");
	return 0;
}

static int object_check(const json_t *o, const char *obj, struct orn_error *err)
{
	if (json_is_object(o))
		return 0;
	err->http_status = 0;
	orn_error_set(err, ORN_ERR_BAD_RESPONSE, "%s: expected object", obj);
	return -1;
}

/* "12.345", "-1e-05", "3" into value * 100, rounded half away from zero. */
static int decimal_to_minor(const char *text, int64_t *minor)
{
	const char *p = text;
	int negative = (*p == '-');
	if (*p == '-' || *p == '+')
		p++;
	char digits[64];
	size_t nd = 0;
	long point = -1;
	for (; isdigit((unsigned char)*p) || *p == '.'; p++) {
		if (*p == '.') {
			if (point >= 0)
				return -1;
			point = (long)nd;
		} else if (nd < sizeof(digits)) {
			digits[nd++] = *p;
		} else {
			return -1;
		}
	}
	if (nd == 0)
		return -1;
	if (point < 0)
		point = (long)nd;
	if (*p == 'e' || *p == 'E') {
		char *end;
		long exp = strtol(p + 1, &end, 10);
		if (end == p + 1 || *end || exp > 30 || exp < -30)
			return -1;
		point += exp;
	} else if (*p) {
		return -1;
	}
	point += 2; /* cents */
	int64_t v = 0;
	for (long i = 0; i < point; i++) {
		int d = (i >= 0 && (size_t)i < nd) ? digits[i] - '0' : 0;
		if (v > (MONEY_MAX_MINOR - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (point >= 0 && (size_t)point < nd && digits[point] >= '5')
		v++;
	if (v > MONEY_MAX_MINOR)
		return -1;
	*minor = negative ? -v : v;
	return 0;
}

int orn_price_to_minor(const json_t *v, int64_t *minor)
{
	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);
		if (i > MONEY_MAX_MINOR / 100 || i < -(MONEY_MAX_MINOR / 100))
			return -1;
		*minor = (int64_t)i * 100;
		return 0;
	}
	if (!json_is_real(v))
		return -1;
	double x = json_real_value(v);
	if (!isfinite(x) || fabs(x) > (double)(MONEY_MAX_MINOR / 100))
		return -1;
	/*
	 * 15 significant digits give back the decimal OfficeRnD wrote (12.345, not 12.3449999…),
	 * which is then rounded as text: binary floating point never decides a cent.
	 */
	char text[64];
	snprintf(text, sizeof(text), "%.15g", x);
	return decimal_to_minor(text, minor);
}

int orn_parse_json(const char *text, size_t len, json_t **root, struct orn_error *err)
{
	json_error_t jerr;
	*root = json_loadb(text ? text : "", text ? len : 0, 0, &jerr);
	if (*root)
		return 0;
	/* jerr.text may quote the input, which can be a token: report only where it broke. */
	err->http_status = 0;
	orn_error_set(err, ORN_ERR_BAD_RESPONSE,
		      "OfficeRnD sent an answer that is not valid JSON (line %d, column %d)", jerr.line,
		      jerr.column);
	return -1;
}

int orn_parse_page(const json_t *root, const json_t **results, const char **cursor_next,
		   struct orn_error *err)
{
	*results = NULL;
	*cursor_next = NULL;
	if (json_is_array(root)) { /* a bare list: one page */
		*results = root;
		return 0;
	}
	if (object_check(root, "page", err))
		return -1;
	const json_t *r = json_object_get(root, "results");
	if (!r)
		return field_error(err, "page", "results", "missing");
	if (!json_is_array(r))
		return field_error(err, "page", "results", "expected array");
	const json_t *c = json_object_get(root, "cursorNext");
	if (c && !json_is_null(c) && !json_is_string(c))
		return field_error(err, "page", "cursorNext", "expected string");
	if (json_is_string(c) && json_string_length(c) > 0)
		*cursor_next = json_string_value(c);
	*results = r;
	return 0;
}

int orn_parse_token(const json_t *root, char **token, int64_t *expires_in, struct orn_error *err)
{
	*token = NULL;
	if (object_check(root, "token", err))
		return -1;
	const json_t *t = json_object_get(root, "access_token");
	if (!t)
		return field_error(err, "token", "access_token", "missing");
	if (!json_is_string(t) || json_string_length(t) == 0)
		return field_error(err, "token", "access_token", "expected string");
	const json_t *e = json_object_get(root, "expires_in");
	*expires_in = 3600; /* the documented lifetime when not said */
	if (e && !json_is_null(e)) {
		if (!json_is_number(e))
			return field_error(err, "token", "expires_in", "expected number");
		double s = json_number_value(e);
		if (!(s >= 0 && s <= 366.0 * 86400))
			return field_error(err, "token", "expires_in", "out of range");
		*expires_in = (int64_t)s;
	}
	*token = xstrdup(json_string_value(t));
	return 0;
}

int orn_parse_location(const json_t *o, struct orn_location *out, struct orn_error *err)
{
	memset(out, 0, sizeof(*out));
	if (object_check(o, "location", err) || field_id(o, "location", &out->id, err) ||
	    field_string(o, "location", "name", F_REQUIRED, &out->name, err) ||
	    field_bool(o, "location", "isOpen", &out->is_open, err)) {
		orn_location_clear(out);
		return -1;
	}
	return 0;
}

int orn_parse_plan(const json_t *o, struct orn_plan *out, struct orn_error *err)
{
	memset(out, 0, sizeof(*out));
	if (object_check(o, "plan", err) || field_id(o, "plan", &out->id, err) ||
	    field_string(o, "plan", "name", F_REQUIRED, &out->name, err) ||
	    field_string(o, "plan", "code", F_EMPTY, &out->code, err) ||
	    field_string(o, "plan", "type", F_EMPTY, &out->type, err) ||
	    field_string(o, "plan", "intervalLength", F_EMPTY, &out->interval_length, err) ||
	    field_price(o, "plan", "price", 0, &out->price_minor, err)) {
		orn_plan_clear(out);
		return -1;
	}
	return 0;
}

int orn_parse_membership(const json_t *o, struct orn_membership *out, struct orn_error *err)
{
	static const char m[] = "membership";
	memset(out, 0, sizeof(*out));
	if (object_check(o, m, err) || field_id(o, m, &out->id, err) ||
	    field_ref(o, m, "member", F_REQUIRED, &out->member, err) ||
	    field_ref(o, m, "plan", F_REQUIRED, &out->plan, err) ||
	    field_string(o, m, "startDate", F_REQUIRED, &out->start_date, err) ||
	    field_ref(o, m, "company", F_NULL, &out->company, err) ||
	    field_ref(o, m, "location", F_NULL, &out->location, err) ||
	    field_string(o, m, "endDate", F_NULL, &out->end_date, err) ||
	    field_string(o, m, "name", F_EMPTY, &out->name, err) ||
	    field_string(o, m, "status", F_EMPTY, &out->status, err) ||
	    field_string(o, m, "calculatedStatus", F_EMPTY, &out->calculated_status, err) ||
	    field_string(o, m, "createdAt", F_EMPTY, &out->created_at, err) ||
	    field_string(o, m, "modifiedAt", F_EMPTY, &out->modified_at, err) ||
	    field_bool(o, m, "isPersonal", &out->is_personal, err)) {
		orn_membership_clear(out);
		return -1;
	}
	return 0;
}

int orn_parse_member(const json_t *o, struct orn_member *out, struct orn_error *err)
{
	memset(out, 0, sizeof(*out));
	if (object_check(o, "member", err) || field_id(o, "member", &out->id, err) ||
	    field_string(o, "member", "name", F_REQUIRED, &out->name, err) ||
	    field_string(o, "member", "email", F_EMPTY, &out->email, err) ||
	    field_string(o, "member", "status", F_EMPTY, &out->status, err) ||
	    field_ref(o, "member", "company", F_NULL, &out->company, err)) {
		orn_member_clear(out);
		return -1;
	}
	return 0;
}

int orn_parse_company(const json_t *o, struct orn_company *out, struct orn_error *err)
{
	memset(out, 0, sizeof(*out));
	if (object_check(o, "company", err) || field_id(o, "company", &out->id, err) ||
	    field_string(o, "company", "name", F_REQUIRED, &out->name, err)) {
		orn_company_clear(out);
		return -1;
	}
	return 0;
}

static int fee_quantity(const json_t *o, int *out, struct orn_error *err)
{
	const json_t *v = json_object_get(o, "quantity");
	*out = 1;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 1000000)
		return field_error(err, "fee", "quantity", "expected integer");
	*out = (int)json_integer_value(v);
	return 0;
}

static int fee_reference(const json_t *o, char **out, struct orn_error *err)
{
	const json_t *props = json_object_get(o, "properties");
	*out = NULL;
	if (!props || json_is_null(props))
		return 0;
	if (!json_is_object(props))
		return field_error(err, "fee", "properties", "expected object");
	return field_string(props, "fee.properties", "pilotomailChargeId", F_NULL, out, err);
}

int orn_parse_fee(const json_t *o, struct orn_fee *out, struct orn_error *err)
{
	memset(out, 0, sizeof(*out));
	if (object_check(o, "fee", err) || field_id(o, "fee", &out->id, err) ||
	    field_string(o, "fee", "name", F_REQUIRED, &out->name, err) ||
	    field_price(o, "fee", "price", 1, &out->price_minor, err) ||
	    field_string(o, "fee", "issueDate", F_EMPTY, &out->issue_date, err) ||
	    field_string(o, "fee", "status", F_EMPTY, &out->status, err) ||
	    field_ref(o, "fee", "member", F_NULL, &out->member, err) ||
	    field_ref(o, "fee", "company", F_NULL, &out->company, err) ||
	    fee_quantity(o, &out->quantity, err) || fee_reference(o, &out->reference, err)) {
		orn_fee_clear(out);
		return -1;
	}
	return 0;
}

/* json_string() refuses invalid UTF-8 with NULL: that makes the whole body NULL. */
static int put_string(json_t *o, const char *key, const char *value)
{
	json_t *s = json_string(value);
	return s ? json_object_set_new(o, key, s) : -1;
}

json_t *orn_fee_request_json(const struct orn_fee_request *rq)
{
	if (!rq->name || !rq->issue_date || !rq->location || !rq->plan || !rq->reference ||
	    (!rq->member && !rq->company))
		return NULL;
	json_t *o = json_object();
	int bad = put_string(o, "name", rq->name) || put_string(o, "issueDate", rq->issue_date) ||
		  put_string(o, "location", rq->location) || put_string(o, "plan", rq->plan);
	/* A JSON number in major units, as OfficeRnD expects; orn_json_dump writes 15 digits (19.99). */
	double per_major = 1;
	for (int d = 0; d < rq->minor_digits && d < 4; d++)
		per_major *= 10;
	bad = bad || json_object_set_new(o, "price", json_real((double)rq->price_minor / per_major));
	bad = bad || json_object_set_new(o, "quantity", json_integer(rq->quantity < 1 ? 1 : rq->quantity));
	if (rq->member)
		bad = bad || put_string(o, "member", rq->member);
	else
		bad = bad || put_string(o, "company", rq->company);
	bad = bad || json_object_set_new(o, "isPersonal", json_boolean(rq->is_personal));
	if (rq->description)
		bad = bad || put_string(o, "description", rq->description);
	json_t *props = json_object();
	json_object_set_new(o, "properties", props); /* o owns it from here, whatever fails */
	bad = bad || put_string(props, "pilotomailChargeId", rq->reference);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

char *orn_json_dump(const json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(15));
	if (!s)
		abort();
	return s;
}

void orn_location_clear(struct orn_location *l)
{
	free(l->id);
	free(l->name);
	memset(l, 0, sizeof(*l));
}

/* eventTypes: a list of strings; other entries are left out (an unknown shape never hides the
 * events we look for). */
static int field_events(const json_t *o, struct orn_webhook *out, struct orn_error *err)
{
	const json_t *v = json_object_get(o, "eventTypes");
	size_t i;
	const json_t *e;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return field_error(err, "webhook", "eventTypes", "expected a list");
	out->event_types = xcalloc(json_array_size(v) + 1, sizeof(*out->event_types));
	json_array_foreach(v, i, e) {
		if (json_is_string(e))
			out->event_types[out->n_event_types++] = xstrdup(json_string_value(e));
	}
	return 0;
}

int orn_parse_webhook(const json_t *o, struct orn_webhook *out, struct orn_error *err)
{
	static const char w[] = "webhook";
	memset(out, 0, sizeof(*out));
	out->is_enabled = 1;
	const json_t *enabled = json_object_get(o, "isEnabled");
	if (object_check(o, w, err) || field_id(o, w, &out->id, err) ||
	    field_string(o, w, "url", F_REQUIRED, &out->url, err) ||
	    field_string(o, w, "description", F_EMPTY, &out->description, err) ||
	    field_string(o, w, "secret", F_NULL, &out->secret, err) || field_events(o, out, err) ||
	    (enabled && !json_is_null(enabled) && field_bool(o, w, "isEnabled", &out->is_enabled, err))) {
		orn_webhook_clear(out);
		return -1;
	}
	return 0;
}

void orn_webhook_clear(struct orn_webhook *w)
{
	free(w->id);
	free(w->url);
	free(w->description);
	if (w->secret) {
		explicit_bzero(w->secret, strlen(w->secret));
		free(w->secret);
	}
	for (size_t i = 0; i < w->n_event_types; i++)
		free(w->event_types[i]);
	free(w->event_types);
	memset(w, 0, sizeof(*w));
}

void orn_webhooks_free(struct orn_webhook *items, size_t n)
{
	for (size_t i = 0; items && i < n; i++)
		orn_webhook_clear(&items[i]);
	free(items);
}

void orn_plan_clear(struct orn_plan *p)
{
	free(p->id);
	free(p->name);
	free(p->code);
	free(p->type);
	free(p->interval_length);
	memset(p, 0, sizeof(*p));
}

void orn_membership_clear(struct orn_membership *m)
{
	char **fields[] = { &m->id, &m->member, &m->plan, &m->start_date, &m->company, &m->location,
			    &m->end_date, &m->name, &m->status, &m->calculated_status, &m->created_at,
			    &m->modified_at };
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		free(*fields[i]);
	memset(m, 0, sizeof(*m));
}

void orn_member_clear(struct orn_member *m)
{
	free(m->id);
	free(m->name);
	free(m->email);
	free(m->status);
	free(m->company);
	memset(m, 0, sizeof(*m));
}

void orn_company_clear(struct orn_company *co)
{
	free(co->id);
	free(co->name);
	memset(co, 0, sizeof(*co));
}

void orn_fee_clear(struct orn_fee *f)
{
	free(f->id);
	free(f->name);
	free(f->issue_date);
	free(f->status);
	free(f->member);
	free(f->company);
	free(f->reference);
	memset(f, 0, sizeof(*f));
}

void orn_locations_free(struct orn_location *items, size_t n)
{
	for (size_t i = 0; items && i < n; i++)
		orn_location_clear(&items[i]);
	free(items);
}

void orn_plans_free(struct orn_plan *items, size_t n)
{
	for (size_t i = 0; items && i < n; i++)
		orn_plan_clear(&items[i]);
	free(items);
}

void orn_fees_free(struct orn_fee *items, size_t n)
{
	for (size_t i = 0; items && i < n; i++)
		orn_fee_clear(&items[i]);
	free(items);
}
