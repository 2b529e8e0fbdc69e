/* Outstanding cards and security keys (store_outstanding.h) in the PostgreSQL backend (schema
 * step "HR return and retirement", pg_migrate.c). */
#include "pg_store.h"

#include <string.h>

#include "sk_err.h"
#include "sk_log.h"
#include "store_outstanding.h"

static int
fido2_out_add(struct sk_store_txn *t, const char *user, int64_t cred_id, const char *aaguid,
              const char *subject, int64_t now)
{
	int64_t id;

	return pg_insert(pg_conn(t), &id, "recording an outstanding security key",
	                 "INSERT INTO fido2_outstanding(holder, cred_id, aaguid, subject, recorded)"
	                 " VALUES($1, $2, $3, $4, $5) RETURNING id", "titti", user, cred_id, aaguid,
	                 subject, now);
}

static int
fido2_out_dispose(struct sk_store_txn *t, int64_t id, const char *user, const char *disposition,
                  const char *note, const char *by, int64_t now)
{
	return pg_write_one(pg_conn(t), "disposing of a security key",
	                    "UPDATE fido2_outstanding SET disposition = $1, note = $2,"
	                    " disposed_by = $3, disposed_at = $4 WHERE id = $5 AND disposition = ''"
	                    " AND ($6 = '' OR holder = $6)", "tttiit", disposition, note, by, now,
	                    id, user);
}

static int
read_outstanding(PGresult *res, int row, void *out)
{
	struct outstanding_rec *v = out;

	memset(v, 0, sizeof(*v));
	v->is_key = (int)pg_int(res, row, 0);
	v->id = pg_int(res, row, 1);
	v->cred_id = pg_int(res, row, 3);
	v->since = pg_int(res, row, 6);
	if (pg_text(res, row, 2, v->user, sizeof(v->user)) ||
	    pg_text(res, row, 4, v->ident, sizeof(v->ident)) ||
	    pg_text(res, row, 5, v->subject, sizeof(v->subject)) ||
	    pg_text(res, row, 7, v->reason, sizeof(v->reason)))
		return SK_ERR_STORE;
	return SK_OK;
}

static int
outstanding_list(struct sk_store_txn *t, const char *user,
                 int (*fn)(void *, const struct outstanding_rec *), void *arg)
{
	struct outstanding_rec v;
	PGresult *res;
	int r;

	if ((r = pg_query(pg_conn(t), &res,
	                  "SELECT 1, id, holder, cred_id, aaguid, subject, recorded, 'retired'"
	                  " FROM fido2_outstanding WHERE disposition = ''"
	                  " AND ($1 = '' OR holder = $1)"
	                  " UNION ALL"
	                  " SELECT 0, c.id, u.name, 0, c.spki_sha256, '', c.revoked_at,"
	                  " c.revoke_reason FROM cards c JOIN users u ON u.id = c.user_id"
	                  " WHERE c.revoked = 1 AND c.collected = 0 AND c.destroyed = 0"
	                  " AND ($1 = '' OR u.name = $1)"
	                  " ORDER BY 1 DESC, 2", "t", user)) != SK_OK)
		return r;
	for (int i = 0; i < PQntuples(res); i++)
		if ((r = read_outstanding(res, i, &v)) != SK_OK || fn(arg, &v) != 0)
			break;
	PQclear(res);
	return r;
}

void
pg_outstanding_ops(struct sk_store_ops *o)
{
	o->fido2_out_add = fido2_out_add;
	o->fido2_out_dispose = fido2_out_dispose;
	o->outstanding_list = outstanding_list;
}
