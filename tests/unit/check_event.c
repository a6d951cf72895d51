/*
 * check_event.c: OfficeRnD membership events read from their raw body (officernd/event.h):
 * good events, missing and wrongly typed fields (the error names the field), truncated bodies,
 * the deduplication key and the version order.
 */
#include "check_helpers.h"
#include "officernd/event.h"
#include "util/timeutil.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Shaped like the simulator's (and OfficeRnD's) compact JSON. */
#define MEMBERSHIP_FULL                                                                          \
	"{\"_id\":\"65b000000000000000000001\",\"name\":\"Virtual Office\","                     \
	"\"member\":\"65a1f0c2e4b0a1b2c3d4e301\",\"company\":null,"                               \
	"\"plan\":\"65a1f0c2e4b0a1b2c3d4e101\",\"location\":\"65a1f0c2e4b0a1b2c3d4e001\","       \
	"\"startDate\":\"2026-11-01T00:00:00.000Z\",\"status\":\"approved\","                     \
	"\"calculatedStatus\":\"active\",\"isPersonal\":true,\"price\":99,"                        \
	"\"createdAt\":\"2026-11-26T16:49:02.120Z\",\"modifiedAt\":\"2026-11-26T16:50:00.250Z\"}"
#define EVENT_OF(type, object)                                                                   \
	"{\"event\":\"65c0000000000000000000aa\",\"eventType\":\"" type "\",\"data\":{\"object\":" \
	object ",\"previousAttributes\":{}},\"createdAt\":\"2026-11-26T16:50:00.300Z\"}"
#define GOOD_CREATED EVENT_OF("membership.created", MEMBERSHIP_FULL)

static int parse(const char *body, struct event *e, char *err, size_t size)
{
	return event_parse(body, strlen(body), e, err, size);
}

/* Parses body expecting failure, and checks the error message is exactly want. */
static void expect_error(const char *body, const char *want)
{
	struct event e;
	char err[256];
	ck_assert_int_eq(parse(body, &e, err, sizeof(err)), -1);
	ck_assert_str_eq(err, want);
	ck_assert_ptr_null(e.type); /* emptied on failure */
	event_clear(&e);
}

START_TEST(test_good_created_event)
{
	struct event e;
	char err[256] = "untouched";
	int64_t ms;
	ck_assert_int_eq(parse(GOOD_CREATED, &e, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "");
	ck_assert_str_eq(e.id, "65c0000000000000000000aa");
	ck_assert_str_eq(e.type, "membership.created");
	ck_assert_int_eq(e.kind, EVENT_CREATED);
	ck_assert_str_eq(e.created_at, "2026-11-26T16:50:00.300Z");
	ck_assert_str_eq(e.membership.id, "65b000000000000000000001");
	ck_assert_str_eq(e.membership.member, "65a1f0c2e4b0a1b2c3d4e301");
	ck_assert_str_eq(e.membership.plan, "65a1f0c2e4b0a1b2c3d4e101");
	ck_assert_str_eq(e.membership.location, "65a1f0c2e4b0a1b2c3d4e001");
	ck_assert_ptr_null(e.membership.company);
	ck_assert_ptr_null(e.membership.end_date); /* absent: open ended */
	ck_assert_str_eq(e.membership.status, "approved");
	ck_assert_str_eq(e.membership.calculated_status, "active");
	ck_assert_int_eq(e.membership.is_personal, 1);
	ck_assert_int_eq(time_parse_iso_ms("2026-11-26T16:50:00.250Z", &ms), 0);
	ck_assert_int_eq(e.membership.version_ms, ms); /* modifiedAt wins over createdAt */
	event_clear(&e);
	event_clear(&e); /* clearing twice is harmless */
}
END_TEST

START_TEST(test_company_end_date_and_defaults)
{
	struct event e;
	char err[256];
	const char *body = EVENT_OF("membership.updated",
		"{\"_id\":\"m2\",\"member\":\"u2\",\"company\":\"c9\",\"plan\":\"p1\",\"location\":null,"
		"\"endDate\":\"2026-12-31\",\"createdAt\":\"2026-11-26T10:00:00Z\"}");
	ck_assert_int_eq(parse(body, &e, err, sizeof(err)), 0);
	ck_assert_int_eq(e.kind, EVENT_UPDATED);
	ck_assert_str_eq(e.membership.company, "c9");
	ck_assert_ptr_null(e.membership.location);
	ck_assert_str_eq(e.membership.end_date, "2026-12-31");
	ck_assert_int_eq(e.membership.is_personal, 0); /* absent: personal unless a company's */
	ck_assert_str_eq(e.membership.status, "");
	ck_assert_str_eq(e.membership.modified_at, "");
	int64_t ms;
	ck_assert_int_eq(time_parse_iso_ms("2026-11-26T10:00:00Z", &ms), 0);
	ck_assert_int_eq(e.membership.version_ms, ms); /* createdAt when there is no modifiedAt */
	event_clear(&e);

	/* endDate null or "" is open ended too; an event without "event" id still parses. */
	body = "{\"eventType\":\"membership.updated\",\"data\":{\"object\":{\"_id\":\"m3\",\"member\":\"u\","
	       "\"plan\":\"p\",\"endDate\":null,\"modifiedAt\":\"2026-11-26T10:00:00Z\"}}}";
	ck_assert_int_eq(parse(body, &e, err, sizeof(err)), 0);
	ck_assert_ptr_null(e.id);
	ck_assert_ptr_null(e.membership.end_date);
	event_clear(&e);
}
END_TEST

START_TEST(test_removed_needs_only_the_id)
{
	struct event e;
	char err[256];
	const char *body = EVENT_OF("membership.removed", "{\"_id\":\"m9\",\"modifiedAt\":\"2026-11-26T10:00:00Z\"}");
	ck_assert_int_eq(parse(body, &e, err, sizeof(err)), 0);
	ck_assert_int_eq(e.kind, EVENT_REMOVED);
	ck_assert_str_eq(e.membership.id, "m9");
	ck_assert_str_eq(e.membership.member, "");
	ck_assert_str_eq(e.membership.plan, "");
	event_clear(&e);
	/* ...but a created or updated one needs member and plan. */
	expect_error(EVENT_OF("membership.updated", "{\"_id\":\"m9\",\"modifiedAt\":\"2026-11-26T10:00:00Z\"}"),
		     "data.object.member: missing");
}
END_TEST

START_TEST(test_missing_fields_are_named)
{
	expect_error("{\"event\":\"e\",\"data\":{\"object\":" MEMBERSHIP_FULL "}}", "eventType: missing");
	expect_error("{\"eventType\":\"membership.created\"}", "data: missing");
	expect_error("{\"eventType\":\"membership.created\",\"data\":{}}", "data.object: missing");
	expect_error(EVENT_OF("membership.created", "{\"member\":\"u\",\"plan\":\"p\",\"createdAt\":\"2026-01-01\"}"),
		     "data.object._id: missing");
	expect_error(EVENT_OF("membership.created", "{\"_id\":\"m\",\"member\":\"u\",\"createdAt\":\"2026-01-01\"}"),
		     "data.object.plan: missing");
	expect_error(EVENT_OF("membership.created", "{\"_id\":\"\",\"member\":\"u\",\"plan\":\"p\"}"),
		     "data.object._id: empty");
	expect_error(EVENT_OF("membership.created", "{\"_id\":\"m\",\"member\":\"u\",\"plan\":\"p\"}"),
		     "data.object.modifiedAt: missing (and no createdAt to order the event by)");
}
END_TEST

START_TEST(test_wrong_types_are_named)
{
	expect_error("[1,2,3]", "event: expected a JSON object");
	expect_error("\"membership.created\"", "event: expected a JSON object");
	expect_error("{\"eventType\":7,\"data\":{}}", "eventType: expected a string");
	expect_error("{\"eventType\":\"member.created\",\"data\":{}}", "eventType: not a membership event");
	expect_error("{\"eventType\":\"membership.created\",\"data\":[]}", "data: expected an object");
	expect_error("{\"eventType\":\"membership.created\",\"data\":{\"object\":\"m1\"}}",
		     "data.object: expected an object");
	expect_error(EVENT_OF("membership.created", "{\"_id\":42,\"member\":\"u\",\"plan\":\"p\"}"),
		     "data.object._id: expected a string");
	expect_error(EVENT_OF("membership.created", "{\"_id\":\"m\",\"member\":\"u\",\"plan\":{\"_id\":\"p\"}}"),
		     "data.object.plan: expected a string");
	expect_error(EVENT_OF("membership.created", "{\"_id\":\"m\",\"member\":\"u\",\"plan\":\"p\","
			      "\"isPersonal\":\"yes\",\"createdAt\":\"2026-01-01\"}"),
		     "data.object.isPersonal: expected true or false");
	expect_error(EVENT_OF("membership.created", "{\"_id\":\"m\",\"member\":\"u\",\"plan\":\"p\","
			      "\"modifiedAt\":\"yesterday\"}"),
		     "data.object.modifiedAt: not an ISO-8601 date or time");
	expect_error(EVENT_OF("membership.created", "{\"_id\":\"m\",\"member\":\"u\",\"plan\":\"p\","
			      "\"endDate\":\"31/12/2026\",\"createdAt\":\"2026-01-01\"}"),
		     "data.object.endDate: not an ISO-8601 date or time");
	expect_error(EVENT_OF("membership.created", "{\"_id\":\"m\",\"member\":\"u\",\"plan\":\"p\","
			      "\"company\":5,\"createdAt\":\"2026-01-01\"}"),
		     "data.object.company: expected a string");
}
END_TEST

/* Every proper prefix of a good event is refused as JSON, without leaks or crashes. */
START_TEST(test_truncated_bodies)
{
	const char *body = GOOD_CREATED;
	size_t len = strlen(body);
	for (size_t cut = 0; cut < len; cut++) {
		struct event e;
		struct event_peek p;
		char err[256];
		ck_assert_int_eq(event_parse(body, cut, &e, err, sizeof(err)), -1);
		ck_assert_str_eq(err, "not valid JSON");
		ck_assert_int_eq(event_peek(body, cut, &p), -1);
		event_clear(&e);
	}
	/* A NUL byte inside the body is not JSON either (strings stay C strings). */
	static const char nul[] = "{\"eventType\":\"membership.created\",\"x\":\"a\0b\"}";
	struct event e;
	char err[256];
	ck_assert_int_eq(event_parse(nul, sizeof(nul) - 1, &e, err, sizeof(err)), -1);
	/* err may be NULL, and a tiny buffer is always terminated. */
	ck_assert_int_eq(event_parse("{", 1, &e, NULL, 0), -1);
	char tiny[4];
	ck_assert_int_eq(event_parse("{", 1, &e, tiny, sizeof(tiny)), -1);
	ck_assert_str_eq(tiny, "not");
}
END_TEST

START_TEST(test_peek)
{
	struct event_peek p;
	ck_assert_int_eq(event_peek(GOOD_CREATED, strlen(GOOD_CREATED), &p), 0);
	ck_assert_str_eq(p.id, "65c0000000000000000000aa");
	ck_assert_str_eq(p.type, "membership.created");
	ck_assert_str_eq(p.membership_id, "65b000000000000000000001");
	ck_assert_int_eq(p.kind, EVENT_CREATED);
	event_peek_clear(&p);

	const char *other = "{\"event\":12,\"eventType\":\"invoice.paid\",\"data\":{\"object\":{\"_id\":3}}}";
	ck_assert_int_eq(event_peek(other, strlen(other), &p), 0);
	ck_assert_ptr_null(p.id); /* not a string: the body hash deduplicates */
	ck_assert_str_eq(p.type, "invoice.paid");
	ck_assert_str_eq(p.membership_id, "");
	ck_assert_int_eq(p.kind, EVENT_OTHER);
	event_peek_clear(&p);

	ck_assert_int_eq(event_peek("{}", 2, &p), 0);
	ck_assert_ptr_null(p.id);
	ck_assert_str_eq(p.type, "");
	event_peek_clear(&p);
	ck_assert_int_eq(event_peek("[]", 2, &p), -1);
	ck_assert_int_eq(event_peek("not json", 8, &p), -1);
	ck_assert_int_eq(event_peek(NULL, 0, &p), -1);
}
END_TEST

START_TEST(test_kind_of)
{
	ck_assert_int_eq(event_kind_of("membership.created"), EVENT_CREATED);
	ck_assert_int_eq(event_kind_of("membership.updated"), EVENT_UPDATED);
	ck_assert_int_eq(event_kind_of("membership.removed"), EVENT_REMOVED);
	ck_assert_int_eq(event_kind_of("membership.Created"), EVENT_OTHER);
	ck_assert_int_eq(event_kind_of("membership.created "), EVENT_OTHER);
	ck_assert_int_eq(event_kind_of(""), EVENT_OTHER);
	ck_assert_int_eq(event_kind_of(NULL), EVENT_OTHER);
}
END_TEST

START_TEST(test_dedupe_key)
{
	char *k = event_dedupe_key("65c0000000000000000000aa", "{}", 2);
	ck_assert_str_eq(k, "65c0000000000000000000aa");
	free(k);
	/* printf 'abc' | sha256sum */
	k = event_dedupe_key(NULL, "abc", 3);
	ck_assert_str_eq(k, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	free(k);
	k = event_dedupe_key("", "abc", 3); /* an empty id is no id */
	ck_assert_str_eq(k, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	free(k);
	/* printf '' | sha256sum */
	k = event_dedupe_key(NULL, NULL, 0);
	ck_assert_str_eq(k, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	free(k);
	/* The same id deduplicates different bodies (a re-sent event with a new signature). */
	char *a = event_dedupe_key("e1", "{\"a\":1}", 7), *b = event_dedupe_key("e1", "{\"a\":2}", 7);
	ck_assert_str_eq(a, b);
	free(a);
	free(b);
}
END_TEST

/* Versions of the same membership keep their order to the millisecond. */
static int64_t version_of(const char *modified_at)
{
	struct event e;
	char body[512], err[256];
	snprintf(body, sizeof(body),
		 EVENT_OF("membership.updated", "{\"_id\":\"m\",\"member\":\"u\",\"plan\":\"p\",\"modifiedAt\":\"%s\"}"),
		 modified_at);
	ck_assert_int_eq(parse(body, &e, err, sizeof(err)), 0);
	int64_t v = e.membership.version_ms;
	event_clear(&e);
	return v;
}

START_TEST(test_version_order)
{
	int64_t v0 = version_of("2026-11-26T16:49:02.000Z");
	int64_t v1 = version_of("2026-11-26T16:49:02.001Z");
	int64_t v2 = version_of("2026-11-26T17:49:02.001+01:00"); /* the same instant as v1 */
	int64_t v3 = version_of("2026-11-27");
	ck_assert(v0 < v1);
	ck_assert_int_eq(v1, v2);
	ck_assert(v1 < v3);
	ck_assert_int_eq(event_is_older(v0, v1), 1);  /* older than applied: changes nothing */
	ck_assert_int_eq(event_is_older(v1, v1), 0);  /* the same state again: applied, idempotent */
	ck_assert_int_eq(event_is_older(v3, v1), 0);  /* newer: applied */
	ck_assert_int_eq(event_is_older(v0, 0), 0);   /* nothing applied yet */
}
END_TEST

static Suite *event_suite(void)
{
	Suite *s = suite_create("event");
	TCase *tc = tcase_create("event");
	tcase_add_test(tc, test_good_created_event);
	tcase_add_test(tc, test_company_end_date_and_defaults);
	tcase_add_test(tc, test_removed_needs_only_the_id);
	tcase_add_test(tc, test_missing_fields_are_named);
	tcase_add_test(tc, test_wrong_types_are_named);
	tcase_add_test(tc, test_truncated_bodies);
	tcase_add_test(tc, test_peek);
	tcase_add_test(tc, test_kind_of);
	tcase_add_test(tc, test_dedupe_key);
	tcase_add_test(tc, test_version_order);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(event_suite)
