/* Privileged access (store_grant.h) in SQLite: grants, delegations, reviews, role_use and
 * users.contractor (schema version 3, sqlite_migrate.c). */
#include "sqlite_store.h"

#include <string.h>

#include "sk_err.h"
#include "sk_log.h"
#include "store_grant.h"

#define GRANT_COLUMNS "id, role, requester, reason, ticket, minutes, state, breakglass," \
	" created, approver1, approved1_at, approver2, approved2_at, confirmer, confirmed_at," \
	" starts, ends, ended_at, ended_by, end_cause, services, groups, accounts"

static int
read_grant(sqlite3_stmt *st, void *row)
{
	struct grant_rec *g = row;
	int state;

	memset(g, 0, sizeof(*g));
	g->id = sqlite3_column_int64(st, 0);
	g->minutes = sqlite3_column_int64(st, 5);
	state = sqlite3_column_int(st, 6);
	if (state < GRANT_PENDING || state > GRANT_EXPIRED) {
		sk_logerr("grant %lld: state %d out of range", (long long)g->id, state);
		return SK_ERR_STORE;
	}
	g->state = (enum grant_state)state;
	g->breakglass = sqlite3_column_int(st, 7) != 0;
	g->created = sqlite3_column_int64(st, 8);
	g->approved1_at = sqlite3_column_int64(st, 10);
	g->approved2_at = sqlite3_column_int64(st, 12);
	g->confirmed_at = sqlite3_column_int64(st, 14);
	g->starts = sqlite3_column_int64(st, 15);
	g->ends = sqlite3_column_int64(st, 16);
	g->ended_at = sqlite3_column_int64(st, 17);
	if (sq_col_text(st, 1, g->role, sizeof(g->role)) ||
	    sq_col_text(st, 2, g->requester, sizeof(g->requester)) ||
	    sq_col_text(st, 3, g->reason, sizeof(g->reason)) ||
	    sq_col_text(st, 4, g->ticket, sizeof(g->ticket)) ||
	    sq_col_text(st, 9, g->approver1, sizeof(g->approver1)) ||
	    sq_col_text(st, 11, g->approver2, sizeof(g->approver2)) ||
	    sq_col_text(st, 13, g->confirmer, sizeof(g->confirmer)) ||
	    sq_col_text(st, 18, g->ended_by, sizeof(g->ended_by)) ||
	    sq_col_text(st, 19, g->end_cause, sizeof(g->end_cause)) ||
	    sq_col_text(st, 20, g->services, sizeof(g->services)) ||
	    sq_col_text(st, 21, g->groups, sizeof(g->groups)) ||
	    sq_col_text(st, 22, g->accounts, sizeof(g->accounts)))
		return SK_ERR_STORE;
	return SK_OK;
}

static int
grant_insert(struct sk_store_txn *t, struct grant_rec *g)
{
	return sq_insert(sq_db(t), &g->id, "recording a grant",
	                 "INSERT INTO grants(role, requester, reason, ticket, minutes, state,"
	                 " breakglass, created, approver1, approved1_at, approver2, approved2_at,"
	                 " confirmer, confirmed_at, starts, ends, ended_at, ended_by, end_cause,"
	                 " services, groups, accounts)"
	                 " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	                 "ttttiiiitititiiiittttt", g->role, g->requester, g->reason, g->ticket,
	                 g->minutes, (int64_t)g->state, (int64_t)g->breakglass, g->created,
	                 g->approver1, g->approved1_at, g->approver2, g->approved2_at, g->confirmer,
	                 g->confirmed_at, g->starts, g->ends, g->ended_at, g->ended_by, g->end_cause,
	                 g->services, g->groups, g->accounts);
}

static int
grant_get(struct sk_store_txn *t, int64_t id, struct grant_rec *out)
{
	sqlite3 *db = sq_db(t);
	sqlite3_stmt *st;
	int r;

	if ((r = sq_query(db, &st, "SELECT " GRANT_COLUMNS " FROM grants WHERE id = ?", "i",
	                  id)) != SK_OK)
		return r;
	return sq_select_one(db, st, read_grant, out);
}

static int
grant_update(struct sk_store_txn *t, const struct grant_rec *g, enum grant_state from)
{
	return sq_write_one(sq_db(t), "updating a grant",
	                    "UPDATE grants SET state = ?, approver1 = ?, approved1_at = ?,"
	                    " approver2 = ?, approved2_at = ?, confirmer = ?, confirmed_at = ?,"
	                    " starts = ?, ends = ?, ended_at = ?, ended_by = ?, end_cause = ?"
	                    " WHERE id = ? AND state = ?", "itititiiiittii", (int64_t)g->state,
	                    g->approver1, g->approved1_at, g->approver2, g->approved2_at,
	                    g->confirmer, g->confirmed_at, g->starts, g->ends, g->ended_at,
	                    g->ended_by, g->end_cause, g->id, (int64_t)from);
}

static int
grant_list(struct sk_store_txn *t, int open_only, int (*fn)(void *, const struct grant_rec *),
           void *arg)
{
	sqlite3 *db = sq_db(t);
	sqlite3_stmt *st;
	struct grant_rec g;
	int r;

	if ((r = sq_query(db, &st, open_only ?
	                  "SELECT " GRANT_COLUMNS " FROM grants WHERE state IN (0, 1, 2)"
	                  " ORDER BY id DESC" :
	                  "SELECT " GRANT_COLUMNS " FROM grants ORDER BY id DESC", "")) != SK_OK)
		return r;
	return sq_each_row(db, st, read_grant, &g, (int (*)(void *, const void *))fn, arg,
	                "listing grants");
}

static int
grant_active_for(struct sk_store_txn *t, const char *user, const char *service, int64_t now,
                 struct grant_rec *out)
{
	sqlite3 *db = sq_db(t);
	sqlite3_stmt *st;
	int r;

	/* Space-separated names: a whole name matches, never a part of one. */
	if ((r = sq_query(db, &st, "SELECT " GRANT_COLUMNS " FROM grants WHERE state = 2"
	                  " AND requester = ? AND starts <= ? AND ends > ?"
	                  " AND instr(' ' || services || ' ', ' ' || ? || ' ') > 0"
	                  " ORDER BY ends DESC LIMIT 1", "tiit", user, now, now, service)) != SK_OK)
		return r;
	return sq_select_one(db, st, read_grant, out);
}

static int
grant_expire(struct sk_store_txn *t, int64_t now, int64_t pending_before, size_t *n)
{
	sqlite3 *db = sq_db(t);
	int r;

	*n = 0;
	r = sq_write(db, "expiring grants",
	             "UPDATE grants SET state = 5, ended_at = ?, end_cause = CASE state"
	             " WHEN 2 THEN 'ended' ELSE 'not decided in time' END"
	             " WHERE (state IN (0, 1) AND created < ?) OR (state = 2 AND ends <= ?)", "iii",
	             now, pending_before, now);
	if (r == SK_OK)
		*n = (size_t)sqlite3_changes(db);
	return r;
}

#define DELEGATION_COLUMNS "id, role, delegate, nominator, reason, state, created, decided_by," \
	" decided_at"

static int
read_delegation(sqlite3_stmt *st, void *row)
{
	struct delegation_rec *d = row;
	int state;

	memset(d, 0, sizeof(*d));
	d->id = sqlite3_column_int64(st, 0);
	state = sqlite3_column_int(st, 5);
	if (state < DELEGATION_NOMINATED || state > DELEGATION_REVOKED)
		return SK_ERR_STORE;
	d->state = (enum delegation_state)state;
	d->created = sqlite3_column_int64(st, 6);
	d->decided_at = sqlite3_column_int64(st, 8);
	if (sq_col_text(st, 1, d->role, sizeof(d->role)) ||
	    sq_col_text(st, 2, d->delegate, sizeof(d->delegate)) ||
	    sq_col_text(st, 3, d->nominator, sizeof(d->nominator)) ||
	    sq_col_text(st, 4, d->reason, sizeof(d->reason)) ||
	    sq_col_text(st, 7, d->decided_by, sizeof(d->decided_by)))
		return SK_ERR_STORE;
	return SK_OK;
}

static int
delegation_insert(struct sk_store_txn *t, struct delegation_rec *d)
{
	return sq_insert(sq_db(t), &d->id, "recording a delegation",
	                 "INSERT INTO delegations(role, delegate, nominator, reason, state, created)"
	                 " VALUES(?, ?, ?, ?, ?, ?)", "ttttii", d->role, d->delegate, d->nominator,
	                 d->reason, (int64_t)d->state, d->created);
}

static int
delegation_get(struct sk_store_txn *t, int64_t id, struct delegation_rec *out)
{
	sqlite3 *db = sq_db(t);
	sqlite3_stmt *st;
	int r;

	if ((r = sq_query(db, &st, "SELECT " DELEGATION_COLUMNS " FROM delegations WHERE id = ?",
	                  "i", id)) != SK_OK)
		return r;
	return sq_select_one(db, st, read_delegation, out);
}

static int
delegation_decide(struct sk_store_txn *t, int64_t id, enum delegation_state from,
                  enum delegation_state to, const char *by, int64_t at)
{
	return sq_write_one(sq_db(t), "deciding a delegation",
	                    "UPDATE delegations SET state = ?, decided_by = ?, decided_at = ?"
	                    " WHERE id = ? AND state = ?", "itiii", (int64_t)to, by, at, id,
	                    (int64_t)from);
}

static int
delegation_list(struct sk_store_txn *t, int (*fn)(void *, const struct delegation_rec *),
                void *arg)
{
	sqlite3 *db = sq_db(t);
	sqlite3_stmt *st;
	struct delegation_rec d;
	int r;

	if ((r = sq_query(db, &st, "SELECT " DELEGATION_COLUMNS " FROM delegations ORDER BY id",
	                  "")) != SK_OK)
		return r;
	return sq_each_row(db, st, read_delegation, &d, (int (*)(void *, const void *))fn, arg,
	                "listing delegations");
}

static int
read_count(sqlite3_stmt *st, void *row)
{
	*(int64_t *)row = sqlite3_column_int64(st, 0);
	return SK_OK;
}

static int
delegation_holds(struct sk_store_txn *t, const char *role, const char *user, int *yes)
{
	sqlite3 *db = sq_db(t);
	sqlite3_stmt *st;
	int64_t n = 0;
	int r;

	*yes = 0;
	if ((r = sq_query(db, &st, "SELECT count(*) FROM delegations WHERE role = ?"
	                  " AND delegate = ? AND state = 1", "tt", role, user)) != SK_OK ||
	    (r = sq_select_one(db, st, read_count, &n)) != SK_OK)
		return r;
	*yes = n > 0;
	return SK_OK;
}

#define REVIEW_COLUMNS "id, grant_id, role, user, reason, created, closed, closed_by," \
	" closed_at, comment"

static int
read_review(sqlite3_stmt *st, void *row)
{
	struct review_rec *v = row;

	memset(v, 0, sizeof(*v));
	v->id = sqlite3_column_int64(st, 0);
	v->grant_id = sqlite3_column_int64(st, 1);
	v->created = sqlite3_column_int64(st, 5);
	v->closed = sqlite3_column_int(st, 6) != 0;
	v->closed_at = sqlite3_column_int64(st, 8);
	if (sq_col_text(st, 2, v->role, sizeof(v->role)) ||
	    sq_col_text(st, 3, v->user, sizeof(v->user)) ||
	    sq_col_text(st, 4, v->reason, sizeof(v->reason)) ||
	    sq_col_text(st, 7, v->closed_by, sizeof(v->closed_by)) ||
	    sq_col_text(st, 9, v->comment, sizeof(v->comment)))
		return SK_ERR_STORE;
	return SK_OK;
}

static int
review_insert(struct sk_store_txn *t, struct review_rec *v)
{
	return sq_insert(sq_db(t), &v->id, "recording a review",
	                 "INSERT INTO reviews(grant_id, role, user, reason, created)"
	                 " VALUES(?, ?, ?, ?, ?)", "ittti", v->grant_id,
	                 v->role, v->user, v->reason, v->created);
}

static int
review_get(struct sk_store_txn *t, int64_t id, struct review_rec *out)
{
	sqlite3 *db = sq_db(t);
	sqlite3_stmt *st;
	int r;

	if ((r = sq_query(db, &st, "SELECT " REVIEW_COLUMNS " FROM reviews WHERE id = ?", "i",
	                  id)) != SK_OK)
		return r;
	return sq_select_one(db, st, read_review, out);
}

static int
review_close(struct sk_store_txn *t, int64_t id, const char *by, int64_t at, const char *comment)
{
	return sq_write_one(sq_db(t), "closing a review",
	                    "UPDATE reviews SET closed = 1, closed_by = ?, closed_at = ?, comment = ?"
	                    " WHERE id = ? AND closed = 0", "titi", by, at, comment, id);
}

static int
review_list(struct sk_store_txn *t, int open_only, int (*fn)(void *, const struct review_rec *),
            void *arg)
{
	sqlite3 *db = sq_db(t);
	sqlite3_stmt *st;
	struct review_rec v;
	int r;

	if ((r = sq_query(db, &st, open_only ?
	                  "SELECT " REVIEW_COLUMNS " FROM reviews WHERE closed = 0 ORDER BY id" :
	                  "SELECT " REVIEW_COLUMNS " FROM reviews ORDER BY closed, id", "")) != SK_OK)
		return r;
	return sq_each_row(db, st, read_review, &v, (int (*)(void *, const void *))fn, arg,
	                "listing reviews");
}

static int
role_used(struct sk_store_txn *t, const char *role, const char *user, int64_t at)
{
	return sq_write(sq_db(t), "recording a role's use",
	                "INSERT INTO role_use(role, user, last_used) VALUES(?, ?, ?)"
	                " ON CONFLICT(role, user) DO UPDATE SET last_used = excluded.last_used",
	                "tti", role, user, at);
}

static int
role_last_use(struct sk_store_txn *t, const char *role, const char *user, int64_t *at)
{
	sqlite3 *db = sq_db(t);
	sqlite3_stmt *st;
	int r;

	*at = 0;
	if ((r = sq_query(db, &st, "SELECT last_used FROM role_use WHERE role = ? AND user = ?",
	                  "tt", role, user)) != SK_OK)
		return r;
	r = sq_select_one(db, st, read_count, at);
	return r == SK_ERR_NOTFOUND ? SK_OK : r;
}

static int
user_contractor(struct sk_store_txn *t, const char *user, int *yes)
{
	sqlite3 *db = sq_db(t);
	sqlite3_stmt *st;
	int64_t n = 0;
	int r;

	*yes = 0;
	if ((r = sq_query(db, &st, "SELECT count(*) FROM users WHERE name = ?"
	                  " AND (contractor <> 0 OR hr_employment = 'contractor')", "t",
	                  user)) != SK_OK ||
	    (r = sq_select_one(db, st, read_count, &n)) != SK_OK)
		return r;
	*yes = n > 0;
	return SK_OK;
}

static int
user_set_contractor(struct sk_store_txn *t, const char *user, int yes)
{
	return sq_write_one(sq_db(t), "marking a contractor",
	                    "UPDATE users SET contractor = ? WHERE name = ?", "it", (int64_t)(yes != 0),
	                    user);
}

void
sq_grant_ops(struct sk_store_ops *o)
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
