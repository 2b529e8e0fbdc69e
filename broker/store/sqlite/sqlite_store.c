/* The SQLite backend: one file, owned by one broker. Connections (one per client thread,
 * pooled), the transaction statements, the user lock, meta, the statement helpers the family
 * files share, and the table of operations. */
#include "sqlite_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sk_err.h"
#include "sk_log.h"

int
sq_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		sk_logerr("sqlite: %s", msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return SK_ERR_STORE;
	}
	return SK_OK;
}

int
sq_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK) {
		sk_logerr("prepare: %s", sqlite3_errmsg(db));
		*st = NULL;
		return SK_ERR_STORE;
	}
	return SK_OK;
}

int
sq_step_done(sqlite3 *db, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return SK_OK;
	sk_logerr("%s: %s", what, sqlite3_errmsg(db));
	return rc == SQLITE_CONSTRAINT ? SK_ERR_EXISTS : SK_ERR_STORE;
}

int
sq_select(sqlite3 *db, sqlite3_stmt *st, sq_row_reader read_row, void *rows, size_t row_size,
          size_t cap, size_t *n)
{
	int r = SK_OK, rc = SQLITE_DONE;

	*n = 0;
	while (*n < cap && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((r = read_row(st, (char *)rows + *n * row_size)) != SK_OK)
			break;
		(*n)++;
	}
	if (r == SK_OK && *n < cap && rc != SQLITE_DONE) {
		sk_logerr("select: %s", sqlite3_errmsg(db));
		r = SK_ERR_STORE;
	}
	sqlite3_finalize(st);
	return r;
}

int
sq_select_one(sqlite3 *db, sqlite3_stmt *st, sq_row_reader read_row, void *row)
{
	size_t n = 0;
	int r = sq_select(db, st, read_row, row, 0, 1, &n);

	return r == SK_OK && n == 0 ? SK_ERR_NOTFOUND : r;
}

int
sq_col_text(sqlite3_stmt *st, int col, char *buf, size_t cap)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	int n = sqlite3_column_bytes(st, col);

	if (cap == 0 || n < 0 || (size_t)n >= cap) {
		sk_logerr("column %d too long (%d bytes)", col, n);
		return SK_ERR_STORE;
	}
	if (t != NULL && n > 0)
		memcpy(buf, t, (size_t)n);
	buf[n] = '\0';
	return SK_OK;
}

int
sq_connect(const char *path, sqlite3 **out)
{
	sqlite3 *db = NULL;

	*out = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	                    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		sk_logerr("open %s: %s", path, db ? sqlite3_errmsg(db) : "no memory");
		sqlite3_close(db);
		return SK_ERR_STORE;
	}
	sqlite3_busy_timeout(db, 10000);
	if (sq_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
	                "PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;") != SK_OK) {
		sqlite3_close(db);
		return SK_ERR_STORE;
	}
	*out = db;
	return SK_OK;
}

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

int
sq_audit_seq_get(struct sk_store_txn *t, uint64_t *seq, int *present)
{
	sqlite3 *db = sq_db(t);
	sqlite3_stmt *st;
	int rc;

	*seq = 0;
	*present = 0;
	if (sq_prepare(db, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'audit_seq';",
	               &st) != SK_OK)
		return SK_ERR_STORE;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_int64(st, 0) >= 0) {
		*seq = (uint64_t)sqlite3_column_int64(st, 0);
		*present = 1;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sk_logerr("reading the committed audit seq: %s", sqlite3_errmsg(db));
		return SK_ERR_STORE;
	}
	return SK_OK;
}

int
sq_audit_seq_set(struct sk_store_txn *t, uint64_t seq)
{
	sqlite3 *db = sq_db(t);
	char text[24];
	sqlite3_stmt *st;

	if (seq > (uint64_t)INT64_MAX) {
		sk_logerr("audit seq out of range");
		return SK_ERR_RANGE;
	}
	(void)snprintf(text, sizeof(text), "%" PRIu64, seq);
	if (sq_prepare(db, "INSERT INTO meta(key, value) VALUES('audit_seq', ?)"
	               " ON CONFLICT(key) DO UPDATE SET value = excluded.value;", &st) != SK_OK)
		return SK_ERR_STORE;
	sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT);
	return sq_step_done(db, st, "recording the committed audit seq");
}

/* Connections. */
static void
txn_free(struct sq_txn *x)
{
	if (x == NULL)
		return;
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

static void
sq_close(struct sk_store *base)
{
	struct sq_store *s = (struct sq_store *)base;

	pthread_mutex_lock(&s->pool_lock);
	while (s->pool_n > 0)
		txn_free(s->pool[--s->pool_n]);
	pthread_mutex_unlock(&s->pool_lock);
	pthread_mutex_destroy(&s->pool_lock);
	pthread_mutex_destroy(&s->names_lock);
	pthread_cond_destroy(&s->names_cv);
	store_base_destroy(base);
	free(s->path);
	free(s);
}

static const struct sk_store_ops sq_ops = {
	.name = "sqlite",
	.close = sq_close,
	.acquire = sq_acquire,
	.release = sq_release,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.user_lock = sq_user_lock,
	.user_unlock = sq_user_unlock,
	.audit_seq_get = sq_audit_seq_get,
	.audit_seq_set = sq_audit_seq_set,
	.user_get = sq_user_get,
	.user_insert = sq_user_insert,
	.user_save_auth = sq_user_save_auth,
	.user_set_password = sq_user_set_password,
	.user_history = sq_user_history,
	.user_set_disabled = sq_user_set_disabled,
	.user_set_logout = sq_user_set_logout,
	.user_list = sq_user_list,
	.totp_list = sq_totp_list,
	.totp_get = sq_totp_get,
	.totp_insert = sq_totp_insert,
	.totp_set_last_step = sq_totp_set_last_step,
	.totp_confirm = sq_totp_confirm,
	.totp_delete_unconfirmed = sq_totp_delete_unconfirmed,
	.totp_delete_all = sq_totp_delete_all,
	.fido2_list = sq_fido2_list,
	.fido2_insert = sq_fido2_insert,
	.fido2_used = sq_fido2_used,
	.fido2_flag_clone = sq_fido2_flag_clone,
	.fido2_delete = sq_fido2_delete,
	.card_list = sq_card_list,
	.card_by_spki = sq_card_by_spki,
	.card_other_owner = sq_card_other_owner,
	.card_add_keys = sq_card_add_keys,
	.card_user_name = sq_card_user_name,
	.card_insert = sq_card_insert,
	.card_revoke = sq_card_revoke,
	.card_dispose = sq_card_dispose,
	.session_open = sq_session_open,
	.session_close = sq_session_close,
	.session_is_open = sq_session_is_open,
};

int
store_sqlite_open(const char *path, struct sk_store **out)
{
	struct sq_store *s;
	sqlite3 *db;
	int r;

	*out = NULL;
	if ((r = sq_connect(path, &db)) != SK_OK)
		return r;
	r = sq_migrate(db, path, sq_migrations, sq_migrations_n);
	sqlite3_close(db);
	if (r != SK_OK)
		return r;
	if ((s = calloc(1, sizeof(*s))) == NULL || (s->path = strdup(path)) == NULL) {
		free(s);
		sk_logerr("allocation");
		return SK_ERR_NOMEM;
	}
	store_base_init(&s->base, &sq_ops);
	pthread_mutex_init(&s->pool_lock, NULL);
	pthread_mutex_init(&s->names_lock, NULL);
	pthread_cond_init(&s->names_cv, NULL);
	*out = &s->base;
	return SK_OK;
}
