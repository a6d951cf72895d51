/* webhook_committer.c: see webhook_committer.h. */
#include "store/webhook_committer.h"
#include "store/db.h"
#include "util/log.h"
#include "util/util.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>

/* One waiting request's event; lives on the waiting thread's stack. */
struct pending {
	int64_t operator_id;
	const struct webhook_event_new *event;
	int64_t id;
	int result;
	/* Posted once the batch is done, with no lock held: a waiter woken under the committer's
	 * lock only blocked on it again (a futex wait and one more switch per request). glibc's
	 * sem_post touches nothing after the wake, so the waiter may destroy it at once. */
	sem_t wake;
	struct pending *next;
};

struct webhook_committer {
	struct db *db;
	struct db_stmt *insert;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t work;
	struct pending *head, *tail;
	int waiting;  /* requests queued or in the batch being written */
	long commits; /* transactions begun, whether or not they committed */
	int stopping;
};

/* Writes the batch in the transaction begun (when began); every event's result is -1 unless
 * the COMMIT succeeded. */
static void batch_write(struct webhook_committer *c, struct pending *batch, int began)
{
	int ok = began;
	for (struct pending *p = batch; ok && p; p = p->next) {
		p->result = webhook_event_insert_with(c->insert, p->operator_id, p->event, &p->id);
		ok = p->result >= 0;
	}
	if (ok && db_commit(c->db) < 0)
		ok = 0;
	if (!ok) {
		db_rollback(c->db);
		for (struct pending *p = batch; p; p = p->next)
			p->result = -1;
	}
	db_rollback_leftover(c->db, "webhook committer");
}

/* Waits for an event; 0 once stopping with none left. Called with the lock held. */
static int work_wait(struct webhook_committer *c)
{
	while (!c->head && !c->stopping)
		pthread_cond_wait(&c->work, &c->lock);
	return c->head != NULL;
}

/* Takes every waiting event. Called with the lock held. */
static struct pending *batch_take(struct webhook_committer *c)
{
	struct pending *batch = c->head;
	c->head = c->tail = NULL;
	return batch;
}

/* Counts the batch as done, then wakes each of its waiters with no lock held. */
static void batch_answer(struct webhook_committer *c, struct pending *batch)
{
	pthread_mutex_lock(&c->lock);
	c->commits++;
	for (struct pending *p = batch; p; p = p->next)
		c->waiting--;
	pthread_mutex_unlock(&c->lock);
	for (struct pending *p = batch, *next; p; p = next) {
		next = p->next; /* p is gone once its waiter runs */
		sem_post(&p->wake);
	}
}

/*
 * The store's write lock is taken before the batch: while the worker holds it, the events that
 * arrive join this COMMIT rather than wait for the next one (and for the worker once more).
 */
static void *committer_main(void *arg)
{
	struct webhook_committer *c = arg;
	pthread_mutex_lock(&c->lock);
	while (work_wait(c)) {
		pthread_mutex_unlock(&c->lock);
		int began = db_begin(c->db) == 0;
		pthread_mutex_lock(&c->lock);
		struct pending *batch = batch_take(c);
		pthread_mutex_unlock(&c->lock);
		batch_write(c, batch, began);
		batch_answer(c, batch);
		pthread_mutex_lock(&c->lock);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

struct webhook_committer *webhook_committer_start(struct db *db)
{
	struct webhook_committer *c = xcalloc(1, sizeof(*c));
	c->db = db;
	db_cache_mib(db, 8);
	/* The WAL is checkpointed by the worker (pilotomail-worker, after its own commits and when
	 * idle), not here: a checkpoint run inside this COMMIT delays every request of the batch by
	 * a write of up to 4 MB and an fsync of the database. This is the backstop without a worker. */
	db_wal_autocheckpoint(db, 16000);
	c->insert = webhook_event_insert_prepare(db);
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->work, NULL);
	if (!c->insert || pthread_create(&c->thread, NULL, committer_main, c) != 0) {
		log_error("webhook", "the committer could not start");
		db_finalize(c->insert);
		pthread_cond_destroy(&c->work);
		pthread_mutex_destroy(&c->lock);
		free(c);
		return NULL;
	}
	return c;
}

int webhook_committer_store(struct webhook_committer *c, int64_t operator_id,
			    const struct webhook_event_new *e, int64_t *id)
{
	struct pending p = { .operator_id = operator_id, .event = e, .result = -1 };
	sem_init(&p.wake, 0, 0);
	pthread_mutex_lock(&c->lock);
	if (c->stopping) {
		pthread_mutex_unlock(&c->lock);
		sem_destroy(&p.wake);
		return -1;
	}
	if (c->tail)
		c->tail->next = &p;
	else
		c->head = &p;
	c->tail = &p;
	c->waiting++;
	pthread_mutex_unlock(&c->lock);
	/* After the unlock, so that the committer does not wake only to wait for the lock; the
	 * event is queued under the lock, so the committer either sees it or is waiting. */
	pthread_cond_signal(&c->work);
	while (sem_wait(&p.wake) < 0 && errno == EINTR)
		;
	sem_destroy(&p.wake);
	if (p.result == 0)
		*id = p.id;
	return p.result;
}

int webhook_committer_waiting(struct webhook_committer *c)
{
	pthread_mutex_lock(&c->lock);
	int n = c->waiting;
	pthread_mutex_unlock(&c->lock);
	return n;
}

long webhook_committer_commits(struct webhook_committer *c)
{
	pthread_mutex_lock(&c->lock);
	long n = c->commits;
	pthread_mutex_unlock(&c->lock);
	return n;
}

void webhook_committer_stop(struct webhook_committer *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	c->stopping = 1;
	pthread_cond_signal(&c->work);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	db_finalize(c->insert);
	db_close(c->db);
	pthread_cond_destroy(&c->work);
	pthread_mutex_destroy(&c->lock);
	free(c);
}
