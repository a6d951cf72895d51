/*
 * check_officernd_parse.c: the OfficeRnD client without a network: JSON parsing into structs,
 * error classification, backoff and Retry-After, price conversion, the fee body.
 */
#include "check_helpers.h"
#include "officernd/internal.h"

#include <curl/curl.h>
#include <limits.h>
#include <string.h>

static json_t *load(const char *text)
{
	json_error_t jerr;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &jerr);
	ck_assert_msg(v != NULL, "test JSON does not parse: %s", jerr.text);
	return v;
}

static struct orn_error err;

static void setup(void)
{
	orn_error_reset(&err);
}

/* ---- objects ---------------------------------------------------------------------------- */

START_TEST(location_good)
{
	json_t *o = load("{\"_id\":\"L1\",\"name\":\"Downtown Hub\",\"isOpen\":true,\"isPublic\":true,"
			 "\"address\":{\"city\":\"Springfield\"}}");
	struct orn_location l;
	ck_assert_int_eq(orn_parse_location(o, &l, &err), 0);
	ck_assert_str_eq(l.id, "L1");
	ck_assert_str_eq(l.name, "Downtown Hub");
	ck_assert_int_eq(l.is_open, 1);
	orn_location_clear(&l);
	json_decref(o);

	o = load("{\"_id\":\"L2\",\"name\":\"Old Town\"}");
	ck_assert_int_eq(orn_parse_location(o, &l, &err), 0);
	ck_assert_int_eq(l.is_open, 0);
	orn_location_clear(&l);
	json_decref(o);

	o = load("{\"_id\":\"L2\",\"name\":\"Old Town\",\"isOpen\":\"yes\"}");
	ck_assert_int_eq(orn_parse_location(o, &l, &err), -1);
	ck_assert_str_eq(err.message, "location.isOpen: expected boolean");
	ck_assert_ptr_null(l.id);
	json_decref(o);
}
END_TEST

START_TEST(plan_good)
{
	json_t *o = load("{\"_id\":\"P1\",\"name\":\"Virtual Office\",\"code\":\"VO\",\"type\":\"custom\","
			 "\"price\":99.5,\"locations\":[\"L1\"],\"intervalLength\":\"month\"}");
	struct orn_plan p;
	ck_assert_int_eq(orn_parse_plan(o, &p, &err), 0);
	ck_assert_str_eq(p.id, "P1");
	ck_assert_str_eq(p.name, "Virtual Office");
	ck_assert_str_eq(p.code, "VO");
	ck_assert_str_eq(p.type, "custom");
	ck_assert_str_eq(p.interval_length, "month");
	ck_assert_int_eq(p.price_minor, 9950);
	orn_plan_clear(&p);
	json_decref(o);

	/* Optional fields absent or null: empty and 0. */
	o = load("{\"_id\":\"P2\",\"name\":\"Mail handling\",\"code\":null}");
	ck_assert_int_eq(orn_parse_plan(o, &p, &err), 0);
	ck_assert_str_eq(p.code, "");
	ck_assert_str_eq(p.type, "");
	ck_assert_str_eq(p.interval_length, "");
	ck_assert_int_eq(p.price_minor, 0);
	orn_plan_clear(&p);
	json_decref(o);
}
END_TEST

START_TEST(plan_missing_and_mistyped)
{
	struct orn_plan p;
	json_t *o = load("{\"_id\":\"P1\",\"price\":10}");
	ck_assert_int_eq(orn_parse_plan(o, &p, &err), -1);
	ck_assert_int_eq(err.status, ORN_ERR_BAD_RESPONSE);
	ck_assert_str_eq(err.message, "plan.name: missing");
	json_decref(o);

	o = load("{\"_id\":\"P1\",\"name\":null}");
	ck_assert_int_eq(orn_parse_plan(o, &p, &err), -1);
	ck_assert_str_eq(err.message, "plan.name: expected string, got null");
	json_decref(o);

	o = load("{\"name\":\"x\"}");
	ck_assert_int_eq(orn_parse_plan(o, &p, &err), -1);
	ck_assert_str_eq(err.message, "plan._id: missing");
	json_decref(o);

	o = load("{\"_id\":42,\"name\":\"x\"}");
	ck_assert_int_eq(orn_parse_plan(o, &p, &err), -1);
	ck_assert_str_eq(err.message, "plan._id: expected string");
	json_decref(o);

	o = load("{\"_id\":\"\",\"name\":\"x\"}");
	ck_assert_int_eq(orn_parse_plan(o, &p, &err), -1);
	ck_assert_str_eq(err.message, "plan._id: empty");
	json_decref(o);

	o = load("{\"_id\":\"P1\",\"name\":\"x\",\"price\":\"12.50\"}");
	ck_assert_int_eq(orn_parse_plan(o, &p, &err), -1);
	ck_assert_str_eq(err.message, "plan.price: expected number");
	json_decref(o);

	o = load("{\"_id\":\"P1\",\"name\":\"x\",\"code\":[]}");
	ck_assert_int_eq(orn_parse_plan(o, &p, &err), -1);
	ck_assert_str_eq(err.message, "plan.code: expected string");
	ck_assert_ptr_null(p.id); /* nothing half-filled is left to leak */
	json_decref(o);

	o = load("\"P1\"");
	ck_assert_int_eq(orn_parse_plan(o, &p, &err), -1);
	ck_assert_str_eq(err.message, "plan: expected object");
	json_decref(o);

	ck_assert_int_eq(orn_parse_plan(NULL, &p, &err), -1);
	ck_assert_str_eq(err.message, "plan: expected object");
}
END_TEST

static const char membership_json[] =
	"{\"_id\":\"M1\",\"name\":\"Mailbox for Ada\",\"member\":\"U1\",\"company\":\"C1\",\"plan\":\"P1\","
	"\"location\":\"L1\",\"startDate\":\"2026-01-01T00:00:00.000Z\",\"endDate\":\"2026-12-31T00:00:00.000Z\","
	"\"status\":\"approved\",\"calculatedStatus\":\"active\",\"isPersonal\":true,\"price\":25,"
	"\"createdAt\":\"2025-12-20T10:00:00.000Z\",\"modifiedAt\":\"2025-12-21T10:00:00.123Z\"}";

START_TEST(membership_good)
{
	json_t *o = load(membership_json);
	struct orn_membership m;
	ck_assert_int_eq(orn_parse_membership(o, &m, &err), 0);
	ck_assert_str_eq(m.id, "M1");
	ck_assert_str_eq(m.name, "Mailbox for Ada");
	ck_assert_str_eq(m.member, "U1");
	ck_assert_str_eq(m.company, "C1");
	ck_assert_str_eq(m.plan, "P1");
	ck_assert_str_eq(m.location, "L1");
	ck_assert_str_eq(m.start_date, "2026-01-01T00:00:00.000Z");
	ck_assert_str_eq(m.end_date, "2026-12-31T00:00:00.000Z");
	ck_assert_str_eq(m.status, "approved");
	ck_assert_str_eq(m.calculated_status, "active");
	ck_assert_str_eq(m.created_at, "2025-12-20T10:00:00.000Z");
	ck_assert_str_eq(m.modified_at, "2025-12-21T10:00:00.123Z");
	ck_assert_int_eq(m.is_personal, 1);
	orn_membership_clear(&m);
	json_decref(o);
}
END_TEST

START_TEST(membership_nulls_and_refs)
{
	/* company null, endDate absent (open ended), member populated as an object. */
	json_t *o = load("{\"_id\":\"M2\",\"member\":{\"_id\":\"U2\",\"name\":\"Grace\"},\"company\":null,"
			 "\"plan\":\"P1\",\"startDate\":\"2026-01-01\"}");
	struct orn_membership m;
	ck_assert_int_eq(orn_parse_membership(o, &m, &err), 0);
	ck_assert_str_eq(m.member, "U2");
	ck_assert_ptr_null(m.company);
	ck_assert_ptr_null(m.end_date);
	ck_assert_ptr_null(m.location);
	ck_assert_str_eq(m.status, "");
	ck_assert_int_eq(m.is_personal, 0);
	orn_membership_clear(&m);
	json_decref(o);

	o = load("{\"_id\":\"M2\",\"member\":\"U2\",\"plan\":\"P1\",\"startDate\":\"2026-01-01\",\"endDate\":null}");
	ck_assert_int_eq(orn_parse_membership(o, &m, &err), 0);
	ck_assert_ptr_null(m.end_date);
	orn_membership_clear(&m);
	json_decref(o);
}
END_TEST

START_TEST(membership_errors)
{
	struct orn_membership m;
	json_t *o = load("{\"_id\":\"M1\",\"member\":\"U1\",\"plan\":\"P1\",\"startDate\":20260101}");
	ck_assert_int_eq(orn_parse_membership(o, &m, &err), -1);
	ck_assert_str_eq(err.message, "membership.startDate: expected string");
	json_decref(o);

	o = load("{\"_id\":\"M1\",\"plan\":\"P1\",\"startDate\":\"2026-01-01\"}");
	ck_assert_int_eq(orn_parse_membership(o, &m, &err), -1);
	ck_assert_str_eq(err.message, "membership.member: missing");
	json_decref(o);

	o = load("{\"_id\":\"M1\",\"member\":\"U1\",\"plan\":{\"name\":\"no id\"},\"startDate\":\"2026-01-01\"}");
	ck_assert_int_eq(orn_parse_membership(o, &m, &err), -1);
	ck_assert_str_eq(err.message, "membership.plan: expected string");
	json_decref(o);

	o = load("{\"_id\":\"M1\",\"member\":\"U1\",\"plan\":\"P1\",\"startDate\":\"2026-01-01\",\"company\":7}");
	ck_assert_int_eq(orn_parse_membership(o, &m, &err), -1);
	ck_assert_str_eq(err.message, "membership.company: expected string");
	json_decref(o);

	o = load("{\"_id\":\"M1\",\"member\":\"U1\",\"plan\":\"P1\",\"startDate\":\"2026-01-01\",\"isPersonal\":1}");
	ck_assert_int_eq(orn_parse_membership(o, &m, &err), -1);
	ck_assert_str_eq(err.message, "membership.isPersonal: expected boolean");
	json_decref(o);

	/* A reference that must name something never names nothing (found by fuzz_officernd). */
	o = load("{\"_id\":\"M1\",\"member\":\"\",\"plan\":\"P1\",\"startDate\":\"2026-01-01\"}");
	ck_assert_int_eq(orn_parse_membership(o, &m, &err), -1);
	ck_assert_str_eq(err.message, "membership.member: empty");
	json_decref(o);
	o = load("{\"_id\":\"M1\",\"member\":\"U1\",\"plan\":{\"_id\":\"\"},\"startDate\":\"2026-01-01\"}");
	ck_assert_int_eq(orn_parse_membership(o, &m, &err), -1);
	ck_assert_str_eq(err.message, "membership.plan: empty");
	json_decref(o);
}
END_TEST

START_TEST(member_and_company)
{
	json_t *o = load("{\"_id\":\"U1\",\"name\":\"Ada Lovelace\",\"email\":\"ada@example.com\",\"phone\":null,"
			 "\"location\":\"L1\",\"company\":null,\"status\":\"active\"}");
	struct orn_member m;
	ck_assert_int_eq(orn_parse_member(o, &m, &err), 0);
	ck_assert_str_eq(m.id, "U1");
	ck_assert_str_eq(m.name, "Ada Lovelace");
	ck_assert_str_eq(m.email, "ada@example.com");
	ck_assert_str_eq(m.status, "active");
	ck_assert_ptr_null(m.company);
	orn_member_clear(&m);
	json_decref(o);

	o = load("{\"_id\":\"U3\",\"name\":\"Hank\",\"company\":\"C1\"}");
	ck_assert_int_eq(orn_parse_member(o, &m, &err), 0);
	ck_assert_str_eq(m.email, "");
	ck_assert_str_eq(m.company, "C1");
	orn_member_clear(&m);
	json_decref(o);

	o = load("{\"_id\":\"U3\",\"name\":\"Hank\",\"email\":false}");
	ck_assert_int_eq(orn_parse_member(o, &m, &err), -1);
	ck_assert_str_eq(err.message, "member.email: expected string");
	json_decref(o);

	struct orn_company co;
	o = load("{\"_id\":\"C1\",\"name\":\"Globex Corporation\"}");
	ck_assert_int_eq(orn_parse_company(o, &co, &err), 0);
	ck_assert_str_eq(co.id, "C1");
	ck_assert_str_eq(co.name, "Globex Corporation");
	orn_company_clear(&co);
	json_decref(o);

	o = load("{\"_id\":\"C1\"}");
	ck_assert_int_eq(orn_parse_company(o, &co, &err), -1);
	ck_assert_str_eq(err.message, "company.name: missing");
	json_decref(o);
}
END_TEST

START_TEST(fee_good)
{
	json_t *o = load("{\"_id\":\"F1\",\"name\":\"Scan: letter\",\"issueDate\":\"2026-03-01T00:00:00.000Z\","
			 "\"member\":\"U1\",\"company\":null,\"plan\":\"P5\",\"location\":\"L1\",\"price\":2.5,"
			 "\"quantity\":3,\"status\":\"approved\",\"properties\":{\"pilotomailChargeId\":\"ch_42\"}}");
	struct orn_fee f;
	ck_assert_int_eq(orn_parse_fee(o, &f, &err), 0);
	ck_assert_str_eq(f.id, "F1");
	ck_assert_str_eq(f.name, "Scan: letter");
	ck_assert_str_eq(f.issue_date, "2026-03-01T00:00:00.000Z");
	ck_assert_str_eq(f.member, "U1");
	ck_assert_ptr_null(f.company);
	ck_assert_str_eq(f.status, "approved");
	ck_assert_str_eq(f.reference, "ch_42");
	ck_assert_int_eq(f.price_minor, 250);
	ck_assert_int_eq(f.quantity, 3);
	orn_fee_clear(&f);
	json_decref(o);

	o = load("{\"_id\":\"F2\",\"name\":\"x\",\"price\":0,\"company\":\"C1\",\"properties\":{}}");
	ck_assert_int_eq(orn_parse_fee(o, &f, &err), 0);
	ck_assert_ptr_null(f.reference);
	ck_assert_ptr_null(f.member);
	ck_assert_str_eq(f.company, "C1");
	ck_assert_int_eq(f.quantity, 1);
	orn_fee_clear(&f);
	json_decref(o);

	o = load("{\"_id\":\"F2\",\"name\":\"x\"}");
	ck_assert_int_eq(orn_parse_fee(o, &f, &err), -1);
	ck_assert_str_eq(err.message, "fee.price: missing");
	json_decref(o);

	o = load("{\"_id\":\"F2\",\"name\":\"x\",\"price\":1,\"properties\":{\"pilotomailChargeId\":5}}");
	ck_assert_int_eq(orn_parse_fee(o, &f, &err), -1);
	ck_assert_str_eq(err.message, "fee.properties.pilotomailChargeId: expected string");
	json_decref(o);

	o = load("{\"_id\":\"F2\",\"name\":\"x\",\"price\":1,\"quantity\":1.5}");
	ck_assert_int_eq(orn_parse_fee(o, &f, &err), -1);
	ck_assert_str_eq(err.message, "fee.quantity: expected integer");
	json_decref(o);
}
END_TEST

/* ---- documents ---------------------------------------------------------------------------- */

START_TEST(json_truncated)
{
	static const char *bad[] = { "{\"results\":[{\"_id\":\"P1\",\"na", "", "<html>502</html>", "{}}" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		json_t *root = NULL;
		orn_error_reset(&err);
		ck_assert_int_eq(orn_parse_json(bad[i], strlen(bad[i]), &root, &err), -1);
		ck_assert_ptr_null(root);
		ck_assert_int_eq(err.status, ORN_ERR_BAD_RESPONSE);
		ck_assert_msg(strstr(err.message, "not valid JSON") != NULL, "%s", err.message);
	}
	/* The text of a broken token answer never reaches the message. */
	const char *tok = "{\"access_token\":\"sekrit-token-value";
	json_t *root = NULL;
	ck_assert_int_eq(orn_parse_json(tok, strlen(tok), &root, &err), -1);
	ck_assert_ptr_null(strstr(err.message, "sekrit"));
}
END_TEST

START_TEST(page_results_and_cursor)
{
	const char *text = "{\"results\":[{\"_id\":\"P1\",\"name\":\"A\"},{\"_id\":\"P2\",\"name\":\"B\"}],"
			   "\"cursorNext\":\"abc==\",\"cursorPrev\":null,\"rangeStart\":1,\"rangeEnd\":2}";
	json_t *root;
	const json_t *results;
	const char *next;
	ck_assert_int_eq(orn_parse_json(text, strlen(text), &root, &err), 0);
	ck_assert_int_eq(orn_parse_page(root, &results, &next, &err), 0);
	ck_assert_int_eq(json_array_size(results), 2);
	ck_assert_str_eq(next, "abc==");
	json_decref(root);

	root = load("{\"results\":[],\"cursorNext\":null}");
	ck_assert_int_eq(orn_parse_page(root, &results, &next, &err), 0);
	ck_assert_int_eq(json_array_size(results), 0);
	ck_assert_ptr_null(next);
	json_decref(root);

	root = load("{\"results\":[]}");
	ck_assert_int_eq(orn_parse_page(root, &results, &next, &err), 0);
	ck_assert_ptr_null(next);
	json_decref(root);

	root = load("[{\"_id\":\"P1\"}]");
	ck_assert_int_eq(orn_parse_page(root, &results, &next, &err), 0);
	ck_assert_int_eq(json_array_size(results), 1);
	json_decref(root);

	root = load("{\"data\":[]}");
	ck_assert_int_eq(orn_parse_page(root, &results, &next, &err), -1);
	ck_assert_str_eq(err.message, "page.results: missing");
	json_decref(root);

	root = load("{\"results\":{}}");
	ck_assert_int_eq(orn_parse_page(root, &results, &next, &err), -1);
	ck_assert_str_eq(err.message, "page.results: expected array");
	json_decref(root);

	root = load("{\"results\":[],\"cursorNext\":12}");
	ck_assert_int_eq(orn_parse_page(root, &results, &next, &err), -1);
	ck_assert_str_eq(err.message, "page.cursorNext: expected string");
	json_decref(root);
}
END_TEST

START_TEST(token_answer)
{
	json_t *root = load("{\"access_token\":\"abc\",\"token_type\":\"Bearer\",\"expires_in\":3599,\"scope\":\"x\"}");
	char *token;
	int64_t ttl;
	ck_assert_int_eq(orn_parse_token(root, &token, &ttl, &err), 0);
	ck_assert_str_eq(token, "abc");
	ck_assert_int_eq(ttl, 3599);
	free(token);
	json_decref(root);

	root = load("{\"access_token\":\"abc\"}");
	ck_assert_int_eq(orn_parse_token(root, &token, &ttl, &err), 0);
	ck_assert_int_eq(ttl, 3600);
	free(token);
	json_decref(root);

	root = load("{\"token_type\":\"Bearer\"}");
	ck_assert_int_eq(orn_parse_token(root, &token, &ttl, &err), -1);
	ck_assert_str_eq(err.message, "token.access_token: missing");
	json_decref(root);

	root = load("{\"access_token\":\"abc\",\"expires_in\":\"soon\"}");
	ck_assert_int_eq(orn_parse_token(root, &token, &ttl, &err), -1);
	ck_assert_str_eq(err.message, "token.expires_in: expected number");
	ck_assert_ptr_null(token);
	json_decref(root);
}
END_TEST

/* ---- classification ----------------------------------------------------------------------- */

static void http(int status, const char *body, int retry_after)
{
	orn_error_reset(&err);
	orn_error_from_http(&err, status, body, body ? strlen(body) : 0, retry_after);
}

START_TEST(classify_http)
{
	http(400, "{\"message\":\"issueDate: must be a date\"}", 0);
	ck_assert_int_eq(err.status, ORN_ERR_INVALID);
	ck_assert_int_eq(err.http_status, 400);
	ck_assert_int_eq(err.request_sent, 1);
	ck_assert_int_eq(orn_error_retryable(&err), 0);
	ck_assert_msg(strstr(err.message, "issueDate: must be a date") != NULL, "%s", err.message);

	http(422, "{\"statusCode\":422,\"message\":[\"price: must be >= 0\",\"plan: unknown\"]}", 0);
	ck_assert_int_eq(err.status, ORN_ERR_INVALID);
	ck_assert_msg(strstr(err.message, "price: must be >= 0; plan: unknown") != NULL, "%s", err.message);

	http(409, NULL, 0);
	ck_assert_int_eq(err.status, ORN_ERR_INVALID);
	ck_assert_int_eq(orn_error_retryable(&err), 0);

	http(403, "{\"message\":\"Missing required scope: flex.billing.plans.read\"}", 0);
	ck_assert_int_eq(err.status, ORN_ERR_FORBIDDEN);
	ck_assert_str_eq(err.missing_scope, "flex.billing.plans.read");
	ck_assert_msg(strstr(err.message, "lacks the scope flex.billing.plans.read") != NULL, "%s", err.message);
	ck_assert_int_eq(orn_error_retryable(&err), 0);

	http(403, "{\"message\":\"Forbidden: the token does not grant access to organization x\"}", 0);
	ck_assert_int_eq(err.status, ORN_ERR_FORBIDDEN);
	ck_assert_str_eq(err.missing_scope, "");
	ck_assert_msg(strstr(err.message, "does not grant access") != NULL, "%s", err.message);

	http(404, "{\"message\":\"Organization not found\"}", 0);
	ck_assert_int_eq(err.status, ORN_ERR_NOT_FOUND);
	ck_assert_msg(strstr(err.message, "Organization not found") != NULL, "%s", err.message);
	ck_assert_int_eq(orn_error_retryable(&err), 0);

	http(401, "{\"message\":\"Unauthorized\"}", 0);
	ck_assert_int_eq(err.status, ORN_ERR_AUTH);
	ck_assert_int_eq(orn_error_retryable(&err), 0);

	http(408, "", 0);
	ck_assert_int_eq(err.status, ORN_ERR_SERVER);
	ck_assert_int_eq(orn_error_retryable(&err), 1);

	http(429, "{\"message\":\"Too many requests\"}", 17);
	ck_assert_int_eq(err.status, ORN_ERR_RATE_LIMITED);
	ck_assert_int_eq(err.retry_after_s, 17);
	ck_assert_int_eq(orn_error_retryable(&err), 1);

	static const int fives[] = { 500, 502, 503, 504, 599 };
	for (size_t i = 0; i < ARRAY_SIZE(fives); i++) {
		http(fives[i], "<html>Bad gateway</html>", 0);
		ck_assert_int_eq(err.status, ORN_ERR_SERVER);
		ck_assert_int_eq(err.http_status, fives[i]);
		ck_assert_int_eq(orn_error_retryable(&err), 1);
	}

	http(302, "", 0);
	ck_assert_int_eq(err.status, ORN_ERR_BAD_RESPONSE);

	/* Control characters from the body never reach a page or a log line. */
	http(400, "{\"message\":\"line\\nbreak\\u0007\"}", 0);
	ck_assert_ptr_null(strchr(err.message, '\n'));
	ck_assert_ptr_null(strchr(err.message, '\a'));
}
END_TEST

START_TEST(classify_token_endpoint)
{
	static const char *auth_bodies[] = { "{\"error\":\"invalid_client\"}", "{\"error\":\"unauthorized_client\"}" };
	orn_error_reset(&err);
	orn_error_from_token_http(&err, 401, auth_bodies[0], strlen(auth_bodies[0]), 0);
	ck_assert_int_eq(err.status, ORN_ERR_AUTH);
	ck_assert_str_eq(err.message, "OfficeRnD refused the client ID or secret");
	for (size_t i = 0; i < ARRAY_SIZE(auth_bodies); i++) {
		orn_error_reset(&err);
		orn_error_from_token_http(&err, 400, auth_bodies[i], strlen(auth_bodies[i]), 0);
		ck_assert_int_eq(err.status, ORN_ERR_AUTH);
	}
	const char *scope = "{\"error\":\"invalid_scope\",\"error_description\":\"scope flex.community.fees.create "
			    "is not allowed\"}";
	orn_error_reset(&err);
	orn_error_from_token_http(&err, 400, scope, strlen(scope), 0);
	ck_assert_int_eq(err.status, ORN_ERR_FORBIDDEN);
	ck_assert_str_eq(err.missing_scope, "flex.community.fees.create");

	const char *other = "{\"error\":\"unsupported_grant_type\"}";
	orn_error_reset(&err);
	orn_error_from_token_http(&err, 400, other, strlen(other), 0);
	ck_assert_int_eq(err.status, ORN_ERR_INVALID);
	ck_assert_msg(strstr(err.message, "unsupported_grant_type") != NULL, "%s", err.message);

	orn_error_reset(&err);
	orn_error_from_token_http(&err, 503, "", 0, 5);
	ck_assert_int_eq(err.status, ORN_ERR_SERVER);
	ck_assert_int_eq(err.retry_after_s, 5);
}
END_TEST

START_TEST(scope_extraction)
{
	char scope[96];
	ck_assert_int_eq(orn_scope_from_message("Missing required scope: flex.billing.plans.read", scope,
						sizeof(scope)), 0);
	ck_assert_str_eq(scope, "flex.billing.plans.read");
	ck_assert_int_eq(orn_scope_from_message("Missing required scopes: 'flex.space.locations.read'.", scope,
						sizeof(scope)), 0);
	ck_assert_str_eq(scope, "flex.space.locations.read");
	ck_assert_int_eq(orn_scope_from_message("insufficient_scope (flex.community.members.read)", scope,
						sizeof(scope)), 0);
	ck_assert_str_eq(scope, "flex.community.members.read");
	ck_assert_int_eq(orn_scope_from_message("Forbidden", scope, sizeof(scope)), -1);
	ck_assert_str_eq(scope, "");
	ck_assert_int_eq(orn_scope_from_message("scope:", scope, sizeof(scope)), -1);
}
END_TEST

static void curl_case(int code, int sent_in, enum orn_status want, int sent_want, int retryable)
{
	orn_error_reset(&err);
	orn_error_from_curl(&err, code, "detail from curl", sent_in, 1000);
	ck_assert_msg(err.status == want, "curl %d: status %s", code, orn_status_name(err.status));
	ck_assert_int_eq(err.request_sent, sent_want);
	ck_assert_int_eq(err.http_status, 0);
	ck_assert_int_eq(orn_error_retryable(&err), retryable);
}

START_TEST(classify_curl)
{
	curl_case(CURLE_COULDNT_CONNECT, 0, ORN_ERR_NETWORK, 0, 1);
	curl_case(CURLE_COULDNT_RESOLVE_HOST, 1, ORN_ERR_NETWORK, 0, 1);
	curl_case(CURLE_PEER_FAILED_VERIFICATION, 1, ORN_ERR_NETWORK, 0, 1);
	curl_case(CURLE_GOT_NOTHING, 1, ORN_ERR_NETWORK, 1, 1);
	curl_case(CURLE_RECV_ERROR, 1, ORN_ERR_NETWORK, 1, 1);
	curl_case(CURLE_SEND_ERROR, 0, ORN_ERR_NETWORK, 0, 1);
	curl_case(CURLE_OPERATION_TIMEDOUT, 1, ORN_ERR_TIMEOUT, 1, 1);
	ck_assert_str_eq(err.message, "OfficeRnD could not be reached (timeout after 1 s)");
	curl_case(CURLE_OPERATION_TIMEDOUT, 0, ORN_ERR_TIMEOUT, 0, 1);
	curl_case(CURLE_URL_MALFORMAT, 1, ORN_ERR_NOT_CONFIGURED, 0, 0);
	curl_case(CURLE_WRITE_ERROR, 1, ORN_ERR_BAD_RESPONSE, 1, 0);

	orn_error_reset(&err);
	orn_error_from_curl(&err, CURLE_OPERATION_TIMEDOUT, "", 1, 2500);
	ck_assert_str_eq(err.message, "OfficeRnD could not be reached (timeout after 2.5 s)");
	orn_error_from_curl(&err, CURLE_COULDNT_CONNECT, "Connection refused", 0, 1000);
	ck_assert_msg(strstr(err.message, "Connection refused") != NULL, "%s", err.message);

	ck_assert_str_eq(orn_status_name(ORN_ERR_TIMEOUT), "timeout");
	ck_assert_str_eq(orn_status_name(ORN_ERR_RATE_LIMITED), "rate_limited");
	ck_assert_str_eq(orn_status_name((enum orn_status)99), "unknown");
}
END_TEST

/* ---- backoff ------------------------------------------------------------------------------ */

static uint64_t last_bound;
static uint64_t rnd_zero(uint64_t bound)
{
	last_bound = bound;
	return 0;
}
static uint64_t rnd_max(uint64_t bound)
{
	last_bound = bound;
	return bound - 1;
}

START_TEST(backoff_bounds)
{
	ck_assert_int_eq(orn_backoff_ms(0, 100, 10000, rnd_zero), 0);
	ck_assert_int_eq(last_bound, 101); /* inclusive upper end */
	ck_assert_int_eq(orn_backoff_ms(0, 100, 10000, rnd_max), 100);
	ck_assert_int_eq(orn_backoff_ms(1, 100, 10000, rnd_max), 200);
	ck_assert_int_eq(orn_backoff_ms(3, 100, 10000, rnd_max), 800);
	ck_assert_int_eq(orn_backoff_ms(6, 100, 10000, rnd_max), 6400);
	ck_assert_int_eq(orn_backoff_ms(7, 100, 10000, rnd_max), 10000); /* cap */
	ck_assert_int_eq(orn_backoff_ms(7, 100, 10000, rnd_zero), 0);
	ck_assert_int_eq(orn_backoff_ms(60, 1000, 300000, rnd_max), 300000);
	ck_assert_int_eq(orn_backoff_ms(60, 1000, 300000, rnd_zero), 0);
	ck_assert_int_eq(orn_backoff_ms(INT_MAX, 1000, 300000, rnd_max), 300000);
	ck_assert_int_eq(orn_backoff_ms(62, INT64_MAX / 2, INT64_MAX, rnd_max), INT64_MAX);
	ck_assert_int_eq(orn_backoff_ms(1, INT64_MAX - 1, INT64_MAX, rnd_max), INT64_MAX);
	ck_assert_int_eq(orn_backoff_ms(0, 5000, 1000, rnd_max), 1000); /* base above cap */
	ck_assert_int_eq(orn_backoff_ms(-3, 100, 1000, rnd_max), 100);
	ck_assert_int_eq(orn_backoff_ms(3, 0, 1000, rnd_max), 0);
	ck_assert_int_eq(orn_backoff_ms(3, -5, 1000, rnd_max), 0);
	ck_assert_int_eq(orn_backoff_ms(3, 100, -1, rnd_max), 0);
}
END_TEST

START_TEST(backoff_jitter_range)
{
	/* Real randomness: always within [0, upper], and not stuck on one value. */
	for (int attempt = 0; attempt <= 60; attempt++) {
		int64_t upper = attempt >= 9 ? 300000 : (int64_t)1000 << attempt;
		if (upper > 300000)
			upper = 300000;
		int64_t lo = INT64_MAX, hi = -1;
		for (int i = 0; i < 200; i++) {
			int64_t v = orn_backoff_ms(attempt, 1000, 300000, NULL);
			ck_assert_int_ge(v, 0);
			ck_assert_int_le(v, upper);
			lo = v < lo ? v : lo;
			hi = v > hi ? v : hi;
		}
		ck_assert_int_lt(lo, hi);
	}
}
END_TEST

START_TEST(retry_after_use)
{
	struct orn_error e;
	orn_error_reset(&e);
	e.status = ORN_ERR_RATE_LIMITED;
	e.retry_after_s = 7;
	ck_assert_int_eq(orn_retry_delay_ms(&e, 0), 7000);
	ck_assert_int_eq(orn_retry_delay_ms(&e, 12), 7000);
	e.retry_after_s = 100000;
	ck_assert_int_eq(orn_retry_delay_ms(&e, 0), 300000);
	e.retry_after_s = 0;
	for (int i = 0; i < 100; i++) {
		int64_t d = orn_retry_delay_ms(&e, 2);
		ck_assert_int_ge(d, 0);
		ck_assert_int_le(d, 4000);
	}
	/* Clamped when classified. */
	http(429, "", 100000);
	ck_assert_int_eq(err.retry_after_s, 300);
	http(503, "", -20);
	ck_assert_int_eq(err.retry_after_s, 0);
	ck_assert_int_eq(orn_retry_delay_ms(&err, 0) <= 1000, 1);
}
END_TEST

/* ---- money -------------------------------------------------------------------------------- */

static int64_t price_of(json_t *v)
{
	int64_t minor = -999;
	ck_assert_int_eq(orn_price_to_minor(v, &minor), 0);
	json_decref(v);
	return minor;
}

START_TEST(price_conversion)
{
	ck_assert_int_eq(price_of(json_real(12.5)), 1250);
	ck_assert_int_eq(price_of(json_real(0.1 + 0.2)), 30);
	ck_assert_int_eq(price_of(json_real(0.1 * 3)), 30);
	ck_assert_int_eq(price_of(json_real(12.345)), 1235);
	ck_assert_int_eq(price_of(json_real(1.005)), 101);
	ck_assert_int_eq(price_of(json_real(12.344)), 1234);
	ck_assert_int_eq(price_of(json_real(0.005)), 1);
	ck_assert_int_eq(price_of(json_real(0.0049)), 0);
	ck_assert_int_eq(price_of(json_real(-12.345)), -1235);
	ck_assert_int_eq(price_of(json_real(19.99)), 1999);
	ck_assert_int_eq(price_of(json_real(1e-5)), 0);
	ck_assert_int_eq(price_of(json_real(1234567.891)), 123456789);
	ck_assert_int_eq(price_of(json_real(99.0)), 9900);
	ck_assert_int_eq(price_of(json_integer(99)), 9900);
	ck_assert_int_eq(price_of(json_integer(0)), 0);
	/* As jansson reads them from OfficeRnD's text. */
	ck_assert_int_eq(price_of(load("12.345")), 1235);
	ck_assert_int_eq(price_of(load("2.675")), 268);
	ck_assert_int_eq(price_of(load("1e2")), 10000);
	ck_assert_int_eq(price_of(load("12.50")), 1250);

	int64_t minor;
	json_t *v = json_real(1e12);
	ck_assert_int_eq(orn_price_to_minor(v, &minor), -1);
	json_decref(v);
	v = json_integer(INT64_MAX / 10);
	ck_assert_int_eq(orn_price_to_minor(v, &minor), -1);
	json_decref(v);
	v = json_string("12.50");
	ck_assert_int_eq(orn_price_to_minor(v, &minor), -1);
	json_decref(v);
	ck_assert_int_eq(orn_price_to_minor(NULL, &minor), -1);
}
END_TEST

START_TEST(fee_request_body)
{
	struct orn_fee_request rq = {
		.name = "Scan: letter from ACME", .issue_date = "2026-03-01", .location = "L1", .plan = "P5",
		.member = "U1", .company = "C1", .reference = "ch_42", .price_minor = 1250, .minor_digits = 2,
		.quantity = 0, .is_personal = 1,
	};
	json_t *body = orn_fee_request_json(&rq);
	ck_assert_ptr_nonnull(body);
	char *text = orn_json_dump(body);
	ck_assert_str_eq(text, "{\"name\":\"Scan: letter from ACME\",\"issueDate\":\"2026-03-01\",\"location\":\"L1\","
			       "\"plan\":\"P5\",\"price\":12.5,\"quantity\":1,\"member\":\"U1\",\"isPersonal\":true,"
			       "\"properties\":{\"pilotomailChargeId\":\"ch_42\"}}");
	free(text);
	json_decref(body);

	rq.member = NULL;
	rq.price_minor = 1999;
	rq.quantity = 2;
	rq.is_personal = 0;
	rq.description = "Forwarded 2026-03-01";
	body = orn_fee_request_json(&rq);
	text = orn_json_dump(body);
	ck_assert_msg(strstr(text, "\"price\":19.99,") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "\"company\":\"C1\"") != NULL, "%s", text);
	ck_assert_ptr_null(strstr(text, "\"member\""));
	ck_assert_msg(strstr(text, "\"description\":\"Forwarded 2026-03-01\"") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "\"quantity\":2") != NULL, "%s", text);
	/* What goes out reads back as the same amount. */
	json_t *back = load(text);
	ck_assert_int_eq(price_of(json_incref(json_object_get(back, "price"))), 1999);
	json_decref(back);
	free(text);
	json_decref(body);

	static const int64_t amounts[] = { 1, 10, 99, 100, 101, 1005, 2675, 33333, 123456789 };
	for (size_t i = 0; i < ARRAY_SIZE(amounts); i++) {
		rq.price_minor = amounts[i];
		body = orn_fee_request_json(&rq);
		text = orn_json_dump(body);
		back = load(text);
		ck_assert_int_eq(price_of(json_incref(json_object_get(back, "price"))), amounts[i]);
		json_decref(back);
		free(text);
		json_decref(body);
	}

	/* Currencies with other minor units (ISO 4217): yen have none, dinars three. */
	rq.price_minor = 500;
	rq.minor_digits = 0;
	body = orn_fee_request_json(&rq);
	text = orn_json_dump(body);
	back = load(text);
	ck_assert(json_real_value(json_object_get(back, "price")) == 500.0);
	json_decref(back);
	free(text);
	json_decref(body);
	rq.price_minor = 1250;
	rq.minor_digits = 3;
	body = orn_fee_request_json(&rq);
	text = orn_json_dump(body);
	ck_assert_msg(strstr(text, "\"price\":1.25,") != NULL, "%s", text);
	free(text);
	json_decref(body);
	rq.minor_digits = 2;

	rq.reference = NULL;
	ck_assert_ptr_null(orn_fee_request_json(&rq));
	rq.reference = "ch_1";
	rq.company = NULL;
	ck_assert_ptr_null(orn_fee_request_json(&rq));
	rq.member = "U1";
	rq.name = "bad \xff utf-8";
	ck_assert_ptr_null(orn_fee_request_json(&rq));
}
END_TEST

/* ---- webhooks ------------------------------------------------------------------------------ */

START_TEST(webhook_good)
{
	json_t *o = load("{\"_id\":\"W1\",\"url\":\"https://pm.example/webhooks/officernd/t\",\"description\":\"pm\","
			 "\"eventTypes\":[\"membership.created\",\"membership.updated\",7,\"membership.removed\"],"
			 "\"secret\":\"s3cr3t\",\"isEnabled\":false}");
	struct orn_webhook w;
	ck_assert_int_eq(orn_parse_webhook(o, &w, &err), 0);
	ck_assert_str_eq(w.id, "W1");
	ck_assert_str_eq(w.url, "https://pm.example/webhooks/officernd/t");
	ck_assert_str_eq(w.secret, "s3cr3t");
	ck_assert_int_eq(w.is_enabled, 0);
	/* The entry that is not a string is left out; the three events are all there. */
	ck_assert_uint_eq(w.n_event_types, 3);
	ck_assert_int_eq(orn_webhook_has_events(&w), 1);
	orn_webhook_clear(&w);
	json_decref(o);
}
END_TEST

START_TEST(webhook_defaults_and_missing_events)
{
	/* No isEnabled: enabled (the reference's default). No secret: NULL. */
	json_t *o = load("{\"_id\":\"W2\",\"url\":\"https://x\",\"eventTypes\":[\"membership.created\"]}");
	struct orn_webhook w;
	ck_assert_int_eq(orn_parse_webhook(o, &w, &err), 0);
	ck_assert_int_eq(w.is_enabled, 1);
	ck_assert_ptr_null(w.secret);
	ck_assert_str_eq(w.description, "");
	ck_assert_int_eq(orn_webhook_has_events(&w), 0);
	orn_webhook_clear(&w);
	json_decref(o);

	o = load("{\"_id\":\"W3\",\"url\":\"https://x\"}");
	ck_assert_int_eq(orn_parse_webhook(o, &w, &err), 0);
	ck_assert_uint_eq(w.n_event_types, 0);
	ck_assert_int_eq(orn_webhook_has_events(&w), 0);
	orn_webhook_clear(&w);
	json_decref(o);
}
END_TEST

START_TEST(webhook_errors)
{
	struct orn_webhook w;
	json_t *o = load("{\"_id\":\"W4\"}");
	ck_assert_int_eq(orn_parse_webhook(o, &w, &err), -1);
	ck_assert_str_eq(err.message, "webhook.url: missing");
	ck_assert_ptr_null(w.id);
	json_decref(o);

	o = load("{\"_id\":\"W5\",\"url\":\"https://x\",\"eventTypes\":\"membership.created\"}");
	ck_assert_int_eq(orn_parse_webhook(o, &w, &err), -1);
	ck_assert_str_eq(err.message, "webhook.eventTypes: expected a list");
	json_decref(o);

	o = load("{\"_id\":\"W6\",\"url\":\"https://x\",\"isEnabled\":\"yes\"}");
	ck_assert_int_eq(orn_parse_webhook(o, &w, &err), -1);
	ck_assert_str_eq(err.message, "webhook.isEnabled: expected boolean");
	json_decref(o);
}
END_TEST

START_TEST(webhook_scope_explained)
{
	const char body[] = "{\"message\":\"Missing required scope: flex.settings.webhooks.create\"}";
	orn_error_from_http(&err, 403, body, strlen(body), 0);
	orn_webhook_explain(&err);
	ck_assert_int_eq(err.status, ORN_ERR_FORBIDDEN);
	ck_assert_str_eq(err.missing_scope, "flex.settings.webhooks.create");
	ck_assert_msg(strstr(err.message, "lacks the scope flex.settings.webhooks.create") != NULL, "%s", err.message);
	ck_assert_msg(strstr(err.message, "by hand (steps 4 and 5)") != NULL, "%s", err.message);
}
END_TEST

static Suite *officernd_parse_suite(void)
{
	Suite *s = suite_create("officernd_parse");
	TCase *tc = tcase_create("parse");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, location_good);
	tcase_add_test(tc, plan_good);
	tcase_add_test(tc, plan_missing_and_mistyped);
	tcase_add_test(tc, membership_good);
	tcase_add_test(tc, membership_nulls_and_refs);
	tcase_add_test(tc, membership_errors);
	tcase_add_test(tc, member_and_company);
	tcase_add_test(tc, fee_good);
	tcase_add_test(tc, json_truncated);
	tcase_add_test(tc, page_results_and_cursor);
	tcase_add_test(tc, token_answer);
	tcase_add_test(tc, webhook_good);
	tcase_add_test(tc, webhook_defaults_and_missing_events);
	tcase_add_test(tc, webhook_errors);
	tcase_add_test(tc, webhook_scope_explained);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, classify_http);
	tcase_add_test(tc, classify_token_endpoint);
	tcase_add_test(tc, scope_extraction);
	tcase_add_test(tc, classify_curl);
	tcase_add_test(tc, backoff_bounds);
	tcase_add_test(tc, backoff_jitter_range);
	tcase_add_test(tc, retry_after_use);
	suite_add_tcase(s, tc);

	tc = tcase_create("money");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, price_conversion);
	tcase_add_test(tc, fee_request_body);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(officernd_parse_suite)
