/* The SQLite backend's statement helpers, which the family files (sqlite_user.c, ...) share:
 * running a statement, binding a typed argument list, reading rows, and opening a
 * connection. The backend itself (connections, transactions, the user lock, the table of
 * operations) is sqlite_backend.c. */
#include "sqlite_store.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
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
vquery(sqlite3 *db, sqlite3_stmt **st, const char *sql, const char *types, va_list ap)
{
	int r;

	if ((r = sq_prepare(db, sql, st)) != SK_OK)
		return r;
	if ((r = bind_list(db, *st, types, ap)) != SK_OK) {
		sqlite3_finalize(*st);
		*st = NULL;
	}
	return r;
}

int
sq_query(sqlite3 *db, sqlite3_stmt **st, const char *sql, const char *types, ...)
{
	va_list ap;
	int r;

	va_start(ap, types);
	r = vquery(db, st, sql, types, ap);
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
	r = vquery(db, &st, sql, types, ap);
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
