/*
 * event.h: OfficeRnD's membership webhook events, read from their raw JSON body.
 *
 *   {"event":"<id>","eventType":"membership.created","createdAt":"<ISO>",
 *    "data":{"object":{...the membership...},"previousAttributes":{...}}}
 *
 * event_peek() is the receiver's light look (id, type, membership id: enough to store and
 * deduplicate the event); event_parse() is the worker's full read, strict about every field it
 * uses and naming the bad one in its error ("data.object.plan: expected a string").
 * Nothing here touches the store or the network.
 *
 * Ownership: strings in the structs are owned by them; event_clear() / event_peek_clear() free
 * them. event_dedupe_key() returns memory the caller frees.
 */
#ifndef PILOTOMAIL_OFFICERND_EVENT_H
#define PILOTOMAIL_OFFICERND_EVENT_H

#include <stddef.h>
#include <stdint.h>

enum event_kind { EVENT_OTHER, EVENT_CREATED, EVENT_UPDATED, EVENT_REMOVED };

/* "membership.created" -> EVENT_CREATED, ...; anything else (or NULL) -> EVENT_OTHER. */
enum event_kind event_kind_of(const char *type);

struct event_peek {
	char *id;            /* "event" when a non-empty string, else NULL */
	char *type;          /* "eventType" when a string, else "" */
	char *membership_id; /* data.object._id when a string, else "" */
	enum event_kind kind;
};

/* 0 when body is a JSON object (fields filled as far as present), -1 when it is not. */
int event_peek(const char *body, size_t len, struct event_peek *out);
void event_peek_clear(struct event_peek *p);

struct event_membership {
	char *id;                /* _id: never NULL or "" */
	char *member;            /* required for created/updated; "" when absent on removed */
	char *plan;              /* required for created/updated; "" when absent on removed */
	char *company;           /* NULL: none */
	char *location;          /* NULL: none */
	char *start_date;        /* "" when absent */
	char *end_date;          /* NULL: open ended (absent, null or "") */
	char *status;            /* "approved", "not_approved"; "" when absent */
	char *calculated_status; /* "active", "expired", ...; "" when absent */
	char *created_at, *modified_at; /* "" when absent */
	int is_personal;         /* absent: 1 when there is no company */
	int64_t version_ms;      /* modifiedAt, else createdAt, in Unix milliseconds */
};

struct event {
	char *id;         /* NULL when the event has none */
	char *type;       /* eventType */
	enum event_kind kind; /* never EVENT_OTHER after a successful parse */
	char *created_at; /* "" when absent */
	struct event_membership membership;
};

/*
 * Reads a membership event. 0, or -1 with a short message naming the field in err (never more
 * than errsize bytes, always terminated); *out is then empty (event_clear() is still safe).
 */
int event_parse(const char *body, size_t len, struct event *out, char *err, size_t errsize);
void event_clear(struct event *e);

/*
 * The key that makes a repeated delivery a duplicate: the event id when it is a non-empty
 * string, else "sha256:" + the hex SHA-256 of the raw body. free() the result.
 */
char *event_dedupe_key(const char *event_id, const void *body, size_t len);

/*
 * 1 when an event whose membership version is version_ms is older than the state already
 * applied (applied_ms) and must change nothing. The same version again is not older: applying
 * it twice gives the same state.
 */
int event_is_older(int64_t version_ms, int64_t applied_ms);

#endif
