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

int
sq_fido2_list(struct sk_store_txn *txn, int64_t user_id, int usable_only,
              struct fido2_rec *out, size_t cap, size_t *n)
{
	sqlite3 *db = sq_db(txn);
	sqlite3_stmt *st;
	int r;

	*n = 0;
	if ((r = sq_prepare(db, "SELECT " FIDO2_COLUMNS " FROM fido2 WHERE user_id = ?"
	                    " AND (? = 0 OR clone_flagged = 0) ORDER BY id", &st)))
		return r;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_int(st, 2, usable_only);
	return sq_select(db, st, read_row, out, sizeof(*out), cap, n);
}

int
sq_fido2_insert(struct sk_store_txn *txn, const struct fido2_rec *f,
                const unsigned char *attstmt, size_t attstmt_len, int64_t *id)
{
	sqlite3 *db = sq_db(txn);
	sqlite3_stmt *st;
	int r;

	if ((r = sq_prepare(db, "INSERT INTO fido2(user_id, cred_id, cose_type, pubkey, aaguid,"
	                 " sign_count, fmt, attestation, subject, trusted, created)"
	                 " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &st)))
		return r;
	sqlite3_bind_int64(st, 1, f->user_id);
	sqlite3_bind_blob(st, 2, f->cred_id, (int)f->cred_id_len, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, f->cose_type);
	sqlite3_bind_blob(st, 4, f->pubkey, (int)f->pubkey_len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, f->aaguid, FIDO2_AAGUID_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, f->sign_count);
	sqlite3_bind_text(st, 7, f->fmt, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 8, attstmt ? (const void *)attstmt : "", (int)attstmt_len, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, f->subject, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 10, f->trusted);
	sqlite3_bind_int64(st, 11, f->created);
	if ((r = sq_step_done(db, st, "insert fido2")) == SK_OK)
		*id = sqlite3_last_insert_rowid(db);
	return r;
}

int
sq_fido2_used(struct sk_store_txn *txn, int64_t id, uint32_t sign_count, int64_t now)
{
	sqlite3 *db = sq_db(txn);
	sqlite3_stmt *st;
	int r;

	if ((r = sq_prepare(db, "UPDATE fido2 SET sign_count = ?, last_used = ? WHERE id = ?", &st)))
		return r;
	sqlite3_bind_int64(st, 1, sign_count);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, id);
	return sq_step_done(db, st, "update fido2 counter");
}

int
sq_fido2_flag_clone(struct sk_store_txn *txn, int64_t id)
{
	sqlite3 *db = sq_db(txn);
	sqlite3_stmt *st;
	int r;

	if ((r = sq_prepare(db, "UPDATE fido2 SET clone_flagged = 1 WHERE id = ?", &st)))
		return r;
	sqlite3_bind_int64(st, 1, id);
	return sq_step_done(db, st, "flag fido2 clone");
}

int
sq_fido2_delete(struct sk_store_txn *txn, int64_t user_id, int64_t id)
{
	sqlite3 *db = sq_db(txn);
	sqlite3_stmt *st;
	int r;

	if ((r = sq_prepare(db, "DELETE FROM fido2 WHERE user_id = ? AND id = ?", &st)))
		return r;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_int64(st, 2, id);
	if ((r = sq_step_done(db, st, "delete fido2")) != SK_OK)
		return r;
	return sqlite3_changes(db) == 1 ? SK_OK : SK_ERR_NOTFOUND;
}
