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

static int
totp_list(struct sk_store_txn *t, int64_t user_id, int confirmed_only, struct totp_rec *out,
          size_t cap, size_t *n)
{
	sqlite3 *db = sq_db(t);
	sqlite3_stmt *st;
	int r;

	*n = 0;
	if ((r = sq_query(db, &st, "SELECT " TOTP_COLUMNS " FROM totp WHERE user_id = ?"
	                  " AND confirmed >= ? ORDER BY id", "ii", user_id,
	                  (int64_t)(confirmed_only ? 1 : 0))) != SK_OK)
		return r;
	return sq_select(db, st, read_row, out, sizeof(*out), cap, n);
}

static int
totp_get(struct sk_store_txn *t, int64_t user_id, int64_t id, struct totp_rec *out)
{
	sqlite3 *db = sq_db(t);
	sqlite3_stmt *st;
	int r;

	if ((r = sq_query(db, &st, "SELECT " TOTP_COLUMNS " FROM totp WHERE user_id = ? AND id = ?",
	                  "ii", user_id, id)) != SK_OK)
		return r;
	return sq_select_one(db, st, read_row, out);
}

static int
totp_insert(struct sk_store_txn *t, struct totp_rec *rec)
{
	return sq_insert(sq_db(t), &rec->id, "insert totp", "INSERT INTO totp(user_id, algorithm,"
	                 " digits, period, sealed, last_step, confirmed, created)"
	                 " VALUES(?, ?, ?, ?, ?, ?, ?, ?)", "itiibiii", rec->user_id,
	                 sk_totp_algo_name(rec->params.algo), (int64_t)rec->params.digits,
	                 (int64_t)rec->params.period, (const void *)rec->sealed, rec->sealed_len,
	                 rec->last_step, (int64_t)rec->confirmed, rec->created);
}

static int
totp_set_last_step(struct sk_store_txn *t, int64_t id, int64_t step)
{
	return sq_write(sq_db(t), "update totp step", "UPDATE totp SET last_step = ? WHERE id = ?",
	                "ii", step, id);
}

static int
totp_confirm(struct sk_store_txn *t, int64_t user_id, int64_t id, int64_t step)
{
	int r = sq_write(sq_db(t), "confirm totp", "UPDATE totp SET confirmed = 1, last_step = ?"
	                 " WHERE id = ? AND user_id = ?", "iii", step, id, user_id);

	if (r != SK_OK)
		return r;
	return sq_write(sq_db(t), "remove replaced totp", "DELETE FROM totp WHERE user_id = ?"
	                " AND id <> ?", "ii", user_id, id);
}

static int
totp_delete_unconfirmed(struct sk_store_txn *t, int64_t user_id)
{
	return sq_write(sq_db(t), "delete totp", "DELETE FROM totp WHERE user_id = ?"
	                " AND confirmed = 0", "i", user_id);
}

static int
totp_delete_all(struct sk_store_txn *t, int64_t user_id)
{
	return sq_write(sq_db(t), "delete totp", "DELETE FROM totp WHERE user_id = ?", "i",
	                user_id);
}

void
sq_totp_ops(struct sk_store_ops *o)
{
	o->totp_list = totp_list;
	o->totp_get = totp_get;
	o->totp_insert = totp_insert;
	o->totp_set_last_step = totp_set_last_step;
	o->totp_confirm = totp_confirm;
	o->totp_delete_unconfirmed = totp_delete_unconfirmed;
	o->totp_delete_all = totp_delete_all;
}
