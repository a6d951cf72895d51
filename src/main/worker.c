/*
 * pilotomail-worker: runs the background jobs (membership events, invitation emails, fees to
 * OfficeRnD, storage charges) until SIGTERM, which lets the current step finish.
 *
 *   pilotomail-worker           run until stopped
 *   pilotomail-worker --once    run every job until all are idle, then exit (tests, cron)
 */
#include "core/app.h"
#include "store/db.h"
#include "util/log.h"
#include "worker/claims.h"
#include "worker/worker.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile int stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static void install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* One pass over every job; returns how many items were handled in all. */
static int run_pass(struct worker *w)
{
	int handled = 0;
	for (const struct worker_job *job = worker_jobs; job->name && !stopping; job++) {
		int n = job->run_once(w);
		if (db_rollback_leftover(w->db, job->name))
			n = -1;
		if (n < 0)
			log_warn("worker", "job failed job=%s", job->name);
		else
			handled += n;
	}
	return handled;
}

static void idle_sleep(void)
{
	struct timespec ts = { 0, 200 * 1000 * 1000 };
	nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
	int once = argc == 2 && strcmp(argv[1], "--once") == 0;
	if (argc > 1 && !once) {
		fprintf(stderr, "usage: pilotomail-worker [--once]\n");
		return 2;
	}
	struct app app;
	if (app_open(&app, "pilotomail-worker", APP_SCHEMA_REQUIRE_CURRENT) < 0)
		return 1;
	install_signals();
	db_cache_mib(app.db, 8); /* events, mailboxes, outbox: the tables of a burst */
	/* Not after each of our commits past 1,000 pages (SQLite's default): during a webhook burst
	 * that flushed the disk every few milliseconds under webhook.fcgi's own flushes, and made
	 * the events job's commits (which wait for no flush) take 6 ms instead of 0.7. */
	db_wal_autocheckpoint(app.db, 16000);
	struct worker w = { .db = app.db, .cfg = app.cfg, .stopping = &stopping };
	worker_id_make(w.id, sizeof(w.id));
	log_info("worker", "started id=%s", w.id);
	while (!stopping) {
		int handled = run_pass(&w);
		if (handled == 0 && once)
			break;
		/* webhook.fcgi leaves checkpoints to us (store/webhook_committer.c): one after each
		 * pass, busy or idle. PASSIVE waits for no one and is nearly free when the WAL has
		 * nothing new. */
		db_checkpoint_passive(app.db);
		if (handled == 0)
			idle_sleep();
	}
	log_info("worker", "stopped id=%s", w.id);
	app_close(&app);
	return 0;
}
