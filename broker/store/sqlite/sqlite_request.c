/* Access certifications and removal requests (store_request.h) in SQLite (schema step
 * "access review"). */
#include "sqlite_store.h"

#include <string.h>

#include "sk_err.h"
#include "sk_log.h"
#include "store_request.h"

#define CERT_COLUMNS "id, certified_by, at, comment, holders, grants, digest"

static int
read_cert(sqlite3_stmt *st, void *row)
{
	struct certification_rec *v = row;

	memset(v, 0, sizeof(*v));
	v->id = sqlite3_column_int64(st, 0);
	v->at = sqlite3_column_int64(st, 2);
	v->holders = sqlite3_column_int64(st, 4);
	v->grants = sqlite3_column_int64(st, 5);
	if (sq_col_text(st, 1, v->certified_by, sizeof(v->certified_by)) ||
	    sq_col_text(st, 3, v->comment, sizeof(v->comment)) ||
	    sq_col_text(st, 6, v->digest, sizeof(v->digest)))
		return SK_ERR_STORE;
	return SK_OK;
}

static int
certification_insert(struct sk_store_txn *t, struct certification_rec *v)
{
	return sq_insert(sq_db(t), &v->id, "recording a certification",
	                 "INSERT INTO certifications(certified_by, at, comment, holders, grants,"
	                 " digest) VALUES(?, ?, ?, ?, ?, ?)", "titiit", v->certified_by, v->at,
	                 v->comment, v->holders, v->grants, v->digest);
}

static int
certification_list(struct sk_store_txn *t, int (*fn)(void *, const struct certification_rec *),
                   void *arg)
{
	sqlite3 *db = sq_db(t);
	sqlite3_stmt *st;
	struct certification_rec v;
	int r;

	if ((r = sq_query(db, &st, "SELECT " CERT_COLUMNS " FROM certifications ORDER BY id DESC",
	                  "")) != SK_OK)
		return r;
	return sq_each_row(db, st, read_cert, &v, (int (*)(void *, const void *))fn, arg,
	                "listing certifications");
}

#define REMOVAL_COLUMNS "id, requester, kind, target, reason, state, created, decided_by," \
	" decided_at, comment"

static int
read_removal(sqlite3_stmt *st, void *row)
{
	struct removal_rec *v = row;
	int kind = sqlite3_column_int(st, 2), state = sqlite3_column_int(st, 5);

	memset(v, 0, sizeof(*v));
	v->id = sqlite3_column_int64(st, 0);
	if (kind < SK_REMOVAL_TOTP || kind > SK_REMOVAL_ROLE || state < REMOVAL_OPEN ||
	    state > REMOVAL_REFUSED)
		return SK_ERR_STORE;
	v->kind = (enum sk_removal_kind)kind;
	v->state = (enum removal_state)state;
	v->created = sqlite3_column_int64(st, 6);
	v->decided_at = sqlite3_column_int64(st, 8);
	if (sq_col_text(st, 1, v->requester, sizeof(v->requester)) ||
	    sq_col_text(st, 3, v->target, sizeof(v->target)) ||
	    sq_col_text(st, 4, v->reason, sizeof(v->reason)) ||
	    sq_col_text(st, 7, v->decided_by, sizeof(v->decided_by)) ||
	    sq_col_text(st, 9, v->comment, sizeof(v->comment)))
		return SK_ERR_STORE;
	return SK_OK;
}

static int
removal_insert(struct sk_store_txn *t, struct removal_rec *v)
{
	return sq_insert(sq_db(t), &v->id, "recording a removal request",
	                 "INSERT INTO removal_requests(requester, kind, target, reason, state,"
	                 " created) VALUES(?, ?, ?, ?, 0, ?)", "titti", v->requester,
	                 (int64_t)v->kind, v->target, v->reason, v->created);
}

static int
removal_get(struct sk_store_txn *t, int64_t id, struct removal_rec *out)
{
	sqlite3 *db = sq_db(t);
	sqlite3_stmt *st;
	int r;

	if ((r = sq_query(db, &st, "SELECT " REMOVAL_COLUMNS " FROM removal_requests WHERE id = ?",
	                  "i", id)) != SK_OK)
		return r;
	return sq_select_one(db, st, read_removal, out);
}

static int
read_count(sqlite3_stmt *st, void *row)
{
	*(int64_t *)row = sqlite3_column_int64(st, 0);
	return SK_OK;
}

static int
removal_open_exists(struct sk_store_txn *t, const char *requester, enum sk_removal_kind kind,
                    const char *target, int *yes)
{
	sqlite3 *db = sq_db(t);
	sqlite3_stmt *st;
	int64_t n = 0;
	int r;

	*yes = 0;
	if ((r = sq_query(db, &st, "SELECT count(*) FROM removal_requests WHERE requester = ?"
	                  " AND kind = ? AND target = ? AND state = 0", "tit", requester,
	                  (int64_t)kind, target)) != SK_OK ||
	    (r = sq_select_one(db, st, read_count, &n)) != SK_OK)
		return r;
	*yes = n > 0;
	return SK_OK;
}

static int
removal_decide(struct sk_store_txn *t, int64_t id, enum removal_state to, const char *by,
               int64_t at, const char *comment)
{
	return sq_write_one(sq_db(t), "deciding a removal request",
	                    "UPDATE removal_requests SET state = ?, decided_by = ?, decided_at = ?,"
	                    " comment = ? WHERE id = ? AND state = 0", "ititi", (int64_t)to, by, at,
	                    comment, id);
}

static int
removal_list(struct sk_store_txn *t, int open_only, int (*fn)(void *, const struct removal_rec *),
             void *arg)
{
	sqlite3 *db = sq_db(t);
	sqlite3_stmt *st;
	struct removal_rec v;
	int r;

	if ((r = sq_query(db, &st, open_only ?
	                  "SELECT " REMOVAL_COLUMNS " FROM removal_requests WHERE state = 0"
	                  " ORDER BY id" :
	                  "SELECT " REMOVAL_COLUMNS " FROM removal_requests"
	                  " ORDER BY state <> 0, id", "")) != SK_OK)
		return r;
	return sq_each_row(db, st, read_removal, &v, (int (*)(void *, const void *))fn, arg,
	                "listing removal requests");
}

void
sq_request_ops(struct sk_store_ops *o)
{
	o->certification_insert = certification_insert;
	o->certification_list = certification_list;
	o->removal_insert = removal_insert;
	o->removal_get = removal_get;
	o->removal_open_exists = removal_open_exists;
	o->removal_decide = removal_decide;
	o->removal_list = removal_list;
}
