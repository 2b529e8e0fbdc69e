/* Login sessions (store_session.h) in the SQLite backend. */
#include "sqlite_store.h"

#include "sk_err.h"
#include "sk_log.h"

int
sq_session_open(struct sk_store_txn *txn, const struct session_open_rec *s, int64_t *id)
{
	sqlite3 *db = sq_db(txn);
	sqlite3_stmt *st;
	int r;

	if ((r = sq_prepare(db, "INSERT INTO sessions(user_id, service, rhost, tty, pid, opened)"
	                    " VALUES(?, ?, ?, ?, ?, ?)", &st)) != SK_OK)
		return r;
	sqlite3_bind_int64(st, 1, s->user_id);
	sqlite3_bind_text(st, 2, s->service, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, s->rhost, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, s->tty, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, s->pid);
	sqlite3_bind_int64(st, 6, s->opened);
	if ((r = sq_step_done(db, st, "insert session")) == SK_OK)
		*id = sqlite3_last_insert_rowid(db);
	return r;
}

int
sq_session_close(struct sk_store_txn *txn, int64_t user_id, int64_t id, int64_t when)
{
	sqlite3 *db = sq_db(txn);
	sqlite3_stmt *st;
	int r;

	if ((r = sq_prepare(db, "UPDATE sessions SET closed = ? WHERE id = ? AND user_id = ?"
	                    " AND closed = 0", &st)) != SK_OK)
		return r;
	sqlite3_bind_int64(st, 1, when);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_int64(st, 3, user_id);
	if ((r = sq_step_done(db, st, "close session")) != SK_OK)
		return r;
	return sqlite3_changes(db) == 1 ? SK_OK : SK_ERR_NOTFOUND;
}

static int
read_one(sqlite3_stmt *st, void *row)
{
	*(int *)row = sqlite3_column_int(st, 0);
	return SK_OK;
}

int
sq_session_is_open(struct sk_store_txn *txn, int64_t user_id, int64_t id)
{
	sqlite3 *db = sq_db(txn);
	sqlite3_stmt *st;
	int one = 0, r;

	if ((r = sq_prepare(db, "SELECT 1 FROM sessions WHERE id = ? AND user_id = ?"
	                    " AND closed = 0", &st)) != SK_OK)
		return r;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, user_id);
	return sq_select_one(db, st, read_one, &one);
}
