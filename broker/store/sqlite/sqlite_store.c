/* The SQLite backend's statement helpers, which the family files (sqlite_user.c, ...) share:
 * running a statement, binding a typed argument list, reading rows, and opening a
 * connection. The backend itself (connections, transactions, the user lock, the table of
 * operations) is sqlite_backend.c. */
#include "sqlite_store.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

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

/* Prepared statements kept per connection (sq_run, sq_query_cached): preparing was most of the
 * CPU of a bulk import's commit (three statements per user, each parsed anew). A statement is
 * taken from the cache, bound, stepped, and given back reset with its bindings cleared (the
 * bound text is the caller's); one in use is never handed out twice (a second user of the
 * same SQL on the same connection gets a statement of its own, finalized after use). The
 * cache is keyed by connection and SQL text (compared in full, so SQL built in a buffer is
 * safe); sq_stmt_drop finalizes a connection's statements before it is closed. When the
 * table is full, statements are prepared and finalized as before. */
#define STMT_CACHE_SLOTS 2048
#define STMT_CACHE_PROBE 16

struct stmt_slot {
	sqlite3 *db;
	sqlite3_stmt *st;
	uint64_t key;
	int in_use;
};

static pthread_mutex_t stmt_lock = PTHREAD_MUTEX_INITIALIZER;
static struct stmt_slot stmt_cache[STMT_CACHE_SLOTS];

/* The slot's key: the connection, the SQL's length and its first and last STMT_KEY_ENDS bytes.
 * Only a hint (two statements may share it; the text is compared in full before a statement
 * is handed out): hashing every byte of the text twice per statement, on the way in and
 * back, was 7 % of the broker's instructions in an HR commit. */
#define STMT_KEY_ENDS 24

static uint64_t
stmt_key(const sqlite3 *db, const char *sql)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)(uintptr_t)db;
	size_t len = strlen(sql), head = len < STMT_KEY_ENDS ? len : STMT_KEY_ENDS;
	const unsigned char *p = (const unsigned char *)sql;

	h = (h ^ len) * 1099511628211ULL;
	for (size_t i = 0; i < head; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	for (size_t i = len - head; i < len; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

static int
stmt_get(sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
	uint64_t key = stmt_key(db, sql);
	size_t free_slot = STMT_CACHE_SLOTS, same = 0;

	pthread_mutex_lock(&stmt_lock);
	for (size_t i = 0; i < STMT_CACHE_PROBE; i++) {
		struct stmt_slot *e = &stmt_cache[(key + i) % STMT_CACHE_SLOTS];

		if (e->st == NULL) {
			if (free_slot == STMT_CACHE_SLOTS)
				free_slot = (key + i) % STMT_CACHE_SLOTS;
			continue;
		}
		if (e->db != db || e->key != key || strcmp(sqlite3_sql(e->st), sql) != 0)
			continue;
		same = 1;
		if (!e->in_use) {
			e->in_use = 1;
			*st = e->st;
			pthread_mutex_unlock(&stmt_lock);
			return SK_OK;
		}
	}
	pthread_mutex_unlock(&stmt_lock);
	if (sqlite3_prepare_v3(db, sql, -1, same || free_slot == STMT_CACHE_SLOTS ? 0 :
	                       SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK) {
		sk_logerr("prepare: %s", sqlite3_errmsg(db));
		*st = NULL;
		return SK_ERR_STORE;
	}
	if (same || free_slot == STMT_CACHE_SLOTS)
		return SK_OK;   /* not kept: finalized by sq_stmt_release */
	/* sq_stmt_release finds it by the text SQLite keeps: when that is not the text given
	 * (a tail after the statement), it is not kept. */
	if (stmt_key(db, sqlite3_sql(*st)) != key)
		return SK_OK;
	pthread_mutex_lock(&stmt_lock);
	if (stmt_cache[free_slot].st == NULL)   /* taken meanwhile: this one is not kept */
		stmt_cache[free_slot] = (struct stmt_slot){ db, *st, key, 1 };
	pthread_mutex_unlock(&stmt_lock);
	return SK_OK;
}

void
sq_stmt_release(sqlite3 *db, sqlite3_stmt *st)
{
	uint64_t key;

	if (st == NULL)
		return;
	key = stmt_key(db, sqlite3_sql(st));
	pthread_mutex_lock(&stmt_lock);
	for (size_t i = 0; i < STMT_CACHE_PROBE; i++) {
		struct stmt_slot *e = &stmt_cache[(key + i) % STMT_CACHE_SLOTS];

		if (e->st == st) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			e->in_use = 0;
			pthread_mutex_unlock(&stmt_lock);
			return;
		}
	}
	pthread_mutex_unlock(&stmt_lock);
	sqlite3_finalize(st);
}

void
sq_stmt_drop(sqlite3 *db)
{
	pthread_mutex_lock(&stmt_lock);
	for (size_t i = 0; i < STMT_CACHE_SLOTS; i++)
		if (stmt_cache[i].st != NULL && stmt_cache[i].db == db) {
			sqlite3_finalize(stmt_cache[i].st);
			memset(&stmt_cache[i], 0, sizeof(stmt_cache[i]));
		}
	pthread_mutex_unlock(&stmt_lock);
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

	sq_stmt_release(db, st);
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
	sq_stmt_release(db, st);
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
sq_each_row(sqlite3 *db, sqlite3_stmt *st, sq_row_reader read_row, void *row,
            int (*fn)(void *, const void *), void *arg, const char *what)
{
	int r = SK_OK, rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((r = read_row(st, row)) != SK_OK || fn(arg, row) != 0)
			break;
	}
	if (r == SK_OK && rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sk_logerr("%s: %s", what, sqlite3_errmsg(db));
		r = SK_ERR_STORE;
	}
	sq_stmt_release(db, st);
	return r;
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

static int
bind_list(sqlite3 *db, sqlite3_stmt *st, const char *types, va_list ap)
{
	int rc = SQLITE_OK;

	for (int i = 0; types[i] != '\0' && rc == SQLITE_OK; i++) {
		const void *p;
		size_t n;

		switch (types[i]) {
		case 'i':
			rc = sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
			break;
		case 't':
			rc = sqlite3_bind_text(st, i + 1, va_arg(ap, const char *), -1, SQLITE_STATIC);
			break;
		case 'b':
			p = va_arg(ap, const void *);
			n = va_arg(ap, size_t);
			rc = n > INT_MAX ? SQLITE_TOOBIG :
			     sqlite3_bind_blob(st, i + 1, p != NULL ? p : "", (int)n, SQLITE_STATIC);
			break;
		default:
			sk_logerr("bind: unknown type '%c'", types[i]);
			return SK_ERR_INTERNAL;
		}
	}
	if (rc != SQLITE_OK) {
		sk_logerr("bind: %s", sqlite3_errmsg(db));
		return SK_ERR_STORE;
	}
	return SK_OK;
}

static int
vquery(sqlite3 *db, int cached, sqlite3_stmt **st, const char *sql, const char *types,
       va_list ap)
{
	int r;

	if ((r = cached ? stmt_get(db, sql, st) : sq_prepare(db, sql, st)) != SK_OK)
		return r;
	if ((r = bind_list(db, *st, types, ap)) != SK_OK) {
		sq_stmt_release(db, *st);
		*st = NULL;
	}
	return r;
}

int
sq_query_cached(sqlite3 *db, sqlite3_stmt **st, const char *sql, const char *types, ...)
{
	va_list ap;
	int r;

	va_start(ap, types);
	r = vquery(db, 1, st, sql, types, ap);
	va_end(ap);
	return r;
}

int
sq_query(sqlite3 *db, sqlite3_stmt **st, const char *sql, const char *types, ...)
{
	va_list ap;
	int r;

	va_start(ap, types);
	r = vquery(db, 0, st, sql, types, ap);
	va_end(ap);
	return r;
}

int
sq_run(sqlite3 *db, enum sq_expect expect, int64_t *id, const char *what, const char *sql,
       const char *types, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int r;

	va_start(ap, types);
	r = vquery(db, 1, &st, sql, types, ap);
	va_end(ap);
	if (r == SK_OK)
		r = sq_step_done(db, st, what);
	if (r == SK_OK && expect == SQ_ONE_ROW && sqlite3_changes(db) != 1)
		r = SK_ERR_NOTFOUND;
	if (r == SK_OK && expect == SQ_NEW_ROW)
		*id = sqlite3_last_insert_rowid(db);
	return r;
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
	if (sq_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
	                "PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;") != SK_OK) {
		sqlite3_close(db);
		return SK_ERR_STORE;
	}
	*out = db;
	return SK_OK;
}
