/*
 * webhook_committer.h: group commit for webhook.fcgi.
 *
 * The request threads hand their verified events to one committer thread, which owns the
 * program's only write connection. It takes the store's write lock, then every event waiting,
 * writes them in ONE transaction (BEGIN IMMEDIATE ... COMMIT, synchronous=FULL: the COMMIT
 * returns once the log is on disk) and only then wakes each of those
 * requests with its own outcome. So N events cost one fsync and one write lock instead of N, and
 * nothing is acknowledged before it is durable: a crash before the COMMIT loses only events
 * nobody was told were stored.
 */
#ifndef PILOTOMAIL_STORE_WEBHOOK_COMMITTER_H
#define PILOTOMAIL_STORE_WEBHOOK_COMMITTER_H

#include "store/db.h"

#include "store/webhook_events.h"

struct webhook_committer;

/* Starts the committer thread on db (owned from now on; closed by stop). NULL on failure. */
struct webhook_committer *webhook_committer_start(struct db *db);

/*
 * Stores one event and waits until its batch is committed (or failed). Same results as
 * webhook_event_insert: 0 stored (*id set), 1 duplicate, -1 store error (nothing of the batch
 * was kept: the sender must send it again). e and what it points to stay the caller's.
 */
int webhook_committer_store(struct webhook_committer *c, int64_t operator_id,
			    const struct webhook_event_new *e, int64_t *id);

/* How many requests are waiting for a commit now, and how many commits were made so far: for
 * tests (which events shared one COMMIT) and the bench. */
int webhook_committer_waiting(struct webhook_committer *c);
long webhook_committer_commits(struct webhook_committer *c);

/* Commits what is queued, answers it, stops the thread and closes the connection. */
void webhook_committer_stop(struct webhook_committer *c);

#endif
