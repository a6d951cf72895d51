-- The worker forgets old sign-in failures in small chunks (job_prune.c); without this index
-- every chunk would read the whole table. sessions(expires_at) is indexed since 001.
CREATE INDEX login_failures_last_failed ON login_failures(last_failed);
