/*
 * officernd_lists.h: the operator's OfficeRnD plans and locations as the worker last loaded them
 * (tables officernd_lists, officernd_plans, officernd_locations; migration 011), so that pages
 * show them without asking OfficeRnD.
 *
 * A refresh is claimed per operator under a lease (claimed_by, claimed_until) so two workers
 * never run one operator's refresh at once; only the holder of the claim records its outcome.
 * A failed refresh keeps the lists it had and records why. Every function is scoped by
 * operator_id except officernd_lists_due(), which serves the worker across operators. None is
 * called inside a caller's transaction unless it says so.
 */
#ifndef PILOTOMAIL_STORE_OFFICERND_LISTS_H
#define PILOTOMAIL_STORE_OFFICERND_LISTS_H

#include "store/db.h"
#include <stddef.h>
#include <stdint.h>

#include "store/integrations.h"

/* One cached plan: what the settings card shows and orders the Mail charges plan by. */
struct officernd_cached_plan {
	char id[INTEGRATIONS_ID_MAX + 1];
	char name[INTEGRATIONS_NAME_MAX];
	char code[INTEGRATIONS_NAME_MAX];
	char type[64];
	char interval_length[32];
};

struct officernd_cached_location {
	char id[INTEGRATIONS_ID_MAX + 1];
	char name[INTEGRATIONS_NAME_MAX];
};

/* The lists and their refresh state, as a page shows them. Free with officernd_lists_free(). */
struct officernd_lists {
	struct officernd_cached_plan *plans;          /* in OfficeRnD's order */
	size_t n_plans;
	struct officernd_cached_location *locations;
	size_t n_locations;
	int64_t fetched_at;     /* when these were loaded; 0: never */
	int64_t attempted_at;   /* when the last refresh started; 0: never */
	int64_t requested;      /* asks not yet served */
	int64_t claimed_until;  /* > now while a refresh runs */
	char error[512];        /* why the last refresh failed, "" after a good one */
	int64_t error_at;
};

/* Reads the operator's lists (empty, all zero, when never loaded). 0 or -1. */
int officernd_lists_get(struct db *db, int64_t operator_id, struct officernd_lists *out);
void officernd_lists_free(struct officernd_lists *l);

/* A cached name by OfficeRnD id: 1 found (name copied), 0 not cached, -1 on a store error. */
int officernd_plan_name(struct db *db, int64_t operator_id, const char *plan_id, char *name, size_t size);
int officernd_location_name(struct db *db, int64_t operator_id, const char *location_id, char *name, size_t size);

/* The operator asks for a refresh ("Refresh lists"). 0 done, 1 when OfficeRnD is not configured
 * (slug, client id and secret), -1 on error. */
int officernd_lists_request(struct db *db, int64_t operator_id);

/*
 * New credentials were saved: a refresh is asked for; another organization also drops the
 * cached lists and the last error (they were the old organization's). Meant inside the save's
 * transaction; usable outside. 0 or -1.
 */
int officernd_lists_credentials_saved(struct db *db, int64_t operator_id, int other_org);

/*
 * The operators whose refresh is due at now: configured, not under a live lease, and asked for,
 * or never loaded, or interval_s past the last refresh or attempt (or the clock moved back by
 * more than that). Asked-for ones first. *ids (free()) and *n. 0 or -1.
 */
int officernd_lists_due(struct db *db, int64_t now, int64_t interval_s, int64_t **ids, size_t *n);

/*
 * Claims the operator's refresh for worker until now + lease_s when it is still due (same rule),
 * stamping attempted_at = now; in its own transaction. 1 claimed (*requested: the asks it
 * serves), 0 not due (any more), -1 on a store error.
 */
int officernd_lists_claim(struct db *db, int64_t operator_id, const char *worker, int64_t now, int64_t interval_s,
			  int64_t lease_s, int64_t *requested);

/*
 * A good refresh by the claim's holder: the lists are replaced by these, the saved mapping's and
 * charges plan's names updated from them, fetched_at = now, the error cleared, the claim released and the served asks subtracted (an ask during the refresh
 * asks for another). One transaction. 0 done, 1 the claim was no longer this worker's (nothing
 * written), -1 on a store error (nothing written).
 */
int officernd_lists_store(struct db *db, int64_t operator_id, const char *worker,
			  const struct officernd_cached_plan *plans, size_t n_plans,
			  const struct officernd_cached_location *locations, size_t n_locations, int64_t now,
			  int64_t requested);

/*
 * A failed refresh by the claim's holder: the lists are kept, error (the operator's words) and
 * error_at = now recorded, the claim released and the served asks subtracted (no tight loop on
 * a failing OfficeRnD: the next automatic try comes an interval after the attempt). 0 done, 1 the
 * claim was no longer this worker's, -1 on a store error.
 */
int officernd_lists_failed(struct db *db, int64_t operator_id, const char *worker, const char *error, int64_t now,
			   int64_t requested);

#endif
