/* reconcile.c: see reconcile.h. */
#include "domain/reconcile.h"
#include "domain/membership_sync.h"
#include "util/timeutil.h"
#include "util/util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int reconcile_version_ms(const struct orn_membership *m, int64_t *ms)
{
	const char *at = m->modified_at && *m->modified_at ? m->modified_at : m->created_at;
	*ms = 0;
	if (!at || !*at)
		return -1;
	return time_parse_iso_ms(at, ms);
}

/* Whether the sync would give a never-seen membership a mailbox (membership_sync.c's WANT_ACTIVE). */
static int would_get_mailbox(const struct orn_membership *m, int plan_linked, int64_t now_ms)
{
	if (!plan_linked)
		return 0;
	if (str_eq(m->calculated_status, "expired") || membership_end_passed(m->end_date, now_ms))
		return 0;
	return !str_eq(m->status, "not_approved") && !str_eq(m->calculated_status, "not_approved");
}

int reconcile_needs_confirm(size_t n, size_t open)
{
	return n > RECONCILE_CONFIRM_MIN && n * 100 > open * RECONCILE_CONFIRM_PERCENT;
}

int reconcile_would_cancel(const struct orn_membership *m, int plan_linked, int64_t now_ms, char *reason,
			   size_t size)
{
	if (!plan_linked)
		snprintf(reason, size, "its plan %.64s is not linked to a mailbox offering", m->plan ? m->plan : "");
	else if (membership_end_passed(m->end_date, now_ms))
		snprintf(reason, size, "the membership ended (end date %.10s)", m->end_date);
	else if (str_eq(m->calculated_status, "expired"))
		snprintf(reason, size, "the membership has expired");
	else
		return 0;
	return 1;
}

enum event_kind reconcile_need(const struct orn_membership *m, int64_t version_ms,
			       const struct reconcile_known *k, int64_t now_ms)
{
	enum event_kind kind;
	if (k->seen) {
		if (k->removed || version_ms <= k->version_ms)
			return EVENT_OTHER;
		kind = EVENT_UPDATED;
	} else {
		/* Older than the connection: no webhook for it was ever due, so none was lost. */
		if (k->since_ms && version_ms < k->since_ms - RECONCILE_OVERLAP_MS)
			return EVENT_OTHER;
		if (!would_get_mailbox(m, k->plan_linked, now_ms))
			return EVENT_OTHER;
		kind = EVENT_CREATED;
	}
	/* The change (or a newer one, or the removal) already waits in the inbox, or was given up
	 * on there where the operator sees it with a Retry button. */
	if (k->inbox_removed || k->inbox_version_ms >= version_ms)
		return EVENT_OTHER;
	return kind;
}

void reconcile_inbox_scan(char *const *bodies, size_t n, struct reconcile_known *k)
{
	k->inbox_version_ms = 0;
	k->inbox_removed = 0;
	for (size_t i = 0; i < n; i++) {
		struct event ev;
		if (event_parse(bodies[i], strlen(bodies[i]), &ev, NULL, 0) < 0)
			continue;
		if (ev.kind == EVENT_REMOVED)
			k->inbox_removed = 1;
		else if (ev.membership.version_ms > k->inbox_version_ms)
			k->inbox_version_ms = ev.membership.version_ms;
		event_clear(&ev);
	}
}

char *reconcile_format_ms(int64_t ms, char *buf, size_t size)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char day[24];
	if (ms < 0 || !gmtime_r(&t, &tm) || !strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm)) {
		str_copy(buf, size, "");
		return buf;
	}
	snprintf(buf, size, "%s.%03dZ", day, (int)(ms % 1000));
	return buf;
}

int reconcile_filter_after(const char *through, char *buf, size_t size)
{
	int64_t ms;
	if (!through || !*through || time_parse_iso_ms(through, &ms) < 0)
		return -1;
	ms = ms > RECONCILE_OVERLAP_MS ? ms - RECONCILE_OVERLAP_MS : 0;
	reconcile_format_ms(ms, buf, size);
	return *buf ? 0 : -1;
}

/* Sets key to the string s; NULL sets null when nullable, else leaves the key out. */
static void set_text(json_t *o, const char *key, const char *s, int nullable)
{
	json_t *v = s ? json_string(s) : NULL;
	if (v)
		json_object_set_new(o, key, v);
	else if (nullable)
		json_object_set_new(o, key, json_null());
}

/* The membership as OfficeRnD returns it (the fields pilotomail reads). */
static json_t *membership_json(const struct orn_membership *m)
{
	json_t *o = json_object();
	set_text(o, "_id", m->id, 0);
	if (m->name && *m->name)
		set_text(o, "name", m->name, 0);
	set_text(o, "member", m->member && *m->member ? m->member : NULL, 1);
	set_text(o, "company", m->company, 1);
	set_text(o, "plan", m->plan && *m->plan ? m->plan : NULL, 1);
	set_text(o, "location", m->location, 1);
	if (m->start_date && *m->start_date)
		set_text(o, "startDate", m->start_date, 0);
	if (m->end_date)
		set_text(o, "endDate", m->end_date, 0);
	if (m->status && *m->status)
		set_text(o, "status", m->status, 0);
	if (m->calculated_status && *m->calculated_status)
		set_text(o, "calculatedStatus", m->calculated_status, 0);
	json_object_set_new(o, "isPersonal", json_boolean(m->is_personal));
	if (m->created_at && *m->created_at)
		set_text(o, "createdAt", m->created_at, 0);
	if (m->modified_at && *m->modified_at)
		set_text(o, "modifiedAt", m->modified_at, 0);
	return o;
}

static const char *event_type_name(enum event_kind kind)
{
	switch (kind) {
	case EVENT_CREATED:
		return "membership.created";
	case EVENT_REMOVED:
		return "membership.removed";
	default:
		return "membership.updated";
	}
}

char *reconcile_event_body(const struct orn_membership *m, enum event_kind kind, int64_t now_ms,
			   char **event_id)
{
	char now[32];
	const char *version = m->modified_at && *m->modified_at ? m->modified_at : m->created_at;
	if (kind == EVENT_REMOVED)
		*event_id = xasprintf(RECONCILE_EVENT_PREFIX "%s:removed", m->id);
	else
		*event_id = xasprintf(RECONCILE_EVENT_PREFIX "%s:%s", m->id, version ? version : "");
	json_t *data = json_object();
	json_object_set_new(data, "object", membership_json(m));
	json_object_set_new(data, "previousAttributes", json_object());
	json_t *root = json_object();
	set_text(root, "event", *event_id, 0);
	set_text(root, "eventType", event_type_name(kind), 0);
	json_object_set_new(root, "data", data);
	set_text(root, "createdAt", reconcile_format_ms(now_ms, now, sizeof(now)), 0);
	char *text = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	if (!text)
		abort(); /* only on memory exhaustion: as the x* allocators do */
	char *body = xstrdup(text);
	free(text);
	return body;
}
