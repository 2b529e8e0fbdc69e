#include "sqlite_store.h"

#include <string.h>

#include "sk_err.h"
#include "sk_log.h"

#define TOTP_COLUMNS "id, user_id, algorithm, digits, period, sealed, last_step, confirmed, created"

static int
read_row(sqlite3_stmt *st, void *row)
{
	struct totp_rec *t = row;
	const void *blob = sqlite3_column_blob(st, 5);
	int blen = sqlite3_column_bytes(st, 5);
	const char *algo = (const char *)sqlite3_column_text(st, 2);
	enum sk_totp_algo a;

	memset(t, 0, sizeof(*t));
	if (blob == NULL || blen <= 0 || (size_t)blen > sizeof(t->sealed) || algo == NULL ||
	    sk_totp_algo_parse(algo, &a) != SK_OK) {
		sk_logerr("totp row malformed");
		return SK_ERR_STORE;
	}
	t->id = sqlite3_column_int64(st, 0);
	t->user_id = sqlite3_column_int64(st, 1);
	t->params.algo = a;
	t->params.digits = (unsigned)sqlite3_column_int(st, 3);
	t->params.period = (unsigned)sqlite3_column_int(st, 4);
	memcpy(t->sealed, blob, (size_t)blen);
	t->sealed_len = (size_t)blen;
	t->last_step = sqlite3_column_int64(st, 6);
	t->confirmed = sqlite3_column_int(st, 7);
	t->created = sqlite3_column_int64(st, 8);
	if (sk_totp_params_check(&t->params) != SK_OK) {
		sk_logerr("totp row parameters out of range");
		return SK_ERR_STORE;
	}
	return SK_OK;
}

int
sq_totp_list(struct sk_store_txn *txn, int64_t user_id, int confirmed_only,
             struct totp_rec *out, size_t cap, size_t *n)
{
	sqlite3 *db = sq_db(txn);
	sqlite3_stmt *st;
	int r;

	*n = 0;
	if ((r = sq_prepare(db, "SELECT " TOTP_COLUMNS " FROM totp WHERE user_id = ?"
	                    " AND confirmed >= ? ORDER BY id", &st)))
		return r;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_int(st, 2, confirmed_only ? 1 : 0);
	return sq_select(db, st, read_row, out, sizeof(*out), cap, n);
}

int
sq_totp_get(struct sk_store_txn *txn, int64_t user_id, int64_t id, struct totp_rec *out)
{
	sqlite3 *db = sq_db(txn);
	sqlite3_stmt *st;
	int r;

	if ((r = sq_prepare(db, "SELECT " TOTP_COLUMNS " FROM totp WHERE user_id = ? AND id = ?",
	                    &st)))
		return r;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_int64(st, 2, id);
	return sq_select_one(db, st, read_row, out);
}

int
sq_totp_insert(struct sk_store_txn *txn, struct totp_rec *t)
{
	sqlite3 *db = sq_db(txn);
	sqlite3_stmt *st;
	int r;

	if ((r = sq_prepare(db, "INSERT INTO totp(user_id, algorithm, digits, period, sealed,"
	                    " last_step, confirmed, created) VALUES(?, ?, ?, ?, ?, ?, ?, ?)", &st)))
		return r;
	sqlite3_bind_int64(st, 1, t->user_id);
	sqlite3_bind_text(st, 2, sk_totp_algo_name(t->params.algo), -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, (int)t->params.digits);
	sqlite3_bind_int(st, 4, (int)t->params.period);
	sqlite3_bind_blob(st, 5, t->sealed, (int)t->sealed_len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, t->last_step);
	sqlite3_bind_int(st, 7, t->confirmed);
	sqlite3_bind_int64(st, 8, t->created);
	if ((r = sq_step_done(db, st, "insert totp")) == SK_OK)
		t->id = sqlite3_last_insert_rowid(db);
	return r;
}

int
sq_totp_set_last_step(struct sk_store_txn *txn, int64_t id, int64_t step)
{
	sqlite3 *db = sq_db(txn);
	sqlite3_stmt *st;
	int r;

	if ((r = sq_prepare(db, "UPDATE totp SET last_step = ? WHERE id = ?", &st)))
		return r;
	sqlite3_bind_int64(st, 1, step);
	sqlite3_bind_int64(st, 2, id);
	return sq_step_done(db, st, "update totp step");
}

int
sq_totp_confirm(struct sk_store_txn *txn, int64_t user_id, int64_t id, int64_t step)
{
	sqlite3 *db = sq_db(txn);
	sqlite3_stmt *st;
	int r;

	if ((r = sq_prepare(db, "UPDATE totp SET confirmed = 1, last_step = ? WHERE id = ?"
	                    " AND user_id = ?", &st)))
		return r;
	sqlite3_bind_int64(st, 1, step);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_int64(st, 3, user_id);
	if ((r = sq_step_done(db, st, "confirm totp")) != SK_OK)
		return r;
	if ((r = sq_prepare(db, "DELETE FROM totp WHERE user_id = ? AND id <> ?", &st)))
		return r;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_int64(st, 2, id);
	return sq_step_done(db, st, "remove replaced totp");
}

static int
delete_where(sqlite3 *db, int64_t user_id, const char *sql)
{
	sqlite3_stmt *st;
	int r;

	if ((r = sq_prepare(db, sql, &st)))
		return r;
	sqlite3_bind_int64(st, 1, user_id);
	return sq_step_done(db, st, "delete totp");
}

int
sq_totp_delete_unconfirmed(struct sk_store_txn *txn, int64_t user_id)
{
	sqlite3 *db = sq_db(txn);
	return delete_where(db, user_id, "DELETE FROM totp WHERE user_id = ? AND confirmed = 0");
}

int
sq_totp_delete_all(struct sk_store_txn *txn, int64_t user_id)
{
	sqlite3 *db = sq_db(txn);
	return delete_where(db, user_id, "DELETE FROM totp WHERE user_id = ?");
}
