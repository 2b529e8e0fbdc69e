/* HR state (store_hr.h) in SQLite: hr_files, hr_events, hr_staged and the users.hr_* columns
 * (schema version 2, sqlite_migrate.c). */
#include "sqlite_store.h"

#include <stdio.h>
#include <string.h>

#include "sk_err.h"
#include "sk_log.h"
#include "store_hr.h"

#define EVENT_COLUMNS "event_id, staff_no, event, employment, dept, effective, file_sha256," \
	" line"

static int
read_event(sqlite3_stmt *st, void *row)
{
	struct hr_event_rec *e = row;

	memset(e, 0, sizeof(*e));
	e->line = sqlite3_column_int64(st, 7);
	if (sq_col_text(st, 0, e->event_id, sizeof(e->event_id)) ||
	    sq_col_text(st, 1, e->staff_no, sizeof(e->staff_no)) ||
	    sq_col_text(st, 2, e->event, sizeof(e->event)) ||
	    sq_col_text(st, 3, e->employment, sizeof(e->employment)) ||
	    sq_col_text(st, 4, e->dept, sizeof(e->dept)) ||
	    sq_col_text(st, 5, e->effective, sizeof(e->effective)) ||
	    sq_col_text(st, 6, e->file_sha256, sizeof(e->file_sha256)))
		return SK_ERR_STORE;
	return SK_OK;
}

/* hr_events rows: the staged columns, then state, pw_hash, created, applied. */
static int
read_recorded(sqlite3_stmt *st, void *row)
{
	struct hr_event_rec *e = row;
	int r = read_event(st, row);

	if (r != SK_OK)
		return r;
	e->state = sqlite3_column_int(st, 8) ? HR_STATE_APPLIED : HR_STATE_PENDING;
	e->created = sqlite3_column_int64(st, 10);
	e->applied = sqlite3_column_int64(st, 11);
	return sq_col_text(st, 9, e->pw_hash, sizeof(e->pw_hash));
}

static int
read_count(sqlite3_stmt *st, void *row)
{
	*(int64_t *)row = sqlite3_column_int64(st, 0);
	return SK_OK;
}

static int
count_of(sqlite3 *db, const char *sql, const char *key, int64_t *n)
{
	sqlite3_stmt *st;
	int r;

	*n = 0;
	if ((r = sq_query_cached(db, &st, sql, "t", key)) != SK_OK)
		return r;
	return sq_select_one(db, st, read_count, n);
}

static int
hr_file_known(struct sk_store_txn *t, const char *sha256, int *known)
{
	int64_t n;
	int r = count_of(sq_db(t), "SELECT count(*) FROM hr_files WHERE sha256 = ?", sha256, &n);

	*known = r == SK_OK && n > 0;
	return r;
}

static int
hr_file_add(struct sk_store_txn *t, const char *sha256, int64_t records, int64_t now)
{
	return sq_write(sq_db(t), "recording an HR file",
	                "INSERT INTO hr_files(sha256, records, imported) VALUES(?, ?, ?)", "tii",
	                sha256, records, now);
}

/* Staged rows: the event columns, then the hire's password hash. */
static int
read_staged(sqlite3_stmt *st, void *row)
{
	struct hr_event_rec *e = row;
	int r = read_event(st, row);

	return r == SK_OK ? sq_col_text(st, 8, e->pw_hash, sizeof(e->pw_hash)) : r;
}

static int
hr_stage_add(struct sk_store_txn *t, const struct hr_event_rec *e)
{
	/* An identity staged already (the same row twice in one file) keeps its first row. The
	 * identity is (staff_no, event, effective), the table's unique key in file order (schema
	 * v9): one statement, no count first; no row inserted means it was there. */
	int r = sq_write_one(sq_db(t), "staging an HR event",
	                     "INSERT INTO hr_staged(" EVENT_COLUMNS ", pw_hash)"
	                     " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)"
	                     " ON CONFLICT(file_sha256, staff_no, event, effective) DO NOTHING",
	                     "tttttttit", e->event_id, e->staff_no, e->event, e->employment, e->dept,
	                     e->effective, e->file_sha256, e->line, e->pw_hash);

	return r == SK_ERR_NOTFOUND ? SK_ERR_EXISTS : r;
}

static int
read_flag(sqlite3_stmt *st, void *row)
{
	*(int *)row = sqlite3_column_int(st, 0) != 0;
	return SK_OK;
}

static int
hr_stage_clear(struct sk_store_txn *t, const char *sha256)
{
	sqlite3 *db = sq_db(t);
	sqlite3_stmt *st;
	int others = 1, r;

	/* When no other file is staged, the whole table goes at once (SQLite's truncate
	 * optimisation drops its pages instead of deleting row by row with both indexes: a
	 * tenth of a second per 30,000 rows at the end of a commit). The two probes seek in
	 * the key; "<> ?" would walk every row of this file. */
	if (sha256 != NULL) {
		if ((r = sq_query_cached(db, &st, "SELECT EXISTS(SELECT 1 FROM hr_staged"
		                         " WHERE file_sha256 < ?1) OR EXISTS(SELECT 1 FROM hr_staged"
		                         " WHERE file_sha256 > ?1)", "t", sha256)) != SK_OK ||
		    (r = sq_select_one(db, st, read_flag, &others)) != SK_OK)
			return r;
	}
	if (sha256 == NULL || !others)
		return sq_write(db, "dropping staged HR events", "DELETE FROM hr_staged", "");
	return sq_write(db, "dropping staged HR events",
	                "DELETE FROM hr_staged WHERE file_sha256 = ?", "t", sha256);
}

static int
hr_stage_count(struct sk_store_txn *t, const char *sha256, int64_t *n)
{
	return count_of(sq_db(t), "SELECT count(*) FROM hr_staged WHERE file_sha256 = ?", sha256, n);
}

static int
hr_stage_next(struct sk_store_txn *t, const char *sha256, const char *after_date,
              int64_t after_line, struct hr_event_rec *out, size_t cap, size_t *n)
{
	sqlite3 *db = sq_db(t);
	sqlite3_stmt *st;
	int r;

	/* A row value, not "effective > ? OR (effective = ? AND line > ?)": with the OR SQLite
	 * walked the file's index entries from the start on every call (quadratic in the file's
	 * rows: most of a 10,000-row commit); the row value seeks in hr_staged_order. */
	if ((r = sq_query_cached(db, &st, "SELECT " EVENT_COLUMNS ", pw_hash FROM hr_staged"
	                         " WHERE file_sha256 = ? AND (effective, line) > (?, ?)"
	                         " ORDER BY effective, line LIMIT ?", "ttii", sha256, after_date,
	                         after_line, (int64_t)cap)) != SK_OK)
		return r;
	return sq_select(db, st, read_staged, out, sizeof(*out), cap, n);
}

static int
hr_stage_orphan(struct sk_store_txn *t, const char *sha256, struct hr_event_rec *out)
{
	sqlite3 *db = sq_db(t);
	sqlite3_stmt *st;
	int r;

	if ((r = sq_query(db, &st, "SELECT " EVENT_COLUMNS " FROM hr_staged s"
	                  " WHERE s.file_sha256 = ?1 AND s.event <> 'hire'"
	                  " AND NOT EXISTS (SELECT 1 FROM users u WHERE u.hr_staff_no = s.staff_no)"
	                  " AND NOT EXISTS (SELECT 1 FROM hr_staged h WHERE h.file_sha256 = ?1"
	                  "  AND h.staff_no = s.staff_no AND h.event = 'hire')"
	                  " AND NOT EXISTS (SELECT 1 FROM hr_events e WHERE e.staff_no = s.staff_no"
	                  "  AND e.event = 'hire')"
	                  " ORDER BY s.line LIMIT 1", "t", sha256)) != SK_OK)
		return r;
	return sq_select_one(db, st, read_event, out);
}

/* cache_size in KiB is negative; -2000 is SQLite's default, which the broker never changes. */
static int
hr_bulk_cache(struct sk_store_txn *t, int on)
{
	char sql[64];

	snprintf(sql, sizeof(sql), "PRAGMA cache_size = -%d;", on ? STORE_HR_BULK_CACHE_KIB : 2000);
	return sq_exec(sq_db(t), sql);
}

static int
hr_event_known(struct sk_store_txn *t, const char *event_id, int *known)
{
	int64_t n;
	int r = count_of(sq_db(t), "SELECT count(*) FROM hr_events WHERE event_id = ?", event_id,
	                 &n);

	*known = r == SK_OK && n > 0;
	return r;
}

static int
hr_event_insert(struct sk_store_txn *t, const struct hr_event_rec *e)
{
	return sq_write(sq_db(t), "recording an HR event",
	                "INSERT INTO hr_events(" EVENT_COLUMNS ", state, pw_hash, created, applied)"
	                " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "tttttttiitii",
	                e->event_id, e->staff_no, e->event, e->employment, e->dept, e->effective,
	                e->file_sha256, e->line, (int64_t)e->state, e->pw_hash, e->created,
	                e->applied);
}

static int
hr_event_set_applied(struct sk_store_txn *t, const char *event_id, int64_t now)
{
	/* The temporary password's hash went to the user; the event keeps none. */
	return sq_write_one(sq_db(t), "applying an HR event",
	                    "UPDATE hr_events SET state = 1, applied = ?, pw_hash = ''"
	                    " WHERE event_id = ? AND state = 0", "it", now, event_id);
}

#define RECORDED_COLUMNS EVENT_COLUMNS ", state, pw_hash, created, applied"

static int
hr_event_next_due(struct sk_store_txn *t, const char *today, struct hr_event_rec *out)
{
	sqlite3 *db = sq_db(t);
	sqlite3_stmt *st;
	int r;

	if ((r = sq_query(db, &st, "SELECT " RECORDED_COLUMNS " FROM hr_events"
	                  " WHERE state = 0 AND effective <= ? ORDER BY effective, created, line"
	                  " LIMIT 1", "t", today)) != SK_OK)
		return r;
	return sq_select_one(db, st, read_recorded, out);
}

static int
hr_event_pending(struct sk_store_txn *t, int (*fn)(void *, const struct hr_event_rec *),
                 void *arg)
{
	sqlite3 *db = sq_db(t);
	sqlite3_stmt *st;
	struct hr_event_rec e;
	int r, rc;

	if ((r = sq_query(db, &st, "SELECT " RECORDED_COLUMNS " FROM hr_events WHERE state = 0"
	                  " ORDER BY effective, created, line", "")) != SK_OK)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((r = read_recorded(st, &e)) != SK_OK)
			break;
		explicit_bzero(e.pw_hash, sizeof(e.pw_hash));
		if (fn(arg, &e) != 0)
			break;
	}
	sqlite3_finalize(st);
	if (r == SK_OK && rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sk_logerr("listing pending HR events: %s", sqlite3_errmsg(db));
		r = SK_ERR_STORE;
	}
	return r;
}

static int
read_user_hr(sqlite3_stmt *st, void *row)
{
	struct user_hr *h = row;

	memset(h, 0, sizeof(*h));
	h->user_id = sqlite3_column_int64(st, 0);
	h->reconfirm = sqlite3_column_int(st, 6);
	h->suspended = sqlite3_column_int(st, 5);
	if (sq_col_text(st, 1, h->name, sizeof(h->name)) ||
	    sq_col_text(st, 2, h->staff_no, sizeof(h->staff_no)) ||
	    sq_col_text(st, 3, h->employment, sizeof(h->employment)) ||
	    sq_col_text(st, 4, h->dept, sizeof(h->dept)))
		return SK_ERR_STORE;
	return SK_OK;
}

static int
user_hr_by_staff(struct sk_store_txn *t, const char *staff_no, struct user_hr *out)
{
	sqlite3 *db = sq_db(t);
	sqlite3_stmt *st;
	int r;

	if ((r = sq_query_cached(db, &st, "SELECT id, name, hr_staff_no, hr_employment, hr_dept,"
	                         " hr_suspended, hr_reconfirm FROM users WHERE hr_staff_no = ?", "t", staff_no)) != SK_OK)
		return r;
	return sq_select_one(db, st, read_user_hr, out);
}

static int
user_hr_get(struct sk_store_txn *t, int64_t user_id, struct user_hr *out)
{
	sqlite3 *db = sq_db(t);
	sqlite3_stmt *st;
	int r;

	if ((r = sq_query_cached(db, &st, "SELECT id, name, hr_staff_no, hr_employment, hr_dept,"
	                         " hr_suspended, hr_reconfirm FROM users WHERE id = ?", "i", user_id)) != SK_OK)
		return r;
	return sq_select_one(db, st, read_user_hr, out);
}

static int
user_hr_set(struct sk_store_txn *t, const struct user_hr *h)
{
	/* Most writes keep the staff number (an HR transfer, leave, return): then it is left out
	 * of the SET, so SQLite neither rewrites the unique index users_hr_staff_no nor checks
	 * it (a tenth of a bulk HR commit's instructions). Otherwise, or for no such user, the
	 * full update below decides (SK_ERR_EXISTS, SK_ERR_NOTFOUND). */
	int r = sq_write_one(sq_db(t), "writing a user's HR fields",
	                     "UPDATE users SET hr_employment = ?, hr_dept = ?, hr_suspended = ?,"
	                     " hr_reconfirm = ? WHERE id = ? AND hr_staff_no IS NULLIF(?, '')",
	                     "ttiiit", h->employment, h->dept, (int64_t)h->suspended,
	                     (int64_t)h->reconfirm, h->user_id, h->staff_no);

	if (r != SK_ERR_NOTFOUND)
		return r;
	return sq_write_one(sq_db(t), "writing a user's HR fields",
	                    "UPDATE users SET hr_staff_no = NULLIF(?, ''), hr_employment = ?, hr_dept = ?,"
	                    " hr_suspended = ?, hr_reconfirm = ? WHERE id = ?", "tttiii", h->staff_no,
	                    h->employment, h->dept, (int64_t)h->suspended, (int64_t)h->reconfirm,
	                    h->user_id);
}

void
sq_hr_ops(struct sk_store_ops *o)
{
	o->hr_file_known = hr_file_known;
	o->hr_file_add = hr_file_add;
	o->hr_stage_add = hr_stage_add;
	o->hr_stage_clear = hr_stage_clear;
	o->hr_stage_count = hr_stage_count;
	o->hr_stage_next = hr_stage_next;
	o->hr_stage_orphan = hr_stage_orphan;
	o->hr_bulk_cache = hr_bulk_cache;
	o->hr_event_known = hr_event_known;
	o->hr_event_insert = hr_event_insert;
	o->hr_event_set_applied = hr_event_set_applied;
	o->hr_event_next_due = hr_event_next_due;
	o->hr_event_pending = hr_event_pending;
	o->user_hr_by_staff = user_hr_by_staff;
	o->user_hr_get = user_hr_get;
	o->user_hr_set = user_hr_set;
}
