/* Login sessions (store_session.h) in the PostgreSQL backend. */
#include "pg_store.h"

#include "sk_err.h"

static int
session_open(struct sk_store_txn *t, const struct session_open_rec *s, int64_t *id)
{
	return pg_insert(pg_conn(t), id, "insert session", "INSERT INTO sessions(user_id, service,"
	                 " rhost, tty, pid, opened) VALUES($1, $2, $3, $4, $5, $6) RETURNING id",
	                 "itttii", s->user_id, s->service, s->rhost, s->tty, s->pid, s->opened);
}

static int
session_close(struct sk_store_txn *t, int64_t user_id, int64_t id, int64_t when)
{
	return pg_write_one(pg_conn(t), "close session", "UPDATE sessions SET closed = $1"
	                    " WHERE id = $2 AND user_id = $3 AND closed = 0", "iii", when, id,
	                    user_id);
}

static int
read_one(PGresult *res, int row, void *out)
{
	*(int *)out = (int)pg_int(res, row, 0);
	return SK_OK;
}

static int
session_is_open(struct sk_store_txn *t, int64_t user_id, int64_t id)
{
	PGresult *res;
	int one = 0, r;

	if ((r = pg_query(pg_conn(t), &res, "SELECT 1 FROM sessions WHERE id = $1 AND user_id = $2"
	                  " AND closed = 0", "ii", id, user_id)) != SK_OK)
		return r;
	return pg_select_one(res, read_one, &one);
}

void
pg_session_ops(struct sk_store_ops *o)
{
	o->session_open = session_open;
	o->session_close = session_close;
	o->session_is_open = session_is_open;
}
