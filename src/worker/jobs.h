/*
 * jobs.h: the run_once function of each worker job, one file each in worker/ (job_*.c), listed
 * in worker/jobs.c. Each returns how many items it handled (0 = idle) or -1 on error.
 */
#ifndef PILOTOMAIL_WORKER_JOBS_H
#define PILOTOMAIL_WORKER_JOBS_H

#include "worker/worker.h"

/* job_events.c: applies the OfficeRnD membership events of the webhook inbox. */
int job_events_run(struct worker *w);

/* job_membership_ends.c: cancels mailboxes whose OfficeRnD membership end date has passed. */
int job_membership_ends_run(struct worker *w);

/* job_outbox.c: sends queued emails (invitations). */
int job_outbox_run(struct worker *w);

/* job_storage.c: charges each stored item's storage days beyond the free ones, daily. */
int job_storage_run(struct worker *w);

/* job_fees.c: books queued charges as OfficeRnD fees, exactly once. */
int job_fees_run(struct worker *w);

/* job_reconcile.c: checks OfficeRnD for membership changes whose webhook never came. */
int job_reconcile_run(struct worker *w);

/* job_officernd_lists.c: loads the operators' OfficeRnD plans and locations for the settings card. */
int job_officernd_lists_run(struct worker *w);

/* job_member_import.c: loads the operators' existing OfficeRnD memberships ("Existing members")
 * and imports the rows they ticked. */
int job_member_import_load_run(struct worker *w);
int job_member_import_run(struct worker *w);
/* job_officernd_health.c: checks each connected operator's OfficeRnD credentials and webhook. */
int job_officernd_health_run(struct worker *w);

/* job_prune.c: deletes expired sessions and forgotten sign-in failures, in small chunks. */
int job_prune_run(struct worker *w);

/* job_scan_sweep.c: deletes scan files a killed upload left unreferenced, hourly. */
int job_scan_sweep_run(struct worker *w);

#endif
