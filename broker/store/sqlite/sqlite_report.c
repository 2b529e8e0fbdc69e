/* Reconciliation reads (store_report.h) in SQLite: users.hr_staff_no against hr_events, and
 * the dormancy of accounts (users.dormant_reset, schema step "HR reconciliation"). */
#include "sqlite_store.h"

#include <string.h>

#include "sk_err.h"
#include "sk_log.h"
#include "store_report.h"

/* MAX() of several arguments is SQLite's scalar max. */
#define USER_COLUMNS "id, name, profile, COALESCE(hr_staff_no, ''), disabled, created," \
	" last_login, MAX(last_login, created, dormant_reset)"

static int
read_user(sqlite3_stmt *st, struct report_user *u)
{
	memset(u, 0, sizeof(*u));
	u->id = sqlite3_column_int64(st, 0);
	u->disabled = sqlite3_column_int(st, 4);
	u->created = sqlite3_column_int64(st, 5);
	u->last_login = sqlite3_column_int64(st, 6);
	u->active_from = sqlite3_column_int64(st, 7);
	if (sq_col_text(st, 1, u->name, sizeof(u->name)) ||
	    sq_col_text(st, 2, u->profile, sizeof(u->profile)) ||
	    sq_col_text(st, 3, u->staff_no, sizeof(u->staff_no)))
		return SK_ERR_STORE;
	return SK_OK;
}

/* Steps st to its end, handing each account to fn; finalizes st. */
static int
each_user(sqlite3 *db, sqlite3_stmt *st, const char *what,
          int (*fn)(void *, const struct report_user *), void *arg)
{
	struct report_user u;
	int r = SK_OK, rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((r = read_user(st, &u)) != SK_OK || fn(arg, &u) != 0)
			break;
	if (r == SK_OK && rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sk_logerr("%s: %s", what, sqlite3_errmsg(db));
		r = SK_ERR_STORE;
	}
	sqlite3_finalize(st);
	return r;
}

static int
report_unlinked_users(struct sk_store_txn *t, int (*fn)(void *, const struct report_user *),
                      void *arg)
{
	sqlite3 *db = sq_db(t);
	sqlite3_stmt *st;
	int r;

	if ((r = sq_query(db, &st, "SELECT " USER_COLUMNS " FROM users WHERE hr_staff_no IS NULL"
	                  " ORDER BY name", "")) != SK_OK)
		return r;
	return each_user(db, st, "accounts without HR record", fn, arg);
}

static int
report_dormant(struct sk_store_txn *t, int64_t before, const char *profile, int enabled_only,
               int (*fn)(void *, const struct report_user *), void *arg)
{
	sqlite3 *db = sq_db(t);
	sqlite3_stmt *st;
	int r;

	if ((r = sq_query(db, &st, "SELECT " USER_COLUMNS " FROM users"
	                  " WHERE MAX(last_login, created, dormant_reset) < ?1"
	                  " AND (?2 = '' OR profile = ?2) AND (?3 = 0 OR disabled = 0)"
	                  " ORDER BY name", "iti", before, profile != NULL ? profile : "",
	                  (int64_t)(enabled_only != 0))) != SK_OK)
		return r;
	return each_user(db, st, "dormant accounts", fn, arg);
}

/* hr_events columns, as sqlite_hr.c reads them. */
static int
read_staff(sqlite3_stmt *st, struct hr_event_rec *e)
{
	memset(e, 0, sizeof(*e));
	e->line = sqlite3_column_int64(st, 5);
	e->state = sqlite3_column_int(st, 6) ? HR_STATE_APPLIED : HR_STATE_PENDING;
	if (sq_col_text(st, 0, e->staff_no, sizeof(e->staff_no)) ||
	    sq_col_text(st, 1, e->event, sizeof(e->event)) ||
	    sq_col_text(st, 2, e->effective, sizeof(e->effective)) ||
	    sq_col_text(st, 3, e->file_sha256, sizeof(e->file_sha256)) ||
	    sq_col_text(st, 4, e->event_id, sizeof(e->event_id)))
		return SK_ERR_STORE;
	return SK_OK;
}

static int
report_unlinked_staff(struct sk_store_txn *t, int (*fn)(void *, const struct hr_event_rec *),
                      void *arg)
{
	sqlite3 *db = sq_db(t);
	struct hr_event_rec e;
	sqlite3_stmt *st;
	int r = SK_OK, rc;

	/* The latest event of each staff number with an applied event and no linked account. */
	if ((r = sq_query(db, &st,
	                  "SELECT e.staff_no, e.event, e.effective, e.file_sha256, e.event_id, e.line,"
	                  " e.state FROM hr_events e"
	                  " WHERE e.event_id = (SELECT x.event_id FROM hr_events x"
	                  "  WHERE x.staff_no = e.staff_no"
	                  "  ORDER BY x.effective DESC, x.created DESC, x.line DESC LIMIT 1)"
	                  " AND EXISTS (SELECT 1 FROM hr_events a WHERE a.staff_no = e.staff_no"
	                  "  AND a.state = 1)"
	                  " AND NOT EXISTS (SELECT 1 FROM hr_events h WHERE h.staff_no = e.staff_no"
	                  "  AND h.event = 'hire' AND h.state = 0)"
	                  " AND NOT EXISTS (SELECT 1 FROM users u WHERE u.hr_staff_no = e.staff_no)"
	                  " ORDER BY e.staff_no", "")) != SK_OK)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((r = read_staff(st, &e)) != SK_OK || fn(arg, &e) != 0)
			break;
	if (r == SK_OK && rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sk_logerr("HR records without account: %s", sqlite3_errmsg(db));
		r = SK_ERR_STORE;
	}
	sqlite3_finalize(st);
	return r;
}

static int
user_dormant_reset(struct sk_store_txn *t, int64_t user_id, int64_t now)
{
	return sq_write_one(sq_db(t), "restarting the dormancy clock",
	                    "UPDATE users SET dormant_reset = ? WHERE id = ?", "ii", now, user_id);
}

void
sq_report_ops(struct sk_store_ops *o)
{
	o->report_unlinked_users = report_unlinked_users;
	o->report_unlinked_staff = report_unlinked_staff;
	o->report_dormant = report_dormant;
	o->user_dormant_reset = user_dormant_reset;
}
