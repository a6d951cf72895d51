/* jobs.c: the worker's job list. Each job lives in its own file in worker/. */
#include "worker/jobs.h"
#include "worker/worker.h"

#include <stddef.h>

const struct worker_job worker_jobs[] = {
	{ "events", job_events_run },
	{ "membership-ends", job_membership_ends_run },
	{ "outbox", job_outbox_run },
	{ "storage", job_storage_run },
	{ "fees", job_fees_run },
	{ "reconcile", job_reconcile_run },
	{ "officernd-lists", job_officernd_lists_run },
	{ "member-import-load", job_member_import_load_run },
	{ "member-import", job_member_import_run },
	{ "officernd-health", job_officernd_health_run },
	{ "prune", job_prune_run },
	{ "scan-sweep", job_scan_sweep_run },
	{ NULL, NULL },
};
