/*
 * job_scan_sweep.c: deletes the scan files a killed request left behind (store/scans.h,
 * scan_files_sweep): temporary files and files no row references, once an hour old, so that a
 * request still between its rename and its commit is never swept. Runs hourly.
 */
#include "store/scans.h"
#include "util/timeutil.h"
#include "worker/jobs.h"

#define SWEEP_INTERVAL_S 3600
#define SWEEP_MIN_AGE_S 3600

int job_scan_sweep_run(struct worker *w)
{
	static int64_t next_run;
	int64_t now = time_now();
	if (next_run && now < next_run && now >= next_run - SWEEP_INTERVAL_S)
		return 0;
	next_run = now + SWEEP_INTERVAL_S;
	return scan_files_sweep(w->db, w->cfg->scan_dir, now, SWEEP_MIN_AGE_S);
}
