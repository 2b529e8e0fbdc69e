/* The group commit's two syncs run at the same time (issue 11, item 5; broker/audit/
 * audit_durable.c, doc/architecture.md "Durability"): the store's commits are made durable
 * while the leader syncs the audit log, so a reply waits for the slower of the two syncs and
 * not for their sum; and a reply still waits for both (R-LOG-1: no reply before the sync that
 * covers its records and its commit).
 *
 * How it is seen without timing: a thread holds the log's lock, which the log's sync needs,
 * and lets it go only once the store's sync has begun (or after a few seconds). When the
 * store's sync waits for the log's, as it did before, it begins only after that timeout; when
 * they overlap, at once. The store is a stand-in with only the durable_sync operation (the
 * group commit uses nothing else of it); the log is a real one in a private folder with a
 * generated key (R-TEST-1). The lock is reached through the writer's internal header, in this
 * test only. */
#include "audit_fixture.h"

#include <stdatomic.h>
#include <time.h>

#include "audit_durable.h"
#include "audit_log_internal.h"
#include "store.h"
#include "store_backend.h"

#define HOLD_MAX_S 5

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int holding;            /* the holder has the log's lock */
static int store_sync_began;   /* the stand-in's durable_sync was entered */
static atomic_int store_syncs;
static struct audit_log *the_log;
static uint64_t log_synced_at_store_sync = UINT64_MAX;

static int
standin_durable_sync(struct sk_store *s)
{
	(void)s;
	pthread_mutex_lock(&mu);
	store_sync_began = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	atomic_fetch_add(&store_syncs, 1);
	return SK_OK;
}

static const struct sk_store_ops standin_ops = { .durable_sync = standin_durable_sync };

/* Holds the log's lock until the store's sync has begun, at most HOLD_MAX_S seconds; returns
 * whether it began while the lock was held (the log's sync could not have finished). */
static void *
hold_log(void *arg)
{
	struct timespec until;
	int *began_while_held = arg;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += HOLD_MAX_S;
	pthread_mutex_lock(&the_log->mu);
	pthread_mutex_lock(&mu);
	holding = 1;
	pthread_cond_broadcast(&cv);
	while (!store_sync_began && pthread_cond_timedwait(&cv, &mu, &until) == 0)
		;
	*began_while_held = store_sync_began;
	pthread_mutex_unlock(&mu);
	log_synced_at_store_sync = the_log->synced_seq;
	pthread_mutex_unlock(&the_log->mu);
	return NULL;
}

/* R-LOG-1: the store's sync begins while the log's is still held up, and the reply's wait
 * ends only when both are done. */
static void
test_store_sync_runs_alongside_log_sync(void **state)
{
	struct fixture *fx = *state;
	struct sk_store standin;
	json_object *ev = make_event(1);
	pthread_t holder;
	uint64_t seq = 0, syncs = 0, commits = 0;
	int began_while_held = 0;

	store_base_init(&standin, &standin_ops);
	assert_int_equal(store_durable_sync_needed(&standin), 1);
	assert_int_equal(audit_log_open(fx->log, fx->anchor, fx->key, sizeof(fx->key), &the_log),
	                 SK_OK);
	audit_durable_start(the_log, &standin);
	/* A decision's record, written but not synced, and its commit. */
	assert_int_equal(audit_log_append_deferred(the_log, ev, &seq, NULL, 0), SK_OK);
	json_object_put(ev);
	assert_true(seq >= 1);
	assert_true(audit_log_synced_seq(the_log) < seq);
	audit_durable_committed();

	assert_int_equal(pthread_create(&holder, NULL, hold_log, &began_while_held), 0);
	pthread_mutex_lock(&mu);
	while (!holding)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);

	/* The reply's wait: it leads (or follows the flusher thread, which leads the same way). */
	assert_int_equal(audit_durable_wait(), SK_OK);
	assert_int_equal(pthread_join(holder, NULL), 0);

	assert_int_equal(began_while_held, 1);           /* overlapped, not one after the other */
	assert_true(log_synced_at_store_sync < seq);     /* the log's sync had not finished */
	assert_true(audit_log_synced_seq(the_log) >= seq);   /* and the wait waited for it */
	assert_true(atomic_load(&store_syncs) >= 1);
	audit_durable_counts(&syncs, &commits);
	assert_true(syncs >= 1);
	assert_int_equal(commits, 1);

	audit_durable_stop();
	audit_log_close(the_log);
	store_base_destroy(&standin);
	expect_whole(fx->log, fx->anchor, fx->key, seq);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_store_sync_runs_alongside_log_sync, setup,
		                                teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
