#include "sqlite_store.h"

#include <string.h>

#include "sk_err.h"
#include "sk_log.h"

#define CARD_COLUMNS "id, user_id, kind, spki_sha256, issuer, serial, not_after, revoked," \
	" revoke_reason, replaced_by, collected, destroyed, disposal_note, created, card_uid," \
	" revoked_at"

static int
read_row(sqlite3_stmt *st, void *row)
{
	struct card_rec *c = row;

	memset(c, 0, sizeof(*c));
	c->id = sqlite3_column_int64(st, 0);
	c->user_id = sqlite3_column_int64(st, 1);
	c->kind = (unsigned)sqlite3_column_int(st, 2);
	c->not_after = sqlite3_column_int64(st, 6);
	c->revoked = sqlite3_column_int(st, 7);
	c->replaced_by = sqlite3_column_int64(st, 9);
	c->collected = sqlite3_column_int64(st, 10);
	c->destroyed = sqlite3_column_int64(st, 11);
	c->created = sqlite3_column_int64(st, 13);
	c->revoked_at = sqlite3_column_int64(st, 15);
	if (sq_col_text(st, 14, c->card_uid, sizeof(c->card_uid)) ||
	    sq_col_text(st, 3, c->binding.spki_sha256, sizeof(c->binding.spki_sha256)) ||
	    sq_col_text(st, 4, c->binding.issuer, sizeof(c->binding.issuer)) ||
	    sq_col_text(st, 5, c->binding.serial, sizeof(c->binding.serial)) ||
	    sq_col_text(st, 8, c->revoke_reason, sizeof(c->revoke_reason)) ||
	    sq_col_text(st, 12, c->disposal_note, sizeof(c->disposal_note)))
		return SK_ERR_STORE;
	return SK_OK;
}

int
sq_card_list(struct sk_store_txn *txn, int64_t user_id, int active_only,
             struct card_rec *out, size_t cap, size_t *n)
{
	sqlite3 *db = sq_db(txn);
	sqlite3_stmt *st;
	int r;

	if ((r = sq_prepare(db, "SELECT " CARD_COLUMNS " FROM cards WHERE user_id = ?"
	                    " AND (? = 0 OR revoked = 0) ORDER BY id", &st)))
		return r;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_int(st, 2, active_only);
	return sq_select(db, st, read_row, out, sizeof(*out), cap, n);
}

int
sq_card_by_spki(struct sk_store_txn *txn, const char *spki_sha256, struct card_rec *out)
{
	sqlite3 *db = sq_db(txn);
	sqlite3_stmt *st;
	int r;

	if ((r = sq_prepare(db, "SELECT " CARD_COLUMNS " FROM cards WHERE spki_sha256 = ?", &st)))
		return r;
	sqlite3_bind_text(st, 1, spki_sha256, -1, SQLITE_STATIC);
	return sq_select_one(db, st, read_row, out);
}

static int
first_other(sqlite3 *db, const char *sql, int64_t user_id, const char *key, int64_t *other)
{
	sqlite3_stmt *st;
	int r, rc;

	if ((r = sq_prepare(db, sql, &st)) != SK_OK)
		return r;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, user_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*other = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sk_logerr("card owner: %s", sqlite3_errmsg(db));
		return SK_ERR_STORE;
	}
	return SK_OK;
}

int
sq_card_other_owner(struct sk_store_txn *txn, int64_t user_id, const char *card_uid,
                    const char (*spki)[CARD_SPKI_HEX], size_t n_spki, int64_t *other)
{
	sqlite3 *db = sq_db(txn);
	int r = SK_OK;

	*other = 0;
	if (card_uid != NULL && card_uid[0] != '\0')
		r = first_other(db, "SELECT user_id FROM cards WHERE card_uid = ? AND user_id <> ?"
		                " LIMIT 1", user_id, card_uid, other);
	for (size_t i = 0; i < n_spki && r == SK_OK && *other == 0; i++) {
		r = first_other(db, "SELECT user_id FROM cards WHERE spki_sha256 = ?1 AND user_id <> ?2"
		                " UNION ALL SELECT user_id FROM card_keys WHERE spki_sha256 = ?1"
		                " AND user_id <> ?2 LIMIT 1", user_id, spki[i], other);
	}
	return r;
}

int
sq_card_add_keys(struct sk_store_txn *txn, int64_t card_id, int64_t user_id,
                 const char (*spki)[CARD_SPKI_HEX], size_t n_spki)
{
	sqlite3 *db = sq_db(txn);
	int r = SK_OK;

	for (size_t i = 0; i < n_spki && r == SK_OK; i++) {
		sqlite3_stmt *st;

		if ((r = sq_prepare(db, "INSERT OR IGNORE INTO card_keys(spki_sha256, card_id,"
		                       " user_id) VALUES(?, ?, ?)", &st)) != SK_OK)
			return r;
		sqlite3_bind_text(st, 1, spki[i], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, card_id);
		sqlite3_bind_int64(st, 3, user_id);
		r = sq_step_done(db, st, "add card key");
	}
	return r;
}

int
sq_card_user_name(struct sk_store_txn *txn, int64_t user_id, char *name, size_t cap)
{
	sqlite3 *db = sq_db(txn);
	sqlite3_stmt *st;
	int r, rc;

	if ((r = sq_prepare(db, "SELECT name FROM users WHERE id = ?", &st)) != SK_OK)
		return r;
	sqlite3_bind_int64(st, 1, user_id);
	rc = sqlite3_step(st);
	r = rc == SQLITE_ROW ? sq_col_text(st, 0, name, cap) :
	    rc == SQLITE_DONE ? SK_ERR_NOTFOUND : SK_ERR_STORE;
	sqlite3_finalize(st);
	return r;
}

int
sq_card_insert(struct sk_store_txn *txn, struct card_rec *c, const unsigned char *cert,
               size_t len)
{
	sqlite3 *db = sq_db(txn);
	sqlite3_stmt *st;
	int r;

	if ((r = sq_prepare(db, "INSERT INTO cards(user_id, kind, spki_sha256, issuer, serial,"
	                    " cert, not_after, created, card_uid) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)",
	                    &st)))
		return r;
	sqlite3_bind_text(st, 9, c->card_uid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 1, c->user_id);
	sqlite3_bind_int(st, 2, (int)c->kind);
	sqlite3_bind_text(st, 3, c->binding.spki_sha256, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, c->binding.issuer, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, c->binding.serial, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 6, cert, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, c->not_after);
	sqlite3_bind_int64(st, 8, c->created);
	if ((r = sq_step_done(db, st, "insert card")) == SK_OK)
		c->id = sqlite3_last_insert_rowid(db);
	return r;
}

int
sq_card_revoke(struct sk_store_txn *txn, int64_t id, const char *reason, int64_t replaced_by,
               int64_t now)
{
	sqlite3 *db = sq_db(txn);
	sqlite3_stmt *st;
	int r;

	if ((r = sq_prepare(db, "UPDATE cards SET revoked = 1, revoke_reason = ?,"
	                    " replaced_by = NULLIF(?, 0), revoked_at = ? WHERE id = ?"
	                    " AND revoked = 0", &st)))
		return r;
	sqlite3_bind_text(st, 1, reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, replaced_by);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, id);
	if ((r = sq_step_done(db, st, "revoke card")) != SK_OK)
		return r;
	return sqlite3_changes(db) == 1 ? SK_OK : SK_ERR_NOTFOUND;
}

int
sq_card_dispose(struct sk_store_txn *txn, int64_t id, int collected, int destroyed,
                const char *note, int64_t now)
{
	sqlite3 *db = sq_db(txn);
	sqlite3_stmt *st;
	int r;

	if ((r = sq_prepare(db, "UPDATE cards SET collected = CASE WHEN ?1 THEN ?4 ELSE collected"
	                    " END, destroyed = CASE WHEN ?2 THEN ?4 ELSE destroyed END,"
	                    " disposal_note = ?3 WHERE id = ?5 AND revoked = 1", &st)))
		return r;
	sqlite3_bind_int(st, 1, collected);
	sqlite3_bind_int(st, 2, destroyed);
	sqlite3_bind_text(st, 3, note, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int64(st, 5, id);
	if ((r = sq_step_done(db, st, "dispose card")) != SK_OK)
		return r;
	return sqlite3_changes(db) == 1 ? SK_OK : SK_ERR_NOTFOUND;
}
