/*
 * claims.h: who holds a claim on queued work, and taking over the claims of a worker that died.
 *
 * Every queue (webhook events, outbox, charges, member import rows) is claimed under a lease: a
 * row names the worker (claimed_by) and is claimable again once claimed_until passes. For the
 * webhook events, the outbox and the import rows, when the holder ran on this host and its
 * process is gone (SIGKILL, a crash), waiting out the lease only delays work: the claims are
 * released at once. A holder on another host, or whose process exists, keeps its lease. Charges
 * always wait out the lease: a dead worker's fee POST may still be completing at OfficeRnD, and
 * the lease is what lets it land before the next worker looks the fee up (see worker/job_fees.c).
 */
#ifndef PILOTOMAIL_WORKER_CLAIMS_H
#define PILOTOMAIL_WORKER_CLAIMS_H

#include "store/db.h"
#include <stddef.h>
#include <stdint.h>

#include "worker/worker.h"

/* Fills out (at least 48 bytes) with this process's worker id: "<host>-<pid>-<8 hex digits>". */
void worker_id_make(char *out, size_t size);
/* 1 when holder is the id of a worker on this host whose process no longer exists. */
int worker_id_dead(const char *mine, const char *holder);

/* One queue's claim bookkeeping, from its store module. */
struct worker_claims {
	const char *queue; /* for the log line */
	/* The distinct holders of unexpired claims (*ids and each string: free()). 0 or -1. */
	int (*holders)(struct db *db, int64_t now, char ***ids, size_t *n);
	/* Releases every claim of holder; how many, or -1. */
	int (*release)(struct db *db, const char *holder);
};

/* Releases the claims of dead local workers on one queue, at most every few seconds. */
void worker_release_dead_claims(struct worker *w, const struct worker_claims *c, int64_t *last_check);

#endif
