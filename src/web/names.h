/*
 * names.h: OfficeRnD plans, locations and members by name on the pages, not by id.
 *
 * Stored texts (Activity outcomes, a mailbox's "needs attention" note) keep OfficeRnD's ids, so
 * a name is looked up when the page is drawn: a later refresh of the cached lists corrects every
 * old row, and an id nobody knows a name for is shown as it is. A reference that says the plan
 * or location "is not linked" links to the row of the OfficeRnD card that links it:
 * /settings/integrations/officernd#plan-ID or #location-ID.
 *
 * A text is put into the HDF twice: prefix (plain, names in) and prefix.parts.N.{text, href}
 * for templates/named_text.cs, whose named_text(t) macro draws it with its links.
 */
#ifndef PILOTOMAIL_WEB_NAMES_H
#define PILOTOMAIL_WEB_NAMES_H

#include "store/officernd_names.h"
#include "web/web.h"

/* Sets prefix and prefix.parts from text, OfficeRnD ids named. */
void web_set_named_text(struct web_ctx *ctx, const char *prefix, const char *text);
/* Sets name to the object's “name”, or to its id when unknown; nothing when id is empty. */
void web_set_officernd_name(struct web_ctx *ctx, const char *name, enum orn_name_kind kind, const char *id);
/* The card's mapping row for a plan or location: "/settings/integrations/officernd#plan-ID" (free()). */
char *names_mapping_href(enum orn_name_kind kind, const char *id);

#endif
