/* Reconciliation reads (store_report.h) in the PostgreSQL backend: users.hr_staff_no against
 * hr_events, and the dormancy of accounts (users.dormant_reset, schema step "HR
 * reconciliation"). */
#include "pg_store.h"

#include <string.h>

#include "sk_err.h"
#include "sk_log.h"
#include "store_report.h"

/* GREATEST is PostgreSQL's scalar maximum (SQLite's MAX of several arguments). */
#define USER_COLUMNS "id, name, profile, COALESCE(hr_staff_no, ''), disabled, created," \
	" last_login, GREATEST(last_login, created, dormant_reset)"

static int
read_user(PGresult *res, int row, struct report_user *u)
{
	memset(u, 0, sizeof(*u));
	u->id = pg_int(res, row, 0);
	u->disabled = (int)pg_int(res, row, 4);
	u->created = pg_int(res, row, 5);
	u->last_login = pg_int(res, row, 6);
	u->active_from = pg_int(res, row, 7);
	if (pg_text(res, row, 1, u->name, sizeof(u->name)) ||
	    pg_text(res, row, 2, u->profile, sizeof(u->profile)) ||
	    pg_text(res, row, 3, u->staff_no, sizeof(u->staff_no)))
		return SK_ERR_STORE;
	return SK_OK;
}

/* Hands each account of res to fn; clears res. */
static int
each_user(PGresult *res, int (*fn)(void *, const struct report_user *), void *arg)
{
	struct report_user u;
	int r = SK_OK;

	for (int i = 0; i < PQntuples(res); i++)
		if ((r = read_user(res, i, &u)) != SK_OK || fn(arg, &u) != 0)
			break;
	PQclear(res);
	return r;
}

static int
report_unlinked_users(struct sk_store_txn *t, int (*fn)(void *, const struct report_user *),
                      void *arg)
{
	PGresult *res;
	int r;

	if ((r = pg_query(pg_conn(t), &res, "SELECT " USER_COLUMNS " FROM users"
	                  " WHERE hr_staff_no IS NULL ORDER BY name COLLATE \"C\"", "")) != SK_OK)
		return r;
	return each_user(res, fn, arg);
}

static int
report_dormant(struct sk_store_txn *t, int64_t before, const char *profile, int enabled_only,
               int (*fn)(void *, const struct report_user *), void *arg)
{
	PGresult *res;
	int r;

	if ((r = pg_query(pg_conn(t), &res, "SELECT " USER_COLUMNS " FROM users"
	                  " WHERE GREATEST(last_login, created, dormant_reset) < $1"
	                  " AND ($2 = '' OR profile = $2) AND ($3 = 0 OR disabled = 0)"
	                  " ORDER BY name COLLATE \"C\"", "iti", before,
	                  profile != NULL ? profile : "", (int64_t)(enabled_only != 0))) != SK_OK)
		return r;
	return each_user(res, fn, arg);
}

static int
read_staff(PGresult *res, int row, struct hr_event_rec *e)
{
	memset(e, 0, sizeof(*e));
	e->line = pg_int(res, row, 5);
	e->state = pg_int(res, row, 6) ? HR_STATE_APPLIED : HR_STATE_PENDING;
	if (pg_text(res, row, 0, e->staff_no, sizeof(e->staff_no)) ||
	    pg_text(res, row, 1, e->event, sizeof(e->event)) ||
	    pg_text(res, row, 2, e->effective, sizeof(e->effective)) ||
	    pg_text(res, row, 3, e->file_sha256, sizeof(e->file_sha256)) ||
	    pg_text(res, row, 4, e->event_id, sizeof(e->event_id)))
		return SK_ERR_STORE;
	return SK_OK;
}

static int
report_unlinked_staff(struct sk_store_txn *t, int (*fn)(void *, const struct hr_event_rec *),
                      void *arg)
{
	struct hr_event_rec e;
	PGresult *res;
	int r;

	/* The latest event of each staff number with an applied event and no linked account. */
	if ((r = pg_query(pg_conn(t), &res,
	                  "SELECT e.staff_no, e.event, e.effective, e.file_sha256, e.event_id, e.line,"
	                  " e.state FROM hr_events e"
	                  " WHERE e.event_id = (SELECT x.event_id FROM hr_events x"
	                  "  WHERE x.staff_no = e.staff_no"
	                  "  ORDER BY x.effective COLLATE \"C\" DESC, x.created DESC, x.line DESC"
	                  "  LIMIT 1)"
	                  " AND EXISTS (SELECT 1 FROM hr_events a WHERE a.staff_no = e.staff_no"
	                  "  AND a.state = 1)"
	                  " AND NOT EXISTS (SELECT 1 FROM hr_events h WHERE h.staff_no = e.staff_no"
	                  "  AND h.event = 'hire' AND h.state = 0)"
	                  " AND NOT EXISTS (SELECT 1 FROM users u WHERE u.hr_staff_no = e.staff_no)"
	                  " ORDER BY e.staff_no COLLATE \"C\"", "")) != SK_OK)
		return r;
	for (int i = 0; i < PQntuples(res); i++)
		if ((r = read_staff(res, i, &e)) != SK_OK || fn(arg, &e) != 0)
			break;
	PQclear(res);
	return r;
}

static int
user_dormant_reset(struct sk_store_txn *t, int64_t user_id, int64_t now)
{
	return pg_write_one(pg_conn(t), "restarting the dormancy clock",
	                    "UPDATE users SET dormant_reset = $1 WHERE id = $2", "ii", now, user_id);
}

void
pg_report_ops(struct sk_store_ops *o)
{
	o->report_unlinked_users = report_unlinked_users;
	o->report_unlinked_staff = report_unlinked_staff;
	o->report_dormant = report_dormant;
	o->user_dormant_reset = user_dormant_reset;
}
