/* TOTP factors (store_totp.h) in the PostgreSQL backend. The one-time-code rule across
 * brokers: last_step is read and written under the user lock (pg_backend.c), so two brokers
 * checking one code for one user run one after the other and the second sees the step. */
#include "pg_store.h"

#include <string.h>

#include "sk_err.h"
#include "sk_log.h"

#define TOTP_COLUMNS "id, user_id, algorithm, digits, period, sealed, last_step, confirmed," \
	" created"

static int
read_row(PGresult *res, int row, void *out)
{
	struct totp_rec *t = out;
	char algo[16];
	enum sk_totp_algo a;

	memset(t, 0, sizeof(*t));
	if (pg_text(res, row, 2, algo, sizeof(algo)) != SK_OK ||
	    sk_totp_algo_parse(algo, &a) != SK_OK ||
	    pg_blob(res, row, 5, t->sealed, sizeof(t->sealed), &t->sealed_len, 0) != SK_OK) {
		sk_logerr("totp row malformed");
		return SK_ERR_STORE;
	}
	t->id = pg_int(res, row, 0);
	t->user_id = pg_int(res, row, 1);
	t->params.algo = a;
	t->params.digits = (unsigned)pg_int(res, row, 3);
	t->params.period = (unsigned)pg_int(res, row, 4);
	t->last_step = pg_int(res, row, 6);
	t->confirmed = (int)pg_int(res, row, 7);
	t->created = pg_int(res, row, 8);
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
	PGresult *res;
	int r;

	*n = 0;
	if ((r = pg_query(pg_conn(t), &res, "SELECT " TOTP_COLUMNS " FROM totp WHERE user_id = $1"
	                  " AND confirmed >= $2 ORDER BY id", "ii", user_id,
	                  (int64_t)(confirmed_only ? 1 : 0))) != SK_OK)
		return r;
	return pg_select(res, read_row, out, sizeof(*out), cap, n);
}

static int
totp_get(struct sk_store_txn *t, int64_t user_id, int64_t id, struct totp_rec *out)
{
	PGresult *res;
	int r;

	if ((r = pg_query(pg_conn(t), &res, "SELECT " TOTP_COLUMNS " FROM totp WHERE user_id = $1"
	                  " AND id = $2", "ii", user_id, id)) != SK_OK)
		return r;
	return pg_select_one(res, read_row, out);
}

static int
totp_insert(struct sk_store_txn *t, struct totp_rec *rec)
{
	return pg_insert(pg_conn(t), &rec->id, "insert totp", "INSERT INTO totp(user_id, algorithm,"
	                 " digits, period, sealed, last_step, confirmed, created)"
	                 " VALUES($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id", "itiibiii",
	                 rec->user_id, sk_totp_algo_name(rec->params.algo),
	                 (int64_t)rec->params.digits, (int64_t)rec->params.period,
	                 (const void *)rec->sealed, rec->sealed_len, rec->last_step,
	                 (int64_t)rec->confirmed, rec->created);
}

static int
totp_set_last_step(struct sk_store_txn *t, int64_t id, int64_t step)
{
	return pg_write(pg_conn(t), "update totp step", "UPDATE totp SET last_step = $1"
	                " WHERE id = $2", "ii", step, id);
}

static int
totp_confirm(struct sk_store_txn *t, int64_t user_id, int64_t id, int64_t step)
{
	int r = pg_write(pg_conn(t), "confirm totp", "UPDATE totp SET confirmed = 1,"
	                 " last_step = $1 WHERE id = $2 AND user_id = $3", "iii", step, id, user_id);

	if (r != SK_OK)
		return r;
	return pg_write(pg_conn(t), "remove replaced totp", "DELETE FROM totp WHERE user_id = $1"
	                " AND id <> $2", "ii", user_id, id);
}

static int
totp_delete_unconfirmed(struct sk_store_txn *t, int64_t user_id)
{
	return pg_write(pg_conn(t), "delete totp", "DELETE FROM totp WHERE user_id = $1"
	                " AND confirmed = 0", "i", user_id);
}

static int
totp_delete_all(struct sk_store_txn *t, int64_t user_id)
{
	return pg_write(pg_conn(t), "delete totp", "DELETE FROM totp WHERE user_id = $1", "i",
	                user_id);
}

void
pg_totp_ops(struct sk_store_ops *o)
{
	o->totp_list = totp_list;
	o->totp_get = totp_get;
	o->totp_insert = totp_insert;
	o->totp_set_last_step = totp_set_last_step;
	o->totp_confirm = totp_confirm;
	o->totp_delete_unconfirmed = totp_delete_unconfirmed;
	o->totp_delete_all = totp_delete_all;
}
