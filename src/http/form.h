/*
 * form.h: key/value lists and the parsers that fill them: urlencoded forms and query strings,
 * and Cookie headers. Pure functions on bytes, so the unit tests need no web server.
 * A kvlist owns its copies of keys and values; kvlist_free() releases them.
 */
#ifndef PILOTOMAIL_FORM_H
#define PILOTOMAIL_FORM_H

#include <stddef.h>

#define FORM_MAX_FIELDS 512

struct kv {
	char *key;
	char *value;
};

struct kvlist {
	struct kv *items;
	size_t n;
	size_t cap;
};

void kvlist_add(struct kvlist *l, const char *key, size_t key_len, const char *value, size_t value_len);
/* The first value for key, or NULL. Owned by the list. */
const char *kvlist_get(const struct kvlist *l, const char *key);
/* How many times key occurs, and its nth (0-based) value (NULL past the end). */
size_t kvlist_count(const struct kvlist *l, const char *key);
const char *kvlist_get_nth(const struct kvlist *l, const char *key, size_t nth);
void kvlist_free(struct kvlist *l);

/*
 * Decodes %XX and '+' (as space). Returns a new string (free()), or NULL when a % escape is
 * malformed or s holds or decodes to a NUL byte (which no field of ours may contain).
 */
char *url_decode(const char *s, size_t len);
/* Percent-encodes everything but unreserved characters (free()). */
char *url_encode(const char *s);
/*
 * Parses "a=1&b=2&a=3" (application/x-www-form-urlencoded or a query string) into out, keeping
 * repeated keys in order. Empty pairs are skipped. Returns 0, or -1 on a malformed escape, a NUL or
 * more than FORM_MAX_FIELDS fields (out may then hold a prefix: free it).
 */
int form_parse(const char *s, size_t len, struct kvlist *out);
/* Parses a Cookie header "a=1; b=2" (values not decoded, quotes stripped). 0 or -1. */
int cookies_parse(const char *header, struct kvlist *out);

#endif
