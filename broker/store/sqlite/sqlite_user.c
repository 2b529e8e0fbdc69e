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

	if ((r = sq_prepare(db, "SELECT token, created, expires FROM pending_attempts"
	                    " WHERE user_id = ? ORDER BY created, rowid", &st)))
		return r;
	sqlite3_bind_int64(st, 1, u->id);
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

int
sq_user_get(struct sk_store_txn *txn, const char *name, struct user_rec *out)
{
	sqlite3 *db = sq_db(txn);
	sqlite3_stmt *st;
	int r;

	if ((r = sq_prepare(db, "SELECT " USER_COLUMNS " FROM users WHERE name = ?", &st)))
		return r;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if ((r = sq_select_one(db, st, read_row, out)) != SK_OK)
		return r;
	return read_pending(db, out);
}

/* The pending attempts are few (at most deny): rewritten as a whole. */
static int
save_pending(sqlite3 *db, const struct user_rec *u)
{
	sqlite3_stmt *st;
	int r;

	if ((r = sq_prepare(db, "DELETE FROM pending_attempts WHERE user_id = ?", &st)))
		return r;
	sqlite3_bind_int64(st, 1, u->id);
	if ((r = sq_step_done(db, st, "clear pending attempts")))
		return r;
	for (unsigned i = 0; i < u->tally.n_pending && r == SK_OK; i++) {
		const struct tally_pending *p = &u->tally.pending[i];

		if ((r = sq_prepare(db, "INSERT INTO pending_attempts(user_id, token, created,"
		                       " expires) VALUES(?, ?, ?, ?)", &st)))
			return r;
		sqlite3_bind_int64(st, 1, u->id);
		sqlite3_bind_blob(st, 2, p->token, TALLY_TOKEN_LEN, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, p->created);
		sqlite3_bind_int64(st, 4, p->expires);
		r = sq_step_done(db, st, "insert pending attempt");
	}
	return r;
}

int
sq_user_insert(struct sk_store_txn *txn, struct user_rec *u)
{
	sqlite3 *db = sq_db(txn);
	sqlite3_stmt *st;
	int r;

	if ((r = sq_prepare(db, "INSERT INTO users(name, profile, created, pw_hash, pw_changed,"
	                    " pw_temporary) VALUES(?, ?, ?, ?, ?, ?)", &st)))
		return r;
	sqlite3_bind_text(st, 1, u->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, u->profile, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, u->created);
	sqlite3_bind_text(st, 4, u->pw_hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, u->pw_changed);
	sqlite3_bind_int(st, 6, u->pw_temporary);
	if ((r = sq_step_done(db, st, "insert user")) == SK_OK)
		u->id = sqlite3_last_insert_rowid(db);
	return r;
}

int
sq_user_save_auth(struct sk_store_txn *txn, const struct user_rec *u)
{
	sqlite3 *db = sq_db(txn);
	unsigned char times[TALLY_TIMES_MAX * 8];
	size_t times_len = times_encode(&u->tally, times, sizeof(times));
	sqlite3_stmt *st;
	int r;

	if ((r = sq_prepare(db, "UPDATE users SET fail_count = ?, fail_first = ?, locked = ?,"
	                    " locked_until = ?, last_login = ?, last_login_from = ?,"
	                    " prev_login = ?, prev_login_from = ?, failures_since_login = ?,"
	                    " prev_failures = ?, last_fail = ?, last_fail_from = ?,"
	                    " fail_times = ? WHERE id = ?", &st)))
		return r;
	sqlite3_bind_int64(st, 1, u->tally.fail_count);
	sqlite3_bind_int64(st, 2, u->tally.fail_first);
	sqlite3_bind_int(st, 3, u->tally.locked);
	sqlite3_bind_int64(st, 4, u->tally.locked_until);
	sqlite3_bind_int64(st, 5, u->last_login);
	sqlite3_bind_text(st, 6, u->last_login_from, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, u->prev_login);
	sqlite3_bind_text(st, 8, u->prev_login_from, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, u->failures_since_login);
	sqlite3_bind_int64(st, 10, u->prev_failures);
	sqlite3_bind_int64(st, 11, u->last_fail);
	sqlite3_bind_text(st, 12, u->last_fail_from, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 13, times, (int)times_len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 14, u->id);
	if ((r = sq_step_done(db, st, "update user tally")) != SK_OK)
		return r;
	return save_pending(db, u);
}

int
sq_user_set_password(struct sk_store_txn *txn, struct user_rec *u, const char *hash,
                     int temporary, int64_t now, unsigned keep)
{
	sqlite3 *db = sq_db(txn);
	sqlite3_stmt *st;
	int r;

	if (u->pw_hash[0] != '\0') {
		if ((r = sq_prepare(db, "INSERT INTO pw_history(user_id, hash, changed)"
		                       " VALUES(?, ?, ?)", &st)))
			return r;
		sqlite3_bind_int64(st, 1, u->id);
		sqlite3_bind_text(st, 2, u->pw_hash, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, now);
		if ((r = sq_step_done(db, st, "insert history")))
			return r;
		if ((r = sq_prepare(db, "DELETE FROM pw_history WHERE user_id = ?1 AND rowid NOT IN"
		                       " (SELECT rowid FROM pw_history WHERE user_id = ?1"
		                       " ORDER BY changed DESC, rowid DESC LIMIT ?2)", &st)))
			return r;
		sqlite3_bind_int64(st, 1, u->id);
		sqlite3_bind_int(st, 2, (int)keep);
		if ((r = sq_step_done(db, st, "trim history")))
			return r;
	}
	if ((r = sq_prepare(db, "UPDATE users SET pw_hash = ?, pw_changed = ?, pw_temporary = ?"
	                    " WHERE id = ?", &st)))
		return r;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int(st, 3, temporary);
	sqlite3_bind_int64(st, 4, u->id);
	if ((r = sq_step_done(db, st, "update password")) == SK_OK) {
		snprintf(u->pw_hash, sizeof(u->pw_hash), "%s", hash);
		u->pw_changed = now;
		u->pw_temporary = temporary;
	}
	return r;
}

int
sq_user_history(struct sk_store_txn *txn, int64_t user_id, unsigned limit,
                int (*fn)(void *, const char *), void *arg)
{
	sqlite3 *db = sq_db(txn);
	sqlite3_stmt *st;
	int r, rc;

	if ((r = sq_prepare(db, "SELECT hash FROM pw_history WHERE user_id = ?"
	                    " ORDER BY changed DESC, rowid DESC LIMIT ?", &st)))
		return r;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_int(st, 2, (int)limit);
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

int
sq_user_set_logout(struct sk_store_txn *txn, int64_t user_id, int64_t when)
{
	sqlite3 *db = sq_db(txn);
	sqlite3_stmt *st;
	int r;

	if ((r = sq_prepare(db, "UPDATE users SET last_logout = ? WHERE id = ?", &st)))
		return r;
	sqlite3_bind_int64(st, 1, when);
	sqlite3_bind_int64(st, 2, user_id);
	return sq_step_done(db, st, "update logout");
}

int
sq_user_set_disabled(struct sk_store_txn *txn, int64_t user_id, int disabled)
{
	sqlite3 *db = sq_db(txn);
	sqlite3_stmt *st;
	int r;

	if ((r = sq_prepare(db, "UPDATE users SET disabled = ? WHERE id = ?", &st)))
		return r;
	sqlite3_bind_int(st, 1, disabled != 0);
	sqlite3_bind_int64(st, 2, user_id);
	return sq_step_done(db, st, "update disabled");
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

int
sq_user_list(struct sk_store_txn *txn, int (*fn)(void *, const struct user_summary *),
             void *arg)
{
	sqlite3 *db = sq_db(txn);
	struct user_summary u;
	sqlite3_stmt *st;
	int r, rc;

	if ((r = sq_prepare(db, "SELECT name, profile, locked, pw_temporary, last_login"
	                    " FROM users ORDER BY name", &st)) != SK_OK)
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
