/*
 * job_prune.c: deletes what only grows: expired sessions, and sign-in failures old enough to be
 * forgotten (see store/operators.h), and expired password-reset links. Each delete is one statement of at most PRUNE_CHUNK rows,
 * so the write lock is held for milliseconds and the webhook receiver never waits behind it.
 * A run that found a full chunk runs again on the next pass; otherwise the job rests.
 */
#include "store/accounts.h"
#include "store/db.h"
#include "store/operators.h"
#include "store/sessions.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "worker/jobs.h"

#define PRUNE_CHUNK 500
#define PRUNE_INTERVAL_S 300

int job_prune_run(struct worker *w)
{
	static int64_t next_run;
	int64_t now = time_now();
	if (next_run && now < next_run && now >= next_run - PRUNE_INTERVAL_S)
		return 0;
	int sessions = session_delete_expired(w->db, now, PRUNE_CHUNK);
	int failures = login_throttle_prune(w->db, now, PRUNE_CHUNK);
	int resets = password_reset_prune(w->db, now, PRUNE_CHUNK);
	if (sessions < 0 || failures < 0 || resets < 0) {
		next_run = now + PRUNE_INTERVAL_S;
		return -1;
	}
	int more = sessions == PRUNE_CHUNK || failures == PRUNE_CHUNK || resets == PRUNE_CHUNK;
	next_run = more ? 0 : now + PRUNE_INTERVAL_S;
	if (sessions || failures || resets)
		log_info("prune", "deleted sessions=%d login_failures=%d password_resets=%d", sessions, failures,
			 resets);
	return sessions + failures + resets;
}
