/* event.c: see event.h. */
#include "officernd/event.h"
#include "crypto/crypto.h"
#include "util/timeutil.h"
#include "util/util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum event_kind event_kind_of(const char *type)
{
	if (!type)
		return EVENT_OTHER;
	if (strcmp(type, "membership.created") == 0)
		return EVENT_CREATED;
	if (strcmp(type, "membership.updated") == 0)
		return EVENT_UPDATED;
	if (strcmp(type, "membership.removed") == 0)
		return EVENT_REMOVED;
	return EVENT_OTHER;
}

/* NUL bytes inside strings are refused (jansson's default), so every value is a C string. */
static json_t *event_load(const char *body, size_t len)
{
	json_error_t jerr;
	if (!body)
		return NULL;
	return json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
}

/* data.object, or NULL. Borrowed from root. */
static json_t *event_object(json_t *root)
{
	json_t *data = json_object_get(root, "data");
	json_t *obj = json_is_object(data) ? json_object_get(data, "object") : NULL;
	return json_is_object(obj) ? obj : NULL;
}

int event_peek(const char *body, size_t len, struct event_peek *out)
{
	memset(out, 0, sizeof(*out));
	json_t *root = event_load(body, len);
	if (!json_is_object(root)) {
		json_decref(root);
		return -1;
	}
	json_t *id = json_object_get(root, "event");
	json_t *type = json_object_get(root, "eventType");
	json_t *obj = event_object(root);
	json_t *mid = obj ? json_object_get(obj, "_id") : NULL;
	if (json_is_string(id) && json_string_length(id) > 0)
		out->id = xstrdup(json_string_value(id));
	out->type = xstrdup(json_is_string(type) ? json_string_value(type) : "");
	out->membership_id = xstrdup(json_is_string(mid) ? json_string_value(mid) : "");
	out->kind = event_kind_of(out->type);
	json_decref(root);
	return 0;
}

void event_peek_clear(struct event_peek *p)
{
	free(p->id);
	free(p->type);
	free(p->membership_id);
	memset(p, 0, sizeof(*p));
}

/* Field rules for text_field(). */
enum field_rule {
	FIELD_REQUIRED, /* a non-empty string */
	FIELD_EMPTY,    /* a string; absent or null gives "" */
	FIELD_NULL,     /* a string; absent, null or "" gives NULL */
};

struct parse_ctx {
	char *err;
	size_t errsize;
};

static int parse_fail(struct parse_ctx *pc, const char *path, const char *key, const char *what)
{
	snprintf(pc->err, pc->errsize, "%s%s%s: %s", path, *path ? "." : "", key, what);
	return -1;
}

static int text_field(struct parse_ctx *pc, const json_t *o, const char *path, const char *key,
		      enum field_rule rule, char **out)
{
	const json_t *v = json_object_get(o, key);
	*out = NULL;
	if (!v || json_is_null(v)) {
		if (rule == FIELD_REQUIRED)
			return parse_fail(pc, path, key, "missing");
		*out = rule == FIELD_EMPTY ? xstrdup("") : NULL;
		return 0;
	}
	if (!json_is_string(v))
		return parse_fail(pc, path, key, "expected a string");
	if (json_string_length(v) == 0) {
		if (rule == FIELD_REQUIRED)
			return parse_fail(pc, path, key, "empty");
		*out = rule == FIELD_EMPTY ? xstrdup("") : NULL;
		return 0;
	}
	*out = xstrdup(json_string_value(v));
	return 0;
}

/* A time field that, when given, must be ISO-8601 (time_parse_iso_ms). */
static int time_field(struct parse_ctx *pc, const char *path, const char *key, const char *value)
{
	int64_t ms;
	if (value && *value && time_parse_iso_ms(value, &ms) < 0)
		return parse_fail(pc, path, key, "not an ISO-8601 date or time");
	return 0;
}

static int bool_field(struct parse_ctx *pc, const json_t *o, const char *path, const char *key,
		      int absent, int *out)
{
	const json_t *v = json_object_get(o, key);
	*out = absent;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return parse_fail(pc, path, key, "expected true or false");
	*out = json_is_true(v);
	return 0;
}

/* modifiedAt, else createdAt: the order of OfficeRnD's changes to one membership. */
static int membership_version(struct parse_ctx *pc, struct event_membership *m)
{
	static const char path[] = "data.object";
	if (*m->modified_at)
		return time_parse_iso_ms(m->modified_at, &m->version_ms) < 0
			       ? parse_fail(pc, path, "modifiedAt", "not an ISO-8601 date or time")
			       : 0;
	if (*m->created_at)
		return time_parse_iso_ms(m->created_at, &m->version_ms) < 0
			       ? parse_fail(pc, path, "createdAt", "not an ISO-8601 date or time")
			       : 0;
	return parse_fail(pc, path, "modifiedAt", "missing (and no createdAt to order the event by)");
}

static int membership_parse(struct parse_ctx *pc, const json_t *o, enum event_kind kind,
			    struct event_membership *m)
{
	static const char path[] = "data.object";
	enum field_rule needed = kind == EVENT_REMOVED ? FIELD_EMPTY : FIELD_REQUIRED;
	if (text_field(pc, o, path, "_id", FIELD_REQUIRED, &m->id) ||
	    text_field(pc, o, path, "member", needed, &m->member) ||
	    text_field(pc, o, path, "plan", needed, &m->plan) ||
	    text_field(pc, o, path, "company", FIELD_NULL, &m->company) ||
	    text_field(pc, o, path, "location", FIELD_NULL, &m->location) ||
	    text_field(pc, o, path, "startDate", FIELD_EMPTY, &m->start_date) ||
	    text_field(pc, o, path, "endDate", FIELD_NULL, &m->end_date) ||
	    text_field(pc, o, path, "status", FIELD_EMPTY, &m->status) ||
	    text_field(pc, o, path, "calculatedStatus", FIELD_EMPTY, &m->calculated_status) ||
	    text_field(pc, o, path, "createdAt", FIELD_EMPTY, &m->created_at) ||
	    text_field(pc, o, path, "modifiedAt", FIELD_EMPTY, &m->modified_at))
		return -1;
	if (bool_field(pc, o, path, "isPersonal", m->company == NULL, &m->is_personal) ||
	    time_field(pc, path, "startDate", m->start_date) ||
	    time_field(pc, path, "endDate", m->end_date))
		return -1;
	return membership_version(pc, m);
}

static int event_read(struct parse_ctx *pc, json_t *root, struct event *out)
{
	if (!json_is_object(root))
		return parse_fail(pc, "", "event", "expected a JSON object");
	/* The id only deduplicates (the receiver did that): any other type is no reason to fail. */
	json_t *id = json_object_get(root, "event");
	if (json_is_string(id) && json_string_length(id) > 0)
		out->id = xstrdup(json_string_value(id));
	if (text_field(pc, root, "", "eventType", FIELD_REQUIRED, &out->type) ||
	    text_field(pc, root, "", "createdAt", FIELD_EMPTY, &out->created_at))
		return -1;
	out->kind = event_kind_of(out->type);
	if (out->kind == EVENT_OTHER)
		return parse_fail(pc, "", "eventType", "not a membership event");
	json_t *data = json_object_get(root, "data");
	if (!data || json_is_null(data))
		return parse_fail(pc, "", "data", "missing");
	if (!json_is_object(data))
		return parse_fail(pc, "", "data", "expected an object");
	json_t *obj = json_object_get(data, "object");
	if (!obj || json_is_null(obj))
		return parse_fail(pc, "data", "object", "missing");
	if (!json_is_object(obj))
		return parse_fail(pc, "data", "object", "expected an object");
	return membership_parse(pc, obj, out->kind, &out->membership);
}

int event_parse(const char *body, size_t len, struct event *out, char *err, size_t errsize)
{
	char scratch[1];
	struct parse_ctx pc = { err ? err : scratch, err && errsize ? errsize : sizeof(scratch) };
	memset(out, 0, sizeof(*out));
	pc.err[0] = '\0';
	json_t *root = event_load(body, len);
	if (!root) {
		snprintf(pc.err, pc.errsize, "not valid JSON");
		return -1;
	}
	int rc = event_read(&pc, root, out);
	json_decref(root);
	if (rc < 0)
		event_clear(out);
	return rc;
}

static void membership_clear(struct event_membership *m)
{
	free(m->id);
	free(m->member);
	free(m->plan);
	free(m->company);
	free(m->location);
	free(m->start_date);
	free(m->end_date);
	free(m->status);
	free(m->calculated_status);
	free(m->created_at);
	free(m->modified_at);
	memset(m, 0, sizeof(*m));
}

void event_clear(struct event *e)
{
	free(e->id);
	free(e->type);
	free(e->created_at);
	membership_clear(&e->membership);
	memset(e, 0, sizeof(*e));
}

char *event_dedupe_key(const char *event_id, const void *body, size_t len)
{
	char hex[65];
	if (event_id && *event_id)
		return xstrdup(event_id);
	sha256_hex(body ? body : "", body ? len : 0, hex);
	return xasprintf("sha256:%s", hex);
}

int event_is_older(int64_t version_ms, int64_t applied_ms)
{
	return version_ms < applied_ms;
}
