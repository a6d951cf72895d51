/* fuzz-sources: src/officernd/parse.c src/officernd/errors.c src/util/money.c src/crypto/random.c src/util/util.c src/util/log.c */
/* fuzz-libs: -lcurl -lm */
/*
 * fuzz_officernd.c: libFuzzer target for the OfficeRnD answer parsers (tests/fuzz/run.sh runs it).
 *
 * Input: an HTTP body from OfficeRnD. Every body goes to every parser, the way the client could
 * meet it: the token answer, a list page (bare array, or results + cursorNext) whose items each
 * go to the location, plan, fee, membership, member and company parsers, the same parsers on
 * the body itself (a single GET, the POST /fees answer), and the error-body readers. One target
 * rather than one per parser: the seeds are plain bodies, and what the fuzzer learns about one
 * object's JSON serves the others. Besides "no crash, no leak, no undefined behaviour" it checks
 * that a success fills what officernd.h promises, a failure says why and leaves the struct empty,
 * and a real price is rounded as money_parse rounds the same decimal text.
 */
#include "officernd/internal.h"
#include "util/money.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_MAX_ITEMS 64 /* enough to reach every parser path; keeps big arrays fast */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_require(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_officernd: invariant broken: %s\n", what);
		abort();
	}
}

/* What every message we make promises: set, one printable line, NUL-terminated in its array. */
static void fuzz_check_message(const struct orn_error *e)
{
	size_t len = strnlen(e->message, sizeof(e->message));
	fuzz_require(len > 0 && len < sizeof(e->message), "a message is set and terminated");
	for (size_t i = 0; i < len; i++)
		fuzz_require((unsigned char)e->message[i] >= 0x20 && e->message[i] != 0x7f, "printable");
	fuzz_require(strnlen(e->missing_scope, sizeof(e->missing_scope)) < sizeof(e->missing_scope),
		     "scope terminated");
}

/* rc from a parser of a struct at item: success leaves err alone, failure empties item. */
static void fuzz_check_result(int rc, const struct orn_error *e, const void *item, size_t size)
{
	static const unsigned char zero[sizeof(struct orn_membership)];
	if (rc == 0) {
		fuzz_require(e->status == ORN_OK && e->message[0] == '\0', "success leaves err alone");
		return;
	}
	fuzz_require(rc == -1 && e->status == ORN_ERR_BAD_RESPONSE, "a refusal is a bad response");
	fuzz_check_message(e);
	fuzz_require(size <= sizeof(zero) && memcmp(item, zero, size) == 0, "emptied on failure");
}

/* The JSON price of o, when a real, against money_parse on the same decimal text. */
static void fuzz_check_price(const json_t *o, int rc, int64_t parsed)
{
	const json_t *v = json_object_get(o, "price");
	int64_t minor = 0, money = 0;
	if (!json_is_number(v))
		return;
	int prc = orn_price_to_minor(v, &minor);
	fuzz_require(rc != 0 || (prc == 0 && minor == parsed), "the price the parser kept");
	fuzz_require(prc != 0 || (minor >= -MONEY_MAX_MINOR && minor <= MONEY_MAX_MINOR), "range");
	double x = json_number_value(v);
	char text[64];
	snprintf(text, sizeof(text), "%.15g", fabs(x));
	if (!json_is_real(v) || strchr(text, 'e') || strchr(text, 'n') || strchr(text, 'i'))
		return; /* money_parse takes no exponent, inf or nan */
	int mrc = money_parse(text, 2, &money);
	fuzz_require(prc == mrc, "a price is refused as money_parse refuses it");
	fuzz_require(prc != 0 || minor == (x < 0 ? -money : money), "a price rounds as money_parse does");
}

static void fuzz_check_objects(const json_t *o)
{
	struct orn_error e;
	struct orn_location l;
	struct orn_plan p;
	struct orn_fee f;
	struct orn_membership m;
	struct orn_member mb;
	struct orn_company c;
	int rc;

	orn_error_reset(&e);
	rc = orn_parse_location(o, &l, &e);
	fuzz_check_result(rc, &e, &l, sizeof(l));
	fuzz_require(rc || (*l.id && l.name), "location");
	orn_location_clear(&l);

	orn_error_reset(&e);
	rc = orn_parse_plan(o, &p, &e);
	fuzz_check_result(rc, &e, &p, sizeof(p));
	fuzz_require(rc || (*p.id && p.name && p.code && p.type && p.interval_length), "plan");
	fuzz_check_price(o, rc, p.price_minor);
	orn_plan_clear(&p);

	orn_error_reset(&e);
	rc = orn_parse_fee(o, &f, &e);
	fuzz_check_result(rc, &e, &f, sizeof(f));
	fuzz_require(rc || (*f.id && f.name && f.issue_date && f.status), "fee");
	fuzz_require(rc || (f.quantity >= 0 && f.quantity <= 1000000), "fee quantity");
	fuzz_require(rc || !json_is_object(o) || json_is_number(json_object_get(o, "price")), "fee price");
	fuzz_check_price(o, rc, f.price_minor);
	orn_fee_clear(&f);

	orn_error_reset(&e);
	rc = orn_parse_membership(o, &m, &e);
	fuzz_check_result(rc, &e, &m, sizeof(m));
	fuzz_require(rc || (*m.id && m.member && m.plan && m.start_date && m.name && m.status &&
			    m.calculated_status && m.created_at && m.modified_at), "membership");
	orn_membership_clear(&m);

	orn_error_reset(&e);
	rc = orn_parse_member(o, &mb, &e);
	fuzz_check_result(rc, &e, &mb, sizeof(mb));
	fuzz_require(rc || (*mb.id && mb.name && mb.email && mb.status), "member");
	orn_member_clear(&mb);

	orn_error_reset(&e);
	rc = orn_parse_company(o, &c, &e);
	fuzz_check_result(rc, &e, &c, sizeof(c));
	fuzz_require(rc || (*c.id && c.name), "company");
	orn_company_clear(&c);
}

static void fuzz_check_token(const json_t *root)
{
	struct orn_error e;
	char *token = NULL;
	int64_t expires_in = -1;
	orn_error_reset(&e);
	int rc = orn_parse_token(root, &token, &expires_in, &e);
	fuzz_check_result(rc, &e, &token, sizeof(token));
	fuzz_require(rc || (*token && expires_in >= 0 && expires_in <= 366 * 86400), "token");
	free(token);
}

static void fuzz_check_page(const json_t *root)
{
	struct orn_error e;
	const json_t *results, *item;
	const char *next;
	size_t i;
	orn_error_reset(&e);
	int rc = orn_parse_page(root, &results, &next, &e);
	fuzz_check_result(rc, &e, &results, sizeof(results));
	if (rc)
		return;
	fuzz_require(json_is_array(results) && (!next || *next), "page");
	json_array_foreach(results, i, item) {
		if (i >= FUZZ_MAX_ITEMS)
			break;
		fuzz_check_objects(item);
	}
}

/* The error-body readers, with the statuses whose paths differ. */
static void fuzz_check_errors(const char *body, size_t size)
{
	static const int statuses[] = { 400, 401, 403, 422, 429, 503 };
	for (size_t i = 0; i < ARRAY_SIZE(statuses); i++) {
		struct orn_error e;
		orn_error_reset(&e);
		orn_error_from_http(&e, statuses[i], body, size, 0);
		fuzz_require(e.status != ORN_OK && e.http_status == statuses[i], "classified");
		fuzz_check_message(&e);
		orn_error_reset(&e);
		orn_error_from_token_http(&e, statuses[i], body, size, 0);
		fuzz_require(e.status != ORN_OK, "token answer classified");
		fuzz_check_message(&e);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	struct orn_error e;
	json_t *root = NULL;
	orn_error_reset(&e);
	if (orn_parse_json(body, size, &root, &e) == 0) {
		fuzz_check_token(root);
		fuzz_check_page(root);
		fuzz_check_objects(root);
		json_decref(root);
	} else {
		fuzz_require(root == NULL && e.status == ORN_ERR_BAD_RESPONSE, "bad JSON refused");
		fuzz_check_message(&e);
	}
	fuzz_check_errors(body, size);
	return 0;
}
