/* multipart.c: see multipart.h. */
#include "http/multipart.h"
#include "util/util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const struct multipart_file *multipart_file_get(const struct multipart_files *files, const char *name)
{
	for (size_t i = 0; i < files->n; i++)
		if (strcmp(files->items[i].name, name) == 0)
			return &files->items[i];
	return NULL;
}

void multipart_files_free(struct multipart_files *files)
{
	for (size_t i = 0; i < files->n; i++) {
		free(files->items[i].name);
		free(files->items[i].filename);
		free(files->items[i].content_type);
	}
	memset(files, 0, sizeof(*files));
}

/* The first needle[0..nlen) in hay[0..len), or NULL (memmem is a GNU extension). */
static const char *find_bytes(const char *hay, size_t len, const char *needle, size_t nlen)
{
	const char *end = hay + len;
	for (const char *p = hay; (size_t)(end - p) >= nlen; p++) {
		p = memchr(p, needle[0], (size_t)(end - p) - nlen + 1);
		if (!p)
			return NULL;
		if (memcmp(p, needle, nlen) == 0)
			return p;
	}
	return NULL;
}

/* RFC 2046 bchars (a space only inside, never last). */
static int boundary_char(char c)
{
	return isalnum((unsigned char)c) || (c && strchr("'()+_,-./:=? ", c));
}

static const char *skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Copies the boundary value at p (quoted or a token) into out. 0 or -1. */
static int boundary_value(const char *p, char *out, size_t size)
{
	size_t n = 0;
	int quoted = *p == '"';
	if (quoted)
		p++;
	for (; *p && (quoted ? *p != '"' : *p != ';' && *p != ' ' && *p != '\t'); p++) {
		if (!boundary_char(*p) || n + 1 >= size || n == 70)
			return -1;
		out[n++] = *p;
	}
	if (quoted && *p++ != '"')
		return -1;
	p = skip_space(p);
	if (*p && *p != ';')
		return -1;
	out[n] = '\0';
	return n > 0 && out[n - 1] != ' ' ? 0 : -1;
}

int multipart_boundary(const char *content_type, char *out, size_t size)
{
	static const char type[] = "multipart/form-data";
	if (!content_type || strncasecmp(content_type, type, sizeof(type) - 1) != 0)
		return -1;
	const char *p = skip_space(content_type + sizeof(type) - 1);
	while (*p == ';') {
		p = skip_space(p + 1);
		if (strncasecmp(p, "boundary=", 9) == 0)
			return boundary_value(p + 9, out, size);
		p = strchr(p, ';'); /* another parameter (charset): skipped */
		if (!p)
			return -1;
	}
	return -1;
}

/* One part's headers, as read. */
struct part_head {
	char *name;
	char *filename;     /* NULL: a text field */
	char *content_type; /* NULL when absent */
	int has_disposition;
};

static void part_head_free(struct part_head *h)
{
	free(h->name);
	free(h->filename);
	free(h->content_type);
	memset(h, 0, sizeof(*h));
}

/* A quoted-string at *p (no escapes: browsers percent-encode quotes), as a new string; *p moves
 * past it. NULL when not quoted or not closed. */
static char *quoted_value(const char **p)
{
	if (**p != '"')
		return NULL;
	const char *end = strchr(*p + 1, '"');
	if (!end)
		return NULL;
	char *v = xstrndup(*p + 1, (size_t)(end - *p - 1));
	*p = end + 1;
	return v;
}

/* `form-data; name="x"; filename="y"` into h. 0 or -1. */
static int parse_disposition(const char *v, struct part_head *h)
{
	if (h->has_disposition || strncasecmp(v, "form-data", 9) != 0)
		return -1;
	h->has_disposition = 1;
	const char *p = skip_space(v + 9);
	while (*p) {
		if (*p != ';')
			return -1;
		p = skip_space(p + 1);
		char **slot = NULL;
		if (strncasecmp(p, "name=", 5) == 0) {
			slot = &h->name;
			p += 5;
		} else if (strncasecmp(p, "filename=", 9) == 0) {
			slot = &h->filename;
			p += 9;
		} else {
			return -1;
		}
		if (*slot || !(*slot = quoted_value(&p)))
			return -1;
		p = skip_space(p);
	}
	return h->name && *h->name ? 0 : -1;
}

/* One header line (without its CRLF) into h. 0 or -1. */
static int parse_header(const char *line, struct part_head *h)
{
	const char *colon = strchr(line, ':');
	if (!colon || colon == line)
		return -1;
	size_t nlen = (size_t)(colon - line);
	const char *value = skip_space(colon + 1);
	if (nlen == 19 && strncasecmp(line, "Content-Disposition", 19) == 0)
		return parse_disposition(value, h);
	if (nlen == 12 && strncasecmp(line, "Content-Type", 12) == 0) {
		if (h->content_type)
			return -1;
		h->content_type = xstrdup(value);
		return 0;
	}
	/* RFC 7578 deprecates it; an encoded body would be stored as if it were the file. */
	if (nlen == 25 && strncasecmp(line, "Content-Transfer-Encoding", 25) == 0)
		return -1;
	return 0; /* other headers carry nothing we use */
}

/* Reads the header block at body[*pos..len) up to and including its blank line. 0 or -1. */
static int parse_headers(const char *body, size_t len, size_t *pos, struct part_head *h)
{
	for (int count = 0;; count++) {
		size_t start = *pos;
		const char *crlf = find_bytes(body + start, len - start, "\r\n", 2);
		if (!crlf)
			return -1;
		size_t line_len = (size_t)(crlf - (body + start));
		*pos = start + line_len + 2;
		if (line_len == 0)
			return h->has_disposition ? 0 : -1;
		if (count == MULTIPART_MAX_HEADERS || line_len > MULTIPART_MAX_HEADER_LINE ||
		    memchr(body + start, '\0', line_len) || memchr(body + start, '\r', line_len) ||
		    memchr(body + start, '\n', line_len))
			return -1;
		char line[MULTIPART_MAX_HEADER_LINE + 1];
		memcpy(line, body + start, line_len);
		line[line_len] = '\0';
		if (parse_header(line, h) < 0)
			return -1;
	}
}

/* Files the part (its head is consumed: h is cleared). 0 or -1. */
static int store_part(struct part_head *h, const char *data, size_t n, struct kvlist *fields,
		      struct multipart_files *files)
{
	if (fields->n + files->n >= MULTIPART_MAX_PARTS)
		return -1;
	if (!h->filename) {
		if (n > MULTIPART_MAX_TEXT || memchr(data, '\0', n))
			return -1;
		kvlist_add(fields, h->name, strlen(h->name), data, n);
		part_head_free(h);
		return 0;
	}
	if (files->n == MULTIPART_MAX_FILES)
		return -1;
	struct multipart_file *f = &files->items[files->n++];
	f->name = h->name;
	f->filename = h->filename;
	f->content_type = h->content_type ? h->content_type : xstrdup("");
	f->data = data;
	f->len = n;
	memset(h, 0, sizeof(*h));
	return 0;
}

int multipart_parse(const char *body, size_t len, const char *boundary, struct kvlist *fields,
		    struct multipart_files *files)
{
	char delim[80];
	size_t blen = strlen(boundary);
	if (blen == 0 || blen > 70)
		return -1;
	/* "\r\n--boundary": the first one comes without its CRLF, at the very start. */
	size_t dlen = (size_t)snprintf(delim, sizeof(delim), "\r\n--%s", boundary);
	if (len < dlen - 2 || memcmp(body, delim + 2, dlen - 2) != 0)
		return -1;
	size_t pos = dlen - 2;
	for (;;) {
		if (len - pos >= 2 && memcmp(body + pos, "--", 2) == 0) {
			/* The close delimiter; then nothing, or one CRLF. */
			size_t rest = len - pos - 2;
			return rest == 0 || (rest == 2 && memcmp(body + pos + 2, "\r\n", 2) == 0) ? 0 : -1;
		}
		if (len - pos < 2 || memcmp(body + pos, "\r\n", 2) != 0)
			return -1;
		pos += 2;
		struct part_head h = { 0 };
		if (parse_headers(body, len, &pos, &h) < 0) {
			part_head_free(&h);
			return -1;
		}
		const char *end = find_bytes(body + pos, len - pos, delim, dlen);
		if (!end || store_part(&h, body + pos, (size_t)(end - (body + pos)), fields, files) < 0) {
			part_head_free(&h);
			return -1;
		}
		pos = (size_t)(end - body) + dlen;
	}
}
