/* The WAL's checkpoints on a thread of their own (sqlite_store.h: sq_checkpointer).
 *
 * SQLite checkpoints by default inside the COMMIT that takes the WAL past 1,000 pages: that
 * request's thread copies the pages into the database file and syncs it before its reply
 * (half a second after a 100,000-row HR commit, a few milliseconds in the middle of some
 * login). Here the broker's connections only note that the WAL is long (sqlite3_wal_hook,
 * which also turns SQLite's own automatic checkpoint off on them) and this thread, on a
 * connection of its own, runs a PASSIVE checkpoint: it copies what no reader still needs and
 * never waits for, nor blocks, the writers. What is made durable does not change: a commit is
 * durable once the WAL is synced (the group commit's store sync), before and after its pages
 * are checkpointed; a checkpoint syncs the WAL and the database file itself. */
#include "sqlite_store.h"

#include <stdlib.h>
#include <string.h>

#include "sk_err.h"
#include "sk_log.h"

/* SQLite's own default threshold (SQLITE_DEFAULT_WAL_AUTOCHECKPOINT). */
#define CHECKPOINT_PAGES 1000

static int
wal_grew(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct sq_checkpointer *c = arg;

	(void)db;
	(void)name;
	if (pages >= CHECKPOINT_PAGES) {
		pthread_mutex_lock(&c->mu);
		c->wanted = 1;
		pthread_cond_signal(&c->cv);
		pthread_mutex_unlock(&c->mu);
	}
	return SQLITE_OK;
}

static void *
checkpoint_loop(void *arg)
{
	struct sq_checkpointer *c = arg;
	int log_frames, done_frames, rc;

	pthread_mutex_lock(&c->mu);
	for (;;) {
		while (!c->wanted && !c->stop)
			pthread_cond_wait(&c->cv, &c->mu);
		if (c->stop)
			break;
		c->wanted = 0;
		pthread_mutex_unlock(&c->mu);
		rc = sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log_frames,
		                               &done_frames);
		/* BUSY: another checkpoint runs (the keeper's, at close); the next commit past the
		 * threshold asks again. Any other failure leaves the pages in the WAL, where they
		 * stay durable and readable: worth a line, not a refusal. */
		if (rc != SQLITE_OK && rc != SQLITE_BUSY)
			sk_logwarn("store: WAL checkpoint: %s", sqlite3_errmsg(c->db));
		pthread_mutex_lock(&c->mu);
		c->runs++;
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

int
sq_checkpointer_start(struct sq_checkpointer *c, const char *path)
{
	memset(c, 0, sizeof(*c));
	if (sq_connect(path, &c->db) != SK_OK)
		return SK_ERR_STORE;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	if (pthread_create(&c->thread, NULL, checkpoint_loop, c) != 0) {
		sk_logerr("store: cannot start the checkpoint thread");
		pthread_mutex_destroy(&c->mu);
		pthread_cond_destroy(&c->cv);
		sq_stmt_drop(c->db);
		sqlite3_close(c->db);
		c->db = NULL;
		return SK_ERR_STORE;
	}
	c->running = 1;
	return SK_OK;
}

void
sq_checkpointer_attach(struct sq_checkpointer *c, sqlite3 *db)
{
	if (c->running)
		sqlite3_wal_hook(db, wal_grew, c);
}

void
sq_checkpointer_stop(struct sq_checkpointer *c)
{
	if (!c->running)
		return;
	pthread_mutex_lock(&c->mu);
	c->stop = 1;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	pthread_join(c->thread, NULL);
	c->running = 0;
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	sq_stmt_drop(c->db);
	sqlite3_close(c->db);
	c->db = NULL;
}
