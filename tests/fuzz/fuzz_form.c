/* fuzz-sources: src/http/form.c src/util/util.c src/util/log.c */
/*
 * fuzz_form.c: libFuzzer target for the form, query string and Cookie parsers (tests/fuzz/run.sh).
 *
 * Input: the raw bytes as an urlencoded POST body (NULs included), and up to the first NUL as a
 * query string and as a Cookie header, the way http.c hands them over. Besides "no crash, no
 * leak, no undefined behaviour" it checks the form parser against a plain reference decoder
 * (which pairs, which bytes, when to refuse), that parsing is repeatable, that the field limit
 * holds, and that every decoded value survives url_encode/url_decode.
 */
#include "http/form.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_require(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_form: invariant broken: %s\n", what);
		abort();
	}
}

static int fuzz_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
		return (c | 0x20) - 'a' + 10;
	return -1;
}

/* The reference: s[0..len) decoded into out (len + 1 bytes), or -1 where a field may not go. */
static int fuzz_decode(const char *s, size_t len, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)s[i];
		if (c == '+')
			c = ' ';
		else if (c == '%') {
			if (i + 2 >= len || fuzz_hex(s[i + 1]) < 0 || fuzz_hex(s[i + 2]) < 0)
				return -1;
			c = fuzz_hex(s[i + 1]) << 4 | fuzz_hex(s[i + 2]);
			i += 2;
		}
		if (c == 0)
			return -1; /* a NUL, raw or escaped, would cut the field short */
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

/* The pair s[0..len) as the reference reads it, compared with item; -1 when it refuses it. */
static int fuzz_check_pair(const char *s, size_t len, const struct kv *item, char *scratch)
{
	const char *eq = memchr(s, '=', len);
	size_t key_len = eq ? (size_t)(eq - s) : len;
	char *value = scratch + key_len + 1;
	if (fuzz_decode(s, key_len, scratch) < 0 ||
	    fuzz_decode(eq ? eq + 1 : s + len, eq ? len - key_len - 1 : 0, value) < 0)
		return -1;
	fuzz_require(item && strcmp(item->key, scratch) == 0, "key decoded as the reference does");
	fuzz_require(strcmp(item->value, value) == 0, "value decoded as the reference does");
	char *enc = url_encode(item->value);
	char *dec = url_decode(enc, strlen(enc));
	fuzz_require(dec && strcmp(dec, item->value) == 0, "url_encode round trip");
	free(enc);
	free(dec);
	return 0;
}

/* rc and l from form_parse(s, len) against the reference, pair by pair. */
static void fuzz_check_form(const char *s, size_t len, int rc, const struct kvlist *l)
{
	char *scratch = xmalloc(len + 2); /* a decoded key and value, each NUL-terminated */
	size_t start = 0, n = 0;
	int want = 0;
	while (start <= len && want == 0) {
		const char *amp = memchr(s + start, '&', len - start);
		size_t end = amp ? (size_t)(amp - s) : len;
		if (end > start) {
			if (n >= FORM_MAX_FIELDS)
				want = -1;
			else if (fuzz_check_pair(s + start, end - start, n < l->n ? &l->items[n] : NULL,
						 scratch) < 0)
				want = -1;
			else
				n++;
		}
		start = end + 1;
	}
	fuzz_require(rc == want, "refuses exactly what the reference refuses");
	fuzz_require(rc < 0 || l->n == n, "one field per non-empty pair");
	free(scratch);
}

static int fuzz_same(const struct kvlist *a, const struct kvlist *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->items[i].key, b->items[i].key) || strcmp(a->items[i].value, b->items[i].value))
			return 0;
	return 1;
}

/* A Cookie header: a bounded list of named pairs, the same every time. */
static void fuzz_check_cookies(const char *header)
{
	struct kvlist a = { 0 }, b = { 0 };
	int rc = cookies_parse(header, &a);
	fuzz_require(rc == cookies_parse(header, &b) && fuzz_same(&a, &b), "cookies repeatable");
	fuzz_require(rc < 0 || a.n <= FORM_MAX_FIELDS, "cookie count bounded");
	for (size_t i = 0; i < a.n; i++) {
		const struct kv *c = &a.items[i];
		fuzz_require(*c->key && c->key[0] != ' ' && !strpbrk(c->key, ";="), "cookie name");
		fuzz_require(!strchr(c->value, ';'), "cookie value stops at ';'");
	}
	kvlist_free(&a);
	kvlist_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	struct kvlist a = { 0 }, b = { 0 };
	int rc = form_parse(body, size, &a);
	fuzz_require(rc == form_parse(body, size, &b) && (rc < 0 || fuzz_same(&a, &b)), "repeatable");
	fuzz_require(rc < 0 || a.n <= FORM_MAX_FIELDS, "field count bounded");
	fuzz_check_form(body, size, rc, &a);
	kvlist_free(&a);
	kvlist_free(&b);

	char *text = xstrndup(body, size); /* a query string or header stops at the first NUL */
	struct kvlist q = { 0 };
	fuzz_check_form(text, strlen(text), form_parse(text, strlen(text), &q), &q);
	kvlist_free(&q);
	fuzz_check_cookies(text);
	free(text);
	return 0;
}
