/* Login sessions (store_session.h) in the SQLite backend. */
#include "sqlite_store.h"

#include "sk_err.h"

static int
session_open(struct sk_store_txn *t, const struct session_open_rec *s, int64_t *id)
{
	return sq_insert(sq_db(t), id, "insert session", "INSERT INTO sessions(user_id, service,"
	                 " rhost, tty, pid, opened) VALUES(?, ?, ?, ?, ?, ?)", "itttii", s->user_id,
	                 s->service, s->rhost, s->tty, s->pid, s->opened);
}

static int
session_close(struct sk_store_txn *t, int64_t user_id, int64_t id, int64_t when)
{
	return sq_write_one(sq_db(t), "close session", "UPDATE sessions SET closed = ? WHERE id = ?"
	                    " AND user_id = ? AND closed = 0", "iii", when, id, user_id);
}

static int
read_one(sqlite3_stmt *st, void *row)
{
	*(int *)row = sqlite3_column_int(st, 0);
	return SK_OK;
}

static int
session_is_open(struct sk_store_txn *t, int64_t user_id, int64_t id)
{
	sqlite3 *db = sq_db(t);
	sqlite3_stmt *st;
	int one = 0, r;

	if ((r = sq_query(db, &st, "SELECT 1 FROM sessions WHERE id = ? AND user_id = ?"
	                  " AND closed = 0", "ii", id, user_id)) != SK_OK)
		return r;
	return sq_select_one(db, st, read_one, &one);
}

void
sq_session_ops(struct sk_store_ops *o)
{
	o->session_open = session_open;
	o->session_close = session_close;
	o->session_is_open = session_is_open;
}
