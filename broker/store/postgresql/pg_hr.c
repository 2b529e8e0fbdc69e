/* HR state (store_hr.h) in the PostgreSQL backend: hr_files, hr_events, hr_staged and the
 * users.hr_* columns (schema version 2, pg_migrate.c). Dates are YYYY-MM-DD text, compared
 * and ordered byte-wise (COLLATE "C"), as in SQLite. */
#include "pg_store.h"

#include <string.h>

#include "sk_err.h"
#include "sk_log.h"
#include "store_hr.h"

#define EVENT_COLUMNS "event_id, staff_no, event, employment, dept, effective, file_sha256," \
	" line"
#define RECORDED_COLUMNS EVENT_COLUMNS ", state, pw_hash, created, applied"

static int
read_event(PGresult *res, int row, void *out)
{
	struct hr_event_rec *e = out;

	memset(e, 0, sizeof(*e));
	e->line = pg_int(res, row, 7);
	if (pg_text(res, row, 0, e->event_id, sizeof(e->event_id)) ||
	    pg_text(res, row, 1, e->staff_no, sizeof(e->staff_no)) ||
	    pg_text(res, row, 2, e->event, sizeof(e->event)) ||
	    pg_text(res, row, 3, e->employment, sizeof(e->employment)) ||
	    pg_text(res, row, 4, e->dept, sizeof(e->dept)) ||
	    pg_text(res, row, 5, e->effective, sizeof(e->effective)) ||
	    pg_text(res, row, 6, e->file_sha256, sizeof(e->file_sha256)))
		return SK_ERR_STORE;
	return SK_OK;
}

static int
read_recorded(PGresult *res, int row, void *out)
{
	struct hr_event_rec *e = out;
	int r = read_event(res, row, out);

	if (r != SK_OK)
		return r;
	e->state = pg_int(res, row, 8) ? HR_STATE_APPLIED : HR_STATE_PENDING;
	e->created = pg_int(res, row, 10);
	e->applied = pg_int(res, row, 11);
	return pg_text(res, row, 9, e->pw_hash, sizeof(e->pw_hash));
}

static int
read_staged(PGresult *res, int row, void *out)
{
	struct hr_event_rec *e = out;
	int r = read_event(res, row, out);

	return r == SK_OK ? pg_text(res, row, 8, e->pw_hash, sizeof(e->pw_hash)) : r;
}

static int
read_count(PGresult *res, int row, void *out)
{
	*(int64_t *)out = pg_int(res, row, 0);
	return SK_OK;
}

static int
count_of(PGconn *c, const char *sql, const char *key, int64_t *n)
{
	PGresult *res;
	int r;

	*n = 0;
	if ((r = pg_query(c, &res, sql, "t", key)) != SK_OK)
		return r;
	return pg_select_one(res, read_count, n);
}

static int
hr_file_known(struct sk_store_txn *t, const char *sha256, int *known)
{
	int64_t n;
	int r = count_of(pg_conn(t), "SELECT count(*) FROM hr_files WHERE sha256 = $1", sha256,
	                 &n);

	*known = r == SK_OK && n > 0;
	return r;
}

static int
hr_file_add(struct sk_store_txn *t, const char *sha256, int64_t records, int64_t now)
{
	return pg_run(pg_conn(t), PG_NEW_KEY, NULL, "recording an HR file", "INSERT INTO"
	              " hr_files(sha256, records, imported) VALUES($1, $2, $3)"
	              " ON CONFLICT DO NOTHING", "tii", sha256, records, now);
}

static int
hr_stage_add(struct sk_store_txn *t, const struct hr_event_rec *e)
{
	PGresult *res;
	int64_t n = 0;
	int r;

	/* An identity staged already (the same row twice in one file) keeps its first row; the
	 * identity is (staff_no, event, effective), the key (schema v9). */
	if ((r = pg_query(pg_conn(t), &res, "SELECT count(*) FROM hr_staged WHERE file_sha256 = $1"
	                  " AND staff_no = $2 AND event = $3 AND effective = $4", "tttt",
	                  e->file_sha256, e->staff_no, e->event, e->effective)) != SK_OK ||
	    (r = pg_select_one(res, read_count, &n)) != SK_OK)
		return r;
	if (n > 0)
		return SK_ERR_EXISTS;
	return pg_run(pg_conn(t), PG_NEW_KEY, NULL, "staging an HR event", "INSERT INTO hr_staged("
	              EVENT_COLUMNS ", pw_hash) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9)"
	              " ON CONFLICT DO NOTHING", "tttttttit",
	                e->event_id, e->staff_no, e->event, e->employment, e->dept, e->effective,
	                e->file_sha256, e->line, e->pw_hash);
}

static int
hr_stage_clear(struct sk_store_txn *t, const char *sha256)
{
	if (sha256 == NULL)
		return pg_write(pg_conn(t), "dropping staged HR events", "DELETE FROM hr_staged", "");
	return pg_write(pg_conn(t), "dropping staged HR events",
	                "DELETE FROM hr_staged WHERE file_sha256 = $1", "t", sha256);
}

static int
hr_stage_count(struct sk_store_txn *t, const char *sha256, int64_t *n)
{
	return count_of(pg_conn(t), "SELECT count(*) FROM hr_staged WHERE file_sha256 = $1",
	                sha256, n);
}

static int
hr_stage_next(struct sk_store_txn *t, const char *sha256, const char *after_date,
              int64_t after_line, struct hr_event_rec *out, size_t cap, size_t *n)
{
	PGresult *res;
	int r;

	if ((r = pg_query(pg_conn(t), &res, "SELECT " EVENT_COLUMNS ", pw_hash FROM hr_staged"
	                  " WHERE file_sha256 = $1 AND (effective COLLATE \"C\" > $2"
	                  " OR (effective = $2 AND line > $3))"
	                  " ORDER BY effective COLLATE \"C\", line LIMIT $4", "ttii", sha256,
	                  after_date, after_line, (int64_t)cap)) != SK_OK)
		return r;
	return pg_select(res, read_staged, out, sizeof(*out), cap, n);
}

static int
hr_stage_orphan(struct sk_store_txn *t, const char *sha256, struct hr_event_rec *out)
{
	PGresult *res;
	int r;

	if ((r = pg_query(pg_conn(t), &res, "SELECT " EVENT_COLUMNS " FROM hr_staged s"
	                  " WHERE s.file_sha256 = $1 AND s.event <> 'hire'"
	                  " AND NOT EXISTS (SELECT 1 FROM users u WHERE u.hr_staff_no = s.staff_no)"
	                  " AND NOT EXISTS (SELECT 1 FROM hr_staged h WHERE h.file_sha256 = $1"
	                  "  AND h.staff_no = s.staff_no AND h.event = 'hire')"
	                  " AND NOT EXISTS (SELECT 1 FROM hr_events e WHERE e.staff_no = s.staff_no"
	                  "  AND e.event = 'hire')"
	                  " ORDER BY s.line LIMIT 1", "t", sha256)) != SK_OK)
		return r;
	return pg_select_one(res, read_event, out);
}

static int
hr_event_known(struct sk_store_txn *t, const char *event_id, int *known)
{
	int64_t n;
	int r = count_of(pg_conn(t), "SELECT count(*) FROM hr_events WHERE event_id = $1",
	                 event_id, &n);

	*known = r == SK_OK && n > 0;
	return r;
}

static int
hr_event_insert(struct sk_store_txn *t, const struct hr_event_rec *e)
{
	return pg_run(pg_conn(t), PG_NEW_KEY, NULL, "recording an HR event", "INSERT INTO"
	              " hr_events(" RECORDED_COLUMNS ") VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9,"
	              " $10, $11, $12) ON CONFLICT DO NOTHING", "tttttttiitii", e->event_id, e->staff_no, e->event, e->employment,
	                e->dept, e->effective, e->file_sha256, e->line, (int64_t)e->state,
	                e->pw_hash, e->created, e->applied);
}

static int
hr_event_set_applied(struct sk_store_txn *t, const char *event_id, int64_t now)
{
	/* The temporary password's hash went to the user; the event keeps none. */
	return pg_write_one(pg_conn(t), "applying an HR event", "UPDATE hr_events SET state = 1,"
	                    " applied = $1, pw_hash = '' WHERE event_id = $2 AND state = 0", "it",
	                    now, event_id);
}

static int
hr_event_next_due(struct sk_store_txn *t, const char *today, struct hr_event_rec *out)
{
	PGresult *res;
	int r;

	/* Every broker's HR scheduler looks for due events: inside the applying transaction the
	 * event's row is taken (FOR UPDATE), and one another broker is applying is skipped, so
	 * an event is applied by one broker and the others go on to the next one. */
	if ((r = pg_query(pg_conn(t), &res, "SELECT " RECORDED_COLUMNS " FROM hr_events"
	                  " WHERE state = 0 AND effective COLLATE \"C\" <= $1"
	                  " ORDER BY effective COLLATE \"C\", created, line LIMIT 1"
	                  " FOR UPDATE SKIP LOCKED", "t", today)) != SK_OK)
		return r;
	return pg_select_one(res, read_recorded, out);
}

static int
hr_event_pending(struct sk_store_txn *t, int (*fn)(void *, const struct hr_event_rec *),
                 void *arg)
{
	struct hr_event_rec e;
	PGresult *res;
	int r;

	if ((r = pg_query(pg_conn(t), &res, "SELECT " RECORDED_COLUMNS " FROM hr_events"
	                  " WHERE state = 0 ORDER BY effective COLLATE \"C\", created, line",
	                  "")) != SK_OK)
		return r;
	for (int i = 0; i < PQntuples(res); i++) {
		if ((r = read_recorded(res, i, &e)) != SK_OK)
			break;
		explicit_bzero(e.pw_hash, sizeof(e.pw_hash));
		if (fn(arg, &e) != 0)
			break;
	}
	PQclear(res);
	return r;
}

static int
read_user_hr(PGresult *res, int row, void *out)
{
	struct user_hr *h = out;

	memset(h, 0, sizeof(*h));
	h->user_id = pg_int(res, row, 0);
	h->reconfirm = (int)pg_int(res, row, 6);
	h->suspended = (int)pg_int(res, row, 5);
	if (pg_text(res, row, 1, h->name, sizeof(h->name)) ||
	    pg_text(res, row, 2, h->staff_no, sizeof(h->staff_no)) ||
	    pg_text(res, row, 3, h->employment, sizeof(h->employment)) ||
	    pg_text(res, row, 4, h->dept, sizeof(h->dept)))
		return SK_ERR_STORE;
	return SK_OK;
}

static int
user_hr_by_staff(struct sk_store_txn *t, const char *staff_no, struct user_hr *out)
{
	PGresult *res;
	int r;

	if ((r = pg_query(pg_conn(t), &res, "SELECT id, name, hr_staff_no, hr_employment, hr_dept,"
	                  " hr_suspended, hr_reconfirm FROM users WHERE hr_staff_no = $1", "t",
	                  staff_no)) != SK_OK)
		return r;
	return pg_select_one(res, read_user_hr, out);
}

static int
user_hr_get(struct sk_store_txn *t, int64_t user_id, struct user_hr *out)
{
	PGresult *res;
	int r;

	if ((r = pg_query(pg_conn(t), &res, "SELECT id, name, hr_staff_no, hr_employment, hr_dept,"
	                  " hr_suspended, hr_reconfirm FROM users WHERE id = $1", "i", user_id)) != SK_OK)
		return r;
	return pg_select_one(res, read_user_hr, out);
}

static int
user_hr_set(struct sk_store_txn *t, const struct user_hr *h)
{
	/* A staff number another user has breaks a unique key: guarded, so the transaction
	 * goes on after SK_ERR_EXISTS as it does on SQLite. "" unlinks (NULL: any number of
	 * users may be unlinked). */
	return pg_run_guarded(pg_conn(t), PG_ONE_ROW, "writing a user's HR fields",
	                      "UPDATE users SET hr_staff_no = NULLIF($1, ''), hr_employment = $2,"
	                      " hr_dept = $3, hr_suspended = $4, hr_reconfirm = $5 WHERE id = $6", "tttiii",
	                      h->staff_no, h->employment, h->dept, (int64_t)h->suspended,
	                      (int64_t)h->reconfirm, h->user_id);
}

void
pg_hr_ops(struct sk_store_ops *o)
{
	o->hr_file_known = hr_file_known;
	o->hr_file_add = hr_file_add;
	o->hr_stage_add = hr_stage_add;
	o->hr_stage_clear = hr_stage_clear;
	o->hr_stage_count = hr_stage_count;
	o->hr_stage_next = hr_stage_next;
	o->hr_stage_orphan = hr_stage_orphan;
	o->hr_event_known = hr_event_known;
	o->hr_event_insert = hr_event_insert;
	o->hr_event_set_applied = hr_event_set_applied;
	o->hr_event_next_due = hr_event_next_due;
	o->hr_event_pending = hr_event_pending;
	o->user_hr_by_staff = user_hr_by_staff;
	o->user_hr_get = user_hr_get;
	o->user_hr_set = user_hr_set;
}
