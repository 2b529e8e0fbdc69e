/* IC card bindings (store_card.h) in the PostgreSQL backend. A revocation is one committed
 * UPDATE of the shared row: every broker's next lookup (card_by_spki, card_list) reads it. */
#include "pg_store.h"

#include <string.h>

#include "sk_err.h"
#include "sk_log.h"

#define CARD_COLUMNS "id, user_id, kind, spki_sha256, issuer, serial, not_after, revoked," \
	" revoke_reason, replaced_by, collected, destroyed, disposal_note, created, card_uid," \
	" revoked_at"

static int
read_row(PGresult *res, int row, void *out)
{
	struct card_rec *c = out;

	memset(c, 0, sizeof(*c));
	c->id = pg_int(res, row, 0);
	c->user_id = pg_int(res, row, 1);
	c->kind = (unsigned)pg_int(res, row, 2);
	c->not_after = pg_int(res, row, 6);
	c->revoked = (int)pg_int(res, row, 7);
	c->replaced_by = pg_int(res, row, 9);
	c->collected = pg_int(res, row, 10);
	c->destroyed = pg_int(res, row, 11);
	c->created = pg_int(res, row, 13);
	c->revoked_at = pg_int(res, row, 15);
	if (pg_text(res, row, 14, c->card_uid, sizeof(c->card_uid)) ||
	    pg_text(res, row, 3, c->binding.spki_sha256, sizeof(c->binding.spki_sha256)) ||
	    pg_text(res, row, 4, c->binding.issuer, sizeof(c->binding.issuer)) ||
	    pg_text(res, row, 5, c->binding.serial, sizeof(c->binding.serial)) ||
	    pg_text(res, row, 8, c->revoke_reason, sizeof(c->revoke_reason)) ||
	    pg_text(res, row, 12, c->disposal_note, sizeof(c->disposal_note)))
		return SK_ERR_STORE;
	return SK_OK;
}

static int
card_list(struct sk_store_txn *t, int64_t user_id, int active_only, struct card_rec *out,
          size_t cap, size_t *n)
{
	PGresult *res;
	int r;

	*n = 0;
	if ((r = pg_query(pg_conn(t), &res, "SELECT " CARD_COLUMNS " FROM cards WHERE user_id = $1"
	                  " AND ($2 = 0 OR revoked = 0) ORDER BY id", "ii", user_id,
	                  (int64_t)active_only)) != SK_OK)
		return r;
	return pg_select(res, read_row, out, sizeof(*out), cap, n);
}

static int
card_by_spki(struct sk_store_txn *t, const char *spki_sha256, struct card_rec *out)
{
	PGresult *res;
	int r;

	if ((r = pg_query(pg_conn(t), &res, "SELECT " CARD_COLUMNS " FROM cards"
	                  " WHERE spki_sha256 = $1", "t", spki_sha256)) != SK_OK)
		return r;
	return pg_select_one(res, read_row, out);
}

static int
read_id(PGresult *res, int row, void *out)
{
	*(int64_t *)out = pg_int(res, row, 0);
	return SK_OK;
}

/* The first user other than user_id that sql ($1 the key, $2 user_id) finds, or 0. */
static int
first_other(PGconn *c, const char *sql, int64_t user_id, const char *key, int64_t *other)
{
	PGresult *res;
	int r;

	if ((r = pg_query(c, &res, sql, "ti", key, user_id)) != SK_OK)
		return r;
	r = pg_select_one(res, read_id, other);
	return r == SK_ERR_NOTFOUND ? SK_OK : r;
}

static int
card_other_owner(struct sk_store_txn *t, int64_t user_id, const char *card_uid,
                 const char (*spki)[CARD_SPKI_HEX], size_t n_spki, int64_t *other)
{
	int r = SK_OK;

	*other = 0;
	if (card_uid != NULL && card_uid[0] != '\0')
		r = first_other(pg_conn(t), "SELECT user_id FROM cards WHERE card_uid = $1"
		                " AND user_id <> $2 LIMIT 1", user_id, card_uid, other);
	for (size_t i = 0; i < n_spki && r == SK_OK && *other == 0; i++)
		r = first_other(pg_conn(t), "SELECT user_id FROM cards WHERE spki_sha256 = $1"
		                " AND user_id <> $2 UNION ALL SELECT user_id FROM card_keys"
		                " WHERE spki_sha256 = $1 AND user_id <> $2 LIMIT 1", user_id, spki[i],
		                other);
	return r;
}

static int
card_add_keys(struct sk_store_txn *t, int64_t card_id, int64_t user_id,
              const char (*spki)[CARD_SPKI_HEX], size_t n_spki)
{
	int r = SK_OK;

	for (size_t i = 0; i < n_spki && r == SK_OK; i++)
		r = pg_write(pg_conn(t), "add card key", "INSERT INTO card_keys(spki_sha256, card_id,"
		             " user_id) VALUES($1, $2, $3) ON CONFLICT (spki_sha256) DO NOTHING", "tii",
		             spki[i], card_id, user_id);
	return r;
}

static int
read_name(PGresult *res, int row, void *out)
{
	struct { char *buf; size_t cap; } *dst = out;

	return pg_text(res, row, 0, dst->buf, dst->cap);
}

static int
card_user_name(struct sk_store_txn *t, int64_t user_id, char *name, size_t cap)
{
	struct { char *buf; size_t cap; } dst = { name, cap };
	PGresult *res;
	int r;

	if ((r = pg_query(pg_conn(t), &res, "SELECT name FROM users WHERE id = $1", "i",
	                  user_id)) != SK_OK)
		return r;
	return pg_select_one(res, read_name, &dst);
}

static int
card_insert(struct sk_store_txn *t, struct card_rec *c, const unsigned char *cert, size_t len)
{
	return pg_insert(pg_conn(t), &c->id, "insert card", "INSERT INTO cards(user_id, kind,"
	                 " spki_sha256, issuer, serial, cert, not_after, created, card_uid)"
	                 " VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9)"
	                 " ON CONFLICT DO NOTHING RETURNING id", "iitttbiit",
	                 c->user_id, (int64_t)c->kind, c->binding.spki_sha256, c->binding.issuer,
	                 c->binding.serial, (const void *)cert, len, c->not_after, c->created,
	                 c->card_uid);
}

static int
card_revoke(struct sk_store_txn *t, int64_t id, const char *reason, int64_t replaced_by,
            int64_t now)
{
	return pg_write_one(pg_conn(t), "revoke card", "UPDATE cards SET revoked = 1,"
	                    " revoke_reason = $1, replaced_by = NULLIF($2::bigint, 0),"
	                    " revoked_at = $3 WHERE id = $4 AND revoked = 0", "tiii", reason,
	                    replaced_by, now, id);
}

static int
card_dispose(struct sk_store_txn *t, int64_t id, int collected, int destroyed,
             const char *note, int64_t now)
{
	return pg_write_one(pg_conn(t), "dispose card", "UPDATE cards SET collected = CASE WHEN"
	                    " $1::bigint <> 0 THEN $4 ELSE collected END, destroyed = CASE WHEN"
	                    " $2::bigint <> 0 THEN $4 ELSE destroyed END, disposal_note = $3"
	                    " WHERE id = $5 AND revoked = 1", "iitii", (int64_t)collected,
	                    (int64_t)destroyed, note, now, id);
}

void
pg_card_ops(struct sk_store_ops *o)
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
