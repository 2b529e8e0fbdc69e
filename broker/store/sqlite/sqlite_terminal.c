/* Remote terminals (store_terminal.h) in SQLite: the terminals table (schema step "remote
 * terminals"). */
#include "sqlite_store.h"

#include <string.h>

#include "sk_err.h"
#include "sk_log.h"
#include "store_terminal.h"

static int
terminal_seen(struct sk_store_txn *t, const char *fingerprint, const char *serial,
              const char *cn, int64_t now)
{
	return sq_write(sq_db(t), "recording a terminal",
	                "INSERT INTO terminals(fingerprint, serial, cn, first_seen, last_seen)"
	                " VALUES(?1, ?2, ?3, ?4, ?4) ON CONFLICT(fingerprint) DO UPDATE SET"
	                " serial = excluded.serial, cn = excluded.cn, last_seen = excluded.last_seen,"
	                " first_seen = CASE terminals.first_seen WHEN 0 THEN excluded.first_seen"
	                " ELSE terminals.first_seen END", "ttti", fingerprint, serial, cn, now);
}

static int
read_pair(sqlite3_stmt *st, void *row)
{
	int64_t *n = row;

	n[0] = sqlite3_column_int64(st, 0);
	n[1] = sqlite3_column_int64(st, 1);
	return SK_OK;
}

static int
terminal_revoked(struct sk_store_txn *t, const char *fingerprint, const char *serial,
                 int *revoked)
{
	sqlite3 *db = sq_db(t);
	sqlite3_stmt *st;
	int64_t n[2] = { 0, 0 };
	int r;

	*revoked = 1;   /* fail closed */
	if ((r = sq_query(db, &st, "SELECT count(*), 0 FROM terminals WHERE revoked_at <> 0"
	                  " AND (fingerprint = ?1 OR (serial <> '' AND serial = ?2))", "tt",
	                  fingerprint, serial)) != SK_OK ||
	    (r = sq_select_one(db, st, read_pair, n)) != SK_OK)
		return r;
	*revoked = n[0] > 0;
	return SK_OK;
}

static int
terminal_revoke(struct sk_store_txn *t, const char *key, int by_serial, const char *by,
                int64_t now, int64_t *n)
{
	sqlite3 *db = sq_db(t);
	sqlite3_stmt *st;
	int64_t c[2] = { 0, 0 };   /* rows with that key, of which not revoked */
	int r;

	*n = 0;
	r = by_serial ?
	    sq_query(db, &st, "SELECT count(*), coalesce(sum(revoked_at = 0), 0) FROM terminals"
	             " WHERE serial = ?", "t", key) :
	    sq_query(db, &st, "SELECT count(*), coalesce(sum(revoked_at = 0), 0) FROM terminals"
	             " WHERE fingerprint = ?", "t", key);
	if (r != SK_OK || (r = sq_select_one(db, st, read_pair, c)) != SK_OK)
		return r;
	if (c[0] == 0 && by_serial)
		return SK_ERR_NOTFOUND;
	if (c[0] == 0) {
		*n = 1;
		return sq_write(db, "revoking a terminal",
		                "INSERT INTO terminals(fingerprint, revoked_at, revoked_by)"
		                " VALUES(?, ?, ?)", "tit", key, now, by);
	}
	*n = c[1];
	return by_serial ?
	       sq_write(db, "revoking a terminal", "UPDATE terminals SET revoked_at = ?,"
	                " revoked_by = ? WHERE serial = ? AND revoked_at = 0", "itt", now, by, key) :
	       sq_write(db, "revoking a terminal", "UPDATE terminals SET revoked_at = ?,"
	                " revoked_by = ? WHERE fingerprint = ? AND revoked_at = 0", "itt", now, by,
	                key);
}

static int
terminal_list(struct sk_store_txn *t, int (*fn)(void *, const struct terminal_rec *),
              void *arg)
{
	sqlite3 *db = sq_db(t);
	struct terminal_rec rec;
	sqlite3_stmt *st;
	int r = SK_OK, rc;

	if ((r = sq_query(db, &st, "SELECT fingerprint, serial, cn, first_seen, last_seen,"
	                  " revoked_at, revoked_by FROM terminals ORDER BY fingerprint", "")) != SK_OK)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&rec, 0, sizeof(rec));
		rec.first_seen = sqlite3_column_int64(st, 3);
		rec.last_seen = sqlite3_column_int64(st, 4);
		rec.revoked_at = sqlite3_column_int64(st, 5);
		if ((r = sq_col_text(st, 0, rec.fingerprint, sizeof(rec.fingerprint))) != SK_OK ||
		    (r = sq_col_text(st, 1, rec.serial, sizeof(rec.serial))) != SK_OK ||
		    (r = sq_col_text(st, 2, rec.cn, sizeof(rec.cn))) != SK_OK ||
		    (r = sq_col_text(st, 6, rec.revoked_by, sizeof(rec.revoked_by))) != SK_OK ||
		    fn(arg, &rec) != 0)
			break;
	}
	if (r == SK_OK && rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sk_logerr("listing terminals: %s", sqlite3_errmsg(db));
		r = SK_ERR_STORE;
	}
	sqlite3_finalize(st);
	return r;
}

void
sq_terminal_ops(struct sk_store_ops *o)
{
	o->terminal_seen = terminal_seen;
	o->terminal_revoked = terminal_revoked;
	o->terminal_revoke = terminal_revoke;
	o->terminal_list = terminal_list;
}
