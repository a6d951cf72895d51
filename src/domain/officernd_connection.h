/*
 * officernd_connection.h: pilotomail's webhook in the operator's OfficeRnD account, managed
 * through the Webhooks API: which OfficeRnD webhook is ours, what is wrong with it, and the
 * one-click actions (register or adopt, repair, move to a new URL, remove).
 *
 * Ours is the webhook whose id pilotomail stored (it registered or adopted it), else the one
 * posting to the operator's webhook URL (set up by hand). Adopting instead of creating a second
 * one means no event is ever delivered twice. Every call here talks to OfficeRnD: never inside
 * a transaction.
 */
#ifndef PILOTOMAIL_DOMAIN_OFFICERND_CONNECTION_H
#define PILOTOMAIL_DOMAIN_OFFICERND_CONNECTION_H

#include "officernd/officernd.h"

#include "store/db.h"
#include <stddef.h>
#include <stdint.h>

/* The operator's webhook URL for token (free()). */
char *connection_webhook_url(const char *base_url, const char *token);

/* The index of ours among hooks (stored id first, then the URL), or -1. stored_id may be "". */
long connection_find(const struct orn_webhook *hooks, size_t n, const char *stored_id, const char *url);

/*
 * What is wrong with hook (NULL: there is none): "ok", "disabled", "events" (missing gets the
 * events it lacks, comma separated), "url" (it posts to another address) or "missing".
 */
const char *connection_state(const struct orn_webhook *hook, const char *url, char *missing, size_t size);

/* What connection_ensure did. */
enum connection_done {
	CONNECTION_CREATED,   /* a new webhook */
	CONNECTION_ADOPTED,   /* one posting to our URL (made by hand) is now ours */
	CONNECTION_REPAIRED,  /* enabled again, events added or URL updated */
	CONNECTION_UNCHANGED, /* ours was fine */
};

/*
 * Makes sure OfficeRnD has exactly one webhook of ours, enabled, posting to url with the three
 * membership events: adopts or repairs ours when there is one (PATCH; on 404/405 deleted and
 * created again), creates it otherwise; other webhooks posting to url are deleted (they would
 * deliver every event twice). Stores its id and, when OfficeRnD shows it, its signing secret.
 * 0 with *done, or -1 with err in the operator's words (nothing stored).
 */
int connection_ensure(struct db *db, int64_t operator_id, struct orn_client *c, const char *url,
		      enum connection_done *done, struct orn_error *err);

/*
 * Deletes ours in OfficeRnD (by stored id, and any posting to url) and forgets the id.
 * 0, or -1 with err (the id is kept so that a later try can delete it).
 */
int connection_remove(struct db *db, int64_t operator_id, struct orn_client *c, const char *url, struct orn_error *err);

#endif
