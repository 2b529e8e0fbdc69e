#include "sqlite_store.h"

#include <string.h>

#include "sk_err.h"
#include "sk_log.h"

#define FIDO2_COLUMNS "id, user_id, cred_id, cose_type, pubkey, aaguid, sign_count, fmt," \
	" subject, trusted, clone_flagged, created, last_used"

static int
copy_blob(sqlite3_stmt *st, int col, unsigned char *out, size_t cap, size_t *len)
{
	const void *b = sqlite3_column_blob(st, col);
	int n = sqlite3_column_bytes(st, col);

	if (b == NULL || n <= 0 || (size_t)n > cap) {
		sk_logerr("column %d: blob missing or %d bytes", col, n);
		return SK_ERR_STORE;
	}
	memcpy(out, b, (size_t)n);
	*len = (size_t)n;
	return SK_OK;
}

static int
read_row(sqlite3_stmt *st, void *row)
{
	struct fido2_rec *f = row;
	size_t aaguid_len = 0;

	memset(f, 0, sizeof(*f));
	f->id = sqlite3_column_int64(st, 0);
	f->user_id = sqlite3_column_int64(st, 1);
	f->cose_type = sqlite3_column_int(st, 3);
	f->sign_count = (uint32_t)sqlite3_column_int64(st, 6);
	f->trusted = sqlite3_column_int(st, 9);
	f->clone_flagged = sqlite3_column_int(st, 10);
	f->created = sqlite3_column_int64(st, 11);
	f->last_used = sqlite3_column_int64(st, 12);
	if (copy_blob(st, 2, f->cred_id, sizeof(f->cred_id), &f->cred_id_len) != SK_OK ||
	    copy_blob(st, 4, f->pubkey, sizeof(f->pubkey), &f->pubkey_len) != SK_OK ||
	    copy_blob(st, 5, f->aaguid, sizeof(f->aaguid), &aaguid_len) != SK_OK ||
	    aaguid_len != FIDO2_AAGUID_LEN ||
	    sq_col_text(st, 7, f->fmt, sizeof(f->fmt)) != SK_OK ||
	    sq_col_text(st, 8, f->subject, sizeof(f->subject)) != SK_OK)
		return SK_ERR_STORE;
	return SK_OK;
}

static int
fido2_list(struct sk_store_txn *t, int64_t user_id, int usable_only, struct fido2_rec *out,
           size_t cap, size_t *n)
{
	sqlite3 *db = sq_db(t);
	sqlite3_stmt *st;
	int r;

	*n = 0;
	if ((r = sq_query(db, &st, "SELECT " FIDO2_COLUMNS " FROM fido2 WHERE user_id = ?"
	                  " AND (? = 0 OR clone_flagged = 0) ORDER BY id", "ii", user_id,
	                  (int64_t)usable_only)) != SK_OK)
		return r;
	return sq_select(db, st, read_row, out, sizeof(*out), cap, n);
}

static int
fido2_insert(struct sk_store_txn *t, const struct fido2_rec *f, const unsigned char *attstmt,
             size_t attstmt_len, int64_t *id)
{
	return sq_insert(sq_db(t), id, "insert fido2", "INSERT INTO fido2(user_id, cred_id,"
	                 " cose_type, pubkey, aaguid, sign_count, fmt, attestation, subject, trusted,"
	                 " created) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "ibibbitbtii",
	                 f->user_id, (const void *)f->cred_id, f->cred_id_len, (int64_t)f->cose_type,
	                 (const void *)f->pubkey, f->pubkey_len, (const void *)f->aaguid,
	                 (size_t)FIDO2_AAGUID_LEN, (int64_t)f->sign_count, f->fmt,
	                 (const void *)attstmt, attstmt_len, f->subject, (int64_t)f->trusted,
	                 f->created);
}

static int
fido2_used(struct sk_store_txn *t, int64_t id, uint32_t sign_count, int64_t now)
{
	return sq_write(sq_db(t), "update fido2 counter", "UPDATE fido2 SET sign_count = ?,"
	                " last_used = ? WHERE id = ?", "iii", (int64_t)sign_count, now, id);
}

static int
fido2_flag_clone(struct sk_store_txn *t, int64_t id)
{
	return sq_write(sq_db(t), "flag fido2 clone", "UPDATE fido2 SET clone_flagged = 1"
	                " WHERE id = ?", "i", id);
}

static int
fido2_delete(struct sk_store_txn *t, int64_t user_id, int64_t id)
{
	return sq_write_one(sq_db(t), "delete fido2", "DELETE FROM fido2 WHERE user_id = ?"
	                    " AND id = ?", "ii", user_id, id);
}

void
sq_fido2_ops(struct sk_store_ops *o)
{
	o->fido2_list = fido2_list;
	o->fido2_insert = fido2_insert;
	o->fido2_used = fido2_used;
	o->fido2_flag_clone = fido2_flag_clone;
	o->fido2_delete = fido2_delete;
}
