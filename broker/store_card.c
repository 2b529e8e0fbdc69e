#include "store_card.h"

#include <string.h>

#include "sk_err.h"
#include "sk_log.h"
#include "store.h"

#define CARD_COLUMNS "id, user_id, kind, spki_sha256, issuer, serial, not_after, revoked," \
	" revoke_reason, replaced_by, collected, destroyed, disposal_note, created"

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
	if (store_col_text(st, 3, c->binding.spki_sha256, sizeof(c->binding.spki_sha256)) ||
	    store_col_text(st, 4, c->binding.issuer, sizeof(c->binding.issuer)) ||
	    store_col_text(st, 5, c->binding.serial, sizeof(c->binding.serial)) ||
	    store_col_text(st, 8, c->revoke_reason, sizeof(c->revoke_reason)) ||
	    store_col_text(st, 12, c->disposal_note, sizeof(c->disposal_note)))
		return SK_ERR_STORE;
	return SK_OK;
}

int
store_card_list(sqlite3 *db, int64_t user_id, int active_only, struct card_rec *out,
                size_t cap, size_t *n)
{
	sqlite3_stmt *st;
	int r;

	if ((r = store_prepare(db, "SELECT " CARD_COLUMNS " FROM cards WHERE user_id = ?"
	                       " AND (? = 0 OR revoked = 0) ORDER BY id", &st)))
		return r;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_int(st, 2, active_only);
	return store_select(db, st, read_row, out, sizeof(*out), cap, n);
}

int
store_card_by_spki(sqlite3 *db, const char *spki_sha256, struct card_rec *out)
{
	sqlite3_stmt *st;
	int r;

	if ((r = store_prepare(db, "SELECT " CARD_COLUMNS " FROM cards WHERE spki_sha256 = ?", &st)))
		return r;
	sqlite3_bind_text(st, 1, spki_sha256, -1, SQLITE_STATIC);
	return store_select_one(db, st, read_row, out);
}

int
store_card_insert(sqlite3 *db, struct card_rec *c, const unsigned char *cert, size_t len)
{
	sqlite3_stmt *st;
	int r;

	if ((r = store_prepare(db, "INSERT INTO cards(user_id, kind, spki_sha256, issuer, serial,"
	                       " cert, not_after, created) VALUES(?, ?, ?, ?, ?, ?, ?, ?)", &st)))
		return r;
	sqlite3_bind_int64(st, 1, c->user_id);
	sqlite3_bind_int(st, 2, (int)c->kind);
	sqlite3_bind_text(st, 3, c->binding.spki_sha256, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, c->binding.issuer, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, c->binding.serial, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 6, cert, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, c->not_after);
	sqlite3_bind_int64(st, 8, c->created);
	if ((r = store_step_done(db, st, "insert card")) == SK_OK)
		c->id = sqlite3_last_insert_rowid(db);
	return r;
}

int
store_card_revoke(sqlite3 *db, int64_t id, const char *reason, int64_t replaced_by, int64_t now)
{
	sqlite3_stmt *st;
	int r;

	(void)now;
	if ((r = store_prepare(db, "UPDATE cards SET revoked = 1, revoke_reason = ?,"
	                       " replaced_by = NULLIF(?, 0) WHERE id = ? AND revoked = 0", &st)))
		return r;
	sqlite3_bind_text(st, 1, reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, replaced_by);
	sqlite3_bind_int64(st, 3, id);
	if ((r = store_step_done(db, st, "revoke card")) != SK_OK)
		return r;
	return sqlite3_changes(db) == 1 ? SK_OK : SK_ERR_NOTFOUND;
}

int
store_card_dispose(sqlite3 *db, int64_t id, int collected, int destroyed, const char *note,
                   int64_t now)
{
	sqlite3_stmt *st;
	int r;

	if ((r = store_prepare(db, "UPDATE cards SET collected = CASE WHEN ?1 THEN ?4 ELSE collected"
	                       " END, destroyed = CASE WHEN ?2 THEN ?4 ELSE destroyed END,"
	                       " disposal_note = ?3 WHERE id = ?5 AND revoked = 1", &st)))
		return r;
	sqlite3_bind_int(st, 1, collected);
	sqlite3_bind_int(st, 2, destroyed);
	sqlite3_bind_text(st, 3, note, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int64(st, 5, id);
	if ((r = store_step_done(db, st, "dispose card")) != SK_OK)
		return r;
	return sqlite3_changes(db) == 1 ? SK_OK : SK_ERR_NOTFOUND;
}
