/* Privileged access (store_grant.h) in the PostgreSQL backend: grants, delegations, reviews,
 * role_use and users.contractor (schema version 3, pg_migrate.c). "user" is a reserved word
 * in PostgreSQL: quoted. */
#include "pg_store.h"

#include <string.h>

#include "sk_err.h"
#include "sk_log.h"
#include "store_grant.h"

#define GRANT_COLUMNS "id, role, requester, reason, ticket, minutes, state, breakglass," \
	" created, approver1, approved1_at, approver2, approved2_at, confirmer, confirmed_at," \
	" starts, ends, ended_at, ended_by, end_cause, services, groups, accounts"

static int
read_grant(PGresult *res, int row, void *out)
{
	struct grant_rec *g = out;
	int64_t state;

	memset(g, 0, sizeof(*g));
	g->id = pg_int(res, row, 0);
	g->minutes = pg_int(res, row, 5);
	state = pg_int(res, row, 6);
	if (state < GRANT_PENDING || state > GRANT_EXPIRED) {
		sk_logerr("grant %lld: state %lld out of range", (long long)g->id, (long long)state);
		return SK_ERR_STORE;
	}
	g->state = (enum grant_state)state;
	g->breakglass = pg_int(res, row, 7) != 0;
	g->created = pg_int(res, row, 8);
	g->approved1_at = pg_int(res, row, 10);
	g->approved2_at = pg_int(res, row, 12);
	g->confirmed_at = pg_int(res, row, 14);
	g->starts = pg_int(res, row, 15);
	g->ends = pg_int(res, row, 16);
	g->ended_at = pg_int(res, row, 17);
	if (pg_text(res, row, 1, g->role, sizeof(g->role)) ||
	    pg_text(res, row, 2, g->requester, sizeof(g->requester)) ||
	    pg_text(res, row, 3, g->reason, sizeof(g->reason)) ||
	    pg_text(res, row, 4, g->ticket, sizeof(g->ticket)) ||
	    pg_text(res, row, 9, g->approver1, sizeof(g->approver1)) ||
	    pg_text(res, row, 11, g->approver2, sizeof(g->approver2)) ||
	    pg_text(res, row, 13, g->confirmer, sizeof(g->confirmer)) ||
	    pg_text(res, row, 18, g->ended_by, sizeof(g->ended_by)) ||
	    pg_text(res, row, 19, g->end_cause, sizeof(g->end_cause)) ||
	    pg_text(res, row, 20, g->services, sizeof(g->services)) ||
	    pg_text(res, row, 21, g->groups, sizeof(g->groups)) ||
	    pg_text(res, row, 22, g->accounts, sizeof(g->accounts)))
		return SK_ERR_STORE;
	return SK_OK;
}

static int
grant_insert(struct sk_store_txn *t, struct grant_rec *g)
{
	return pg_insert(pg_conn(t), &g->id, "recording a grant",
	                 "INSERT INTO grants(role, requester, reason, ticket, minutes, state,"
	                 " breakglass, created, approver1, approved1_at, approver2, approved2_at,"
	                 " confirmer, confirmed_at, starts, ends, ended_at, ended_by, end_cause,"
	                 " services, groups, accounts) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9,"
	                 " $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)"
	                 " RETURNING id",
	                 "ttttiiiitititiiiittttt", g->role, g->requester, g->reason, g->ticket,
	                 g->minutes, (int64_t)g->state, (int64_t)g->breakglass, g->created,
	                 g->approver1, g->approved1_at, g->approver2, g->approved2_at, g->confirmer,
	                 g->confirmed_at, g->starts, g->ends, g->ended_at, g->ended_by, g->end_cause,
	                 g->services, g->groups, g->accounts);
}

static int
grant_get(struct sk_store_txn *t, int64_t id, struct grant_rec *out)
{
	PGresult *res;
	int r;

	if ((r = pg_query(pg_conn(t), &res, "SELECT " GRANT_COLUMNS " FROM grants WHERE id = $1",
	                  "i", id)) != SK_OK)
		return r;
	return pg_select_one(res, read_grant, out);
}

static int
grant_update(struct sk_store_txn *t, const struct grant_rec *g, enum grant_state from)
{
	return pg_write_one(pg_conn(t), "updating a grant",
	                    "UPDATE grants SET state = $1, approver1 = $2, approved1_at = $3,"
	                    " approver2 = $4, approved2_at = $5, confirmer = $6, confirmed_at = $7,"
	                    " starts = $8, ends = $9, ended_at = $10, ended_by = $11, end_cause = $12"
	                    " WHERE id = $13 AND state = $14", "itititiiiittii", (int64_t)g->state,
	                    g->approver1, g->approved1_at, g->approver2, g->approved2_at,
	                    g->confirmer, g->confirmed_at, g->starts, g->ends, g->ended_at,
	                    g->ended_by, g->end_cause, g->id, (int64_t)from);
}

static int
grant_list(struct sk_store_txn *t, int open_only, int (*fn)(void *, const struct grant_rec *),
           void *arg)
{
	struct grant_rec g;
	PGresult *res;
	int r;

	if ((r = pg_query(pg_conn(t), &res, open_only ?
	                  "SELECT " GRANT_COLUMNS " FROM grants WHERE state IN (0, 1, 2)"
	                  " ORDER BY id DESC" :
	                  "SELECT " GRANT_COLUMNS " FROM grants ORDER BY id DESC", "")) != SK_OK)
		return r;
	return pg_each_row(res, read_grant, &g, (int (*)(void *, const void *))fn, arg);
}

static int
grant_active_for(struct sk_store_txn *t, const char *user, const char *service, int64_t now,
                 struct grant_rec *out)
{
	PGresult *res;
	int r;

	/* Space-separated names: a whole name matches, never a part of one. */
	if ((r = pg_query(pg_conn(t), &res, "SELECT " GRANT_COLUMNS " FROM grants WHERE state = 2"
	                  " AND requester = $1 AND starts <= $2 AND ends > $2"
	                  " AND strpos(' ' || services || ' ', ' ' || $3 || ' ') > 0"
	                  " ORDER BY ends DESC LIMIT 1", "tit", user, now, service)) != SK_OK)
		return r;
	return pg_select_one(res, read_grant, out);
}

static int
grant_expire(struct sk_store_txn *t, int64_t now, int64_t pending_before, size_t *n)
{
	PGresult *res;
	int r;

	*n = 0;
	if ((r = pg_query(pg_conn(t), &res, "UPDATE grants SET state = 5, ended_at = $1,"
	                  " end_cause = CASE state WHEN 2 THEN 'ended' ELSE 'not decided in time' END"
	                  " WHERE (state IN (0, 1) AND created < $2) OR (state = 2 AND ends <= $1)"
	                  " RETURNING id", "ii", now, pending_before)) != SK_OK)
		return r;
	*n = (size_t)PQntuples(res);
	PQclear(res);
	return SK_OK;
}

#define DELEGATION_COLUMNS "id, role, delegate, nominator, reason, state, created, decided_by," \
	" decided_at"

static int
read_delegation(PGresult *res, int row, void *out)
{
	struct delegation_rec *d = out;
	int64_t state;

	memset(d, 0, sizeof(*d));
	d->id = pg_int(res, row, 0);
	state = pg_int(res, row, 5);
	if (state < DELEGATION_NOMINATED || state > DELEGATION_REVOKED)
		return SK_ERR_STORE;
	d->state = (enum delegation_state)state;
	d->created = pg_int(res, row, 6);
	d->decided_at = pg_int(res, row, 8);
	if (pg_text(res, row, 1, d->role, sizeof(d->role)) ||
	    pg_text(res, row, 2, d->delegate, sizeof(d->delegate)) ||
	    pg_text(res, row, 3, d->nominator, sizeof(d->nominator)) ||
	    pg_text(res, row, 4, d->reason, sizeof(d->reason)) ||
	    pg_text(res, row, 7, d->decided_by, sizeof(d->decided_by)))
		return SK_ERR_STORE;
	return SK_OK;
}

static int
delegation_insert(struct sk_store_txn *t, struct delegation_rec *d)
{
	return pg_insert(pg_conn(t), &d->id, "recording a delegation",
	                 "INSERT INTO delegations(role, delegate, nominator, reason, state, created)"
	                 " VALUES($1, $2, $3, $4, $5, $6) RETURNING id", "ttttii", d->role,
	                 d->delegate, d->nominator, d->reason, (int64_t)d->state, d->created);
}

static int
delegation_get(struct sk_store_txn *t, int64_t id, struct delegation_rec *out)
{
	PGresult *res;
	int r;

	if ((r = pg_query(pg_conn(t), &res, "SELECT " DELEGATION_COLUMNS " FROM delegations"
	                  " WHERE id = $1", "i", id)) != SK_OK)
		return r;
	return pg_select_one(res, read_delegation, out);
}

static int
delegation_decide(struct sk_store_txn *t, int64_t id, enum delegation_state from,
                  enum delegation_state to, const char *by, int64_t at)
{
	return pg_write_one(pg_conn(t), "deciding a delegation",
	                    "UPDATE delegations SET state = $1, decided_by = $2, decided_at = $3"
	                    " WHERE id = $4 AND state = $5", "itiii", (int64_t)to, by, at, id,
	                    (int64_t)from);
}

static int
delegation_list(struct sk_store_txn *t, int (*fn)(void *, const struct delegation_rec *),
                void *arg)
{
	struct delegation_rec d;
	PGresult *res;
	int r;

	if ((r = pg_query(pg_conn(t), &res, "SELECT " DELEGATION_COLUMNS " FROM delegations"
	                  " ORDER BY id", "")) != SK_OK)
		return r;
	return pg_each_row(res, read_delegation, &d, (int (*)(void *, const void *))fn, arg);
}

static int
read_count(PGresult *res, int row, void *out)
{
	*(int64_t *)out = pg_int(res, row, 0);
	return SK_OK;
}

static int
delegation_holds(struct sk_store_txn *t, const char *role, const char *user, int *yes)
{
	PGresult *res;
	int64_t n = 0;
	int r;

	*yes = 0;
	if ((r = pg_query(pg_conn(t), &res, "SELECT count(*) FROM delegations WHERE role = $1"
	                  " AND delegate = $2 AND state = 1", "tt", role, user)) != SK_OK ||
	    (r = pg_select_one(res, read_count, &n)) != SK_OK)
		return r;
	*yes = n > 0;
	return SK_OK;
}

#define REVIEW_COLUMNS "id, grant_id, role, \"user\", reason, created, closed, closed_by," \
	" closed_at, comment"

static int
read_review(PGresult *res, int row, void *out)
{
	struct review_rec *v = out;

	memset(v, 0, sizeof(*v));
	v->id = pg_int(res, row, 0);
	v->grant_id = pg_int(res, row, 1);
	v->created = pg_int(res, row, 5);
	v->closed = pg_int(res, row, 6) != 0;
	v->closed_at = pg_int(res, row, 8);
	if (pg_text(res, row, 2, v->role, sizeof(v->role)) ||
	    pg_text(res, row, 3, v->user, sizeof(v->user)) ||
	    pg_text(res, row, 4, v->reason, sizeof(v->reason)) ||
	    pg_text(res, row, 7, v->closed_by, sizeof(v->closed_by)) ||
	    pg_text(res, row, 9, v->comment, sizeof(v->comment)))
		return SK_ERR_STORE;
	return SK_OK;
}

static int
review_insert(struct sk_store_txn *t, struct review_rec *v)
{
	return pg_insert(pg_conn(t), &v->id, "recording a review",
	                 "INSERT INTO reviews(grant_id, role, \"user\", reason, created)"
	                 " VALUES($1, $2, $3, $4, $5) RETURNING id", "ittti", v->grant_id,
	                 v->role, v->user, v->reason, v->created);
}

static int
review_get(struct sk_store_txn *t, int64_t id, struct review_rec *out)
{
	PGresult *res;
	int r;

	if ((r = pg_query(pg_conn(t), &res, "SELECT " REVIEW_COLUMNS " FROM reviews WHERE id = $1",
	                  "i", id)) != SK_OK)
		return r;
	return pg_select_one(res, read_review, out);
}

static int
review_close(struct sk_store_txn *t, int64_t id, const char *by, int64_t at, const char *comment)
{
	return pg_write_one(pg_conn(t), "closing a review",
	                    "UPDATE reviews SET closed = 1, closed_by = $1, closed_at = $2,"
	                    " comment = $3 WHERE id = $4 AND closed = 0", "titi", by, at, comment,
	                    id);
}

static int
review_list(struct sk_store_txn *t, int open_only, int (*fn)(void *, const struct review_rec *),
            void *arg)
{
	struct review_rec v;
	PGresult *res;
	int r;

	if ((r = pg_query(pg_conn(t), &res, open_only ?
	                  "SELECT " REVIEW_COLUMNS " FROM reviews WHERE closed = 0 ORDER BY id" :
	                  "SELECT " REVIEW_COLUMNS " FROM reviews ORDER BY closed, id",
	                  "")) != SK_OK)
		return r;
	return pg_each_row(res, read_review, &v, (int (*)(void *, const void *))fn, arg);
}

static int
role_used(struct sk_store_txn *t, const char *role, const char *user, int64_t at)
{
	return pg_write(pg_conn(t), "recording a role's use",
	                "INSERT INTO role_use(role, \"user\", last_used) VALUES($1, $2, $3)"
	                " ON CONFLICT (role, \"user\") DO UPDATE SET last_used = excluded.last_used",
	                "tti", role, user, at);
}

static int
role_last_use(struct sk_store_txn *t, const char *role, const char *user, int64_t *at)
{
	PGresult *res;
	int r;

	*at = 0;
	if ((r = pg_query(pg_conn(t), &res, "SELECT last_used FROM role_use WHERE role = $1"
	                  " AND \"user\" = $2", "tt", role, user)) != SK_OK)
		return r;
	r = pg_select_one(res, read_count, at);
	return r == SK_ERR_NOTFOUND ? SK_OK : r;
}

static int
user_contractor(struct sk_store_txn *t, const char *user, int *yes)
{
	PGresult *res;
	int64_t n = 0;
	int r;

	*yes = 0;
	if ((r = pg_query(pg_conn(t), &res, "SELECT count(*) FROM users WHERE name = $1"
	                  " AND (contractor <> 0 OR hr_employment = 'contractor')", "t",
	                  user)) != SK_OK ||
	    (r = pg_select_one(res, read_count, &n)) != SK_OK)
		return r;
	*yes = n > 0;
	return SK_OK;
}

static int
user_set_contractor(struct sk_store_txn *t, const char *user, int yes)
{
	return pg_write_one(pg_conn(t), "marking a contractor",
	                    "UPDATE users SET contractor = $1 WHERE name = $2", "it",
	                    (int64_t)(yes != 0), user);
}

void
pg_grant_ops(struct sk_store_ops *o)
{
	o->grant_insert = grant_insert;
	o->grant_get = grant_get;
	o->grant_update = grant_update;
	o->grant_list = grant_list;
	o->grant_active_for = grant_active_for;
	o->grant_expire = grant_expire;
	o->delegation_insert = delegation_insert;
	o->delegation_get = delegation_get;
	o->delegation_decide = delegation_decide;
	o->delegation_list = delegation_list;
	o->delegation_holds = delegation_holds;
	o->review_insert = review_insert;
	o->review_get = review_get;
	o->review_close = review_close;
	o->review_list = review_list;
	o->role_used = role_used;
	o->role_last_use = role_last_use;
	o->user_contractor = user_contractor;
	o->user_set_contractor = user_set_contractor;
}
