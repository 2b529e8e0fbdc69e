/* The SQLite backend: one file, owned by one broker. Connections (one per client thread,
 * pooled), the transaction statements, the user lock, and the table of operations that the
 * family files fill (sqlite_store.h). The only file that knows every family. */
#include "sqlite_store.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sk_err.h"
#include "sk_log.h"

/* Transactions. The generic layer has queued this thread behind the broker's other writers
 * already, so BEGIN IMMEDIATE takes SQLite's write lock at once instead of polling. */
static int
sq_begin(struct sk_store_txn *t)
{
	return sq_exec(sq_db(t), "BEGIN IMMEDIATE;");
}

static int
sq_commit(struct sk_store_txn *t)
{
	return sq_exec(sq_db(t), "COMMIT;");
}

static void
sq_rollback(struct sk_store_txn *t)
{
	if (!sqlite3_get_autocommit(sq_db(t)))
		(void)sq_exec(sq_db(t), "ROLLBACK;");
}

/* The user lock. One broker owns the file, so "this user's row, locked" is a lock on the name
 * inside this process: exact (no two names share a lock), held across the several
 * transactions of one request. */
static int
name_held(const struct sq_store *s, const char *user)
{
	for (const struct sq_txn *h = s->holders; h != NULL; h = h->next_holder)
		if (strcmp(h->base.user, user) == 0)
			return 1;
	return 0;
}

static int
sq_user_lock(struct sk_store_txn *t, const char *user)
{
	struct sq_store *s = (struct sq_store *)t->store;
	struct sq_txn *me = (struct sq_txn *)t;

	pthread_mutex_lock(&s->names_lock);
	while (name_held(s, user))
		pthread_cond_wait(&s->names_cv, &s->names_lock);
	me->next_holder = s->holders;
	s->holders = me;
	pthread_mutex_unlock(&s->names_lock);
	return SK_OK;
}

static void
sq_user_unlock(struct sk_store_txn *t, const char *user)
{
	struct sq_store *s = (struct sq_store *)t->store;
	struct sq_txn **p;

	(void)user;
	pthread_mutex_lock(&s->names_lock);
	for (p = &s->holders; *p != NULL; p = &(*p)->next_holder) {
		if (*p == (struct sq_txn *)t) {
			*p = (*p)->next_holder;
			break;
		}
	}
	pthread_cond_broadcast(&s->names_cv);
	pthread_mutex_unlock(&s->names_lock);
}

/* Connections. */
static void
txn_free(struct sq_txn *x)
{
	if (x == NULL)
		return;
	sq_stmt_drop(x->db);
	sqlite3_close(x->db);
	free(x);
}

static int
sq_acquire(struct sk_store *base, struct sk_store_txn **out)
{
	struct sq_store *s = (struct sq_store *)base;
	struct sq_txn *x = NULL;

	pthread_mutex_lock(&s->pool_lock);
	if (s->pool_n > 0)
		x = s->pool[--s->pool_n];
	pthread_mutex_unlock(&s->pool_lock);
	if (x == NULL) {
		if ((x = calloc(1, sizeof(*x))) == NULL) {
			sk_logerr("allocation");
			return SK_ERR_NOMEM;
		}
		if (sq_connect(s->path, &x->db) != SK_OK) {
			free(x);
			return SK_ERR_STORE;
		}
		sq_checkpointer_attach(&s->checkpointer, x->db);
	}
	store_txn_base_init(&x->base, base);
	x->next_holder = NULL;
	*out = &x->base;
	return SK_OK;
}

static void
sq_release(struct sk_store_txn *t)
{
	struct sq_store *s = (struct sq_store *)t->store;
	struct sq_txn *x = (struct sq_txn *)t;

	pthread_mutex_lock(&s->pool_lock);
	if (s->pool_n < SQ_POOL_MAX) {
		s->pool[s->pool_n++] = x;
		x = NULL;
	}
	pthread_mutex_unlock(&s->pool_lock);
	txn_free(x);
}

/* The group commit's store sync (store.h: store_durable_sync): every commit so far wrote
 * its frames to the WAL before this is called, so one fdatasync of the WAL file makes them
 * all durable (checkpoints sync the WAL and the database file themselves). A WAL file
 * deleted under us (it cannot be while the keeper connection is open) is refused rather
 * than synced in vain. */
static int
sq_durable_sync(struct sk_store *base)
{
	struct sq_store *s = (struct sq_store *)base;
	struct stat st;

	if (fstat(s->wal_fd, &st) != 0 || st.st_nlink == 0) {
		sk_logerr("store %s: the WAL file is gone; cannot make commits durable", s->path);
		return SK_ERR_STORE;
	}
	if (fdatasync(s->wal_fd) != 0) {
		sk_logerr("store %s: cannot sync the WAL: %s", s->path, strerror(errno));
		return SK_ERR_STORE;
	}
	return SK_OK;
}

static void
sq_close(struct sk_store *base)
{
	struct sq_store *s = (struct sq_store *)base;

	pthread_mutex_lock(&s->pool_lock);
	while (s->pool_n > 0)
		txn_free(s->pool[--s->pool_n]);
	pthread_mutex_unlock(&s->pool_lock);
	sq_checkpointer_stop(&s->checkpointer);
	pthread_mutex_destroy(&s->pool_lock);
	pthread_mutex_destroy(&s->names_lock);
	pthread_cond_destroy(&s->names_cv);
	if (s->wal_fd >= 0)
		close(s->wal_fd);
	sq_stmt_drop(s->keeper);
	sqlite3_close(s->keeper);   /* the last connection: checkpoints and removes the WAL */
	store_base_destroy(base);
	close(s->owner_fd);   /* after every connection: see own_file */
	free(s->path);
	free(s);
}

static struct sk_store_ops sq_ops;
static pthread_once_t sq_ops_once = PTHREAD_ONCE_INIT;

static void
sq_ops_fill(void)
{
	sq_ops.name = "sqlite";
	sq_ops.close = sq_close;
	sq_ops.acquire = sq_acquire;
	sq_ops.release = sq_release;
	sq_ops.begin = sq_begin;
	sq_ops.commit = sq_commit;
	sq_ops.rollback = sq_rollback;
	/* No set_durable: every connection runs synchronous=NORMAL and the group commit syncs
	 * the WAL before any reply (durable_sync), so store_begin_nondurable is store_begin. */
	sq_ops.user_lock = sq_user_lock;
	sq_ops.user_unlock = sq_user_unlock;
	sq_ops.durable_sync = sq_durable_sync;
	sq_meta_ops(&sq_ops);
	sq_user_ops(&sq_ops);
	sq_totp_ops(&sq_ops);
	sq_fido2_ops(&sq_ops);
	sq_card_ops(&sq_ops);
	sq_session_ops(&sq_ops);
	sq_hr_ops(&sq_ops);
	sq_grant_ops(&sq_ops);
	sq_report_ops(&sq_ops);
	sq_terminal_ops(&sq_ops);
	sq_outstanding_ops(&sq_ops);
	sq_request_ops(&sq_ops);
}

/* One sekimorid owns the file: the user lock lives in its memory, so a second broker on the
 * same store (another configuration, a stale unit) would bypass it and is refused. flock, not
 * fcntl: SQLite's own locks are fcntl locks, which this neither takes nor disturbs; the
 * descriptor stays open until the store closes, after its connections. */
static int
own_file(const char *path, int *fd)
{
	if ((*fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		sk_logerr("open %s: %s", path, strerror(errno));
		return SK_ERR_STORE;
	}
	if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK)
			sk_logerr("store %s is in use by another sekimorid: refusing to share it", path);
		else
			sk_logerr("lock %s: %s", path, strerror(errno));
		close(*fd);
		*fd = -1;
		return SK_ERR_STORE;
	}
	return SK_OK;
}

/* Our own descriptor on the WAL file, which the keeper connection (open, in WAL mode,
 * after the migrations wrote) holds in place. */
static int
open_wal(const char *path, int *fd)
{
	char wal[PATH_MAX];
	int n = snprintf(wal, sizeof(wal), "%s-wal", path);

	if (n < 0 || (size_t)n >= sizeof(wal)) {
		sk_logerr("store path too long");
		return SK_ERR_STORE;
	}
	if ((*fd = open(wal, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		sk_logerr("open %s: %s", wal, strerror(errno));
		return SK_ERR_STORE;
	}
	return SK_OK;
}

int
store_sqlite_open(const char *path, struct sk_store **out)
{
	struct sq_store *s = NULL;
	sqlite3 *db;
	int fd = -1, wal = -1, r;

	*out = NULL;
	if ((r = sq_connect(path, &db)) != SK_OK)
		return r;
	r = own_file(path, &fd);
	if (r == SK_OK)
		r = sq_migrate(db, path, sq_migrations, sq_migrations_n);
	/* The migration's connection stays open as the keeper; a read makes sure the WAL file
	 * exists (a store already at the current version wrote nothing just now). */
	if (r == SK_OK)
		r = sq_exec(db, "SELECT count(*) FROM meta;");
	if (r == SK_OK)
		r = open_wal(path, &wal);
	if (r == SK_OK && ((s = calloc(1, sizeof(*s))) == NULL ||
	                   (s->path = strdup(path)) == NULL)) {
		free(s);
		sk_logerr("allocation");
		r = SK_ERR_NOMEM;
	}
	if (r != SK_OK) {
		if (wal >= 0)
			close(wal);
		sq_stmt_drop(db);
		sqlite3_close(db);
		if (fd >= 0)
			close(fd);
		return r;
	}
	s->owner_fd = fd;
	s->keeper = db;
	s->wal_fd = wal;
	pthread_once(&sq_ops_once, sq_ops_fill);
	store_base_init(&s->base, &sq_ops);
	pthread_mutex_init(&s->pool_lock, NULL);
	pthread_mutex_init(&s->names_lock, NULL);
	pthread_cond_init(&s->names_cv, NULL);
	/* Without the thread, the connections keep SQLite's own automatic checkpoints. */
	if (sq_checkpointer_start(&s->checkpointer, path) != SK_OK)
		sk_logwarn("store %s: checkpoints run inside commits", path);
	*out = &s->base;
	return SK_OK;
}
