/*
 * org_slug.h: the OfficeRnD organization name ("slug") as the operator types it on the
 * settings card. Operators paste all sorts of things: the slug itself, the Admin Site address
 * from Settings -> My Account ("https://app.officernd.com/admin/acme-spaces"), or the address
 * bar while in OfficeRnD ("app.officernd.com/admin/acme-spaces/community/members").
 * Pure functions on strings, so the unit tests need nothing else.
 */
#ifndef PILOTOMAIL_DOMAIN_ORG_SLUG_H
#define PILOTOMAIL_DOMAIN_ORG_SLUG_H

#include <stddef.h>

#define ORG_SLUG_MAX 64

/* 1 when slug is 1-64 characters of lower-case letters, digits and hyphens, else 0. */
int org_slug_valid(const char *slug);

/*
 * Reduces input (a slug or an Admin Site URL, white space around it ignored) to the slug in
 * out (at least ORG_SLUG_MAX + 1 bytes). Returns 0, or -1 with *error set to a sentence for the
 * operator (a static string) and out set to "".
 */
int org_slug_parse(const char *input, char *out, size_t size, const char **error);

#endif
