/* Access certifications and removal requests (store_request.h) in the PostgreSQL backend
 * (schema step "access review", pg_migrate.c). */
#include "pg_store.h"

#include <string.h>

#include "sk_err.h"
#include "sk_log.h"
#include "store_request.h"

#define CERT_COLUMNS "id, certified_by, at, comment, holders, grants, digest"

static int
read_cert(PGresult *res, int row, void *out)
{
	struct certification_rec *v = out;

	memset(v, 0, sizeof(*v));
	v->id = pg_int(res, row, 0);
	v->at = pg_int(res, row, 2);
	v->holders = pg_int(res, row, 4);
	v->grants = pg_int(res, row, 5);
	if (pg_text(res, row, 1, v->certified_by, sizeof(v->certified_by)) ||
	    pg_text(res, row, 3, v->comment, sizeof(v->comment)) ||
	    pg_text(res, row, 6, v->digest, sizeof(v->digest)))
		return SK_ERR_STORE;
	return SK_OK;
}

static int
certification_insert(struct sk_store_txn *t, struct certification_rec *v)
{
	return pg_insert(pg_conn(t), &v->id, "recording a certification",
	                 "INSERT INTO certifications(certified_by, at, comment, holders, grants,"
	                 " digest) VALUES($1, $2, $3, $4, $5, $6) RETURNING id", "titiit",
	                 v->certified_by, v->at, v->comment, v->holders, v->grants, v->digest);
}

static int
certification_list(struct sk_store_txn *t, int (*fn)(void *, const struct certification_rec *),
                   void *arg)
{
	struct certification_rec v;
	PGresult *res;
	int r;

	if ((r = pg_query(pg_conn(t), &res, "SELECT " CERT_COLUMNS " FROM certifications"
	                  " ORDER BY id DESC", "")) != SK_OK)
		return r;
	return pg_each_row(res, read_cert, &v, (int (*)(void *, const void *))fn, arg);
}

#define REMOVAL_COLUMNS "id, requester, kind, target, reason, state, created, decided_by," \
	" decided_at, comment"

static int
read_removal(PGresult *res, int row, void *out)
{
	struct removal_rec *v = out;
	int64_t kind = pg_int(res, row, 2), state = pg_int(res, row, 5);

	memset(v, 0, sizeof(*v));
	v->id = pg_int(res, row, 0);
	if (kind < SK_REMOVAL_TOTP || kind > SK_REMOVAL_ROLE || state < REMOVAL_OPEN ||
	    state > REMOVAL_REFUSED) {
		sk_logerr("removal request %lld: kind or state out of range", (long long)v->id);
		return SK_ERR_STORE;
	}
	v->kind = (enum sk_removal_kind)kind;
	v->state = (enum removal_state)state;
	v->created = pg_int(res, row, 6);
	v->decided_at = pg_int(res, row, 8);
	if (pg_text(res, row, 1, v->requester, sizeof(v->requester)) ||
	    pg_text(res, row, 3, v->target, sizeof(v->target)) ||
	    pg_text(res, row, 4, v->reason, sizeof(v->reason)) ||
	    pg_text(res, row, 7, v->decided_by, sizeof(v->decided_by)) ||
	    pg_text(res, row, 9, v->comment, sizeof(v->comment)))
		return SK_ERR_STORE;
	return SK_OK;
}

static int
removal_insert(struct sk_store_txn *t, struct removal_rec *v)
{
	return pg_insert(pg_conn(t), &v->id, "recording a removal request",
	                 "INSERT INTO removal_requests(requester, kind, target, reason, state,"
	                 " created) VALUES($1, $2, $3, $4, 0, $5) RETURNING id", "titti",
	                 v->requester, (int64_t)v->kind, v->target, v->reason, v->created);
}

static int
removal_get(struct sk_store_txn *t, int64_t id, struct removal_rec *out)
{
	PGresult *res;
	int r;

	if ((r = pg_query(pg_conn(t), &res, "SELECT " REMOVAL_COLUMNS " FROM removal_requests"
	                  " WHERE id = $1", "i", id)) != SK_OK)
		return r;
	return pg_select_one(res, read_removal, out);
}

static int
read_count(PGresult *res, int row, void *out)
{
	*(int64_t *)out = pg_int(res, row, 0);
	return SK_OK;
}

static int
removal_open_exists(struct sk_store_txn *t, const char *requester, enum sk_removal_kind kind,
                    const char *target, int *yes)
{
	PGresult *res;
	int64_t n = 0;
	int r;

	*yes = 0;
	if ((r = pg_query(pg_conn(t), &res, "SELECT count(*) FROM removal_requests"
	                  " WHERE requester = $1 AND kind = $2 AND target = $3 AND state = 0",
	                  "tit", requester, (int64_t)kind, target)) != SK_OK ||
	    (r = pg_select_one(res, read_count, &n)) != SK_OK)
		return r;
	*yes = n > 0;
	return SK_OK;
}

static int
removal_decide(struct sk_store_txn *t, int64_t id, enum removal_state to, const char *by,
               int64_t at, const char *comment)
{
	return pg_write_one(pg_conn(t), "deciding a removal request",
	                    "UPDATE removal_requests SET state = $1, decided_by = $2,"
	                    " decided_at = $3, comment = $4 WHERE id = $5 AND state = 0", "ititi",
	                    (int64_t)to, by, at, comment, id);
}

static int
removal_list(struct sk_store_txn *t, int open_only, int (*fn)(void *, const struct removal_rec *),
             void *arg)
{
	struct removal_rec v;
	PGresult *res;
	int r;

	if ((r = pg_query(pg_conn(t), &res, open_only ?
	                  "SELECT " REMOVAL_COLUMNS " FROM removal_requests WHERE state = 0"
	                  " ORDER BY id" :
	                  "SELECT " REMOVAL_COLUMNS " FROM removal_requests"
	                  " ORDER BY state <> 0, id", "")) != SK_OK)
		return r;
	return pg_each_row(res, read_removal, &v, (int (*)(void *, const void *))fn, arg);
}

void
pg_request_ops(struct sk_store_ops *o)
{
	o->certification_insert = certification_insert;
	o->certification_list = certification_list;
	o->removal_insert = removal_insert;
	o->removal_get = removal_get;
	o->removal_open_exists = removal_open_exists;
	o->removal_decide = removal_decide;
	o->removal_list = removal_list;
}
