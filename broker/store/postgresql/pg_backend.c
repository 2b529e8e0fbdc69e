/* The PostgreSQL backend: one database, shared by any number of sekimorid. Connections (one
 * per client thread, pooled), the transaction statements, the user lock, the broker's
 * instance lock, and the table of operations that the family files fill (pg_store.h). The
 * only file that knows every family.
 *
 * Consistency across brokers (store.h "The user's row, locked"): every transaction runs at
 * READ COMMITTED; "this user's row, locked" is a session-level advisory lock on a hash of the
 * name (held across the span's several transactions, dropped by store_user_unlock or by the
 * server when the connection dies), and each transaction inside the span first takes the
 * user's row with SELECT ... FOR UPDATE. Another broker's attempt on the same user waits in
 * the database, bounded by statement_timeout: a wait that runs out fails the request closed
 * (SK_ERR_STORE). No process-local lock decides anything across brokers. */
#include "pg_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sk_err.h"
#include "sk_log.h"

/* Advisory locks of this backend: user locks in the one-bigint key space (a hash of the
 * name), the instance lock and the migration lock in the two-int key space under 5338. */
#define USER_LOCK "SELECT pg_advisory_lock(hashtextextended($1, 5338))"
#define USER_UNLOCK "SELECT pg_advisory_unlock(hashtextextended($1, 5338))"

static int
pg_begin(struct sk_store_txn *t)
{
	int r = pg_exec(pg_conn(t), "BEGIN ISOLATION LEVEL READ COMMITTED");
	PGresult *res;

	if (r != SK_OK || !t->user_locked)
		return r;
	/* The user's row, locked for this transaction: a writer on another broker that took it
	 * without the advisory lock (none does today) would wait here too. No row (user add,
	 * an unknown name) is fine: the advisory lock covers the name. */
	if ((r = pg_query(pg_conn(t), &res, "SELECT id FROM users WHERE name = $1 FOR UPDATE", "t",
	                  t->user)) != SK_OK) {
		(void)pg_exec(pg_conn(t), "ROLLBACK");
		return r;
	}
	PQclear(res);
	return SK_OK;
}

static int
pg_commit(struct sk_store_txn *t)
{
	PGresult *res = PQexec(pg_conn(t), "COMMIT");
	int r = SK_OK;

	/* COMMIT of a transaction that failed earlier "succeeds" with the tag ROLLBACK. */
	if (PQresultStatus(res) != PGRES_COMMAND_OK || strcmp(PQcmdStatus(res), "COMMIT") != 0) {
		sk_logerr("postgresql: commit failed: %.*s",
		          (int)strcspn(PQerrorMessage(pg_conn(t)), "\n"), PQerrorMessage(pg_conn(t)));
		r = SK_ERR_STORE;
	}
	PQclear(res);
	return r;
}

static void
pg_rollback(struct sk_store_txn *t)
{
	if (PQtransactionStatus(pg_conn(t)) != PQTRANS_IDLE &&
	    PQstatus(pg_conn(t)) == CONNECTION_OK)
		(void)pg_exec(pg_conn(t), "ROLLBACK");
}

static int
pg_user_lock(struct sk_store_txn *t, const char *user)
{
	PGresult *res;
	int r = pg_query(pg_conn(t), &res, USER_LOCK, "t", user);

	if (r == SK_OK)
		PQclear(res);
	return r;
}

static void
pg_user_unlock(struct sk_store_txn *t, const char *user)
{
	PGresult *res;

	/* A lock that cannot be dropped here is dropped by the server with the connection,
	 * which release then closes instead of pooling it. */
	if (pg_query(pg_conn(t), &res, USER_UNLOCK, "t", user) != SK_OK) {
		((struct pg_txn *)t)->discard = 1;
		return;
	}
	if (PQntuples(res) != 1 || strcmp(PQgetvalue(res, 0, 0), "t") != 0) {
		sk_logerr("postgresql: the user lock of %s was not held", user);
		((struct pg_txn *)t)->discard = 1;
	}
	PQclear(res);
}

/* Connections. A pooled connection is checked with an empty query before it is handed out,
 * so that after a database restart the first request gets a new connection instead of a
 * dead one. */
static void
txn_free(struct pg_txn *x)
{
	if (x == NULL)
		return;
	PQfinish(x->conn);
	free(x);
}

static int
alive(PGconn *c)
{
	PGresult *res;
	int ok;

	if (PQstatus(c) != CONNECTION_OK || PQtransactionStatus(c) != PQTRANS_IDLE)
		return 0;
	res = PQexec(c, "");
	ok = PQresultStatus(res) == PGRES_EMPTY_QUERY;
	PQclear(res);
	return ok;
}

static int
pg_acquire(struct sk_store *base, struct sk_store_txn **out)
{
	struct pg_store *s = (struct pg_store *)base;
	struct pg_txn *x = NULL;

	pthread_mutex_lock(&s->pool_lock);
	if (s->pool_n > 0)
		x = s->pool[--s->pool_n];
	pthread_mutex_unlock(&s->pool_lock);
	if (x != NULL && !alive(x->conn)) {
		PQfinish(x->conn);
		x->conn = NULL;
	}
	if (x == NULL && (x = calloc(1, sizeof(*x))) == NULL) {
		sk_logerr("allocation");
		return SK_ERR_NOMEM;
	}
	if (x->conn == NULL && pg_connect(s->conninfo, &x->conn) != SK_OK) {
		free(x);
		return SK_ERR_STORE;   /* the database is down: fail closed */
	}
	store_txn_base_init(&x->base, base);
	x->discard = 0;
	*out = &x->base;
	return SK_OK;
}

static void
pg_release(struct sk_store_txn *t)
{
	struct pg_store *s = (struct pg_store *)t->store;
	struct pg_txn *x = (struct pg_txn *)t;

	if (!x->discard && PQstatus(x->conn) == CONNECTION_OK &&
	    PQtransactionStatus(x->conn) == PQTRANS_IDLE) {
		pthread_mutex_lock(&s->pool_lock);
		if (s->pool_n < PG_POOL_MAX) {
			s->pool[s->pool_n++] = x;
			x = NULL;
		}
		pthread_mutex_unlock(&s->pool_lock);
	}
	txn_free(x);
}

static void
pg_close(struct sk_store *base)
{
	struct pg_store *s = (struct pg_store *)base;

	pthread_mutex_lock(&s->pool_lock);
	while (s->pool_n > 0)
		txn_free(s->pool[--s->pool_n]);
	pthread_mutex_unlock(&s->pool_lock);
	pthread_mutex_destroy(&s->pool_lock);
	if (s->owner != NULL)
		PQfinish(s->owner);   /* drops the instance lock */
	store_base_destroy(base);
	explicit_bzero(s->conninfo, strlen(s->conninfo));
	free(s->conninfo);
	free(s);
}

/* This broker's name among those sharing the database: its audit seq is kept under it
 * (pg_meta.c), and a connection held for the store's life keeps an advisory lock on it, so a
 * second sekimorid configured with the same broker_id is refused at start. */
static int
pg_set_instance(struct sk_store *base, const char *name)
{
	struct pg_store *s = (struct pg_store *)base;
	PGresult *res;
	int r, got;

	if (name == NULL || name[0] == '\0' || strlen(name) >= sizeof(s->instance)) {
		sk_logerr("postgresql store: broker_id missing or too long");
		return SK_ERR_CONFIG;
	}
	if (s->owner != NULL) {
		sk_logerr("postgresql store: broker_id set twice");
		return SK_ERR_INTERNAL;
	}
	if ((r = pg_connect(s->conninfo, &s->owner)) != SK_OK)
		return r;
	if ((r = pg_query(s->owner, &res, "SELECT pg_try_advisory_lock(5338, hashtext($1))", "t",
	                  name)) != SK_OK)
		return r;
	got = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (!got) {
		sk_logerr("postgresql store: another sekimorid runs with broker_id '%s' on this"
		          " database: refusing to share its audit state", name);
		PQfinish(s->owner);
		s->owner = NULL;
		return SK_ERR_STORE;
	}
	(void)snprintf(s->instance, sizeof(s->instance), "%s", name);
	return SK_OK;
}

static struct sk_store_ops pg_ops;
static pthread_once_t pg_ops_once = PTHREAD_ONCE_INIT;

static void
pg_ops_fill(void)
{
	pg_ops.name = "postgresql";
	pg_ops.close = pg_close;
	pg_ops.acquire = pg_acquire;
	pg_ops.release = pg_release;
	pg_ops.begin = pg_begin;
	pg_ops.commit = pg_commit;
	pg_ops.rollback = pg_rollback;
	pg_ops.user_lock = pg_user_lock;
	pg_ops.user_unlock = pg_user_unlock;
	pg_ops.set_instance = pg_set_instance;
	pg_meta_ops(&pg_ops);
	pg_user_ops(&pg_ops);
	pg_totp_ops(&pg_ops);
	pg_fido2_ops(&pg_ops);
	pg_card_ops(&pg_ops);
	pg_session_ops(&pg_ops);
	pg_hr_ops(&pg_ops);
	pg_grant_ops(&pg_ops);
	pg_report_ops(&pg_ops);
	pg_terminal_ops(&pg_ops);
	pg_outstanding_ops(&pg_ops);
	pg_request_ops(&pg_ops);
}

int
store_pg_open(const char *conninfo, struct sk_store **out)
{
	struct pg_store *s;
	PGconn *c;
	int r;

	*out = NULL;
	if ((r = pg_connect(conninfo, &c)) != SK_OK)
		return r;
	r = pg_migrate(c, pg_migrations, pg_migrations_n);
	PQfinish(c);
	if (r != SK_OK)
		return r;
	if ((s = calloc(1, sizeof(*s))) == NULL || (s->conninfo = strdup(conninfo)) == NULL) {
		free(s);
		sk_logerr("allocation");
		return SK_ERR_NOMEM;
	}
	pthread_once(&pg_ops_once, pg_ops_fill);
	store_base_init(&s->base, &pg_ops);
	pthread_mutex_init(&s->pool_lock, NULL);
	*out = &s->base;
	return SK_OK;
}
