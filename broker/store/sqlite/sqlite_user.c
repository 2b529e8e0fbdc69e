#include "sqlite_store.h"

#include <stdio.h>
#include <string.h>

#include "sk_err.h"
#include "sk_log.h"

#define USER_COLUMNS \
	"id, name, profile, created, disabled, pw_hash, pw_changed, pw_temporary, fail_count," \
	" fail_first, locked, locked_until, last_login, last_login_from, prev_login," \
	" prev_login_from, failures_since_login, prev_failures, last_fail, last_fail_from," \
	" last_logout, fail_times"

/* The failure times of the tally, as this backend keeps them (users.fail_times): 8 bytes
 * each, big-endian, oldest first. */
static size_t
times_encode(const struct tally *t, unsigned char *out, size_t cap)
{
	size_t n = 0;

	for (unsigned i = 0; i < t->n_times && n + 8 <= cap; i++)
		for (int b = 7; b >= 0; b--)
			out[n++] = (unsigned char)((uint64_t)t->fail_times[i] >> (8 * b));
	return n;
}

/* SK_ERR_STORE for a length that is not a multiple of 8 or holds too many entries. The
 * count and the oldest failure follow from the times themselves. */
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
read_row(sqlite3_stmt *st, void *row)
{
	struct user_rec *u = row;

	memset(u, 0, sizeof(*u));
	u->id = sqlite3_column_int64(st, 0);
	u->created = sqlite3_column_int64(st, 3);
	u->disabled = sqlite3_column_int(st, 4);
	u->pw_changed = sqlite3_column_int64(st, 6);
	u->pw_temporary = sqlite3_column_int(st, 7);
	u->tally.fail_count = sqlite3_column_int64(st, 8);
	u->tally.fail_first = sqlite3_column_int64(st, 9);
	u->tally.locked = sqlite3_column_int(st, 10);
	u->tally.locked_until = sqlite3_column_int64(st, 11);
	u->last_login = sqlite3_column_int64(st, 12);
	u->prev_login = sqlite3_column_int64(st, 14);
	u->failures_since_login = sqlite3_column_int64(st, 16);
	u->prev_failures = sqlite3_column_int64(st, 17);
	u->last_fail = sqlite3_column_int64(st, 18);
	u->last_logout = sqlite3_column_int64(st, 20);
	if (times_decode(&u->tally, sqlite3_column_blob(st, 21),
	                       (size_t)sqlite3_column_bytes(st, 21)) != SK_OK)
		return SK_ERR_STORE;
	if (sq_col_text(st, 1, u->name, sizeof(u->name)) != SK_OK ||
	    sq_col_text(st, 2, u->profile, sizeof(u->profile)) != SK_OK ||
	    sq_col_text(st, 5, u->pw_hash, sizeof(u->pw_hash)) != SK_OK ||
	    sq_col_text(st, 13, u->last_login_from, sizeof(u->last_login_from)) != SK_OK ||
	    sq_col_text(st, 15, u->prev_login_from, sizeof(u->prev_login_from)) != SK_OK ||
	    sq_col_text(st, 19, u->last_fail_from, sizeof(u->last_fail_from)) != SK_OK)
		return SK_ERR_STORE;
	return SK_OK;
}

static int
read_pending(sqlite3 *db, struct user_rec *u)
{
	sqlite3_stmt *st;
	int r, rc;

	if ((r = sq_query(db, &st, "SELECT token, created, expires FROM pending_attempts"
	                  " WHERE user_id = ? ORDER BY created, rowid", "i", u->id)) != SK_OK)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct tally_pending *p = &u->tally.pending[u->tally.n_pending];

		if (u->tally.n_pending == TALLY_TIMES_MAX ||
		    sqlite3_column_bytes(st, 0) != TALLY_TOKEN_LEN) {
			sk_logerr("pending attempts of %s malformed", u->name);
			r = SK_ERR_STORE;
			break;
		}
		memcpy(p->token, sqlite3_column_blob(st, 0), TALLY_TOKEN_LEN);
		p->created = sqlite3_column_int64(st, 1);
		p->expires = sqlite3_column_int64(st, 2);
		u->tally.n_pending++;
	}
	if (r == SK_OK && rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sk_logerr("pending attempts: %s", sqlite3_errmsg(db));
		r = SK_ERR_STORE;
	}
	sqlite3_finalize(st);
	return r;
}

static int
user_get(struct sk_store_txn *t, const char *name, struct user_rec *out)
{
	sqlite3 *db = sq_db(t);
	sqlite3_stmt *st;
	int r;

	if ((r = sq_query_cached(db, &st, "SELECT " USER_COLUMNS " FROM users WHERE name = ?",
	                         "t", name)) != SK_OK)
		return r;
	if ((r = sq_select_one(db, st, read_row, out)) != SK_OK)
		return r;
	return read_pending(db, out);
}

/* The pending attempts are few (at most deny): rewritten as a whole. */
static int
save_pending(sqlite3 *db, const struct user_rec *u)
{
	int r = sq_write(db, "clear pending attempts", "DELETE FROM pending_attempts"
	                 " WHERE user_id = ?", "i", u->id);

	for (unsigned i = 0; i < u->tally.n_pending && r == SK_OK; i++) {
		const struct tally_pending *p = &u->tally.pending[i];

		r = sq_write(db, "insert pending attempt", "INSERT INTO pending_attempts(user_id,"
		             " token, created, expires) VALUES(?, ?, ?, ?)", "ibii", u->id,
		             (const void *)p->token, (size_t)TALLY_TOKEN_LEN, p->created, p->expires);
	}
	return r;
}

static int
user_insert(struct sk_store_txn *t, struct user_rec *u)
{
	return sq_insert(sq_db(t), &u->id, "insert user", "INSERT INTO users(name, profile,"
	                 " created, pw_hash, pw_changed, pw_temporary) VALUES(?, ?, ?, ?, ?, ?)",
	                 "ttitii", u->name, u->profile, u->created, u->pw_hash, u->pw_changed,
	                 (int64_t)u->pw_temporary);
}

static int
user_save_auth(struct sk_store_txn *t, const struct user_rec *u)
{
	unsigned char times[TALLY_TIMES_MAX * 8];
	size_t times_len = times_encode(&u->tally, times, sizeof(times));
	int r;

	r = sq_write(sq_db(t), "update user tally", "UPDATE users SET fail_count = ?,"
	             " fail_first = ?, locked = ?, locked_until = ?, last_login = ?,"
	             " last_login_from = ?, prev_login = ?, prev_login_from = ?,"
	             " failures_since_login = ?, prev_failures = ?, last_fail = ?,"
	             " last_fail_from = ?, fail_times = ? WHERE id = ?", "iiiiititiiitbi",
	             u->tally.fail_count, u->tally.fail_first, (int64_t)u->tally.locked,
	             u->tally.locked_until, u->last_login, u->last_login_from, u->prev_login,
	             u->prev_login_from, u->failures_since_login, u->prev_failures, u->last_fail,
	             u->last_fail_from, (const void *)times, times_len, u->id);
	return r == SK_OK ? save_pending(sq_db(t), u) : r;
}

static int
user_set_password(struct sk_store_txn *t, struct user_rec *u, const char *hash, int temporary,
                  int64_t now, unsigned keep)
{
	sqlite3 *db = sq_db(t);
	int r = SK_OK;

	if (u->pw_hash[0] != '\0') {
		r = sq_write(db, "insert history", "INSERT INTO pw_history(user_id, hash, changed)"
		             " VALUES(?, ?, ?)", "iti", u->id, u->pw_hash, now);
		if (r == SK_OK)
			r = sq_write(db, "trim history", "DELETE FROM pw_history WHERE user_id = ?1"
			             " AND rowid NOT IN (SELECT rowid FROM pw_history WHERE user_id = ?1"
			             " ORDER BY changed DESC, rowid DESC LIMIT ?2)", "ii", u->id,
			             (int64_t)keep);
	}
	if (r == SK_OK)
		r = sq_write(db, "update password", "UPDATE users SET pw_hash = ?, pw_changed = ?,"
		             " pw_temporary = ? WHERE id = ?", "tiii", hash, now, (int64_t)temporary,
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
	sqlite3 *db = sq_db(t);
	sqlite3_stmt *st;
	int r, rc;

	if ((r = sq_query(db, &st, "SELECT hash FROM pw_history WHERE user_id = ?"
	                  " ORDER BY changed DESC, rowid DESC LIMIT ?", "ii", user_id,
	                  (int64_t)limit)) != SK_OK)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *h = (const char *)sqlite3_column_text(st, 0);
		if (h != NULL && fn(arg, h) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sk_logerr("history: %s", sqlite3_errmsg(db));
		r = SK_ERR_STORE;
	}
	sqlite3_finalize(st);
	return r;
}

static int
user_set_logout(struct sk_store_txn *t, int64_t user_id, int64_t when)
{
	return sq_write(sq_db(t), "update logout", "UPDATE users SET last_logout = ? WHERE id = ?",
	                "ii", when, user_id);
}

static int
user_set_disabled(struct sk_store_txn *t, int64_t user_id, int disabled)
{
	return sq_write(sq_db(t), "update disabled", "UPDATE users SET disabled = ? WHERE id = ?",
	                "ii", (int64_t)(disabled != 0), user_id);
}

static int
read_summary(sqlite3_stmt *st, struct user_summary *u)
{
	memset(u, 0, sizeof(*u));
	u->locked = sqlite3_column_int(st, 2);
	u->pw_temporary = sqlite3_column_int(st, 3);
	u->last_login = sqlite3_column_int64(st, 4);
	if (sq_col_text(st, 0, u->name, sizeof(u->name)) != SK_OK ||
	    sq_col_text(st, 1, u->profile, sizeof(u->profile)) != SK_OK)
		return SK_ERR_STORE;
	return SK_OK;
}

static int
user_list(struct sk_store_txn *t, int (*fn)(void *, const struct user_summary *), void *arg)
{
	sqlite3 *db = sq_db(t);
	struct user_summary u;
	sqlite3_stmt *st;
	int r, rc;

	if ((r = sq_query(db, &st, "SELECT name, profile, locked, pw_temporary, last_login"
	                  " FROM users ORDER BY name", "")) != SK_OK)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((r = read_summary(st, &u)) != SK_OK || fn(arg, &u) != 0)
			break;
	}
	if (r == SK_OK && rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sk_logerr("list users: %s", sqlite3_errmsg(db));
		r = SK_ERR_STORE;
	}
	sqlite3_finalize(st);
	return r;
}

void
sq_user_ops(struct sk_store_ops *o)
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
