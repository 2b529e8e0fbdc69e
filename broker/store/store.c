#include "store.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "sk_err.h"
#include "sk_log.h"
#include "store_card.h"

#define STORE_SCHEMA_VERSION "1"
#define STORE_POOL_MAX 16

/* Write transactions queue on this mutex instead of polling SQLite's busy handler: a
 * writer waiting behind password hashing must not give up after busy_timeout and turn a
 * correct login into a deny. Taken after any user lock, never before one. */
static pthread_mutex_t writer_lock = PTHREAD_MUTEX_INITIALIZER;
static __thread int writer_held;

/* The audit writer's view of write transactions (broker/audit_event.c): which records a
 * transaction appended, and what becomes of them. */
static void (*hook_committed)(void);
static void (*hook_rolled_back)(sqlite3 *db);

/* Idle connections kept open, so the WAL stays open between clients. */
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static sqlite3 *pool[STORE_POOL_MAX];
static size_t pool_n;

static const char *schema =
	"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS users("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" profile TEXT NOT NULL,"
	" created INTEGER NOT NULL,"
	" disabled INTEGER NOT NULL DEFAULT 0,"
	" pw_hash TEXT NOT NULL DEFAULT '',"
	" pw_changed INTEGER NOT NULL DEFAULT 0,"
	" pw_temporary INTEGER NOT NULL DEFAULT 1,"
	" fail_count INTEGER NOT NULL DEFAULT 0,"
	" fail_first INTEGER NOT NULL DEFAULT 0,"
	" locked INTEGER NOT NULL DEFAULT 0,"
	" locked_until INTEGER NOT NULL DEFAULT 0,"
	" last_login INTEGER NOT NULL DEFAULT 0,"
	" last_login_from TEXT NOT NULL DEFAULT '',"
	" prev_login INTEGER NOT NULL DEFAULT 0,"
	" prev_login_from TEXT NOT NULL DEFAULT '',"
	" failures_since_login INTEGER NOT NULL DEFAULT 0,"
	" prev_failures INTEGER NOT NULL DEFAULT 0,"
	" last_fail INTEGER NOT NULL DEFAULT 0,"
	" last_fail_from TEXT NOT NULL DEFAULT '',"
	" last_logout INTEGER NOT NULL DEFAULT 0,"
	" fail_times BLOB NOT NULL DEFAULT x'');"
	/* Attempts that hold one of the deny places until their verdict (R-LOGIN-1). */
	"CREATE TABLE IF NOT EXISTS pending_attempts("
	" user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	" token BLOB NOT NULL,"
	" created INTEGER NOT NULL,"
	" expires INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS pending_attempts_user ON pending_attempts(user_id);"
	"CREATE TABLE IF NOT EXISTS pw_history("
	" user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	" hash TEXT NOT NULL,"
	" changed INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS pw_history_user ON pw_history(user_id, changed);"
	"CREATE TABLE IF NOT EXISTS totp("
	" id INTEGER PRIMARY KEY,"
	" user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	" algorithm TEXT NOT NULL,"
	" digits INTEGER NOT NULL,"
	" period INTEGER NOT NULL,"
	" sealed BLOB NOT NULL,"
	" last_step INTEGER NOT NULL DEFAULT -1,"
	" confirmed INTEGER NOT NULL DEFAULT 0,"
	" created INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS totp_user ON totp(user_id);"
	"CREATE TABLE IF NOT EXISTS sessions("
	" id INTEGER PRIMARY KEY,"
	" user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	" service TEXT NOT NULL,"
	" rhost TEXT NOT NULL,"
	" tty TEXT NOT NULL,"
	" pid INTEGER NOT NULL,"
	" opened INTEGER NOT NULL,"
	" closed INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX IF NOT EXISTS sessions_user ON sessions(user_id, closed);"
	"CREATE TABLE IF NOT EXISTS fido2("
	" id INTEGER PRIMARY KEY,"
	" user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	" cred_id BLOB NOT NULL UNIQUE,"
	" cose_type INTEGER NOT NULL,"
	" pubkey BLOB NOT NULL,"
	" aaguid BLOB NOT NULL,"
	" sign_count INTEGER NOT NULL,"
	" fmt TEXT NOT NULL,"
	" attestation BLOB NOT NULL,"
	" subject TEXT NOT NULL,"
	" trusted INTEGER NOT NULL,"
	" clone_flagged INTEGER NOT NULL DEFAULT 0,"
	" created INTEGER NOT NULL,"
	" last_used INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX IF NOT EXISTS fido2_user ON fido2(user_id);"
	/* One card, one person (R-CARD-1): a certificate is bound once, ever, even after it is
	 * revoked, so a lost card can never come back under another name. */
	"CREATE TABLE IF NOT EXISTS cards("
	" id INTEGER PRIMARY KEY,"
	" user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	" kind INTEGER NOT NULL,"
	" spki_sha256 TEXT NOT NULL UNIQUE,"
	" issuer TEXT NOT NULL,"
	" serial TEXT NOT NULL,"
	" cert BLOB NOT NULL,"
	" not_after INTEGER NOT NULL,"
	" revoked INTEGER NOT NULL DEFAULT 0,"
	" revoke_reason TEXT NOT NULL DEFAULT '',"
	" replaced_by INTEGER,"
	" collected INTEGER NOT NULL DEFAULT 0,"
	" destroyed INTEGER NOT NULL DEFAULT 0,"
	" disposal_note TEXT NOT NULL DEFAULT '',"
	" created INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS cards_user ON cards(user_id, revoked);";

int
store_exec(sqlite3 *db, const char *sql)
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
store_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK) {
		sk_logerr("prepare: %s", sqlite3_errmsg(db));
		*st = NULL;
		return SK_ERR_STORE;
	}
	return SK_OK;
}

int
store_step_done(sqlite3 *db, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return SK_OK;
	sk_logerr("%s: %s", what, sqlite3_errmsg(db));
	return rc == SQLITE_CONSTRAINT ? SK_ERR_EXISTS : SK_ERR_STORE;
}

int
store_select(sqlite3 *db, sqlite3_stmt *st, store_row_reader read_row, void *rows,
             size_t row_size, size_t cap, size_t *n)
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
store_select_one(sqlite3 *db, sqlite3_stmt *st, store_row_reader read_row, void *row)
{
	size_t n = 0;
	int r = store_select(db, st, read_row, row, 0, 1, &n);

	return r == SK_OK && n == 0 ? SK_ERR_NOTFOUND : r;
}

int
store_col_text(sqlite3_stmt *st, int col, char *buf, size_t cap)
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
store_open(const char *path, sqlite3 **out)
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
	if (store_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
	                   "PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;") != SK_OK) {
		sqlite3_close(db);
		return SK_ERR_STORE;
	}
	*out = db;
	return SK_OK;
}

void
store_close(sqlite3 *db)
{
	sqlite3_close(db);
}

int
store_init(const char *path)
{
	sqlite3 *db;
	int r;

	if ((r = store_open(path, &db)) != SK_OK)
		return r;
	r = store_exec(db, "BEGIN IMMEDIATE;");
	if (r == SK_OK)
		r = store_exec(db, schema);
	if (r == SK_OK)
		r = store_card_schema(db);   /* card identity columns and keys (R-CARD-1) */
	if (r == SK_OK)
		r = store_exec(db, "INSERT OR IGNORE INTO meta(key, value) VALUES('schema', '"
		                   STORE_SCHEMA_VERSION "');");
	if (r == SK_OK)
		r = store_exec(db, "COMMIT;");
	else
		store_exec(db, "ROLLBACK;");
	store_close(db);
	return r;
}

static void
writer_release(void)
{
	if (writer_held) {
		writer_held = 0;
		pthread_mutex_unlock(&writer_lock);
	}
}

int
store_begin(sqlite3 *db)
{
	int r;

	if (writer_held) {
		sk_logerr("nested write transaction");
		return SK_ERR_INTERNAL;
	}
	pthread_mutex_lock(&writer_lock);
	writer_held = 1;
	if ((r = store_exec(db, "BEGIN IMMEDIATE;")) != SK_OK)
		writer_release();
	return r;
}

int
store_commit(sqlite3 *db)
{
	int r = store_exec(db, "COMMIT;");

	if (r == SK_OK) {
		if (hook_committed != NULL && writer_held)
			hook_committed();
		writer_release();   /* on failure the caller rolls back, which releases */
	}
	return r;
}

void
store_rollback(sqlite3 *db)
{
	if (!sqlite3_get_autocommit(db))
		(void)store_exec(db, "ROLLBACK;");
	/* Still holding the writer lock, so that no later record commits before the hook has
	 * said which records of this transaction did not take effect. */
	if (hook_rolled_back != NULL && writer_held)
		hook_rolled_back(db);
	writer_release();
}

int
store_writer_held(void)
{
	return writer_held;
}

void
store_set_txn_hooks(void (*committed)(void), void (*rolled_back)(sqlite3 *db))
{
	hook_committed = committed;
	hook_rolled_back = rolled_back;
}

int
store_audit_seq_get(sqlite3 *db, uint64_t *seq, int *present)
{
	sqlite3_stmt *st;
	int rc;

	*seq = 0;
	*present = 0;
	if (store_prepare(db, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'audit_seq';",
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
store_audit_seq_set(sqlite3 *db, uint64_t seq)
{
	char text[24];
	sqlite3_stmt *st;

	if (seq > (uint64_t)INT64_MAX) {
		sk_logerr("audit seq out of range");
		return SK_ERR_RANGE;
	}
	(void)snprintf(text, sizeof(text), "%" PRIu64, seq);
	if (store_prepare(db, "INSERT INTO meta(key, value) VALUES('audit_seq', ?)"
	                      " ON CONFLICT(key) DO UPDATE SET value = excluded.value;", &st) != SK_OK)
		return SK_ERR_STORE;
	sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT);
	return store_step_done(db, st, "recording the committed audit seq");
}

int
store_acquire(const char *path, sqlite3 **out)
{
	pthread_mutex_lock(&pool_lock);
	if (pool_n > 0) {
		*out = pool[--pool_n];
		pthread_mutex_unlock(&pool_lock);
		return SK_OK;
	}
	pthread_mutex_unlock(&pool_lock);
	return store_open(path, out);
}

void
store_release(sqlite3 *db)
{
	if (db == NULL)
		return;
	store_rollback(db);   /* never hand on an open transaction */
	pthread_mutex_lock(&pool_lock);
	if (pool_n < STORE_POOL_MAX) {
		pool[pool_n++] = db;
		db = NULL;
	}
	pthread_mutex_unlock(&pool_lock);
	store_close(db);
}

void
store_pool_drain(void)
{
	pthread_mutex_lock(&pool_lock);
	while (pool_n > 0)
		store_close(pool[--pool_n]);
	pthread_mutex_unlock(&pool_lock);
}
