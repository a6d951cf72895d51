/* fuzz-sources: src/officernd/event.c src/crypto/random.c src/util/util.c src/util/log.c src/util/timeutil.c */
/*
 * fuzz_event.c: libFuzzer target for the OfficeRnD event parser (tests/fuzz/run.sh runs it).
 *
 * Input: a raw webhook body. Besides "no crash, no leak, no undefined behaviour" it checks what
 * the receiver and the worker rely on: a body the worker can parse is one the receiver's peek
 * reads the same way (type and membership id), a parsed event is a membership event with an id
 * and a version that its own fields give back, a failure always says why, and the dedupe key is
 * never empty.
 */
#include "officernd/event.h"
#include "util/timeutil.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_require(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_event: invariant broken: %s\n", what);
		abort();
	}
}

/* What a successful parse promises. */
static void fuzz_check_parsed(const struct event *e, const struct event_peek *p, int peeked)
{
	const struct event_membership *m = &e->membership;
	int64_t ms;
	fuzz_require(e->kind != EVENT_OTHER && e->kind == event_kind_of(e->type), "membership kind");
	fuzz_require(m->id && *m->id, "membership id");
	fuzz_require(m->member && m->plan && m->start_date && m->status && m->calculated_status &&
			     m->created_at && m->modified_at && e->created_at, "empty strings, never NULL");
	fuzz_require(e->kind == EVENT_REMOVED || (*m->member && *m->plan), "member and plan");
	fuzz_require(!m->company || *m->company, "company NULL or set");
	fuzz_require(!m->end_date || time_parse_iso_ms(m->end_date, &ms) == 0, "endDate parses");
	const char *version_text = *m->modified_at ? m->modified_at : m->created_at;
	fuzz_require(time_parse_iso_ms(version_text, &ms) == 0 && ms == m->version_ms, "version");
	fuzz_require(!event_is_older(m->version_ms, m->version_ms), "same version is not older");
	fuzz_require(peeked, "peek reads what parse reads");
	fuzz_require(strcmp(p->type, e->type) == 0 && p->kind == e->kind, "peek type");
	fuzz_require(strcmp(p->membership_id, m->id) == 0, "peek membership id");
	fuzz_require((!p->id && !e->id) || (p->id && e->id && strcmp(p->id, e->id) == 0), "peek id");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	struct event e;
	struct event_peek p;
	char err[256];
	int peeked = event_peek(body, size, &p) == 0;
	if (event_parse(body, size, &e, err, sizeof(err)) == 0) {
		fuzz_require(err[0] == '\0', "no error on success");
		fuzz_check_parsed(&e, &p, peeked);
	} else {
		fuzz_require(err[0] != '\0' && strlen(err) < sizeof(err), "a failure says why");
		fuzz_require(e.type == NULL && e.membership.id == NULL, "emptied on failure");
	}
	char *key = event_dedupe_key(peeked ? p.id : NULL, data, size);
	fuzz_require(key && *key, "dedupe key");
	fuzz_require(!peeked || !p.id || strcmp(key, p.id) == 0, "the event id is the key");
	fuzz_require((peeked && p.id) || strncmp(key, "sha256:", 7) == 0, "else the body hash");
	free(key);
	event_clear(&e);
	if (peeked)
		event_peek_clear(&p);
	return 0;
}
