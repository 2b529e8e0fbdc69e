/* Outstanding cards and security keys (store_outstanding.h) in SQLite (schema step "HR return
 * and retirement"). */
#include "sqlite_store.h"

#include <string.h>

#include "sk_err.h"
#include "sk_log.h"
#include "store_outstanding.h"

static int
fido2_out_add(struct sk_store_txn *t, const char *user, int64_t cred_id, const char *aaguid,
              const char *subject, int64_t now)
{
	int64_t id;

	return sq_insert(sq_db(t), &id, "recording an outstanding security key",
	                 "INSERT INTO fido2_outstanding(holder, cred_id, aaguid, subject, recorded)"
	                 " VALUES(?, ?, ?, ?, ?)", "titti", user, cred_id, aaguid, subject, now);
}

static int
fido2_out_dispose(struct sk_store_txn *t, int64_t id, const char *user, const char *disposition,
                  const char *note, const char *by, int64_t now)
{
	return sq_write_one(sq_db(t), "disposing of a security key",
	                    "UPDATE fido2_outstanding SET disposition = ?, note = ?, disposed_by = ?,"
	                    " disposed_at = ? WHERE id = ? AND disposition = ''"
	                    " AND (? = '' OR holder = ?)", "tttiitt", disposition, note, by, now, id,
	                    user, user);
}

static int
read_outstanding(sqlite3_stmt *st, void *row)
{
	struct outstanding_rec *v = row;

	memset(v, 0, sizeof(*v));
	v->is_key = sqlite3_column_int(st, 0);
	v->id = sqlite3_column_int64(st, 1);
	v->cred_id = sqlite3_column_int64(st, 3);
	v->since = sqlite3_column_int64(st, 6);
	if (sq_col_text(st, 2, v->user, sizeof(v->user)) ||
	    sq_col_text(st, 4, v->ident, sizeof(v->ident)) ||
	    sq_col_text(st, 5, v->subject, sizeof(v->subject)) ||
	    sq_col_text(st, 7, v->reason, sizeof(v->reason)))
		return SK_ERR_STORE;
	return SK_OK;
}

static int
outstanding_list(struct sk_store_txn *t, const char *user,
                 int (*fn)(void *, const struct outstanding_rec *), void *arg)
{
	sqlite3 *db = sq_db(t);
	sqlite3_stmt *st;
	struct outstanding_rec v;
	int r, rc;

	if ((r = sq_query(db, &st,
	                  "SELECT 1, id, holder, cred_id, aaguid, subject, recorded, 'retired'"
	                  " FROM fido2_outstanding WHERE disposition = '' AND (?1 = '' OR holder = ?1)"
	                  " UNION ALL"
	                  " SELECT 0, c.id, u.name, 0, c.spki_sha256, '', c.revoked_at,"
	                  " c.revoke_reason FROM cards c JOIN users u ON u.id = c.user_id"
	                  " WHERE c.revoked = 1 AND c.collected = 0 AND c.destroyed = 0"
	                  " AND (?1 = '' OR u.name = ?1)"
	                  " ORDER BY 1 DESC, 2", "t", user)) != SK_OK)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((r = read_outstanding(st, &v)) != SK_OK || fn(arg, &v) != 0)
			break;
	}
	sqlite3_finalize(st);
	if (r == SK_OK && rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sk_logerr("listing outstanding items: %s", sqlite3_errmsg(db));
		r = SK_ERR_STORE;
	}
	return r;
}

void
sq_outstanding_ops(struct sk_store_ops *o)
{
	o->fido2_out_add = fido2_out_add;
	o->fido2_out_dispose = fido2_out_dispose;
	o->outstanding_list = outstanding_list;
}
