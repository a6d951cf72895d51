/* form.c: see form.h. */
#include "http/form.h"
#include "util/util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

void kvlist_add(struct kvlist *l, const char *key, size_t key_len, const char *value, size_t value_len)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->items = xrealloc(l->items, l->cap * sizeof(*l->items));
	}
	l->items[l->n].key = xstrndup(key, key_len);
	l->items[l->n].value = xstrndup(value, value_len);
	l->n++;
}

const char *kvlist_get(const struct kvlist *l, const char *key)
{
	return kvlist_get_nth(l, key, 0);
}

size_t kvlist_count(const struct kvlist *l, const char *key)
{
	size_t count = 0;
	for (size_t i = 0; i < l->n; i++)
		count += strcmp(l->items[i].key, key) == 0;
	return count;
}

const char *kvlist_get_nth(const struct kvlist *l, const char *key, size_t nth)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->items[i].key, key) == 0 && nth-- == 0)
			return l->items[i].value;
	return NULL;
}

void kvlist_free(struct kvlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->items[i].key);
		free(l->items[i].value);
	}
	free(l->items);
	l->items = NULL;
	l->n = l->cap = 0;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

char *url_decode(const char *s, size_t len)
{
	char *out = xmalloc(len + 1);
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '\0') { /* a raw NUL (a body has a length) would cut the field short */
			free(out);
			return NULL;
		} else if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			int hi = i + 2 < len ? hex_digit(s[i + 1]) : -1;
			int lo = i + 2 < len ? hex_digit(s[i + 2]) : -1;
			if (hi < 0 || lo < 0 || (hi | lo) == 0) {
				free(out);
				return NULL;
			}
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		out[o++] = c;
	}
	out[o] = '\0';
	return out;
}

char *url_encode(const char *s)
{
	static const char digits[] = "0123456789ABCDEF";
	struct strbuf sb = { 0 };
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
			strbuf_add(&sb, s, 1);
		} else {
			char esc[3] = { '%', digits[c >> 4], digits[c & 15] };
			strbuf_add(&sb, esc, 3);
		}
	}
	return strbuf_detach(&sb, NULL);
}

/* Adds one "key=value" pair (already split from its neighbours), decoding both sides. */
static int form_add_pair(struct kvlist *out, const char *pair, size_t len)
{
	if (len == 0)
		return 0;
	const char *eq = memchr(pair, '=', len);
	size_t key_len = eq ? (size_t)(eq - pair) : len;
	const char *value = eq ? eq + 1 : pair + len;
	size_t value_len = eq ? len - key_len - 1 : 0;
	char *key = url_decode(pair, key_len);
	char *val = url_decode(value, value_len);
	int rc = (key && val) ? 0 : -1;
	if (rc == 0)
		kvlist_add(out, key, strlen(key), val, strlen(val));
	free(key);
	free(val);
	return rc;
}

int form_parse(const char *s, size_t len, struct kvlist *out)
{
	size_t start = 0;
	while (start <= len) {
		const char *amp = memchr(s + start, '&', len - start);
		size_t end = amp ? (size_t)(amp - s) : len;
		if (form_add_pair(out, s + start, end - start) < 0)
			return -1;
		if (out->n > FORM_MAX_FIELDS)
			return -1;
		start = end + 1;
	}
	return 0;
}

int cookies_parse(const char *header, struct kvlist *out)
{
	const char *p = header;
	while (p && *p) {
		while (*p == ' ' || *p == ';')
			p++;
		const char *end = strchr(p, ';');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		if (eq && eq > p) {
			const char *value = eq + 1;
			size_t value_len = len - (size_t)(value - p);
			while (value_len && value[value_len - 1] == ' ')
				value_len--;
			if (value_len >= 2 && value[0] == '"' && value[value_len - 1] == '"') {
				value++;
				value_len -= 2;
			}
			kvlist_add(out, p, (size_t)(eq - p), value, value_len);
			if (out->n > FORM_MAX_FIELDS)
				return -1;
		}
		p = end ? end + 1 : NULL;
	}
	return 0;
}
