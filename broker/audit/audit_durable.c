/* Group commit (issue 11, item 1; doc/architecture.md "Durability").
 *
 * A write transaction's commit only write()s: its audit records were written to the log
 * (audit_log_append_deferred) and its store changes to SQLite's WAL (synchronous=NORMAL:
 * no sync at commit). Each commit takes the next number (committed). Before a reply, the
 * thread waits until every commit numbered so far is durable (durable >= the number it read):
 * the first thread to find no sync running becomes the leader, notes the highest number
 * committed so far, makes the log durable and anchors it (audit_log_flush) and the store's
 * commits durable (store_durable_sync: fdatasync of the WAL file), then publishes the noted
 * number and wakes the others; threads whose commit came after the note wait for the next
 * leader. Decisions that arrive together so share one log sync and one WAL sync.
 *
 * The two syncs run at the same time (issue 11, item 5): the leader hands the WAL's to the
 * store syncer thread, syncs the log itself, and waits for both. Neither order is relied on
 * (the kernel may write either file back first, see "Crash order" below), so a reply waits
 * for the slower of the two instead of their sum.
 *
 * Why the noted number is covered: a transaction's records are written before its commit,
 * and its WAL frames at its commit, both before the commit takes its number; the leader reads
 * the number, then starts its syncs, which cover everything written before they start.
 *
 * Crash order: the kernel may write the WAL back before the log, so after a power failure the
 * store may hold commits whose records the log lost. The store keeps each record's sealed line
 * (audit_tail, written in the record's own transaction, pruned once the log has synced it) and
 * audit_recover writes those lines back at start (audit_event.c).
 *
 * Waiting is per reply, not per commit: a reply that reveals state (even a read) leaves only
 * after every commit it may have seen is durable.
 *
 * Commits no reply waits for (the HR scheduler's, a session order's record) are made durable
 * by a flusher thread within FLUSH_INTERVAL_MS, so that the log does not stay ahead of its
 * anchor (which `audit verify` on a live broker would report) and a power failure loses at
 * most that interval of such commits. */
#include "audit_durable.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "audit_log.h"
#include "sk_err.h"
#include "sk_log.h"
#include "store.h"

static struct {
	pthread_mutex_t mu;
	pthread_cond_t done;
	uint64_t committed;   /* commits numbered so far */
	uint64_t durable;     /* every commit up to this number is durable */
	int leading;          /* a thread is syncing */
	int failed;           /* a sync failed: nothing is durable any more */
	uint64_t syncs;
	struct audit_log *log;
	struct sk_store *store;
} gc = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0, 0, NULL, NULL };

#define FLUSH_INTERVAL_MS 100

/* The store syncer: runs the leader's store_durable_sync while the leader syncs the log.
 * Only the leader (one at a time, gc.leading) asks, so one request is outstanding at most. */
static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int asked;      /* the leader asked for a sync */
	int answered;   /* it ran; r is its result */
	int r;
	int stop;
	int running;
	pthread_t tid;
} ss = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER, .r = SK_OK };

static atomic_int flusher_stop;
static int flusher_running;
static pthread_t flusher;

static int
pending(void)
{
	int p;

	pthread_mutex_lock(&gc.mu);
	p = !gc.failed && gc.durable < gc.committed;
	pthread_mutex_unlock(&gc.mu);
	return p;
}

static void *
flush_loop(void *arg)
{
	const struct timespec tick = { 0, FLUSH_INTERVAL_MS * 1000000L };

	(void)arg;
	while (!atomic_load(&flusher_stop)) {
		nanosleep(&tick, NULL);
		if (pending())
			(void)audit_durable_wait();   /* a failure is logged and sticks */
	}
	return NULL;
}

static void *
store_sync_loop(void *arg)
{
	int r;

	(void)arg;
	pthread_mutex_lock(&ss.mu);
	for (;;) {
		while (!ss.asked && !ss.stop)
			pthread_cond_wait(&ss.cv, &ss.mu);
		if (ss.stop)
			break;
		ss.asked = 0;
		pthread_mutex_unlock(&ss.mu);
		r = store_durable_sync(gc.store);
		pthread_mutex_lock(&ss.mu);
		ss.r = r;
		ss.answered = 1;
		pthread_cond_broadcast(&ss.cv);
	}
	pthread_mutex_unlock(&ss.mu);
	return NULL;
}

static void
store_syncer_stop(void)
{
	if (!ss.running)
		return;
	pthread_mutex_lock(&ss.mu);
	ss.stop = 1;
	pthread_cond_broadcast(&ss.cv);
	pthread_mutex_unlock(&ss.mu);
	pthread_join(ss.tid, NULL);
	ss.running = 0;
}

void
audit_durable_start(struct audit_log *log, struct sk_store *store)
{
	pthread_mutex_lock(&gc.mu);
	gc.log = log;
	gc.store = store;
	pthread_mutex_unlock(&gc.mu);
	if (!ss.running && store != NULL && store_durable_sync_needed(store)) {
		ss.stop = 0;
		if (pthread_create(&ss.tid, NULL, store_sync_loop, NULL) == 0)
			ss.running = 1;
		else
			sk_logwarn("no store syncer thread: the store's sync follows the log's");
	}
	if (!flusher_running && log != NULL) {
		atomic_store(&flusher_stop, 0);
		if (pthread_create(&flusher, NULL, flush_loop, NULL) == 0)
			flusher_running = 1;
		else
			sk_logwarn("no flusher thread: commits without a reply wait for the next reply");
	}
}

void
audit_durable_stop(void)
{
	if (flusher_running) {
		atomic_store(&flusher_stop, 1);
		pthread_join(flusher, NULL);
		flusher_running = 0;
	}
	(void)audit_durable_wait();
	store_syncer_stop();
}

void
audit_durable_committed(void)
{
	pthread_mutex_lock(&gc.mu);
	gc.committed++;
	pthread_mutex_unlock(&gc.mu);
}

/* The leader's syncs, outside gc.mu: the store's on the syncer thread while this thread
 * syncs the log (and rewrites its anchor), both covering everything written before the
 * leader noted its number; without the syncer thread, one after the other. */
static int
sync_all(void)
{
	int along = ss.running, r, rs = SK_OK;

	if (along) {
		pthread_mutex_lock(&ss.mu);
		ss.answered = 0;
		ss.asked = 1;
		pthread_cond_broadcast(&ss.cv);
		pthread_mutex_unlock(&ss.mu);
	}
	r = gc.log != NULL ? audit_log_flush(gc.log, NULL) : SK_OK;
	if (along) {
		pthread_mutex_lock(&ss.mu);
		while (!ss.answered)
			pthread_cond_wait(&ss.cv, &ss.mu);
		rs = ss.r;
		pthread_mutex_unlock(&ss.mu);
	} else if (gc.store != NULL) {
		rs = store_durable_sync(gc.store);
	}
	if (rs != SK_OK) {
		/* The store's commits may be lost while the log has their records: refuse every
		 * further record, so that the restart sorts it out (audit_recover). */
		if (gc.log != NULL)
			audit_log_break(gc.log, "cannot make the store's commits durable");
		r = SK_ERR_AUDIT;
	}
	return r;
}

int
audit_durable_wait(void)
{
	uint64_t want, goal;
	int r = SK_OK;

	pthread_mutex_lock(&gc.mu);
	want = gc.committed;
	while (!gc.failed && gc.durable < want) {
		if (gc.leading) {
			pthread_cond_wait(&gc.done, &gc.mu);
			continue;
		}
		gc.leading = 1;
		goal = gc.committed;
		pthread_mutex_unlock(&gc.mu);
		r = sync_all();
		pthread_mutex_lock(&gc.mu);
		gc.leading = 0;
		if (r == SK_OK) {
			if (goal > gc.durable)
				gc.durable = goal;
			gc.syncs++;
		} else {
			gc.failed = 1;
		}
		pthread_cond_broadcast(&gc.done);
	}
	if (gc.failed) {
		sk_logerr("a sync failed: no reply is sent for what it should have made durable");
		r = SK_ERR_AUDIT;
	}
	pthread_mutex_unlock(&gc.mu);
	return r;
}

void
audit_durable_counts(uint64_t *syncs, uint64_t *commits)
{
	pthread_mutex_lock(&gc.mu);
	*syncs = gc.syncs;
	*commits = gc.committed;
	pthread_mutex_unlock(&gc.mu);
}
