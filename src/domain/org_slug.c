/* org_slug.c: see org_slug.h. */
#include "domain/org_slug.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ERR_EMPTY "Enter the organization name: the part after the slash in the Admin Site address " \
		  "(OfficeRnD Settings \xe2\x86\x92 My Account)."
#define ERR_NO_SLUG "That address has no organization name in it: paste the Admin Site address from " \
		    "OfficeRnD Settings \xe2\x86\x92 My Account (like https://app.officernd.com/admin/acme-spaces), " \
		    "or just the part after the slash."
#define ERR_CHARS "The organization name can only have lower-case letters, digits and hyphens (like " \
		  "acme-spaces): copy it from the Admin Site address in OfficeRnD Settings \xe2\x86\x92 My Account."
#define ERR_LONG "The organization name is longer than 64 characters: copy only the part after the slash " \
		 "in the Admin Site address (OfficeRnD Settings \xe2\x86\x92 My Account)."

static int slug_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

int org_slug_valid(const char *slug)
{
	if (!slug)
		return 0;
	size_t n = 0;
	for (; slug[n]; n++)
		if (n >= ORG_SLUG_MAX || !slug_char(slug[n]))
			return 0;
	return n > 0;
}

/* The segment after the first one named key ("admin", "organizations"), or NULL. */
static const char *segment_after(char **seg, size_t n, const char *key)
{
	for (size_t i = 0; i + 1 < n; i++)
		if (strcasecmp(seg[i], key) == 0)
			return seg[i + 1];
	return NULL;
}

/*
 * Finds the slug inside an address (modified in place): after /admin/ (the Admin Site, and the
 * address bar while in OfficeRnD), after /organizations/ (an API address), or a lone segment
 * such as "acme-spaces/". NULL when there is none.
 */
static const char *slug_from_address(char *text)
{
	char *seg[64];
	size_t n = 0;
	int has_host = 0;
	char *p = strstr(text, "://");
	if (p) {
		text = p + 3;
		has_host = 1;
	}
	text[strcspn(text, "?#")] = '\0';
	for (char *save = NULL, *s = strtok_r(text, "/", &save); s && n < ARRAY_SIZE(seg);
	     s = strtok_r(NULL, "/", &save))
		seg[n++] = s;
	if (n == 0)
		return NULL;
	/* "app.officernd.com/admin/x" has a host even without a scheme: it has a dot or a port. */
	if (!has_host && strpbrk(seg[0], ".:"))
		has_host = 1;
	char **path = has_host ? seg + 1 : seg;
	size_t np = has_host ? n - 1 : n;
	const char *found = segment_after(path, np, "admin");
	if (!found)
		found = segment_after(path, np, "organizations");
	if (!found && !has_host && np == 1)
		found = path[0];
	return found;
}

int org_slug_parse(const char *input, char *out, size_t size, const char **error)
{
	static const char *dummy;
	if (!error)
		error = &dummy;
	*error = NULL;
	if (size)
		out[0] = '\0';
	char *copy = xstrdup(input ? input : "");
	char *text = str_trim(copy);
	const char *slug = text;
	if (!*text) {
		*error = ERR_EMPTY;
	} else if (strchr(text, '/')) {
		slug = slug_from_address(text);
		if (!slug)
			*error = ERR_NO_SLUG;
	}
	if (!*error && strlen(slug) > ORG_SLUG_MAX)
		*error = ERR_LONG;
	else if (!*error && !org_slug_valid(slug))
		*error = ERR_CHARS;
	if (!*error && str_copy(out, size, slug))
		*error = ERR_LONG;
	if (*error && size)
		out[0] = '\0';
	free(copy);
	return *error ? -1 : 0;
}
