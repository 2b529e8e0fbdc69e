/* Remote terminals (store_terminal.h) in the PostgreSQL backend: the terminals table (schema
 * step "remote terminals"), as sqlite_terminal.c. */
#include "pg_store.h"

#include <string.h>

#include "sk_err.h"
#include "sk_log.h"
#include "store_terminal.h"

static int
terminal_seen(struct sk_store_txn *t, const char *fingerprint, const char *serial,
              const char *cn, int64_t now)
{
	return pg_write(pg_conn(t), "recording a terminal",
	                "INSERT INTO terminals(fingerprint, serial, cn, first_seen, last_seen)"
	                " VALUES($1, $2, $3, $4, $4) ON CONFLICT(fingerprint) DO UPDATE SET"
	                " serial = excluded.serial, cn = excluded.cn, last_seen = excluded.last_seen,"
	                " first_seen = CASE terminals.first_seen WHEN 0 THEN excluded.first_seen"
	                " ELSE terminals.first_seen END", "ttti", fingerprint, serial, cn, now);
}

static int
read_pair(PGresult *res, int row, void *out)
{
	int64_t *n = out;

	n[0] = pg_int(res, row, 0);
	n[1] = pg_int(res, row, 1);
	return SK_OK;
}

static int
terminal_revoked(struct sk_store_txn *t, const char *fingerprint, const char *serial,
                 int *revoked)
{
	PGresult *res;
	int64_t n[2] = { 0, 0 };
	int r;

	*revoked = 1;   /* fail closed */
	if ((r = pg_query(pg_conn(t), &res, "SELECT count(*), 0 FROM terminals WHERE revoked_at <> 0"
	                  " AND (fingerprint = $1 OR (serial <> '' AND serial = $2))", "tt",
	                  fingerprint, serial)) != SK_OK ||
	    (r = pg_select_one(res, read_pair, n)) != SK_OK)
		return r;
	*revoked = n[0] > 0;
	return SK_OK;
}

static int
terminal_revoke(struct sk_store_txn *t, const char *key, int by_serial, const char *by,
                int64_t now, int64_t *n)
{
	PGconn *c = pg_conn(t);
	PGresult *res;
	int64_t k[2] = { 0, 0 };   /* rows with that key, of which not revoked */
	int r;

	*n = 0;
	r = by_serial ?
	    pg_query(c, &res, "SELECT count(*), coalesce(sum(CASE WHEN revoked_at = 0 THEN 1"
	             " ELSE 0 END), 0) FROM terminals WHERE serial = $1", "t", key) :
	    pg_query(c, &res, "SELECT count(*), coalesce(sum(CASE WHEN revoked_at = 0 THEN 1"
	             " ELSE 0 END), 0) FROM terminals WHERE fingerprint = $1", "t", key);
	if (r != SK_OK || (r = pg_select_one(res, read_pair, k)) != SK_OK)
		return r;
	if (k[0] == 0 && by_serial)
		return SK_ERR_NOTFOUND;
	if (k[0] == 0) {
		*n = 1;
		return pg_write(c, "revoking a terminal",
		                "INSERT INTO terminals(fingerprint, revoked_at, revoked_by)"
		                " VALUES($1, $2, $3)", "tit", key, now, by);
	}
	*n = k[1];
	return by_serial ?
	       pg_write(c, "revoking a terminal", "UPDATE terminals SET revoked_at = $1,"
	                " revoked_by = $2 WHERE serial = $3 AND revoked_at = 0", "itt", now, by, key) :
	       pg_write(c, "revoking a terminal", "UPDATE terminals SET revoked_at = $1,"
	                " revoked_by = $2 WHERE fingerprint = $3 AND revoked_at = 0", "itt", now, by,
	                key);
}

static int
terminal_list(struct sk_store_txn *t, int (*fn)(void *, const struct terminal_rec *),
              void *arg)
{
	struct terminal_rec rec;
	PGresult *res;
	int r;

	if ((r = pg_query(pg_conn(t), &res, "SELECT fingerprint, serial, cn, first_seen, last_seen,"
	                  " revoked_at, revoked_by FROM terminals ORDER BY fingerprint COLLATE \"C\"",
	                  "")) != SK_OK)
		return r;
	for (int i = 0; i < PQntuples(res); i++) {
		memset(&rec, 0, sizeof(rec));
		rec.first_seen = pg_int(res, i, 3);
		rec.last_seen = pg_int(res, i, 4);
		rec.revoked_at = pg_int(res, i, 5);
		if ((r = pg_text(res, i, 0, rec.fingerprint, sizeof(rec.fingerprint))) != SK_OK ||
		    (r = pg_text(res, i, 1, rec.serial, sizeof(rec.serial))) != SK_OK ||
		    (r = pg_text(res, i, 2, rec.cn, sizeof(rec.cn))) != SK_OK ||
		    (r = pg_text(res, i, 6, rec.revoked_by, sizeof(rec.revoked_by))) != SK_OK ||
		    fn(arg, &rec) != 0)
			break;
	}
	PQclear(res);
	return r;
}

void
pg_terminal_ops(struct sk_store_ops *o)
{
	o->terminal_seen = terminal_seen;
	o->terminal_revoked = terminal_revoked;
	o->terminal_revoke = terminal_revoke;
	o->terminal_list = terminal_list;
}
