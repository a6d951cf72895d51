/*
 * worker.h: the background worker's jobs. Each job claims work from a queue in the store,
 * does it, and records the outcome, so that the worker can be killed at any instant and a
 * restarted (or a second) worker carries on without losing or repeating anything.
 */
#ifndef PILOTOMAIL_WORKER_H
#define PILOTOMAIL_WORKER_H

#include "store/db.h"
#include <stdint.h>

#include "util/config.h"

struct worker {
	struct db *db;
	const struct config *cfg;
	char id[64];             /* this worker's name in claims (worker_id_make) */
	volatile int *stopping;  /* set by SIGTERM: finish the current step, then return */
};

struct worker_job {
	const char *name;
	/* Does a bounded amount of work; returns how many items it handled (0 = idle), -1 on error. */
	int (*run_once)(struct worker *w);
};

/* The jobs, in the order the worker runs them (worker/jobs.c). */
extern const struct worker_job worker_jobs[];

/* A claim lasts this long; a worker killed mid-step loses it and another takes over after. */
#define WORKER_LEASE_S 60

#endif
