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

static int
card_list(struct sk_store_txn *t, int64_t user_id, int active_only, struct card_rec *out,
          size_t cap, size_t *n)
{
	sqlite3 *db = sq_db(t);
	sqlite3_stmt *st;
	int r;

	if ((r = sq_query(db, &st, "SELECT " CARD_COLUMNS " FROM cards WHERE user_id = ?"
	                  " AND (? = 0 OR revoked = 0) ORDER BY id", "ii", user_id,
	                  (int64_t)active_only)) != SK_OK)
		return r;
	return sq_select(db, st, read_row, out, sizeof(*out), cap, n);
}

static int
card_by_spki(struct sk_store_txn *t, const char *spki_sha256, struct card_rec *out)
{
	sqlite3 *db = sq_db(t);
	sqlite3_stmt *st;
	int r;

	if ((r = sq_query(db, &st, "SELECT " CARD_COLUMNS " FROM cards WHERE spki_sha256 = ?", "t",
	                  spki_sha256)) != SK_OK)
		return r;
	return sq_select_one(db, st, read_row, out);
}

static int
read_id(sqlite3_stmt *st, void *row)
{
	*(int64_t *)row = sqlite3_column_int64(st, 0);
	return SK_OK;
}

/* The first user other than user_id that sql (?1 the key, ?2 user_id) finds, or 0. */
static int
first_other(sqlite3 *db, const char *sql, int64_t user_id, const char *key, int64_t *other)
{
	sqlite3_stmt *st;
	int r;

	if ((r = sq_query(db, &st, sql, "ti", key, user_id)) != SK_OK)
		return r;
	r = sq_select_one(db, st, read_id, other);
	return r == SK_ERR_NOTFOUND ? SK_OK : r;
}

static int
card_other_owner(struct sk_store_txn *t, int64_t user_id, const char *card_uid,
                 const char (*spki)[CARD_SPKI_HEX], size_t n_spki, int64_t *other)
{
	sqlite3 *db = sq_db(t);
	int r = SK_OK;

	*other = 0;
	if (card_uid != NULL && card_uid[0] != '\0')
		r = first_other(db, "SELECT user_id FROM cards WHERE card_uid = ?1 AND user_id <> ?2"
		                " LIMIT 1", user_id, card_uid, other);
	for (size_t i = 0; i < n_spki && r == SK_OK && *other == 0; i++) {
		r = first_other(db, "SELECT user_id FROM cards WHERE spki_sha256 = ?1 AND user_id <> ?2"
		                " UNION ALL SELECT user_id FROM card_keys WHERE spki_sha256 = ?1"
		                " AND user_id <> ?2 LIMIT 1", user_id, spki[i], other);
	}
	return r;
}

static int
card_add_keys(struct sk_store_txn *t, int64_t card_id, int64_t user_id,
              const char (*spki)[CARD_SPKI_HEX], size_t n_spki)
{
	int r = SK_OK;

	for (size_t i = 0; i < n_spki && r == SK_OK; i++)
		r = sq_write(sq_db(t), "add card key", "INSERT OR IGNORE INTO card_keys(spki_sha256,"
		             " card_id, user_id) VALUES(?, ?, ?)", "tii", spki[i], card_id, user_id);
	return r;
}

static int
card_user_name(struct sk_store_txn *t, int64_t user_id, char *name, size_t cap)
{
	sqlite3 *db = sq_db(t);
	sqlite3_stmt *st;
	int r, rc;

	if ((r = sq_query(db, &st, "SELECT name FROM users WHERE id = ?", "i", user_id)) != SK_OK)
		return r;
	rc = sqlite3_step(st);
	r = rc == SQLITE_ROW ? sq_col_text(st, 0, name, cap) :
	    rc == SQLITE_DONE ? SK_ERR_NOTFOUND : SK_ERR_STORE;
	sqlite3_finalize(st);
	return r;
}

static int
card_insert(struct sk_store_txn *t, struct card_rec *c, const unsigned char *cert, size_t len)
{
	return sq_insert(sq_db(t), &c->id, "insert card", "INSERT INTO cards(user_id, kind,"
	                 " spki_sha256, issuer, serial, cert, not_after, created, card_uid)"
	                 " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)", "iitttbiit", c->user_id,
	                 (int64_t)c->kind, c->binding.spki_sha256, c->binding.issuer,
	                 c->binding.serial, (const void *)cert, len, c->not_after, c->created,
	                 c->card_uid);
}

static int
card_revoke(struct sk_store_txn *t, int64_t id, const char *reason, int64_t replaced_by,
            int64_t now)
{
	return sq_write_one(sq_db(t), "revoke card", "UPDATE cards SET revoked = 1,"
	                    " revoke_reason = ?, replaced_by = NULLIF(?, 0), revoked_at = ?"
	                    " WHERE id = ? AND revoked = 0", "tiii", reason, replaced_by, now, id);
}

static int
card_dispose(struct sk_store_txn *t, int64_t id, int collected, int destroyed,
             const char *note, int64_t now)
{
	return sq_write_one(sq_db(t), "dispose card", "UPDATE cards SET collected = CASE WHEN ?1"
	                    " THEN ?4 ELSE collected END, destroyed = CASE WHEN ?2 THEN ?4"
	                    " ELSE destroyed END, disposal_note = ?3 WHERE id = ?5 AND revoked = 1",
	                    "iitii", (int64_t)collected, (int64_t)destroyed, note, now, id);
}

void
sq_card_ops(struct sk_store_ops *o)
{
	o->card_list = card_list;
	o->card_by_spki = card_by_spki;
	o->card_other_owner = card_other_owner;
	o->card_add_keys = card_add_keys;
	o->card_user_name = card_user_name;
	o->card_insert = card_insert;
	o->card_revoke = card_revoke;
	o->card_dispose = card_dispose;
}
