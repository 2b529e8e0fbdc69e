/* Users (store_user.h) in the PostgreSQL backend: one row per ID with its password, tally
 * and login history; the pending attempts in their own table. */
#include "pg_store.h"

#include <stdio.h>
#include <string.h>

#include "sk_err.h"
#include "sk_log.h"

#define USER_COLUMNS \
	"id, name, profile, created, disabled, pw_hash, pw_changed, pw_temporary, fail_count," \
	" fail_first, locked, locked_until, last_login, last_login_from, prev_login," \
	" prev_login_from, failures_since_login, prev_failures, last_fail, last_fail_from," \
	" last_logout, fail_times"

/* The failure times of the tally (users.fail_times), as the SQLite backend keeps them: 8
 * bytes each, big-endian, oldest first. */
static size_t
times_encode(const struct tally *t, unsigned char *out, size_t cap)
{
	size_t n = 0;

	for (unsigned i = 0; i < t->n_times && n + 8 <= cap; i++)
		for (int b = 7; b >= 0; b--)
			out[n++] = (unsigned char)((uint64_t)t->fail_times[i] >> (8 * b));
	return n;
}

static int
times_decode(struct tally *t, const unsigned char *in, size_t len)
{
	if (len % 8 != 0 || len / 8 > TALLY_TIMES_MAX) {
		sk_logerr("stored failure times malformed (%zu bytes)", len);
		return SK_ERR_STORE;
	}
	t->n_times = (unsigned)(len / 8);
	for (unsigned i = 0; i < t->n_times; i++) {
		uint64_t v = 0;
		for (int b = 0; b < 8; b++)
			v = (v << 8) | in[i * 8 + (unsigned)b];
		t->fail_times[i] = (int64_t)v;
	}
	t->fail_count = t->n_times;
	t->fail_first = t->n_times ? t->fail_times[0] : 0;
	return SK_OK;
}

static int
read_row(PGresult *res, int row, void *out)
{
	struct user_rec *u = out;
	unsigned char times[TALLY_TIMES_MAX * 8];
	size_t times_len = 0;

	memset(u, 0, sizeof(*u));
	u->id = pg_int(res, row, 0);
	u->created = pg_int(res, row, 3);
	u->disabled = (int)pg_int(res, row, 4);
	u->pw_changed = pg_int(res, row, 6);
	u->pw_temporary = (int)pg_int(res, row, 7);
	u->tally.fail_count = pg_int(res, row, 8);
	u->tally.fail_first = pg_int(res, row, 9);
	u->tally.locked = (int)pg_int(res, row, 10);
	u->tally.locked_until = pg_int(res, row, 11);
	u->last_login = pg_int(res, row, 12);
	u->prev_login = pg_int(res, row, 14);
	u->failures_since_login = pg_int(res, row, 16);
	u->prev_failures = pg_int(res, row, 17);
	u->last_fail = pg_int(res, row, 18);
	u->last_logout = pg_int(res, row, 20);
	if (pg_blob(res, row, 21, times, sizeof(times), &times_len, 1) != SK_OK ||
	    times_decode(&u->tally, times, times_len) != SK_OK)
		return SK_ERR_STORE;
	if (pg_text(res, row, 1, u->name, sizeof(u->name)) != SK_OK ||
	    pg_text(res, row, 2, u->profile, sizeof(u->profile)) != SK_OK ||
	    pg_text(res, row, 5, u->pw_hash, sizeof(u->pw_hash)) != SK_OK ||
	    pg_text(res, row, 13, u->last_login_from, sizeof(u->last_login_from)) != SK_OK ||
	    pg_text(res, row, 15, u->prev_login_from, sizeof(u->prev_login_from)) != SK_OK ||
	    pg_text(res, row, 19, u->last_fail_from, sizeof(u->last_fail_from)) != SK_OK)
		return SK_ERR_STORE;
	return SK_OK;
}

static int
read_pending(PGconn *c, struct user_rec *u)
{
	PGresult *res;
	int r, n;

	if ((r = pg_query(c, &res, "SELECT token, created, expires FROM pending_attempts"
	                  " WHERE user_id = $1 ORDER BY created, seq", "i", u->id)) != SK_OK)
		return r;
	n = PQntuples(res);
	for (int i = 0; i < n && r == SK_OK; i++) {
		struct tally_pending *p = &u->tally.pending[u->tally.n_pending];
		size_t len = 0;

		if (u->tally.n_pending == TALLY_TIMES_MAX ||
		    pg_blob(res, i, 0, p->token, TALLY_TOKEN_LEN, &len, 0) != SK_OK ||
		    len != TALLY_TOKEN_LEN) {
			sk_logerr("pending attempts of %s malformed", u->name);
			r = SK_ERR_STORE;
			break;
		}
		p->created = pg_int(res, i, 1);
		p->expires = pg_int(res, i, 2);
		u->tally.n_pending++;
	}
	PQclear(res);
	return r;
}

static int
user_get(struct sk_store_txn *t, const char *name, struct user_rec *out)
{
	PGresult *res;
	int r;

	if ((r = pg_query(pg_conn(t), &res, "SELECT " USER_COLUMNS " FROM users WHERE name = $1",
	                  "t", name)) != SK_OK)
		return r;
	if ((r = pg_select_one(res, read_row, out)) != SK_OK)
		return r;
	return read_pending(pg_conn(t), out);
}

/* The pending attempts are few (at most deny): rewritten as a whole. */
static int
save_pending(PGconn *c, const struct user_rec *u)
{
	int r = pg_write(c, "clear pending attempts", "DELETE FROM pending_attempts"
	                 " WHERE user_id = $1", "i", u->id);

	for (unsigned i = 0; i < u->tally.n_pending && r == SK_OK; i++) {
		const struct tally_pending *p = &u->tally.pending[i];

		r = pg_write(c, "insert pending attempt", "INSERT INTO pending_attempts(user_id,"
		             " token, created, expires) VALUES($1, $2, $3, $4)", "ibii", u->id,
		             (const void *)p->token, (size_t)TALLY_TOKEN_LEN, p->created, p->expires);
	}
	return r;
}

static int
user_insert(struct sk_store_txn *t, struct user_rec *u)
{
	return pg_insert(pg_conn(t), &u->id, "insert user", "INSERT INTO users(name, profile,"
	                 " created, pw_hash, pw_changed, pw_temporary) VALUES($1, $2, $3, $4, $5, $6)"
	                 " ON CONFLICT DO NOTHING RETURNING id", "ttitii", u->name, u->profile, u->created, u->pw_hash,
	                 u->pw_changed, (int64_t)u->pw_temporary);
}

static int
user_save_auth(struct sk_store_txn *t, const struct user_rec *u)
{
	unsigned char times[TALLY_TIMES_MAX * 8];
	size_t times_len = times_encode(&u->tally, times, sizeof(times));
	int r;

	r = pg_write(pg_conn(t), "update user tally", "UPDATE users SET fail_count = $1,"
	             " fail_first = $2, locked = $3, locked_until = $4, last_login = $5,"
	             " last_login_from = $6, prev_login = $7, prev_login_from = $8,"
	             " failures_since_login = $9, prev_failures = $10, last_fail = $11,"
	             " last_fail_from = $12, fail_times = $13 WHERE id = $14", "iiiiititiiitbi",
	             u->tally.fail_count, u->tally.fail_first, (int64_t)u->tally.locked,
	             u->tally.locked_until, u->last_login, u->last_login_from, u->prev_login,
	             u->prev_login_from, u->failures_since_login, u->prev_failures, u->last_fail,
	             u->last_fail_from, (const void *)times, times_len, u->id);
	return r == SK_OK ? save_pending(pg_conn(t), u) : r;
}

static int
user_set_password(struct sk_store_txn *t, struct user_rec *u, const char *hash, int temporary,
                  int64_t now, unsigned keep)
{
	PGconn *c = pg_conn(t);
	int r = SK_OK;

	if (u->pw_hash[0] != '\0') {
		r = pg_write(c, "insert history", "INSERT INTO pw_history(user_id, hash, changed)"
		             " VALUES($1, $2, $3)", "iti", u->id, u->pw_hash, now);
		if (r == SK_OK)
			r = pg_write(c, "trim history", "DELETE FROM pw_history WHERE user_id = $1"
			             " AND seq NOT IN (SELECT seq FROM pw_history WHERE user_id = $1"
			             " ORDER BY changed DESC, seq DESC LIMIT $2)", "ii", u->id,
			             (int64_t)keep);
	}
	if (r == SK_OK)
		r = pg_write(c, "update password", "UPDATE users SET pw_hash = $1, pw_changed = $2,"
		             " pw_temporary = $3 WHERE id = $4", "tiii", hash, now, (int64_t)temporary,
		             u->id);
	if (r == SK_OK) {
		snprintf(u->pw_hash, sizeof(u->pw_hash), "%s", hash);
		u->pw_changed = now;
		u->pw_temporary = temporary;
	}
	return r;
}

static int
user_history(struct sk_store_txn *t, int64_t user_id, unsigned limit,
             int (*fn)(void *, const char *), void *arg)
{
	PGresult *res;
	int r;

	if ((r = pg_query(pg_conn(t), &res, "SELECT hash FROM pw_history WHERE user_id = $1"
	                  " ORDER BY changed DESC, seq DESC LIMIT $2", "ii", user_id,
	                  (int64_t)limit)) != SK_OK)
		return r;
	for (int i = 0; i < PQntuples(res); i++)
		if (fn(arg, PQgetvalue(res, i, 0)) != 0)
			break;
	PQclear(res);
	return SK_OK;
}

static int
user_set_logout(struct sk_store_txn *t, int64_t user_id, int64_t when)
{
	return pg_write(pg_conn(t), "update logout", "UPDATE users SET last_logout = $1"
	                " WHERE id = $2", "ii", when, user_id);
}

static int
user_set_disabled(struct sk_store_txn *t, int64_t user_id, int disabled)
{
	return pg_write(pg_conn(t), "update disabled", "UPDATE users SET disabled = $1"
	                " WHERE id = $2", "ii", (int64_t)(disabled != 0), user_id);
}

static int
user_list(struct sk_store_txn *t, int (*fn)(void *, const struct user_summary *), void *arg)
{
	struct user_summary u;
	PGresult *res;
	int r;

	if ((r = pg_query(pg_conn(t), &res, "SELECT name, profile, locked, pw_temporary,"
	                  " last_login FROM users ORDER BY name COLLATE \"C\"", "")) != SK_OK)
		return r;
	for (int i = 0; i < PQntuples(res); i++) {
		memset(&u, 0, sizeof(u));
		u.locked = (int)pg_int(res, i, 2);
		u.pw_temporary = (int)pg_int(res, i, 3);
		u.last_login = pg_int(res, i, 4);
		if ((r = pg_text(res, i, 0, u.name, sizeof(u.name))) != SK_OK ||
		    (r = pg_text(res, i, 1, u.profile, sizeof(u.profile))) != SK_OK ||
		    fn(arg, &u) != 0)
			break;
	}
	PQclear(res);
	return r;
}

void
pg_user_ops(struct sk_store_ops *o)
{
	o->user_get = user_get;
	o->user_insert = user_insert;
	o->user_save_auth = user_save_auth;
	o->user_set_password = user_set_password;
	o->user_history = user_history;
	o->user_set_disabled = user_set_disabled;
	o->user_set_logout = user_set_logout;
	o->user_list = user_list;
}
