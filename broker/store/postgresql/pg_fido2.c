/* FIDO2 credentials (store_fido2.h) in the PostgreSQL backend. */
#include "pg_store.h"

#include <string.h>

#include "sk_err.h"
#include "sk_log.h"

#define FIDO2_COLUMNS "id, user_id, cred_id, cose_type, pubkey, aaguid, sign_count, fmt," \
	" subject, trusted, clone_flagged, created, last_used"

static int
read_row(PGresult *res, int row, void *out)
{
	struct fido2_rec *f = out;
	size_t aaguid_len = 0;

	memset(f, 0, sizeof(*f));
	f->id = pg_int(res, row, 0);
	f->user_id = pg_int(res, row, 1);
	f->cose_type = (int)pg_int(res, row, 3);
	f->sign_count = (uint32_t)pg_int(res, row, 6);
	f->trusted = (int)pg_int(res, row, 9);
	f->clone_flagged = (int)pg_int(res, row, 10);
	f->created = pg_int(res, row, 11);
	f->last_used = pg_int(res, row, 12);
	if (pg_blob(res, row, 2, f->cred_id, sizeof(f->cred_id), &f->cred_id_len, 0) != SK_OK ||
	    pg_blob(res, row, 4, f->pubkey, sizeof(f->pubkey), &f->pubkey_len, 0) != SK_OK ||
	    pg_blob(res, row, 5, f->aaguid, sizeof(f->aaguid), &aaguid_len, 0) != SK_OK ||
	    aaguid_len != FIDO2_AAGUID_LEN ||
	    pg_text(res, row, 7, f->fmt, sizeof(f->fmt)) != SK_OK ||
	    pg_text(res, row, 8, f->subject, sizeof(f->subject)) != SK_OK)
		return SK_ERR_STORE;
	return SK_OK;
}

static int
fido2_list(struct sk_store_txn *t, int64_t user_id, int usable_only, struct fido2_rec *out,
           size_t cap, size_t *n)
{
	PGresult *res;
	int r;

	*n = 0;
	if ((r = pg_query(pg_conn(t), &res, "SELECT " FIDO2_COLUMNS " FROM fido2 WHERE user_id = $1"
	                  " AND ($2 = 0 OR clone_flagged = 0) ORDER BY id", "ii", user_id,
	                  (int64_t)usable_only)) != SK_OK)
		return r;
	return pg_select(res, read_row, out, sizeof(*out), cap, n);
}

static int
fido2_insert(struct sk_store_txn *t, const struct fido2_rec *f, const unsigned char *attstmt,
             size_t attstmt_len, int64_t *id)
{
	return pg_insert(pg_conn(t), id, "insert fido2", "INSERT INTO fido2(user_id, cred_id,"
	                 " cose_type, pubkey, aaguid, sign_count, fmt, attestation, subject, trusted,"
	                 " created) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
	                 " ON CONFLICT DO NOTHING RETURNING id",
	                 "ibibbitbtii", f->user_id, (const void *)f->cred_id, f->cred_id_len,
	                 (int64_t)f->cose_type, (const void *)f->pubkey, f->pubkey_len,
	                 (const void *)f->aaguid, (size_t)FIDO2_AAGUID_LEN, (int64_t)f->sign_count,
	                 f->fmt, (const void *)attstmt, attstmt_len, f->subject,
	                 (int64_t)f->trusted, f->created);
}

static int
fido2_used(struct sk_store_txn *t, int64_t id, uint32_t sign_count, int64_t now)
{
	return pg_write(pg_conn(t), "update fido2 counter", "UPDATE fido2 SET sign_count = $1,"
	                " last_used = $2 WHERE id = $3", "iii", (int64_t)sign_count, now, id);
}

static int
fido2_flag_clone(struct sk_store_txn *t, int64_t id)
{
	return pg_write(pg_conn(t), "flag fido2 clone", "UPDATE fido2 SET clone_flagged = 1"
	                " WHERE id = $1", "i", id);
}

static int
fido2_delete(struct sk_store_txn *t, int64_t user_id, int64_t id)
{
	return pg_write_one(pg_conn(t), "delete fido2", "DELETE FROM fido2 WHERE user_id = $1"
	                    " AND id = $2", "ii", user_id, id);
}

void
pg_fido2_ops(struct sk_store_ops *o)
{
	o->fido2_list = fido2_list;
	o->fido2_insert = fido2_insert;
	o->fido2_used = fido2_used;
	o->fido2_flag_clone = fido2_flag_clone;
	o->fido2_delete = fido2_delete;
}
